//! Partner economics by hand on `tests/fixtures/economics.yaml` (its header gives the region),
//! and the accounting identity on every shipped scenario: the partners' positions add up to
//! what the network saved on contract payments and margins, less what it spent.

mod common;

use common::{close, fixture, run, scenario, value};
use kloof::agreement::NoRules;
use kloof::model::Model;
use kloof::outcome::Outcomes;
use kloof::sampling::Quantity;
use kloof::simulator::{self, Settings};
use kloof::study::{Options, Study};
use kloof::variant::{BASELINE, NETWORK, Variant};

const TOL: f64 = 1e-12;

fn hand() -> Study {
    run(&fixture("economics.yaml"), Options::default())
}

fn at(s: &Study, v: &str, metric: &str, year: i32) -> f64 {
    value(s, v, metric, year, 0)
}

#[track_caller]
fn assert_close(actual: f64, expected: f64) {
    assert!(close(actual, expected, TOL), "{actual} against {expected}");
}

#[test]
fn the_start_year_delivers_the_use_and_leaves_the_unmet_share_undelivered() {
    let s = hand();
    // home: demand 360 × 1,000 / 0.9 = 400,000 EUR, 4 FTE; 3.6 FTE delivered 360,000 EUR.
    assert_close(at(&s, BASELINE, "demand.eur.home", 2024), 400_000.0);
    assert_close(at(&s, BASELINE, "capacity.fte.home", 2024), 3.6);
    assert_close(at(&s, BASELINE, "delivered.eur.home", 2024), 360_000.0);
    assert_close(at(&s, BASELINE, "unmet.eur.home", 2024), 40_000.0);
    assert_close(at(&s, BASELINE, "unmet.fte.home", 2024), 0.4);
    assert_close(at(&s, BASELINE, "unmet.hours.home", 2024), 400.0);
    assert_close(at(&s, BASELINE, "gap.fte.home", 2024), 0.4);
    // clinic: 650 × 200 + 360 × 2,000 = 850,000 EUR, 4.25 FTE, all delivered by 5 FTE.
    assert_close(at(&s, BASELINE, "delivered.eur.clinic", 2024), 850_000.0);
    assert_eq!(at(&s, BASELINE, "unmet.eur.clinic", 2024), 0.0);
    // Fee for service pays what is delivered; the fixed sum is left out, so it is 850,000.
    assert_close(at(&s, BASELINE, "payments.eur.town", 2024), 360_000.0);
    assert_close(at(&s, BASELINE, "payments.eur.insurer", 2024), 850_000.0);
    // Margins: home staff cost per FTE 0.6 × 360,000 / 3.6 = 60,000:
    // 360,000 - 3.6 × 60,000 - 0.3 × 360,000 = 36,000. clinic: per FTE 0.5 × 850,000 / 4.25
    // = 100,000: 850,000 - 425,000 - 340,000 = 85,000.
    assert_close(at(&s, BASELINE, "margin.eur.homecare", 2024), 36_000.0);
    assert_close(at(&s, BASELINE, "margin.eur.hospital", 2024), 85_000.0);
    // The budgets start at the start year's payments: no money gap, though care is unmet.
    assert_close(at(&s, BASELINE, "budget.eur.town", 2024), 360_000.0);
    assert_eq!(at(&s, BASELINE, "gap.eur", 2024), 0.0);
}

