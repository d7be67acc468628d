//! The shared projection: per batch and year, everything no agreement changes — population,
//! demand without interventions, informal care, workforce, budgets — computed once and read
//! by every variant that projects the same inputs.

use crate::agreement::{CareTerms, VariantFrame, YearFrame};
use crate::model::{DomainModel, Model};
use crate::projection::{Cohorts, Mortality, demand, informal_factor, people_in};
use crate::sampling::{Draws, Input};
use crate::scenario::economics::ContractKind;

use super::care;
use crate::scenario::{AGES, AgeRange, BudgetIndex};

/// The fixed age groups every report shows.
pub(super) const GROUPS: [(&str, AgeRange); 4] = [
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

/// What one run carries from year to year.
#[derive(Debug, Clone)]
pub(super) struct RunState {
    pub cohorts: Cohorts,
    mortality: Mortality,
    /// Per domain: cumulative growth of cost per person (wages, prices, volume), of hours per
    /// person (volume), of hours per FTE (productivity); and the FTE employed.
    pub cost_growth: Vec<f64>,
    pub hours_growth: Vec<f64>,
    pub productivity: Vec<f64>,
    pub fte: Vec<f64>,
    /// Per domain: staff beyond last year's demand and demand beyond last year's staff (FTE),
    /// and the staff that moved in this year (out: negative; see `workforce.moves`).
    spare: Vec<f64>,
    short: Vec<f64>,
    pub moved: Vec<f64>,
    /// Per domain: the cumulative efficiency discount on tariffs and contract amounts, the
    /// share of productivity growth the contract passes on (1 while none is).
    pub tariff: Vec<f64>,
    /// Per domain: cumulative wage and price growth alone; demand in EUR at start-year use and
    /// prices from ageing and population size alone; and last year's cost (for the index
    /// budgets follow).
    price_growth: Vec<f64>,
    demography: Vec<f64>,
    last_cost: Vec<f64>,
    /// Per financier: the budget this year; `NaN` until the start year's cost sets it.
    budget: Vec<f64>,
    /// Per financier: the budget on each [`BudgetPath`] from the same start.
    budget_paths: Vec<[f64; 2]>,
    /// Per domain: the contract's amount at start-year prices (`NaN` until the start year's
    /// delivered care sets it, when the scenario leaves it out); its cumulative own growth;
    /// and the staff cost per FTE at start-year prices.
    contract_base: Vec<f64>,
    contract_growth: Vec<f64>,
    staff_cost0: Vec<f64>,
    /// Per domain: last year's unmet demand, EUR (part of it may move to other domains).
    last_unmet: Vec<f64>,
    /// Carers per recipient in the start year (informal care).
    carers_per_recipient0: f64,
    /// People of working age (20-64) in the start year.
    working_age0: f64,
    /// This year's flows, which take the population to 1 January of next year: deaths (at
    /// this year's death probabilities), births and net migration by band.
    pub deaths: f64,
    pub births: f64,
    migration: Vec<(AgeRange, f64)>,
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
        let working_age0 = people_in(&cohorts.people, GROUPS[1].1);
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
            tariff: vec![1.0; n],
            spare: vec![0.0; n],
            short: vec![0.0; n],
            moved: vec![0.0; n],
            fte: m
                .domains
                .iter()
                .map(|dm| dm.fte.map_or(f64::NAN, |id| d.at(id, b)))
                .collect(),
            price_growth: vec![1.0; n],
            demography: vec![0.0; n],
            last_cost: vec![0.0; n],
            budget: m
                .financiers
                .iter()
                .map(|f| f.budget_eur.map_or(f64::NAN, |id| d.at(id, b)))
                .collect(),
            budget_paths: vec![[f64::NAN; 2]; m.financiers.len()],
            contract_base: m
                .domains
                .iter()
                .map(|dm| dm.contract.eur.map_or(f64::NAN, |id| d.at(id, b)))
                .collect(),
            contract_growth: vec![1.0; n],
            staff_cost0: vec![0.0; n],
            last_unmet: vec![0.0; n],
            working_age0,
            deaths: 0.0,
            births: 0.0,
            migration: Vec::new(),
            carers_per_recipient0,
        }
    }

    /// This year's deaths, births and migration, with this year's draws: what the step to
    /// 1 January of next year applies.
    fn flows(&mut self, m: &Model, d: &Draws, b: usize) {
        let people = &self.cohorts.people;
        self.deaths = (0..AGES).map(|a| people[a] * self.mortality.q(a)).sum();
        self.births = d.at(m.birth_rate, b) * self.cohorts.total();
        self.migration.clear();
        self.migration
            .extend(m.migration.iter().map(|(r, id)| (*r, d.at(*id, b))));
    }

    /// Into `year` with `year`'s draws, once the people have moved to 1 January of it: death
    /// probabilities improve, costs, hours, productivity and the workforce grow.
    fn advance(&mut self, m: &Model, d: &Draws, b: usize) {
        self.mortality.improve(d.at(m.mortality.improvement, b), 1);
        let working_age =
            people_in(&self.cohorts.people, GROUPS[1].1) / self.working_age0.max(1e-9);
        for (i, dm) in m.domains.iter().enumerate() {
            let volume = 1.0 + d.at(dm.volume, b);
            let prices = 1.0 + d.at(dm.wages_prices, b);
            self.cost_growth[i] *= prices * volume;
            self.price_growth[i] *= prices;
            self.hours_growth[i] *= volume;
            let productivity = 1.0 + d.at(dm.productivity, b);
            self.productivity[i] *= productivity;
            let discount = d.at(dm.contract.efficiency_discount, b);
            if discount != 0.0 {
                self.tariff[i] *= productivity.powf(-discount);
            }
            let inflow = d.at(dm.inflow, b)
                * if dm.inflow_follows_working_age {
                    working_age
                } else {
                    1.0
                };
            self.fte[i] *= 1.0 + inflow - d.at(dm.outflow, b);
            self.contract_growth[i] *= 1.0 + d.at(dm.contract.growth, b);
        }
        if m.moves_staff() {
            let (spare, short) = (&self.spare, &self.short);
            care::move_staff(m, d, b, |x| spare[x], |x| short[x], &mut self.moved);
            for (fte, moved) in self.fte.iter_mut().zip(&self.moved) {
                *fte += moved;
            }
        }
    }

    /// Fixes what the start year's delivered care sets: contract amounts the scenario leaves
    /// out (today's production) and the staff cost per FTE (the staff share of delivered care
    /// over the FTE that delivered it).
    fn calibrate(&mut self, m: &Model, d: &Draws, b: usize, v: &VariantFrame) {
        for (di, dm) in m.domains.iter().enumerate() {
            if self.contract_base[di].is_nan() {
                self.contract_base[di] = v.delivered_eur[di][b];
            }
            let fte = v.delivered_fte[di][b];
            self.staff_cost0[di] = match &dm.costs {
                Some(c) if fte > 0.0 => d.at(c.staff_share, b) * v.delivered_eur[di][b] / fte,
                _ => 0.0,
            };
        }
    }

    /// This year's contract amounts and cost terms of run `b`, all following the domain's
    /// wage and price growth; contract amounts also its efficiency discount.
    fn terms(&self, m: &Model, d: &Draws, b: usize, people: &[f64], t: &mut CareTerms) {
        for (di, dm) in m.domains.iter().enumerate() {
            let index = self.price_growth[di];
            let c = &dm.contract;
            t.contract_amount[di][b] = index
                * self.contract_growth[di]
                * self.tariff[di]
                * match c.kind {
                    ContractKind::FeeForService => 0.0,
                    ContractKind::Capitation => {
                        let mut by_band = [0.0; AGES];
                        for (age, n) in people.iter().enumerate() {
                            by_band[c.band_of_age[age]] += n;
                        }
                        c.per_person
                            .iter()
                            .zip(by_band)
                            .map(|(&rate, n)| n * d.at(rate, b))
                            .sum()
                    }
                    _ => self.contract_base[di],
                };
            t.staff_cost_per_fte[di][b] = self.staff_cost0[di] * index;
            t.fixed_cost[di][b] = dm.costs.as_ref().map_or(0.0, |k| d.at(k.fixed_eur, b)) * index;
        }
    }

    /// Grows each budget into `year` (after this year's demand is known): its index, if it
    /// follows one, times its own rate. `demography` holds this year's demand from ageing and
    /// population alone; `last_cost` and `self.demography` still last year's.
    fn grow_budgets(&mut self, m: &Model, d: &Draws, b: usize, year: i32, demography: &[f64]) {
        for (i, f) in m.financiers.iter().enumerate() {
            let rate = 1.0 + d.at(f.rate(year), b);
            // The index of each path: the financier's domains' wage and price growth, and
            // that times their demand's growth from ageing and population alone, weighted by
            // last year's cost.
            let (mut weight, mut prices, mut with_demography) = (0.0, 0.0, 0.0);
            for (di, dm) in m
                .domains
                .iter()
                .enumerate()
                .filter(|(_, dm)| dm.financier == i)
            {
                let factor = 1.0 + d.at(dm.wages_prices, b);
                let people = if self.demography[di] > 0.0 {
                    demography[di] / self.demography[di]
                } else {
                    1.0
                };
                weight += self.last_cost[di];
                prices += self.last_cost[di] * factor;
                with_demography += self.last_cost[di] * factor * people;
            }
            let index = |x: f64| if weight > 0.0 { x / weight } else { 1.0 };
            let paths = [index(prices), index(with_demography)];
            for (budget, index) in self.budget_paths[i].iter_mut().zip(paths) {
                *budget *= index;
            }
            self.budget[i] *= rate
                * match f.follows {
                    None => 1.0,
                    Some(BudgetIndex::Prices) => paths[BudgetPath::Prices as usize],
                    Some(BudgetIndex::PricesAndDemography) => {
                        paths[BudgetPath::PricesAndDemography as usize]
                    }
                };
        }
    }
}

