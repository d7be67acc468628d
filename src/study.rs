//! One simulation of one scenario, from its text to per-run outcomes and provenance: the
//! library's front door, used by `kloof run`, the tests and the benches.

use std::time::Instant;

use crate::fairness;
use crate::model::Model;
use crate::outcome::Outcomes;
use crate::provenance::{Manifest, Provenance, sha256_hex};
use crate::rules::RuleSet;
use crate::scenario::{self, Scenario};
use crate::simulator::{self, Settings};
use crate::variant;
use crate::{Error, scenario::ScenarioError};

/// The default scenario, embedded so that `kloof run` works from any folder.
pub const DEFAULT_SCENARIO_PATH: &str = "scenarios/zoetermeer.yaml";
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/zoetermeer.yaml");

/// A scenario's text and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// How errors and the manifest name it.
    pub path: String,
    pub text: String,
    /// The folder its rule paths start from, when not the file's own (an overlay's scenario
    /// finds its rules from its base's folder).
    pub rules_dir: Option<std::path::PathBuf>,
    /// Partners that do not take part in the agreement (an overlay's `not_taking_part`).
    pub absent: Vec<String>,
    /// Partners that leave the agreement from a year on (a stress test's `leaves`), keeping
    /// their contracts.
    pub leaves: Vec<(String, i32)>,
    /// Providers that leave the agreement and the region's market from a year on (a stress
    /// test's `exits_market`): their clients go to providers outside the network.
    pub exits_market: Vec<(String, i32)>,
}

impl Source {
    pub fn embedded_default() -> Source {
        Source {
            path: format!("(embedded) {DEFAULT_SCENARIO_PATH}"),
            text: DEFAULT_SCENARIO.to_string(),
            ..Source::default()
        }
    }

    pub fn read(path: &std::path::Path) -> Result<Source, ScenarioError> {
        let text = scenario::read_text(path, scenario::MAX_SCENARIO_BYTES).map_err(|message| {
            ScenarioError {
                file: path.display().to_string(),
                line: None,
                column: None,
                key: String::new(),
                message,
            }
        })?;
        scenario::check_nesting_of(&text, &path.display().to_string())?;
        if crate::overlay::is_overlay(&text) {
            let a = crate::overlay::apply(path, &text)?;
            return Ok(Source {
                path: a.path,
                text: a.text,
                rules_dir: Some(a.rules_dir),
                absent: a.absent,
                leaves: Vec::new(),
                exits_market: Vec::new(),
            });
        }
        Ok(Source {
            path: path.display().to_string(),
            text,
            ..Source::default()
        })
    }

    /// The folder relative rule paths start from; `None` for the embedded scenario, whose
    /// rules come from kloof's embedded library.
    pub fn dir(&self) -> Option<std::path::PathBuf> {
        if let Some(d) = &self.rules_dir {
            return Some(d.clone());
        }
        if self.path.starts_with("(embedded)") {
            return None;
        }
        Some(
            std::path::Path::new(&self.path)
                .parent()
                .map(|p| p.to_path_buf())
                .unwrap_or_default(),
        )
    }

    pub fn parse(&self) -> Result<Scenario, ScenarioError> {
        scenario::parse(&self.text, &self.path)
    }
}

/// Overrides of the scenario's own settings.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub runs: Option<u64>,
    pub seed: Option<u64>,
    pub horizon: Option<i32>,
    pub threads: Option<usize>,
    pub batch_size: Option<usize>,
    /// Add runs until the 95 % interval of every headline median is narrower than this share
    /// of the median (see [`HEADLINES`]), up to `runs`.
    pub precision: Option<f64>,
    /// λ, EUR per FTE-year of care gained, in every domain instead of the scenario's
    /// `valuation:` (`--wtp`).
    pub wtp: Option<f64>,
    /// What the analyses on top of the study count: money, or money and care (`--value`).
    pub value: crate::value::Value,
    /// Stops the simulation when set (see [`simulator::Cancel`]).
    pub cancel: Option<simulator::Cancel>,
    /// Simulate only this share of the runs (`--shard K/M`); see [`crate::shard`].
    pub shard: Option<Shard>,
}

