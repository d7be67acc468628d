//! The rules host as analysts meet it: shipped rule tests, money conservation and batch-size
//! independence with every rule, and errors that name file, line, column, run and year.

mod common;

use common::{fixture, run};
use kloof::study::{self, Options, Source};
use kloof::variant::NETWORK;

#[test]
fn every_shipped_rule_has_passing_tests() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/tests");
    let results =
        kloof::rules::testing::run_dir(std::path::Path::new(dir)).expect("rule tests readable");
    for r in &results {
        assert!(
            r.differences.is_empty(),
            "{} :: {}\n{}",
            r.file.display(),
            r.name,
            r.differences.join("\n")
        );
    }
    for rule in kloof::rules::LIBRARY.map(|(name, _)| name) {
        let stem = rule.trim_end_matches(".rhai");
        let cases = results
            .iter()
            .filter(|r| r.file.file_stem().and_then(|s| s.to_str()) == Some(stem))
            .count();
        assert!(cases >= 3, "{rule} has {cases} test cases");
    }
}

#[test]
fn money_is_conserved_in_every_run_with_every_rule() {
    let s = run(&fixture("agreement.yaml"), Options::default());
    for y in 2024..=2030 {
        let imbalance = s
            .outcomes
            .get(NETWORK, "ledger.imbalance", y)
            .expect("metric");
        assert!(imbalance.iter().all(|x| *x == 0.0));
    }
    // The rules did move money: residents received shared savings in some run.
    let received: f64 = (2024..=2030)
        .map(|y| {
            s.outcomes
                .get(NETWORK, "partner.residents.received", y)
                .expect("metric")
                .iter()
                .sum::<f64>()
        })
        .sum();
    assert!(received > 0.0);
}

fn csv(options: Options) -> String {
    let s = run(&fixture("agreement.yaml"), options);
    kloof::report::rows(&s.outcomes)
        .iter()
        .map(|r| format!("{r:?}\n"))
        .collect()
}

#[test]
fn rules_give_the_same_results_whatever_the_batch_size_or_threads() {
    let one = csv(Options {
        batch_size: Some(1),
        threads: Some(1),
        runs: Some(60),
        ..Options::default()
    });
    let small = csv(Options {
        batch_size: Some(7),
        threads: Some(2),
        runs: Some(60),
        ..Options::default()
    });
    let whole = csv(Options {
        batch_size: Some(4096),
        runs: Some(60),
        ..Options::default()
    });
    assert_eq!(one, small);
    assert_eq!(one, whole);
}

fn bad(name: &str) -> String {
    let source = fixture(&format!("bad_rules/{name}.yaml"));
    match study::run(&source, &Options::default(), &|_| {}) {
        Ok(_) => panic!("{name} must fail"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn all_broken_rule_files_are_reported_at_once_with_positions() {
    let e = bad("two-broken");
    assert!(e.contains("syntax.rhai:4:"), "{e}");
    assert!(
        e.contains("missing.rhai") && e.contains("cannot read"),
        "{e}"
    );
    assert!(e.contains("let y = ;"), "shows the source line: {e}");
}

#[test]
fn a_runtime_error_names_file_line_hook_run_and_year() {
    let e = bad("runtime");
    assert!(e.contains("runtime.rhai:4:"), "{e}");
    assert!(
        e.contains("on_settle") && e.contains("year 2026") && e.contains("run 0"),
        "{e}"
    );
    assert!(e.contains("nobody"), "{e}");
}

#[test]
fn a_negative_payment_fails_loudly_in_the_first_run_that_makes_it() {
    let e = bad("negative");
    assert!(
        e.contains("negative.rhai:3:") && e.contains("year 2024"),
        "{e}"
    );
    // The run named is the first whose drawn amount is negative: check it by the draws.
    let run: u64 = e
        .split("run ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|r| r.parse().ok())
        .expect("run number");
    let q = kloof::sampling::Quantity::new(
        kloof::sampling::Dist::Uniform {
            low: -1.0,
            high: 100.0,
        },
        false,
    )
    .expect("dist");
    let key = kloof::sampling::key_hash("rules.0.negative.params.amount");
    let draw = |r: u64| q.sample(&mut kloof::sampling::stream(11, r, key, None));
    assert!(draw(run) < 0.0, "run {run} drew {}", draw(run));
    assert!((0..run).all(|r| draw(r) >= 0.0));
}

#[test]
fn explain_lists_the_entries_of_one_run_and_year_with_rule_lines() {
    let source = fixture("agreement.yaml");
    let entries = study::explain(&source, 3, 2026, None, None).expect("explains");
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e.run == 3 && e.year == 2026));
    assert!(
        entries
            .iter()
            .any(|e| e.origin.rule.ends_with("wijkbudget.rhai") && e.origin.line > 0)
    );
    for e in &entries {
        assert!((e.from_before - e.amount - e.from_after).abs() < 0.005);
        assert!((e.to_before + e.amount - e.to_after).abs() < 0.005);
    }
    // The same run inside a full study moves the same money.
    let s = run(
        &source,
        Options {
            runs: Some(5),
            ..Options::default()
        },
    );
    let received: f64 = entries
        .iter()
        .filter(|e| e.to == "residents")
        .map(|e| e.amount)
        .sum();
    let metric = s
        .outcomes
        .get(NETWORK, "partner.residents.received", 2026)
        .expect("metric")[3];
    assert!((received - metric).abs() < 0.005, "{received} vs {metric}");
}

#[test]
fn the_embedded_default_scenario_runs_its_rules_from_the_embedded_library() {
    let s = study::run(
        &Source::embedded_default(),
        &Options {
            runs: Some(50),
            ..Options::default()
        },
        &|_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.manifest.provenance.rules.len(), s.scenario.rules.len());
}
