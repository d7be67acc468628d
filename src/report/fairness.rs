//! The report of `kloof fairness SCENARIO`: `fairness.md` for an analyst, `fairness.json` with
//! every figure, and the manifest; and for the board (issue 25), in plain words and in Dutch
//! or English, `brief.md`, `report.html` (the agreed split beside the Shapley value as charts)
//! and `report.xlsx`.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::board::{self, Names};
use super::brief::{eur_cell, figure, share_cell};
use super::chart::{self, Bar, BarChart};
use super::document::{self, Block, Cell};
use super::lang::Lang;
use super::markdown::mln;
use super::{ReportError, publish, workbook};
use crate::fairness::advice::{Advice, KeyResult};
use crate::fairness::assessment::Assessment;
use crate::provenance::{Manifest, Provenance};
use crate::stats::Summary;

/// Writes the report to `dir`, all or nothing; the board's files in `lang`, naming partners
/// by `names`.
pub fn write(
    dir: &Path,
    manifest: &Manifest,
    a: &Assessment,
    advice: Option<&Advice>,
    names: &Names,
    lang: Lang,
) -> Result<(), ReportError> {
    #[derive(Serialize)]
    struct Json<'a> {
        provenance: &'a Provenance,
        #[serde(flatten)]
        assessment: &'a Assessment,
        advice: Option<&'a Advice>,
    }
    let json = serde_json::to_vec_pretty(&Json {
        provenance: &manifest.provenance,
        assessment: a,
        advice,
    })?;
    let p = &manifest.provenance;
    let blocks = blocks(p, a, advice, names, lang);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("fairness.md", render(p, a, advice).into_bytes()),
        ("fairness.json", json),
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

/// The markdown report.
pub fn render(p: &Provenance, a: &Assessment, advice: Option<&Advice>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Is the split fair? Scenario `{}`\n\nScenario `{}`, {} Monte Carlo runs, seed {}, kloof \
         {}. The value of a coalition is the sum of its members' positions ({}-{}, against the \
         baseline) when only they take part in the agreement, every coalition simulated under \
         the same draws. What the agreement gives a partner is its position when all take part. \
         Figures are medians across runs; the 90 % interval runs from the 5th to the 95th \
         percentile.\n",
        p.scenario, p.scenario, p.runs, p.seed, p.kloof_version, p.start_year, p.horizon
    );
    s.push_str(super::counted(p));
    let _ = writeln!(
        s,
        "All partners together achieve {} (90 % interval {} to {}).\n",
        mln(a.grand.p50),
        mln(a.grand.p5),
        mln(a.grand.p95)
    );
    let _ = writeln!(
        s,
        "| player | agreed | Shapley value | agreed − Shapley | as share of the total | alone | \
         runs with a loss |{}\n|---|---:|---:|---:|---:|---:|---:|---:|",
        if a.exact {
            " nucleolus (expected game) |"
        } else {
            " Shapley s.e. |"
        }
    );
    for f in &a.players {
        let last = if a.exact {
            f.nucleolus.map_or("-".into(), mln)
        } else {
            f.shapley_standard_error.map_or("-".into(), mln)
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.0} % | {} | {:.0} % | {last} |",
            f.player,
            mln(f.agreed.p50),
            mln(f.shapley.p50),
            mln(f.gap.p50),
            f.gap_share.p50 * 100.0,
            f.alone.map_or("-".into(), |x| mln(x.p50)),
            f.loses * 100.0,
        );
    }
    let _ = writeln!(
        s,
        "\nThe Shapley value is what a partner brings in: its gain to every group it could join, \
         averaged over every order in which the network could have formed. A partner whose \
         agreed outcome lies below it pays for the others; above it, the others pay for it. \
         *Alone* is what a partner achieves when it is the only one taking part."
    );
    match (a.in_core, &a.blocking) {
        (Some(core), blocking) => {
            let _ = writeln!(
                s,
                "\n- The agreed outcome is in the core (no group of partners does better on its \
                 own) in {:.0} % of the runs.",
                core * 100.0
            );
            if let Some((members, share)) = blocking {
                let _ = writeln!(
                    s,
                    "- The coalition that blocks it most often is {{{}}}, in {:.0} % of the runs \
                     (the group that gains most by going on alone).",
                    members.join(", "),
                    share * 100.0
                );
            }
            if a.nucleolus_is_pre == Some(true) {
                let _ = writeln!(
                    s,
                    "- The expected game has no imputation (together the partners achieve less \
                     than the sum of what each achieves alone): the nucleolus column is the \
                     pre-nucleolus."
                );
            }
        }
        (None, _) => {
            let _ = writeln!(
                s,
                "\n- {} coalitions simulated: the Shapley value is estimated from random orders \
                 of the players (standard error in the last column); the core and the \
                 nucleolus need every coalition and are not computed.",
                a.coalitions_simulated
            );
        }
    }
    if let Some(adv) = advice {
        advice_section(&mut s, a, adv);
    }
    s
}

