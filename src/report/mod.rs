//! The report of a run: `results.csv`, `results.json`, `summary.md` and `manifest.json`, and
//! with `per_run` every run's headline figures in `runs.csv` and every value in `runs.parquet`.
//!
//! The files are written into a fresh folder beside the report folder, which then takes the
//! report folder's place in one rename (an exchange when a report is already there): a report
//! folder never holds a half-written report, or files of two runs writing it at once.

mod appendix;
mod board;
mod brief;
pub mod chart;
pub mod compare;
mod compare_brief;
mod csv;
mod document;
pub mod fairness;
mod json;
mod lang;
mod markdown;
mod parquet;
mod publish;
mod runs;
pub mod sensitivity;
pub mod stress;
mod stress_brief;
pub mod value_of_information;
pub mod whatif;
mod workbook;

pub use board::Names;
pub use document::escape;
pub use lang::Lang;
pub use publish::{NotAReport, Stream};

use std::io;
use std::path::{Path, PathBuf};

use crate::cost_effectiveness::{self, CostEffectiveness};
use crate::outcome::{Outcomes, Series};
use crate::provenance::Manifest;
use crate::scenario::{Budget, BudgetIndex, Credit, DisplayNames, Param, Role, Scenario};
use crate::stats::Summary;
use crate::variant::{CONTINUES, NETWORK};
use serde::Serialize;

/// What the summary says about the scenario beyond its figures.
#[derive(Debug, Clone)]
pub struct About {
    pub title: String,
    /// The scenario's own description: what the summary opens with.
    pub description: String,
    /// Per financier, how its budget grows: what the money gap rests on.
    pub budgets: Vec<String>,
    /// The agreement's years and what follows them, when the scenario gives them.
    pub agreement_period: Option<(i32, i32, String)>,
    /// Per partner with a stated scope: its id and what of its spending the scenario covers.
    pub scopes: Vec<(String, String)>,
    /// The partners marked as the agreement's initiators.
    pub initiators: Vec<String>,
    /// Every partner's id and name, then each legal entity's ([`names`]), for reports that name
    /// partners rather than ids: one line, not escaped (each format escapes it).
    pub names: Vec<(String, String)>,
    /// Every domain's id and name.
    pub domain_names: Vec<(String, String)>,
    /// The scenario's names per language for partners and for domains, by id (see
    /// [`About::in_lang`]).
    pub display: Vec<(String, DisplayNames)>,
    pub domain_display: Vec<(String, DisplayNames)>,
    /// The legal entities that consolidate several partners (`partners[].entity`).
    pub entities: Vec<crate::scenario::Party>,
    /// The cost-effectiveness of the network, and of the programme going on whatever the
    /// board decides when the scenario has a go/no-go.
    pub value: Vec<CostEffectiveness>,
    /// Per valued domain, its λ in words; empty without `valuation:`.
    pub wtp: Vec<String>,
    /// To whom care gained is credited, in words.
    pub credit: String,
    /// The go/no-go moments and what the board decides on, with what that rests on.
    pub decision_years: Vec<i32>,
    pub criterion: String,
}

impl About {
    /// What to say of scenario `s` beside the figures of its study `o`.
    pub fn of(s: &Scenario, o: &Outcomes) -> About {
        let horizon = s.region.horizon;
        let value = [NETWORK, CONTINUES]
            .iter()
            .filter_map(|v| cost_effectiveness::assess(o, s, v, horizon))
            .collect();
        let go_no_go = s.rules.iter().find(|r| {
            Path::new(&r.file)
                .file_stem()
                .is_some_and(|f| f == "go_no_go")
        });
        let budgets = s
            .partners
            .iter()
            .filter(|p| p.role == Role::Financier)
            .map(|p| format!("{} {}", p.id, describe(p.budget.as_ref())))
            .collect();
        About {
            title: plain(&s.title),
            description: plain(&s.description),
            budgets,
            agreement_period: s
                .agreement_period
                .as_ref()
                .map(|a| (a.from, a.to, plain(&a.after))),
            scopes: s
                .partners
                .iter()
                .filter_map(|p| Some((p.id.to_string(), plain(p.scope.as_ref()?))))
                .collect(),
            names: names(s),
            domain_names: s
                .domains
                .iter()
                .map(|d| (d.id.to_string(), one_line(&d.name)))
                .collect(),
            display: s
                .partners
                .iter()
                .filter_map(|p| Some((p.id.to_string(), p.display.clone()?)))
                .collect(),
            domain_display: s
                .domains
                .iter()
                .filter_map(|d| Some((d.id.to_string(), d.display.clone()?)))
                .collect(),
            initiators: s
                .partners
                .iter()
                .filter(|p| p.initiator)
                .map(|p| p.id.to_string())
                .collect(),
            entities: s.parties().into_iter().filter(|p| p.is_entity()).collect(),
            value,
            wtp: s.valuation.as_ref().map_or_else(Vec::new, |v| {
                v.wtp_per_fte_year
                    .0
                    .iter()
                    .map(|(d, q)| format!("{d} {}", eur_span(&q.0)))
                    .collect()
            }),
            credit: match s.valuation.as_ref().map(|v| v.credit) {
                Some(Credit::Residents) => "the residents".into(),
                _ => "the partner that holds the duty of care for the domain, its financier".into(),
            },
            decision_years: go_no_go.map_or_else(Vec::new, |r| decision_years(&r.params)),
            criterion: go_no_go.map_or_else(String::new, |r| {
                let basis = r.basis.as_deref().map_or_else(
                    || "its parameters carry no `basis:`".to_string(),
                    |b| format!("it rests on: {}", plain(b)),
                );
                format!("the board decides on {}; {basis}", criterion(&r.params))
            }),
        }
    }
}

