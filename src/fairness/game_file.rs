//! Reading a game from a YAML file: the players, the value of every coalition, and optionally
//! a split to hold against the core.
//!
//! ```yaml
//! kind: savings        # or cost
//! players: [hospital, insurer]
//! values:
//!   hospital: 0
//!   insurer: 0
//!   "hospital, insurer": 50
//! split:               # optional
//!   hospital: 25
//!   insurer: 25
//! ```
//!
//! A coalition is its players joined by commas, in any order. Every non-empty coalition must be
//! given exactly once: a game with a value left out has no Shapley value or nucleolus, and
//! guessing one (0? the sum of its parts?) would change the answer without saying so.

use std::path::Path;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

use super::{Coalition, Game, Kind, MAX_PLAYERS};
use crate::scenario::{printable, read_text};

/// The largest game file kloof reads, 128 MiB: 20 players' 2^20 coalitions written out take
/// about 100 MB, and a bound keeps a wrong path from filling memory.
pub const MAX_GAME_BYTES: u64 = 128 << 20;

/// Why a game file could not be read. Displays as `file:line: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{file}{}: {}",
    line.map(|l| format!(":{l}")).unwrap_or_default(),
    crate::scenario::printable(&crate::scenario::excerpted(message))
)]
pub struct GameFileError {
    pub file: String,
    /// 1-based line, when the error has a place in the file.
    pub line: Option<usize>,
    pub message: String,
}

/// A game read from a file, with the split it proposes, if any (one amount per player, in the
/// order of the game's players).
#[derive(Debug, Clone, PartialEq)]
pub struct GameFile {
    pub game: Game,
    pub split: Option<Vec<f64>>,
}

/// Reads and checks a game file.
pub fn read_game(path: &Path) -> Result<GameFile, GameFileError> {
    let file = path.display().to_string();
    let text = read_text(path, MAX_GAME_BYTES).map_err(|message| GameFileError {
        file: file.clone(),
        line: None,
        message,
    })?;
    parse_game(&text, &file)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    kind: Kind,
    players: Vec<String>,
    values: Entries,
    #[serde(default)]
    split: Option<Entries>,
}

