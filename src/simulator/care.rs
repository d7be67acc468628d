//! From demand to money, the same for the projection and every variant: care is delivered as
//! far as the staff available reach, the contracts pay for what is delivered (or a sum), and
//! delivering costs the providers their staff, materials and fixed costs.
//!
//! Demand beyond the staff is unmet: it is neither paid nor a saving when it falls, so a
//! reduction of demand in a domain short of staff shortens the waiting list, not the bill —
//! unless the domain's `refill` says that only part of the freed care goes to people waiting.
//! A ceiling contract binds: care above the ceiling waits too, except the share the financier
//! agrees to pay.

use crate::agreement::{CareTerms, VariantFrame};
use crate::contract::payment;
use crate::model::Model;
use crate::sampling::Draws;
use crate::scenario::economics::ContractKind;

/// Care delivered per domain and run: `min(demand, staff available)` in FTE, and the same
/// share of the demand in EUR. For a variant, `base` is the projection without the network,
/// and each domain's `refill` (per run; `None`: 1) the share of the demand it avoids that is
/// replaced from the waiting list (see [`delivered`]).
pub(super) fn deliver(v: &mut VariantFrame, base: Option<(&VariantFrame, &[Option<Vec<f64>>])>) {
    for di in 0..v.demand_fte.len() {
        for b in 0..v.cost_total.len() {
            let need = v.demand_fte[di][b];
            let staff = v.capacity_fte[di][b].max(0.0);
            let fte = match base {
                Some((base, refill)) => {
                    let r = refill[di].as_ref().map_or(1.0, |r| r[b]);
                    delivered(need, staff, base.demand_fte[di][b], r)
                }
                None => need.min(staff),
            };
            let reach = if need > 0.0 { fte / need } else { 1.0 };
            v.delivered_fte[di][b] = fte;
            v.delivered_eur[di][b] = v.demand_eur[di][b] * reach;
        }
    }
}

/// Care delivered (FTE) for demand `need` with `staff`, where the demand would have been
/// `base` without the network and a share `refill` of the demand avoided is replaced from the
/// waiting list: `min(need, staff)` at most, and at most what the staff would deliver of the
/// baseline demand less the avoided demand not refilled,
/// `min(base, staff) − (1 − refill) × max(base − need, 0)`. Where staff are spare, avoided
/// demand is simply not delivered; where people wait, refill 1 gives them all of the freed
/// care (today's waiting lists) and refill 0 none of it (providers deliver, and are paid,
/// less).
pub(super) fn delivered(need: f64, staff: f64, base: f64, refill: f64) -> f64 {
    let avoided = (base - need).max(0.0);
    let kept = (base.min(staff) - (1.0 - refill) * avoided).max(0.0);
    need.min(staff).min(kept)
}

/// Holds each ceiling domain's delivered care to its ceiling (see [`within_ceiling`]) and
/// records what the ceiling held back, after [`deliver`] and before [`pay`].
pub(super) fn bind_ceilings(m: &Model, terms: &CareTerms, draws: &Draws, v: &mut VariantFrame) {
    for (di, dm) in m.domains.iter().enumerate() {
        if dm.contract.kind != ContractKind::Ceiling {
            continue;
        }
        for b in 0..v.cost_total.len() {
            let fte = v.delivered_fte[di][b];
            let (need, need_eur) = (v.demand_fte[di][b], v.demand_eur[di][b]);
            let paid_above = draws.at(dm.contract.paid_above, b);
            let kept = within_ceiling(
                fte,
                need,
                need_eur,
                terms.contract_amount[di][b],
                paid_above,
            );
            v.held_fte[di][b] = fte - kept;
            if kept < fte {
                v.delivered_fte[di][b] = kept;
                v.delivered_eur[di][b] = need_eur * kept / need;
            }
        }
    }
}

