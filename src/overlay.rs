//! Overlays: a small YAML file that names a base scenario and changes it by path, so that an
//! agreement variant (another sharing key, a ceiling, a partner staying out) is a few lines
//! beside the scenario instead of a copy of it.
//!
//! ```yaml
//! base: ../ruwaard.yaml                  # relative to this file
//! name: ruwaard-key-50-25-25             # optional; default: this file's stem
//! set:                                   # a value by its path, ids for list items
//!   rules.shared_savings.params.residents: 0.25
//!   domains.wmo_pilot.contract: {type: fee_for_service}
//! remove: [rules.no_cost_shifting]       # list items or map keys
//! add:                                   # items appended to a list
//!   rules:
//!     - {file: ../../rules/waterbed.rhai, params: {domains: [wmo_pilot], share: 0.1, delay: 1}}
//! not_taking_part: [thuiszorg]           # partners that stay out of the agreement
//! ```
//!
//! A path's segments are map keys; in a list they name an item by its `id`, a rule by its
//! file's stem (`shared_savings`; `shared_savings#2` for a second use of the same file), or an
//! index. Each change is applied and the scenario re-read after it, so a change that makes the
//! scenario invalid is reported at the overlay's own line and key. Inputs keep their random
//! streams (they are keyed by path, not position), so an overlay differs from its base only
//! where it changes something.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::{Mapping, Value};

use crate::scenario::{self, ScenarioError};

