//! The board's reading of `kloof stress` (issue 25): a one-page summary in plain words with
//! partner names, then the long form the issue asks for, one section per shock: what the
//! shock is, what it does to the staff gap and the money against the unshocked scenario (paired,
//! run by run), the partners it hits most and the clauses that fire. Charts show each shock's
//! effect with its 90 % interval and how often each clause fires under each shock. An
//! appendix for analysts holds every partner's exposure per shock, the clauses per shock, the
//! financiers' exposure and the studies' provenance, which `report.xlsx` keeps as numbers.

use super::brief::{figure, share_cell, year_cell};
use super::chart::{self, Bar, BarChart};
use super::compare_brief::{
    GAP_CLOSED, amount, amount_cell, appendix, difference_chart, headline, most_affected, name_of,
    row, span, together,
};
use super::document::{Block, Cell, Unit};
use super::lang::Lang;
use crate::compare::Row;
use crate::provenance::Manifest;
use crate::stress::{Change, ShockResult, Stress};

/// A clause is charted when its share of runs differs by at least this between two
/// scenarios: a chart of equal bars says nothing.
const MOVES: f64 = 0.01;

/// A number as the stress set writes it, with the language's decimal sign: `0,7`, `0.01`.
fn written(lang: Lang, x: f64) -> String {
    let text = format!("{x}");
    match lang {
        Lang::Nl => text.replace('.', ","),
        Lang::En => text,
    }
}

/// What one change of a shock does, in a sentence's part.
fn describe(lang: Lang, change: &Change, names: &[(String, String)]) -> String {
    match change {
        Change::Set { path, value } => match lang {
            Lang::Nl => format!("{path} wordt {value}"),
            Lang::En => format!("{path} set to {value}"),
        },
        Change::Scale { path, factor } => match lang {
            Lang::Nl => format!("{path} maal {}", written(lang, *factor)),
            Lang::En => format!("{path} times {}", written(lang, *factor)),
        },
        Change::Shift { path, amount } => match lang {
            Lang::Nl => format!("{path} verschoven met {}", written(lang, *amount)),
            Lang::En => format!("{path} shifted by {}", written(lang, *amount)),
        },
        Change::Pin { path, percentile } => {
            let p = lang.number(percentile * 100.0, 0);
            match lang {
                Lang::Nl => format!("{path} op percentiel {p} van zijn verdeling"),
                Lang::En => format!("{path} at percentile {p} of its distribution"),
            }
        }
        Change::Leaves { partner, year } => {
            let n = name_of(names, partner);
            match lang {
                Lang::Nl => {
                    format!("{n} verlaat de afspraak vanaf {year} en houdt zijn contracten")
                }
                Lang::En => {
                    format!("{n} leaves the agreement from {year}, keeping its contracts")
                }
            }
        }
        Change::ExitsMarket { partner, year } => {
            let n = name_of(names, partner);
            match lang {
                Lang::Nl => format!(
                    "{n} verlaat vanaf {year} de afspraak en de regio; zijn cliënten gaan naar aanbieders buiten het netwerk"
                ),
                Lang::En => format!(
                    "{n} leaves the agreement and the region from {year}; its clients go to providers outside the network"
                ),
            }
        }
        Change::Combine { shock } => shock.clone(),
    }
}

/// What a shock is: its own changes, then the earlier shocks it takes along, named together
/// ("wages-p95 en wmo-volume-plus-1pt samen").
fn what(lang: Lang, changes: &[Change], names: &[(String, String)]) -> String {
    let (combined, own): (Vec<&Change>, Vec<&Change>) = changes
        .iter()
        .partition(|c| matches!(c, Change::Combine { .. }));
    let mut parts: Vec<String> = own.iter().map(|c| describe(lang, c, names)).collect();
    let earlier: Vec<String> = combined.iter().map(|c| describe(lang, c, names)).collect();
    if let Some((last, rest)) = earlier.split_last() {
        let and = lang.pick("en", "and");
        let list = if rest.is_empty() {
            last.clone()
        } else {
            format!("{} {and} {last}", rest.join(", "))
        };
        parts.push(match (lang, parts.is_empty()) {
            (Lang::Nl, true) => format!("de schokken {list} samen"),
            (Lang::En, true) => format!("the shocks {list} together"),
            (Lang::Nl, false) => format!("samen met {list}"),
            (Lang::En, false) => format!("together with {list}"),
        });
    }
    parts.join("; ")
}

