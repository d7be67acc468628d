//! The command line: argument definitions and the commands, the only code that prints.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use kloof::report::Lang;
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
    #[error("{0}")]
    Serve(#[from] crate::serve::ServeError),
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
    /// Check scenarios, compile every rule they use and resolve its calls and parameters, then
    /// simulate a few runs; report all errors at once.
    Check(CheckArgs),
    /// Run the rule tests (YAML cases) and print `N passed, M failed`.
    TestRules(TestRulesArgs),
    /// Show every ledger entry of one run and year: who paid whom, by which rule, and why.
    Explain(ExplainArgs),
    /// Split what partners achieve together: Shapley value, nucleolus, and whether a proposed
    /// split is in the core.
    Fairness(FairnessArgs),
    /// Run scenarios or overlays under the same draws and report them side by side, with each
    /// figure's difference from the first, paired over runs.
    Compare(CompareArgs),
    /// Run a scenario under named shocks (a stress set) with the same draws: tails per
    /// partner, clauses fired, who carries the loss.
    Stress(StressArgs),
    /// Rank the uncertain inputs by their influence on a metric: rank correlation,
    /// one-at-a-time swings from P10 to P90, first-order Sobol index.
    Sensitivity(SensitivityArgs),
    /// The value of information of a decision between scenarios or overlays (go on or stop,
    /// agreement A or B): EVPI, and EVPPI per uncertain input.
    Evpi(EvpiArgs),
    /// Put the sharded partial results of `kloof run`, `compare`, `stress` or `fairness`
    /// together into the report of the whole study: the same files as one unsharded command,
    /// byte for byte (wall time aside).
    Merge(MergeArgs),
    /// Run a study per scenario (or region) and overlay of a sweep file, each into its own
    /// report folder, and index their headline figures; or print one job per cell.
    Sweep(SweepArgs),
    /// Serve the what-if page: the board's report of a scenario with controls for its levers,
    /// re-run on every move beside the scenario as loaded (loopback only by default).
    Serve(crate::serve::ServeArgs),
}

/// What an analysis counts as a partner's result.
#[derive(clap::Args)]
pub struct Judging {
    /// money: positions in euros; benefit: each position plus the care gained credited to
    /// the partner, valued at the scenario's λ (or --wtp).
    #[arg(long, value_name = "money|benefit", default_value = "money")]
    pub value: kloof::value::Value,
}

/// The Monte Carlo settings of every command that simulates.
#[derive(clap::Args)]
pub struct Sampling {
    /// Number of Monte Carlo runs [default: the (first) scenario's].
    #[arg(long)]
    pub runs: Option<u64>,
    /// Random seed [default: the (first) scenario's].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Willingness to pay for an FTE-year of care gained, EUR, in every domain [default: the
    /// scenario's `valuation:`, or 0 without it].
    #[arg(long, value_name = "EUR", allow_hyphen_values = true)]
    pub wtp: Option<f64>,
}

impl Sampling {
    fn options(&self) -> Options {
        Options {
            runs: self.runs,
            seed: self.seed,
            threads: self.threads,
            wtp: self.wtp,
            ..Options::default()
        }
    }

    /// The number of runs: `--runs`, or the scenario's own.
    fn runs(&self, source: &Source) -> Result<u64, Error> {
        match self.runs {
            Some(r) => Ok(r),
            None => Ok(source.parse()?.monte_carlo.runs),
        }
    }
}

#[derive(clap::Args)]
pub struct EvpiArgs {
    /// The decisions: scenario or overlay files (YAML), run under the same draws.
    #[arg(required = true, num_args = 2..)]
    pub decisions: Vec<PathBuf>,
    /// The net benefit, a network metric of results.csv [default: network.net].
    #[arg(long, default_value = "network.net")]
    pub metric: String,
    /// Its year [default: the horizon].
    #[arg(long)]
    pub year: Option<i32>,
    #[command(flatten)]
    pub judging: Judging,
    #[command(flatten)]
    pub sampling: Sampling,
    /// Report folder [default: reports/evpi-<names>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no report on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Language of brief.md, report.html and report.xlsx: nl (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: report::Lang,
}

#[derive(clap::Args)]
pub struct SensitivityArgs {
    /// Scenario or overlay file (YAML).
    pub scenario: PathBuf,
    /// The metric, as in results.csv: gap.fte, gap.eur, savings.eur.cumulative,
    /// partner.<id>.net, ...
    #[arg(long)]
    pub metric: String,
    /// Its year [default: the horizon].
    #[arg(long)]
    pub year: Option<i32>,
    /// baseline or network [default: network].
    #[arg(long, default_value = "network")]
    pub variant: String,
    #[command(flatten)]
    pub judging: Judging,
    #[command(flatten)]
    pub sampling: Sampling,
    /// Report folder [default: reports/<scenario name>-sensitivity/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no table on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Language of brief.md, report.html and report.xlsx: nl (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: report::Lang,
}

#[derive(clap::Args)]
pub struct StressArgs {
    /// Scenario or overlay file (YAML).
    pub scenario: PathBuf,
    /// Stress set (YAML): the shocks, see the README [default: the scenario's own `stress:`].
    #[arg(long = "set", value_name = "FILE")]
    pub set: Option<PathBuf>,
    #[command(flatten)]
    pub judging: Judging,
    #[command(flatten)]
    pub sampling: Sampling,
    /// Report folder [default: reports/<scenario name>-stress/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Simulate only shard K of M of the runs of the base and every shock and write their
    /// partial results to --out; `kloof merge` puts the shards together into the stress test.
    #[arg(long, value_name = "K/M")]
    pub shard: Option<study::Shard>,
    /// No progress bar and no report on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Language of brief.md, report.html and report.xlsx: nl (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: report::Lang,
}

