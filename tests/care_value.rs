//! Care as a value: care gained, its parts and its value computed by hand on
//! `tests/fixtures/care_value.yaml`; the cost-effectiveness figures on runs written by hand;
//! and with λ = 0 every judgement that counts net benefit equals the one that counts money,
//! bit for bit.
//!
//! The fixture: 10 people at every age 0-100, nobody born or dying; one domain using 1 hour
//! per person under 65 and 10 hours from 65, volume +1 % a year, 1,000 hours per FTE; 4 FTE of
//! staff (inflow equals outflow), so demand (4.25 FTE in 2024) is never all delivered. An
//! intervention funded in 2025 only avoids 10 % of the 65+'s demand and draws 0.1 FTE from
//! the domain; a year after its funding ends half its effect remains.

mod common;

use common::{close, fixture, run, value};
use kloof::cost_effectiveness;
use kloof::outcome::{Catalogue, Outcomes, OutcomesRecorder, RecordedYear, Recorder};
use kloof::study::{self, Options};
use kloof::value::Value;
use kloof::variant::{BASELINE, NETWORK};

const TOL: f64 = 1e-9;

#[test]
fn care_gained_and_its_parts_by_hand() {
    let s = run(&fixture("care_value.yaml"), Options::default());
    let v = |variant: &str, m: &str, y: i32| value(&s, variant, m, y, 0);
    // 2025: 640 people under 65, 370 from 65, volume 1.01.
    //   baseline demand (640 + 3,700) x 1.01 = 4,383.4 h = 4.3834 FTE; staff 4; unmet 0.3834.
    //   network demand (640 + 3,700 x 0.9) x 1.01 = 4.0097 FTE; staff 4 - 0.1 = 3.9; unmet
    //   0.1097. Care gained 0.2737 = freed 0.3737 (all demand avoided: no staff to spare)
    //   - displaced 0.1 (the staff the visits draw).
    assert!(close(v(BASELINE, "unmet.fte.care", 2025), 0.3834, TOL));
    assert!(close(v(NETWORK, "unmet.fte.care", 2025), 0.1097, TOL));
    assert!(close(v(NETWORK, "care.gained.fte.care", 2025), 0.2737, TOL));
    assert!(close(
        v(NETWORK, "care.gained.hours.care", 2025),
        273.7,
        TOL
    ));
    // At 100 hours per client a year: 2.737 clients served.
    assert!(close(
        v(NETWORK, "care.gained.clients.care", 2025),
        2.737,
        TOL
    ));
    assert!(close(v(NETWORK, "avoided.fte.freed", 2025), 0.3737, TOL));
    assert_eq!(v(NETWORK, "avoided.fte.cash", 2025), 0.0);
    assert!(close(v(NETWORK, "care.displaced.fte", 2025), 0.1, TOL));
    // 2026, no funding: half the effect remains (decay 0.5), no staff drawn.
    //   630 under 65, 380 from 65, volume 1.0201: baseline (630 + 3,800) x 1.0201 = 4.519043
    //   FTE, network (630 + 3,800 x 0.95) x 1.0201 = 4.325224; both above the 4 staff.
    assert!(close(v(NETWORK, "demand.fte.care", 2026), 4.325224, TOL));
    assert!(close(
        v(NETWORK, "care.gained.fte.care", 2026),
        0.193819,
        TOL
    ));
    assert_eq!(v(NETWORK, "care.displaced.fte", 2026), 0.0);
    // FTE-years since the start: 0.2737 + 0.193819.
    let years = 0.2737 + 0.193819;
    assert!(close(v(NETWORK, "care.gained.fte_years", 2026), years, TOL));
    // Valued at EUR 50,000 per FTE-year and credited to the town, which holds the duty of care.
    let value_of_care = 50_000.0 * years;
    assert!(close(
        v(NETWORK, "care.value.eur", 2026),
        value_of_care,
        TOL
    ));
    let gain = |m: &str, n: &str| v(NETWORK, m, 2026) - v(NETWORK, n, 2026);
    assert!(close(
        gain("partner.town.benefit", "partner.town.net"),
        value_of_care,
        1e-6
    ));
    assert_eq!(gain("partner.clinic.benefit", "partner.clinic.net"), 0.0);
    assert!(close(
        gain("network.benefit", "network.net"),
        value_of_care,
        1e-6
    ));
}

