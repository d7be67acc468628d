//! Sweeps: one study per scenario and overlay of a list, for a planning office that runs the
//! same question over many regions and agreement variants. A sweep file names them:
//!
//! ```yaml
//! scenarios: [../zoetermeer.yaml, ../ruwaard.yaml]   # paths from the sweep file's folder
//! overlays: [~, ../overlays/wages-high.yaml]           # ~: the scenario as it is (default)
//! runs: 2000                                           # optional: every study's runs and seed
//! seed: 11
//! ```
//!
//! Regions can also be built from a template and the reference data ([`crate::region`]):
//!
//! ```yaml
//! regions:
//!   template: ../zoetermeer.yaml
//!   reference: ../../../shared/reference       # nl_regions.csv and the Vektis tables
//!   names: [Roermond, Oss, Groningen]
//!   per_inhabitant: [transition_budget.per_year, interventions.*.cost, interventions.*.staff.fte]
//! ```
//!
//! Every scenario (and built region) meets every overlay (the overlay is applied to each scenario, whatever its
//! `base:` says, as `kloof serve` applies its settings): a *cell* of the sweep, numbered from 1
//! in the file's order, scenarios outer. Each cell's report goes in a folder of its own; the
//! index (`index.csv`) lists every cell with its headline figures, read back from the cells'
//! `results.csv`, so a cell run as its own job (`--cell I`, one array task each) counts the
//! same as one run in a row.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;
use crate::scenario::ScenarioError;
use crate::study::{Options, Source};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    #[serde(default)]
    scenarios: Vec<String>,
    #[serde(default)]
    regions: Option<Regions>,
    #[serde(default = "as_it_is")]
    overlays: Vec<Option<String>>,
    #[serde(default)]
    runs: Option<u64>,
    #[serde(default)]
    seed: Option<u64>,
}

/// Regions whose scenarios are built from a template and the reference data
/// ([`crate::region`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Regions {
    /// The template scenario (path from the sweep file's folder).
    template: String,
    /// The template's own region in the reference data [default: its `region.name`].
    #[serde(default)]
    template_region: Option<String>,
    /// The reference folder (`nl_regions.csv` and the Vektis tables).
    reference: String,
    /// The regions, as the reference data name them.
    names: Vec<String>,
    /// Paths of the template's absolute amounts that scale with the number of inhabitants.
    #[serde(default)]
    per_inhabitant: Vec<String>,
}

fn as_it_is() -> Vec<Option<String>> {
    vec![None]
}

/// One study of a sweep: a scenario, under an overlay or as it is.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Counted from 1, scenarios outer, overlays inner.
    pub number: usize,
    /// The folder name of its report: the scenario's name, and the overlay's file stem.
    pub name: String,
    pub scenario: PathBuf,
    /// For a region built from the template `scenario`: the region, as the reference data
    /// name it.
    pub region: Option<String>,
    pub overlay: Option<PathBuf>,
    /// The scenario with the overlay applied, as simulated.
    pub source: Source,
}

/// A sweep read and expanded.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub path: PathBuf,
    pub cells: Vec<Cell>,
    /// Every study's runs and seed: the sweep's, else each scenario's own.
    pub options: Options,
}

/// `path` without `folder/..` steps, as people write it: `scenarios/sweeps/../ruwaard.yaml`
/// is `scenarios/ruwaard.yaml` (a folder reached through a link is taken as written).
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match (c, out.last()) {
            (Component::CurDir, _) => {}
            (Component::ParentDir, Some(Component::Normal(_))) => {
                out.pop();
            }
            _ => out.push(c),
        }
    }
    out.iter().collect()
}

/// Where a sweep file is wrong: its file, line and field.
fn error(path: &Path, line: Option<usize>, key: &str, message: String) -> Error {
    Error::Scenario(ScenarioError {
        file: path.display().to_string(),
        line,
        column: None,
        key: key.to_string(),
        message,
    })
}

