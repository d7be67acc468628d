//! Errors in rule files that an analyst can act on: which file, line and column, which hook,
//! which run and year, what went wrong, and the offending line with a caret (as casey/just
//! prints them):
//!
//! ```text
//! error in rules/waterbed.rhai:12:17 (hook on_year, run 37, year 2027): Function not found: foo (Batch)
//!    12 |     let x = foo(savings);
//!       |                 ^
//! ```
//!
//! Rhai reports the position where it *detected* an error, which is not always where the
//! mistake is: a missing `}` is found at the end of the file, a wrong type where it is used.

use rhai::{EvalAltResult, ParseError, ParseErrorType, Position};

use super::batch::{self, Batch};
use super::limits::{
    MAX_ARRAY_SIZE, MAX_BATCH_VALUES, MAX_CALL_LEVELS, MAX_MAP_SIZE, MAX_OPERATIONS,
    MAX_STRING_SIZE,
};
pub use crate::agreement::RuleError;
use crate::scenario::printable;

impl RuleError {
    /// A syntax error (or undefined variable) found while compiling `source`, read from `file`.
    pub fn from_parse(file: &str, source: &str, err: &ParseError) -> Self {
        let message = match err.0.as_ref() {
            ParseErrorType::ExprTooDeep => {
                "expression too deeply nested: split it into several `let` steps".to_string()
            }
            other => other.to_string(),
        };
        Self::new(file, printable(&message)).at(source, err.1)
    }

    /// A runtime error from running `source`, read from `file`.
    ///
    /// An error inside a function called by the hook is reported at the innermost position
    /// (where it happened), with the chain of calls appended to the message.
    pub fn from_eval(file: &str, source: &str, err: &EvalAltResult) -> Self {
        let mut calls = Vec::new();
        let mut inner = err;
        let mut fallback = Position::NONE;
        loop {
            match inner {
                EvalAltResult::ErrorInFunctionCall(name, _, next, pos) => {
                    calls.push(describe_call(name, *pos));
                    if !pos.is_none() {
                        fallback = *pos;
                    }
                    inner = next;
                }
                EvalAltResult::ErrorInModule(_, next, pos) => {
                    if !pos.is_none() {
                        fallback = *pos;
                    }
                    inner = next;
                }
                _ => break,
            }
        }
        let position = if inner.position().is_none() {
            fallback
        } else {
            inner.position()
        };

        let mut message = eval_message(inner);
        if !calls.is_empty() {
            // Innermost call first: "in function helper, called at line 8".
            calls.reverse();
            message = format!("{message} ({})", calls.join(", "));
        }
        Self::new(file, printable(&message)).at(source, position)
    }

    /// Places the error at `position` in `source`, keeping the line for display.
    pub fn at(mut self, source: &str, position: Position) -> Self {
        self.line = position.line();
        self.column = position.position();
        self.source_line = self
            .line
            .and_then(|line| source.lines().nth(line.checked_sub(1)?))
            .map(printable);
        self
    }
}

/// How Rust spells the batch type, which Rhai sometimes shows instead of "Batch".
fn batch_rust_name() -> &'static str {
    std::any::type_name::<Batch>()
}

/// "in function helper, called at line 8" for one frame of a call chain.
fn describe_call(name: &str, pos: Position) -> String {
    let what = if name.starts_with("anon$") {
        "in a closure".to_string()
    } else {
        format!("in function {name}")
    };
    match pos.line() {
        Some(line) => format!("{what}, called at line {line}"),
        None => what,
    }
}

