//! The board's reading of `kloof compare` (issue 25): variants side by side in plain words,
//! with partner names instead of ids, in Dutch or English. A board asks of a variant what it
//! changes against the reference and for whom, so every figure comes with its paired
//! difference (each run against the same run of the reference), and each variant names the
//! partners whose position falls most. The tables are in long form (a row per figure and
//! variant), so that they stay readable with many variants and a workbook can filter them.
//!
//! The stress test's brief ([`super::stress_brief`]) is a comparison too, and builds on the
//! pieces here.

use super::brief::{display, figure};
use super::chart::{self, Bar, BarChart};
use super::document::{Block, Cell, Unit};
use super::lang::Lang;
use crate::compare::{Comparison, Figure, PartnerRow, Row};
use crate::provenance::Manifest;
use crate::stats::Summary;

/// A position falls when its median paired difference is below minus half a euro (the
/// ledger's cents), as `compare` counts a gain or a loss.
const FALL: f64 = -0.5;

/// How many partners a variant names as the ones it affects most.
const MOST_AFFECTED: usize = 3;

/// Partner `id`'s name as a board reads it; an entity (which has no name of its own) or an
/// unknown id stays as written.
pub(super) fn name_of(names: &[(String, String)], id: &str) -> String {
    names
        .iter()
        .find(|(i, _)| i == id)
        .map_or_else(|| id.to_string(), |(_, n)| display(n))
}

/// A headline figure's name in `lang`: the comparison's own label in English, a Dutch one
/// for the figures it computes.
pub(super) fn label(lang: Lang, row: &Row) -> String {
    let nl = match row.metric.as_str() {
        "gap.fte (baseline − network)" => "Personeelstekort gesloten in het laatste jaar",
        "gap.eur (baseline − network)" => "Geldtekort gesloten in het laatste jaar",
        "gap.eur" => "Geldtekort in het laatste jaar, met netwerk",
        "cost.eur.total summed over the years" => "Totale kosten over de periode, met netwerk",
        "savings.eur.cumulative" => "Besparing over de periode",
        "network.net" => "Alle partners samen",
        "network.benefit" => "Alle partners samen, netto baat",
        "care.gained.fte_years" => "Gewonnen zorg over de periode",
        _ => row.label.as_str(),
    };
    lang.pick(nl, &row.label).to_string()
}

/// An amount in a comparison's unit (`EUR`, `FTE`, `FTE-years`) as a board reads it: euros
/// as `€ 1,2 mln`, staff to one decimal (a shock moves the gap by tenths of an FTE).
pub(super) fn amount(lang: Lang, unit: &str, x: f64) -> String {
    match unit {
        "EUR" => lang.eur(x),
        "FTE" => format!("{} {}", lang.number(x, 1), lang.pick("fte", "FTE")),
        "FTE-years" => format!(
            "{} {}",
            lang.number(x, 1),
            lang.pick("fte-jaren", "FTE-years")
        ),
        _ => format!("{} {unit}", lang.number(x, 1)),
    }
}

/// [`amount`] as a table cell that a workbook keeps as a number.
pub(super) fn amount_cell(lang: Lang, unit: &str, x: f64) -> Cell {
    let u = match unit {
        "EUR" => Unit::Eur,
        "FTE" | "FTE-years" => Unit::Fte,
        _ => Unit::Count,
    };
    let shown = match unit {
        "EUR" => lang.eur(x),
        _ => lang.number(x, 1),
    };
    Cell::figure(x, u, shown)
}

/// "x (90 %-interval: a – b)" in `unit`.
pub(super) fn span(lang: Lang, unit: &str, s: &Summary) -> String {
    format!(
        "{} ({}: {} – {})",
        amount(lang, unit, s.p50),
        lang.pick("90 %-interval", "90 % interval"),
        amount(lang, unit, s.p5),
        amount(lang, unit, s.p95)
    )
}

/// The staff gap the network closes at the horizon, as `compare` names its metric.
pub(super) const GAP_CLOSED: &str = "gap.fte (baseline − network)";