/// One projection of a batch: the draws it is made from, each run's state and the year's
/// shared frame.
#[derive(Debug)]
pub(super) struct Projection {
    inputs: Vec<Input>,
    pub draws: Draws,
    pub states: Vec<RunState>,
    pub frame: YearFrame,
    /// Per run: the informal-care weight on the recipients' ages, when the scenario has
    /// informal care; and the share of need it covers.
    pub informal: Vec<Option<(AgeRange, f64)>>,
    pub informal_share: Vec<f64>,
    /// Per run: demand in EUR at start-year use and prices, from ageing and population growth
    /// alone; the same with informal care's change; and that with wage and price growth.
    pub drivers: Vec<[f64; 3]>,
    /// Per [`BudgetPath`], financier and run: the budget on that path.
    pub budget_paths: [Vec<Vec<f64>>; 2],
}

/// Two ways a financier's budget may grow, reported side by side whatever path the scenario
/// gives it: with wages and prices only (indexation), and with wages, prices and the growth of
/// its domains' demand from ageing and population size (a macro frame that follows
/// demography, as the sector agreements' growth paths do in part). The money gap depends on
/// which holds; a board should see both.
#[derive(Debug, Clone, Copy)]
pub(super) enum BudgetPath {
    Prices = 0,
    PricesAndDemography = 1,
}

