//! What the board reports of `fairness`, `sensitivity` and `evpi` share (issue 25): how they
//! call the scenario's parts (a partner, a domain or an intervention by its name rather than
//! its id, an uncertain input in plain words rather than its path in the scenario, a metric as
//! what it measures), and the facts of their analyst's appendix. A board member reads names;
//! the appendix keeps the ids, paths and hashes that make a figure reproducible.

use super::document::{Cell, Unit};
use super::lang::Lang;
use super::{localised, one_line};
use crate::provenance::Provenance;
use crate::scenario::{DisplayNames, Scenario};

/// The names of a scenario's partners, domains and interventions, by id, in the report's
/// language: the scenario's display name for it when given, else its name (a Dutch report
/// drops the English gloss in brackets of a domain's name), as one line of plain text that
/// each format escapes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    pub title: String,
    pub partners: Vec<(String, String)>,
    pub domains: Vec<(String, String)>,
    pub interventions: Vec<(String, String)>,
}

impl Names {
    pub fn of(s: &Scenario, lang: Lang) -> Names {
        let named = |id: String, name: &str, display: &Option<DisplayNames>| {
            (
                (id.clone(), one_line(name)),
                display.clone().map(|d| (id, d)),
            )
        };
        let (partners, display): (Vec<_>, Vec<_>) = (s.partners.iter())
            .map(|p| named(p.id.to_string(), &p.name, &p.display))
            .unzip();
        let (domains, domain_display): (Vec<_>, Vec<_>) = (s.domains.iter())
            .map(|d| named(d.id.to_string(), &d.name, &d.display))
            .unzip();
        let flat =
            |d: Vec<Option<(String, DisplayNames)>>| d.into_iter().flatten().collect::<Vec<_>>();
        Names {
            title: one_line(&s.title),
            partners: localised(&partners, &flat(display), lang, false),
            domains: localised(&domains, &flat(domain_display), lang, true),
            interventions: s
                .interventions
                .iter()
                .map(|i| (i.id.to_string(), one_line(&i.name)))
                .collect(),
        }
    }

    /// A partner's name as the board brief shows it, or the id itself for a group of partners
    /// (`--group`), which has no name but the one its user gave it.
    pub fn partner(&self, id: &str) -> String {
        find(&self.partners, id).map_or_else(|| id.to_string(), super::brief::display)
    }

    /// A domain's name.
    pub fn domain(&self, id: &str) -> String {
        find(&self.domains, id).map_or_else(|| id.to_string(), str::to_string)
    }

    /// An intervention's name, without a long note in brackets, as a partner's.
    fn intervention(&self, id: &str) -> String {
        find(&self.interventions, id).map_or_else(|| id.replace('_', " "), super::brief::display)
    }