/// The headline figure of `metric`.
pub(super) fn row<'c>(c: &'c Comparison, metric: &str) -> Option<&'c Row> {
    c.rows.iter().find(|r| r.metric == metric)
}

/// All partners together, whichever way partners are counted (`network.net`, or
/// `network.benefit` with `--value benefit`).
pub(super) fn together(c: &Comparison) -> Option<&Row> {
    c.rows.iter().find(|r| r.metric.starts_with("network."))
}

/// The median, P5 and P95 of `f`, then of its paired difference (dashes for the reference).
fn figure_cells(lang: Lang, unit: &str, f: &Figure) -> Vec<Cell> {
    let s = &f.summary;
    let mut cells = vec![
        amount_cell(lang, unit, s.p50),
        amount_cell(lang, unit, s.p5),
        amount_cell(lang, unit, s.p95),
    ];
    match &f.difference {
        Some(d) => cells.extend([
            amount_cell(lang, unit, d.p50),
            amount_cell(lang, unit, d.p5),
            amount_cell(lang, unit, d.p95),
        ]),
        None => cells.extend((0..3).map(|_| Cell::from("–"))),
    }
    cells
}

/// The header of a long table: what the rows are, the variant, the figure's median and 90 %
/// interval, and the paired difference with `reference`.
fn long_header(lang: Lang, first: &str, variant: &str, reference: &str) -> Vec<String> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    vec![
        first.to_string(),
        variant.to_string(),
        l("mediaan", "median"),
        "P5".into(),
        "P95".into(),
        format!(
            "{} {reference} ({})",
            l("verschil met", "difference with"),
            l("mediaan", "median")
        ),
        l("verschil P5", "difference P5"),
        l("verschil P95", "difference P95"),
    ]
}

/// Every headline figure in every variant, a row each: median, 90 % interval and the paired
/// difference with the reference.
pub(super) fn headline(lang: Lang, c: &Comparison, variant: &str) -> Block {
    let rows = c
        .rows
        .iter()
        .flat_map(|r| {
            c.names.iter().zip(&r.variants).map(move |(n, f)| {
                let unit = match r.unit {
                    "EUR" => lang.pick("euro", "EUR"),
                    "FTE" => lang.pick("fte", "FTE"),
                    "FTE-years" => lang.pick("fte-jaren", "FTE-years"),
                    other => other,
                };
                let figure = format!("{} ({unit})", label(lang, r));
                let mut cells = vec![Cell::from(figure), Cell::from(n.as_str())];
                cells.extend(figure_cells(lang, r.unit, f));
                cells
            })
        })
        .collect();
    Block::Table(
        long_header(
            lang,
            lang.pick("kerncijfer", "figure"),
            variant,
            &c.names[0],
        ),
        rows,
    )
}

/// The partners whose position falls most in variant `i` against the reference (median of
/// the paired difference, lowest first), at most [`MOST_AFFECTED`]; none that do not fall.
pub(super) fn most_affected(c: &Comparison, i: usize) -> Vec<(&PartnerRow, Summary)> {
    let mut falls: Vec<(&PartnerRow, Summary)> = c
        .partners
        .iter()
        .filter_map(|p| {
            let d = p.position.get(i)?.as_ref()?.difference?;
            (d.p50 < FALL).then_some((p, d))
        })
        .collect();
    falls.sort_by(|a, b| a.1.p50.total_cmp(&b.1.p50));
    falls.truncate(MOST_AFFECTED);
    falls
}

