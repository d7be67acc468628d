//! `results.json`: the rows of `results.csv` with the provenance that reproduces them.

use serde::Serialize;

use super::Row;
use crate::provenance::Provenance;

#[derive(Serialize)]
struct Document<'a> {
    manifest: &'a Provenance,
    results: &'a [Row],
}

pub fn render(provenance: &Provenance, rows: &[Row]) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec_pretty(&Document {
        manifest: provenance,
        results: rows,
    })
}
