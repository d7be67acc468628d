//! Per-run outcomes: every metric, for every year and every run, kept whole so that later
//! analyses (a partner's chance of losing, coalition values) read runs, not only percentiles.
//!
//! Size: 8 bytes × series × years × runs; the default scenario (207 series, 7 years) takes
//! about 116 MB per 10,000 runs. Up to the command's [`memory_budget`] they stay in memory;
//! beyond it they wait in a file on disk, read back one series' year at a time. The simulator
//! hands results to a [`Recorder`]; keeping them whole ([`OutcomesRecorder`]) is one choice.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// The most memory per-run outcomes take on any machine, unless `KLOOF_MEMORY` says more:
/// beyond it they wait on disk. 512 MiB holds 40,000 runs of the default scenario in memory
/// (where reading them back costs nothing) and keeps a study of any size well below 1 GB.
pub const MAX_BYTES: u64 = 512 << 20;

/// Share of the memory the machine has available that kloof's per-run outcomes may take: the
/// rest is for the batches in flight, the statistics' copies and the report.
const AVAILABLE_SHARE: f64 = 0.6;

/// The memory per-run outcomes may take, for the whole command (every study of a `compare`
/// or `stress` together): `KLOOF_MEMORY` (bytes, or with a `K`, `M` or `G` suffix) when set;
/// otherwise the smaller of [`MAX_BYTES`] and [`AVAILABLE_SHARE`] of what the machine has
/// available (its cgroup's limit less what the cgroup uses, or `MemAvailable`). Outcomes that
/// do not fit in what is left go to disk ([`spill_dir`]) instead.
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

/// Values laid out as `[series][year][run]`, in memory or, beyond what kloof may keep in
/// memory ([`memory_budget`], shared by every study of a command), in a file on disk laid out
/// the same way. Either way a series' year reads back exactly as it was recorded, so every
/// statistic (exact percentiles included) is the same: what changes is only where the runs
/// wait. Readers take one series' year at a time ([`Outcomes::values`]), so a report's peak
/// memory is a few such columns however many series the study has.
#[derive(Debug)]
pub struct Outcomes {
    pub catalogue: Catalogue,
    pub years: Vec<i32>,
    pub runs: usize,
    store: Store,
}

#[derive(Debug)]
enum Store {
    /// Holds `bytes` of the command's memory budget until dropped.
    Memory {
        data: Vec<f64>,
        bytes: u64,
    },
    Disk(Spill),
}

/// Per-run values on disk: an unnamed file (removed from its folder as soon as it is opened,
/// so nothing is left behind whatever happens to the process), written and read at offsets,
/// so that any thread records or reads without a lock.
#[derive(Debug)]
struct Spill {
    file: File,
    dir: PathBuf,
    /// The first write or read that failed: reported by [`Outcomes::check`], so a report
    /// built from values that could not be read is never published.
    failed: Mutex<Option<io::Error>>,
}

/// Bytes of the memory budget that the command's per-run outcomes in memory hold now.
static IN_MEMORY: AtomicU64 = AtomicU64::new(0);

/// Takes `bytes` of the memory budget from `used`, or nothing when they do not fit in what is
/// left.
fn reserve(used: &AtomicU64, bytes: u64, budget: u64) -> bool {
    used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
        used.checked_add(bytes).filter(|&u| u <= budget)
    })
    .is_ok()
}

/// The folder per-run outcomes go to when they do not fit in memory: `KLOOF_SPILL_DIR` when
/// set, else the system's temporary folder (`TMPDIR`).
pub fn spill_dir() -> PathBuf {
    std::env::var_os("KLOOF_SPILL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

/// Per-run outcomes could not be kept on disk.
#[derive(Debug, thiserror::Error)]
pub enum SpillError {
    #[error(
        "{what} take {} on disk, beyond the memory kloof may use ({}); {} has {} free \
         (KLOOF_SPILL_DIR chooses the folder; fewer runs or a shorter horizon take less)",
        show_bytes(*.bytes), show_bytes(u128::from(*.budget)), dir.display(),
        show_bytes(u128::from(*.free))
    )]
    NoRoom {
        /// What would take the room: "keeping 10 runs × 207 series × 7 years would".
        what: String,
        bytes: u128,
        budget: u64,
        dir: PathBuf,
        free: u64,
    },
    #[error(
        "cannot keep per-run results on disk in {dir} (KLOOF_SPILL_DIR chooses the folder): {source}"
    )]
    Io { dir: PathBuf, source: io::Error },
}

