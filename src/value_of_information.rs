//! The value of information of a decision between variants (go on or stop, agreement A or B):
//! what resolving an uncertainty before deciding would be worth, in the metric's unit (EUR).
//!
//! With net benefit `NB_d` of decision `d` per run (the same runs for every decision: common
//! random numbers), the **expected value of perfect information** is
//! `EVPI = E[max_d NB_d] − max_d E[NB_d]`: what a board would gain, on average, by knowing the
//! run before choosing. The **expected value of partial perfect information** of one input `θ`
//! is `EVPPI = E_θ[max_d E[NB_d | θ]] − max_d E[NB_d]`: knowing `θ` only. The conditional
//! expectations are estimated from the runs themselves by sorting them on `θ` into √runs bins
//! (a regression on the input by bin means; Strong, Oakley & Brennan 2014 use a smoother, the
//! idea is the same). A bin mean carries noise, which the maximum turns into a small upward
//! bias, so an EVPPI near zero is reported as measured, not as exactly zero.

use serde::Serialize;

/// `E[max_d NB_d] − max_d E[NB_d]`, with `nb[d][run]`.
pub fn evpi(nb: &[Vec<f64>]) -> f64 {
    let runs = nb.first().map_or(0, Vec::len);
    if runs == 0 {
        return 0.0;
    }
    let best_per_run: f64 = (0..runs)
        .map(|r| nb.iter().map(|d| d[r]).fold(f64::NEG_INFINITY, f64::max))
        .sum::<f64>()
        / runs as f64;
    (best_per_run - best_on_average(nb)).max(0.0)
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len().max(1) as f64
}

fn best_on_average(nb: &[Vec<f64>]) -> f64 {
    nb.iter().map(|d| mean(d)).fold(f64::NEG_INFINITY, f64::max)
}

/// `E_θ[max_d E[NB_d | θ]] − max_d E[NB_d]`, the conditional means by bins of `theta`.
pub fn evppi(theta: &[f64], nb: &[Vec<f64>]) -> f64 {
    let n = theta.len();
    if n < 4 {
        return 0.0;
    }
    let bins = ((n as f64).sqrt().floor() as usize).max(2);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| theta[a].total_cmp(&theta[b]));
    // Each bin's gain over the decision best on average, summed bin by bin: so decisions
    // that are the same give exactly 0, not the rounding of two sums that differ in order.
    let means: Vec<f64> = nb
        .iter()
        .map(|d| d.iter().sum::<f64>() / n as f64)
        .collect();
    let on_average = (0..nb.len())
        .max_by(|&a, &b| means[a].total_cmp(&means[b]))
        .unwrap_or(0);
    let mut total = 0.0;
    for k in 0..bins {
        let part = &order[k * n / bins..(k + 1) * n / bins];
        let sums: Vec<f64> = nb
            .iter()
            .map(|d| part.iter().map(|&i| d[i]).sum::<f64>())
            .collect();
        let best = sums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        total += best - sums[on_average];
    }
    (total / n as f64).max(0.0)
}

/// The value of information of one decision.
#[derive(Debug, Clone, Serialize)]
pub struct ValueOfInformation {
    pub metric: String,
    pub year: i32,
    /// The decisions (the variants' names) and each one's expected net benefit.
    pub decisions: Vec<(String, f64)>,
    /// The decision with the highest expected net benefit.
    pub best: String,
    /// Share of runs in which another decision would have been better than `best`.
    pub regret_share: f64,
    pub evpi: f64,
    /// Per uncertain input, its EVPPI, largest first.
    pub per_input: Vec<(String, f64)>,
    /// The EVPI curve: per λ (EUR per FTE-year of care gained), the best decision and the
    /// EVPI when each decision's net benefit is its money result plus λ × its care gained.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub curve: Vec<CurvePoint>,
}

/// One point of the EVPI curve.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    pub wtp: f64,
    pub best: String,
    pub evpi: f64,
}

/// The EVPI curve over `grid`: decision `d`'s net benefit at λ is `money[d] + λ care[d]`, run
/// by run (care in FTE-years).
pub fn curve(
    names: &[String],
    money: &[Vec<f64>],
    care: &[Vec<f64>],
    grid: &[f64],
) -> Vec<CurvePoint> {
    grid.iter()
        .map(|&wtp| {
            let nb: Vec<Vec<f64>> = money
                .iter()
                .zip(care)
                .map(|(m, c)| m.iter().zip(c).map(|(m, c)| m + wtp * c).collect())
                .collect();
            let means: Vec<f64> = nb.iter().map(|d| mean(d)).collect();
            let best = (0..nb.len())
                .max_by(|&a, &b| means[a].total_cmp(&means[b]))
                .unwrap_or(0);
            CurvePoint {
                wtp,
                best: names.get(best).cloned().unwrap_or_default(),
                evpi: evpi(&nb),
            }
        })
        .collect()
}

