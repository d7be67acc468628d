//! One variant's part of a batch's year: on top of the shared projection, the transition
//! fund, the interventions it pays, the agreement's hooks and the ledger; then the year's
//! figures handed to the recorder.

use crate::agreement::{
    Agreement, Hook, INTERVENTIONS, OUTSIDE, RuleError, TRANSITION_FUND, VariantFrame, VariantYear,
    YearFrame, fund_names,
};
use crate::ledger::{Entry, Ledger, Origin};
use crate::model::{Market, Model};
use crate::outcome::{RecordedYear, Recorder};
use crate::projection::{demand, ramp};
use crate::sampling::{Draws, Input};
use crate::scenario::AGES;
use crate::scenario::economics::StaffMode;
use crate::variant::Variant;

use super::Context;
use super::care;
use super::layout::{AgreementSeries, VariantSeries, stem_of};
use super::shared::{Projection, demand_bands};

/// What a variant with an agreement carries through the batch's years.
struct Network<'a> {
    rules: Box<dyn Agreement + 'a>,
    ledger: Ledger,
    own: VariantYear,
    /// Ledger accounts: the funds, the sinks (`outside`, `interventions`), each financier.
    funds: Vec<usize>,
    sinks: [usize; 2],
    financier_account: Vec<usize>,
    /// Per run: savings summed over the years so far; per partner and run, net gain so far.
    savings_cumulative: Vec<f64>,
    partner_net: Vec<Vec<f64>>,
    /// Per run: what the financiers outside the network gained so far (their market share of
    /// the change in payments, and what risk equalisation passed on).
    outside_net: Vec<f64>,
    /// Per intervention: this run's level (ramp × funding); and per run what the fund pays it.
    levels: Vec<f64>,
    used: Vec<Vec<f64>>,
    /// Per intervention: the ledger accounts of who delivers it among those taking part, with
    /// their shares of what it uses (summing to 1 when anyone delivers it).
    deliverers: Vec<Vec<(usize, f64)>>,
    /// Per intervention: the share of its work this variant delivers. A provider that does not
    /// take part delivers none of its share (work bought `outside` the network always happens),
    /// so the intervention costs and achieves only the rest.
    delivered_part: Vec<f64>,
    /// This year's market shares, per partner and of the providers outside the network (see
    /// [`Variant::market_in`]), and which providers have left the market.
    market: Vec<Market>,
    outside_market: Market,
    exited: Vec<bool>,
    /// Per partner and run: what it received this year for delivering interventions (at
    /// cost: the work costs it what it is paid).
    intervention_revenue: Vec<Vec<f64>>,
    /// Per domain and run: last year's unmet demand, EUR, in this variant.
    last_unmet: Vec<Vec<f64>>,
    /// Per domain and run (see `workforce.moves`): this variant's staff beyond last year's
    /// demand and demand beyond them; and the staff its own moves added to the projection's
    /// workforce so far (the moves of the projection are in its workforce already).
    spare: Vec<Vec<f64>>,
    short: Vec<Vec<f64>>,
    staff_moved: Vec<Vec<f64>>,
    /// Per financier and run: what it paid into the transition fund this year, when that
    /// comes on top of its budget.
    on_top: Vec<Vec<f64>>,
    /// Per intervention and run: the level of its effect, which may outlast its funding (see
    /// [`crate::scenario::Persistence`]).
    effect: Vec<Vec<f64>>,
    /// Per domain and run: care gained since the start, FTE-years; and this year's λ.
    gained_years: Vec<Vec<f64>>,
    wtp: Vec<Vec<f64>>,
    /// Per domain with a `refill`, this year's share per run.
    refill: Vec<Option<Vec<f64>>>,
    /// Per partner: the value of care credited to it in the run being filled (reused from
    /// run to run, so the per-run loop allocates nothing).
    credited: Vec<f64>,
    /// Whether the programme goes on whatever the rules decide ([`Variant::continues`]).
    continues: bool,
}

/// One variant of one batch.
pub(super) struct VariantRun<'a> {
    index: usize,
    variant: &'a Variant,
    /// Index of the projection it builds on.
    pub projection: usize,
    /// Its own draws when it overlays an input its projection does not have.
    own_draws: Option<(Vec<Input>, Draws)>,
    network: Option<Network<'a>>,
    /// This year's values, `[series of the variant][run]`.
    values: Vec<f64>,
}

const CORE: &str = "kloof (transition budget)";

