//! Where each reported series lives: the catalogue of every variant's series, fixed before the
//! runs start, and per variant the series it fills in the order it fills them.
//!
//! Section order (what `results.csv` lists): every variant's core series; then, for each variant
//! with an agreement, transition spending and savings; for each variant without one, the cost
//! drivers; then, per variant with an agreement, partners, events, funds and the ledger check.
//! With the baseline and the network this is the order kloof has always reported in.

use crate::agreement::{Agreements, fund_names};
use crate::model::Model;
use crate::outcome::Catalogue;
use crate::variant::Variant;

use super::shared::GROUPS;

/// A variant's series, by position in its own list (`Layout::ids` maps them to the catalogue).
#[derive(Debug, Clone)]
pub(super) struct VariantSeries {
    pub ids: Vec<usize>,
    /// Per series (as `ids`): whether it counts people, hours, FTE or euros of demand or
    /// spending, so that a negative value means a fault. Fixed here, not per run-year.
    pub counts: Vec<bool>,
    pub population_total: usize,
    pub population_groups: [usize; 4],
    /// Deaths and births in the year (from 1 January to 1 January of the next).
    pub population_flows: [usize; 2],
    pub demand_eur: Vec<usize>,
    pub demand_fte: Vec<usize>,
    pub capacity_fte: Vec<usize>,
    pub gap_fte_domain: Vec<usize>,
    pub demand_eur_total: usize,
    pub demand_fte_total: usize,
    pub capacity_fte_total: usize,
    pub gap_fte: usize,
    pub gap_eur: usize,
    pub cost_total: usize,
    pub cost_financier: Vec<usize>,
    pub budget_financier: Vec<usize>,
    /// The money gap under the two budget paths side by side (see
    /// [`super::shared::BudgetPath`]): in total and per financier; and the financeable gap,
    /// the money gap if the unmet care were delivered and paid.
    pub gap_paths: [usize; 2],
    pub gap_financier_paths: Vec<[usize; 2]>,
    pub gap_financeable: usize,
    /// Per financier: what its contracts pay (its cost less what it pays or receives through
    /// the ledger).
    pub payments_financier: Vec<usize>,
    /// Per domain: care delivered (EUR; in FTE it is demand less unmet) and unmet (EUR, FTE,
    /// hours); and their totals.
    pub delivered_eur: Vec<usize>,
    pub unmet_eur: Vec<usize>,
    pub unmet_fte: Vec<usize>,
    pub unmet_hours: Vec<usize>,
    pub delivered_eur_total: usize,
    pub unmet_eur_total: usize,
    pub unmet_fte_total: usize,
    pub unmet_hours_total: usize,
    /// With a ceiling contract: the unmet care (FTE) that waits because a ceiling binds, not
    /// for want of staff.
    pub unmet_ceiling: Option<usize>,
    /// Per provider (partner index, series): its margin on care, contract revenue less cost.
    pub margin: Vec<(usize, usize)>,
    /// In a variant a provider leaves the market: the margin of the providers outside the
    /// network on the clients it handed them.
    pub margin_outside: Option<usize>,
    pub informal_share: Option<usize>,
    /// Variants with an agreement: what it did.
    pub agreement: Option<AgreementSeries>,
    /// Variants without one: demand in EUR at start-year use and prices from ageing and
    /// population growth alone, with informal care's change added, and with wage and price
    /// growth added to that (what remains to the total is volume growth per person).
    pub drivers: Option<[usize; 3]>,
}

