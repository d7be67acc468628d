//! What reproduces a result: the scenario and rule files by their SHA-256, seed, runs and the
//! kloof version, and how the invocation ran. Below both the report, which writes it, and the
//! rule host, which hashes the files it compiled.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// What reproduces a result: the same provenance gives the same figures.
#[derive(Debug, Clone, Serialize)]
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
}

#[derive(Debug, Clone, Serialize)]
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
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
