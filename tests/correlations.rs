//! Correlated inputs (`correlations:`): the rank correlations achieved over many runs, every
//! input's own distribution unchanged, everything else drawn exactly as without them, results
//! independent of threads and batch size, and clear errors for what is not a correlation matrix.

mod common;

use kloof::model::Model;
use kloof::sampling::Draws;
use kloof::scenario::{ScenarioError, parse};
use kloof::sensitivity::spearman;
use kloof::study::{Options, Source};

const CORRELATED: &str = include_str!("fixtures/correlated.yaml");
const RUNS: usize = 20_000;

/// The fixture without its `correlations:` section.
fn uncorrelated() -> String {
    let start = CORRELATED.find("correlations:").expect("section");
    let end = CORRELATED.find("region:").expect("region");
    format!("{}{}", &CORRELATED[..start], &CORRELATED[end..])
}

/// The draws of every input of `text` over `RUNS` runs, by input key.
fn draws(text: &str) -> Vec<(String, Vec<f64>)> {
    let s = parse(text, "correlated.yaml").unwrap_or_else(|e| panic!("{e}"));
    let m = Model::compile(&s, s.region.horizon);
    let d = Draws::new(&m.inputs, 7, 0, RUNS, m.start_year);
    m.inputs
        .iter()
        .enumerate()
        .map(|(id, i)| (i.key.clone(), (0..RUNS).map(|b| d.at(id, b)).collect()))
        .collect()
}

fn of<'a>(all: &'a [(String, Vec<f64>)], key: &str) -> &'a [f64] {
    &all.iter().find(|(k, _)| k == key).expect(key).1
}

