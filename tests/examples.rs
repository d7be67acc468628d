//! The example reports in `reports/` are what kloof produces: each folder's command (as
//! `reports/README.md` gives it) is run again into a temporary folder, and every committed file
//! must equal the new one byte for byte, except the manifest's wall time and thread count.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file's bytes without what may differ between two runs of one command: how long it took
/// and on how many threads (lines of the JSON manifests).
fn comparable(name: &str, bytes: Vec<u8>) -> Vec<u8> {
    if !name.ends_with(".json") {
        return bytes;
    }
    String::from_utf8(bytes)
        .expect("JSON is UTF-8")
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with("\"wall_time_seconds\"") && !l.starts_with("\"threads\"")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

/// Runs `kloof args... --out TMP --quiet` from the repository's root and compares `folder`.
fn matches(folder: &str, args: &[&str]) {
    let committed = root().join("reports").join(folder);
    let fresh = tempfile::tempdir().expect("temp dir");
    let out = fresh.path().join(folder);
    let status = Command::new(env!("CARGO_BIN_EXE_kloof"))
        .current_dir(root())
        .args(args)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .status()
        .expect("kloof runs");
    assert!(status.success(), "kloof {args:?}");
    let names = |dir: &Path| -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .expect("folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(&committed),
        names(&out),
        "reports/{folder}: the files kloof writes"
    );
    for name in names(&out) {
        let read = |dir: &Path| std::fs::read(dir.join(&name)).expect("readable");
        let (old, new) = (
            comparable(&name, read(&committed)),
            comparable(&name, read(&out)),
        );
        if old != new {
            let line = old
                .split(|b| *b == b'\n')
                .zip(new.split(|b| *b == b'\n'))
                .position(|(a, b)| a != b)
                .map_or(0, |i| i + 1);
            panic!(
                "reports/{folder}/{name} is stale (first difference at line {line}); run \
                 `kloof {}` again (reports/README.md) and commit the result",
                args.join(" ")
            );
        }
    }
}

#[test]
fn the_default_scenarios_example_is_what_kloof_run_writes() {
    matches("zoetermeer", &["run"]);
}

#[test]
fn ruwaards_example_is_what_kloof_run_writes() {
    matches("ruwaard", &["run", "scenarios/ruwaard.yaml"]);
}

#[test]
fn the_stress_example_is_what_kloof_stress_writes() {
    matches(
        "stress-ruwaard",
        &[
            "stress",
            "scenarios/ruwaard.yaml",
            "--set",
            "scenarios/stress/ruwaard.yaml",
            "--runs",
            "1000",
        ],
    );
}
