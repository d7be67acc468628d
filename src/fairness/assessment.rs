//! What a simulated game says about the agreed split, run by run: each player's Shapley value
//! beside what the agreement gives it, the fairness gap between the two, how often the agreed
//! outcome is in the core and which coalition blocks it most often, and the nucleolus of the
//! expected game.
//!
//! Per run, because the partners sign before they know the run: a split that is fair on average
//! can leave one partner below its Shapley value, or outside the core, in most runs.

use serde::Serialize;

use super::coalitions::SimulatedGame;
use super::{Coalition, FairnessError, Game, Kind, core_verdict, nucleolus, shapley_exact};
use crate::stats::Summary;

/// One player's figures across runs.
#[derive(Debug, Clone, Serialize)]
pub struct PlayerFigures {
    pub player: String,
    /// What the agreement gives it: its position in the grand coalition, EUR.
    pub agreed: Summary,
    /// Its Shapley value in the run's game, EUR.
    pub shapley: Summary,
    /// Agreed minus Shapley, EUR: positive when the agreement gives it more than it brings in.
    pub gap: Summary,
    /// The gap as a share of what all players achieve together (`|v(N)|`), run by run.
    pub gap_share: Summary,
    /// Its value on its own, `v({i})`, EUR (when that coalition was simulated).
    pub alone: Option<Summary>,
    /// Share of runs in which it ends worse off than without the network (agreed < 0).
    pub loses: f64,
    /// Standard error of its mean Shapley value from the sampled player orders (sampled
    /// games only).
    pub shapley_standard_error: Option<f64>,
    /// Its share of the nucleolus of the expected game, EUR (exact games only).
    pub nucleolus: Option<f64>,
}

/// The assessment of a simulated game.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub players: Vec<PlayerFigures>,
    /// What all players achieve together, `v(N)`, EUR.
    pub grand: Summary,
    /// Whether every coalition was simulated (exact Shapley, core and nucleolus).
    pub exact: bool,
    pub coalitions_simulated: usize,
    /// Share of runs in which the agreed outcome is in the core (exact games only).
    pub in_core: Option<f64>,
    /// The coalition that blocks the agreed outcome most often, with the share of runs in which
    /// it is the one that gains most by leaving (exact games only; none when never blocked).
    pub blocking: Option<(Vec<String>, f64)>,
    /// Whether the expected game has no imputation, so the nucleolus is the pre-nucleolus.
    pub nucleolus_is_pre: Option<bool>,
}

