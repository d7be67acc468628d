//! The board's one page (*bestuurlijke samenvatting*) of a study, and the HTML report that
//! opens with it: how large the care gap grows year by year, what the network closes while it
//! runs and after, what it costs and who pays, who gains, how sure the figures are and what
//! they rest on. In plain words, with partner names instead of ids, in Dutch or English.

use super::About;
use super::chart::{
    self, Band, Bar, BarChart, FanChart, FanSeries, GroupedBarChart, Style, XyChart, XySeries,
};
use super::document::{Block, Cell, Unit};
use super::lang::Lang;
use crate::cost_effectiveness::summed;
use crate::outcome::Outcomes;
use crate::provenance::Provenance;
use crate::stats::Summary;
use crate::variant::{BASELINE, NETWORK};

/// The years a board reads: every year up to ten, else the start, every few years and the
/// horizon, with the decision years always in.
fn years(o: &Outcomes, decisions: &[i32]) -> Vec<i32> {
    let all = &o.years;
    if all.len() <= 11 {
        return all.clone();
    }
    let step = (all.len() - 1).div_ceil(8);
    let last = all.len() - 1;
    all.iter()
        .enumerate()
        .filter(|(i, y)| i % step == 0 || *i == last || decisions.contains(y))
        .map(|(_, y)| *y)
        .collect()
}

fn summary(o: &Outcomes, v: &str, metric: &str, year: i32) -> Option<Summary> {
    o.get(v, metric, year).map(Summary::of)
}

/// A year as a table's first cell.
pub(super) fn year_cell(y: i32) -> Cell {
    Cell::figure(f64::from(y), Unit::Count, y.to_string())
}

/// FTE, whole, as a board reads them.
pub(super) fn fte_cell(lang: Lang, x: f64) -> Cell {
    Cell::figure(x, Unit::Fte, lang.number(x, 0))
}

/// Euros as a board reads them (`€ 1,2 mln`); a workbook keeps the euros.
pub(super) fn eur_cell(lang: Lang, x: f64) -> Cell {
    Cell::figure(x, Unit::Eur, lang.eur(x))
}

/// A share as a percentage.
pub(super) fn share_cell(lang: Lang, x: f64) -> Cell {
    Cell::figure(x, Unit::Share, lang.percent(x))
}

/// "12 (90 %: 8 – 15)" in the format `f`.
fn span(lang: Lang, s: &Summary, f: &dyn Fn(f64) -> String) -> String {
    format!(
        "{} ({}: {} – {})",
        f(s.p50),
        lang.pick("90 %-interval", "90 % interval"),
        f(s.p5),
        f(s.p95)
    )
}

/// The median share of the baseline's `metric` the network removes in `year` (runs where the
/// baseline's is zero left out).
pub(super) fn closed(o: &Outcomes, metric: &str, year: i32) -> Option<f64> {
    let (b, n) = (
        o.get(BASELINE, metric, year)?,
        o.get(NETWORK, metric, year)?,
    );
    let shares: Vec<f64> = b
        .iter()
        .zip(n.iter())
        .filter(|(b, _)| **b > 0.0)
        .map(|(b, n)| (b - n) / b)
        .collect();
    (!shares.is_empty()).then(|| Summary::of(&shares).p50)
}

/// What drives demand in euros from `start` to `end`: its total growth and the parts that
/// multiply to it (population size, ageing, less informal care, wages and prices, volume per
/// person less what tariffs pass on of productivity), each the median over runs.
pub(super) struct Drivers {
    pub total: f64,
    pub parts: [f64; 5],
}

pub(super) fn drivers(o: &Outcomes, start: i32, end: i32) -> Drivers {
    let growth = |metric: &str| match (o.get(BASELINE, metric, start), o.get(BASELINE, metric, end))
    {
        (Some(a), Some(b)) => {
            let g: Vec<f64> = a.iter().zip(b.iter()).map(|(a, b)| b / a - 1.0).collect();
            Summary::of(&g).p50
        }
        _ => f64::NAN,
    };
    let size = growth("population.total");
    let demography = growth("drivers.eur.demography");
    let informal = growth("drivers.eur.informal");
    let prices = growth("drivers.eur.prices");
    let total = growth("demand.eur.total");
    let part = |after: f64, before: f64| (1.0 + after) / (1.0 + before) - 1.0;
    Drivers {
        total,
        parts: [
            size,
            part(demography, size),
            part(informal, demography),
            part(prices, informal),
            part(total, prices),
        ],
    }
}