impl Projection {
    /// The start of runs `first..first + len` projected from `inputs` (the model's, or a
    /// variant's with its overlays).
    pub fn new(m: &Model, inputs: Vec<Input>, seed: u64, first: u64, len: usize) -> Projection {
        let draws = Draws::new(&inputs, seed, first, len, m.start_year);
        let states = (0..len).map(|b| RunState::start(m, &draws, b)).collect();
        let grid = |n: usize| vec![vec![0.0; len]; n];
        let (nd, nf) = (m.domains.len(), m.financiers.len());
        Projection {
            inputs,
            draws,
            states,
            frame: YearFrame {
                year: m.start_year,
                len,
                population: ["0-19", "20-64", "65+", "80+", "total"]
                    .into_iter()
                    .map(|g| (g, vec![0.0; len]))
                    .collect(),
                baseline: VariantFrame::zeros(nd, nf, len),
                capacity_fte: grid(nd),
                budget: grid(nf),
                terms: CareTerms {
                    contract_amount: grid(nd),
                    staff_cost_per_fte: grid(nd),
                    fixed_cost: grid(nd),
                },
            },
            informal: vec![None; len],
            informal_share: vec![0.0; len],
            drivers: vec![[0.0; 3]; len],
            budget_paths: [grid(nf), grid(nf)],
        }
    }

