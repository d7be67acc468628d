//! The Shapley value: each player's marginal contribution, averaged over every order in which
//! the grand coalition could form.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64;

use super::{Coalition, Game};

/// Up to this many players [`shapley`] is exact; above, it samples orders. Exact costs
/// `n · 2^n` look-ups, a few milliseconds at 12 players.
pub const EXACT_SHAPLEY_MAX_PLAYERS: usize = 12;

/// Orders [`shapley`] samples above [`EXACT_SHAPLEY_MAX_PLAYERS`]: the standard error falls
/// with the square root, to about 0.3 % of a typical marginal contribution.
pub const SAMPLED_PERMUTATIONS: usize = 100_000;

/// A player's value with its standard error (0 when computed exactly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub std_error: f64,
}

/// The Shapley value in the game's own terms (savings, or cost shares for a cost game): exact
/// up to [`EXACT_SHAPLEY_MAX_PLAYERS`] players, above that estimated from
/// [`SAMPLED_PERMUTATIONS`] orders drawn with `seed`.
pub fn shapley(game: &Game, seed: u64) -> Vec<Estimate> {
    if game.players().len() <= EXACT_SHAPLEY_MAX_PLAYERS {
        shapley_exact(game)
            .into_iter()
            .map(|value| Estimate {
                value,
                std_error: 0.0,
            })
            .collect()
    } else {
        shapley_sampled(game, SAMPLED_PERMUTATIONS, seed)
    }
}

/// The exact Shapley value, `φ_i = Σ_{S ⊆ N∖{i}} |S|! (n−|S|−1)! / n! · (v(S ∪ {i}) − v(S))`,
/// in the game's own terms. Linear in the game, so it is computed on the values as given: for
/// a cost game it is the cost share directly.
pub fn shapley_exact(game: &Game) -> Vec<f64> {
    let n = game.players().len();
    // weight[k] = k! (n-k-1)! / n!, built as a product of ratios so no factorial overflows.
    let weight: Vec<f64> = (0..n)
        .map(|k| {
            let mut w = 1.0 / n as f64;
            for j in 1..=k {
                w *= j as f64 / (n - j) as f64;
            }
            w
        })
        .collect();
    let mut phi = vec![0.0; n];
    for s in 0..1u32 << n {
        let coalition = Coalition(s);
        let without = game.value(coalition);
        let w = weight.get(coalition.len()).copied().unwrap_or(0.0);
        for (i, p) in phi.iter_mut().enumerate() {
            if !coalition.contains(i) {
                *p += w * (game.value(Coalition(s | 1 << i)) - without);
            }
        }
    }
    phi
}

/// The Shapley value estimated from `permutations` random orders of the players (drawn with
/// PCG-64 from `seed`), with each player's standard error: the standard deviation of its
/// marginal contributions over the orders, divided by `√permutations`.
pub fn shapley_sampled(game: &Game, permutations: usize, seed: u64) -> Vec<Estimate> {
    let n = game.players().len();
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..n).collect();
    // Welford's running mean and sum of squared deviations, per player.
    let mut mean = vec![0.0; n];
    let mut m2 = vec![0.0; n];
    for k in 1..=permutations {
        order.shuffle(&mut rng);
        let mut s = 0u32;
        let mut before = 0.0;
        for &i in &order {
            s |= 1 << i;
            let after = game.value(Coalition(s));
            let x = after - before;
            let delta = x - mean[i];
            mean[i] += delta / k as f64;
            m2[i] += delta * (x - mean[i]);
            before = after;
        }
    }
    let m = permutations as f64;
    mean.iter()
        .zip(&m2)
        .map(|(&value, &m2)| Estimate {
            value,
            std_error: if permutations > 1 {
                (m2 / (m - 1.0) / m).sqrt()
            } else {
                f64::INFINITY
            },
        })
        .collect()
}
