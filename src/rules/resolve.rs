//! What `kloof check` finds in a rule file without running it: calls to functions that do not
//! exist (or with the wrong number of arguments), parameters the rule reads that the scenario
//! does not give, and event or fund names that cannot be shown in a report. Every finding is a
//! [`RuleError`] at its line and column, and all of a file's findings are reported at once.
//!
//! Why before running: Rhai resolves a call only when it is made, so a typo in a branch taken
//! in 2029, or a parameter the scenario forgot, passed `check` and failed `run` (issue 8,
//! item 6). Types are still only known when a hook runs; `kloof check` finishes with a short
//! dry run for those.

use std::collections::{BTreeSet, HashSet};

use rhai::{ASTNode, Expr, Position, Stmt};

use super::diagnostics::RuleError;
use super::engine::CompiledRule;

/// What a name a rule writes as text becomes in the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesKind {
    /// `event(name, condition)`: the share of runs it fired in.
    Event,
    /// A fund's balance.
    Fund,
    /// `tally(name, partner, amount)`: an amount per partner, such as its overproduction.
    Tally,
}

impl SeriesKind {
    pub fn noun(self) -> &'static str {
        match self {
            SeriesKind::Event => "event",
            SeriesKind::Fund => "fund",
            SeriesKind::Tally => "tally",
        }
    }
}

/// Names Rhai handles itself rather than as registered functions.
const KEYWORDS: [&str; 9] = [
    "print",
    "debug",
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_def_var",
    "is_def_fn",
    "is_shared",
];

/// Longest event or fund name: it becomes part of a metric name (`event.<name>`).
const MAX_SERIES_NAME: usize = 64;

/// Every call in `rule` that names no function of the script (by name and number of
/// arguments) and none of `natives`, the host's registered functions as (name, parameters).
pub fn unknown_calls(rule: &CompiledRule, natives: &HashSet<(String, usize)>) -> Vec<RuleError> {
    let scripted: HashSet<(String, usize)> = rule
        .ast
        .iter_functions()
        .map(|f| (f.name.to_string(), f.params.len()))
        .collect();
    let exists = |name: &str, n: usize| {
        let key = (name.to_string(), n);
        scripted.contains(&key) || natives.contains(&key)
    };
    let mut errors = Vec::new();
    rule.ast.walk(&mut |path: &[ASTNode]| {
        let (call, pos, method) = match path.last() {
            Some(
                ASTNode::Expr(Expr::FnCall(call, pos)) | ASTNode::Stmt(Stmt::FnCall(call, pos)),
            ) => (call, *pos, false),
            Some(ASTNode::Expr(Expr::MethodCall(call, pos))) => (call, *pos, true),
            _ => return true,
        };
        let name = call.name.as_str();
        // Operators (`+`, `==`, ...) and namespaced calls are not names a rule chose.
        let is_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_');
        if !is_name || call.op_token.is_some() || !call.namespace.is_empty() {
            return true;
        }
        if KEYWORDS.contains(&name) || name.starts_with("anon$") {
            return true;
        }
        // `x.f(a)` is `f(x, a)`.
        let count = call.args.len() + usize::from(method);
        if !exists(name, count) {
            errors.push(
                RuleError::new(&rule.path, explain_unknown(name, count, &scripted, natives))
                    .at(&rule.source, pos),
            );
        }
        true
    });
    errors
}

/// "no function `helpr` with 2 arguments (did you mean `helper`?)", or the counts it takes.
fn explain_unknown(
    name: &str,
    count: usize,
    scripted: &HashSet<(String, usize)>,
    natives: &HashSet<(String, usize)>,
) -> String {
    let all = || scripted.iter().chain(natives.iter());
    let counts: BTreeSet<usize> = all().filter(|(n, _)| n == name).map(|(_, c)| *c).collect();
    let args = |n: usize| format!("{n} argument{}", if n == 1 { "" } else { "s" });
    if !counts.is_empty() {
        let takes: Vec<String> = counts.iter().map(|c| c.to_string()).collect();
        return format!(
            "`{name}` is called with {}, but takes {}",
            args(count),
            takes.join(" or ")
        );
    }
    let near: BTreeSet<&str> = all()
        .map(|(n, _)| n.as_str())
        .filter(|n| n.starts_with(|c: char| c.is_alphabetic()) && edit_distance(n, name) <= 2)
        .collect();
    let mut message = format!("no function `{name}` with {}", args(count));
    if let Some(best) = near.iter().min_by_key(|n| edit_distance(n, name)) {
        message.push_str(&format!(" (did you mean `{best}`?)"));
    }
    message
}

