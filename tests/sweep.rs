//! `kloof sweep`: every scenario under every overlay of a sweep file, each cell's report the
//! report `kloof run` writes of it, an index of their headline figures, and the same index when
//! the cells run as separate jobs (`--jobs`, `--cell N`, `--index`).

use std::path::Path;
use std::process::{Command, Output};

const KLOOF: &str = env!("CARGO_BIN_EXE_kloof");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn kloof(args: &[&str]) -> Output {
    Command::new(KLOOF)
        .current_dir(ROOT)
        .args(args)
        .output()
        .expect("kloof runs")
}

fn ok(args: &[&str]) -> String {
    let o = kloof(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refused(args: &[&str]) -> String {
    let o = kloof(args);
    assert_eq!(o.status.code(), Some(1), "{args:?} should fail");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// A sweep of two shipped scenarios, each as it is and with high wage growth, at 80 runs.
fn sweep_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("sweep.yaml");
    std::fs::write(
        &path,
        format!(
            "scenarios:\n  - {ROOT}/scenarios/zoetermeer.yaml\n  - {ROOT}/scenarios/ruwaard.yaml\n\
             overlays: [~, {ROOT}/scenarios/overlays/wages-high.yaml]\nruns: 80\nseed: 5\n"
        ),
    )
    .expect("sweep file");
    path
}

#[test]
fn a_sweep_runs_every_cell_as_kloof_run_would_and_indexes_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = sweep_file(dir.path());
    let out = dir.path().join("all");
    ok(&["sweep", s(&sweep), "--quiet", "--out", s(&out)]);
    let index = std::fs::read_to_string(out.join("index.csv")).expect("index");
    let lines: Vec<&str> = index.lines().collect();
    assert_eq!(lines.len(), 5, "{index}");
    assert!(
        lines[0]
            .starts_with("cell,name,scenario,region,overlay,runs,seed,horizon,baseline.gap.fte.p5")
    );
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "zoetermeer",
            "zoetermeer--wages-high",
            "ruwaard",
            "ruwaard--wages-high"
        ]
    );
    // Cell 1 is `kloof run` of the scenario with the sweep's runs and seed, and cell 2 that of
    // the overlay, whose base is the same scenario.
    for (cell, file) in [
        ("zoetermeer", "scenarios/zoetermeer.yaml"),
        (
            "zoetermeer--wages-high",
            "scenarios/overlays/wages-high.yaml",
        ),
    ] {
        let alone = dir.path().join(format!("alone-{cell}"));
        ok(&[
            "run",
            file,
            "--runs",
            "80",
            "--seed",
            "5",
            "--quiet",
            "--out",
            s(&alone),
        ]);
        let read = |d: &Path| std::fs::read(d.join("results.csv")).expect("results");
        assert!(
            read(&alone) == read(&out.join(cell)),
            "{cell} differs from kloof run"
        );
    }
    // The index's median is the cell's own: network.gap.fte in 2030 of Zoetermeer.
    let results = std::fs::read_to_string(out.join("zoetermeer/results.csv")).expect("results");
    let p50 = results
        .lines()
        .find(|l| l.starts_with("network,gap.fte,2030,"))
        .and_then(|l| l.split(',').nth(7))
        .expect("row");
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "network.gap.fte.p50")
        .expect("column");
    assert_eq!(lines[1].split(',').nth(col), Some(p50));
    // Higher wage growth costs the network money: its median net result is lower.
    let net = |row: &str| -> f64 {
        let c = header
            .iter()
            .position(|h| *h == "network.network.net.p50")
            .expect("net");
        row.split(',')
            .nth(c)
            .and_then(|x| x.parse().ok())
            .expect("number")
    };
    assert!(
        net(lines[2]) != net(lines[1]),
        "the overlay changes the result"
    );

    // As an array job: one command per cell, each run alone, then the index: the same index.
    let jobs = ok(&[
        "sweep",
        s(&sweep),
        "--jobs",
        "--out",
        s(&dir.path().join("jobs")),
    ]);
    let jobs: Vec<&str> = jobs.lines().collect();
    assert_eq!(jobs.len(), 4);
    for (n, job) in jobs.iter().enumerate() {
        assert!(job.contains(&format!("--cell {} ", n + 1)), "{job}");
        let args: Vec<&str> = job.split_whitespace().skip(1).collect();
        ok(&args);
    }
    ok(&[
        "sweep",
        s(&sweep),
        "--index",
        "--quiet",
        "--out",
        s(&dir.path().join("jobs")),
    ]);
    let again = std::fs::read_to_string(dir.path().join("jobs/index.csv")).expect("index");
    assert_eq!(again, index);
}