#[test]
fn a_year_later_contracts_pay_and_margins_follow_by_hand() {
    let s = hand();
    // Everyone a year older: 640 under 65, 370 from 65.
    // Baseline home: demand 370 × 1,000 / 0.9 = 411,111.1 EUR (4.111 FTE); still 3.6 FTE:
    // 360,000 delivered and paid, margin 36,000.
    assert_close(at(&s, BASELINE, "delivered.eur.home", 2025), 360_000.0);
    assert_close(
        at(&s, BASELINE, "unmet.eur.home", 2025),
        370_000.0 / 0.9 - 360_000.0,
    );
    assert_close(at(&s, BASELINE, "margin.eur.homecare", 2025), 36_000.0);
    // Baseline clinic: 640 × 200 + 370 × 2,000 = 868,000 within 850,000 ± 5 %: the sum is
    // paid. Cost 4.34 × 100,000 + 0.4 × 868,000 = 781,200; margin 68,800.
    assert_close(at(&s, BASELINE, "payments.eur.insurer", 2025), 850_000.0);
    assert_close(at(&s, BASELINE, "margin.eur.hospital", 2025), 68_800.0);

    // Network, the intervention at full level: home demand 5 % lower among 65+ (4.1111 ×
    // 0.95 = 3.9056 FTE) against 3.6 - 0.2 = 3.4 FTE left for care: 340,000 delivered and
    // paid; cost 3.4 × 60,000 + 0.3 × 340,000 = 306,000, margin 34,000.
    assert_close(at(&s, NETWORK, "capacity.fte.home", 2025), 3.4);
    assert_close(at(&s, NETWORK, "delivered.eur.home", 2025), 340_000.0);
    assert_close(at(&s, NETWORK, "payments.eur.town", 2025), 340_000.0);
    assert_close(at(&s, NETWORK, "margin.eur.homecare", 2025), 34_000.0);
    assert_close(
        at(&s, NETWORK, "gap.fte.home", 2025),
        370.0 * 10.0 / 0.9 * 0.95 / 1000.0 - 3.4,
    );
    // clinic: 128,000 + 740,000 × 0.9 = 794,000, below the corridor's 807,500: the sum less
    // the 13,500 beyond it is paid, 836,500. Cost 3.97 × 100,000 + 0.4 × 794,000 = 714,600;
    // margin 121,900: the hospital gains from less demand under a fixed sum.
    assert_close(at(&s, NETWORK, "payments.eur.insurer", 2025), 836_500.0);
    assert_close(at(&s, NETWORK, "margin.eur.hospital", 2025), 121_900.0);
    // The fund's 20,000: 10,000 to homecare for work at cost, 10,000 outside the network.
    assert_close(at(&s, NETWORK, "interventions.eur.network", 2025), 10_000.0);
    assert_close(at(&s, NETWORK, "left_network.eur", 2025), 10_000.0);

    // Positions: town 20,000 lower payments - 10,000 paid in = 10,000; insurer 13,500 -
    // 10,000 = 3,500; homecare its margin change -2,000 (0.2 FTE moved from care it is paid
    // for to work at cost); hospital +53,100; residents 0.
    for (partner, gain) in [
        ("town", 10_000.0),
        ("insurer", 3_500.0),
        ("homecare", -2_000.0),
        ("hospital", 53_100.0),
    ] {
        assert_close(
            at(&s, NETWORK, &format!("partner.{partner}.net"), 2025),
            gain,
        );
    }
    assert_eq!(at(&s, NETWORK, "partner.residents.net", 2025), 0.0);
    // All together 64,600 = 33,500 lower payments + 51,100 margin change - 10,000 work at
    // cost - 10,000 that left; not minus the transition money.
    assert_close(at(&s, NETWORK, "network.net", 2025), 64_600.0);
    assert_eq!(at(&s, NETWORK, "partners.all_gain", 2025), 0.0);
    // The financiers' total cost: 1,210,000 in the baseline; 340,000 + 836,500 + 20,000.
    assert_close(at(&s, NETWORK, "savings.eur.total", 2025), 13_500.0);
}

#[test]
fn a_provider_short_of_staff_loses_nothing_when_demand_falls_within_the_shortage() {
    // Without the intervention's own staff, home's demand falls by 5 % of 65+ but stays above
    // its 3.6 FTE: the same care is delivered and paid, and homecare's position is zero.
    let source = fixture("economics.yaml");
    let scenario = source.parse().expect("valid");
    let m = Model::compile(&scenario, scenario.region.horizon);
    let variants = vec![
        Variant::baseline(&m),
        Variant::network(&m).with_overlay("interventions.prevent.staff.fte", Quantity::fixed(0.0)),
    ];
    let settings = Settings {
        runs: 2,
        seed: 3,
        batch_size: 2,
        threads: Some(1),
        cancel: None,
        first_run: 0,
    };
    let o = simulator::simulate(&m, &settings, &variants, &NoRules, &|_| {}).expect("simulates");
    let get = |metric: &str| o.get(NETWORK, metric, 2025).expect("series")[0];
    assert!(get("demand.fte.home") > get("capacity.fte.home"));
    assert_close(get("delivered.eur.home"), 360_000.0);
    assert!(
        get("partner.homecare.net").abs() < 0.005,
        "{}",
        get("partner.homecare.net")
    );
    assert!(get("partner.hospital.net") > 0.0);
}

