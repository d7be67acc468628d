//! The plausible range of every number a scenario gives, enforced while the file is read.
//!
//! A value outside its range is almost always a typo (a percentage written as 3 instead of
//! 0.03, a missing decimal point) or a test of the tool rather than of a region, and the model
//! would turn it into figures a board cannot use: a division by zero FTE hours, a population
//! that multiplies 47-fold, costs that flip sign each year. The ranges are wide enough for any
//! Dutch region or the whole country toward 2090; each says why it ends where it does. The
//! README's table of ranges is checked against this list by a test.
//!
//! Years are ranged relative to the scenario's start year ([`MAX_YEARS`], [`MAX_YEARS_BEFORE`]);
//! they are checked while reading too, against the start year the first reading found.

use std::fmt;

use crate::sampling::Bounds;

/// The range of one kind of input and the reason for its ends.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// The keys it applies to, as the README writes them.
    pub keys: &'static str,
    pub bounds: Bounds,
    /// The unit and why the range ends where it does, shown with every error.
    pub why: &'static str,
}

impl fmt::Display for Range {
    /// The README's row for this range.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "| {} | {} | {} |",
            self.keys,
            self.bounds.describe(),
            self.why
        )
    }
}

const fn range(keys: &'static str, min: f64, max: f64, why: &'static str) -> Range {
    Range {
        keys,
        bounds: Bounds::new(min, max),
        why,
    }
}

/// Yearly EUR amounts: a budget, an intervention, the transition budget. EUR 100 bn a year is
/// the order of all Dutch care spending together; kept below the ledger's maximum transfer
/// even when a fund saves 60 years of it.
pub const EUR_PER_YEAR: Range = range(
    "`partners[].budget.eur`, `interventions[].cost`, `transition_budget.per_year`, `domains[].contract.eur`, `domains[].costs.fixed_eur`",
    0.0,
    1e11,
    "EUR a year; EUR 100 bn is the order of all Dutch care spending",
);
pub const PEOPLE: Range = range(
    "`region.population.<band>`",
    0.0,
    1e8,
    "people in one age band; the Netherlands has under 2 million in any 5-year band",
);
pub const BIRTH_RATE: Range = range(
    "`region.birth_rate`",
    0.0,
    0.05,
    "births per inhabitant per year; the highest national rates are about 0.045, the Dutch 0.009",
);
pub const DEATH_PROBABILITY: Range = range(
    "`region.mortality.young.death_probability`, `.old.death_probability`",
    0.0,
    1.0,
    "probability of dying within the year",
);
pub const IMPROVEMENT: Range = range(
    "`region.mortality.improvement`",
    -0.05,
    0.1,
    "yearly relative fall of death probabilities; CBS implies 0.014 to 0.023",
);
pub const MIGRATION: Range = range(
    "`region.net_migration.<band>`",
    -1e7,
    1e7,
    "people a year; and net emigration from a band at most 10 % of its people in the start year",
);
pub const GROWTH: Range = range(
    "`partners[].budget.growth`, `domains[].growth.wages_prices`, `domains[].growth.volume`, `domains[].contract.growth`",
    -0.1,
    0.25,
    "yearly; covers deflation and the inflation of 2022 (about 0.1); the scenarios use 0 to 0.06",
);
pub const USE_EUR: Range = range(
    "`domains[].use.<band>.eur`, `domains[].contract.per_person.<band>`",
    0.0,
    1e6,
    "EUR per inhabitant per year; Dutch Wlz care for 85+ is about 25,000",
);
pub const USE_HOURS: Range = range(
    "`domains[].use.<band>.hours`",
    0.0,
    8784.0,
    "hours per inhabitant per year; a year has at most 8,784 hours",
);
pub const HOURS_PER_FTE: Range = range(
    "`domains[].hours_per_fte`",
    500.0,
    2500.0,
    "productive hours per FTE per year; a full-time contract has about 1,870 hours",
);
pub const FTE: Range = range(
    "`domains[].workforce.fte`, `interventions[].staff.fte`",
    0.0,
    1e7,
    "FTE; all Dutch care and welfare employ about 1.4 million people",
);
pub const TURNOVER: Range = range(
    "`domains[].workforce.inflow`, `.outflow`",
    0.0,
    0.5,
    "share of the FTE per year; care turnover is about 0.12 to 0.15",
);
pub const PRODUCTIVITY: Range = range(
    "`domains[].workforce.productivity`",
    -0.05,
    0.1,
    "yearly growth of hours per FTE; Dutch care: about 0.007",
);
pub const INFORMAL_SHARE: Range = range(
    "`informal_care.share_of_need`",
    0.0,
    0.95,
    "share of the need; below 1, as formal demand scales with (1 - share) / (1 - start share)",
);
pub const ELASTICITY: Range = range(
    "`informal_care.elasticity`",
    0.0,
    5.0,
    "SCP/PBL's projections imply about 0.5 to 1",
);
pub const CHANGE: Range = range(
    "`interventions[].effects[].change`",
    -1.0,
    1.0,
    "relative change of demand at full scale: -1 avoids all of it, 1 doubles it",
);

