//! The report of `kloof sensitivity`: a tornado table (`sensitivity.md`), every figure
//! (`sensitivity.csv`, `sensitivity.json`) and the manifest.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::markdown::int;
use super::{ReportError, publish};
use crate::provenance::{Manifest, Provenance};
use crate::sensitivity::Sensitivity;

/// Writes the report to `dir`, all or nothing.
pub fn write(dir: &Path, manifest: &Manifest, s: &Sensitivity) -> Result<(), ReportError> {
    #[derive(Serialize)]
    struct Json<'a> {
        provenance: &'a Provenance,
        #[serde(flatten)]
        sensitivity: &'a Sensitivity,
    }
    let json = serde_json::to_vec_pretty(&Json {
        provenance: &manifest.provenance,
        sensitivity: s,
    })?;
    let mut csv = String::from("input,rank_correlation,at_p10,at_p90,swing,sobol_first_order\n");
    for i in &s.inputs {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{}",
            i.input,
            i.rank_correlation,
            i.at_p10,
            i.at_p90,
            i.swing(),
            i.sobol_first_order
        );
    }
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "sensitivity.md",
            render(&manifest.provenance, s, usize::MAX).into_bytes(),
        ),
        ("sensitivity.csv", csv.into_bytes()),
        ("sensitivity.json", json),
        ("manifest.json", serde_json::to_vec_pretty(manifest)?),
    ];
    publish::publish(dir, &files)
}

/// A number as the table shows it: whole with thousands grouped from 1,000 on, else four
/// decimals (shares, rates).
fn num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        int(x)
    } else {
        format!("{x:.4}")
    }
}

/// The tornado table of the `top` most influential inputs, with a bar for each swing.
pub fn render(p: &Provenance, s: &Sensitivity, top: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# What drives `{}` ({}, {})\n\nScenario `{}`, {} runs, seed {}, kloof {}. With every \
         uncertain input at its median the metric is {}. *Swing*: the metric with one input at \
         its 10th and at its 90th percentile, the rest at their medians (one run each). *Rank \
         correlation*: Spearman, input against metric over the runs. *Sobol*: the share of the \
         metric's variance the input explains on its own (first order, estimated from the runs \
         by binning; below about 1/√runs it is noise).\n",
        s.metric,
        s.variant,
        s.year,
        p.scenario,
        p.runs,
        p.seed,
        p.kloof_version,
        num(s.at_medians)
    );
    let widest = s
        .inputs
        .iter()
        .map(|i| i.swing().abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let _ = writeln!(
        out,
        "| input | at P10 | at P90 | swing | | rank correlation | Sobol |\n|---|---:|---:|---:|---|---:|---:|"
    );
    for i in s.inputs.iter().take(top) {
        let bar = "#".repeat(((i.swing().abs() / widest) * 20.0).round() as usize);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{bar}` | {:.2} | {:.2} |",
            i.input,
            num(i.at_p10),
            num(i.at_p90),
            num(i.swing()),
            i.rank_correlation,
            i.sobol_first_order
        );
    }
    if s.inputs.len() > top {
        let _ = writeln!(
            out,
            "\n({} more inputs in sensitivity.md and sensitivity.csv.)",
            s.inputs.len() - top
        );
    }
    out
}