/// Every partner's id and name in scenario `s`, for reports that name partners rather than
/// ids; then each legal entity (`partners[].entity`, which has an id but no name of its own)
/// with the words its partners' names begin with ("Gemeente Oss — wijkbudget" and "Gemeente
/// Oss — budgets" make "Gemeente Oss"), when they share any.
pub fn names(s: &Scenario) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = s
        .partners
        .iter()
        .map(|p| (p.id.to_string(), one_line(&p.name)))
        .collect();
    for party in s.parties().into_iter().filter(|p| p.is_entity()) {
        let words: Vec<Vec<&str>> = party
            .members
            .iter()
            .filter_map(|m| names.iter().find(|(id, _)| id == m))
            .map(|(_, n)| n.split_whitespace().collect())
            .collect();
        let Some(first) = words.first() else { continue };
        let shared = (0..first.len())
            .take_while(|&i| words.iter().all(|w| w.get(i) == first.get(i)))
            .count();
        let common = first[..shared]
            .join(" ")
            .trim_end_matches(|c: char| !c.is_alphanumeric())
            .to_string();
        if !common.is_empty() {
            names.push((party.name.clone(), common));
        }
    }
    names
}

/// [`names`] as a report in `lang` shows them: the partners' display names for it where the
/// scenario gives them.
pub fn names_in(s: &Scenario, lang: Lang) -> Vec<(String, String)> {
    let display: Vec<(String, DisplayNames)> = (s.partners.iter())
        .filter_map(|p| Some((p.id.to_string(), p.display.clone()?)))
        .collect();
    localised(&names(s), &display, lang, false)
}

