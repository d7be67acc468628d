//! From demand to money, the same for the projection and every variant: care is delivered as
//! far as the staff available reach, the contracts pay for what is delivered (or a sum), and
//! delivering costs the providers their staff, materials and fixed costs.
//!
//! Demand beyond the staff is unmet: it is neither paid nor a saving when it falls, so a
//! reduction of demand in a domain short of staff shortens the waiting list, not the bill.

use crate::agreement::{CareTerms, VariantFrame};
use crate::contract::payment;
use crate::model::Model;
use crate::sampling::Draws;

/// Care delivered per domain and run: `min(demand, staff available)` in FTE, and the same
/// share of the demand in EUR.
pub(super) fn deliver(v: &mut VariantFrame) {
    for di in 0..v.demand_fte.len() {
        for b in 0..v.cost_total.len() {
            let need = v.demand_fte[di][b];
            let staff = v.capacity_fte[di][b].max(0.0);
            let reach = if need > staff { staff / need } else { 1.0 };
            v.delivered_fte[di][b] = need * reach;
            v.delivered_eur[di][b] = v.demand_eur[di][b] * reach;
        }
    }
}

/// What the contracts pay for the delivered care, what it costs the providers, and the costs
/// per financier and in total.
pub(super) fn pay(m: &Model, terms: &CareTerms, draws: &Draws, v: &mut VariantFrame) {
    v.domain_cost.iter_mut().for_each(|row| row.fill(0.0));
    v.cost_total.fill(0.0);
    for (di, dm) in m.domains.iter().enumerate() {
        let c = &dm.contract;
        for b in 0..v.cost_total.len() {
            let (eur, fte) = (v.delivered_eur[di][b], v.delivered_fte[di][b]);
            let corridor = c.corridor.map(|id| draws.at(id, b));
            let paid = payment(c.kind, eur, terms.contract_amount[di][b], corridor);
            v.payments[di][b] = paid;
            v.care_cost[di][b] = dm.costs.as_ref().map_or(0.0, |k| {
                fte * terms.staff_cost_per_fte[di][b]
                    + draws.at(k.material_share, b) * eur
                    + terms.fixed_cost[di][b]
            });
            v.domain_cost[dm.financier][b] += paid;
            v.cost_total[b] += paid;
        }
    }
}

/// Adds to run `b`'s demand what moves in from other domains' unmet demand last year
/// (`unmet(d)`, EUR), valued in FTE at the receiving domain's EUR per FTE.
pub(super) fn move_unmet(
    m: &Model,
    draws: &Draws,
    b: usize,
    unmet: impl Fn(usize) -> f64,
    v: &mut VariantFrame,
) {
    for d in 0..m.domains.len() {
        v.moved_in_eur[d][b] = 0.0;
        v.moved_in_fte[d][b] = 0.0;
    }
    for (d, dm) in m.domains.iter().enumerate() {
        for &(to, share) in &dm.moves {
            let eur = draws.at(share, b) * unmet(d);
            let fte_per_eur = if v.demand_eur[to][b] > 0.0 {
                v.demand_fte[to][b] / v.demand_eur[to][b]
            } else {
                0.0
            };
            v.moved_in_eur[to][b] += eur;
            v.moved_in_fte[to][b] += eur * fte_per_eur;
            v.demand_eur[to][b] += eur;
            v.demand_fte[to][b] += eur * fte_per_eur;
        }
    }
}

/// Partner `pi`'s margin on care in run `b`: its market share of each domain's payments less
/// the same share of the domain's cost.
pub(super) fn margin(market: &[(usize, f64)], v: &VariantFrame, b: usize) -> f64 {
    market
        .iter()
        .map(|&(d, share)| share * (v.payments[d][b] - v.care_cost[d][b]))
        .sum()
}
