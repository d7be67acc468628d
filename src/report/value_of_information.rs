//! The report of `kloof evpi`: `voi.md`, `voi.json` and a manifest of every decision's
//! provenance; and for the board (issue 25), in plain words and in Dutch or English,
//! `brief.md`, `report.html` (the worth of knowing each input first as a chart) and
//! `report.xlsx`.

use std::fmt::Write;
use std::path::Path;

use super::board::{self, Names};
use super::brief::{eur_cell, figure};
use super::chart::{self, Bar, BarChart};
use super::document::{self, Block, Cell};
use super::lang::Lang;
use super::markdown::{int, mln};
use super::{ReportError, one_line, publish, workbook};
use crate::provenance::{Manifest, Provenance};
use crate::value_of_information::ValueOfInformation;

/// How many inputs the board's table and chart show, most valuable first; the appendix holds
/// every input.
const BOARD_INPUTS: usize = 10;

/// Writes the report to `dir`, all or nothing; the board's files in `lang`, naming the first
/// decision's scenario parts by `names`.
pub fn write(
    dir: &Path,
    manifests: &[Manifest],
    v: &ValueOfInformation,
    names: &Names,
    lang: Lang,
) -> Result<(), ReportError> {
    let json = super::json::compared(manifests, v)?;
    let studies: Vec<&Provenance> = manifests.iter().map(|m| &m.provenance).collect();
    let blocks = blocks(&studies, v, names, lang);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("voi.md", render(manifests, v, usize::MAX).into_bytes()),
        ("voi.json", json),
        ("manifest.json", serde_json::to_vec_pretty(manifests)?),
        ("brief.md", document::markdown(&blocks).into_bytes()),
        (
            "report.html",
            document::html(&names.title, &lang.to_string(), &blocks).into_bytes(),
        ),
        (
            "report.xlsx",
            workbook::of_document(&names.title, &blocks, &studies, lang)?,
        ),
    ];
    publish::publish(dir, &files)
}

/// The markdown report, with the `top` inputs worth most.
pub fn render(manifests: &[Manifest], v: &ValueOfInformation, top: usize) -> String {
    let p = &manifests[0].provenance;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# The value of information: {}\n\nNet benefit `{}` of the network in {}, {} runs, seed \
         {}, the same runs for every decision, kloof {}.\n",
        v.decisions
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" or "),
        v.metric,
        v.year,
        p.runs,
        p.seed,
        p.kloof_version
    );
    for (n, m) in &v.decisions {
        let _ = writeln!(s, "- `{n}`: expected {}", mln(*m));
    }
    let _ = writeln!(
        s,
        "\nOn what is known now the best decision is `{}`; in {:.0} % of the runs another \
         would have been better. Knowing everything before deciding would be worth **{}** on \
         average (EVPI): an upper bound on what any study or pilot measurement is worth.\n",
        v.best,
        v.regret_share * 100.0,
        mln(v.evpi)
    );
    let _ = writeln!(
        s,
        "Worth of knowing one input before deciding (EVPPI, estimated from the runs by bins; \
         values near zero are noise):\n\n| input | EVPPI |\n|---|---:|"
    );
    for (k, x) in v.per_input.iter().take(top) {
        let _ = writeln!(s, "| {k} | {} |", mln(*x));
    }
    if !v.curve.is_empty() {
        let _ = writeln!(
            s,
            "\n## The EVPI curve\n\nIf an FTE-year of care gained is worth λ in every domain, \
             each decision's net benefit is all partners' money result (`network.net`) plus λ × \
             its care gained (`care.gained.fte_years`). Per λ, the best decision and what \
             knowing everything before deciding would be worth:\n\n| λ (EUR per FTE-year) | \
             best decision | EVPI |\n|---:|---|---:|"
        );
        for c in &v.curve {
            let _ = writeln!(s, "| {} | `{}` | {} |", int(c.wtp), c.best, mln(c.evpi));
        }
    }
    s
}

