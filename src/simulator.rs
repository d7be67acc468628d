//! The simulator: runs × years, the baseline and the network under the same draws, in batches
//! evaluated in parallel.
//!
//! A batch of consecutive runs advances year by year. Within a year every quantity is held as
//! an array across the batch's runs (a [`YearFrame`]), so that rules written as scripts are
//! evaluated once per batch and year rather than once per run (a script call per run costs
//! hundreds of times the arithmetic; see `shared/notes/rhai-performance.md`).
//!
//! Each run draws from its own streams (see [`crate::sampling`]), so results are bit-identical
//! whatever the batch size or the number of threads.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::ledger::{Ledger, Origin};
use crate::model::Model;
use crate::outcome::{Catalogue, Outcomes, Variant};
use crate::projection::{Cohorts, Mortality, demand, informal_factor, people_in, ramp};
use crate::rules::RuleError;
use crate::sampling::Draws;
use crate::scenario::{AGES, AgeRange, Role};

/// How a simulation is run; the scenario gives the defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub runs: u64,
    pub seed: u64,
    /// Runs advanced together; results do not depend on it.
    pub batch_size: usize,
    /// Worker threads; `None` uses rayon's default (one per core).
    pub threads: Option<usize>,
}

impl Settings {
    pub const DEFAULT_BATCH: usize = 2048;
}

/// Why a simulation stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{0}")]
    Rule(#[from] RuleError),
    #[error("could not start {threads} worker threads: {reason}")]
    Threads { threads: usize, reason: String },
}

/// The fixed age groups every report shows.
const GROUPS: [(&str, AgeRange); 4] = [
    (
        "0-19",
        AgeRange {
            from: 0,
            to: Some(19),
        },
    ),
    (
        "20-64",
        AgeRange {
            from: 20,
            to: Some(64),
        },
    ),
    ("65+", AgeRange { from: 65, to: None }),
    ("80+", AgeRange { from: 80, to: None }),
];

/// Series indices of one variant.
#[derive(Debug, Clone)]
struct VariantSeries {
    population_total: usize,
    population_groups: [usize; 4],
    demand_eur: Vec<usize>,
    demand_fte: Vec<usize>,
    capacity_fte: Vec<usize>,
    gap_fte_domain: Vec<usize>,
    demand_eur_total: usize,
    demand_fte_total: usize,
    capacity_fte_total: usize,
    gap_fte: usize,
    gap_eur: usize,
    cost_total: usize,
    cost_financier: Vec<usize>,
    budget_financier: Vec<usize>,
    informal_share: Option<usize>,
}

impl VariantSeries {
    fn new(c: &mut Catalogue, v: Variant, m: &Model) -> VariantSeries {
        let per_domain = |c: &mut Catalogue, prefix: &str| -> Vec<usize> {
            m.domains
                .iter()
                .map(|d| c.add(v, format!("{prefix}.{}", d.id)))
                .collect()
        };
        VariantSeries {
            population_total: c.add(v, "population.total"),
            population_groups: GROUPS.map(|(name, _)| c.add(v, format!("population.{name}"))),
            demand_eur: per_domain(c, "demand.eur"),
            demand_fte: per_domain(c, "demand.fte"),
            capacity_fte: per_domain(c, "capacity.fte"),
            gap_fte_domain: per_domain(c, "gap.fte"),
            demand_eur_total: c.add(v, "demand.eur.total"),
            demand_fte_total: c.add(v, "demand.fte.total"),
            capacity_fte_total: c.add(v, "capacity.fte.total"),
            gap_fte: c.add(v, "gap.fte"),
            gap_eur: c.add(v, "gap.eur"),
            cost_total: c.add(v, "cost.eur.total"),
            cost_financier: m
                .financiers
                .iter()
                .map(|f| c.add(v, format!("cost.eur.{}", f.id)))
                .collect(),
            budget_financier: m
                .financiers
                .iter()
                .map(|f| c.add(v, format!("budget.eur.{}", f.id)))
                .collect(),
            informal_share: m.informal.as_ref().map(|_| c.add(v, "informal.share")),
        }
    }
}