#[derive(Debug, Clone)]
pub(super) struct AgreementSeries {
    pub transition_spent: usize,
    pub savings: usize,
    pub savings_cumulative: usize,
    /// Per partner: cost, received and cumulative net gain against the counterfactual.
    pub partner_cost: Vec<usize>,
    pub partner_received: Vec<usize>,
    pub partner_net: Vec<usize>,
    /// The sum of all partners' positions; 1 in the runs where none is below zero.
    pub network_net: usize,
    pub all_gain: usize,
    /// This year: what the fund paid network providers for interventions (work they deliver
    /// at cost), and what left the network (work bought outside it, payments to `outside`).
    pub interventions_network: usize,
    pub left_network: usize,
    /// Where financiers pay only their market share or risk equalisation passes part of a
    /// change on: what the financiers outside the network (other insurers, the national fund)
    /// gained so far from the network's change in contract payments.
    pub outside_financiers: Option<usize>,
    /// Care gained (see [`crate::value`]): per domain FTE and hours this year; totals in FTE,
    /// hours and EUR; FTE-years since the start.
    pub gained_fte: Vec<usize>,
    pub gained_hours: Vec<usize>,
    /// Per domain that gives its hours per client: care gained as clients served in the year.
    pub gained_clients: Vec<Option<usize>>,
    /// Per domain that interventions draw staff from (domain, series): the FTE they divert
    /// from its care this year, beside the domain's own gap.
    pub diverted: Vec<(usize, usize)>,
    pub gained_fte_total: usize,
    pub gained_hours_total: usize,
    pub gained_eur_total: usize,
    pub gained_fte_years: usize,
    /// Demand avoided (FTE) where the staff could have delivered it (a lower bill) and where
    /// they could not (capacity freed for people who would wait); care displaced by the staff
    /// interventions draw. Gained = freed − displaced.
    pub avoided_cash: usize,
    pub avoided_freed: usize,
    pub displaced: usize,
    /// The value of the care gained since the start at the scenario's λ; per partner its
    /// position plus the value credited to it; their sum.
    pub care_value: usize,
    pub partner_benefit: Vec<usize>,
    pub network_benefit: usize,
    pub all_benefit: usize,
    /// Per entity (party index into [`Model::parties`], series): its partners' positions
    /// summed, in money and net benefit.
    pub entity_net: Vec<(usize, usize)>,
    pub entity_benefit: Vec<(usize, usize)>,
    /// Per rule file (by stem, in the scenario's order): the money its rules moved this year.
    pub clauses: Vec<(String, usize)>,
    /// Per partner: of what it received, the transition money for intervention work it does
    /// at cost (no gain: the work costs it as much).
    pub partner_interventions: Vec<usize>,
    /// Per event: 1 in the runs where it fired.
    pub events: Vec<usize>,
    /// Per tally, per partner: the amount rules tallied this year.
    pub tallies: Vec<Vec<usize>>,
    /// Per fund: balance at year end.
    pub funds: Vec<usize>,
    pub imbalance: usize,
}

/// Adds series of one variant to the catalogue, numbering them within the variant.
struct Adder<'a> {
    catalogue: &'a mut Catalogue,
    ids: &'a mut Vec<usize>,
    variant: &'a str,
}

impl Adder<'_> {
    fn add(&mut self, metric: impl Into<String>) -> usize {
        self.ids.push(self.catalogue.add(self.variant, metric));
        self.ids.len() - 1
    }
    fn each<T>(&mut self, items: &[T], metric: impl Fn(&T) -> String) -> Vec<usize> {
        items.iter().map(|x| self.add(metric(x))).collect()
    }
}

#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub catalogue: Catalogue,
    pub variants: Vec<VariantSeries>,
}