/// The job lines are shell commands: a path with a space is quoted, and the line runs in `sh`.
#[test]
fn job_lines_quote_paths_for_the_shell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("a sweep's folder");
    std::fs::create_dir(&folder).expect("folder");
    let sweep = sweep_file(&folder);
    let out = folder.join("out");
    let jobs = ok(&["sweep", s(&sweep), "--jobs", "--out", s(&out)]);
    let first = jobs.lines().next().expect("a job");
    assert!(first.contains(r"'\''s folder"), "{first}");
    let bin = Path::new(KLOOF).parent().expect("folder of kloof");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("sh")
        .args(["-c", first])
        .env("PATH", path)
        .current_dir(ROOT)
        .output()
        .expect("sh runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("zoetermeer/results.csv").exists());
}

#[test]
fn a_wrong_sweep_is_refused_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |text: &str| {
        let p = dir.path().join("bad.yaml");
        std::fs::write(&p, text).expect("write");
        p
    };
    let e = refused(&[
        "sweep",
        s(&write("scenarios: [x.yaml]\nrunz: 10\n")),
        "--quiet",
    ]);
    assert!(e.contains("bad.yaml:2:") && e.contains("runz"), "{e}");
    let e = refused(&[
        "sweep",
        s(&write(&format!(
            "scenarios:\n  - {ROOT}/scenarios/ruwaard.yaml\n  - nowhere.yaml\n"
        ))),
        "--quiet",
    ]);
    assert!(
        e.contains("bad.yaml:3:") && e.contains("nowhere.yaml"),
        "{e}"
    );
    // An overlay whose paths the scenario lacks is refused before any cell runs.
    let overlay = dir.path().join("o.yaml");
    std::fs::write(
        &overlay,
        "base: x.yaml\nname: o\nset:\n  domains.nothing_here.refill: 0.5\n",
    )
    .expect("overlay");
    let e = refused(&[
        "sweep",
        s(&write(&format!(
            "scenarios: [{ROOT}/scenarios/ruwaard.yaml]\noverlays: [~, {}]\n",
            overlay.display()
        ))),
        "--quiet",
        "--out",
        s(&dir.path().join("o-out")),
    ]);
    assert!(e.contains("o.yaml") && e.contains("nothing_here"), "{e}");
    assert!(!dir.path().join("o-out").exists(), "nothing written");
    // A cell that is not there, and an index before every cell has a report.
    let sweep = sweep_file(dir.path());
    let e = refused(&["sweep", s(&sweep), "--cell", "5", "--quiet"]);
    assert!(e.contains("--cell 5: the sweep has cells 1 to 4"), "{e}");
    let out = dir.path().join("partial");
    ok(&[
        "sweep",
        s(&sweep),
        "--cell",
        "2",
        "--quiet",
        "--out",
        s(&out),
    ]);
    let e = refused(&["sweep", s(&sweep), "--index", "--quiet", "--out", s(&out)]);
    assert!(
        e.contains("cell 1 (zoetermeer), 3 (ruwaard), 4 (ruwaard--wages-high)"),
        "{e}"
    );
    assert!(!out.join("index.csv").exists());
}