/// `r`'s share of runs in which `clause` fired; `None` when its scenario has no such event.
fn fired(r: &ShockResult, clause: &str) -> Option<f64> {
    r.clauses.iter().find(|(c, _)| c == clause).map(|(_, x)| *x)
}

/// The clauses of the base, in its order, then any a shock adds.
fn clauses(st: &Stress) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for r in &st.shocks {
        for (c, _) in &r.clauses {
            if !out.contains(&c.as_str()) {
                out.push(c);
            }
        }
    }
    out
}

/// The summary for the board: which shock costs the partners most, which closes least of the
/// staff gap, who carries the loss most often and which clause moves most.
fn summary(lang: Lang, st: &Stress, names: &[(String, String)]) -> Vec<String> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let c = &st.comparison;
    let base = &c.names[0];
    let mut items = Vec::new();
    // The shock whose median paired difference in `row` is lowest, when it is below zero.
    let worst = |r: Option<&Row>| {
        let r = r?;
        let (i, d) = (r.variants.iter().enumerate().skip(1))
            .filter_map(|(i, f)| Some((i, f.difference?)))
            .min_by(|a, b| a.1.p50.total_cmp(&b.1.p50))?;
        (d.p50 < 0.0).then_some((c.names[i].as_str(), d, r.unit))
    };
    items.push(match worst(together(c)) {
        Some((shock, d, unit)) => format!(
            "{} {shock}: {} {} {base}.",
            l(
                "Alle partners samen verliezen het meest bij",
                "All partners together lose most under"
            ),
            span(lang, unit, &d),
            l("tegenover", "against"),
        ),
        None => l(
            "Geen schok verlaagt het saldo van alle partners samen in de mediaan.",
            "No shock lowers the median balance of all partners together.",
        ),
    });
    if let Some((shock, d, unit)) = worst(row(c, GAP_CLOSED)) {
        items.push(format!(
            "{} {shock}: {} {} {base}.",
            l(
                "Het personeelstekort dat het netwerk sluit, daalt het meest bij",
                "The staff gap the network closes falls most under"
            ),
            span(lang, unit, &d),
            l("tegenover", "against"),
        ));
    }
    let mut carriers: Vec<(&str, usize)> = Vec::new();
    for r in st.shocks.iter().skip(1) {
        if let Some((p, _)) = &r.carries_the_loss {
            match carriers.iter_mut().find(|(q, _)| q == p) {
                Some((_, k)) => *k += 1,
                None => carriers.push((p, 1)),
            }
        }
    }
    // Most often first; on a tie, the one named first.
    if let Some((p, k)) = carriers.iter().rev().max_by_key(|(_, k)| *k) {
        items.push(format!(
            "{} {} ({} {} {} {}).",
            l(
                "Het verlies van een schok komt het vaakst terecht bij",
                "The loss of a shock lands most often with"
            ),
            name_of(names, p),
            k,
            l("van de", "of the"),
            st.shocks.len() - 1,
            l("schokken", "shocks"),
        ));
    }
    let base_result = st.shocks.first();
    let moved = st
        .shocks
        .iter()
        .skip(1)
        .flat_map(|r| {
            r.clauses.iter().filter_map(move |(clause, x)| {
                let before = fired(base_result?, clause)?;
                Some((r.name.as_str(), clause.as_str(), *x, before))
            })
        })
        .filter(|(_, _, x, before)| (x - before).abs() >= MOVES)
        .max_by(|a, b| (a.2 - a.3).abs().total_cmp(&(b.2 - b.3).abs()));
    if let Some((shock, clause, x, before)) = moved {
        items.push(format!(
            "{} {clause} {} {shock} {} {} {}, {} {} {}.",
            l("De clausule", "Clause"),
            l("gaat bij", "fires under"),
            l("af in", "in"),
            lang.percent(x),
            l("van de doorrekeningen", "of the runs"),
            l("tegen", "against"),
            lang.percent(before),
            l("zonder schok", "without the shock"),
        ));
    }
    items
}

