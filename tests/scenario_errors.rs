//! A bad scenario per kind of mistake: each error names the file, the line and the key.

use kloof::scenario::{ScenarioError, parse};

const TINY: &str = include_str!("fixtures/tiny.yaml");

/// Applies `from -> to` to the tiny scenario and returns the error it gives.
fn error(from: &str, to: &str) -> ScenarioError {
    assert!(TINY.contains(from), "fixture lacks {from:?}");
    let text = TINY.replacen(from, to, 1);
    parse(&text, "bad.yaml").expect_err("the scenario must be rejected")
}

fn line_of(needle: &str) -> usize {
    TINY.lines()
        .position(|l| l.contains(needle))
        .expect("needle in fixture")
        + 1
}

fn assert_error(e: &ScenarioError, line: usize, key: &str, words: &str) {
    assert_eq!(e.file, "bad.yaml");
    assert_eq!(e.line, Some(line), "{e}");
    assert_eq!(e.key, key, "{e}");
    assert!(e.message.contains(words), "{e}");
    assert!(
        e.to_string().starts_with(&format!("bad.yaml:{line}:")),
        "{e}"
    );
}

#[test]
fn the_fixture_itself_is_valid() {
    parse(TINY, "tiny.yaml").expect("valid");
}

#[test]
fn unknown_key() {
    let e = error("hours_per_fte: 1000", "hours_per_ftee: 1000");
    assert_error(
        &e,
        line_of("hours_per_fte"),
        "domains[0].hours_per_ftee",
        "unknown field `hours_per_ftee`",
    );
}

#[test]
fn wrong_type() {
    let e = error("\"65+\": 360", "\"65+\": many");
    assert_error(
        &e,
        line_of("\"65+\": 360"),
        "region.population.65+",
        "invalid type",
    );
}

#[test]
fn share_above_one() {
    let e = error("inflow: 0.1,", "inflow: 1.5,");
    assert_error(
        &e,
        line_of("inflow: 0.1"),
        "domains[0].workforce.inflow",
        "between 0 and 1",
    );
}

#[test]
fn negative_amount() {
    let e = error("cost: 10000", "cost: -10000");
    assert_error(
        &e,
        line_of("cost: 10000"),
        "interventions[0].cost",
        "at least 0",
    );
}

#[test]
fn unknown_reference() {
    let e = error("{domain: care, ages", "{domain: cure, ages");
    assert_error(
        &e,
        line_of("{domain: care"),
        "interventions[0].effects[0].domain",
        "unknown domain `cure`",
    );
}

#[test]
fn financier_must_have_the_financier_role() {
    let e = error("financier: town", "financier: clinic");
    assert_error(
        &e,
        line_of("financier: town"),
        "domains[0].financier",
        "role financier",
    );
}

#[test]
fn age_bands_with_a_gap() {
    let e = error("\"0-64\": 650", "\"0-63\": 650");
    assert_error(
        &e,
        line_of("\"0-64\": 650"),
        "region.population",
        "without gaps",
    );
}

#[test]
fn distribution_with_missing_parameter() {
    let e = error("change: -0.1}", "change: {dist: normal, mean: -0.1}}");
    assert_error(
        &e,
        line_of("change: -0.1"),
        "interventions[0].effects[0].change",
        "missing sd",
    );
}

#[test]
fn unknown_distribution() {
    let e = error(
        "per_year: 5000",
        "per_year: {dist: gaussian, mean: 1, sd: 1}",
    );
    assert_error(
        &e,
        line_of("per_year: 5000"),
        "transition_budget.per_year",
        "unknown distribution `gaussian`",
    );
}

#[test]
fn duplicate_id() {
    let e = error("{id: clinic, name: Clinic", "{id: town, name: Clinic");
    assert_error(&e, line_of("{id: clinic"), "partners[1].id", "used twice");
}

#[test]
fn reserved_partner_ids() {
    for id in ["outside", "interventions"] {
        let e = error(
            "{id: clinic, name: Clinic",
            &format!("{{id: {id}, name: Clinic"),
        );
        assert_error(&e, line_of("{id: clinic"), "partners[1].id", "is reserved");
    }
}

#[test]
fn budget_paths_are_checked() {
    let e = error(
        "budget: {growth: 0.03}",
        "budget: {growth: 0.03, follows: wages}",
    );
    assert_error(
        &e,
        line_of("budget: {growth: 0.03}"),
        "partners[0].budget.follows",
        "unknown variant `wages`",
    );
    let e = error(
        "budget: {growth: 0.03}",
        "budget: {growth: 0.03, path: {2025: -2}}",
    );
    assert_error(
        &e,
        line_of("budget: {growth: 0.03}"),
        "partners[0].budget.path.2025",
        "must be at least -1",
    );
    let e = error(
        "budget: {growth: 0.03}",
        "budget: {growth: 0.03, path: {2024: 0.1}}",
    );
    assert_error(
        &e,
        line_of("partners:"),
        "partners",
        "budget path year 2024 must lie after the start year 2024",
    );
}

#[test]
fn contributions_must_sum_to_one() {
    let e = error("contributions: {town: 1}", "contributions: {town: 0.7}");
    assert_error(
        &e,
        line_of("contributions:"),
        "transition_budget.contributions",
        "sum to 1",
    );
}

#[test]
fn horizon_before_start() {
    let e = error("horizon: 2026", "horizon: 2020");
    assert_error(
        &e,
        line_of("horizon: 2026"),
        "region.horizon",
        "after the start year",
    );
}

#[test]
fn broken_yaml() {
    let e = error("  name: Tiny", "  name: [Tiny");
    assert!(e.line.is_some(), "{e}");
    assert_eq!(e.file, "bad.yaml");
}
