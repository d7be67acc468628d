//! The simulator: runs × years × variants under the same draws, in batches evaluated in
//! parallel.
//!
//! A batch of consecutive runs advances year by year in two stages. The shared projection
//! ([`shared`]) computes what no agreement changes — population, demand, workforce, budgets —
//! once per distinct set of projection inputs; then each variant ([`variant_year`]) applies its
//! fund, interventions and rule hooks to its own frame and ledger, and hands its year to a
//! [`Recorder`]. An extra variant therefore costs its own step, not a whole re-simulation.
//!
//! Within a year every quantity is an array across the batch's runs, so that rules written as
//! scripts are evaluated once per batch and year rather than once per run (a script call per run
//! costs hundreds of times the arithmetic; see `shared/notes/rhai-performance.md`).
//!
//! Each run draws from its own streams (see [`crate::sampling`]), so results are bit-identical
//! whatever the batch size or the number of threads.

mod care;
mod layout;
mod shared;
mod variant_year;

use rayon::prelude::*;

use crate::agreement::{Agreements, RuleError};
use crate::ledger::Entry;
use crate::model::Model;
use crate::outcome::{Catalogue, Outcomes, OutcomesRecorder, RecordedYear, Recorder, SpillError};
use crate::variant::{self, NETWORK, Variant, VariantError};

use layout::Layout;
use shared::Projection;
use variant_year::VariantRun;

/// How a simulation is run; the scenario gives the defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub runs: u64,
    pub seed: u64,
    /// Runs advanced together; results do not depend on it.
    pub batch_size: usize,
    /// Worker threads; `None` uses rayon's default (one per core).
    pub threads: Option<usize>,
    /// Set to stop the simulation before its next batch (`kloof serve` drops a re-run that a
    /// newer request of the same page supersedes).
    pub cancel: Option<Cancel>,
    /// The first run simulated: a shard of a study simulates runs `first_run..first_run +
    /// runs` of it. Each run draws from its own streams, so run k of a shard is run k of the
    /// whole study (and a batch's boundaries change nothing).
    pub first_run: u64,
}

/// A flag that stops a simulation: it ends with [`SimError::Cancelled`] at the next batch.
pub type Cancel = std::sync::Arc<std::sync::atomic::AtomicBool>;

impl Settings {
    /// Small enough that a batch's frames and values stay in cache through each stage of a
    /// year (at 2,048 runs the partner-economics rows no longer did: the default run took
    /// about 15 % longer), large enough to amortise each stage's per-batch work.
    pub const DEFAULT_BATCH: usize = 512;
    /// More worker threads than this only costs time spawning them.
    pub const MAX_THREADS: usize = 1024;
}

/// Why a simulation stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{0}")]
    Rule(#[from] RuleError),
    #[error("could not start {threads} worker threads: {reason}")]
    Threads { threads: usize, reason: String },
    #[error("{0}")]
    Variant(#[from] VariantError),
    #[error("{0}")]
    Spill(#[from] SpillError),
    #[error("the simulation was cancelled")]
    Cancelled,
}

/// What every batch of one simulation shares.
pub(crate) struct Context<'a> {
    m: &'a Model,
    variants: &'a [Variant],
    agreements: &'a dyn Agreements,
    layout: Layout,
    seed: u64,
    /// Number of simulated years.
    years: usize,
    /// Per projection, the inputs it draws: the model's first, then one per variant whose
    /// overlays change a projection input.
    projections: Vec<Vec<crate::sampling::Input>>,
    /// Per variant, the projection it builds on.
    projection_of: Vec<usize>,
    /// Per partner: the financier it is, if any; and the domains it delivers, each with its
    /// market share.
    financier_of_partner: Vec<Option<usize>>,
    market: Vec<crate::model::Market>,
    /// Whether financiers' changes in cost can land outside the network (market shares,
    /// equalisation): asked once, not per partner, run and year.
    outside_financiers: bool,
}

impl<'a> Context<'a> {
    fn new(
        m: &'a Model,
        variants: &'a [Variant],
        agreements: &'a dyn Agreements,
        seed: u64,
    ) -> Result<Context<'a>, VariantError> {
        variant::validate(m, variants)?;
        let mut projections = vec![m.inputs.clone()];
        let projection_of = variants
            .iter()
            .map(|v| {
                if v.changes_projection(m) {
                    projections.push(v.inputs(m));
                    projections.len() - 1
                } else {
                    0
                }
            })
            .collect();
        Ok(Context {
            m,
            variants,
            agreements,
            layout: Layout::new(m, variants, agreements),
            seed,
            years: m.years().count(),
            projections,
            projection_of,
            financier_of_partner: m
                .partners
                .iter()
                .map(|p| m.financiers.iter().position(|f| f.id == p.id))
                .collect(),
            market: (0..m.partners.len()).map(|pi| m.market_of(pi)).collect(),
            outside_financiers: m.has_outside_financiers(),
        })
    }

    /// Simulates runs `first..first + len` and returns the traced run's ledger entries per
    /// variant with an agreement.
    fn run_batch(
        &self,
        first: u64,
        len: usize,
        traced: Option<u64>,
        recorder: &dyn Recorder,
    ) -> Result<Vec<(usize, Vec<Entry>)>, RuleError> {
        let m = self.m;
        let mut projections: Vec<Projection> = self
            .projections
            .iter()
            .map(|inputs| Projection::new(m, inputs.clone(), self.seed, first, len))
            .collect();
        let mut variants = (0..self.variants.len())
            .map(|i| VariantRun::new(self, i, first, len, traced))
            .collect::<Result<Vec<_>, _>>()?;
        for (yi, year) in m.years().enumerate() {
            for p in &mut projections {
                p.year(m, yi, year);
            }
            for v in &mut variants {
                v.year(
                    self,
                    &projections[v.projection],
                    yi,
                    year,
                    first as usize,
                    recorder,
                )?;
            }
        }
        Ok(variants.iter().filter_map(VariantRun::entries).collect())
    }

    /// A rule failed somewhere in a batch: finds the first run that fails on its own
    /// (results do not depend on the batch, so it fails alone too) so the error can name it.
    fn pinpoint(&self, first: u64, len: usize, error: RuleError) -> SimError {
        if error.run.is_some() || len == 1 {
            return error.with_run_if_missing(first).into();
        }
        for run in first..first + len as u64 {
            if let Err(e) = self.run_batch(run, 1, None, &Discard) {
                return e.with_run_if_missing(run).into();
            }
        }
        error.into()
    }
}

