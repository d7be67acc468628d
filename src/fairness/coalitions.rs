//! The partners' game, simulated: the value of a coalition is the sum of its members' positions
//! (`partner.<id>.net` at the horizon, summed over the years; with [`Value::Benefit`] their net
//! benefits, `partner.<id>.benefit`) when only they take part in the agreement, every coalition
//! under the same draws.
//!
//! A coalition is a [`Variant`] in which only its members take part; the simulator runs any
//! number of variants over one shared projection, so the baseline (which no coalition changes)
//! is computed once per batch, and an input's random stream is the same in every coalition
//! (common random numbers): the differences between coalitions are the agreement's, not noise.
//! `v(∅) = 0`; `v(N)` is the plain run's network, and the agreed split is each player's
//! position in it.
//!
//! All `2^n − 1` coalitions are simulated for up to [`EXACT_PLAYERS`] players, enough for the
//! exact Shapley value, the core and the nucleolus. Above that only the coalitions that a fixed
//! set of random player orders passes through are simulated, for a sampled Shapley value.

use std::sync::Mutex;

use rand::seq::SliceRandom;

use crate::agreement::Agreements;
use crate::model::Model;
use crate::outcome::{RecordedYear, Recorder};
use crate::sampling::{RunRng, key_hash, stream};
use crate::simulator::{self, Settings, SimError};
use crate::value::Value;
use crate::variant::Variant;

use super::{Coalition, MAX_PLAYERS};

/// The most players whose every coalition is simulated (`2^12 − 1 = 4,095` variants).
pub const EXACT_PLAYERS: usize = 12;
/// Random player orders used above [`EXACT_PLAYERS`].
pub const SAMPLED_ORDERS: usize = 64;
/// Coalitions simulated together: each costs its own step in every batch and year, and its
/// frames stay in memory through the batch, so they go in chunks of this many.
const CHUNK: usize = 32;

/// Who plays: single partners, or named groups of partners that count as one player (the
/// masterplan's "two delegates for elderly care").
#[derive(Debug, Clone, PartialEq)]
pub struct Players {
    pub names: Vec<String>,
    /// Per player, the model's indices of its partners.
    pub members: Vec<Vec<usize>>,
}

/// Why the players cannot be formed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlayersError {
    #[error("group `{group}`: no partner `{partner}`; partners: {known}")]
    UnknownPartner {
        group: String,
        partner: String,
        known: String,
    },
    #[error("partner `{0}` is in two groups")]
    TwoGroups(String),
    #[error("group `{0}` has no partners")]
    EmptyGroup(String),
    #[error("group name `{0}` is also a partner's id")]
    NameTaken(String),
    #[error("{0} players: at most {MAX_PLAYERS} (group partners to make fewer)")]
    TooMany(usize),
}

