//! A variant: one way the region is simulated, as a value. It names the partners that take part
//! in the agreement and the overlays that change inputs by their path in the scenario.
//!
//! The baseline is the variant in which no partner takes part; the network, the one in which
//! all do. Any number of variants run in one simulation under the same draws: an input an
//! overlay does not touch has the same random stream in every variant (see
//! [`crate::sampling`]), so differences between variants are the agreement's, not noise.
//!
//! What taking part means: a partner that does not take part pays nothing into the transition
//! fund, delivers none of its share of an intervention (which then costs and achieves only the
//! share of those who do take part, or buy it outside), and may not be paid or charged by the
//! agreement's rules (the host refuses the transfer; the shipped rules skip it, reading
//! `s.partners[id].takes_part`). Its contract is the baseline's in every variant: contracts are
//! the scenario's, not the agreement's. A variant in which no partner takes part runs no
//! agreement at all (no fund, no interventions, no rules).

use crate::model::{Market, Model};
use crate::sampling::{Input, Quantity};
use crate::scenario::ranges;

/// Name of the variant in which no partner takes part.
pub const BASELINE: &str = "baseline";
/// Name of the variant in which every partner takes part.
pub const NETWORK: &str = "network";
/// Name of the network whose programme goes on whatever its board decides at go/no-go
/// moments ([`Variant::continues`]).
pub const CONTINUES: &str = "continues";

/// One input changed: the input with key `key` (its path in the scenario by ids, as in
/// [`crate::sampling::Input::key`]) takes `quantity` instead.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub key: String,
    pub quantity: Quantity,
}

/// One way of simulating the region.
#[derive(Debug, Clone)]
pub struct Variant {
    /// How reports name it: lowercase letters, digits and `._+-`.
    pub name: String,
    /// Per partner, in the model's order: whether it takes part in the agreement.
    pub takes_part: Vec<bool>,
    /// Partners (index, year) that take part until the year before `year` and leave the
    /// agreement from `year` on (a stress test's "the hospital leaves in 2027"). A provider
    /// that leaves keeps its contracts and its clients: it stops taking part, not working.
    pub leaves: Vec<(usize, i32)>,
    /// Of those, the providers that also leave the region's market from their year on (a
    /// stress test's `exits_market`): their clients go to providers outside the network.
    pub exits_market: Vec<(usize, i32)>,
    pub overlays: Vec<Overlay>,
    /// The programme goes on whatever the rules decide: a rule's `stop_investing` is
    /// recorded (its events fire) but stops nothing. Beside the board's decision, it shows
    /// what the decision costs and gains under the same draws.
    pub continues: bool,
}

/// Why a set of variants cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VariantError {
    #[error("no variant to simulate")]
    Empty,
    #[error("variant name `{0}`: use lowercase letters, digits and `._+-`")]
    BadName(String),
    #[error("two variants are named `{0}`")]
    Duplicate(String),
    #[error("variant `{variant}` lists {given} partners, the scenario has {expected}")]
    Partners {
        variant: String,
        given: usize,
        expected: usize,
    },
    #[error("variant `{variant}`: no input `{key}` to overlay")]
    UnknownInput { variant: String, key: String },
    #[error("variant `{variant}`: overlay `{key}`: {message}")]
    OutOfRange {
        variant: String,
        key: String,
        message: String,
    },
}

impl Variant {
    /// No partner takes part: business as usual.
    pub fn baseline(m: &Model) -> Variant {
        Variant::coalition(BASELINE, m, |_| false)
    }

    /// Every partner takes part.
    pub fn network(m: &Model) -> Variant {
        Variant::coalition(NETWORK, m, |_| true)
    }

    /// The partners for which `member(index)` holds take part.
    pub fn coalition(name: &str, m: &Model, member: impl Fn(usize) -> bool) -> Variant {
        Variant {
            name: name.to_string(),
            takes_part: (0..m.partners.len()).map(member).collect(),
            leaves: Vec::new(),
            exits_market: Vec::new(),
            overlays: Vec::new(),
            continues: false,
        }
    }

    /// The same variant with input `key` replaced by `quantity`.
    pub fn with_overlay(mut self, key: &str, quantity: Quantity) -> Variant {
        self.overlays.push(Overlay {
            key: key.to_string(),
            quantity,
        });
        self
    }

    /// Whether partner `p` takes part in `year`.
    pub fn takes_part_in(&self, p: usize, year: i32) -> bool {
        self.takes_part[p] && !self.has_left(p, year)
    }