impl<'a> VariantRun<'a> {
    pub fn new(
        cx: &Context<'a>,
        index: usize,
        first: u64,
        len: usize,
        traced: Option<u64>,
    ) -> Result<VariantRun<'a>, RuleError> {
        let (m, variant) = (cx.m, &cx.variants[index]);
        let projection = cx.projection_of[index];
        let own_draws = (projection == 0 && !variant.overlays.is_empty()).then(|| {
            let inputs = variant.inputs(m);
            let draws = Draws::new(&inputs, cx.seed, first, len, m.start_year);
            (inputs, draws)
        });
        let network = if variant.has_agreement() {
            Some(Network::new(cx, variant, first, len, traced)?)
        } else {
            None
        };
        Ok(VariantRun {
            index,
            variant,
            projection,
            own_draws,
            network,
            values: vec![0.0; cx.layout.variants[index].ids.len() * len],
        })
    }

    /// Simulates year `year` (index `yi`) on top of projection `p`, and records it.
    pub fn year(
        &mut self,
        cx: &Context,
        p: &Projection,
        yi: usize,
        year: i32,
        first: usize,
        recorder: &dyn Recorder,
    ) -> Result<(), RuleError> {
        if let Some((inputs, draws)) = &mut self.own_draws
            && yi > 0
        {
            draws.set_year(inputs, year);
        }
        let draws = self.own_draws.as_ref().map_or(&p.draws, |(_, d)| d);
        if let Some(n) = &mut self.network {
            n.year(cx, self.variant, p, draws, yi, year)?;
        }
        let series = &cx.layout.variants[self.index];
        self.fill(cx, series, p);
        self.check(cx, series, first, p.frame.len, year)?;
        recorder.record(&RecordedYear {
            first_run: first,
            len: p.frame.len,
            year_index: yi,
            variant: self.index,
            series: &series.ids,
            values: &self.values,
        });
        Ok(())
    }

    /// The traced run's ledger entries, for variants with an agreement.
    pub fn entries(&self) -> Option<(usize, Vec<Entry>)> {
        self.network
            .as_ref()
            .map(|n| (self.index, n.ledger.entries().to_vec()))
    }

    /// Stops the run at the first value no input should produce: a non-finite number
    /// anywhere, or a negative count of people, hours, FTE or euros of demand. The error names
    /// the variant, metric, run and year, and the inputs behind the metric.
    fn check(
        &self,
        cx: &Context,
        v: &VariantSeries,
        first: usize,
        len: usize,
        year: i32,
    ) -> Result<(), RuleError> {
        for (k, (&id, &counts)) in v.ids.iter().zip(&v.counts).enumerate() {
            let bad = self.values[k * len..][..len]
                .iter()
                .position(|x| !x.is_finite() || (counts && *x < 0.0));
            if let Some(b) = bad {
                let metric = &cx.layout.catalogue.series[id].metric;
                let x = self.values[k * len + b];
                return Err(RuleError::core(
                    format!(
                        "variant `{}`: `{metric}` came out {x}, which no plausible input gives; \
                         look at {}",
                        self.variant.name,
                        inputs_behind(metric)
                    ),
                    year,
                )
                .with_run_year((first + b) as u64, year));
            }
        }
        Ok(())
    }

    /// Writes this year's values of every series of the variant.
    fn fill(&mut self, cx: &Context, v: &VariantSeries, p: &Projection) {
        let m = cx.m;
        let len = p.frame.len;
        let values = &mut self.values;
        let mut put = |series: usize, b: usize, x: f64| values[series * len + b] = x;
        let frame = self
            .network
            .as_ref()
            .map_or(&p.frame.baseline, |n| &n.own.frame);
        for b in 0..len {
            for g in 0..4 {
                put(v.population_groups[g], b, p.frame.population[g].1[b]);
            }
            put(v.population_total, b, p.frame.population[4].1[b]);
            put(v.population_flows[0], b, p.states[b].deaths);
            put(v.population_flows[1], b, p.states[b].births);
            if let Some(id) = v.informal_share {
                put(id, b, p.informal_share[b]);
            }
            let (mut gap_fte, mut dem_eur, mut dem_fte, mut cap) = (0.0, 0.0, 0.0, 0.0);
            let (mut delivered, mut unmet_eur, mut unmet_fte, mut unmet_hours) =
                (0.0, 0.0, 0.0, 0.0);
            for (di, dm) in m.domains.iter().enumerate() {
                let staff = frame.capacity_fte[di][b];
                let gap = (frame.demand_fte[di][b] - staff).max(0.0);
                put(v.demand_eur[di], b, frame.demand_eur[di][b]);
                put(v.demand_fte[di], b, frame.demand_fte[di][b]);
                put(v.capacity_fte[di], b, staff);
                put(v.gap_fte_domain[di], b, gap);
                let fte_hours = p.draws.at(dm.hours_per_fte, b) * p.states[b].productivity[di];
                let (d_eur, u_eur) = (
                    frame.delivered_eur[di][b],
                    frame.demand_eur[di][b] - frame.delivered_eur[di][b],
                );
                let u_fte = frame.demand_fte[di][b] - frame.delivered_fte[di][b];
                put(v.delivered_eur[di], b, d_eur);
                put(v.unmet_eur[di], b, u_eur);
                put(v.unmet_fte[di], b, u_fte);
                put(v.unmet_hours[di], b, u_fte * fte_hours);
                gap_fte += gap;
                dem_eur += frame.demand_eur[di][b];
                dem_fte += frame.demand_fte[di][b];
                cap += staff;
                delivered += d_eur;
                unmet_eur += u_eur;
                unmet_fte += u_fte;
                unmet_hours += u_fte * fte_hours;
            }
            put(v.gap_fte, b, gap_fte);
            put(v.demand_eur_total, b, dem_eur);
            put(v.demand_fte_total, b, dem_fte);
            put(v.capacity_fte_total, b, cap);
            put(v.delivered_eur_total, b, delivered);
            put(v.unmet_eur_total, b, unmet_eur);
            put(v.unmet_fte_total, b, unmet_fte);
            put(v.unmet_hours_total, b, unmet_hours);
            if let Some(id) = v.unmet_ceiling {
                put(id, b, frame.held_fte.iter().map(|h| h[b]).sum());
            }
            let market = self.network.as_ref().map_or(&cx.market, |n| &n.market);
            for &(pi, series) in &v.margin {
                put(series, b, care::margin(&market[pi], frame, b));
            }
            if let (Some(series), Some(n)) = (v.margin_outside, &self.network) {
                put(series, b, care::margin(&n.outside_market, frame, b));
            }
            let (mut gap_eur, mut gap_paths, mut financeable) = (0.0, [0.0; 2], 0.0);
            for fi in 0..m.financiers.len() {
                // With an agreement a financier also bears what it pays through the ledger,
                // less what it receives.
                let cost = frame.domain_cost[fi][b]
                    + self.network.as_ref().map_or(0.0, |n| {
                        let a = n.financier_account[fi];
                        n.ledger.paid(a, b) - n.ledger.received(a, b)
                    });
                let budget =
                    p.frame.budget[fi][b] + self.network.as_ref().map_or(0.0, |n| n.on_top[fi][b]);
                gap_eur += (cost - budget).max(0.0);
                for (path, total) in gap_paths.iter_mut().enumerate() {
                    let on_path = p.budget_paths[path][fi][b] + (budget - p.frame.budget[fi][b]);
                    let gap = (cost - on_path).max(0.0);
                    *total += gap;
                    put(v.gap_financier_paths[fi][path], b, gap);
                }
                // Care its domains leave unmet, at their prices: what it would pay if the staff
                // to deliver it existed.
                let unmet: f64 = m
                    .domains
                    .iter()
                    .enumerate()
                    .filter(|(_, dm)| dm.financier == fi)
                    .map(|(di, _)| frame.demand_eur[di][b] - frame.delivered_eur[di][b])
                    .sum();
                financeable += (cost + unmet - budget).max(0.0);
                put(v.cost_financier[fi], b, cost);
                put(v.budget_financier[fi], b, budget);
                put(v.payments_financier[fi], b, frame.domain_cost[fi][b]);
            }
            put(v.gap_eur, b, gap_eur);
            for (series, gap) in v.gap_paths.iter().zip(gap_paths) {
                put(*series, b, gap);
            }
            put(v.gap_financeable, b, financeable);
            let beyond = self.network.as_ref().map_or(0.0, |n| n.beyond_care(b));
            put(v.cost_total, b, payments_total(frame, b) + beyond);
            if let Some(drivers) = v.drivers {
                for (series, value) in drivers.into_iter().zip(p.drivers[b]) {
                    put(series, b, value);
                }
            }
        }
        if let (Some(n), Some(a)) = (&mut self.network, &v.agreement) {
            let totals = values[v.cost_total * len..][..len].to_vec();
            let mut put = |series: usize, b: usize, x: f64| values[series * len + b] = x;
            for (b, total) in totals.into_iter().enumerate() {
                n.fill_agreement(cx, a, p, &mut put, b, total);
            }
        }
    }
}