#[derive(clap::Args)]
pub struct SweepArgs {
    /// Sweep file (YAML): `scenarios:` and/or `regions:` (built from the reference data),
    /// optional `overlays:`, `runs:` and `seed:`.
    pub sweep: PathBuf,
    /// Folder of the cells' report folders and `index.csv` [default: reports/<sweep file
    /// name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only cell N (counted from 1, as Slurm's `--array=1-N`) and write its report.
    #[arg(long, value_name = "N", conflicts_with_all = ["jobs", "index"])]
    pub cell: Option<usize>,
    /// Print the command of each cell, one line per cell, for an array job (task N runs line
    /// N); then `--index` writes the index.
    #[arg(long, conflicts_with = "index")]
    pub jobs: bool,
    /// Write only `index.csv`, from the cells' reports (every cell must have one).
    #[arg(long)]
    pub index: bool,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar and no lines on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Language of each cell's brief.md, report.html and report.xlsx: nl (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: report::Lang,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Scenario or overlay files (YAML); the first is the reference of every difference.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub judging: Judging,
    #[command(flatten)]
    pub sampling: Sampling,
    /// Last simulated year [default: the scenarios'].
    #[arg(long)]
    pub horizon: Option<i32>,
    /// Report folder [default: reports/compare-<first>-<second>.../].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no report on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Language of brief.md, report.html and report.xlsx: nl (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: report::Lang,
    /// Simulate only shard K of M of every scenario's runs and write their partial results
    /// to --out; `kloof merge` puts the shards together into the comparison.
    #[arg(long, value_name = "K/M")]
    pub shard: Option<study::Shard>,
}

#[derive(clap::Args)]
pub struct FairnessArgs {
    /// Scenario file (YAML): simulate every coalition of its partners and judge the agreed
    /// split [default: the default scenario, unless --game is given].
    #[arg(conflicts_with = "game")]
    pub scenario: Option<PathBuf>,
    /// Game file (YAML): players, the value of every coalition, optionally a split.
    #[arg(long)]
    pub game: Option<PathBuf>,
    /// Print one JSON object instead of a table (with --game).
    #[arg(long, requires = "game")]
    pub json: bool,
    /// Partners that play as one, `NAME=id,id,...` (repeatable), e.g.
    /// `--group elderly_care=vvt,sociaal_domein`.
    #[arg(long = "group", value_name = "NAME=IDS", conflicts_with = "game")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub judging: Judging,
    #[command(flatten)]
    pub sampling: Sampling,
    /// Report folder [default: reports/<scenario name>-fairness/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also search the keys of the scenario's shared-savings rule for the one that makes it
    /// most likely that every partner gains.
    #[arg(long, conflicts_with = "game")]
    pub advise: bool,
    /// Simulate only shard K of M of the runs and write the partial game to --out [default:
    /// reports/<scenario name>-fairness-shard-...]; `kloof merge` puts the shards together.
    #[arg(long, value_name = "K/M", conflicts_with_all = ["game", "advise"])]
    pub shard: Option<study::Shard>,
    /// Simulate only part K of M of the game's coalitions (with or without --shard): every
    /// pair of a run shard and a coalition part is one job for `kloof merge`.
    #[arg(long, value_name = "K/M", conflicts_with_all = ["game", "advise"])]
    pub coalitions: Option<study::Shard>,
    /// No progress bar and no table on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Language of brief.md, report.html and report.xlsx: nl (default) or en (not with
    /// --game, which writes no report).
    #[arg(long, default_value = "nl", conflicts_with = "game")]
    pub lang: report::Lang,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// A scenario file, or a folder whose `*.yaml` files are all checked [default: scenarios/,
    /// or outside a checkout the default scenario built into kloof].
    pub path: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct TestRulesArgs {
    /// Folder of rule test files (or one file) [default: rules/tests/, or outside a checkout
    /// the tests built into kloof].
    pub path: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// Scenario file, or a report folder (its manifest names the scenario, seed and horizon).
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
    #[command(flatten)]
    pub sampling: Sampling,
    /// Last simulated year [default: the scenario's, usually 2030].
    #[arg(long)]
    pub horizon: Option<i32>,
    /// Runs advanced together; results do not depend on it.
    #[arg(long, hide = true)]
    pub batch_size: Option<usize>,
    /// Report folder [default: reports/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no summary on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Also write runs.csv (every run's partner positions and headline figures) and
    /// runs.parquet (every run's value of every series in every year).
    #[arg(long)]
    pub per_run: bool,
    /// Add runs (doubling from 1,000, up to --runs) until the 95 % interval of every headline
    /// median is narrower than this share of the median, e.g. 0.01; the manifest records the
    /// runs it took.
    #[arg(long)]
    pub precision: Option<f64>,
    /// Language of brief.md, report.html, report.xlsx and the summary on the terminal: nl
    /// (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: report::Lang,
    /// Simulate only shard K of M (1 <= K <= M) of the runs and write its partial result to
    /// --out [default: reports/<scenario name>-shard-K-of-M/]; `kloof merge` puts the shards
    /// together into the report of the whole study.
    #[arg(long, value_name = "K/M")]
    pub shard: Option<study::Shard>,
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The shards' folders (`kloof run`, `compare`, `stress` or `fairness` with `--shard K/M`
    /// wrote them), every shard once.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Report folder [default: reports/<scenario name>/, or reports/compare-<names>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No summary on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Also write runs.csv and runs.parquet, as `kloof run --per-run`.
    #[arg(long)]
    pub per_run: bool,
    /// Language of the board's files and the terminal summary: nl (default) or en.
    #[arg(long, default_value = "nl")]
    pub lang: report::Lang,
}

/// A progress bar on stderr, or a hidden one when quiet or not on a terminal, so the caller
/// never branches.
fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs, {rate}, {eta} left {msg}",
    ) {
        // Whole runs per second: indicatif's own `{per_sec}` shows four decimals.
        bar.set_style(style.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} runs/s", state.per_sec());
            },
        ));
    }
    bar
}