/// Care delivered (FTE) under a ceiling of `ceiling_eur` when the staff could deliver `fte` of
/// a demand of `need` FTE worth `need_eur`: all of it up to the ceiling, and of the care above
/// it the share `paid_above` the financier agrees to pay. The rest waits: providers do not
/// deliver care nobody pays for.
pub(super) fn within_ceiling(
    fte: f64,
    need: f64,
    need_eur: f64,
    ceiling_eur: f64,
    paid_above: f64,
) -> f64 {
    if need <= 0.0 || need_eur <= 0.0 {
        return fte;
    }
    let ceiling = ceiling_eur * need / need_eur;
    if fte <= ceiling {
        fte
    } else {
        ceiling.max(0.0) + paid_above * (fte - ceiling.max(0.0))
    }
}

/// Of `staff`, those a ceiling lets deliver the baseline's demand (FTE), for the
/// decomposition of care gained: for a ceiling contract, `within_ceiling` of the staff up to
/// the baseline demand (so that in the baseline it is exactly the care delivered), converted
/// at the baseline's EUR per FTE in both frames; otherwise the staff.
pub(super) fn working_staff(
    dm: &crate::model::DomainModel,
    terms: &CareTerms,
    draws: &Draws,
    base: &VariantFrame,
    staff: f64,
    di: usize,
    b: usize,
) -> f64 {
    let staff = staff.max(0.0);
    if dm.contract.kind != ContractKind::Ceiling {
        return staff;
    }
    let need = base.demand_fte[di][b];
    within_ceiling(
        staff.min(need),
        need,
        base.demand_eur[di][b],
        terms.contract_amount[di][b],
        draws.at(dm.contract.paid_above, b),
    )
}