/// Σ over the years of what the identity says the positions sum to, per run.
fn identity(o: &Outcomes, year: i32, run: usize) -> f64 {
    let series = |v: &str, prefix: &str| -> Vec<String> {
        o.catalogue
            .series
            .iter()
            .filter(|s| s.variant == v && s.metric.starts_with(prefix))
            .map(|s| s.metric.clone())
            .collect()
    };
    let get = |v: &str, metric: &str, y: i32| o.get(v, metric, y).expect("series")[run];
    let mut sum = 0.0;
    for y in o.years.iter().copied().filter(|y| *y <= year) {
        for p in series(BASELINE, "payments.eur.") {
            sum += get(BASELINE, &p, y) - get(NETWORK, &p, y);
        }
        for p in series(BASELINE, "margin.eur.") {
            sum += get(NETWORK, &p, y) - get(BASELINE, &p, y);
        }
        sum -= get(NETWORK, "interventions.eur.network", y);
        sum -= get(NETWORK, "left_network.eur", y);
    }
    // What financiers outside the network (other insurers, risk equalisation) took of the
    // change in payments, so far.
    if o.get(NETWORK, "outside.financiers.net", year).is_some() {
        sum -= get(NETWORK, "outside.financiers.net", year);
    }
    sum
}

/// The partners' positions: `network.net` less what the network's funds hold.
fn positions(o: &Outcomes, year: i32, run: usize) -> f64 {
    let mut net = o.get(NETWORK, "network.net", year).expect("network.net")[run];
    for s in o.catalogue.series.iter() {
        if s.variant == NETWORK && s.metric.starts_with("fund.") {
            net -= o.get(NETWORK, &s.metric, year).expect("fund")[run];
        }
    }
    net
}

#[test]
fn positions_add_up_to_savings_and_margins_less_spending_in_whole_cents_everywhere() {
    let (mut checked, mut expected) = (0, 0);
    for name in common::SHIPPED {
        let s = run(
            &scenario(name),
            Options {
                runs: Some(64),
                ..Options::default()
            },
        );
        let o = &s.outcomes;
        expected += 64 * o.years.len();
        for &year in &o.years {
            let net = o.get(NETWORK, "network.net", year).expect("network.net");
            for (run, &net) in net.iter().enumerate() {
                let expected = identity(o, year, run);
                assert!(
                    (net - expected).abs() < 0.005,
                    "{name} {year} run {run}: network {net} against {expected}"
                );
                // The network's result is its partners' positions plus what its funds hold.
                let partners: f64 = o
                    .catalogue
                    .series
                    .iter()
                    .filter(|s| {
                        s.variant == NETWORK
                            && s.metric.starts_with("partner.")
                            && s.metric.ends_with(".net")
                    })
                    .map(|s| o.get(NETWORK, &s.metric, year).expect("position")[run])
                    .sum();
                assert!(
                    (partners - positions(o, year, run)).abs() < 0.005,
                    "{name} {year} run {run}"
                );
                checked += 1;
            }
        }
        // And not the old artefact: the positions do not sum to minus the transition money.
        let spent: f64 = o
            .years
            .iter()
            .map(|&y| o.get(NETWORK, "transition.eur.spent", y).expect("spent")[0])
            .sum();
        let end = *o.years.last().expect("years");
        let net = o.get(NETWORK, "network.net", end).expect("network.net")[0];
        assert!(
            (net + spent).abs() > 1.0,
            "{name}: positions {net} = -{spent}"
        );
    }
    assert_eq!(checked, expected);
}

/// The error `from -> to` gives in the economics fixture.
fn bad(from: &str, to: &str) -> kloof::scenario::ScenarioError {
    let text = include_str!("fixtures/economics.yaml");
    assert!(text.contains(from), "fixture lacks {from:?}");
    kloof::scenario::parse(&text.replacen(from, to, 1), "bad.yaml")
        .expect_err("the scenario must be rejected")
}

