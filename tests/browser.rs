//! The HTML reports in a real browser: every committed example's `report.html` (and an English
//! one made here) opens in headless Chromium with no console message (no script error, nothing
//! the page's policy had to block), the page's own self-check finds every chart drawn with a
//! title, a description, a size and marks, and a screenshot is taken.
//!
//! Chromium comes from Debian's packages (`.ci/run` installs it when missing); `KLOOF_CHROMIUM`
//! names another binary. Without one this test fails with the reason: it never passes by
//! skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The browser, or why there is none.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("KLOOF_CHROMIUM") {
        return PathBuf::from(p);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "headless Chromium is needed to test the HTML reports and none was found: install \
             Debian's `chromium` package (.ci/run does when it is missing) or set KLOOF_CHROMIUM"
        )
    })
}

/// Runs Chromium headless on `page` with `args`, killed after a minute; its stdout and stderr.
/// They go to files, not pipes: a page's DOM is larger than a pipe holds, and a browser
/// blocked on a full pipe never exits.
fn browse(page: &Path, profile: &Path, args: &[&str]) -> (String, String) {
    let (out, err) = (profile.join("stdout"), profile.join("stderr"));
    let file = |p: &Path| std::fs::File::create(p).expect("output file");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(file(&out))
        .stderr(file(&err))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start Chromium: {e}"));
    let start = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("Chromium did not finish {} within a minute", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).expect("output")).into_owned();
    (read(&out), read(&err))
}

/// Opens `page`: no console message, the self-check passes for every chart in the file, and
/// a screenshot is a PNG.
fn opens_cleanly(page: &Path) {
    let html = std::fs::read_to_string(page).expect("report.html");
    let charts = html.matches("<figure><svg").count();
    let profile = tempfile::tempdir().expect("profile dir");
    let (dom, log) = browse(page, profile.path(), &["--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "{}: console messages:\n{}",
        page.display(),
        console.join("\n")
    );
    let expected = format!("data-check=\"ok: {charts} charts\"");
    assert!(
        dom.contains(&expected),
        "{}: the page's self-check did not say `{expected}`: {}",
        page.display(),
        dom.lines().nth(1).unwrap_or("")
    );
    let shot = profile.path().join("page.png");
    browse(
        page,
        profile.path(),
        &[
            "--hide-scrollbars",
            "--window-size=900,1500",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png =
        std::fs::read(&shot).unwrap_or_else(|e| panic!("{}: no screenshot: {e}", page.display()));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "{}: the screenshot is not a picture of the page ({} bytes)",
        page.display(),
        png.len()
    );
}

#[test]
fn every_example_report_opens_in_chromium_with_its_charts_drawn() {
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&reports)
        .expect("reports/")
        .filter_map(|e| Some(e.ok()?.path().join("report.html")))
        .filter(|p| p.is_file())
        .collect();
    pages.sort();
    assert!(pages.len() >= 2, "example reports: {pages:?}");
    for page in &pages {
        opens_cleanly(page);
    }
}

#[test]
fn an_english_report_opens_in_chromium_too() {
    let out = tempfile::tempdir().expect("temp dir");
    let status = Command::new(env!("CARGO_BIN_EXE_kloof"))
        .args(["run", "--runs", "200", "--quiet", "--lang", "en", "--out"])
        .arg(out.path().join("en"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("kloof runs");
    assert!(status.success());
    let page = out.path().join("en/report.html");
    assert!(
        std::fs::read_to_string(&page)
            .expect("report")
            .contains("<html lang=\"en\"")
    );
    opens_cleanly(&page);
}
