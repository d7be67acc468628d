//! `kloof stress`: shocks to a scenario under the same draws. A shock that changes nothing
//! gives the base's results bit for bit; a pinned input takes its percentile; a partner that
//! leaves is paid nothing by the agreement from its year on and exactly as before until then;
//! a bad shock names the stress file's line and key.

mod common;

use kloof::stress;
use kloof::study::{Options, Source, Study};
use kloof::variant::NETWORK;

fn scenario(name: &str) -> Source {
    common::scenario(name)
}

fn write(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("set.yaml");
    std::fs::write(&p, text).expect("write");
    p
}

fn opts() -> Options {
    Options {
        runs: Some(40),
        ..Options::default()
    }
}

fn series(s: &Study, metric: &str, y: i32) -> Vec<u64> {
    s.outcomes
        .get(NETWORK, metric, y)
        .expect(metric)
        .iter()
        .map(|x| x.to_bits())
        .collect()
}

/// Runs the stress set `text` on the shipped scenario `name`.
fn shocked(name: &str, text: &str) -> (Vec<Study>, stress::Stress) {
    let dir = tempfile::tempdir().expect("temp dir");
    let set = write(dir.path(), text);
    stress::run(&scenario(name), Some(&set), &opts(), &|_, _| {}).expect("runs")
}

/// Asserts that two studies hold the same series, bit for bit.
fn assert_same(a: &Study, b: &Study) {
    for x in &a.outcomes.catalogue.series {
        for &y in &a.outcomes.years {
            let get = |s: &Study| {
                s.outcomes
                    .get(&x.variant, &x.metric, y)
                    .map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
            };
            assert_eq!(get(a), get(b), "{} {} {y}", x.variant, x.metric);
        }
    }
}

fn values(s: &Study, metric: &str, y: i32) -> Vec<f64> {
    s.outcomes
        .get(NETWORK, metric, y)
        .expect(metric)
        .into_owned()
}

#[test]
fn a_shock_that_changes_nothing_gives_the_base_bit_for_bit() {
    let (studies, st) = shocked(
        "zoetermeer",
        "shocks:\n  - name: same\n    scale: {transition_budget.per_year: 1}\n",
    );
    assert_same(&studies[0], &studies[1]);
    assert!(st.shocks[1].carries_the_loss.is_none());
}

#[test]
fn a_pinned_input_takes_its_percentile() {
    let (studies, _) = shocked(
        "zoetermeer",
        "shocks:\n  - name: p95\n    pin: {inputs.wages_prices: 0.95}\n  - name: p50\n    pin: {inputs.wages_prices: 0.5}\n",
    );
    let pinned = |s: &Study| {
        let (_, q) = s
            .scenario
            .inputs
            .0
            .iter()
            .find(|(n, _)| n.as_str() == "wages_prices")
            .expect("input");
        q.0.fixed_value().expect("pinned")
    };
    // N(2.5 %, 0.75 %): the 95th percentile is 2.5 + 1.645 x 0.75 = 3.734 %, the median 2.5 %.
    assert!(
        (pinned(&studies[1]) - 0.037_34).abs() < 1e-4,
        "{}",
        pinned(&studies[1])
    );
    assert!(
        (pinned(&studies[2]) - 0.025).abs() < 1e-4,
        "{}",
        pinned(&studies[2])
    );
}

#[test]
fn a_partner_that_leaves_is_paid_as_before_until_it_leaves_and_nothing_after() {
    let (studies, _) = shocked(
        "ruwaard",
        "shocks:\n  - name: out\n    leaves: {thuiszorg: 2020}\n",
    );
    let (base, out) = (&studies[0], &studies[1]);
    for y in [2018, 2019] {
        for m in [
            "partner.thuiszorg.received",
            "partner.thuiszorg.cost",
            "network.net",
        ] {
            assert_eq!(series(base, m, y), series(out, m, y), "{m} {y}");
        }
    }
    assert!(
        (2018..=2022).any(|y| base
            .outcomes
            .get(NETWORK, "partner.thuiszorg.received", y)
            .expect("received")
            .iter()
            .any(|x| *x > 0.0)),
        "the home-care provider is paid by the agreement in the base"
    );
    for y in 2020..=2030 {
        let got = out
            .outcomes
            .get(NETWORK, "partner.thuiszorg.received", y)
            .expect("received");
        assert!(got.iter().all(|x| *x == 0.0), "{y}");
    }
}

#[test]
fn a_provider_that_exits_the_market_hands_its_clients_to_providers_outside_the_network() {
    // Stad en Ommeland: Martini and the UMCG deliver hospital care, half each. When Martini
    // exits the market in 2027 its half goes to providers outside the network, whose margin is
    // then exactly the UMCG's; Martini's margin and position stop changing.
    let (studies, _) = shocked(
        "stad-en-ommeland",
        "shocks:\n  - name: out\n    exits_market: {martini: 2027}\n",
    );
    let (base, out) = (&studies[0], &studies[1]);
    assert!(
        base.outcomes
            .get(NETWORK, "margin.eur.outside", 2027)
            .is_none()
    );
    for y in 2024..=2026 {
        for m in ["margin.eur.martini", "partner.martini.net", "network.net"] {
            assert_eq!(series(base, m, y), series(out, m, y), "{m} {y}");
        }
        assert!(
            values(out, "margin.eur.outside", y)
                .iter()
                .all(|&x| x == 0.0)
        );
    }
    let at_leaving = series(out, "partner.martini.net", 2026);
    for y in 2027..=2030 {
        assert!(
            values(out, "margin.eur.martini", y)
                .iter()
                .all(|&x| x == 0.0),
            "{y}"
        );
        let outside = series(out, "margin.eur.outside", y);
        assert_eq!(outside, series(out, "margin.eur.umcg", y), "{y}");
        assert!(
            values(out, "margin.eur.outside", y)
                .iter()
                .all(|&x| x != 0.0),
            "{y}"
        );
        assert_eq!(series(out, "partner.martini.net", y), at_leaving, "{y}");
    }
    // In the base Martini's position goes on moving after 2026.
    assert_ne!(series(base, "partner.martini.net", 2030), at_leaving);
}

