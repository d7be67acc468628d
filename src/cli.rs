//! The command line: argument definitions and the commands, the only code that prints.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use kloof::stats::Summary;
use kloof::study::{self, Options, Source};
use kloof::variant::{BASELINE, NETWORK};
use kloof::{Error, report};

/// Why a command stopped: kloof's own errors, or stdout that cannot be written to (a closed
/// pipe, a full disk).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Kloof(#[from] Error),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl From<kloof::scenario::ScenarioError> for Failure {
    fn from(e: kloof::scenario::ScenarioError) -> Failure {
        Failure::Kloof(e.into())
    }
}

impl From<report::ReportError> for Failure {
    fn from(e: report::ReportError) -> Failure {
        Failure::Kloof(e.into())
    }
}

/// `println!` that returns the write error instead of panicking on it.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)
    };
}

#[derive(Parser)]
#[command(
    name = "kloof",
    version,
    about = "Simulate the care gap of a Dutch regional care network, and what a network agreement does to it"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a scenario's Monte Carlo simulation and write its report.
    Run(RunArgs),
    /// Check scenarios and compile every rule they use; report all errors at once.
    Check(CheckArgs),
    /// Run the rule tests (YAML cases) and print `N passed, M failed`.
    TestRules(TestRulesArgs),
    /// Show every ledger entry of one run and year: who paid whom, by which rule, and why.
    Explain(ExplainArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// A scenario file, or a folder whose `*.yaml` files are all checked.
    #[arg(default_value = "scenarios")]
    pub path: PathBuf,
}

#[derive(clap::Args)]
pub struct TestRulesArgs {
    /// Folder of rule test files (or one file).
    #[arg(default_value = "rules/tests")]
    pub path: PathBuf,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Run number (0-based), as in the per-run results.
    #[arg(long)]
    pub run: u64,
    /// Year to show.
    #[arg(long)]
    pub year: i32,
    /// Random seed [default: the scenario's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Last simulated year [default: the scenario's].
    #[arg(long)]
    pub horizon: Option<i32>,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario file (YAML); without it, the default scenario (Zoetermeer) built into kloof.
    pub scenario: Option<PathBuf>,
    /// Number of Monte Carlo runs [default: the scenario's, usually 10000].
    #[arg(long)]
    pub runs: Option<u64>,
    /// Random seed [default: the scenario's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Last simulated year [default: the scenario's, usually 2030].
    #[arg(long)]
    pub horizon: Option<i32>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Runs advanced together; results do not depend on it.
    #[arg(long, hide = true)]
    pub batch_size: Option<usize>,
    /// Report folder [default: reports/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no summary on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Also write runs.csv: every run's partner positions and headline figures.
    #[arg(long)]
    pub per_run: bool,
}

/// A progress bar on stderr, or a hidden one when quiet or not on a terminal, so the caller
/// never branches.
fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs, {per_sec}, {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let source = match &args.scenario {
        Some(p) => Source::read(p)?,
        None => Source::embedded_default(),
    };
    let options = Options {
        runs: args.runs,
        seed: args.seed,
        horizon: args.horizon,
        threads: args.threads,
        batch_size: args.batch_size,
    };
    // The run count is known only after reading the scenario; the bar learns it on first tick.
    let bar = progress_bar(0, args.quiet);
    let runs = match args.runs {
        Some(r) => r,
        None => source.parse()?.monte_carlo.runs,
    };
    bar.set_length(runs);
    let study = study::run(&source, &options, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&study.scenario.name));
    uninterrupted(|| {
        report::write(
            &dir,
            &study.manifest,
            &study.outcomes,
            &report::About::of(&study.scenario),
            args.per_run,
        )
    })?;
    if !args.quiet {
        print_summary(&study, &dir)?;
    }
    Ok(())
}

fn print_summary(study: &study::Study, dir: &std::path::Path) -> std::io::Result<()> {
    let o = &study.outcomes;
    let p = &study.manifest.provenance;
    let end = p.horizon;
    let line =
        |label: &str, v: &str, metric: &str, scale: f64, unit: &str| match o.get(v, metric, end) {
            Some(values) => {
                let s = Summary::of(values);
                say!(
                    "  {label:<34} {:>10.1} {unit}  (90 %: {:.1} to {:.1})",
                    s.p50 / scale,
                    s.p5 / scale,
                    s.p95 / scale
                )
            }
            None => Ok(()),
        };
    say!(
        "{} — {} runs, seed {}, {}-{} ({:.1} s)",
        study.scenario.title,
        p.runs,
        p.seed,
        p.start_year,
        end,
        study.manifest.wall_time_seconds
    )?;
    say!("In {end}, median:")?;
    line("care gap, baseline", BASELINE, "gap.fte", 1.0, "FTE")?;
    line("care gap, network", NETWORK, "gap.fte", 1.0, "FTE")?;
    line("budget gap, baseline", BASELINE, "gap.eur", 1e6, "EUR mln")?;
    line("budget gap, network", NETWORK, "gap.eur", 1e6, "EUR mln")?;
    line(
        "savings this year",
        NETWORK,
        "savings.eur.total",
        1e6,
        "EUR mln",
    )?;
    line(
        "savings since start",
        NETWORK,
        "savings.eur.cumulative",
        1e6,
        "EUR mln",
    )?;
    say!("Report: {}", dir.display())
}

