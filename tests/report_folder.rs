//! The report folder as a reader finds it: whole or not at all, one run's files only, even
//! with two runs writing it at once or a run stopped while it writes; and `--per-run`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

fn kloof() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kloof"))
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The seed each file of the report in `dir` says it is of.
fn seeds(dir: &Path) -> Vec<String> {
    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let json_seed = |text: &str| {
        let v: serde_json::Value = serde_json::from_str(text).expect("json");
        let seed = v.pointer("/manifest/seed").or_else(|| v.pointer("/seed"));
        seed.unwrap_or_else(|| panic!("no seed in {text:.200}"))
            .to_string()
    };
    let summary = read("summary.md");
    let at = summary.find(", seed ").expect("seed in summary") + 7;
    let summary_seed: String = summary[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    vec![
        json_seed(&read("manifest.json")),
        json_seed(&read("results.json")),
        summary_seed,
    ]
}

/// Nothing but the report folder itself in `parent`: no temporary folders left.
fn only_report(parent: &Path) {
    let names: Vec<String> = std::fs::read_dir(parent)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["rep".to_string()], "left behind: {names:?}");
}

#[test]
fn two_runs_writing_one_folder_leave_one_whole_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("rep");
    for _ in 0..4 {
        let children: Vec<_> = [11, 12]
            .iter()
            .map(|seed| {
                kloof()
                    .args([
                        "run",
                        &fixture("uncertain.yaml"),
                        "--quiet",
                        "--runs",
                        "300",
                    ])
                    .args(["--seed", &seed.to_string(), "--out"])
                    .arg(&out)
                    .spawn()
                    .expect("spawns")
            })
            .collect();
        for mut c in children {
            assert!(c.wait().expect("waits").success());
        }
        let s = seeds(&out);
        assert!(s.iter().all(|x| *x == s[0]), "mixed report: {s:?}");
        only_report(dir.path());
    }
}

#[test]
fn a_run_stopped_at_any_moment_leaves_the_previous_report_or_a_whole_new_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("rep");
    let first = kloof()
        .args([
            "run",
            &fixture("uncertain.yaml"),
            "--quiet",
            "--runs",
            "50",
            "--seed",
            "1",
            "--out",
        ])
        .arg(&out)
        .status()
        .expect("runs");
    assert!(first.success());
    let before = std::fs::read(out.join("results.csv")).expect("report");
    // Kills spread over the whole of a run, timed against the same run left alone, so that some
    // land while the statistics and the report are written, not all before the first batch.
    let whole = {
        let start = std::time::Instant::now();
        let done = kloof()
            .args([
                "run",
                &fixture("uncertain.yaml"),
                "--quiet",
                "--runs",
                "3000",
                "--seed",
                "2",
                "--out",
            ])
            .arg(dir.path().join("timing"))
            .status()
            .expect("runs");
        assert!(done.success());
        std::fs::remove_dir_all(dir.path().join("timing")).expect("removed");
        start.elapsed()
    };
    let mut outcomes = Vec::new();
    for share in [0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 3.0] {
        let delay = whole.mul_f64(share);
        let mut child = kloof()
            .args([
                "run",
                &fixture("uncertain.yaml"),
                "--quiet",
                "--runs",
                "3000",
                "--seed",
                "2",
                "--out",
            ])
            .arg(&out)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns");
        std::thread::sleep(delay);
        // SAFETY: signalling our own child by its pid.
        unsafe { libc_kill(child.id() as i32, 15) };
        child.wait().expect("waits");
        let s = seeds(&out);
        assert!(
            s.iter().all(|x| *x == s[0]),
            "mixed report after {delay:?} of {whole:?}: {s:?}"
        );
        if s[0] == "1" {
            assert_eq!(
                std::fs::read(out.join("results.csv")).expect("report"),
                before
            );
        }
        outcomes.push(s[0].clone());
        only_report(dir.path());
        if s[0] == "2" {
            // The new report is in place: put the old one back for the next kill.
            let again = kloof()
                .args([
                    "run",
                    &fixture("uncertain.yaml"),
                    "--quiet",
                    "--runs",
                    "50",
                    "--seed",
                    "1",
                    "--out",
                ])
                .arg(&out)
                .status()
                .expect("runs");
            assert!(again.success());
        }
    }
    // Early kills left the old report, a late one the new: both ends were reached.
    assert!(
        outcomes.contains(&"1".to_string()) && outcomes.contains(&"2".to_string()),
        "{outcomes:?}"
    );
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, signal: i32) -> i32;
}

