//! Shards of the partners' game (`kloof fairness --shard K/M --coalitions K/M`): each
//! simulates some of the game's coalitions in some of its runs and writes their values; the
//! merge puts every coalition's every run back in place and judges the game as `kloof
//! fairness` does, byte for byte (wall time aside). A coalition's value in a run does not
//! depend on the coalitions simulated beside it: each input keeps its own random stream.
//!
//! A game partial's `manifest.json` is a list of one [`GamePartial`]; its `partial.bin` holds,
//! little-endian f64, each of its coalitions' values in its runs, then, when it holds the
//! grand coalition, each player's position in it in those runs.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{SourceText, VALUES, refuse};
use crate::Error;
use crate::fairness::Coalition;
use crate::fairness::coalitions::{Players, SimulatedGame, coalitions};
use crate::provenance::{Manifest, Provenance};
use crate::study::{FairnessStudy, GameShard, Shard, Source};

/// What a game shard's folder says of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GamePartial {
    /// The study's provenance: its runs are the whole study's.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The runs' shard, `K/M`, and the runs it holds: `first_run..first_run + shard_runs`.
    pub shard: String,
    pub first_run: u64,
    pub shard_runs: u64,
    /// The coalitions' shard, `K/M` of the game's list.
    pub coalitions_shard: String,
    pub batch_size: usize,
    pub wall_time_seconds: f64,
    pub source: SourceText,
    pub players: Vec<String>,
    /// Per player, the model's indices of its partners.
    pub members: Vec<Vec<usize>>,
    /// The shard's coalitions, as bitmasks of players, ascending.
    pub coalitions: Vec<u32>,
    /// Whether the values file ends with each player's position in the grand coalition.
    pub agreed: bool,
}

/// Whether the partial in `dir` is a game's: its manifest lists coalitions.
pub fn is_game(dir: &Path) -> bool {
    std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<serde_json::Value>>(&b).ok())
        .is_some_and(|items| items.iter().any(|i| i.get("coalitions").is_some()))
}

/// The manifest of game shard `shard` (simulated from `source`; its runs shard `runs`).
pub fn manifest(source: &Source, shard: &GameShard, runs: Shard) -> Result<Vec<u8>, Error> {
    let g = &shard.game;
    let partial = GamePartial {
        provenance: shard.manifest.provenance.clone(),
        shard: runs.to_string(),
        first_run: shard.first_run,
        shard_runs: g.runs as u64,
        coalitions_shard: shard.coalitions.to_string(),
        batch_size: shard.manifest.batch_size,
        wall_time_seconds: shard.manifest.wall_time_seconds,
        source: source.into(),
        players: g.players.names.clone(),
        members: g.players.members.clone(),
        coalitions: g.coalitions.iter().map(|c| c.0).collect(),
        agreed: g.coalitions.contains(&grand(g.players.len())),
    };
    serde_json::to_vec_pretty(&[partial])
        .map_err(|e| Error::Options(format!("cannot encode the partial's manifest: {e}")))
}

fn grand(n: usize) -> Coalition {
    Coalition(((1u64 << n) - 1) as u32)
}

/// Writes the shard's values to `out` as [`GamePartial`] describes them.
pub fn write_values(
    shard: &GameShard,
    out: &mut dyn std::io::Write,
) -> Result<(), crate::report::ReportError> {
    let g = &shard.game;
    let mut rows: Vec<&[f64]> = g.coalitions.iter().filter_map(|&c| g.values(c)).collect();
    if g.coalitions.contains(&grand(g.players.len())) {
        rows.extend(g.agreed.iter().map(Vec::as_slice));
    }
    let mut bytes = Vec::new();
    for row in rows {
        bytes.clear();
        row.iter()
            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        out.write_all(&bytes)?;
    }
    Ok(())
}

/// Reads the game partial in `dir`.
fn read(dir: &Path) -> Result<GamePartial, Error> {
    let at = |e: String| refuse(format!("{}: manifest.json: {e}", dir.display()));
    let bytes = std::fs::read(dir.join("manifest.json"))
        .map_err(|e| at(format!("{e} (is it a shard's folder?)")))?;
    let mut items: Vec<GamePartial> = serde_json::from_slice(&bytes).map_err(|e| {
        refuse(format!(
            "{} is not a shard of a game ({e}), and shards of different commands do not merge",
            dir.display()
        ))
    })?;
    match (items.pop(), items.is_empty()) {
        (Some(p), true) => Ok(p),
        _ => Err(at("a game's shard holds one partial".into())),
    }
}

