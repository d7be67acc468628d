//! `runs.parquet`: every run's value of every series in every year, read back with the parquet
//! crate's own reader. It holds a row per run and year with a column per series named as in
//! `results.csv`, its values are those `runs.csv` gives for the horizon, its writer is kloof,
//! and its row groups are cut at fixed runs counted from run 0 (so that merged shards give the
//! same bytes: `tests/shard.rs` compares them).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::process::Command;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::RowAccessor;

fn run(dir: &Path, runs: u64) {
    let o = Command::new(env!("CARGO_BIN_EXE_kloof"))
        .args([
            "run",
            "--quiet",
            "--per-run",
            "--runs",
            &runs.to_string(),
            "--out",
        ])
        .arg(dir)
        .output()
        .expect("kloof runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn every_run_year_and_series_is_a_row_and_column_as_results_csv_names_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    run(dir.path(), 60);
    let reader =
        SerializedFileReader::new(File::open(dir.path().join("runs.parquet")).expect("file"))
            .expect("a parquet file");
    let meta = reader.metadata();
    assert_eq!(
        meta.file_metadata().created_by(),
        Some(concat!("kloof ", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        meta.file_metadata().num_rows(),
        60 * 7,
        "60 runs of 2024-2030"
    );
    let schema = meta.file_metadata().schema_descr();
    let names: Vec<String> = schema
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    assert_eq!(&names[..2], ["run", "year"]);
    let results = std::fs::read_to_string(dir.path().join("results.csv")).expect("results.csv");
    let series: Vec<String> = results
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(2) == Some("2030"))
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!("{}.{}", c[0], c[1])
        })
        .collect();
    assert_eq!(
        names[2..],
        series[..],
        "a column per series, in results.csv's order"
    );
    // The horizon's values are runs.csv's.
    let runs_csv = std::fs::read_to_string(dir.path().join("runs.csv")).expect("runs.csv");
    let head: Vec<&str> = runs_csv
        .lines()
        .next()
        .expect("header")
        .split(',')
        .collect();
    let gap = head
        .iter()
        .position(|h| *h == "network.gap.fte")
        .expect("a column");
    let expected: BTreeMap<u32, f64> = runs_csv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].parse().expect("run"), c[gap].parse().expect("value"))
        })
        .collect();
    let column = names
        .iter()
        .position(|n| n == "network.gap.fte")
        .expect("a column");
    let mut seen = 0;
    for (i, row) in reader.get_row_iter(None).expect("rows").enumerate() {
        let row = row.expect("a row");
        let (run, year) = (
            row.get_uint(0).expect("run"),
            row.get_short(1).expect("year"),
        );
        assert_eq!(
            (run as usize, year as usize),
            (i / 7, 2024 + i % 7),
            "rows go run by run"
        );
        if year == 2030 {
            assert_eq!(
                row.get_double(column).expect("value"),
                expected[&run],
                "run {run}"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 60);
}

#[test]
fn row_groups_hold_2048_runs_counted_from_run_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    run(dir.path(), 2500);
    let reader =
        SerializedFileReader::new(File::open(dir.path().join("runs.parquet")).expect("file"))
            .expect("a parquet file");
    let groups: Vec<i64> = (0..reader.num_row_groups())
        .map(|g| reader.metadata().row_group(g).num_rows())
        .collect();
    assert_eq!(groups, [2048 * 7, 452 * 7]);
}