/// Assesses the agreed split of a simulated game.
pub fn assess(g: &SimulatedGame) -> Result<Assessment, FairnessError> {
    let n = g.players.len();
    let runs = g.runs;
    let names = g.players.names.clone();
    let grand = Coalition(((1u64 << n) - 1) as u32);
    let v_grand = g.values(grand).map(<[f64]>::to_vec).unwrap_or_default();
    let mut shapley = vec![vec![0.0; runs]; n];
    let mut blocked_by: Vec<(Coalition, usize)> = Vec::new();
    let mut in_core = 0usize;
    let mut se: Vec<Option<f64>> = vec![None; n];
    if g.exact() {
        for r in 0..runs {
            let values = g.run_values(r).unwrap_or_default();
            let game = Game::new(names.clone(), Kind::Savings, values)?;
            for (row, x) in shapley.iter_mut().zip(shapley_exact(&game)) {
                row[r] = x;
            }
            let split: Vec<f64> = (0..n).map(|i| g.agreed[i][r]).collect();
            let verdict = core_verdict(&game, &split)?;
            match verdict.blocking(&game) {
                None => in_core += usize::from(verdict.in_core()),
                Some(c) => match blocked_by.iter_mut().find(|(b, _)| *b == c) {
                    Some((_, k)) => *k += 1,
                    None => blocked_by.push((c, 1)),
                },
            }
        }
    } else {
        // Per run: the mean over the orders of each player's marginal contribution. The
        // standard error is the spread over orders of the run-averaged contribution.
        let k = g.orders.len() as f64;
        let mut per_order = vec![vec![0.0; g.orders.len()]; n];
        for (o, order) in g.orders.iter().enumerate() {
            let mut before = Coalition(0);
            for &i in order {
                let after = Coalition(before.0 | 1 << i);
                let gain: Vec<f64> = match (g.values(before), g.values(after)) {
                    (Some(b), Some(a)) => a.iter().zip(b).map(|(a, b)| a - b).collect(),
                    (None, Some(a)) => a.to_vec(),
                    _ => vec![0.0; runs],
                };
                for (r, x) in gain.iter().enumerate() {
                    shapley[i][r] += x / k;
                }
                per_order[i][o] = gain.iter().sum::<f64>() / runs as f64;
                before = after;
            }
        }
        for i in 0..n {
            let mean = per_order[i].iter().sum::<f64>() / k;
            let var = per_order[i].iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0);
            se[i] = Some((var / k).sqrt());
        }
    }
    let expected = if g.exact() {
        let mut values = vec![0.0; 1 << n];
        for s in 1..1u32 << n {
            let v = g.values(Coalition(s)).unwrap_or_default();
            values[s as usize] = v.iter().sum::<f64>() / runs as f64;
        }
        Some(nucleolus(&Game::new(
            names.clone(),
            Kind::Savings,
            values,
        )?)?)
    } else {
        None
    };
    let players = (0..n)
        .map(|i| {
            let agreed = &g.agreed[i];
            let gap: Vec<f64> = agreed.iter().zip(&shapley[i]).map(|(a, s)| a - s).collect();
            let share: Vec<f64> = gap
                .iter()
                .zip(&v_grand)
                .map(|(x, v)| if v.abs() > 0.5 { x / v.abs() } else { 0.0 })
                .collect();
            let alone = g.values(Coalition(1 << i)).map(Summary::of);
            PlayerFigures {
                player: names[i].clone(),
                agreed: Summary::of(agreed),
                shapley: Summary::of(&shapley[i]),
                gap: Summary::of(&gap),
                gap_share: Summary::of(&share),
                alone,
                loses: agreed.iter().filter(|x| **x < -0.5).count() as f64 / runs as f64,
                shapley_standard_error: se[i],
                nucleolus: expected.as_ref().map(|nu| nu.split[i]),
            }
        })
        .collect();
    let blocking = blocked_by
        .iter()
        .max_by_key(|(c, k)| (*k, std::cmp::Reverse(c.0)))
        .map(|(c, k)| {
            (
                c.members().map(|i| names[i].clone()).collect(),
                *k as f64 / runs as f64,
            )
        });
    Ok(Assessment {
        players,
        grand: Summary::of(&v_grand),
        exact: g.exact(),
        coalitions_simulated: g.coalitions.len(),
        in_core: g.exact().then(|| in_core as f64 / runs as f64),
        blocking: if g.exact() { blocking } else { None },
        nucleolus_is_pre: expected.map(|nu| nu.pre),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_orders_give_an_additive_game_its_exact_shapley_value_with_no_error() {
        // 13 players, above the exact limit: in an additive game every marginal contribution
        // is the player's own weight, so every order gives the exact answer.
        let w = |i: usize, r: usize| (i as f64 + 1.0) * 1000.0 + r as f64;
        let g = SimulatedGame::built(13, 5, |s, r| s.members().map(|i| w(i, r)).sum());
        assert!(!g.exact());
        let a = assess(&g).expect("assessed");
        for (i, p) in a.players.iter().enumerate() {
            assert!(
                (p.shapley.mean - (w(i, 0) + 2.0)).abs() < 1e-6,
                "{}",
                p.player
            );
            assert!(p.shapley_standard_error.expect("sampled") < 1e-6);
            // Agreed = own value = Shapley: no gap.
            assert!(p.gap.p95.abs() < 1e-6);
        }
        assert!(a.in_core.is_none() && a.players[0].nucleolus.is_none());
    }

    #[test]
    fn sampled_orders_estimate_a_symmetric_game_with_a_standard_error() {
        // v(S) = |S|^2: every player's Shapley value is n^2 / n = n (13), by symmetry and
        // efficiency; single orders give contributions 1, 3, ..., 25, so the estimate has an
        // error, and the truth lies within a few standard errors.
        let g = SimulatedGame::built(13, 2, |s, _| (s.len() as f64).powi(2));
        let a = assess(&g).expect("assessed");
        for p in &a.players {
            let se = p.shapley_standard_error.expect("sampled");
            assert!(se > 0.0);
            assert!(
                (p.shapley.mean - 13.0).abs() < 4.0 * se + 1e-9,
                "{} {se}",
                p.shapley.mean
            );
        }
    }
}