/// A recorder that keeps nothing: for re-running a run only to find where it fails.
struct Discard;

impl Recorder for Discard {
    fn record(&self, _: &RecordedYear) {}
}

/// The series a simulation of `variants` reports, in report order: what a [`Recorder`]
/// receives indices into.
pub fn catalogue(m: &Model, variants: &[Variant], agreements: &dyn Agreements) -> Catalogue {
    Layout::new(m, variants, agreements).catalogue
}

/// Runs the simulation and keeps every run of every series. `progress` is told how many runs
/// have finished, batch by batch.
pub fn simulate(
    m: &Model,
    settings: &Settings,
    variants: &[Variant],
    agreements: &dyn Agreements,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcomes, SimError> {
    let years: Vec<i32> = m.years().collect();
    let outcomes = Outcomes::new(
        catalogue(m, variants, agreements),
        years,
        settings.runs as usize,
    )?;
    let recorder = OutcomesRecorder::starting_at(outcomes, settings.first_run as usize);
    simulate_into(m, settings, variants, agreements, &recorder, progress)?;
    let outcomes = recorder.into_outcomes();
    outcomes.check()?;
    Ok(outcomes)
}

/// Runs the simulation and hands every variant's year of every batch to `recorder`, series
/// numbered as in [`catalogue`].
pub fn simulate_into(
    m: &Model,
    settings: &Settings,
    variants: &[Variant],
    agreements: &dyn Agreements,
    recorder: &dyn Recorder,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), SimError> {
    let cx = Context::new(m, variants, agreements, settings.seed)?;
    let runs = settings.runs as usize;
    let batch = settings.batch_size.max(1);
    let work = || {
        (0..runs.div_ceil(batch)).into_par_iter().try_for_each(|i| {
            if (settings.cancel.as_ref())
                .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
            {
                return Err(SimError::Cancelled);
            }
            let len = batch.min(runs - i * batch);
            let first = settings.first_run + (i * batch) as u64;
            cx.run_batch(first, len, None, recorder)
                .map_err(|e| cx.pinpoint(first, len, e))?;
            progress(len as u64);
            Ok::<(), SimError>(())
        })
    };
    match settings.threads {
        Some(t) if t > Settings::MAX_THREADS || t == 0 => Err(SimError::Threads {
            threads: t,
            reason: format!("use 1 to {}", Settings::MAX_THREADS),
        }),
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| SimError::Threads {
                threads: t,
                reason: e.to_string(),
            })?
            .install(work),
        None => work(),
    }
}

/// Simulates one run alone, baseline and network, and returns the network's ledger entries
/// of that run: every transfer, with rule file and line and the balances before and after
/// (`kloof explain`).
pub fn explain(
    m: &Model,
    agreements: &dyn Agreements,
    seed: u64,
    run: u64,
) -> Result<Vec<Entry>, SimError> {
    let variants = variant::baseline_and_network(m);
    let cx = Context::new(m, &variants, agreements, seed)?;
    let network = variants.iter().position(|v| v.name == NETWORK);
    let entries = cx
        .run_batch(run, 1, Some(run), &Discard)
        .map_err(|e| SimError::from(e.with_run_if_missing(run)))?;
    Ok(entries
        .into_iter()
        .find(|(v, _)| Some(*v) == network)
        .map(|(_, e)| e)
        .unwrap_or_default())
}