/// A scenario's own words as report text: one line (line breaks and runs of white space become
/// one space), without control or reordering characters, and with `&`, `<` and `>` written as
/// entities, so that no title or description can add a heading, a table or markup to a report.
/// The loader refuses such characters already; this holds for texts that reach the report by
/// any other way too.
pub fn plain(text: &str) -> String {
    one_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `text` as one line of words: no control characters or characters that reorder text, runs
/// of white space as one space. Not escaped: for a format that escapes it itself.
pub fn one_line(text: &str) -> String {
    let bidi = |c: char| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().filter(|c| !bidi(*c)).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

impl About {
    /// The same, with partners and domains named as the scenario names them in `lang`
    /// ([`localised`]).
    pub fn in_lang(&self, lang: Lang) -> About {
        About {
            names: localised(&self.names, &self.display, lang, false),
            domain_names: localised(&self.domain_names, &self.domain_display, lang, true),
            ..self.clone()
        }
    }
}

/// `names` (id, name) as a report in `lang` shows them: the scenario's display name for that
/// language when `display` gives one, else the name. Without a display name a Dutch report
/// drops the English gloss in brackets that scenarios give Dutch domain names (`gloss`):
/// "Wijkverpleging (district nursing, Zvw)".
pub(crate) fn localised(
    names: &[(String, String)],
    display: &[(String, DisplayNames)],
    lang: Lang,
    gloss: bool,
) -> Vec<(String, String)> {
    let code = lang.to_string();
    names
        .iter()
        .map(|(id, name)| {
            let given = (display.iter())
                .find(|(d, _)| d == id)
                .and_then(|(_, n)| n.get(&code));
            let shown = match (given, lang) {
                (Some(n), _) => one_line(n),
                (None, Lang::Nl) if gloss => name
                    .rfind(" (")
                    .map_or(name.as_str(), |i| &name[..i])
                    .to_string(),
                (None, _) => name.clone(),
            };
            (id.clone(), shown)
        })
        .collect()
}

/// An amount in EUR, or the range of its distribution.
fn eur_span(q: &crate::sampling::Quantity) -> String {
    match q.fixed_value() {
        Some(x) => format!("EUR {}", markdown::int(x)),
        None => {
            let (lo, hi) = q.span();
            format!("EUR {} to {}", markdown::int(lo), markdown::int(hi))
        }
    }
}

/// The numbers of the go/no-go's `years` parameter.
fn decision_years(params: &[(String, Param)]) -> Vec<i32> {
    params
        .iter()
        .filter(|(k, _)| k == "years")
        .flat_map(|(_, p)| match p {
            Param::List(items) => items
                .iter()
                .filter_map(|i| match i {
                    Param::Number(q) => q.fixed_value().map(|y| y as i32),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// What the go/no-go decides on, in words, from its parameters.
fn criterion(params: &[(String, Param)]) -> String {
    let number = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, p)| match p {
                Param::Number(q) => q.fixed_value(),
                _ => None,
            })
    };
    let text = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, p)| match p {
                Param::Text(t) => Some(t.as_str()),
                _ => None,
            })
    };
    let observed = params.iter().any(|(k, _)| k == "observe");
    let seen = if observed {
        "its dashboard's"
    } else {
        "the exact"
    };
    let mut parts = Vec::new();
    match text("criterion").unwrap_or("savings") {
        "care" => parts.push(format!(
            "{seen} care indicator: unmet care in the domains it watches must be at least {} \
             below the unmet care expected without the network",
            number("min_care_gained").map_or("–".into(), |x| format!("{:.0} %", x * 100.0))
        )),
        "trajectory" => parts.push(format!(
            "{seen} savings trajectory: the yearly saving, net of the transition money, must \
             have grown since the year before"
        )),
        "benefit" => parts.push(format!(
            "net benefit: savings so far plus care gained valued at EUR {} per FTE-year must \
             not be negative",
            number("wtp").map_or("–".into(), markdown::int)
        )),
        _ => {
            if let Some(r) = number("min_saving_rate") {
                let floor = if r == 0.0 {
                    "not negative".to_string()
                } else {
                    format!("at least {:.2} % of the cost", r * 100.0)
                };
                parts.push(format!(
                    "{seen} savings so far, net of the transition money: {floor}"
                ));
            }
        }
    }
    if let Some(g) = number("min_gap_closed") {
        parts.push(format!(
            "at least {:.0} % of the baseline's FTE gap closed",
            g * 100.0
        ));
    }
    parts.join(" and ")
}

/// What a report's partner results count, in a sentence for its header: nothing to say for
/// money, the default.
pub(crate) fn counted(p: &crate::provenance::Provenance) -> &'static str {
    match p.value.as_deref() {
        Some("benefit") => {
            "Every partner's result here is its **net benefit** (`--value benefit`): its money \
             position plus the care gained in the domains credited to it, valued at the \
             scenario's willingness to pay λ per FTE-year (`partner.<id>.benefit`; all partners \
             together `network.benefit`).\n\n"
        }
        _ => "",
    }
}

/// How a budget grows, in words.
fn describe(b: Option<&Budget>) -> String {
    let Some(b) = b else {
        return "starts at its start-year cost and stays there".into();
    };
    let rate = match b.growth.fixed_value() {
        Some(r) => format!("{:.1} %", r * 100.0),
        None => "an uncertain rate".into(),
    };
    let start = if b.eur.is_none() {
        "starts at its start-year cost and "
    } else {
        ""
    };
    let mut text = match b.follows {
        None => format!("{start}grows {rate} a year, whatever wages and prices do"),
        Some(BudgetIndex::Prices) => {
            format!("{start}follows the run's own wage and price growth, plus {rate} a year")
        }
        Some(BudgetIndex::PricesAndDemography) => format!(
            "{start}follows the run's own wage and price growth and its domains' demographic \
             growth, plus {rate} a year"
        ),
    };
    if !b.path.is_empty() {
        let years: Vec<String> = b.path.keys().map(i32::to_string).collect();
        text.push_str(&format!(" (own rates in {})", years.join(", ")));
    }
    if b.transition_on_top {
        text.push_str(", with its transition contribution on top");
    }
    text
}