/// The board's report: which decision is best on what is known now, what knowing more before
/// deciding is worth (in all and per input, as a chart), the EVPI curve when the care gained
/// is valued, and an analyst's appendix per decision. `studies` are the decisions'
/// provenances, in the order of `v.decisions`.
pub fn blocks(
    studies: &[&Provenance],
    v: &ValueOfInformation,
    names: &Names,
    lang: Lang,
) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    // The metric's unit: euros for a net benefit, FTE-years when the decision is judged on
    // care gained.
    let (what, unit) = names.metric(&v.metric, lang);
    let said = |x: f64| board::said(lang, unit, x);
    let cell = |x: f64| board::cell(lang, unit, x);
    let runs = studies.first().map_or(0, |p| p.runs);
    let decisions: Vec<String> = v.decisions.iter().map(|(n, _)| one_line(n)).collect();
    let expected = v
        .decisions
        .iter()
        .find(|(n, _)| *n == v.best)
        .map_or(f64::NAN, |(_, x)| *x);
    let eur = |x: f64| lang.eur(x);
    let mut b = vec![
        Block::Heading(
            1,
            format!(
                "{}: {}",
                l("Waarde van informatie", "Value of information"),
                names.title
            ),
        ),
        Block::Heading(2, l("Bestuurlijke samenvatting", "Summary for the board")),
        Block::Paragraph(match lang {
            Lang::Nl => format!(
                "Het bestuur kiest tussen {}, beoordeeld op {what} in {}, over {} \
                 doorrekeningen, dezelfde voor elk besluit. Op wat nu bekend is, is {} het \
                 beste besluit: verwacht {}. In {} van de doorrekeningen was achteraf een ander \
                 besluit beter geweest.",
                decisions.join(" of "),
                v.year,
                lang.number(runs as f64, 0),
                one_line(&v.best),
                said(expected),
                lang.percent(v.regret_share)
            ),
            Lang::En => format!(
                "The board chooses between {}, judged on {what} in {}, over {} runs, the same \
                 for every decision. On what is known now, {} is the best decision: {} \
                 expected. In {} of the runs another decision would have been better in \
                 hindsight.",
                decisions.join(" or "),
                v.year,
                lang.number(runs as f64, 0),
                one_line(&v.best),
                said(expected),
                lang.percent(v.regret_share)
            ),
        }),
        Block::Paragraph(match lang {
            Lang::Nl => format!(
                "Alles weten voordat u besluit is gemiddeld {} waard (de verwachte waarde van \
                 volledige informatie, EVPI): de bovengrens van wat een onderzoek, meting of \
                 pilot vooraf waard kan zijn. Kost het meer, dan loont het niet.",
                said(v.evpi)
            ),
            Lang::En => format!(
                "Knowing everything before deciding is worth {} on average (the expected value \
                 of perfect information, EVPI): an upper bound on what any study, measurement \
                 or pilot beforehand can be worth. If it costs more, it does not pay.",
                said(v.evpi)
            ),
        }),
    ];
    // Below half a euro an EVPPI is nothing worth naming (and in practice binning noise).
    let worth: Vec<&(String, f64)> = v
        .per_input
        .iter()
        .filter(|(_, x)| *x >= 0.5)
        .take(BOARD_INPUTS)
        .collect();
    if !worth.is_empty() {
        b.push(Block::Paragraph(format!(
            "{} {}.",
            l(
                "Het meest waard om eerst uit te zoeken:",
                "Most worth finding out first:"
            ),
            worth
                .iter()
                .take(3)
                .map(|(k, x)| format!("{} ({})", names.input(k, lang), said(*x)))
                .collect::<Vec<_>>()
                .join("; ")
        )));
    } else if v.evpi >= 0.5 {
        b.push(Block::Paragraph(l(
            "Eén onzekere invoer alleen kennen is in deze doorrekening niets waard: wat informatie waard is, zit in meerdere invoer samen.",
            "Knowing one uncertain input alone is worth nothing in this computation: what information is worth lies in several inputs together.",
        )));
    }

    b.push(Block::Heading(2, l("De besluiten", "The decisions")));
    b.push(Block::Table(
        vec![
            l("besluit", "decision"),
            format!("{} {}", l("verwacht:", "expected:"), what),
            l("beste op wat nu bekend is", "best on what is known now"),
        ],
        v.decisions
            .iter()
            .map(|(n, x)| {
                vec![
                    Cell::from(one_line(n)),
                    cell(*x),
                    Cell::from(if *n == v.best {
                        l("ja", "yes")
                    } else {
                        String::new()
                    }),
                ]
            })
            .collect(),
    ));

    b.push(Block::Heading(
        2,
        l(
            "Waarde van kennis per invoer",
            "Worth of knowing each input",
        ),
    ));
    b.push(Block::Table(
        vec![
            l("onzekere invoer", "uncertain input"),
            l(
                "waarde van die kennis (EVPPI)",
                "worth of knowing it (EVPPI)",
            ),
        ],
        v.per_input
            .iter()
            .take(BOARD_INPUTS)
            .map(|(k, x)| vec![Cell::from(names.input(k, lang)), cell(*x)])
            .collect(),
    ));
    if !worth.is_empty() {
        let c = BarChart {
            title: l(
                "Waarde van informatie per onzekere invoer",
                "Value of information per uncertain input",
            ),
            reading: format!(
                "{} {}.",
                l(
                    "Wat het waard is één invoer te kennen voordat u besluit; alles weten is",
                    "What knowing one input before deciding is worth; knowing everything is"
                ),
                said(v.evpi)
            ),
            y_label: format!("{}{}", l("waarde", "worth"), board::unit_label(lang, unit)),
            bars: worth
                .iter()
                .map(|(k, x)| Bar {
                    label: names.input(k, lang),
                    value: *x,
                    interval: None,
                })
                .collect(),
        };
        let svg = chart::render_bars(&c, &|x| board::shown(lang, unit, x));
        b.push(figure(lang, &c.title, svg));
    }

    if !v.curve.is_empty() {
        b.push(Block::Heading(
            2,
            l("Als zorg geld waard is", "When care is worth money"),
        ));
        b.push(Block::Paragraph(l(
            "Is een fte-jaar gewonnen zorg λ euro waard, dan telt elk besluit zijn saldo in geld plus λ maal de zorg die het wint. Per λ het beste besluit en wat alles weten dan waard is:",
            "If an FTE-year of care gained is worth λ euros, every decision counts its money balance plus λ times the care it gains. Per λ the best decision and what knowing everything is then worth:",
        )));
        b.push(Block::Table(
            vec![
                l("λ (euro per fte-jaar)", "λ (EUR per FTE-year)"),
                l("beste besluit", "best decision"),
                "EVPI".to_string(),
            ],
            v.curve
                .iter()
                .map(|c| {
                    vec![
                        eur_cell(lang, c.wtp),
                        Cell::from(one_line(&c.best)),
                        eur_cell(lang, c.evpi),
                    ]
                })
                .collect(),
        ));
        let c = BarChart {
            title: l(
                "Waarde van alles weten, naar de waarde van zorg",
                "Worth of knowing everything, by the value of care",
            ),
            reading: l(
                "Hoe meer gewonnen zorg waard is, hoe meer het besluit van de onzekerheid afhangt; de tabel noemt per waarde het beste besluit.",
                "The more care gained is worth, the more the decision hangs on the uncertainty; the table names the best decision per value.",
            ),
            y_label: l("EVPI (euro)", "EVPI (EUR)"),
            bars: v
                .curve
                .iter()
                .map(|c| Bar {
                    label: format!("λ {}", eur(c.wtp)),
                    value: c.evpi,
                    interval: None,
                })
                .collect(),
        };
        let svg = chart::render_bars(&c, &eur);
        b.push(figure(lang, &c.title, svg));
    }

    b.push(Block::Heading(
        2,
        l("Bijlage voor analisten", "Appendix for analysts"),
    ));
    let mut facts = Vec::new();
    for (p, d) in studies.iter().zip(&decisions) {
        facts.extend(
            board::facts(p, lang)
                .into_iter()
                .map(|f| format!("{} {d}: {f}", l("Besluit", "Decision"))),
        );
    }
    facts.push(format!(
        "{} {}, {}.",
        l("Metriek:", "Metric:"),
        v.metric,
        v.year
    ));
    facts.push(l(
        "EVPPI per invoer is geschat uit de doorrekeningen door ze op de invoer in klassen te verdelen; waarden dichtbij nul zijn ruis, en meer doorrekeningen maken de schatting scherper.",
        "The EVPPI per input is estimated from the runs by binning them on the input; values near zero are noise, and more runs sharpen the estimate.",
    ));
    b.push(Block::List(facts));
    b.push(Block::Table(
        vec![
            l(
                "invoer (pad in het scenario)",
                "input (path in the scenario)",
            ),
            "EVPPI".to_string(),
        ],
        v.per_input
            .iter()
            .map(|(k, x)| vec![Cell::from(k.as_str()), cell(*x)])
            .collect(),
    ));
    b
}

