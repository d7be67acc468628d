//! kloof simulates the money and the people of a Dutch regional care network toward 2030 and
//! beyond: how large the care gap (*zorgkloof*) grows as the population ages, and what a
//! network agreement — a transition budget, interventions — does to it, under uncertainty.
//!
//! Data flows one way: [`scenario`] → [`model`] → [`sampling`] (draws) → [`projection`] →
//! [`simulator`] (runs × years × [`variant`]s under the same draws; an [`agreement`] moves money
//! through the [`ledger`]; results go to a recorder, by default [`outcome`]) → [`stats`] →
//! [`report`]. The agreement interface lies below both the simulator and [`rules`], the Rhai
//! host that implements it; [`provenance`] below the report and the host.
//! Beside that flow, [`fairness`] splits what partners achieve together (Shapley value,
//! nucleolus, core) in cooperative games.
//! The library knows no terminal; only the binary prints.

// Rule errors carry file, line, column, source line, hook, run and year for the analyst; they
// travel only on the failure path, once, so their size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

pub mod agreement;
pub mod compare;
pub mod contract;
pub mod cost_effectiveness;
pub mod fairness;
pub mod ledger;
pub mod lever;
pub mod model;
pub mod outcome;
pub mod overlay;
pub mod projection;
pub mod provenance;
pub mod region;
pub mod report;
pub mod rules;
pub mod sampling;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod simulator;
pub mod stats;
pub mod stress;
pub mod study;
pub mod sweep;
pub mod value;
pub mod value_of_information;
pub mod variant;
pub mod whatif;

/// Everything that can stop kloof, each with a message that says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Scenario(#[from] scenario::ScenarioError),
    #[error(transparent)]
    Simulation(#[from] simulator::SimError),
    #[error(transparent)]
    Report(#[from] report::ReportError),
    #[error("{0}")]
    Options(String),
    /// A what-if page's setting that no lever allows.
    #[error("{0}")]
    Lever(String),
    #[error(transparent)]
    GameFile(#[from] fairness::GameFileError),
    #[error(transparent)]
    Fairness(#[from] fairness::FairnessError),
    /// Every rule file that failed to load or compile, each with its position.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Rules(Vec<agreement::RuleError>),
}
