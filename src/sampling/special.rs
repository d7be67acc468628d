//! Special functions behind the inverse CDFs that correlated inputs are sampled with: the
//! standard normal CDF and its inverse, ln Γ, and the regularized incomplete beta function and
//! its inverse. Written out here (no dependency), each to about 1e-13 or better.

use std::f64::consts::PI;

/// Smallest magnitude the continued fractions divide by (modified Lentz).
const FPMIN: f64 = 1e-300;
/// Relative accuracy the series and continued fractions stop at.
const EPS: f64 = 1e-16;

/// ln Γ(x) for x > 0: Lanczos' approximation (g = 7, 9 terms), relative error about 1e-15;
/// reflection below 0.5.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (PI / (PI * x).sin().abs()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Q(1/2, x) = Γ(1/2, x) / Γ(1/2) = erfc(√x), by the series (x < 1.5) or the continued
/// fraction (Numerical Recipes' `gser` and `gcf`).
fn gamma_q_half(x: f64) -> f64 {
    const A: f64 = 0.5;
    if x <= 0.0 {
        return 1.0;
    }
    // ln Γ(1/2) = ln √π.
    let front = (-x + A * x.ln() - 0.5 * PI.ln()).exp();
    if x < A + 1.0 {
        let (mut ap, mut del) = (A, 1.0 / A);
        let mut sum = del;
        for _ in 0..1000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        1.0 - sum * front
    } else {
        let mut b = x + 1.0 - A;
        let mut c = 1.0 / FPMIN;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - A);
            b += 2.0;
            d = an * d + b;
            if d.abs() < FPMIN {
                d = FPMIN;
            }
            c = b + an / c;
            if c.abs() < FPMIN {
                c = FPMIN;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < EPS {
                break;
            }
        }
        front * h
    }
}

/// Φ(z), the standard normal CDF: ½ erfc(−z/√2), with erfc from the incomplete gamma function,
/// so the lower tail keeps its relative accuracy (Φ(−30) ≈ 4.9e-198).
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    let q = 0.5 * gamma_q_half(z * z / 2.0);
    if z < 0.0 { q } else { 1.0 - q }
}