/// Shard `k` of `m` (1 ≤ k ≤ m, counted from 1 as Slurm's `--array=1-M` and nextest count):
/// runs `⌊(k−1)·N/m⌋..⌊k·N/m⌋` of a study of N runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub m: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}`: give the shard as K/M, with 1 <= K <= M (e.g. 2/4)");
        let (k, m) = text.split_once('/').ok_or_else(bad)?;
        let (k, m): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            m.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || k > m {
            return Err(bad());
        }
        Ok(Shard { k, m })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.m)
    }
}

impl Shard {
    /// The runs of this shard in a study of `runs`: the first and how many.
    pub fn range(self, runs: u64) -> (u64, u64) {
        let at = |i: u64| (u128::from(i) * u128::from(runs) / u128::from(self.m)) as u64;
        (at(self.k - 1), at(self.k) - at(self.k - 1))
    }
}

/// Replaces the scenario's λ by `wtp` in every domain (keeping its grid and credit, or the
/// defaults when it values no care).
fn set_wtp(scenario: &mut Scenario, wtp: f64) -> Result<(), Error> {
    let bounds = scenario::ranges::WTP.bounds;
    if !bounds.contains(wtp) || !wtp.is_finite() {
        return Err(Error::Options(format!(
            "--wtp {wtp}: give EUR per FTE-year of care gained, {} ({})",
            bounds.describe(),
            scenario::ranges::WTP.why
        )));
    }
    let every_domain = scenario::Keyed(
        scenario
            .domains
            .iter()
            .map(|d| {
                let q = crate::sampling::Quantity::fixed(wtp);
                (scenario::DomainRef(d.id.0.clone()), scenario::Wtp(q))
            })
            .collect(),
    );
    match &mut scenario.valuation {
        Some(v) => v.wtp_per_fte_year = every_domain,
        None => {
            scenario.valuation = Some(scenario::Valuation {
                wtp_per_fte_year: every_domain,
                grid: scenario::Valuation::default_grid(),
                credit: scenario::Credit::default(),
            })
        }
    }
    Ok(())
}

/// The headline medians whose Monte Carlo precision every report states and `--precision`
/// targets: (variant, metric), at the horizon.
pub const HEADLINES: [(&str, &str); 5] = [
    (variant::BASELINE, "gap.fte"),
    (variant::NETWORK, "gap.fte"),
    (variant::BASELINE, "gap.eur"),
    (variant::NETWORK, "savings.eur.cumulative"),
    (variant::NETWORK, "network.net"),
];

/// Per headline present: (variant, metric, median, standard error of the median).
pub fn headline_precision(
    o: &crate::outcome::Outcomes,
    horizon: i32,
) -> Vec<(String, String, f64, f64)> {
    HEADLINES
        .iter()
        .filter_map(|(v, m)| {
            let x = o.get(v, m, horizon)?;
            Some((
                v.to_string(),
                m.to_string(),
                crate::stats::Summary::of(&*x).p50,
                crate::stats::median_standard_error(&x),
            ))
        })
        .collect()
}

/// The widest 95 % interval (±1.96 standard errors) of a headline median, relative to the
/// median; medians of zero (nothing to be precise about) are left out.
fn widest_interval(o: &crate::outcome::Outcomes, horizon: i32) -> f64 {
    headline_precision(o, horizon)
        .into_iter()
        .filter(|(_, _, med, se)| med.abs() > 1e-9 && se.is_finite())
        .map(|(_, _, med, se)| 2.0 * 1.96 * se / med.abs())
        .fold(0.0, f64::max)
}

/// The outcome of a study.
#[derive(Debug)]
pub struct Study {
    pub scenario: Scenario,
    pub manifest: Manifest,
    pub outcomes: Outcomes,
}

/// Applies `--horizon`, held to the same range as the scenario's own horizon.
fn set_horizon(scenario: &mut Scenario, horizon: i32) -> Result<(), Error> {
    scenario::check_horizon(scenario.region.start_year, horizon)
        .map_err(|m| Error::Options(format!("--horizon {horizon}: {m}")))?;
    scenario.region.horizon = horizon;
    Ok(())
}

/// A scenario read, checked and compiled, with the settings it is simulated under.
struct Prepared {
    scenario: Scenario,
    model: Model,
    rules: RuleSet,
    settings: Settings,
    /// For a shard, the whole study's runs (it simulates `settings.runs` of them).
    whole_runs: Option<u64>,
    wtp: Option<f64>,
    value: crate::value::Value,
}

