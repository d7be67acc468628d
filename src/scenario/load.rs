//! Reading a scenario file: YAML in, a checked [`Scenario`] or an error naming file, line and key.

use std::fmt;

use super::Scenario;
use super::ranges::MAX_YEARS;
use super::refs::{Known, with_known};

/// Why a scenario could not be read. Displays as `file:line:column: key: message`, the form
/// editors and terminals turn into a link.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based line and column, when the error has a place in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The dotted path of the key at fault (`domains[2].growth.volume`), empty for the file.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        if !self.key.is_empty() {
            write!(f, ": `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// The largest scenario file kloof reads, 1 MiB: the national scenario is about 25 KB, and a
/// bound keeps a wrong path (a log, a disk image) from filling memory.
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;
/// The largest rule file kloof reads, 256 KiB (the shipped rules are a few KB each).
pub const MAX_RULE_BYTES: u64 = 256 << 10;

/// Reads a text file of at most `max_bytes`, never more than that into memory. The message
/// (for the caller to put after the file's name) never quotes the file's content.
pub fn read_text(path: &std::path::Path, max_bytes: u64) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut text = String::new();
    file.take(max_bytes + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if text.len() as u64 > max_bytes {
        return Err(format!(
            "the file is larger than {} KiB, the most kloof reads",
            max_bytes >> 10
        ));
    }
    Ok(text)
}

/// Checks a scenario given as text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    // First reading: the shape of the file, and the ids references may name.
    let first = read(text, file)?;
    let known = Known {
        start_year: first.region.start_year,
        population: first
            .region
            .population
            .0
            .iter()
            .map(|(r, q)| (*r, q.span().0.max(0.0)))
            .collect(),
        domains: first.domains.iter().map(|d| d.id.0.clone()).collect(),
        partners: first
            .partners
            .iter()
            .map(|p| (p.id.0.clone(), p.role))
            .collect(),
        interventions: first.interventions.iter().map(|i| i.id.0.clone()).collect(),
        inputs: first
            .inputs
            .0
            .iter()
            .map(|(n, q)| (n.0.clone(), q.0.clone()))
            .collect(),
        ..Known::default()
    };
    // Second reading: every reference and id checked at its own line.
    let scenario = with_known(known, || read(text, file))?;
    check_whole(&scenario).map_err(|(key, message)| {
        let line = locate(text, &key);
        ScenarioError {
            file: file.to_string(),
            line,
            column: None,
            key: key.join("."),
            message,
        }
    })?;
    super::economics::check(&scenario).map_err(|f| ScenarioError {
        file: file.to_string(),
        line: locate_item(text, f.section, &f.id, f.field),
        column: None,
        key: format!("{}.{}.{}", f.section, f.id, f.field),
        message: f.message,
    })?;
    Ok(scenario)
}

fn read(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let de = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let loc = inner.location();
        // serde_yaml appends " at line L column C"; we show the place in front instead.
        let mut message = inner.to_string();
        if let Some(i) = message.find(" at line ") {
            message.truncate(i);
        }
        // serde_yaml also puts its own path in front of the message; the key is shown apart.
        if let Some((head, rest)) = message.split_once(": ")
            && !head.contains(' ')
            && key.starts_with(head)
        {
            message = rest.to_string();
        }
        let (mut line, mut column) = (
            loc.as_ref().map(|l| l.line()),
            loc.as_ref().map(|l| l.column()),
        );
        // Errors raised on a scalar are sometimes placed at the start of the enclosing item;
        // move to the key's own line when it follows closely.
        if let (Some(l), Some(field)) = (line, key.rsplit('.').next().filter(|f| !f.contains('[')))
            && let Some((n, c)) = find_key_after(text, l, field)
        {
            (line, column) = (Some(n), Some(c));
        }
        ScenarioError {
            file: file.to_string(),
            line,
            column,
            key: if key == "." { String::new() } else { key },
            message,
        }
    })
}

