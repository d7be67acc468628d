//! JSON documents with the provenance that reproduces them: `results.json` (the rows of
//! `results.csv`) and the reports of commands that compare studies side by side.

use serde::Serialize;

use super::Row;
use crate::provenance::{Manifest, Provenance};

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

/// `body`'s fields beside `compared`, the provenance of every study it compares (in order).
pub fn compared<T: Serialize>(
    manifests: &[Manifest],
    body: &T,
) -> Result<Vec<u8>, serde_json::Error> {
    #[derive(Serialize)]
    struct Compared<'a, T> {
        compared: Vec<&'a Provenance>,
        #[serde(flatten)]
        body: &'a T,
    }
    serde_json::to_vec_pretty(&Compared {
        compared: manifests.iter().map(|m| &m.provenance).collect(),
        body,
    })
}