/// What the contracts pay for the delivered care, what it costs the providers, and the costs
/// per financier and in total.
///
/// Where interventions divert a domain's staff (`diverted_fte`), the transition budget pays
/// for those staff; a contract that would go on paying for them although they deliver no care
/// (capitation, a lump sum, a ceiling overshot, a sum within its corridor) pays that much less:
/// the staff cost of the care they no longer deliver less what the contract's payment already
/// fell with that care. Nobody is paid twice for the same staff.
pub(super) fn pay(
    m: &Model,
    terms: &CareTerms,
    draws: &Draws,
    v: &mut VariantFrame,
    base: Option<(&VariantFrame, &[Option<Vec<f64>>])>,
) {
    v.domain_cost.iter_mut().for_each(|row| row.fill(0.0));
    v.own_cost.iter_mut().for_each(|row| row.fill(0.0));
    v.cost_total.fill(0.0);
    for (di, dm) in m.domains.iter().enumerate() {
        let c = &dm.contract;
        for b in 0..v.cost_total.len() {
            let (eur, fte) = (v.delivered_eur[di][b], v.delivered_fte[di][b]);
            let corridor = c.corridor.map(|id| draws.at(id, b));
            let amount = terms.contract_amount[di][b];
            let mut paid = payment(c.kind, eur, amount, corridor);
            let diverted = v.diverted_fte[di][b];
            if diverted > 0.0 {
                // The care those staff would have delivered, and what the contract paid for it.
                let need = v.demand_fte[di][b];
                let staff = v.capacity_fte[di][b].max(0.0) + diverted;
                let without = match base {
                    Some((base, refill)) => {
                        let r = refill[di].as_ref().map_or(1.0, |r| r[b]);
                        delivered(need, staff, base.demand_fte[di][b], r)
                    }
                    None => need.min(staff),
                };
                let without = match c.kind {
                    ContractKind::Ceiling => within_ceiling(
                        without,
                        need,
                        v.demand_eur[di][b],
                        amount,
                        draws.at(c.paid_above, b),
                    ),
                    _ => without,
                };
                let eur_without = if need > 0.0 {
                    v.demand_eur[di][b] * without / need
                } else {
                    0.0
                };
                // The providers' staff cost falls with the care not delivered (idle staff
                // where staff were spare cost the model nothing to begin with); what the
                // payment did not fall with it, the contract would pay twice.
                let fell = payment(c.kind, eur_without, amount, corridor) - paid;
                let staff_cost = (without - fte).max(0.0) * terms.staff_cost_per_fte[di][b];
                paid -= (staff_cost - fell)
                    .clamp(0.0, staff_cost)
                    .min(paid.max(0.0));
            }
            v.payments[di][b] = paid;
            v.care_cost[di][b] = dm.costs.as_ref().map_or(0.0, |k| {
                fte * terms.staff_cost_per_fte[di][b]
                    + draws.at(k.material_share, b) * eur
                    + terms.fixed_cost[di][b]
            });
            v.domain_cost[dm.financier][b] += paid;
            v.own_cost[dm.financier][b] +=
                dm.financier_share.map_or(paid, |s| draws.at(s, b) * paid);
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

/// This year's moves of staff between domains in run `b` (`net`, FTE per domain: in positive,
/// out negative): each domain sends the share its `workforce.moves` give of its staff beyond
/// last year's demand (`spare`), and each receiving domain takes as much as it was short
/// last year (`short`), in the scenario's order.
pub(super) fn move_staff(
    m: &Model,
    draws: &Draws,
    b: usize,
    spare: impl Fn(usize) -> f64,
    short: impl Fn(usize) -> f64,
    net: &mut [f64],
) {
    net.fill(0.0);
    for (d, dm) in m.domains.iter().enumerate() {
        for &(to, share) in &dm.staff_moves {
            let room = (short(to) - net[to].max(0.0)).max(0.0);
            let moving = (draws.at(share, b) * spare(d)).min(room);
            net[d] -= moving;
            net[to] += moving;
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

#[cfg(test)]
mod tests {
    use super::{delivered, within_ceiling};

    #[test]
    fn delivered_care_by_hand() {
        // Spare staff: avoided demand is not delivered, whatever the refill.
        assert_eq!(delivered(8.0, 12.0, 10.0, 1.0), 8.0);
        assert_eq!(delivered(8.0, 12.0, 10.0, 0.0), 8.0);
        // Short of staff (10 needed, 9 staff), 2 avoided: refill 1 serves 8 of the 8 left,
        // refill 0 keeps the 9 less the 2 avoided, 7; refill 0.5 gives 8.
        assert_eq!(delivered(8.0, 9.0, 10.0, 1.0), 8.0);
        assert_eq!(delivered(8.0, 9.0, 10.0, 0.0), 7.0);
        assert_eq!(delivered(8.0, 9.0, 10.0, 0.5), 8.0);
        // Demand still above the staff: 9.5 needed, 9 staff, 0.5 avoided.
        assert_eq!(delivered(9.5, 9.0, 10.0, 1.0), 9.0);
        assert_eq!(delivered(9.5, 9.0, 10.0, 0.0), 8.5);
        // More demand than the baseline (an intervention's cost increase): no refill applies.
        assert_eq!(delivered(11.0, 9.0, 10.0, 0.0), 9.0);
    }

    #[test]
    fn a_ceiling_holds_care_back_by_hand() {
        // Demand 10 FTE worth 1,000, so 100 per FTE; a ceiling of 800 is 8 FTE.
        // Staff for 9: 8 delivered, 1 waits; with half the care above paid, 8.5.
        assert_eq!(within_ceiling(9.0, 10.0, 1000.0, 800.0, 0.0), 8.0);
        assert_eq!(within_ceiling(9.0, 10.0, 1000.0, 800.0, 0.5), 8.5);
        assert_eq!(within_ceiling(9.0, 10.0, 1000.0, 800.0, 1.0), 9.0);
        // Staff for 7, under the ceiling: the ceiling does not bind.
        assert_eq!(within_ceiling(7.0, 10.0, 1000.0, 800.0, 0.0), 7.0);
    }
}
