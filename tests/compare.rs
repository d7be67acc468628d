//! `kloof compare`: variants under the same draws. A scenario compared with itself differs by
//! exactly zero; another sharing key moves money between exactly the partners it names, in
//! every run, with a paired interval far narrower than the two it comes from.

mod common;

use std::process::Command;

use kloof::study::{Options, Source};

fn read(relative: &str) -> Source {
    let p = format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"));
    Source::read(std::path::Path::new(&p)).expect("readable")
}

fn options() -> Options {
    Options {
        runs: Some(200),
        ..Options::default()
    }
}

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let s = read("scenarios/samen-gezond-roermond.yaml");
    let (_, c) = kloof::compare::run(&[s.clone(), s], &options(), &|_| {}).expect("compares");
    for r in &c.rows {
        let d = r.variants[1].difference.expect("difference");
        assert_eq!([d.mean, d.p5, d.p95], [0.0; 3], "{}", r.label);
    }
    for p in &c.partners {
        let d = p.position[1]
            .as_ref()
            .and_then(|f| f.difference)
            .expect("difference");
        assert_eq!([d.mean, d.p5, d.p95], [0.0; 3], "{}", p.partner);
    }
}

#[test]
fn another_key_moves_money_between_the_partners_it_names_in_every_run() {
    let a = read("scenarios/ruwaard.yaml");
    let b = read("scenarios/overlays/ruwaard-residents-half.yaml");
    let (studies, c) = kloof::compare::run(&[a, b], &options(), &|_| {}).expect("compares");
    assert_eq!(
        studies[0].manifest.provenance.seed,
        studies[1].manifest.provenance.seed
    );
    let row = |id: &str| c.partners.iter().find(|p| p.partner == id).expect(id);
    // The residents get half instead of a third of the savings: never less, more whenever
    // there is a saving; the financier (the neighbourhood budget, consolidated with the rest
    // of Gemeente Oss as one legal entity) and the providers give it up.
    let residents = row("wijkbewoners").position[1].as_ref().expect("figure");
    let d = residents.difference.expect("difference");
    assert!(d.p5 >= 0.0 && d.mean > 0.0, "{d:?}");
    for id in ["gemeente_oss", "wmo_aanbieder", "welzijnsorganisatie"] {
        let d = row(id).position[1]
            .as_ref()
            .and_then(|f| f.difference)
            .expect(id);
        assert!(d.p95 <= 0.0 && d.mean < 0.0, "{id}: {d:?}");
    }
    // Nothing else changes: the care, its cost, and the partners the key does not name.
    for r in &c.rows {
        let d = r.variants[1].difference.expect("difference");
        assert!(
            d.p5.abs() < 1e-6 && d.p95.abs() < 1e-6,
            "{}: {d:?}",
            r.label
        );
    }
    for id in ["zorgverzekeraars", "thuiszorg", "ggd"] {
        let d = row(id).position[1]
            .as_ref()
            .and_then(|f| f.difference)
            .expect(id);
        assert!(d.p5.abs() < 1e-6 && d.p95.abs() < 1e-6, "{id}: {d:?}");
    }
    // Paired: the difference's interval is far narrower than the residents' own.
    let own = residents.summary;
    assert!((d.p95 - d.p5) < 0.5 * (own.p95 - own.p5));
}

#[test]
fn scenarios_over_different_years_are_not_compared() {
    let a = read("scenarios/ruwaard.yaml");
    let b = read("scenarios/stad-en-ommeland.yaml");
    let e = kloof::compare::run(&[a, b], &options(), &|_| {}).expect_err("different years");
    assert!(
        e.to_string()
            .contains("compare scenarios over the same years"),
        "{e}"
    );
}

#[test]
fn kloof_compare_writes_its_report_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("cmp");
    let status = Command::new(env!("CARGO_BIN_EXE_kloof"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "compare",
            "scenarios/ruwaard.yaml",
            "scenarios/overlays/ruwaard-residents-half.yaml",
            "--runs",
            "40",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .status()
        .expect("runs");
    assert!(status.success());
    for f in ["compare.md", "compare.csv", "compare.json", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let csv = std::fs::read_to_string(out.join("compare.csv")).expect("csv");
    assert!(csv.starts_with("figure,scenario,kind,unit,mean,p5,p50,p95\n"));
    assert!(csv.contains("partner.wijkbewoners.net,ruwaard-residents-half,difference,EUR,"));
}