/// The value of information of choosing among `names` on `nb[d][run]`, with the inputs'
/// draws `inputs` (key, value per run).
pub fn assess(
    metric: &str,
    year: i32,
    names: &[String],
    nb: &[Vec<f64>],
    inputs: &[(String, Vec<f64>)],
) -> ValueOfInformation {
    let means: Vec<f64> = nb.iter().map(|d| mean(d)).collect();
    let best = (0..nb.len())
        .max_by(|&a, &b| means[a].total_cmp(&means[b]))
        .unwrap_or(0);
    let runs = nb.first().map_or(0, Vec::len);
    let regret = (0..runs)
        .filter(|&r| nb.iter().any(|d| d[r] > nb[best][r] + 0.5))
        .count();
    let mut per_input: Vec<(String, f64)> = inputs
        .iter()
        .map(|(k, x)| (k.clone(), evppi(x, nb)))
        .collect();
    per_input.sort_by(|a, b| b.1.total_cmp(&a.1));
    ValueOfInformation {
        metric: metric.to_string(),
        year,
        decisions: names.iter().cloned().zip(means).collect(),
        best: names.get(best).cloned().unwrap_or_default(),
        regret_share: regret as f64 / runs.max(1) as f64,
        evpi: evpi(nb),
        per_input,
        curve: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    /// Φ and φ for the closed form.
    fn phi(x: f64) -> f64 {
        (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
    }

    fn big_phi(x: f64) -> f64 {
        // Abramowitz & Stegun 7.1.26 through erf, accurate to 1.5e-7.
        let t = 1.0 / (1.0 + 0.327_591_1 * x.abs() / std::f64::consts::SQRT_2);
        let y = 1.0
            - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736)
                * t
                + 0.254_829_592)
                * t
                * (-(x * x) / 2.0).exp();
        if x >= 0.0 {
            0.5 * (1.0 + y)
        } else {
            0.5 * (1.0 - y)
        }
    }

    /// Go (net benefit θ + ε) or stop (0), with θ ~ N(μ, σ²) and noise ε ~ N(0, τ²). Perfect
    /// information on the whole: EVPI = E[max(0, X)] − max(0, μ) with X ~ N(μ, σ² + τ²), i.e.
    /// s φ(μ/s) + μ Φ(μ/s) − max(0, μ). On θ alone, the same with s = σ: E[NB_go | θ] = θ.
    #[test]
    fn a_go_stop_decision_has_its_closed_form_value_of_information() {
        // In EUR (the regret share counts a decision better by more than half a euro).
        let (mu, sigma, tau) = (-0.5e6, 1.0e6, 0.5e6);
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let n = 200_000;
        let theta: Vec<f64> = (0..n)
            .map(|_| Normal::new(mu, sigma).unwrap().sample(&mut rng))
            .collect();
        let go: Vec<f64> = theta
            .iter()
            .map(|t| t + Normal::new(0.0, tau).unwrap().sample(&mut rng))
            .collect();
        let nb = vec![go, vec![0.0; n]];
        let closed = |s: f64| s * phi(mu / s) + mu * big_phi(mu / s) - mu.max(0.0);
        let total = closed((sigma * sigma + tau * tau).sqrt());
        assert!(
            (evpi(&nb) - total).abs() < 0.005e6,
            "{} vs {total}",
            evpi(&nb)
        );
        let partial = closed(sigma);
        assert!(
            (evppi(&theta, &nb) - partial).abs() < 0.005e6,
            "{} vs {partial}",
            evppi(&theta, &nb)
        );
        // An input the benefit does not depend on is worth (about) nothing.
        let noise: Vec<f64> = (0..n)
            .map(|_| Normal::new(0.0, 1.0).unwrap().sample(&mut rng))
            .collect();
        assert!(evppi(&noise, &nb) < 0.005e6);
        let v = assess(
            "nb",
            2030,
            &["go".into(), "stop".into()],
            &nb,
            &[("theta".into(), theta)],
        );
        assert_eq!(v.best, "stop");
        assert!(
            v.regret_share > 0.2 && v.regret_share < 0.4,
            "{}",
            v.regret_share
        );
    }
}