/// Levenshtein distance, for suggesting the function a typo meant.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Every `s.params.<name>` (or `s.params["name"]`) the rule reads that `given` does not hold,
/// unless the rule asks first whether it is there (`"name" in s.params`): optional parameters.
pub fn missing_params(rule: &CompiledRule, given: &[String]) -> Vec<RuleError> {
    let mut read: Vec<(String, Position)> = Vec::new();
    let mut optional: HashSet<String> = HashSet::new();
    rule.ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Expr(Expr::Dot(x, ..))) if matches!(x.lhs, Expr::Variable(..)) => {
                if let Some(found) = param_read(&x.rhs) {
                    read.push(found);
                }
            }
            Some(ASTNode::Expr(Expr::FnCall(call, _))) if call.name == "contains" => {
                for arg in &call.args {
                    if let Expr::StringConstant(name, _) = arg {
                        optional.insert(name.to_string());
                    }
                }
            }
            _ => {}
        }
        true
    });
    read.into_iter()
        .filter(|(name, _)| !given.contains(name) && !optional.contains(name))
        .map(|(name, pos)| {
            let listed = if given.is_empty() {
                "it gives none".to_string()
            } else {
                format!("it gives {}", given.join(", "))
            };
            RuleError::new(
                &rule.path,
                format!(
                    "the rule reads parameter `{name}`, but the scenario does not give it in \
                     this rule's params ({listed})"
                ),
            )
            .at(&rule.source, pos)
        })
        .collect()
}

/// Every parameter in `given` the rule never reads (`s.params.<name>`, `s.params["name"]`) nor
/// asks for (`"name" in s.params`): a misspelt or stale parameter would otherwise be ignored
/// without a word. `allow` is kloof's own (see the ledger's allowances).
pub fn unused_params(rule: &CompiledRule, given: &[String]) -> Vec<RuleError> {
    let mut used: HashSet<String> = HashSet::new();
    rule.ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Expr(Expr::Dot(x, ..))) if matches!(x.lhs, Expr::Variable(..)) => {
                if let Some((name, _)) = param_read(&x.rhs) {
                    used.insert(name);
                }
            }
            Some(ASTNode::Expr(Expr::FnCall(call, _))) if call.name == "contains" => {
                for arg in &call.args {
                    if let Expr::StringConstant(name, _) = arg {
                        used.insert(name.to_string());
                    }
                }
            }
            _ => {}
        }
        true
    });
    given
        .iter()
        .filter(|g| *g != "allow" && !used.contains(*g))
        .map(|g| {
            RuleError::new(
                &rule.path,
                format!(
                    "the scenario gives this rule parameter `{g}`, which the rule never reads \
                     (a misspelt name?)"
                ),
            )
        })
        .collect()
}

/// Methods that only read the map or value they are called on, callable on `s` by a rule that
/// shares the map `s` with the other rules (see [`may_change_state`]).
const READING_METHODS: [&str; 9] = [
    "keys",
    "values",
    "len",
    "is_empty",
    "contains",
    "get",
    "type_of",
    "to_string",
    "to_debug",
];

