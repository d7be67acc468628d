//! `kloof sensitivity`: the inputs that drive a metric. On Zoetermeer's care gap the measures
//! agree on what matters (the strongest swing has a strong rank correlation of the same sign),
//! every input is listed once, results do not depend on the thread count, and an unknown
//! metric is an error.

mod common;

use kloof::study::{self, Options};

fn options(threads: usize) -> Options {
    Options {
        runs: Some(400),
        threads: Some(threads),
        ..Options::default()
    }
}

#[test]
fn the_measures_agree_on_what_drives_the_care_gap() {
    let source = common::scenario("zoetermeer");
    let (study, s) = study::sensitivity(&source, &options(2), "gap.fte", "network", None, &|_| {})
        .expect("ranks");
    assert_eq!(s.year, study.manifest.provenance.horizon);
    let top = &s.inputs[0];
    assert!(top.rank_correlation.abs() > 0.3, "{top:?}");
    assert_eq!(
        top.swing().signum(),
        top.rank_correlation.signum(),
        "{top:?}"
    );
    assert!(top.sobol_first_order > 0.1, "{top:?}");
    // Sorted by the size of the swing; each input once; a shared input once for every place.
    for w in s.inputs.windows(2) {
        assert!(w[0].swing().abs() >= w[1].swing().abs());
    }
    let mut keys: Vec<&str> = s.inputs.iter().map(|i| i.input.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), s.inputs.len());
    assert_eq!(
        keys.iter().filter(|k| **k == "inputs.wages_prices").count(),
        1
    );
    // The swings are measured around the medians: the run at the medians lies between them
    // for an input whose effect is monotone, as the strongest is here.
    assert!((top.at_p10.min(top.at_p90)..=top.at_p10.max(top.at_p90)).contains(&s.at_medians));
}

#[test]
fn sensitivity_does_not_depend_on_threads() {
    let source = common::scenario("zoetermeer");
    let run = |t| {
        study::sensitivity(
            &source,
            &options(t),
            "savings.eur.cumulative",
            "network",
            Some(2028),
            &|_| {},
        )
        .expect("ranks")
        .1
    };
    let (a, b) = (run(1), run(2));
    for (x, y) in a.inputs.iter().zip(&b.inputs) {
        assert_eq!(x.input, y.input);
        assert_eq!(x.rank_correlation.to_bits(), y.rank_correlation.to_bits());
        assert_eq!(x.swing().to_bits(), y.swing().to_bits());
    }
}

#[test]
fn an_unknown_metric_or_variant_is_an_error() {
    let source = common::scenario("zoetermeer");
    let e = study::sensitivity(&source, &options(1), "gap.ftee", "network", None, &|_| {})
        .expect_err("unknown");
    assert!(e.to_string().contains("no metric `gap.ftee`"), "{e}");
    let e = study::sensitivity(&source, &options(1), "gap.fte", "both", None, &|_| {})
        .expect_err("variant");
    assert!(e.to_string().contains("use baseline or network"), "{e}");
}