impl Spill {
    fn create(bytes: u64) -> Result<Spill, io::Error> {
        let dir = spill_dir();
        let mut n = 0u32;
        let (file, path) = loop {
            let path = dir.join(format!(".kloof-runs-{}-{n}", std::process::id()));
            match OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(f) => break (f, path),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(e),
            }
        };
        // Unlinked at once: the file lives as long as it is open, and no more.
        let _ = std::fs::remove_file(&path);
        allocate(&file, bytes)?;
        Ok(Spill {
            file,
            dir,
            failed: Mutex::new(None),
        })
    }

    fn fail(&self, e: io::Error) {
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        failed.get_or_insert(e);
    }

    fn write(&self, at: u64, values: &[f64]) {
        let mut buf = [0u8; CHUNK * 8];
        for (i, chunk) in values.chunks(CHUNK).enumerate() {
            for (b, v) in buf.chunks_exact_mut(8).zip(chunk) {
                b.copy_from_slice(&v.to_le_bytes());
            }
            let offset = at + (i * CHUNK * 8) as u64;
            if let Err(e) = self.file.write_all_at(&buf[..chunk.len() * 8], offset) {
                return self.fail(e);
            }
        }
    }

    fn read(&self, at: u64, values: &mut [f64]) {
        let mut buf = [0u8; CHUNK * 8];
        for (i, chunk) in values.chunks_mut(CHUNK).enumerate() {
            let bytes = &mut buf[..chunk.len() * 8];
            if let Err(e) = self.file.read_exact_at(bytes, at + (i * CHUNK * 8) as u64) {
                chunk.fill(f64::NAN);
                self.fail(e);
                continue;
            }
            for (v, b) in chunk.iter_mut().zip(bytes.chunks_exact(8)) {
                *v = f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            }
        }
    }
}

/// Values converted per disk access: 64 KiB.
const CHUNK: usize = 8192;

/// Reserves `bytes` for `file`, so that a full disk shows before the simulation, not in it.
#[cfg(target_os = "linux")]
fn allocate(file: &File, bytes: u64) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let Ok(len) = libc::off_t::try_from(bytes) else {
        return Err(io::Error::from_raw_os_error(libc::EFBIG));
    };
    if len == 0 {
        return Ok(());
    }
    // SAFETY: the descriptor is open for writing and owned by `file` for the call.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) } {
        0 => Ok(()),
        // A file system that cannot reserve: a sparse file, filled as runs arrive.
        libc::EOPNOTSUPP | libc::EINVAL => file.set_len(bytes),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}

#[cfg(not(target_os = "linux"))]
fn allocate(file: &File, bytes: u64) -> io::Result<()> {
    file.set_len(bytes)
}

/// Free bytes of the file system holding `dir`, when it can be told.
fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the zeroed struct; the path is NUL-terminated and outlives it.
    unsafe {
        let mut s: libc::statvfs = std::mem::zeroed();
        (libc::statvfs(path.as_ptr(), &mut s) == 0).then(|| s.f_bavail as u64 * s.f_frsize as u64)
    }
}

/// Whether per-run outcomes of `bytes` in all (`what` they are) fit in memory or on disk,
/// checked before a command simulates anything.
pub fn room(what: impl FnOnce() -> String, bytes: u128) -> Result<(), SpillError> {
    let budget = memory_budget();
    if bytes <= u128::from(budget) {
        return Ok(());
    }
    let dir = spill_dir();
    match free_space(&dir) {
        Some(free) if u128::from(free) < bytes => Err(SpillError::NoRoom {
            what: what(),
            bytes,
            budget,
            dir,
            free,
        }),
        _ => Ok(()),
    }
}