    /// Projects year `year` (index `yi` among the simulated years).
    pub fn year(&mut self, m: &Model, yi: usize, year: i32) {
        self.frame.year = year;
        if yi > 0 {
            // Last year's flows take the people to 1 January of this year.
            for s in &mut self.states {
                s.cohorts.step(&s.mortality, s.births, &s.migration);
            }
            self.draws.set_year(&self.inputs, year);
            for (b, s) in self.states.iter_mut().enumerate() {
                s.advance(m, &self.draws, b);
            }
        }
        for (b, s) in self.states.iter_mut().enumerate() {
            s.flows(m, &self.draws, b);
        }
        let ones = [1.0; AGES];
        let mut weight = [1.0; AGES];
        let (mut eur_bands, mut hour_bands) = (Vec::new(), Vec::new());
        let mut demography_of = vec![0.0; m.domains.len()];
        let (draws, frame) = (&self.draws, &mut self.frame);
        for (b, s) in self.states.iter_mut().enumerate() {
            let people = &s.cohorts.people;
            for (g, (_, range)) in GROUPS.iter().enumerate() {
                frame.population[g].1[b] = people_in(people, *range);
            }
            frame.population[4].1[b] = s.cohorts.total();

            self.informal[b] = m.informal.as_ref().map(|i| {
                let r = people_in(people, i.carers) / people_in(people, i.recipients).max(1e-9);
                let (share, factor) = informal_factor(
                    draws.at(i.share, b),
                    s.carers_per_recipient0,
                    r,
                    draws.at(i.elasticity, b),
                );
                self.informal_share[b] = share;
                (i.recipients, factor)
            });

            let (mut demography, mut with_informal, mut with_prices) = (0.0, 0.0, 0.0);
            for (di, dm) in m.domains.iter().enumerate() {
                demand_bands(dm, draws, b, &mut eur_bands, &mut hour_bands);
                weight.fill(1.0);
                if let (true, Some((ages, factor))) = (dm.informal, self.informal[b]) {
                    weight[ages.ages()].fill(factor);
                }
                let (e, h) = demand(people, &weight, &dm.band_of_age, &eur_bands, &hour_bands);
                with_informal += e;
                with_prices += e * s.price_growth[di];
                demography_of[di] = if self.informal[b].is_some() && dm.informal {
                    demand(people, &ones, &dm.band_of_age, &eur_bands, &hour_bands).0
                } else {
                    e
                };
                demography += demography_of[di];
                let fte_hours = draws.at(dm.hours_per_fte, b) * s.productivity[di];
                frame.baseline.demand_eur[di][b] = e * s.cost_growth[di] * s.tariff[di];
                frame.baseline.demand_fte[di][b] = h * s.hours_growth[di] / fte_hours;
                if s.fte[di].is_nan() {
                    // The staff who delivered the start year's use.
                    s.fte[di] =
                        frame.baseline.demand_fte[di][b] * (1.0 - draws.at(dm.unmet_share, b));
                }
                frame.capacity_fte[di][b] = s.fte[di];
                frame.baseline.capacity_fte[di][b] = s.fte[di];
            }
            self.drivers[b] = [demography, with_informal, with_prices];
            if yi > 0 && m.moves_unmet() {
                care::move_unmet(m, draws, b, |d| s.last_unmet[d], &mut frame.baseline);
            }
            if yi > 0 {
                s.grow_budgets(m, draws, b, year, &demography_of);
            }
            for (di, cost) in s.last_cost.iter_mut().enumerate() {
                *cost = frame.baseline.demand_eur[di][b];
            }
            s.demography.copy_from_slice(&demography_of);
        }
        if m.moves_staff() {
            let base = &frame.baseline;
            for (b, s) in self.states.iter_mut().enumerate() {
                for d in 0..m.domains.len() {
                    let (need, staff) = (base.demand_fte[d][b], base.capacity_fte[d][b]);
                    s.spare[d] = (staff - need).max(0.0);
                    s.short[d] = (need - staff).max(0.0);
                }
            }
        }
        care::deliver(&mut frame.baseline, None);
        for (b, s) in self.states.iter_mut().enumerate() {
            if yi == 0 {
                s.calibrate(m, draws, b, &frame.baseline);
            }
            s.terms(m, draws, b, &s.cohorts.people, &mut frame.terms);
        }
        care::bind_ceilings(m, &frame.terms, draws, &mut frame.baseline);
        if m.moves_unmet() {
            for (b, s) in self.states.iter_mut().enumerate() {
                for (d, unmet) in s.last_unmet.iter_mut().enumerate() {
                    *unmet = frame.baseline.demand_eur[d][b] - frame.baseline.delivered_eur[d][b];
                }
            }
        }
        care::pay(m, &frame.terms, draws, &mut frame.baseline, None);
        // A budget left out starts at the counterfactual's cost in the start year.
        for (b, s) in self.states.iter_mut().enumerate() {
            for fi in 0..m.financiers.len() {
                if yi == 0 && s.budget[fi].is_nan() {
                    s.budget[fi] = frame.baseline.domain_cost[fi][b];
                }
                if yi == 0 {
                    s.budget_paths[fi] = [s.budget[fi]; 2];
                }
                frame.budget[fi][b] = s.budget[fi];
                for (path, budget) in self.budget_paths.iter_mut().zip(s.budget_paths[fi]) {
                    path[fi][b] = budget;
                }
            }
        }
    }
}

/// Use per person of domain `dm` in run `b`, scaled up to demand: `use` is the care delivered
/// (and paid) in the start year, demand adds the share that went unmet.
pub(super) fn demand_bands(
    dm: &DomainModel,
    draws: &Draws,
    b: usize,
    eur: &mut Vec<f64>,
    hours: &mut Vec<f64>,
) {
    let latent = 1.0 / (1.0 - draws.at(dm.unmet_share, b));
    eur.clear();
    eur.extend(dm.eur.iter().map(|id| draws.at(*id, b) * latent));
    hours.clear();
    hours.extend(dm.hours.iter().map(|id| draws.at(*id, b) * latent));
}
