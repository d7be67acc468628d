//! The nucleolus: the split that makes the most dissatisfied coalition as little dissatisfied as
//! possible, then the next, and so on (Schmeidler 1969), found by a sequence of linear
//! programmes (Kopelowitz 1967; Maschler, Peleg & Shapley 1979).
//!
//! The dissatisfaction (excess) of coalition `S` under split `x` of a savings game is
//! `v(S) − x(S)`, what `S` could get on its own beyond what it is given. Round `k` minimises the
//! largest excess `ε` of the coalitions not yet settled, keeping every settled coalition at the
//! excess an earlier round fixed. The coalitions whose excess is `ε` at *every* optimum of the
//! round are then settled at `ε`; the others can all be brought below `ε` at once, which the next
//! round does. When the settled coalitions pin `x` down (their indicator vectors span `ℝⁿ`),
//! `x` is the nucleolus.
//!
//! Which coalitions are settled is found without duals (the solver gives none): let `U` be the
//! unsettled coalitions at excess `ε` in the round's optimum. Maximise `Σ_{S∈U} x(S)` over the
//! round's optimal set. If the maximum is `Σ_{S∈U} (v(S) − ε)`, no optimum moves any of them
//! (each `x(S)` is at most that bound, and the bounds are reached together), so all of `U` is
//! settled; otherwise some `S` in `U` is below `ε` at the new optimum, is unsettled, and leaves
//! `U`. Each step removes one or more, so the round ends after at most `|U|` programmes.

use microlp::{ComparisonOp, OptimizationDirection, Problem, Variable};

use super::{Coalition, FairnessError, Game};

/// The most players the nucleolus is computed for: each programme has a constraint for every
/// one of the `2^n` coalitions. A random game of 12 players takes a fifth of a second, of 16
/// (65,536 constraints) several seconds, and each two players more about five times as long.
pub const MAX_NUCLEOLUS_PLAYERS: usize = 16;

/// The nucleolus of a game, in the game's own terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Nucleolus {
    /// Each player's share (savings, or cost for a cost game).
    pub split: Vec<f64>,
    /// True when the game has no imputation (together the players get less than the sum of
    /// what each gets alone, `v(N) < Σ v({i})`), so the nucleolus does not exist and this is
    /// the pre-nucleolus: the same minimisation over every efficient split, without the floor
    /// `x_i ≥ v({i})`. It is unique too, and is the nucleolus whenever the latter exists and
    /// lies in the core.
    pub pre: bool,
}

/// The nucleolus (or, without imputations, the pre-nucleolus) of a game of at most
/// [`MAX_NUCLEOLUS_PLAYERS`] players.
pub fn nucleolus(game: &Game) -> Result<Nucleolus, FairnessError> {
    let n = game.players().len();
    if n > MAX_NUCLEOLUS_PLAYERS {
        return Err(FairnessError::NucleolusTooLarge(n));
    }
    // Normalised to values of magnitude at most 1, so one tolerance serves every game and the
    // solver's absolute feasibility tolerance (1e-7) means the same for euros and millions.
    let savings = game.savings();
    let scale = savings.scale();
    let v: Vec<f64> = savings.values.iter().map(|v| v / scale).collect();
    let grand = game.grand().0;
    let alone_sum: f64 = (0..n).map(|i| v[1 << i]).sum();
    let pre = v[grand as usize] < alone_sum - TIGHT;
    // Settled coalitions held at their excess, or, when round-off makes that infeasible, at
    // most at it (see `Round::relaxed`).
    let y = match sequential(&v, n, pre, false) {
        Err(FairnessError::Solver(_)) => sequential(&v, n, pre, true)?,
        other => other?,
    };
    let split: Vec<f64> = y.iter().map(|y| y * scale).collect();
    Ok(Nucleolus {
        split: game.convert_split(&split),
        pre,
    })
}

/// The tolerance, on normalised values, within which an excess counts as equal to `ε`.
const TIGHT: f64 = 1e-6;