/// Where each reported series lives in the outcomes.
#[derive(Debug, Clone)]
struct Layout {
    catalogue: Catalogue,
    baseline: VariantSeries,
    network: VariantSeries,
    transition_spent: usize,
    savings: usize,
    savings_cumulative: usize,
    /// Baseline demand in EUR at start-year use and prices: what ageing and population
    /// growth alone do; and the same with informal care's change added.
    drivers_demography: usize,
    drivers_informal: usize,
    /// Per partner: cost, received and cumulative net gain against the baseline (network).
    partner_cost: Vec<usize>,
    partner_received: Vec<usize>,
    partner_net: Vec<usize>,
    /// Per event: 1 in the runs where it fired.
    events: Vec<usize>,
    /// Per fund: balance at year end.
    funds: Vec<usize>,
    imbalance: usize,
}

impl Layout {
    fn new(m: &Model, agreements: &dyn Agreements) -> Layout {
        let mut c = Catalogue::default();
        let baseline = VariantSeries::new(&mut c, Variant::Baseline, m);
        let network = VariantSeries::new(&mut c, Variant::Network, m);
        let transition_spent = c.add(Variant::Network, "transition.eur.spent");
        let savings = c.add(Variant::Network, "savings.eur.total");
        let savings_cumulative = c.add(Variant::Network, "savings.eur.cumulative");
        let drivers_demography = c.add(Variant::Baseline, "drivers.eur.demography");
        let drivers_informal = c.add(Variant::Baseline, "drivers.eur.informal");
        let per_partner = |c: &mut Catalogue, what: &str| -> Vec<usize> {
            m.partners
                .iter()
                .map(|p| c.add(Variant::Network, format!("partner.{}.{what}", p.id)))
                .collect()
        };
        let partner_cost = per_partner(&mut c, "cost");
        let partner_received = per_partner(&mut c, "received");
        let partner_net = per_partner(&mut c, "net");
        let events = agreements
            .events()
            .iter()
            .map(|e| c.add(Variant::Network, format!("event.{e}")))
            .collect();
        let funds = fund_names(m, agreements)
            .iter()
            .map(|f| c.add(Variant::Network, format!("fund.{f}.eur")))
            .collect();
        let imbalance = c.add(Variant::Network, "ledger.imbalance");
        Layout {
            catalogue: c,
            baseline,
            network,
            transition_spent,
            savings,
            savings_cumulative,
            drivers_demography,
            drivers_informal,
            partner_cost,
            partner_received,
            partner_net,
            events,
            funds,
            imbalance,
        }
    }
}

/// What one run carries from year to year.
#[derive(Debug, Clone)]
struct RunState {
    cohorts: Cohorts,
    mortality: Mortality,
    /// Per domain: cumulative growth of cost per person (wages, prices, volume), of hours per
    /// person (volume), of hours per FTE (productivity); and the FTE employed.
    cost_growth: Vec<f64>,
    hours_growth: Vec<f64>,
    productivity: Vec<f64>,
    fte: Vec<f64>,
    /// Per financier: the budget this year; `NaN` until the start year's cost sets it.
    budget: Vec<f64>,
    /// Carers per recipient in the start year (informal care).
    carers_per_recipient0: f64,
    /// Savings of the network summed over the years so far.
    savings_cumulative: f64,
}

impl RunState {
    fn start(m: &Model, d: &Draws, b: usize) -> RunState {
        let mo = &m.mortality;
        let mut mortality = Mortality::gompertz(
            mo.young_age,
            d.at(mo.young_q, b),
            mo.old_age,
            d.at(mo.old_q, b),
        );
        mortality.improve(d.at(mo.improvement, b), m.start_year - mo.year);
        let bands: Vec<(AgeRange, f64)> = m
            .population
            .iter()
            .map(|(r, id)| (*r, d.at(*id, b)))
            .collect();
        let cohorts = Cohorts::from_bands(&bands, &mortality);
        let carers_per_recipient0 = m.informal.as_ref().map_or(0.0, |i| {
            people_in(&cohorts.people, i.carers)
                / people_in(&cohorts.people, i.recipients).max(1e-9)
        });
        let n = m.domains.len();
        RunState {
            cohorts,
            mortality,
            cost_growth: vec![1.0; n],
            hours_growth: vec![1.0; n],
            productivity: vec![1.0; n],
            fte: m.domains.iter().map(|dm| d.at(dm.fte, b)).collect(),
            budget: m
                .financiers
                .iter()
                .map(|f| f.budget_eur.map_or(f64::NAN, |id| d.at(id, b)))
                .collect(),
            carers_per_recipient0,
            savings_cumulative: 0.0,
        }
    }