#[test]
fn care_gained_can_be_credited_to_the_residents() {
    let mut source = fixture("care_value.yaml");
    source.text = source.text.replace(
        "  grid: [0, 20000, 50000, 100000]",
        "  grid: [0, 20000, 50000, 100000]\n  credit: residents",
    );
    let s = run(&source, Options::default());
    let v = |m: &str| value(&s, NETWORK, m, 2026, 0);
    let years = 0.2737 + 0.193819;
    assert!(close(
        v("partner.people.benefit") - v("partner.people.net"),
        50_000.0 * years,
        1e-6
    ));
    assert_eq!(v("partner.town.benefit"), v("partner.town.net"));
}

#[test]
fn in_every_run_of_every_shipped_scenario_gained_is_freed_less_displaced() {
    for name in common::SHIPPED {
        let s = run(
            &common::scenario(name),
            Options {
                runs: Some(40),
                ..Options::default()
            },
        );
        for &y in &s.outcomes.years {
            let get = |m: &str| s.outcomes.get(NETWORK, m, y).expect(m);
            let (gained, freed, displaced) = (
                get("care.gained.fte.total"),
                get("avoided.fte.freed"),
                get("care.displaced.fte"),
            );
            let (base, net) = (
                s.outcomes
                    .get(BASELINE, "unmet.fte.total", y)
                    .expect("unmet"),
                get("unmet.fte.total"),
            );
            for r in 0..gained.len() {
                let scale = base[r].abs().max(1.0);
                assert!(
                    (gained[r] - (freed[r] - displaced[r])).abs() < 1e-9 * scale,
                    "{name} {y} run {r}"
                );
                assert!(
                    (gained[r] - (base[r] - net[r])).abs() < 1e-9 * scale,
                    "{name} {y} run {r}: gained is the baseline's unmet care less the network's"
                );
                assert!(displaced[r] >= -1e-12, "{name} {y} run {r}");
            }
        }
    }
}

/// Outcomes of the network in one year, written by hand: `series` (metric, values per run).
fn outcomes(year: i32, series: &[(&str, Vec<f64>)]) -> Outcomes {
    let mut catalogue = Catalogue::default();
    let ids: Vec<usize> = series
        .iter()
        .map(|(m, _)| catalogue.add(NETWORK, *m))
        .collect();
    let runs = series[0].1.len();
    let recorder = OutcomesRecorder::new(Outcomes::new(catalogue, vec![year], runs).expect("fits"));
    let values: Vec<f64> = series.iter().flat_map(|(_, v)| v.clone()).collect();
    recorder.record(&RecordedYear {
        first_run: 0,
        len: runs,
        year_index: 0,
        variant: 0,
        series: &ids,
        values: &values,
    });
    recorder.into_outcomes()
}