/// Tells the bar about finished runs; after the last one, says what the pause is for (the
/// statistics of 10,000 runs take a moment, and a bar standing still at 100 % looked stuck).
fn advance(bar: &ProgressBar, runs: u64) {
    bar.inc(runs);
    if bar.length().is_some_and(|len| bar.position() >= len) {
        bar.set_message("— all runs done, computing statistics and writing the report");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
    }
}

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let source = match &args.scenario {
        Some(p) => Source::read(p)?,
        None => Source::embedded_default(),
    };
    let options = Options {
        horizon: args.horizon,
        batch_size: args.batch_size,
        precision: args.precision,
        shard: args.shard,
        ..args.sampling.options()
    };
    // The run count is known only after reading the scenario; the bar learns it on first tick.
    let bar = progress_bar(0, args.quiet);
    let runs = args.sampling.runs(&source)?;
    bar.set_length(args.shard.map_or(runs, |s| s.range(runs).1));
    let study = study::run(&source, &options, &|n| advance(&bar, n))?;
    if let Some(shard) = args.shard {
        let dir = args.out.clone().unwrap_or_else(|| {
            PathBuf::from("reports").join(format!(
                "{}-shard-{}-of-{}",
                study.scenario.name, shard.k, shard.m
            ))
        });
        let studies = [(&source, &study)];
        let files = [(
            "manifest.json",
            kloof::shard::manifest(&studies, shard, None)?,
        )];
        let values =
            |out: &mut (dyn std::io::Write + Send)| kloof::shard::write_values(&studies, out);
        let written = uninterrupted(|| {
            report::publish_files(&dir, &files, &[(kloof::shard::VALUES, &values)])
        });
        bar.finish_and_clear();
        written?;
        if !args.quiet {
            let (first, n) = shard.range(runs);
            say!(
                "shard {shard}: runs {first}–{} of {runs} → {} (kloof merge puts the shards together)",
                first + n - 1,
                dir.display()
            )?;
        }
        return Ok(());
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&study.scenario.name));
    let written = uninterrupted(|| {
        report::write(
            &dir,
            &study.manifest,
            &study.outcomes,
            &report::About::of(&study.scenario, &study.outcomes),
            args.per_run,
            args.lang,
        )
    });
    // Cleared before any error is printed, so the message does not land on the bar.
    bar.finish_and_clear();
    written?;
    if !args.quiet {
        print_summary(&study, &dir, args.lang)?;
    }
    Ok(())
}

pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let (mut studies, stress) = match kloof::shard::merge(&args.shards)? {
        kloof::shard::Merged::Studies { studies, stress } => (studies, stress),
        kloof::shard::Merged::Game(game) => {
            let bar = ProgressBar::hidden();
            return deliver_fairness(&bar, &game, args.out.as_deref(), args.quiet, args.lang);
        }
    };
    if let Some(plan) = stress {
        let value = kloof::value::Value::recorded(&studies[0].manifest.provenance);
        let stress = kloof::stress::judge(&studies, plan, value);
        let out = args.out.as_deref();
        return deliver_stress(
            &ProgressBar::hidden(),
            &studies,
            &stress,
            out,
            args.quiet,
            args.lang,
        );
    }
    if studies.len() > 1 {
        return merge_compare(args, studies);
    }
    let Some(study) = studies.pop() else {
        return Err(Error::Options("kloof merge: the shards hold no study".into()).into());
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(&study.scenario.name));
    uninterrupted(|| {
        report::write(
            &dir,
            &study.manifest,
            &study.outcomes,
            &report::About::of(&study.scenario, &study.outcomes),
            args.per_run,
            args.lang,
        )
    })?;
    if !args.quiet {
        print_summary(&study, &dir, args.lang)?;
    }
    Ok(())
}

/// The comparison the merged studies of `kloof compare --shard` make, written as `kloof
/// compare` writes it.
fn merge_compare(args: &MergeArgs, studies: Vec<study::Study>) -> Result<(), Failure> {
    let value = kloof::value::Value::recorded(&studies[0].manifest.provenance);
    let comparison = kloof::compare::compare(&studies, value);
    let out = args.out.as_deref();
    deliver_comparison(
        &ProgressBar::hidden(),
        &studies,
        &comparison,
        out,
        args.quiet,
        args.lang,
    )
}

/// Shard `shard` of a command's studies, each simulated from its source.
struct Partial<'a> {
    sources: &'a [Source],
    studies: &'a [study::Study],
    shard: study::Shard,
    /// For a stress test: what the merge judges the studies by.
    stress: Option<&'a kloof::stress::Plan>,
}

/// Writes the partial result of a sharded `compare` or `stress` (`what` it is a shard of) to
/// `dir`, as [`deliver`] does.
fn deliver_partial(
    bar: &ProgressBar,
    dir: &std::path::Path,
    quiet: bool,
    p: &Partial,
    what: &str,
) -> Result<(), Failure> {
    let pairs: Vec<_> = p.sources.iter().zip(p.studies).collect();
    let files = [(
        "manifest.json",
        kloof::shard::manifest(&pairs, p.shard, p.stress)?,
    )];
    let values = |out: &mut (dyn std::io::Write + Send)| kloof::shard::write_values(&pairs, out);
    deliver(
        bar,
        dir,
        quiet,
        || report::publish_files(dir, &files, &[(kloof::shard::VALUES, &values)]),
        || {
            format!(
                "shard {} of {what} (kloof merge puts the shards together)",
                p.shard
            )
        },
    )
}

/// Writes the report of a comparison (to `out`, or `reports/compare-<names>/`) as
/// [`deliver`] does.
fn deliver_comparison(
    bar: &ProgressBar,
    studies: &[study::Study],
    comparison: &kloof::compare::Comparison,
    out: Option<&std::path::Path>,
    quiet: bool,
    lang: Lang,
) -> Result<(), Failure> {
    let manifests: Vec<_> = studies.iter().map(|s| s.manifest.clone()).collect();
    let dir = out.map_or_else(
        || PathBuf::from("reports").join(format!("compare-{}", comparison.names.join("-"))),
        std::path::Path::to_path_buf,
    );
    deliver(
        bar,
        &dir,
        quiet,
        || {
            report::compare::write(
                &dir,
                &manifests,
                comparison,
                &report::names_in(&studies[0].scenario, lang),
                lang,
            )
        },
        || report::compare::render(&manifests, comparison),
    )
}

