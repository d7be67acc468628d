//! Byte-identical results across refactors: `results.csv` and `results.json` of a fixture with
//! every shipped rule are compared with output committed in `tests/expected/`, and the headline
//! rows of the five shipped scenarios at a few runs with `tests/expected/scenarios.headlines.csv`:
//! the numbers themselves, readable in a diff, and without provenance, so that editing a comment
//! in a scenario moves nothing.
//!
//! A change that moves a figure on purpose re-blesses the expected files with
//! `KLOOF_BLESS=1 cargo test --test pinned` (exactly `1`, and never where `CI` is set) and says
//! why in its commit; any other difference is a regression.

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

/// Whether this run re-blesses the expected files: `KLOOF_BLESS=1` outside CI. Any other value
/// is a mistake that would otherwise rewrite the files and pass without comparing.
fn blessing() -> bool {
    match std::env::var("KLOOF_BLESS") {
        Err(_) => false,
        Ok(v) if v == "1" => {
            assert!(
                std::env::var_os("CI").is_none(),
                "KLOOF_BLESS=1 under CI: bless on a development machine and commit the files"
            );
            true
        }
        Ok(v) => panic!("KLOOF_BLESS={v}: set it to exactly 1 to re-bless, or unset it"),
    }
}

fn compare(name: &str, actual: &str) {
    let path = Path::new(EXPECTED).join(name);
    if blessing() {
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

/// The metrics whose rows stand for a scenario's results: the gaps, unmet care, cost, savings,
/// all partners' money and net benefit, the care gained, how often everyone gains.
const HEADLINES: [&str; 9] = [
    "gap.fte",
    "gap.eur",
    "unmet.eur.total",
    "cost.eur.total",
    "savings.eur.cumulative",
    "network.net",
    "network.benefit",
    "care.gained.fte_years",
    "partners.all_gain",
];

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
fn shipped_scenarios_keep_their_headline_figures() {
    let mut rows = String::from("scenario,variant,metric,year,mean,sd,p5,p25,p50,p75,p95\n");
    for name in [
        "zoetermeer",
        "ruwaard",
        "samen-gezond-roermond",
        "stad-en-ommeland",
        "nl",
    ] {
        let (csv, _) = results(
            &format!("scenarios/{name}.yaml"),
            Options {
                runs: Some(24),
                batch_size: Some(10),
                ..Options::default()
            },
        );
        for line in csv.lines().skip(1) {
            if line
                .split(',')
                .nth(1)
                .is_some_and(|m| HEADLINES.contains(&m))
            {
                rows += &format!("{name},{line}\n");
            }
        }
    }
    compare("scenarios.headlines.csv", &rows);
}

/// A comment edited in a shipped scenario moves no pinned figure: the pins hold numbers, not
/// the files' hashes.
#[test]
fn a_comment_edit_moves_no_pinned_figure() {
    let options = || Options {
        runs: Some(24),
        batch_size: Some(10),
        ..Options::default()
    };
    let plain = source("scenarios/zoetermeer.yaml");
    let mut commented = plain.clone();
    commented.text = format!(
        "# an edited comment\n{}",
        plain.text.replace("# assumption", "# an assumption")
    );
    assert_ne!(plain.text, commented.text);
    let csv = |s: &Source| {
        let study = study::run(s, &options(), &|_| {}).unwrap_or_else(|e| panic!("{e}"));
        let dir = common::report(&study);
        std::fs::read_to_string(dir.path().join("results.csv")).expect("csv")
    };
    assert_eq!(csv(&plain), csv(&commented));
}
