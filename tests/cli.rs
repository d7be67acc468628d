//! The `kloof` binary as a user runs it.

use std::process::Command;

fn kloof() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kloof"))
}

#[test]
fn run_without_a_scenario_uses_the_embedded_default_from_any_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = kloof()
        .current_dir(dir.path())
        .args(["run", "--runs", "200", "--quiet"])
        .output()
        .expect("kloof runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: Vec<_> = std::fs::read_dir(dir.path().join("reports"))
        .expect("reports")
        .collect();
    assert_eq!(reports.len(), 1);
    let report = reports[0].as_ref().expect("entry").path();
    for f in [
        "results.csv",
        "results.json",
        "summary.md",
        "manifest.json",
        "value.json",
        "brief.md",
        "report.html",
        "report.xlsx",
    ] {
        assert!(report.join(f).is_file(), "{f} missing");
    }
    let names: Vec<String> = std::fs::read_dir(&report)
        .expect("report dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 8, "no temporary files left: {names:?}");
    let csv = std::fs::read_to_string(report.join("results.csv")).expect("csv");
    assert!(csv.starts_with("variant,metric,year,mean,sd,p5,p25,p50,p75,p95\n"));
    for m in [
        "population.total",
        "population.0-19",
        "population.20-64",
        "population.65+",
        "population.80+",
        "gap.fte",
        "gap.eur",
        "cost.eur.total",
        "savings.eur.total",
    ] {
        assert!(csv.contains(&format!(",{m},")), "{m} missing");
    }
    let summary = std::fs::read_to_string(report.join("summary.md")).expect("summary");
    for part in [
        "## The gap in 2030",
        "## What drives it",
        "## Who pays, who gains",
        "200 Monte Carlo runs",
    ] {
        assert!(summary.contains(part), "summary.md lacks {part:?}");
    }
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(report.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["runs"], 200);
    assert_eq!(manifest["scenario_sha256"].as_str().map(str::len), Some(64));
    assert!(manifest["kloof_version"].is_string() && manifest["wall_time_seconds"].is_number());
}

#[test]
fn a_bad_scenario_exits_1_with_file_line_and_key_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.yaml");
    let text = include_str!("fixtures/tiny.yaml").replace("inflow: 0.1,", "inflow: 2,");
    std::fs::write(&bad, text).expect("write");
    let out = kloof()
        .current_dir(dir.path())
        .args(["run", "bad.yaml", "--out", "rep"])
        .output()
        .expect("kloof runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml:33:") && err.contains("domains[0].workforce.inflow"),
        "{err}"
    );
    assert!(!dir.path().join("rep").exists());
}