/// The memory a study of `source` keeps for its per-run results.
fn outcomes_bytes(source: &Source, options: &Options) -> Result<u128, Error> {
    let p = prepare(source, options)?;
    let series = simulator::catalogue(&p.model, &p.variants(source), &p.rules)
        .series
        .len();
    Ok(crate::outcome::Outcomes::bytes(
        series,
        p.model.years().count(),
        p.settings.runs as usize,
    ))
}

/// Whether the scenario's board decides at go/no-go moments (`rules/go_no_go.rhai`): then
/// every study also runs the programme as if it continued, beside the board's decision.
pub fn has_go_no_go(m: &Model) -> bool {
    (0..m.rules.len()).any(|i| {
        std::path::Path::new(&m.rules[i].file)
            .file_stem()
            .is_some_and(|s| s == "go_no_go")
    })
}

fn prepare(source: &Source, options: &Options) -> Result<Prepared, Error> {
    let mut scenario = source.parse()?;
    if let Some(h) = options.horizon {
        set_horizon(&mut scenario, h)?;
    }
    if let Some(w) = options.wtp {
        set_wtp(&mut scenario, w)?;
    }
    let settings = Settings {
        runs: options.runs.unwrap_or(scenario.monte_carlo.runs),
        seed: options.seed.unwrap_or(scenario.monte_carlo.seed),
        batch_size: options.batch_size.unwrap_or(Settings::DEFAULT_BATCH),
        threads: options.threads,
        cancel: options.cancel.clone(),
        first_run: 0,
    };
    if settings.runs == 0 {
        return Err(Error::Options("--runs must be at least 1".into()));
    }
    if let Some(t) = settings.threads
        && !(1..=Settings::MAX_THREADS).contains(&t)
    {
        return Err(Error::Options(format!(
            "--threads {t}: use 1 to {}",
            Settings::MAX_THREADS
        )));
    }
    let total_runs = settings.runs;
    let mut settings = settings;
    let whole_runs = options.shard.map(|_| total_runs);
    if let Some(shard) = options.shard {
        if options.precision.is_some() {
            return Err(Error::Options(
                "--shard and --precision do not go together: a shard's runs are fixed by --runs"
                    .into(),
            ));
        }
        let (first, runs) = shard.range(total_runs);
        if runs == 0 {
            return Err(Error::Options(format!(
                "--shard {shard}: {total_runs} runs leave shard {} none; use fewer shards",
                shard.k
            )));
        }
        settings.first_run = first;
        settings.runs = runs;
    }
    let model = Model::compile(&scenario, scenario.region.horizon);
    let rules = RuleSet::load(&model, source.dir().as_deref()).map_err(Error::Rules)?;
    Ok(Prepared {
        scenario,
        model,
        rules,
        settings,
        whole_runs,
        wtp: options.wtp,
        value: options.value,
    })
}

impl Prepared {
    /// The baseline, and the network of the partners that take part (all but the source's
    /// absent ones).
    fn variants(&self, source: &Source) -> Vec<variant::Variant> {
        let m = &self.model;
        let mut network = variant::Variant::coalition(variant::NETWORK, m, |i| {
            !source.absent.iter().any(|a| *a == m.partners[i].id)
        });
        let indexed = |named: &[(String, i32)]| -> Vec<(usize, i32)> {
            named
                .iter()
                .filter_map(|(id, y)| Some((m.partners.iter().position(|p| &p.id == id)?, *y)))
                .collect()
        };
        network.exits_market = indexed(&source.exits_market);
        // Leaving the market is leaving the agreement too.
        network.leaves = indexed(&source.leaves);
        network.leaves.extend(network.exits_market.iter().copied());
        let mut variants = vec![variant::Variant::baseline(m), network.clone()];
        if has_go_no_go(m) {
            variants.push(variant::Variant {
                name: variant::CONTINUES.into(),
                continues: true,
                ..network
            });
        }
        variants
    }