fn line_of(needle: &str) -> usize {
    include_str!("fixtures/economics.yaml")
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in fixture")
        + 1
}

#[test]
fn bad_economics_are_errors_naming_file_line_and_key() {
    // Market shares that do not sum to 1, or name a partner that does not deliver the domain.
    let e = bad(
        "contract: {type: fee_for_service}",
        "contract: {type: fee_for_service}\n    market_shares: {homecare: 0.7}",
    );
    assert_eq!(
        e.line,
        Some(line_of("contract: {type: fee_for_service}") + 1),
        "{e}"
    );
    assert!(e.message.contains("sum to 0.7"), "{e}");
    let e = bad(
        "contract: {type: fee_for_service}",
        "contract: {type: fee_for_service}\n    market_shares: {homecare: 0.5, hospital: 0.5}",
    );
    assert_eq!(e.key, "domains.home.market_shares", "{e}");
    assert!(
        e.message.contains("`hospital`") && e.message.contains("delivers"),
        "{e}"
    );
    assert_eq!(
        e.line,
        Some(line_of("contract: {type: fee_for_service}") + 1),
        "{e}"
    );
    // A contract on a domain nobody delivers.
    let e = bad("delivers: [clinic]", "delivers: []");
    assert_eq!(e.key, "domains.clinic.contract", "{e}");
    assert_eq!(e.line, Some(line_of("contract: {type: fixed_sum")), "{e}");
    assert!(e.message.contains("pays no one"), "{e}");
    // A negative cost share, and shares above the whole.
    let e = bad("staff_share: 0.6", "staff_share: -0.6");
    assert_eq!(e.line, Some(line_of("staff_share: 0.6")), "{e}");
    assert!(e.message.contains("between 0 and 1"), "{e}");
    let e = bad("material_share: 0.3", "material_share: 0.5");
    assert_eq!(e.key, "domains.home.costs", "{e}");
    assert!(e.message.contains("at most 1"), "{e}");
    // A delivered domain without costs; a contract with a number its type does not take.
    let e = bad("    costs: {staff_share: 0.5, material_share: 0.4}\n", "");
    assert_eq!(e.key, "domains.clinic.id", "{e}");
    assert!(e.message.contains("no `costs`"), "{e}");
    let e = bad(
        "{type: fee_for_service}",
        "{type: fee_for_service, corridor: 0.1}",
    );
    assert_eq!(e.key, "domains.home.contract", "{e}");
    assert!(e.message.contains("takes no `corridor`"), "{e}");
    let e = bad("{type: fixed_sum, corridor: 0.05}", "{type: capitation}");
    assert!(e.message.contains("needs `per_person`"), "{e}");
    // An intervention delivered by a financier or by nobody in full.
    let e = bad("{homecare: 0.5, outside: 0.5}", "{town: 0.5, outside: 0.5}");
    assert_eq!(e.line, Some(line_of("delivered_by")), "{e}");
    assert!(e.message.contains("unknown provider"), "{e}");
    let e = bad("{homecare: 0.5, outside: 0.5}", "{homecare: 0.5}");
    assert!(e.message.contains("sum to 0.5"), "{e}");
}