/// Puts a report folder in place whole (a signal waits until it is), clears the progress bar
/// so that an error does not land on it, and unless `quiet` prints the report's `text` and
/// where it went.
fn deliver(
    bar: &ProgressBar,
    dir: &std::path::Path,
    quiet: bool,
    write: impl FnOnce() -> Result<(), report::ReportError>,
    text: impl FnOnce() -> String,
) -> Result<(), Failure> {
    let written = uninterrupted(write);
    bar.finish_and_clear();
    written?;
    if !quiet {
        say!("{}", text())?;
        say!("Report: {}", dir.display())?;
    }
    Ok(())
}

/// The headline figures on the terminal, in `lang`: each a median with its 90 % interval and
/// the series of results.csv it comes from, for the analyst who looks further.
fn print_summary(study: &study::Study, dir: &std::path::Path, lang: Lang) -> std::io::Result<()> {
    let o = &study.outcomes;
    let p = &study.manifest.provenance;
    let end = p.horizon;
    let l = |nl: &'static str, en: &'static str| lang.pick(nl, en);
    say!(
        "{} — {} {}, seed {}, {}–{} ({} s)",
        study.scenario.title,
        lang.number(p.runs as f64, 0),
        l("doorrekeningen", "runs"),
        p.seed,
        p.start_year,
        end,
        lang.number(study.manifest.wall_time_seconds, 1)
    )?;
    say!(
        "{} {end}, {}:",
        l("In", "In"),
        l("mediaan (90 %-interval)", "median (90 % interval)")
    )?;
    let fte = |x: f64| format!("{} {}", lang.number(x, 0), l("fte", "FTE"));
    let years = |x: f64| format!("{} {}", lang.number(x, 0), l("fte-jaren", "FTE-years"));
    let eur = |x: f64| lang.eur(x);
    let line = |label: &str, v: &str, metric: &str, f: &dyn Fn(f64) -> String| match o
        .get(v, metric, end)
        .map(Summary::of)
    {
        Some(s) => say!(
            "  {label:<42} {:>14}  ({} – {})  {v}/{metric}",
            f(s.p50),
            f(s.p5),
            f(s.p95)
        ),
        None => Ok(()),
    };
    line(
        l(
            "personeelstekort zonder netwerk",
            "staff gap without the network",
        ),
        BASELINE,
        "gap.fte",
        &fte,
    )?;
    line(
        l("personeelstekort met netwerk", "staff gap with the network"),
        NETWORK,
        "gap.fte",
        &fte,
    )?;
    line(
        l("geldtekort zonder netwerk", "money gap without the network"),
        BASELINE,
        "gap.eur",
        &eur,
    )?;
    line(
        l("geldtekort met netwerk", "money gap with the network"),
        NETWORK,
        "gap.eur",
        &eur,
    )?;
    line(
        l(
            "wachtende zorg zonder netwerk",
            "care waiting without the network",
        ),
        BASELINE,
        "unmet.eur.total",
        &eur,
    )?;
    line(
        l(
            "wachtende zorg met netwerk",
            "care waiting with the network",
        ),
        NETWORK,
        "unmet.eur.total",
        &eur,
    )?;
    line(
        l("besparing dit jaar", "saving this year"),
        NETWORK,
        "savings.eur.total",
        &eur,
    )?;
    line(
        l("besparing sinds de start", "saving since the start"),
        NETWORK,
        "savings.eur.cumulative",
        &eur,
    )?;
    line(
        l(
            "alle partners samen, in geld",
            "all partners together, in money",
        ),
        NETWORK,
        "network.net",
        &eur,
    )?;
    // What the network is for where staff are short: the care it gains, and its price.
    line(
        l(
            "zorg gewonnen sinds de start",
            "care gained since the start",
        ),
        NETWORK,
        "care.gained.fte_years",
        &years,
    )?;
    if let Some(all) = o.get(NETWORK, "partners.all_gain", end) {
        let share = all.iter().sum::<f64>() / all.len().max(1) as f64;
        say!(
            "  {:<42} {:>14}  {NETWORK}/partners.all_gain",
            l("alle partners winnen", "every partner gains"),
            format!(
                "{} {}",
                lang.percent(share),
                l("van de doorrekeningen", "of runs")
            )
        )?;
    }
    if let Some(ce) = kloof::cost_effectiveness::assess(o, &study.scenario, NETWORK, end) {
        if let Some(c) = ce.cost_per_fte_year {
            say!(
                "  {:<42} {:>14}  ({})",
                l(
                    "kosten per fte-jaar gewonnen zorg",
                    "cost per FTE-year of care gained"
                ),
                eur(c),
                l(
                    "gemiddelde kosten gedeeld door gemiddelde zorg",
                    "mean cost over mean care gained"
                )
            )?;
        }
        line(
            l(
                "maatschappelijk saldo (zorg gewaardeerd)",
                "net benefit (care valued)",
            ),
            NETWORK,
            "network.benefit",
            &eur,
        )?;
        say!(
            "  {:<42} {:>14}",
            l("de prijs waard bij λ", "worth its price at λ"),
            format!(
                "{} {}",
                lang.percent(ce.worth_it),
                l("van de doorrekeningen", "of runs")
            )
        )?;
    }
    say!("{}: {}", l("Rapport", "Report"), dir.display())
}