/// A chart for the HTML report; in Markdown, its title and where to see it.
pub(super) fn figure(lang: Lang, title: &str, svg: String) -> Block {
    Block::Chart {
        svg,
        reading: format!(
            "{title} ({})",
            lang.pick("grafiek in report.html", "chart in report.html")
        ),
    }
}

/// A fan chart of `metric` per year, baseline against network.
fn fan(
    o: &Outcomes,
    lang: Lang,
    metric: &str,
    title: String,
    y_label: String,
    reading: String,
    marks: &[i32],
) -> FanChart {
    let series = [
        (BASELINE, lang.pick("zonder netwerk", "without the network")),
        (NETWORK, lang.pick("met netwerk", "with the network")),
    ]
    .iter()
    .filter_map(|(v, label)| {
        let points: Vec<(i32, Band)> = o
            .years
            .iter()
            .filter_map(|&y| {
                let s = summary(o, v, metric, y)?;
                Some((
                    y,
                    Band {
                        p5: s.p5,
                        p25: s.p25,
                        p50: s.p50,
                        p75: s.p75,
                        p95: s.p95,
                    },
                ))
            })
            .collect();
        (!points.is_empty()).then(|| FanSeries {
            label: label.to_string(),
            points,
        })
    })
    .collect();
    FanChart {
        title,
        reading,
        y_label,
        series,
        marks: marks
            .iter()
            .map(|y| (*y, lang.pick("go/no-go", "go/no-go").to_string()))
            .collect(),
    }
}

/// A partner's name as a board reads it: without a trailing note in brackets of more than two
/// words (scenarios put their sources there, "Ziekenhuis Zoetermeer (the town's one hospital,
/// webinar)"); a short one stays ("Zorgkantoor (Wlz)").
pub(super) fn display(name: &str) -> String {
    let name = name.trim_end();
    if let Some(open) = name.strip_suffix(')').and_then(|n| n.rfind(" (")) {
        let note = &name[open + 2..name.len() - 1];
        let short = name[..open].trim();
        if note.split_whitespace().count() > 2 && !short.is_empty() {
            return short.to_string();
        }
    }
    name.to_string()
}

/// The median over runs of `a − b` per run (delivered care as demand less what waits).
fn median_difference(a: &[f64], b: &[f64]) -> f64 {
    let d: Vec<f64> = a.iter().zip(b).map(|(a, b)| a - b).collect();
    Summary::of(&d).p50
}

/// Demand, delivered care and staff per domain at the horizon without the network: where the
/// care that waits comes from.
fn supply(o: &Outcomes, about: &About, lang: Lang, end: i32) -> Option<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let mut groups = Vec::new();
    let (mut demand, mut delivered, mut capacity) = (Vec::new(), Vec::new(), Vec::new());
    for (id, name) in &about.domain_names {
        let Some(d) = o.get(BASELINE, &format!("demand.fte.{id}"), end) else {
            continue;
        };
        groups.push(name.clone());
        demand.push(Some(Summary::of(&*d).p50));
        delivered.push(
            o.get(BASELINE, &format!("unmet.fte.{id}"), end)
                .map(|u| median_difference(&d, &u)),
        );
        capacity.push(
            o.get(BASELINE, &format!("capacity.fte.{id}"), end)
                .map(|c| Summary::of(c).p50),
        );
    }
    if groups.is_empty() {
        return None;
    }
    let c = GroupedBarChart {
        title: format!(
            "{} {end}",
            l(
                "Zorgvraag, geleverde zorg en personeel per domein zonder netwerk,",
                "Demand, care delivered and staff per domain without the network,"
            )
        ),
        reading: l(
            "Waar de vraag boven de geleverde zorg uitkomt, wacht zorg; geleverd blijft binnen personeel en plafonds.",
            "Where demand rises above care delivered, care waits; delivery stays within staff and ceilings.",
        ),
        y_label: l("fte (mediaan)", "FTE (median)"),
        groups,
        series: vec![
            (l("zorgvraag", "demand"), demand),
            (l("geleverd", "delivered"), delivered),
            (l("personeel", "staff"), capacity),
        ],
    };
    let svg = chart::render_grouped(&c, &|x| lang.number(x, 0));
    Some(figure(lang, &c.title, svg))
}

