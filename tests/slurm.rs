//! A sharded study on Slurm, as a cluster user runs it: a single-node Slurm comes up on this
//! machine (`deploy/slurm/local-cluster.sh`: Debian's slurm-wlm and munge on 127.0.0.1,
//! installed by `.ci/run` when missing), the study runs as a 4-task array of
//! `deploy/slurm/shard.sbatch` with `deploy/slurm/merge.sbatch` depending on it, and the merged
//! report equals one unsharded `kloof run` byte for byte (wall time aside). When Slurm cannot
//! be started the test fails with the reason; it never passes by skipping.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

const KLOOF: &str = env!("CARGO_BIN_EXE_kloof");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The local cluster, stopped when dropped.
struct Cluster;

impl Cluster {
    fn start() -> Cluster {
        let script = Path::new(ROOT).join("deploy/slurm/local-cluster.sh");
        let o = Command::new("bash")
            .arg(&script)
            .arg("start")
            .output()
            .expect("bash runs");
        assert!(
            o.status.success(),
            "a single-node Slurm could not be started for this test ({}): {}{}",
            script.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        Cluster
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(Path::new(ROOT).join("deploy/slurm/local-cluster.sh"))
            .arg("stop")
            .status();
    }
}

/// Runs `sbatch` with `args` in `dir`; its stdout (the job id with `--parsable`).
fn sbatch(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("sbatch")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("sbatch runs");
    assert!(
        o.status.success(),
        "sbatch {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn a_four_shard_array_and_its_merge_on_slurm_give_the_unsharded_report() {
    let _cluster = Cluster::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    let env = format!("ALL,KLOOF={KLOOF},RUNS=200,SEED=11,OUT={}", study.display());
    let shard = format!("{ROOT}/deploy/slurm/shard.sbatch");
    let merge = format!("{ROOT}/deploy/slurm/merge.sbatch");
    let start = Instant::now();
    let array = sbatch(
        dir.path(),
        &[
            "--parsable",
            "--array=1-4",
            &format!("--export={env}"),
            &shard,
        ],
    );
    // `--wait` returns when the merge has ended; a cluster that hangs fails the test instead
    // (and the waiting sbatch is killed, so that it outlives nothing).
    let mut waiting = Command::new("sbatch")
        .current_dir(dir.path())
        .args([
            "--wait",
            "--parsable",
            &format!("--dependency=afterok:{array}"),
            "--kill-on-invalid-dep=yes",
            &format!("--export={env}"),
            &merge,
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("sbatch runs");
    let status = loop {
        if let Some(status) = waiting.try_wait().expect("waits") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(300) {
            let _ = waiting.kill();
            let _ = waiting.wait();
            let queue = Command::new("squeue")
                .args(["-o", "%i %j %T %r"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            panic!("the Slurm jobs did not end within five minutes; the queue:\n{queue}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let logs: String = std::fs::read_dir(dir.path())
        .expect("logs")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(
        status.success() && study.join("report/results.csv").is_file(),
        "the merge job {status}; the jobs said: {logs}"
    );
    for k in 1..=4 {
        assert!(
            study.join(format!("shard-{k}/partial.bin")).is_file(),
            "shard {k}"
        );
    }
    let whole = dir.path().join("whole");
    let o = Command::new(KLOOF)
        .args(["run", "--quiet", "--runs", "200", "--seed", "11", "--out"])
        .arg(&whole)
        .output()
        .expect("kloof runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    common::assert_same_report(&whole, &study.join("report"));
    eprintln!(
        "slurm: 4 shards and their merge in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