impl Players {
    /// Every partner a player of its own, except those in `groups` (name, partner ids), which
    /// play as one, in the place of the group's first member.
    pub fn new(m: &Model, groups: &[(String, Vec<String>)]) -> Result<Players, PlayersError> {
        let known = || {
            m.partners
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut group_of: Vec<Option<usize>> = vec![None; m.partners.len()];
        for (g, (name, ids)) in groups.iter().enumerate() {
            if ids.is_empty() {
                return Err(PlayersError::EmptyGroup(name.clone()));
            }
            if m.partners.iter().any(|p| &p.id == name) && !ids.iter().any(|i| i == name) {
                return Err(PlayersError::NameTaken(name.clone()));
            }
            for id in ids {
                let pi = m.partners.iter().position(|p| &p.id == id).ok_or_else(|| {
                    PlayersError::UnknownPartner {
                        group: name.clone(),
                        partner: id.clone(),
                        known: known(),
                    }
                })?;
                if group_of[pi].is_some() {
                    return Err(PlayersError::TwoGroups(id.clone()));
                }
                group_of[pi] = Some(g);
            }
        }
        let mut players = Players {
            names: Vec::new(),
            members: Vec::new(),
        };
        let mut placed = vec![false; groups.len()];
        for (pi, p) in m.partners.iter().enumerate() {
            match group_of[pi] {
                None => {
                    players.names.push(p.id.clone());
                    players.members.push(vec![pi]);
                }
                Some(g) if !placed[g] => {
                    placed[g] = true;
                    players.names.push(groups[g].0.clone());
                    players.members.push(
                        (0..m.partners.len())
                            .filter(|&q| group_of[q] == Some(g))
                            .collect(),
                    );
                }
                Some(_) => {}
            }
        }
        if players.names.len() > MAX_PLAYERS {
            return Err(PlayersError::TooMany(players.names.len()));
        }
        Ok(players)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The variant in which the members of coalition `s` take part.
    fn variant(&self, m: &Model, s: Coalition) -> Variant {
        let mut takes_part = vec![false; m.partners.len()];
        for i in s.members() {
            for &pi in &self.members[i] {
                takes_part[pi] = true;
            }
        }
        Variant {
            name: format!("coalition-{}", s.0),
            takes_part,
            leaves: Vec::new(),
            exits_market: Vec::new(),
            overlays: Vec::new(),
            continues: false,
        }
    }
}

/// The simulated game: per run, the value of every simulated coalition and what the agreement
/// gives each player.
#[derive(Debug, Clone)]
pub struct SimulatedGame {
    pub players: Players,
    pub runs: usize,
    /// The simulated coalitions, in ascending order of bitmask.
    pub coalitions: Vec<Coalition>,
    /// `values[c][run]`: the value of `coalitions[c]` in that run.
    values: Vec<Vec<f64>>,
    /// `agreed[player][run]`: the player's position in the grand coalition.
    pub agreed: Vec<Vec<f64>>,
    /// The player orders behind a sampled game; empty when every coalition is simulated.
    pub orders: Vec<Vec<usize>>,
}

impl SimulatedGame {
    /// Whether every coalition was simulated.
    pub fn exact(&self) -> bool {
        self.orders.is_empty()
    }

    /// The value of coalition `s` in every run; `None` when it was not simulated. The empty
    /// coalition is worth 0.
    pub fn values(&self, s: Coalition) -> Option<&[f64]> {
        self.coalitions
            .binary_search(&s)
            .ok()
            .map(|c| self.values[c].as_slice())
    }

    /// A game from its parts, as a merge of shards puts it together: `values[c][run]` for each
    /// of `coalitions` (ascending), `agreed[player][run]`, and the orders of a sampled game.
    pub fn from_parts(
        players: Players,
        runs: usize,
        coalitions: Vec<Coalition>,
        values: Vec<Vec<f64>>,
        agreed: Vec<Vec<f64>>,
        orders: Vec<Vec<usize>>,
    ) -> SimulatedGame {
        SimulatedGame {
            players,
            runs,
            coalitions,
            values,
            agreed,
            orders,
        }
    }

    /// The value of every coalition in `run`, by bitmask (exact games only).
    pub fn run_values(&self, run: usize) -> Option<Vec<f64>> {
        if !self.exact() {
            return None;
        }
        let mut v = vec![0.0; 1 << self.players.len()];
        for (c, s) in self.coalitions.iter().enumerate() {
            v[s.0 as usize] = self.values[c][run];
        }
        Some(v)
    }
}

/// The coalitions a sampled Shapley value needs: every prefix of every order.
fn orders(n: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng: RunRng = stream(seed, 0, key_hash("fairness.orders"), None);
    (0..SAMPLED_ORDERS)
        .map(|_| {
            let mut o: Vec<usize> = (0..n).collect();
            o.shuffle(&mut rng);
            o
        })
        .collect()
}

/// Per coalition and run its value; per player and run its position in the grand coalition.
type Kept = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// Keeps, at the horizon, each simulated coalition's value and the grand coalition's
/// positions per player.
struct Keep<'a> {
    runs: usize,
    /// The study's run kept at index 0 (a shard's first).
    first: usize,
    last_year: usize,
    /// Per variant of the chunk: its coalition's index, and per catalogue series the player
    /// whose member's `partner.<id>.net` it is, if that member is in the coalition.
    wanted: Vec<(usize, Vec<Option<usize>>)>,
    grand: Option<usize>,
    out: &'a Mutex<Kept>,
}

impl Recorder for Keep<'_> {
    fn record(&self, y: &RecordedYear) {
        if y.year_index != self.last_year {
            return;
        }
        let (c, wanted) = &self.wanted[y.variant];
        let mut sums = vec![0.0; y.len];
        let mut per_player: Vec<(usize, Vec<f64>)> = Vec::new();
        for (k, &series) in y.series.iter().enumerate() {
            let Some(player) = wanted.get(series).copied().flatten() else {
                continue;
            };
            let row = &y.values[k * y.len..(k + 1) * y.len];
            sums.iter_mut().zip(row).for_each(|(s, x)| *s += x);
            if self.grand == Some(*c) {
                per_player.push((player, row.to_vec()));
            }
        }
        let at = y.first_run - self.first;
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        out.0[*c][at..at + y.len].copy_from_slice(&sums);
        for (player, row) in per_player {
            let dst = &mut out.1[player][at..at + y.len];
            dst.iter_mut().zip(&row).for_each(|(d, x)| *d += x);
        }
        debug_assert!(self.runs >= at + y.len);
    }
}