/// Each financier's cost at the horizon against its budget, without and with the network.
fn budgets(o: &Outcomes, lang: Lang, end: i32, name: &dyn Fn(&str) -> String) -> Option<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let financiers: Vec<&str> = o
        .catalogue
        .series
        .iter()
        .filter(|x| x.variant == BASELINE)
        .filter_map(|x| x.metric.strip_prefix("budget.eur."))
        .collect();
    if financiers.is_empty() {
        return None;
    }
    let median = |v: &str, m: String| o.get(v, &m, end).map(|x| Summary::of(x).p50);
    let c = GroupedBarChart {
        title: format!(
            "{} {end}",
            l(
                "Kosten per financier tegenover het budget,",
                "Cost per financier against its budget,"
            )
        ),
        reading: l(
            "Kosten boven het budget zijn het geldtekort van die financier; het netwerk verlaagt ze waar het zorgvraag voorkomt.",
            "Cost above the budget is that financier's money gap; the network lowers it where it prevents demand.",
        ),
        y_label: l("euro per jaar (mediaan)", "EUR a year (median)"),
        groups: financiers.iter().map(|f| name(f)).collect(),
        series: vec![
            (
                l("budget", "budget"),
                financiers
                    .iter()
                    .map(|f| median(BASELINE, format!("budget.eur.{f}")))
                    .collect(),
            ),
            (
                l("kosten zonder netwerk", "cost without the network"),
                financiers
                    .iter()
                    .map(|f| median(BASELINE, format!("cost.eur.{f}")))
                    .collect(),
            ),
            (
                l("kosten met netwerk", "cost with the network"),
                financiers
                    .iter()
                    .map(|f| median(NETWORK, format!("cost.eur.{f}")))
                    .collect(),
            ),
        ],
    };
    let svg = chart::render_grouped(&c, &|x| lang.eur(x));
    Some(figure(lang, &c.title, svg))
}

/// Runs shown on the cost-effectiveness plane: enough to see the cloud, few enough to keep
/// the page light. The first runs, so the same study shows the same points.
const PLANE_RUNS: usize = 1000;

/// The network's cost-effectiveness plane (care gained against its net cost, run by run) and
/// its acceptability curve (the chance that care gained is worth its cost, per value of an
/// FTE-year of care), when the scenario values care.
fn value(o: &Outcomes, about: &About, lang: Lang, end: i32) -> Vec<Block> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let Some(v) = about.value.iter().find(|v| v.variant == NETWORK) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let (Some(care), Some(net)) = (
        o.get(NETWORK, "care.gained.fte_years", end),
        o.get(NETWORK, "network.net", end),
    ) {
        let shown = care.len().min(PLANE_RUNS);
        let c = XyChart {
            title: format!(
                "{} {end}",
                l(
                    "Gewonnen zorg en wat die het netwerk kost, per doorrekening, tot",
                    "Care gained and what it costs the network, run by run, to"
                )
            ),
            reading: format!(
                "{} {} {} {}.",
                l(
                    "Rechts van nul wint het netwerk zorg, onder nul kost het per saldo niets;",
                    "Right of zero the network gains care, below zero it costs nothing on balance;"
                ),
                lang.number(shown as f64, 0),
                l("van de", "of the"),
                l(
                    &format!("{} doorrekeningen", lang.number(care.len() as f64, 0)),
                    &format!("{} runs", lang.number(care.len() as f64, 0))
                ),
            ),
            x_label: l("gewonnen zorg (fte-jaren)", "care gained (FTE-years)"),
            y_label: l("nettokosten (euro)", "net cost (EUR)"),
            series: vec![XySeries {
                label: l("doorrekeningen", "runs"),
                style: Style::Dots,
                points: care[..shown]
                    .iter()
                    .zip(&net[..shown])
                    .map(|(c, n)| (*c, -n))
                    .collect(),
            }],
        };
        let svg = chart::render_xy(&c, &|x| lang.number(x, 0), &|y| lang.eur(y));
        out.push(figure(lang, &c.title, svg));
    }
    if !v.acceptability.is_empty() {
        let c = XyChart {
            title: l(
                "Kans dat gewonnen zorg haar kosten waard is",
                "Chance that care gained is worth its cost",
            ),
            reading: l(
                "Lees af bij wat een fte-jaar zorg het bestuur waard is: de kans dat de waarde van de gewonnen zorg de nettokosten overtreft.",
                "Read at what an FTE-year of care is worth to the board: the chance that the value of care gained exceeds the net cost.",
            ),
            x_label: l(
                "waarde van een fte-jaar zorg (euro)",
                "value of an FTE-year of care (EUR)",
            ),
            y_label: l("kans (%)", "chance (%)"),
            series: vec![XySeries {
                label: l("netwerk", "network"),
                style: Style::Line,
                points: v
                    .acceptability
                    .iter()
                    .map(|(wtp, p)| (*wtp, p * 100.0))
                    .collect(),
            }],
        };
        let svg = chart::render_xy(&c, &|x| lang.eur(x), &|y| {
            format!("{} %", lang.number(y, 0))
        });
        out.push(figure(lang, &c.title, svg));
    }
    out
}