/// The split advisor's answer beside the agreed key and the Shapley split.
fn advice_section(s: &mut String, a: &Assessment, adv: &Advice) {
    let key = |k: &KeyResult| match (k.residents, k.providers) {
        (Some(r), Some(p)) => format!(
            "residents {:.0} %, providers {:.0} %, financiers {:.0} %",
            r * 100.0,
            p * 100.0,
            (1.0 - r - p) * 100.0
        ),
        _ => "as the scenario draws it".into(),
    };
    let _ = writeln!(
        s,
        "\n## Split advisor\n\nThe `{}` key searched on a grid of 5 points ({} keys; the \
         providers' weights among themselves as the scenario gives them), every key under the \
         same draws. Best: the highest share of runs in which every partner gains or breaks \
         even; among equals, the partner that gains least often gains as often as possible, \
         then the next (leximin); among keys still equal, the nearest to the agreed key.\n",
        adv.rule, adv.keys_tried
    );
    let _ = writeln!(
        s,
        "- Agreed key ({}): every partner gains or breaks even in {:.0} % of the runs.\n\
         - Best key ({}): {:.0} %.\n",
        key(&adv.agreed),
        adv.agreed.all_gain * 100.0,
        key(&adv.best),
        adv.best.all_gain * 100.0
    );
    let _ = writeln!(
        s,
        "| partner | runs it gains, agreed key | runs it gains, best key | Shapley value (median) |\n|---|---:|---:|---:|"
    );
    for (i, id) in adv.partners.iter().enumerate() {
        let shapley = a
            .players
            .iter()
            .find(|p| &p.player == id)
            .map_or("(in a group)".into(), |p| mln(p.shapley.p50));
        let _ = writeln!(
            s,
            "| {id} | {:.0} % | {:.0} % | {shapley} |",
            adv.agreed.gains[i] * 100.0,
            adv.best.gains[i] * 100.0
        );
    }
    if adv.best.all_gain == 0.0 {
        let least = adv.best.gains.iter().copied().fold(f64::INFINITY, f64::min);
        let losers: Vec<&str> = adv
            .partners
            .iter()
            .zip(&adv.best.gains)
            .filter(|(_, g)| **g <= least)
            .map(|(p, _)| p.as_str())
            .collect();
        let _ = writeln!(
            s,
            "\nNo key makes every partner gain in any run. Even under the best key {} in only \
             {:.0} % of the runs: {} a loss the sharing key cannot reach. A key \
             divides the savings the rule shares, and only when there are any; it does not \
             reach the transition contributions a financier pays whatever the key, demand a \
             waterbed pushes onto another domain, or the care displaced in a domain whose \
             staff the interventions draw. Those need another clause (a contribution that \
             follows the gains, compensation between domains) or, where the care gained is \
             what the network is for, a judgement that counts it (`--value benefit`).",
            match losers.as_slice() {
                [one] => format!("{one} gains"),
                [rest @ .., last] => format!("{} and {last} gain", rest.join(", ")),
                [] => "no partner gains".into(),
            },
            least * 100.0,
            if losers.len() == 1 {
                "it carries"
            } else {
                "they carry"
            }
        );
    }
}