#[test]
fn unmet_demand_moves_to_another_domain_a_year_later() {
    // Half of home's unmet demand ends up at the clinic the next year.
    let text = include_str!("fixtures/economics.yaml").replacen(
        "    unmet_share: 0.1\n",
        "    unmet_share: 0.1\n    unmet_moves: [{to: clinic, share: 0.5}]\n",
        1,
    );
    let source = kloof::study::Source {
        path: "moves.yaml".into(),
        text,
        ..Default::default()
    };
    let s = run(&source, Options::default());
    // 2024: nothing moves yet. 2025: 0.5 × 40,000 = 20,000 EUR more at the clinic, 0.1 FTE at
    // its 4.34 FTE per 868,000 EUR: 888,000 EUR, 4.44 FTE.
    assert_close(at(&s, BASELINE, "demand.eur.clinic", 2024), 850_000.0);
    assert_close(at(&s, BASELINE, "demand.eur.clinic", 2025), 888_000.0);
    assert_close(at(&s, BASELINE, "demand.fte.clinic", 2025), 4.44);
    // The network's clinic gets the network's own unmet home care of 2024 (also 40,000):
    // 794,000 + 20,000 = 814,000, now inside the corridor: the fixed sum is paid, and the
    // insurer's saving on it is gone.
    assert_close(at(&s, NETWORK, "demand.eur.clinic", 2025), 814_000.0);
    assert_close(at(&s, NETWORK, "payments.eur.insurer", 2025), 850_000.0);
    // Home itself is unchanged by what leaves it.
    assert_close(at(&s, BASELINE, "delivered.eur.home", 2025), 360_000.0);
    // A domain cannot move demand to itself, nor more than all of it.
    let e = bad(
        "    unmet_share: 0.1\n",
        "    unmet_share: 0.1\n    unmet_moves: [{to: home, share: 0.5}]\n",
    );
    assert_eq!(e.key, "domains.home.unmet_moves", "{e}");
    let e = bad(
        "    unmet_share: 0.1\n",
        "    unmet_share: 0.1\n    unmet_moves: [{to: clinic, share: 0.7}, {to: clinic, share: 0.6}]\n",
    );
    assert!(e.message.contains("at most 1 moves"), "{e}");
}

#[test]
fn rules_see_delivered_and_unmet_care_payments_margins_and_positions() {
    // The probe pays, at each year's settlement, what it sees; the hand values are those above.
    let text = include_str!("fixtures/economics.yaml").replacen(
        "monte_carlo:",
        "rules:\n  - file: probe/economics_probe.rhai\nmonte_carlo:",
        1,
    );
    let source = kloof::study::Source {
        path: format!(
            "{}/tests/fixtures/economics-probe.yaml",
            env!("CARGO_MANIFEST_DIR")
        ),
        text,
        ..Default::default()
    };
    let s = run(&source, Options::default());
    // 2024: delivered 360,000 + unmet 40,000 + payments 850,000 + margin 85,000 + baseline
    // homecare margin 36,000; no position yet.
    assert_cents(
        at(&s, NETWORK, "partner.residents.received", 2024),
        360_000.0 + 40_000.0 + 850_000.0 + 85_000.0 + 36_000.0,
    );
    // 2025 (network): delivered 340,000, unmet 390,555.6 - 340,000, payments 836,500, margin
    // 121,900, baseline margin 36,000.
    assert_cents(
        at(&s, NETWORK, "partner.residents.received", 2025),
        340_000.0 + (370_000.0 / 0.9 * 0.95 - 340_000.0) + 836_500.0 + 121_900.0 + 36_000.0,
    );
    // Positions are those through last year: none in 2024; in 2025 the residents' is what
    // they received in 2024.
    assert_eq!(at(&s, NETWORK, "partner.hospital.received", 2024), 0.0);
    assert_cents(
        at(&s, NETWORK, "partner.hospital.received", 2025),
        1_371_000.0,
    );
}

#[track_caller]
fn assert_cents(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 0.01,
        "{actual} against {expected}"
    );
}

#[test]
fn inflow_can_follow_the_working_age_population() {
    // The clinic's staff: 5 FTE, joiners 20 % and leavers 20 % a year. Ageing alone leaves
    // the 450 people aged 20-64 as they are (age 19 comes in as age 64 leaves); 40 of them
    // emigrate each year, so joiners fall with the working-age population.
    let text = include_str!("fixtures/economics.yaml")
        .replacen("\"0+\": 0", "\"0-19\": 0\n    \"20-64\": -40\n    \"65+\": 0", 1)
        .replacen(
            "workforce: {fte: 5, inflow: 0, outflow: 0, productivity: 0}",
            "workforce: {fte: 5, inflow: 0.2, outflow: 0.2, productivity: 0, inflow_follows: working_age}",
            1,
        );
    let source = kloof::study::Source {
        path: "inflow.yaml".into(),
        text,
        ..Default::default()
    };
    let s = run(&source, Options::default());
    let people =
        at(&s, BASELINE, "population.20-64", 2025) / at(&s, BASELINE, "population.20-64", 2024);
    // FTE 2025 = 5 × (1 + 0.2 × people ratio - 0.2).
    assert_close(
        at(&s, BASELINE, "capacity.fte.clinic", 2025),
        5.0 * (1.0 + 0.2 * people - 0.2),
    );
    assert!(
        people < 0.95,
        "the working-age population shrinks: {people}"
    );
}

