//! Monte Carlo precision: the standard error of a median by sectioning matches the theory for
//! a normal sample, and `--precision` stops at a study identical to the plain study of the runs
//! it took, recorded in the manifest.

mod common;

use common::run;
use kloof::stats::median_standard_error;
use kloof::study::Options;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

#[test]
fn the_standard_error_of_a_normal_median_is_near_its_theory() {
    // For n draws of N(0, 1) the median's standard error is sqrt(pi / 2) / sqrt(n) = 1.2533 /
    // sqrt(n). Sectioning estimates it with 19 degrees of freedom: averaged over 200 samples
    // it lies within 5 % of the theory.
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(11);
    let n = 4000;
    let mean_se: f64 = (0..200)
        .map(|_| {
            let x: Vec<f64> = (0..n)
                .map(|_| Normal::new(0.0, 1.0).unwrap().sample(&mut rng))
                .collect();
            median_standard_error(&x)
        })
        .sum::<f64>()
        / 200.0;
    let theory = (std::f64::consts::PI / 2.0).sqrt() / (n as f64).sqrt();
    assert!(
        (mean_se / theory - 1.0).abs() < 0.05,
        "{mean_se} against {theory}"
    );
    assert!(median_standard_error(&[1.0; 39]).is_nan());
}

#[test]
fn precision_stops_at_the_plain_study_of_the_runs_it_took() {
    let source = common::scenario("zoetermeer");
    let s = run(
        &source,
        Options {
            runs: Some(8000),
            // network.net's median lies near zero (EUR -1.2 mln, spread about 1 mln): 10 %.
            precision: Some(0.1),
            ..Options::default()
        },
    );
    let p = s.manifest.precision.clone().expect("recorded");
    assert!(p.met && p.widest_relative_interval <= 0.1, "{p:?}");
    assert_eq!(p.runs_needed, s.manifest.provenance.runs);
    assert!([1000, 2000, 4000, 8000].contains(&p.runs_needed));
    let plain = run(
        &source,
        Options {
            runs: Some(p.runs_needed),
            ..Options::default()
        },
    );
    let h = plain.manifest.provenance.horizon;
    for m in ["gap.fte", "network.net", "partner.gemeente.net"] {
        assert_eq!(
            s.outcomes.get(kloof::variant::NETWORK, m, h),
            plain.outcomes.get(kloof::variant::NETWORK, m, h),
            "{m}"
        );
    }
    // An unreachable target stops at --runs and says so.
    let s = run(
        &source,
        Options {
            runs: Some(1500),
            precision: Some(1e-9),
            ..Options::default()
        },
    );
    let p = s.manifest.precision.expect("recorded");
    assert!(!p.met && p.runs_needed == 1500);
}