#[test]
fn a_folder_that_is_not_a_report_is_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("rep");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    let run = kloof()
        .args(["run", &fixture("tiny.yaml"), "--quiet", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("is not a kloof report"));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("kept"),
        "mine"
    );
    assert!(!out.join("manifest.json").exists());
}

#[test]
fn per_run_writes_one_row_per_run_with_stable_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("rep");
    let run = kloof()
        .args([
            "run",
            &fixture("agreement.yaml"),
            "--quiet",
            "--runs",
            "7",
            "--per-run",
            "--out",
        ])
        .arg(&out)
        .status()
        .expect("runs");
    assert!(run.success());
    let text = std::fs::read_to_string(out.join("runs.csv")).expect("runs.csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8, "{text}");
    let header: Vec<&str> = lines[0].split(',').collect();
    for column in [
        "run",
        "baseline.gap.fte",
        "network.gap.eur",
        "network.network.net",
        "network.partners.all_gain",
        "network.partner.homecare.net",
        "network.partner.town.net",
        "network.care.gained.fte_years",
        "network.network.benefit",
        "network.partner.town.benefit",
        "continues.network.net",
    ] {
        assert!(header.contains(&column), "{column} missing from {header:?}");
    }
    for (i, line) in lines[1..].iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len());
        assert_eq!(cells[0], i.to_string());
        assert!(
            cells[1..]
                .iter()
                .all(|c| c.parse::<f64>().is_ok_and(f64::is_finite)),
            "{line}"
        );
    }
    // Without the flag there is no runs.csv.
    let plain = dir.path().join("plain");
    let run = kloof()
        .args([
            "run",
            &fixture("agreement.yaml"),
            "--quiet",
            "--runs",
            "7",
            "--out",
        ])
        .arg(&plain)
        .status()
        .expect("runs");
    assert!(run.success());
    assert!(!plain.join("runs.csv").exists());
}

#[test]
fn the_summary_opens_with_the_scenarios_own_description() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("rep");
    let scenario = format!("{}/scenarios/zoetermeer.yaml", env!("CARGO_MANIFEST_DIR"));
    let run = kloof()
        .args(["run", &scenario, "--quiet", "--runs", "20", "--out"])
        .arg(&out)
        .status()
        .expect("runs");
    assert!(run.success());
    let summary = std::fs::read_to_string(out.join("summary.md")).expect("summary");
    let paragraphs: Vec<&str> = summary.split("\n\n").collect();
    assert!(
        paragraphs[0].starts_with("# Zoetermeer 2025"),
        "{summary:.300}"
    );
    assert!(
        paragraphs[1].starts_with("Municipality of Zoetermeer (127,031 inhabitants)."),
        "{summary:.600}"
    );
}

/// A folder is replaced only when it is kloof's own: a manifest kloof wrote and only files
/// kloof writes. A web project's `manifest.json`, one that is not JSON, or a kloof report with
/// a user's file added are refused, naming why, and nothing in them is touched.
#[test]
fn only_a_folder_kloof_wrote_is_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run_into = |out: &std::path::Path| {
        kloof()
            .args(["run", &fixture("tiny.yaml"), "--quiet", "--out"])
            .arg(out)
            .output()
            .expect("runs")
    };
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 3] = [
        (
            "web",
            &[
                (
                    "manifest.json",
                    r#"{"name": "my web app", "start_url": "/"}"#,
                ),
                ("important.txt", "keep me"),
            ],
            "was not written by kloof",
        ),
        (
            "garbled",
            &[("manifest.json", "not json at all")],
            "was not written by kloof",
        ),
        ("plain", &[("important.txt", "keep me")], "no manifest.json"),
    ];
    for (name, files, why) in cases {
        let out = dir.path().join(name);
        std::fs::create_dir(&out).expect("mkdir");
        for (f, text) in files {
            std::fs::write(out.join(f), text).expect("write");
        }
        let run = run_into(&out);
        assert_eq!(run.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains("is not a kloof report") && err.contains(why),
            "{name}: {err}"
        );
        for (f, text) in files {
            assert_eq!(std::fs::read_to_string(out.join(f)).expect("kept"), *text);
        }
        assert!(!out.join("results.csv").exists(), "{name}");
    }
    // A kloof report is replaced; with a user's file added it is refused, and both stay.
    let report = dir.path().join("report");
    assert!(run_into(&report).status.success());
    assert!(
        run_into(&report).status.success(),
        "a report replaces a report"
    );
    std::fs::create_dir(report.join("src")).expect("mkdir");
    std::fs::write(report.join("notes.txt"), "mine").expect("write");
    let before = std::fs::read(report.join("results.csv")).expect("report");
    let run = run_into(&report);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("it also holds what kloof did not write: notes.txt, src/"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(report.join("notes.txt")).expect("kept"),
        "mine"
    );
    assert!(report.join("src").is_dir());
    assert_eq!(
        std::fs::read(report.join("results.csv")).expect("kept"),
        before
    );
}