#[cfg(test)]
mod tests {
    use super::super::board::tests::{charts, headings, names, provenance, table, text};
    use super::*;
    use crate::value_of_information::CurvePoint;

    fn voi() -> ValueOfInformation {
        ValueOfInformation {
            metric: "network.net".into(),
            year: 2030,
            decisions: vec![("go".into(), -4.6e6), ("stop".into(), -2.2e6)],
            best: "stop".into(),
            regret_share: 0.03,
            evpi: 21_600.0,
            per_input: vec![
                ("domains.wlz.growth.volume".into(), 12_000.0),
                ("region.birth_rate".into(), 0.0),
            ],
            curve: vec![
                CurvePoint {
                    wtp: 0.0,
                    best: "stop".into(),
                    evpi: 21_600.0,
                },
                CurvePoint {
                    wtp: 50_000.0,
                    best: "go".into(),
                    evpi: 1.3e6,
                },
            ],
        }
    }

    #[test]
    fn both_languages_give_every_heading() {
        let (p, n) = (provenance(), names());
        let mut v = voi();
        assert_eq!(
            headings(&blocks(&[&p, &p], &v, &n, Lang::Nl)),
            [
                (1, "Waarde van informatie: Zoetermeer"),
                (2, "Bestuurlijke samenvatting"),
                (2, "De besluiten"),
                (2, "Waarde van kennis per invoer"),
                (2, "Als zorg geld waard is"),
                (2, "Bijlage voor analisten"),
            ]
        );
        // Without valued care there is no curve.
        v.curve.clear();
        assert_eq!(
            headings(&blocks(&[&p, &p], &v, &n, Lang::En)),
            [
                (1, "Value of information: Zoetermeer"),
                (2, "Summary for the board"),
                (2, "The decisions"),
                (2, "Worth of knowing each input"),
                (2, "Appendix for analysts"),
            ]
        );
    }

