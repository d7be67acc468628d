//! A bad scenario per kind of mistake: each error names the file, the line and the key.

mod common;

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
        "between 0 and 0.5 (share of the FTE per year",
    );
}

#[test]
fn negative_amount() {
    let e = error("cost: 10000", "cost: -10000");
    assert_error(
        &e,
        line_of("cost: 10000"),
        "interventions[0].cost",
        "the value -10,000 must lie between 0 and 100,000,000,000 (EUR a year",
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
    // At the band the message names, the one that does not follow on.
    assert_error(
        &e,
        line_of("\"65+\": 360"),
        "region.population",
        "`65+` follows a band ending at 63",
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
        "must lie between -0.1 and 0.25",
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

/// The cases of issue 8 that gave absurd numbers with exit status 0: each is refused at its own
/// line and key, with the range it must lie in.
#[test]
fn implausible_values_are_refused_with_their_range() {
    let cases = [
        (
            "hours_per_fte: 1000",
            "hours_per_fte: 0",
            "hours_per_fte",
            "domains[0].hours_per_fte",
            "between 500 and 2500",
        ),
        (
            "{eur: 1000, hours: 10}",
            "{eur: 1e308, hours: 10}",
            "{eur: 1000, hours: 10}",
            "domains[0].use.65+.eur",
            "between 0 and 1,000,000",
        ),
        (
            "{eur: 1000, hours: 10}",
            "{eur: 1000, hours: 9000}",
            "{eur: 1000, hours: 10}",
            "domains[0].use.65+.hours",
            "between 0 and 8784",
        ),
        (
            "change: -0.1}",
            "change: 1e300}",
            "change: -0.1",
            "interventions[0].effects[0].change",
            "between -1 and 1",
        ),
        (
            "wages_prices: 0.02",
            "wages_prices: -1.5",
            "wages_prices: 0.02",
            "domains[0].growth.wages_prices",
            "between -0.1 and 0.25",
        ),
        (
            "budget: {growth: 0.03}",
            "budget: {growth: 3}",
            "budget: {growth: 0.03}",
            "partners[0].budget.growth",
            "between -0.1 and 0.25",
        ),
        (
            "birth_rate: 0",
            "birth_rate: 0.9",
            "birth_rate: 0",
            "region.birth_rate",
            "between 0 and 0.05",
        ),
        (
            "improvement: 0",
            "improvement: -0.5",
            "improvement: 0",
            "region.mortality.improvement",
            "between -0.05 and 0.1",
        ),
        (
            "\"65+\": 360",
            "\"65+\": 1e308",
            "\"65+\": 360",
            "region.population.65+",
            "between 0 and 100,000,000",
        ),
        (
            "fte: 5,",
            "fte: 1e12,",
            "fte: 5,",
            "domains[0].workforce.fte",
            "between 0 and 10,000,000",
        ),
        (
            "productivity: 0}",
            "productivity: 0.5}",
            "productivity: 0}",
            "domains[0].workforce.productivity",
            "between -0.05 and 0.1",
        ),
        (
            "per_year: 5000",
            "per_year: 1e15",
            "per_year: 5000",
            "transition_budget.per_year",
            "between 0 and 100,000,000,000",
        ),
        (
            "young: {age: 60, death_probability: 0}",
            "young: {age: 60, death_probability: 1.5}",
            "young: {age: 60",
            "region.mortality.young.death_probability",
            "between 0 and 1",
        ),
    ];
    for (from, to, line, key, words) in cases {
        let e = error(from, to);
        assert_error(&e, line_of(line), key, words);
    }
}

#[test]
fn a_distribution_must_lie_within_the_range() {
    // A normal whose mean ± 3 sd leaves the range: 0.03 ± 0.3 reaches -0.27.
    let e = error(
        "wages_prices: 0.02",
        "wages_prices: {dist: normal, mean: 0.03, sd: 0.1}",
    );
    assert_error(
        &e,
        line_of("wages_prices: 0.02"),
        "domains[0].growth.wages_prices",
        "mean ± 3 sd (-0.27 to 0.33) must lie between -0.1 and 0.25",
    );
    // Within it by three sd: accepted (its rarer draws are clamped to the range).
    let ok = TINY.replacen(
        "wages_prices: 0.02",
        "wages_prices: {dist: normal, mean: 0.03, sd: 0.03}",
        1,
    );
    parse(&ok, "ok.yaml").expect("mean ± 3 sd = -0.06..0.12 lies in the range");
    // A lognormal is held to its 99.7 % range, e^(mu ± 3 sigma).
    let e = error(
        "{eur: 1000, hours: 10}",
        "{eur: {dist: lognormal, mean: 300000, sd: 300000}, hours: 10}",
    );
    assert!(
        e.message.contains("lognormal distribution's 99.7 % range"),
        "{e}"
    );
    assert!(
        e.message.contains("must lie between 0 and 1,000,000"),
        "{e}"
    );
    let ok = TINY.replacen(
        "{eur: 1000, hours: 10}",
        "{eur: {dist: lognormal, mean: 1000, sd: 300}, hours: 10}",
        1,
    );
    parse(&ok, "ok.yaml").expect("a narrow lognormal lies in the range");
}

#[test]
fn a_full_informal_share_is_refused() {
    // The formal demand scales by (1 - s) / (1 - s0): s0 = 1 divides by zero.
    let with_informal = TINY.replacen(
        "interventions:",
        "informal_care:\n  domains: [care]\n  recipient_ages: \"80+\"\n  carer_ages: \"50-74\"\n  share_of_need: 1\n  elasticity: 1\ninterventions:",
        1,
    );
    let e = parse(&with_informal, "bad.yaml").expect_err("share 1 refused");
    assert_eq!(e.key, "informal_care.share_of_need", "{e}");
    assert!(e.message.contains("between 0 and 0.95"), "{e}");
}

#[test]
fn years_far_from_the_start_are_refused() {
    let e = error("    year: 2024", "    year: 2900");
    assert_error(
        &e,
        line_of("    year: 2024"),
        "region.mortality.year",
        "use a year from 1994 to 2054",
    );
    let e = error("start_year: 2025", "start_year: 2500");
    assert_error(
        &e,
        line_of("start_year: 2025"),
        "interventions[0].start_year",
        "use a year from 1994 to 2084",
    );
    let e = error("to_year: 2026", "to_year: 3000");
    assert_error(
        &e,
        line_of("to_year: 2026"),
        "transition_budget.to_year",
        "use a year from 1994 to 2084",
    );
    let e = error("start_year: 2024", "start_year: 20240");
    assert_error(
        &e,
        line_of("start_year: 2024"),
        "region.start_year",
        "use a year from 1950 to 2100",
    );
    let e = error("ramp_up_years: 2", "ramp_up_years: 1000");
    assert_error(
        &e,
        line_of("ramp_up_years: 2"),
        "interventions[0].ramp_up_years",
        "at most 60",
    );
    let e = error("young: {age: 60", "young: {age: 200");
    assert_error(
        &e,
        line_of("young: {age: 60"),
        "region.mortality.young.age",
        "at most 100",
    );
}

#[test]
fn horizon_at_most_sixty_years_out() {
    let e = error("horizon: 2026", "horizon: 3000");
    assert_error(
        &e,
        line_of("horizon: 2026"),
        "region.horizon",
        "at most 60 years after it (up to 2084)",
    );
    parse(
        &TINY.replacen("horizon: 2026", "horizon: 2084", 1),
        "ok.yaml",
    )
    .expect("60 years out");
}

#[test]
fn emigration_at_most_a_tenth_of_the_band() {
    // 1,010 people in all: up to 101 may leave a year.
    let e = error("\"0+\": 0", "\"0+\": -102");
    assert_error(
        &e,
        line_of("\"0+\": 0"),
        "region.net_migration.0+",
        "net emigration of up to 102 people a year is more than 10 % of the about 1010 people aged 0+",
    );
    parse(&TINY.replacen("\"0+\": 0", "\"0+\": -101", 1), "ok.yaml").expect("10 % may leave");
    // By band: 360 people aged 65+, so 37 leaving is too many; the population band's lowest
    // value counts, and a distribution's lowest value.
    let e = error(
        "\"0+\": 0",
        "\"0-64\": 0\n    \"65+\": {dist: uniform, low: -37, high: 0}",
    );
    assert_eq!(e.key, "region.net_migration.65+", "{e}");
    assert!(e.message.contains("about 360 people aged 65+"), "{e}");
    parse(
        &TINY.replacen("\"0+\": 0", "\"0-64\": 0\n    \"65+\": -36", 1),
        "ok.yaml",
    )
    .expect("36 of 360");
}

/// The README's table of ranges is the list the code enforces, row for row.
#[test]
fn readme_lists_every_range() {
    let readme = include_str!("../README.md");
    for range in kloof::scenario::ranges::ALL {
        let row = range.to_string();
        assert!(readme.contains(&row), "README lacks the row\n{row}");
    }
}

#[test]
fn the_name_is_an_identifier() {
    for bad in ["\"../escape\"", "/tmp/x", "\"\"", "Tiny", "-x"] {
        let e = error("name: tiny", &format!("name: {bad}"));
        assert_error(
            &e,
            line_of("name: tiny"),
            "name",
            "lowercase letters, digits",
        );
    }
}

/// Issue 8, item 7: four errors that pointed at the wrong place or said the wrong thing. The
/// fixture with two domains (`wmo`, then `nursing`) and partners before domains shows each.
mod positions {
    use super::*;

    const TWO: &str = include_str!("fixtures/agreement.yaml");

    fn error(from: &str, to: &str) -> (ScenarioError, String) {
        assert!(TWO.contains(from), "fixture lacks {from:?}");
        let text = TWO.replacen(from, to, 1);
        let e = parse(&text, "bad.yaml").expect_err("the scenario must be rejected");
        (e, text)
    }

    fn line_of(text: &str, needle: &str, nth: usize) -> usize {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .nth(nth - 1)
            .expect("needle in text")
            .0
            + 1
    }

    /// Was placed at the second domain's `use:`, after the reader had left the first.
    #[test]
    fn an_age_band_error_in_the_first_domain_points_at_that_band() {
        let (e, text) = error("\"65-79\": {eur: 800", "\"60-79\": {eur: 800");
        assert_eq!(e.key, "domains[0].use", "{e}");
        assert_eq!(e.line, Some(line_of(&text, "\"60-79\"", 1)), "{e}");
        assert!(
            e.message.contains("`60-79` follows a band ending at 64"),
            "{e}"
        );
    }

    /// Was "unknown domain `nursing`" at a partner that delivers it, earlier in the file.
    #[test]
    fn a_duplicate_domain_id_is_reported_as_a_duplicate_at_the_second() {
        let (e, text) = error("  - id: nursing", "  - id: wmo");
        assert_eq!(e.key, "domains[1].id", "{e}");
        assert_eq!(e.line, Some(line_of(&text, "  - id: wmo", 2)), "{e}");
        assert_eq!(e.column, Some(5), "{e}");
        assert!(e.message.contains("domain id `wmo` is used twice"), "{e}");
    }

    #[test]
    fn an_unclosed_bracket_is_a_syntax_error_where_it_shows() {
        let (e, text) = error("domains: [wmo, nursing]", "domains: [wmo, nursing");
        assert!(e.message.starts_with("YAML syntax:"), "{e}");
        assert!(e.message.contains("is a `[` left open?"), "{e}");
        assert!(!e.message.contains("invalid type"), "{e}");
        let opened = line_of(&text, "domains: [wmo, nursing", 1);
        assert!(
            e.message.contains(&format!("at line {opened} column")),
            "names where it was opened: {e}"
        );
        // Also at the end of the file, and for a `{`.
        let text = format!("{TWO}extra: [1, 2");
        let e = parse(&text, "bad.yaml").expect_err("rejected");
        assert!(e.message.contains("is a `[` left open?"), "{e}");
        let (e, _) = error("{town: 0.5, insurer: 0.5}", "{town: 0.5, insurer: 0.5");
        assert!(e.message.contains("is a `{` left open?"), "{e}");
    }

    /// Was placed at the parent (`- id: wmo`).
    #[test]
    fn a_duplicate_key_points_at_its_second_occurrence() {
        let (e, text) = error(
            "    hours_per_fte: 1300\n",
            "    hours_per_fte: 1300\n    hours_per_fte: 1200\n",
        );
        assert!(e.message.contains("duplicate field `hours_per_fte`"), "{e}");
        assert_eq!(
            e.line,
            Some(line_of(&text, "hours_per_fte: 1200", 1)),
            "{e}"
        );
        // In flow style too.
        let (e, text) = error(
            "{fte: 22, inflow: 0.12,",
            "{fte: 22, inflow: 0.12, fte: 23,",
        );
        assert!(e.message.contains("duplicate field `fte`"), "{e}");
        let line = line_of(&text, "fte: 23", 1);
        let column = text.lines().nth(line - 1).and_then(|l| l.find("fte: 23"));
        assert_eq!(
            (e.line, e.column),
            (Some(line), column.map(|c| c + 1)),
            "{e}"
        );
    }
}

/// Text from the file is quoted in errors with control characters escaped: a scenario must not
/// move the cursor or clear the screen of whoever reads its errors.
#[test]
fn control_characters_in_quoted_text_are_escaped() {
    let e = error("financier: town", "financier: \"to\\ewn\"");
    let text = e.to_string();
    assert!(text.contains("`to\\u{1b}wn`; known: town"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
}

/// `kloof check` promises every error at once: values out of range and unknown references are
/// all reported, each at its own line, then the error that stops reading.
#[test]
fn every_value_and_reference_error_is_reported_at_once() {
    let text = TINY
        .replacen("hours_per_fte: 1000", "hours_per_fte: 0", 1)
        .replacen("inflow: 0.1,", "inflow: 2,", 1)
        .replacen("{domain: care", "{domain: cure", 1)
        .replacen("per_year: 5000", "per_year: -5", 1);
    let all = kloof::scenario::parse_all(&text, "bad.yaml").expect_err("rejected");
    let keys: Vec<(&str, Option<usize>)> = all.iter().map(|e| (e.key.as_str(), e.line)).collect();
    assert_eq!(
        keys,
        [
            ("domains[0].hours_per_fte", Some(line_of("hours_per_fte"))),
            ("domains[0].workforce.inflow", Some(line_of("inflow: 0.1"))),
            (
                "interventions[0].effects[0].domain",
                Some(line_of("{domain: care"))
            ),
            (
                "transition_budget.per_year",
                Some(line_of("per_year: 5000"))
            ),
        ],
        "{all:?}"
    );
    // The first is the one a run stops at.
    let one = parse(&text, "bad.yaml").expect_err("rejected");
    assert_eq!(one, all[0]);
    // An error that stops reading comes after the value errors before it.
    let text = text.replacen("seed: 7}", "seed: 7, surprise: 1}", 1);
    let all = kloof::scenario::parse_all(&text, "bad.yaml").expect_err("rejected");
    assert!(
        all.iter()
            .any(|e| e.message.contains("unknown field `surprise`")),
        "{all:?}"
    );
    assert!(all.len() >= 2, "{all:?}");
    // A good scenario reads as with `parse`.
    assert!(kloof::scenario::parse_all(TINY, "tiny.yaml").is_ok());
}

#[test]
fn agreement_period_is_checked() {
    let tail = "monte_carlo:";
    let e = error(
        tail,
        "agreement_period: {from: 2025, to: 2024, after: fee for service}\nmonte_carlo:",
    );
    assert_error(
        &e,
        line_of(tail),
        "agreement_period.to",
        "lies before from 2025",
    );
    let e = error(
        tail,
        "agreement_period: {from: 2025, to: 2026, afterwards: x}\nmonte_carlo:",
    );
    assert_eq!(e.line, Some(line_of(tail)), "{e}");
    assert!(e.message.contains("unknown field `afterwards`"), "{e}");
}

/// Deeply nested YAML once took time growing with the square of its depth (76 s for a 200 KB
/// scenario): every kind of input kloof reads now refuses nesting beyond its limit at once, at
/// the place it goes too deep, and a file of the largest size a scenario may have is refused in
/// well under a second.
#[test]
fn deeply_nested_input_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let depth = 400_000;
    let flow = format!(
        "name: x\ntitle: y\nregion: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(flow.len() < kloof::scenario::MAX_SCENARIO_BYTES as usize);
    let mut block = String::from("name: x\ntitle: y\nregion:\n");
    for i in 0..100 {
        block += &format!("{}k{i}:\n", "  ".repeat(i + 1));
    }
    for (name, text, at) in [("flow.yaml", &flow, ":3:"), ("block.yaml", &block, ":67:")] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let start = std::time::Instant::now();
        let e = kloof::study::Source::read(&path)
            .and_then(|s| s.parse().map(|_| s))
            .expect_err("refused")
            .to_string();
        assert!(
            start.elapsed().as_secs_f64() < 1.0,
            "{name}: {:?}",
            start.elapsed()
        );
        assert!(
            e.contains(at) && e.contains("nested more than 64 levels"),
            "{name}: {e}"
        );
        // The same text as a game file and as a stress set.
        let game = kloof::fairness::parse_game(text, name)
            .expect_err("refused")
            .to_string();
        assert!(game.contains("nested more than 64 levels"), "{game}");
    }
    let set = dir.path().join("set.yaml");
    std::fs::write(&set, &flow).expect("write");
    let base = common::scenario("zoetermeer");
    let e = kloof::stress::shocked(&base, Some(&set), &kloof::study::Options::default())
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("set.yaml:3") && e.contains("nested more than 64 levels"),
        "{e}"
    );
    // Shipped files are well within the limit.
    for name in common::SHIPPED {
        assert!(kloof::scenario::check_nesting(&common::scenario(name).text).is_ok());
    }
}

/// Messages that point at the real error (issue 23, item 7), one case each.
#[test]
fn messages_point_at_the_real_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny = include_str!("fixtures/tiny.yaml");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    // A region without people: refused at its population, not blamed on a rule dividing by
    // its demand.
    let empty = tiny
        .replace("\"0-64\": 650", "\"0-64\": 0")
        .replace("\"65+\": 360", "\"65+\": 0");
    let e = parse(&empty, "empty.yaml")
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("`region.population`") && e.contains("without people"),
        "{e}"
    );
    // A bad shock name: at its line in the stress set, not at line 1 of the base scenario.
    let set = write(
        "set.yaml",
        "shocks:\n  - name: \"Bad Name!\"\n    scale: {transition_budget.per_year: 0.7}\n",
    );
    let base = write("tiny.yaml", tiny);
    let base = kloof::study::Source::read(&base).expect("base");
    let e = kloof::stress::shocked(&base, Some(&set), &kloof::study::Options::default())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("set.yaml:2:") && e.contains("Bad Name!"), "{e}");
    // A key written twice in an overlay's `set:` is the overlay's error, not "unknown field
    // `base`" from reading it as a scenario.
    let overlay = write(
        "dup.yaml",
        "base: tiny.yaml\nset:\n  region.birth_rate: 0.01\n  region.birth_rate: 0.02\n",
    );
    let e = kloof::study::Source::read(&overlay)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("duplicate") && !e.contains("unknown field"),
        "{e}"
    );
    // `check` refuses what `run` refuses: a run count whose results would not fit.
    let big = write("big.yaml", &tiny.replace("runs: 3,", "runs: 100000000,"));
    let e = kloof::study::check(&big).expect_err("refused");
    assert!(
        e[0].to_string().contains("`monte_carlo.runs`"),
        "{:?}",
        e[0].to_string()
    );
    // A scenario with more partners than a game takes, without --group: the message says so
    // without blaming a --group that was not given.
    let extra: String = (0..41)
        .map(|i| format!("  - {{id: p{i}, name: P{i}, role: residents}}\n"))
        .collect();
    let many = write(
        "many.yaml",
        &tiny.replace(
            "  - {id: clinic, name: Clinic, role: provider, delivers: [care]}\n",
            &format!("  - {{id: clinic, name: Clinic, role: provider, delivers: [care]}}\n{extra}"),
        ),
    );
    let source = kloof::study::Source::read(&many).expect("readable");
    let e = kloof::study::fairness(
        &source,
        &kloof::study::Options::default(),
        &[],
        false,
        &|_, _| {},
    )
    .expect_err("too many")
    .to_string();
    assert!(
        e.contains("43 partners") && !e.starts_with("--group"),
        "{e}"
    );
}

