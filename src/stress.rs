//! Stress tests: named shocks to a scenario, each run with the same draws as the scenario
//! itself, reported side by side: the gap and cost, each partner's tail (P5, expected
//! shortfall), how often every partner gains, which clauses fired, and who carries the loss.
//!
//! A stress set is a YAML file:
//!
//! ```yaml
//! shocks:
//!   - name: wages-p95
//!     pin: {inputs.wages_prices: 0.95}           # an uncertain input at its 95th percentile
//!   - name: transition-cut-30
//!     scale: {transition_budget.per_year: 0.7}   # every number (or distribution) under a path times a factor
//!   - name: volume-plus-1pt
//!     shift: {domains.wmo.growth.volume: 0.01}   # a number or distribution moved by an amount
//!   - name: strong-waterbed
//!     set: {rules.waterbed.params.share: 0.3}    # a value replaced, as in an overlay
//!   - name: hospital-leaves-2027
//!     leaves: {ziekenhuis: 2027}                 # a partner leaves the agreement from a year on, keeping its contracts
//!   - name: vvt-exits-2028
//!     exits_market: {vvt: 2028}                  # a provider leaves agreement and region: its clients go to outside providers
//!   - name: both
//!     combine: [wages-p95, hospital-leaves-2027] # earlier shocks together
//! ```
//!
//! Paths are those of overlays ([`crate::overlay`]). A pinned input is replaced by its
//! percentile, estimated from [`PIN_DRAWS`] draws of a fixed stream of its distribution.

use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};

use crate::Error;
use crate::compare::Comparison;
use crate::overlay;
use crate::sampling::{Quantity, key_hash, stream};
use crate::scenario::{self, ScenarioError};
use crate::stats::Summary;
use crate::study::{Options, Source, Study};
use crate::value::Value as Counting;
use crate::variant::{BASELINE, NETWORK};

/// Draws behind a pinned percentile: the estimate's error is below a thousandth of the
/// distribution's spread for the percentiles a stress test uses.
pub const PIN_DRAWS: usize = 100_001;

/// A shock costs a partner something when its mean result falls by more than this (EUR over
/// the period): below it, rounding in the ledger's cents and report's hundreds.
const LOSS: f64 = 100.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StressFile {
    shocks: Vec<ShockFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShockFile {
    name: String,
    #[serde(default)]
    set: Mapping,
    #[serde(default)]
    scale: Mapping,
    #[serde(default)]
    shift: Mapping,
    #[serde(default)]
    pin: Mapping,
    #[serde(default)]
    leaves: Mapping,
    #[serde(default)]
    exits_market: Mapping,
    #[serde(default)]
    combine: Vec<String>,
    /// An earlier shock to measure who carries the loss against, instead of the base: for a
    /// shock combined with another, what this one adds.
    #[serde(default)]
    against: Option<String>,
}

/// One change a shock makes to the scenario, as written in the stress set: what a report
/// says the shock *is* before it says what the shock does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A value replaced (`set`), written as YAML on one line.
    Set { path: String, value: String },
    /// Every number under a path times a factor (`scale`).
    Scale { path: String, factor: f64 },
    /// A number or distribution moved by an amount (`shift`).
    Shift { path: String, amount: f64 },
    /// An uncertain input at a percentile of its distribution (`pin`).
    Pin { path: String, percentile: f64 },
    /// A partner leaves the agreement from a year on, keeping its contracts (`leaves`).
    Leaves { partner: String, year: i32 },
    /// A provider leaves agreement and region from a year on (`exits_market`).
    ExitsMarket { partner: String, year: i32 },
    /// An earlier shock taken along (`combine`).
    Combine { shock: String },
}

