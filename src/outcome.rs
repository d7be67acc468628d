//! Per-run outcomes: every metric, for every year and every run, kept whole so that later
//! analyses (a partner's chance of losing, coalition values) read runs, not only percentiles.
//!
//! Memory: 8 bytes × series × years × runs; the default scenario (124 series, 7 years,
//! 10,000 runs) takes about 70 MB.

use serde::Serialize;

/// The two ways a region is simulated under the same draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// No network: business as usual.
    Baseline,
    /// The network's interventions and transition budget.
    Network,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Baseline => "baseline",
            Variant::Network => "network",
        }
    }
}

/// One reported series: a metric of one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    pub variant: Variant,
    /// Stable dotted name, e.g. `demand.eur.wmo`.
    pub metric: String,
}

/// The list of series a model reports, in report order. Index = position.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub series: Vec<Series>,
}

impl Catalogue {
    /// Adds a series and returns its index.
    pub fn add(&mut self, variant: Variant, metric: impl Into<String>) -> usize {
        self.series.push(Series {
            variant,
            metric: metric.into(),
        });
        self.series.len() - 1
    }

    pub fn find(&self, variant: Variant, metric: &str) -> Option<usize> {
        self.series
            .iter()
            .position(|s| s.variant == variant && s.metric == metric)
    }
}

/// Values laid out as `[series][year][run]`.
#[derive(Debug, Clone)]
pub struct Outcomes {
    pub catalogue: Catalogue,
    pub years: Vec<i32>,
    pub runs: usize,
    data: Vec<f64>,
}

impl Outcomes {
    pub fn new(catalogue: Catalogue, years: Vec<i32>, runs: usize) -> Outcomes {
        let len = catalogue.series.len() * years.len() * runs;
        Outcomes {
            catalogue,
            years,
            runs,
            data: vec![0.0; len],
        }
    }

    fn offset(&self, series: usize, year_index: usize) -> usize {
        (series * self.years.len() + year_index) * self.runs
    }

    /// All runs' values of one series in one year (by index into `years`).
    pub fn values(&self, series: usize, year_index: usize) -> &[f64] {
        let o = self.offset(series, year_index);
        &self.data[o..o + self.runs]
    }

    /// Values of `series` by name, in `year`.
    pub fn get(&self, variant: Variant, metric: &str, year: i32) -> Option<&[f64]> {
        let s = self.catalogue.find(variant, metric)?;
        let y = self.years.iter().position(|&x| x == year)?;
        Some(self.values(s, y))
    }

    /// Copies a batch's values (laid out `[series][year][run in batch]`) into place.
    pub fn put_batch(&mut self, first_run: usize, len: usize, batch: &[f64]) {
        let years = self.years.len();
        for s in 0..self.catalogue.series.len() {
            for y in 0..years {
                let src = &batch[(s * years + y) * len..][..len];
                let o = self.offset(s, y) + first_run;
                self.data[o..o + len].copy_from_slice(src);
            }
        }
    }
}
