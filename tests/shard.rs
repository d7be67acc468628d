//! `kloof run --shard K/M` and `kloof merge`: the shards of a study, merged in any order, give
//! the report of one unsharded run byte for byte (the manifest's wall time aside), and merge
//! refuses shards that do not make one study, with a message that says why.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::assert_same_report;

const KLOOF: &str = env!("CARGO_BIN_EXE_kloof");

fn kloof(args: &[&str]) -> Output {
    Command::new(KLOOF)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("kloof runs")
}

fn ok(args: &[&str]) {
    let o = kloof(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn refused(args: &[&str]) -> String {
    let o = kloof(args);
    assert!(!o.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Shards `1/m` … `m/m` of the default scenario at `runs` (and `extra` options), in `dir`.
fn shards(dir: &Path, runs: u64, m: u64, extra: &[&str]) -> Vec<PathBuf> {
    (1..=m)
        .map(|k| {
            let out = dir.join(format!("shard-{k}"));
            let runs = runs.to_string();
            let shard = format!("{k}/{m}");
            let mut args = vec![
                "run",
                "--quiet",
                "--runs",
                &runs,
                "--shard",
                &shard,
                "--out",
                s(&out),
            ];
            args.extend_from_slice(extra);
            ok(&args);
            out
        })
        .collect()
}

#[test]
fn merged_shards_give_the_unsharded_report_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole");
    // 301 runs in 4 shards: 75, 75, 75 and 76 runs.
    ok(&[
        "run",
        "--quiet",
        "--per-run",
        "--runs",
        "301",
        "--out",
        s(&whole),
    ]);
    let mut parts = shards(dir.path(), 301, 4, &[]);
    parts.reverse();
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", "--quiet", "--per-run", "--out", s(&merged)];
    args.extend(parts.iter().map(|p| s(p)));
    ok(&args);
    assert_same_report(&whole, &merged);
}

/// Shards whose runs waited on disk (`KLOOF_MEMORY=0`), merged on disk too, give the report
/// of an unsharded run kept in memory.
#[test]
fn shards_kept_on_disk_merge_into_the_same_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole");
    ok(&[
        "run",
        "--quiet",
        "--per-run",
        "--runs",
        "150",
        "--out",
        s(&whole),
    ]);
    let on_disk = |args: &[&str]| {
        let o = Command::new(KLOOF)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("KLOOF_MEMORY", "0")
            .args(args)
            .output()
            .expect("kloof runs");
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let parts: Vec<PathBuf> = (1..=2)
        .map(|k| dir.path().join(format!("part-{k}")))
        .collect();
    for (k, part) in parts.iter().enumerate() {
        let shard = format!("{}/2", k + 1);
        on_disk(&[
            "run",
            "--quiet",
            "--runs",
            "150",
            "--shard",
            &shard,
            "--out",
            s(part),
        ]);
    }
    let merged = dir.path().join("merged");
    on_disk(&[
        "merge",
        "--quiet",
        "--per-run",
        "--out",
        s(&merged),
        s(&parts[0]),
        s(&parts[1]),
    ]);
    assert_same_report(&whole, &merged);
}

#[test]
fn an_overlay_with_another_seed_shards_and_merges_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let overlay = "scenarios/overlays/ruwaard-residents-half.yaml";
    let whole = dir.path().join("whole");
    ok(&[
        "run",
        overlay,
        "--quiet",
        "--runs",
        "90",
        "--seed",
        "7",
        "--out",
        s(&whole),
    ]);
    let parts = shards(dir.path(), 90, 3, &[overlay, "--seed", "7"]);
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", "--quiet", "--out", s(&merged)];
    args.extend(parts.iter().map(|p| s(p)));
    ok(&args);
    assert_same_report(&whole, &merged);
}

#[test]
fn merge_refuses_shards_that_do_not_make_one_study() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = shards(dir.path(), 40, 4, &[]);
    let out = dir.path().join("merged");
    let merge = |dirs: &[&Path]| {
        let mut args = vec!["merge", "--quiet", "--out", s(&out)];
        args.extend(dirs.iter().map(|p| s(p)));
        refused(&args)
    };
    let e = merge(&[&parts[0], &parts[1], &parts[3]]);
    assert!(e.contains("runs 20–29 of 40 are in no shard given"), "{e}");
    let e = merge(&[&parts[0], &parts[1], &parts[2]]);
    assert!(e.contains("runs 30–39 of 40 are in no shard given"), "{e}");
    let e = merge(&[&parts[0], &parts[1], &parts[1], &parts[2], &parts[3]]);
    assert!(e.contains("overlaps another shard's runs"), "{e}");
    let other = dir.path().join("other-seed");
    ok(&[
        "run",
        "--quiet",
        "--runs",
        "40",
        "--seed",
        "3",
        "--shard",
        "3/4",
        "--out",
        s(&other),
    ]);
    let e = merge(&[&parts[0], &parts[1], &other, &parts[3]]);
    assert!(
        e.contains("are shards of different studies: their seed differ"),
        "{e}"
    );
    let fewer = dir.path().join("fewer-runs");
    ok(&[
        "run",
        "--quiet",
        "--runs",
        "80",
        "--shard",
        "2/8",
        "--out",
        s(&fewer),
    ]);
    let e = merge(&[&parts[0], &fewer, &parts[2], &parts[3]]);
    assert!(e.contains("their number of runs differ"), "{e}");
    let report = dir.path().join("a-report");
    ok(&["run", "--quiet", "--runs", "10", "--out", s(&report)]);
    let e = merge(&[&report]);
    assert!(e.contains("not a shard's manifest"), "{e}");
    let e = merge(&[&dir.path().join("nothing-here")]);
    assert!(e.contains("is it a shard's folder?"), "{e}");
    assert!(!out.exists(), "nothing is written when merge refuses");
    // A partial whose values were cut short.
    let cut = dir.path().join("cut");
    std::fs::create_dir(&cut).expect("dir");
    std::fs::copy(parts[0].join("manifest.json"), cut.join("manifest.json")).expect("copy");
    let bin = std::fs::read(parts[0].join("partial.bin")).expect("values");
    std::fs::write(cut.join("partial.bin"), &bin[..bin.len() - 8]).expect("write");
    let e = merge(&[&cut, &parts[1], &parts[2], &parts[3]]);
    assert!(e.contains("bytes where its manifest says"), "{e}");
}

#[test]
fn a_shard_is_k_of_m_counted_from_one() {
    for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
        let e = refused(&["run", "--quiet", "--runs", "10", "--shard", bad]);
        assert!(
            e.contains("give the shard as K/M, with 1 <= K <= M"),
            "{bad}: {e}"
        );
    }
    let e = refused(&["run", "--quiet", "--runs", "2", "--shard", "1/3"]);
    assert!(e.contains("2 runs leave shard 1 none"), "{e}");
    let e = refused(&[
        "run",
        "--quiet",
        "--runs",
        "20",
        "--shard",
        "1/2",
        "--precision",
        "0.1",
    ]);
    assert!(
        e.contains("--shard and --precision do not go together"),
        "{e}"
    );
}