    /// From 1 January of the previous year to 1 January of `year`, with `year`'s draws.
    fn advance(&mut self, m: &Model, d: &Draws, b: usize) {
        self.mortality.improve(d.at(m.mortality.improvement, b), 1);
        let births = d.at(m.birth_rate, b) * self.cohorts.total();
        let migration: Vec<(AgeRange, f64)> = m
            .migration
            .iter()
            .map(|(r, id)| (*r, d.at(*id, b)))
            .collect();
        self.cohorts.step(&self.mortality, births, &migration);
        for (i, dm) in m.domains.iter().enumerate() {
            let volume = 1.0 + d.at(dm.volume, b);
            self.cost_growth[i] *= (1.0 + d.at(dm.wages_prices, b)) * volume;
            self.hours_growth[i] *= volume;
            self.productivity[i] *= 1.0 + d.at(dm.productivity, b);
            self.fte[i] *= 1.0 + d.at(dm.inflow, b) - d.at(dm.outflow, b);
        }
        for (i, f) in m.financiers.iter().enumerate() {
            self.budget[i] *= 1.0 + d.at(f.growth, b);
        }
    }
}

/// The points of a simulated year where an agreement acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// Once, in the start year, before `Year`.
    Start,
    /// After demand and capacity are projected, before costs: rules may scale demand and pay.
    Year,
    /// At year end, with costs and savings known: settlements, shared savings.
    Settle,
    /// Once, after the horizon year's settlement.
    End,
}

impl Hook {
    pub fn function_name(self) -> &'static str {
        match self {
            Hook::Start => "on_start",
            Hook::Year => "on_year",
            Hook::Settle => "on_settle",
            Hook::End => "on_end",
        }
    }
}

/// One variant's figures for one year across the batch, `[domain or financier][run]`.
#[derive(Debug, Clone, Default)]
pub struct VariantFrame {
    pub demand_eur: Vec<Vec<f64>>,
    pub demand_fte: Vec<Vec<f64>>,
    /// Cost of the domains each financier pays for.
    pub domain_cost: Vec<Vec<f64>>,
    /// Demand of all domains plus money paid out of the network (interventions, outside).
    pub cost_total: Vec<f64>,
}