/// Φ⁻¹(p), the standard normal quantile: Acklam's rational approximation (relative error
/// 1.2e-9), refined by Halley steps on [`normal_cdf`] to full double precision. −∞ at 0, +∞ at 1.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    // The upper half by symmetry, so the tail computed is always the accurate lower one.
    if p > 0.5 {
        return -normal_quantile(1.0 - p);
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let mut x = if p < 0.02425 {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    for _ in 0..4 {
        let e = normal_cdf(x) - p;
        let u = e * (2.0 * PI).sqrt() * (x * x / 2.0).exp();
        let step = u / (1.0 + x * u / 2.0);
        x -= step;
        if step.abs() <= 1e-15 * x.abs().max(1.0) {
            break;
        }
    }
    x
}

/// Continued fraction of the incomplete beta function (Numerical Recipes' `betacf`, modified
/// Lentz), converging quickly for x < (a + 1) / (a + b + 2).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let fix = |v: f64| if v.abs() < FPMIN { FPMIN } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / fix(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..100_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// ln B(a, b).
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// The regularized incomplete beta function I_x(a, b): the CDF of Beta(a, b) at x.
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

/// The quantile of Beta(a, b): the x with I_x(a, b) = p, by Newton steps on [`beta_cdf`] kept
/// inside a shrinking bracket (a bisection whenever a step would leave it), to about 1e-13.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let lnb = ln_beta(a, b);
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    let mut x = a / (a + b);
    for _ in 0..300 {
        let f = beta_cdf(x, a, b) - p;
        if f == 0.0 {
            return x;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let density = ((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - lnb).exp();
        let newton = x - f / density;
        let next = if density.is_finite() && density > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let done = (next - x).abs() <= 1e-14 * x.max(1e-300) || hi - lo <= 1e-16;
        x = next;
        if done {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn ln_gamma_matches_factorials_and_half() {
        let mut fact = 1.0_f64;
        for n in 1..30 {
            // Γ(n) = (n-1)!
            assert!(close(ln_gamma(n as f64), fact.ln(), 1e-13), "n = {n}");
            fact *= n as f64;
        }
        assert!(close(ln_gamma(0.5), 0.5 * PI.ln(), 1e-14));
        assert!(close(ln_gamma(1.5), (0.5 * PI.sqrt()).ln(), 1e-14));
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        // Values of Φ from tables (R's pnorm to 16 digits).
        for (z, p) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-1.0, 0.158_655_253_931_457_05),
            (1.96, 0.975_002_104_851_779_5),
            (-3.0, 0.001_349_898_031_630_094_6),
            (-6.0, 9.865_876_450_376_98e-10),
            (-10.0, 7.619_853_024_160_527e-24),
            (0.5, 0.691_462_461_274_013_1),
        ] {
            let got = normal_cdf(z);
            assert!(
                (got - p).abs() <= 1e-14 * p.max(1e-300) + 1e-16,
                "Φ({z}) = {got}, not {p}"
            );
        }
    }

    #[test]
    fn normal_quantile_inverts_the_cdf() {
        assert!(close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-14));
        assert!(close(normal_quantile(0.5), 0.0, 1e-15));
        assert!(close(normal_quantile(1e-10), -6.361_340_902_404_056, 1e-13));
        for i in 1..2000 {
            let z = -8.0 + 16.0 * i as f64 / 2000.0;
            let p = normal_cdf(z);
            let back = normal_quantile(p);
            // Near 1, p itself holds few digits of the upper tail.
            let tol = if z > 0.0 { 1e-15 / (1.0 - p) } else { 1e-12 };
            assert!((back - z).abs() <= tol.max(1e-12), "z = {z}: {back}");
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
    }

    #[test]
    fn beta_cdf_matches_closed_forms() {
        for i in 0..=100 {
            let x = i as f64 / 100.0;
            // Beta(1, 1) is uniform; Beta(2, 1) has CDF x²; Beta(1, 3) 1 - (1 - x)³;
            // Beta(2, 2) 3x² - 2x³; Beta(1/2, 1/2) (2/π) asin √x.
            assert!(close(beta_cdf(x, 1.0, 1.0), x, 1e-14));
            assert!(close(beta_cdf(x, 2.0, 1.0), x * x, 1e-14));
            assert!(close(beta_cdf(x, 1.0, 3.0), 1.0 - (1.0 - x).powi(3), 1e-14));
            assert!(close(
                beta_cdf(x, 2.0, 2.0),
                3.0 * x * x - 2.0 * x.powi(3),
                1e-14
            ));
            assert!(close(
                beta_cdf(x, 0.5, 0.5),
                2.0 / PI * x.sqrt().asin(),
                1e-13
            ));
        }
    }

    #[test]
    fn beta_quantile_inverts_the_cdf() {
        for (a, b) in [
            (0.5, 0.5),
            (1.0, 1.0),
            (2.0, 5.0),
            (5.0, 2.0),
            (0.3, 4.0),
            (30.0, 70.0),
            (400.0, 600.0),
            (1.2, 4.8),
        ] {
            for i in 0..=1000 {
                let p = i as f64 / 1000.0;
                let x = beta_quantile(p, a, b);
                assert!((0.0..=1.0).contains(&x));
                let back = beta_cdf(x, a, b);
                assert!(
                    (back - p).abs() <= 1e-10,
                    "Beta({a}, {b}): p = {p}, x = {x}, I = {back}"
                );
            }
            // Monotone in p.
            let xs: Vec<f64> = (0..=1000)
                .map(|i| beta_quantile(i as f64 / 1000.0, a, b))
                .collect();
            assert!(
                xs.windows(2).all(|w| w[0] <= w[1]),
                "Beta({a}, {b}) not monotone"
            );
        }
        // Beta(2, 2) median 0.5, Beta(2, 1) quantile √p.
        assert!(close(beta_quantile(0.5, 2.0, 2.0), 0.5, 1e-12));
        assert!(close(beta_quantile(0.3, 2.0, 1.0), 0.3_f64.sqrt(), 1e-12));
    }
}