/// The identity holds for rules that use what the ledger refuses by default: money brought in
/// from outside, money taken back from interventions, a fund overdrawn and never repaid.
#[test]
fn the_identity_holds_for_rules_with_allowances_and_overdrafts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rule = "fn on_start(s) {\n    allow_overdraft(\"reserve\", 1e6);\n}\n\
                fn on_settle(s) {\n    withdraw(\"reserve\", \"town\", 20000, \"advance\");\n    \
                pay(\"outside\", \"clinic\", 300, \"grant\");\n    \
                if s.year == 2026 { pay(\"interventions\", \"town\", 2000, \"claw back\"); }\n}\n";
    std::fs::write(dir.path().join("rule.rhai"), rule).expect("write");
    let tiny = include_str!("fixtures/tiny.yaml");
    let text = format!(
        "{tiny}rules:\n  - file: rule.rhai\n    params: {{allow: [money_from_outside, withdrawals_from_interventions]}}\n"
    );
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, text).expect("write");
    let s = run(
        &kloof::study::Source::read(&path).expect("readable"),
        Options::default(),
    );
    let o = &s.outcomes;
    for &year in &o.years {
        for run in 0..o.runs {
            let net = o.get(NETWORK, "network.net", year).expect("net")[run];
            assert!(
                (net - identity(o, year, run)).abs() < 0.005,
                "{year} run {run}: {net} against {}",
                identity(o, year, run)
            );
        }
    }
    // Three years of EUR 20,000 advanced from a fund that holds nothing: the town's position
    // counts them, the network's result does not.
    let v = |m: &str| value(&s, NETWORK, m, 2026, 0);
    assert_eq!(v("fund.reserve.eur"), -60_000.0);
    assert!(
        (v("network.net")
            - (v("partner.town.net") + v("partner.clinic.net") - 60_000.0
                + v("fund.transition.eur")))
        .abs()
            < 0.005
    );
}

/// Gemeente Oss is one legal entity with two accounts in Ruwaard (`wijkbudget`, `gemeente`):
/// its consolidated position is their positions summed in every run, the summary gives it a
/// row, and compare counts it as one party, so money between its accounts is no cost shifting
/// (issue 22, item 5).
#[test]
fn one_legal_entity_is_reported_consolidated() {
    let s = run(
        &scenario("ruwaard"),
        Options {
            runs: Some(200),
            ..Options::default()
        },
    );
    for y in s.outcomes.years.clone() {
        let get = |m: &str| s.outcomes.get(NETWORK, m, y).expect(m);
        let (a, b, e) = (
            get("partner.wijkbudget.net"),
            get("partner.gemeente.net"),
            get("entity.gemeente_oss.net"),
        );
        for r in 0..a.len() {
            assert_eq!(e[r], a[r] + b[r], "{y} run {r}");
        }
        let (a, b, e) = (
            get("partner.wijkbudget.benefit"),
            get("partner.gemeente.benefit"),
            get("entity.gemeente_oss.benefit"),
        );
        assert!(
            (0..a.len()).all(|r| (e[r] - (a[r] + b[r])).abs() < 1e-6),
            "{y}"
        );
    }
    let dir = common::report(&s);
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("summary");
    assert!(
        summary.contains("| **gemeente_oss**, one legal entity: wijkbudget + gemeente"),
        "{summary}"
    );
    let (_, c) = kloof::compare::run(
        &[scenario("ruwaard"), scenario("ruwaard")],
        &Options {
            runs: Some(200),
            ..Options::default()
        },
        &|_| {},
    )
    .expect("compared");
    let names: Vec<&str> = c.partners.iter().map(|p| p.partner.as_str()).collect();
    assert!(names.contains(&"gemeente_oss"), "{names:?}");
    assert!(!names.contains(&"wijkbudget") && !names.contains(&"gemeente"));
    if let Some((winner, loser, _)) = &c.shifting[0].most_often {
        assert!(
            ![winner.as_str(), loser.as_str()].contains(&"wijkbudget"),
            "{winner} {loser}"
        );
    }
}