/// The two-sample Kolmogorov–Smirnov statistic: the largest gap between the empirical CDFs.
fn ks(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x.to_vec();
    let mut b = y.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0_f64);
    while i < a.len() && j < b.len() {
        let v = a[i].min(b[j]);
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (
        m,
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

const NAMES: [&str; 6] = ["wages", "volume", "hours", "outflow", "inflow", "effect"];

#[test]
fn rank_correlations_are_achieved() {
    let all = draws(CORRELATED);
    let at = |n: &str| of(&all, &format!("inputs.{n}"));
    // The pairs given, and those in a group but not given (0).
    let targets = [
        ("wages", "outflow", 0.6),
        ("outflow", "inflow", -0.4),
        ("wages", "hours", 0.3),
        ("effect", "volume", 0.7),
        ("wages", "inflow", 0.0),
        ("hours", "outflow", 0.0),
        ("hours", "inflow", 0.0),
        // Different groups, and an input in none.
        ("wages", "volume", 0.0),
        ("outflow", "effect", 0.0),
        ("budget", "wages", 0.0),
    ];
    for (a, b, target) in targets {
        let got = spearman(at(a), at(b));
        println!("{a} ~ {b}: target {target}, achieved {got:.4}");
        assert!(
            (got - target).abs() <= 0.02,
            "{a} ~ {b}: rank correlation {got}, target {target}"
        );
    }
}

#[test]
fn every_correlated_input_keeps_its_distribution() {
    let with = draws(CORRELATED);
    let without = draws(&uncorrelated());
    // KS critical value for two samples of 20,000 at the 0.1 % level: 1.95 √(2/n) ≈ 0.0195.
    let critical = 1.95 * (2.0 / RUNS as f64).sqrt();
    // The analytic means and standard deviations.
    let expected = [
        ("wages", 0.02, 0.005),
        ("volume", 0.01, 0.02 / 12f64.sqrt()),
        ("hours", 1000.0, 100.0),
        // Triangular: mean (a+b+c)/3, var (a²+b²+c²-ab-ac-bc)/18.
        (
            "outflow",
            0.35 / 3.0,
            ((0.0025 + 0.01 + 0.04 - 0.005 - 0.01 - 0.02) / 18f64).sqrt(),
        ),
        // Beta(2, 5) on 0.05..0.2: mean 2/7, var 10/(49·8).
        (
            "inflow",
            0.05 + 0.15 * 2.0 / 7.0,
            0.15 * (10.0 / 392.0f64).sqrt(),
        ),
        // PERT(-0.2, -0.1, 0) = -0.2 + 0.2 Beta(3, 3): mean -0.1, sd 0.2 √(9/(36·7)).
        ("effect", -0.1, 0.2 * (9.0 / 252.0f64).sqrt()),
    ];
    for (name, mean, sd) in expected {
        let key = format!("inputs.{name}");
        let (x, y) = (of(&with, &key), of(&without, &key));
        let d = ks(x, y);
        let (m, s) = mean_sd(x);
        println!("{name}: KS {d:.4}, mean {m} (expected {mean}), sd {s} (expected {sd})");
        assert!(
            d < critical,
            "{name}: KS statistic {d} against the uncorrelated draws"
        );
        // Mean within 4 standard errors, sd within 3 %.
        assert!(
            (m - mean).abs() < 4.0 * sd / (RUNS as f64).sqrt(),
            "{name}: mean {m}, expected {mean}"
        );
        assert!((s / sd - 1.0).abs() < 0.03, "{name}: sd {s}, expected {sd}");
        // Quantiles of the two samples agree too.
        let q = |v: &[f64], p: f64| {
            let mut v = v.to_vec();
            v.sort_by(f64::total_cmp);
            v[(p * (v.len() - 1) as f64) as usize]
        };
        for (p, tol) in [(0.01, 0.3), (0.1, 0.1), (0.5, 0.1), (0.9, 0.1), (0.99, 0.3)] {
            let (a, b) = (q(x, p), q(y, p));
            assert!((a - b).abs() < tol * sd, "{name}: quantile {p} {a} vs {b}");
        }
        // Within the distribution's own range.
        let (lo, hi) = x
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        assert!(lo.is_finite() && hi.is_finite());
    }
}

#[test]
fn inputs_outside_any_group_are_drawn_exactly_as_without_correlations() {
    let with = draws(CORRELATED);
    let without = draws(&uncorrelated());
    assert_eq!(with.len(), without.len());
    let correlated: Vec<String> = NAMES.iter().map(|n| format!("inputs.{n}")).collect();
    let mut compared = 0;
    for ((k, x), (k2, y)) in with.iter().zip(&without) {
        assert_eq!(k, k2);
        if !correlated.contains(k) {
            assert!(x == y, "{k} changed");
            compared += 1;
        } else if k != "inputs.wages" {
            // The first input of a group takes its own stream's normal (row 1 of the Cholesky
            // factor is 1, 0, ...): a normal one, `wages`, keeps even its values.
            assert!(x != y, "{k} not correlated");
        }
    }
    // The uncorrelated shared input and the intervention's uncertain cost among them.
    assert!(compared > 10);
    assert!(with.iter().any(|(k, _)| k == "inputs.budget"));
    assert!(with.iter().any(|(k, _)| k == "interventions.visits.cost"));
}

#[test]
fn draws_do_not_depend_on_the_batch() {
    let s = parse(CORRELATED, "correlated.yaml").unwrap();
    let m = Model::compile(&s, s.region.horizon);
    let whole = Draws::new(&m.inputs, 3, 0, 100, m.start_year);
    for (first, len) in [(0, 37), (37, 1), (38, 62)] {
        let part = Draws::new(&m.inputs, 3, first, len as usize, m.start_year);
        for id in 0..m.inputs.len() {
            for b in 0..len as usize {
                assert_eq!(part.at(id, b), whole.at(id, first as usize + b));
            }
        }
    }
}

fn csv(options: Options) -> String {
    let source = Source {
        path: "correlated.yaml".into(),
        text: CORRELATED.to_string(),
        ..Default::default()
    };
    let s = common::run(&source, options);
    let dir = common::report(&s);
    std::fs::read_to_string(dir.path().join("results.csv")).expect("csv")
}

#[test]
fn results_do_not_depend_on_threads_or_batch_size() {
    let one = csv(Options {
        threads: Some(1),
        batch_size: Some(64),
        ..Options::default()
    });
    let two = csv(Options {
        threads: Some(2),
        batch_size: Some(7),
        ..Options::default()
    });
    let big = csv(Options {
        threads: Some(2),
        batch_size: Some(4096),
        ..Options::default()
    });
    assert_eq!(one, two);
    assert_eq!(one, big);
}

/// The fixture with its `correlations:` section replaced by `section`.
fn with_correlations(section: &str) -> String {
    let start = CORRELATED.find("correlations:").expect("section");
    let end = CORRELATED.find("region:").expect("region");
    format!("{}{section}{}", &CORRELATED[..start], &CORRELATED[end..])
}

fn error(text: &str) -> ScenarioError {
    match parse(text, "bad.yaml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

/// The 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect(needle) + 1
}

#[test]
fn a_matrix_that_is_not_positive_definite_is_refused_at_its_line() {
    let text = with_correlations(
        "correlations:\n  - {between: [wages, outflow], rank: 0.9}\n  - {between: [outflow, \
         inflow], rank: 0.9}\n  - {between: [wages, inflow], rank: -0.9}\n",
    );
    let e = error(&text);
    println!("{e}");
    assert_eq!(e.file, "bad.yaml");
    assert_eq!(e.line, Some(line_of(&text, "[wages, inflow]")));
    assert_eq!(e.key, "correlations[2]");
    assert!(e.message.contains("not a valid correlation matrix"), "{e}");
    assert!(e.message.contains("positive definite"), "{e}");
    for name in ["`wages`", "`outflow`", "`inflow`"] {
        assert!(e.message.contains(name), "{e}");
    }
    // The same pairs with a consistent third are accepted.
    let ok = text.replace("rank: -0.9", "rank: 0.8");
    parse(&ok, "ok.yaml").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn pairs_not_given_count_as_zero_in_the_check() {
    // a~b 0.9 and b~c 0.9 with a~c 0 is no correlation matrix (determinant 1 - 2 · 0.81 < 0).
    let text = with_correlations(
        "correlations:\n  - {between: [wages, outflow], rank: 0.9}\n  - {between: [outflow, \
         inflow], rank: 0.9}\n",
    );
    let e = error(&text);
    assert_eq!(e.line, Some(line_of(&text, "[outflow, inflow]")));
    assert!(e.message.contains("pairs not given count as 0"), "{e}");
}

#[test]
fn an_unknown_name_is_refused_at_its_line() {
    let text =
        with_correlations("correlations:\n  - {between: [wages, staff_outflow], rank: 0.5}\n");
    let e = error(&text);
    println!("{e}");
    assert_eq!(e.line, Some(line_of(&text, "staff_outflow")));
    assert_eq!(e.key, "correlations[0].between[1]");
    assert!(
        e.message.contains("unknown shared input `staff_outflow`"),
        "{e}"
    );
    assert!(e.message.contains("wages, volume"), "{e}");
}

#[test]
fn fixed_and_yearly_inputs_are_refused() {
    let text = with_correlations("correlations:\n  - {between: [wages, fixed], rank: 0.5}\n")
        .replace("inputs:\n", "inputs:\n  fixed: 0.02\n");
    let e = error(&text);
    assert!(e.message.contains("fixed number"), "{e}");
    assert_eq!(e.line, Some(line_of(&text, "[wages, fixed]")));
    let text = with_correlations("correlations:\n  - {between: [wages, yearly], rank: 0.5}\n")
        .replace(
            "inputs:\n",
            "inputs:\n  yearly: {dist: normal, mean: 0.02, sd: 0.001, per: year}\n",
        );
    let e = error(&text);
    assert!(e.message.contains("per: year"), "{e}");
}

#[test]
fn malformed_entries_are_refused() {
    for (section, expect) in [
        (
            "- {between: [wages, outflow], rank: 1.2}",
            "between -1 and 1",
        ),
        (
            "- {between: [wages, outflow], rank: 1}",
            "strictly between -1 and 1",
        ),
        (
            "- {between: [wages, outflow, inflow], rank: 0.2}",
            "names two shared inputs",
        ),
        ("- {between: [wages, wages], rank: 0.2}", "twice"),
        (
            "- {between: [wages, outflow], rank: 0.2, spearman: true}",
            "unknown field",
        ),
        (
            "- {between: [wages, outflow], rank: 0.2}\n  - {between: [outflow, wages], rank: 0.3}",
            "already given",
        ),
    ] {
        let text = with_correlations(&format!("correlations:\n  {section}\n"));
        let e = error(&text);
        println!("{e}");
        assert!(e.message.contains(expect), "{section}: {e}");
        assert!(e.line.is_some(), "{section}: {e}");
        assert!(e.key.starts_with("correlations"), "{section}: {e}");
    }
}

#[test]
fn a_scenario_without_correlations_reads_as_before() {
    let s = parse(&uncorrelated(), "x.yaml").unwrap();
    assert!(s.correlations.is_empty());
    let m = Model::compile(&s, s.region.horizon);
    assert!(m.inputs.iter().all(|i| i.coupling().is_none()));
    // And an empty section changes nothing either.
    let e = with_correlations("correlations: []\n");
    assert!(parse(&e, "x.yaml").unwrap().correlations.is_empty());
}

#[test]
fn a_variant_that_changes_a_correlated_input_keeps_its_correlation() {
    use kloof::sampling::{Dist, Quantity};
    let s = parse(CORRELATED, "correlated.yaml").unwrap();
    let m = Model::compile(&s, s.region.horizon);
    let uniform = Quantity::new(
        Dist::Uniform {
            low: 0.06,
            high: 0.19,
        },
        false,
    )
    .unwrap();
    let v = kloof::variant::Variant::baseline(&m).with_overlay("inputs.outflow", uniform);
    let inputs = v.inputs(&m);
    let d = Draws::new(&inputs, 7, 0, RUNS, m.start_year);
    let col = |key: &str| -> Vec<f64> {
        let id = inputs.iter().position(|i| i.key == key).expect(key);
        (0..RUNS).map(|b| d.at(id, b)).collect()
    };
    let outflow = col("inputs.outflow");
    assert!(outflow.iter().all(|x| (0.06..=0.19).contains(x)));
    let got = spearman(&col("inputs.wages"), &outflow);
    assert!((got - 0.6).abs() <= 0.02, "{got}");
}