impl Outcomes {
    /// Room for every run of every series: in memory when it fits in what is left of the
    /// command's [`memory_budget`], else on disk in [`spill_dir`].
    pub fn new(catalogue: Catalogue, years: Vec<i32>, runs: usize) -> Result<Outcomes, SpillError> {
        Outcomes::within(catalogue, years, runs, memory_budget())
    }

    /// [`Outcomes::new`] with `budget` in place of the command's memory budget.
    fn within(
        catalogue: Catalogue,
        years: Vec<i32>,
        runs: usize,
        budget: u64,
    ) -> Result<Outcomes, SpillError> {
        let series = catalogue.series.len();
        let bytes = Outcomes::bytes(series, years.len(), runs);
        let store = match u64::try_from(bytes) {
            Ok(b) if reserve(&IN_MEMORY, b, budget) => Store::Memory {
                data: vec![0.0; series * years.len() * runs],
                bytes: b,
            },
            _ => {
                let dir = spill_dir();
                let no_room = |free| SpillError::NoRoom {
                    what: format!(
                        "keeping {runs} runs × {series} series × {} years would",
                        years.len()
                    ),
                    bytes,
                    budget,
                    dir: dir.clone(),
                    free,
                };
                let free = free_space(&dir);
                if let Some(free) = free.filter(|&f| u128::from(f) < bytes) {
                    return Err(no_room(free));
                }
                let b = u64::try_from(bytes).map_err(|_| no_room(free.unwrap_or(0)))?;
                Store::Disk(Spill::create(b).map_err(|source| {
                    if source.raw_os_error() == Some(libc::ENOSPC) {
                        no_room(free_space(&dir).unwrap_or(0))
                    } else {
                        SpillError::Io {
                            dir: dir.clone(),
                            source,
                        }
                    }
                })?)
            }
        };
        Ok(Outcomes {
            catalogue,
            years,
            runs,
            store,
        })
    }

    /// What keeping `runs` runs of `series` series over `years` years takes.
    pub fn bytes(series: usize, years: usize, runs: usize) -> u128 {
        8 * series as u128 * years as u128 * runs as u128
    }

    /// Whether the runs wait on disk (they did not fit in the memory budget).
    pub fn on_disk(&self) -> bool {
        matches!(self.store, Store::Disk(_))
    }

    fn offset(&self, series: usize, year_index: usize) -> usize {
        (series * self.years.len() + year_index) * self.runs
    }

    /// All runs' values of one series in one year (by index into `years`).
    pub fn values(&self, series: usize, year_index: usize) -> Cow<'_, [f64]> {
        self.values_of_runs(series, year_index, 0..self.runs)
    }

    /// Runs `runs` of one series in one year: what a file written run by run reads at a
    /// time.
    pub fn values_of_runs(
        &self,
        series: usize,
        year_index: usize,
        runs: Range<usize>,
    ) -> Cow<'_, [f64]> {
        let o = self.offset(series, year_index);
        match &self.store {
            Store::Memory { data, .. } => Cow::Borrowed(&data[o + runs.start..o + runs.end]),
            Store::Disk(spill) => {
                let mut values = vec![0.0; runs.len()];
                spill.read(((o + runs.start) * 8) as u64, &mut values);
                Cow::Owned(values)
            }
        }
    }

    /// Values of `series` by name, in `year`.
    pub fn get(&self, variant: &str, metric: &str, year: i32) -> Option<Cow<'_, [f64]>> {
        let s = self.catalogue.find(variant, metric)?;
        let y = self.years.iter().position(|&x| x == year)?;
        Some(self.values(s, y))
    }

    /// Puts `values` in place as runs `first..` of `series` in year `year_index` (a shard's
    /// runs, merged).
    pub fn put_runs(&mut self, series: usize, year_index: usize, first: usize, values: &[f64]) {
        let o = self.offset(series, year_index) + first;
        match &mut self.store {
            Store::Memory { data, .. } => data[o..o + values.len()].copy_from_slice(values),
            Store::Disk(spill) => spill.write((o * 8) as u64, values),
        }
    }

    /// The first disk write or read of these outcomes that failed, if any: a report read
    /// from them after such a failure would hold made-up values, so it is not published.
    pub fn check(&self) -> Result<(), SpillError> {
        let Store::Disk(spill) = &self.store else {
            return Ok(());
        };
        let failed = spill.failed.lock().unwrap_or_else(|p| p.into_inner());
        match &*failed {
            None => Ok(()),
            Some(e) => Err(SpillError::Io {
                dir: spill.dir.clone(),
                source: io::Error::new(e.kind(), e.to_string()),
            }),
        }
    }

    /// Copies one variant's year of a batch into place.
    fn put(&mut self, y: &RecordedYear) {
        for (k, &series) in y.series.iter().enumerate() {
            self.put_runs(
                series,
                y.year_index,
                y.first_run,
                &y.values[k * y.len..][..y.len],
            );
        }
    }
}