/// The line of the `index`-th item under `key:` in `text` (a list written one item a line or
/// in brackets on the key's line), for messages.
fn line_of(text: &str, key: &str, index: usize) -> Option<usize> {
    let start = text
        .lines()
        .position(|l| l.trim_start().starts_with(&format!("{key}:")))?;
    let first = text.lines().nth(start)?;
    if first.contains('[') {
        return Some(start + 1);
    }
    text.lines()
        .enumerate()
        .skip(start + 1)
        .filter(|(_, l)| l.trim_start().starts_with("- "))
        .nth(index)
        .map(|(i, _)| i + 1)
}

/// Reads the sweep file at `path` and expands it into its cells, each scenario and overlay
/// read and applied (an error names the sweep file's line, or the scenario's or overlay's).
pub fn read(path: &Path) -> Result<Sweep, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| error(path, None, "", format!("cannot read the sweep file: {e}")))?;
    let file: SweepFile = serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(
        &text,
    ))
    .map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let line = inner.location().map(|l| l.line());
        let message = inner
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string();
        error(path, line, if key == "." { "" } else { &key }, message)
    })?;
    if file.scenarios.is_empty() && file.regions.as_ref().is_none_or(|r| r.names.is_empty()) {
        return Err(error(
            path,
            line_of(&text, "scenarios", 0),
            "scenarios",
            "name at least one scenario, or regions with `names:`".into(),
        ));
    }
    if file.overlays.is_empty() {
        return Err(error(
            path,
            line_of(&text, "overlays", 0),
            "overlays",
            "name at least one overlay, or leave the key out (~ is the scenario as it is)".into(),
        ));
    }
    if file.runs == Some(0) {
        return Err(error(path, None, "runs", "runs must be at least 1".into()));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let read_scenario = |scenario: &Path, key: &str, line: Option<usize>| {
        Source::read(scenario).map_err(|e| {
            if std::fs::metadata(scenario).is_err() {
                error(
                    path,
                    line,
                    key,
                    format!("no scenario file {}", scenario.display()),
                )
            } else {
                Error::Scenario(e)
            }
        })
    };
    // Each study's scenario before overlays: the files named, then the regions built.
    let mut bases: Vec<(PathBuf, Option<String>, Source)> = Vec::new();
    for (i, s) in file.scenarios.iter().enumerate() {
        let scenario = tidy(&dir.join(s));
        let key = format!("scenarios[{i}]");
        bases.push((
            scenario.clone(),
            None,
            read_scenario(&scenario, &key, line_of(&text, "scenarios", i))?,
        ));
    }
    if let Some(r) = &file.regions {
        let template = tidy(&dir.join(&r.template));
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("template:"))
            .map(|l| l + 1);
        let base = read_scenario(&template, "regions.template", line)?;
        let own = match &r.template_region {
            Some(name) => name.clone(),
            None => base.parse()?.region.name,
        };
        let reference = tidy(&dir.join(&r.reference));
        for name in &r.names {
            let figures = crate::region::figures(&reference, name)?;
            let built = crate::region::build(&base, &own, &figures, &reference, &r.per_inhabitant)?;
            bases.push((template.clone(), Some(name.clone()), built));
        }
    }
    let mut cells = Vec::new();
    for (scenario, region, base) in bases {
        let name = base.parse()?.name;
        for (j, o) in file.overlays.iter().enumerate() {
            let (source, overlay, cell_name) = match o {
                None => (base.clone(), None, name.clone()),
                Some(o) => {
                    let overlay = tidy(&dir.join(o));
                    let o_text = std::fs::read_to_string(&overlay).map_err(|e| {
                        error(
                            path,
                            line_of(&text, "overlays", j),
                            &format!("overlays[{j}]"),
                            format!("cannot read {}: {e}", overlay.display()),
                        )
                    })?;
                    let a = crate::overlay::apply_on(
                        &overlay,
                        &o_text,
                        Path::new(&base.path),
                        &base.text,
                    )?;
                    let stem = overlay
                        .file_stem()
                        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
                    let source = Source {
                        path: a.path,
                        text: a.text,
                        rules_dir: base.dir(),
                        absent: a.absent,
                        ..Source::default()
                    };
                    (source, Some(overlay), format!("{name}--{stem}"))
                }
            };
            // Checked now, so a sweep does not fail halfway on a cell that cannot run.
            source.parse()?;
            cells.push(Cell {
                number: cells.len() + 1,
                name: cell_name,
                scenario: scenario.clone(),
                region: region.clone(),
                overlay,
                source,
            });
        }
    }
    let mut names: Vec<&str> = cells.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(error(
            path,
            None,
            "",
            format!(
                "two cells would be named `{}`: name each scenario once",
                w[0]
            ),
        ));
    }
    Ok(Sweep {
        path: path.to_path_buf(),
        cells,
        options: Options {
            runs: file.runs,
            seed: file.seed,
            ..Options::default()
        },
    })
}