/// `kloof check`: every scenario in the path, every rule they use; exit 1 on any error.
pub fn check(args: &CheckArgs) -> Result<bool, Failure> {
    let path = match &args.path {
        Some(p) => p.clone(),
        None if std::path::Path::new(DEFAULT_SCENARIOS).is_dir() => {
            PathBuf::from(DEFAULT_SCENARIOS)
        }
        None => return check_embedded(),
    };
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut f: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(|e| Error::Options(format!("cannot read {}: {e}", path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        f.sort();
        f
    } else {
        vec![path.clone()]
    };
    // Checking nothing must not read as "all is well".
    if files.is_empty() {
        return Err(Error::Options(format!(
            "no scenario files (*.yaml, *.yml) in {}",
            path.display()
        ))
        .into());
    }
    let mut ok = true;
    for file in &files {
        let checked = study::check(file)
            .and_then(|summary| dry_run(file).map(|()| summary))
            .map_err(|errors| {
                let mut errors = every_scenario_error(file, errors);
                errors.extend(rules_of_broken(file, &errors));
                errors
            });
        match checked {
            Ok(summary) => say!(
                "ok    {}  ({summary}; dry run of {DRY_RUNS} runs)",
                file.display()
            )?,
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

/// A scenario's error replaced by all of them (reading stops at the first; `check` promises
/// every one, see `scenario::parse_all`).
fn every_scenario_error(file: &std::path::Path, errors: Vec<Error>) -> Vec<Error> {
    if !errors.iter().any(|e| matches!(e, Error::Scenario(_))) {
        return errors;
    }
    let Ok(source) = Source::read(file) else {
        return errors;
    };
    match kloof::scenario::parse_all(&source.text, &source.path) {
        Ok(_) => errors,
        Err(all) => all.into_iter().map(Error::Scenario).collect(),
    }
}

/// When a scenario has an error of its own, the rule files it names are still compiled and
/// resolved, so one `check` shows what is wrong in every file (issue 8, item 6).
fn rules_of_broken(file: &std::path::Path, errors: &[Error]) -> Vec<Error> {
    if !errors.iter().any(|e| matches!(e, Error::Scenario(_))) {
        return Vec::new();
    }
    let Ok(source) = Source::read(file) else {
        return Vec::new();
    };
    let Ok(doc) = serde_yaml::from_str::<serde_yaml::Value>(&source.text) else {
        return Vec::new();
    };
    let files: Vec<String> = doc
        .get("rules")
        .and_then(serde_yaml::Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("file")?.as_str().map(str::to_string))
        .collect();
    kloof::rules::RuleSet::check_files(&files, source.dir().as_deref())
        .into_iter()
        .map(|e| Error::Rules(vec![e]))
        .collect()
}

/// Where `check` and `test-rules` look without an argument, in a checkout.
const DEFAULT_SCENARIOS: &str = "scenarios";
const DEFAULT_RULE_TESTS: &str = "rules/tests";

/// `kloof check` outside a checkout: the default scenario and rule library built into kloof,
/// as `kloof run` without a scenario would use them.
fn check_embedded() -> Result<bool, Failure> {
    say!("(no {DEFAULT_SCENARIOS}/ here: the default scenario built into kloof)")?;
    let source = Source::embedded_default();
    let options = Options {
        runs: Some(DRY_RUNS),
        ..Options::default()
    };
    match study::run(&source, &options, &|_| {}) {
        Ok(_) => {
            say!("ok    {}  (dry run of {DRY_RUNS} runs)", source.path)?;
            Ok(true)
        }
        Err(e) => {
            say!("error {}\n{e}\n", source.path)?;
            Ok(false)
        }
    }
}

/// Runs in the dry run that ends `kloof check`: enough for every year and every hook of the
/// network to run on a few different draws, few enough to take well under a second.
const DRY_RUNS: u64 = 16;

/// Simulates a scenario that passed the static checks for [`DRY_RUNS`] runs, so what shows only
/// when rules run (a wrong type, a payment from an account that does not exist, a negative
/// amount) is found by `check` and not by `run` (issue 8, item 6).
fn dry_run(file: &std::path::Path) -> Result<(), Vec<Error>> {
    let source = Source::read(file).map_err(|e| vec![e.into()])?;
    let options = Options {
        runs: Some(DRY_RUNS),
        ..Options::default()
    };
    study::run(&source, &options, &|_| {}).map_err(|e| vec![e])?;
    // A scenario's own shocks must apply too, or `kloof stress` would be the first to say so.
    if source.parse().is_ok_and(|s| s.stress.is_some()) {
        kloof::stress::shocked(&source, None, &options).map_err(|e| vec![e])?;
    }
    Ok(())
}

/// `kloof test-rules`: runs the YAML cases, prints each failure with its differences.
pub fn test_rules(args: &TestRulesArgs) -> Result<bool, Failure> {
    use kloof::rules::testing;
    let results = match &args.path {
        Some(p) => testing::run_dir(p).map_err(Error::Options)?,
        None if std::path::Path::new(DEFAULT_RULE_TESTS).is_dir() => {
            testing::run_dir(std::path::Path::new(DEFAULT_RULE_TESTS)).map_err(Error::Options)?
        }
        None => {
            say!("(no {DEFAULT_RULE_TESTS}/ here: the rule tests built into kloof)")?;
            testing::run_embedded()
        }
    };
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
    let (source, seed, horizon) = if args.scenario.is_dir() {
        let (source, seed, horizon) = from_report(&args.scenario)?;
        (
            source,
            args.seed.or(Some(seed)),
            args.horizon.or(Some(horizon)),
        )
    } else {
        (Source::read(&args.scenario)?, args.seed, args.horizon)
    };
    let entries = study::explain(&source, args.run, args.year, seed, horizon)?;
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

/// The scenario, seed and horizon a report folder was made with, from its `manifest.json`, so
/// `kloof explain reports/ruwaard --run 3 --year 2027` explains the report's own run 3. The
/// scenario and rule files must be the ones the manifest hashed: otherwise the entries would
/// not be the report's, and saying so beats showing other numbers.
fn from_report(dir: &std::path::Path) -> Result<(Source, u64, i32), Failure> {
    let bad = |m: String| Failure::from(Error::Options(format!("{}: {m}", dir.display())));
    let path = dir.join("manifest.json");
    let text = kloof::scenario::read_text(&path, 1 << 20)
        .map_err(|m| bad(format!("manifest.json: {m} (is this a report folder?)")))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("manifest.json: {e}")))?;
    let field = |k: &str| {
        manifest
            .get(k)
            .ok_or_else(|| bad(format!("manifest.json has no `{k}`")))
    };
    let scenario = field("scenario_path")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let seed = field("seed")?
        .as_u64()
        .ok_or_else(|| bad("`seed` is not a number".into()))?;
    let horizon = field("horizon")?
        .as_i64()
        .and_then(|h| i32::try_from(h).ok())
        .ok_or_else(|| bad("`horizon` is not a year".into()))?;
    let source = if scenario.starts_with("(embedded)") {
        Source::embedded_default()
    } else {
        Source::read(std::path::Path::new(&scenario))?
    };
    let mut files = vec![(
        scenario.clone(),
        field("scenario_sha256")?.clone(),
        Some(source.text.clone()),
    )];
    for rule in field("rules")?.as_array().into_iter().flatten() {
        let rule_path = rule["path"].as_str().unwrap_or_default().to_string();
        // Embedded rules are part of this kloof binary; the version check covers them.
        if !rule_path.starts_with("(embedded)") {
            let text = kloof::scenario::read_text(
                std::path::Path::new(&rule_path),
                kloof::scenario::MAX_RULE_BYTES,
            )
            .ok();
            files.push((rule_path, rule["sha256"].clone(), text));
        }
    }
    for (file, sha, text) in files {
        let same = text
            .is_some_and(|t| sha.as_str() == Some(&kloof::provenance::sha256_hex(t.as_bytes())));
        if !same {
            return Err(bad(format!(
                "{file} is missing or has changed since the report was made; run it again, or \
                 explain the scenario file itself"
            )));
        }
    }
    Ok((source, seed, horizon))
}

/// Seed of the sampled Shapley value (games above `EXACT_SHAPLEY_MAX_PLAYERS` players), fixed
/// so the same file always prints the same numbers.
const SHAPLEY_SEED: u64 = 1;

/// `kloof compare A B [...]`: scenarios or overlays under the same draws, side by side.
pub fn compare(args: &CompareArgs) -> Result<(), Failure> {
    let sources = args
        .scenarios
        .iter()
        .map(|p| Source::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let options = Options {
        horizon: args.horizon,
        value: args.judging.value,
        shard: args.shard,
        ..args.sampling.options()
    };
    let runs = args.sampling.runs(&sources[0])?;
    let per_study = args.shard.map_or(runs, |s| s.range(runs).1);
    let bar = progress_bar(per_study * sources.len() as u64, args.quiet);
    if let Some(shard) = args.shard {
        let studies = study::run_together(&sources, &options, &|n| advance(&bar, n))?;
        let dir = args.out.clone().unwrap_or_else(|| {
            let names: Vec<&str> = studies.iter().map(|s| s.scenario.name.as_str()).collect();
            PathBuf::from("reports").join(format!(
                "compare-{}-shard-{}-of-{}",
                names.join("-"),
                shard.k,
                shard.m
            ))
        });
        let partial = Partial {
            sources: &sources,
            studies: &studies,
            shard,
            stress: None,
        };
        return deliver_partial(&bar, &dir, args.quiet, &partial, "the comparison");
    }
    let (studies, comparison) = kloof::compare::run(&sources, &options, &|n| advance(&bar, n))?;
    let out = args.out.as_deref();
    deliver_comparison(&bar, &studies, &comparison, out, args.quiet, args.lang)
}

/// `kloof sweep SWEEP.yaml`: every cell (or `--cell N`) into its report folder, then the
/// index; `--jobs` prints one command per cell instead.
pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let sweep = kloof::sweep::read(&args.sweep)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args.sweep.file_stem().unwrap_or_default().to_string_lossy();
        PathBuf::from("reports").join(stem.as_ref())
    });
    if args.jobs {
        // Paths as a shell reads them: quoted when they hold anything but plain characters.
        let word = |p: &std::path::Path| {
            let p = p.display().to_string();
            if p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_./-+=:@".contains(c))
            {
                p
            } else {
                format!("'{}'", p.replace('\'', r"'\''"))
            }
        };
        for cell in &sweep.cells {
            say!(
                "kloof sweep {} --cell {} --out {} --quiet",
                word(&args.sweep),
                cell.number,
                word(&out)
            )?;
        }
        return Ok(());
    }
    let cells: Vec<&kloof::sweep::Cell> = match args.cell {
        Some(n) => vec![sweep.cells.get(n.wrapping_sub(1)).ok_or_else(|| {
            Error::Options(format!(
                "--cell {n}: the sweep has cells 1 to {}",
                sweep.cells.len()
            ))
        })?],
        None if args.index => Vec::new(),
        None => sweep.cells.iter().collect(),
    };
    let options = Options {
        threads: args.threads,
        ..sweep.options.clone()
    };
    for cell in cells {
        let bar = progress_bar(0, args.quiet);
        let runs = match options.runs {
            Some(r) => r,
            None => cell.source.parse().map_err(Error::from)?.monte_carlo.runs,
        };
        bar.set_length(runs);
        let study = study::run(&cell.source, &options, &|n| advance(&bar, n))?;
        let dir = out.join(&cell.name);
        let written = uninterrupted(|| {
            report::write(
                &dir,
                &study.manifest,
                &study.outcomes,
                &report::About::of(&study.scenario, &study.outcomes),
                false,
                args.lang,
            )
        });
        bar.finish_and_clear();
        written?;
        if !args.quiet {
            say!(
                "cell {} of {}: {} → {}",
                cell.number,
                sweep.cells.len(),
                cell.name,
                dir.display()
            )?;
        }
    }
    if args.cell.is_some() {
        return Ok(());
    }
    let index = kloof::sweep::index(&sweep, &out)?;
    let path = out.join("index.csv");
    let fresh = out.join(".index.csv.kloof");
    std::fs::create_dir_all(&out)
        .and_then(|()| std::fs::write(&fresh, index))
        .and_then(|()| std::fs::rename(&fresh, &path))
        .map_err(|e| Error::Options(format!("cannot write {}: {e}", path.display())))?;
    if !args.quiet {
        say!("Index: {}", path.display())?;
    }
    Ok(())
}

/// `kloof stress SCENARIO [--set FILE]`: the scenario under each shock, side by side.
pub fn stress(args: &StressArgs) -> Result<(), Failure> {
    let source = Source::read(&args.scenario)?;
    let options = Options {
        value: args.judging.value,
        shard: args.shard,
        ..args.sampling.options()
    };
    let bar = progress_bar(0, args.quiet);
    let (sources, plan) = kloof::stress::plan(&source, args.set.as_deref(), &options)?;
    let runs = args.sampling.runs(&source)?;
    bar.set_length(args.shard.map_or(runs, |s| s.range(runs).1) * sources.len() as u64);
    let studies = study::run_together(&sources, &options, &|n| advance(&bar, n))?;
    if let Some(shard) = args.shard {
        let dir = args.out.clone().unwrap_or_else(|| {
            PathBuf::from("reports").join(format!(
                "{}-stress-shard-{}-of-{}",
                studies[0].scenario.name, shard.k, shard.m
            ))
        });
        let partial = Partial {
            sources: &sources,
            studies: &studies,
            shard,
            stress: Some(&plan),
        };
        return deliver_partial(&bar, &dir, args.quiet, &partial, "the stress test");
    }
    let stress = kloof::stress::judge(&studies, plan, options.value);
    deliver_stress(
        &bar,
        &studies,
        &stress,
        args.out.as_deref(),
        args.quiet,
        args.lang,
    )
}

/// Writes the report of a stress test (to `out`, or `reports/<scenario>-stress/`) as
/// [`deliver`] does.
fn deliver_stress(
    bar: &ProgressBar,
    studies: &[study::Study],
    stress: &kloof::stress::Stress,
    out: Option<&std::path::Path>,
    quiet: bool,
    lang: Lang,
) -> Result<(), Failure> {
    let manifests: Vec<_> = studies.iter().map(|s| s.manifest.clone()).collect();
    let dir = out.map_or_else(
        || PathBuf::from("reports").join(format!("{}-stress", stress.comparison.names[0])),
        std::path::Path::to_path_buf,
    );
    deliver(
        bar,
        &dir,
        quiet,
        || {
            report::stress::write(
                &dir,
                &manifests,
                stress,
                &report::names_in(&studies[0].scenario, lang),
                lang,
            )
        },
        || report::stress::render(&manifests, stress),
    )
}

/// `kloof sensitivity SCENARIO --metric M`: a tornado of the inputs that drive M.
pub fn sensitivity(args: &SensitivityArgs) -> Result<(), Failure> {
    let source = Source::read(&args.scenario)?;
    let options = Options {
        value: args.judging.value,
        ..args.sampling.options()
    };
    let runs = args.sampling.runs(&source)?;
    let bar = progress_bar(runs, args.quiet);
    let (study, ranked) = study::sensitivity(
        &source,
        &options,
        &args.metric,
        &args.variant,
        args.year,
        &|n| advance(&bar, n),
    )?;
    let dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("{}-sensitivity", study.scenario.name))
    });
    deliver(
        &bar,
        &dir,
        args.quiet,
        || {
            let names = report::Names::of(&study.scenario, args.lang);
            report::sensitivity::write(&dir, &study.manifest, &ranked, &names, args.lang)
        },
        || report::sensitivity::render(&study.manifest.provenance, &ranked, 15),
    )
}

