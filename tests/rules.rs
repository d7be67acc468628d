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
    let key = kloof::sampling::key_hash("rules.negative.params.amount");
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

/// Runs the tiny fixture with one rule, `rule.rhai` written from `source`, with `params`
/// (YAML flow map) and `runs` runs: the study's error, if any, as text.
fn with_rule(source: &str, params: &str, runs: u64) -> Result<study::Study, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("rule.rhai"), source).expect("write");
    let tiny = include_str!("fixtures/tiny.yaml");
    let scenario = format!("{tiny}rules:\n  - file: rule.rhai\n    params: {params}\n");
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, scenario).expect("write");
    let source = Source::read(&path).expect("readable");
    let options = Options {
        runs: Some(runs),
        ..Options::default()
    };
    study::run(&source, &options, &|_| {}).map_err(|e| e.to_string())
}

/// A five-line rule filling an array with batch values once reached 3.8 GB: now it stops at
/// the line where it passes the limit, quickly, whatever the batch size.
#[test]
fn a_rule_hoarding_batch_values_stops_with_its_file_and_line() {
    let hoard = "fn on_year(s) {\n    let hoard = [];\n    loop {\n        hoard.push(s.cost.total * 1.0);\n    }\n}\n";
    let e = with_rule(hoard, "{}", 2048).expect_err("must fail");
    assert!(e.contains("rule.rhai:4:"), "{e}");
    assert!(e.contains("more than 5000 batch values"), "{e}");
    assert!(e.contains("hook on_year") && e.contains("run 0"), "{e}");
    // A map and `remember` are held to the same limits.
    let map = "fn on_year(s) {\n    let m = #{};\n    for i in 0..100000 { m[`k${i}`] = s.savings + 1; }\n}\n";
    let e = with_rule(map, "{}", 3).expect_err("must fail");
    assert!(
        e.contains("rule.rhai:3:") && e.contains("batch values"),
        "{e}"
    );
    let names = "fn on_year(s) {\n    for i in 0..100000 { remember(`k${i}`, 1); }\n}\n";
    let e = with_rule(names, "{}", 3).expect_err("must fail");
    assert!(
        e.contains("rule.rhai:2:") && e.contains("remember at most 1000 names"),
        "{e}"
    );
}

/// A rule paying EUR 1 bn from `outside` once showed as savings in 100 % of runs.
#[test]
fn money_from_outside_is_an_error_unless_the_scenario_allows_it() {
    let gift = "fn on_settle(s) {\n    pay(\"outside\", \"town\", 1e9, \"a gift\");\n}\n";
    let e = with_rule(gift, "{}", 3).expect_err("must fail");
    assert!(e.contains("rule.rhai:2:5"), "{e}");
    assert!(
        e.contains("from `outside` to `town`") && e.contains("year 2024") && e.contains("run 0"),
        "{e}"
    );
    assert!(e.contains("allow: [money_from_outside]"), "{e}");
    let s = with_rule(gift, "{allow: [money_from_outside]}", 3).expect("allowed");
    let received = common::value(&s, NETWORK, "partner.town.received", 2024, 0);
    assert_eq!(received, 1e9);
    // Paying out of the network stays allowed; zero from outside moves nothing and is fine.
    let out = "fn on_settle(s) {\n    pay(\"town\", \"outside\", 10, \"fee\");\n    pay(\"outside\", \"town\", 0, \"nothing\");\n}\n";
    with_rule(out, "{}", 3).expect("allowed");
}

#[test]
fn withdrawals_from_interventions_are_errors_unless_allowed() {
    let claw = "fn on_settle(s) {\n    pay(\"interventions\", \"town\", 1, \"claw back\");\n}\n";
    let e = with_rule(claw, "{}", 3).expect_err("must fail");
    assert!(
        e.contains("rule.rhai:2:5") && e.contains("from `interventions`"),
        "{e}"
    );
    let e = with_rule(claw, "{allow: [everything]}", 3).expect_err("unknown allowance");
    assert!(e.contains("unknown allowance"), "{e}");
    // Allowed, a rule may take back what was spent on interventions bought outside, and no
    // more: clawing back EUR 1e9 of the 5,000 spent once read as savings in 100 % of runs.
    let back = |amount: &str| {
        format!(
            "fn on_settle(s) {{\n    if s.year == 2025 {{ pay(\"interventions\", \"town\", {amount}, \"claw back\"); }}\n}}\n"
        )
    };
    let allowed = "{allow: [withdrawals_from_interventions]}";
    with_rule(&back("1000"), allowed, 3).expect("within what was spent");
    let e = with_rule(&back("1e9"), allowed, 3).expect_err("beyond what was spent");
    assert!(
        e.contains("rule.rhai:2:") && e.contains("where only EUR 5000") && e.contains("2025"),
        "{e}"
    );
    // Before anything was spent there, nothing can come back (beyond a euro of rounding).
    let early = claw.replace(", 1, ", ", 5, ");
    let e = with_rule(&early, allowed, 3).expect_err("nothing spent in 2024");
    assert!(e.contains("where only EUR 0") && e.contains("2024"), "{e}");
}

