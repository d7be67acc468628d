//! Which uncertain inputs drive a result? Three measures per input, from one study:
//!
//! - **rank correlation** (Spearman) between the input's draws and the metric over the runs;
//! - **one-at-a-time swing**: the metric with every uncertain input at its median except this
//!   one, at its 10th and at its 90th percentile (one deterministic run each);
//! - **first-order Sobol index**, `Var(E[Y | X_i]) / Var(Y)`, estimated from the runs by sorting
//!   them on the input into √runs bins (the share of the metric's variance the input explains
//!   alone), less the noise a bin mean carries (`Var(Y) / runs per bin`), floored at 0.
//!
//! An input's draws are recomputed from its stream (seed, run, key), exactly as the study drew
//! them, so nothing extra is stored during the run. An input drawn per year is taken in the
//! metric's year; an input that appears in several places (a shared input) counts once.

use serde::Serialize;

use crate::model::Model;
use crate::sampling::{Draws, Quantity};
use crate::simulator::{self, Settings};
use crate::variant::{BASELINE, Variant};

/// One input's influence on the metric.
#[derive(Debug, Clone, Serialize)]
pub struct Influence {
    /// The input's path in the scenario.
    pub input: String,
    pub rank_correlation: f64,
    /// The metric at the input's 10th and 90th percentile, the rest at their medians.
    pub at_p10: f64,
    pub at_p90: f64,
    pub sobol_first_order: f64,
}

impl Influence {
    /// The one-at-a-time swing, P90 less P10.
    pub fn swing(&self) -> f64 {
        self.at_p90 - self.at_p10
    }
}

/// The inputs ranked by influence on one metric.
#[derive(Debug, Clone, Serialize)]
pub struct Sensitivity {
    pub metric: String,
    pub variant: String,
    pub year: i32,
    /// The metric with every uncertain input at its median.
    pub at_medians: f64,
    /// Inputs by the size of their swing, largest first.
    pub inputs: Vec<Influence>,
}

/// Why there is no sensitivity.
#[derive(Debug, thiserror::Error)]
pub enum SensitivityError {
    #[error(
        "no metric `{metric}` in variant `{variant}`; e.g. gap.fte, gap.eur, savings.eur.cumulative, partner.<id>.net"
    )]
    UnknownMetric { metric: String, variant: String },
    #[error("the scenario has no uncertain input")]
    NothingUncertain,
    #[error(transparent)]
    Simulation(#[from] simulator::SimError),
}

/// Spearman's rank correlation: Pearson's on ranks (ties share their mean rank).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0;
        for k in i..=j {
            r[order[k]] = mean;
        }
        i = j + 1;
    }
    r
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// First-order Sobol index of `x` for `y`, by binning (see the module documentation).
pub fn sobol_first_order(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
    if var == 0.0 || n < 4 {
        return 0.0;
    }
    let bins = (n as f64).sqrt().floor() as usize;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut between = 0.0;
    for k in 0..bins {
        let part = &order[k * n / bins..(k + 1) * n / bins];
        let m = part.iter().map(|&i| y[i]).sum::<f64>() / part.len() as f64;
        between += part.len() as f64 * (m - mean).powi(2);
    }
    let between = between / n as f64 - var * bins as f64 / n as f64;
    (between / var).clamp(0.0, 1.0)
}