/// Per variant after the reference, the partners it affects most, with the paired difference
/// of their position.
fn affected_table(lang: Lang, c: &Comparison, names: &[(String, String)], variant: &str) -> Block {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let rows = (1..c.names.len())
        .flat_map(|i| {
            most_affected(c, i).into_iter().map(move |(p, d)| {
                vec![
                    Cell::from(c.names[i].as_str()),
                    Cell::from(name_of(names, &p.partner)),
                    amount_cell(lang, "EUR", d.p50),
                    amount_cell(lang, "EUR", d.p5),
                    amount_cell(lang, "EUR", d.p95),
                ]
            })
        })
        .collect();
    Block::Table(
        vec![
            variant.to_string(),
            l("partner", "partner"),
            format!(
                "{} {} ({})",
                l("verschil met", "difference with"),
                c.names[0],
                l("mediaan", "median")
            ),
            l("verschil P5", "difference P5"),
            l("verschil P95", "difference P95"),
        ],
        rows,
    )
}

/// Each partner in each variant: its position over the period, the paired difference with the
/// reference, and the chance it ends worse off than without the network.
fn partner_table(lang: Lang, c: &Comparison, names: &[(String, String)], variant: &str) -> Block {
    let mut head = long_header(lang, lang.pick("partner", "partner"), variant, &c.names[0]);
    head.push(lang.pick("kans op verlies", "chance of a loss").to_string());
    let rows = c
        .partners
        .iter()
        .flat_map(|p| {
            c.names
                .iter()
                .zip(&p.position)
                .zip(&p.worse_off)
                .filter_map(move |((n, f), w)| {
                    let f = f.as_ref()?;
                    let mut cells = vec![
                        Cell::from(name_of(names, &p.partner)),
                        Cell::from(n.as_str()),
                    ];
                    cells.extend(figure_cells(lang, "EUR", f));
                    cells.push(
                        w.map_or_else(|| Cell::from("–"), |w| super::brief::share_cell(lang, w)),
                    );
                    Some(cells)
                })
        })
        .collect();
    Block::Table(head, rows)
}

/// A bar per variant after the reference: the paired difference of `row` with the reference,
/// with its 90 % interval as a whisker; a row each, so that every variant's (or shock's) name
/// shows in full. `None` without the row.
pub(super) fn difference_chart(
    lang: Lang,
    c: &Comparison,
    row: Option<&Row>,
    title: String,
    reading: String,
    y_label: String,
) -> Option<Block> {
    let r = row?;
    let bars: Vec<Bar> = c
        .names
        .iter()
        .zip(&r.variants)
        .skip(1)
        .filter_map(|(n, f)| {
            let d = f.difference?;
            Some(Bar {
                label: n.clone(),
                value: d.p50,
                interval: Some((d.p5, d.p95)),
            })
        })
        .collect();
    if bars.is_empty() {
        return None;
    }
    let chart = BarChart {
        title,
        reading,
        y_label,
        bars,
    };
    let unit = r.unit;
    let svg = chart::render_rows(&chart, &|x| match unit {
        "EUR" => lang.eur(x),
        _ => lang.number(x, 1),
    });
    Some(figure(lang, &chart.title, svg))
}

/// The appendix for analysts: per study its scenario file and hash, runs, seed, years and,
/// with `--precision`, the runs it took.
pub(super) fn appendix(lang: Lang, manifests: &[Manifest]) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let rows = manifests
        .iter()
        .map(|m| {
            let p = &m.provenance;
            vec![
                Cell::from(p.scenario.as_str()),
                Cell::from(p.scenario_path.as_str()),
                Cell::from(p.scenario_sha256.as_str()),
                Cell::figure(p.runs as f64, Unit::Count, lang.number(p.runs as f64, 0)),
                Cell::figure(p.seed as f64, Unit::Count, p.seed.to_string()),
                Cell::from(format!("{}–{}", p.start_year, p.horizon)),
                Cell::from(m.precision.as_ref().map_or_else(
                    || l("vast aantal", "fixed count"),
                    |x| {
                        format!(
                            "{} {}, {} {}{}",
                            l("doel", "target"),
                            lang.percent(x.target),
                            lang.number(x.runs_needed as f64, 0),
                            l("doorrekeningen", "runs"),
                            if x.met {
                                ""
                            } else {
                                lang.pick(" (niet gehaald)", " (not met)")
                            }
                        )
                    },
                )),
            ]
        })
        .collect();
    let kloof = manifests
        .first()
        .map_or("", |m| m.provenance.kloof_version.as_str());
    vec![
        Block::Heading(2, l("Bijlage voor analisten", "Appendix for analysts")),
        Block::Paragraph(format!(
            "{} kloof {kloof}. {}",
            l(
                "Elke doorrekening hieronder gebruikt dezelfde seed en dezelfde trekkingen per doorrekening, berekend met",
                "Every study below uses the same seed and the same draws per run, computed with"
            ),
            l(
                "De volledige tabellen staan in report.xlsx; manifest.json noemt ook de regelbestanden met hun hash.",
                "The full tables are in report.xlsx; manifest.json also names the rule files with their hash."
            )
        )),
        Block::Table(
            vec![
                l("scenario", "scenario"),
                l("bestand", "file"),
                "sha256".into(),
                l("doorrekeningen", "runs"),
                "seed".into(),
                l("jaren", "years"),
                l("precisie", "precision"),
            ],
            rows,
        ),
    ]
}