#[test]
fn cost_effectiveness_by_hand() {
    let scenario = fixture("care_value.yaml").parse().expect("fixture");
    // Four runs: care gained (FTE-years) and all partners' money result.
    //   run 0: 10 FTE-years for EUR 500,000     (more care, more cost)
    //   run 1: 20 FTE-years and EUR 100,000 saved (more care, less cost)
    //   run 2: no care for EUR 200,000          (no more care, more cost)
    //   run 3: 10 FTE-years for EUR 200,000     (more care, more cost)
    let care = vec![10.0, 20.0, 0.0, 10.0];
    let o = outcomes(
        2026,
        &[
            ("care.gained.fte_years", care.clone()),
            ("care.gained.fte.care", care.clone()),
            (
                "care.gained.hours.care",
                care.iter().map(|c| c * 1000.0).collect(),
            ),
            ("network.net", vec![-500e3, 100e3, -200e3, -200e3]),
            ("network.benefit", vec![-100e3, 300e3, -200e3, 50e3]),
            ("partner.town.net", vec![-500e3, 100e3, -200e3, -200e3]),
            ("partner.town.benefit", vec![-100e3, 300e3, -200e3, 50e3]),
            ("partner.clinic.net", vec![0.0; 4]),
            ("partner.clinic.benefit", vec![0.0; 4]),
            ("partner.people.net", vec![0.0; 4]),
            ("partner.people.benefit", vec![0.0; 4]),
        ],
    );
    let ce = cost_effectiveness::assess(&o, &scenario, NETWORK, 2026).expect("network");
    // Mean cost (500,000 - 100,000 + 200,000 + 200,000) / 4 = 200,000 over mean care 10:
    // EUR 20,000 per FTE-year; also the break-even λ.
    assert_eq!(ce.cost_per_fte_year, Some(20_000.0));
    assert_eq!(ce.break_even, Some(20_000.0));
    // The runs' own ratios, sorted: -5,000, 20,000, 50,000 and infinite (run 2); the 5th
    // percentile interpolates -5,000 + 0.15 x 25,000, the 95th lies beyond 50,000: infinite.
    let (lo, hi) = ce.cost_per_fte_year_interval.expect("interval");
    assert!(close(lo, -1250.0, TOL));
    assert!(hi.is_infinite());
    let q = ce.quadrants;
    assert_eq!(
        (
            q.more_care_more_cost,
            q.more_care_less_cost,
            q.no_care_more_cost,
            q.no_care_less_cost
        ),
        (0.5, 0.25, 0.25, 0.0)
    );
    // λ ΔE − ΔC > 0 per λ of the fixture's grid:
    //   0:       -500k, 100k, -200k, -200k  -> 1 of 4
    //   20,000:  -300k, 500k, -200k,    0   -> 1 of 4 (zero is not worth it)
    //   50,000:     0, 1.1M, -200k,  300k   -> 2 of 4
    //   100,000: 500k, 2.1M, -200k,  800k   -> 3 of 4
    assert_eq!(
        ce.acceptability,
        vec![
            (0.0, 0.25),
            (20_000.0, 0.25),
            (50_000.0, 0.5),
            (100_000.0, 0.75)
        ]
    );
    // At the scenario's λ: network.benefit above zero in runs 1 and 3.
    assert_eq!(ce.worth_it, 0.5);
    assert_eq!(ce.net_benefit.p50, -25_000.0);
    // Credited per partner: the town holds the duty of care for `care`.
    let town = &ce.per_partner[0];
    assert_eq!(town.partner, "town");
    assert_eq!(town.care_fte_years.mean, 10.0);
    assert_eq!(town.cost_per_fte_year, Some(20_000.0));
    assert_eq!(ce.per_partner[1].cost_per_fte_year, None);
    assert_eq!(ce.per_domain[0].credited_to, "town");
    assert_eq!(ce.per_domain[0].hours.mean, 10_000.0);
}

#[test]
fn without_care_gained_there_is_no_cost_per_fte_year() {
    let scenario = fixture("care_value.yaml").parse().expect("fixture");
    let o = outcomes(
        2026,
        &[
            ("care.gained.fte_years", vec![0.0, -1.0]),
            ("network.net", vec![-100.0, -100.0]),
            ("network.benefit", vec![-100.0, -150.0]),
        ],
    );
    let ce = cost_effectiveness::assess(&o, &scenario, NETWORK, 2026).expect("network");
    assert_eq!(ce.cost_per_fte_year, None);
    assert_eq!(ce.cost_per_fte_year_interval, None);
    assert_eq!(ce.break_even, None, "it costs money and gains no care");
    assert!(ce.acceptability.iter().all(|(_, p)| *p == 0.0));
}