#[test]
fn funds_cannot_be_overdrawn_unless_the_rule_declares_an_overdraft() {
    let borrow = "fn on_settle(s) {\n    withdraw(\"reserve\", \"town\", 500, \"advance\");\n}\n";
    let e = with_rule(borrow, "{}", 3).expect_err("must fail");
    assert!(e.contains("rule.rhai:2:5") && e.contains("overdraw"), "{e}");
    assert!(e.contains("allow_overdraft"), "{e}");
    // Declared: up to EUR 1,200, so two years of 500 pass and the third is refused.
    let declared =
        format!("fn on_start(s) {{\n    allow_overdraft(\"reserve\", 1200);\n}}\n{borrow}");
    let e = with_rule(&declared, "{}", 3).expect_err("third year overdraws");
    assert!(
        e.contains("beyond its overdraft of EUR 1200.00") && e.contains("year 2026"),
        "{e}"
    );
    let declared = declared.replace("1200", "1500");
    let s = with_rule(&declared, "{}", 3).expect("within the overdraft");
    assert_eq!(
        common::value(&s, NETWORK, "fund.reserve.eur", 2026, 0),
        -1500.0
    );
    // The town's advance is the network's debt, not its gain: an overdraft never repaid once
    // made "all partners together" EUR +35 bn while the fund sat at -35 bn.
    let v = |m: &str| common::value(&s, NETWORK, m, 2026, 0);
    let positions = v("partner.town.net") + v("partner.clinic.net");
    assert!((v("network.net") - (positions - 1500.0)).abs() < 0.005);
    assert!(
        v("partner.town.net") >= 1500.0 - 0.005,
        "the town received the advance"
    );
}

/// A number where a rule decides once fired events and stopped programmes in every run (NaN,
/// 2 and -1 read as true), and `to_int(NaN)` gave 0: each is now an error at its line, with
/// the hook, run and year.
#[test]
fn a_condition_that_is_not_true_or_false_is_an_error_at_its_line() {
    let cases = [
        (
            "fn on_settle(s) {\n    let x = s.savings / 0.0 * 0.0;\n    event(\"odd\", x);\n}\n",
            "rule.rhai:3:",
            "the condition is NaN",
        ),
        (
            "fn on_settle(s) {\n    event(\"odd\", 2);\n}\n",
            "rule.rhai:2:",
            "the condition is 2",
        ),
        (
            "fn on_settle(s) {\n\n    stop_investing(-1);\n}\n",
            "rule.rhai:3:",
            "stop_investing: the condition is -1",
        ),
        (
            "fn on_settle(s) {\n    let y = to_int(0.0 / 0.0);\n}\n",
            "rule.rhai:2:",
            "to_int(NaN): not a whole number",
        ),
    ];
    for (rule, at, what) in cases {
        let e = with_rule(rule, "{}", 3).expect_err("must fail");
        assert!(e.contains(at) && e.contains(what), "{rule}: {e}");
        assert!(
            e.contains("on_settle") && e.contains("run 0") && e.contains("2024"),
            "{e}"
        );
    }
    // True and false still decide.
    let fine = "fn on_settle(s) {\n    event(\"saved\", s.savings > 0);\n    stop_investing(s.year > 2030);\n}\n";
    assert!(with_rule(fine, "{}", 3).is_ok());
}

/// `scale_demand(…, 1e300)` once made demand infinite and printed a 300-digit unmet-care
/// amount; `tally(…, -5e300)` did the same in the tally table. Both are errors at their line.
#[test]
fn amounts_a_rule_passes_are_bounded() {
    let scale = "fn on_year(s) {\n    scale_demand(\"care\", 1e300, \"boom\");\n}\n";
    let e = with_rule(scale, "{}", 3).expect_err("must fail");
    assert!(
        e.contains("rule.rhai:2:") && e.contains("from 0 to 10"),
        "{e}"
    );
    let tally = "fn on_settle(s) {\n    tally(\"t\", \"town\", -5e300);\n}\n";
    let e = with_rule(tally, "{}", 3).expect_err("must fail");
    assert!(
        e.contains("rule.rhai:2:") && e.contains("at most EUR 1e13"),
        "{e}"
    );
    let fine = "fn on_year(s) {\n    scale_demand(\"care\", 1.05, \"waterbed\");\n}\n";
    assert!(with_rule(fine, "{}", 3).is_ok());
}

/// A rule named through a link, or a rule test naming a file that is not a rule, must not have
/// that file's first line quoted in a syntax error.
#[test]
fn a_rule_is_read_only_from_a_rhai_file_itself() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "root:hunter2 is the password\n").expect("write");
    std::os::unix::fs::symlink(&secret, dir.path().join("rule.rhai")).expect("link");
    let tiny = include_str!("fixtures/tiny.yaml");
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, format!("{tiny}rules:\n  - file: rule.rhai\n")).expect("write");
    let source = Source::read(&path).expect("readable");
    let e = study::run(&source, &Options::default(), &|_| {})
        .expect_err("refused")
        .to_string();
    assert!(e.contains("not a link") && !e.contains("hunter2"), "{e}");
    // A rule test naming a text file: refused for its extension, not compiled and quoted.
    let test = dir.path().join("t.yaml");
    std::fs::write(
        &test,
        "rule: secret.txt\ncases:\n  - {name: x, hook: on_year, expect: {}}\n",
    )
    .expect("write");
    let results = kloof::rules::testing::run_dir(&test).expect("ran");
    let all: String = results.iter().flat_map(|r| r.differences.clone()).collect();
    assert!(
        all.contains("must end in `.rhai`") && !all.contains("hunter2"),
        "{all}"
    );
}