/// What shock `s` changes, in the stress set's order of keys; the base's list is empty. Called
/// after [`apply`] accepted the shock, so every number is one.
fn changes(s: &ShockFile) -> Vec<Change> {
    let paths = |m: &Mapping| -> Vec<(String, Value)> {
        m.iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone())))
            .collect()
    };
    let numbers = |m: &Mapping| -> Vec<(String, f64)> {
        paths(m)
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_f64()?)))
            .collect()
    };
    let years = |m: &Mapping| -> Vec<(String, i32)> {
        paths(m)
            .into_iter()
            .filter_map(|(k, v)| Some((k, i32::try_from(v.as_i64()?).ok()?)))
            .collect()
    };
    let mut out: Vec<Change> = paths(&s.set)
        .into_iter()
        .map(|(path, v)| Change::Set {
            path,
            value: serde_yaml::to_string(&v)
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        })
        .collect();
    out.extend(
        numbers(&s.scale)
            .into_iter()
            .map(|(path, factor)| Change::Scale { path, factor }),
    );
    out.extend(
        numbers(&s.shift)
            .into_iter()
            .map(|(path, amount)| Change::Shift { path, amount }),
    );
    out.extend(
        numbers(&s.pin)
            .into_iter()
            .map(|(path, percentile)| Change::Pin { path, percentile }),
    );
    out.extend(
        years(&s.leaves)
            .into_iter()
            .map(|(partner, year)| Change::Leaves { partner, year }),
    );
    out.extend(
        years(&s.exits_market)
            .into_iter()
            .map(|(partner, year)| Change::ExitsMarket { partner, year }),
    );
    out.extend(
        s.combine
            .iter()
            .map(|c| Change::Combine { shock: c.clone() }),
    );
    out
}

/// One shock's results beside the base's.
#[derive(Debug, Clone, Serialize)]
pub struct ShockResult {
    pub name: String,
    /// What the shock changes in the scenario (empty for the base).
    pub changes: Vec<Change>,
    /// Per partner: mean of its worst 5 % of positions (expected shortfall), EUR.
    pub expected_shortfall: Vec<(String, f64)>,
    /// Per event a rule fires: the share of runs in which it fired in at least one year.
    pub clauses: Vec<(String, f64)>,
    /// The partner whose own result (see `result`) falls most against the unshocked scenario,
    /// and by how much (mean, EUR); none when no partner loses more than EUR 100 against it.
    pub carries_the_loss: Option<(String, f64)>,
    /// What `carries_the_loss` is measured against: the base or an earlier shock.
    pub against: String,
    /// When providers leave: who left in which year, and the margin of the providers outside
    /// the network on the clients they took over, summed over the years (EUR, over runs).
    pub outside: Option<Outside>,
    /// Per financier: what the agreement puts at risk year by year.
    pub exposure: Vec<Exposure>,
    /// Per rule tally and partner (`tally.<name>.<partner>`) that is not zero in every run:
    /// its amount summed over the years at the 95th percentile of the runs, EUR.
    pub clause_amounts: Vec<(String, f64)>,
}

/// A financier's exposure in the agreement: its position's change in each year (what the
/// agreement gained or cost it that year, as it counts: money, or money and care), in cash and
/// against its own budget, and the deepest fall of its cumulative position.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    pub financier: String,
    pub years: Vec<YearExposure>,
    /// The largest fall of the cumulative position from an earlier high (the start counting
    /// as 0) within the period: its median and 95th percentile over runs, EUR (positive).
    pub max_drawdown_p50: f64,
    pub max_drawdown_p95: f64,
}

/// One year of a financier's exposure, EUR of that year.
#[derive(Debug, Clone, Serialize)]
pub struct YearExposure {
    pub year: i32,
    /// The year's change of its position: median, 5th percentile (a bad year, one in twenty)
    /// and the mean of its worst 5 % of runs (expected shortfall).
    pub p50: f64,
    pub p5: f64,
    pub expected_shortfall: f64,
    /// Its own budget that year (median over runs), to read the figures against.
    pub budget: f64,
}

/// The mean of the worst 5 % of `xs` (at least one run).
fn shortfall(xs: &[f64]) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    let k = (xs.len() as f64 * 0.05).ceil().max(1.0) as usize;
    xs[..k].iter().sum::<f64>() / k as f64
}

