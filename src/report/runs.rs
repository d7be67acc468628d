//! `runs.csv`: one row per run with its headline figures in the horizon year, for joint
//! questions a summary cannot answer (do the hospital and the insurer gain in the same runs?).
//!
//! Columns: `run`, then per variant `<variant>.<metric>` for the gaps, unmet care and total
//! cost, and for variants with an agreement the savings so far, every partner's position (from
//! the start year to the horizon), `network.net` and `partners.all_gain`, the care gained
//! (FTE-years) and its value, and every partner's net benefit with `network.benefit`. Names are
//! stable: they are the metric names of `results.csv`.

use std::fmt::Write;
use std::io;

use crate::outcome::Outcomes;

/// Metrics of every variant.
const CORE: [&str; 4] = ["gap.fte", "gap.eur", "unmet.eur.total", "cost.eur.total"];
/// Metrics of variants with an agreement, besides each partner's position.
const AGREEMENT: [&str; 6] = [
    "savings.eur.cumulative",
    "network.net",
    "partners.all_gain",
    "care.gained.fte_years",
    "care.value.eur",
    "network.benefit",
];

/// Runs written per block: the memory `runs.csv` takes, whatever the number of runs.
const BLOCK_RUNS: usize = 4096;

/// Writes `runs.csv` to `out`, a block of runs at a time.
pub fn write(o: &Outcomes, out: &mut dyn io::Write) -> io::Result<()> {
    let end = o.years.len() - 1;
    let mut columns: Vec<(String, usize)> = Vec::new();
    let mut variants: Vec<&str> = Vec::new();
    for s in &o.catalogue.series {
        if !variants.contains(&s.variant.as_str()) {
            variants.push(&s.variant);
        }
    }
    for v in variants {
        let wanted = |metric: &str| {
            CORE.contains(&metric)
                || AGREEMENT.contains(&metric)
                || (metric.starts_with("partner.")
                    && (metric.ends_with(".net") || metric.ends_with(".benefit")))
        };
        for (i, s) in o.catalogue.series.iter().enumerate() {
            if s.variant == v && wanted(&s.metric) {
                columns.push((format!("{v}.{}", s.metric), i));
            }
        }
    }
    let mut line = String::from("run");
    for (name, _) in &columns {
        line.push(',');
        line.push_str(name);
    }
    line.push('\n');
    out.write_all(line.as_bytes())?;
    // A block of runs at a time: each column's block read once, written row by row.
    for first in (0..o.runs).step_by(BLOCK_RUNS) {
        let runs = first..(first + BLOCK_RUNS).min(o.runs);
        let block: Vec<_> = columns
            .iter()
            .map(|(_, series)| o.values_of_runs(*series, end, runs.clone()))
            .collect();
        line.clear();
        for (i, run) in runs.enumerate() {
            let _ = write!(line, "{run}");
            for values in &block {
                let _ = write!(line, ",{}", values[i]);
            }
            line.push('\n');
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}