/// The horizon (the scenario's, or `--horizon`'s) lies after the start year and at most
/// [`MAX_YEARS`] after it.
pub fn check_horizon(start_year: i32, horizon: i32) -> Result<(), String> {
    if horizon <= start_year || horizon > start_year + MAX_YEARS {
        return Err(format!(
            "the horizon {horizon} must lie after the start year {start_year} and at most \
             {MAX_YEARS} years after it (up to {})",
            start_year + MAX_YEARS
        ));
    }
    Ok(())
}

/// Checks that span several keys; returns the key path at fault and the message.
fn check_whole(s: &Scenario) -> Result<(), (Vec<&'static str>, String)> {
    let r = &s.region;
    check_horizon(r.start_year, r.horizon).map_err(|m| (vec!["region", "horizon"], m))?;
    if s.monte_carlo.runs == 0 {
        return Err((
            vec!["monte_carlo", "runs"],
            "at least one run is needed".into(),
        ));
    }
    if s.domains.is_empty() {
        return Err((
            vec!["domains"],
            "a scenario needs at least one care domain".into(),
        ));
    }
    if let Some(t) = &s.transition_budget
        && t.to_year < t.from_year
    {
        return Err((
            vec!["transition_budget", "to_year"],
            format!(
                "to_year {} lies before from_year {}",
                t.to_year, t.from_year
            ),
        ));
    }
    for p in &s.partners {
        if let Some(y) = p
            .budget
            .as_ref()
            .and_then(|b| b.path.keys().find(|y| **y <= r.start_year))
        {
            return Err((
                vec!["partners"],
                format!(
                    "partner `{}`: budget path year {y} must lie after the start year {} (a \
                     path gives the growth into each year)",
                    p.id, r.start_year
                ),
            ));
        }
    }
    let (young, old) = (&r.mortality.young, &r.mortality.old);
    if young.age >= old.age {
        return Err((
            vec!["region", "mortality", "old"],
            "the `old` anchor must be at a higher age than the `young` one".into(),
        ));
    }
    Ok(())
}

/// The line and column of `field:` at or shortly after line `from` (1-based).
fn find_key_after(text: &str, from: usize, field: &str) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from - 1)
        .take(12)
        .find_map(|(n, line)| {
            // Keys like `65+` are often quoted.
            let at = [
                format!("{field}:"),
                format!("\"{field}\":"),
                format!("'{field}':"),
            ]
            .iter()
            .find_map(|k| line.find(k.as_str()))?;
            let before = &line[..at];
            let starts_key =
                before.trim().is_empty() || before.trim_end().ends_with(['{', ',', '-']);
            starts_key.then_some((n + 1, at + 1))
        })
}

/// The line of a key path in block-style YAML (`region` then `horizon` below it), for checks
/// made after reading. Falls back to the line of the deepest key found.
fn locate(text: &str, path: &[&str]) -> Option<usize> {
    let mut found = None;
    let mut depth = 0;
    let mut min_indent = 0;
    for (n, line) in text.lines().enumerate() {
        if depth == path.len() {
            break;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let key = trimmed.trim_start_matches("- ");
        if indent >= min_indent
            && key.starts_with(path[depth])
            && key[path[depth].len()..].starts_with(':')
        {
            found = Some(n + 1);
            depth += 1;
            min_indent = indent + 1;
        }
    }
    found
}

/// The line of `field:` in the item with id `id` of the top-level list `section` (block-style
/// YAML, `- id: <id>`), or of the item itself.
fn locate_item(text: &str, section: &str, id: &str, field: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(section) && l[section.len()..].starts_with(':'))?;
    let is_item = |l: &str, id: &str| {
        let t = l.trim_start().trim_start_matches("- ").trim_start();
        t.strip_prefix("id:").is_some_and(|rest| {
            rest.split('#')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches(['"', '\''])
                == id
        })
    };
    let item = (start..lines.len()).find(|&n| is_item(lines[n], id))?;
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(lines[item]);
    let field_line = (item + 1..lines.len())
        .take_while(|&n| {
            let l = lines[n];
            l.trim().is_empty()
                || l.trim_start().starts_with('#')
                || indent(l) >= own && !l.trim_start().starts_with("- id:")
        })
        .find(|&n| lines[n].trim_start().starts_with(&format!("{field}:")));
    Some(field_line.unwrap_or(item) + 1)
}
