//! [`RuleError`]: an error in a rule, with where it happened (file, line, column, hook, run,
//! year) and the offending line. It belongs to the agreement interface, not to the Rhai host,
//! because the simulator reports it too (a failed hook, a transfer that does not balance) and
//! must not depend on the host to do so. The host builds it from Rhai's errors
//! (`rules::diagnostics`).

use std::fmt;

/// An error in a rule file, at compile time or while a hook runs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", Rendered(self))]
pub struct RuleError {
    /// The rule file, as the analyst named it.
    pub file: String,
    /// 1-based line where the error was detected, if known.
    pub line: Option<usize>,
    /// 1-based column where the error was detected, if known.
    pub column: Option<usize>,
    /// The hook that was running (`on_year`, ...), for errors while running.
    pub hook: Option<String>,
    /// The run the error concerns, when the host can tell.
    pub run: Option<u64>,
    /// The simulated year the error concerns, when the host can tell.
    pub year: Option<i32>,
    /// What went wrong, without the position (that is in `line` and `column`).
    pub message: String,
    /// The text of line `line`, shown under the message with a caret.
    pub source_line: Option<String>,
}

impl RuleError {
    /// An error about `file` with no position, e.g. a hook that returned the wrong type.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: None,
            column: None,
            hook: None,
            run: None,
            year: None,
            message: message.into(),
            source_line: None,
        }
    }

    /// Names the hook that was running.
    pub fn with_hook(mut self, hook: impl Into<String>) -> Self {
        self.hook = Some(hook.into());
        self
    }

    /// Adds the run and year the error concerns, known to the simulator but not to the engine.
    pub fn with_run_year(mut self, run: u64, year: i32) -> Self {
        self.run = Some(run);
        self.year = Some(year);
        self
    }

    /// An error raised by kloof's own bookkeeping while rules ran in `year` (e.g. a ledger
    /// transfer that does not balance), not located in any rule file.
    pub fn core(message: impl Into<String>, year: i32) -> Self {
        Self {
            year: Some(year),
            ..Self::new("", message)
        }
    }

    /// Adds the run unless one is already known, e.g. once the simulator has narrowed a failing
    /// batch down to the first run that fails alone.
    pub fn with_run_if_missing(mut self, run: u64) -> Self {
        self.run.get_or_insert(run);
        self
    }

    /// Replaces the message, keeping file, position and context.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }
}

/// Display of a [`RuleError`]: the heading line, then the source line with a caret.
struct Rendered<'a>(&'a RuleError);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        f.write_str("error")?;
        if !e.file.is_empty() {
            write!(f, " in {}", e.file)?;
        }
        if let Some(line) = e.line {
            write!(f, ":{line}")?;
            if let Some(column) = e.column {
                write!(f, ":{column}")?;
            }
        }

        let mut context = Vec::new();
        if let Some(hook) = &e.hook {
            context.push(format!("hook {hook}"));
        }
        if let Some(run) = e.run {
            context.push(format!("run {run}"));
        }
        if let Some(year) = e.year {
            context.push(format!("year {year}"));
        }
        if !context.is_empty() {
            write!(f, " ({})", context.join(", "))?;
        }
        write!(f, ": {}", e.message)?;

        if let (Some(line), Some(text)) = (e.line, &e.source_line) {
            let number = line.to_string();
            let width = number.len().max(5);
            write!(f, "\n{number:>width$} | {text}")?;
            if let Some(column) = e.column {
                // Keep tabs so the caret lines up whatever the terminal's tab width.
                let pad: String = text
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n{:>width$} | {pad}^", "")?;
            }
        }
        Ok(())
    }
}