fn at_zero(value: Value) -> Options {
    Options {
        runs: Some(30),
        wtp: Some(0.0),
        value,
        ..Options::default()
    }
}

#[test]
fn at_lambda_zero_benefit_is_money_bit_for_bit() {
    // A study: every partner's benefit is its position, and the network's its sum.
    let s = run(&common::scenario("zoetermeer"), at_zero(Value::Money));
    for series in s.outcomes.catalogue.series.iter() {
        if let Some(p) = series.metric.strip_suffix(".benefit") {
            let money = if p == "network" {
                "network.net".to_string()
            } else {
                format!("{p}.net")
            };
            for &y in &s.outcomes.years {
                let a = s
                    .outcomes
                    .get(&series.variant, &series.metric, y)
                    .expect("benefit");
                let b = s.outcomes.get(&series.variant, &money, y).expect("money");
                assert!(
                    a.iter()
                        .zip(b.iter())
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{} {} {y}",
                    series.variant,
                    series.metric
                );
            }
        }
    }
    // compare: the same positions and all-partners figures.
    let sources = [
        common::scenario("zoetermeer"),
        common::scenario("zoetermeer"),
    ];
    let (_, money) = kloof::compare::run(&sources, &at_zero(Value::Money), &|_| {}).expect("money");
    let (_, benefit) =
        kloof::compare::run(&sources, &at_zero(Value::Benefit), &|_| {}).expect("benefit");
    let json = |x: &dyn erased::Json| x.json();
    assert_eq!(json(&money.partners), json(&benefit.partners));
    assert_eq!(json(&money.all_gain), json(&benefit.all_gain));
    assert_eq!(json(&money.shifting), json(&benefit.shifting));
    let all = |c: &kloof::compare::Comparison| {
        c.rows
            .iter()
            .find(|r| r.metric.starts_with("network."))
            .map(|r| serde_json::to_string(&r.variants).expect("json"))
    };
    assert_eq!(all(&money), all(&benefit));
    // fairness: the same game, Shapley values and core.
    let fair = |value| {
        study::fairness(
            &fixture("care_value.yaml"),
            &at_zero(value),
            &[],
            false,
            &|_, _| {},
        )
        .expect("fairness")
    };
    let (a, b) = (fair(Value::Money), fair(Value::Benefit));
    assert_eq!(
        serde_json::to_string(&a.assessment).expect("json"),
        serde_json::to_string(&b.assessment).expect("json")
    );
    // evpi: the same value of information.
    let voi = |value| {
        study::value_of_information(&sources, &at_zero(value), "network.net", None, &|_| {})
            .expect("evpi")
            .1
    };
    let (a, b) = (voi(Value::Money), voi(Value::Benefit));
    assert_eq!((a.evpi, a.best.clone()), (b.evpi, b.best.clone()));
    assert_eq!(a.decisions, b.decisions);
}

/// Serialises anything for an equality check.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).expect("json")
        }
    }
}

#[test]
fn at_lambda_zero_a_stress_test_counting_benefit_is_the_money_one() {
    let source = common::scenario("zoetermeer");
    let set = std::path::PathBuf::from(format!(
        "{}/scenarios/stress/zoetermeer.yaml",
        env!("CARGO_MANIFEST_DIR")
    ));
    let options = |value| Options {
        runs: Some(20),
        ..at_zero(value)
    };
    let stress = |value| {
        kloof::stress::run(&source, Some(&set), &options(value), &|_, _| {})
            .expect("stress")
            .1
    };
    let (money, benefit) = (stress(Value::Money), stress(Value::Benefit));
    assert_eq!(
        serde_json::to_string(&money.shocks).expect("json"),
        serde_json::to_string(&benefit.shocks).expect("json")
    );
    assert_eq!(
        serde_json::to_string(&money.comparison.partners).expect("json"),
        serde_json::to_string(&benefit.comparison.partners).expect("json")
    );
}