/// A bar chart per clause that fires somewhere and moves between the scenarios: the share of
/// runs it fires in, the base first, then every shock, a row each so that every shock's name
/// shows in full.
fn clause_charts(lang: Lang, st: &Stress) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    clauses(st)
        .into_iter()
        .filter_map(|clause| {
            let shares: Vec<(String, f64)> = st
                .shocks
                .iter()
                .filter_map(|r| Some((r.name.clone(), fired(r, clause)?)))
                .collect();
            let (lo, hi) = shares.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, x)| {
                (lo.min(*x), hi.max(*x))
            });
            if hi <= 0.0 || hi - lo < MOVES {
                return None;
            }
            let chart = BarChart {
                title: format!(
                    "{}: {clause}",
                    l("Hoe vaak de clausule afgaat, per schok", "How often the clause fires, per shock")
                ),
                reading: l(
                    "Het aandeel doorrekeningen waarin de clausule in minstens één jaar afgaat, zonder schok (bovenste balk) en per schok.",
                    "The share of runs in which the clause fires in at least one year, without a shock (top bar) and per shock.",
                ),
                y_label: l("doorrekeningen (%)", "runs (%)"),
                bars: shares
                    .into_iter()
                    .map(|(label, x)| Bar {
                        label,
                        value: x * 100.0,
                        interval: None,
                    })
                    .collect(),
            };
            let svg = chart::render_rows(&chart, &|x| format!("{} %", lang.number(x, 0)));
            Some(figure(lang, &chart.title, svg))
        })
        .collect()
}