/// Whether a hook of `rule` may change the map `s` it is given (by the name its hooks give
/// their first parameter): an assignment to `s` or into it, a method on `s` other than
/// [`READING_METHODS`] (or one the file defines itself, which may write `this`), or a closure
/// (which may capture `s`). Conservative: a `false` is a proof, a `true` may be a false alarm.
///
/// Why: a rule that never changes `s` can be handed the map the other rules of the hook see
/// instead of a copy of it (copying and dropping `s` for every rule was a tenth of a hook).
/// Everything else a rule can do with `s` reads it or copies it: `let`, `for`, `return` and
/// every function argument (a helper `f(s)` included) take a copy of a shared value.
pub fn may_change_state(rule: &CompiledRule) -> bool {
    let names: HashSet<&str> = rule
        .ast
        .iter_functions()
        .filter(|f| super::engine::HOOKS.contains(&f.name))
        .filter_map(|f| f.params.first().copied())
        .collect();
    let own: HashSet<&str> = rule.ast.iter_functions().map(|f| f.name).collect();
    let is_state =
        |e: &Expr| matches!(root(e), Expr::Variable(v, ..) if names.contains(v.1.as_str()));
    let mut changes = false;
    rule.ast.walk(&mut |path: &[ASTNode]| {
        changes |= match path.last() {
            Some(ASTNode::Stmt(Stmt::Share(..))) => true,
            Some(ASTNode::Stmt(Stmt::Assignment(x))) => is_state(&x.1.lhs),
            Some(ASTNode::Expr(Expr::MethodCall(call, _))) => {
                (!READING_METHODS.contains(&call.name.as_str()) || own.contains(call.name.as_str()))
                    && path.iter().any(|n| {
                        matches!(n, ASTNode::Expr(e @ (Expr::Dot(..) | Expr::Index(..))) if is_state(e))
                    })
            }
            _ => false,
        };
        !changes
    });
    changes
}

/// The variable (or other expression) a chain such as `s.a[b].c` starts from.
fn root(e: &Expr) -> &Expr {
    match e {
        Expr::Dot(x, ..) | Expr::Index(x, ..) => root(&x.lhs),
        other => other,
    }
}

/// The parameter name in the right-hand side of `s.<...>` when it is `params.<name>...`.
fn param_read(rhs: &Expr) -> Option<(String, Position)> {
    let (Expr::Dot(y, ..) | Expr::Index(y, ..)) = rhs else {
        return None;
    };
    if !matches!(&y.lhs, Expr::Property(p, _) if p.2 == "params") {
        return None;
    }
    match &y.rhs {
        Expr::StringConstant(name, pos) if matches!(rhs, Expr::Index(..)) => {
            Some((name.to_string(), *pos))
        }
        other => first_property(other),
    }
}

/// The first property of a chain: `weights` in `weights[p]` or `weights.keys()`.
fn first_property(e: &Expr) -> Option<(String, Position)> {
    match e {
        Expr::Property(p, pos) => Some((p.2.to_string(), *pos)),
        Expr::Dot(z, ..) | Expr::Index(z, ..) => first_property(&z.lhs),
        _ => None,
    }
}