#[test]
fn a_provider_that_leaves_the_agreement_keeps_its_contracts_and_clients() {
    // When Martini only leaves the agreement in 2027, it goes on delivering its half of
    // hospital care under its contract: its margin is there every year, no outside provider
    // takes its clients, and the network's changes of demand go on moving its position.
    let (studies, _) = shocked(
        "stad-en-ommeland",
        "shocks:\n  - name: out\n    leaves: {martini: 2027}\n",
    );
    let out = &studies[1];
    assert!(
        out.outcomes
            .get(NETWORK, "margin.eur.outside", 2027)
            .is_none()
    );
    for y in 2027..=2030 {
        assert!(
            values(out, "margin.eur.martini", y)
                .iter()
                .all(|&x| x != 0.0),
            "{y}"
        );
        assert_eq!(
            series(out, "margin.eur.martini", y),
            series(out, "margin.eur.umcg", y),
            "{y}: half each, as before"
        );
        // It is paid nothing by the agreement any more.
        assert!(
            values(out, "partner.martini.received", y)
                .iter()
                .all(|&x| x == 0.0),
            "{y}"
        );
    }
    assert_ne!(
        series(out, "partner.martini.net", 2030),
        series(out, "partner.martini.net", 2026)
    );
}

#[test]
fn a_stress_test_does_not_depend_on_the_thread_count() {
    // Stad en Ommeland's own shocks: a provider leaving, a rule parameter changed.
    let with = |threads| {
        let options = Options {
            threads: Some(threads),
            ..opts()
        };
        stress::run(&scenario("stad-en-ommeland"), None, &options, &|_, _| {}).expect("runs")
    };
    let ((one, a), (three, b)) = (with(1), with(3));
    assert_eq!(one.len(), 5);
    for (x, y) in one.iter().zip(&three) {
        assert_same(x, y);
    }
    assert_eq!(
        serde_json::to_string(&a).expect("json"),
        serde_json::to_string(&b).expect("json")
    );
}

#[test]
fn shocks_in_the_scenario_give_what_the_same_shocks_in_a_file_give() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shocks = "  - name: wages-p95\n    pin: {inputs.wages_prices: 0.95}\n  - name: out\n    leaves: {vvt: 2027}\n";
    let set = write(dir.path(), &format!("shocks:\n{shocks}"));
    let mut own = scenario("zoetermeer");
    own.text.push_str(&format!("\nstress:\n{shocks}"));
    let (a, _) = stress::run(&scenario("zoetermeer"), Some(&set), &opts(), &|_, _| {})
        .expect("from the file");
    let (b, _) = stress::run(&own, None, &opts(), &|_, _| {}).expect("from the scenario");
    assert_eq!(a.len(), 3);
    for (a, b) in a.iter().zip(&b) {
        assert_same(a, b);
    }
    // A bad shock in the scenario names the scenario's line and the key under `stress`.
    let lines = own.text.lines().count();
    own.text
        .push_str("  - name: bad\n    pin: {inputs.nothing: 0.5}\n");
    let e = stress::run(&own, None, &opts(), &|_, _| {})
        .expect_err("no such input")
        .to_string();
    assert!(
        e.contains(&format!("zoetermeer.yaml:{}", lines + 2)) && e.contains("stress.bad."),
        "{e}"
    );
    // Without shocks anywhere, the error says where to give them.
    let e = stress::run(&scenario("zoetermeer"), None, &opts(), &|_, _| {})
        .expect_err("no shocks")
        .to_string();
    assert!(
        e.contains("no `stress:` shocks") && e.contains("--set"),
        "{e}"
    );
}

#[test]
fn bad_shocks_name_the_line_and_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (text, line, says) in [
        (
            "shocks:\n  - name: a\n    scale: {domains.nope.use: 2}\n",
            3,
            "has no item `nope`",
        ),
        (
            "shocks:\n  - name: a\n    leaves: {nobody: 2027}\n",
            3,
            "no partner `nobody`",
        ),
        (
            "shocks:\n  - name: a\n    leaves: {ziekenhuis: 2040}\n",
            3,
            "give a year after",
        ),
        (
            "shocks:\n  - name: a\n    pin: {inputs.wages_prices: 1.5}\n",
            3,
            "between 0 and 1",
        ),
        (
            "shocks:\n  - name: a\n    combine: [b]\n",
            3,
            "no earlier shock `b`",
        ),
        (
            "shocks:\n  - name: a\n    shift: {domains.wmo.use: 1}\n",
            3,
            "shift a single number",
        ),
        (
            "shocks:\n  - name: a\n    set: {}\n  - name: b\n    against: c\n",
            5,
            "no earlier shock `c` to measure against",
        ),
        ("shocks: []\n", 1, "`shocks` lists no shocks"),
        (
            "shocks:\n  - name: a\n    sett: {}\n",
            3,
            "unknown field `sett`",
        ),
    ] {
        let set = write(dir.path(), text);
        let e = stress::run(&scenario("zoetermeer"), Some(&set), &opts(), &|_, _| {})
            .expect_err(text)
            .to_string();
        assert!(e.contains(&format!("set.yaml:{line}")), "{e}");
        assert!(e.contains(says), "{e}");
    }
}
