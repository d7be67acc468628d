//! The simulator: runs × years, the baseline and the network under the same draws, in batches
//! evaluated in parallel.
//!
//! A batch of consecutive runs advances year by year. Within a year every quantity is held as
//! an array across the batch's runs (a [`Frame`]), so that rules written as scripts are
//! evaluated once per batch and year rather than once per run (a script call per run costs
//! hundreds of times the arithmetic; see `shared/notes/rhai-performance.md`).
//!
//! Each run draws from its own streams (see [`crate::sampling`]), so results are bit-identical
//! whatever the batch size or the number of threads.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::model::Model;
use crate::outcome::{Catalogue, Outcomes, Variant};
use crate::projection::{Cohorts, Mortality, demand, informal_factor, people_in, ramp};
use crate::sampling::Draws;
use crate::scenario::{AGES, AgeRange};

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
}

impl Layout {
    fn new(m: &Model) -> Layout {
        let mut c = Catalogue::default();
        let baseline = VariantSeries::new(&mut c, Variant::Baseline, m);
        let network = VariantSeries::new(&mut c, Variant::Network, m);
        let transition_spent = c.add(Variant::Network, "transition.eur.spent");
        let savings = c.add(Variant::Network, "savings.eur.total");
        let savings_cumulative = c.add(Variant::Network, "savings.eur.cumulative");
        let drivers_demography = c.add(Variant::Baseline, "drivers.eur.demography");
        let drivers_informal = c.add(Variant::Baseline, "drivers.eur.informal");
        Layout {
            catalogue: c,
            baseline,
            network,
            transition_spent,
            savings,
            savings_cumulative,
            drivers_demography,
            drivers_informal,
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

/// One variant's figures for one run and year.
#[derive(Debug, Clone, Default)]
struct Figures {
    demand_eur: Vec<f64>,
    demand_fte: Vec<f64>,
    cost_financier: Vec<f64>,
}

/// Runs the simulation. `progress` is told how many runs have finished, batch by batch.
pub fn simulate(
    m: &Model,
    settings: &Settings,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcomes, SimError> {
    let layout = Layout::new(m);
    let years: Vec<i32> = m.years().collect();
    let runs = settings.runs as usize;
    let batch = settings.batch_size.max(1);
    let out = Mutex::new(Outcomes::new(layout.catalogue.clone(), years.clone(), runs));
    let work = || {
        (0..runs.div_ceil(batch)).into_par_iter().for_each(|i| {
            let first = i * batch;
            let len = batch.min(runs - first);
            let values = run_batch(m, &layout, settings.seed, first as u64, len);
            // A poisoned lock means another batch panicked; its panic is re-raised by rayon.
            if let Ok(mut o) = out.lock() {
                o.put_batch(first, len, &values);
            }
            progress(len as u64);
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
            .install(work),
        None => work(),
    }
    Ok(out.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// Simulates runs `first..first + len`; returns values laid out `[series][year][run]`.
fn run_batch(m: &Model, layout: &Layout, seed: u64, first: u64, len: usize) -> Vec<f64> {
    let years: Vec<i32> = m.years().collect();
    let n_series = layout.catalogue.series.len();
    let mut buf = vec![0.0; n_series * years.len() * len];
    let mut put = |series: usize, yi: usize, b: usize, v: f64| {
        buf[(series * years.len() + yi) * len + b] = v;
    };
    let mut draws = Draws::new(&m.inputs, seed, first, len, m.start_year);
    let mut states: Vec<RunState> = (0..len).map(|b| RunState::start(m, &draws, b)).collect();
    let ones = [1.0; AGES];
    let mut weight = [1.0; AGES];
    let mut net_weight = [1.0; AGES];
    let mut base = Figures::default();
    let mut net = Figures::default();
    let mut eur_bands = Vec::new();
    let mut hour_bands = Vec::new();
    let mut levels = vec![0.0; m.interventions.len()];
    for (yi, &year) in years.iter().enumerate() {
        if yi > 0 {
            draws.set_year(&m.inputs, year);
            for (b, s) in states.iter_mut().enumerate() {
                s.advance(m, &draws, b);
            }
        }
        for (b, s) in states.iter_mut().enumerate() {
            let people = &s.cohorts.people;
            for (g, (_, range)) in GROUPS.iter().enumerate() {
                let v = people_in(people, *range);
                put(layout.baseline.population_groups[g], yi, b, v);
                put(layout.network.population_groups[g], yi, b, v);
            }
            let total = s.cohorts.total();
            put(layout.baseline.population_total, yi, b, total);
            put(layout.network.population_total, yi, b, total);

            // Informal care: the factor on the recipients' formal demand.
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

            // The transition budget funds the interventions; their level is ramp × funding.
            let budget = m.transition.as_ref().map_or(0.0, |t| {
                if (t.from_year..=t.to_year).contains(&year) {
                    draws.at(t.per_year, b)
                } else {
                    0.0
                }
            });
            let mut spent = 0.0;
            for (i, iv) in m.interventions.iter().enumerate() {
                let cost = draws.at(iv.cost, b);
                let r = ramp(iv.start_year, iv.ramp_up_years, year);
                let used = if r > 0.0 {
                    (iv.allocation * budget).min(cost)
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

            let (mut demography, mut with_informal) = (0.0, 0.0);
            base.demand_eur.clear();
            base.demand_fte.clear();
            net.demand_eur.clear();
            net.demand_fte.clear();
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
                base.demand_eur.push(e * s.cost_growth[di]);
                base.demand_fte.push(h * s.hours_growth[di] / fte_hours);

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
                if touched {
                    let (e, h) = demand(
                        people,
                        &net_weight,
                        &dm.band_of_age,
                        &eur_bands,
                        &hour_bands,
                    );
                    net.demand_eur.push(e * s.cost_growth[di]);
                    net.demand_fte.push(h * s.hours_growth[di] / fte_hours);
                } else {
                    net.demand_eur.push(base.demand_eur[di]);
                    net.demand_fte.push(base.demand_fte[di]);
                }
            }

            // Costs per financier; the network's contributors pay their share of what was spent.
            for f in [&mut base, &mut net] {
                f.cost_financier.clear();
                f.cost_financier.resize(m.financiers.len(), 0.0);
            }
            for (di, dm) in m.domains.iter().enumerate() {
                base.cost_financier[dm.financier] += base.demand_eur[di];
                net.cost_financier[dm.financier] += net.demand_eur[di];
            }
            if let Some(t) = &m.transition {
                for (p, share) in &t.contributions {
                    let partner = &m.partners[*p].id;
                    if let Some(fi) = m.financiers.iter().position(|f| &f.id == partner) {
                        net.cost_financier[fi] += share * spent;
                    }
                }
            }
            if yi == 0 {
                for (fi, budget) in s.budget.iter_mut().enumerate() {
                    if budget.is_nan() {
                        *budget = base.cost_financier[fi];
                    }
                }
            }

            let mut totals = [0.0; 2];
            for (vi, (v, f)) in [(&layout.baseline, &base), (&layout.network, &net)]
                .into_iter()
                .enumerate()
            {
                let (mut gap_fte, mut dem_eur, mut dem_fte, mut cap) = (0.0, 0.0, 0.0, 0.0);
                for di in 0..m.domains.len() {
                    let gap = (f.demand_fte[di] - s.fte[di]).max(0.0);
                    put(v.demand_eur[di], yi, b, f.demand_eur[di]);
                    put(v.demand_fte[di], yi, b, f.demand_fte[di]);
                    put(v.capacity_fte[di], yi, b, s.fte[di]);
                    put(v.gap_fte_domain[di], yi, b, gap);
                    gap_fte += gap;
                    dem_eur += f.demand_eur[di];
                    dem_fte += f.demand_fte[di];
                    cap += s.fte[di];
                }
                put(v.gap_fte, yi, b, gap_fte);
                put(v.demand_eur_total, yi, b, dem_eur);
                put(v.demand_fte_total, yi, b, dem_fte);
                put(v.capacity_fte_total, yi, b, cap);
                let (mut cost, mut gap_eur) = (0.0, 0.0);
                for fi in 0..m.financiers.len() {
                    cost += f.cost_financier[fi];
                    // Financiers whose budget is left out start at their cost level; the
                    // network's budget is the baseline's, so spending more shows as a gap.
                    gap_eur += (f.cost_financier[fi] - s.budget[fi]).max(0.0);
                    put(v.cost_financier[fi], yi, b, f.cost_financier[fi]);
                    put(v.budget_financier[fi], yi, b, s.budget[fi]);
                }
                put(v.cost_total, yi, b, cost);
                put(v.gap_eur, yi, b, gap_eur);
                totals[vi] = cost;
            }
            put(layout.transition_spent, yi, b, spent);
            put(layout.savings, yi, b, totals[0] - totals[1]);
            s.savings_cumulative += totals[0] - totals[1];
            put(layout.savings_cumulative, yi, b, s.savings_cumulative);
            put(layout.drivers_demography, yi, b, demography);
            put(layout.drivers_informal, yi, b, with_informal);
        }
    }
    buf
}
