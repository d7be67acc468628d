//! Cooperative games among the partners of a care network, and the ways of splitting what they
//! achieve together: the Shapley value, the nucleolus and the core.
//!
//! A [`Game`] stores the value of *every* coalition. Shapley and the nucleolus both read all
//! of them (the nucleolus as the constraints of its linear programmes), so the values are
//! computed or read once, into a `Vec<f64>` indexed by the coalition's bitmask: coalition `S`
//! is the number whose bit `i` is set when player `i` is in `S`. That makes a lookup an index,
//! "S with player i" a bit-or, and it bounds the size plainly: `2^n` numbers, hence
//! [`MAX_PLAYERS`].
//!
//! Every method works on a savings game (the value of a coalition is what its members gain by
//! acting together, more is better). A cost game (what a coalition must pay, less is better) is
//! turned into its savings game `v(S) = Σ_{i∈S} c({i}) − c(S)` and the answer turned back,
//! `x_i = c({i}) − y_i` ([`Game::savings`]). This is exact, not an approximation: the map is
//! affine and the same for every coalition, so the Shapley value (linear, and `c({i})` for the
//! additive game), the nucleolus (the excess `x(S) − c(S)` of a cost share equals the excess
//! `v(S) − y(S)` of the savings share) and the core (`x(S) ≤ c(S)` exactly when `y(S) ≥ v(S)`)
//! all carry over.

pub mod advice;
pub mod assessment;
pub mod coalitions;
mod core_check;
mod game_file;
mod nucleolus;
mod shapley;

pub use core_check::{CoreVerdict, core_verdict};
pub use game_file::{GameFile, GameFileError, MAX_GAME_BYTES, parse_game, read_game};
pub use nucleolus::{MAX_NUCLEOLUS_PLAYERS, Nucleolus, nucleolus};
pub use shapley::{
    EXACT_SHAPLEY_MAX_PLAYERS, Estimate, SAMPLED_PERMUTATIONS, shapley, shapley_exact,
    shapley_sampled,
};

use serde::Deserialize;

/// The largest value a coalition may have, either way: a thousand trillion (EUR, or whatever
/// unit the game counts in). Beyond it sums of values overflow to infinity in the Shapley value
/// (±1e308 gave `inf`) and the LP solver of the nucleolus fails.
pub const MAX_VALUE: f64 = 1e15;

/// The most players a game may have: its values take `2^20` numbers (8 MiB), and the next
/// doubling buys little for a network of a handful of partners.
pub const MAX_PLAYERS: usize = 20;

/// What a coalition's value means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// What the members gain together; a split hands out gains.
    Savings,
    /// What the members must pay together; a split assigns payments.
    Cost,
}

/// A set of players, as a bitmask over the players' positions in the game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Coalition(pub u32);

impl Coalition {
    /// Whether player `i` is a member.
    pub fn contains(self, i: usize) -> bool {
        self.0 >> i & 1 == 1
    }

    /// The number of members.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the coalition has no members.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members' positions, in increasing order.
    pub fn members(self) -> impl Iterator<Item = usize> {
        (0..32).filter(move |&i| self.contains(i))
    }
}

/// Why a game or a question about it cannot be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FairnessError {
    #[error("a game needs at least one player")]
    NoPlayers,
    #[error("{0} players is more than the {MAX_PLAYERS} a game may have")]
    TooManyPlayers(usize),
    #[error("a game of {players} players has {expected} coalition values, not {given}")]
    ValueCount {
        players: usize,
        expected: usize,
        given: usize,
    },
    #[error("the empty coalition is worth 0, not {0}")]
    EmptyCoalition(f64),
    #[error(
        "coalition {coalition:?} has value {value}, which is not a finite number of at most \
         {MAX_VALUE:e} either way"
    )]
    NotFinite { coalition: Coalition, value: f64 },
    #[error("a split of {players} players has {given} amounts")]
    SplitLength { players: usize, given: usize },
    #[error(
        "the nucleolus of {0} players is not computed: its linear programmes have a constraint \
         for each of the 2^{0} coalitions (at most {MAX_NUCLEOLUS_PLAYERS} players)"
    )]
    NucleolusTooLarge(usize),
    /// The linear-programming solver failed; not expected for a valid game, so the message is
    /// the solver's own.
    #[error("the nucleolus could not be computed: the LP solver reported {0}")]
    Solver(String),
}

/// A transferable-utility game: players and the value of every coalition.
#[derive(Debug, Clone, PartialEq)]
pub struct Game {
    players: Vec<String>,
    kind: Kind,
    /// `values[s]` is the value of the coalition with bitmask `s`; `values[0] = 0`.
    values: Vec<f64>,
}

