//! The report of `kloof stress`: `stress.md`, `stress.csv`, `stress.json` and a manifest of
//! the base's and every shock's provenance for analysts, and for the board `brief.md`,
//! `report.html` (with charts) and `report.xlsx` (its tables as numbers), in Dutch or English
//! ([`super::stress_brief`]).

use std::fmt::Write;
use std::path::Path;

use super::lang::Lang;
use super::markdown::mln;
use super::{ReportError, compare, document, publish, stress_brief, workbook};
use crate::provenance::Manifest;
use crate::stress::Stress;

/// Writes the report to `dir`, all or nothing; `names` are the partners' ids and names (see
/// [`super::names`]), for the board's files in `lang`.
pub fn write(
    dir: &Path,
    manifests: &[Manifest],
    st: &Stress,
    names: &[(String, String)],
    lang: Lang,
) -> Result<(), ReportError> {
    let json = super::json::compared(manifests, st)?;
    let brief = stress_brief::blocks(manifests, st, names, lang, false);
    let title = document::title(&brief);
    let studies: Vec<_> = manifests.iter().map(|m| &m.provenance).collect();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("stress.md", render(manifests, st).into_bytes()),
        ("stress.csv", csv(st).into_bytes()),
        ("stress.json", json),
        ("manifest.json", serde_json::to_vec_pretty(manifests)?),
        ("brief.md", document::markdown(&brief).into_bytes()),
        (
            "report.html",
            document::html(
                &title,
                &lang.to_string(),
                &stress_brief::blocks(manifests, st, names, lang, true),
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

/// The markdown report: the shocks side by side with the base, then each partner's tail, the
/// clauses that fired, and who carries the loss.
pub fn render(manifests: &[Manifest], st: &Stress) -> String {
    let c = &st.comparison;
    let side = compare::render(manifests, c);
    let body = side.split_once("\n\n").map_or(side.as_str(), |(_, b)| b);
    let mut s = format!(
        "# Stress test of `{}`: {} shocks\n\nEach shock is the scenario changed as the stress \
         set says, run with the same draws; *difference* is against the unshocked scenario \
         `{}`, run by run.\n\n{body}",
        c.names[0],
        c.names.len() - 1,
        c.names[0]
    );
    let _ = writeln!(
        s,
        "\n## Tail risk per partner\n\n{}Expected shortfall: the mean of the partner's worst 5 % \
         of runs (its position over the period).\n",
        super::counted(&manifests[0].provenance)
    );
    table(
        &mut s,
        "partner",
        &c.names,
        st,
        |r| &r.expected_shortfall,
        mln,
    );
    exposure(&mut s, st);
    let _ = writeln!(
        s,
        "\n## Clauses that fired\n\nShare of runs in which a rule's event fired in at least one \
         year.\n"
    );
    table(
        &mut s,
        "event",
        &c.names,
        st,
        |r| &r.clauses,
        |x| format!("{:.0} %", x * 100.0),
    );
    let _ = writeln!(
        s,
        "\n## Who carries the loss\n\nThe partner whose own result falls most against the \
         unshocked scenario (or the earlier shock a shock names in `against`), run by run \
         (mean, EUR of each year): for a financier its budget without the agreement less its \
         cost, for a provider its margin on care, for every partner plus what it received \
         through the agreement less what it paid. Positions against the baseline (above) can \
         hardly move under a shock that hits the baseline as much as the network, such as \
         wages. A partner that leaves the agreement (`leaves`) keeps its contracts and \
         clients and is judged on every year; a provider that leaves the market \
         (`exits_market`) is judged on its years in it.\n"
    );
    for r in st.shocks.iter().skip(1) {
        let _ = match &r.carries_the_loss {
            Some((id, d)) => writeln!(
                s,
                "- `{}`: {id}, whose own result falls most against `{}` (mean {}).",
                r.name,
                r.against,
                mln(*d)
            ),
            None => writeln!(
                s,
                "- `{}`: no partner loses more than EUR 100 against `{}` on average.",
                r.name, r.against
            ),
        };
        if let Some(o) = &r.outside {
            let left: Vec<String> = o
                .left
                .iter()
                .map(|(id, y)| format!("{id} from {y}"))
                .collect();
            let _ = writeln!(
                s,
                "  Providers outside the network take over the clients of {}: their margin on \
                 care over the period {} (90 % interval {} to {}), none of it in a partner's \
                 position.",
                left.join(" and "),
                mln(o.margin.p50),
                mln(o.margin.p5),
                mln(o.margin.p95)
            );
        }
    }
    s
}

/// Each financier's exposure: the base year by year, then the worst year and the deepest fall
/// under every shock.
fn exposure(s: &mut String, st: &Stress) {
    let Some(base) = st.shocks.first() else {
        return;
    };
    if base.exposure.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## Exposure per financier\n\nWhat the agreement gains or costs each financier in a \
         year: the change of its position that year (median; a bad year, one in twenty, the \
         5th percentile; expected shortfall, the mean of its worst 5 % of runs), in EUR and \
         against its own budget that year. The deepest fall is the largest drop of its \
         position summed from the start below an earlier high (the start counting as 0).\n"
    );
    let pct = |x: f64, budget: f64| {
        if budget > 0.0 {
            format!("{:.2} %", 100.0 * x / budget)
        } else {
            "-".into()
        }
    };
    for e in &base.exposure {
        let _ = writeln!(
            s,
            "**{}** (`{}`): deepest fall {} (median), {} (95th percentile).\n\n| year | median | \
             bad year (P5) | expected shortfall | shortfall / budget |\n|---:|---:|---:|---:|---:|",
            super::plain(&e.financier),
            super::plain(&st.comparison.names[0]),
            mln(e.max_drawdown_p50),
            mln(e.max_drawdown_p95)
        );
        for y in &e.years {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                y.year,
                mln(y.p50),
                mln(y.p5),
                mln(y.expected_shortfall),
                pct(y.expected_shortfall, y.budget)
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "Under each shock: the financier's worst year (lowest expected shortfall) and its deepest \
         fall at the 95th percentile.\n\n| financier | {} |\n|---|{}",
        st.comparison.names.join(" | "),
        "---:|".repeat(st.comparison.names.len())
    );
    for e in &base.exposure {
        let cells: Vec<String> =
            st.shocks
                .iter()
                .map(|r| {
                    r.exposure
                        .iter()
                        .find(|x| x.financier == e.financier)
                        .and_then(|x| {
                            let worst = x.years.iter().min_by(|a, b| {
                                a.expected_shortfall.total_cmp(&b.expected_shortfall)
                            })?;
                            Some(format!(
                                "{} in {}; fall {}",
                                mln(worst.expected_shortfall),
                                worst.year,
                                mln(x.max_drawdown_p95)
                            ))
                        })
                        .unwrap_or_else(|| "-".into())
                })
                .collect();
        let _ = writeln!(
            s,
            "| {} | {} |",
            super::plain(&e.financier),
            cells.join(" | ")
        );
    }
    if base.clause_amounts.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## Clause amounts at P95\n\nWhat each rule's tallies (overproduction, unused lump \
         sums, ...) come to per partner, summed over the period, at the 95th percentile of the \
         runs.\n"
    );
    table(
        s,
        "tally",
        &st.comparison.names,
        st,
        |r| &r.clause_amounts,
        mln,
    );
}

/// A table with a row per name the base lists (a partner, an event) and a column per
/// scenario, each cell found by name so that a shock with other rows cannot shift them.
fn table(
    s: &mut String,
    first: &str,
    names: &[String],
    st: &Stress,
    rows: impl Fn(&crate::stress::ShockResult) -> &Vec<(String, f64)>,
    cell: impl Fn(f64) -> String,
) {
    let _ = writeln!(
        s,
        "| {first} | {} |\n|---|{}",
        names.join(" | "),
        "---:|".repeat(names.len())
    );
    let Some(base) = st.shocks.first() else {
        return;
    };
    for (name, _) in rows(base) {
        let cells: Vec<String> = st
            .shocks
            .iter()
            .map(|r| {
                rows(r)
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("-".into(), |(_, x)| cell(*x))
            })
            .collect();
        let _ = writeln!(s, "| {name} | {} |", cells.join(" | "));
    }
}

/// The comparison's rows, then per shock and partner the expected shortfall and per event the
/// share of runs it fired in.
pub fn csv(st: &Stress) -> String {
    let mut s = compare::csv(&st.comparison);
    for r in &st.shocks {
        for (id, x) in &r.expected_shortfall {
            let _ = writeln!(
                s,
                "partner.{id}.net,{},expected_shortfall,EUR,{x},,,",
                r.name
            );
        }
        for (e, x) in &r.clauses {
            let _ = writeln!(s, "event.{e},{},share_of_runs,share,{x},,,", r.name);
        }
        if let Some(o) = &r.outside {
            let m = &o.margin;
            let _ = writeln!(
                s,
                "margin.eur.outside,{},summed_over_years,EUR,{},{},{},{}",
                r.name, m.mean, m.p5, m.p50, m.p95
            );
        }
    }
    s
}