/// Financier `id`'s exposure in study `s`; `None` when the study lacks its series.
fn exposure(s: &Study, id: &str, value: Counting) -> Option<Exposure> {
    let metric = value.position(id);
    let runs = s
        .outcomes
        .get(NETWORK, &metric, *s.outcomes.years.first()?)?
        .len();
    let (mut last, mut peak, mut drawdown) =
        (vec![0.0; runs], vec![0.0_f64; runs], vec![0.0_f64; runs]);
    let mut years = Vec::new();
    for &y in &s.outcomes.years {
        let cumulative = s.outcomes.get(NETWORK, &metric, y)?;
        let change: Vec<f64> = cumulative.iter().zip(&last).map(|(c, l)| c - l).collect();
        for r in 0..runs {
            peak[r] = peak[r].max(cumulative[r]);
            drawdown[r] = drawdown[r].max(peak[r] - cumulative[r]);
        }
        last.copy_from_slice(&cumulative);
        let summary = Summary::of(&change);
        let budget = s
            .outcomes
            .get(NETWORK, &format!("budget.eur.{id}"), y)
            .map_or(f64::NAN, |b| Summary::of(b).p50);
        years.push(YearExposure {
            year: y,
            p50: summary.p50,
            p5: summary.p5,
            expected_shortfall: shortfall(&change),
            budget,
        });
    }
    let d = Summary::of(&drawdown);
    Some(Exposure {
        financier: id.to_string(),
        years,
        max_drawdown_p50: d.p50,
        max_drawdown_p95: d.p95,
    })
}

/// Clients handed to providers outside the network by partners that left.
#[derive(Debug, Clone, Serialize)]
pub struct Outside {
    pub left: Vec<(String, i32)>,
    pub margin: Summary,
}

/// A stress test: the base and each shock.
#[derive(Debug, Clone, Serialize)]
pub struct Stress {
    /// Side by side, the base first, with paired differences against it.
    pub comparison: Comparison,
    /// The base first, then each shock in the file's order.
    pub shocks: Vec<ShockResult>,
}

/// The shocks of a scenario's own `stress:` key (a list like a stress file's `shocks:`).
#[derive(Debug, Deserialize)]
struct InScenario {
    #[serde(default)]
    stress: Option<Vec<ShockFile>>,
}

/// What a stress test judges its studies by, beside their runs: per study (the base first),
/// the study its loss is measured against, what it changes, and the providers that leave the
/// region in it. A shard of a stress test records it, so that `kloof merge` judges the merged
/// studies as `kloof stress` does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub against: Vec<usize>,
    pub changes: Vec<Vec<Change>>,
    pub exits_market: Vec<Vec<(String, i32)>>,
}

/// Reads a stress set: the base and, after it, the scenario under each shock, with the
/// [`Plan`] they are judged by. The shocks come from the file `set`, or without it from the
/// scenario's own `stress:` key.
pub fn plan(
    base: &Source,
    set: Option<&std::path::Path>,
    options: &Options,
) -> Result<(Vec<Source>, Plan), Error> {
    let Shocked {
        sources,
        against,
        changes,
    } = shocked_with_changes(base, set, options)?;
    let exits_market = sources.iter().map(|s| s.exits_market.clone()).collect();
    Ok((
        sources,
        Plan {
            against,
            changes,
            exits_market,
        },
    ))
}