#[test]
fn a_sharded_comparison_merges_into_the_unsharded_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (
        "scenarios/zoetermeer.yaml",
        "scenarios/overlays/zoetermeer-population-contract.yaml",
    );
    let whole = dir.path().join("whole");
    ok(&[
        "compare",
        a,
        b,
        "--quiet",
        "--runs",
        "120",
        "--out",
        s(&whole),
    ]);
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| {
            let out = dir.path().join(format!("shard-{k}"));
            let shard = format!("{k}/3");
            ok(&[
                "compare",
                a,
                b,
                "--quiet",
                "--runs",
                "120",
                "--shard",
                &shard,
                "--out",
                s(&out),
            ]);
            out
        })
        .collect();
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", "--quiet", "--out", s(&merged)];
    args.extend(parts.iter().map(|p| s(p)));
    ok(&args);
    assert_same_report(&whole, &merged);
    // A shard of a run and shards of a comparison do not make one study.
    let run = dir.path().join("run-shard");
    ok(&[
        "run",
        a,
        "--quiet",
        "--runs",
        "120",
        "--shard",
        "1/3",
        "--out",
        s(&run),
    ]);
    let e = refused(&[
        "merge",
        "--quiet",
        "--out",
        s(&dir.path().join("x")),
        s(&run),
        s(&parts[1]),
        s(&parts[2]),
    ]);
    assert!(
        e.contains("are shards of different commands: they hold 1 and 2 studies"),
        "{e}"
    );
}