/// One shock's section: what it is, its effect, who carries the loss, the partners it hits
/// most and the clauses that fire.
fn shock_section(lang: Lang, st: &Stress, i: usize, names: &[(String, String)]) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let c = &st.comparison;
    let (base, r) = (&c.names[0], &st.shocks[i]);
    let mut b = vec![Block::Heading(3, r.name.clone())];
    b.push(Block::Paragraph(format!(
        "{}: {}.",
        l("Wat de schok is", "What the shock is"),
        what(lang, &r.changes, names)
    )));
    let effect: Vec<String> = [
        (
            row(c, GAP_CLOSED),
            l("personeelstekort gesloten", "staff gap closed"),
        ),
        (
            together(c),
            l("alle partners samen", "all partners together"),
        ),
        (
            row(c, "gap.eur"),
            l(
                "geldtekort in het laatste jaar",
                "money gap in the last year",
            ),
        ),
    ]
    .into_iter()
    .filter_map(|(x, what)| {
        let x = x?;
        let d = x.variants.get(i)?.difference?;
        Some(format!("{what} {}", span(lang, x.unit, &d)))
    })
    .collect();
    if !effect.is_empty() {
        b.push(Block::Paragraph(format!(
            "{} {base} ({}): {}.",
            l("Effect tegenover", "Effect against"),
            l("gepaard verschil", "paired difference"),
            effect.join("; ")
        )));
    }
    let mut loss = match &r.carries_the_loss {
        Some((p, d)) => format!(
            "{} {} {}: {} {} {}.",
            l("Het eigen resultaat van", "The own result of"),
            name_of(names, p),
            l("daalt het meest", "falls most"),
            l("gemiddeld", "on average"),
            amount(lang, "EUR", *d),
            format_args!("{} {}", l("tegenover", "against"), r.against),
        ),
        None => format!(
            "{} {}.",
            l(
                "Geen partner verliest gemiddeld meer dan € 100 tegenover",
                "No partner loses more than EUR 100 on average against"
            ),
            r.against
        ),
    };
    if let Some(o) = &r.outside {
        let left: Vec<String> = o
            .left
            .iter()
            .map(|(id, y)| format!("{} ({} {y})", name_of(names, id), l("vanaf", "from")))
            .collect();
        loss.push_str(&format!(
            " {} {}: {} {}.",
            l(
                "Aanbieders buiten het netwerk nemen de cliënten over van",
                "Providers outside the network take over the clients of"
            ),
            left.join(", "),
            l(
                "hun marge op zorg over de periode",
                "their margin on care over the period"
            ),
            span(lang, "EUR", &o.margin)
        ));
    }
    b.push(Block::Paragraph(loss));
    let hit = most_affected(c, i);
    if hit.is_empty() {
        b.push(Block::Paragraph(l(
            "Geen partner gaat er in de mediaan op achteruit tegenover het scenario zonder schok.",
            "No partner's median position falls against the scenario without the shock.",
        )));
    } else {
        b.push(Block::Table(
            vec![
                l(
                    "partner (hardst geraakt eerst)",
                    "partner (hit hardest first)",
                ),
                l("saldo (mediaan)", "balance (median)"),
                format!(
                    "{} {base} ({})",
                    l("verschil met", "difference with"),
                    l("mediaan", "median")
                ),
                l("verschil P5", "difference P5"),
                l("verschil P95", "difference P95"),
                l("kans op verlies", "chance of a loss"),
            ],
            hit.into_iter()
                .map(|(p, d)| {
                    let own = p.position.get(i).and_then(Option::as_ref);
                    vec![
                        Cell::from(name_of(names, &p.partner)),
                        own.map_or_else(
                            || Cell::from("–"),
                            |f| amount_cell(lang, "EUR", f.summary.p50),
                        ),
                        amount_cell(lang, "EUR", d.p50),
                        amount_cell(lang, "EUR", d.p5),
                        amount_cell(lang, "EUR", d.p95),
                        p.worse_off
                            .get(i)
                            .copied()
                            .flatten()
                            .map_or_else(|| Cell::from("–"), |w| share_cell(lang, w)),
                    ]
                })
                .collect(),
        ));
    }
    let base_result = st.shocks.first();
    let fired_here: Vec<String> = r
        .clauses
        .iter()
        .filter(|(_, x)| *x > 0.0)
        .map(|(clause, x)| {
            let before = base_result
                .and_then(|b| fired(b, clause))
                .map_or_else(|| "–".to_string(), |y| lang.percent(y));
            format!(
                "{clause}: {} {} ({} {before})",
                lang.percent(*x),
                l("van de doorrekeningen", "of the runs"),
                l("zonder schok", "without the shock"),
            )
        })
        .collect();
    if fired_here.is_empty() {
        b.push(Block::Paragraph(l(
            "Geen clausule gaat af.",
            "No clause fires.",
        )));
    } else {
        b.push(Block::Paragraph(l(
            "Clausules die afgaan, in minstens één jaar:",
            "Clauses that fire, in at least one year:",
        )));
        b.push(Block::List(fired_here));
    }
    b
}