/// The sequential programmes on normalised savings values `v`; `pre` drops the floor
/// `x_i ≥ v({i})`; `relaxed` holds settled coalitions at most at their excess.
fn sequential(v: &[f64], n: usize, pre: bool, relaxed: bool) -> Result<Vec<f64>, FairnessError> {
    let grand = (1u32 << n) - 1;
    if n == 1 {
        return Ok(vec![v[grand as usize]]);
    }
    // Coalitions settled so far, with the excess each is held at.
    let mut settled: Vec<(u32, f64)> = Vec::new();
    let mut basis = Basis::new(n);
    basis.add(grand);
    let mut open: Vec<u32> = (1..grand).filter(|&s| !basis.spans(s)).collect();
    let mut x = vec![0.0; n];
    while !open.is_empty() {
        let lp = Round {
            v,
            n,
            pre,
            settled: &settled,
            open: &open,
            relaxed,
        };
        let (eps, point) = lp.min_max_excess()?;
        x = point;
        let mut candidates: Vec<u32> = open
            .iter()
            .copied()
            .filter(|&s| v[s as usize] - sum(&x, s) >= eps - TIGHT)
            .collect();
        let mut fixed: Vec<u32> = Vec::new();
        while !candidates.is_empty() {
            let (total, point) = lp.max_sum(eps, &candidates)?;
            let bound: f64 = candidates.iter().map(|&s| v[s as usize] - eps).sum();
            if total <= bound + TIGHT * candidates.len() as f64 {
                fixed.append(&mut candidates);
            } else {
                candidates.retain(|&s| v[s as usize] - sum(&point, s) >= eps - TIGHT);
                x = point;
            }
        }
        if fixed.is_empty() {
            // Cannot happen in exact arithmetic (some coalition attains ε at every optimum);
            // stopping beats looping when round-off hides it.
            return Err(FairnessError::Solver(
                "no coalition settled in a round (numerical trouble)".into(),
            ));
        }
        for s in fixed {
            settled.push((s, eps));
            basis.add(s);
        }
        open.retain(|&s| !basis.spans(s));
    }
    Ok(x)
}

/// `x(S)`.
fn sum(x: &[f64], s: u32) -> f64 {
    Coalition(s).members().map(|i| x[i]).sum()
}

/// One round's constraints: efficiency, the floor (unless pre-nucleolus), settled coalitions at most at
/// their excess, open coalitions at most `ε`.
struct Round<'a> {
    v: &'a [f64],
    n: usize,
    pre: bool,
    settled: &'a [(u32, f64)],
    open: &'a [u32],
    /// Settled coalitions held at most at their excess (less `TIGHT`) instead of at it: in
    /// exact arithmetic the same (every point of the rounds that follow has them at that
    /// excess), and feasible where equalities of several settled coalitions, each from its own
    /// solve, contradict the floor by round-off. Used only when the equalities make a round
    /// infeasible, so a game they solve is not moved by the tolerance.
    relaxed: bool,
}