/// Whether a YAML text is an overlay (a top-level `base:`) rather than a scenario. A text the
/// YAML reader refuses (a key written twice under `set:`) is judged by its lines, so that the
/// overlay's own reading reports what is wrong instead of the scenario reader's "unknown field
/// `base`".
pub fn is_overlay(text: &str) -> bool {
    match serde_yaml::from_str::<Value>(text) {
        Ok(v) => v.as_mapping().is_some_and(|m| m.contains_key("base")),
        Err(_) => text.lines().any(|l| l.starts_with("base:")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayFile {
    base: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    set: Mapping,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    add: Mapping,
    #[serde(default)]
    not_taking_part: Vec<String>,
}

/// One change of an overlay, with where the overlay writes it.
struct Change<'a> {
    what: &'static str,
    path: &'a str,
    line: Option<usize>,
}

/// Reads the overlay at `path` (text `text`) onto its base: the scenario it makes, with the
/// rules found from the base's folder and the partners that do not take part.
pub fn apply(path: &Path, text: &str) -> Result<Applied, ScenarioError> {
    let at = at(path);
    let overlay = read(path, text)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base_path = dir.join(&overlay.base);
    let base_text = scenario::read_text(&base_path, scenario::MAX_SCENARIO_BYTES)
        .map_err(|m| at(line_of(text, "base"), "base", m))?;
    scenario::check_nesting_of(&base_text, &base_path.display().to_string())?;
    if is_overlay(&base_text) {
        return Err(at(
            line_of(text, "base"),
            "base",
            format!(
                "`{}` is an overlay itself; an overlay's base must be a scenario",
                overlay.base
            ),
        ));
    }
    on_base(path, text, overlay, &base_path, &base_text)
}

/// Applies the overlay `text` (named `path`) to a base scenario already read, `base_text`
/// from `base_path`, whatever its `base:` says: `kloof serve` holds its scenario in memory
/// and applies the page's settings to it exactly as `kloof run` applies them from a file.
pub fn apply_on(
    path: &Path,
    text: &str,
    base_path: &Path,
    base_text: &str,
) -> Result<Applied, ScenarioError> {
    let overlay = read(path, text)?;
    on_base(path, text, overlay, base_path, base_text)
}

/// How an error at `line` and `key` of the overlay at `path` reads.
fn at(path: &Path) -> impl Fn(Option<usize>, &str, String) -> ScenarioError {
    let file = path.display().to_string();
    move |line, key, message| ScenarioError {
        file: file.clone(),
        line,
        column: None,
        key: key.to_string(),
        message,
    }
}

fn read(path: &Path, text: &str) -> Result<OverlayFile, ScenarioError> {
    serde_yaml::from_str(text).map_err(|e| {
        at(path)(
            e.location().map(|l| l.line()),
            "",
            e.to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_string(),
        )
    })
}

fn on_base(
    path: &Path,
    text: &str,
    overlay: OverlayFile,
    base_path: &Path,
    base_text: &str,
) -> Result<Applied, ScenarioError> {
    let file = path.display().to_string();
    let at = at(path);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base_file = base_path.display().to_string();
    scenario::parse(base_text, &base_file)?;
    let mut tree: Value = serde_yaml::from_str(base_text).map_err(|e| ScenarioError {
        file: base_file.clone(),
        line: e.location().map(|l| l.line()),
        column: None,
        key: String::new(),
        message: e.to_string(),
    })?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("overlay")
        .to_string();
    let mut top = vec![("name", Value::String(overlay.name.clone().unwrap_or(stem)))];
    if let Some(t) = &overlay.title {
        top.push(("title", Value::String(t.clone())));
    }
    for (k, v) in top {
        if let Some(m) = tree.as_mapping_mut() {
            m.insert(Value::String(k.into()), v);
        }
    }
    let reread = |tree: &Value, c: &Change| -> Result<(), ScenarioError> {
        let text = serde_yaml::to_string(tree).map_err(|e| at(c.line, c.path, e.to_string()))?;
        scenario::parse(&text, &file).map(drop).map_err(|e| {
            at(
                c.line,
                c.path,
                format!(
                    "{} `{}` makes the scenario invalid: {}{}",
                    c.what,
                    c.path,
                    if e.key.is_empty() {
                        String::new()
                    } else {
                        format!("`{}`: ", e.key)
                    },
                    e.message
                ),
            )
        })
    };
    for (k, v) in &overlay.set {
        let key = k.as_str().ok_or_else(|| {
            at(
                None,
                "set",
                "set: every key must be a path like `rules.shared_savings.params.residents`".into(),
            )
        })?;
        let c = Change {
            what: "set",
            path: key,
            line: line_of(text, key),
        };
        new_rule_param(&tree, key, base_path).map_err(|m| at(c.line, key, m))?;
        set(&mut tree, key, v.clone()).map_err(|m| at(c.line, key, m))?;
        reread(&tree, &c)?;
    }
    for key in &overlay.remove {
        let c = Change {
            what: "remove",
            path: key,
            line: line_of_item(text, key),
        };
        remove(&mut tree, key).map_err(|m| at(c.line, key, m))?;
        reread(&tree, &c)?;
    }
    for (k, v) in &overlay.add {
        let key = k.as_str().ok_or_else(|| {
            at(
                None,
                "add",
                "add: every key must be a path to a list".into(),
            )
        })?;
        let c = Change {
            what: "add",
            path: key,
            line: line_of(text, key),
        };
        let mut items = v
            .as_sequence()
            .cloned()
            .ok_or_else(|| at(c.line, key, "add: give a list of items to append".into()))?;
        if key == "rules" {
            for item in &mut items {
                rule_file_from(item, &dir);
            }
        }
        add(&mut tree, key, items).map_err(|m| at(c.line, key, m))?;
        reread(&tree, &c)?;
    }
    let patched = serde_yaml::to_string(&tree).map_err(|e| at(None, "", e.to_string()))?;
    let s = scenario::parse(&patched, &file)?;
    for id in &overlay.not_taking_part {
        if !s.partners.iter().any(|p| p.id.0 == *id) {
            return Err(at(
                line_of_item(text, id),
                "not_taking_part",
                format!(
                    "no partner `{id}`; partners: {}",
                    s.partners
                        .iter()
                        .map(|p| p.id.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(Applied {
        path: file.clone(),
        text: patched,
        rules_dir: base_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        absent: overlay.not_taking_part,
    })
}

/// An overlay applied: the patched scenario's text, named by the overlay's path, with the
/// folder its rules are found from (the base's) and the partners that do not take part. The
/// study turns it into its source; the overlay knows nothing of studies.
#[derive(Debug, Clone)]
pub struct Applied {
    pub path: String,
    pub text: String,
    pub rules_dir: std::path::PathBuf,
    pub absent: Vec<String>,
}

/// A rule the overlay adds names its file relative to the overlay; the scenario's rules are
/// found from the base's folder, so the overlay's own are made absolute.
fn rule_file_from(item: &mut Value, dir: &Path) {
    if let Some(f) = item.get_mut("file")
        && let Some(name) = f.as_str()
    {
        let p: PathBuf = dir.join(name);
        let p = p.canonicalize().unwrap_or(p);
        *f = Value::String(p.display().to_string());
    }
}

/// A parameter the overlay gives a rule that the base does not: the rule's file must read it
/// (`params.<name>` or `"<name>"` in its text), or the overlay has misspelt it, and the rule
/// would run as if it were not there.
fn new_rule_param(tree: &Value, path: &str, base: &Path) -> Result<(), String> {
    let segs: Vec<&str> = path.split('.').collect();
    let [first, rule, params, name] = segs.as_slice() else {
        return Ok(());
    };
    if *first != "rules" || *params != "params" {
        return Ok(());
    }
    let Some(item) = tree
        .get("rules")
        .and_then(Value::as_sequence)
        .and_then(|rules| find(rules, rule).map(|i| &rules[i]))
    else {
        return Ok(());
    };
    if item.get("params").and_then(|p| p.get(*name)).is_some() {
        return Ok(());
    }
    let Some(file) = item.get("file").and_then(Value::as_str) else {
        return Ok(());
    };
    let dir = base.parent().unwrap_or(Path::new(""));
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
    if text.contains(&format!("params.{name}")) || text.contains(&format!("\"{name}\"")) {
        Ok(())
    } else {
        Err(format!(
            "the rule `{file}` reads no parameter `{name}` (a misspelt name?)"
        ))
    }
}

/// The first line (1-based) that writes `key:` as a map key.
pub(crate) fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            [
                format!("{key}:"),
                format!("\"{key}\":"),
                format!("'{key}':"),
            ]
            .iter()
            .any(|k| t.starts_with(k.as_str()))
        })
        .map(|i| i + 1)
}

/// The first line (1-based) that names `item` in a list.
fn line_of_item(text: &str, item: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.split(|c: char| !(c.is_alphanumeric() || "._#+-".contains(c)))
                .any(|w| w == item)
                && !l.trim_start().starts_with('#')
        })
        .map(|i| i + 1)
}

/// The stem of a rule's file, as a path segment names it.
fn rule_stem(item: &Value) -> Option<String> {
    let f = item.get("file")?.as_str()?;
    Path::new(f)
        .file_stem()
        .and_then(|s| s.to_str())
        .map(String::from)
}

/// The index of the list item `seg` names: by `id`, by a rule file's stem (`name#2` for the
/// second of that file), or by position.
fn find(list: &[Value], seg: &str) -> Option<usize> {
    if let Some(i) = list
        .iter()
        .position(|x| x.get("id").and_then(Value::as_str) == Some(seg))
    {
        return Some(i);
    }
    let (stem, nth) = match seg.split_once('#') {
        Some((s, n)) => (s, n.parse::<usize>().ok()?),
        None => (seg, 1),
    };
    let by_stem: Vec<usize> = list
        .iter()
        .enumerate()
        .filter(|(_, x)| rule_stem(x).as_deref() == Some(stem))
        .map(|(i, _)| i)
        .collect();
    if let Some(&i) = by_stem.get(nth.wrapping_sub(1)) {
        return Some(i);
    }
    seg.parse::<usize>().ok().filter(|&i| i < list.len())
}

/// What a path segment could have named at this level: for an error message.
fn names_here(v: &Value) -> String {
    let names: Vec<String> = match v {
        Value::Mapping(m) => m
            .keys()
            .filter_map(|k| k.as_str().map(String::from))
            .collect(),
        Value::Sequence(s) => s
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.get("id")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .or_else(|| rule_stem(x))
                    .unwrap_or_else(|| i.to_string())
            })
            .collect(),
        _ => Vec::new(),
    };
    if names.is_empty() {
        "nothing (it is a single value)".into()
    } else {
        names.join(", ")
    }
}

/// The value at `segs` under `v`, or why not.
fn walk<'v>(mut v: &'v mut Value, segs: &[&str]) -> Result<&'v mut Value, String> {
    let mut done: Vec<&str> = Vec::new();
    for seg in segs {
        let here = if done.is_empty() {
            "the scenario".to_string()
        } else {
            format!("`{}`", done.join("."))
        };
        let known = names_here(v);
        v = match v {
            Value::Mapping(m) => m
                .get_mut(*seg)
                .ok_or_else(|| format!("{here} has no `{seg}`; it has {known}"))?,
            Value::Sequence(s) => {
                let i = find(s, seg)
                    .ok_or_else(|| format!("{here} has no item `{seg}`; it has {known}"))?;
                &mut s[i]
            }
            _ => return Err(format!("{here} is a single value, not a map or list")),
        };
        done.push(seg);
    }
    Ok(v)
}