/// The headline figures of the index: per cell, the median (and 90 % interval) of these
/// series in the horizon year, as `results.csv` gives them.
pub const HEADLINES: [(&str, &str); 5] = [
    ("baseline", "gap.fte"),
    ("network", "gap.fte"),
    ("network", "care.gained.fte_years"),
    ("network", "network.net"),
    ("network", "partners.all_gain"),
];

/// `index.csv` of the cells whose reports are in `dir` (one folder per cell, named as the
/// cell): a row per cell with its scenario, overlay, runs, seed, and each headline's P5, P50
/// and P95 in the horizon year. An error names the cells without a report, or with a report
/// of another scenario, overlay, run count or seed than the sweep's.
pub fn index(sweep: &Sweep, dir: &Path) -> Result<String, Error> {
    let mut out = String::from("cell,name,scenario,region,overlay,runs,seed,horizon");
    for (v, m) in HEADLINES {
        for p in ["p5", "p50", "p95"] {
            out.push_str(&format!(",{v}.{m}.{p}"));
        }
    }
    out.push('\n');
    let mut missing = Vec::new();
    for cell in &sweep.cells {
        let folder = dir.join(&cell.name);
        let (Ok(manifest), Ok(results)) = (
            std::fs::read(folder.join("manifest.json")),
            std::fs::read_to_string(folder.join("results.csv")),
        ) else {
            missing.push(format!("{} ({})", cell.number, cell.name));
            continue;
        };
        let p: crate::provenance::Provenance = serde_json::from_slice(&manifest)
            .map_err(|e| stale(cell, &folder, &format!("its manifest.json: {e}")))?;
        let p = &p;
        if p.scenario_sha256 != crate::provenance::sha256_hex(cell.source.text.as_bytes()) {
            return Err(stale(cell, &folder, "it is of another scenario or overlay"));
        }
        if sweep.options.runs.is_some_and(|r| r != p.runs)
            || sweep.options.seed.is_some_and(|s| s != p.seed)
        {
            return Err(stale(cell, &folder, "its runs or seed are not the sweep's"));
        }
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}",
            cell.number,
            field(&cell.name),
            field(&cell.scenario.display().to_string()),
            field(cell.region.as_deref().unwrap_or("")),
            field(
                &cell
                    .overlay
                    .as_ref()
                    .map_or_else(String::new, |o| o.display().to_string())
            ),
            p.runs,
            p.seed,
            p.horizon
        ));
        // The summary's columns, by the file's own header.
        let header: Vec<&str> = results.lines().next().unwrap_or("").split(',').collect();
        let columns: Vec<Option<usize>> = ["p5", "p50", "p95"]
            .iter()
            .map(|c| header.iter().position(|h| h == c))
            .collect();
        for (v, m) in HEADLINES {
            let row = results.lines().find(|l| {
                let mut f = l.split(',');
                f.next() == Some(v)
                    && f.next() == Some(m)
                    && f.next() == Some(&p.horizon.to_string())
            });
            let fields: Vec<&str> = row.map(|r| r.split(',').collect()).unwrap_or_default();
            for k in &columns {
                out.push(',');
                out.push_str(k.and_then(|k| fields.get(k).copied()).unwrap_or(""));
            }
        }
        out.push('\n');
    }
    if !missing.is_empty() {
        return Err(Error::Options(format!(
            "kloof sweep: no report yet in {} for cell {}; run them (--cell N) before the index",
            dir.display(),
            missing.join(", ")
        )));
    }
    Ok(out)
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn stale(cell: &Cell, folder: &Path, why: &str) -> Error {
    Error::Options(format!(
        "kloof sweep: {} holds no report of cell {} ({}): {why}; run the cell again",
        folder.display(),
        cell.number,
        cell.name
    ))
}