/// Names in a sentence: "A", "A en B", "A; B en C". A semicolon, because partners' names hold
/// commas themselves ("Gemeenten Roermond, Echt-Susteren, Roerdalen en Maasgouw").
fn enumerate(lang: Lang, names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {} {last}", rest.join("; "), lang.pick("en", "and")),
    }
}

/// The board's report: whether the agreed split is fair and holds (who would leave), each
/// partner's agreed outcome beside its Shapley value in a table and charts (each, and the
/// difference), the split advisor's answer when asked, and an analyst's appendix.
pub fn blocks(
    p: &Provenance,
    a: &Assessment,
    advice: Option<&Advice>,
    names: &Names,
    lang: Lang,
) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let eur = |x: f64| lang.eur(x);
    let (start, end) = (p.start_year, p.horizon);
    let mut b = vec![
        Block::Heading(
            1,
            format!(
                "{}: {}",
                l("Eerlijke verdeling", "A fair split"),
                names.title
            ),
        ),
        Block::Heading(2, l("Bestuurlijke samenvatting", "Summary for the board")),
        Block::Paragraph(match lang {
            Lang::Nl => format!(
                "Is de afgesproken verdeling eerlijk, en houdt zij stand? Voor elke groep \
                 partners is doorgerekend wat zij samen bereiken als alleen zij meedoen \
                 ({start}–{end}, {} doorrekeningen onder dezelfde omstandigheden). De \
                 Shapley-waarde is wat een partner inbrengt: wat hij gemiddeld toevoegt aan \
                 elke groep waarbij hij zich kan aansluiten. Geeft de afspraak hem minder, dan \
                 betaalt hij mee voor de anderen; geeft zij hem meer, dan betalen de anderen \
                 voor hem. Elk bedrag is de mediaan over de doorrekeningen.",
                lang.number(p.runs as f64, 0)
            ),
            Lang::En => format!(
                "Is the agreed split fair, and does it hold? For every group of partners kloof \
                 computed what they achieve together when only they take part ({start}–{end}, \
                 {} runs under the same circumstances). The Shapley value is what a partner \
                 brings in: what it adds on average to every group it could join. When the \
                 agreement gives it less, it pays for the others; when it gives it more, the \
                 others pay for it. Every amount is the median across runs.",
                lang.number(p.runs as f64, 0)
            ),
        }),
    ];
    b.extend(board::counted(p, lang).map(Block::Paragraph));
    let mut findings = vec![format!(
        "{} {} ({}: {} – {}).",
        l("Alle partners samen:", "All partners together:"),
        eur(a.grand.p50),
        l("90 %-interval", "90 % interval"),
        eur(a.grand.p5),
        eur(a.grand.p95)
    )];
    match a.in_core {
        Some(core) => {
            findings.push(format!(
                "{} {} {}",
                l(
                    "De afgesproken verdeling houdt stand (geen groep partners doet het op eigen houtje beter) in",
                    "The agreed split holds (no group of partners does better on its own) in"
                ),
                lang.percent(core),
                l("van de doorrekeningen.", "of the runs.")
            ));
            if let Some((members, share)) = &a.blocking {
                let who: Vec<String> = members.iter().map(|m| names.partner(m)).collect();
                findings.push(format!(
                    "{} {}, {} {} {}",
                    l(
                        "Wie zou vertrekken? De groep die het vaakst zonder de anderen beter af is:",
                        "Who would leave? The group that most often does better without the others:"
                    ),
                    enumerate(lang, &who),
                    "in",
                    lang.percent(*share),
                    l("van de doorrekeningen.", "of the runs.")
                ));
            }
        }
        None => findings.push(format!(
            "{} {} {}",
            l("Met", "With"),
            a.players.len(),
            l(
                "spelers zijn niet alle groepen doorgerekend: de Shapley-waarde is geschat uit willekeurige volgordes, en of de verdeling standhoudt is niet berekend.",
                "players not every group was simulated: the Shapley value is estimated from random orders, and whether the split holds is not computed."
            )
        )),
    }
    let by_gap = |pays: bool| -> Vec<String> {
        let mut them: Vec<_> = (a.players.iter())
            .filter(|f| {
                if pays {
                    f.gap.p50 < -0.5
                } else {
                    f.gap.p50 > 0.5
                }
            })
            .collect();
        them.sort_by(|x, y| x.gap.p50.abs().total_cmp(&y.gap.p50.abs()).reverse());
        them.iter()
            .map(|f| format!("{} ({})", names.partner(&f.player), eur(f.gap.p50)))
            .collect()
    };
    let (pays, paid) = (by_gap(true), by_gap(false));
    if !pays.is_empty() {
        findings.push(format!(
            "{} {}.",
            l(
                "Betalen mee voor de anderen (de afspraak geeft minder dan de Shapley-waarde):",
                "Pay for the others (the agreement gives less than the Shapley value):"
            ),
            enumerate(lang, &pays)
        ));
    }
    if !paid.is_empty() {
        findings.push(format!(
            "{} {}.",
            l(
                "Krijgen meer dan zij inbrengen:",
                "Get more than they bring in:"
            ),
            enumerate(lang, &paid)
        ));
    }
    if let Some(f) = (a.players.iter())
        .filter(|f| f.loses > 0.0)
        .max_by(|x, y| x.loses.total_cmp(&y.loses))
    {
        let (who, share) = (names.partner(&f.player), lang.percent(f.loses));
        findings.push(match lang {
            Lang::Nl => format!(
                "De grootste kans op verlies heeft {who}: in {share} van de doorrekeningen \
                 eindigt hij slechter dan zonder netwerk."
            ),
            Lang::En => format!(
                "{who} has the largest chance of a loss: in {share} of the runs it ends worse \
                 off than without the network."
            ),
        });
    }
    b.push(Block::List(findings));

    b.push(Block::Heading(
        2,
        l("Verdeling per partner", "The split per partner"),
    ));
    b.push(Block::Table(
        vec![
            "partner".to_string(),
            l("afgesproken", "agreed"),
            l("Shapley-waarde", "Shapley value"),
            l(
                "verschil (afspraak − Shapley)",
                "difference (agreed − Shapley)",
            ),
            l(
                "verschil als deel van het totaal",
                "difference as share of the total",
            ),
            l("alleen", "alone"),
            l("kans op verlies", "chance of a loss"),
        ],
        a.players
            .iter()
            .map(|f| {
                vec![
                    Cell::from(names.partner(&f.player)),
                    eur_cell(lang, f.agreed.p50),
                    eur_cell(lang, f.shapley.p50),
                    eur_cell(lang, f.gap.p50),
                    share_cell(lang, f.gap_share.p50),
                    f.alone
                        .map_or_else(|| Cell::from("–"), |x| eur_cell(lang, x.p50)),
                    share_cell(lang, f.loses),
                ]
            })
            .collect(),
    ));
    let bars = |of: &dyn Fn(&crate::fairness::assessment::PlayerFigures) -> Summary| -> Vec<Bar> {
        a.players
            .iter()
            .map(|f| {
                let s = of(f);
                Bar {
                    label: names.partner(&f.player),
                    value: s.p50,
                    interval: Some((s.p5, s.p95)),
                }
            })
            .collect()
    };
    for c in [
        BarChart {
            title: format!(
                "{} {start}–{end}",
                l(
                    "Afgesproken verdeling per partner,",
                    "Agreed split per partner,"
                )
            ),
            reading: l(
                "Wat de afspraak elke partner geeft; de strepen tonen het 90 %-interval.",
                "What the agreement gives each partner; the whiskers show the 90 % interval.",
            ),
            y_label: l("saldo (euro)", "balance (EUR)"),
            bars: bars(&|f| f.agreed),
        },
        BarChart {
            title: format!(
                "{} {start}–{end}",
                l("Shapley-waarde per partner,", "Shapley value per partner,")
            ),
            reading: l(
                "Wat elke partner inbrengt: wat hij gemiddeld toevoegt aan elke groep; de strepen tonen het 90 %-interval.",
                "What each partner brings in: what it adds on average to every group; the whiskers show the 90 % interval.",
            ),
            y_label: l("Shapley-waarde (euro)", "Shapley value (EUR)"),
            bars: bars(&|f| f.shapley),
        },
        // The two charts above have each their own scale: the difference, run by run, is what
        // a board compares them for.
        BarChart {
            title: l(
                "Verschil per partner: afspraak min Shapley-waarde",
                "Difference per partner: agreed less Shapley value",
            ),
            reading: l(
                "Onder nul betaalt een partner mee voor de anderen, boven nul betalen de anderen voor hem.",
                "Below zero a partner pays for the others, above zero the others pay for it.",
            ),
            y_label: l("verschil (euro)", "difference (EUR)"),
            bars: bars(&|f| f.gap),
        },
    ] {
        let svg = chart::render_bars(&c, &eur);
        b.push(figure(lang, &c.title, svg));
    }

    if let Some(adv) = advice {
        advice_blocks(&mut b, adv, names, lang);
    }

    b.push(Block::Heading(
        2,
        l("Bijlage voor analisten", "Appendix for analysts"),
    ));
    let mut facts = board::facts(p, lang);
    facts.push(format!(
        "{} {} {}",
        l(
            "De waarde van een groep is de som van de posities van haar leden (tegen de situatie zonder netwerk) als alleen zij meedoen, elke groep onder dezelfde trekkingen;",
            "The value of a group is the sum of its members' positions (against the situation without the network) when only they take part, every group under the same draws;"
        ),
        a.coalitions_simulated,
        l("groepen doorgerekend.", "groups simulated.")
    ));
    facts.push(if a.exact {
        l(
            "Elke groep is doorgerekend: de Shapley-waarde is per doorrekening exact, de kern per doorrekening getoetst, de nucleolus die van het verwachte spel.",
            "Every group was simulated: the Shapley value is exact in every run, the core tested in every run, the nucleolus that of the expected game.",
        )
    } else {
        l(
            "Niet elke groep is doorgerekend: de Shapley-waarde is geschat uit willekeurige volgordes van de spelers (standaardfout in de tabel); kern en nucleolus zijn niet berekend.",
            "Not every group was simulated: the Shapley value is estimated from random orders of the players (standard error in the table); core and nucleolus are not computed.",
        )
    });
    if a.nucleolus_is_pre == Some(true) {
        facts.push(l(
            "Het verwachte spel heeft geen imputatie (samen bereiken de partners minder dan de som van wat elk alleen bereikt): de kolom nucleolus is de pre-nucleolus.",
            "The expected game has no imputation (together the partners achieve less than the sum of what each achieves alone): the nucleolus column is the pre-nucleolus.",
        ));
    }
    b.push(Block::List(facts));
    b.push(Block::Table(
        vec![
            l("speler (id)", "player (id)"),
            l("afgesproken P5", "agreed P5"),
            l("afgesproken P95", "agreed P95"),
            "Shapley P5".to_string(),
            "Shapley P95".to_string(),
            if a.exact {
                l("nucleolus (verwacht spel)", "nucleolus (expected game)")
            } else {
                l("standaardfout Shapley", "Shapley standard error")
            },
        ],
        a.players
            .iter()
            .map(|f| {
                let last = if a.exact {
                    f.nucleolus
                } else {
                    f.shapley_standard_error
                };
                vec![
                    Cell::from(f.player.as_str()),
                    eur_cell(lang, f.agreed.p5),
                    eur_cell(lang, f.agreed.p95),
                    eur_cell(lang, f.shapley.p5),
                    eur_cell(lang, f.shapley.p95),
                    last.map_or_else(|| Cell::from("–"), |x| eur_cell(lang, x)),
                ]
            })
            .collect(),
    ));
    b
}

