//! Per-run outcomes: every metric, for every year and every run, kept whole so that later
//! analyses (a partner's chance of losing, coalition values) read runs, not only percentiles.
//!
//! Memory: 8 bytes × series × years × runs; the default scenario (124 series, 7 years,
//! 10,000 runs) takes about 70 MB. The simulator hands results to a [`Recorder`]; keeping
//! them whole ([`OutcomesRecorder`]) is one choice, for runs that fit in memory.

use std::sync::Mutex;

use serde::Serialize;

/// The most memory per-run outcomes may take on any machine: beyond it a simulation should
/// record less (fewer runs, series or years, or a recorder that does not keep every run).
pub const MAX_BYTES: u64 = 8 << 30;

/// Share of the memory the machine has available that kloof's per-run outcomes may take: the
/// rest is for the batches in flight, the statistics' copies and the report.
const AVAILABLE_SHARE: f64 = 0.6;

/// The memory per-run outcomes may take, for the whole command: `KLOOF_MEMORY` (bytes, or with
/// a `K`, `M` or `G` suffix) when set; otherwise the smaller of [`MAX_BYTES`] and
/// [`AVAILABLE_SHARE`] of what the machine has available (its cgroup's limit less what the
/// cgroup uses, or `MemAvailable`), so that a command refuses with a figure rather than abort
/// when an allocation fails.
pub fn memory_budget() -> u64 {
    if let Some(b) = std::env::var("KLOOF_MEMORY")
        .ok()
        .and_then(|v| parse_bytes(&v))
    {
        return b;
    }
    let available = [cgroup_available(), mem_available()]
        .into_iter()
        .flatten()
        .min();
    available.map_or(MAX_BYTES, |a| {
        MAX_BYTES.min((a as f64 * AVAILABLE_SHARE) as u64)
    })
}

/// `1234`, `512K`, `300M`, `2G` (binary units) as bytes.
fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, unit) = match t.chars().last()? {
        'K' | 'k' => (&t[..t.len() - 1], 1u64 << 10),
        'M' | 'm' => (&t[..t.len() - 1], 1 << 20),
        'G' | 'g' => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(unit)
}

/// What the process's cgroup (v2) may still use: its `memory.max` less `memory.current`.
fn cgroup_available() -> Option<u64> {
    let read = |f: &str| std::fs::read_to_string(format!("/sys/fs/cgroup/{f}")).ok();
    let max = read("memory.max")?.trim().parse::<u64>().ok()?;
    let current = read("memory.current")
        .and_then(|c| c.trim().parse::<u64>().ok())
        .unwrap_or(0);
    Some(max.saturating_sub(current))
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
fn mem_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb = line.split_whitespace().nth(1)?.parse::<u64>().ok()?;
    Some(kb << 10)
}

/// Per-run outcomes would not fit: `bytes` is what they would take, `budget` what kloof may
/// use on this machine.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "keeping {runs} runs × {series} series × {years} years would take {} of memory; \
     kloof may use {} here (use fewer runs or a shorter horizon; KLOOF_MEMORY sets the limit)",
    show_bytes(*.bytes), show_bytes(*.budget as u128)
)]
pub struct TooLarge {
    pub runs: usize,
    pub series: usize,
    pub years: usize,
    pub bytes: u128,
    pub budget: u64,
}

/// Bytes as people read them: MiB, or GiB from 1 GiB on.
pub fn show_bytes(b: u128) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    if b >= 1 << 30 {
        format!("{:.1} GiB", b as f64 / GIB)
    } else {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    }
}

/// One reported series: a metric of one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
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
        let bytes = Outcomes::bytes(series, years.len(), runs);
        let budget = memory_budget();
        if bytes > u128::from(budget) {
            return Err(TooLarge {
                runs,
                series,
                years: years.len(),
                bytes,
                budget,
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

    /// What keeping `runs` runs of `series` series over `years` years takes.
    pub fn bytes(series: usize, years: usize, runs: usize) -> u128 {
        8 * series as u128 * years as u128 * runs as u128
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

    /// Puts `values` in place as runs `first..` of `series` in year `year_index` (a shard's
    /// runs, merged).
    pub fn put_runs(&mut self, series: usize, year_index: usize, first: usize, values: &[f64]) {
        let o = self.offset(series, year_index) + first;
        self.data[o..o + values.len()].copy_from_slice(values);
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
pub struct OutcomesRecorder(Mutex<Outcomes>, usize);

impl OutcomesRecorder {
    pub fn new(outcomes: Outcomes) -> OutcomesRecorder {
        OutcomesRecorder::starting_at(outcomes, 0)
    }

    /// Keeps runs `first..` of a study (a shard's) from index 0 of `outcomes`.
    pub fn starting_at(outcomes: Outcomes, first: usize) -> OutcomesRecorder {
        OutcomesRecorder(Mutex::new(outcomes), first)
    }

    pub fn into_outcomes(self) -> Outcomes {
        self.0.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

impl Recorder for OutcomesRecorder {
    fn record(&self, year: &RecordedYear) {
        let local = RecordedYear {
            first_run: year.first_run - self.1,
            ..*year
        };
        self.0.lock().unwrap_or_else(|p| p.into_inner()).put(&local);
    }
}