/// Event and fund names (from `named`, with their positions) that cannot become part of a
/// metric name: empty, longer than 64, or with characters other than letters, digits, `_`
/// and `-` (a control character in a name once reached the terminal and the CSV as is).
pub fn bad_series_names(
    rule: &CompiledRule,
    named: &[(Position, SeriesKind, String)],
) -> Vec<RuleError> {
    named
        .iter()
        .filter(|(_, _, name)| {
            name.chars().count() > MAX_SERIES_NAME
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
        .map(|(pos, kind, name)| {
            let what = kind.noun();
            RuleError::new(
                &rule.path,
                format!(
                    "{what} name \"{}\": names of events, funds and tallies become metric names, so they \
                     are letters, digits, `_` or `-`, at most {MAX_SERIES_NAME}",
                    name.escape_debug()
                ),
            )
            .at(&rule.source, *pos)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{compile, new_engine};

    fn natives() -> HashSet<(String, usize)> {
        [
            ("pay", 4),
            ("max", 2),
            ("push", 2),
            ("contains", 2),
            ("keys", 1),
            ("!", 1),
        ]
        .map(|(n, c)| (n.to_string(), c))
        .into_iter()
        .collect()
    }

    #[test]
    fn a_rule_that_may_change_s_is_told_from_one_that_only_reads_it() {
        let changes = |body: &str| {
            let source = format!("fn on_year(s) {{\n{body}\n}}\nfn own() {{ 1 }}\n");
            may_change_state(&compile(&new_engine(), "r.rhai", &source).expect(body))
        };
        for reads in [
            "let a = s.params.x + s.budget[\"t\"]; a",
            "for k in s.budget.keys() { pay(k, \"b\", s.savings, \"r\"); }",
            "if \"x\" in s.params { s.partners[s.params.x].takes_part } else { false }",
            "let t = s; t.x = 1; helper(s)",
            "let s2 = s.demand; s2.wmo = 1; s2.len()",
        ] {
            assert!(!changes(reads), "{reads}");
        }
        for writes in [
            "s.x = 1",
            "s.demand.wmo.eur += 1",
            "s[\"x\"] = 1",
            "s = #{}",
            "s.params.weights.remove(\"a\")",
            "s.budget.clear()",
            "s.own()",
            "let f = || s.x; f.call()",
        ] {
            assert!(changes(writes), "{writes}");
        }
        // The shipped rules only read `s`, so none of them pays for a copy of it.
        for (name, text) in crate::rules::LIBRARY {
            let rule = compile(&new_engine(), name, text).expect(name);
            assert!(!may_change_state(&rule), "{name}");
        }
    }

    #[test]
    fn every_unknown_call_is_found_with_its_position() {
        let source = "fn on_year(s) {\n    helpr(s, 1);\n    pay(\"a\", \"b\", 1);\n    let a = [];\n    a.push(1);\n    a.psh(2);\n    max(1, 2) + helper(s, 2)\n}\nfn helper(s, y) { y }\n";
        let rule = compile(&new_engine(), "r.rhai", source).unwrap();
        let errors = unknown_calls(&rule, &natives());
        let found: Vec<(Option<usize>, &str)> = errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    Some(2),
                    "no function `helpr` with 2 arguments (did you mean `helper`?)"
                ),
                (Some(3), "`pay` is called with 3 arguments, but takes 4"),
                (
                    Some(6),
                    "no function `psh` with 2 arguments (did you mean `push`?)"
                ),
            ]
        );
        assert_eq!(errors[0].column, Some(5));
    }

    /// Rhai cannot call a function pointer held in a variable as `f(2)` (only `f.call(2)`), so
    /// that is an unknown function too; suggestions are names, never operators.
    #[test]
    fn a_pointer_called_like_a_function_is_unknown_and_suggestions_are_names() {
        let source = "fn on_year(s) {\n    let f = |x| x + 1;\n    f(2) + f.call(3)\n}\n";
        let rule = compile(&new_engine(), "r.rhai", source).unwrap();
        let errors = unknown_calls(&rule, &natives());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].message, "no function `f` with 1 argument");
    }

    #[test]
    fn parameters_read_must_be_given_unless_asked_for() {
        let source = "fn on_year(s) {\n    let a = s.params.share * s.params.weights[\"x\"];\n    let b = if \"into\" in s.params { s.params.into } else { 0 };\n    s.params[\"delay\"] + s.params.typo.len()\n}\n";
        let rule = compile(&new_engine(), "r.rhai", source).unwrap();
        let given = ["share".to_string(), "weights".to_string()];
        let errors = missing_params(&rule, &given);
        let found: Vec<(Option<usize>, bool)> = errors
            .iter()
            .map(|e| (e.line, e.message.contains("it gives share, weights")))
            .collect();
        assert_eq!(found, [(Some(4), true), (Some(4), true)]);
        assert!(errors[0].message.contains("`delay`"), "{}", errors[0]);
        assert!(errors[1].message.contains("`typo`"), "{}", errors[1]);
    }

    #[test]
    fn series_names_are_identifiers() {
        let rule = compile(&new_engine(), "r.rhai", "fn on_year(s) { 1 }").unwrap();
        let named = [
            (
                Position::new(1, 2),
                SeriesKind::Event,
                "ceiling_reached".to_string(),
            ),
            (
                Position::new(1, 3),
                SeriesKind::Event,
                "red\u{1b}[31m".to_string(),
            ),
            (Position::new(1, 4), SeriesKind::Fund, "a.b".to_string()),
            (Position::new(1, 5), SeriesKind::Fund, "x".repeat(65)),
        ];
        let errors = bad_series_names(&rule, &named);
        assert_eq!(errors.len(), 3);
        assert!(
            errors[0]
                .message
                .starts_with("event name \"red\\u{1b}[31m\""),
            "{}",
            errors[0]
        );
        assert!(errors[1].message.starts_with("fund name \"a.b\""));
    }
}