/// The value at a dotted `path` (see the module documentation), for other kinds of change
/// (a stress test's scale, shift or pin).
pub(crate) fn at_path<'v>(tree: &'v mut Value, path: &str) -> Result<&'v mut Value, String> {
    let (parents, last) = split(path)?;
    let mut segs = parents;
    segs.push(last);
    walk(tree, &segs)
}

fn split(path: &str) -> Result<(Vec<&str>, &str), String> {
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err("a path is names joined by dots".to_string());
    }
    let (last, parents) = segs.split_last().ok_or("an empty path")?;
    Ok((parents.to_vec(), last))
}

/// What kind of value a YAML value is, as far as a scenario's reader is concerned: a number
/// and a distribution are both numbers.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Number(_) | Value::Bool(_) => "a number",
        Value::Mapping(m) if m.contains_key("dist") || m.contains_key("input") => "a number",
        Value::Mapping(_) => "a map",
        Value::String(_) => "a text",
        Value::Sequence(_) => "a list",
        Value::Null => "empty",
        Value::Tagged(_) => "a tagged value",
    }
}

pub(crate) fn set(tree: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (parents, last) = split(path)?;
    let parent = walk(tree, &parents)?;
    let known = names_here(parent);
    let slot = match parent {
        Value::Mapping(m) => {
            if !m.contains_key(last) {
                m.insert(Value::String(last.into()), value);
                return Ok(());
            }
            m.get_mut(last)
        }
        Value::Sequence(s) => find(s, last).map(|i| &mut s[i]),
        _ => None,
    };
    let slot = slot.ok_or_else(|| format!("no item `{last}` to set; there is {known}"))?;
    let (was, now) = (kind(slot), kind(&value));
    if was != now && was != "empty" {
        return Err(format!(
            "it is {was} in the base scenario; the overlay gives {now}"
        ));
    }
    *slot = value;
    Ok(())
}

fn remove(tree: &mut Value, path: &str) -> Result<(), String> {
    let (parents, last) = split(path)?;
    let parent = walk(tree, &parents)?;
    let known = names_here(parent);
    let removed = match parent {
        Value::Mapping(m) => m.remove(last).is_some(),
        Value::Sequence(s) => match find(s, last) {
            Some(i) => {
                s.remove(i);
                true
            }
            None => false,
        },
        _ => false,
    };
    if removed {
        Ok(())
    } else {
        Err(format!(
            "nothing named `{last}` to remove; there is {known}"
        ))
    }
}

fn add(tree: &mut Value, path: &str, items: Vec<Value>) -> Result<(), String> {
    let segs: Vec<&str> = path.split('.').collect();
    // A top-level list the base leaves out (a scenario without rules) starts empty.
    if let ([key], Value::Mapping(m)) = (segs.as_slice(), &mut *tree)
        && !m.contains_key(*key)
    {
        m.insert(Value::String((*key).into()), Value::Sequence(Vec::new()));
    }
    let target = walk(tree, &segs)?;
    match target {
        Value::Sequence(s) => {
            s.extend(items);
            Ok(())
        }
        other => Err(format!("it is {}, not a list to add to", kind(other))),
    }
}
