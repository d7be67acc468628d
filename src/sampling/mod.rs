//! Distributions and seeded random streams.
//!
//! Every uncertain input gets its own random stream, derived from the seed, the run index, the
//! input's stable key (its path in the scenario, by id) and, for inputs drawn per year, the year.
//! Nothing depends on the order in which runs are evaluated, on the batch they fall in, or on the
//! thread that evaluates them, so one seed gives bit-identical results whatever the thread count
//! or batch size. And because the key names the input rather than its position, editing one part
//! of a scenario leaves the draws of every other input unchanged: two variants of a scenario
//! see the same draws for the same inputs (common random numbers).

pub mod copula;
mod dist;
pub mod special;

pub use dist::{Bounds, Dist, DistError, Quantity};

use std::sync::Arc;

use rand_distr::{Distribution, StandardNormal};

use rand_pcg::Pcg64Mcg;

/// The generator behind every stream: PCG-64 (MCG variant), small, fast and of good quality.
/// Named so that a change of generator is one line and visibly a change of results.
pub type RunRng = Pcg64Mcg;

/// FNV-1a over the key: a hash that is stable across Rust versions and platforms, unlike
/// `std::hash::DefaultHasher`, so streams stay the same from one kloof build to the next.
pub fn key_hash(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// SplitMix64 finaliser: spreads nearby inputs (run 7, run 8) to unrelated states.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The random stream of one input in one run (and one year, for inputs drawn per year;
/// `year` is `None` for inputs drawn once per run).
pub fn stream(seed: u64, run: u64, key: u64, year: Option<i32>) -> RunRng {
    let y = year.map_or(0x5eed, |y| u64::from(y as u32) + 1);
    let hi = mix(seed ^ mix(key));
    let lo = mix(run.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ mix(y ^ hi));
    let state = (u128::from(hi) << 64) | u128::from(lo);
    // The MCG needs an odd state.
    Pcg64Mcg::new(state | 1)
}

/// Index of an input in the model's list of inputs.
pub type InputId = usize;

/// One number of the scenario, fixed or uncertain, with the name of its random stream.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path of the number in the scenario by ids, e.g. `domains.wmo.growth.volume`.
    pub key: String,
    hash: u64,
    pub quantity: Quantity,
    /// Its place in a group of rank-correlated inputs (the scenario's `correlations:`).
    coupling: Option<Arc<Coupling>>,
}

/// How an input of a correlated group is drawn (see [`copula`]): its standard normal is
/// z'_j = Σ_k row[k] z_k, with z_k the standard normal of the stream of the group's k-th input
/// (k ≤ j, the j-th being its own) and `row` its row of the Cholesky factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Coupling {
    members: Vec<u64>,
    row: Vec<f64>,
}

impl Coupling {
    /// `keys`: the input keys of the group's members up to and including this input, which is
    /// the last; `row`: its row of the Cholesky factor, as long.
    pub fn new(keys: &[String], row: &[f64]) -> Coupling {
        assert_eq!(keys.len(), row.len(), "one factor per member");
        Coupling {
            members: keys.iter().map(|k| key_hash(k)).collect(),
            row: row.to_vec(),
        }
    }

    /// The input's correlated standard normal in `run`.
    fn normal(&self, seed: u64, run: u64) -> f64 {
        self.members
            .iter()
            .zip(&self.row)
            .map(|(h, l)| {
                let z: f64 = StandardNormal.sample(&mut stream(seed, run, *h, None));
                l * z
            })
            .sum()
    }
}

impl Input {
    pub fn new(key: String, quantity: Quantity) -> Input {
        Input {
            hash: key_hash(&key),
            key,
            quantity,
            coupling: None,
        }
    }

    /// The input with another quantity, keeping its key, stream and place in a correlated
    /// group (an overlay that changes the distribution of a correlated input keeps the
    /// correlation).
    pub fn with_quantity(&self, quantity: Quantity) -> Input {
        Input {
            quantity,
            ..self.clone()
        }
    }

    /// The input drawn as a member of a correlated group.
    pub fn coupled(mut self, coupling: Arc<Coupling>) -> Input {
        self.coupling = Some(coupling);
        self
    }

    /// Its place in a correlated group, if it has one.
    pub fn coupling(&self) -> Option<&Coupling> {
        self.coupling.as_deref()
    }
}

/// The draws of one input across the runs of a batch.
#[derive(Debug, Clone)]
enum Column {
    /// A fixed number: the same in every run, nothing stored per run.
    Fixed(f64),
    Runs(Vec<f64>),
}

/// The values of every input for a batch of consecutive runs, in the current year.
#[derive(Debug, Clone)]
pub struct Draws {
    seed: u64,
    first_run: u64,
    len: usize,
    columns: Vec<Column>,
}

impl Draws {
    /// Draws every input for runs `first_run..first_run + len`; inputs drawn per year get
    /// their values for `year`.
    pub fn new(inputs: &[Input], seed: u64, first_run: u64, len: usize, year: i32) -> Draws {
        let mut d = Draws {
            seed,
            first_run,
            len,
            columns: Vec::with_capacity(inputs.len()),
        };
        for input in inputs {
            let col = d.column(input, year);
            d.columns.push(col);
        }
        d
    }

    fn column(&self, input: &Input, year: i32) -> Column {
        let q = &input.quantity;
        if let Some(v) = q.fixed_value() {
            return Column::Fixed(v);
        }
        if let Some(c) = input.coupling.as_ref().filter(|_| !q.per_year) {
            return Column::Runs(
                (0..self.len as u64)
                    .map(|b| q.from_normal(c.normal(self.seed, self.first_run + b)))
                    .collect(),
            );
        }
        let y = q.per_year.then_some(year);
        Column::Runs(
            (0..self.len as u64)
                .map(|b| q.sample(&mut stream(self.seed, self.first_run + b, input.hash, y)))
                .collect(),
        )
    }

    /// Moves to `year`: inputs drawn per year get new values.
    pub fn set_year(&mut self, inputs: &[Input], year: i32) {
        for (i, input) in inputs.iter().enumerate() {
            if input.quantity.per_year {
                self.columns[i] = self.column(input, year);
            }
        }
    }

    /// The value of input `id` in the batch's run `b`.
    #[inline]
    pub fn at(&self, id: InputId, b: usize) -> f64 {
        match &self.columns[id] {
            Column::Fixed(v) => *v,
            Column::Runs(v) => v[b],
        }
    }

    /// The value of input `id` when it is fixed (the same in every run).
    pub fn fixed(&self, id: InputId) -> Option<f64> {
        match &self.columns[id] {
            Column::Fixed(v) => Some(*v),
            Column::Runs(_) => None,
        }
    }

    /// Number of runs in the batch.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