impl<'a> Network<'a> {
    fn new(
        cx: &Context<'a>,
        variant: &Variant,
        first: u64,
        len: usize,
        traced: Option<u64>,
    ) -> Result<Network<'a>, RuleError> {
        let m = cx.m;
        let rules = cx.agreements.for_batch(m, variant)?;
        let mut accounts: Vec<String> = m.partners.iter().map(|p| p.id.clone()).collect();
        accounts.extend([OUTSIDE.to_string(), INTERVENTIONS.to_string()]);
        let mut ledger = Ledger::new(accounts, first, len, traced);
        let funds = fund_names(m, cx.agreements)
            .iter()
            .map(|f| ledger.open_fund(f))
            .collect();
        let sinks = [OUTSIDE, INTERVENTIONS].map(|a| ledger.account(a).unwrap_or(0));
        let financier_account = m
            .financiers
            .iter()
            .map(|f| ledger.account(&f.id).unwrap_or(0))
            .collect();
        let grid = |n: usize| vec![vec![0.0; len]; n];
        let (deliverers, delivered_part) =
            deliverers_in(m, variant, &ledger, sinks[1], m.start_year);
        let own = VariantYear {
            frame: VariantFrame::zeros(m.domains.len(), m.financiers.len(), len),
            transition_available: vec![0.0; len],
            transition_spent: vec![0.0; len],
            events: cx
                .agreements
                .events()
                .into_iter()
                .map(|e| (e, vec![0.0; len]))
                .collect(),
            tallies: cx
                .agreements
                .tallies()
                .into_iter()
                .map(|t| (t, vec![vec![0.0; len]; m.partners.len()]))
                .collect(),
            investing: vec![1.0; len],
            positions: grid(m.partners.len()),
        };
        Ok(Network {
            rules,
            ledger,
            own,
            funds,
            sinks,
            financier_account,
            savings_cumulative: vec![0.0; len],
            partner_net: grid(m.partners.len()),
            outside_net: vec![0.0; len],
            levels: vec![0.0; m.interventions.len()],
            used: grid(m.interventions.len()),
            deliverers,
            delivered_part,
            market: cx.market.clone(),
            outside_market: Vec::new(),
            exited: vec![false; m.partners.len()],
            intervention_revenue: grid(m.partners.len()),
            last_unmet: grid(m.domains.len()),
            spare: grid(m.domains.len()),
            short: grid(m.domains.len()),
            staff_moved: grid(m.domains.len()),
            on_top: grid(m.financiers.len()),
            effect: grid(m.interventions.len()),
            gained_years: grid(m.domains.len()),
            wtp: grid(m.domains.len()),
            refill: m
                .domains
                .iter()
                .map(|d| d.refill.map(|_| vec![0.0; len]))
                .collect(),
            credited: vec![0.0; m.partners.len()],
            continues: variant.continues,
        })
    }

    /// The year in stages: contributions, interventions and their effect on demand, costs,
    /// the agreement's hooks.
    fn year(
        &mut self,
        cx: &Context,
        variant: &Variant,
        p: &Projection,
        draws: &Draws,
        yi: usize,
        year: i32,
    ) -> Result<(), RuleError> {
        let m = cx.m;
        self.ledger.new_year();
        if !variant.leaves.is_empty() {
            (self.deliverers, self.delivered_part) =
                deliverers_in(m, variant, &self.ledger, self.sinks[1], year);
            (self.market, self.outside_market) = variant.market_in(m, year);
            for (pi, exited) in self.exited.iter_mut().enumerate() {
                *exited = variant.has_exited(pi, year);
            }
        }
        self.own.positions.clone_from(&self.partner_net);
        self.own.events.iter_mut().for_each(|(_, v)| v.fill(0.0));
        for (_, rows) in &mut self.own.tallies {
            rows.iter_mut().for_each(|v| v.fill(0.0));
        }
        for (row, id) in self.wtp.iter_mut().zip(&m.valuation.wtp) {
            if let Some(id) = id {
                row.iter_mut()
                    .enumerate()
                    .for_each(|(b, x)| *x = draws.at(*id, b));
            }
        }
        for (row, dm) in self.refill.iter_mut().zip(&m.domains) {
            if let (Some(row), Some(id)) = (row, dm.refill) {
                row.iter_mut()
                    .enumerate()
                    .for_each(|(b, x)| *x = draws.at(id, b));
            }
        }
        self.contribute(cx, variant, draws, year)?;
        self.intervene(m, p, draws, year);
        if m.transition.is_some() {
            self.pay_deliverers(m, year)?;
        }
        let shared = &p.frame;
        self.costs(m, shared, draws);
        if yi == 0 {
            self.hook(Hook::Start, shared, draws)?;
        }
        self.hook(Hook::Year, shared, draws)?;
        self.costs(m, shared, draws);
        self.hook(Hook::Settle, shared, draws)?;
        if yi + 1 == cx.years {
            self.hook(Hook::End, shared, draws)?;
        }
        let own = &self.own.frame;
        if m.moves_staff() {
            for d in 0..m.domains.len() {
                for b in 0..own.cost_total.len() {
                    let (need, staff) = (own.demand_fte[d][b], own.capacity_fte[d][b]);
                    self.spare[d][b] = (staff - need).max(0.0);
                    self.short[d][b] = (need - staff).max(0.0);
                }
            }
        }
        if !m.moves_unmet() {
            return Ok(());
        }
        for (d, row) in self.last_unmet.iter_mut().enumerate() {
            for (b, unmet) in row.iter_mut().enumerate() {
                *unmet = own.demand_eur[d][b] - own.delivered_eur[d][b];
            }
        }
        Ok(())
    }

    /// The fund pays each intervention's deliverers their share of what it uses: providers of
    /// the network (revenue for work they do at cost) or, for work bought outside it, the
    /// `interventions` account, where the money leaves the network.
    fn pay_deliverers(&mut self, m: &Model, year: i32) -> Result<(), RuleError> {
        let len = self.own.transition_spent.len();
        let mut to: Vec<(usize, Vec<f64>)> = Vec::new();
        for (i, deliverers) in self.deliverers.iter().enumerate() {
            for &(account, share) in deliverers {
                let at = match to.iter().position(|(a, _)| *a == account) {
                    Some(at) => at,
                    None => {
                        to.push((account, vec![0.0; len]));
                        to.len() - 1
                    }
                };
                for (sum, used) in to[at].1.iter_mut().zip(&self.used[i]) {
                    *sum += used * share;
                }
            }
        }
        self.intervention_revenue
            .iter_mut()
            .for_each(|row| row.fill(0.0));
        for (account, amounts) in to {
            let name = self.ledger.accounts()[account].clone();
            if let Some(pi) = m.partners.iter().position(|p| p.id == name) {
                self.intervention_revenue[pi].copy_from_slice(&amounts);
            }
            let reason = if account == self.sinks[1] {
                "interventions bought outside the network, paid from the transition budget"
            } else {
                "interventions delivered, paid from the transition budget"
            };
            self.ledger
                .transfer(
                    TRANSITION_FUND,
                    &name,
                    &amounts,
                    year,
                    &core_origin(),
                    reason,
                )
                .map_err(|e| RuleError::core(e.to_string(), year))?;
        }
        Ok(())
    }

    fn hook(
        &mut self,
        hook: Hook,
        shared: &crate::agreement::YearFrame,
        draws: &Draws,
    ) -> Result<(), RuleError> {
        self.rules
            .hook(hook, shared, &mut self.own, &mut self.ledger, draws)?;
        if self.continues {
            self.own.investing.fill(1.0);
        }
        Ok(())
    }

    /// Contributions to the transition fund: each partner that takes part its share of the
    /// year's amount.
    fn contribute(
        &mut self,
        cx: &Context,
        variant: &Variant,
        draws: &Draws,
        year: i32,
    ) -> Result<(), RuleError> {
        let m = cx.m;
        self.on_top.iter_mut().for_each(|row| row.fill(0.0));
        let Some(t) = m
            .transition
            .as_ref()
            .filter(|t| (t.from_year..=t.to_year).contains(&year))
        else {
            return Ok(());
        };
        let amount: Vec<f64> = (0..draws.len())
            .map(|b| draws.at(t.per_year, b) * self.own.investing[b])
            .collect();
        for (partner, share) in &t.contributions {
            if !variant.takes_part_in(*partner, year) {
                continue;
            }
            let paid: Vec<f64> = amount.iter().map(|a| a * share).collect();
            if let Some(fi) = cx.financier_of_partner[*partner]
                && m.financiers[fi].transition_on_top
            {
                self.on_top[fi].copy_from_slice(&paid);
            }
            self.ledger
                .transfer(
                    &m.partners[*partner].id,
                    TRANSITION_FUND,
                    &paid,
                    year,
                    &core_origin(),
                    "contribution to the transition budget",
                )
                .map_err(|e| RuleError::core(e.to_string(), year))?;
        }
        Ok(())
    }

    /// The fund pays the interventions, each at most its cost (level = ramp × funding); their
    /// effects change the variant's demand, and the staff they need leave less for care.
    fn intervene(&mut self, m: &Model, p: &Projection, draws: &Draws, year: i32) {
        let available = self
            .funds
            .first()
            .filter(|_| m.transition.is_some())
            .map(|&f| self.ledger.balance(f));
        let mut weight = [1.0; AGES];
        let (mut eur_bands, mut hour_bands) = (Vec::new(), Vec::new());
        let own = &mut self.own;
        let mut net = vec![0.0; m.domains.len()];
        let moves_staff = m.moves_staff();
        for (b, s) in p.states.iter().enumerate() {
            if moves_staff {
                // This variant's moves from its own spare and short staff, beyond those of the
                // projection (already in its workforce).
                let (spare, short) = (&self.spare, &self.short);
                care::move_staff(m, draws, b, |d| spare[d][b], |d| short[d][b], &mut net);
                for (d, moved) in net.iter().enumerate() {
                    self.staff_moved[d][b] += moved - s.moved[d];
                }
            }
            let avail = available.as_ref().map_or(0.0, |a| a[b].max(0.0));
            let mut spent = 0.0;
            for (i, iv) in m.interventions.iter().enumerate() {
                let cost = draws.at(iv.cost, b);
                let r = ramp(iv.start_year, iv.ramp_up_years, year) * own.investing[b];
                let used = if r > 0.0 {
                    (iv.allocation * avail).min(cost * self.delivered_part[i])
                } else {
                    0.0
                };
                spent += used;
                self.used[i][b] = used;
                let funding = if cost > 0.0 {
                    used / cost
                } else if r > 0.0 {
                    self.delivered_part[i]
                } else {
                    0.0
                };
                self.levels[i] = r * funding;
                let effect = &mut self.effect[i][b];
                *effect = match iv.decay {
                    Some(decay) => self.levels[i].max(*effect * (1.0 - draws.at(decay, b))),
                    None => self.levels[i],
                };
            }
            own.transition_available[b] = avail;
            own.transition_spent[b] = spent;

            let people = &s.cohorts.people;
            for (di, dm) in m.domains.iter().enumerate() {
                weight.fill(1.0);
                if let (true, Some((ages, factor))) = (dm.informal, p.informal[b]) {
                    weight[ages.ages()].fill(factor);
                }
                let mut touched = false;
                let mut diverted = 0.0;
                for (i, iv) in m.interventions.iter().enumerate() {
                    if let Some(st) = &iv.staff
                        && st.domain == di
                        && st.mode == StaffMode::Diverted
                        && self.levels[i] > 0.0
                    {
                        diverted += draws.at(st.fte, b) * self.levels[i];
                    }
                    let effect = self.effect[i][b];
                    if effect <= 0.0 {
                        continue;
                    }
                    for ef in iv.effects.iter().filter(|ef| ef.domain == di) {
                        let f = 1.0 + draws.at(ef.change, b) * effect;
                        weight[ef.ages.ages()].iter_mut().for_each(|w| *w *= f);
                        touched = true;
                    }
                }
                let (eur, fte) = if touched {
                    demand_bands(dm, draws, b, &mut eur_bands, &mut hour_bands);
                    let (e, h) = demand(people, &weight, &dm.band_of_age, &eur_bands, &hour_bands);
                    let fte_hours = draws.at(dm.hours_per_fte, b) * s.productivity[di];
                    (
                        e * s.cost_growth[di] * s.tariff[di],
                        h * s.hours_growth[di] / fte_hours,
                    )
                } else {
                    (
                        p.frame.baseline.demand_eur[di][b],
                        p.frame.baseline.demand_fte[di][b],
                    )
                };
                // Copied from the projection, demand holds what moved into it there; this
                // variant's own unmet demand moves below.
                let base = &p.frame.baseline;
                let (eur, fte) = if touched {
                    (eur, fte)
                } else {
                    (
                        eur - base.moved_in_eur[di][b],
                        fte - base.moved_in_fte[di][b],
                    )
                };
                own.frame.demand_eur[di][b] = eur;
                own.frame.demand_fte[di][b] = fte;
                let workforce = p.frame.capacity_fte[di][b] + self.staff_moved[di][b];
                own.frame.capacity_fte[di][b] = (workforce - diverted).max(0.0);
                own.frame.diverted_fte[di][b] = diverted.min(workforce.max(0.0));
            }
            if m.moves_unmet() {
                let last = &self.last_unmet;
                care::move_unmet(m, draws, b, |d| last[d][b], &mut own.frame);
            }
        }
    }

    /// Costs of the variant: care delivered within its staff, what the contracts pay for it,
    /// and in total plus what left the network this year through the sink accounts.
    fn costs(&mut self, m: &Model, shared: &YearFrame, draws: &Draws) {
        let base = Some((&shared.baseline, self.refill.as_slice()));
        care::deliver(&mut self.own.frame, base);
        care::bind_ceilings(m, &shared.terms, draws, &mut self.own.frame);
        care::pay(m, &shared.terms, draws, &mut self.own.frame, base);
        for b in 0..self.own.frame.cost_total.len() {
            self.own.frame.cost_total[b] += self.beyond_care(b);
        }
    }

    /// What the network spent this year in run `b` besides contract payments: interventions
    /// (delivered by its providers or bought outside) and other money that left it.
    fn beyond_care(&self, b: usize) -> f64 {
        self.sink(b)
            + self
                .intervention_revenue
                .iter()
                .map(|row| row[b])
                .sum::<f64>()
    }

    /// What the network's funds hold at the end of this year in run `b`: money the partners put
    /// in and the network still has (or, overdrawn, owes), which is no partner's position but
    /// is the network's.
    fn funds_held(&self, b: usize) -> f64 {
        self.funds
            .iter()
            .map(|&f| self.ledger.balance_at(f, b))
            .sum()
    }

    /// What left the network this year in run `b`: received less paid by the sink accounts.
    fn sink(&self, b: usize) -> f64 {
        self.sinks
            .iter()
            .map(|&a| self.ledger.received(a, b) - self.ledger.paid(a, b))
            .sum()
    }

    /// Writes run `b`'s agreement series: spending, savings against the counterfactual (the
    /// projection without agreement), each partner's position, events, funds.
    fn fill_agreement(
        &mut self,
        cx: &Context,
        a: &AgreementSeries,
        p: &Projection,
        put: &mut impl FnMut(usize, usize, f64),
        b: usize,
        total: f64,
    ) {
        let m = cx.m;
        let (base, own) = (&p.frame.baseline, &self.own.frame);
        let saved = base.cost_total[b] - total;
        self.savings_cumulative[b] += saved;
        put(a.transition_spent, b, self.own.transition_spent[b]);
        put(a.savings, b, saved);
        put(a.savings_cumulative, b, self.savings_cumulative[b]);
        for pi in 0..m.partners.len() {
            let (paid, received) = (self.ledger.paid(pi, b), self.ledger.received(pi, b));
            let (base_cost, own_cost) = match cx.financier_of_partner[pi] {
                Some(fi) => {
                    let (base_cost, own_cost, outside) =
                        financier_share(m, cx.outside_financiers, p, own, fi, b);
                    self.outside_net[b] += outside;
                    (base_cost, own_cost)
                }
                None => (0.0, 0.0),
            };
            // Providers gain or lose their margin on care; the intervention money they
            // receive pays for work that costs them as much. A provider that has left the
            // agreement keeps its clients, and the network's changes of demand still move its
            // margin. One that has left the market is out of the comparison: its clients are
            // with providers outside the network, whose margin the agreement changes
            // (`margin.eur.outside`), not its position.
            let margin_change = if self.exited[pi] {
                0.0
            } else {
                care::margin(&self.market[pi], own, b) - care::margin(&cx.market[pi], base, b)
            };
            self.partner_net[pi][b] += base_cost - (own_cost + paid) + received + margin_change
                - self.intervention_revenue[pi][b];
            put(a.partner_cost[pi], b, own_cost + paid);
            put(a.partner_received[pi], b, received);
            put(a.partner_net[pi], b, self.partner_net[pi][b]);
            put(
                a.partner_interventions[pi],
                b,
                self.intervention_revenue[pi][b],
            );
        }
        if let Some(series) = a.outside_financiers {
            put(series, b, self.outside_net[b]);
        }
        let positions = self.partner_net.iter().map(|row| row[b]);
        put(
            a.network_net,
            b,
            positions.clone().sum::<f64>() + self.funds_held(b),
        );
        // Half a cent: a partner the agreement leaves untouched has a position of zero, up to
        // rounding. The partners of one legal entity gain or lose together.
        let party = |members: &[usize]| members.iter().map(|&pi| self.partner_net[pi][b]).sum();
        let all_gain = m
            .parties
            .iter()
            .all(|(_, members)| party(members) >= -0.005);
        put(a.all_gain, b, if all_gain { 1.0 } else { 0.0 });
        for &(i, series) in &a.entity_net {
            put(series, b, party(&m.parties[i].1));
        }
        let network: f64 = self.intervention_revenue.iter().map(|row| row[b]).sum();
        put(a.interventions_network, b, network);
        put(a.left_network, b, self.sink(b));
        for (e, (_, fired)) in a.events.iter().zip(&self.own.events) {
            put(*e, b, fired[b]);
        }
        for (series, (_, rows)) in a.tallies.iter().zip(&self.own.tallies) {
            for (&s, row) in series.iter().zip(rows) {
                put(s, b, row[b]);
            }
        }
        for (series, &fund) in a.funds.iter().zip(&self.funds) {
            put(*series, b, self.ledger.balance_at(fund, b));
        }
        put(a.imbalance, b, self.ledger.imbalance(b));
        for (stem, series) in &a.clauses {
            let moved: f64 = self
                .ledger
                .moved_by_rule()
                .filter(|(file, _)| stem_of(file) == *stem)
                // From +0.0: an empty sum is -0.0, and whether a batch's ledger has an entry
                // for the rule must not show in the results.
                .fold(0.0, |sum, (_, moved)| sum + moved(b));
            put(*series, b, moved);
        }
        self.fill_care(m, a, p, put, b);
    }

    /// Writes run `b`'s care gained against the projection without agreement, its parts
    /// (demand avoided where staff were spare or short, care displaced by the interventions'
    /// staff) and its value, credited per partner on top of their positions.
    fn fill_care(
        &mut self,
        m: &Model,
        a: &AgreementSeries,
        p: &Projection,
        put: &mut impl FnMut(usize, usize, f64),
        b: usize,
    ) {
        let (base, own) = (&p.frame.baseline, &self.own.frame);
        let mut total = crate::value::CareGained::default();
        self.credited.fill(0.0);
        for (di, dm) in m.domains.iter().enumerate() {
            // Where a ceiling binds, the staff it lets work: the ceiling counts like staff.
            // Staff the network's own moves brought in count with the freed capacity (they
            // serve people who would wait), not against the staff it displaced.
            let working =
                |staff: f64| care::working_staff(dm, &p.frame.terms, &p.draws, base, staff, di, b);
            let mut g = crate::value::CareGained::of(
                [base.demand_fte[di][b], working(base.capacity_fte[di][b])],
                [
                    own.demand_fte[di][b],
                    working(own.capacity_fte[di][b] - self.staff_moved[di][b]),
                ],
                [base.delivered_fte[di][b], own.delivered_fte[di][b]],
            );
            let fte_hours = p.draws.at(dm.hours_per_fte, b) * p.states[b].productivity[di];
            let eur = (base.demand_eur[di][b] - base.delivered_eur[di][b])
                - (own.demand_eur[di][b] - own.delivered_eur[di][b]);
            g.hours = g.fte * fte_hours;
            g.eur = eur;
            put(a.gained_fte[di], b, g.fte);
            put(a.gained_hours[di], b, g.hours);
            if let (Some(series), Some(h)) = (a.gained_clients[di], dm.hours_per_client) {
                put(series, b, g.hours / p.draws.at(h, b));
            }
            total.add(&g);
            self.gained_years[di][b] += g.fte;
            self.credited[m.valuation.credited[di]] += self.wtp[di][b] * self.gained_years[di][b];
        }
        for &(di, series) in &a.diverted {
            put(series, b, own.diverted_fte[di][b]);
        }
        put(a.gained_fte_total, b, total.fte);
        put(a.gained_hours_total, b, total.hours);
        put(a.gained_eur_total, b, total.eur);
        put(
            a.gained_fte_years,
            b,
            self.gained_years.iter().map(|row| row[b]).sum(),
        );
        put(a.avoided_cash, b, total.cash);
        put(a.avoided_freed, b, total.freed);
        put(a.displaced, b, total.displaced);
        put(a.care_value, b, self.credited.iter().sum());
        let mut network = 0.0;
        for (pi, &value) in self.credited.iter().enumerate() {
            let x = self.partner_net[pi][b] + value;
            network += x;
            put(a.partner_benefit[pi], b, x);
        }
        let party = |members: &[usize]| -> f64 {
            members
                .iter()
                .map(|&pi| self.partner_net[pi][b] + self.credited[pi])
                .sum()
        };
        let all_gain = m
            .parties
            .iter()
            .all(|(_, members)| party(members) >= -0.005);
        for &(i, series) in &a.entity_benefit {
            put(series, b, party(&m.parties[i].1));
        }
        put(a.network_benefit, b, network + self.funds_held(b));
        put(a.all_benefit, b, if all_gain { 1.0 } else { 0.0 });
    }
}