/// Ranks the uncertain inputs of `m` by their influence on `metric` of `variant` in `year`,
/// given the metric's values over the study's runs (`values`, in run order).
pub fn rank(
    m: &Model,
    agreements: &dyn crate::agreement::Agreements,
    settings: &Settings,
    network: &Variant,
    (variant, metric, year): (&str, &str, i32),
    values: &[f64],
) -> Result<Sensitivity, SensitivityError> {
    // Uncertain inputs, each key once.
    let mut ids: Vec<usize> = Vec::new();
    for (i, input) in m.inputs.iter().enumerate() {
        if input.quantity.fixed_value().is_none()
            && !ids.iter().any(|&j| m.inputs[j].key == input.key)
        {
            ids.push(i);
        }
    }
    if ids.is_empty() {
        return Err(SensitivityError::NothingUncertain);
    }
    let draws = Draws::new(&m.inputs, settings.seed, 0, values.len(), year);
    // One-at-a-time: every uncertain input at its median, one at P10 or P90; one run each.
    let at = |pick: &dyn Fn(usize) -> f64, name: String| -> Variant {
        let mut v = if variant == BASELINE {
            Variant::baseline(m)
        } else {
            network.clone()
        };
        v.name = name;
        for &j in &ids {
            v = v.with_overlay(&m.inputs[j].key, Quantity::fixed(pick(j)));
        }
        v
    };
    let median = |j: usize| m.inputs[j].quantity.quantile(0.5);
    let mut variants = vec![at(&median, "medians".into())];
    for (k, &i) in ids.iter().enumerate() {
        for (u, tag) in [(0.1, "p10"), (0.9, "p90")] {
            let pick = |j: usize| {
                if j == i {
                    m.inputs[j].quantity.quantile(u)
                } else {
                    median(j)
                }
            };
            variants.push(at(&pick, format!("oat-{k}-{tag}")));
        }
    }
    let one = Settings {
        runs: 1,
        ..settings.clone()
    };
    let o = simulator::simulate(m, &one, &variants, agreements, &|_| {})?;
    let get = |name: &str| -> Result<f64, SensitivityError> {
        o.get(name, metric, year)
            .map(|v| v[0])
            .ok_or_else(|| SensitivityError::UnknownMetric {
                metric: metric.to_string(),
                variant: variant.to_string(),
            })
    };
    let at_medians = get("medians")?;
    let mut inputs = ids
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let x: Vec<f64> = (0..values.len()).map(|b| draws.at(i, b)).collect();
            Ok(Influence {
                input: m.inputs[i].key.clone(),
                rank_correlation: spearman(&x, values),
                at_p10: get(&format!("oat-{k}-p10"))?,
                at_p90: get(&format!("oat-{k}-p90"))?,
                sobol_first_order: sobol_first_order(&x, values),
            })
        })
        .collect::<Result<Vec<_>, SensitivityError>>()?;
    inputs.sort_by(|a, b| b.swing().abs().total_cmp(&a.swing().abs()));
    Ok(Sensitivity {
        metric: metric.to_string(),
        variant: variant.to_string(),
        year,
        at_medians,
        inputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_is_one_for_any_increasing_relation_and_handles_ties() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y: Vec<f64> = x.iter().map(|v: &f64| v.powi(3)).collect();
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
        let rev: Vec<f64> = y.iter().map(|v| -v).collect();
        assert!((spearman(&x, &rev) + 1.0).abs() < 1e-12);
        // Ties share their mean rank: ranks of [1, 1, 2] are [0.5, 0.5, 2].
        assert_eq!(ranks(&[1.0, 1.0, 2.0]), vec![0.5, 0.5, 2.0]);
    }

    #[test]
    fn sobol_indices_of_an_additive_model_are_its_variance_shares() {
        // y = a + 2b with a, b independent uniform on 0..1: Var = 1/12 + 4/12, so S_a = 0.2 and
        // S_b = 0.8. A fixed low-discrepancy grid keeps the test exact enough.
        let n = 40_000;
        let a: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 0.618_033_988_749_895) % 1.0)
            .collect();
        let y: Vec<f64> = a.iter().zip(&b).map(|(a, b)| a + 2.0 * b).collect();
        assert!(
            (sobol_first_order(&a, &y) - 0.2).abs() < 0.02,
            "{}",
            sobol_first_order(&a, &y)
        );
        assert!(
            (sobol_first_order(&b, &y) - 0.8).abs() < 0.02,
            "{}",
            sobol_first_order(&b, &y)
        );
        // An input the result does not depend on explains nothing.
        let c: Vec<f64> = (0..n).map(|i| (i as f64 * 0.754_877_666) % 1.0).collect();
        assert!(sobol_first_order(&c, &y) < 0.02);
    }
}