/// A mapping's entries in file order, duplicates kept, so a coalition written twice can be
/// reported rather than silently overwritten.
struct Entries(Vec<(String, f64)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Entries, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of names to numbers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, f64>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

/// Checks a game given as text; `file` names it in errors.
pub fn parse_game(text: &str, file: &str) -> Result<GameFile, GameFileError> {
    let err = |line: Option<usize>, message: String| GameFileError {
        file: file.to_string(),
        line,
        message,
    };
    crate::scenario::check_nesting(text).map_err(|(line, _, m)| err(Some(line), m))?;
    let raw: Raw = serde_yaml::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        // serde_yaml appends " at line L column C"; the line is shown in front instead.
        let mut message = e.to_string();
        if let Some(i) = message.find(" at line ") {
            message.truncate(i);
        }
        err(line, message)
    })?;
    let players_line = section_line(text, "players");
    let players: Vec<String> = raw.players.iter().map(|p| p.trim().to_string()).collect();
    if players.is_empty() {
        return Err(err(players_line, "`players` lists no players".into()));
    }
    if players.len() > MAX_PLAYERS {
        return Err(err(
            players_line,
            format!(
                "{} players, more than the {MAX_PLAYERS} kloof computes games for",
                players.len()
            ),
        ));
    }
    for (i, p) in players.iter().enumerate() {
        if p.is_empty() || p.contains(',') {
            return Err(err(
                players_line,
                format!(
                    "player `{}`: a name must be non-empty and have no comma (commas join \
                     the players of a coalition)",
                    printable(p)
                ),
            ));
        }
        if players[..i].contains(p) {
            return Err(err(
                players_line,
                format!("player `{}` is listed twice", printable(p)),
            ));
        }
    }
    let index = |name: &str| players.iter().position(|p| p == name);
    let known = players.join(", ");

    let mut values = vec![f64::NAN; 1 << players.len()];
    values[0] = 0.0;
    // Where each coalition was first written, to point at both copies of a duplicate.
    let mut written: Vec<Option<(String, Option<usize>)>> = vec![None; values.len()];
    let lines = entry_lines(text, "values", &raw.values.0);
    for ((key, value), line) in raw.values.0.iter().zip(lines) {
        let shown = printable(key);
        let mut s = 0u32;
        for name in key.split(',').map(str::trim) {
            let Some(i) = index(name) else {
                let message = if name.is_empty() {
                    format!("coalition `{shown}` has an empty player name")
                } else {
                    format!(
                        "coalition `{shown}`: unknown player `{}` (the players are {known})",
                        printable(name)
                    )
                };
                return Err(err(line, message));
            };
            if Coalition(s).contains(i) {
                return Err(err(
                    line,
                    format!(
                        "coalition `{shown}` names player `{}` twice",
                        printable(name)
                    ),
                ));
            }
            s |= 1 << i;
        }
        if let Some((first, first_line)) = &written[s as usize] {
            let at = first_line
                .map(|l| format!(" on line {l}"))
                .unwrap_or_default();
            let same = if first == key {
                String::new()
            } else {
                format!(" as `{}`", printable(first))
            };
            return Err(err(
                line,
                format!("coalition `{shown}` is given twice: first{same}{at}"),
            ));
        }
        if !value.is_finite() || value.abs() > super::MAX_VALUE {
            return Err(err(
                line,
                format!(
                    "coalition `{shown}`: the value must be a finite number of at most {:e} \
                     either way, not {value}",
                    super::MAX_VALUE
                ),
            ));
        }
        written[s as usize] = Some((key.clone(), line));
        values[s as usize] = *value;
    }
    let missing: Vec<String> = (1..values.len())
        .filter(|&s| written[s].is_none())
        .map(|s| {
            Coalition(s as u32)
                .members()
                .map(|i| players[i].as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    if let Some(first) = missing.first() {
        let more = match missing.len() {
            1 => String::new(),
            k => format!(", and {} more", k - 1),
        };
        return Err(err(
            section_line(text, "values"),
            format!(
                "no value for coalition `{}`{more}: every non-empty coalition of the {} players \
                 needs one ({} in all)",
                printable(first),
                players.len(),
                values.len() - 1
            ),
        ));
    }

    let split = match &raw.split {
        None => None,
        Some(entries) => {
            let mut split = vec![None; players.len()];
            let lines = entry_lines(text, "split", &entries.0);
            for ((name, amount), line) in entries.0.iter().zip(lines) {
                let shown = printable(name.trim());
                let Some(i) = index(name.trim()) else {
                    return Err(err(
                        line,
                        format!("split: unknown player `{shown}` (the players are {known})"),
                    ));
                };
                if split[i].is_some() {
                    return Err(err(line, format!("split: player `{shown}` is given twice")));
                }
                if !amount.is_finite() {
                    return Err(err(
                        line,
                        format!("split: `{shown}` must get a finite number, not {amount}"),
                    ));
                }
                split[i] = Some(*amount);
            }
            if let Some(i) = split.iter().position(Option::is_none) {
                return Err(err(
                    section_line(text, "split"),
                    format!(
                        "split: no amount for player `{}` (a split gives every player one)",
                        printable(&players[i])
                    ),
                ));
            }
            Some(split.into_iter().flatten().collect())
        }
    };
    let game = Game::new(players, raw.kind, values).map_err(|e| err(None, e.to_string()))?;
    Ok(GameFile { game, split })
}

/// The 1-based line of the top-level key `section`.
fn section_line(text: &str, section: &str) -> Option<usize> {
    text.lines().position(|l| is_key(l, section)).map(|i| i + 1)
}

/// Whether `line` starts with the mapping key `key` (plain or quoted), after indentation.
fn is_key(line: &str, key: &str) -> bool {
    let t = line.trim_start();
    let (quote, t) = match t.chars().next() {
        Some(q @ ('"' | '\'')) => (Some(q), &t[1..]),
        _ => (None, t),
    };
    let Some(rest) = t.strip_prefix(key) else {
        return false;
    };
    let rest = match quote {
        Some(q) => match rest.strip_prefix(q) {
            Some(r) => r,
            None => return false,
        },
        None => rest,
    };
    rest.trim_start().starts_with(':')
}

/// The 1-based line of each entry of the top-level mapping `section`, found by scanning the
/// text forward from the previous entry (serde_yaml gives no places for keys it read without
/// error). `None` where the key is not written plainly (an escape, a flow mapping).
fn entry_lines(text: &str, section: &str, entries: &[(String, f64)]) -> Vec<Option<usize>> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| is_key(l, section)) else {
        return vec![None; entries.len()];
    };
    // The section ends at the next line that starts a top-level key.
    let end = lines[start + 1..]
        .iter()
        .position(|l| {
            l.chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && c != '#')
        })
        .map_or(lines.len(), |i| start + 1 + i);
    let mut next = start + 1;
    entries
        .iter()
        .map(|(key, _)| {
            let found = (next..end).find(|&i| is_key(lines[i], key))?;
            next = found + 1;
            Some(found + 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIR: &str =
        "kind: savings\nplayers: [a, b]\nvalues:\n  a: 1\n  'b': 2\n  \"b , a\": 5\n";

    #[test]
    fn coalitions_are_read_in_any_order_and_spacing() {
        let g = parse_game(PAIR, "pair.yaml").expect("game").game;
        assert_eq!(g.value(Coalition(0b01)), 1.0);
        assert_eq!(g.value(Coalition(0b10)), 2.0);
        assert_eq!(g.value(Coalition(0b11)), 5.0);
    }

    #[test]
    fn entries_are_found_on_their_lines() {
        let raw = [
            ("a".to_string(), 1.0),
            ("b".into(), 2.0),
            ("b , a".into(), 5.0),
        ];
        assert_eq!(
            entry_lines(PAIR, "values", &raw),
            vec![Some(4), Some(5), Some(6)]
        );
    }

    #[test]
    fn a_split_must_name_every_player_once() {
        let missing = format!("{PAIR}split:\n  a: 3\n");
        let e = parse_game(&missing, "pair.yaml").expect_err("b has no amount");
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("no amount for player `b`"), "{e}");
        let unknown = format!("{PAIR}split:\n  a: 3\n  c: 2\n");
        let e = parse_game(&unknown, "pair.yaml").expect_err("c is no player");
        assert_eq!(
            (e.line, e.message.contains("unknown player `c`")),
            (Some(9), true)
        );
        let twice = format!("{PAIR}split:\n  a: 3\n  b: 1\n  a: 1\n");
        let e = parse_game(&twice, "pair.yaml").expect_err("a twice");
        assert_eq!(
            e.to_string(),
            "pair.yaml:10: split: player `a` is given twice"
        );
    }

    #[test]
    fn a_player_repeated_in_a_coalition_or_an_unknown_field_is_an_error() {
        let e = parse_game(&PAIR.replace("b , a", "a,a"), "p.yaml").expect_err("a twice");
        assert_eq!(
            e.to_string(),
            "p.yaml:6: coalition `a,a` names player `a` twice"
        );
        let e = parse_game(&format!("{PAIR}colour: red\n"), "p.yaml").expect_err("unknown");
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("unknown field `colour`"), "{e}");
        let e = parse_game(&format!("{PAIR}  a: 3\n"), "p.yaml").expect_err("a twice");
        assert_eq!(
            e.to_string(),
            "p.yaml:7: coalition `a` is given twice: first on line 4"
        );
        let e = parse_game(&PAIR.replace("[a, b]", "[a, a]"), "p.yaml").expect_err("twice");
        assert_eq!(e.to_string(), "p.yaml:2: player `a` is listed twice");
    }
}