    /// Whether partner `p` has left the agreement by `year` (a stress test's `leaves`).
    pub fn has_left(&self, p: usize, year: i32) -> bool {
        self.leaves.iter().any(|&(q, y)| q == p && year >= y)
    }

    /// Whether provider `p` has left the region's market by `year` (a stress test's
    /// `exits_market`).
    pub fn has_exited(&self, p: usize, year: i32) -> bool {
        self.exits_market.iter().any(|&(q, y)| q == p && year >= y)
    }

    /// Each partner's market shares in `year` (per partner, the domains it delivers with its
    /// share) and those of providers outside the network. A provider that has left the
    /// market hands its clients to providers outside the network: from its year on its shares
    /// are theirs. A provider that only left the agreement, or never took part, keeps its
    /// clients.
    pub fn market_in(&self, m: &Model, year: i32) -> (Vec<Market>, Market) {
        let mut outside = Market::new();
        let market = (0..m.partners.len())
            .map(|pi| {
                let shares = m.market_of(pi);
                if !self.has_exited(pi, year) {
                    return shares;
                }
                for (d, share) in shares {
                    match outside.iter_mut().find(|(o, _)| *o == d) {
                        Some((_, s)) => *s += share,
                        None => outside.push((d, share)),
                    }
                }
                Vec::new()
            })
            .collect();
        (market, outside)
    }

    /// Whether any partner takes part, i.e. whether an agreement runs at all.
    pub fn has_agreement(&self) -> bool {
        self.takes_part.iter().any(|&t| t)
    }

    /// The model's inputs as this variant sees them.
    pub fn inputs(&self, m: &Model) -> Vec<Input> {
        let mut inputs = m.inputs.clone();
        for o in &self.overlays {
            // Every place of a shared input has its key.
            for input in inputs.iter_mut().filter(|i| i.key == o.key) {
                // Held to the range of the number it replaces, like a number read from a file
                // (checked in `validate`), so its rare draws beyond it are clamped the same way.
                let quantity = o
                    .quantity
                    .clone()
                    .bounded(input.quantity.bounds())
                    .unwrap_or_else(|_| o.quantity.clone());
                *input = input.with_quantity(quantity);
            }
        }
        inputs
    }

    /// Whether an overlay changes an input of the variant-free projection (population,
    /// demand, workforce, budgets), so that the variant needs a projection of its own.
    pub fn changes_projection(&self, m: &Model) -> bool {
        self.overlays.iter().any(|o| {
            m.inputs[..m.projection_inputs]
                .iter()
                .any(|i| i.key == o.key)
        })
    }
}

/// The baseline and the network: what `kloof run` simulates.
pub fn baseline_and_network(m: &Model) -> Vec<Variant> {
    vec![Variant::baseline(m), Variant::network(m)]
}

/// Checks that `variants` can be simulated on `m` together.
pub fn validate(m: &Model, variants: &[Variant]) -> Result<(), VariantError> {
    if variants.is_empty() {
        return Err(VariantError::Empty);
    }
    for (i, v) in variants.iter().enumerate() {
        let name_ok = !v.name.is_empty()
            && v.name.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '+' | '-')
            });
        if !name_ok {
            return Err(VariantError::BadName(v.name.clone()));
        }
        if variants[..i].iter().any(|w| w.name == v.name) {
            return Err(VariantError::Duplicate(v.name.clone()));
        }
        if v.takes_part.len() != m.partners.len() {
            return Err(VariantError::Partners {
                variant: v.name.clone(),
                given: v.takes_part.len(),
                expected: m.partners.len(),
            });
        }
        if let Some(o) = v
            .overlays
            .iter()
            .find(|o| !m.inputs.iter().any(|i| i.key == o.key))
        {
            return Err(VariantError::UnknownInput {
                variant: v.name.clone(),
                key: o.key.clone(),
            });
        }
        for o in &v.overlays {
            for input in m.inputs.iter().filter(|i| i.key == o.key) {
                if let Err(e) = o.quantity.clone().bounded(input.quantity.bounds()) {
                    let why = ranges::for_input(&o.key)
                        .map_or(String::new(), |r| format!(" ({})", r.why));
                    return Err(VariantError::OutOfRange {
                        variant: v.name.clone(),
                        key: o.key.clone(),
                        message: format!("{e}{why}"),
                    });
                }
            }
        }
    }
    Ok(())
}
