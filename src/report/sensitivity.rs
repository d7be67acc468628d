//! The report of `kloof sensitivity`: a tornado table (`sensitivity.md`), every figure
//! (`sensitivity.csv`, `sensitivity.json`) and the manifest, and for the board (issue 25) the
//! same in plain words, in Dutch or English: `brief.md`, `report.html` with a tornado chart,
//! and `report.xlsx`.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::board::{self, Names};
use super::chart::{self, Swing, TornadoChart};
use super::document::{self, Block, Cell, Unit};
use super::lang::Lang;
use super::markdown::int;
use super::{ReportError, publish, workbook};
use crate::provenance::{Manifest, Provenance};
use crate::sensitivity::Sensitivity;

/// How many inputs the board's table and tornado show: the rest move the result less than
/// these, and are in the appendix.
const BOARD_INPUTS: usize = 10;

/// Writes the report to `dir`, all or nothing; the board's files in `lang`, naming the parts
/// of the scenario by `names`.
pub fn write(
    dir: &Path,
    manifest: &Manifest,
    s: &Sensitivity,
    names: &Names,
    lang: Lang,
) -> Result<(), ReportError> {
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
    let p = &manifest.provenance;
    let blocks = blocks(p, s, names, lang);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("sensitivity.md", render(p, s, usize::MAX).into_bytes()),
        ("sensitivity.csv", csv.into_bytes()),
        ("sensitivity.json", json),
        ("manifest.json", serde_json::to_vec_pretty(manifest)?),
        ("brief.md", document::markdown(&blocks).into_bytes()),
        (
            "report.html",
            document::html(&names.title, &lang.to_string(), &blocks).into_bytes(),
        ),
        (
            "report.xlsx",
            workbook::of_document(&names.title, &blocks, &[p], lang)?,
        ),
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

/// The board's report: what moves the result most, in plain words, with a tornado chart
/// (which Markdown shows as its title) and an analyst's appendix holding every input.
pub fn blocks(p: &Provenance, s: &Sensitivity, names: &Names, lang: Lang) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let (what, unit) = names.metric(&s.metric, lang);
    let value = |x: f64| board::shown(lang, unit, x);
    let said = |x: f64| board::said(lang, unit, x);
    let variant = match s.variant.as_str() {
        crate::variant::BASELINE => l("zonder netwerk", "without the network"),
        _ => l("met netwerk", "with the network"),
    };
    let top: Vec<_> = s.inputs.iter().take(BOARD_INPUTS).collect();
    let mut b = vec![
        Block::Heading(
            1,
            format!(
                "{}: {}",
                l("Gevoeligheidsanalyse", "Sensitivity analysis"),
                names.title
            ),
        ),
        Block::Heading(2, l("Bestuurlijke samenvatting", "Summary for the board")),
        Block::Paragraph(match lang {
            Lang::Nl => format!(
                "Wat bepaalt {what} {variant} in {y}? Veel invoer van het model is onzeker \
                 (groei van de zorgvraag, personeel, effecten van interventies). Met alle \
                 onzekere invoer op haar mediaan is {what} in {y} {}.",
                said(s.at_medians),
                y = s.year
            ),
            Lang::En => format!(
                "What drives {what} {variant} in {y}? Many of the model's inputs are uncertain \
                 (growth of demand, staff, effects of interventions). With every uncertain \
                 input at its median, {what} in {y} is {}.",
                said(s.at_medians),
                y = s.year
            ),
        }),
    ];
    if !top.is_empty() {
        b.push(Block::Paragraph(l(
            "Wat de uitkomst het meest beweegt, elke invoer op zich van laag (10e percentiel) naar hoog (90e percentiel), de rest op de mediaan:",
            "What moves the result most, each input on its own from low (10th percentile) to high (90th percentile), the rest at their medians:",
        )));
        b.push(Block::List(
            top.iter()
                .take(3)
                .map(|i| {
                    format!(
                        "{}: {} {} {} {}",
                        names.input(&i.input, lang),
                        l("van", "from"),
                        said(i.at_p10),
                        l("tot", "to"),
                        said(i.at_p90)
                    )
                })
                .collect(),
        ));
    }
    // Below about 1/√runs a binned Sobol index is noise: only a larger one is worth a sentence.
    let noise = 1.0 / (p.runs.max(1) as f64).sqrt();
    if let Some(i) = s
        .inputs
        .iter()
        .filter(|i| i.sobol_first_order > noise)
        .max_by(|a, b| a.sobol_first_order.total_cmp(&b.sobol_first_order))
    {
        b.push(Block::Paragraph(format!(
            "{} {} {}",
            board::capitalised(&names.input(&i.input, lang)),
            l("verklaart op zich ongeveer", "on its own explains about"),
            match lang {
                Lang::Nl => format!(
                    "{} van de spreiding in de uitkomst: daar loont het om meer te weten.",
                    lang.percent(i.sobol_first_order)
                ),
                Lang::En => format!(
                    "{} of the spread of the result: that is where knowing more pays.",
                    lang.percent(i.sobol_first_order)
                ),
            }
        )));
    }

    b.push(Block::Heading(
        2,
        l("Wat weegt het zwaarst?", "What weighs most?"),
    ));
    b.push(Block::Table(
        vec![
            l("onzekere invoer", "uncertain input"),
            l("uitkomst bij laag (P10)", "result when low (P10)"),
            l("uitkomst bij hoog (P90)", "result when high (P90)"),
            l("verschil (hoog − laag)", "difference (high − low)"),
        ],
        top.iter()
            .map(|i| {
                vec![
                    Cell::from(names.input(&i.input, lang)),
                    board::cell(lang, unit, i.at_p10),
                    board::cell(lang, unit, i.at_p90),
                    board::cell(lang, unit, i.swing()),
                ]
            })
            .collect(),
    ));
    let c = TornadoChart {
        title: match lang {
            Lang::Nl => format!("Wat {what} in {} beweegt", s.year),
            Lang::En => format!("What moves {what} in {}", s.year),
        },
        reading: l(
            "Elke balk: de uitkomst met één invoer laag of hoog en de rest op de mediaan; bovenaan wat het meest uitmaakt.",
            "Each bar: the result with one input low or high and the rest at their medians; on top what matters most.",
        ),
        y_label: l("onzekere invoer", "uncertain input"),
        x_label: format!("{what}{}", board::unit_label(lang, unit)),
        base: s.at_medians,
        base_label: l("alles op mediaan:", "all at median:"),
        low_label: l("invoer laag (P10)", "input low (P10)"),
        high_label: l("invoer hoog (P90)", "input high (P90)"),
        swings: top
            .iter()
            .map(|i| Swing {
                label: names.input(&i.input, lang),
                low: i.at_p10,
                high: i.at_p90,
            })
            .collect(),
    };
    let svg = chart::render_tornado(&c, &value);
    b.push(super::brief::figure(lang, &c.title, svg));

    b.push(Block::Heading(
        2,
        l("Bijlage voor analisten", "Appendix for analysts"),
    ));
    let mut facts = board::facts(p, lang);
    facts.push(format!(
        "{} {} ({}, {}).",
        l("Metriek:", "Metric:"),
        s.metric,
        s.variant,
        s.year
    ));
    facts.push(l(
        "Verschil: de uitkomst met één invoer op haar 10e en op haar 90e percentiel, de rest op de mediaan (één doorrekening per kant). Rangcorrelatie: Spearman, invoer tegen uitkomst over de doorrekeningen. Sobol-index: het deel van de variantie van de uitkomst dat de invoer op zich verklaart (eerste orde, geschat door de doorrekeningen in klassen te verdelen).",
        "Difference: the result with one input at its 10th and at its 90th percentile, the rest at their medians (one run each side). Rank correlation: Spearman, input against result over the runs. Sobol index: the share of the result's variance the input explains on its own (first order, estimated by binning the runs).",
    ));
    facts.push(format!(
        "{} {}.",
        l(
            "Een Sobol-index onder ongeveer 1/√doorrekeningen is ruis: hier",
            "A Sobol index below about 1/√runs is noise: here"
        ),
        lang.number(noise, 2)
    ));
    b.push(Block::List(facts));
    b.push(Block::Table(
        vec![
            l(
                "invoer (pad in het scenario)",
                "input (path in the scenario)",
            ),
            l("bij P10", "at P10"),
            l("bij P90", "at P90"),
            l("verschil", "difference"),
            l("rangcorrelatie", "rank correlation"),
            l("Sobol-index", "Sobol index"),
        ],
        s.inputs
            .iter()
            .map(|i| {
                vec![
                    Cell::from(i.input.as_str()),
                    board::cell(lang, unit, i.at_p10),
                    board::cell(lang, unit, i.at_p90),
                    board::cell(lang, unit, i.swing()),
                    board::cell(lang, Unit::Decimal, i.rank_correlation),
                    board::cell(lang, Unit::Decimal, i.sobol_first_order),
                ]
            })
            .collect(),
    ));
    b
}

