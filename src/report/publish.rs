//! Putting a report folder in place whole: written in a fresh folder beside it, then swapped in
//! with one rename, so that readers (and a second kloof writing the same folder) see either the
//! previous report or the new one, never a mix.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::ReportError;

/// The folder kloof was asked to write its report to holds something else: why it is not a
/// report kloof may replace.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} exists and is not a kloof report ({1}); kloof replaces a report folder whole, so \
     choose a new or empty folder with --out"
)]
pub struct NotAReport(pub PathBuf, pub String);

/// Every file a kloof report folder may hold: what the reports of `run`, `compare`, `stress`,
/// `sensitivity`, `evpi` and `fairness` write. A folder with anything else in it is not only
/// kloof's, and replacing it would delete what someone else put there.
const REPORT_FILES: [&str; 25] = [
    "manifest.json",
    "partial.bin",
    "runs.parquet",
    "report.xlsx",
    "brief.md",
    "report.html",
    "results.csv",
    "results.json",
    "summary.md",
    "value.json",
    "runs.csv",
    "compare.md",
    "compare.csv",
    "compare.json",
    "stress.md",
    "stress.csv",
    "stress.json",
    "sensitivity.md",
    "sensitivity.csv",
    "sensitivity.json",
    "voi.md",
    "voi.json",
    "fairness.md",
    "fairness.json",
    "fairness.csv",
];

/// Whether `manifest.json` is a kloof manifest: JSON naming the kloof version that wrote it
/// (one object, or one per study for compare, stress and evpi).
fn is_kloof_manifest(bytes: &[u8]) -> bool {
    let kloof = |v: &serde_json::Value| v.get("kloof_version").is_some_and(|x| x.is_string());
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Array(items)) => !items.is_empty() && items.iter().all(kloof),
        Ok(v) => kloof(&v),
        Err(_) => false,
    }
}

/// Why the existing folder `dir` is not a report kloof may replace, or `None` when it is one
/// (a kloof manifest and only files kloof writes) or empty.
fn foreign(dir: &Path) -> io::Result<Option<String>> {
    let mut others = Vec::new();
    let mut manifest = false;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let file = entry.file_type()?.is_file();
        if file && name == "manifest.json" {
            manifest = true;
        } else if !(file && REPORT_FILES.contains(&name.as_str())) {
            others.push(if file { name } else { format!("{name}/") });
        }
    }
    if !manifest && others.is_empty() {
        return Ok(None);
    }
    if !manifest {
        return Ok(Some("no manifest.json".into()));
    }
    if !is_kloof_manifest(&fs::read(dir.join("manifest.json"))?) {
        return Ok(Some("its manifest.json was not written by kloof".into()));
    }
    if !others.is_empty() {
        others.sort();
        let shown: Vec<&str> = others.iter().take(5).map(String::as_str).collect();
        let more = others.len().saturating_sub(shown.len());
        return Ok(Some(format!(
            "it also holds what kloof did not write: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )));
    }
    Ok(None)
}

/// A file written straight into the report folder rather than held in memory first: per-run
/// results, which grow with the number of runs.
pub type Stream<'a> = (
    &'a str,
    &'a (dyn Fn(&mut (dyn io::Write + Send)) -> Result<(), ReportError> + Sync),
);

/// Writes `files` into a fresh folder beside `dir` and puts it in `dir`'s place.
pub(super) fn publish(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), ReportError> {
    publish_streams(dir, files, &[])
}

/// Writes `files`, then `streams`, into a fresh folder beside `dir` and puts it in `dir`'s
/// place: all of them or, when one fails, none.
pub(super) fn publish_streams(
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    streams: &[Stream],
) -> Result<(), ReportError> {
    let io_err = |source| ReportError::Io {
        dir: dir.to_path_buf(),
        source,
    };
    let name = dir
        .file_name()
        .ok_or_else(|| io_err(io::Error::other("the report folder needs a name")))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if dir.exists() {
        if !dir.is_dir() {
            return Err(NotAReport(dir.to_path_buf(), "it is a file".into()).into());
        }
        if let Some(why) = foreign(dir).map_err(io_err)? {
            return Err(NotAReport(dir.to_path_buf(), why).into());
        }
    }
    // A file where a folder of the path should be: say which, not "File exists".
    if let Some(file) = parent.ancestors().find(|a| a.is_file()) {
        return Err(io_err(io::Error::other(format!(
            "{} is a file, not a folder",
            file.display()
        ))));
    }
    fs::create_dir_all(&parent).map_err(io_err)?;
    let fresh = fresh_folder(&parent, &name.to_string_lossy()).map_err(io_err)?;
    let streamed = |(file, write): &Stream| -> Result<(), ReportError> {
        let mut out = io::BufWriter::with_capacity(1 << 20, fs::File::create(fresh.join(file))?);
        write(&mut out)?;
        io::Write::flush(&mut out)?;
        Ok(())
    };
    let written = files
        .iter()
        .try_for_each(|(file, bytes)| fs::write(fresh.join(file), bytes))
        .map_err(io_err)
        .and_then(|()| streams.iter().try_for_each(streamed))
        .and_then(|()| swap_in(&fresh, dir).map_err(io_err));
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&fresh);
        return Err(match e {
            ReportError::Io { source, .. } | ReportError::Stream(source) => io_err(source),
            other => other,
        });
    }
    Ok(())
}

/// A new, empty folder `.<name>.kloof-<pid>-<n>` in `parent`.
fn fresh_folder(parent: &Path, name: &str) -> io::Result<PathBuf> {
    for n in 0u32.. {
        let path = parent.join(format!(".{name}.kloof-{}-{n}", std::process::id()));
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(
        "no free name for a temporary report folder",
    ))
}

/// Moves `fresh` to `dir`. When `dir` exists (or appears meanwhile, from another kloof), the
/// two are exchanged atomically and the old report, now at `fresh`, is removed.
fn swap_in(fresh: &Path, dir: &Path) -> io::Result<()> {
    match fs::rename(fresh, dir) {
        Ok(()) => return Ok(()),
        Err(e) if !dir.exists() => return Err(e),
        Err(_) => {}
    }
    exchange(fresh, dir)?;
    fs::remove_dir_all(fresh)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Without an atomic exchange: the old report is moved aside, then the new one moved in; a
/// crash between the two leaves the old report beside the folder, never a mixed one.
#[cfg(not(target_os = "linux"))]
fn exchange(fresh: &Path, dir: &Path) -> io::Result<()> {
    let aside = fresh.with_extension("old");
    fs::rename(dir, &aside)?;
    fs::rename(fresh, dir)?;
    fs::rename(&aside, fresh)
}