/// Reads a stress set and runs the base and every shock with the same runs and seed. The
/// shocks come from the file `set`, or without it from the scenario's own `stress:` key.
/// `progress(n, total)` hears of `n` more finished runs of `total` (runs times studies).
pub fn run(
    base: &Source,
    set: Option<&std::path::Path>,
    options: &Options,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(Vec<Study>, Stress), Error> {
    let (sources, plan) = plan(base, set, options)?;
    let runs = match options.runs {
        Some(r) => r,
        None => base.parse()?.monte_carlo.runs,
    };
    let total = runs * sources.len() as u64;
    let studies = crate::study::run_together(&sources, options, &|n| progress(n, total))?;
    let stress = judge(&studies, plan, options.value);
    Ok((studies, stress))
}

/// The stress test the `studies` of `plan` make (the base first), each partner's result
/// counted as `value` says.
pub fn judge(studies: &[Study], plan: Plan, value: Counting) -> Stress {
    let comparison = crate::compare::compare(studies, value);
    let shocks = studies
        .iter()
        .zip(&plan.exits_market)
        .zip(&plan.against)
        .zip(plan.changes)
        .map(|(((s, exits), &a), changes)| ShockResult {
            changes,
            ..result_of(s, &studies[a], exits, value)
        })
        .collect();
    Stress { comparison, shocks }
}

/// The base and, after it, the scenario under each shock of `set` (or of the scenario's own
/// `stress:` key), checked but not run: what `kloof check` validates. With each, the index
/// of the source its loss is measured against (the base's, 0, unless it says `against`).
pub fn shocked(
    base: &Source,
    set: Option<&std::path::Path>,
    options: &Options,
) -> Result<(Vec<Source>, Vec<usize>), Error> {
    shocked_with_changes(base, set, options).map(|s| (s.sources, s.against))
}

/// The base and the scenario under each shock, with the index of the source each is measured
/// against and what each changes (the base: nothing).
struct Shocked {
    sources: Vec<Source>,
    against: Vec<usize>,
    changes: Vec<Vec<Change>>,
}

/// [`shocked`], with what each source changes.
fn shocked_with_changes(
    base: &Source,
    set: Option<&std::path::Path>,
    options: &Options,
) -> Result<Shocked, Error> {
    let error = |file: &str, line: Option<usize>, m: String| ScenarioError {
        file: file.to_string(),
        line,
        column: None,
        key: String::new(),
        message: m,
    };
    let yaml_error = |file: &str, e: serde_yaml::Error| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or_default();
        error(file, e.location().map(|l| l.line()), message.to_string())
    };
    // Where the shocks are written: their file, its text, the line their list starts on and
    // the key it sits under. An overlay's scenario text is its base's, patched: no line of it
    // is a line of a file.
    let (file, text, from, prefix, shocks) = match set {
        Some(path) => {
            let file = path.display().to_string();
            let text = scenario::read_text(path, scenario::MAX_SCENARIO_BYTES)
                .map_err(|m| error(&file, None, m))?;
            scenario::check_nesting(&text).map_err(|(line, _, m)| error(&file, Some(line), m))?;
            let set: StressFile = serde_yaml::from_str(&text).map_err(|e| yaml_error(&file, e))?;
            (file, text, Some(0), "shocks", set.shocks)
        }
        None => {
            let file = base.path.clone();
            let own: InScenario =
                serde_yaml::from_str(&base.text).map_err(|e| yaml_error(&file, e))?;
            let shocks = own.stress.ok_or_else(|| {
                error(
                    &file,
                    None,
                    "the scenario has no `stress:` shocks: add them, or give a stress set \
                     with --set FILE"
                        .into(),
                )
            })?;
            let from = (base.rules_dir.is_none())
                .then(|| base.text.lines().position(|l| l.starts_with("stress:")))
                .flatten();
            (file, base.text.clone(), from, "stress", shocks)
        }
    };
    if shocks.is_empty() {
        let line = from.map(|l| l + 1);
        return Err(error(
            &file,
            line,
            format!("`{prefix}` lists no shocks: name at least one"),
        )
        .into());
    }
    let base_scenario = base.parse()?;
    let mut sources = vec![base.clone()];
    let mut against = vec![0];
    let mut changed = vec![Vec::new()];
    for (i, shock) in shocks.iter().enumerate() {
        let at = |key: &str, message: String| ScenarioError {
            file: file.clone(),
            line: from.and_then(|from| line_in_shock(&text, from, &shock.name, key)),
            column: None,
            key: format!("{prefix}.{}.{key}", shock.name),
            message,
        };
        scenario::check_scenario_name(&shock.name).map_err(|m| at("name", m))?;
        if shocks[..i].iter().any(|s| s.name == shock.name) {
            return Err(at("name", format!("two shocks are named `{}`", shock.name)).into());
        }
        let mut tree: Value =
            serde_yaml::from_str(&base.text).map_err(|e| at("", e.to_string()))?;
        let mut leaves = Leaving::default();
        let mut parts = vec![shock.clone()];
        if let Some(a) = &shock.against {
            let earlier = shocks[..i]
                .iter()
                .position(|s| &s.name == a)
                .ok_or_else(|| {
                    at(
                        "against",
                        format!("no earlier shock `{a}` to measure against"),
                    )
                })?;
            against.push(earlier + 1);
        } else {
            against.push(0);
        }
        for c in &shock.combine {
            let earlier = shocks[..i]
                .iter()
                .find(|s| &s.name == c)
                .ok_or_else(|| at("combine", format!("no earlier shock `{c}` to combine")))?;
            parts.push(earlier.clone());
        }
        for part in &parts {
            apply(&mut tree, part, &mut leaves, &base_scenario, options)
                .map_err(|(key, m)| at(&key, m))?;
        }
        let patched = serde_yaml::to_string(&tree).map_err(|e| at("", e.to_string()))?;
        scenario::parse(&patched, &file).map_err(|e| {
            at(
                "",
                format!(
                    "the shocked scenario is invalid: `{}`: {}",
                    e.key, e.message
                ),
            )
        })?;
        let mut named: Value = serde_yaml::from_str(&patched).map_err(|e| at("", e.to_string()))?;
        if let Some(m) = named.as_mapping_mut() {
            m.insert("name".into(), Value::String(shock.name.clone()));
            // A shocked scenario is the base and one shock, not a stress set of its own.
            m.remove("stress");
        }
        sources.push(Source {
            path: format!("{} (shock `{}` of {file})", base.path, shock.name),
            text: serde_yaml::to_string(&named).map_err(|e| at("", e.to_string()))?,
            rules_dir: base.dir(),
            absent: base.absent.clone(),
            leaves: leaves.agreement,
            exits_market: leaves.market,
        });
        changed.push(changes(shock));
    }
    Ok(Shocked {
        sources,
        against,
        changes: changed,
    })
}