    #[test]
    fn the_board_reads_what_knowing_more_is_worth() {
        let (p, n) = (provenance(), names());
        let b = blocks(&[&p, &p], &voi(), &n, Lang::Nl);
        let t = text(&b);
        for part in [
            "Het bestuur kiest tussen go of stop, beoordeeld op het saldo van alle partners samen \
             in 2030, over 400 doorrekeningen",
            "is stop het beste besluit: verwacht € −2,2 mln. In 3 % van de doorrekeningen",
            "Alles weten voordat u besluit is gemiddeld € 21.600 waard",
            "Het meest waard om eerst uit te zoeken: volumegroei, Langdurige zorg (€ 12.000).",
        ] {
            assert!(t.contains(part), "{part}\n{t}");
        }
        assert_eq!(
            table(&b, "De besluiten"),
            [["go", "€ −4,6 mln", ""], ["stop", "€ −2,2 mln", "ja"]]
        );
        assert_eq!(
            table(&b, "Waarde van kennis per invoer"),
            [
                ["volumegroei, Langdurige zorg", "€ 12.000"],
                ["geboortecijfer", "€ 0"]
            ]
        );
        assert_eq!(
            table(&b, "Als zorg geld waard is")[1],
            ["€ 50.000", "go", "€ 1,3 mln"]
        );
        // A chart of the inputs worth knowing (the one above zero), and the EVPI curve.
        let svg = charts(&b);
        assert_eq!(svg.len(), 2);
        assert!(svg[0].contains("<title>Waarde van informatie per onzekere invoer</title>"));
        assert!(svg[0].contains("Langdurige zorg") && !svg[0].contains("geboortecijfer"));
        assert!(svg[1].contains("<title>Waarde van alles weten, naar de waarde van zorg</title>"));
    }
}