/// The brief of a `run`: the blocks of `brief.md`, and with `charts` the charts the HTML
/// report shows beside them.
pub fn blocks(p: &Provenance, about: &About, o: &Outcomes, lang: Lang, charts: bool) -> Vec<Block> {
    let (start, end) = (p.start_year, p.horizon);
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let fte = |x: f64| lang.number(x, 0);
    let eur = |x: f64| lang.eur(x);
    let name = |id: &str| {
        about
            .names
            .iter()
            .find(|(i, _)| i == id)
            .map_or_else(|| id.to_string(), |(_, n)| display(n))
    };
    let mut b = vec![Block::Heading(
        1,
        format!(
            "{}: {}",
            l("Bestuurlijke samenvatting", "Summary for the board"),
            about.title
        ),
    )];
    b.push(Block::Paragraph(format!(
        "{} {start}–{end}, {} {} {}.",
        l("De zorgkloof van", "The care gap from"),
        l("doorgerekend in", "computed in"),
        lang.number(p.runs as f64, 0),
        l(
            "varianten van de onzekere invoer (Monte Carlo); elk getal is de mediaan, met het 90 %-interval waarin 9 van de 10 uitkomsten vallen",
            "draws of the uncertain inputs (Monte Carlo); every figure is the median, with the 90 % interval that holds 9 in 10 outcomes"
        ),
    )));

    // The gap.
    b.push(Block::Heading(
        2,
        l(
            "Hoe groot wordt de zorgkloof?",
            "How large does the care gap grow?",
        ),
    ));
    if let Some(g) = summary(o, BASELINE, "gap.fte", end) {
        let mut text = format!(
            "{} {end} {} {} {}.",
            l("Zonder netwerk ontbreekt in", "Without the network,"),
            l("personeel voor", "staff are missing for"),
            span(lang, &g, &fte),
            l("fte aan zorgvraag", "FTE of care demanded"),
        );
        if let Some(m) = summary(o, BASELINE, "gap.eur", end) {
            text.push_str(&format!(
                " {} {}.",
                l(
                    "Het geldtekort: de kosten boven de budgetten van de financiers, bedraagt",
                    "The money gap, cost above the financiers' budgets, is"
                ),
                span(lang, &m, &eur)
            ));
        }
        b.push(Block::Paragraph(text));
    }
    let rows: Vec<Vec<Cell>> = years(o, &about.decision_years)
        .into_iter()
        .filter_map(|y| {
            let base = summary(o, BASELINE, "gap.fte", y)?;
            let net = summary(o, NETWORK, "gap.fte", y);
            let money = summary(o, BASELINE, "gap.eur", y);
            let dash = || Cell::from("–");
            Some(vec![
                year_cell(y),
                fte_cell(lang, base.p50),
                net.map_or_else(dash, |n| fte_cell(lang, n.p50)),
                closed(o, "gap.fte", y).map_or_else(dash, |c| share_cell(lang, c)),
                money.map_or_else(dash, |m| eur_cell(lang, m.p50)),
            ])
        })
        .collect();
    b.push(Block::Table(
        vec![
            l("jaar", "year"),
            l(
                "personeelstekort zonder netwerk (fte)",
                "staff gap without the network (FTE)",
            ),
            l("met netwerk (fte)", "with the network (FTE)"),
            l("gesloten door het netwerk", "closed by the network"),
            l("geldtekort zonder netwerk", "money gap without the network"),
        ],
        rows,
    ));
    if charts {
        let c = fan(
            o,
            lang,
            "gap.fte",
            l("Personeelstekort per jaar", "Staff gap per year"),
            l("tekort (fte)", "gap (FTE)"),
            l(
                "Het tekort aan personeel groeit; de banden tonen 50 % en 90 % van de uitkomsten.",
                "The shortage of staff grows; the bands hold 50 % and 90 % of the outcomes.",
            ),
            &about.decision_years,
        );
        let svg = chart::render_fan(&c, &fte);
        b.push(figure(lang, &c.title, svg));
        let c = fan(
            o,
            lang,
            "gap.eur",
            l("Geldtekort per jaar", "Money gap per year"),
            l("tekort (euro)", "gap (EUR)"),
            l(
                "Kosten boven de budgetten van de financiers, zonder en met netwerk.",
                "Cost above the financiers' budgets, without and with the network.",
            ),
            &about.decision_years,
        );
        let svg = chart::render_fan(&c, &eur);
        b.push(figure(lang, &c.title, svg));
    }

    // Where the staff are missing.
    let domains: Vec<(String, Summary)> = about
        .domain_names
        .iter()
        .filter_map(|(id, name)| {
            let s = summary(o, BASELINE, &format!("gap.fte.{id}"), end)?;
            Some((name.clone(), s))
        })
        .collect();
    let mut largest: Vec<&(String, Summary)> =
        domains.iter().filter(|(_, s)| s.p50 > 0.5).collect();
    largest.sort_by(|a, b| b.1.p50.total_cmp(&a.1.p50));
    if !largest.is_empty() {
        b.push(Block::Paragraph(format!(
            "{} {end}: {}.",
            l(
                "Het grootste tekort aan personeel zonder netwerk, in",
                "Where staff are most missing without the network, in"
            ),
            largest
                .iter()
                .take(3)
                .map(|(n, s)| format!("{n} {} {}", fte(s.p50), l("fte", "FTE")))
                .collect::<Vec<_>>()
                .join(", ")
        )));
        if charts {
            let c = BarChart {
                title: format!(
                    "{} {end}",
                    l(
                        "Personeelstekort per domein zonder netwerk,",
                        "Staff gap per domain without the network,"
                    )
                ),
                reading: l(
                    "Waar de zorgvraag het personeel het verst voorbijloopt; de strepen tonen het 90 %-interval.",
                    "Where demand outruns the staff furthest; the whiskers show the 90 % interval.",
                ),
                y_label: l("tekort (fte)", "gap (FTE)"),
                bars: domains
                    .iter()
                    .map(|(n, s)| Bar {
                        label: n.clone(),
                        value: s.p50,
                        interval: Some((s.p5, s.p95)),
                    })
                    .collect(),
            };
            let svg = chart::render_bars(&c, &fte);
            b.push(figure(lang, &c.title, svg));
        }
    }
    if charts {
        b.extend(supply(o, about, lang, end));
    }

    // What drives demand.
    let d = drivers(o, start, end);
    if d.total.is_finite() {
        let names = [
            l("bevolkingsomvang", "population size"),
            l("vergrijzing", "ageing"),
            l("minder mantelzorg", "less informal care"),
            l("lonen en prijzen", "wages and prices"),
            l("volume per persoon", "volume per person"),
        ];
        let pct = |x: f64| format!("{} %", lang.number(x * 100.0, 1));
        b.push(Block::Paragraph(format!(
            "{} {start} {} {end} {} {}: {}.",
            l(
                "De zorgvraag in euro groeit van",
                "Demand in euros grows from"
            ),
            l("tot", "to"),
            l("met", "by"),
            pct(d.total),
            names
                .iter()
                .zip(d.parts)
                .map(|(n, x)| format!("{n} {}", pct(x)))
                .collect::<Vec<_>>()
                .join(", ")
        )));
        if charts {
            let c = BarChart {
                title: format!(
                    "{} {start}–{end}",
                    l("Wat de zorgvraag laat groeien,", "What drives demand,")
                ),
                reading: l(
                    "Groei van de zorgvraag in euro per oorzaak; de delen vermenigvuldigen zich tot de totale groei.",
                    "Growth of demand in euros by cause; the parts multiply to the total growth.",
                ),
                y_label: l("groei (%)", "growth (%)"),
                bars: names
                    .iter()
                    .zip(d.parts)
                    .map(|(n, x)| Bar {
                        label: n.clone(),
                        value: x * 100.0,
                        interval: None,
                    })
                    .collect(),
            };
            let svg = chart::render_bars(&c, &|x| format!("{} %", lang.number(x, 0)));
            b.push(figure(lang, &c.title, svg));
        }
    }

    // What the network closes, and what it costs.
    b.push(Block::Heading(
        2,
        l(
            "Wat sluit het netwerk, en wat kost het?",
            "What does the network close, and at what cost?",
        ),
    ));
    let mut items = Vec::new();
    if let Some(c) = summary(o, NETWORK, "care.gained.fte_years", end) {
        items.push(format!(
            "{} {start}–{end}: {} {}",
            l(
                "Zorg die anders zou wachten,",
                "Care that would otherwise wait,"
            ),
            span(lang, &c, &fte),
            l("fte-jaren.", "FTE-years."),
        ));
    }
    if let Some(spent) = summed(o, NETWORK, "transition.eur.spent", end) {
        let s = Summary::of(&spent);
        items.push(format!(
            "{} {}.",
            l(
                "Besteed transitiebudget over de hele periode:",
                "Transition budget spent over the whole period:"
            ),
            span(lang, &s, &eur)
        ));
    }
    if let Some(net) = summary(o, NETWORK, "network.net", end) {
        items.push(format!(
            "{} {}.",
            l(
                "Alle partners samen, in geld (lagere betalingen en marges min wat het netwerk kost):",
                "All partners together, in money (lower payments and margins less what the network costs):"
            ),
            span(lang, &net, &eur)
        ));
    }
    if let Some(v) = about.value.iter().find(|v| v.variant == NETWORK) {
        match v.cost_per_fte_year {
            Some(c) if c > 0.0 => items.push(format!(
                "{} {}.",
                l(
                    "Kosten per fte-jaar gewonnen zorg:",
                    "Cost per FTE-year of care gained:"
                ),
                eur(c)
            )),
            Some(_) => items.push(l(
                "Het netwerk wint zorg en bespaart per saldo geld.",
                "The network gains care and saves money on balance.",
            )),
            None => items.push(l(
                "Het netwerk wint gemiddeld geen zorg.",
                "The network gains no care on average.",
            )),
        }
    }
    if !items.is_empty() {
        b.push(Block::List(items));
    }
    if charts {
        b.extend(budgets(o, lang, end, &name));
        b.extend(value(o, about, lang, end));
    }

    // Who gains.
    let partners: Vec<(String, Summary, f64)> = o
        .catalogue
        .series
        .iter()
        .filter(|x| x.variant == NETWORK)
        .filter_map(|x| x.metric.strip_prefix("partner.")?.strip_suffix(".net"))
        .filter_map(|id| {
            let values = o.get(NETWORK, &format!("partner.{id}.net"), end)?;
            let losing = values.iter().filter(|x| **x < -0.5).count() as f64 / values.len() as f64;
            Some((id.to_string(), Summary::of(values), losing))
        })
        .collect();
    if !partners.is_empty() {
        b.push(Block::Heading(
            2,
            l("Wie betaalt, wie wint?", "Who pays, who gains?"),
        ));
        b.push(Block::Paragraph(format!(
            "{} {start}–{end} {}",
            l("Het saldo van elke partner over", "Each partner's balance over"),
            l(
                "tegenover de situatie zonder netwerk: voor financiers lagere betalingen min hun bijdragen, voor aanbieders hun marge op zorg; negatief is verlies.",
                "against the situation without the network: for financiers lower payments less their contributions, for providers their margin on care; negative is a loss."
            ),
        )));
        b.push(Block::Table(
            vec![
                l("partner", "partner"),
                l("saldo (mediaan)", "balance (median)"),
                l("90 %-interval", "90 % interval"),
                l("kans op verlies", "chance of a loss"),
            ],
            partners
                .iter()
                .map(|(id, s, losing)| {
                    vec![
                        name(id).into(),
                        eur_cell(lang, s.p50),
                        format!("{} – {}", eur(s.p5), eur(s.p95)).into(),
                        share_cell(lang, *losing),
                    ]
                })
                .collect(),
        ));
        if charts {
            let c = BarChart {
                title: format!(
                    "{} {end}",
                    l("Saldo per partner in", "Balance per partner in")
                ),
                reading: l(
                    "Boven nul wint een partner, onder nul verliest hij; de strepen tonen het 90 %-interval.",
                    "Above zero a partner gains, below it loses; the whiskers show the 90 % interval.",
                ),
                y_label: l("saldo (euro)", "balance (EUR)"),
                bars: partners
                    .iter()
                    .map(|(id, s, _)| Bar {
                        label: name(id),
                        value: s.p50,
                        interval: Some((s.p5, s.p95)),
                    })
                    .collect(),
            };
            let svg = chart::render_bars(&c, &eur);
            b.push(figure(lang, &c.title, svg));
            let c = XyChart {
                title: l(
                    "Saldo per partner sinds de start, per jaar",
                    "Balance per partner since the start, per year",
                ),
                reading: l(
                    "De mediaan van elke partner, opgeteld vanaf de start: waar een lijn daalt, betaalt die partner dat jaar meer dan hij terugkrijgt.",
                    "Each partner's median, summed from the start: where a line falls, that partner pays more that year than it gets back.",
                ),
                x_label: l("jaar", "year"),
                y_label: l("saldo (euro)", "balance (EUR)"),
                series: partners
                    .iter()
                    .map(|(id, _, _)| XySeries {
                        label: name(id),
                        style: Style::Line,
                        points: o
                            .years
                            .iter()
                            .filter_map(|&y| {
                                let v = o.get(NETWORK, &format!("partner.{id}.net"), y)?;
                                Some((f64::from(y), Summary::of(v).p50))
                            })
                            .collect(),
                    })
                    .collect(),
            };
            let svg = chart::render_xy(&c, &|x| format!("{x:.0}"), &eur);
            b.push(figure(lang, &c.title, svg));
        }
    }

    // How sure, and what it rests on.
    b.push(Block::Heading(
        2,
        l(
            "Hoe zeker is dit, en waarop rust het?",
            "How sure is this, and what does it rest on?",
        ),
    ));
    let mut rests = vec![
        l(
            "Elk getal in het scenario noemt zijn bron of is als aanname gemarkeerd; de intervallen tonen wat de onzekerheid van die invoer doet, niet fouten in het model zelf.",
            "Every number in the scenario names its source or is marked as an assumption; the intervals show what the uncertainty of those inputs does, not errors of the model itself.",
        ),
        l(
            "In een regio met te weinig personeel is vermeden zorgvraag vooral zorg voor wie nu wacht, geen besparing: het netwerk wordt daarom op zorg én geld beoordeeld.",
            "In a region short of staff, avoided demand is mostly care for people now waiting, not a saving: the network is judged on care and money both.",
        ),
    ];
    // The budgets' growth and the go/no-go criterion are described in English (from the
    // scenario's terms) in summary.md; the Dutch brief points there rather than mixing
    // languages.
    if !about.budgets.is_empty() {
        rests.push(match lang {
            Lang::En => format!(
                "The money gap depends on how the budgets grow: {}.",
                about.budgets.join("; ")
            ),
            Lang::Nl => "Het geldtekort hangt af van hoe de budgetten van de financiers groeien; \
                         per financier staat dat in summary.md, met de geldtekorten bij andere \
                         groeipaden (alleen prijzen, prijzen en demografie)."
                .into(),
        });
    }
    if !about.criterion.is_empty() {
        let years: Vec<String> = about.decision_years.iter().map(i32::to_string).collect();
        rests.push(match lang {
            Lang::En => format!("Go/no-go in {}: {}.", years.join(", "), about.criterion),
            Lang::Nl => format!(
                "Go/no-go in {}: het bestuur besluit op het criterium van het scenario (zie summary.md); het besluit zelf is onzeker en zit in de uitkomsten.",
                years.join(", ")
            ),
        });
    }
    rests.push(format!(
        "kloof {}, {} {}, {} {}, scenario {} (sha256 {}…).",
        p.kloof_version,
        l("seed", "seed"),
        p.seed,
        lang.number(p.runs as f64, 0),
        l("doorrekeningen", "runs"),
        p.scenario,
        &p.scenario_sha256[..p.scenario_sha256.len().min(12)]
    ));
    b.push(Block::List(rests));
    b
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_lose_their_bracketed_notes() {
        assert_eq!(
            super::display("Ziekenhuis Zoetermeer (the town's one hospital, webinar)"),
            "Ziekenhuis Zoetermeer"
        );
        assert_eq!(super::display("Zorgkantoor (Wlz)"), "Zorgkantoor (Wlz)");
        assert_eq!(super::display("Gemeente Oss"), "Gemeente Oss");
        assert_eq!(super::display("(x)"), "(x)");
    }
}