impl Game {
    /// A game from the value of every coalition, indexed by bitmask (`values[0]`, the empty
    /// coalition, must be 0).
    pub fn new(players: Vec<String>, kind: Kind, values: Vec<f64>) -> Result<Game, FairnessError> {
        let n = players.len();
        if n == 0 {
            return Err(FairnessError::NoPlayers);
        }
        if n > MAX_PLAYERS {
            return Err(FairnessError::TooManyPlayers(n));
        }
        let expected = 1usize << n;
        if values.len() != expected {
            return Err(FairnessError::ValueCount {
                players: n,
                expected,
                given: values.len(),
            });
        }
        if values[0] != 0.0 {
            return Err(FairnessError::EmptyCoalition(values[0]));
        }
        if let Some((s, &value)) = values
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_finite() || v.abs() > MAX_VALUE)
        {
            return Err(FairnessError::NotFinite {
                coalition: Coalition(s as u32),
                value,
            });
        }
        Ok(Game {
            players,
            kind,
            values,
        })
    }

    /// A game whose coalition values `f` computes (it is not called for the empty coalition).
    pub fn from_fn(
        players: Vec<String>,
        kind: Kind,
        f: impl Fn(Coalition) -> f64,
    ) -> Result<Game, FairnessError> {
        if players.len() > MAX_PLAYERS {
            return Err(FairnessError::TooManyPlayers(players.len()));
        }
        let values = (0..1u32 << players.len())
            .map(|s| if s == 0 { 0.0 } else { f(Coalition(s)) })
            .collect();
        Game::new(players, kind, values)
    }

    /// The players' names, in the order of their bits.
    pub fn players(&self) -> &[String] {
        &self.players
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The value of a coalition (its savings or its cost, as [`Game::kind`] says).
    pub fn value(&self, s: Coalition) -> f64 {
        self.values[s.0 as usize]
    }

    /// The coalition of all players.
    pub fn grand(&self) -> Coalition {
        Coalition(((1u64 << self.players.len()) - 1) as u32)
    }

    /// The savings game that every method works on: the game itself for savings, and for a
    /// cost game `v(S) = Σ_{i∈S} c({i}) − c(S)`, what `S` saves against its members paying
    /// alone (see the module documentation for why the answers carry over exactly).
    pub fn savings(&self) -> Game {
        match self.kind {
            Kind::Savings => self.clone(),
            Kind::Cost => {
                let alone = self.alone();
                let values = (0..self.values.len())
                    .map(|s| {
                        let own: f64 = Coalition(s as u32).members().map(|i| alone[i]).sum();
                        own - self.values[s]
                    })
                    .collect();
                Game {
                    players: self.players.clone(),
                    kind: Kind::Savings,
                    values,
                }
            }
        }
    }

    /// Each player's value on its own, `v({i})`.
    pub fn alone(&self) -> Vec<f64> {
        (0..self.players.len())
            .map(|i| self.values[1 << i])
            .collect()
    }

    /// A split of the savings game in this game's terms, or the other way: unchanged for a
    /// savings game, `x_i = c({i}) − y_i` for a cost game (the map is its own inverse).
    fn convert_split(&self, split: &[f64]) -> Vec<f64> {
        match self.kind {
            Kind::Savings => split.to_vec(),
            Kind::Cost => self.alone().iter().zip(split).map(|(c, y)| c - y).collect(),
        }
    }

    /// The largest magnitude of a coalition value, at least 1: the scale tolerances are taken
    /// against, so a game in euros and the same game in millions of euros get the same answers.
    fn scale(&self) -> f64 {
        self.values.iter().fold(1.0_f64, |m, v| m.max(v.abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("p{i}")).collect()
    }

    #[test]
    fn a_cost_game_saves_what_its_members_pay_alone_less_what_they_pay_together() {
        let costs = [1.0, 2.0, 3.0];
        let airport = Game::from_fn(names(3), Kind::Cost, |s| {
            s.members().map(|i| costs[i]).fold(0.0, f64::max)
        })
        .expect("game");
        let v = airport.savings();
        assert_eq!(v.kind(), Kind::Savings);
        assert_eq!(v.value(Coalition(0b011)), 1.0 + 2.0 - 2.0);
        assert_eq!(v.value(Coalition(0b111)), 6.0 - 3.0);
        assert_eq!(v.alone(), vec![0.0; 3]);
        assert_eq!(airport.convert_split(&[0.5, 1.0, 1.5]), vec![0.5, 1.0, 1.5]);
    }

    #[test]
    fn a_game_refuses_values_it_cannot_hold() {
        assert_eq!(
            Game::new(names(2), Kind::Savings, vec![0.0; 3]),
            Err(FairnessError::ValueCount {
                players: 2,
                expected: 4,
                given: 3
            })
        );
        assert_eq!(
            Game::new(names(1), Kind::Savings, vec![1.0, 2.0]),
            Err(FairnessError::EmptyCoalition(1.0))
        );
        assert!(matches!(
            Game::new(names(1), Kind::Savings, vec![0.0, f64::NAN]),
            Err(FairnessError::NotFinite { .. })
        ));
        assert_eq!(
            Game::from_fn(names(21), Kind::Savings, |_| 0.0),
            Err(FairnessError::TooManyPlayers(21))
        );
        assert_eq!(
            Game::new(Vec::new(), Kind::Savings, vec![0.0]),
            Err(FairnessError::NoPlayers)
        );
    }
}
