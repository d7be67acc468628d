//! Any number of variants in one simulation: each is what it would be alone, partners that do
//! not take part pay nothing, overlays change only what they touch, and a recorder sees every
//! variant-year exactly once.

// Errors carry rule context (see lib.rs); their size only matters on the failure path.
#![allow(clippy::result_large_err)]

mod common;

use std::collections::HashSet;
use std::sync::Mutex;

use kloof::agreement::{Agreements, NoRules};
use kloof::model::Model;
use kloof::outcome::{Outcomes, RecordedYear, Recorder};
use kloof::rules::RuleSet;
use kloof::sampling::Quantity;
use kloof::simulator::{self, Settings, SimError};
use kloof::variant::{BASELINE, NETWORK, Variant, VariantError, baseline_and_network};

fn model() -> (Model, RuleSet) {
    let source = common::fixture("agreement.yaml");
    let scenario = source.parse().expect("valid");
    let model = Model::compile(&scenario, scenario.region.horizon);
    let rules = RuleSet::load(&model, source.dir().as_deref()).expect("rules compile");
    (model, rules)
}

fn settings(threads: usize) -> Settings {
    Settings {
        runs: 40,
        seed: 5,
        batch_size: 16,
        threads: Some(threads),
        cancel: None,
        first_run: 0,
    }
}

fn simulate(m: &Model, a: &dyn Agreements, variants: &[Variant], threads: usize) -> Outcomes {
    simulator::simulate(m, &settings(threads), variants, a, &|_| {}).expect("simulates")
}

/// Every run of `metric` of `variant`, year after year, as bits (exact comparison).
fn bits(o: &Outcomes, variant: &str, metric: &str) -> Vec<u64> {
    o.years
        .iter()
        .flat_map(|&y| o.get(variant, metric, y).expect("series").to_vec())
        .map(f64::to_bits)
        .collect()
}

fn town_out(m: &Model) -> Variant {
    let town = m
        .partners
        .iter()
        .position(|p| p.id == "town")
        .expect("town");
    Variant::coalition("without-town", m, |i| i != town)
}

#[test]
fn extra_variants_leave_baseline_and_network_bit_identical() {
    let (m, rules) = model();
    let alone = simulate(&m, &rules, &baseline_and_network(&m), 2);
    let mut many = vec![town_out(&m)];
    many.extend(baseline_and_network(&m));
    many.push(Variant::network(&m).with_overlay("region.birth_rate", Quantity::fixed(0.02)));
    many[3].name = "births".into();
    let together = simulate(&m, &rules, &many, 1);
    for (i, s) in alone.catalogue.series.iter().enumerate() {
        let j = together
            .catalogue
            .find(&s.variant, &s.metric)
            .unwrap_or_else(|| panic!("{} {} missing", s.variant, s.metric));
        for y in 0..alone.years.len() {
            let (a, b) = (alone.values(i, y), together.values(j, y));
            assert!(
                a.iter()
                    .zip(b.iter())
                    .all(|(x, z)| x.to_bits() == z.to_bits()),
                "{} {} differs in year {}",
                s.variant,
                s.metric,
                alone.years[y]
            );
        }
    }
}

#[test]
fn many_variants_do_not_depend_on_threads_or_batches() {
    let (m, rules) = model();
    let variants: Vec<Variant> = (0..6)
        .map(|mask| Variant::coalition(&format!("c{mask}"), &m, |i| mask >> i & 1 == 1))
        .collect();
    let one = simulate(&m, &rules, &variants, 1);
    let mut s = settings(2);
    s.batch_size = 7;
    let two = simulator::simulate(&m, &s, &variants, &rules, &|_| {}).expect("simulates");
    for series in &one.catalogue.series {
        assert_eq!(
            bits(&one, &series.variant, &series.metric),
            bits(&two, &series.variant, &series.metric),
            "{} {}",
            series.variant,
            series.metric
        );
    }
}

#[test]
fn a_partner_that_does_not_take_part_pays_nothing_into_the_fund() {
    // Without rules only kloof's own flows move money: in the first year of the transition
    // budget (2025, fund empty before) what is in the fund at year end plus what it spent is
    // exactly what the partners taking part paid in: 250,000 × their shares.
    let (m, _) = model();
    let variants = vec![Variant::network(&m), town_out(&m)];
    let o = simulate(&m, &NoRules, &variants, 2);
    for (variant, paid_in) in [(NETWORK, 250_000.0), ("without-town", 125_000.0)] {
        let fund = o.get(variant, "fund.transition.eur", 2025).expect("fund");
        let spent = o.get(variant, "transition.eur.spent", 2025).expect("spent");
        for (f, s) in fund.iter().zip(spent.iter()) {
            assert!(
                (f + s - paid_in).abs() < 1e-6,
                "{variant}: {f} + {s} != {paid_in}"
            );
        }
    }
}