/// Every partner under every scenario: its position over the period (median, P5), its
/// expected shortfall (the mean of its worst 5 % of runs), its chance of a loss and the
/// paired difference with the base: the stress exposure sheet of `report.xlsx`.
fn exposure_table(lang: Lang, st: &Stress, names: &[(String, String)]) -> Block {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let c = &st.comparison;
    let rows = c
        .partners
        .iter()
        .flat_map(|p| {
            c.names.iter().enumerate().filter_map(move |(i, n)| {
                let f = p.position.get(i)?.as_ref()?;
                let shortfall = st
                    .shocks
                    .get(i)?
                    .expected_shortfall
                    .iter()
                    .find(|(q, _)| *q == p.partner)
                    .map(|(_, x)| *x);
                let dash = || Cell::from("–");
                Some(vec![
                    Cell::from(name_of(names, &p.partner)),
                    Cell::from(p.partner.as_str()),
                    Cell::from(n.as_str()),
                    amount_cell(lang, "EUR", f.summary.p50),
                    amount_cell(lang, "EUR", f.summary.p5),
                    shortfall.map_or_else(dash, |x| amount_cell(lang, "EUR", x)),
                    p.worse_off
                        .get(i)
                        .copied()
                        .flatten()
                        .map_or_else(dash, |w| share_cell(lang, w)),
                    f.difference
                        .map_or_else(dash, |d| amount_cell(lang, "EUR", d.p50)),
                ])
            })
        })
        .collect();
    Block::Table(
        vec![
            l("partner", "partner"),
            "id".into(),
            l("schok", "shock"),
            l("saldo (mediaan)", "balance (median)"),
            l("saldo P5", "balance P5"),
            l(
                "verwacht tekort (slechtste 5 %)",
                "expected shortfall (worst 5 %)",
            ),
            l("kans op verlies", "chance of a loss"),
            format!(
                "{} {} ({})",
                l("verschil met", "difference with"),
                c.names[0],
                l("mediaan", "median")
            ),
        ],
        rows,
    )
}

/// Every clause under every scenario: the share of runs it fires in, and against the base.
fn clause_table(lang: Lang, st: &Stress) -> Block {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let base = st.shocks.first();
    let rows = clauses(st)
        .into_iter()
        .flat_map(|clause| {
            st.shocks.iter().filter_map(move |r| {
                let x = fired(r, clause)?;
                Some(vec![
                    Cell::from(clause),
                    Cell::from(r.name.as_str()),
                    share_cell(lang, x),
                    base.and_then(|b| fired(b, clause))
                        .map_or_else(|| Cell::from("–"), |y| share_cell(lang, y)),
                ])
            })
        })
        .collect();
    Block::Table(
        vec![
            l("clausule", "clause"),
            l("schok", "shock"),
            l("aandeel doorrekeningen", "share of runs"),
            l("zonder schok", "without the shock"),
        ],
        rows,
    )
}

/// Every financier under every scenario: its worst year (lowest expected shortfall of the
/// year's change in position), that year's shortfall against its budget, and the deepest fall
/// of its cumulative position.
fn financier_table(lang: Lang, st: &Stress, names: &[(String, String)]) -> Option<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let rows: Vec<Vec<Cell>> = st
        .shocks
        .first()?
        .exposure
        .iter()
        .flat_map(|e| {
            st.shocks.iter().filter_map(move |r| {
                let x = r.exposure.iter().find(|x| x.financier == e.financier)?;
                let worst = x
                    .years
                    .iter()
                    .min_by(|a, b| a.expected_shortfall.total_cmp(&b.expected_shortfall))?;
                // Tenths of a percent: a financier's worst year is often under 1 % of its budget.
                let budget = if worst.budget > 0.0 {
                    let x = worst.expected_shortfall / worst.budget;
                    Cell::figure(x, Unit::Share, format!("{} %", lang.number(x * 100.0, 1)))
                } else {
                    Cell::from("–")
                };
                Some(vec![
                    Cell::from(name_of(names, &e.financier)),
                    Cell::from(r.name.as_str()),
                    year_cell(worst.year),
                    amount_cell(lang, "EUR", worst.expected_shortfall),
                    budget,
                    amount_cell(lang, "EUR", x.max_drawdown_p50),
                    amount_cell(lang, "EUR", x.max_drawdown_p95),
                ])
            })
        })
        .collect();
    (!rows.is_empty()).then(|| {
        Block::Table(
            vec![
                l("financier", "financier"),
                l("schok", "shock"),
                l("slechtste jaar", "worst year"),
                l("verwacht tekort dat jaar", "expected shortfall that year"),
                l("deel van het budget", "share of the budget"),
                l("diepste val (mediaan)", "deepest fall (median)"),
                l("diepste val P95", "deepest fall P95"),
            ],
            rows,
        )
    })
}

