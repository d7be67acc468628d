//! The analyst's appendix of the HTML report of a run: how precise the headline medians are,
//! what each clause of the agreement moved and how often, the events the rules fired, what the
//! funds hold at the end, and what the figures were made from. A board reads the brief above
//! it; an analyst checks the figures here before the board sees them.

use super::brief::{eur_cell, share_cell};
use super::chart::{self, Bar, BarChart};
use super::document::{Block, Cell, Unit};
use super::lang::Lang;
use crate::cost_effectiveness::summed;
use crate::outcome::Outcomes;
use crate::provenance::Provenance;
use crate::stats::Summary;
use crate::variant::NETWORK;

/// The appendix's blocks, in `lang`.
pub fn blocks(p: &Provenance, o: &Outcomes, lang: Lang) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let end = p.horizon;
    let mut b = vec![Block::Heading(
        2,
        l("Bijlage voor analisten", "Appendix for analysts"),
    )];
    precision(&mut b, o, end, lang);
    clauses(&mut b, o, end, lang);
    events(&mut b, o, lang);
    funds(&mut b, o, end, lang);
    b.push(Block::Heading(
        3,
        l(
            "Waarvan de cijfers gemaakt zijn",
            "What the figures were made from",
        ),
    ));
    let mut made = vec![
        format!("kloof {}", p.kloof_version),
        format!("scenario {} (sha256 {})", p.scenario, p.scenario_sha256),
        format!(
            "seed {}, {} {}, {}–{}",
            p.seed,
            lang.number(p.runs as f64, 0),
            l("doorrekeningen", "runs"),
            p.start_year,
            p.horizon
        ),
    ];
    made.extend(
        p.rules
            .iter()
            .map(|r| format!("{} (sha256 {})", r.path, r.sha256)),
    );
    b.push(Block::List(made));
    b
}