    /// The manifest of a simulation of this scenario that took `wall_time_seconds`.
    fn manifest(&self, source: &Source, wall_time_seconds: f64) -> Manifest {
        let (scenario, settings) = (&self.scenario, &self.settings);
        Manifest {
            provenance: Provenance {
                kloof_version: env!("CARGO_PKG_VERSION").to_string(),
                scenario: scenario.name.clone(),
                scenario_path: source.path.clone(),
                scenario_sha256: sha256_hex(source.text.as_bytes()),
                rules: self.rules.hashes(),
                seed: settings.seed,
                runs: self.whole_runs.unwrap_or(settings.runs),
                start_year: scenario.region.start_year,
                horizon: scenario.region.horizon,
                wtp_per_fte_year: self.wtp,
                value: (self.value == crate::value::Value::Benefit).then(|| "benefit".into()),
            },
            threads: settings.threads.unwrap_or_else(rayon::current_num_threads),
            batch_size: settings.batch_size,
            wall_time_seconds,
            precision: None,
        }
    }
}

/// Reads, checks and simulates a scenario. `progress` hears of finished runs.
pub fn run(
    source: &Source,
    options: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Study, Error> {
    let mut p = prepare(source, options)?;
    let clock = Instant::now();
    let variants = p.variants(source);
    let Some(target) = options.precision else {
        let outcomes = simulator::simulate(&p.model, &p.settings, &variants, &p.rules, progress)?;
        let manifest = p.manifest(source, clock.elapsed().as_secs_f64());
        return Ok(Study {
            scenario: p.scenario,
            manifest,
            outcomes,
        });
    };
    if !(target > 0.0 && target.is_finite()) {
        return Err(Error::Options(format!(
            "--precision {target}: give the interval's width as a share of the median, e.g. 0.01"
        )));
    }
    // Doubling from 1,000 runs: run k of a larger study is run k of a smaller one, so the
    // study that meets the target is exactly the plain study of that many runs.
    let most = p.settings.runs;
    let horizon = p.scenario.region.horizon;
    let mut runs = most.min(1000);
    let (outcomes, widest) = loop {
        p.settings.runs = runs;
        let o = simulator::simulate(&p.model, &p.settings, &variants, &p.rules, progress)?;
        let widest = widest_interval(&o, horizon);
        if widest <= target || runs == most {
            break (o, widest);
        }
        runs = (runs * 2).min(most);
    };
    let mut manifest = p.manifest(source, clock.elapsed().as_secs_f64());
    manifest.precision = Some(crate::provenance::Precision {
        target,
        runs_needed: runs,
        widest_relative_interval: widest,
        met: widest <= target,
    });
    Ok(Study {
        scenario: p.scenario,
        manifest,
        outcomes,
    })
}

/// The partners' game of a scenario, simulated, and its assessment.
#[derive(Debug)]
pub struct FairnessStudy {
    pub scenario: Scenario,
    pub manifest: Manifest,
    pub game: fairness::coalitions::SimulatedGame,
    pub assessment: fairness::assessment::Assessment,
    /// The split advisor's answer, when asked for.
    pub advice: Option<fairness::advice::Advice>,
}

/// Simulates every coalition of the scenario's partners (grouped as `groups` says; see
/// [`fairness::coalitions`]) and assesses the agreed split; with `advise`, also searches the
/// sharing key ([`fairness::advice`]). `progress(n, total)` hears of `n`
/// more finished runs out of `total` (runs times the chunks of coalitions simulated together).
pub fn fairness(
    source: &Source,
    options: &Options,
    groups: &[(String, Vec<String>)],
    advise: bool,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<FairnessStudy, Error> {
    if options.shard.is_some() {
        return Err(Error::Options(
            "a shard of the game is simulated by fairness_shard and judged once merged".into(),
        ));
    }
    let (p, game, manifest) = game_of(source, options, groups, None, progress)?;
    // The split advisor after the game: it simulates a key per grid point.
    let advice = if advise {
        Some(
            fairness::advice::advise(&p.model, &p.rules, &p.settings, options.value, progress)
                .map_err(|e| match e {
                    fairness::advice::AdviceError::Simulation(e) => Error::Simulation(e),
                    other => Error::Options(other.to_string()),
                })?,
        )
    } else {
        None
    };
    let assessment = fairness::assessment::assess(&game)?;
    Ok(FairnessStudy {
        scenario: p.scenario,
        manifest,
        game,
        assessment,
        advice,
    })
}

/// A shard of the partners' game: the values of some of its coalitions in some of its runs,
/// which `kloof merge` puts together with the other shards' into the game `kloof fairness`
/// simulates, and judges.
#[derive(Debug)]
pub struct GameShard {
    pub manifest: Manifest,
    /// The shard's runs of the study: `first_run..first_run + game.runs`.
    pub first_run: u64,
    /// Its coalitions: `coalitions.k` of `coalitions.m` equal parts of the game's list.
    pub coalitions: Shard,
    pub game: fairness::coalitions::SimulatedGame,
}

/// Simulates shard `coalitions` of the game's coalitions (and, with `options.shard`, only that
/// share of the runs), as [`fairness`] would simulate them.
pub fn fairness_shard(
    source: &Source,
    options: &Options,
    groups: &[(String, Vec<String>)],
    coalitions: Shard,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<GameShard, Error> {
    let (p, game, manifest) = game_of(source, options, groups, Some(coalitions), progress)?;
    Ok(GameShard {
        manifest,
        first_run: p.settings.first_run,
        coalitions,
        game,
    })
}

/// The players of a scenario's game, grouped as `groups` says.
fn players_of(
    p: &Prepared,
    groups: &[(String, Vec<String>)],
) -> Result<fairness::coalitions::Players, Error> {
    fairness::coalitions::Players::new(&p.model, groups).map_err(|e| {
        Error::Options(match (&e, groups.is_empty()) {
            (fairness::coalitions::PlayersError::TooMany(n), true) => format!(
                "the scenario has {n} partners, and a game takes at most {} players: group \
                 partners that act as one with --group NAME=ID,ID,...",
                fairness::MAX_PLAYERS
            ),
            _ => format!("--group: {e}"),
        })
    })
}

/// The game of `source` simulated: all its coalitions, or part `part` of them, in the runs
/// of `options` (a shard's, with `options.shard`).
fn game_of(
    source: &Source,
    options: &Options,
    groups: &[(String, Vec<String>)],
    part: Option<Shard>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(Prepared, fairness::coalitions::SimulatedGame, Manifest), Error> {
    let p = prepare(source, options)?;
    let players = players_of(&p, groups)?;
    let (all, _) = fairness::coalitions::coalitions(players.len(), p.settings.seed);
    let range = match part {
        None => 0..all.len(),
        Some(shard) => {
            let (first, len) = shard.range(all.len() as u64);
            if len == 0 {
                return Err(Error::Options(format!(
                    "--coalitions {shard}: the game's {} coalitions leave shard {} none; use \
                     fewer shards",
                    all.len(),
                    shard.k
                )));
            }
            first as usize..(first + len) as usize
        }
    };
    // The game keeps every simulated coalition's value in every run.
    let (n, coalitions) = (players.len(), range.len());
    let needed = 8 * p.settings.runs as u128 * (coalitions + n) as u128;
    let budget = crate::outcome::memory_budget();
    if needed > u128::from(budget) {
        return Err(Error::Options(format!(
            "{coalitions} coalitions × {} runs would keep {} in memory; kloof may use {} here: \
             use fewer runs (--runs) or group partners (--group), or shard the game (--shard, \
             --coalitions) (KLOOF_MEMORY sets the limit)",
            p.settings.runs,
            crate::outcome::show_bytes(needed),
            crate::outcome::show_bytes(u128::from(budget))
        )));
    }
    let clock = Instant::now();
    let game = fairness::coalitions::simulate(
        &p.model,
        &p.rules,
        &p.settings,
        players,
        options.value,
        part.map(|_| range),
        progress,
    )?;
    let manifest = p.manifest(source, clock.elapsed().as_secs_f64());
    Ok((p, game, manifest))
}

/// Checks a scenario file and compiles its rules: every error found, each with its position,
/// or a one-line description of what was checked.
pub fn check(path: &std::path::Path) -> Result<String, Vec<Error>> {
    let source = Source::read(path).map_err(|e| vec![e.into()])?;
    let scenario = source.parse().map_err(|e| vec![e.into()])?;
    // The what-if page's levers must name numbers of this scenario.
    crate::lever::Levers::of(&scenario, &source.text, &source.path, "nl")
        .map_err(|e| vec![e.into()])?;
    let model = Model::compile(&scenario, scenario.region.horizon);
    let rules = RuleSet::load(&model, source.dir().as_deref()).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| Error::Rules(vec![e]))
            .collect::<Vec<_>>()
    })?;
    // What `run` would refuse, `check` refuses: the scenario's own run count must fit.
    let needed = outcomes_bytes(&source, &Options::default()).map_err(|e| vec![e])?;
    crate::outcome::room(
        || {
            format!(
                "{path}: `monte_carlo.runs`: {} runs would",
                scenario.monte_carlo.runs,
                path = path.display()
            )
        },
        needed,
    )
    .map_err(|e| vec![Error::Simulation(e.into())])?;
    Ok(format!(
        "{} domains, {} partners, {} interventions, {} rules",
        scenario.domains.len(),
        scenario.partners.len(),
        scenario.interventions.len(),
        rules.hashes().len()
    ))
}

/// The ledger entries of run `run` in `year`: the run simulated alone, with the same draws
/// as in a full study.
pub fn explain(
    source: &Source,
    run: u64,
    year: i32,
    seed: Option<u64>,
    horizon: Option<i32>,
) -> Result<Vec<crate::ledger::Entry>, Error> {
    let mut scenario = source.parse()?;
    if let Some(h) = horizon {
        set_horizon(&mut scenario, h)?;
    }
    if !(scenario.region.start_year..=scenario.region.horizon).contains(&year) {
        return Err(Error::Options(format!(
            "--year {year} lies outside the simulated years {}-{}",
            scenario.region.start_year, scenario.region.horizon
        )));
    }
    let model = Model::compile(&scenario, scenario.region.horizon);
    let rules = RuleSet::load(&model, source.dir().as_deref()).map_err(Error::Rules)?;
    let seed = seed.unwrap_or(scenario.monte_carlo.seed);
    let entries = simulator::explain(&model, &rules, seed, run)?;
    Ok(entries.into_iter().filter(|e| e.year == year).collect())
}

/// Runs every source with the same runs and seed (the options', or the first scenario's), to
/// be compared: at least two, covering the same years (`compare::run` compares them).
pub fn run_together(
    sources: &[Source],
    options: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Study>, Error> {
    let Some(first) = sources.first() else {
        return Err(Error::Options(
            "compare needs at least two scenarios".into(),
        ));
    };
    if sources.len() < 2 {
        return Err(Error::Options(
            "compare needs at least two scenarios".into(),
        ));
    }
    let reference = first.parse()?;
    let options = Options {
        runs: Some(options.runs.unwrap_or(reference.monte_carlo.runs)),
        seed: Some(options.seed.unwrap_or(reference.monte_carlo.seed)),
        ..options.clone()
    };
    // Every study's runs are kept until the comparison is made: the command's room for them
    // is their sum, checked before the first is simulated.
    let needed = sources
        .iter()
        .map(|s| outcomes_bytes(s, &options))
        .sum::<Result<u128, Error>>()?;
    crate::outcome::room(
        || {
            format!(
                "the per-run results of the {} studies of this command would",
                sources.len()
            )
        },
        needed,
    )
    .map_err(|e| Error::Simulation(e.into()))?;
    let studies = sources
        .iter()
        .map(|s| run(s, &options, progress))
        .collect::<Result<Vec<Study>, Error>>()?;
    let years = |s: &Study| {
        (
            s.manifest.provenance.start_year,
            s.manifest.provenance.horizon,
        )
    };
    if let Some(s) = studies.iter().find(|s| years(s) != years(&studies[0])) {
        return Err(Error::Options(format!(
            "`{}` covers {}-{} but `{}` covers {}-{}: compare scenarios over the same years \
             (--horizon sets the last)",
            s.scenario.name,
            years(s).0,
            years(s).1,
            studies[0].scenario.name,
            years(&studies[0]).0,
            years(&studies[0]).1
        )));
    }
    Ok(studies)
}

/// Runs a scenario and ranks its uncertain inputs by their influence on `metric` of `variant`
/// (`baseline` or `network`) in `year` (default: the horizon); see [`crate::sensitivity`].
pub fn sensitivity(
    source: &Source,
    options: &Options,
    metric: &str,
    variant: &str,
    year: Option<i32>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Study, crate::sensitivity::Sensitivity), Error> {
    if variant != variant::BASELINE && variant != variant::NETWORK {
        return Err(Error::Options(format!(
            "--variant {variant}: use baseline or network"
        )));
    }
    let metric = options.value.metric(metric);
    let metric = metric.as_str();
    let p = prepare(source, options)?;
    let clock = Instant::now();
    let variants = p.variants(source);
    let outcomes = simulator::simulate(&p.model, &p.settings, &variants, &p.rules, progress)?;
    let year = year.unwrap_or(p.scenario.region.horizon);
    if !outcomes.years.contains(&year) {
        return Err(Error::Options(format!(
            "--year {year} lies outside the simulated years {}-{}",
            p.scenario.region.start_year, p.scenario.region.horizon
        )));
    }
    let values = outcomes
        .get(variant, metric, year)
        .ok_or_else(|| {
            Error::Options(
                crate::sensitivity::SensitivityError::UnknownMetric {
                    metric: metric.to_string(),
                    variant: variant.to_string(),
                }
                .to_string(),
            )
        })?
        .to_vec();
    let ranked = crate::sensitivity::rank(
        &p.model,
        &p.rules,
        &p.settings,
        &variants[1],
        (variant, metric, year),
        &values,
    )
    .map_err(|e| match e {
        crate::sensitivity::SensitivityError::Simulation(e) => Error::Simulation(e),
        other => Error::Options(other.to_string()),
    })?;
    let manifest = p.manifest(source, clock.elapsed().as_secs_f64());
    Ok((
        Study {
            scenario: p.scenario,
            manifest,
            outcomes,
        },
        ranked,
    ))
}

/// The value of information of choosing among `sources` (scenarios or overlays, run as in
/// [`compare`]) on `metric` of the network in `year` (default: the horizon), per run; every
/// uncertain input of the first source is assessed (see [`crate::value_of_information`]).
pub fn value_of_information(
    sources: &[Source],
    options: &Options,
    metric: &str,
    year: Option<i32>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<Study>, crate::value_of_information::ValueOfInformation), Error> {
    let studies = run_together(sources, options, progress)?;
    let first = &studies[0];
    let year = year.unwrap_or(first.manifest.provenance.horizon);
    let metric = options.value.metric(metric);
    let metric = metric.as_str();
    let nb = studies
        .iter()
        .map(|s| {
            s.outcomes
                .get(variant::NETWORK, metric, year)
                .map(std::borrow::Cow::into_owned)
                .ok_or_else(|| {
                    Error::Options(format!(
                        "`{}` has no metric `{metric}` in {year}; e.g. network.net, \
                         savings.eur.cumulative, partner.<id>.net",
                        s.scenario.name
                    ))
                })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let model = Model::compile(&first.scenario, first.scenario.region.horizon);
    let runs = nb[0].len();
    let draws =
        crate::sampling::Draws::new(&model.inputs, first.manifest.provenance.seed, 0, runs, year);
    let mut inputs: Vec<(String, Vec<f64>)> = Vec::new();
    for (i, input) in model.inputs.iter().enumerate() {
        if input.quantity.fixed_value().is_none() && !inputs.iter().any(|(k, _)| *k == input.key) {
            inputs.push((
                input.key.clone(),
                (0..runs).map(|b| draws.at(i, b)).collect(),
            ));
        }
    }
    let names: Vec<String> = studies.iter().map(|s| s.scenario.name.clone()).collect();
    let mut voi = crate::value_of_information::assess(metric, year, &names, &nb, &inputs);
    // The EVPI curve over λ: all partners' money result plus λ × the care gained.
    let series = |s: &Study, m: &str| {
        s.outcomes
            .get(variant::NETWORK, m, year)
            .map(std::borrow::Cow::into_owned)
    };
    let money: Option<Vec<_>> = studies.iter().map(|s| series(s, "network.net")).collect();
    let care: Option<Vec<_>> = studies
        .iter()
        .map(|s| series(s, "care.gained.fte_years"))
        .collect();
    if let (Some(money), Some(care)) = (money, care) {
        let grid = first
            .scenario
            .valuation
            .as_ref()
            .map_or_else(scenario::Valuation::default_grid, |v| v.grid.clone());
        voi.curve = crate::value_of_information::curve(&names, &money, &care, &grid);
    }
    Ok((studies, voi))
}
