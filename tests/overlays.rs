//! Overlays: a base scenario changed by path. An overlay that changes nothing gives the base's
//! results bit for bit; one that changes the sharing key leaves every input it does not touch
//! (and so the baseline) as it was; removing a rule leaves the others' random streams alone;
//! a bad path, type or partner is an error naming the overlay's file, line and key.

mod common;

use common::run;
use kloof::study::{Options, Source};
use kloof::variant::{BASELINE, NETWORK};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn base() -> String {
    format!("{}/scenarios/ruwaard.yaml", env!("CARGO_MANIFEST_DIR"))
}

fn opts() -> Options {
    Options {
        runs: Some(50),
        ..Options::default()
    }
}

fn bits(s: &kloof::study::Study, variant: &str) -> Vec<(String, Vec<u64>)> {
    let o = &s.outcomes;
    o.catalogue
        .series
        .iter()
        .filter(|x| x.variant == variant)
        .flat_map(|x| {
            o.years.iter().map(move |y| {
                (
                    format!("{} {y}", x.metric),
                    o.get(variant, &x.metric, *y)
                        .expect("series")
                        .iter()
                        .map(|v| v.to_bits())
                        .collect(),
                )
            })
        })
        .collect()
}

#[test]
fn an_overlay_that_changes_nothing_gives_the_base_results_bit_for_bit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(dir.path(), "same.yaml", &format!("base: {}\n", base()));
    let same = run(&Source::read(&p).expect("overlay"), opts());
    let plain = run(
        &Source::read(std::path::Path::new(&base())).expect("base"),
        opts(),
    );
    for v in [BASELINE, NETWORK] {
        assert_eq!(bits(&same, v), bits(&plain, v), "{v}");
    }
    assert_eq!(same.scenario.name, "same");
}

#[test]
fn another_key_changes_the_shares_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(
        dir.path(),
        "half.yaml",
        &format!(
            "base: {}\nset:\n  rules.shared_savings.params.residents: 0.5\n  rules.shared_savings.params.providers: 0.25\n",
            base()
        ),
    );
    let half = run(&Source::read(&p).expect("overlay"), opts());
    let plain = run(
        &Source::read(std::path::Path::new(&base())).expect("base"),
        opts(),
    );
    assert_eq!(bits(&half, BASELINE), bits(&plain, BASELINE));
    let h = half.manifest.provenance.horizon;
    let got = |s: &kloof::study::Study| -> f64 {
        (2018..=h)
            .map(|y| {
                s.outcomes
                    .get(NETWORK, "partner.wijkbewoners.received", y)
                    .expect("residents")
                    .iter()
                    .sum::<f64>()
            })
            .sum()
    };
    // Half instead of a third of the same savings: 1.5 times as much, to the cents of rounding.
    let (a, b) = (got(&plain), got(&half));
    assert!(a > 0.0);
    assert!((b / a - 1.5).abs() < 1e-3, "{b} / {a}");
}

#[test]
fn removing_a_rule_leaves_the_random_streams_of_the_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let so = format!(
        "{}/scenarios/stad-en-ommeland.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let p = write(
        dir.path(),
        "no-carry.yaml",
        &format!("base: {so}\nremove: [rules.transition_budget]\n"),
    );
    let keys = |s: &Source| -> Vec<String> {
        let scenario = s.parse().expect("valid");
        let m = kloof::model::Model::compile(&scenario, scenario.region.horizon);
        m.inputs
            .iter()
            .map(|i| i.key.clone())
            .filter(|k| k.starts_with("rules.") && !k.starts_with("rules.transition_budget"))
            .collect()
    };
    let with = keys(&Source::read(std::path::Path::new(&so)).expect("base"));
    let without = keys(&Source::read(&p).expect("overlay"));
    assert!(
        with.iter()
            .any(|k| k == "rules.go_no_go.params.observe.noise")
    );
    assert_eq!(with, without);
}

#[test]
fn a_partner_that_does_not_take_part_receives_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(
        dir.path(),
        "without.yaml",
        &format!("base: {}\nnot_taking_part: [thuiszorg]\n", base()),
    );
    let s = run(&Source::read(&p).expect("overlay"), opts());
    for y in s.outcomes.years.clone() {
        let got = s
            .outcomes
            .get(NETWORK, "partner.thuiszorg.received", y)
            .expect("received");
        assert!(got.iter().all(|x| *x == 0.0), "{y}");
    }
}

#[test]
fn bad_overlays_name_file_line_and_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (body, line, says) in [
        (
            "set:\n  rules.shared_savingz.params.residents: 0.5\n",
            3,
            "has no item `shared_savingz`",
        ),
        (
            "set:\n  rules.shared_savings.params.residents: half\n",
            3,
            "is a number in the base",
        ),
        (
            "set:\n  rules.shared_savings.params.residentz: 0.5\n",
            3,
            "reads no parameter `residentz`",
        ),
        ("set:\n  region.horizon: 1900\n", 3, "horizon 1900"),
        ("remove: [partners.nobody]\n", 2, "nothing named `nobody`"),
        ("not_taking_part: [nobody]\n", 2, "no partner `nobody`"),
    ] {
        let p = write(dir.path(), "bad.yaml", &format!("base: {}\n{body}", base()));
        let e = Source::read(&p).expect_err(body).to_string();
        assert!(e.contains(&format!("bad.yaml:{line}:")), "{e}");
        assert!(e.contains(says), "{e}");
    }
    let first = write(dir.path(), "first.yaml", &format!("base: {}\n", base()));
    let p = write(
        dir.path(),
        "chain.yaml",
        &format!("base: {}\n", first.display()),
    );
    let e = Source::read(&p).expect_err("chain").to_string();
    assert!(
        e.contains("chain.yaml:1:") && e.contains("is an overlay itself"),
        "{e}"
    );
}