/// `kloof evpi A B [...]`: what knowing the uncertain inputs before deciding is worth.
pub fn evpi(args: &EvpiArgs) -> Result<(), Failure> {
    let sources = args
        .decisions
        .iter()
        .map(|p| Source::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let options = Options {
        value: args.judging.value,
        ..args.sampling.options()
    };
    let runs = args.sampling.runs(&sources[0])?;
    let bar = progress_bar(runs * sources.len() as u64, args.quiet);
    let (studies, voi) =
        study::value_of_information(&sources, &options, &args.metric, args.year, &|n| {
            advance(&bar, n)
        })?;
    let manifests: Vec<_> = studies.iter().map(|s| s.manifest.clone()).collect();
    let names: Vec<&str> = voi.decisions.iter().map(|(n, _)| n.as_str()).collect();
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("evpi-{}", names.join("-"))));
    deliver(
        &bar,
        &dir,
        args.quiet,
        || {
            let names = report::Names::of(&studies[0].scenario, args.lang);
            report::value_of_information::write(&dir, &manifests, &voi, &names, args.lang)
        },
        || report::value_of_information::render(&manifests, &voi, 10),
    )
}

/// `kloof fairness`: a scenario's coalitions simulated, or a game given directly.
pub fn fairness(args: &FairnessArgs) -> Result<(), Failure> {
    match &args.game {
        Some(path) => fairness_game(path, args.json),
        None => fairness_scenario(args),
    }
}

