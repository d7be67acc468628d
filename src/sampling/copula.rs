//! Rank correlations between inputs by a Gaussian copula, one run at a time.
//!
//! For a group of correlated inputs, each input draws a standard normal z_i from its own
//! stream (its key, the seed and the run, as an uncorrelated input would); the group combines
//! them as z' = L z, with L the Cholesky factor of the correlation matrix of the normals, and
//! each input takes the value of its own distribution at the quantile Φ(z'_i):
//! x_i = F_i⁻¹(Φ(z'_i)). Every z'_i is standard normal, so every input keeps its distribution
//! exactly; the dependence between them is the Gaussian copula's. Nothing couples one run to
//! another (unlike Iman–Conover, which reorders a whole sample), so results stay the same
//! whatever the thread count or batch size.
//!
//! Scenarios give Spearman rank correlations ρ_s, which no monotone transformation of a
//! marginal changes. For the Gaussian copula they relate exactly to the Pearson correlation r
//! of the normals by ρ_s = (6/π) asin(r/2), so r = 2 sin(π ρ_s / 6) (Pearson 1907; Kruskal
//! 1958): a rank correlation of 0.6 needs r ≈ 0.618.

use std::f64::consts::PI;

/// The Pearson correlation of the normals that gives the Spearman rank correlation `rank`
/// under a Gaussian copula: r = 2 sin(π ρ_s / 6), exact for the Gaussian copula.
pub fn rank_to_normal(rank: f64) -> f64 {
    2.0 * (PI * rank / 6.0).sin()
}

/// A pivot of the Cholesky factorisation at or below this is taken as a matrix that is not
/// positive definite (a rank correlation of exactly ±1 between two inputs, or a set of
/// correlations no joint distribution can have).
pub const MIN_PIVOT: f64 = 1e-10;

/// The lower-triangular L with L Lᵀ = `m`, or the index of the first row at which `m` shows
/// itself not positive definite.
pub fn cholesky(m: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, usize> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let pivot = m[i][i] - s;
                if pivot.is_nan() || pivot <= MIN_PIVOT {
                    return Err(i);
                }
                l[i][i] = pivot.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    Ok(l)
}

/// A set of inputs linked by rank correlations, directly or through each other.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The inputs, in the order given to [`groups`].
    pub names: Vec<String>,
    /// Spearman rank correlations, 1 on the diagonal, 0 for pairs not given.
    pub rank: Vec<Vec<f64>>,
}

impl Group {
    /// The correlation matrix of the normals (see [`rank_to_normal`]).
    pub fn normal(&self) -> Vec<Vec<f64>> {
        self.rank
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.iter()
                    .enumerate()
                    .map(|(j, r)| if i == j { 1.0 } else { rank_to_normal(*r) })
                    .collect()
            })
            .collect()
    }
}

/// The groups pairwise rank correlations form: inputs joined by a pair, directly or through
/// others, are one group, with 0 for the pairs between them not given. Members come in the
/// order of `order` (the scenario's `inputs:`); names not in it are left out.
pub fn groups(order: &[&str], pairs: &[(&str, &str, f64)]) -> Vec<Group> {
    // Union-find over positions in `order`.
    let mut parent: Vec<usize> = (0..order.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let pos = |n: &str| order.iter().position(|o| *o == n);
    let mut linked = vec![false; order.len()];
    for (a, b, _) in pairs {
        let (Some(i), Some(j)) = (pos(a), pos(b)) else {
            continue;
        };
        if i == j {
            continue;
        }
        linked[i] = true;
        linked[j] = true;
        let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
        parent[ri.max(rj)] = ri.min(rj);
    }
    let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in (0..order.len()).filter(|&i| linked[i]) {
        let r = root(&mut parent, i);
        match out.iter_mut().find(|(g, _)| *g == r) {
            Some((_, members)) => members.push(i),
            None => out.push((r, vec![i])),
        }
    }
    out.into_iter()
        .map(|(_, members)| {
            let n = members.len();
            let mut rank = vec![vec![0.0; n]; n];
            for (k, row) in rank.iter_mut().enumerate() {
                row[k] = 1.0;
            }
            for (a, b, r) in pairs {
                let (Some(i), Some(j)) = (pos(a), pos(b)) else {
                    continue;
                };
                let (Some(x), Some(y)) = (
                    members.iter().position(|m| *m == i),
                    members.iter().position(|m| *m == j),
                ) else {
                    continue;
                };
                if x != y {
                    rank[x][y] = *r;
                    rank[y][x] = *r;
                }
            }
            Group {
                names: members.iter().map(|&i| order[i].to_string()).collect(),
                rank,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_to_normal_is_exact_at_the_ends_and_odd() {
        assert_eq!(rank_to_normal(0.0), 0.0);
        assert!((rank_to_normal(1.0) - 1.0).abs() < 1e-15);
        assert!((rank_to_normal(-0.5) + rank_to_normal(0.5)).abs() < 1e-15);
        // ρ_s = (6/π) asin(r/2) inverts it.
        for i in -10..=10 {
            let rho = i as f64 / 10.0;
            let back = 6.0 / PI * (rank_to_normal(rho) / 2.0).asin();
            assert!((back - rho).abs() < 1e-14);
        }
    }

    #[test]
    fn cholesky_factors_and_rejects() {
        let m = vec![
            vec![1.0, 0.5, 0.2],
            vec![0.5, 1.0, 0.3],
            vec![0.2, 0.3, 1.0],
        ];
        let l = cholesky(&m).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| l[i][k] * l[j][k]).sum();
                assert!((s - m[i][j]).abs() < 1e-14);
            }
        }
        let bad = vec![
            vec![1.0, 0.9, -0.9],
            vec![0.9, 1.0, 0.9],
            vec![-0.9, 0.9, 1.0],
        ];
        assert_eq!(cholesky(&bad), Err(2));
        assert_eq!(cholesky(&[vec![1.0, 1.0], vec![1.0, 1.0]]), Err(1));
    }

    #[test]
    fn pairs_form_connected_groups_in_declaration_order() {
        let order = ["a", "b", "c", "d", "e"];
        let g = groups(
            &order,
            &[("d", "b", 0.3), ("e", "a", -0.2), ("b", "a", 0.5)],
        );
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].names, ["a", "b", "d", "e"]);
        assert_eq!(g[0].rank[0][1], 0.5);
        assert_eq!(g[0].rank[1][2], 0.3);
        assert_eq!(g[0].rank[0][2], 0.0);
        assert_eq!(g[0].rank[3][0], -0.2);
        let g = groups(&order, &[("a", "b", 0.5), ("c", "d", 0.1)]);
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].names, ["c", "d"]);
    }
}
