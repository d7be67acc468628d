//! Fuzzing the front door (issue 8, item 9): the shipped scenarios and rules, mutated a few
//! thousand times with a fixed seed, each case read, checked and simulated for a few runs
//! through the library. Every case must end in an error that says where (a scenario error
//! with its line, a rule error with its file, a run error with its run and year), or in
//! results whose every value is finite; never a panic.
//!
//! Mutations of scenarios: deleted keys and items, swapped types, NaN, ±inf, ±1e308, negated
//! numbers, zero, 1e18, huge strings, deep nesting and duplicated items, one to three per case.
//! Mutations of rules: a number, a text or a line replaced, deleted or repeated, deep nesting.
//! A sample of the scenario cases also goes through `kloof run`, which must exit 1 with a
//! message and no report, or 0 with a finite report. The case count is stated in the README;
//! it runs in 25 to 40 s in a debug build on 2 cores.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use kloof::Error;
use kloof::simulator::SimError;
use kloof::study::{self, Options, Source, Study};
use serde_yaml::Value;

/// Cases per shipped scenario, and per shipped rule file.
const SCENARIO_CASES: usize = 400;
const RULE_CASES: usize = 120;

/// Runs per case: enough for every year and hook to run, few enough for thousands of cases.
const RUNS: u64 = 3;

/// SplitMix64: a fixed, dependency-free stream, so the cases are the same on every machine.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One step into a YAML value.
#[derive(Debug, Clone)]
enum Step {
    Key(Value),
    Item(usize),
}