/// `kloof check`: every scenario in the path, every rule they use; exit 1 on any error.
pub fn check(args: &CheckArgs) -> Result<bool, Failure> {
    let files: Vec<PathBuf> = if args.path.is_dir() {
        let mut f: Vec<PathBuf> = std::fs::read_dir(&args.path)
            .map_err(|e| Error::Options(format!("cannot read {}: {e}", args.path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        f.sort();
        f
    } else {
        vec![args.path.clone()]
    };
    // Checking nothing must not read as "all is well".
    if files.is_empty() {
        return Err(Error::Options(format!(
            "no scenario files (*.yaml, *.yml) in {}",
            args.path.display()
        ))
        .into());
    }
    let mut ok = true;
    for file in &files {
        match study::check(file) {
            Ok(summary) => say!("ok    {}  ({summary})", file.display())?,
            Err(errors) => {
                ok = false;
                say!("error {}", file.display())?;
                for e in errors {
                    say!("{e}\n")?;
                }
            }
        }
    }

    Ok(ok)
}

/// `kloof test-rules`: runs the YAML cases, prints each failure with its differences.
pub fn test_rules(args: &TestRulesArgs) -> Result<bool, Failure> {
    let results = kloof::rules::testing::run_dir(&args.path).map_err(Error::Options)?;
    let failed: Vec<_> = results
        .iter()
        .filter(|r| !r.differences.is_empty())
        .collect();
    for r in &failed {
        say!("FAIL {} :: {}", r.file.display(), r.name)?;
        for d in &r.differences {
            for line in d.lines() {
                say!("    {line}")?;
            }
        }
    }
    say!(
        "{} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    )?;
    Ok(failed.is_empty())
}

/// `kloof explain`: the ledger entries of one run and year, in order.
pub fn explain(args: &ExplainArgs) -> Result<(), Failure> {
    let source = Source::read(&args.scenario)?;
    let entries = study::explain(&source, args.run, args.year, args.seed, args.horizon)?;
    say!(
        "Run {}, year {} of {}: {} ledger entries",
        args.run,
        args.year,
        args.scenario.display(),
        entries.len()
    )?;
    for e in &entries {
        let place = if e.origin.line > 0 {
            format!("{}:{}", e.origin.rule, e.origin.line)
        } else {
            e.origin.rule.clone()
        };
        say!(
            "\n{place}\n  {}\n  {} -> {}: EUR {:.2}\n  {}: {:.2} -> {:.2};  {}: {:.2} -> {:.2}",
            printable(&e.reason),
            e.from,
            e.to,
            e.amount,
            e.from,
            e.from_before,
            e.from_after,
            e.to,
            e.to_before,
            e.to_after
        )?;
    }
    Ok(())
}

/// Text a rule script wrote (a payment's reason), with control characters escaped (`\u{1b}`,
/// `\n`): a script must not move the cursor, clear the screen or fake lines of the listing.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Runs `f` with SIGINT, SIGTERM and SIGHUP held back, then lets one that arrived meanwhile
/// take effect: a run stopped while it puts its report in place still leaves a whole report
/// (the new one) and no temporary folder, instead of stopping between two renames.
#[cfg(unix)]
fn uninterrupted<T>(f: impl FnOnce() -> T) -> T {
    use std::sync::atomic::{AtomicI32, Ordering};
    static ARRIVED: AtomicI32 = AtomicI32::new(0);
    extern "C" fn note(signal: libc::c_int) {
        ARRIVED.store(signal, Ordering::SeqCst);
    }
    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];
    let handler = note as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: `note` only stores to an atomic, which is async-signal-safe; the previous
    // dispositions are restored before the noted signal is raised again.
    let previous: Vec<libc::sighandler_t> = SIGNALS
        .iter()
        .map(|&sig| unsafe { libc::signal(sig, handler) })
        .collect();
    let out = f();
    for (&sig, &before) in SIGNALS.iter().zip(&previous) {
        unsafe { libc::signal(sig, before) };
    }
    let arrived = ARRIVED.swap(0, Ordering::SeqCst);
    if arrived != 0 {
        unsafe { libc::raise(arrived) };
    }
    out
}

#[cfg(not(unix))]
fn uninterrupted<T>(f: impl FnOnce() -> T) -> T {
    f()
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_text_is_printed_with_control_characters_escaped() {
        assert_eq!(
            super::printable("saving\u{1b}[2J\nfake line\té"),
            "saving\\u{1b}[2J\\nfake line\\té"
        );
    }
}