    /// An uncertain input (its path in the scenario, as the simulator keys its draws) in plain
    /// words: the forms the shipped scenarios use, and for any other the path itself, which
    /// is still what an analyst looks up. Paths are made of ids, which the loader keeps to
    /// identifiers, and names are plain already: nothing here needs escaping.
    pub fn input(&self, key: &str, lang: Lang) -> String {
        let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
        let parts: Vec<&str> = key.split('.').collect();
        match parts.as_slice() {
            ["domains", d, rest @ ..] => {
                let what = match rest {
                    ["growth", "volume"] => l("volumegroei", "volume growth"),
                    ["workforce", "productivity"] => {
                        l("productiviteit personeel", "staff productivity")
                    }
                    ["workforce", "outflow"] => l("uitstroom personeel", "staff leaving"),
                    ["workforce", "moves", to, "share"] => format!(
                        "{} {}",
                        l("overstap personeel naar", "staff moving to"),
                        self.domain(to)
                    ),
                    ["refill"] => l("herbezetting vacatures", "vacancies refilled"),
                    ["contract", "efficiency_discount"] => l(
                        "efficiëntiekorting contract",
                        "contract efficiency discount",
                    ),
                    ["contract", "paid_above"] => l(
                        "betaling boven contractvolume",
                        "payment above contract volume",
                    ),
                    _ => return key.to_string(),
                };
                format!("{what}, {}", self.domain(d))
            }
            ["interventions", i, rest @ ..] => {
                let what = match rest {
                    ["effects", d, ages, "change"] => format!(
                        "{} {} ({ages})",
                        l("effect op", "effect on"),
                        self.domain(d)
                    ),
                    ["persistence", "decay"] => l("uitdoving van het effect", "effect fading"),
                    _ => return key.to_string(),
                };
                format!("{}: {what}", self.intervention(i))
            }
            ["region", "mortality", "improvement"] => l("dalende sterfte", "falling mortality"),
            ["region", "birth_rate"] => l("geboortecijfer", "birth rate"),
            ["region", "net_migration", ages] => format!(
                "{} {ages}",
                l("netto migratie, leeftijd", "net migration, aged")
            ),
            ["informal_care", "share_of_need"] => l(
                "mantelzorg, aandeel van de zorgbehoefte",
                "informal care, share of need",
            ),
            ["informal_care", "elasticity"] => {
                l("mantelzorg, elasticiteit", "informal care, elasticity")
            }
            ["inputs", "wages_prices"] => l("lonen en prijzen", "wages and prices"),
            ["inputs", name] => name.replace('_', " "),
            ["valuation", "wtp_per_fte_year", d] => format!(
                "{}, {}",
                l(
                    "waarde van een fte-jaar zorg",
                    "value of an FTE-year of care"
                ),
                self.domain(d)
            ),
            _ => key.to_string(),
        }
    }
    /// What a metric of `results.csv` measures, as a board says it ("the staff gap"), and
    /// its unit; a metric without words of its own is named by its id, its unit read from it.
    pub fn metric(&self, metric: &str, lang: Lang) -> (String, Unit) {
        let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
        let parts: Vec<&str> = metric.split('.').collect();
        let fallback = || {
            let unit =
                if parts.contains(&"eur") || matches!(parts.last(), Some(&"net" | &"benefit")) {
                    Unit::Eur
                } else if parts.iter().any(|p| p.starts_with("fte")) {
                    Unit::Fte
                } else {
                    Unit::Count
                };
            (metric.to_string(), unit)
        };
        match parts.as_slice() {
            ["gap", "fte"] => (l("het personeelstekort", "the staff gap"), Unit::Fte),
            ["gap", "eur"] => (l("het geldtekort", "the money gap"), Unit::Eur),
            ["gap", "fte", d] => (
                format!(
                    "{} {}",
                    l("het personeelstekort in", "the staff gap in"),
                    self.domain(d)
                ),
                Unit::Fte,
            ),
            ["network", "net"] => (
                l(
                    "het saldo van alle partners samen",
                    "all partners' balance together",
                ),
                Unit::Eur,
            ),
            ["network", "benefit"] => (
                l(
                    "het netto nut van alle partners samen",
                    "all partners' net benefit together",
                ),
                Unit::Eur,
            ),
            ["savings", "eur", "cumulative"] => (
                l("de besparing tot dan toe", "the savings so far"),
                Unit::Eur,
            ),
            ["partner", id, "net"] => (
                format!(
                    "{} {}",
                    l("het saldo van", "the balance of"),
                    self.partner(id)
                ),
                Unit::Eur,
            ),
            ["partner", id, "benefit"] => (
                format!(
                    "{} {}",
                    l("het netto nut van", "the net benefit of"),
                    self.partner(id)
                ),
                Unit::Eur,
            ),
            ["care", "gained", "fte_years"] => {
                (l("de gewonnen zorg", "the care gained"), Unit::Fte)
            }
            _ => fallback(),
        }
    }
}

/// `text` with a capital first letter, to open a sentence with a name in plain words.
pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A figure in its unit as a table cell: euros as a board reads them, FTE whole, shares as
/// percentages, a plain number with two decimals below ten (a rate) and whole above.
pub(super) fn cell(lang: Lang, unit: Unit, x: f64) -> Cell {
    Cell::figure(x, unit, shown(lang, unit, x))
}