/// A year of the batch as the agreement sees and changes it: every quantity an array across
/// runs.
#[derive(Debug, Clone)]
pub struct YearFrame {
    pub year: i32,
    pub len: usize,
    /// People by the report's age groups (`0-19`, `20-64`, `65+`, `80+`) and `total`.
    pub population: Vec<(&'static str, Vec<f64>)>,
    pub baseline: VariantFrame,
    /// The network variant; rules scale its demand in `Hook::Year`.
    pub network: VariantFrame,
    /// FTE employed per domain (the same in both variants).
    pub capacity_fte: Vec<Vec<f64>>,
    /// Budget per financier.
    pub budget: Vec<Vec<f64>>,
    /// Transition money available this year (fund balance after contributions) and spent.
    pub transition_available: Vec<f64>,
    pub transition_spent: Vec<f64>,
    /// Per event name, 1 in the runs where it fired this year.
    pub events: Vec<(String, Vec<f64>)>,
    /// 1 while the network invests; a rule sets 0 (go/no-go) to stop contributions and
    /// intervention spending from the next year on.
    pub investing: Vec<f64>,
}

/// The rules of a network agreement, acting on whole batches.
pub trait Agreement {
    /// Runs `hook` for the batch. `draws` holds this year's values of every input.
    fn hook(
        &mut self,
        hook: Hook,
        frame: &mut YearFrame,
        ledger: &mut Ledger,
        draws: &Draws,
    ) -> Result<(), RuleError>;
}

/// Builds one [`Agreement`] per batch (each with its own script engine) and declares what the
/// agreement may report, so the catalogue of series is fixed before the runs start.
pub trait Agreements: Sync {
    fn for_batch(&self, model: &Model) -> Result<Box<dyn Agreement + '_>, RuleError>;
    /// Named funds the rules use, without the `fund:` prefix.
    fn funds(&self) -> Vec<String>;
    /// Event names the rules may fire.
    fn events(&self) -> Vec<String>;
}

/// No agreement: the network variant is the interventions and transition budget alone.
pub struct NoRules;

impl Agreements for NoRules {
    fn for_batch(&self, _: &Model) -> Result<Box<dyn Agreement + '_>, RuleError> {
        struct Nothing;
        impl Agreement for Nothing {
            fn hook(
                &mut self,
                _: Hook,
                _: &mut YearFrame,
                _: &mut Ledger,
                _: &Draws,
            ) -> Result<(), RuleError> {
                Ok(())
            }
        }
        Ok(Box::new(Nothing))
    }
    fn funds(&self) -> Vec<String> {
        Vec::new()
    }
    fn events(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Accounts outside the partners: where money leaves the network.
pub const INTERVENTIONS: &str = "interventions";
pub const OUTSIDE: &str = "outside";
pub const TRANSITION_FUND: &str = "fund:transition";

/// Funds the ledger holds: the transition fund and those the rules name.
fn fund_names(m: &Model, agreements: &dyn Agreements) -> Vec<String> {
    let mut funds = Vec::new();
    if m.transition.is_some() {
        funds.push("transition".to_string());
    }
    for f in agreements.funds() {
        if !funds.contains(&f) {
            funds.push(f);
        }
    }
    funds
}

/// Runs the simulation. `progress` is told how many runs have finished, batch by batch.
pub fn simulate(
    m: &Model,
    settings: &Settings,
    agreements: &dyn Agreements,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcomes, SimError> {
    let layout = Layout::new(m, agreements);
    let years: Vec<i32> = m.years().collect();
    let runs = settings.runs as usize;
    let batch = settings.batch_size.max(1);
    let out = Mutex::new(Outcomes::new(layout.catalogue.clone(), years.clone(), runs));
    let work = || {
        (0..runs.div_ceil(batch)).into_par_iter().try_for_each(|i| {
            let first = i * batch;
            let len = batch.min(runs - first);
            let values = run_batch(
                m,
                &layout,
                agreements,
                settings.seed,
                first as u64,
                len,
                None,
            )
            .map_err(|e| pinpoint(m, &layout, agreements, settings.seed, first as u64, len, e))?;
            // A poisoned lock means another batch panicked; rayon re-raises that panic.
            if let Ok(mut o) = out.lock() {
                o.put_batch(first, len, &values.0);
            }
            progress(len as u64);
            Ok::<(), SimError>(())
        })
    };
    match settings.threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| SimError::Threads {
                threads: t,
                reason: e.to_string(),
            })?
            .install(work)?,
        None => work()?,
    }
    Ok(out.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// A rule failed somewhere in a batch: finds the first run that fails on its own (results do
/// not depend on the batch, so it fails alone too) so the error can name it.
fn pinpoint(
    m: &Model,
    layout: &Layout,
    agreements: &dyn Agreements,
    seed: u64,
    first: u64,
    len: usize,
    error: RuleError,
) -> SimError {
    if error.run.is_some() || len == 1 {
        return error.with_run_if_missing(first).into();
    }
    for run in first..first + len as u64 {
        if let Err(e) = run_batch(m, layout, agreements, seed, run, 1, None) {
            return e.with_run_if_missing(run).into();
        }
    }
    error.into()
}

/// Simulates one run alone and returns the ledger entries of that run in `year`: every
/// transfer, with rule file and line and the balances before and after (`kloof explain`).
pub fn explain(
    m: &Model,
    agreements: &dyn Agreements,
    seed: u64,
    run: u64,
) -> Result<Vec<crate::ledger::Entry>, SimError> {
    let layout = Layout::new(m, agreements);
    run_batch(m, &layout, agreements, seed, run, 1, Some(run))
        .map(|(_, entries)| entries)
        .map_err(|e| e.with_run_if_missing(run).into())
}

/// What one batch yields: values laid out `[series][year][run]`, and the traced run's entries.
type BatchResult = (Vec<f64>, Vec<crate::ledger::Entry>);

/// Simulates runs `first..first + len`.
fn run_batch(
    m: &Model,
    layout: &Layout,
    agreements: &dyn Agreements,
    seed: u64,
    first: u64,
    len: usize,
    traced: Option<u64>,
) -> Result<BatchResult, RuleError> {
    let years: Vec<i32> = m.years().collect();
    let n_years = years.len();
    let n_series = layout.catalogue.series.len();
    let (nd, nf, np) = (m.domains.len(), m.financiers.len(), m.partners.len());
    let mut buf = vec![0.0; n_series * n_years * len];
    let mut put = |series: usize, yi: usize, b: usize, v: f64| {
        buf[(series * n_years + yi) * len + b] = v;
    };
    let mut draws = Draws::new(&m.inputs, seed, first, len, m.start_year);
    let mut states: Vec<RunState> = (0..len).map(|b| RunState::start(m, &draws, b)).collect();
    let mut agreement = agreements.for_batch(m)?;
    let mut accounts: Vec<String> = m.partners.iter().map(|p| p.id.clone()).collect();
    accounts.extend([OUTSIDE.to_string(), INTERVENTIONS.to_string()]);
    let mut ledger = Ledger::new(accounts, first, len, traced);
    let funds: Vec<usize> = fund_names(m, agreements)
        .iter()
        .map(|f| ledger.open_fund(f))
        .collect();
    let sinks = [ledger.account(OUTSIDE), ledger.account(INTERVENTIONS)].map(|a| a.unwrap_or(0));
    let core = Origin {
        rule: "kloof (transition budget)".into(),
        line: 0,
    };
    let financier_account: Vec<usize> = m
        .financiers
        .iter()
        .map(|f| ledger.account(&f.id).unwrap_or(0))
        .collect();
    let financier_of_partner: Vec<Option<usize>> = m
        .partners
        .iter()
        .map(|p| m.financiers.iter().position(|f| f.id == p.id))
        .collect();
    // Providers share the revenue of the domains they deliver equally.
    let providers_of: Vec<Vec<usize>> = (0..nd)
        .map(|d| {
            (0..np)
                .filter(|&p| {
                    m.partners[p].role == Role::Provider && m.partners[p].delivers.contains(&d)
                })
                .collect()
        })
        .collect();

    let ones = [1.0; AGES];
    let mut weight = [1.0; AGES];
    let mut net_weight = [1.0; AGES];
    let mut eur_bands = Vec::new();
    let mut hour_bands = Vec::new();
    let mut levels = vec![0.0; m.interventions.len()];
    let grid = |n: usize| vec![vec![0.0; len]; n];
    let variant = || VariantFrame {
        demand_eur: grid(nd),
        demand_fte: grid(nd),
        domain_cost: grid(nf),
        cost_total: vec![0.0; len],
    };
    let mut frame = YearFrame {
        year: m.start_year,
        len,
        population: ["0-19", "20-64", "65+", "80+", "total"]
            .into_iter()
            .map(|g| (g, vec![0.0; len]))
            .collect(),
        baseline: variant(),
        network: variant(),
        capacity_fte: grid(nd),
        budget: grid(nf),
        transition_available: vec![0.0; len],
        transition_spent: vec![0.0; len],
        events: agreements
            .events()
            .into_iter()
            .map(|e| (e, vec![0.0; len]))
            .collect(),
        investing: vec![1.0; len],
    };
    let mut drivers = vec![(0.0, 0.0); len];
    let mut partner_net = vec![vec![0.0; len]; np];

    for (yi, &year) in years.iter().enumerate() {
        frame.year = year;
        ledger.new_year();
        frame.events.iter_mut().for_each(|(_, v)| v.fill(0.0));
        if yi > 0 {
            draws.set_year(&m.inputs, year);
            for (b, s) in states.iter_mut().enumerate() {
                s.advance(m, &draws, b);
            }
        }

        // Contributions to the transition fund: each contributor its share of the year's amount.
        if let Some(t) = m
            .transition
            .as_ref()
            .filter(|t| (t.from_year..=t.to_year).contains(&year))
        {
            let amount: Vec<f64> = (0..len)
                .map(|b| draws.at(t.per_year, b) * frame.investing[b])
                .collect();
            for (p, share) in &t.contributions {
                let paid: Vec<f64> = amount.iter().map(|a| a * share).collect();
                ledger
                    .transfer(
                        &m.partners[*p].id,
                        TRANSITION_FUND,
                        &paid,
                        year,
                        &core,
                        "contribution to the transition budget",
                    )
                    .map_err(|e| RuleError::core(e.to_string(), year))?;
            }
        }
        let available = funds
            .first()
            .filter(|_| m.transition.is_some())
            .map(|&f| ledger.balance(f));

        for (b, s) in states.iter_mut().enumerate() {
            let people = &s.cohorts.people;
            for (g, (_, range)) in GROUPS.iter().enumerate() {
                frame.population[g].1[b] = people_in(people, *range);
            }
            frame.population[4].1[b] = s.cohorts.total();

            let mut informal = None;
            if let Some(i) = &m.informal {
                let r = people_in(people, i.carers) / people_in(people, i.recipients).max(1e-9);
                let (share, factor) = informal_factor(
                    draws.at(i.share, b),
                    s.carers_per_recipient0,
                    r,
                    draws.at(i.elasticity, b),
                );
                informal = Some((i.recipients, factor));
                for v in [&layout.baseline, &layout.network] {
                    if let Some(id) = v.informal_share {
                        put(id, yi, b, share);
                    }
                }
            }

            // The fund pays the interventions, each at most its cost; level = ramp × funding.
            let avail = available.as_ref().map_or(0.0, |a| a[b].max(0.0));
            let mut spent = 0.0;
            for (i, iv) in m.interventions.iter().enumerate() {
                let cost = draws.at(iv.cost, b);
                let r = ramp(iv.start_year, iv.ramp_up_years, year);
                let r = r * frame.investing[b];
                let used = if r > 0.0 {
                    (iv.allocation * avail).min(cost)
                } else {
                    0.0
                };
                spent += used;
                let funding = if cost > 0.0 {
                    used / cost
                } else if r > 0.0 {
                    1.0
                } else {
                    0.0
                };
                levels[i] = r * funding;
            }
            frame.transition_available[b] = avail;
            frame.transition_spent[b] = spent;

            let (mut demography, mut with_informal) = (0.0, 0.0);
            for (di, dm) in m.domains.iter().enumerate() {
                eur_bands.clear();
                eur_bands.extend(dm.eur.iter().map(|id| draws.at(*id, b)));
                hour_bands.clear();
                hour_bands.extend(dm.hours.iter().map(|id| draws.at(*id, b)));
                weight.fill(1.0);
                if let (true, Some((ages, factor))) = (dm.informal, informal) {
                    weight[ages.ages()].fill(factor);
                }
                let (e, h) = demand(people, &weight, &dm.band_of_age, &eur_bands, &hour_bands);
                with_informal += e;
                demography += if informal.is_some() && dm.informal {
                    demand(people, &ones, &dm.band_of_age, &eur_bands, &hour_bands).0
                } else {
                    e
                };
                let fte_hours = draws.at(dm.hours_per_fte, b) * s.productivity[di];
                let (base_eur, base_fte) =
                    (e * s.cost_growth[di], h * s.hours_growth[di] / fte_hours);
                frame.baseline.demand_eur[di][b] = base_eur;
                frame.baseline.demand_fte[di][b] = base_fte;
                frame.capacity_fte[di][b] = s.fte[di];

                let mut touched = false;
                net_weight.copy_from_slice(&weight);
                for (i, iv) in m.interventions.iter().enumerate() {
                    for ef in iv
                        .effects
                        .iter()
                        .filter(|ef| ef.domain == di && levels[i] > 0.0)
                    {
                        let f = 1.0 + draws.at(ef.change, b) * levels[i];
                        net_weight[ef.ages.ages()].iter_mut().for_each(|w| *w *= f);
                        touched = true;
                    }
                }
                let (net_eur, net_fte) = if touched {
                    let (e, h) = demand(
                        people,
                        &net_weight,
                        &dm.band_of_age,
                        &eur_bands,
                        &hour_bands,
                    );
                    (e * s.cost_growth[di], h * s.hours_growth[di] / fte_hours)
                } else {
                    (base_eur, base_fte)
                };
                frame.network.demand_eur[di][b] = net_eur;
                frame.network.demand_fte[di][b] = net_fte;
            }
            drivers[b] = (demography, with_informal);
        }
        if m.transition.is_some() {
            ledger
                .transfer(
                    TRANSITION_FUND,
                    INTERVENTIONS,
                    &frame.transition_spent,
                    year,
                    &core,
                    "interventions paid from the transition budget",
                )
                .map_err(|e| RuleError::core(e.to_string(), year))?;
        }

        costs(m, &mut frame, &ledger, &sinks);
        // Budgets of this year, before any hook reads them; a budget left out starts at the
        // baseline's cost in the start year.
        for (b, s) in states.iter_mut().enumerate() {
            for fi in 0..nf {
                if yi == 0 && s.budget[fi].is_nan() {
                    s.budget[fi] = frame.baseline.domain_cost[fi][b];
                }
                frame.budget[fi][b] = s.budget[fi];
            }
        }
        if yi == 0 {
            agreement.hook(Hook::Start, &mut frame, &mut ledger, &draws)?;
        }
        agreement.hook(Hook::Year, &mut frame, &mut ledger, &draws)?;
        costs(m, &mut frame, &ledger, &sinks);

        agreement.hook(Hook::Settle, &mut frame, &mut ledger, &draws)?;
        if yi + 1 == n_years {
            agreement.hook(Hook::End, &mut frame, &mut ledger, &draws)?;
        }

        // Report the year.
        for (b, s) in states.iter_mut().enumerate() {
            for g in 0..4 {
                put(
                    layout.baseline.population_groups[g],
                    yi,
                    b,
                    frame.population[g].1[b],
                );
                put(
                    layout.network.population_groups[g],
                    yi,
                    b,
                    frame.population[g].1[b],
                );
            }
            put(
                layout.baseline.population_total,
                yi,
                b,
                frame.population[4].1[b],
            );
            put(
                layout.network.population_total,
                yi,
                b,
                frame.population[4].1[b],
            );
            let sink: f64 = sinks
                .iter()
                .map(|&a| ledger.received(a, b) - ledger.paid(a, b))
                .sum();
            let mut totals = [0.0; 2];
            for (vi, (v, f)) in [
                (&layout.baseline, &frame.baseline),
                (&layout.network, &frame.network),
            ]
            .into_iter()
            .enumerate()
            {
                let network = vi == 1;
                let (mut gap_fte, mut dem_eur, mut dem_fte, mut cap) = (0.0, 0.0, 0.0, 0.0);
                for di in 0..nd {
                    let gap = (f.demand_fte[di][b] - s.fte[di]).max(0.0);
                    put(v.demand_eur[di], yi, b, f.demand_eur[di][b]);
                    put(v.demand_fte[di], yi, b, f.demand_fte[di][b]);
                    put(v.capacity_fte[di], yi, b, s.fte[di]);
                    put(v.gap_fte_domain[di], yi, b, gap);
                    gap_fte += gap;
                    dem_eur += f.demand_eur[di][b];
                    dem_fte += f.demand_fte[di][b];
                    cap += s.fte[di];
                }
                put(v.gap_fte, yi, b, gap_fte);
                put(v.demand_eur_total, yi, b, dem_eur);
                put(v.demand_fte_total, yi, b, dem_fte);
                put(v.capacity_fte_total, yi, b, cap);
                let mut gap_eur = 0.0;
                for (fi, &acct) in financier_account.iter().enumerate() {
                    // In the network a financier also bears what it pays through the ledger,
                    // less what it receives.
                    let cost = f.domain_cost[fi][b]
                        + if network {
                            ledger.paid(acct, b) - ledger.received(acct, b)
                        } else {
                            0.0
                        };
                    gap_eur += (cost - s.budget[fi]).max(0.0);
                    put(v.cost_financier[fi], yi, b, cost);
                    put(v.budget_financier[fi], yi, b, s.budget[fi]);
                }
                // Total cost: demand, plus (network) what left the network this year.
                let total = dem_eur + if network { sink } else { 0.0 };
                put(v.cost_total, yi, b, total);
                put(v.gap_eur, yi, b, gap_eur);
                totals[vi] = total;
            }
            put(layout.transition_spent, yi, b, frame.transition_spent[b]);
            put(layout.savings, yi, b, totals[0] - totals[1]);
            s.savings_cumulative += totals[0] - totals[1];
            put(layout.savings_cumulative, yi, b, s.savings_cumulative);
            put(layout.drivers_demography, yi, b, drivers[b].0);
            put(layout.drivers_informal, yi, b, drivers[b].1);

            for p in 0..np {
                let (paid, received) = (ledger.paid(p, b), ledger.received(p, b));
                let (base_cost, net_cost) = financier_of_partner[p].map_or((0.0, 0.0), |fi| {
                    (
                        frame.baseline.domain_cost[fi][b],
                        frame.network.domain_cost[fi][b],
                    )
                });
                // Providers gain or lose the revenue of the demand they deliver.
                let revenue_change: f64 = m.partners[p]
                    .delivers
                    .iter()
                    .filter(|d| providers_of[**d].contains(&p))
                    .map(|&d| {
                        (frame.network.demand_eur[d][b] - frame.baseline.demand_eur[d][b])
                            / providers_of[d].len() as f64
                    })
                    .sum();
                partner_net[p][b] += base_cost - (net_cost + paid) + received + revenue_change;
                put(layout.partner_cost[p], yi, b, net_cost + paid);
                put(layout.partner_received[p], yi, b, received);
                put(layout.partner_net[p], yi, b, partner_net[p][b]);
            }
            for (e, (_, fired)) in layout.events.iter().zip(&frame.events) {
                put(*e, yi, b, fired[b]);
            }
            for (series, &fund) in layout.funds.iter().zip(&funds) {
                put(*series, yi, b, ledger.balance_at(fund, b));
            }
            put(layout.imbalance, yi, b, ledger.imbalance(b));
        }
    }
    Ok((buf, ledger.entries().to_vec()))
}

/// Cost per financier (its domains' demand) and in total (all demand, plus what left the
/// network this year through the sink accounts), for both variants.
fn costs(m: &Model, frame: &mut YearFrame, ledger: &Ledger, sinks: &[usize]) {
    for (v, network) in [(&mut frame.baseline, false), (&mut frame.network, true)] {
        v.domain_cost.iter_mut().for_each(|row| row.fill(0.0));
        v.cost_total.fill(0.0);
        for (di, dm) in m.domains.iter().enumerate() {
            for b in 0..frame.len {
                v.domain_cost[dm.financier][b] += v.demand_eur[di][b];
                v.cost_total[b] += v.demand_eur[di][b];
            }
        }
        if network {
            for b in 0..frame.len {
                v.cost_total[b] += sinks
                    .iter()
                    .map(|&a| ledger.received(a, b) - ledger.paid(a, b))
                    .sum::<f64>();
            }
        }
    }
}