/// The line (1-based) of the shock named `name` (at or after line index `from`) that mentions
/// `key`, or the shock's own line.
fn line_in_shock(text: &str, from: usize, name: &str, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = from
        + lines.get(from..)?.iter().position(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .strip_prefix("name:")
                .is_some_and(|n| n.trim().trim_matches(['"', '\'']) == name)
        })?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with("- name:"))
        .map_or(lines.len(), |i| start + 1 + i);
    let found = (!key.is_empty())
        .then(|| (start..end).find(|&i| lines[i].contains(key)))
        .flatten();
    Some(found.unwrap_or(start) + 1)
}

/// Applies one shock's changes to the scenario tree; an error names the key it is about.
fn apply(
    tree: &mut Value,
    shock: &ShockFile,
    leaves: &mut Leaving,
    base: &scenario::Scenario,
    options: &Options,
) -> Result<(), (String, String)> {
    let key = |k: &Value| -> Result<String, (String, String)> {
        k.as_str()
            .map(String::from)
            .ok_or_else(|| (String::new(), "every key must be a path".into()))
    };
    let number = |k: &str, v: &Value| -> Result<f64, (String, String)> {
        v.as_f64()
            .ok_or_else(|| (k.to_string(), format!("`{k}`: give a number")))
    };
    for (k, v) in &shock.set {
        let k = key(k)?;
        overlay::set(tree, &k, v.clone()).map_err(|m| (k.clone(), m))?;
    }
    for (k, v) in &shock.scale {
        let k = key(k)?;
        let f = number(&k, v)?;
        let at = overlay::at_path(tree, &k).map_err(|m| (k.clone(), m))?;
        scale(at, f).map_err(|m| (k.clone(), m))?;
    }
    for (k, v) in &shock.shift {
        let k = key(k)?;
        let a = number(&k, v)?;
        let at = overlay::at_path(tree, &k).map_err(|m| (k.clone(), m))?;
        shift(at, a).map_err(|m| (k.clone(), m))?;
    }
    for (k, v) in &shock.pin {
        let k = key(k)?;
        let p = number(&k, v)?;
        if !(0.0..=1.0).contains(&p) {
            return Err((k, format!("a percentile lies between 0 and 1, not {p}")));
        }
        let at = overlay::at_path(tree, &k).map_err(|m| (k.clone(), m))?;
        let seed = options.seed.unwrap_or(base.monte_carlo.seed);
        *at = Value::from(pin(at, p, &k, seed).map_err(|m| (k.clone(), m))?);
    }
    for (mapping, list) in [
        (&shock.leaves, &mut leaves.agreement),
        (&shock.exits_market, &mut leaves.market),
    ] {
        leaving(mapping, list, base)?;
    }
    Ok(())
}