/// A figure in its unit as text, as [`cell`] shows it.
pub(super) fn shown(lang: Lang, unit: Unit, x: f64) -> String {
    match unit {
        Unit::Eur => lang.eur(x),
        Unit::Fte => lang.number(x, 0),
        Unit::Share => lang.percent(x),
        Unit::Count | Unit::Decimal if x.abs() < 10.0 => lang.number(x, 2),
        Unit::Count | Unit::Decimal => lang.number(x, 0),
    }
}

/// A figure in its unit as a sentence says it: FTE with their unit (euros carry theirs).
pub(super) fn said(lang: Lang, unit: Unit, x: f64) -> String {
    match unit {
        Unit::Fte => format!("{} {}", shown(lang, unit, x), lang.pick("fte", "FTE")),
        _ => shown(lang, unit, x),
    }
}

/// A unit as an axis label shows it after the quantity's name.
pub(super) fn unit_label(lang: Lang, unit: Unit) -> &'static str {
    match unit {
        Unit::Eur => lang.pick(" (euro)", " (EUR)"),
        Unit::Fte => lang.pick(" (fte)", " (FTE)"),
        Unit::Share => " (%)",
        Unit::Count | Unit::Decimal => "",
    }
}

/// The facts of an analyst's appendix for one study: what computed the figures, from which
/// scenario and rules (with their hashes), with how many runs and which seed, and what was
/// counted; enough to compute the same figures again.
pub(super) fn facts(p: &Provenance, lang: Lang) -> Vec<String> {
    let l = |nl: &str, en: &str| lang.pick(nl, en).to_string();
    let mut out = vec![
        format!(
            "Scenario {} {} {}, sha256 {}",
            one_line(&p.scenario),
            l("uit", "from"),
            one_line(&p.scenario_path),
            p.scenario_sha256
        ),
        format!(
            "{} {}, seed {}, {} {}–{}, kloof {}.",
            lang.number(p.runs as f64, 0),
            l("doorrekeningen (Monte Carlo)", "runs (Monte Carlo)"),
            p.seed,
            l("jaren", "years"),
            p.start_year,
            p.horizon,
            one_line(&p.kloof_version)
        ),
    ];
    out.extend(p.rules.iter().map(|r| {
        format!(
            "{} {}, sha256 {}",
            l("Regels:", "Rules:"),
            one_line(&r.path),
            r.sha256
        )
    }));
    if let Some(w) = p.wtp_per_fte_year {
        out.push(format!(
            "{} {} (--wtp).",
            l(
                "Waarde van een fte-jaar gewonnen zorg:",
                "Value of an FTE-year of care gained:"
            ),
            lang.eur(w)
        ));
    }
    out.extend(counted(p, lang));
    out
}

/// What a partner's result counts, in a sentence, when it is not money alone (`--value
/// benefit`): a board must know that a "balance" then holds care valued in euros.
pub(super) fn counted(p: &Provenance, lang: Lang) -> Option<String> {
    (p.value.as_deref() == Some("benefit")).then(|| {
        lang.pick(
            "Elk saldo is het netto nut (--value benefit): de positie in geld plus de gewonnen zorg die de partner wordt toegerekend, gewaardeerd tegen λ per fte-jaar.",
            "Every balance is the net benefit (--value benefit): the money position plus the care gained credited to the partner, valued at λ per FTE-year.",
        )
        .to_string()
    })
}