/// The coalitions a game of `n` players simulates, in ascending order of bitmask (all of
/// them, or those the sampled orders of `seed` pass through), with those orders (none for an
/// exact game).
pub fn coalitions(n: usize, seed: u64) -> (Vec<Coalition>, Vec<Vec<usize>>) {
    let orders = if n <= EXACT_PLAYERS {
        Vec::new()
    } else {
        orders(n, seed)
    };
    let mut coalitions: Vec<Coalition> = if orders.is_empty() {
        (1..1u32 << n).map(Coalition).collect()
    } else {
        orders
            .iter()
            .flat_map(|o| (1..=n).map(|k| Coalition(o[..k].iter().fold(0, |s, &i| s | 1 << i))))
            .collect()
    };
    coalitions.sort();
    coalitions.dedup();
    (coalitions, orders)
}

/// Simulates the coalitions of `players` (all of them, or those sampled orders need) and
/// returns their values per run. With `part`, only the coalitions of that range of
/// [`coalitions`]' list: a shard of the game, whose values the merge puts together (the
/// players' positions in the grand coalition stay zero unless it is in the part).
/// `progress(n, total)` hears of `n` more finished runs of the `total`: runs times the chunks
/// of [`CHUNK`] coalitions simulated together.
pub fn simulate(
    m: &Model,
    agreements: &dyn Agreements,
    settings: &Settings,
    players: Players,
    value: Value,
    part: Option<std::ops::Range<usize>>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<SimulatedGame, SimError> {
    let n = players.len();
    let runs = settings.runs as usize;
    let grand = Coalition(((1u64 << n) - 1) as u32);
    let (mut coalitions, orders) = coalitions(n, settings.seed);
    if let Some(part) = part {
        coalitions = coalitions[part].to_vec();
    }
    let grand_index = coalitions.binary_search(&grand).ok();
    let out = Mutex::new((
        vec![vec![0.0; runs]; coalitions.len()],
        vec![vec![0.0; runs]; n],
    ));
    let partner_of_series = |catalogue: &crate::outcome::Catalogue, v: &Variant, s: Coalition| {
        let mut wanted = vec![None; catalogue.series.len()];
        for i in s.members() {
            for &pi in &players.members[i] {
                let metric = value.position(&m.partners[pi].id);
                if let Some(k) = catalogue.find(&v.name, &metric) {
                    wanted[k] = Some(i);
                }
            }
        }
        wanted
    };
    let total = settings.runs * coalitions.len().div_ceil(CHUNK) as u64;
    let tick = |n: u64| progress(n, total);
    for (chunk_no, chunk) in coalitions.chunks(CHUNK).enumerate() {
        let variants: Vec<Variant> = chunk.iter().map(|&s| players.variant(m, s)).collect();
        let catalogue = simulator::catalogue(m, &variants, agreements);
        let wanted = chunk
            .iter()
            .zip(&variants)
            .enumerate()
            .map(|(j, (&s, v))| (chunk_no * CHUNK + j, partner_of_series(&catalogue, v, s)))
            .collect();
        let keep = Keep {
            runs,
            first: settings.first_run as usize,
            last_year: m.years().count() - 1,
            wanted,
            grand: grand_index,
            out: &out,
        };
        simulator::simulate_into(m, settings, &variants, agreements, &keep, &tick)?;
    }
    let (values, agreed) = out.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(SimulatedGame::from_parts(
        players, runs, coalitions, values, agreed, orders,
    ))
}

#[cfg(test)]
impl SimulatedGame {
    /// A game of `n` players and `runs` runs built from `v(s, run)` over the coalitions a
    /// simulation would have simulated.
    pub(super) fn built(
        n: usize,
        runs: usize,
        v: impl Fn(Coalition, usize) -> f64,
    ) -> SimulatedGame {
        let (coalitions, orders) = coalitions(n, 7);
        let values = coalitions
            .iter()
            .map(|&s| (0..runs).map(|r| v(s, r)).collect())
            .collect();
        let g = SimulatedGame {
            players: Players {
                names: (0..n).map(|i| format!("p{i}")).collect(),
                members: (0..n).map(|i| vec![i]).collect(),
            },
            runs,
            coalitions,
            values,
            agreed: (0..n)
                .map(|i| (0..runs).map(|r| v(Coalition(1 << i), r)).collect())
                .collect(),
            orders,
        };
        let grand = Coalition(((1u64 << n) - 1) as u32);
        assert!(
            g.values(grand).is_some(),
            "the grand coalition is always simulated"
        );
        g
    }
}