/// The fixture with the insurer paying `share` of the clinic (the other insurers of the
/// region the rest) and, if given, risk equalisation passing on `equalisation`.
fn with_market_share(share: &str, equalisation: Option<&str>) -> Study {
    let mut source = fixture("economics.yaml");
    let mut edit = |from: &str, to: String| {
        assert_eq!(source.text.matches(from).count(), 1, "`{from}` once");
        source.text = source.text.replace(from, &to);
    };
    edit(
        "    financier: insurer\n",
        format!("    financier: insurer\n    financier_share: {share}\n"),
    );
    if let Some(e) = equalisation {
        edit(
            "role: financier, budget: {growth: 0}}\n  - {id: homecare",
            format!(
                "role: financier, budget: {{growth: 0}}, equalisation: {e}}}\n  - {{id: homecare"
            ),
        );
    }
    run(&source, Options::default())
}

#[test]
fn an_insurer_with_a_market_share_keeps_only_its_share_of_the_saving() {
    // 2025: the clinic's payments fall by 13,500 (see above). With 60 % of the region's
    // insured the insurer keeps 8,100 and has paid 10,000 into the fund: -1,900. The other
    // insurers, outside the network, gain 5,400 without paying in; the network's result is
    // 64,600 - 5,400.
    let s = with_market_share("0.6", None);
    assert_close(at(&s, NETWORK, "partner.insurer.net", 2025), -1_900.0);
    assert_close(at(&s, NETWORK, "outside.financiers.net", 2025), 5_400.0);
    assert_close(at(&s, NETWORK, "network.net", 2025), 59_200.0);
    // The money gap counts the domain's whole cost, whoever pays it: unchanged.
    assert_close(at(&s, NETWORK, "payments.eur.insurer", 2025), 836_500.0);
    // Risk equalisation passing half of a change on: the insurer keeps 4,050 of the saving.
    let s = with_market_share("0.6", Some("0.5"));
    assert_close(at(&s, NETWORK, "partner.insurer.net", 2025), -5_950.0);
    assert_close(at(&s, NETWORK, "outside.financiers.net", 2025), 9_450.0);
    assert_close(at(&s, NETWORK, "network.net", 2025), 55_150.0);
}

#[test]
fn equalisation_belongs_to_a_financier() {
    let mut source = fixture("economics.yaml");
    source.text = source.text.replace(
        "{id: residents, name: Residents, role: residents}",
        "{id: residents, name: Residents, role: residents, equalisation: 0.5}",
    );
    let e = source.parse().expect_err("refused").to_string();
    assert!(e.contains("only a financier has `equalisation`"), "{e}");
}

#[test]
fn a_shared_savings_clause_shares_the_insurers_own_saving() {
    // The town funds the intervention alone; the insurer shares half of its saving on the
    // clinic with the hospital. Paying 60 % of the clinic, it saves 0.6 × 13,500 = 8,100 of
    // the 13,500 (the other insurers keep the rest) and pays the hospital 4,050, not 6,750.
    let mut source = fixture("economics.yaml");
    for (from, to) in [
        (
            "    financier: insurer\n",
            "    financier: insurer\n    financier_share: 0.6\n",
        ),
        (
            "contributions: {town: 0.5, insurer: 0.5}",
            "contributions: {town: 1}",
        ),
        (
            "monte_carlo:",
            "rules:\n  - file: ../../rules/shared_savings.rhai\n    params: {residents: 0, providers: 0.5, weights: {hospital: 1}, residents_account: residents, friction: 0, financiers: [insurer]}\nmonte_carlo:",
        ),
    ] {
        assert_eq!(source.text.matches(from).count(), 1, "`{from}` once");
        source.text = source.text.replace(from, to);
    }
    let s = run(&source, Options::default());
    assert_close(at(&s, NETWORK, "partner.hospital.received", 2025), 4_050.0);
    // The insurer keeps 8,100 - 4,050; the other insurers 5,400.
    assert_close(at(&s, NETWORK, "partner.insurer.net", 2025), 4_050.0);
    assert_close(at(&s, NETWORK, "outside.financiers.net", 2025), 5_400.0);
}