pub const UNMET_SHARE: Range = range(
    "`domains[].unmet_share`",
    0.0,
    0.5,
    "share of the start year's demand not delivered; ABF's shortages by branch are under 0.1",
);
pub const COST_SHARE: Range = range(
    "`domains[].costs.staff_share`, `.material_share`, `domains[].contract.corridor`",
    0.0,
    1.0,
    "share of the start year's delivered care (a corridor: of the fixed sum); staff and material together at most 1",
);

pub const MOVE_SHARE: Range = range(
    "`domains[].unmet_moves[].share`",
    0.0,
    1.0,
    "share of a year's unmet demand that becomes demand in another domain the next year; at most 1 in all",
);

/// A board's willingness to pay for an FTE-year of care that would otherwise go unmet. An
/// FTE-year costs a Dutch care employer EUR 61,000 to 83,000 (CBS 83670NED, 2024); ten times
/// the dearest anchor is no longer a valuation of care.
pub const WTP: Range = range(
    "`valuation.wtp_per_fte_year.<domain>`, `valuation.grid`",
    0.0,
    1e6,
    "EUR per FTE-year of care gained; an FTE-year costs a care employer EUR 61,000-83,000 (CBS 2024)",
);
pub const DECAY: Range = range(
    "`interventions[].persistence.decay`",
    0.0,
    1.0,
    "share of the effect lost each year after the funding ends: 0 keeps it, 1 ends it at once",
);

pub const HOURS_PER_CLIENT: Range = range(
    "`domains[].hours_per_client`",
    1.0,
    8784.0,
    "hours of care one client receives in a year; a year has at most 8,784 hours",
);

pub const REFILL: Range = range(
    "`domains[].refill`",
    0.0,
    1.0,
    "share of avoided demand replaced from the waiting list: 1 every freed hour goes to someone waiting, 0 none",
);

pub const PAID_ABOVE: Range = range(
    "`domains[].contract.paid_above`",
    0.0,
    1.0,
    "share of the care demanded above a ceiling that the financier agrees to pay, so it is delivered; the rest waits",
);

pub const EFFICIENCY_DISCOUNT: Range = range(
    "`domains[].contract.efficiency_discount`",
    0.0,
    1.0,
    "share of the domain's productivity growth passed on as lower tariffs and contract amounts: 1 keeps margins where they start",
);

pub const FINANCIER_SHARE: Range = range(
    "`domains[].financier_share`",
    0.0,
    1.0,
    "share of the domain's cost its financier pays (an insurer's market share among the region's insured); the rest is paid outside the network",
);

pub const EQUALISATION: Range = range(
    "`partners[].equalisation`",
    0.0,
    1.0,
    "share of a change in a financier's cost that risk equalisation passes to or from the national fund",
);

pub const MOBILITY: Range = range(
    "`domains[].workforce.moves[].share`",
    0.0,
    1.0,
    "share of a domain's spare FTE (staff beyond last year's demand) that moves to another domain short of staff each year; at most 1 in all",
);