/// Every node below the root, as the steps that reach it.
fn paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                at.push(Step::Key(k.clone()));
                out.push(at.clone());
                paths(child, at, out);
                at.pop();
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(Step::Item(i));
                out.push(at.clone());
                paths(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut v = v;
    for step in path {
        v = match (step, v) {
            (Step::Key(k), Value::Mapping(m)) => m.get_mut(k)?,
            (Step::Item(i), Value::Sequence(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Applies one mutation at a random node; returns what it did, for the failure report.
fn mutate(doc: &mut Value, rng: &mut Stream) -> String {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let Some(path) = all.get(rng.below(all.len())).cloned() else {
        return "nothing".into();
    };
    let kind = rng.below(13);
    let shown = format!("{path:?}");
    if kind == 0 || kind == 12 {
        // Delete the node, or repeat it (a duplicated item: ids twice).
        let (last, parent) = path.split_last().expect("non-empty path");
        let Some(parent) = node_mut(doc, parent) else {
            return "nothing".into();
        };
        match (last, parent) {
            (Step::Key(k), Value::Mapping(m)) if kind == 0 => {
                m.remove(k);
            }
            (Step::Item(i), Value::Sequence(s)) if kind == 0 => {
                s.remove(*i);
            }
            (Step::Item(i), Value::Sequence(s)) => {
                let copy = s[*i].clone();
                s.insert(*i, copy);
            }
            _ => return "nothing".into(),
        }
        return format!("{} {shown}", if kind == 0 { "delete" } else { "repeat" });
    }
    let Some(node) = node_mut(doc, &path) else {
        return "nothing".into();
    };
    let (what, new) = match kind {
        1 => ("NaN", Value::from(f64::NAN)),
        2 => ("+inf", Value::from(f64::INFINITY)),
        3 => ("-inf", Value::from(f64::NEG_INFINITY)),
        4 => ("1e308", Value::from(1e308)),
        5 => ("-1e308", Value::from(-1e308)),
        6 => (
            "negated",
            match node.as_f64() {
                Some(x) => Value::from(-x),
                None => Value::from(-1),
            },
        ),
        7 => (
            "type swapped",
            match node {
                Value::Number(_) => Value::from("text"),
                Value::String(_) => Value::from(12345),
                Value::Mapping(_) => Value::Sequence(vec![Value::from(1), Value::from(2)]),
                Value::Sequence(_) => {
                    let mut m = serde_yaml::Mapping::new();
                    m.insert(Value::from("a"), Value::from(1));
                    Value::Mapping(m)
                }
                _ => Value::from("x"),
            },
        ),
        8 => ("huge string", Value::from("x".repeat(200_000))),
        9 => {
            let mut deep = node.clone();
            for _ in 0..300 {
                deep = Value::Sequence(vec![deep]);
            }
            ("nested 300 deep", deep)
        }
        10 => ("zero", Value::from(0)),
        _ => ("1e18", Value::from(1_000_000_000_000_000_000_u64)),
    };
    *node = new;
    format!("{what} at {shown}")
}

/// How a case ended: simulated, refused with a positioned error, or failed (why).
enum Verdict {
    Simulated,
    Refused,
    Failed(String),
}

/// Whether a case gave a positioned error or finite results.
fn judge(result: Result<Study, Error>) -> Verdict {
    let why = match result {
        Ok(study) => {
            let o = &study.outcomes;
            for (s, series) in o.catalogue.series.iter().enumerate() {
                for (y, year) in o.years.iter().enumerate() {
                    if let Some(x) = o.values(s, y).iter().find(|x| !x.is_finite()) {
                        return Verdict::Failed(format!(
                            "{} {} in {year} is {x} with exit 0",
                            series.variant, series.metric
                        ));
                    }
                }
            }
            return Verdict::Simulated;
        }
        Err(Error::Scenario(e)) if e.line.is_none() => {
            format!("scenario error without a line: {e}")
        }
        Err(Error::Rules(errors)) if errors.iter().any(|e| e.file.is_empty()) => {
            format!("rule error without a file: {}", Error::Rules(errors))
        }
        Err(Error::Simulation(SimError::Rule(e))) if e.year.is_none() && e.line.is_none() => {
            format!("run error without a year or line: {e}")
        }
        Err(_) => return Verdict::Refused,
    };
    Verdict::Failed(why)
}

/// Runs one case, turning a panic into a failure.
fn case(source: &Source) -> Verdict {
    let options = Options {
        runs: Some(RUNS),
        threads: Some(1),
        ..Options::default()
    };
    match catch_unwind(AssertUnwindSafe(|| {
        judge(study::run(source, &options, &|_| {}))
    })) {
        Ok(verdict) => verdict,
        Err(panic) => Verdict::Failed(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

fn shipped(dir: &str, ext: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("shipped folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// A mutated rule: a number, a text or a line replaced, deleted or repeated, or deep nesting.
fn mutate_rule(source: &str, rng: &mut Stream) -> (String, String) {
    let lines: Vec<&str> = source.lines().collect();
    let n = rng.below(lines.len());
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let what = match rng.below(6) {
        0 => {
            out.remove(n);
            format!("line {} deleted", n + 1)
        }
        1 => {
            out.insert(n, lines[n].to_string());
            format!("line {} repeated", n + 1)
        }
        2 => {
            // The first number on the line, replaced.
            let bad = [
                "(0.0 / 0.0)",
                "1e308",
                "-1e308",
                "(1.0 / 0.0)",
                "-5",
                "\"text\"",
            ];
            let with = bad[rng.below(bad.len())];
            let line = &lines[n];
            match line.find(|c: char| c.is_ascii_digit()) {
                Some(start) => {
                    let end = line[start..]
                        .find(|c: char| !c.is_ascii_digit() && c != '.')
                        .map_or(line.len(), |e| start + e);
                    out[n] = format!("{}{with}{}", &line[..start], &line[end..]);
                    format!("number on line {} replaced by {with}", n + 1)
                }
                None => "nothing".into(),
            }
        }
        3 => {
            // The first text on the line, replaced.
            let bad = [
                "\"red\\x1b[31m\"",
                "\"\"",
                "\"outside\"",
                "\"interventions\"",
                "42",
            ];
            let with = bad[rng.below(bad.len())];
            let line = &lines[n];
            match line
                .find('"')
                .and_then(|a| line[a + 1..].find('"').map(|b| (a, a + 1 + b)))
            {
                Some((a, b)) => {
                    out[n] = format!("{}{with}{}", &line[..a], &line[b + 1..]);
                    format!("text on line {} replaced by {with}", n + 1)
                }
                None => "nothing".into(),
            }
        }
        4 => {
            out.insert(
                n,
                format!("fn deep() {{ {}1{} }}", "(".repeat(400), ")".repeat(400)),
            );
            format!("deep nesting at line {}", n + 1)
        }
        _ => {
            out.insert(n, format!("fn big() {{ \"{}\" }}", "y".repeat(100_000)));
            format!("huge text at line {}", n + 1)
        }
    };
    (out.join("\n"), what)
}

/// One case: a label for the failure report and what to read.
struct Case {
    label: String,
    source: Source,
}

/// The scenario cases: each shipped scenario mutated one to three times, written back as YAML
/// and read from the shipped folder, so rule paths resolve.
fn scenario_cases(rng: &mut Stream) -> Vec<Case> {
    let mut cases = Vec::new();
    for file in shipped("scenarios", "yaml") {
        let text = std::fs::read_to_string(&file).expect("scenario");
        let doc: Value = serde_yaml::from_str(&text).expect("shipped scenarios parse");
        for _ in 0..SCENARIO_CASES {
            let mut mutated = doc.clone();
            let what: Vec<String> = (0..1 + rng.below(3))
                .map(|_| mutate(&mut mutated, rng))
                .collect();
            cases.push(Case {
                label: format!("{}: {}", file.display(), what.join("; ")),
                source: Source {
                    path: file.display().to_string(),
                    text: serde_yaml::to_string(&mutated).expect("serialises"),
                    ..Default::default()
                },
            });
        }
    }
    cases
}

/// The rule cases of one shipped rule, each in a folder of its own (`scenarios/`, `rules/`)
/// holding the mutated rule, the other rules and a scenario that uses the rule with its
/// parameters (or, if none does, the first scenario with the rule added).
fn rule_cases(rule: &Path, root: &Path, rng: &mut Stream) -> Vec<Case> {
    let rules = shipped("rules", "rhai");
    let scenarios: Vec<(String, String)> = shipped("scenarios", "yaml")
        .iter()
        .map(|f| {
            let name = f.file_name().and_then(|n| n.to_str()).expect("name");
            let text = std::fs::read_to_string(f).expect("scenario");
            (name.to_string(), text)
        })
        .collect();
    let name = rule.file_name().and_then(|n| n.to_str()).expect("name");
    let original = std::fs::read_to_string(rule).expect("rule");
    let (scenario, text) = match scenarios.iter().find(|(_, t)| t.contains(name)) {
        Some(found) => found.clone(),
        None => {
            let mut doc: Value = serde_yaml::from_str(&scenarios[0].1).expect("parses");
            let mut entry = serde_yaml::Mapping::new();
            entry.insert("file".into(), format!("../rules/{name}").into());
            if let Some(list) = doc.get_mut("rules").and_then(Value::as_sequence_mut) {
                list.push(Value::Mapping(entry));
            }
            let text = serde_yaml::to_string(&doc).expect("serialises");
            (scenarios[0].0.clone(), text)
        }
    };
    (0..RULE_CASES)
        .map(|i| {
            let dir = root.join(format!("{name}-{i}"));
            for sub in ["scenarios", "rules"] {
                std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
            }
            for other in &rules {
                let file = other.file_name().expect("name");
                std::fs::copy(other, dir.join("rules").join(file)).expect("copy");
            }
            let (mutated, what) = mutate_rule(&original, rng);
            std::fs::write(dir.join("rules").join(name), mutated).expect("write");
            Case {
                label: format!("{name}: {what}"),
                source: Source {
                    path: dir.join("scenarios").join(&scenario).display().to_string(),
                    text: text.clone(),
                    ..Default::default()
                },
            }
        })
        .collect()
}

/// Every `CLI_EVERY`-th scenario case again through `kloof run`, as a user meets it: a refused
/// case exits 1 with a message and writes no report; a simulated one exits 0 with a report whose
/// every value is finite. Returns what went wrong.
fn through_the_command_line(
    cases: &[Case],
    verdicts: &[(String, Verdict)],
    root: &Path,
) -> Vec<String> {
    const CLI_EVERY: usize = 97;
    let dir = root.join("cli");
    for sub in ["scenarios", "rules"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
    }
    for rule in shipped("rules", "rhai") {
        std::fs::copy(
            &rule,
            dir.join("rules").join(rule.file_name().expect("name")),
        )
        .expect("copy");
    }
    let mut wrong = Vec::new();
    let scenario_cases = cases
        .iter()
        .zip(verdicts)
        .filter(|(c, _)| c.label.contains(".yaml"));
    for (i, (c, (_, verdict))) in scenario_cases.step_by(CLI_EVERY).enumerate() {
        let file = dir.join("scenarios").join(format!("case-{i}.yaml"));
        std::fs::write(&file, &c.source.text).expect("write");
        let out_dir = dir.join(format!("report-{i}"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kloof"))
            .arg("run")
            .arg(&file)
            .args(["--runs", "3", "--quiet", "--out"])
            .arg(&out_dir)
            .output()
            .expect("kloof runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ok = match verdict {
            Verdict::Refused => {
                out.status.code() == Some(1) && stderr.starts_with("error: ") && !out_dir.exists()
            }
            Verdict::Simulated => {
                let csv = std::fs::read_to_string(out_dir.join("results.csv")).unwrap_or_default();
                out.status.success()
                    && csv.lines().count() > 1
                    && csv.lines().skip(1).all(|row| {
                        row.split(',')
                            .skip(3)
                            .all(|x| x.parse::<f64>().is_ok_and(f64::is_finite))
                    })
            }
            Verdict::Failed(_) => true,
        };
        if !ok {
            wrong.push(format!(
                "{} through kloof run: exit {:?}, {}",
                c.label,
                out.status.code(),
                stderr.lines().next().unwrap_or_default()
            ));
        }
    }
    wrong
}

#[test]
fn mutated_scenarios_and_rules_give_positioned_errors_or_finite_results() {
    let start = std::time::Instant::now();
    let mut rng = Stream(0x006B_6C6F_6F66);
    let root = tempfile::tempdir().expect("temp dir");
    let mut cases = scenario_cases(&mut rng);
    for rule in shipped("rules", "rhai") {
        cases.extend(rule_cases(&rule, root.path(), &mut rng));
    }
    // Panics are caught and reported per case; their default message would only add noise.
    std::panic::set_hook(Box::new(|_| {}));
    // Plain threads, one per core, each taking every n-th case: a rayon pool here would let a
    // worker waiting inside one case's simulation start another case on the same stack.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut verdicts: Vec<(usize, String, Verdict)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let cases = &cases;
                scope.spawn(move || {
                    cases
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, c)| (i, c.label.clone(), case(&c.source)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    // Back in the order of the cases.
    verdicts.sort_by_key(|(i, ..)| *i);
    let verdicts: Vec<(String, Verdict)> = verdicts.into_iter().map(|(_, l, v)| (l, v)).collect();
    let _ = std::panic::take_hook();

    let simulated = verdicts
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Simulated))
        .count();
    let failures: Vec<String> = verdicts
        .iter()
        .filter_map(|(label, v)| match v {
            Verdict::Failed(why) => Some(format!("{label}: {why}")),
            _ => None,
        })
        .collect();
    let total = verdicts.len();
    eprintln!(
        "{total} cases in {:.1} s: {simulated} simulated with finite results, the others refused \
         with a positioned error",
        start.elapsed().as_secs_f64()
    );
    let start = std::time::Instant::now();
    let cli_failures = through_the_command_line(&cases, &verdicts, root.path());
    eprintln!(
        "a sample of them through kloof run in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert!(total >= 2_500, "{total} cases");
    // Mutations that every check refuses would never test the simulator's values.
    assert!(
        simulated * 10 >= total,
        "only {simulated} of {total} cases simulated"
    );
    assert!(cli_failures.is_empty(), "{}", cli_failures.join("\n"));
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// What one mutated input of another kind gave: nothing wrong, or why it failed.
fn guarded(f: impl FnOnce() -> Option<String>) -> Option<String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(failure) => failure,
        Err(panic) => Some(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

/// An error of reading a scenario, overlay or stress set must say where: file and line.
fn positioned(e: &Error) -> Option<String> {
    match e {
        Error::Scenario(s) if s.line.is_none() => Some(format!("no line: {e}")),
        Error::Scenario(_) | Error::Rules(_) => None,
        other => Some(format!("not a positioned error: {other}")),
    }
}

/// The other inputs kloof reads, mutated as the scenarios are (issue 23, item 8): overlays,
/// stress sets (with correlations and shocks), game files and rule tests. Each case must be
/// read, or refused with its file and line; never a panic. The case counts are fixed.
#[test]
fn mutated_overlays_stress_sets_games_and_rule_tests_give_positioned_errors() {
    const OVERLAY_CASES: usize = 60;
    const SET_CASES: usize = 30;
    const GAME_CASES: usize = 150;
    const RULE_TEST_CASES: usize = 20;
    let mut rng = Stream(0x6f76_6572_6c61_7973);
    let root = tempfile::tempdir().expect("temp dir");
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &Path| std::fs::read_to_string(p).expect("shipped file");
    let mut failures: Vec<String> = Vec::new();
    let mut total = 0;
    std::panic::set_hook(Box::new(|_| {}));
    // Overlays: the base made absolute, so the mutated overlay still finds it.
    for overlay in shipped("scenarios/overlays", "yaml") {
        let text = read(&overlay);
        for k in 0..OVERLAY_CASES {
            let mut doc: Value = serde_yaml::from_str(&text).expect("yaml");
            if let Some(Value::String(b)) = doc.get_mut("base") {
                *b = here
                    .join("scenarios/overlays")
                    .join(&*b)
                    .display()
                    .to_string();
            }
            let what = mutate(&mut doc, &mut rng);
            let path = root.path().join(format!("overlay-{k}.yaml"));
            std::fs::write(&path, serde_yaml::to_string(&doc).expect("yaml")).expect("write");
            total += 1;
            if let Some(why) = guarded(|| match Source::read(&path) {
                Ok(s) => s
                    .parse()
                    .err()
                    .and_then(|e| positioned(&Error::Scenario(e))),
                Err(e) => positioned(&Error::Scenario(e)),
            }) {
                failures.push(format!("{} {what}: {why}", overlay.display()));
            }
        }
    }
    // Stress sets, against their base scenario.
    for (set, base) in [("ruwaard", "ruwaard"), ("zoetermeer", "zoetermeer")] {
        let text = read(&here.join(format!("scenarios/stress/{set}.yaml")));
        let base = Source::read(&here.join(format!("scenarios/{base}.yaml"))).expect("base");
        for k in 0..SET_CASES {
            let mut doc: Value = serde_yaml::from_str(&text).expect("yaml");
            let what = mutate(&mut doc, &mut rng);
            let path = root.path().join(format!("set-{set}-{k}.yaml"));
            std::fs::write(&path, serde_yaml::to_string(&doc).expect("yaml")).expect("write");
            total += 1;
            if let Some(why) = guarded(|| {
                kloof::stress::shocked(&base, Some(&path), &Options::default())
                    .err()
                    .and_then(|e| positioned(&e))
            }) {
                failures.push(format!("stress set {set} {what}: {why}"));
            }
        }
    }
    // Game files.
    let game = read(&here.join("scenarios/games/talmud_200.yaml"));
    for _ in 0..GAME_CASES {
        let mut doc: Value = serde_yaml::from_str(&game).expect("yaml");
        let what = mutate(&mut doc, &mut rng);
        let text = serde_yaml::to_string(&doc).expect("yaml");
        total += 1;
        if let Some(why) = guarded(|| match kloof::fairness::parse_game(&text, "game.yaml") {
            Err(e) if e.line.is_none() => Some(format!("no line: {e}")),
            _ => None,
        }) {
            failures.push(format!("game {what}: {why}"));
        }
    }
    // Rule tests: the rule found beside the shipped ones; every failure names its file.
    for tests in shipped("rules/tests", "yaml") {
        let text = read(&tests);
        for k in 0..RULE_TEST_CASES {
            let mut doc: Value = serde_yaml::from_str(&text).expect("yaml");
            if let Some(Value::String(r)) = doc.get_mut("rule") {
                *r = here.join("rules/tests").join(&*r).display().to_string();
            }
            let what = mutate(&mut doc, &mut rng);
            let path = root.path().join(format!("ruletest-{k}.yaml"));
            std::fs::write(&path, serde_yaml::to_string(&doc).expect("yaml")).expect("write");
            total += 1;
            if let Some(why) = guarded(|| {
                let results = kloof::rules::testing::run_dir(&path).ok()?;
                results
                    .iter()
                    .find(|r| r.file != path && !r.differences.is_empty())
                    .map(|r| format!("a result names {} instead", r.file.display()))
            }) {
                failures.push(format!("{} {what}: {why}", tests.display()));
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!("{total} mutated overlays, stress sets, games and rule tests");
    assert_eq!(total, 650, "the case count the README states");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