impl Round<'_> {
    /// The problem with `x` and `ε` as variables; `objective` gives their coefficients.
    fn problem(&self, x_cost: &[f64], eps_cost: f64) -> (Problem, Vec<Variable>, Variable) {
        let mut p = Problem::new(OptimizationDirection::Minimize);
        let x: Vec<Variable> = (0..self.n)
            .map(|i| {
                let low = if self.pre {
                    f64::NEG_INFINITY
                } else {
                    self.v[1 << i]
                };
                p.add_var(x_cost[i], (low, f64::INFINITY))
            })
            .collect();
        let eps = p.add_var(eps_cost, (f64::NEG_INFINITY, f64::INFINITY));
        let row = |s: u32| -> Vec<(Variable, f64)> {
            Coalition(s).members().map(|i| (x[i], 1.0)).collect()
        };
        let grand = (1u32 << self.n) - 1;
        p.add_constraint(row(grand), ComparisonOp::Eq, self.v[grand as usize]);
        for &(s, e) in self.settled {
            if self.relaxed {
                p.add_constraint(row(s), ComparisonOp::Ge, self.v[s as usize] - e - TIGHT);
            } else {
                p.add_constraint(row(s), ComparisonOp::Eq, self.v[s as usize] - e);
            }
        }
        for &s in self.open {
            // v(S) − x(S) ≤ ε  ⇔  x(S) + ε ≥ v(S)
            let mut r = row(s);
            r.push((eps, 1.0));
            p.add_constraint(r, ComparisonOp::Ge, self.v[s as usize]);
        }
        (p, x, eps)
    }

    /// The least largest excess of the open coalitions, and a split attaining it.
    fn min_max_excess(&self) -> Result<(f64, Vec<f64>), FairnessError> {
        let (p, x, eps) = self.problem(&vec![0.0; self.n], 1.0);
        let solution = solve(&p)?;
        Ok((solution.var_value(eps), values(&solution, &x)))
    }

    /// The largest `Σ_{S∈U} x(S)` among splits whose open excesses are at most `eps`, and a
    /// split attaining it.
    fn max_sum(&self, eps: f64, u: &[u32]) -> Result<(f64, Vec<f64>), FairnessError> {
        // Minimise −Σ_{S∈U} x(S) = −Σ_i (number of S in U holding i) · x_i.
        let mut cost = vec![0.0; self.n];
        for &s in u {
            for i in Coalition(s).members() {
                cost[i] -= 1.0;
            }
        }
        let (mut p, x, eps_var) = self.problem(&cost, 0.0);
        // ε pinned a hair above the round's optimum, so round-off cannot make it infeasible.
        p.add_constraint([(eps_var, 1.0)], ComparisonOp::Le, eps + TIGHT / 10.0);
        let solution = solve(&p)?;
        let point = values(&solution, &x);
        let total = u.iter().map(|&s| sum(&point, s)).sum();
        Ok((total, point))
    }
}

fn solve(p: &Problem) -> Result<microlp::Solution, FairnessError> {
    p.solve()
        .map_err(|e| FairnessError::Solver(e.to_string()))?
        .into_solution()
        .map_err(|_| FairnessError::Solver("the solve was interrupted".into()))
}

fn values(solution: &microlp::Solution, x: &[Variable]) -> Vec<f64> {
    x.iter().map(|&v| solution.var_value(v)).collect()
}

/// A basis of the span of the settled coalitions' indicator vectors, kept in row-echelon form,
/// so "is `x(S)` already determined" is one elimination.
struct Basis {
    /// Each row with its pivot column; rows are normalised to 1 at the pivot.
    rows: Vec<(usize, Vec<f64>)>,
    n: usize,
}

impl Basis {
    fn new(n: usize) -> Basis {
        Basis {
            rows: Vec::new(),
            n,
        }
    }

    /// What is left of `s`'s indicator vector after eliminating the basis rows.
    fn reduce(&self, s: u32) -> Vec<f64> {
        let mut r: Vec<f64> = (0..self.n)
            .map(|i| if Coalition(s).contains(i) { 1.0 } else { 0.0 })
            .collect();
        for (pivot, row) in &self.rows {
            let f = r[*pivot];
            if f != 0.0 {
                for (a, b) in r.iter_mut().zip(row) {
                    *a -= f * b;
                }
            }
        }
        r
    }

    fn spans(&self, s: u32) -> bool {
        self.reduce(s).iter().all(|a| a.abs() < 1e-9)
    }

    fn add(&mut self, s: u32) {
        let r = self.reduce(s);
        let Some(pivot) = (0..self.n).max_by(|&a, &b| r[a].abs().total_cmp(&r[b].abs())) else {
            return;
        };
        if r[pivot].abs() < 1e-9 {
            return;
        }
        let p = r[pivot];
        let r: Vec<f64> = r.iter().map(|a| a / p).collect();
        // Keep the rows fully reduced against the new pivot, so `reduce` needs one pass.
        for (_, row) in &mut self.rows {
            let f = row[pivot];
            if f != 0.0 {
                for (a, b) in row.iter_mut().zip(&r) {
                    *a -= f * b;
                }
            }
        }
        self.rows.push((pivot, r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settled_span_decides_which_coalitions_are_determined() {
        let mut b = Basis::new(3);
        b.add(0b111);
        b.add(0b011);
        assert!(b.spans(0b100), "{{3}} = N − {{1,2}}");
        assert!(!b.spans(0b001));
        b.add(0b001);
        assert!((1..8).all(|s| b.spans(s)));
    }
}
