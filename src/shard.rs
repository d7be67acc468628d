//! Shards of a study and their merge: `kloof run --shard K/M` simulates only its share of the
//! runs and writes a partial result (every run's value of every series, with what identifies
//! the study); `kloof merge` puts the partials of all M shards back together into the study an
//! unsharded run gives, and its report byte for byte (wall time aside). Each run draws from
//! its own random streams, so a shard's runs are the same runs of the whole study.
//!
//! A partial folder holds `manifest.json` (a list of [`Partial`]s, one per study the command
//! simulates: one for `run`, one per scenario for `compare`; each names kloof's version, so
//! that a report folder's rules apply to it) and `partial.bin`: each study's values in turn, as
//! little-endian f64 laid out `[series][year][run of the shard]` as [`Outcomes`] keeps them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod game;

use crate::Error;
use crate::outcome::{Catalogue, Outcomes, Series};
use crate::provenance::{Manifest, Provenance};
use crate::study::{Shard, Source, Study};

/// The file of a partial's values.
pub const VALUES: &str = "partial.bin";

/// What a shard's folder says of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    /// The study's provenance: its runs are the whole study's.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// `K/M`.
    pub shard: String,
    /// The shard's runs: `first_run..first_run + shard_runs`.
    pub first_run: u64,
    pub shard_runs: u64,
    /// Where this study's values start in [`VALUES`], in bytes.
    pub offset: u64,
    pub batch_size: usize,
    pub wall_time_seconds: f64,
    /// The scenario as simulated (an overlay already applied), for the merged report.
    pub source: SourceText,
    pub series: Vec<Series>,
    pub years: Vec<i32>,
    /// For a shard of `kloof stress`: what the merged studies are judged by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stress: Option<crate::stress::Plan>,
}

/// A scenario's text and what a study read with it ([`Source`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceText {
    pub path: String,
    pub text: String,
    pub rules_dir: Option<PathBuf>,
    pub absent: Vec<String>,
    pub leaves: Vec<(String, i32)>,
    pub exits_market: Vec<(String, i32)>,
}

impl From<&Source> for SourceText {
    fn from(s: &Source) -> SourceText {
        SourceText {
            path: s.path.clone(),
            text: s.text.clone(),
            rules_dir: s.rules_dir.clone(),
            absent: s.absent.clone(),
            leaves: s.leaves.clone(),
            exits_market: s.exits_market.clone(),
        }
    }
}

/// The manifest of shard `shard` of `studies` (each simulated from its source; with `stress`,
/// the studies of a stress test): what [`write_values`] writes to [`VALUES`] beside it.
pub fn manifest(
    studies: &[(&Source, &Study)],
    shard: Shard,
    stress: Option<&crate::stress::Plan>,
) -> Result<Vec<u8>, Error> {
    let mut partials = Vec::new();
    let mut offset = 0u64;
    for (source, study) in studies {
        let o = &study.outcomes;
        let (first_run, shard_runs) = shard.range(study.manifest.provenance.runs);
        partials.push(Partial {
            provenance: study.manifest.provenance.clone(),
            shard: shard.to_string(),
            first_run,
            shard_runs,
            offset,
            batch_size: study.manifest.batch_size,
            wall_time_seconds: study.manifest.wall_time_seconds,
            source: (*source).into(),
            series: o.catalogue.series.clone(),
            years: o.years.clone(),
            stress: stress.cloned(),
        });
        offset += Outcomes::bytes(o.catalogue.series.len(), o.years.len(), o.runs) as u64;
    }
    serde_json::to_vec_pretty(&partials)
        .map_err(|e| Error::Options(format!("cannot encode the partial's manifest: {e}")))
}