/// The split advisor's answer for the board: how often every partner gains under the agreed
/// key and under the best key found, and per partner.
fn advice_blocks(b: &mut Vec<Block>, adv: &Advice, names: &Names, lang: Lang) {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let key = |k: &KeyResult| match (k.residents, k.providers) {
        (Some(r), Some(p)) => format!(
            "{} {}, {} {}, {} {}",
            l("inwoners", "residents"),
            lang.percent(r),
            l("aanbieders", "providers"),
            lang.percent(p),
            "financiers",
            lang.percent(1.0 - r - p)
        ),
        _ => l("zoals het scenario hem trekt", "as the scenario draws it"),
    };
    b.push(Block::Heading(
        2,
        l("Een betere verdeelsleutel?", "A better sharing key?"),
    ));
    let (rule, tried) = (
        super::one_line(&adv.rule),
        lang.number(adv.keys_tried as f64, 0),
    );
    let (agreed, best) = (key(&adv.agreed), key(&adv.best));
    let (all_agreed, all_best) = (
        lang.percent(adv.agreed.all_gain),
        lang.percent(adv.best.all_gain),
    );
    b.push(Block::Paragraph(match lang {
        Lang::Nl => format!(
            "Doorgerekend zijn {tried} verdeelsleutels van de regel {rule}, elk onder dezelfde \
             trekkingen. Met de afgesproken sleutel ({agreed}) wint elke partner of speelt hij \
             quitte in {all_agreed} van de doorrekeningen; met de beste sleutel ({best}) in \
             {all_best}."
        ),
        Lang::En => format!(
            "kloof tried {tried} sharing keys of the rule {rule}, each under the same draws. \
             With the agreed key ({agreed}) every partner gains or breaks even in {all_agreed} \
             of the runs; with the best key ({best}) in {all_best}."
        ),
    }));
    b.push(Block::Table(
        vec![
            "partner".to_string(),
            l(
                "kans op winst, afgesproken sleutel",
                "chance of a gain, agreed key",
            ),
            l("kans op winst, beste sleutel", "chance of a gain, best key"),
        ],
        adv.partners
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let share = |k: &KeyResult| {
                    k.gains
                        .get(i)
                        .map_or_else(|| Cell::from("–"), |g| share_cell(lang, *g))
                };
                vec![
                    Cell::from(names.partner(id)),
                    share(&adv.agreed),
                    share(&adv.best),
                ]
            })
            .collect(),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::board::tests::{charts, headings, provenance, table, text};
    use super::*;
    use crate::fairness::assessment::PlayerFigures;

    fn names() -> Names {
        Names {
            title: "Oss".into(),
            partners: vec![
                ("gemeente".into(), "Gemeente Oss".into()),
                (
                    "ziekenhuis".into(),
                    "Ziekenhuis Bernhoven (the region's hospital)".into(),
                ),
            ],
            ..Names::default()
        }
    }

    /// Two partners; every run alike, so each percentile is the figure itself.
    fn assessment() -> Assessment {
        let one = |x: f64| Summary::of(&[x]);
        let player = |id: &str, agreed: f64, shapley: f64, alone: f64, loses: f64| PlayerFigures {
            player: id.into(),
            agreed: one(agreed),
            shapley: one(shapley),
            gap: one(agreed - shapley),
            gap_share: one((agreed - shapley) / 1e6),
            alone: Some(one(alone)),
            loses,
            shapley_standard_error: None,
            nucleolus: Some(shapley - 50_000.0),
        };
        Assessment {
            players: vec![
                player("gemeente", -100_000.0, 200_000.0, 0.0, 0.4),
                player("ziekenhuis", 1_100_000.0, 800_000.0, -50_000.0, 0.0),
            ],
            grand: one(1e6),
            exact: true,
            coalitions_simulated: 3,
            in_core: Some(0.6),
            blocking: Some((vec!["gemeente".into()], 0.4)),
            nucleolus_is_pre: Some(false),
        }
    }

    fn advice() -> Advice {
        let key = |r, p, all, gains: [f64; 2]| KeyResult {
            residents: Some(r),
            providers: Some(p),
            all_gain: all,
            gains: gains.to_vec(),
        };
        Advice {
            rule: "shared_savings".into(),
            partners: vec!["gemeente".into(), "ziekenhuis".into()],
            agreed: key(0.2, 0.5, 0.3, [0.6, 1.0]),
            best: key(0.0, 0.4, 0.7, [0.8, 0.9]),
            keys_tried: 21,
        }
    }

    #[test]
    fn both_languages_give_every_heading() {
        let (p, a, n, adv) = (provenance(), assessment(), names(), advice());
        assert_eq!(
            headings(&blocks(&p, &a, Some(&adv), &n, Lang::Nl)),
            [
                (1, "Eerlijke verdeling: Oss"),
                (2, "Bestuurlijke samenvatting"),
                (2, "Verdeling per partner"),
                (2, "Een betere verdeelsleutel?"),
                (2, "Bijlage voor analisten"),
            ]
        );
        assert_eq!(
            headings(&blocks(&p, &a, None, &n, Lang::En)),
            [
                (1, "A fair split: Oss"),
                (2, "Summary for the board"),
                (2, "The split per partner"),
                (2, "Appendix for analysts"),
            ]
        );
    }

    #[test]
    fn the_board_reads_who_pays_for_whom_and_who_would_leave() {
        let b = blocks(
            &provenance(),
            &assessment(),
            Some(&advice()),
            &names(),
            Lang::Nl,
        );
        assert_eq!(
            table(&b, "Verdeling per partner"),
            [
                [
                    "Gemeente Oss",
                    "€ −100.000",
                    "€ 200.000",
                    "€ −300.000",
                    "−30 %",
                    "€ 0",
                    "40 %"
                ],
                [
                    "Ziekenhuis Bernhoven",
                    "€ 1,1 mln",
                    "€ 0,8 mln",
                    "€ 300.000",
                    "30 %",
                    "€ −50.000",
                    "0 %"
                ],
            ]
        );
        let t = text(&b);
        for part in [
            "Alle partners samen: € 1,0 mln",
            "houdt stand (geen groep partners doet het op eigen houtje beter) in 60 % van de doorrekeningen.",
            "De groep die het vaakst zonder de anderen beter af is: Gemeente Oss, in 40 % van de doorrekeningen.",
            "de Shapley-waarde): Gemeente Oss (€ −300.000).",
            "Krijgen meer dan zij inbrengen: Ziekenhuis Bernhoven (€ 300.000).",
            "De grootste kans op verlies heeft Gemeente Oss: in 40 %",
            "inwoners 20 %, aanbieders 50 %, financiers 30 %",
        ] {
            assert!(t.contains(part), "{part}\n{t}");
        }
        assert_eq!(
            table(&b, "Een betere verdeelsleutel?"),
            [
                ["Gemeente Oss", "60 %", "80 %"],
                ["Ziekenhuis Bernhoven", "100 %", "90 %"]
            ]
        );
        // The appendix keeps the ids and the nucleolus.
        assert_eq!(table(&b, "Bijlage voor analisten")[0][0], "gemeente");
        assert_eq!(table(&b, "Bijlage voor analisten")[1][5], "€ 0,8 mln");
        // The agreed split beside the Shapley value, partners by name.
        let svg = charts(&b);
        assert_eq!(svg.len(), 3);
        assert!(svg[0].contains("<title>Afgesproken verdeling per partner, 2025–2030</title>"));
        assert!(svg[1].contains("<title>Shapley-waarde per partner, 2025–2030</title>"));
        assert!(
            svg[2].contains("<title>Verschil per partner: afspraak min Shapley-waarde</title>")
        );
        assert!(svg.iter().all(|s| s.contains(">Gemeente Oss</text>")));
    }

    #[test]
    fn a_board_reads_when_balances_count_care_gained() {
        let mut p = provenance();
        let plain = blocks(&p, &assessment(), None, &names(), Lang::En);
        p.value = Some("benefit".into());
        let benefit = blocks(&p, &assessment(), None, &names(), Lang::En);
        let said = "Every balance is the net benefit (--value benefit)";
        // In the summary, before the findings, and in the appendix.
        assert_eq!(text(&benefit).matches(said).count(), 2);
        assert!(!text(&plain).contains(said));
    }
}
