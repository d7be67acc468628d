//! `runs.parquet` (with `--per-run`): every run's value of every series in every year, all
//! variants, as one columnar file that pandas, polars, R's arrow and DuckDB open directly.
//!
//! One row per run and year (`run`, `year`), then one DOUBLE column per series, named as
//! `results.csv` names it: `<variant>.<metric>` (`network.gap.fte`). Rows go run by run, each
//! run's years in order; row groups hold [`GROUP_RUNS`] runs counted from run 0 of the whole
//! study, and the file names kloof, not the parquet crate, as its writer: the same study gives
//! the same bytes, however its runs were simulated (shards merged included). Written with the
//! parquet crate's own column writers, without the arrow crates (ten crates instead of
//! twenty-one, and minutes less per cold build: `notes/report-serve-scale.md`).

use std::sync::Arc;

use parquet::basic::{Compression, IntType, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{DoubleType, Int32Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::ReportError;
use crate::outcome::Outcomes;

/// Runs per row group: a group of the default study is a few MB per column set.
pub const GROUP_RUNS: usize = 2048;

/// Writes the file to `out`, a row group at a time: the memory it takes does not grow with
/// the number of runs.
pub fn write(o: &Outcomes, out: &mut (dyn std::io::Write + Send)) -> Result<(), ReportError> {
    let int = |name: &str, bits: i8, signed: bool| {
        Type::primitive_type_builder(name, Physical::INT32)
            .with_repetition(Repetition::REQUIRED)
            .with_logical_type(Some(LogicalType::Integer(IntType {
                bit_width: bits,
                is_signed: signed,
            })))
            .build()
    };
    let mut fields = vec![
        Arc::new(int("run", 32, false)?),
        Arc::new(int("year", 16, true)?),
    ];
    for s in &o.catalogue.series {
        fields.push(Arc::new(
            Type::primitive_type_builder(&format!("{}.{}", s.variant, s.metric), Physical::DOUBLE)
                .with_repetition(Repetition::REQUIRED)
                .build()?,
        ));
    }
    let schema = Arc::new(
        Type::group_type_builder("runs")
            .with_fields(fields)
            .build()?,
    );
    let props = Arc::new(
        WriterProperties::builder()
            .set_created_by(format!("kloof {}", env!("CARGO_PKG_VERSION")))
            .set_compression(Compression::SNAPPY)
            .build(),
    );
    let mut writer = SerializedFileWriter::new(out, schema, props)?;
    let years = o.years.len();
    for first in (0..o.runs).step_by(GROUP_RUNS) {
        let runs = first..(first + GROUP_RUNS).min(o.runs);
        let mut group = writer.next_row_group()?;
        let mut column = 0;
        while let Some(mut c) = group.next_column()? {
            match column {
                0 => {
                    let v: Vec<i32> = runs
                        .clone()
                        .flat_map(|r| std::iter::repeat_n(r as i32, years))
                        .collect();
                    c.typed::<Int32Type>().write_batch(&v, None, None)?;
                }
                1 => {
                    let v: Vec<i32> = runs.clone().flat_map(|_| o.years.iter().copied()).collect();
                    c.typed::<Int32Type>().write_batch(&v, None, None)?;
                }
                k => {
                    let series = k - 2;
                    let by_year: Vec<_> = (0..years)
                        .map(|y| o.values_of_runs(series, y, runs.clone()))
                        .collect();
                    let v: Vec<f64> = (0..runs.len())
                        .flat_map(|r| by_year.iter().map(move |y| y[r]))
                        .collect();
                    c.typed::<DoubleType>().write_batch(&v, None, None)?;
                }
            }
            c.close()?;
            column += 1;
        }
        group.close()?;
    }
    writer.close()?;
    Ok(())
}