/// `check` lists an unknown financier beside shares that do not sum to 1 in the same file: the
/// shares error no longer stops the reading before references are checked.
#[test]
fn check_lists_an_unknown_financier_beside_wrong_shares() {
    let text = include_str!("fixtures/tiny.yaml")
        .replace("financier: town", "financier: nobody")
        .replace("contributions: {town: 1}", "contributions: {town: 0.5}");
    let errors = kloof::scenario::parse_all(&text, "fin.yaml").expect_err("refused");
    let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        all.iter()
            .any(|e| e.contains("unknown financier") && e.contains("`nobody`"))
            && all.iter().any(|e| e.contains("the shares sum to 0.5")),
        "{all:?}"
    );
}

/// An entity's name becomes part of metric names and may not be a partner's id.
#[test]
fn an_entity_is_an_identifier_apart_from_the_partners() {
    let town = "  - {id: town, name: Town, role: financier, budget: {growth: 0.03}}";
    let e = error(
        town,
        "  - {id: town, name: Town, role: financier, budget: {growth: 0.03}, entity: Town}",
    );
    assert!(e.key.starts_with("partners"), "{e}");
    assert!(
        e.message.contains("entity `Town`: use lowercase letters"),
        "{e}"
    );
    let e = error(
        town,
        "  - {id: town, name: Town, role: financier, budget: {growth: 0.03}, entity: clinic}",
    );
    assert!(
        e.message.contains("entity `clinic` is also a partner's id"),
        "{e}"
    );
    let ok = TINY.replacen(
        town,
        "  - {id: town, name: Town, role: financier, budget: {growth: 0.03}, entity: town_hall}",
        1,
    );
    let s = parse(&ok, "ok.yaml").expect("an entity of one partner is fine");
    assert_eq!(s.parties()[0].name, "town_hall");
    assert!(s.parties()[0].is_entity());
}

#[test]
fn display_names_are_nl_or_en_and_one_line() {
    let good = TINY.replacen(
        "{id: town, name: Town,",
        "{id: town, name: Town, display: {nl: Gemeente, en: Town council},",
        1,
    );
    let s = parse(&good, "good.yaml").expect("valid");
    let names = s.partners[0].display.as_ref().expect("display names");
    assert_eq!(
        (names.get("nl"), names.get("en")),
        (Some("Gemeente"), Some("Town council"))
    );
    let e = error(
        "{id: town, name: Town,",
        "{id: town, name: Town, display: {de: Stadt},",
    );
    assert_error(
        &e,
        line_of("id: town"),
        "partners[0].display.de",
        "expected `nl` or `en`",
    );
    let e = error(
        "{id: town, name: Town,",
        "{id: town, name: Town, display: {en: \"Town\\nHall\"},",
    );
    assert_eq!(e.key, "partners", "{e}");
    assert!(
        e.message
            .contains("partner `town`: display name: it is one line"),
        "{e}"
    );
    let e = error(
        "    name: Care",
        "    name: Care\n    display: {en: \"Care\\u202e\"}",
    );
    assert!(
        e.message.contains("domain `care`") && e.message.contains("cannot show"),
        "{e}"
    );
}