#[test]
fn an_overlay_changes_what_it_touches_and_nothing_else() {
    let (m, rules) = model();
    let cheaper = Variant::network(&m).with_overlay(
        "interventions.hospital-to-home.cost",
        Quantity::fixed(20_000.0),
    );
    let births = Variant::network(&m).with_overlay("region.birth_rate", Quantity::fixed(0.02));
    let variants = vec![
        Variant::baseline(&m),
        Variant::network(&m),
        Variant {
            name: "cheaper".into(),
            ..cheaper
        },
        Variant {
            name: "births".into(),
            ..births
        },
    ];
    let o = simulate(&m, &rules, &variants, 2);
    // An intervention's cost is not a projection input: same people, other spending.
    assert!(!variants[2].changes_projection(&m));
    assert_eq!(
        bits(&o, "cheaper", "population.total"),
        bits(&o, NETWORK, "population.total")
    );
    assert_ne!(
        bits(&o, "cheaper", "transition.eur.spent"),
        bits(&o, NETWORK, "transition.eur.spent")
    );
    // The birth rate is: the variant gets its own projection, and 2 % births a year instead
    // of about 0.9 % grows the 0-19 group, while the baseline's stays as it was.
    assert!(variants[3].changes_projection(&m));
    let young = |v: &str| o.get(v, "population.0-19", 2030).expect("series").to_vec();
    assert!(
        young("births")
            .iter()
            .zip(young(NETWORK))
            .all(|(b, n)| *b > n + 50.0)
    );
    assert_eq!(
        bits(&o, BASELINE, "population.0-19"),
        bits(&o, NETWORK, "population.0-19")
    );
}

/// Records which (variant, year, first run) it was handed, and how many values.
#[derive(Default)]
struct Seen(Mutex<Vec<(usize, usize, usize, usize)>>);

impl Recorder for Seen {
    fn record(&self, y: &RecordedYear) {
        assert_eq!(y.values.len(), y.series.len() * y.len);
        self.0
            .lock()
            .expect("not poisoned")
            .push((y.variant, y.year_index, y.first_run, y.len));
    }
}

#[test]
fn a_recorder_hears_every_variant_year_of_every_batch_once() {
    let (m, rules) = model();
    let variants = baseline_and_network(&m);
    let seen = Seen::default();
    simulator::simulate_into(&m, &settings(2), &variants, &rules, &seen, &|_| {})
        .expect("simulates");
    let seen = seen.0.into_inner().expect("not poisoned");
    let years = m.years().count();
    // 40 runs in batches of 16: 16, 16 and 8.
    assert_eq!(seen.len(), 3 * years * variants.len());
    let unique: HashSet<_> = seen.iter().map(|&(v, y, f, _)| (v, y, f)).collect();
    assert_eq!(unique.len(), seen.len());
    let runs: usize = seen
        .iter()
        .filter(|&&(v, y, ..)| v == 0 && y == 0)
        .map(|&(.., len)| len)
        .sum();
    assert_eq!(runs, 40);
}

#[test]
fn bad_variant_sets_are_errors() {
    let (m, rules) = model();
    let run = |variants: Vec<Variant>| {
        simulator::simulate(&m, &settings(1), &variants, &rules, &|_| {}).map(|_| ())
    };
    let err = |r: Result<(), SimError>| match r {
        Err(SimError::Variant(e)) => e,
        other => panic!("expected a variant error, got {other:?}"),
    };
    assert_eq!(err(run(Vec::new())), VariantError::Empty);
    assert_eq!(
        err(run(vec![Variant::network(&m), Variant::network(&m)])),
        VariantError::Duplicate(NETWORK.into())
    );
    assert_eq!(
        err(run(vec![
            Variant::network(&m).with_overlay("region.nope", Quantity::fixed(1.0))
        ])),
        VariantError::UnknownInput {
            variant: NETWORK.into(),
            key: "region.nope".into()
        }
    );
    let mut short = Variant::network(&m);
    short.takes_part.pop();
    assert_eq!(
        err(run(vec![short])),
        VariantError::Partners {
            variant: NETWORK.into(),
            given: 3,
            expected: 4
        }
    );
    let named = Variant {
        name: "Net Work".into(),
        ..Variant::network(&m)
    };
    assert_eq!(
        err(run(vec![named])),
        VariantError::BadName("Net Work".into())
    );
}

#[test]
fn an_overlay_is_held_to_the_same_range_as_the_scenario_file() {
    // Zero hours per FTE would make demand in FTE infinite: refused before anything runs,
    // naming the variant, the input and the range.
    let (m, rules) = model();
    let broken =
        Variant::network(&m).with_overlay("domains.nursing.hours_per_fte", Quantity::fixed(0.0));
    match simulator::simulate(&m, &settings(2), &[broken], &rules, &|_| {}) {
        Err(SimError::Variant(VariantError::OutOfRange {
            variant,
            key,
            message,
        })) => {
            assert_eq!(
                (variant.as_str(), key.as_str()),
                (NETWORK, "domains.nursing.hours_per_fte")
            );
            assert!(
                message.contains("must lie between 500 and 2500"),
                "{message}"
            );
        }
        other => panic!("expected a range error, got {:?}", other.map(|_| ())),
    }
    // A value inside the range is accepted.
    let fine =
        Variant::network(&m).with_overlay("domains.nursing.hours_per_fte", Quantity::fixed(1200.0));
    simulator::simulate(&m, &settings(2), &[fine], &rules, &|_| {}).expect("in range");
}
