//! Partner economics in a scenario: how each domain's financier pays its providers (its
//! contract), which share of the domain each provider delivers, what delivering costs them,
//! and how much of the start year's demand went undelivered.
//!
//! These make a provider's position its margin (revenue less cost), not its revenue: without
//! costs, every euro of demand avoided would be a euro lost to a provider, and no agreement
//! could ever be a win for all.

use serde::{Deserialize, Serialize};

use super::refs::{DelivererRef, DomainRef, Keyed, ProviderRef};
use super::{
    AgeTable, CostShare, EfficiencyDiscount, EurPerYear, Fte, GrowthRate, Mobility, MoveShare,
    PaidAbove, UseEur,
};

/// How a financier pays the providers of one domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractKind {
    /// Per unit delivered: the payment is the care delivered.
    FeeForService,
    /// Care delivered, paid up to an indexed ceiling (*plafond*). The ceiling binds: care
    /// demanded above it waits (a *cliëntenstop*), except the share `paid_above` the financier
    /// agrees in advance to pay. Nobody delivers care for free.
    Ceiling,
    /// An agreed sum (*aanneemsom*) whatever is delivered; with a `corridor`, delivered care
    /// beyond the corridor around the sum is settled.
    FixedSum,
    /// An amount per inhabitant by age band.
    Capitation,
    /// One yearly sum, not tied to production (a *wijkbudget*).
    LumpSum,
}

/// A domain's contract. Every amount follows the domain's own wage and price growth of the
/// run, times `growth` on top.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    #[serde(rename = "type")]
    pub kind: ContractKind,
    /// Ceiling, fixed sum or lump sum in the start year, EUR. Left out: the care delivered in
    /// the start year (today's production).
    #[serde(default)]
    pub eur: Option<EurPerYear>,
    /// Capitation: EUR per inhabitant per year by age band, at start-year prices.
    #[serde(default)]
    pub per_person: Option<AgeTable<UseEur>>,
    /// Yearly growth of the amount on top of the domain's wage and price growth (default 0).
    #[serde(default)]
    pub growth: Option<GrowthRate>,
    /// Fixed sum: how far delivered care may lie above or below the sum (0.05 = 5 %) before
    /// the difference beyond the corridor is paid or paid back.
    #[serde(default)]
    pub corridor: Option<CostShare>,
    /// Ceiling: the share of the care demanded above the ceiling that the financier agrees to
    /// pay (agreed overproduction), and so is delivered; default 0, all of it waits.
    #[serde(default)]
    pub paid_above: Option<PaidAbove>,
    /// The share of the domain's productivity growth passed on as lower tariffs and contract
    /// amounts (an efficiency discount, as sector agreements set); default 0, none. At 1 a
    /// provider's margin on care stays where it starts as its staff grow more productive; at
    /// 0 the whole gain is the provider's.
    #[serde(default)]
    pub efficiency_discount: Option<EfficiencyDiscount>,
}

/// What delivering a domain's care costs its providers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Staff cost as a share of the start year's delivered care: sets the cost per FTE
    /// employed, which then follows the run's wage and price growth.
    pub staff_share: CostShare,
    /// Material and other cost as a share of the care delivered each year.
    pub material_share: CostShare,
    /// Fixed cost per year at start-year prices (buildings, overhead), EUR.
    #[serde(default)]
    pub fixed_eur: Option<EurPerYear>,
}

/// The staff an intervention needs at full scale, from one domain's workforce: prevention
/// competes with care for the same scarce people.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub domain: DomainRef,
    pub fte: Fte,
    /// Where the staff come from and who pays them; default `diverted`.
    #[serde(default)]
    pub mode: StaffMode,
}

/// Where an intervention's staff come from, which decides whether care is displaced and
/// whether the transition budget pays for staff a contract already funds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffMode {
    /// The domain's own staff move to the intervention: the care they gave is displaced, and
    /// the domain's contract pays only for the care still delivered. Where a contract does
    /// not follow the care (capitation, a lump sum, a ceiling overshot) its payment falls by
    /// the staff cost it no longer funds, so that the transition budget, which pays the
    /// intervention, and the contract never pay for the same staff.
    #[default]
    Diverted,
    /// Extra staff hired for the intervention and paid by the transition budget: the domain
    /// keeps its care staff. Assumes people who would not otherwise work in care (returners,
    /// part-timers working more hours) can be found; in a region short of staff, say why.
    Backfilled,
}

/// A share of a domain's unmet demand that becomes demand in domain `to` the next year, at the
/// same value in EUR.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnmetMove {
    pub to: DomainRef,
    pub share: MoveShare,
}

/// A share of a domain's spare staff that moves to domain `to` each year.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMove {
    pub to: DomainRef,
    pub share: Mobility,
}

/// Market shares of the providers in a domain, summing to 1.
pub type MarketShares = Keyed<ProviderRef, f64>;

