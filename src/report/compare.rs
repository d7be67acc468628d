//! The report of `kloof compare`: `compare.md`, `compare.csv`, `compare.json` and a manifest
//! listing every compared scenario's provenance for analysts, and for the board `brief.md`,
//! `report.html` (with charts) and `report.xlsx` (its tables as numbers), in Dutch or English
//! ([`super::compare_brief`]).

use std::fmt::Write;
use std::path::Path;

use super::lang::Lang;
use super::markdown::mln;
use super::{ReportError, compare_brief, document, publish, workbook};
use crate::compare::{Comparison, Figure};
use crate::provenance::Manifest;
use crate::stats::Summary;

/// Writes the report to `dir`, all or nothing; `names` are the partners' ids and names (see
/// [`super::names`]), for the board's files in `lang`.
pub fn write(
    dir: &Path,
    manifests: &[Manifest],
    c: &Comparison,
    names: &[(String, String)],
    lang: Lang,
) -> Result<(), ReportError> {
    let json = super::json::compared(manifests, c)?;
    let brief = compare_brief::blocks(manifests, c, names, lang, false);
    let title = document::title(&brief);
    let studies: Vec<_> = manifests.iter().map(|m| &m.provenance).collect();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("compare.md", render(manifests, c).into_bytes()),
        ("compare.csv", csv(c).into_bytes()),
        ("compare.json", json),
        ("manifest.json", serde_json::to_vec_pretty(manifests)?),
        ("brief.md", document::markdown(&brief).into_bytes()),
        (
            "report.html",
            document::html(
                &title,
                &lang.to_string(),
                &compare_brief::blocks(manifests, c, names, lang, true),
            )
            .into_bytes(),
        ),
        (
            "report.xlsx",
            workbook::of_document(&title, &brief, &studies, lang)?,
        ),
    ];
    publish::publish(dir, &files)
}

fn amount(unit: &str, x: f64) -> String {
    if unit == "EUR" {
        mln(x)
    } else {
        format!("{x:.0} {unit}")
    }
}

fn cell(unit: &str, s: &Summary) -> String {
    format!(
        "{} ({} to {})",
        amount(unit, s.p50),
        amount(unit, s.p5),
        amount(unit, s.p95)
    )
}

/// The markdown report.
pub fn render(manifests: &[Manifest], c: &Comparison) -> String {
    let mut s = String::new();
    let p = &manifests[0].provenance;
    let names = &c.names;
    let _ = writeln!(
        s,
        "# {}\n\n{} Monte Carlo runs, seed {}, {}-{}, kloof {}: the same runs of every \
         scenario, so an input neither changes has the same draw in both. Cells give the median \
         and the 90 % interval (5th to 95th percentile). *Difference* is each run's figure less \
         the same run's figure in `{}`, summarised over runs: paired, so much narrower than the \
         two intervals.\n",
        names.join(" against "),
        p.runs,
        p.seed,
        p.start_year,
        p.horizon,
        p.kloof_version,
        names[0]
    );
    for (m, n) in manifests.iter().zip(names) {
        let _ = writeln!(
            s,
            "- `{n}`: {} (sha256 {}…)",
            m.provenance.scenario_path,
            &m.provenance.scenario_sha256[..12]
        );
    }
    let header = |s: &mut String, first: &str| {
        let mut h = format!("| {first} |");
        let mut line = "|---|".to_string();
        for (i, n) in names.iter().enumerate() {
            h.push_str(&format!(" {n} |"));
            line.push_str("---:|");
            if i > 0 {
                h.push_str(&format!(" difference {n} − {} |", names[0]));
                line.push_str("---:|");
            }
        }
        let _ = writeln!(s, "{h}\n{line}");
    };
    let _ = writeln!(s, "\n## Headline figures\n");
    header(&mut s, "figure");
    for r in &c.rows {
        let mut line = format!("| {} (`{}`) |", r.label, r.metric);
        for f in &r.variants {
            push(&mut line, r.unit, f);
        }
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(
        s,
        "\n## Each partner's position over the period\n\n{}Net gain against the baseline \
         (`partner.<id>.net`); negative is a loss.\n",
        super::counted(&manifests[0].provenance)
    );
    header(&mut s, "partner");
    for r in &c.partners {
        let mut line = format!("| {} |", r.partner);
        for f in &r.position {
            match f {
                Some(f) => push(&mut line, "EUR", f),
                None => line.push_str(" - |"),
            }
        }
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(s, "\n## Who gains, who loses\n");
    let mut h = "| partner: runs worse off than without the network |".to_string();
    let mut l = "|---|".to_string();
    for n in names {
        h.push_str(&format!(" {n} |"));
        l.push_str("---:|");
    }
    let _ = writeln!(s, "{h}\n{l}");
    for r in &c.partners {
        let cells: Vec<String> = r
            .worse_off
            .iter()
            .map(|w| w.map_or("-".into(), |w| format!("{:.0} %", w * 100.0)))
            .collect();
        let _ = writeln!(s, "| {} | {} |", r.partner, cells.join(" | "));
    }
    let _ = writeln!(s);
    for (i, n) in names.iter().enumerate() {
        let sh = &c.shifting[i];
        let _ = write!(
            s,
            "- `{n}`: every partner gains or breaks even in {:.0} % of the runs; one partner \
             gains while another loses in {:.0} %",
            c.all_gain[i] * 100.0,
            sh.share * 100.0
        );
        match &sh.most_often {
            Some((gains, loses, share)) => {
                let _ = writeln!(
                    s,
                    ", most often {gains} gaining most while {loses} loses most ({:.0} % of \
                     the runs).",
                    share * 100.0
                );
            }
            None => {
                let _ = writeln!(s, ".");
            }
        }
    }
    s
}

fn push(line: &mut String, unit: &str, f: &Figure) {
    line.push_str(&format!(" {} |", cell(unit, &f.summary)));
    if let Some(d) = &f.difference {
        line.push_str(&format!(" {} |", cell(unit, d)));
    }
}

/// One row per figure, scenario and kind (value or difference): `figure,scenario,kind,unit,
/// mean,p5,p50,p95`.
pub fn csv(c: &Comparison) -> String {
    let mut s = String::from("figure,scenario,kind,unit,mean,p5,p50,p95\n");
    let mut row = |figure: &str, n: &str, kind: &str, unit: &str, x: &Summary| {
        let _ = writeln!(
            s,
            "{figure},{n},{kind},{unit},{},{},{},{}",
            x.mean, x.p5, x.p50, x.p95
        );
    };
    for r in &c.rows {
        for (n, f) in c.names.iter().zip(&r.variants) {
            row(&r.metric.replace(',', ";"), n, "value", r.unit, &f.summary);
            if let Some(d) = &f.difference {
                row(&r.metric.replace(',', ";"), n, "difference", r.unit, d);
            }
        }
    }
    for r in &c.partners {
        let metric = format!("partner.{}.net", r.partner);
        for (n, f) in c.names.iter().zip(&r.position) {
            if let Some(f) = f {
                row(&metric, n, "value", "EUR", &f.summary);
                if let Some(d) = &f.difference {
                    row(&metric, n, "difference", "EUR", d);
                }
            }
        }
    }
    s
}
