//! Is the network worth its price? The cost-effectiveness plane of health economics applied to
//! the care a network gains (see [`crate::value`]): per run the incremental cost of the network
//! to all partners together (ΔC = −`network.net`, summed from the start year) against the care
//! it gains (ΔE = `care.gained.fte_years`, FTE-years of care delivered that the baseline leaves
//! unmet), and from them the cost per FTE-year of care gained, the quadrants of the plane, the
//! net monetary benefit λ ΔE − ΔC at a willingness to pay λ, and the acceptability curve
//! P(λ ΔE − ΔC > 0) over a grid of λ, as BCEA and dampack report them.
//!
//! The cost per FTE-year needs no λ: a board can hold it against what an FTE-year of care
//! costs to hire (CBS: EUR 61,000-83,000 in 2024). The headline is the ratio of the mean cost
//! to the mean care gained (the incremental cost-effectiveness ratio); its interval is that of
//! the runs' own ratios, a run that gains no care counting as infinitely dear.

use serde::Serialize;

use crate::outcome::Outcomes;
use crate::scenario::Scenario;
use crate::stats::Summary;

/// Shares of runs in each quadrant of the cost-effectiveness plane (care gained to the right,
/// cost up). A run on an axis counts to the side of no change, care or cost.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Quadrants {
    /// More care for more money: worth it if the care is worth the price.
    pub more_care_more_cost: f64,
    /// More care for less money: the network dominates.
    pub more_care_less_cost: f64,
    /// No more care, more money: dominated.
    pub no_care_more_cost: f64,
    /// No more care, less money.
    pub no_care_less_cost: f64,
}

/// One partner's share of it: its money position, the care credited to it and its net
/// benefit (position plus the credited care valued at the scenario's λ).
#[derive(Debug, Clone, Serialize)]
pub struct PartnerValue {
    pub partner: String,
    pub position: Summary,
    /// FTE-years of care gained in the domains credited to it.
    pub care_fte_years: Summary,
    pub benefit: Summary,
    /// Its cost (−position) per FTE-year credited to it: ratio of means, `None` when no care
    /// is credited to it.
    pub cost_per_fte_year: Option<f64>,
}

/// Care gained in one domain over the period.
#[derive(Debug, Clone, Serialize)]
pub struct DomainCare {
    pub domain: String,
    pub fte_years: Summary,
    /// Hours of care gained over the period.
    pub hours: Summary,
    /// Client-years of care gained over the period, where the domain gives its hours per
    /// client (`care.gained.clients.<domain>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<Summary>,
    /// The partner it is credited to.
    pub credited_to: String,
}

/// The cost-effectiveness of one variant against the baseline, from the start year to `year`.
#[derive(Debug, Clone, Serialize)]
pub struct CostEffectiveness {
    pub variant: String,
    pub year: i32,
    /// ΔE: care gained, FTE-years.
    pub care_fte_years: Summary,
    /// ΔC: cost to all partners together, EUR (−`network.net`).
    pub cost: Summary,
    /// Mean ΔC / mean ΔE, EUR per FTE-year; `None` when the network gains no care on average.
    pub cost_per_fte_year: Option<f64>,
    /// The 5th and 95th percentiles of the runs' own ratios (infinite for a run without care
    /// gained).
    pub cost_per_fte_year_interval: Option<(f64, f64)>,
    pub quadrants: Quadrants,
    /// Net benefit at the scenario's λ (`network.benefit`), and the share of runs in which it
    /// is above zero. Without `valuation:` λ = 0 and this is the money result.
    pub net_benefit: Summary,
    pub worth_it: f64,
    /// The acceptability curve: per λ of the grid (EUR per FTE-year, every domain), the share
    /// of runs with λ ΔE − ΔC > 0.
    pub acceptability: Vec<(f64, f64)>,
    /// The λ at which the expected net benefit is zero (the cost per FTE-year, when the care
    /// gained is positive); `None` when no λ makes the network worth its price on average.
    pub break_even: Option<f64>,
    pub per_partner: Vec<PartnerValue>,
    pub per_domain: Vec<DomainCare>,
}

/// A series of `variant` at `year` by name.
fn at(o: &Outcomes, variant: &str, metric: &str, year: i32) -> Option<Vec<f64>> {
    o.get(variant, metric, year)
        .map(std::borrow::Cow::into_owned)
}

/// A yearly series of `variant` summed over the years up to `year`, per run; `None` when the
/// outcomes lack it.
pub fn summed(o: &Outcomes, variant: &str, metric: &str, year: i32) -> Option<Vec<f64>> {
    let mut total = vec![0.0; o.runs];
    for &y in o.years.iter().filter(|&&y| y <= year) {
        let x = o.get(variant, metric, y)?;
        total.iter_mut().zip(x.iter()).for_each(|(t, x)| *t += x);
    }
    Some(total)
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len().max(1) as f64
}