/// Writes every study's values to `out`, one series' year at a time, as [`manifest`] lays
/// them out.
pub fn write_values(
    studies: &[(&Source, &Study)],
    out: &mut dyn std::io::Write,
) -> Result<(), crate::report::ReportError> {
    let mut bytes = Vec::new();
    for (_, study) in studies {
        let o = &study.outcomes;
        for s in 0..o.catalogue.series.len() {
            for y in 0..o.years.len() {
                bytes.clear();
                for v in o.values(s, y).iter() {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
                out.write_all(&bytes)?;
            }
        }
        o.check()?;
    }
    Ok(())
}

/// Why partials cannot be merged.
pub(crate) fn refuse(message: String) -> Error {
    Error::Options(format!("kloof merge: {message}"))
}

/// Reads the manifest of the partial in `dir`, and checks that its values file has the size
/// the manifest says (the values are read when merged, a series and year at a time).
fn read(dir: &Path) -> Result<Vec<Partial>, Error> {
    let at = |what: &str, e: String| refuse(format!("{}: {what}: {e}", dir.display()));
    let manifest = std::fs::read(dir.join("manifest.json"))
        .map_err(|e| at("manifest.json", format!("{e} (is it a shard's folder?)")))?;
    let partials: Vec<Partial> = serde_json::from_slice(&manifest).map_err(|e| {
        at(
            "manifest.json",
            format!("not a shard's manifest ({e}); kloof run --shard K/M writes one"),
        )
    })?;
    let size = std::fs::metadata(dir.join(VALUES))
        .map_err(|e| at(VALUES, e.to_string()))?
        .len();
    let mut expected = 0;
    for p in &partials {
        if p.offset != expected {
            return Err(at(
                "manifest.json",
                "its studies' offsets do not follow each other".into(),
            ));
        }
        expected += p.series.len() as u64 * p.years.len() as u64 * p.shard_runs * 8;
    }
    if size != expected {
        return Err(at(
            VALUES,
            format!("{size} bytes where its manifest says {expected}"),
        ));
    }
    Ok(partials)
}

/// What the partials of one command's shards make together.
#[derive(Debug)]
pub enum Merged {
    Studies {
        /// One for `run`, one per scenario for `compare`, the base and each shock for
        /// `stress`: each the same as one unsharded run of it.
        studies: Vec<Study>,
        /// For the shards of `kloof stress`: what the studies are judged by.
        stress: Option<crate::stress::Plan>,
    },
    /// The shards of `kloof fairness`: the game, judged.
    Game(Box<crate::study::FairnessStudy>),
}

/// What the partials in `dirs` make together. See [`merge_one`] and [`game::merge`] for what
/// is refused.
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, Error> {
    let games: Vec<bool> = dirs.iter().map(|d| game::is_game(d)).collect();
    if let (Some(g), Some(s)) = (
        games.iter().position(|&g| g),
        games.iter().position(|&g| !g),
    ) {
        return Err(refuse(format!(
            "{} (a game's) and {} are shards of different commands",
            dirs[g].display(),
            dirs[s].display()
        )));
    }
    if games.first() == Some(&true) {
        return game::merge(dirs).map(|g| Merged::Game(Box::new(g)));
    }
    let shards = dirs
        .iter()
        .map(|d| read(d).map(|p| (d.clone(), p)))
        .collect::<Result<Vec<_>, Error>>()?;
    let Some((first, studies)) = shards.first() else {
        return Err(refuse("name the shards' folders".into()));
    };
    if let Some((dir, _)) = shards.iter().find(|(_, p)| p.len() != studies.len()) {
        return Err(refuse(format!(
            "{} and {} are shards of different commands: they hold {} and {} studies",
            first.display(),
            dir.display(),
            studies.len(),
            shards
                .iter()
                .find(|(d, _)| d == dir)
                .map_or(0, |(_, p)| p.len())
        )));
    }
    let stress = studies.first().and_then(|p| p.stress.clone());
    if let Some((dir, _)) = shards
        .iter()
        .find(|(_, p)| p.iter().any(|q| q.stress != stress))
    {
        return Err(refuse(format!(
            "{} and {} are shards of different commands: their stress sets differ",
            first.display(),
            dir.display()
        )));
    }
    let studies = (0..studies.len())
        .map(|i| {
            merge_one(
                shards
                    .iter()
                    .map(|(d, p)| (d.clone(), p[i].clone()))
                    .collect(),
            )
        })
        .collect::<Result<Vec<Study>, Error>>()?;
    Ok(Merged::Studies { studies, stress })
}

/// One study from its shards' partials: the same as one unsharded run of it. Partials of
/// different scenarios, rules, seeds, run counts or kloof versions are refused, as are runs
/// covered twice or not at all.
fn merge_one(mut parts: Vec<(PathBuf, Partial)>) -> Result<Study, Error> {
    let Some((first_dir, first)) = parts.first() else {
        return Err(refuse("name the shards' folders".into()));
    };
    let (first_dir, reference) = (first_dir.clone(), first.clone());
    let key = |p: &Partial| {
        let q = &p.provenance;
        (
            q.kloof_version.clone(),
            q.scenario_sha256.clone(),
            q.rules
                .iter()
                .map(|r| (r.path.clone(), r.sha256.clone()))
                .collect::<Vec<_>>(),
            q.seed,
            q.runs,
            (q.start_year, q.horizon),
            q.wtp_per_fte_year.map(f64::to_bits),
            q.value.clone(),
        )
    };
    for (dir, p) in &parts {
        let (a, b) = (key(p), key(&reference));
        let differs = [
            (a.0 != b.0, "kloof version"),
            (a.1 != b.1, "scenario (SHA-256)"),
            (a.2 != b.2, "rule files"),
            (a.3 != b.3, "seed"),
            (a.4 != b.4, "number of runs"),
            (a.5 != b.5, "years"),
            (
                a.6 != b.6 || a.7 != b.7,
                "valuation options (--wtp, --value)",
            ),
            (
                p.series != reference.series || p.years != reference.years,
                "series",
            ),
        ];
        if let Some((_, what)) = differs.iter().find(|(d, _)| *d) {
            return Err(refuse(format!(
                "{} and {} are shards of different studies: their {what} differ",
                first_dir.display(),
                dir.display()
            )));
        }
    }
    parts.sort_by_key(|(_, p)| p.first_run);
    let total = reference.provenance.runs;
    let mut next = 0;
    for (dir, p) in &parts {
        if p.first_run < next {
            return Err(refuse(format!(
                "{} (shard {}, runs {}–{}) overlaps another shard's runs",
                dir.display(),
                p.shard,
                p.first_run,
                p.first_run + p.shard_runs - 1
            )));
        }
        if p.first_run > next {
            return Err(refuse(format!(
                "runs {next}–{} of {total} are in no shard given",
                p.first_run - 1
            )));
        }
        next = p.first_run + p.shard_runs;
    }
    if next != total {
        return Err(refuse(format!(
            "runs {next}–{} of {total} are in no shard given",
            total - 1
        )));
    }
    let catalogue = Catalogue {
        series: reference.series.clone(),
    };
    let years = reference.years.len();
    let mut outcomes = Outcomes::new(catalogue, reference.years.clone(), total as usize)
        .map_err(crate::simulator::SimError::from)?;
    // A series' year of one shard at a time: the merge keeps the study and one such slice.
    for (dir, p) in &parts {
        let n = p.shard_runs as usize;
        let file = std::fs::File::open(dir.join(VALUES))
            .map_err(|e| refuse(format!("{}: {VALUES}: {e}", dir.display())))?;
        let mut file = std::io::BufReader::with_capacity(1 << 20, file);
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(p.offset))
            .map_err(|e| refuse(format!("{}: {VALUES}: {e}", dir.display())))?;
        let (mut bytes, mut values) = (vec![0u8; n * 8], vec![0f64; n]);
        for s in 0..reference.series.len() {
            for y in 0..years {
                std::io::Read::read_exact(&mut file, &mut bytes)
                    .map_err(|e| refuse(format!("{}: {VALUES}: {e}", dir.display())))?;
                for (v, b) in values.iter_mut().zip(bytes.chunks_exact(8)) {
                    *v = f64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
                }
                outcomes.put_runs(s, y, p.first_run as usize, &values);
            }
        }
    }
    let source = &reference.source;
    if crate::provenance::sha256_hex(source.text.as_bytes()) != reference.provenance.scenario_sha256
    {
        return Err(refuse(format!(
            "{}: the scenario in its manifest does not match its SHA-256",
            first_dir.display()
        )));
    }
    let scenario = crate::scenario::parse(&source.text, &source.path)?;
    Ok(Study {
        scenario,
        manifest: Manifest {
            provenance: reference.provenance.clone(),
            threads: rayon::current_num_threads(),
            batch_size: reference.batch_size,
            wall_time_seconds: parts.iter().map(|(_, p)| p.wall_time_seconds).sum(),
            precision: None,
        },
        outcomes,
    })
}