impl Layout {
    pub fn new(m: &Model, variants: &[Variant], agreements: &dyn Agreements) -> Layout {
        let mut catalogue = Catalogue::default();
        let mut ids: Vec<Vec<usize>> = vec![Vec::new(); variants.len()];
        let mut cores: Vec<VariantSeries> = Vec::new();
        for (v, ids) in variants.iter().zip(ids.iter_mut()) {
            let mut a = Adder {
                catalogue: &mut catalogue,
                ids,
                variant: &v.name,
            };
            cores.push(VariantSeries {
                population_total: a.add("population.total"),
                population_groups: GROUPS.map(|(name, _)| a.add(format!("population.{name}"))),
                population_flows: ["deaths", "births"].map(|f| a.add(format!("population.{f}"))),
                demand_eur: a.each(&m.domains, |d| format!("demand.eur.{}", d.id)),
                demand_fte: a.each(&m.domains, |d| format!("demand.fte.{}", d.id)),
                capacity_fte: a.each(&m.domains, |d| format!("capacity.fte.{}", d.id)),
                gap_fte_domain: a.each(&m.domains, |d| format!("gap.fte.{}", d.id)),
                demand_eur_total: a.add("demand.eur.total"),
                demand_fte_total: a.add("demand.fte.total"),
                capacity_fte_total: a.add("capacity.fte.total"),
                gap_fte: a.add("gap.fte"),
                gap_eur: a.add("gap.eur"),
                cost_total: a.add("cost.eur.total"),
                cost_financier: a.each(&m.financiers, |f| format!("cost.eur.{}", f.id)),
                budget_financier: a.each(&m.financiers, |f| format!("budget.eur.{}", f.id)),
                gap_paths: PATHS.map(|p| a.add(format!("gap.eur.{p}"))),
                gap_financier_paths: m
                    .financiers
                    .iter()
                    .map(|f| PATHS.map(|p| a.add(format!("gap.eur.{}.{p}", f.id))))
                    .collect(),
                gap_financeable: a.add("gap.eur.financeable"),
                payments_financier: a.each(&m.financiers, |f| format!("payments.eur.{}", f.id)),
                delivered_eur: a.each(&m.domains, |d| format!("delivered.eur.{}", d.id)),
                unmet_eur: a.each(&m.domains, |d| format!("unmet.eur.{}", d.id)),
                unmet_fte: a.each(&m.domains, |d| format!("unmet.fte.{}", d.id)),
                unmet_hours: a.each(&m.domains, |d| format!("unmet.hours.{}", d.id)),
                delivered_eur_total: a.add("delivered.eur.total"),
                unmet_eur_total: a.add("unmet.eur.total"),
                unmet_fte_total: a.add("unmet.fte.total"),
                unmet_hours_total: a.add("unmet.hours.total"),
                unmet_ceiling: m
                    .domains
                    .iter()
                    .any(|d| d.contract.kind == crate::scenario::economics::ContractKind::Ceiling)
                    .then(|| a.add("unmet.fte.ceiling")),
                margin: m
                    .providers()
                    .map(|(pi, p)| (pi, a.add(format!("margin.eur.{}", p.id))))
                    .collect(),
                margin_outside: v
                    .exits_market
                    .iter()
                    .any(|&(pi, _)| !m.market_of(pi).is_empty())
                    .then(|| a.add("margin.eur.outside")),
                informal_share: m.informal.as_ref().map(|_| a.add("informal.share")),
                agreement: None,
                drivers: None,
                ids: Vec::new(),
                counts: Vec::new(),
            });
        }
        let mut savings = vec![None; variants.len()];
        for (i, v) in variants.iter().enumerate() {
            if v.has_agreement() {
                let mut a = Adder {
                    catalogue: &mut catalogue,
                    ids: &mut ids[i],
                    variant: &v.name,
                };
                savings[i] = Some((
                    a.add("transition.eur.spent"),
                    a.add("savings.eur.total"),
                    a.add("savings.eur.cumulative"),
                ));
            }
        }
        for (i, v) in variants.iter().enumerate() {
            if !v.has_agreement() {
                let mut a = Adder {
                    catalogue: &mut catalogue,
                    ids: &mut ids[i],
                    variant: &v.name,
                };
                cores[i].drivers = Some(
                    ["demography", "informal", "prices"].map(|d| a.add(format!("drivers.eur.{d}"))),
                );
            }
        }
        let (events, funds) = (agreements.events(), fund_names(m, agreements));
        let tallies = agreements.tallies();
        for (i, v) in variants.iter().enumerate() {
            let Some((transition_spent, savings, savings_cumulative)) = savings[i] else {
                continue;
            };
            let mut a = Adder {
                catalogue: &mut catalogue,
                ids: &mut ids[i],
                variant: &v.name,
            };
            cores[i].agreement = Some(AgreementSeries {
                transition_spent,
                savings,
                savings_cumulative,
                partner_cost: a.each(&m.partners, |p| format!("partner.{}.cost", p.id)),
                partner_received: a.each(&m.partners, |p| format!("partner.{}.received", p.id)),
                partner_net: a.each(&m.partners, |p| format!("partner.{}.net", p.id)),
                network_net: a.add("network.net"),
                all_gain: a.add("partners.all_gain"),
                interventions_network: a.add("interventions.eur.network"),
                left_network: a.add("left_network.eur"),
                outside_financiers: m
                    .has_outside_financiers()
                    .then(|| a.add("outside.financiers.net")),
                events: a.each(&events, |e| format!("event.{e}")),
                tallies: tallies
                    .iter()
                    .map(|t| a.each(&m.partners, |p| format!("tally.{t}.{}", p.id)))
                    .collect(),
                funds: a.each(&funds, |f| format!("fund.{f}.eur")),
                imbalance: a.add("ledger.imbalance"),
                // Care gained and its value come last: the series before keep their order.
                gained_fte: a.each(&m.domains, |d| format!("care.gained.fte.{}", d.id)),
                gained_hours: a.each(&m.domains, |d| format!("care.gained.hours.{}", d.id)),
                gained_clients: m
                    .domains
                    .iter()
                    .map(|d| {
                        d.hours_per_client
                            .map(|_| a.add(format!("care.gained.clients.{}", d.id)))
                    })
                    .collect(),
                diverted: m
                    .domains
                    .iter()
                    .enumerate()
                    .filter(|(di, _)| {
                        m.interventions.iter().any(|iv| {
                            iv.staff.as_ref().is_some_and(|st| {
                                st.domain == *di
                                    && st.mode == crate::scenario::economics::StaffMode::Diverted
                            })
                        })
                    })
                    .map(|(di, d)| (di, a.add(format!("staff.diverted.fte.{}", d.id))))
                    .collect(),
                gained_fte_total: a.add("care.gained.fte.total"),
                gained_hours_total: a.add("care.gained.hours.total"),
                gained_eur_total: a.add("care.gained.eur.total"),
                gained_fte_years: a.add("care.gained.fte_years"),
                avoided_cash: a.add("avoided.fte.cash"),
                avoided_freed: a.add("avoided.fte.freed"),
                displaced: a.add("care.displaced.fte"),
                care_value: a.add("care.value.eur"),
                partner_benefit: a.each(&m.partners, |p| format!("partner.{}.benefit", p.id)),
                network_benefit: a.add("network.benefit"),
                all_benefit: a.add("partners.all_benefit"),
                entity_net: entities(m, &mut a, "net"),
                entity_benefit: entities(m, &mut a, "benefit"),
                clauses: rule_stems(agreements)
                    .into_iter()
                    .map(|stem| {
                        let series = a.add(format!("clause.{stem}.eur"));
                        (stem, series)
                    })
                    .collect(),
                partner_interventions: a
                    .each(&m.partners, |p| format!("partner.{}.interventions", p.id)),
            });
        }
        for (core, ids) in cores.iter_mut().zip(ids) {
            core.counts = ids
                .iter()
                .map(|&id| {
                    let metric = &catalogue.series[id].metric;
                    [
                        "population.",
                        "demand.",
                        "capacity.",
                        "gap.",
                        "drivers.",
                        "delivered.",
                        "unmet.",
                        "payments.",
                    ]
                    .iter()
                    .any(|p| metric.starts_with(p))
                        || ["transition.eur.spent", "interventions.eur.network"]
                            .contains(&metric.as_str())
                })
                .collect();
            core.ids = ids;
        }
        Layout {
            catalogue,
            variants: cores,
        }
    }
}

/// The budget paths' names in series, in [`super::shared::BudgetPath`]'s order.
const PATHS: [&str; 2] = ["prices", "demography"];

/// The stems of the files of the rules that can move money, each once, in the scenario's
/// order.
fn rule_stems(agreements: &dyn Agreements) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    for file in agreements.movers() {
        let stem = stem_of(&file);
        if !stems.contains(&stem) {
            stems.push(stem);
        }
    }
    stems
}

/// A rule file's stem (`shared_savings` of `../rules/shared_savings.rhai`).
pub(super) fn stem_of(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("rule")
        .to_string()
}

/// A series `entity.<name>.<what>` per entity, with its party's index.
fn entities(m: &Model, a: &mut Adder, what: &str) -> Vec<(usize, usize)> {
    m.parties
        .iter()
        .enumerate()
        .filter_map(|(i, (name, _))| Some((i, a.add(format!("entity.{}.{what}", name.as_ref()?)))))
        .collect()
}
