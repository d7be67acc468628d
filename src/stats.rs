//! Summaries of a metric across runs: mean, standard deviation and percentiles.

use serde::Serialize;

/// The distribution of one metric in one year across runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    /// Sample standard deviation (n - 1); 0 for a single run.
    pub sd: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// The `p`-quantile (0..=1) of sorted values, interpolating linearly between order statistics
/// (Hyndman & Fan type 7, the default of R and NumPy).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

impl Summary {
    pub fn of(values: &[f64]) -> Summary {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = if values.len() > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let q = |p| quantile(&sorted, p);
        Summary {
            mean,
            sd,
            p5: q(0.05),
            p25: q(0.25),
            p50: q(0.5),
            p75: q(0.75),
            p95: q(0.95),
        }
    }
}

/// Sections of consecutive runs behind [`median_standard_error`].
pub const SECTIONS: usize = 20;

/// The Monte Carlo standard error of the median of `values` (runs in run order), by
/// sectioning: the spread of the medians of [`SECTIONS`] sections of consecutive runs, over
/// `√SECTIONS`. Runs are independent and identically drawn, so the sections are too; it needs
/// no density estimate and follows the runs, not an assumed distribution. `NaN` below two
/// runs per section.
pub fn median_standard_error(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 * SECTIONS {
        return f64::NAN;
    }
    let medians: Vec<f64> = (0..SECTIONS)
        .map(|k| {
            let mut part = values[k * n / SECTIONS..(k + 1) * n / SECTIONS].to_vec();
            part.sort_by(f64::total_cmp);
            quantile(&part, 0.5)
        })
        .collect();
    Summary::of(&medians).sd / (SECTIONS as f64).sqrt()
}