/// `kloof stress --shard K/M` shards the base and every shock by run; the merge judges the
/// merged studies by the stress set the shards recorded, into the report `kloof stress` writes.
#[test]
fn a_sharded_stress_test_merges_into_the_unsharded_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (scenario, set) = ("scenarios/ruwaard.yaml", "scenarios/stress/ruwaard.yaml");
    let stress = |out: &Path, shard: Option<&str>| {
        let mut args = vec![
            "stress",
            scenario,
            "--set",
            set,
            "--quiet",
            "--runs",
            "90",
            "--out",
            s(out),
        ];
        if let Some(k) = shard {
            args.extend(["--shard", k]);
        }
        ok(&args);
    };
    let whole = dir.path().join("whole");
    stress(&whole, None);
    let parts: Vec<PathBuf> = ["1/2", "2/2"]
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let out = dir.path().join(format!("shard-{i}"));
            stress(&out, Some(k));
            out
        })
        .collect();
    let merged = dir.path().join("merged");
    ok(&[
        "merge",
        "--quiet",
        "--out",
        s(&merged),
        s(&parts[1]),
        s(&parts[0]),
    ]);
    assert!(merged.join("stress.csv").exists(), "a stress report");
    assert_same_report(&whole, &merged);
    // Shards of another stress test do not merge with these.
    let other = dir.path().join("other");
    ok(&[
        "stress",
        "scenarios/stad-en-ommeland.yaml",
        "--quiet",
        "--runs",
        "90",
        "--shard",
        "2/2",
        "--out",
        s(&other),
    ]);
    let e = refused(&[
        "merge",
        "--quiet",
        "--out",
        s(&dir.path().join("x")),
        s(&parts[0]),
        s(&other),
    ]);
    assert!(e.contains("shards of different commands"), "{e}");
}

/// `kloof fairness` shards by run (`--shard`) and by coalition (`--coalitions`): every pair
/// of a run shard and a coalition part is one job, and their merge judges the game into the
/// report `kloof fairness` writes, byte for byte.
#[test]
fn a_game_sharded_by_run_and_by_coalition_merges_into_the_unsharded_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Zoetermeer: eight partners, 255 coalitions.
    let scenario = "scenarios/zoetermeer.yaml";
    let whole = dir.path().join("whole");
    ok(&[
        "fairness",
        scenario,
        "--quiet",
        "--runs",
        "40",
        "--out",
        s(&whole),
    ]);
    let mut parts = Vec::new();
    for runs in ["1/2", "2/2"] {
        for coalitions in ["1/3", "2/3", "3/3"] {
            let out = dir
                .path()
                .join(format!("game-{}-{}", &runs[..1], &coalitions[..1]));
            ok(&[
                "fairness",
                scenario,
                "--quiet",
                "--runs",
                "40",
                "--shard",
                runs,
                "--coalitions",
                coalitions,
                "--out",
                s(&out),
            ]);
            parts.push(out);
        }
    }
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", "--quiet", "--out", s(&merged)];
    args.extend(parts.iter().rev().map(|p| s(p)));
    ok(&args);
    assert!(merged.join("fairness.json").exists(), "a fairness report");
    assert_same_report(&whole, &merged);
    // Without one part of the coalitions, the merge says which coalitions' runs are missing.
    let x = dir.path().join("x");
    let mut args = vec!["merge", "--quiet", "--out", s(&x)];
    args.extend(
        parts
            .iter()
            .filter(|p| !s(p).ends_with("game-2-3"))
            .map(|p| s(p)),
    );
    let e = refused(&args);
    assert!(
        e.contains("runs 20–39 of coalition") && e.contains("are in no shard given"),
        "{e}"
    );
    // The same part twice: runs held twice.
    let mut args = vec!["merge", "--quiet", "--out", s(&x)];
    args.extend(parts.iter().map(|p| s(p)));
    args.push(s(&parts[0]));
    let e = refused(&args);
    assert!(e.contains("that another shard holds too"), "{e}");
    // A game's shard and a run's do not merge.
    let run = dir.path().join("run");
    ok(&[
        "run",
        scenario,
        "--quiet",
        "--runs",
        "40",
        "--shard",
        "1/1",
        "--out",
        s(&run),
    ]);
    let e = refused(&[
        "merge",
        "--quiet",
        "--out",
        s(&dir.path().join("x")),
        s(&parts[0]),
        s(&run),
    ]);
    assert!(e.contains("are shards of different commands"), "{e}");
}
