//! The board's report of the analyses beyond `run` (issue 25): `kloof fairness`, `kloof
//! sensitivity` and `kloof evpi` write `brief.md`, `report.html` (with its charts) and
//! `report.xlsx` beside their own files, in the language asked for, and the workbook holds
//! the figures of the analysis's CSV or JSON as numbers.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `kloof args... --quiet --out DIR` from the repository's root and returns what it wrote,
/// by file name.
fn written(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_kloof"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .args(["--quiet", "--out"])
        .arg(dir)
        .output()
        .expect("kloof runs");
    assert!(
        out.status.success(),
        "kloof {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("report folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn scenario(relative: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(relative)
        .to_string_lossy()
        .into_owned()
}

/// The HTML report's checks: one offline page in `lang` whose charts are non-empty SVG with
/// the titles `titles`, in that order.
fn charts_in(dir: &Path, lang: &str, titles: &[&str]) {
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(html.starts_with(&format!("<!DOCTYPE html>\n<html lang=\"{lang}\">")));
    let svgs: Vec<&str> = html.split("<svg ").skip(1).collect();
    assert_eq!(svgs.len(), titles.len(), "{html}");
    for (svg, title) in svgs.iter().zip(titles) {
        let svg = &svg[..svg.find("</svg>").expect("closed")];
        assert!(
            svg.contains(&format!("<title>{title}</title>")),
            "{title}\n{svg}"
        );
        assert!(svg.contains("<rect x="), "{title}: no bars\n{svg}");
        assert!(!svg.contains("NaN"), "{title}");
    }
    common::assert_offline(&html);
}

use common::part;

/// The workbook's sheet named `name`: its position among the sheets gives its part.
fn sheet(dir: &Path, name: &str) -> String {
    let xlsx = std::fs::read(dir.join("report.xlsx")).expect("report.xlsx");
    let workbook = part(&xlsx, "xl/workbook.xml");
    let names: Vec<&str> = workbook
        .split("<sheet name=\"")
        .skip(1)
        .map(|s| s.split('"').next().expect("name"))
        .collect();
    let i = names.iter().position(|n| *n == name).expect(name);
    assert_eq!(names.last(), Some(&"Manifest"), "{names:?}");
    part(&xlsx, &format!("xl/worksheets/sheet{}.xml", i + 1))
}

/// The numbers of row `row` (1-based) of a sheet's XML, in column order.
fn numbers(sheet: &str, row: usize) -> Vec<f64> {
    let start = sheet.find(&format!("<row r=\"{row}\"")).expect("row");
    let end = start + sheet[start..].find("</row>").expect("row end");
    sheet[start..end]
        .split("<c r=\"")
        .skip(1)
        .filter(|c| !c.contains("t=\"s\""))
        .filter_map(|c| c.split("<v>").nth(1)?.split("</v>").next()?.parse().ok())
        .collect()
}

fn json(dir: &Path, file: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(file)).expect(file);
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn fairness_writes_the_board_report_with_the_split_beside_shapley() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("fairness");
    let files = written(&dir, &["fairness", "--runs", "30"]);
    assert_eq!(
        files,
        [
            "brief.md",
            "fairness.json",
            "fairness.md",
            "manifest.json",
            "report.html",
            "report.xlsx"
        ]
    );
    let brief = std::fs::read_to_string(dir.join("brief.md")).expect("brief");
    assert!(brief.contains("## Bestuurlijke samenvatting"), "{brief}");
    assert!(brief.contains("| Gemeente Zoetermeer |"), "{brief}");
    assert!(brief.contains("## Bijlage voor analisten"), "{brief}");
    charts_in(
        &dir,
        "nl",
        &[
            "Afgesproken verdeling per partner, 2024–2030",
            "Shapley-waarde per partner, 2024–2030",
            "Verschil per partner: afspraak min Shapley-waarde",
        ],
    );
    // The first partner's agreed and Shapley medians, as fairness.json has them.
    let f = json(&dir, "fairness.json");
    let first = &f["players"][0];
    let row = numbers(&sheet(&dir, "Verdeling per partner"), 2);
    assert_eq!(row[0], first["agreed"]["p50"].as_f64().expect("agreed"));
    assert_eq!(row[1], first["shapley"]["p50"].as_f64().expect("shapley"));
}

#[test]
fn sensitivity_writes_the_board_report_with_a_tornado_in_english() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("sensitivity");
    let zoetermeer = scenario("zoetermeer.yaml");
    let args = [
        "sensitivity",
        &zoetermeer,
        "--metric",
        "gap.fte",
        "--runs",
        "100",
        "--lang",
        "en",
    ];
    let files = written(&dir, &args);
    for f in ["brief.md", "report.html", "report.xlsx", "sensitivity.csv"] {
        assert!(files.iter().any(|n| n == f), "{f} missing: {files:?}");
    }
    let brief = std::fs::read_to_string(dir.join("brief.md")).expect("brief");
    assert!(brief.contains("## Summary for the board"), "{brief}");
    assert!(brief.contains("## Appendix for analysts"), "{brief}");
    charts_in(&dir, "en", &["What moves the staff gap in 2030"]);
    // The appendix sheet is sensitivity.csv, number for number: its first input's row.
    let csv = std::fs::read_to_string(dir.join("sensitivity.csv")).expect("csv");
    let line = csv.lines().nth(1).expect("an input");
    let fields: Vec<f64> = line
        .split(',')
        .skip(1)
        .map(|f| f.parse().expect("number"))
        .collect();
    // CSV: rank correlation, at P10, at P90, swing, Sobol; the sheet: P10, P90, swing,
    // rank correlation, Sobol.
    let expected = [fields[1], fields[2], fields[3], fields[0], fields[4]];
    assert_eq!(numbers(&sheet(&dir, "Appendix for analysts"), 2), expected);
}

#[test]
fn evpi_writes_the_board_report_with_the_worth_of_knowing_each_input() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("evpi");
    let (go, stop) = (
        scenario("overlays/stad-en-ommeland-go.yaml"),
        scenario("overlays/stad-en-ommeland-stop.yaml"),
    );
    // On the savings so far, knowing single inputs is worth something at 200 runs.
    let args = [
        "evpi",
        &go,
        &stop,
        "--metric",
        "savings.eur.cumulative",
        "--runs",
        "200",
    ];
    let files = written(&dir, &args);
    for f in [
        "brief.md",
        "report.html",
        "report.xlsx",
        "voi.json",
        "voi.md",
    ] {
        assert!(files.iter().any(|n| n == f), "{f} missing: {files:?}");
    }
    let brief = std::fs::read_to_string(dir.join("brief.md")).expect("brief");
    assert!(brief.contains("## Bestuurlijke samenvatting"), "{brief}");
    assert!(
        brief.contains("Het bestuur kiest tussen go of stop"),
        "{brief}"
    );
    charts_in(
        &dir,
        "nl",
        &[
            "Waarde van informatie per onzekere invoer",
            "Waarde van alles weten, naar de waarde van zorg",
        ],
    );
    // Each decision's expected value, as voi.json has it.
    let v = json(&dir, "voi.json");
    let sheet = sheet(&dir, "De besluiten");
    for (i, d) in v["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .enumerate()
    {
        assert_eq!(numbers(&sheet, i + 2), [d[1].as_f64().expect("expected")]);
    }
}