/// Partners that leave in a stress test's shock, with the year: the agreement only (keeping
/// their contracts and clients), or the region's market as well.
#[derive(Debug, Default)]
struct Leaving {
    agreement: Vec<(String, i32)>,
    market: Vec<(String, i32)>,
}

/// Reads a shock's `leaves` or `exits_market` (partner: year) into `list`.
fn leaving(
    mapping: &Mapping,
    list: &mut Vec<(String, i32)>,
    base: &scenario::Scenario,
) -> Result<(), (String, String)> {
    for (k, v) in mapping {
        let id = k
            .as_str()
            .map(String::from)
            .ok_or_else(|| (String::new(), "every key must be a path".to_string()))?;
        let year = v
            .as_i64()
            .ok_or_else(|| (id.clone(), format!("`{id}`: give the year it leaves")))?
            as i32;
        if !base.partners.iter().any(|p| p.id.0 == id) {
            return Err((
                id.clone(),
                format!(
                    "no partner `{id}`; partners: {}",
                    base.partners
                        .iter()
                        .map(|p| p.id.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let (from, to) = (base.region.start_year, base.region.horizon);
        if !(from < year && year <= to) {
            return Err((
                id,
                format!("it leaves in {year}: give a year after {from} and at most {to}"),
            ));
        }
        list.push((id, year));
    }
    Ok(())
}

/// Distribution parameters that move with the value (location and spread); `alpha` and
/// `beta` give the shape and stay.
const SCALED: [&str; 5] = ["mean", "sd", "low", "mode", "high"];
const SHIFTED: [&str; 4] = ["mean", "low", "mode", "high"];

fn is_dist(m: &Mapping) -> bool {
    m.contains_key("dist")
}

/// A beta distribution without `low`/`high` lies on 0..1: make that explicit before moving it.
fn explicit_support(m: &mut Mapping) {
    if m.get("dist").and_then(Value::as_str) == Some("beta") {
        for (k, d) in [("low", 0.0), ("high", 1.0)] {
            if !m.contains_key(k) {
                m.insert(k.into(), Value::from(d));
            }
        }
    }
}

pub(crate) fn scale(v: &mut Value, f: f64) -> Result<(), String> {
    match v {
        Value::Number(n) => {
            *v = Value::from(n.as_f64().unwrap_or(0.0) * f);
            Ok(())
        }
        Value::Mapping(m) if m.contains_key("input") => Err(
            "this number is a shared input: scale `inputs.<name>` instead, for every place that uses it".into(),
        ),
        Value::Mapping(m) if is_dist(m) => {
            explicit_support(m);
            for k in SCALED {
                if let Some(x) = m.get_mut(k) {
                    let y = x.as_f64().ok_or("a distribution parameter is not a number")? * f;
                    *x = Value::from(y);
                }
            }
            if f < 0.0 {
                return Err("scale by a factor of at least 0".into());
            }
            Ok(())
        }
        Value::Mapping(m) => m.values_mut().try_for_each(|x| scale(x, f)),
        Value::Sequence(s) => s.iter_mut().try_for_each(|x| scale(x, f)),
        _ => Err("there is no number here to scale".into()),
    }
}

fn shift(v: &mut Value, a: f64) -> Result<(), String> {
    match v {
        Value::Number(n) => {
            *v = Value::from(n.as_f64().unwrap_or(0.0) + a);
            Ok(())
        }
        Value::Mapping(m) if is_dist(m) => {
            explicit_support(m);
            for k in SHIFTED {
                if let Some(x) = m.get_mut(k) {
                    let y = x
                        .as_f64()
                        .ok_or("a distribution parameter is not a number")?
                        + a;
                    *x = Value::from(y);
                }
            }
            Ok(())
        }
        _ => {
            Err("shift a single number or distribution (for a group of numbers, use scale)".into())
        }
    }
}

/// The `p`-th percentile of the distribution at `v` (a number is its own percentile).
fn pin(v: &Value, p: f64, path: &str, seed: u64) -> Result<f64, String> {
    if let Some(x) = v.as_f64() {
        return Ok(x);
    }
    if v.get("input").is_some() {
        return Err("this number is a shared input: pin `inputs.<name>` instead".into());
    }
    let q = Quantity::deserialize(v.clone()).map_err(|e| e.to_string())?;
    let mut rng = stream(seed, 0, key_hash(&format!("stress.pin.{path}")), None);
    let mut xs: Vec<f64> = (0..PIN_DRAWS).map(|_| q.sample(&mut rng)).collect();
    xs.sort_by(f64::total_cmp);
    Ok(xs[((PIN_DRAWS - 1) as f64 * p).round() as usize])
}

/// A partner's own result in the network, summed over the years, per run (EUR of each year):
/// for a financier its budget less its cost (contract payments and transfers), so that a rise
/// in prices its budget follows is no loss (the budget without the agreement's on-top
/// transition money, which is a cost); for a provider its margin on care; for everyone
/// plus what it received through the agreement, less what it paid. Unlike its position, which
/// is measured against the baseline under the same shock, this shows what the shock itself
/// costs it. Only the years before `until` count: a provider that leaves the market is judged
/// on its years in it, not on the clients it hands to providers outside the network (one that
/// only leaves the agreement keeps its contracts, and every year counts).
fn result(s: &Study, id: &str, until: i32, value: Counting) -> Option<Vec<f64>> {
    let mut total: Option<Vec<f64>> = None;
    // Counting care too, the value of the care gained credited to the partner by its last
    // year in the network: its benefit less its position, both summed from the start.
    let care = match value {
        Counting::Money => None,
        Counting::Benefit => {
            let last = *s.outcomes.years.iter().rfind(|&&y| y < until)?;
            let get = |m: String| s.outcomes.get(NETWORK, &m, last);
            let (benefit, net) = (get(value.position(id))?, get(Counting::Money.position(id))?);
            Some(
                benefit
                    .iter()
                    .zip(net.iter())
                    .map(|(b, n)| b - n)
                    .collect::<Vec<_>>(),
            )
        }
    };
    for &y in s.outcomes.years.iter().filter(|&&y| y < until) {
        let get = |m: String| s.outcomes.get(NETWORK, &m, y);
        let received = get(format!("partner.{id}.received"))?;
        // Intervention money pays for work done at cost: neither a gain nor, when it stops,
        // a loss.
        let work = get(format!("partner.{id}.interventions"))?;
        let cost = get(format!("partner.{id}.cost"))?;
        let margin = get(format!("margin.eur.{id}"));
        // The budget without the agreement: transition money a financier puts in on top of
        // its budget is its own money spent, not a budget that grew.
        let budget = s.outcomes.get(BASELINE, &format!("budget.eur.{id}"), y);
        let year: Vec<f64> = (0..received.len())
            .map(|r| {
                received[r] - work[r] - cost[r]
                    + margin.as_ref().map_or(0.0, |m| m[r])
                    + budget.as_ref().map_or(0.0, |b| b[r])
            })
            .collect();
        match &mut total {
            None => total = Some(year),
            Some(t) => t.iter_mut().zip(&year).for_each(|(t, x)| *t += x),
        }
    }
    if let (Some(t), Some(care)) = (&mut total, care) {
        t.iter_mut().zip(care).for_each(|(t, c)| *t += c);
    }
    total
}

/// The network's `metric` summed over the years, per run; `None` when the study lacks it.
fn summed(s: &Study, metric: &str) -> Option<Vec<f64>> {
    let mut total: Option<Vec<f64>> = None;
    for &y in &s.outcomes.years {
        let x = s.outcomes.get(NETWORK, metric, y)?;
        match &mut total {
            None => total = Some(x.to_vec()),
            Some(t) => t.iter_mut().zip(x.iter()).for_each(|(t, x)| *t += x),
        }
    }
    total
}

/// Tail, clauses and who carries the loss of one study against the base; `exits` are the
/// providers that leave the market in the study, with the year. What the shock changes is
/// known to the caller, which read the stress set, and left empty here.
fn result_of(s: &Study, base: &Study, exits: &[(String, i32)], value: Counting) -> ShockResult {
    let h = s.manifest.provenance.horizon;
    // The partners of one legal entity are one party.
    let parties = s.scenario.parties();
    let expected_shortfall = parties
        .iter()
        .filter_map(|p| {
            let net = s.outcomes.get(NETWORK, &value.party(p), h)?;
            Some((p.name.clone(), shortfall(&net)))
        })
        .collect();
    let exposure = s
        .scenario
        .partners
        .iter()
        .filter(|p| p.role == scenario::Role::Financier)
        .filter_map(|p| exposure(s, &p.id.0, value))
        .collect();
    let clause_amounts = s
        .outcomes
        .catalogue
        .series
        .iter()
        .filter(|x| x.variant == NETWORK && x.metric.starts_with("tally."))
        .filter_map(|x| {
            let total = summed(s, &x.metric)?;
            total
                .iter()
                .any(|&t| t != 0.0)
                .then(|| (x.metric.clone(), Summary::of(&total).p95))
        })
        .collect();
    let clauses = s
        .outcomes
        .catalogue
        .series
        .iter()
        .filter(|x| x.variant == NETWORK)
        .filter_map(|x| {
            let name = x.metric.strip_prefix("event.")?;
            // Each year's values looked up once, not once per run.
            let years: Vec<std::borrow::Cow<[f64]>> = s
                .outcomes
                .years
                .iter()
                .filter_map(|&y| s.outcomes.get(NETWORK, &x.metric, y))
                .collect();
            let runs = years.first()?.len();
            let fired = (0..runs)
                .filter(|&r| years.iter().any(|v| v[r] > 0.0))
                .count();
            Some((name.to_string(), fired as f64 / runs.max(1) as f64))
        })
        .collect();
    let carries_the_loss = parties
        .iter()
        .filter_map(|party| {
            let mut d = 0.0;
            for id in &party.members {
                let until = exits
                    .iter()
                    .find(|(p, _)| p == id)
                    .map_or(i32::MAX, |&(_, y)| y);
                let (a, b) = (
                    result(s, id, until, value)?,
                    result(base, id, until, value)?,
                );
                d += Summary::of(a.iter().zip(&b).map(|(a, b)| a - b).collect::<Vec<_>>()).mean;
            }
            Some((party.name.clone(), d))
        })
        .filter(|(_, d)| *d < -LOSS)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let outside = summed(s, "margin.eur.outside").map(|m| Outside {
        left: exits.to_vec(),
        margin: Summary::of(&m),
    });
    ShockResult {
        name: s.scenario.name.clone(),
        changes: Vec::new(),
        against: base.scenario.name.clone(),
        expected_shortfall,
        clauses,
        carries_the_loss,
        outside,
        exposure,
        clause_amounts,
    }
}
