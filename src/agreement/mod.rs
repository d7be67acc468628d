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
    /// Demand, including what cannot be delivered for want of staff.
    pub demand_eur: Vec<Vec<f64>>,
    pub demand_fte: Vec<Vec<f64>>,
    /// Of the demand, what moved in from other domains' unmet demand last year.
    pub moved_in_eur: Vec<Vec<f64>>,
    pub moved_in_fte: Vec<Vec<f64>>,
    /// Staff available for care per domain: the workforce less the staff interventions use.
    pub capacity_fte: Vec<Vec<f64>>,
    /// Of the workforce, the staff interventions divert from care (FTE): their contract no
    /// longer pays for them where the transition budget does.
    pub diverted_fte: Vec<Vec<f64>>,
    /// Care delivered: demand, as far as the staff available reach.
    pub delivered_eur: Vec<Vec<f64>>,
    pub delivered_fte: Vec<Vec<f64>>,
    /// Of the care the staff could deliver, what a binding ceiling holds back (FTE): it waits
    /// for money, not for staff.
    pub held_fte: Vec<Vec<f64>>,
    /// What each domain's contract pays its providers, and what delivering costs them.
    pub payments: Vec<Vec<f64>>,
    pub care_cost: Vec<Vec<f64>>,
    /// Contract payments of the domains each financier pays for.
    pub domain_cost: Vec<Vec<f64>>,
    /// Of those, the financier's own: its market share of each domain (`financier_share`);
    /// financiers outside the network pay the rest.
    pub own_cost: Vec<Vec<f64>>,
    /// Contract payments of all domains plus interventions (delivered by partners or bought
    /// outside) and other money paid out of the network (payments to `outside`).
    pub cost_total: Vec<f64>,
}

impl VariantFrame {
    /// A frame of zeros for `domains` domains, `financiers` financiers and `len` runs.
    pub fn zeros(domains: usize, financiers: usize, len: usize) -> VariantFrame {
        let grid = |n: usize| vec![vec![0.0; len]; n];
        VariantFrame {
            demand_eur: grid(domains),
            demand_fte: grid(domains),
            moved_in_eur: grid(domains),
            moved_in_fte: grid(domains),
            capacity_fte: grid(domains),
            diverted_fte: grid(domains),
            delivered_eur: grid(domains),
            delivered_fte: grid(domains),
            held_fte: grid(domains),
            payments: grid(domains),
            care_cost: grid(domains),
            domain_cost: grid(financiers),
            own_cost: grid(financiers),
            cost_total: vec![0.0; len],
        }
    }
}

/// The year's terms of every domain's contract and cost structure, the same in every variant,
/// `[domain][run]`.
#[derive(Debug, Clone, Default)]
pub struct CareTerms {
    /// The contract's indexed amount: ceiling, sum, or capitation total (0 for fee for
    /// service).
    pub contract_amount: Vec<Vec<f64>>,
    /// Staff cost per FTE employed, following the run's wage and price growth.
    pub staff_cost_per_fte: Vec<Vec<f64>>,
    /// Fixed cost of the domain's providers.
    pub fixed_cost: Vec<Vec<f64>>,
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
    pub terms: CareTerms,
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
    /// Per tally name, per partner (in the scenario's order), the amount rules tallied this
    /// year.
    pub tallies: Vec<(String, Vec<Vec<f64>>)>,
    /// 1 while the network invests; a rule sets 0 (go/no-go) to stop contributions and
    /// intervention spending from the next year on.
    pub investing: Vec<f64>,
    /// Per partner (in the scenario's order): its position against the counterfactual summed
    /// through last year, as `partner.<id>.net` reports it.
    pub positions: Vec<Vec<f64>>,
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
    /// Tally names: amounts per partner the rules report, such as a provider's overproduction.
    fn tallies(&self) -> Vec<String>;
    /// The files of the rules that can move money (they call `pay`, `deposit`, `withdraw` or
    /// `shift_budget`), as their transfers' origins name them: what each moved is reported, and a
    /// clause that never moved any is flagged.
    fn movers(&self) -> Vec<String> {
        Vec::new()
    }
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
    fn tallies(&self) -> Vec<String> {
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
