//! Each distribution's sample mean and quantiles against their closed forms.

use kloof::sampling::{Dist, Quantity, stream};
use kloof::stats::{Summary, quantile};

const N: u64 = 200_000;

fn draws(dist: Dist) -> Vec<f64> {
    let q = Quantity::new(dist, false).expect("valid parameters");
    let mut v: Vec<f64> = (0..N)
        .map(|r| q.sample(&mut stream(42, r, 7, None)))
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Checks the sample mean within 4 standard errors and each quantile `p` by the closed-form
/// CDF at the sample quantile, which must lie within 0.005 of `p`.
fn check(dist: Dist, mean: f64, sd: f64, cdf: impl Fn(f64) -> f64) {
    let v = draws(dist.clone());
    let s = Summary::of(&v);
    let se = sd / (N as f64).sqrt();
    assert!(
        (s.mean - mean).abs() < 4.0 * se,
        "{dist:?}: mean {} vs {mean}",
        s.mean
    );
    assert!(
        (s.sd - sd).abs() < 0.02 * sd,
        "{dist:?}: sd {} vs {sd}",
        s.sd
    );
    for p in [0.05, 0.25, 0.5, 0.75, 0.95] {
        let f = cdf(quantile(&v, p));
        assert!(
            (f - p).abs() < 0.005,
            "{dist:?}: CDF at the {p} quantile is {f}"
        );
    }
}

/// Standard normal CDF (Abramowitz & Stegun 26.2.17, error < 7.5e-8).
fn phi(z: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.231_641_9 * z.abs());
    let poly = t
        * (0.319_381_530
            + t * (-0.356_563_782
                + t * (1.781_477_937 + t * (-1.821_255_978 + t * 1.330_274_429))));
    let tail = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt() * poly;
    if z >= 0.0 { 1.0 - tail } else { tail }
}

/// Regularised incomplete beta for whole-number parameters: a binomial sum.
fn beta_cdf(x: f64, a: u32, b: u32) -> f64 {
    let n = a + b - 1;
    let choose = |n: u32, k: u32| (0..k).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1));
    (a..=n)
        .map(|j| choose(n, j) * x.powi(j as i32) * (1.0 - x).powi((n - j) as i32))
        .sum()
}

#[test]
fn normal() {
    check(Dist::Normal { mean: 3.0, sd: 2.0 }, 3.0, 2.0, |x| {
        phi((x - 3.0) / 2.0)
    });
}

#[test]
fn lognormal_is_parametrised_by_the_values_mean_and_sd() {
    let (mean, sd): (f64, f64) = (100.0, 30.0);
    let s2 = (1.0 + (sd / mean).powi(2)).ln();
    let mu = mean.ln() - s2 / 2.0;
    check(Dist::Lognormal { mean, sd }, mean, sd, |x| {
        phi((x.ln() - mu) / s2.sqrt())
    });
}

#[test]
fn uniform() {
    let sd = 4.0 / 12f64.sqrt();
    check(
        Dist::Uniform {
            low: -1.0,
            high: 3.0,
        },
        1.0,
        sd,
        |x| (x + 1.0) / 4.0,
    );
}

#[test]
fn triangular() {
    let (a, c, b): (f64, f64, f64) = (0.0, 1.0, 4.0);
    let mean = (a + b + c) / 3.0;
    let sd = ((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0).sqrt();
    let cdf = move |x: f64| {
        if x <= c {
            (x - a).powi(2) / ((b - a) * (c - a))
        } else {
            1.0 - (b - x).powi(2) / ((b - a) * (b - c))
        }
    };
    check(
        Dist::Triangular {
            low: a,
            mode: c,
            high: b,
        },
        mean,
        sd,
        cdf,
    );
}

#[test]
fn pert_is_a_scaled_beta() {
    // low 10, mode 20, high 60: alpha = 1 + 4 (20-10)/50 = 1.8 (not whole), so use mode 35:
    // alpha = 1 + 4 × 25/50 = 3, beta = 3 — Beta(3, 3) on 10..60.
    let (lo, hi) = (10.0, 60.0);
    let mean = (lo + 4.0 * 35.0 + hi) / 6.0;
    let sd = (hi - lo) * (9.0f64 / (36.0 * 7.0)).sqrt();
    check(
        Dist::Pert {
            low: lo,
            mode: 35.0,
            high: hi,
        },
        mean,
        sd,
        |x| beta_cdf((x - lo) / (hi - lo), 3, 3),
    );
}

#[test]
fn beta_stretched_to_its_range() {
    // Beta(2, 5) on 0..10: mean 10 × 2/7, variance 100 × 10 / (49 × 8).
    let sd = (100.0 * 10.0 / (49.0 * 8.0f64)).sqrt();
    check(
        Dist::Beta {
            alpha: 2.0,
            beta: 5.0,
            low: 0.0,
            high: 10.0,
        },
        20.0 / 7.0,
        sd,
        |x| beta_cdf(x / 10.0, 2, 5),
    );
}

#[test]
fn streams_differ_by_run_key_and_year_and_repeat_exactly() {
    let q = Quantity::new(
        Dist::Uniform {
            low: 0.0,
            high: 1.0,
        },
        false,
    )
    .expect("valid");
    let a = q.sample(&mut stream(1, 5, 9, None));
    assert_eq!(a, q.sample(&mut stream(1, 5, 9, None)));
    assert_ne!(a, q.sample(&mut stream(1, 6, 9, None)));
    assert_ne!(a, q.sample(&mut stream(1, 5, 10, None)));
    assert_ne!(a, q.sample(&mut stream(2, 5, 9, None)));
    assert_ne!(
        q.sample(&mut stream(1, 5, 9, Some(2025))),
        q.sample(&mut stream(1, 5, 9, Some(2026)))
    );
}
