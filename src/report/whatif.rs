//! The what-if page's answer (`kloof serve`): the figures a board watches while it moves the
//! levers, each beside the scenario as first loaded with the paired difference (the same
//! runs of both, as `kloof compare` pairs them), the partners' positions, and the board's
//! brief of the current settings with its charts, as HTML to put in the page.

use serde::Serialize;

use super::compare_brief::name_of;
use super::document::{self, Block, Cell};
use super::lang::Lang;
use super::{About, brief};
use crate::compare::Comparison;
use crate::outcome::Outcomes;
use crate::provenance::Manifest;
use crate::scenario::Scenario;
use crate::stats::{Summary, median_standard_error};
use crate::variant::{BASELINE, NETWORK};

/// What the page shows of one re-run.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub runs: u64,
    pub seed: u64,
    /// The 95 % interval of the median staff gap with the network, as a share of the median:
    /// how precise the headline is at this many runs (each figure states its own margin).
    pub precision: f64,
    /// The headline figures, now and as loaded.
    pub figures: Vec<Figure>,
    /// The figures and the partners beside the scenario as loaded (HTML).
    pub changes: String,
    /// The board's brief of the current settings, with its charts (HTML).
    pub brief: String,
}

/// One headline figure: its median now, and the paired difference with the scenario as
/// loaded.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// `variant/metric/year`, as `results.csv` names the series.
    pub series: String,
    pub label: String,
    /// The median now, as `results.csv` gives it.
    pub value: f64,
    pub shown: String,
    /// The Monte Carlo margin of the median: ± 1.96 standard errors (95 %).
    pub margin: String,
    /// The median as loaded.
    pub loaded: Option<String>,
    /// The median of the run-by-run difference with the scenario as loaded, and its 90 %
    /// interval.
    pub difference: Option<String>,
}

/// The headline figures: series, Dutch and English label, whether euros.
const FIGURES: [(&str, &str, &str, &str, bool); 4] = [
    (
        BASELINE,
        "gap.fte",
        "Personeelstekort zonder netwerk (fte)",
        "Staff gap without the network (FTE)",
        false,
    ),
    (
        NETWORK,
        "gap.fte",
        "Personeelstekort met netwerk (fte)",
        "Staff gap with the network (FTE)",
        false,
    ),
    (
        NETWORK,
        "care.gained.fte_years",
        "Gewonnen zorg over de periode (fte-jaren)",
        "Care gained over the period (FTE-years)",
        false,
    ),
    (
        NETWORK,
        "network.net",
        "Alle partners samen (saldo)",
        "All partners together (balance)",
        true,
    ),
];

/// The page of a re-run: `now` (the current settings) beside `loaded` (the scenario as first
/// loaded), both of the same runs and seed, compared in `c`.
pub fn page(
    loaded: &Outcomes,
    now: (&Scenario, &Manifest, &Outcomes),
    c: &Comparison,
    lang: Lang,
) -> Page {
    let (scenario, manifest, o) = now;
    let p = &manifest.provenance;
    let end = p.horizon;
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let show = |x: f64, eur: bool| {
        if eur { lang.eur(x) } else { lang.number(x, 1) }
    };
    let figures: Vec<Figure> = FIGURES
        .iter()
        .filter_map(|&(v, m, nl, en, eur)| {
            let x = o.get(v, m, end)?;
            let was = loaded.get(v, m, end);
            let median = Summary::of(&*x).p50;
            Some(Figure {
                series: format!("{v}/{m}/{end}"),
                label: l(nl, en),
                value: median,
                shown: show(median, eur),
                margin: format!("± {}", show(1.96 * median_standard_error(&x), eur)),
                loaded: was.as_ref().map(|w| show(Summary::of(&**w).p50, eur)),
                difference: was.filter(|w| w.len() == x.len()).map(|w| {
                    let d: Vec<f64> = x.iter().zip(w.iter()).map(|(a, b)| a - b).collect();
                    let s = Summary::of(&d);
                    if d.iter().all(|x| *x == 0.0) {
                        return l("geen, in geen enkele doorrekening", "none, in any run");
                    }
                    format!(
                        "{} ({} – {})",
                        signed(&show(s.p50, eur), s.p50),
                        show(s.p5, eur),
                        show(s.p95, eur)
                    )
                }),
            })
        })
        .collect();
    let about = About::of(scenario, o).in_lang(lang);
    let mut head = vec![
        l("kerncijfer", "figure"),
        l("zoals geladen", "as loaded"),
        l("nu", "now"),
        l("verschil (90 %-interval)", "difference (90 % interval)"),
    ];
    let rows = figures
        .iter()
        .map(|f| {
            vec![
                Cell::from(f.label.as_str()),
                Cell::from(f.loaded.clone().unwrap_or_else(|| "–".into())),
                Cell::from(f.shown.as_str()),
                Cell::from(f.difference.clone().unwrap_or_else(|| "–".into())),
            ]
        })
        .collect();
    let mut changes = vec![
        Block::Heading(
            2,
            l("Wat de instellingen veranderen", "What the settings change"),
        ),
        Block::Paragraph(l(
            "Elk getal is de mediaan in het laatste jaar; de marge erbij (95 %) komt van het aantal doorrekeningen. Het verschil is per doorrekening berekend tegenover dezelfde doorrekening van het scenario zoals geladen (gepaard): het toont wat de instellingen zelf veranderen, met het interval waarin 9 van de 10 doorrekeningen vallen.",
            "Every figure is the median in the last year; its margin (95 %) comes from the number of runs. The difference is computed run by run against the same run of the scenario as loaded (paired): it shows what the settings themselves change, with the interval that holds 9 in 10 runs.",
        )),
        Block::Table(head.clone(), rows),
    ];
    head[0] = l("partner", "partner");
    head.push(l("kans op verlies nu", "chance of a loss now"));
    let partners = c
        .partners
        .iter()
        .map(|row| {
            let get = |i: usize| row.position.get(i).and_then(Option::as_ref);
            let median = |i: usize| get(i).map_or_else(|| "–".into(), |f| lang.eur(f.summary.p50));
            let diff = get(1).and_then(|f| f.difference).map_or_else(
                || "–".into(),
                |d| {
                    format!(
                        "{} ({} – {})",
                        signed(&lang.eur(d.p50), d.p50),
                        lang.eur(d.p5),
                        lang.eur(d.p95)
                    )
                },
            );
            let worse = row.worse_off.get(1).copied().flatten();
            vec![
                Cell::from(name_of(&about.names, &row.partner)),
                Cell::from(median(0)),
                Cell::from(median(1)),
                Cell::from(diff),
                worse.map_or_else(|| Cell::from("–"), |w| Cell::from(lang.percent(w))),
            ]
        })
        .collect();
    changes.push(Block::Heading(
        3,
        l(
            "Saldo per partner over de periode",
            "Balance per partner over the period",
        ),
    ));
    changes.push(Block::Table(head, partners));
    Page {
        runs: p.runs,
        seed: p.seed,
        precision: o.get(NETWORK, "gap.fte", end).map_or(f64::NAN, |x| {
            1.96 * median_standard_error(&x) / Summary::of(x).p50.abs()
        }),
        figures,
        changes: document::fragment(&changes),
        brief: document::fragment(&brief::blocks(p, &about, o, lang, true)),
    }
}

/// A difference with its sign: `+` before a rise (not before one that shows as 0).
fn signed(shown: &str, x: f64) -> String {
    if x > 0.0 && shown.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{shown}")
    } else {
        shown.to_string()
    }
}