/// The blocks of a stress test's `brief.md`, and with `charts` the charts its `report.html`
/// shows.
pub fn blocks(
    manifests: &[Manifest],
    st: &Stress,
    names: &[(String, String)],
    lang: Lang,
    charts: bool,
) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let c = &st.comparison;
    let base = &c.names[0];
    let (runs, start, end) = manifests.first().map_or((0, 0, 0), |m| {
        let p = &m.provenance;
        (p.runs, p.start_year, p.horizon)
    });
    let mut b = vec![
        Block::Heading(1, format!("{}: {base}", l("Stresstest", "Stress test"))),
        Block::Paragraph(format!(
            "{} {} {base}, {} {start}–{end}, {} {} {}",
            st.shocks.len().saturating_sub(1),
            l("schokken op het scenario", "shocks to the scenario"),
            l("over", "over"),
            l("elk doorgerekend in dezelfde", "each computed in the same"),
            lang.number(runs as f64, 0),
            l(
                "varianten van de onzekere invoer (Monte Carlo) als het scenario zelf. Een schok is een aanname om te toetsen, geen voorspelling. Elk getal is de mediaan, met het 90 %-interval waarin 9 van de 10 uitkomsten vallen; het effect van een schok is per doorrekening berekend tegen dezelfde doorrekening zonder schok (gepaard).",
                "draws of the uncertain inputs (Monte Carlo) as the scenario itself. A shock is an assumption to test, not a forecast. Every figure is the median, with the 90 % interval that holds 9 in 10 outcomes; a shock's effect is computed run by run against the same run without the shock (paired)."
            ),
        )),
        Block::Heading(2, l("Bestuurlijke samenvatting", "Summary for the board")),
        Block::List(summary(lang, st, names)),
    ];
    if charts {
        b.extend(difference_chart(
            lang,
            c,
            together(c),
            l("Effect per schok op alle partners samen", "Effect of each shock on all partners together"),
            l(
                "Onder nul kost een schok de partners samen geld tegenover het scenario zonder schok; de strepen tonen het 90 %-interval.",
                "Below zero a shock costs the partners together money against the scenario without it; the whiskers show the 90 % interval.",
            ),
            l("verschil (euro)", "difference (EUR)"),
        ));
        b.extend(difference_chart(
            lang,
            c,
            row(c, GAP_CLOSED),
            l(
                "Effect per schok op het gesloten personeelstekort",
                "Effect of each shock on the staff gap closed",
            ),
            l(
                "Onder nul sluit het netwerk onder de schok minder van het personeelstekort.",
                "Below zero the network closes less of the staff gap under the shock.",
            ),
            l("verschil (fte)", "difference (FTE)"),
        ));
        b.extend(clause_charts(lang, st));
    }
    b.push(Block::Heading(2, l("Per schok", "Shock by shock")));
    b.push(Block::Paragraph(format!(
        "{} {base}; {}",
        l(
            "Per schok: wat hij verandert, wat hij doet met het personeelstekort en het geld tegenover",
            "Per shock: what it changes, what it does to the staff gap and the money against"
        ),
        l(
            "wiens eigen resultaat het meest daalt (voor een financier zijn budget min zijn kosten, voor een aanbieder zijn marge, plus wat hij via de afspraak ontvangt min wat hij betaalt); de partners wier saldo het meest daalt; en de clausules die afgaan.",
            "whose own result falls most (for a financier its budget less its cost, for a provider its margin, plus what it receives through the agreement less what it pays); the partners whose balance falls most; and the clauses that fire."
        )
    )));
    for i in 1..st.shocks.len().min(c.names.len()) {
        b.extend(shock_section(lang, st, i, names));
    }
    b.extend(appendix(lang, manifests));
    b.push(Block::Heading(
        3,
        l("Stressblootstelling", "Stress exposure"),
    ));
    b.push(Block::Paragraph(l(
        "Het saldo van elke partner over de periode onder elke schok: mediaan, P5 (één op de twintig doorrekeningen is slechter), het verwachte tekort (het gemiddelde van de slechtste 5 % van de doorrekeningen), de kans op verlies en het gepaarde verschil met het scenario zonder schok.",
        "Each partner's balance over the period under every shock: median, P5 (one run in twenty is worse), expected shortfall (the mean of the worst 5 % of runs), the chance of a loss and the paired difference with the scenario without the shock.",
    )));
    b.push(exposure_table(lang, st, names));
    b.push(Block::Heading(
        3,
        l("Clausules per schok", "Clauses per shock"),
    ));
    b.push(clause_table(lang, st));
    if let Some(t) = financier_table(lang, st, names) {
        b.push(Block::Heading(
            3,
            l("Blootstelling per financier", "Exposure per financier"),
        ));
        b.push(t);
    }
    b.push(Block::Heading(
        3,
        l("Kerncijfers per schok", "Headline figures per shock"),
    ));
    b.push(headline(lang, c, &l("schok", "shock")));
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare_brief::tests::{comparison, headings, names};

    fn result(name: &str, changes: Vec<Change>, renegotiation: f64) -> ShockResult {
        ShockResult {
            name: name.into(),
            changes,
            expected_shortfall: vec![("town".into(), -8e4), ("clinic".into(), -1e3)],
            clauses: vec![("renegotiation".into(), renegotiation)],
            carries_the_loss: (name != "base").then(|| ("town".to_string(), -2.5e4)),
            against: "base".into(),
            outside: None,
            exposure: Vec::new(),
            clause_amounts: Vec::new(),
        }
    }

    /// The base and one shock: wages at P95 while the clinic leaves in 2027.
    fn stress() -> Stress {
        Stress {
            comparison: comparison("wages-p95"),
            shocks: vec![
                result("base", Vec::new(), 0.2),
                result(
                    "wages-p95",
                    vec![
                        Change::Pin {
                            path: "inputs.wages_prices".into(),
                            percentile: 0.95,
                        },
                        Change::Leaves {
                            partner: "clinic".into(),
                            year: 2027,
                        },
                    ],
                    0.6,
                ),
            ],
        }
    }

    fn paragraphs(blocks: &[Block]) -> Vec<&str> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_summary_says_which_shock_hurts_whom_in_plain_dutch() {
        let b = blocks(&[], &stress(), &names(), Lang::Nl, false);
        let Some(Block::List(items)) = b.get(3) else {
            panic!("the summary's list: {b:?}")
        };
        assert_eq!(
            items,
            &[
                "Alle partners samen verliezen het meest bij wages-p95: € −100.000 \
                 (90 %-interval: € −200.000 – € 0) tegenover base.",
                "Het personeelstekort dat het netwerk sluit, daalt het meest bij wages-p95: \
                 −0,5 fte (90 %-interval: −1,0 fte – 0,0 fte) tegenover base.",
                "Het verlies van een schok komt het vaakst terecht bij Gemeente Oss (1 van de \
                 1 schokken).",
                "De clausule renegotiation gaat bij wages-p95 af in 60 % van de \
                 doorrekeningen, tegen 20 % zonder schok.",
            ]
        );
    }

    #[test]
    fn each_shock_says_what_it_is_what_it_does_and_whom_it_hits_most() {
        let b = shock_section(Lang::Nl, &stress(), 1, &names());
        assert_eq!(b[0], Block::Heading(3, "wages-p95".into()));
        let p = paragraphs(&b);
        assert_eq!(
            p[0],
            "Wat de schok is: inputs.wages_prices op percentiel 95 van zijn verdeling; \
             Kliniek West verlaat de afspraak vanaf 2027 en houdt zijn contracten."
        );
        assert_eq!(
            p[1],
            "Effect tegenover base (gepaard verschil): personeelstekort gesloten −0,5 fte \
             (90 %-interval: −1,0 fte – 0,0 fte); alle partners samen € −100.000 \
             (90 %-interval: € −200.000 – € 0)."
        );
        assert_eq!(
            p[2],
            "Het eigen resultaat van Gemeente Oss daalt het meest: gemiddeld € −25.000 \
             tegenover base."
        );
        let table = b
            .iter()
            .find_map(|b| match b {
                Block::Table(_, rows) => Some(rows),
                _ => None,
            })
            .expect("the partners it hits most");
        assert_eq!(
            table,
            &[vec![
                Cell::from("Gemeente Oss"),
                Cell::figure(2e4, Unit::Eur, "€ 20.000".into()),
                Cell::figure(-3e4, Unit::Eur, "€ −30.000".into()),
                Cell::figure(-6e4, Unit::Eur, "€ −60.000".into()),
                Cell::figure(-1e3, Unit::Eur, "€ −1.000".into()),
                Cell::figure(0.25, Unit::Share, "25 %".into()),
            ]]
        );
        assert_eq!(
            b.last(),
            Some(&Block::List(vec![
                "renegotiation: 60 % van de doorrekeningen (zonder schok 20 %)".into()
            ]))
        );
    }

    #[test]
    fn a_combined_shock_names_the_shocks_it_takes_along() {
        let combine = |s: &str| Change::Combine { shock: s.into() };
        let both = [combine("wages-p95"), combine("volume")];
        assert_eq!(
            what(Lang::Nl, &both, &names()),
            "de schokken wages-p95 en volume samen"
        );
        let own = [
            Change::Scale {
                path: "transition_budget.per_year".into(),
                factor: 0.7,
            },
            combine("wages-p95"),
        ];
        assert_eq!(
            what(Lang::En, &own, &names()),
            "transition_budget.per_year times 0.7; together with wages-p95"
        );
    }

    #[test]
    fn the_exposure_table_has_every_partner_under_every_scenario() {
        let Block::Table(head, rows) = exposure_table(Lang::En, &stress(), &names()) else {
            panic!("a table")
        };
        assert_eq!(head[5], "expected shortfall (worst 5 %)");
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[1],
            vec![
                Cell::from("Gemeente Oss"),
                Cell::from("town"),
                Cell::from("wages-p95"),
                Cell::figure(2e4, Unit::Eur, "EUR 20,000".into()),
                Cell::figure(-8e4, Unit::Eur, "EUR −80,000".into()),
                Cell::figure(-8e4, Unit::Eur, "EUR −80,000".into()),
                Cell::figure(0.25, Unit::Share, "25 %".into()),
                Cell::figure(-3e4, Unit::Eur, "EUR −30,000".into()),
            ]
        );
    }

    #[test]
    fn both_languages_have_every_heading_and_the_charts() {
        let st = stress();
        let nl = headings(&blocks(&[], &st, &names(), Lang::Nl, true));
        let en = headings(&blocks(&[], &st, &names(), Lang::En, true));
        assert_eq!(
            nl,
            [
                "Stresstest: base",
                "Bestuurlijke samenvatting",
                "Per schok",
                "wages-p95",
                "Bijlage voor analisten",
                "Stressblootstelling",
                "Clausules per schok",
                "Kerncijfers per schok",
            ]
        );
        assert_eq!(
            en,
            [
                "Stress test: base",
                "Summary for the board",
                "Shock by shock",
                "wages-p95",
                "Appendix for analysts",
                "Stress exposure",
                "Clauses per shock",
                "Headline figures per shock",
            ]
        );
        // Each shock's effect on money and on the gap, and the clause that moves.
        let readings: Vec<String> = blocks(&[], &st, &names(), Lang::En, true)
            .into_iter()
            .filter_map(|b| match b {
                Block::Chart { svg, reading } => {
                    assert!(svg.starts_with("<svg"), "{svg}");
                    // The shock by its full name, a row of its own.
                    assert!(svg.contains(">wages-p95</text>"), "{svg}");
                    Some(reading)
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            readings,
            [
                "Effect of each shock on all partners together (chart in report.html)",
                "Effect of each shock on the staff gap closed (chart in report.html)",
                "How often the clause fires, per shock: renegotiation (chart in report.html)",
            ]
        );
    }
}
