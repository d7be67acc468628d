//! The interface a network agreement implements: the points of a simulated year where it acts
//! ([`Hook`]), what it sees and changes there ([`YearFrame`], [`VariantYear`]), the accounts
//! money moves between, and the error it reports ([`RuleError`]).
//!
//! It lives below both the simulator, which calls an agreement, and the Rhai host
//! (`rules`), which is one implementation of it, so that neither imports the other.

mod error;

pub use error::RuleError;

use crate::ledger::Ledger;
use crate::model::Model;
use crate::sampling::Draws;
use crate::variant::Variant;

pub use crate::ledger::{FUND_PREFIX, INTERVENTIONS, OUTSIDE};

/// The transition fund, kloof's own.
pub const TRANSITION_FUND: &str = "fund:transition";

/// The points of a simulated year where an agreement acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// Once, in the start year, before `Year`.
    Start,
    /// After demand and capacity are projected, before costs: rules may scale demand and pay.
    Year,
    /// At year end, with costs and savings known: settlements, shared savings.
    Settle,
    /// Once, after the horizon year's settlement.
    End,
}

impl Hook {
    pub fn function_name(self) -> &'static str {
        match self {
            Hook::Start => "on_start",
            Hook::Year => "on_year",
            Hook::Settle => "on_settle",
            Hook::End => "on_end",
        }
    }
}

/// One variant's figures for one year across the batch, `[domain or financier][run]`.
#[derive(Debug, Clone, Default)]
pub struct VariantFrame {
    pub demand_eur: Vec<Vec<f64>>,
    pub demand_fte: Vec<Vec<f64>>,
    /// Cost of the domains each financier pays for.
    pub domain_cost: Vec<Vec<f64>>,
    /// Demand of all domains plus money paid out of the network (interventions, outside).
    pub cost_total: Vec<f64>,
}

/// What every variant of a batch's year shares, and what rules only read: every quantity an
/// array across runs.
#[derive(Debug, Clone)]
pub struct YearFrame {
    pub year: i32,
    pub len: usize,
    /// People by the report's age groups (`0-19`, `20-64`, `65+`, `80+`) and `total`.
    pub population: Vec<(&'static str, Vec<f64>)>,
    /// No agreement: the counterfactual every variant is compared with (`s.baseline`).
    pub baseline: VariantFrame,
    /// FTE employed per domain (the same in every variant).
    pub capacity_fte: Vec<Vec<f64>>,
    /// Budget per financier.
    pub budget: Vec<Vec<f64>>,
}

/// One variant's own part of a batch's year, which its rules read and change.
#[derive(Debug, Clone)]
pub struct VariantYear {
    /// The variant's demand and costs; rules scale its demand in `Hook::Year`.
    pub frame: VariantFrame,
    /// Transition money available this year (fund balance after contributions) and spent.
    pub transition_available: Vec<f64>,
    pub transition_spent: Vec<f64>,
    /// Per event name, 1 in the runs where it fired this year.
    pub events: Vec<(String, Vec<f64>)>,
    /// 1 while the network invests; a rule sets 0 (go/no-go) to stop contributions and
    /// intervention spending from the next year on.
    pub investing: Vec<f64>,
}

/// The rules of a network agreement acting on one variant of one batch.
pub trait Agreement {
    /// Runs `hook` for the batch. `draws` holds this year's values of every input, as the
    /// variant sees them (its overlays applied).
    fn hook(
        &mut self,
        hook: Hook,
        shared: &YearFrame,
        own: &mut VariantYear,
        ledger: &mut Ledger,
        draws: &Draws,
    ) -> Result<(), RuleError>;
}

/// Builds one [`Agreement`] per batch and variant, and declares what the agreement may report,
/// so the catalogue of series is fixed before the runs start.
pub trait Agreements: Sync {
    fn for_batch(
        &self,
        model: &Model,
        variant: &Variant,
    ) -> Result<Box<dyn Agreement + '_>, RuleError>;
    /// Named funds the rules use, without the `fund:` prefix.
    fn funds(&self) -> Vec<String>;
    /// Event names the rules may fire.
    fn events(&self) -> Vec<String>;
}

/// No agreement: a variant is its interventions and transition budget alone.
pub struct NoRules;

impl Agreements for NoRules {
    fn for_batch(&self, _: &Model, _: &Variant) -> Result<Box<dyn Agreement + '_>, RuleError> {
        struct Nothing;
        impl Agreement for Nothing {
            fn hook(
                &mut self,
                _: Hook,
                _: &YearFrame,
                _: &mut VariantYear,
                _: &mut Ledger,
                _: &Draws,
            ) -> Result<(), RuleError> {
                Ok(())
            }
        }
        Ok(Box::new(Nothing))
    }
    fn funds(&self) -> Vec<String> {
        Vec::new()
    }
    fn events(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Funds the ledger holds: the transition fund (when the scenario has a transition budget) and
/// those the rules name, in that order.
pub fn fund_names(m: &Model, agreements: &dyn Agreements) -> Vec<String> {
    let mut funds = Vec::new();
    if m.transition.is_some() {
        funds.push("transition".to_string());
    }
    for f in agreements.funds() {
        if !funds.contains(&f) {
            funds.push(f);
        }
    }
    funds
}