impl Drop for Outcomes {
    fn drop(&mut self) {
        if let Store::Memory { bytes, .. } = self.store {
            IN_MEMORY.fetch_sub(bytes, Ordering::SeqCst);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue(n: usize) -> Catalogue {
        let mut c = Catalogue::default();
        for i in 0..n {
            c.add("network", format!("m{i}"));
        }
        c
    }

    /// Records the same batches, in a scrambled order, into memory and onto disk.
    fn both(series: usize, years: usize, runs: usize, batch: usize) -> (Outcomes, Outcomes) {
        let value = |s: usize, y: usize, r: usize| (s * 1000 + y) as f64 + r as f64 / 7.0 - 3.5;
        let make = |budget| {
            let o = Outcomes::within(catalogue(series), (0..years as i32).collect(), runs, budget)
                .expect("room");
            let recorder = OutcomesRecorder::new(o);
            let ids: Vec<usize> = (0..series).collect();
            let mut firsts: Vec<usize> = (0..runs).step_by(batch).collect();
            firsts.reverse();
            for first in firsts {
                let len = batch.min(runs - first);
                for y in 0..years {
                    let values: Vec<f64> = (0..series)
                        .flat_map(|s| (first..first + len).map(move |r| value(s, y, r)))
                        .collect();
                    recorder.record(&RecordedYear {
                        first_run: first,
                        len,
                        year_index: y,
                        variant: 0,
                        series: &ids,
                        values: &values,
                    });
                }
            }
            recorder.into_outcomes()
        };
        (make(u64::MAX), make(0))
    }

    #[test]
    fn disk_and_memory_give_back_the_same_values() {
        // More runs than a disk access converts at once, and a batch that does not divide them.
        let (memory, disk) = both(3, 4, CHUNK + 37, 1000);
        assert!(!memory.on_disk() && disk.on_disk());
        for s in 0..3 {
            for y in 0..4 {
                assert_eq!(memory.values(s, y), disk.values(s, y));
                assert_eq!(
                    disk.values(s, y)[CHUNK + 1],
                    (s * 1000 + y) as f64 + (CHUNK + 1) as f64 / 7.0 - 3.5
                );
                for runs in [0..1, 5..CHUNK + 9, CHUNK..CHUNK + 37] {
                    assert_eq!(
                        memory.values_of_runs(s, y, runs.clone()),
                        disk.values_of_runs(s, y, runs)
                    );
                }
            }
        }
        assert!(disk.check().is_ok());
    }

    #[test]
    fn the_memory_budget_is_taken_whole_or_not_at_all() {
        let used = AtomicU64::new(0);
        assert!(reserve(&used, 60, 100));
        assert!(!reserve(&used, 41, 100), "only 40 left");
        assert!(reserve(&used, 40, 100));
        assert_eq!(used.load(Ordering::SeqCst), 100);
        assert!(!reserve(&used, u64::MAX, u64::MAX), "no overflow");
    }
}