/// Who delivers an intervention, with shares summing to 1.
pub type Deliverers = Keyed<DelivererRef, f64>;

/// A fault in the economics of one item of a scenario list (`domains`, `interventions`).
#[derive(Debug)]
pub(super) struct Fault {
    pub section: &'static str,
    pub id: String,
    pub field: &'static str,
    pub message: String,
}

/// Checks that span a domain and its partners: shares name the partners that deliver the
/// domain, a domain with providers says what its care costs them, a contract is paid to
/// someone and carries the numbers its type needs, and no others.
pub(super) fn check(s: &super::Scenario) -> Result<(), Fault> {
    use super::Role;
    for d in &s.domains {
        let fault = |field, message: String| Fault {
            section: "domains",
            id: d.id.0.clone(),
            field,
            message,
        };
        let delivering: Vec<&str> = s
            .partners
            .iter()
            .filter(|p| p.role == Role::Provider && p.delivers.iter().any(|x| x.0 == d.id.0))
            .map(|p| p.id.0.as_str())
            .collect();
        if let Some(shares) = &d.market_shares {
            if let Some((p, _)) = shares
                .0
                .iter()
                .find(|(p, _)| !delivering.contains(&p.as_str()))
            {
                return Err(fault(
                    "market_shares",
                    format!(
                        "`{p}` has a market share but does not list `{}` in its `delivers`",
                        d.id
                    ),
                ));
            }
            if let Some(p) = delivering
                .iter()
                .find(|p| !shares.0.iter().any(|(x, _)| x.as_str() == **p))
            {
                return Err(fault(
                    "market_shares",
                    format!(
                        "`{p}` delivers `{}` but has no market share in it; give it one",
                        d.id
                    ),
                ));
            }
        }
        if delivering.is_empty() {
            if d.contract.is_some() {
                return Err(fault(
                    "contract",
                    format!(
                        "no partner delivers `{}`, so its contract pays no one; add the domain to a provider's `delivers` or leave the contract out",
                        d.id
                    ),
                ));
            }
        } else if d.costs.is_none() {
            return Err(fault(
                "id",
                format!(
                    "`{}` is delivered by {} but has no `costs` (staff_share, material_share): without them a provider's margin cannot be told from its revenue",
                    d.id,
                    delivering.join(", ")
                ),
            ));
        }
        if let Some(c) = &d.costs {
            let (staff, material) = (c.staff_share.span().1, c.material_share.span().1);
            if staff + material > 1.0 + 1e-9 {
                return Err(fault(
                    "costs",
                    format!(
                        "staff_share and material_share can sum to {}; together they are at most 1 of the care delivered",
                        staff + material
                    ),
                ));
            }
        }
        if let Some(c) = &d.contract {
            contract_fields(c).map_err(|m| fault("contract", m))?;
        }
        if d.unmet_moves.iter().any(|mv| mv.to.0 == d.id.0) {
            return Err(fault(
                "unmet_moves",
                format!(
                    "`{}` moves unmet demand to itself; name another domain",
                    d.id
                ),
            ));
        }
        if d.workforce.moves.iter().any(|mv| mv.to.0 == d.id.0) {
            return Err(fault(
                "workforce",
                format!("`{}` moves staff to itself; name another domain", d.id),
            ));
        }
        let staff: f64 = d.workforce.moves.iter().map(|mv| mv.share.span().1).sum();
        if staff > 1.0 + 1e-9 {
            return Err(fault(
                "workforce",
                format!("the shares of spare staff that move can sum to {staff}; at most 1 moves"),
            ));
        }
        let moved: f64 = d.unmet_moves.iter().map(|mv| mv.share.span().1).sum();
        if moved > 1.0 + 1e-9 {
            return Err(fault(
                "unmet_moves",
                format!("the shares of unmet demand that move can sum to {moved}; at most 1 moves"),
            ));
        }
    }
    Ok(())
}

/// The numbers a contract of each type takes.
fn contract_fields(c: &Contract) -> Result<(), String> {
    use ContractKind::*;
    let kind = match c.kind {
        FeeForService => "fee_for_service",
        Ceiling => "ceiling",
        FixedSum => "fixed_sum",
        Capitation => "capitation",
        LumpSum => "lump_sum",
    };
    let not = |field: &str| Err(format!("a `{kind}` contract takes no `{field}`"));
    if c.eur.is_some() && matches!(c.kind, FeeForService | Capitation) {
        return not("eur");
    }
    if c.growth.is_some() && c.kind == FeeForService {
        return not("growth");
    }
    if c.corridor.is_some() && c.kind != FixedSum {
        return not("corridor");
    }
    if c.paid_above.is_some() && c.kind != Ceiling {
        return not("paid_above");
    }
    match (c.kind, &c.per_person) {
        (Capitation, None) => {
            Err("a `capitation` contract needs `per_person`: EUR per inhabitant by age band".into())
        }
        (Capitation, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => not("per_person"),
    }
}