/// `kloof fairness SCENARIO`: every coalition simulated, the agreed split judged.
fn fairness_scenario(args: &FairnessArgs) -> Result<(), Failure> {
    let source = match &args.scenario {
        Some(p) => Source::read(p)?,
        None => Source::embedded_default(),
    };
    let groups = args
        .groups
        .iter()
        .map(|g| {
            let (name, ids) = g
                .split_once('=')
                .ok_or_else(|| Error::Options(format!("--group {g}: write NAME=id,id,...")))?;
            Ok((
                name.trim().to_string(),
                ids.split(',')
                    .map(|i| i.trim().to_string())
                    .filter(|i| !i.is_empty())
                    .collect(),
            ))
        })
        .collect::<Result<Vec<(String, Vec<String>)>, Error>>()?;
    let options = Options {
        value: args.judging.value,
        shard: args.shard,
        ..args.sampling.options()
    };
    let bar = progress_bar(0, args.quiet);
    let progress = |n, total| {
        bar.set_length(total);
        bar.inc(n)
    };
    if args.shard.is_some() || args.coalitions.is_some() {
        let (runs, part) = (
            args.shard.unwrap_or(study::Shard { k: 1, m: 1 }),
            args.coalitions.unwrap_or(study::Shard { k: 1, m: 1 }),
        );
        let shard = study::fairness_shard(&source, &options, &groups, part, &progress)?;
        let dir = args.out.clone().unwrap_or_else(|| {
            PathBuf::from("reports").join(format!(
                "{}-fairness-shard-{}-of-{}-coalitions-{}-of-{}",
                source.parse().map(|s| s.name).unwrap_or_default(),
                runs.k,
                runs.m,
                part.k,
                part.m
            ))
        });
        let files = [(
            "manifest.json",
            kloof::shard::game::manifest(&source, &shard, runs)?,
        )];
        let values =
            |out: &mut (dyn std::io::Write + Send)| kloof::shard::game::write_values(&shard, out);
        return deliver(
            &bar,
            &dir,
            args.quiet,
            || report::publish_files(&dir, &files, &[(kloof::shard::VALUES, &values)]),
            || {
                format!(
                    "runs {runs}, coalitions {part} of the game (kloof merge puts the shards together)"
                )
            },
        );
    }
    let study = study::fairness(&source, &options, &groups, args.advise, &progress)?;
    deliver_fairness(&bar, &study, args.out.as_deref(), args.quiet, args.lang)
}