/// Regions built from Zoetermeer's scenario and the reference data: each has the region's
/// inhabitants (nl_regions.csv, else Vektis insured-years), an older or younger age table as
/// its Vektis age-mix index is above or below Zoetermeer's, and the amounts the sweep names
/// scaled by the ratio of inhabitants.
#[test]
fn regions_are_built_from_the_template_and_the_reference_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("regions.yaml");
    std::fs::write(
        &path,
        format!(
            "regions:\n  template: {ROOT}/scenarios/zoetermeer.yaml\n  reference: {ROOT}/../shared/reference\n\
             \x20 names: [Roermond, Oss, Groningen]\n  per_inhabitant: [transition_budget.per_year, interventions.*.cost]\nruns: 40\n"
        ),
    )
    .expect("sweep file");
    let sweep = kloof::sweep::read(&path).unwrap_or_else(|e| panic!("{e}"));
    let yaml = |text: &str| -> serde_yaml::Value { serde_yaml::from_str(text).expect("yaml") };
    let template = yaml(
        &std::fs::read_to_string(Path::new(ROOT).join("scenarios/zoetermeer.yaml"))
            .expect("template"),
    );
    let classes = |s: &serde_yaml::Value| -> Vec<(String, f64)> {
        s["region"]["population"]
            .as_mapping()
            .expect("a table")
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().unwrap_or("").to_string(),
                    v.as_f64().unwrap_or(0.0),
                )
            })
            .collect()
    };
    let people = |s: &serde_yaml::Value| -> f64 { classes(s).iter().map(|c| c.1).sum() };
    let old_share = |s: &serde_yaml::Value| -> f64 {
        let old: f64 = classes(s)
            .iter()
            .filter(|(band, _)| {
                band.split('-')
                    .next()
                    .and_then(|a| a.trim_end_matches('+').parse::<u32>().ok())
                    >= Some(65)
            })
            .map(|c| c.1)
            .sum();
        old / people(s)
    };
    let built: Vec<_> = sweep.cells.iter().map(|c| yaml(&c.source.text)).collect();
    assert_eq!(
        sweep
            .cells
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        [
            "zoetermeer-for-roermond",
            "zoetermeer-for-oss",
            "zoetermeer-for-groningen"
        ]
    );
    // Inhabitants: Roermond 60,743 (CBS 1 Jan 2024), Oss 93,197 Vektis insured-years 2023,
    // Groningen 243,800; each class rounded, so within half a person per class.
    for (s, want) in built.iter().zip([60743.0, 93197.0, 243800.0]) {
        assert!(
            (people(s) - want).abs() <= 10.0,
            "{:?} has {}",
            s["region"]["name"],
            people(s)
        );
    }
    // Age mix: Roermond (Vektis 1.031) and Oss (1.005) older than Zoetermeer (0.987),
    // Groningen (0.907) younger.
    let z = old_share(&template);
    assert!(old_share(&built[0]) > z && old_share(&built[1]) > z && old_share(&built[2]) < z);
    assert!(old_share(&built[0]) > old_share(&built[1]));
    // The transition budget per inhabitant is Zoetermeer's: EUR 2.8 mln for its 127,031.
    let ratio = 60743.0 / people(&template);
    let budget = built[0]["transition_budget"]["per_year"]
        .as_f64()
        .expect("budget");
    assert!((budget - 2_800_000.0 * ratio).abs() < 1.0, "{budget}");
    let cost = built[0]["interventions"][0]["cost"].as_f64().expect("cost");
    assert!((cost - 1_120_000.0 * ratio).abs() < 1.0, "{cost}");
    // Runs as any scenario does.
    let out = dir.path().join("out");
    ok(&[
        "sweep",
        s(&path),
        "--cell",
        "1",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert!(out.join("zoetermeer-for-roermond/results.csv").exists());
    // A region the reference data do not know is named.
    std::fs::write(
        &path,
        format!(
            "regions:\n  template: {ROOT}/scenarios/zoetermeer.yaml\n  reference: {ROOT}/../shared/reference\n  names: [Atlantis]\n"
        ),
    )
    .expect("sweep file");
    let e = refused(&["sweep", s(&path), "--quiet"]);
    assert!(e.contains("region `Atlantis`"), "{e}");
}
