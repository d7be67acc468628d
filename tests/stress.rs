//! `kloof stress`: shocks to a scenario under the same draws. A shock that changes nothing
//! gives the base's results bit for bit; a pinned input takes its percentile; a partner that
//! leaves is paid nothing by the agreement from its year on and exactly as before until then;
//! a bad shock names the stress file's line and key.

mod common;

use kloof::stress;
use kloof::study::{Options, Source};
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

fn series(s: &kloof::study::Study, metric: &str, y: i32) -> Vec<u64> {
    s.outcomes
        .get(NETWORK, metric, y)
        .expect(metric)
        .iter()
        .map(|x| x.to_bits())
        .collect()
}

#[test]
fn a_shock_that_changes_nothing_gives_the_base_bit_for_bit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let set = write(
        dir.path(),
        "shocks:\n  - name: same\n    scale: {transition_budget.per_year: 1}\n",
    );
    let (studies, st) =
        stress::run(&scenario("zoetermeer"), &set, &opts(), &|_, _| {}).expect("runs");
    for x in &studies[0].outcomes.catalogue.series {
        for &y in &studies[0].outcomes.years {
            assert_eq!(
                studies[0].outcomes.get(&x.variant, &x.metric, y),
                studies[1].outcomes.get(&x.variant, &x.metric, y),
                "{} {} {y}",
                x.variant,
                x.metric
            );
        }
    }
    assert!(st.shocks[1].carries_the_loss.is_none());
}

#[test]
fn a_pinned_input_takes_its_percentile() {
    let dir = tempfile::tempdir().expect("temp dir");
    let set = write(
        dir.path(),
        "shocks:\n  - name: p95\n    pin: {inputs.wages_prices: 0.95}\n  - name: p50\n    pin: {inputs.wages_prices: 0.5}\n",
    );
    let (studies, _) =
        stress::run(&scenario("zoetermeer"), &set, &opts(), &|_, _| {}).expect("runs");
    let pinned =
        |s: &kloof::study::Study| s.scenario.inputs.0[0].1.0.fixed_value().expect("pinned");
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
    let dir = tempfile::tempdir().expect("temp dir");
    let set = write(
        dir.path(),
        "shocks:\n  - name: out\n    leaves: {thuiszorg: 2020}\n",
    );
    let (studies, _) = stress::run(&scenario("ruwaard"), &set, &opts(), &|_, _| {}).expect("runs");
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
            "shocks:\n  - name: a\n    sett: {}\n",
            3,
            "unknown field `sett`",
        ),
    ] {
        let set = write(dir.path(), text);
        let e = stress::run(&scenario("zoetermeer"), &set, &opts(), &|_, _| {})
            .expect_err(text)
            .to_string();
        assert!(e.contains(&format!("set.yaml:{line}")), "{e}");
        assert!(e.contains(says), "{e}");
    }
}