/// The blocks of a comparison's `brief.md`, and with `charts` the charts its `report.html`
/// shows: a summary for the board, then the figures and partners side by side, the partners
/// each variant affects most, and the appendix.
pub fn blocks(
    manifests: &[Manifest],
    c: &Comparison,
    names: &[(String, String)],
    lang: Lang,
    charts: bool,
) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let reference = &c.names[0];
    let variant = l("variant", "variant");
    let (runs, start, end) = manifests.first().map_or((0, 0, 0), |m| {
        let p = &m.provenance;
        (p.runs, p.start_year, p.horizon)
    });
    let mut b = vec![
        Block::Heading(
            1,
            format!(
                "{}: {}",
                l("Varianten vergeleken", "Variants compared"),
                c.names.join(", ")
            ),
        ),
        Block::Paragraph(format!(
            "{} {start}–{end}, {} {} {} {reference} {}",
            l(
                "Elke variant doorgerekend over",
                "Every variant computed over"
            ),
            l("in dezelfde", "in the same"),
            lang.number(runs as f64, 0),
            l(
                "varianten van de onzekere invoer (Monte Carlo), zodat een invoer die twee varianten niet veranderen in beide gelijk is. Elk getal is de mediaan, met het 90 %-interval waarin 9 van de 10 uitkomsten vallen. Het verschil met",
                "draws of the uncertain inputs (Monte Carlo), so that an input two variants do not change is the same in both. Every figure is the median, with the 90 % interval that holds 9 in 10 outcomes. The difference with"
            ),
            l(
                "is per doorrekening berekend (gepaard): het toont wat de variant zelf verandert, en is daarom veel smaller dan de twee intervallen.",
                "is computed run by run (paired): it shows what the variant itself changes, and so is much narrower than the two intervals."
            ),
        )),
        Block::Heading(2, l("Bestuurlijke samenvatting", "Summary for the board")),
    ];
    let gap = row(c, GAP_CLOSED);
    let together = together(c);
    let items: Vec<String> = (1..c.names.len())
        .map(|i| {
            let mut parts = Vec::new();
            if let Some(d) = gap.and_then(|r| r.variants.get(i)?.difference) {
                parts.push(format!(
                    "{} {}",
                    l("personeelstekort gesloten", "staff gap closed"),
                    span(lang, "FTE", &d)
                ));
            }
            if let Some(d) = together.and_then(|r| r.variants.get(i)?.difference) {
                parts.push(format!(
                    "{} {}",
                    l("alle partners samen", "all partners together"),
                    span(lang, "EUR", &d)
                ));
            }
            let hit = most_affected(c, i);
            parts.push(match hit.first() {
                Some((p, d)) => format!(
                    "{} {} ({})",
                    l("het meest geraakt:", "hit hardest:"),
                    name_of(names, &p.partner),
                    amount(lang, "EUR", d.p50)
                ),
                None => l(
                    "geen partner gaat er in de mediaan op achteruit",
                    "no partner's median position falls",
                ),
            });
            format!(
                "{} {} {reference}: {}.",
                c.names[i],
                l("tegenover", "against"),
                parts.join("; ")
            )
        })
        .collect();
    b.push(Block::List(items));
    if charts {
        b.extend(difference_chart(
            lang,
            c,
            together,
            format!("{} {reference}: {}", l("Verschil met", "Difference with"), l("alle partners samen", "all partners together")),
            l(
                "Boven nul doet de variant het voor alle partners samen beter dan de referentie; de strepen tonen het 90 %-interval van het verschil.",
                "Above zero the variant does better for all partners together than the reference; the whiskers show the 90 % interval of the difference.",
            ),
            l("verschil (euro)", "difference (EUR)"),
        ));
        b.extend(difference_chart(
            lang,
            c,
            gap,
            format!(
                "{} {reference}: {}",
                l("Verschil met", "Difference with"),
                l("personeelstekort gesloten", "staff gap closed")
            ),
            l(
                "Boven nul sluit de variant meer van het personeelstekort dan de referentie.",
                "Above zero the variant closes more of the staff gap than the reference.",
            ),
            l("verschil (fte)", "difference (FTE)"),
        ));
    }
    b.push(Block::Heading(
        2,
        l("Kerncijfers naast elkaar", "Headline figures"),
    ));
    b.push(headline(lang, c, &variant));
    b.push(Block::Heading(
        2,
        l("Saldo per partner", "Balance per partner"),
    ));
    b.push(Block::Paragraph(l(
        "Het saldo van elke partner over de hele periode tegenover de situatie zonder netwerk; negatief is verlies. De kans op verlies is het aandeel doorrekeningen waarin de partner slechter uitkomt dan zonder netwerk.",
        "Each partner's balance over the whole period against the situation without the network; negative is a loss. The chance of a loss is the share of runs in which the partner ends worse off than without the network.",
    )));
    b.push(partner_table(lang, c, names, &variant));
    b.push(Block::Heading(
        2,
        l("Wie het meest geraakt wordt", "Partners most affected"),
    ));
    b.push(Block::Paragraph(format!(
        "{} {reference} ({}).",
        l(
            "Per variant de partners waarvan het saldo het meest daalt tegenover",
            "Per variant the partners whose balance falls most against"
        ),
        l(
            "mediaan van het gepaarde verschil",
            "median of the paired difference"
        )
    )));
    b.push(affected_table(lang, c, names, &variant));
    b.extend(appendix(lang, manifests));
    b
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::compare::Shifting;

    /// A summary with these mean, P5, P50 and P95 (the quartiles at the interval's ends).
    pub(in crate::report) fn summary(p5: f64, p50: f64, p95: f64) -> Summary {
        Summary {
            mean: p50,
            sd: 0.0,
            p5,
            p25: p5,
            p50,
            p75: p95,
            p95,
        }
    }

    fn figure(s: Summary, d: Option<Summary>) -> Figure {
        Figure {
            summary: s,
            difference: d,
        }
    }

    /// `base` and one variant: the staff gap closed falls by half an FTE, all partners lose
    /// EUR 100,000; the town falls by EUR 30,000, the clinic rises.
    pub(in crate::report) fn comparison(variant: &str) -> Comparison {
        Comparison {
            names: vec!["base".into(), variant.into()],
            rows: vec![
                Row {
                    label: "Care gap closed at the horizon".into(),
                    metric: GAP_CLOSED.into(),
                    unit: "FTE",
                    variants: vec![
                        figure(summary(0.0, 2.0, 4.0), None),
                        figure(summary(0.0, 1.5, 3.0), Some(summary(-1.0, -0.5, 0.0))),
                    ],
                },
                Row {
                    label: "All partners together".into(),
                    metric: "network.net".into(),
                    unit: "EUR",
                    variants: vec![
                        figure(summary(-1e5, 2e5, 5e5), None),
                        figure(summary(-2e5, 1e5, 4e5), Some(summary(-2e5, -1e5, 0.0))),
                    ],
                },
            ],
            partners: vec![
                PartnerRow {
                    partner: "town".into(),
                    members: Vec::new(),
                    position: vec![
                        Some(figure(summary(-5e4, 5e4, 1.5e5), None)),
                        Some(figure(
                            summary(-8e4, 2e4, 1.2e5),
                            Some(summary(-6e4, -3e4, -1e3)),
                        )),
                    ],
                    worse_off: vec![Some(0.1), Some(0.25)],
                },
                PartnerRow {
                    partner: "clinic".into(),
                    members: Vec::new(),
                    position: vec![
                        Some(figure(summary(-1e3, 0.0, 1e3), None)),
                        Some(figure(summary(1e3, 2e3, 5e3), Some(summary(0.0, 2e3, 4e3)))),
                    ],
                    worse_off: vec![Some(0.5), Some(0.0)],
                },
            ],
            all_gain: vec![0.5, 0.4],
            shifting: vec![
                Shifting {
                    share: 0.0,
                    most_often: None,
                };
                2
            ],
        }
    }

    pub(in crate::report) fn names() -> Vec<(String, String)> {
        vec![
            ("town".into(), "Gemeente Oss".into()),
            (
                "clinic".into(),
                "Kliniek West (the one clinic, 2024 report)".into(),
            ),
        ]
    }

    pub(in crate::report) fn headings(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(_, t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_summary_names_what_a_variant_changes_and_whom_it_hits() {
        let b = blocks(&[], &comparison("half"), &names(), Lang::Nl, false);
        let summary = b
            .iter()
            .find_map(|b| match b {
                Block::List(items) => Some(items.clone()),
                _ => None,
            })
            .expect("a summary");
        assert_eq!(
            summary,
            vec![
                "half tegenover base: personeelstekort gesloten −0,5 fte (90 %-interval: \
                 −1,0 fte – 0,0 fte); alle partners samen € −100.000 (90 %-interval: \
                 € −200.000 – € 0); het meest geraakt: Gemeente Oss (€ −30.000)."
            ]
        );
        // Only the town falls; the clinic, which gains, is not among the most affected.
        let c = comparison("half");
        let hit: Vec<&str> = most_affected(&c, 1)
            .iter()
            .map(|(p, _)| p.partner.as_str())
            .collect();
        assert_eq!(hit, ["town"]);
        // Long form: a row per figure and variant, the difference a number in the workbook.
        let Block::Table(head, rows) = headline(Lang::Nl, &c, "variant") else {
            panic!("a table")
        };
        assert_eq!(head[5], "verschil met base (mediaan)");
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[1][0].shown(),
            "Personeelstekort gesloten in het laatste jaar (fte)"
        );
        assert_eq!(rows[1][5], Cell::figure(-0.5, Unit::Fte, "−0,5".into()));
        assert_eq!(rows[0][5], Cell::from("–"));
    }

    #[test]
    fn both_languages_have_every_heading() {
        let c = comparison("half");
        let nl = headings(&blocks(&[], &c, &names(), Lang::Nl, true));
        let en = headings(&blocks(&[], &c, &names(), Lang::En, true));
        assert_eq!(
            nl,
            [
                "Varianten vergeleken: base, half",
                "Bestuurlijke samenvatting",
                "Kerncijfers naast elkaar",
                "Saldo per partner",
                "Wie het meest geraakt wordt",
                "Bijlage voor analisten",
            ]
        );
        assert_eq!(
            en,
            [
                "Variants compared: base, half",
                "Summary for the board",
                "Headline figures",
                "Balance per partner",
                "Partners most affected",
                "Appendix for analysts",
            ]
        );
        // Two charts: the difference in money and in the staff gap closed.
        let charts = blocks(&[], &c, &names(), Lang::En, true)
            .into_iter()
            .filter(|b| matches!(b, Block::Chart { .. }))
            .count();
        assert_eq!(charts, 2);
    }
}
