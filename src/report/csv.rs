//! `results.csv`: one row per variant, metric and year.

use std::fmt::Write;

use super::Row;

pub const HEADER: &str = "variant,metric,year,mean,sd,p5,p25,p50,p75,p95";

pub fn render(rows: &[Row]) -> String {
    let mut out = String::with_capacity(rows.len() * 120);
    out.push_str(HEADER);
    out.push('\n');
    for r in rows {
        let s = &r.summary;
        // Metric names hold only [a-z0-9._+-], so no field needs quoting.
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            r.series.variant.as_str(),
            r.series.metric,
            r.year,
            s.mean,
            s.sd,
            s.p5,
            s.p25,
            s.p50,
            s.p75,
            s.p95
        );
    }
    out
}