/// What all contracts pay in run `b`.
fn payments_total(frame: &VariantFrame, b: usize) -> f64 {
    frame.payments.iter().map(|d| d[b]).sum()
}

/// The scenario inputs a metric is computed from, for an error message.
fn inputs_behind(metric: &str) -> String {
    let domain = metric.rsplit('.').next().unwrap_or("");
    if metric.starts_with("population.") || metric.starts_with("drivers.") {
        "region.population, birth_rate, mortality and net_migration".into()
    } else if ["demand.", "capacity.", "gap.fte."]
        .iter()
        .any(|p| metric.starts_with(p))
        && !metric.ends_with(".total")
    {
        format!(
            "domain `{domain}`: its use per person, growth, hours_per_fte and workforce, and the \
             effects of interventions and rules (scale_demand) on it"
        )
    } else if metric.starts_with("informal.") {
        "informal_care".into()
    } else {
        "the domains' demand, the partners' budgets, the transition budget and the amounts \
         the rules pay"
            .into()
    }
}

/// Per intervention in `year`: the ledger accounts of who delivers it among the partners
/// taking part (work bought `outside` always happens), with their shares of what it uses; and
/// the share of its work delivered at all.
type Deliverers = (Vec<Vec<(usize, f64)>>, Vec<f64>);