/// Every range, in the README's order.
pub const ALL: [Range; 28] = [
    PEOPLE,
    BIRTH_RATE,
    DEATH_PROBABILITY,
    IMPROVEMENT,
    MIGRATION,
    EUR_PER_YEAR,
    GROWTH,
    USE_EUR,
    USE_HOURS,
    HOURS_PER_FTE,
    FTE,
    TURNOVER,
    PRODUCTIVITY,
    INFORMAL_SHARE,
    ELASTICITY,
    CHANGE,
    UNMET_SHARE,
    COST_SHARE,
    MOVE_SHARE,
    WTP,
    DECAY,
    HOURS_PER_CLIENT,
    REFILL,
    PAID_ABOVE,
    EFFICIENCY_DISCOUNT,
    FINANCIER_SHARE,
    EQUALISATION,
    MOBILITY,
];

/// Net emigration from an age band may take at most this share of the band's people in the
/// start year each year: more empties the band within a few years, which the projection can
/// only hide by stopping at zero people.
pub const MAX_EMIGRATION_SHARE: f64 = 0.1;

/// The horizon lies at most this many years after the start year: beyond, every yearly rate
/// compounds past what any source projects.
pub const MAX_YEARS: i32 = 60;
/// Years the scenario names lie at most this many years before the start year: the years of
/// interventions and the transition budget (which lie at most [`MAX_YEARS`] after it), and the
/// mortality anchors' year (at most this many years before or after it).
pub const MAX_YEARS_BEFORE: i32 = 30;
/// The start year itself: a calendar year kloof's sources and rates make sense for.
pub const START_YEARS: std::ops::RangeInclusive<i32> = 1950..=2100;

/// The range of the input with model key `key` (its path in the scenario by ids, as in
/// [`crate::sampling::Input::key`]), so that a value changed by an overlay is held to the same
/// range as one read from a file. Rule parameters have none (each rule checks its own).
pub fn for_input(key: &str) -> Option<Range> {
    let parts: Vec<&str> = key.split('.').collect();
    let last = *parts.last()?;
    Some(match parts.as_slice() {
        ["region", "population", ..] => PEOPLE,
        ["region", "birth_rate"] => BIRTH_RATE,
        ["region", "mortality", "improvement"] => IMPROVEMENT,
        ["region", "mortality", ..] => DEATH_PROBABILITY,
        ["region", "net_migration", ..] => MIGRATION,
        ["partners", _, "budget", "eur"] => EUR_PER_YEAR,
        ["partners", _, "budget", ..] => GROWTH,
        ["domains", _, "use", ..] if last == "eur" => USE_EUR,
        ["domains", _, "unmet_share"] => UNMET_SHARE,
        ["domains", _, "unmet_moves", _, "share"] => MOVE_SHARE,
        ["domains", _, "costs", "fixed_eur"] => EUR_PER_YEAR,
        ["domains", _, "costs", _] => COST_SHARE,
        ["domains", _, "contract", "eur"] => EUR_PER_YEAR,
        ["domains", _, "contract", "growth"] => GROWTH,
        ["domains", _, "contract", "corridor"] => COST_SHARE,
        ["domains", _, "contract", "paid_above"] => PAID_ABOVE,
        ["domains", _, "contract", "efficiency_discount"] => EFFICIENCY_DISCOUNT,
        ["domains", _, "contract", "per_person", _] => USE_EUR,
        ["interventions", _, "staff", "fte"] => FTE,
        ["domains", _, "use", ..] => USE_HOURS,
        ["domains", _, "hours_per_fte"] => HOURS_PER_FTE,
        ["domains", _, "hours_per_client"] => HOURS_PER_CLIENT,
        ["domains", _, "refill"] => REFILL,
        ["domains", _, "financier_share"] => FINANCIER_SHARE,
        ["partners", _, "equalisation"] => EQUALISATION,
        ["domains", _, "growth", _] => GROWTH,
        ["domains", _, "workforce", "fte"] => FTE,
        ["domains", _, "workforce", "productivity"] => PRODUCTIVITY,
        ["domains", _, "workforce", "moves", _, "share"] => MOBILITY,
        ["domains", _, "workforce", _] => TURNOVER,
        ["informal_care", "share_of_need"] => INFORMAL_SHARE,
        ["informal_care", "elasticity"] => ELASTICITY,
        ["interventions", _, "cost"] => EUR_PER_YEAR,
        ["interventions", .., "change"] => CHANGE,
        ["transition_budget", "per_year"] => EUR_PER_YEAR,
        ["interventions", _, "persistence", "decay"] => DECAY,
        ["valuation", "wtp_per_fte_year", _] => WTP,
        _ => return None,
    })
}
