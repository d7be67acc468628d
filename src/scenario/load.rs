//! Reading a scenario file: YAML in, a checked [`Scenario`] or an error naming file, line and key.

use std::fmt;

use super::ranges::MAX_YEARS;
use super::refs::{Known, Soft, with_known, with_soft};
use super::{DisplayNames, Scenario};

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
            write!(f, ": `{}`", printable(&excerpted(&self.key)))?;
        }
        write!(f, ": {}", printable(&excerpted(&self.message)))
    }
}

/// The longest text an error message quotes from a file, in characters: enough for a value or
/// an id, too little to echo a file kloof was pointed at by mistake (a system file given as an
/// overlay's base reads as one long string).
const QUOTED_CHARS: usize = 32;
/// The longest error message, in characters.
const MESSAGE_CHARS: usize = 600;

/// `message` with every quoted text (`"..."`) longer than [`QUOTED_CHARS`] cut to its start,
/// and the whole cut at [`MESSAGE_CHARS`]: an error names what is wrong without disclosing the
/// file it read.
pub fn excerpted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MESSAGE_CHARS + 8));
    let mut quoted: Option<usize> = None;
    for ch in message.chars() {
        match (ch, quoted) {
            ('"', None) => {
                quoted = Some(0);
                out.push(ch);
            }
            ('"', Some(_)) => {
                quoted = None;
                out.push(ch);
            }
            (_, Some(n)) => {
                if n < QUOTED_CHARS {
                    out.push(ch);
                } else if n == QUOTED_CHARS {
                    out.push('…');
                }
                quoted = Some(n + 1);
            }
            (_, None) => out.push(ch),
        }
    }
    if out.chars().count() > MESSAGE_CHARS {
        out = out.chars().take(MESSAGE_CHARS).collect::<String>() + "…";
    }
    out
}

impl std::error::Error for ScenarioError {}

/// `text` with control characters escaped (`\u{1b}`), tabs kept (they align a caret under a
/// source line). Error messages quote what a file wrote (an id, an account, an event name), and
/// a scenario or rule must not be able to move the cursor or clear the screen of whoever reads
/// its errors.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

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

/// How deep a YAML file kloof reads may nest, in flow brackets or in indented blocks. A scenario
/// nests about ten deep; the YAML reader's time grows with the square of the depth (a 40 KB
/// file of nested brackets took 5 s to refuse), so deeper files are refused before it runs.
pub const MAX_NESTING: usize = 64;

/// Refuses YAML `text` nested deeper than [`MAX_NESTING`]: `(line, column, message)` of the
/// first place too deep. One pass over the text, outside quotes and comments.
pub fn check_nesting(text: &str) -> Result<(), (usize, usize, String)> {
    let too_deep = |line, column, what: &str| {
        Err((
            line,
            column,
            format!(
                "nested more than {MAX_NESTING} levels deep ({what}); kloof's files nest about \
                 ten deep"
            ),
        ))
    };
    let mut flow = 0usize;
    let mut indents: Vec<usize> = Vec::new();
    // The indentation of a key whose value is a block scalar (`|` or `>`): the lines below it
    // that are indented more are text, not structure.
    let mut scalar: Option<usize> = None;
    for (l, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        match scalar {
            Some(at) if body.is_empty() || indent > at => continue,
            _ => scalar = None,
        }
        let head = body.split(" #").next().unwrap_or("").trim_end();
        if flow == 0
            && ["|", ">", "|-", ">-", "|+", ">+"].iter().any(|m| {
                head.ends_with(&format!(": {m}")) || head == *m || head.ends_with(&format!("- {m}"))
            })
        {
            scalar = Some(indent);
        }
        if flow == 0 && !body.is_empty() && !body.starts_with('#') {
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
            if indents.len() > MAX_NESTING {
                return too_deep(l + 1, indent + 1, "indented blocks");
            }
        }
        let (mut single, mut double, mut escaped) = (false, false, false);
        let mut previous = ' ';
        for (c, ch) in line.chars().enumerate() {
            match ch {
                _ if escaped => escaped = false,
                '\\' if double => escaped = true,
                '"' if !single => double = !double,
                '\'' if !double => single = !single,
                '#' if !single && !double && previous.is_whitespace() => break,
                '[' | '{' if !single && !double => {
                    flow += 1;
                    if flow > MAX_NESTING {
                        return too_deep(l + 1, c + 1, "brackets");
                    }
                }
                ']' | '}' if !single && !double => flow = flow.saturating_sub(1),
                _ => {}
            }
            previous = ch;
        }
    }
    Ok(())
}

