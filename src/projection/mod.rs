//! The projection of one run: people by single age, their demand for care, the workforce and
//! informal care that meet it. Pure arithmetic on one run's numbers; the simulator drives it
//! year by year across a batch of runs.

mod population;

pub use population::{Cohorts, Mortality};

use crate::scenario::{AGES, AgeRange};

/// Sum of people over an age range.
pub fn people_in(people: &[f64; AGES], ages: AgeRange) -> f64 {
    people[ages.ages()].iter().sum()
}

/// The factor by which informal care's take-over of the recipients' need changes formal
/// demand relative to the start year.
///
/// Formal use in the scenario is observed use, already net of the share `s0` informal care
/// covers. When carers per recipient fall from `r0` to `r`, the covered share becomes
/// `s = s0 (r / r0)^elasticity` (at most 99 %), and formal demand scales by `(1 - s) / (1 - s0)`.
pub fn informal_factor(s0: f64, r0: f64, r: f64, elasticity: f64) -> (f64, f64) {
    let ratio = if r0 > 0.0 { r / r0 } else { 1.0 };
    let s = (s0 * ratio.powf(elasticity)).clamp(0.0, 0.99);
    (s, (1.0 - s) / (1.0 - s0).max(1e-9))
}

/// Demand of one domain in start-year prices and hours: `sum over ages of people × use`, with
/// `weight[a]` scaling the people of age `a` (informal care's take-over, interventions' effects).
pub fn demand(
    people: &[f64; AGES],
    weight: &[f64; AGES],
    band_of_age: &[usize; AGES],
    eur: &[f64],
    hours: &[f64],
) -> (f64, f64) {
    let (mut e, mut h) = (0.0, 0.0);
    for a in 0..AGES {
        let w = people[a] * weight[a];
        let band = band_of_age[a];
        e += w * eur[band];
        h += w * hours[band];
    }
    (e, h)
}

/// Share of an intervention's full effect reached in `year`: linear ramp-up over
/// `ramp_up_years` from its start (a third, two thirds, all for three years); 0 before it starts.
pub fn ramp(start_year: i32, ramp_up_years: u32, year: i32) -> f64 {
    if year < start_year {
        0.0
    } else if ramp_up_years == 0 {
        1.0
    } else {
        (f64::from(year - start_year + 1) / f64::from(ramp_up_years)).min(1.0)
    }
}
