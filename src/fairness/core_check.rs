//! The core: the splits no coalition would walk away from. A split of a savings game is in the
//! core when it hands out exactly what the grand coalition achieves, `x(N) = v(N)`, and every
//! coalition gets at least what it could achieve on its own, `x(S) ≥ v(S)`. For a cost game
//! the second condition reads `x(S) ≤ c(S)`: no coalition pays more than it would on its own.

use super::{Coalition, FairnessError, Game};

/// Whether a split is in the core, and if not, why.
#[derive(Debug, Clone, PartialEq)]
pub enum CoreVerdict {
    /// Efficient, and no coalition does better on its own.
    InCore,
    /// Efficient, but `coalition` does better on its own, by `excess` (its savings or cost
    /// against what the split gives it). Of all blocking coalitions it is the one with the
    /// largest excess; among equal excesses the one with the fewest members, then the lowest
    /// bitmask (earlier players in the file first).
    Blocked { coalition: Coalition, excess: f64 },
    /// The split hands out `shortfall` less than the grand coalition saves (savings), or
    /// charges that much more than the grand coalition costs (cost): the grand coalition
    /// itself blocks, since together the players can give everyone more (charge less).
    Short { shortfall: f64 },
    /// The split hands out `excess` more than the grand coalition saves (savings), or charges
    /// that much less than the grand coalition costs (cost): it is not a split of the game's
    /// value at all, so no coalition is named.
    Overspent { excess: f64 },
}

impl CoreVerdict {
    pub fn in_core(&self) -> bool {
        *self == CoreVerdict::InCore
    }

    /// The coalition that would walk away: the blocking one, or everyone when the split falls
    /// short of the grand coalition's value; `None` when in the core or overspent.
    pub fn blocking(&self, game: &Game) -> Option<Coalition> {
        match self {
            CoreVerdict::Blocked { coalition, .. } => Some(*coalition),
            CoreVerdict::Short { .. } => Some(game.grand()),
            CoreVerdict::InCore | CoreVerdict::Overspent { .. } => None,
        }
    }
}

/// Checks a split (one amount per player, in the game's own terms) against the core, with
/// differences up to `1e-9` of the largest coalition value counted as equal (round-off, and
/// amounts written to the cent for values in the millions).
pub fn core_verdict(game: &Game, split: &[f64]) -> Result<CoreVerdict, FairnessError> {
    let n = game.players().len();
    if split.len() != n {
        return Err(FairnessError::SplitLength {
            players: n,
            given: split.len(),
        });
    }
    let tol = 1e-9 * game.scale();
    let v = game.savings();
    let y = game.convert_split(split);
    let grand = game.grand();
    let total = sum(&y, grand);
    let gap = v.value(grand) - total;
    if gap > tol {
        return Ok(CoreVerdict::Short { shortfall: gap });
    }
    if gap < -tol {
        return Ok(CoreVerdict::Overspent { excess: -gap });
    }
    let mut worst: Option<(Coalition, f64)> = None;
    for s in 1..grand.0 {
        let s = Coalition(s);
        let excess = v.value(s) - sum(&y, s);
        if excess <= tol {
            continue;
        }
        let better = match worst {
            None => true,
            Some((w, e)) => excess > e + tol || (excess >= e - tol && s.len() < w.len()),
        };
        if better {
            worst = Some((s, excess));
        }
    }
    Ok(match worst {
        None => CoreVerdict::InCore,
        Some((coalition, excess)) => CoreVerdict::Blocked { coalition, excess },
    })
}

fn sum(y: &[f64], s: Coalition) -> f64 {
    s.members().map(|i| y[i]).sum()
}