/// Writes the report of the partners' game (to `out`, or `reports/<scenario>-fairness/`) as
/// [`deliver`] does.
fn deliver_fairness(
    bar: &ProgressBar,
    study: &study::FairnessStudy,
    out: Option<&std::path::Path>,
    quiet: bool,
    lang: Lang,
) -> Result<(), Failure> {
    let dir = out.map_or_else(
        || PathBuf::from("reports").join(format!("{}-fairness", study.scenario.name)),
        std::path::Path::to_path_buf,
    );
    let advice = study.advice.as_ref();
    deliver(
        bar,
        &dir,
        quiet,
        || {
            let names = report::Names::of(&study.scenario, lang);
            let a = &study.assessment;
            report::fairness::write(&dir, &study.manifest, a, advice, &names, lang)
        },
        || report::fairness::render(&study.manifest.provenance, &study.assessment, advice),
    )
}

/// `kloof fairness --game FILE`: the Shapley value and nucleolus of a game, and the verdict on
/// its split.
fn fairness_game(path: &std::path::Path, json: bool) -> Result<(), Failure> {
    use kloof::fairness::{self, MAX_NUCLEOLUS_PLAYERS};
    let file = fairness::read_game(path).map_err(Error::from)?;
    let game = &file.game;
    let players = game.players();
    let shapley = fairness::shapley(game, SHAPLEY_SEED);
    // Above MAX_NUCLEOLUS_PLAYERS the rest is still worth printing; below it a failure is not
    // expected and is reported.
    let nucleolus = if players.len() > MAX_NUCLEOLUS_PLAYERS {
        None
    } else {
        Some(fairness::nucleolus(game).map_err(Error::from)?)
    };
    let verdict = match &file.split {
        Some(split) => Some(fairness::core_verdict(game, split).map_err(Error::from)?),
        None => None,
    };
    let blocking = verdict.as_ref().and_then(|v| v.blocking(game));
    let names = |c: fairness::Coalition| -> Vec<&str> {
        c.members().map(|i| players[i].as_str()).collect()
    };
    if json {
        let shapley: Vec<f64> = shapley.iter().map(|e| e.value).collect();
        let out = FairnessJson {
            shapley: Named(players, &shapley),
            nucleolus: nucleolus.as_ref().map(|n| Named(players, &n.split)),
            in_core: verdict.as_ref().map(fairness::CoreVerdict::in_core),
            blocking: blocking.map(names),
        };
        let text = serde_json::to_string_pretty(&out)
            .map_err(|e| Error::Options(format!("cannot write JSON: {e}")))?;
        return Ok(say!("{text}")?);
    }
    let unit = match game.kind() {
        fairness::Kind::Savings => "savings",
        fairness::Kind::Cost => "cost",
    };
    say!("{}: {} players, {unit} game", path.display(), players.len())?;
    let width = players
        .iter()
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let sampled = players.len() > fairness::EXACT_SHAPLEY_MAX_PLAYERS;
    say!(
        "  {:<width$}  {:>14}  {:>14}{}",
        "player",
        "Shapley",
        "nucleolus",
        if sampled { "  Shapley s.e." } else { "" }
    )?;
    for (i, p) in players.iter().enumerate() {
        let n = nucleolus
            .as_ref()
            .map_or("-".to_string(), |n| format!("{:.4}", n.split[i]));
        let se = if sampled {
            format!("  {:>13.4}", shapley[i].std_error)
        } else {
            String::new()
        };
        say!(
            "  {:<width$}  {:>14.4}  {n:>14}{se}",
            printable(p),
            shapley[i].value
        )?;
    }
    if sampled {
        say!(
            "Shapley estimated from {} random orders (seed {SHAPLEY_SEED}).",
            fairness::SAMPLED_PERMUTATIONS
        )?;
    }
    match &nucleolus {
        None => say!("Nucleolus not computed above {MAX_NUCLEOLUS_PLAYERS} players.")?,
        Some(n) if n.pre => say!(
            "No imputation exists (together the players get less than alone): the nucleolus \
             column is the pre-nucleolus."
        )?,
        Some(_) => {}
    }
    let list = |c| {
        names(c)
            .iter()
            .map(|p| printable(p))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &verdict {
        None => {}
        Some(fairness::CoreVerdict::InCore) => say!("The split is in the core.")?,
        Some(fairness::CoreVerdict::Blocked { coalition, excess }) => say!(
            "The split is not in the core: {{{}}} does better on its own, by {excess:.4}.",
            list(*coalition)
        )?,
        Some(fairness::CoreVerdict::Short { shortfall }) => say!(
            "The split is not in the core: it {} {shortfall:.4} {} the grand coalition's \
             {unit}, so all players together block it.",
            if game.kind() == fairness::Kind::Cost {
                "charges"
            } else {
                "hands out"
            },
            if game.kind() == fairness::Kind::Cost {
                "more than"
            } else {
                "less than"
            },
        )?,
        Some(fairness::CoreVerdict::Overspent { excess }) => say!(
            "The split is not in the core: it {} {excess:.4} {} the grand coalition's {unit}.",
            if game.kind() == fairness::Kind::Cost {
                "charges"
            } else {
                "hands out"
            },
            if game.kind() == fairness::Kind::Cost {
                "less than"
            } else {
                "more than"
            },
        )?,
    }
    Ok(())
}

/// The JSON `kloof fairness --json` prints: `in_core` is null without a split, `blocking` null
/// when in the core, without a split, or when the split hands out more than there is.
#[derive(serde::Serialize)]
struct FairnessJson<'a> {
    shapley: Named<'a>,
    nucleolus: Option<Named<'a>>,
    in_core: Option<bool>,
    blocking: Option<Vec<&'a str>>,
}

/// Players and their amounts, serialised as a JSON object in the players' order (serde_json's
/// own map would sort the keys).
struct Named<'a>(&'a [String], &'a [f64]);

impl serde::Serialize for Named<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0.iter().zip(self.1) {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
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
