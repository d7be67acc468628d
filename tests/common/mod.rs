//! Helpers shared by the integration tests.
#![allow(dead_code)]

use kloof::study::{self, Options, Source, Study};

/// The shipped scenarios, by file stem.
pub const SHIPPED: [&str; 5] = [
    "zoetermeer",
    "samen-gezond-roermond",
    "stad-en-ommeland",
    "ruwaard",
    "nl",
];

pub fn fixture(name: &str) -> Source {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    Source::read(std::path::Path::new(&path)).expect("fixture readable")
}

pub fn scenario(name: &str) -> Source {
    let path = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    Source::read(std::path::Path::new(&path)).expect("scenario readable")
}

pub fn run(source: &Source, options: Options) -> Study {
    study::run(source, &options, &|_| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// The value of a metric in one run and year.
pub fn value(study: &Study, v: &str, metric: &str, year: i32, run: usize) -> f64 {
    study
        .outcomes
        .get(v, metric, year)
        .unwrap_or_else(|| panic!("no {metric} {year}"))[run]
}

pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-12)
}

/// The study's report written into a fresh temporary folder (removed when dropped).
pub fn report(study: &Study) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    kloof::report::write(
        dir.path(),
        &study.manifest,
        &study.outcomes,
        &kloof::report::About::of(&study.scenario, &study.outcomes),
        true,
        kloof::report::Lang::Nl,
    )
    .expect("report written");
    dir
}