/// One row of the results: a series in a year, summarised across runs.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub series: Series,
    pub year: i32,
    #[serde(flatten)]
    pub summary: Summary,
}

/// Summaries of every series and year, in catalogue order, computed on every core (each row
/// on its own, so the result does not depend on the thread count).
pub fn rows(outcomes: &Outcomes) -> Vec<Row> {
    use rayon::prelude::*;
    let years = outcomes.years.len();
    (0..outcomes.catalogue.series.len() * years)
        .into_par_iter()
        .map(|i| {
            let (s, y) = (i / years, i % years);
            Row {
                series: outcomes.catalogue.series[s].clone(),
                year: outcomes.years[y],
                summary: Summary::of(outcomes.values(s, y)),
            }
        })
        .collect()
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the report to {dir}: {source}")]
    Io { dir: PathBuf, source: io::Error },
    #[error("cannot encode the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    #[error(transparent)]
    NotAReport(#[from] NotAReport),
    #[error("cannot write runs.parquet: {0}")]
    Parquet(#[from] ::parquet::errors::ParquetError),
    /// Writing a streamed file failed: reported with the report's folder.
    #[error("{0}")]
    Stream(#[from] io::Error),
    /// The per-run results could not be read back from disk.
    #[error(transparent)]
    Spill(#[from] crate::outcome::SpillError),
}

/// Writes the report files to `dir`, all or nothing: the four every report has, the board's
/// `brief.md` and `report.html` in `lang`, and with `per_run` `runs.csv` and `runs.parquet`
/// (streamed to disk, not held in memory). A folder already at `dir` must be a kloof report
/// (or empty): it is replaced whole.
pub fn write(
    dir: &Path,
    manifest: &Manifest,
    outcomes: &Outcomes,
    about: &About,
    per_run: bool,
    lang: Lang,
) -> Result<(), ReportError> {
    let files = files(manifest, outcomes, about, lang)?;
    let csv = |out: &mut (dyn io::Write + Send)| Ok(runs::write(outcomes, out)?);
    let parquet = |out: &mut (dyn io::Write + Send)| parquet::write(outcomes, out);
    let streams: [Stream; 2] = [("runs.csv", &csv), ("runs.parquet", &parquet)];
    let streams = if per_run { &streams[..] } else { &[] };
    publish::publish_streams(dir, &files, streams)?;
    Ok(())
}

/// Puts `files` and `streams` in `dir` whole, as every report is (a shard's partial result,
/// say).
pub fn publish_files(
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    streams: &[Stream],
) -> Result<(), ReportError> {
    publish::publish_streams(dir, files, streams)
}

/// The files of a run's report held in memory, by name, as [`write`] puts them in place
/// (`kloof serve` hands out its HTML report and workbook without writing anything). An error
/// when the per-run results could not be read back from disk: the report would be wrong.
pub fn files(
    manifest: &Manifest,
    outcomes: &Outcomes,
    about: &About,
    lang: Lang,
) -> Result<Vec<(&'static str, Vec<u8>)>, ReportError> {
    let rows = rows(outcomes);
    let p = &manifest.provenance;
    let about = &about.in_lang(lang);
    let mut files: Vec<(&'static str, Vec<u8>)> = vec![
        ("results.csv", csv::render(&rows).into_bytes()),
        ("results.json", json::render(&manifest.provenance, &rows)?),
        (
            "summary.md",
            markdown::render(&manifest.provenance, about, outcomes).into_bytes(),
        ),
        ("manifest.json", serde_json::to_vec_pretty(manifest)?),
        (
            "brief.md",
            document::markdown(&brief::blocks(p, about, outcomes, lang, false)).into_bytes(),
        ),
        (
            "report.html",
            document::html(
                &about.title,
                &lang.to_string(),
                &[
                    brief::blocks(p, about, outcomes, lang, true),
                    appendix::blocks(p, outcomes, lang),
                ]
                .concat(),
            )
            .into_bytes(),
        ),
        (
            "report.xlsx",
            workbook::render(p, about, outcomes, &rows, lang)?,
        ),
    ];
    if !about.value.is_empty() {
        files.push(("value.json", serde_json::to_vec_pretty(&about.value)?));
    }
    outcomes.check()?;
    Ok(files)
}