#[cfg(test)]
mod tests {
    use super::super::board::tests::{charts, headings, names, provenance, table, text};
    use super::*;
    use crate::sensitivity::Influence;

    fn sensitivity() -> Sensitivity {
        let input = |key: &str, r: f64, lo: f64, hi: f64, sobol: f64| Influence {
            input: key.into(),
            rank_correlation: r,
            at_p10: lo,
            at_p90: hi,
            sobol_first_order: sobol,
        };
        Sensitivity {
            metric: "gap.fte".into(),
            variant: "network".into(),
            year: 2030,
            at_medians: 630.0,
            inputs: vec![
                input("domains.wlz.growth.volume", 0.5, 550.0, 734.0, 0.24),
                input("region.birth_rate", 0.1, 610.0, 650.0, 0.01),
            ],
        }
    }

    #[test]
    fn both_languages_give_every_heading() {
        let (p, s, n) = (provenance(), sensitivity(), names());
        assert_eq!(
            headings(&blocks(&p, &s, &n, Lang::Nl)),
            [
                (1, "Gevoeligheidsanalyse: Zoetermeer"),
                (2, "Bestuurlijke samenvatting"),
                (2, "Wat weegt het zwaarst?"),
                (2, "Bijlage voor analisten"),
            ]
        );
        assert_eq!(
            headings(&blocks(&p, &s, &n, Lang::En)),
            [
                (1, "Sensitivity analysis: Zoetermeer"),
                (2, "Summary for the board"),
                (2, "What weighs most?"),
                (2, "Appendix for analysts"),
            ]
        );
    }