/// The game the partials in `dirs` make together, judged as `kloof fairness` judges it.
/// Refused: partials of different studies or games, a coalition's runs covered twice or not
/// at all, a values file of the wrong size.
pub fn merge(dirs: &[PathBuf]) -> Result<FairnessStudy, Error> {
    let parts = dirs
        .iter()
        .map(|d| read(d).map(|p| (d.clone(), p)))
        .collect::<Result<Vec<_>, Error>>()?;
    let Some((first_dir, reference)) = parts.first().cloned() else {
        return Err(refuse("name the shards' folders".into()));
    };
    let key = |p: &GamePartial| {
        let q = &p.provenance;
        (
            serde_json::to_string(q).unwrap_or_default(),
            p.players.clone(),
            p.members.clone(),
            p.coalitions_shard.split('/').nth(1).map(str::to_string),
        )
    };
    if let Some((dir, _)) = parts.iter().find(|(_, p)| key(p) != key(&reference)) {
        return Err(refuse(format!(
            "{} and {} are shards of different games: their study, players or number of \
             coalition shards differ",
            first_dir.display(),
            dir.display()
        )));
    }
    let p = &reference.provenance;
    let runs = p.runs as usize;
    let n = reference.players.len();
    let (all, orders) = coalitions(n, p.seed);
    let index = |bits: u32| all.binary_search(&Coalition(bits)).ok();
    // Which runs of each coalition each shard holds.
    let mut covered: Vec<Vec<(u64, u64, &Path)>> = vec![Vec::new(); all.len()];
    for (dir, part) in &parts {
        for &bits in &part.coalitions {
            let c = index(bits).ok_or_else(|| {
                refuse(format!(
                    "{}: coalition {bits} is not one of the game's",
                    dir.display()
                ))
            })?;
            covered[c].push((part.first_run, part.shard_runs, dir.as_path()));
        }
    }
    for (c, spans) in covered.iter_mut().enumerate() {
        spans.sort_by_key(|s| s.0);
        let mut next = 0;
        for &(first, len, dir) in spans.iter() {
            if first < next {
                return Err(refuse(format!(
                    "{} holds runs {first}–{} of coalition {} that another shard holds too",
                    dir.display(),
                    first + len - 1,
                    all[c].0
                )));
            }
            if first > next {
                return Err(refuse(format!(
                    "runs {next}–{} of coalition {} (of {}) are in no shard given",
                    first - 1,
                    all[c].0,
                    all.len()
                )));
            }
            next = first + len;
        }
        if next != runs as u64 {
            return Err(refuse(format!(
                "runs {next}–{} of coalition {} (of {}) are in no shard given",
                runs - 1,
                all[c].0,
                all.len()
            )));
        }
    }
    let mut values = vec![vec![0.0; runs]; all.len()];
    let mut agreed = vec![vec![0.0; runs]; n];
    for (dir, part) in &parts {
        let bad = |e: String| refuse(format!("{}: {VALUES}: {e}", dir.display()));
        let len = part.shard_runs as usize;
        let rows = part.coalitions.len() + if part.agreed { n } else { 0 };
        let file = std::fs::File::open(dir.join(VALUES)).map_err(|e| bad(e.to_string()))?;
        let size = file.metadata().map_err(|e| bad(e.to_string()))?.len();
        if size != (rows * len * 8) as u64 {
            return Err(bad(format!(
                "{size} bytes where its manifest says {}",
                rows * len * 8
            )));
        }
        let mut file = BufReader::with_capacity(1 << 20, file);
        let mut bytes = vec![0u8; len * 8];
        let first = part.first_run as usize;
        // Each row read into its place: a coalition's values, then the players' positions.
        let mut row = |target: &mut Vec<f64>| -> Result<(), Error> {
            file.read_exact(&mut bytes)
                .map_err(|e| bad(e.to_string()))?;
            for (v, b) in target[first..first + len]
                .iter_mut()
                .zip(bytes.chunks_exact(8))
            {
                *v = f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            }
            Ok(())
        };
        for &bits in &part.coalitions {
            let c = index(bits).ok_or_else(|| bad(format!("coalition {bits}")))?;
            row(&mut values[c])?;
        }
        if part.agreed {
            for position in agreed.iter_mut() {
                row(position)?;
            }
        }
    }
    if crate::provenance::sha256_hex(reference.source.text.as_bytes()) != p.scenario_sha256 {
        return Err(refuse(format!(
            "{}: the scenario in its manifest does not match its SHA-256",
            first_dir.display()
        )));
    }
    let scenario = crate::scenario::parse(&reference.source.text, &reference.source.path)?;
    let players = Players {
        names: reference.players.clone(),
        members: reference.members.clone(),
    };
    let game = SimulatedGame::from_parts(players, runs, all, values, agreed, orders);
    let assessment = crate::fairness::assessment::assess(&game)?;
    Ok(FairnessStudy {
        scenario,
        manifest: Manifest {
            provenance: p.clone(),
            threads: rayon::current_num_threads(),
            batch_size: reference.batch_size,
            wall_time_seconds: parts.iter().map(|(_, p)| p.wall_time_seconds).sum(),
            precision: None,
        },
        game,
        assessment,
        advice: None,
    })
}