/// The message of one runtime error without its position, with advice for the limits.
fn eval_message(err: &EvalAltResult) -> String {
    match err {
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "the rule ran more than {MAX_OPERATIONS} operations in one call: is there an endless \
             loop?"
        ),
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "functions called each other more than {MAX_CALL_LEVELS} levels deep: is there a \
             recursion that never stops?"
        ),
        EvalAltResult::ErrorRuntime(what, _)
            if what
                .clone()
                .into_string()
                .is_ok_and(|w| w == batch::HELD_AT_ONCE) =>
        {
            format!(
                "the rules hold more than {MAX_BATCH_VALUES} batch values at once (each one \
                 value per run): is an array or `remember` growing in a loop?"
            )
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => format!(
            "{what} too large: a rule may build strings of at most {MAX_STRING_SIZE} characters, \
             arrays of {MAX_ARRAY_SIZE} items and maps of {MAX_MAP_SIZE} entries"
        ),
        EvalAltResult::ErrorParsing(kind, _) => kind.to_string(),
        EvalAltResult::ErrorMismatchDataType(expected, actual, _)
            if expected == "bool" && actual.contains(batch_rust_name()) =>
        {
            "a condition on batch values is a mask over the runs, not one true or false: use \
             `if_else(condition, value_if_true, value_if_false)` instead of `if`"
                .to_string()
        }
        other => {
            // Some Rhai messages show the Rust path of a custom type instead of its name.
            let text = other
                .to_string()
                .replace(batch_rust_name(), batch::TYPE_NAME);
            let pos = other.position();
            if pos.is_none() {
                text
            } else {
                // Rhai appends " (line L, position C)"; we show the position ourselves.
                text.strip_suffix(&format!(" ({pos})"))
                    .map(str::to_string)
                    .unwrap_or(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Dynamic;

    #[test]
    fn renders_like_just() {
        let source = "fn on_year(savings) {\n\n\n\n\n\n\n\n\n\n\n    let x = foo(savings);\n}";
        let err = RuleError::new("rules/waterbed.rhai", "Function not found: foo (Batch)")
            .at(source, Position::new(12, 17))
            .with_hook("on_year")
            .with_run_year(37, 2027);
        let expected = "\
error in rules/waterbed.rhai:12:17 (hook on_year, run 37, year 2027): Function not found: foo (Batch)
   12 |     let x = foo(savings);
      |                 ^";
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn renders_without_position_or_context() {
        let err = RuleError::new("r.rhai", "the rule returned nothing");
        assert_eq!(
            err.to_string(),
            "error in r.rhai: the rule returned nothing"
        );
        let err = RuleError::new("r.rhai", "oops").at("a\nb", Position::new(2, 0));
        assert_eq!(err.to_string(), "error in r.rhai:2: oops\n    2 | b");
    }

    #[test]
    fn core_errors_name_no_file() {
        let err = RuleError::core("transfer does not balance", 2027)
            .with_run_if_missing(4)
            .with_run_if_missing(9);
        assert_eq!(
            err.to_string(),
            "error (run 4, year 2027): transfer does not balance"
        );
    }

    #[test]
    fn explains_batch_conditions_in_if() {
        let engine = crate::rules::new_engine();
        let source = "fn on_year(savings) {\n    if savings > 2 { 1 } else { 0 }\n}";
        let rule = crate::rules::compile(&engine, "r.rhai", source).unwrap();
        let args = (crate::rules::Batch::splat(3, 1.0),);
        let err = crate::rules::call_hook(&engine, &rule, "on_year", args).unwrap_err();
        assert!(err.message.contains("use `if_else("), "{err}");
        assert_eq!(err.line, Some(2));

        let mut scope = rhai::Scope::new();
        scope.push("a", crate::rules::Batch::splat(2, 1.0));
        for script in ["a[0]", "a.foo", "for x in a {}", "a.len()", "-\"x\" + a"] {
            let err = engine
                .eval_with_scope::<Dynamic>(&mut scope, script)
                .unwrap_err();
            let err = RuleError::from_eval("r.rhai", script, &err);
            assert!(!err.message.contains("::"), "{err}");
        }
    }

    #[test]
    fn text_from_scripts_is_printed_with_control_characters_escaped() {
        let source = "fn on_year(s) {\n    pay(\"\\x1b[2J\", \"town\", 1, \"x\");\n}";
        let err =
            EvalAltResult::ErrorRuntime("unknown account `\u{1b}[2J`".into(), Position::new(2, 5));
        let rule = RuleError::from_eval("r.rhai", source, &err);
        assert!(rule.message.contains("`\\u{1b}[2J`"), "{}", rule.message);
        assert!(!rule.to_string().contains('\u{1b}'));
        let err = RuleError::new("r.rhai", "m").at("a\tb\u{7}", Position::new(1, 1));
        assert_eq!(err.source_line.as_deref(), Some("a\tb\\u{7}"));
    }

    #[test]
    fn caret_keeps_tabs() {
        let err = RuleError::new("r.rhai", "m").at("\n\n\tlet x = y;", Position::new(3, 10));
        let expected = "error in r.rhai:3:10: m\n    3 | \tlet x = y;\n      | \t        ^";
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn strips_rhai_position_from_messages() {
        let err = EvalAltResult::ErrorVariableNotFound("x".into(), Position::new(3, 4));
        let rule = RuleError::from_eval("r.rhai", "a\nb\nlet y = x;", &err);
        assert_eq!(rule.message, "Variable not found: x");
        assert_eq!((rule.line, rule.column), (Some(3), Some(4)));
        assert_eq!(rule.source_line.as_deref(), Some("let y = x;"));
    }
}
