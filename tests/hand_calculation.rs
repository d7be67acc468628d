//! Exact values on `tests/fixtures/tiny.yaml`, computed by hand: 10 people at every age 0-100,
//! no deaths, births or migration; one domain using EUR 100 and 1 hour per person under 65 and
//! EUR 1,000 and 10 hours from 65; wages/prices +2 %, volume +1 % a year; 5 FTE of 1,000 hours,
//! more than demand needs, so all of it is delivered and paid (a domain short of staff is
//! `tests/economics.rs`).

mod common;

use common::{close, fixture, run, value};
use kloof::study::Options;
use kloof::variant::{BASELINE, NETWORK};

const TOL: f64 = 1e-12;

#[test]
fn start_year_demand_and_gap() {
    let s = run(&fixture("tiny.yaml"), Options::default());
    // 650 × 100 + 360 × 1,000 = 425,000 EUR; 650 × 1 + 360 × 10 = 4,250 h = 4.25 FTE.
    assert!(close(
        value(&s, BASELINE, "demand.eur.care", 2024, 0),
        425_000.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "demand.fte.care", 2024, 0),
        4.25,
        TOL
    ));
    assert_eq!(value(&s, BASELINE, "gap.fte", 2024, 0), 0.0);
    assert!(close(
        value(&s, BASELINE, "delivered.eur.care", 2024, 0),
        425_000.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "population.65+", 2024, 0),
        360.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "population.80+", 2024, 0),
        210.0,
        TOL
    ));
    // The budget is left out: it starts at the start year's cost, so no money gap yet.
    assert_eq!(value(&s, BASELINE, "gap.eur", 2024, 0), 0.0);
}

#[test]
fn one_year_on_cohorts_age_and_demand_grows() {
    let s = run(&fixture("tiny.yaml"), Options::default());
    // Everyone a year older, nobody born: 640 under 65 (age 0 empty), 370 from 65
    // (the open age 100 keeps its 10 and gains 10).
    assert!(close(
        value(&s, BASELINE, "population.0-19", 2025, 0),
        190.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "population.65+", 2025, 0),
        370.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "population.total", 2025, 0),
        1010.0,
        TOL
    ));
    // (640 × 100 + 370 × 1,000) × 1.02 × 1.01 = 434,000 × 1.0302 = 447,106.8
    assert!(close(
        value(&s, BASELINE, "demand.eur.care", 2025, 0),
        447_106.8,
        TOL
    ));
    // (640 + 3,700) h × 1.01 = 4,383.4 h = 4.3834 FTE; workforce 5 (inflow = outflow).
    assert!(close(
        value(&s, BASELINE, "demand.fte.care", 2025, 0),
        4.3834,
        TOL
    ));
    assert_eq!(value(&s, BASELINE, "capacity.fte.care", 2025, 0), 5.0);
    assert_eq!(value(&s, BASELINE, "gap.fte", 2025, 0), 0.0);
    // Budget 425,000 × 1.03 = 437,750; gap 447,106.8 - 437,750 = 9,356.8.
    assert!(close(
        value(&s, BASELINE, "budget.eur.town", 2025, 0),
        437_750.0,
        TOL
    ));
    assert!(close(value(&s, BASELINE, "gap.eur", 2025, 0), 9_356.8, TOL));
}

#[test]
fn network_applies_funded_share_of_ramped_effect() {
    let s = run(&fixture("tiny.yaml"), Options::default());
    // 2025: budget 5,000 against a cost of 10,000 funds half; ramp 1 of 2 years gives half:
    // level 0.25, so 65+ demand falls by 0.1 × 0.25 = 2.5 %.
    // (64,000 + 370,000 × 0.975) × 1.0302 = 437,577.45; the town also pays the 5,000 spent.
    assert!(close(
        value(&s, NETWORK, "demand.eur.care", 2025, 0),
        437_577.45,
        TOL
    ));
    assert!(close(
        value(&s, NETWORK, "transition.eur.spent", 2025, 0),
        5_000.0,
        TOL
    ));
    assert!(close(
        value(&s, NETWORK, "cost.eur.town", 2025, 0),
        442_577.45,
        TOL
    ));
    assert!(close(
        value(&s, NETWORK, "savings.eur.total", 2025, 0),
        4_529.35,
        1e-9
    ));
    // Before the intervention starts the variants agree.
    assert_eq!(
        value(&s, NETWORK, "cost.eur.total", 2024, 0),
        value(&s, BASELINE, "cost.eur.total", 2024, 0)
    );
    // 2026: full ramp, still half funded: 5 % off 65+ (380 people; 630 under 65).
    // (630 × 100 + 380 × 1,000 × 0.95) × 1.0302² = 424,000 × 1.06131204 = 449,996.30496
    assert!(close(
        value(&s, NETWORK, "demand.eur.care", 2026, 0),
        449_996.304_96,
        1e-11
    ));
}

#[test]
fn cumulative_savings_add_up_the_years() {
    let s = run(&fixture("tiny.yaml"), Options::default());
    let yearly: f64 = (2024..=2026)
        .map(|y| value(&s, NETWORK, "savings.eur.total", y, 0))
        .sum();
    assert!(close(
        value(&s, NETWORK, "savings.eur.cumulative", 2026, 0),
        yearly,
        1e-12
    ));
}

#[test]
fn rules_see_this_years_budget() {
    // The probe rule pays the residents the town's budget as seen in on_year: 425,000 in 2024
    // (left out, so the start year's cost) and 425,000 × 1.03 = 437,750 in 2025.
    let s = run(&fixture("probe/budget-probe.yaml"), Options::default());
    assert!(close(
        value(&s, NETWORK, "partner.residents.received", 2024, 0),
        425_000.0,
        TOL
    ));
    assert!(close(
        value(&s, NETWORK, "partner.residents.received", 2025, 0),
        437_750.0,
        TOL
    ));
}

#[test]
fn deaths_and_births_are_the_years_flows() {
    // The tiny region with people dying and being born: each year's population is last year's
    // less its deaths plus its births (no migration), and its births are the birth rate times
    // the population on 1 January.
    let text = include_str!("fixtures/tiny.yaml")
        .replacen("birth_rate: 0", "birth_rate: 0.012", 1)
        .replacen("death_probability: 0}", "death_probability: 0.006}", 1)
        .replacen("death_probability: 0}", "death_probability: 0.05}", 1);
    let source = kloof::study::Source {
        path: "flows.yaml".into(),
        text,
        ..Default::default()
    };
    let s = run(&source, Options::default());
    for year in 2024..=2025 {
        let (total, deaths, births) = (
            value(&s, BASELINE, "population.total", year, 0),
            value(&s, BASELINE, "population.deaths", year, 0),
            value(&s, BASELINE, "population.births", year, 0),
        );
        assert!(deaths > 1.0, "{year}: {deaths} deaths");
        assert!(close(births, 0.012 * total, TOL), "{year}: {births} births");
        let next = value(&s, BASELINE, "population.total", year + 1, 0);
        assert!(
            close(next, total - deaths + births, 1e-12),
            "{year}: {next} against {total} - {deaths} + {births}"
        );
    }
}
