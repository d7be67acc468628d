//! Byte-identical results across refactors: `results.csv` and `results.json` of a fixture with
//! every shipped rule are compared with output committed in `tests/expected/`, and those of the
//! five shipped scenarios at a few runs with the SHA-256 committed in
//! `tests/expected/scenarios.sha256` (the whole files would be 2 MB).
//!
//! A change that moves a figure on purpose re-blesses the expected files with
//! `KLOOF_BLESS=1 cargo test --test pinned` and says why in its commit; any other difference is
//! a regression.

mod common;

use std::path::Path;

use kloof::study::{self, Options, Source};

const EXPECTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected");

/// A source named by its path relative to the crate root, so the manifest inside
/// `results.json` does not depend on where the checkout lives.
fn source(relative: &str) -> Source {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(relative)).expect("readable");
    Source {
        path: root.join(relative).display().to_string(),
        text,
        ..Default::default()
    }
}

/// `results.csv` and `results.json` of a study, with the checkout's own path taken out.
fn results(relative: &str, options: Options) -> (String, String) {
    let s = study::run(&source(relative), &options, &|_| {}).unwrap_or_else(|e| panic!("{e}"));
    let dir = common::report(&s);
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).expect("report file");
    let root = format!("{}/", env!("CARGO_MANIFEST_DIR"));
    (read("results.csv"), read("results.json").replace(&root, ""))
}

fn compare(name: &str, actual: &str) {
    let path = Path::new(EXPECTED).join(name);
    if std::env::var_os("KLOOF_BLESS").is_some() {
        std::fs::write(&path, actual).expect("expected file written");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; bless with KLOOF_BLESS=1", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the committed output, first at line {}:\n  expected: {}\n  actual:   {}",
            line + 1,
            expected.lines().nth(line).unwrap_or("(end)"),
            actual.lines().nth(line).unwrap_or("(end)"),
        );
    }
}

fn sha256(text: &str) -> String {
    kloof::provenance::sha256_hex(text.as_bytes())
}

#[test]
fn fixture_with_every_rule_is_byte_identical() {
    let (csv, json) = results(
        "tests/fixtures/agreement.yaml",
        Options {
            runs: Some(50),
            threads: Some(2),
            batch_size: Some(16),
            ..Options::default()
        },
    );
    compare("agreement.results.csv", &csv);
    compare("agreement.results.json", &json);
}

#[test]
fn shipped_scenarios_are_byte_identical() {
    let mut hashes = String::new();
    for name in [
        "zoetermeer",
        "ruwaard",
        "samen-gezond-roermond",
        "stad-en-ommeland",
        "nl",
    ] {
        let (csv, json) = results(
            &format!("scenarios/{name}.yaml"),
            Options {
                runs: Some(24),
                batch_size: Some(10),
                ..Options::default()
            },
        );
        hashes += &format!("{}  {name}/results.csv\n", sha256(&csv));
        hashes += &format!("{}  {name}/results.json\n", sha256(&json));
    }
    compare("scenarios.sha256", &hashes);
}
