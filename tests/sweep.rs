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
        lines[0].starts_with("cell,name,scenario,overlay,runs,seed,horizon,baseline.gap.fte.p5")
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
    assert!(
        e.contains("bad.yaml:2:") && e.contains("runz"),
        "{e}"
    );
    let e = refused(&[
        "sweep",
        s(&write(&format!(
            "scenarios:\n  - {ROOT}/scenarios/ruwaard.yaml\n  - nowhere.yaml\n"
        ))),
        "--quiet",
    ]);
    assert!(e.contains("bad.yaml:3:") && e.contains("nowhere.yaml"), "{e}");
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
