//! Shared inputs (`inputs:` and `{input: name}`): one draw for every place that names it, the
//! streams of everything else untouched, and clear errors for names that do not resolve.

mod common;

use kloof::scenario::parse;
use kloof::study::{self, Options, Source, Study};
use kloof::variant::BASELINE;

const ECONOMICS: &str = include_str!("fixtures/economics.yaml");

fn with(changes: &[(&str, &str)]) -> String {
    let mut text = ECONOMICS.replacen("horizon: 2025", "horizon: 2028", 1);
    for (from, to) in changes {
        assert!(text.contains(from), "fixture lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

fn run(text: String) -> Study {
    let source = Source {
        path: "shared.yaml".into(),
        text,
        ..Default::default()
    };
    study::run(
        &source,
        &Options {
            runs: Some(50),
            ..Options::default()
        },
        &|_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

const CAO: (&str, &str) = (
    "region:",
    "inputs:\n  cao: {dist: normal, mean: 0.02, sd: 0.01, per: year}\nregion:",
);

/// Both domains' wages and prices named `cao`; both budgets follow their prices.
fn shared() -> String {
    with(&[
        CAO,
        (
            "growth: {wages_prices: 0, volume: 0}",
            "growth: {wages_prices: {input: cao}, volume: 0}",
        ),
        (
            "growth: {wages_prices: 0, volume: 0}",
            "growth: {wages_prices: {input: cao}, volume: 0}",
        ),
        (
            "budget: {growth: 0}",
            "budget: {growth: 0, follows: prices}",
        ),
        (
            "budget: {growth: 0}",
            "budget: {growth: 0, follows: prices}",
        ),
    ])
}

fn growth(s: &Study, metric: &str, year: i32, run: usize) -> f64 {
    let at = |y| s.outcomes.get(BASELINE, metric, y).expect("series")[run];
    at(year) / at(year - 1)
}

#[test]
fn every_place_naming_a_shared_input_draws_the_same_value() {
    let s = run(shared());
    let mut varied = false;
    for run in 0..50 {
        for year in 2025..=2028 {
            let (town, insurer) = (
                growth(&s, "budget.eur.town", year, run),
                growth(&s, "budget.eur.insurer", year, run),
            );
            assert!(
                (town - insurer).abs() < 1e-12,
                "run {run} {year}: {town} vs {insurer}"
            );
            varied |= (town - 1.02).abs() > 1e-3;
        }
    }
    assert!(varied, "the shared input is drawn, not fixed");
    // Apart, the two domains draw their own growth: the budgets part ways.
    let apart = run(with(&[
        (
            "growth: {wages_prices: 0, volume: 0}",
            "growth: {wages_prices: {dist: normal, mean: 0.02, sd: 0.01, per: year}, volume: 0}",
        ),
        (
            "growth: {wages_prices: 0, volume: 0}",
            "growth: {wages_prices: {dist: normal, mean: 0.02, sd: 0.01, per: year}, volume: 0}",
        ),
        (
            "budget: {growth: 0}",
            "budget: {growth: 0, follows: prices}",
        ),
        (
            "budget: {growth: 0}",
            "budget: {growth: 0, follows: prices}",
        ),
    ]));
    let differ = (0..50).any(|r| {
        (growth(&apart, "budget.eur.town", 2026, r) - growth(&apart, "budget.eur.insurer", 2026, r))
            .abs()
            > 1e-6
    });
    assert!(differ);
}

#[test]
fn an_input_that_did_not_change_keeps_its_stream() {
    // Declaring the shared input and using it for home only leaves the clinic, which does not
    // depend on home, bit-identical.
    let plain = run(with(&[(
        "growth: {wages_prices: 0, volume: 0}\n    unmet_share",
        "growth: {wages_prices: 0, volume: {dist: uniform, low: 0, high: 0.02}}\n    unmet_share",
    )]));
    let shared_home = run(with(&[
        CAO,
        (
            "growth: {wages_prices: 0, volume: 0}\n    unmet_share",
            "growth: {wages_prices: {input: cao}, volume: {dist: uniform, low: 0, high: 0.02}}\n    unmet_share",
        ),
    ]));
    for metric in [
        "demand.eur.clinic",
        "margin.eur.hospital",
        "payments.eur.insurer",
    ] {
        for year in 2024..=2028 {
            let a = plain.outcomes.get(BASELINE, metric, year).expect("series");
            let b = shared_home
                .outcomes
                .get(BASELINE, metric, year)
                .expect("series");
            assert_eq!(a, b, "{metric} {year}");
        }
    }
    // The home volume input did not change either: its demand in FTE (no prices) is the same.
    let a = plain
        .outcomes
        .get(BASELINE, "demand.fte.home", 2027)
        .expect("series");
    let b = shared_home
        .outcomes
        .get(BASELINE, "demand.fte.home", 2027)
        .expect("series");
    assert_eq!(a, b);
}

#[test]
fn names_that_do_not_resolve_are_errors_at_their_line() {
    let text = with(&[(
        "wages_prices: 0, volume: 0}",
        "wages_prices: {input: nope}, volume: 0}",
    )]);
    let e = parse(&text, "bad.yaml").expect_err("unknown input");
    assert!(e.message.contains("unknown shared input `nope`"), "{e}");
    assert_eq!(e.key, "domains[0].growth.wages_prices", "{e}");
    let line = text
        .lines()
        .position(|l| l.contains("{input: nope}"))
        .expect("line")
        + 1;
    assert_eq!(e.line, Some(line), "{e}");
    // Declared, but out of the range of a place that names it.
    let text = with(&[
        ("region:", "inputs:\n  big: 0.5\nregion:"),
        (
            "wages_prices: 0, volume: 0}",
            "wages_prices: {input: big}, volume: 0}",
        ),
    ]);
    let e = parse(&text, "bad.yaml").expect_err("out of range");
    assert!(
        e.message.contains("shared input `big`") && e.message.contains("between -0.1 and 0.25"),
        "{e}"
    );
    // A reference that gives more than the name, and a shared input naming another.
    let text = with(&[
        CAO,
        (
            "wages_prices: 0, volume: 0}",
            "wages_prices: {input: cao, per: year}, volume: 0}",
        ),
    ]);
    assert!(
        parse(&text, "bad.yaml")
            .expect_err("extra")
            .message
            .contains("takes nothing else")
    );
    let text = with(&[("region:", "inputs:\n  a: 0.01\n  b: {input: a}\nregion:")]);
    assert!(
        parse(&text, "bad.yaml")
            .expect_err("chain")
            .message
            .contains("cannot name another")
    );
}
