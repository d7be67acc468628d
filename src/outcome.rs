//! Per-run outcomes: every metric, for every year and every run, kept whole so that later
//! analyses (a partner's chance of losing, coalition values) read runs, not only percentiles.
//!
//! Memory: 8 bytes × series × years × runs; the default scenario (124 series, 7 years,
//! 10,000 runs) takes about 70 MB. The simulator hands results to a [`Recorder`]; keeping
//! them whole ([`OutcomesRecorder`]) is one choice, for runs that fit in memory.

use std::sync::Mutex;

use serde::Serialize;

/// The most memory per-run outcomes may take: beyond it a simulation should record less
/// (fewer runs, series or years, or a recorder that does not keep every run).
pub const MAX_BYTES: u64 = 8 << 30;

/// Per-run outcomes would not fit: `bytes` is what they would take.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "keeping {runs} runs × {series} series × {years} years would take {} of memory; \
     kloof keeps at most {} (use fewer runs or a shorter horizon)",
    show_bytes(*.bytes), show_bytes(MAX_BYTES as u128)
)]
pub struct TooLarge {
    pub runs: usize,
    pub series: usize,
    pub years: usize,
    pub bytes: u128,
}

fn show_bytes(b: u128) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    if b >= 1 << 30 {
        format!("{:.1} GiB", b as f64 / GIB)
    } else {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    }
}

/// One reported series: a metric of one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    /// Name of the variant (see [`crate::variant`]), e.g. `baseline` or `network`.
    pub variant: String,
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
    pub fn add(&mut self, variant: &str, metric: impl Into<String>) -> usize {
        self.series.push(Series {
            variant: variant.to_string(),
            metric: metric.into(),
        });
        self.series.len() - 1
    }

    pub fn find(&self, variant: &str, metric: &str) -> Option<usize> {
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
    /// Room for every run of every series, or [`TooLarge`] before anything is allocated.
    pub fn new(catalogue: Catalogue, years: Vec<i32>, runs: usize) -> Result<Outcomes, TooLarge> {
        let series = catalogue.series.len();
        let bytes = 8 * series as u128 * years.len() as u128 * runs as u128;
        if bytes > u128::from(MAX_BYTES) {
            return Err(TooLarge {
                runs,
                series,
                years: years.len(),
                bytes,
            });
        }
        let len = series * years.len() * runs;
        Ok(Outcomes {
            catalogue,
            years,
            runs,
            data: vec![0.0; len],
        })
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
    pub fn get(&self, variant: &str, metric: &str, year: i32) -> Option<&[f64]> {
        let s = self.catalogue.find(variant, metric)?;
        let y = self.years.iter().position(|&x| x == year)?;
        Some(self.values(s, y))
    }

    /// Copies one variant's year of a batch into place.
    fn put(&mut self, y: &RecordedYear) {
        for (k, &series) in y.series.iter().enumerate() {
            let o = self.offset(series, y.year_index) + y.first_run;
            self.data[o..o + y.len].copy_from_slice(&y.values[k * y.len..][..y.len]);
        }
    }
}

/// One variant's year of one batch, as the simulator hands it to a [`Recorder`].
#[derive(Debug, Clone, Copy)]
pub struct RecordedYear<'a> {
    /// The batch holds runs `first_run..first_run + len`.
    pub first_run: usize,
    pub len: usize,
    /// Index into the simulated years.
    pub year_index: usize,
    /// Index of the variant among those simulated.
    pub variant: usize,
    /// The variant's series, by index in the catalogue.
    pub series: &'a [usize],
    /// Values `[k][run in batch]`, `k` indexing `series`.
    pub values: &'a [f64],
}

/// Where a simulation's results go, variant-year by variant-year, from any worker thread.
/// Batches arrive in any order; a recorder must not depend on it.
pub trait Recorder: Sync {
    fn record(&self, year: &RecordedYear);
}

/// Keeps every run of every series: what `kloof run` reports from.
#[derive(Debug)]
pub struct OutcomesRecorder(Mutex<Outcomes>);

impl OutcomesRecorder {
    pub fn new(outcomes: Outcomes) -> OutcomesRecorder {
        OutcomesRecorder(Mutex::new(outcomes))
    }

    pub fn into_outcomes(self) -> Outcomes {
        self.0.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

impl Recorder for OutcomesRecorder {
    fn record(&self, year: &RecordedYear) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).put(year);
    }
}