/// The reports that keep one manifest per study (compare, stress, evpi) replace themselves too.
#[test]
fn a_comparison_replaces_its_own_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("cmp");
    for _ in 0..2 {
        let run = kloof()
            .args([
                "compare",
                &fixture("tiny.yaml"),
                &fixture("tiny.yaml"),
                "--quiet",
                "--runs",
                "3",
                "--out",
            ])
            .arg(&out)
            .output()
            .expect("runs");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    assert!(out.join("compare.md").is_file());
}

/// A scenario's words cannot pose as the report's own: a title with a line break (a heading
/// of its own), or a right-to-left override, is refused at its key; markup in a description
/// reaches the summary as text.
#[test]
fn scenario_text_cannot_inject_into_a_report() {
    let tiny = include_str!("fixtures/tiny.yaml");
    let with_title = |title: &str| {
        tiny.replace(
            "title: Tiny hand-calculated region",
            &format!("title: {title}"),
        )
    };
    for (title, why) in [
        (r#""Tiny\n## Board decision: APPROVED""#, "it is one line"),
        (r#""Tiny \u202E deweivA""#, "\\u{202e}"),
        (r#""Tiny \u0000""#, "\\u{0}"),
    ] {
        let e = kloof::scenario::parse(&with_title(title), "t.yaml")
            .expect_err("refused")
            .to_string();
        assert!(
            e.contains("t.yaml:") && e.contains("`title`") && e.contains(why),
            "{e}"
        );
    }
    let hostile = tiny.replace(
        "title: Tiny hand-calculated region",
        "title: Tiny <script>alert(1)</script>\ndescription: |\n  First line.\n  # Not a heading\n  <img src=x onerror=alert(1)>",
    );
    let mut source = kloof::study::Source {
        path: "hostile.yaml".into(),
        text: hostile,
        ..Default::default()
    };
    source.text.push('\n');
    let study = kloof::study::run(
        &source,
        &kloof::study::Options {
            runs: Some(3),
            ..Default::default()
        },
        &|_| {},
    )
    .expect("runs");
    let dir = common::report(&study);
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("summary");
    assert!(
        summary.starts_with("# Tiny &lt;script&gt;alert(1)&lt;/script&gt;\n"),
        "{summary}"
    );
    assert!(
        summary.contains("First line. # Not a heading &lt;img src=x onerror=alert(1)&gt;"),
        "{summary}"
    );
    assert!(!summary.contains("<script>") && !summary.contains("\n# Not a heading"));
}

/// An error quotes no more of a file than a value: a system file given as an overlay's base or
/// as a game is not echoed.
#[test]
fn an_error_does_not_echo_the_file_it_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("secret");
    std::fs::write(
        &secret,
        "root:x:0:0:root:/root:/bin/bash\nsecret line with the password hunter2\n",
    )
    .expect("write");
    let overlay = dir.path().join("o.yaml");
    std::fs::write(&overlay, format!("base: {}\n", secret.display())).expect("write");
    let e = kloof::study::Source::read(&overlay)
        .expect_err("refused")
        .to_string();
    assert!(!e.contains("hunter2") && e.contains("…"), "{e}");
    let game = kloof::fairness::read_game(&secret)
        .expect_err("refused")
        .to_string();
    assert!(!game.contains("hunter2") && game.contains("…"), "{game}");
}

/// A report folder under a file: the message names the file, not "File exists".
#[test]
fn a_report_under_a_file_names_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "mine").expect("write");
    let run = kloof()
        .args(["run", &fixture("tiny.yaml"), "--quiet", "--out"])
        .arg(file.join("report"))
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("notes.txt is a file, not a folder"), "{err}");
}
