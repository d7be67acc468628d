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
    for f in ["results.csv", "results.json", "summary.md", "manifest.json"] {
        assert!(report.join(f).is_file(), "{f} missing");
    }
    let names: Vec<String> = std::fs::read_dir(&report)
        .expect("report dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "no temporary files left: {names:?}");
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
    let out = kloof().arg("check").arg(dir.path()).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ok    ") && text.contains("a-good.yaml"),
        "{text}"
    );
    assert!(
        text.contains("b-bad.yaml:33:") && text.contains("c-bad.yaml:26:"),
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

#[test]
fn outcomes_too_large_for_memory_stop_before_allocating() {
    for args in [
        ["--runs", "100000000", "--horizon", "2030"],
        ["--runs", "20000000", "--horizon", "2084"],
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
        assert!(err.contains("would take") && err.contains("GiB"), "{err}");
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