/// The Monte Carlo standard error of each headline median: how much of a figure is the
/// number of runs rather than the scenario.
fn precision(b: &mut Vec<Block>, o: &Outcomes, end: i32, lang: Lang) {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let rows: Vec<Vec<Cell>> = crate::study::headline_precision(o, end)
        .into_iter()
        .map(|(variant, metric, median, se)| {
            let unit = if metric.contains("fte") {
                Unit::Fte
            } else {
                Unit::Eur
            };
            let shown = |x: f64| match unit {
                Unit::Fte => lang.number(x, 1),
                _ => lang.eur(x),
            };
            vec![
                format!("{variant} · {metric}").into(),
                Cell::figure(median, unit, shown(median)),
                Cell::figure(se, unit, shown(se)),
            ]
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    b.push(Block::Heading(
        3,
        l("Monte Carlo-precisie", "Monte Carlo precision"),
    ));
    b.push(Block::Paragraph(format!(
        "{} {end}; {} {} {}.",
        l(
            "Standaardfout van elke mediaan in",
            "Standard error of each median in"
        ),
        l("uit", "from"),
        crate::stats::SECTIONS,
        l(
            "delen van opeenvolgende doorrekeningen; meer doorrekeningen (--runs of --precision) maken haar kleiner",
            "sections of consecutive runs; more runs (--runs or --precision) make it smaller"
        ),
    )));
    b.push(Block::Table(
        vec![
            l("reeks", "series"),
            l("mediaan", "median"),
            l("standaardfout", "standard error"),
        ],
        rows,
    ));
}

/// What each rule moved between partners over the period (`clause.<rule>.eur`): in how many
/// runs, and how much. A clause that never moves money is no protection, and shows as 0 %.
fn clauses(b: &mut Vec<Block>, o: &Outcomes, end: i32, lang: Lang) {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let rules: Vec<(String, f64, Summary)> = o
        .catalogue
        .series
        .iter()
        .filter(|x| x.variant == NETWORK)
        .filter_map(|x| x.metric.strip_prefix("clause.")?.strip_suffix(".eur"))
        .filter_map(|r| {
            let total = summed(o, NETWORK, &format!("clause.{r}.eur"), end)?;
            let moved = total.iter().filter(|&&x| x > 0.0).count() as f64;
            Some((
                r.to_string(),
                moved / total.len().max(1) as f64,
                Summary::of(&total),
            ))
        })
        .collect();
    if rules.is_empty() {
        return;
    }
    b.push(Block::Heading(
        3,
        l("Wat elke clausule verschoof", "What each clause moved"),
    ));
    b.push(Block::Paragraph(l(
        "Geld dat de overdrachten van een regel tussen partners en fondsen verschoven, opgeteld over de jaren van elke doorrekening. Een clausule die in geen enkele doorrekening geld verschuift, beschermt niemand.",
        "Money a rule's transfers moved between partners and funds, summed over the years of each run. A clause that moves no money in any run protects no one.",
    )));
    b.push(Block::Table(
        vec![
            l("regel", "rule"),
            l(
                "doorrekeningen waarin ze geld verschoof",
                "runs in which it moved money",
            ),
            l("mediaan", "median"),
            l("95e percentiel", "95th percentile"),
        ],
        rules
            .iter()
            .map(|(r, share, t)| {
                vec![
                    r.clone().into(),
                    share_cell(lang, *share),
                    eur_cell(lang, t.p50),
                    eur_cell(lang, t.p95),
                ]
            })
            .collect(),
    ));
    // One clause reads from the table; a chart compares several.
    if rules.len() < 2 {
        return;
    }
    let c = BarChart {
        title: l(
            "Hoe vaak elke clausule geld verschoof",
            "How often each clause moved money",
        ),
        reading: l(
            "Aandeel van de doorrekeningen waarin een clausule in enig jaar geld verschoof; nul betekent: ze doet nooit iets.",
            "Share of runs in which a clause moved money in any year; zero means it never acts.",
        ),
        y_label: l("doorrekeningen (%)", "runs (%)"),
        bars: rules
            .iter()
            .map(|(r, share, _)| Bar {
                label: r.clone(),
                value: share * 100.0,
                interval: None,
            })
            .collect(),
    };
    let svg = chart::render_bars(&c, &|x| format!("{} %", lang.number(x, 0)));
    b.push(Block::Chart {
        svg,
        reading: c.reading.clone(),
    });
}

/// The share of runs in which a rule fired each event, per year; events no run fired are
/// named once.
fn events(b: &mut Vec<Block>, o: &Outcomes, lang: Lang) {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let share = |e: &str, y: i32| {
        o.get(NETWORK, &format!("event.{e}"), y)
            .map(|x| x.iter().filter(|v| **v > 0.0).count() as f64 / x.len().max(1) as f64)
    };
    let (fired, never): (Vec<&str>, Vec<&str>) = o
        .catalogue
        .series
        .iter()
        .filter(|x| x.variant == NETWORK)
        .filter_map(|x| x.metric.strip_prefix("event."))
        .partition(|e| {
            o.years
                .iter()
                .any(|&y| share(e, y).is_some_and(|s| s > 0.0))
        });
    if fired.is_empty() && never.is_empty() {
        return;
    }
    b.push(Block::Heading(3, l("Gebeurtenissen", "Events")));
    b.push(Block::Paragraph(l(
        "Aandeel van de doorrekeningen waarin een regel de gebeurtenis meldde, per jaar.",
        "Share of runs in which a rule fired the event, per year.",
    )));
    if !fired.is_empty() {
        let mut head = vec![l("gebeurtenis", "event")];
        head.extend(o.years.iter().map(i32::to_string));
        b.push(Block::Table(
            head,
            fired
                .iter()
                .map(|e| {
                    let mut row = vec![Cell::from(*e)];
                    row.extend(
                        o.years.iter().map(|&y| {
                            share(e, y).map_or_else(|| "–".into(), |s| share_cell(lang, s))
                        }),
                    );
                    row
                })
                .collect(),
        ));
    }
    if !never.is_empty() {
        b.push(Block::Paragraph(format!(
            "{}: {}.",
            l(
                "In geen enkele doorrekening of jaar gemeld",
                "Never fired in any run or year"
            ),
            never.join(", ")
        )));
    }
}

/// What each fund holds at the end of the horizon.
fn funds(b: &mut Vec<Block>, o: &Outcomes, end: i32, lang: Lang) {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let rows: Vec<Vec<Cell>> = o
        .catalogue
        .series
        .iter()
        .filter(|x| x.variant == NETWORK)
        .filter_map(|x| x.metric.strip_prefix("fund.")?.strip_suffix(".eur"))
        .filter_map(|f| {
            let s = Summary::of(o.get(NETWORK, &format!("fund.{f}.eur"), end)?);
            Some(vec![
                format!("fund:{f}").into(),
                eur_cell(lang, s.p50),
                eur_cell(lang, s.p5),
                eur_cell(lang, s.p95),
            ])
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    b.push(Block::Heading(
        3,
        format!(
            "{} {end}",
            l("Fondsen aan het eind van", "Funds at the end of")
        ),
    ));
    b.push(Block::Table(
        vec![
            l("fonds", "fund"),
            l("mediaan", "median"),
            "P5".into(),
            "P95".into(),
        ],
        rows,
    ));
}
