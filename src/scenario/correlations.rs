//! `correlations:`: rank correlations between shared inputs, pair by pair.
//!
//! ```yaml
//! correlations:
//!   - {between: [wages_prices, outflow], rank: 0.4}
//! ```
//!
//! Pairs that share an input form one group (a, b and b, c: a, b and c), whose matrix has 0
//! for the pairs not given; each group's matrix must be a correlation matrix some joint
//! distribution can have (positive definite). Sampling is in [`crate::sampling::copula`].

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use super::Scenario;
use super::refs::{CorrelatedInput, soft};
use crate::sampling::copula;

/// One pair of shared inputs and their Spearman rank correlation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// The two shared inputs (names under `inputs:`), each uncertain and drawn once per run.
    #[serde(deserialize_with = "two_inputs")]
    pub between: Vec<CorrelatedInput>,
    /// Their Spearman rank correlation, above -1 and below 1.
    #[serde(deserialize_with = "rank")]
    pub rank: f64,
}

fn two_inputs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<CorrelatedInput>, D::Error> {
    let names = Vec::<CorrelatedInput>::deserialize(d)?;
    if names.len() != 2 {
        return Err(de::Error::custom(format!(
            "`between` names two shared inputs (`between: [wages_prices, outflow]`), not {}",
            names.len()
        )));
    }
    if names[0] == names[1] {
        return Err(de::Error::custom(format!(
            "`between` names `{}` twice; an input is fully correlated with itself",
            names[0]
        )));
    }
    Ok(names)
}

fn rank<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let r = f64::deserialize(d)?;
    soft(if !r.is_finite() || r.abs() > 1.0 {
        Err(format!(
            "rank correlation {r}: a Spearman rank correlation lies between -1 and 1"
        ))
    } else if r.abs() == 1.0 {
        Err(format!(
            "rank correlation {r} makes one input a function of the other; name one shared \
             input in both places instead, or give a correlation strictly between -1 and 1"
        ))
    } else {
        Ok(())
    })?;
    Ok(r)
}

/// Checks over all pairs: a pair given twice, and each group's matrix positive definite.
/// Returns the index of the entry at fault (for a group, its last entry in the file, where its
/// matrix is complete) and the message.
pub(super) fn check(s: &Scenario) -> Result<(), (usize, String)> {
    let pairs: Vec<(&str, &str, f64)> = s
        .correlations
        .iter()
        .map(|c| (c.between[0].as_str(), c.between[1].as_str(), c.rank))
        .collect();
    for (i, (a, b, _)) in pairs.iter().enumerate() {
        let same = |(x, y, _): &&(&str, &str, f64)| (x, y) == (a, b) || (x, y) == (b, a);
        if let Some(first) = pairs[..i].iter().position(|p| same(&p)) {
            return Err((
                i,
                format!("the pair `{a}`, `{b}` is already given (correlations[{first}])"),
            ));
        }
    }
    let order: Vec<&str> = s.inputs.0.iter().map(|(n, _)| n.as_str()).collect();
    for g in copula::groups(&order, &pairs) {
        let last = pairs
            .iter()
            .rposition(|(a, b, _)| g.names.iter().any(|n| n == a || n == b))
            .unwrap_or(0);
        let names = g
            .names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let given = |what: &str| {
            format!(
                "the rank correlations between {names} are not a valid correlation matrix: \
                 {what} (pairs not given count as 0; correlations that strongly link a with b \
                 and b with c also bind a with c)"
            )
        };
        if copula::cholesky(&g.rank).is_err() {
            return Err((last, given("it is not positive definite")));
        }
        if copula::cholesky(&g.normal()).is_err() {
            return Err((
                last,
                given(
                    "the correlations of the normals they need, 2 sin(π ρ / 6), are not \
                     positive definite",
                ),
            ));
        }
    }
    Ok(())
}