/// [`check_nesting`] of a scenario or overlay file, as a [`ScenarioError`] naming `file`.
pub fn check_nesting_of(text: &str, file: &str) -> Result<(), ScenarioError> {
    check_nesting(text).map_err(|(line, column, message)| ScenarioError {
        file: file.to_string(),
        line: Some(line),
        column: Some(column),
        key: String::new(),
        message,
    })
}

/// Checks a scenario given as text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    check_nesting_of(text, file)?;
    syntax(text, file)?;
    // First reading: the shape of the file, and the ids references may name.
    let first = read(text, file)?;
    duplicate_ids(&first, text, file)?;
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
        let path: Vec<Step> = key.iter().map(|k| Step::Key(k.to_string())).collect();
        let (line, column) = match position_of(text, &path, 1) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (locate(text, &key), None),
        };
        ScenarioError {
            file: file.to_string(),
            line,
            column,
            key: key.join("."),
            message,
        }
    })?;
    super::correlations::check(&scenario).map_err(|(i, message)| {
        let path = [Step::Key("correlations".into()), Step::Index(i)];
        let at = position_of(text, &path, 1);
        ScenarioError {
            file: file.to_string(),
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
            key: format!("correlations[{i}]"),
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

/// YAML syntax errors first, at their own place: read as a typed scenario, an unclosed `[`
/// could surface as a type error of whatever the reader was expecting (issue 8, item 7).
/// Duplicate keys are left to the typed reading, which places them at the second occurrence.
fn syntax(text: &str, file: &str) -> Result<(), ScenarioError> {
    let Err(e) = serde_yaml::from_str::<serde_yaml::Value>(text) else {
        return Ok(());
    };
    let mut message = e.to_string();
    if message.contains("duplicate entry") {
        return Ok(());
    }
    let location = e.location();
    if let Some(l) = &location {
        message = message.replacen(
            &format!(" at line {} column {}", l.line(), l.column()),
            "",
            1,
        );
    }
    for (what, bracket) in [("flow sequence", '['), ("flow mapping", '{')] {
        if message.contains(&format!("while parsing a {what}")) {
            message.push_str(&format!(" (is a `{bracket}` left open?)"));
        }
    }
    Err(ScenarioError {
        file: file.to_string(),
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        key: String::new(),
        message: format!("YAML syntax: {message}"),
    })
}

/// An id written twice, reported at its second occurrence. Checked after the first reading,
/// before references are: otherwise a reference to the id the duplicate replaced was reported
/// as unknown, earlier in the file (issue 8, item 7).
fn duplicate_ids(s: &Scenario, text: &str, file: &str) -> Result<(), ScenarioError> {
    let lists: [(&str, &str, Vec<&str>); 3] = [
        (
            "partners",
            "partner",
            s.partners.iter().map(|p| p.id.0.as_str()).collect(),
        ),
        (
            "domains",
            "domain",
            s.domains.iter().map(|d| d.id.0.as_str()).collect(),
        ),
        (
            "interventions",
            "intervention",
            s.interventions.iter().map(|i| i.id.0.as_str()).collect(),
        ),
    ];
    for (list, kind, ids) in lists {
        for (j, id) in ids.iter().enumerate() {
            let Some(first) = ids[..j].iter().position(|x| x == id) else {
                continue;
            };
            let key = format!("{list}[{j}].id");
            let path = [
                Step::Key(list.to_string()),
                Step::Index(j),
                Step::Key("id".to_string()),
            ];
            let at = position_of(text, &path, 1);
            return Err(ScenarioError {
                file: file.to_string(),
                line: at.map(|a| a.0),
                column: at.map(|a| a.1),
                key,
                message: format!("{kind} id `{id}` is used twice (also {list}[{first}])"),
            });
        }
    }
    Ok(())
}

/// The most errors [`parse_all`] reports for one file.
const MAX_ERRORS: usize = 20;

/// Checks a scenario as [`parse`] does, but reports every value out of range, unknown
/// reference and id written twice (up to 20), each at its own key, line and column,
/// followed by the error that stops reading (a missing key, a wrong type), if any: what
/// `kloof check` shows. Costs one reading per error found.
pub fn parse_all(text: &str, file: &str) -> Result<Scenario, Vec<ScenarioError>> {
    let first = match parse(text, file) {
        Ok(scenario) => return Ok(scenario),
        Err(e) => e,
    };
    let (last, failed) = with_soft(Soft::Collect, || parse(text, file));
    let mut errors: Vec<ScenarioError> = Vec::new();
    for k in 1..=failed {
        if let (Err(e), _) = with_soft(Soft::StopAt(k), || parse(text, file))
            && !errors.contains(&e)
        {
            errors.push(e);
            if errors.len() == MAX_ERRORS {
                return Err(errors);
            }
        }
    }
    if let Err(e) = last
        && !errors.contains(&e)
    {
        errors.push(e);
    }
    if errors.is_empty() {
        errors.push(first);
    }
    errors.sort_by_key(|e| (e.line, e.column));
    Err(errors)
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
        if let Some(at) = place_of(text, &key, &message) {
            (line, column) = (Some(at.0), Some(at.1));
        } else if let (Some(l), Some(field)) =
            (line, key.rsplit('.').next().filter(|f| !f.contains('[')))
            && let Some((n, c)) = find_key_after(text, l, field)
        {
            // Errors raised on a scalar are sometimes placed at the start of the enclosing
            // item; move to the key's own line when it follows closely.
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

/// Where the error about `key` belongs: the key itself (see [`position_of`]); for a key
/// written twice (`duplicate field `x``) its second occurrence inside the map `key` names; for
/// an age band that does not fit, that band's own line.
/// `None` when the text cannot be read that far (a syntax error keeps the reader's position).
fn place_of(text: &str, key: &str, message: &str) -> Option<(usize, usize)> {
    let mut path = steps(key).filter(|p| !p.is_empty() || message.contains("duplicate"))?;
    let twice = message
        .strip_prefix("duplicate field `")
        .or_else(|| message.strip_prefix("duplicate entry with key \""))
        .and_then(|rest| rest.split(['`', '"']).next());
    if let Some(field) = twice {
        path.push(Step::Key(field.to_string()));
        return position_of(text, &path, 2);
    }
    // A band that does not fit its neighbours: the band the message names, in the table.
    let band = ["age bands must", "the open band"]
        .iter()
        .any(|m| message.starts_with(m))
        .then(|| message.split('`').nth(1))
        .flatten();
    if let Some(band) = band {
        let mut at_band = path.clone();
        at_band.push(Step::Key(band.to_string()));
        if let Some(found) = position_of(text, &at_band, 1) {
            return Some(found);
        }
    }
    position_of(text, &path, 1)
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
/// Why `text` cannot be shown to a reader as it is: a control character (a newline too when
/// `one_line`) or a character that reorders what follows (right-to-left overrides and
/// isolates), which would let a scenario's words pose as the report's own.
fn unprintable(text: &str, one_line: bool) -> Option<String> {
    let bidi = |c: char| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    text.trim_end_matches('\n').chars().find_map(|c| {
        if c == '\n' && one_line {
            Some("it is one line: write it without line breaks".to_string())
        } else if (c.is_control() && c != '\n' && c != '\t') || bidi(c) {
            Some(format!(
                "it holds the character {}, which a report cannot show; remove it",
                c.escape_unicode()
            ))
        } else {
            None
        }
    })
}

fn check_whole(s: &Scenario) -> Result<(), (Vec<&'static str>, String)> {
    if let Some(why) = unprintable(&s.title, true) {
        return Err((vec!["title"], why));
    }
    if let Some(why) = unprintable(&s.description, false) {
        return Err((vec!["description"], why));
    }
    if let Some(why) = s
        .agreement_period
        .as_ref()
        .and_then(|a| unprintable(&a.after, false))
    {
        return Err((vec!["agreement_period", "after"], why));
    }
    for p in &s.partners {
        if let Some(why) = [Some(&p.name), p.scope.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|t| unprintable(t, false))
        {
            return Err((vec!["partners"], format!("partner `{}`: {why}", p.id)));
        }
        if let Some(why) =
            (p.display.iter().flat_map(DisplayNames::all)).find_map(|t| unprintable(t, true))
        {
            return Err((
                vec!["partners"],
                format!("partner `{}`: display name: {why}", p.id),
            ));
        }
        if let Some(e) = &p.entity {
            let identifier = !e.is_empty()
                && e.len() <= 64
                && e.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !identifier {
                return Err((
                    vec!["partners"],
                    format!(
                        "partner `{}`: entity `{}`: use lowercase letters, digits, `_` and `-`, at \
                         most 64 (it becomes part of metric names)",
                        p.id,
                        excerpted(e)
                    ),
                ));
            }
            if s.partners.iter().any(|q| q.id.0 == *e) {
                return Err((
                    vec!["partners"],
                    format!(
                        "partner `{}`: entity `{e}` is also a partner's id; name the entity \
                         apart from its partners (e.g. `{e}_entity`)",
                        p.id
                    ),
                ));
            }
        }
    }
    for d in &s.domains {
        let names = std::iter::once(&d.name).chain(d.display.iter().flat_map(DisplayNames::all));
        if let Some(why) = names.into_iter().find_map(|t| unprintable(t, true)) {
            return Err((vec!["domains"], format!("domain `{}`: {why}", d.id)));
        }
    }
    for l in &s.levers {
        if let Some(why) = l.label.all().find_map(|t| unprintable(t, true)) {
            return Err((
                vec!["levers"],
                format!("lever `{}`, its label: {why}", l.path),
            ));
        }
        let [low, high] = l.range;
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err((
                vec!["levers"],
                format!(
                    "lever `{}`: its range must be two numbers, the lower first",
                    l.path
                ),
            ));
        }
        if !(l.step > 0.0 && l.step <= high - low) {
            return Err((
                vec!["levers"],
                format!(
                    "lever `{}`: its step must be above 0 and at most the range's width",
                    l.path
                ),
            ));
        }
    }
    for r in &s.rules {
        if let Some(why) = r.basis.as_deref().and_then(|b| unprintable(b, false)) {
            return Err((
                vec!["rules"],
                format!("rule `{}`, its basis: {why}", r.file),
            ));
        }
    }
    let r = &s.region;
    check_horizon(r.start_year, r.horizon).map_err(|m| (vec!["region", "horizon"], m))?;
    if r.population.0.iter().all(|(_, q)| q.0.span().1 <= 0.0) {
        return Err((
            vec!["region", "population"],
            "every age band is 0: a region without people has no care to simulate (and the \
             rules would divide by its demand)"
                .into(),
        ));
    }
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
    if let Some(v) = &s.valuation
        && v.credit == super::Credit::Residents
        && !s.partners.iter().any(|p| p.role == super::Role::Residents)
    {
        return Err((
            vec!["valuation", "credit"],
            "care gained is credited to the residents, but no partner has role `residents`; \
             add one or credit `duty_of_care`"
                .into(),
        ));
    }
    if let Some(a) = &s.agreement_period {
        if a.to < a.from {
            return Err((
                vec!["agreement_period", "to"],
                format!("to {} lies before from {}", a.to, a.from),
            ));
        }
        if a.from < r.start_year || a.from > r.horizon {
            return Err((
                vec!["agreement_period", "from"],
                format!(
                    "from {} lies outside the simulated years {}-{}",
                    a.from, r.start_year, r.horizon
                ),
            ));
        }
    }
    for p in &s.partners {
        if p.equalisation.is_some() && p.role != super::Role::Financier {
            return Err((
                vec!["partners"],
                format!(
                    "partner `{}`: only a financier has `equalisation` (the share of a change in \
                     its cost that risk equalisation passes on)",
                    p.id
                ),
            ));
        }
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

/// One step of a key path as `serde_path_to_error` prints it: `domains[2].growth`.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// `domains[2].growth.volume` as steps; `None` for a path this reader does not know.
fn steps(path: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Step::Key(key.to_string()));
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            out.push(Step::Index(index.parse().ok()?));
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(out)
}

/// What the probe stops at: the text it raises as an error there, so the YAML reader puts its
/// own line and column on it.
const FOUND: &str = "kloof: position found";

/// Finds a key path in the YAML text by reading it with serde_yaml itself and failing on
/// purpose at the key (or the sequence item) the path ends in: the error then carries the
/// line and column of that key, in block and in flow style alike. `nth` picks the n-th (1-based)
/// occurrence of the last key, for a key written twice.
///
/// Why not the reader's own position: a check on a whole value (the age bands of `use`, a
/// duplicate key) is made after the value is read, where the reader already stands at the next
/// item, and was reported there (issue 8, item 7).
fn position_of(text: &str, path: &[Step], nth: usize) -> Option<(usize, usize)> {
    use serde::de::DeserializeSeed;
    let de = serde_yaml::Deserializer::from_str(text);
    match (Probe { path, nth }).deserialize(de) {
        Err(e) if e.to_string().contains(FOUND) => e.location().map(|l| (l.line(), l.column())),
        _ => None,
    }
}

/// The seed that walks `path` down the document (see [`position_of`]).
struct Probe<'a> {
    path: &'a [Step],
    nth: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for Probe<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.path.first() {
            None => d.deserialize_any(Stop),
            Some(Step::Key(_)) => d.deserialize_map(self),
            Some(Step::Index(_)) => d.deserialize_seq(self),
        }
    }
}

/// Raises [`FOUND`] from inside the reader's call for the value, which is where serde_yaml
/// puts the value's line and column on an error (outside it, the enclosing map's).
struct Stop;

/// The error the probe stops with.
fn found<E: serde::de::Error>() -> E {
    E::custom(FOUND)
}

impl<'de> serde::de::Visitor<'de> for Stop {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Err(found())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Err(found())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Err(found())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Err(found())
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Err(found())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Err(found())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(found())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(found())
    }
}

/// A key: whether it is the one sought, raising [`FOUND`] from inside the reader's call for
/// the key when it is and `stop` is set.
struct KeyProbe<'a> {
    key: &'a str,
    stop: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for KeyProbe<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl KeyProbe<'_> {
    fn matches<E: serde::de::Error>(&self, written: &str) -> Result<bool, E> {
        match (written == self.key, self.stop) {
            (true, true) => Err(found()),
            (same, _) => Ok(same),
        }
    }
}

impl<'de> serde::de::Visitor<'de> for KeyProbe<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        self.matches(v)
    }
    // Keys may be numbers (`2027:` in a budget path): compare them as written.
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
        self.matches(&v.to_string())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
        self.matches(&v.to_string())
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
        self.matches(&v.to_string())
    }
}

impl<'de> serde::de::Visitor<'de> for Probe<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some(Step::Key(key)) = self.path.first() else {
            return Ok(());
        };
        let last = self.path.len() == 1;
        let mut seen = 0;
        loop {
            let stop = last && seen + 1 == self.nth;
            match map.next_key_seed(KeyProbe { key, stop })? {
                None => return Ok(()),
                Some(true) if !last => {
                    let rest = Probe {
                        path: &self.path[1..],
                        nth: self.nth,
                    };
                    return map.next_value_seed(rest);
                }
                Some(true) => {
                    seen += 1;
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                Some(false) => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some(Step::Index(index)) = self.path.first() else {
            return Ok(());
        };
        for _ in 0..*index {
            if seq.next_element::<serde::de::IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        let rest = Probe {
            path: &self.path[1..],
            nth: self.nth,
        };
        seq.next_element_seed(rest).map(drop)
    }
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
