//! What reproduces a result: the scenario and rule files by their SHA-256, seed, runs and the
//! kloof version, and how the invocation ran. Below both the report, which writes it, and the
//! rule host, which hashes the files it compiled.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What reproduces a result: the same provenance gives the same figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    /// Version of kloof that computed the figures.
    pub kloof_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Path of the scenario file, or `(embedded) ...` for the default scenario.
    pub scenario_path: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// Rule files the scenario runs, with their SHA-256.
    pub rules: Vec<FileHash>,
    pub seed: u64,
    pub runs: u64,
    pub start_year: i32,
    pub horizon: i32,
    /// `--wtp`: λ, EUR per FTE-year of care gained in every domain, in place of the
    /// scenario's `valuation:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wtp_per_fte_year: Option<f64>,
    /// `--value benefit`: the analyses counted each partner's net benefit (its money result
    /// plus the care gained credited to it, valued at λ) instead of money alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileHash {
    pub path: String,
    pub sha256: String,
}

/// `manifest.json`: the provenance plus how this particular invocation ran.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// Runs advanced together per batch (results do not depend on it).
    pub batch_size: usize,
    /// Seconds the simulation took.
    pub wall_time_seconds: f64,
    /// With `--precision`: the target and how many runs it took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
}

/// How `--precision` ended: the target, the runs it took, and the widest 95 % interval of a
/// headline median it reached (relative to the median).
#[derive(Debug, Clone, Serialize)]
pub struct Precision {
    pub target: f64,
    pub runs_needed: u64,
    pub widest_relative_interval: f64,
    /// False when `--runs` ran out before the target was met.
    pub met: bool,
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
