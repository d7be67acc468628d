//! The report of a run: `results.csv`, `results.json`, `summary.md` and `manifest.json`, and
//! with `per_run` every run's headline figures in `runs.csv`.
//!
//! The files are written into a fresh folder beside the report folder, which then takes the
//! report folder's place in one rename (an exchange when a report is already there): a report
//! folder never holds a half-written report, or files of two runs writing it at once.

pub mod compare;
mod csv;
pub mod fairness;
mod json;
mod markdown;
mod publish;
mod runs;
pub mod sensitivity;
pub mod stress;
pub mod value_of_information;

pub use publish::NotAReport;

use std::io;
use std::path::{Path, PathBuf};

use crate::outcome::{Outcomes, Series};
use crate::provenance::Manifest;
use crate::scenario::{Budget, BudgetIndex, Role, Scenario};
use crate::stats::Summary;
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
}

impl About {
    pub fn of(s: &Scenario) -> About {
        let budgets = s
            .partners
            .iter()
            .filter(|p| p.role == Role::Financier)
            .map(|p| format!("{} {}", p.id, describe(p.budget.as_ref())))
            .collect();
        About {
            title: s.title.clone(),
            description: s.description.trim().to_string(),
            budgets,
            agreement_period: s
                .agreement_period
                .as_ref()
                .map(|a| (a.from, a.to, a.after.trim().to_string())),
            scopes: s
                .partners
                .iter()
                .filter_map(|p| Some((p.id.to_string(), p.scope.as_ref()?.trim().to_string())))
                .collect(),
            initiators: s
                .partners
                .iter()
                .filter(|p| p.initiator)
                .map(|p| p.id.to_string())
                .collect(),
        }
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

/// Summaries of every series and year, in catalogue order.
pub fn rows(outcomes: &Outcomes) -> Vec<Row> {
    let mut rows = Vec::new();
    for (s, series) in outcomes.catalogue.series.iter().enumerate() {
        for (y, &year) in outcomes.years.iter().enumerate() {
            rows.push(Row {
                series: series.clone(),
                year,
                summary: Summary::of(outcomes.values(s, y)),
            });
        }
    }
    rows
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the report to {dir}: {source}")]
    Io { dir: PathBuf, source: io::Error },
    #[error("cannot encode the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    NotAReport(#[from] NotAReport),
}

/// Writes the report files to `dir`, all or nothing: the four every report has, and `runs.csv`
/// when `per_run`. A folder already at `dir` must be a kloof report (or empty): it is replaced
/// whole.
pub fn write(
    dir: &Path,
    manifest: &Manifest,
    outcomes: &Outcomes,
    about: &About,
    per_run: bool,
) -> Result<(), ReportError> {
    let rows = rows(outcomes);
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("results.csv", csv::render(&rows).into_bytes()),
        ("results.json", json::render(&manifest.provenance, &rows)?),
        (
            "summary.md",
            markdown::render(&manifest.provenance, about, outcomes).into_bytes(),
        ),
        ("manifest.json", serde_json::to_vec_pretty(manifest)?),
    ];
    if per_run {
        files.push(("runs.csv", runs::render(outcomes).into_bytes()));
    }
    publish::publish(dir, &files)
}