    #[test]
    fn the_board_reads_the_swings_in_words_and_a_tornado() {
        let b = blocks(&provenance(), &sensitivity(), &names(), Lang::Nl);
        assert_eq!(
            table(&b, "Wat weegt het zwaarst?"),
            [
                ["volumegroei, Langdurige zorg", "550", "734", "184"],
                ["geboortecijfer", "610", "650", "40"],
            ]
        );
        let t = text(&b);
        for part in [
            "Met alle onzekere invoer op haar mediaan is het personeelstekort in 2030 630 fte.",
            "- volumegroei, Langdurige zorg: van 550 fte tot 734 fte",
            // 1/√400 = 0.05: only the first Sobol index says something.
            "Volumegroei, Langdurige zorg verklaart op zich ongeveer 24 % van de spreiding",
        ] {
            assert!(t.contains(part), "{part}\n{t}");
        }
        assert!(!t.contains("Geboortecijfer verklaart"), "{t}");
        // The appendix holds every input by its path, with its measures.
        assert_eq!(
            table(&b, "Bijlage voor analisten")[1],
            ["region.birth_rate", "610", "650", "40", "0,10", "0,01"]
        );
        let svg = charts(&b);
        assert_eq!(svg.len(), 1);
        assert!(svg[0].contains("<title>Wat het personeelstekort in 2030 beweegt</title>"));
        assert!(svg[0].contains(">geboortecijfer</text>"));
        assert!(svg[0].contains(">het personeelstekort (fte)</text>"));
    }
}