fn find<'a>(pairs: &'a [(String, String)], id: &str) -> Option<&'a str> {
    pairs.iter().find(|(i, _)| i == id).map(|(_, n)| n.as_str())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::report::document::Block;

    /// A study's provenance, for the board reports' tests.
    pub(in crate::report) fn provenance() -> Provenance {
        Provenance {
            kloof_version: "0.1.0".into(),
            scenario: "oss".into(),
            scenario_path: "scenarios/oss.yaml".into(),
            scenario_sha256: "ab".repeat(32),
            rules: Vec::new(),
            seed: 7,
            runs: 400,
            start_year: 2025,
            horizon: 2030,
            wtp_per_fte_year: None,
            value: None,
        }
    }

    /// The headings of `blocks`, by level and text.
    pub(in crate::report) fn headings(blocks: &[Block]) -> Vec<(u8, &str)> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(level, text) => Some((*level, text.as_str())),
                _ => None,
            })
            .collect()
    }

    /// The rows of the first table under the heading `heading`, as their cells show them.
    pub(in crate::report) fn table<'a>(blocks: &'a [Block], heading: &str) -> Vec<Vec<&'a str>> {
        blocks
            .iter()
            .skip_while(|b| !matches!(b, Block::Heading(_, t) if t == heading))
            .find_map(|b| match b {
                Block::Table(_, rows) => Some(
                    rows.iter()
                        .map(|r| r.iter().map(|c| c.shown()).collect())
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// Every text of `blocks` but the charts', one per line.
    pub(in crate::report) fn text(blocks: &[Block]) -> String {
        crate::report::document::markdown(blocks)
    }

    /// The SVG of every chart in `blocks`.
    pub(in crate::report) fn charts(blocks: &[Block]) -> Vec<&str> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Chart { svg, .. } => Some(svg.as_str()),
                _ => None,
            })
            .collect()
    }

    pub(in crate::report) fn names() -> Names {
        Names {
            title: "Zoetermeer".into(),
            partners: vec![(
                "ziekenhuis".into(),
                "Ziekenhuis Zoetermeer (the town's one hospital, webinar)".into(),
            )],
            domains: vec![("wlz".into(), "Langdurige zorg".into())],
            interventions: vec![("valpreventie".into(), "Valpreventie".into())],
        }
    }

    #[test]
    fn metrics_in_words_with_their_unit() {
        let n = names();
        assert_eq!(
            n.metric("gap.fte", Lang::Nl),
            ("het personeelstekort".to_string(), Unit::Fte)
        );
        assert_eq!(
            n.metric("partner.ziekenhuis.net", Lang::En),
            (
                "the balance of Ziekenhuis Zoetermeer".to_string(),
                Unit::Eur
            )
        );
        assert_eq!(
            n.metric("cost.eur.total", Lang::En),
            ("cost.eur.total".to_string(), Unit::Eur)
        );
        assert_eq!(n.metric("population.total", Lang::Nl).1, Unit::Count);
    }

    #[test]
    fn the_appendix_names_what_reproduces_the_figures() {
        let mut p = provenance();
        p.value = Some("benefit".into());
        for lang in [Lang::Nl, Lang::En] {
            let f = facts(&p, lang).join("\n");
            for part in [
                "oss",
                "scenarios/oss.yaml",
                &"ab".repeat(32),
                "seed 7",
                "400",
                "2025–2030",
                "--value benefit",
            ] {
                assert!(f.contains(part), "{part}: {f}");
            }
        }
    }

    #[test]
    fn partners_and_domains_by_name() {
        let n = names();
        assert_eq!(n.partner("ziekenhuis"), "Ziekenhuis Zoetermeer");
        assert_eq!(n.partner("ouderenzorg"), "ouderenzorg");
        assert_eq!(n.domain("wlz"), "Langdurige zorg");
        assert_eq!(n.domain("zvw"), "zvw");
    }

    #[test]
    fn inputs_in_plain_words_or_their_path() {
        let n = names();
        let both = |key: &str| (n.input(key, Lang::Nl), n.input(key, Lang::En));
        assert_eq!(
            both("domains.wlz.growth.volume"),
            (
                "volumegroei, Langdurige zorg".into(),
                "volume growth, Langdurige zorg".into()
            )
        );
        assert_eq!(
            both("interventions.valpreventie.effects.wlz.75+.change").0,
            "Valpreventie: effect op Langdurige zorg (75+)"
        );
        assert_eq!(
            both("region.net_migration.20-39").1,
            "net migration, aged 20-39"
        );
        assert_eq!(both("inputs.gp_volume").0, "gp volume");
        assert_eq!(
            both("rules.waterbed.params.share").0,
            "rules.waterbed.params.share"
        );
        assert_eq!(both("domains.wlz.something").1, "domains.wlz.something");
    }
}