#[test]
fn horizon_override_and_bad_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny.yaml");
    let out = kloof()
        .args(["run", tiny, "--horizon", "2031", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).expect("csv");
    assert!(csv.contains(",gap.fte,2031,") && !csv.contains(",2032,"));
    let out = kloof()
        .args(["run", tiny, "--horizon", "2000", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--horizon 2000"));
    // At most 60 years out, as in the scenario itself.
    let out = kloof()
        .args(["run", tiny, "--horizon", "3000", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--horizon 3000: the horizon 3000 must lie after the start year 2024 and at most 60 years after it (up to 2084)"),
        "{err}"
    );
}

#[test]
fn check_reports_every_bad_scenario_in_a_folder_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny = include_str!("fixtures/tiny.yaml");
    std::fs::write(dir.path().join("a-good.yaml"), tiny).expect("write");
    std::fs::write(
        dir.path().join("b-bad.yaml"),
        tiny.replace("inflow: 0.1,", "inflow: 2,"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("c-bad.yaml"),
        tiny.replace("financier: town", "financier: nobody"),
    )
    .expect("write");
    // A scenario's own stress shocks are checked too: line 53 names a partner it lacks.
    std::fs::write(
        dir.path().join("d-bad.yaml"),
        format!("{tiny}\nstress:\n  - name: out\n    leaves: {{nobody: 2026}}\n"),
    )
    .expect("write");
    let out = kloof().arg("check").arg(dir.path()).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ok    ") && text.contains("a-good.yaml"),
        "{text}"
    );
    assert!(
        text.contains("b-bad.yaml:33:")
            && text.contains("c-bad.yaml:26:")
            && text.contains("d-bad.yaml:54:")
            && text.contains("no partner `nobody`"),
        "{text}"
    );
    let ok = kloof()
        .arg("check")
        .arg(dir.path().join("a-good.yaml"))
        .output()
        .expect("runs");
    assert!(ok.status.success());
}

#[test]
fn test_rules_and_explain_from_the_command_line() {
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/tests");
    let out = kloof().args(["test-rules", rules]).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.trim_end().ends_with(" passed, 0 failed"), "{text}");

    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/agreement.yaml");
    let out = kloof()
        .args(["explain", scenario, "--run", "2", "--year", "2025"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Run 2, year 2025") && text.contains("wijkbudget.rhai:"),
        "{text}"
    );
    assert!(
        text.contains("fund:transition") && text.contains(" -> "),
        "{text}"
    );

    let out = kloof()
        .args(["explain", scenario, "--run", "2", "--year", "2040"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the simulated years"));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // The reading end is closed before kloof writes a byte, so every write fails with EPIPE.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = kloof()
        .args(["check", concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")])
        .stdout(writer)
        .output()
        .expect("kloof runs");
    assert_eq!(out.status.code(), Some(141));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "no message, no backtrace"
    );
}

#[test]
fn a_full_disk_on_stdout_is_a_short_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    let out = kloof()
        .args(["check", concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")])
        .stdout(full)
        .output()
        .expect("kloof runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: cannot write the output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Per-run results beyond memory go to disk; beyond the disk's free room too (a petabyte
/// here), the command stops before it simulates, with the figures.
#[test]
fn outcomes_too_large_for_memory_and_disk_stop_before_allocating() {
    for args in [
        ["--runs", "100000000000", "--horizon", "2030"],
        ["--runs", "20000000000", "--horizon", "2084"],
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = kloof()
            .current_dir(dir.path())
            .arg("run")
            .args(args)
            .arg("--quiet")
            .output()
            .expect("kloof runs");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("would take") && err.contains("GiB on disk") && err.contains("free"),
            "{err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("memory allocation"),
            "{err}"
        );
        assert!(!dir.path().join("reports").exists(), "no report");
    }
}

#[test]
fn absurd_thread_counts_are_refused() {
    let out = kloof()
        .args(["run", "--runs", "10", "--threads", "100000", "--quiet"])
        .output()
        .expect("kloof runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--threads 100000: use 1 to 1024"), "{err}");
}

#[test]
fn rule_paths_name_rhai_files_and_files_are_bounded_in_size() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny = include_str!("fixtures/tiny.yaml");
    std::fs::write(dir.path().join("secret.txt"), "SECRET first line\n").expect("write");
    let with_rule = format!("{tiny}rules:\n  - file: secret.txt\n");
    std::fs::write(dir.path().join("s.yaml"), with_rule).expect("write");
    let out = kloof()
        .arg("check")
        .arg(dir.path().join("s.yaml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(err.contains("a rule file must end in `.rhai`"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
    // A scenario above 1 MiB is refused before it is read in full.
    let big = format!("{tiny}#{}\n", "x".repeat(1 << 20));
    std::fs::write(dir.path().join("big.yaml"), big).expect("write");
    let out = kloof()
        .arg("check")
        .arg(dir.path().join("big.yaml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        err.contains("the file is larger than 1024 KiB, the most kloof reads"),
        "{err}"
    );
}

#[test]
fn check_on_a_folder_without_scenarios_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = kloof()
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("kloof runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no scenario files"), "{err}");
}

/// Issue 8, item 4: a five-line rule that fills an array with batch values once reached
/// 3.8 GB in 10 s; now `kloof run` stops it at once, naming the file and line, and exits 1.
#[test]
fn a_rule_hoarding_memory_stops_fast_with_exit_1_and_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hoard = "fn on_year(s) {\n    let hoard = [];\n    loop {\n        hoard.push(s.cost.total * 1.0);\n    }\n}\n";
    std::fs::write(dir.path().join("hoard.rhai"), hoard).expect("write");
    let tiny = include_str!("fixtures/tiny.yaml");
    std::fs::write(
        dir.path().join("s.yaml"),
        format!("{tiny}rules:\n  - file: hoard.rhai\n"),
    )
    .expect("write");
    let start = std::time::Instant::now();
    let out = kloof()
        .current_dir(dir.path())
        .args([
            "run", "s.yaml", "--runs", "10000", "--quiet", "--out", "rep",
        ])
        .output()
        .expect("kloof runs");
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hoard.rhai:4:"), "{err}");
    assert!(err.contains("more than 5000 batch values at once"), "{err}");
    assert!(!dir.path().join("rep").exists(), "no report");
}

/// Runs `kloof check` on `scenario` written beside the rule `files` (name, source) in a fresh
/// folder; the exit status, and stdout and stderr together.
fn check_in_folder(scenario: &str, files: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in files {
        std::fs::write(dir.path().join(name), source).expect("write");
    }
    std::fs::write(dir.path().join("s.yaml"), scenario).expect("write");
    let out = kloof()
        .arg("check")
        .arg(dir.path().join("s.yaml"))
        .output()
        .expect("kloof runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// `kloof check` on the tiny fixture with one rule, `rule.rhai`, and its `params`.
fn check_with_rule(rule: &str, params: &str) -> (Option<i32>, String) {
    let tiny = include_str!("fixtures/tiny.yaml");
    let scenario = format!("{tiny}rules:\n  - file: rule.rhai\n    params: {params}\n");
    check_in_folder(&scenario, &[("rule.rhai", rule)])
}

/// Issue 8, item 6: `check` passed a rule calling an undefined function or reading a missing
/// parameter, and `run` failed; now each is a check error at its line and column, all at once.
#[test]
fn check_resolves_calls_and_parameters_and_reports_them_all() {
    let rule = "fn on_year(s) {\n    let x = s.params.share * 2;\n    helpr(x);\n}\nfn on_settle(s) {\n    pay(\"town\", \"clinic\", s.params.amount);\n}\nfn helper(x) { x }\n";
    let (code, text) = check_with_rule(rule, "{share: 0.5}");
    assert_eq!(code, Some(1), "{text}");
    for part in [
        "rule.rhai:3:5",
        "no function `helpr` with 1 argument (did you mean `helper`?)",
        "rule.rhai:6:5",
        "`pay` is called with 3 arguments, but takes 4",
        "rule.rhai:6:",
        "parameter `amount`, but the scenario does not give it",
    ] {
        assert!(text.contains(part), "{part:?} missing in:\n{text}");
    }
    // A control character in an event name is refused, and printed escaped.
    let (code, text) = check_with_rule(
        "fn on_year(s) {\n    event(\"red\\x1b[31m\", 1);\n}\n",
        "{}",
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("rule.rhai:2:5") && text.contains("red\\u{1b}[31m"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text}");
}

/// What shows only when a hook runs is found by the dry run `check` ends with.
#[test]
fn check_ends_with_a_dry_run_of_every_year_and_hook() {
    let rule = "fn on_end(s) {\n    pay(\"town\", \"nobody\", 1, \"late\");\n}\n";
    let (code, text) = check_with_rule(rule, "{}");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("rule.rhai:2:5") && text.contains("hook on_end") && text.contains("nobody"),
        "{text}"
    );
    let (code, text) = check_with_rule(
        "fn on_end(s) {\n    pay(\"town\", \"clinic\", 1, \"fine\");\n}\n",
        "{}",
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("dry run of 16 runs"), "{text}");
}

/// Issue 8, item 8: outside a checkout, `check` and `test-rules` use what is built into kloof.
#[test]
fn check_and_test_rules_work_outside_a_checkout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = kloof()
        .current_dir(dir.path())
        .arg("check")
        .output()
        .expect("kloof runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("ok    (embedded) scenarios/zoetermeer.yaml"),
        "{text}"
    );
    let out = kloof()
        .current_dir(dir.path())
        .arg("test-rules")
        .output()
        .expect("kloof runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // The same cases as the checkout's rules/tests/.
    let here = kloof()
        .args([
            "test-rules",
            concat!(env!("CARGO_MANIFEST_DIR"), "/rules/tests"),
        ])
        .output()
        .expect("kloof runs");
    let last = |t: &str| t.lines().last().unwrap_or_default().to_string();
    assert_eq!(last(&text), last(&String::from_utf8_lossy(&here.stdout)));
    assert!(last(&text).ends_with(" passed, 0 failed"), "{text}");
}

/// `explain` takes a report folder: its manifest names the scenario, seed and horizon; a
/// scenario changed since the report is refused rather than explained with other numbers.
#[test]
fn explain_takes_a_report_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("s.yaml");
    let fixture = include_str!("fixtures/agreement.yaml").replace("../../rules/", "rules/");
    std::fs::write(&scenario, &fixture).expect("write");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("mkdir");
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).expect("rules") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rhai") {
            std::fs::copy(&path, rules.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let run = |args: &[&str]| {
        kloof()
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("kloof runs")
    };
    let out = run(&[
        "run", "s.yaml", "--runs", "20", "--seed", "5", "--quiet", "--out", "rep",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_report = run(&["explain", "rep", "--run", "3", "--year", "2026"]);
    let from_scenario = run(&[
        "explain", "s.yaml", "--seed", "5", "--run", "3", "--year", "2026",
    ]);
    assert!(
        from_report.status.success(),
        "{}",
        String::from_utf8_lossy(&from_report.stderr)
    );
    let (a, b) = (
        String::from_utf8_lossy(&from_report.stdout).to_string(),
        String::from_utf8_lossy(&from_scenario.stdout).to_string(),
    );
    assert!(a.contains("ledger entries") && a.lines().count() > 3, "{a}");
    // The same entries; only the heading names what was given (`rep` or `s.yaml`).
    assert_eq!(
        a.lines().skip(1).collect::<Vec<_>>(),
        b.lines().skip(1).collect::<Vec<_>>()
    );
    // The scenario changed: refused, naming the file.
    std::fs::write(
        &scenario,
        fixture.replace("per_year: 250000", "per_year: 260000"),
    )
    .expect("write");
    let out = run(&["explain", "rep", "--run", "3", "--year", "2026"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("s.yaml is missing or has changed since the report"),
        "{err}"
    );
}

/// One `check` shows what is wrong in every file: a scenario error does not hide its rules'.
#[test]
fn check_reports_rule_errors_even_when_the_scenario_has_one() {
    let tiny =
        include_str!("fixtures/tiny.yaml").replace("hours_per_fte: 1000", "hours_per_fte: 0");
    let scenario = format!("{tiny}rules:\n  - file: a.rhai\n  - file: b.rhai\n");
    let (code, text) = check_in_folder(
        &scenario,
        &[
            ("a.rhai", "fn on_year(s) {\n    let x = ;\n}\n"),
            ("b.rhai", "fn on_year(s) {\n    evnt(\"x\", 1);\n}\n"),
        ],
    );
    assert_eq!(code, Some(1), "{text}");
    for part in [
        "`domains[0].hours_per_fte`",
        "a.rhai:2:13",
        "b.rhai:2:5: no function `evnt` with 2 arguments (did you mean `event`?)",
    ] {
        assert!(text.contains(part), "{part:?} missing in:\n{text}");
    }
}

/// `--value benefit` is accepted by every analysis on the shipped scenarios, and its reports
/// say what they counted; a willingness to pay out of range is refused with its range.
#[test]
fn analyses_count_net_benefit_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = env!("CARGO_MANIFEST_DIR");
    let scenario = |s: &str| format!("{root}/scenarios/{s}");
    let runs: [(&str, Vec<String>, &str); 3] = [
        (
            "fairness",
            vec![scenario("samen-gezond-roermond.yaml")],
            "fairness.md",
        ),
        (
            "stress",
            vec![
                scenario("zoetermeer.yaml"),
                "--set".into(),
                scenario("stress/zoetermeer.yaml"),
            ],
            "stress.md",
        ),
        (
            "evpi",
            vec![
                scenario("overlays/stad-en-ommeland-go.yaml"),
                scenario("overlays/stad-en-ommeland-stop.yaml"),
            ],
            "voi.md",
        ),
    ];
    for (command, args, file) in runs {
        let out_dir = dir.path().join(command);
        let out = kloof()
            .arg(command)
            .args(&args)
            .args(["--value", "benefit", "--runs", "40", "--quiet", "--out"])
            .arg(&out_dir)
            .output()
            .expect("kloof runs");
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(out_dir.join(file)).expect("report");
        assert!(
            text.contains("benefit"),
            "{command}'s report says it counted net benefit"
        );
    }
    let out = kloof()
        .args(["run", "--wtp", "-5", "--runs", "10", "--quiet", "--out"])
        .arg(dir.path().join("run"))
        .output()
        .expect("kloof runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--wtp -5") && err.contains("between 0 and 1,000,000"),
        "{err}"
    );
}

/// A stress set's studies each fit in memory but not all together (60,000 runs of Zoetermeer's
/// eleven studies once aborted at 5.5 GB): those that do not fit in what the command may keep
/// in memory (`KLOOF_MEMORY` here) wait on disk, and the report is the same byte for byte.
#[test]
fn studies_beyond_memory_wait_on_disk_with_the_same_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = env!("CARGO_MANIFEST_DIR");
    let stress = |memory: &str, out: &str| {
        let out = kloof()
            .env("KLOOF_MEMORY", memory)
            .args([
                "stress",
                &format!("{root}/scenarios/zoetermeer.yaml"),
                "--set",
                &format!("{root}/scenarios/stress/zoetermeer.yaml"),
                "--runs",
                "300",
                "--quiet",
                "--out",
            ])
            .arg(dir.path().join(out))
            .output()
            .expect("kloof runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // 300 runs of a study take about 3.5 MB: 10M keeps two of the twelve in memory.
    stress("4G", "memory");
    stress("10M", "mixed");
    for file in ["stress.csv", "stress.json", "stress.md", "report.xlsx"] {
        let read = |d: &str| std::fs::read(dir.path().join(d).join(file)).expect("report file");
        assert!(read("memory") == read("mixed"), "{file} differs");
    }
    // A folder for them that cannot be used: said before anything is written.
    let out = kloof()
        .env("KLOOF_MEMORY", "0")
        .env("KLOOF_SPILL_DIR", dir.path().join("no-such-folder"))
        .args(["run", "--runs", "20", "--quiet", "--out"])
        .arg(dir.path().join("run"))
        .output()
        .expect("kloof runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot keep per-run results on disk in")
            && err.contains("no-such-folder")
            && err.contains("KLOOF_SPILL_DIR"),
        "{err}"
    );
    assert!(!dir.path().join("run").exists());
}

/// The partners' game keeps every coalition's value in every run: checked against the budget
/// before any coalition is simulated.
#[test]
fn a_game_that_would_not_fit_in_memory_says_so_before_it_starts() {
    let out = kloof()
        .env("KLOOF_MEMORY", "1M")
        .args(["fairness", "--runs", "1000", "--quiet", "--out"])
        .arg(tempfile::tempdir().expect("temp dir").path().join("f"))
        .output()
        .expect("kloof runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("255 coalitions × 1000 runs") && err.contains("1.0 MiB"),
        "{err}"
    );
}