fn share(x: &[f64], holds: impl Fn(usize) -> bool) -> f64 {
    (0..x.len()).filter(|&r| holds(r)).count() as f64 / x.len().max(1) as f64
}

/// Mean `cost` over mean `care`, when the care is positive.
fn ratio(cost: &[f64], care: &[f64]) -> Option<f64> {
    let e = mean(care);
    (e > 0.0).then(|| mean(cost) / e)
}

/// The 5th and 95th percentiles of the runs' own cost per FTE-year of care gained: a run
/// that gains no care counts as infinitely dear (the percentile is then infinite when more
/// than that share of runs gains none).
fn ratio_interval(cost: &[f64], care: &[f64]) -> Option<(f64, f64)> {
    if cost.is_empty() || mean(care) <= 0.0 {
        return None;
    }
    let mut ratios: Vec<f64> = cost
        .iter()
        .zip(care)
        .map(|(c, e)| if *e > 0.0 { c / e } else { f64::INFINITY })
        .collect();
    ratios.sort_by(f64::total_cmp);
    Some((
        crate::stats::quantile(&ratios, 0.05),
        crate::stats::quantile(&ratios, 0.95),
    ))
}

/// The cost-effectiveness of `variant` from the start year to `year`; `None` when the
/// variant has no agreement (no care gained to measure).
pub fn assess(
    o: &Outcomes,
    scenario: &Scenario,
    variant: &str,
    year: i32,
) -> Option<CostEffectiveness> {
    let care = at(o, variant, "care.gained.fte_years", year)?;
    let cost: Vec<f64> = at(o, variant, "network.net", year)?
        .iter()
        .map(|x| -x)
        .collect();
    let benefit = at(o, variant, "network.benefit", year)?;
    let grid = scenario
        .valuation
        .as_ref()
        .map_or_else(crate::scenario::Valuation::default_grid, |v| v.grid.clone());
    let quadrants = Quadrants {
        more_care_more_cost: share(&care, |r| care[r] > 0.0 && cost[r] > 0.0),
        more_care_less_cost: share(&care, |r| care[r] > 0.0 && cost[r] <= 0.0),
        no_care_more_cost: share(&care, |r| care[r] <= 0.0 && cost[r] > 0.0),
        no_care_less_cost: share(&care, |r| care[r] <= 0.0 && cost[r] <= 0.0),
    };
    let acceptability = grid
        .iter()
        .map(|&wtp| (wtp, share(&care, |r| wtp * care[r] - cost[r] > 0.0)))
        .collect();
    let (mean_cost, mean_care) = (mean(&cost), mean(&care));
    let break_even = if mean_care > 0.0 {
        Some((mean_cost / mean_care).max(0.0))
    } else if mean_cost < 0.0 {
        Some(0.0)
    } else {
        None
    };
    let credited = crate::value::credited(scenario);
    let per_domain: Vec<DomainCare> = scenario
        .domains
        .iter()
        .zip(&credited)
        .filter_map(|(d, to)| {
            let fte = summed(o, variant, &format!("care.gained.fte.{}", d.id), year)?;
            let hours = summed(o, variant, &format!("care.gained.hours.{}", d.id), year)?;
            Some(DomainCare {
                domain: d.id.0.clone(),
                fte_years: Summary::of(&fte),
                hours: Summary::of(&hours),
                clients: summed(o, variant, &format!("care.gained.clients.{}", d.id), year)
                    .map(|c| Summary::of(&c)),
                credited_to: to.clone(),
            })
        })
        .collect();
    let per_partner = scenario
        .partners
        .iter()
        .filter_map(|p| {
            let id = p.id.0.as_str();
            let position = at(o, variant, &format!("partner.{id}.net"), year)?;
            let benefit = at(o, variant, &format!("partner.{id}.benefit"), year)?;
            let mut care = vec![0.0; o.runs];
            for (d, to) in scenario.domains.iter().zip(&credited) {
                if to == id {
                    let fte = summed(o, variant, &format!("care.gained.fte.{}", d.id), year)?;
                    care.iter_mut().zip(fte).for_each(|(c, x)| *c += x);
                }
            }
            let own_cost: Vec<f64> = position.iter().map(|x| -x).collect();
            Some(PartnerValue {
                partner: id.to_string(),
                position: Summary::of(&position),
                care_fte_years: Summary::of(&care),
                benefit: Summary::of(&benefit),
                cost_per_fte_year: ratio(&own_cost, &care),
            })
        })
        .collect();
    Some(CostEffectiveness {
        variant: variant.to_string(),
        year,
        care_fte_years: Summary::of(&care),
        cost: Summary::of(&cost),
        cost_per_fte_year: ratio(&cost, &care),
        cost_per_fte_year_interval: ratio_interval(&cost, &care),
        quadrants,
        net_benefit: Summary::of(&benefit),
        worth_it: share(&benefit, |r| benefit[r] > 0.0),
        acceptability,
        break_even,
        per_partner,
        per_domain,
    })
}