fn deliverers_in(
    m: &Model,
    variant: &Variant,
    ledger: &Ledger,
    outside: usize,
    year: i32,
) -> Deliverers {
    let delivering = |iv: &crate::model::InterventionModel| -> Vec<(Option<usize>, f64)> {
        iv.delivered_by
            .iter()
            .copied()
            .filter(|(who, _)| who.is_none_or(|pi| variant.takes_part_in(pi, year)))
            .collect()
    };
    let part: Vec<f64> = m
        .interventions
        .iter()
        .map(|iv| delivering(iv).iter().map(|(_, s)| s).sum())
        .collect();
    let deliverers = m
        .interventions
        .iter()
        .zip(&part)
        .map(|(iv, part)| {
            delivering(iv)
                .into_iter()
                .map(|(who, share)| {
                    let account = who.map_or(outside, |pi| {
                        ledger.account(&m.partners[pi].id).unwrap_or(0)
                    });
                    (account, share / part)
                })
                .collect()
        })
        .collect();
    (deliverers, part)
}

fn core_origin() -> Origin {
    Origin {
        rule: CORE.into(),
        line: 0,
    }
}

/// Financier `fi`'s own cost of care in run `b`, without and with the network (`own`), and
/// what of the change lands outside the network: the financier bears its market share of
/// each of its domains' payments, and of the change between them what risk equalisation
/// leaves it; the financiers outside the network (other insurers, the national fund) the rest.
fn financier_share(
    m: &Model,
    outside_financiers: bool,
    p: &Projection,
    own: &crate::agreement::VariantFrame,
    fi: usize,
    b: usize,
) -> (f64, f64, f64) {
    let base = &p.frame.baseline;
    let (whole_base, whole_own) = (base.domain_cost[fi][b], own.domain_cost[fi][b]);
    if !outside_financiers {
        return (whole_base, whole_own, 0.0);
    }
    let (base_share, own_share) = (base.own_cost[fi][b], own.own_cost[fi][b]);
    let passed = m.financiers[fi]
        .equalisation
        .map_or(0.0, |id| p.draws.at(id, b));
    let own_share = own_share + passed * (base_share - own_share);
    let outside = (whole_base - whole_own) - (base_share - own_share);
    (base_share, own_share, outside)
}
