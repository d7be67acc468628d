//! `kloof evpi`: the value of information of Stad en Ommeland's go/no-go. Choosing between a
//! scenario and itself is worth nothing to know more about; between go and stop, perfect
//! information is worth at least what knowing any one input is worth (up to the estimate's
//! noise), and never less than zero.

mod common;

use kloof::study::{self, Options, Source};

fn read(relative: &str) -> Source {
    let p = format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"));
    Source::read(std::path::Path::new(&p)).expect("readable")
}

fn options() -> Options {
    Options {
        runs: Some(300),
        ..Options::default()
    }
}

#[test]
fn a_decision_between_a_scenario_and_itself_is_worth_nothing_to_inform() {
    let s = read("scenarios/overlays/stad-en-ommeland-go.yaml");
    let (_, v) =
        study::value_of_information(&[s.clone(), s], &options(), "network.net", None, &|_| {})
            .expect("assessed");
    assert_eq!(v.evpi, 0.0);
    assert!(
        v.per_input.iter().all(|(_, x)| *x == 0.0),
        "{:?}",
        v.per_input
    );
    assert_eq!(v.regret_share, 0.0);
}

#[test]
fn go_or_stop_has_a_value_of_information_bounded_by_evpi() {
    let go = read("scenarios/overlays/stad-en-ommeland-go.yaml");
    let stop = read("scenarios/overlays/stad-en-ommeland-stop.yaml");
    let (studies, v) =
        study::value_of_information(&[go, stop], &options(), "network.net", None, &|_| {})
            .expect("assessed");
    assert_eq!(v.decisions.len(), 2);
    // Go and stop are different decisions: going on spends the transition money of 2027-2030.
    // Where ceilings bind (hospital, district nursing, Wlz), avoided demand shortens waiting
    // lists and pays nothing back, so on money alone stopping is better on average; in some
    // runs going on is, so perfect information is worth something. (Identical decisions would
    // pass the rest.)
    let (go_mean, stop_mean) = (v.decisions[0].1, v.decisions[1].1);
    assert!(
        stop_mean - go_mean > 0.5e6,
        "go {go_mean}, stop {stop_mean}"
    );
    assert_eq!(v.best, "stop");
    assert!(
        v.evpi > 0.0 && v.regret_share > 0.0,
        "{} {}",
        v.evpi,
        v.regret_share
    );
    // The EVPI is the mean over runs of what the best decision of the run gains over the
    // best decision on average: recompute it from the runs.
    let h = studies[0].manifest.provenance.horizon;
    let nb: Vec<std::borrow::Cow<[f64]>> = studies
        .iter()
        .map(|s| {
            s.outcomes
                .get(kloof::variant::NETWORK, "network.net", h)
                .expect("net")
        })
        .collect();
    let n = nb[0].len() as f64;
    let means: Vec<f64> = nb.iter().map(|d| d.iter().sum::<f64>() / n).collect();
    let best = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let perfect: f64 = (0..nb[0].len())
        .map(|r| nb[0][r].max(nb[1][r]))
        .sum::<f64>()
        / n;
    assert!((v.evpi - (perfect - best)).abs() < 1e-6 * best.abs().max(1.0));
    assert_eq!(v.best, if means[0] >= means[1] { "go" } else { "stop" });
    // Knowing one input cannot be worth more than knowing everything (bins add a little
    // noise: allowed 5 % of the EVPI).
    for (k, x) in &v.per_input {
        assert!(*x <= v.evpi * 1.05 + 1.0, "{k}: {x} > {}", v.evpi);
    }
}
