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

/// Checks that a report.html loads nothing from elsewhere: its content security policy forbids
/// it, no link, import or source names another file (the SVG namespace is a name, not a link),
/// and its one script is the page's self-check, which fetches nothing.
pub fn assert_offline(html: &str) {
    assert!(html.contains("content=\"default-src 'none';"), "no policy");
    assert_eq!(html.matches("<script").count(), 1, "one script");
    let script = html
        .split_once("<script>")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(s, _)| s)
        .expect("the self-check");
    assert!(script.contains("dataset.check"), "{script}");
    let own = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace(script, "");
    for outside in [
        "http://", "https://", "<link", "@import", "src=", "NaN", "fetch(", "XMLHttp",
    ] {
        assert!(
            !own.contains(outside) && !script.contains(outside),
            "{outside}"
        );
    }
}

/// One part of an XLSX workbook (a zip of XML parts) as text.
pub fn part(xlsx: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("a zip");
    let mut text = String::new();
    zip.by_name(name)
        .expect(name)
        .read_to_string(&mut text)
        .expect("utf-8");
    text
}

/// Every file of report folder `a` equals `b`'s; `manifest.json` with its wall time left
/// out (a merged study against an unsharded run).
pub fn assert_same_report(a: &std::path::Path, b: &std::path::Path) {
    let mut names: Vec<String> = std::fs::read_dir(a)
        .expect("report")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut theirs: Vec<String> = std::fs::read_dir(b)
        .expect("report")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    theirs.sort();
    assert_eq!(names, theirs);
    let without_wall_time = |bytes: Vec<u8>| -> String {
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.contains("wall_time_seconds"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for n in &names {
        let (x, y) = (
            std::fs::read(a.join(n)).expect("file"),
            std::fs::read(b.join(n)).expect("file"),
        );
        if n == "manifest.json" {
            assert_eq!(without_wall_time(x), without_wall_time(y), "{n}");
        } else {
            assert!(
                x == y,
                "{n} differs between the unsharded run and the merged shards"
            );
        }
    }
}
