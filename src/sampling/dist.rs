//! The distributions a scenario may give for any number, with self-explaining parameters.
//!
//! In YAML a number is either fixed (`0.02`) or a map naming its distribution:
//! `{dist: normal, mean: 0.02, sd: 0.005}`. Add `per: year` to draw it anew each year instead
//! of once per run. Parameters are checked when the scenario is read, so sampling cannot fail.

use std::fmt;

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, LogNormal, Normal, Pert, Triangular};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A parameter combination that describes no distribution, or a value outside what the
/// input allows. The message says what is expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistError(pub String);

/// The values an input may take (a share lies in 0..=1, a head count is non-negative).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Bounds {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Bounds {
    pub const ANY: Bounds = Bounds {
        min: None,
        max: None,
    };

    /// The closed interval `min..=max`.
    pub const fn new(min: f64, max: f64) -> Bounds {
        Bounds {
            min: Some(min),
            max: Some(max),
        }
    }

    pub fn contains(&self, x: f64) -> bool {
        self.min.is_none_or(|m| x >= m) && self.max.is_none_or(|m| x <= m)
    }

    fn clamp(&self, x: f64) -> f64 {
        let x = self.min.map_or(x, |m| x.max(m));
        self.max.map_or(x, |m| x.min(m))
    }

    /// `between 0 and 100,000,000`: the words error messages and the README use.
    pub fn describe(&self) -> String {
        match (self.min, self.max) {
            (Some(a), Some(b)) => format!("between {} and {}", readable(a), readable(b)),
            (Some(a), None) => format!("at least {}", readable(a)),
            (None, Some(b)) => format!("at most {}", readable(b)),
            (None, None) => "finite".to_string(),
        }
    }
}

/// A number as an analyst writes it: whole numbers of five digits or more with thousands
/// separators (`100,000,000`, not `100000000`), from 1e15 on in exponent form (`1e308`, not
/// 309 digits), others as Rust prints them (`0.05`, `-1`).
fn readable(x: f64) -> String {
    if x.abs() >= 1e15 {
        return format!("{x:e}");
    }
    if x.fract() != 0.0 || x.abs() < 10_000.0 {
        return format!("{x}");
    }
    let digits = format!("{}", x.abs() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// A distribution with the parameters the analyst wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Dist {
    Fixed {
        value: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// Parametrised by the mean and standard deviation of the value itself (not of its log).
    Lognormal {
        mean: f64,
        sd: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    Pert {
        low: f64,
        mode: f64,
        high: f64,
    },
    /// Beta(alpha, beta) stretched onto `low..=high` (default 0..=1).
    Beta {
        alpha: f64,
        beta: f64,
        low: f64,
        high: f64,
    },
}

/// A prepared sampler: the checked parameters turned into `rand_distr` objects once.
#[derive(Debug, Clone)]
enum Sampler {
    Fixed(f64),
    Normal(Normal<f64>),
    Lognormal(LogNormal<f64>),
    Uniform(f64, f64),
    Triangular(Triangular<f64>),
    Pert(Pert<f64>),
    Beta(Beta<f64>, f64, f64),
}

/// A number of the scenario: a distribution, whether it is drawn once per run or every year,
/// and the bounds its draws are held to.
#[derive(Debug, Clone, Serialize)]
pub struct Quantity {
    #[serde(flatten)]
    pub dist: Dist,
    /// Drawn anew every simulated year instead of once per run.
    pub per_year: bool,
    /// The shared input (a scenario's `inputs:`) this number is, if it is one: every number
    /// naming it is drawn from its one stream, `inputs.<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<String>,
    #[serde(skip)]
    bounds: Bounds,
    #[serde(skip)]
    sampler: Sampler,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.dist == other.dist && self.per_year == other.per_year && self.shared == other.shared
    }
}

impl Quantity {
    /// A fixed number.
    pub fn fixed(value: f64) -> Quantity {
        Quantity {
            dist: Dist::Fixed { value },
            per_year: false,
            shared: None,
            bounds: Bounds::ANY,
            sampler: Sampler::Fixed(value),
        }
    }

    /// A reference to the shared input `name`, before the scenario's `inputs:` resolve it.
    pub fn reference(name: &str) -> Quantity {
        Quantity {
            shared: Some(name.to_string()),
            ..Quantity::fixed(0.0)
        }
    }

    /// The bounds its draws are held to.
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// Checks the parameters and prepares the sampler.
    pub fn new(dist: Dist, per_year: bool) -> Result<Quantity, DistError> {
        let sampler = dist.sampler()?;
        Ok(Quantity {
            dist,
            per_year,
            shared: None,
            bounds: Bounds::ANY,
            sampler,
        })
    }

    /// Holds the quantity to `bounds`: an error if its span (see [`Quantity::span`]) reaches
    /// outside them. Normal and lognormal distributions have no finite span of their own; they
    /// are held to their mean ± 3 sd (on the log scale for the lognormal, 99.7 % of draws) and
    /// their rare draws beyond the bounds are clamped to them, so a draw never leaves the range.
    pub fn bounded(mut self, bounds: Bounds) -> Result<Quantity, DistError> {
        let (low, high) = self.span();
        if !(bounds.contains(low) && bounds.contains(high)) {
            let what = match self.dist {
                Dist::Fixed { value } => format!("the value {}", readable(value)),
                Dist::Normal { .. } => format!(
                    "the normal distribution's mean ± 3 sd ({} to {})",
                    round(low),
                    round(high)
                ),
                Dist::Lognormal { .. } => format!(
                    "the lognormal distribution's 99.7 % range ({} to {})",
                    round(low),
                    round(high)
                ),
                _ => format!("the distribution's range ({low} to {high})"),
            };
            return Err(DistError(format!("{what} must lie {}", bounds.describe())));
        }
        self.bounds = bounds;
        Ok(self)
    }

    /// The values the quantity is taken to range over: a fixed value itself, `low..high` for
    /// the distributions that have them, mean ± 3 sd for a normal and `e^(μ ± 3σ)` for a
    /// lognormal. Checks against the plausible range of an input use this span.
    pub fn span(&self) -> (f64, f64) {
        match self.dist {
            Dist::Fixed { value } => (value, value),
            Dist::Normal { mean, sd } => (mean - 3.0 * sd, mean + 3.0 * sd),
            Dist::Lognormal { mean, sd } => {
                let (mu, sigma) = lognormal_log_params(mean, sd);
                ((mu - 3.0 * sigma).exp(), (mu + 3.0 * sigma).exp())
            }
            Dist::Uniform { low, high }
            | Dist::Triangular { low, high, .. }
            | Dist::Pert { low, high, .. }
            | Dist::Beta { low, high, .. } => (low, high),
        }
    }

    /// True when the quantity never varies: no stream needs to be drawn for it.
    pub fn fixed_value(&self) -> Option<f64> {
        match self.sampler {
            Sampler::Fixed(v) => Some(v),
            _ => None,
        }
    }

    /// One draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::Normal(d) => d.sample(rng),
            Sampler::Lognormal(d) => d.sample(rng),
            Sampler::Uniform(lo, hi) => lo + (hi - lo) * rng.random::<f64>(),
            Sampler::Triangular(d) => d.sample(rng),
            Sampler::Pert(d) => d.sample(rng),
            Sampler::Beta(d, lo, hi) => lo + (hi - lo) * d.sample(rng),
        };
        self.bounds.clamp(x)
    }
}

impl Quantity {
    /// The value at quantile `u` (0..=1) of the distribution, held to the bounds like a draw:
    /// the inverse CDF. Closed form for the uniform and triangular distributions, through
    /// Φ⁻¹ for the normal and lognormal, and by inverting the regularized incomplete beta
    /// function for beta and PERT (a beta with α = 1 + 4 (mode − low) / (high − low) and
    /// β = 1 + 4 (high − mode) / (high − low), as `rand_distr` samples it).
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let x = match self.dist {
            Dist::Normal { .. } | Dist::Lognormal { .. } => {
                return self.from_normal(super::special::normal_quantile(u));
            }
            Dist::Fixed { value } => value,
            Dist::Uniform { low, high } => low + (high - low) * u,
            Dist::Triangular { low, mode, high } => triangular_quantile(low, mode, high, u),
            Dist::Pert { low, mode, high } => {
                let (a, b) = pert_shape(low, mode, high);
                low + (high - low) * super::special::beta_quantile(u, a, b)
            }
            Dist::Beta {
                alpha,
                beta,
                low,
                high,
            } => low + (high - low) * super::special::beta_quantile(u, alpha, beta),
        };
        self.bounds.clamp(x)
    }

    /// The value that a standard normal `z` maps to, F⁻¹(Φ(z)): what a correlated input takes
    /// (see [`super::copula`]). A normal or lognormal takes `z` directly (mean + sd · z,
    /// e^(μ + σ z)), without the round trip through Φ that would lose its far tails.
    pub fn from_normal(&self, z: f64) -> f64 {
        let x = match self.dist {
            Dist::Normal { mean, sd } => mean + sd * z,
            Dist::Lognormal { mean, sd } => {
                let (mu, sigma) = lognormal_log_params(mean, sd);
                (mu + sigma * z).exp()
            }
            _ => return self.quantile(super::special::normal_cdf(z)),
        };
        self.bounds.clamp(x)
    }
}

/// α and β of the beta distribution behind a PERT distribution (shape 4).
fn pert_shape(low: f64, mode: f64, high: f64) -> (f64, f64) {
    let range = high - low;
    (
        1.0 + 4.0 * (mode - low) / range,
        1.0 + 4.0 * (high - mode) / range,
    )
}

/// The triangular distribution's inverse CDF, the formula `rand_distr` samples with.
fn triangular_quantile(low: f64, mode: f64, high: f64, u: f64) -> f64 {
    let range = high - low;
    if u * range < mode - low {
        low + (u * range * (mode - low)).sqrt()
    } else {
        high - ((range - u * range) * (high - mode)).sqrt()
    }
}

/// A number shown in an error to four significant digits: the span of a normal is computed,
/// and `0.009000000000000001` says nothing more than `0.009`.
fn round(x: f64) -> String {
    format!("{}", format!("{x:.4e}").parse::<f64>().unwrap_or(x))
}

/// μ and σ of the log of a lognormal value with the given mean and sd (of the value itself).
fn lognormal_log_params(mean: f64, sd: f64) -> (f64, f64) {
    let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
    (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
}

impl Dist {
    fn sampler(&self) -> Result<Sampler, DistError> {
        let err = |m: &str| DistError(m.to_string());
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        Ok(match *self {
            Dist::Fixed { value } => {
                if !value.is_finite() {
                    return Err(err("a number must be finite"));
                }
                Sampler::Fixed(value)
            }
            Dist::Normal { mean, sd } => {
                if !finite(&[mean, sd]) || sd < 0.0 {
                    return Err(err("normal needs a finite mean and sd >= 0"));
                }
                Sampler::Normal(Normal::new(mean, sd).map_err(|e| err(&e.to_string()))?)
            }
            Dist::Lognormal { mean, sd } => {
                if !finite(&[mean, sd]) || mean <= 0.0 || sd < 0.0 {
                    return Err(err(
                        "lognormal needs mean > 0 and sd >= 0 (of the value itself)",
                    ));
                }
                let (mu, sigma) = lognormal_log_params(mean, sd);
                Sampler::Lognormal(LogNormal::new(mu, sigma).map_err(|e| err(&e.to_string()))?)
            }
            Dist::Uniform { low, high } => {
                if !finite(&[low, high]) || low > high {
                    return Err(err("uniform needs low <= high"));
                }
                Sampler::Uniform(low, high)
            }
            Dist::Triangular { low, mode, high } => {
                if !(finite(&[low, mode, high]) && low <= mode && mode <= high) || low == high {
                    return Err(err("triangular needs low <= mode <= high and low < high"));
                }
                Sampler::Triangular(
                    Triangular::new(low, high, mode).map_err(|e| err(&e.to_string()))?,
                )
            }
            Dist::Pert { low, mode, high } => {
                if !(finite(&[low, mode, high]) && low <= mode && mode <= high) || low == high {
                    return Err(err("pert needs low <= mode <= high and low < high"));
                }
                Sampler::Pert(
                    Pert::new(low, high)
                        .with_mode(mode)
                        .map_err(|e| err(&e.to_string()))?,
                )
            }
            Dist::Beta {
                alpha,
                beta,
                low,
                high,
            } => {
                if !finite(&[alpha, beta, low, high]) || alpha <= 0.0 || beta <= 0.0 || low >= high
                {
                    return Err(err("beta needs alpha > 0, beta > 0 and low < high"));
                }
                Sampler::Beta(
                    Beta::new(alpha, beta).map_err(|e| err(&e.to_string()))?,
                    low,
                    high,
                )
            }
        })
    }
}

/// The map form as written, before it is checked against the named distribution.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    dist: Option<String>,
    /// `{input: name}`: the shared input `name`.
    input: Option<String>,
    mean: Option<f64>,
    sd: Option<f64>,
    low: Option<f64>,
    mode: Option<f64>,
    high: Option<f64>,
    alpha: Option<f64>,
    beta: Option<f64>,
    per: Option<String>,
}

impl Spec {
    fn into_quantity(self) -> Result<Quantity, DistError> {
        let given: Vec<&str> = [
            ("mean", self.mean.is_some()),
            ("sd", self.sd.is_some()),
            ("low", self.low.is_some()),
            ("mode", self.mode.is_some()),
            ("high", self.high.is_some()),
            ("alpha", self.alpha.is_some()),
            ("beta", self.beta.is_some()),
        ]
        .iter()
        .filter(|(_, g)| *g)
        .map(|(n, _)| *n)
        .collect();
        let dist_name = match (&self.dist, &self.input) {
            (None, Some(name)) if given.is_empty() && self.per.is_none() => {
                return Ok(Quantity::reference(name));
            }
            (None, Some(_)) => {
                return Err(DistError(
                    "`input:` names a shared input and takes nothing else: its distribution is \
                     declared once under `inputs:`"
                        .into(),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(DistError(
                    "give either `dist:` or `input:` (a shared input), not both".into(),
                ));
            }
            (None, None) => return Err(DistError("missing field `dist`".into())),
            (Some(d), None) => d.clone(),
        };
        let expect = |required: &[&str], optional: &[&str]| -> Result<(), DistError> {
            let missing: Vec<&str> = required
                .iter()
                .filter(|r| !given.contains(r))
                .copied()
                .collect();
            let extra: Vec<&str> = given
                .iter()
                .filter(|g| !required.contains(g) && !optional.contains(g))
                .copied()
                .collect();
            if missing.is_empty() && extra.is_empty() {
                return Ok(());
            }
            let mut all = required.join(", ");
            if !optional.is_empty() {
                all += &format!(" (optional: {})", optional.join(", "));
            }
            Err(DistError(format!("{dist_name} takes {all}; {}", {
                let mut parts = vec![];
                if !missing.is_empty() {
                    parts.push(format!("missing {}", missing.join(", ")));
                }
                if !extra.is_empty() {
                    parts.push(format!("not expected {}", extra.join(", ")));
                }
                parts.join("; ")
            })))
        };
        let v = |x: Option<f64>| x.unwrap_or(0.0);
        let dist = match dist_name.as_str() {
            "fixed" => return Err(DistError("write a fixed number as a plain number".into())),
            "normal" => {
                expect(&["mean", "sd"], &[])?;
                Dist::Normal {
                    mean: v(self.mean),
                    sd: v(self.sd),
                }
            }
            "lognormal" => {
                expect(&["mean", "sd"], &[])?;
                Dist::Lognormal {
                    mean: v(self.mean),
                    sd: v(self.sd),
                }
            }
            "uniform" => {
                expect(&["low", "high"], &[])?;
                Dist::Uniform {
                    low: v(self.low),
                    high: v(self.high),
                }
            }
            "triangular" => {
                expect(&["low", "mode", "high"], &[])?;
                Dist::Triangular {
                    low: v(self.low),
                    mode: v(self.mode),
                    high: v(self.high),
                }
            }
            "pert" => {
                expect(&["low", "mode", "high"], &[])?;
                Dist::Pert {
                    low: v(self.low),
                    mode: v(self.mode),
                    high: v(self.high),
                }
            }
            "beta" => {
                expect(&["alpha", "beta"], &["low", "high"])?;
                Dist::Beta {
                    alpha: v(self.alpha),
                    beta: v(self.beta),
                    low: self.low.unwrap_or(0.0),
                    high: self.high.unwrap_or(1.0),
                }
            }
            other => {
                return Err(DistError(format!(
                    "unknown distribution `{other}`; expected one of normal, lognormal, uniform, \
                     triangular, pert, beta"
                )));
            }
        };
        let per_year = match self.per.as_deref() {
            None | Some("run") => false,
            Some("year") => true,
            Some(other) => {
                return Err(DistError(format!(
                    "per: `{other}`; expected `run` or `year`"
                )));
            }
        };
        Quantity::new(dist, per_year)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a distribution such as {dist: normal, mean: 1, sd: 0.1}")
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<Quantity, E> {
                Quantity::new(Dist::Fixed { value: x }, false).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<Quantity, E> {
                self.visit_f64(x as f64)
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<Quantity, E> {
                self.visit_f64(x as f64)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Quantity, A::Error> {
                let spec = Spec::deserialize(de::value::MapAccessDeserializer::new(map))?;
                spec.into_quantity().map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::stream;

    fn quantity(dist: Dist) -> Quantity {
        Quantity::new(dist, false).expect("valid")
    }

    fn every_kind() -> Vec<Quantity> {
        vec![
            quantity(Dist::Normal { mean: 2.0, sd: 0.5 }),
            quantity(Dist::Lognormal {
                mean: 1000.0,
                sd: 300.0,
            }),
            quantity(Dist::Uniform {
                low: -1.0,
                high: 3.0,
            }),
            quantity(Dist::Triangular {
                low: 0.0,
                mode: 0.2,
                high: 1.0,
            }),
            quantity(Dist::Pert {
                low: 10.0,
                mode: 12.0,
                high: 20.0,
            }),
            quantity(Dist::Beta {
                alpha: 0.7,
                beta: 2.5,
                low: 5.0,
                high: 6.0,
            }),
        ]
    }

    /// The inverse CDF splits the sampler's own draws at the right shares: of 40,000 draws,
    /// the share below the p-quantile is p within 4.5 standard errors.
    #[test]
    fn quantiles_split_the_samplers_draws_at_their_probabilities() {
        const N: u64 = 40_000;
        for q in every_kind() {
            let draws: Vec<f64> = (0..N)
                .map(|r| q.sample(&mut stream(5, r, 11, None)))
                .collect();
            for i in 1..20 {
                let p = i as f64 / 20.0;
                let x = q.quantile(p);
                let below = draws.iter().filter(|d| **d <= x).count() as f64 / N as f64;
                let se = (p * (1.0 - p) / N as f64).sqrt();
                assert!(
                    (below - p).abs() < 4.5 * se,
                    "{:?}: {below} of the draws below the {p} quantile {x}",
                    q.dist
                );
            }
        }
    }

    #[test]
    fn quantiles_match_closed_forms() {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        let normal = quantity(Dist::Normal { mean: 2.0, sd: 0.5 });
        assert!(close(
            normal.quantile(0.975),
            2.0 + 0.5 * 1.959_963_984_540_054
        ));
        let uniform = quantity(Dist::Uniform {
            low: -1.0,
            high: 3.0,
        });
        assert!(close(uniform.quantile(0.25), 0.0));
        // Triangular(0, 0.2, 1): F(0.2) = 0.2, F(x) = x² / 0.2 below the mode.
        let tri = quantity(Dist::Triangular {
            low: 0.0,
            mode: 0.2,
            high: 1.0,
        });
        assert!(close(tri.quantile(0.2), 0.2));
        assert!(close(tri.quantile(0.05), (0.05_f64 * 0.2).sqrt()));
        assert!(close(tri.quantile(1.0), 1.0));
        // PERT(0, 0.5, 1) is Beta(3, 3): symmetric, median at the mode.
        let pert = quantity(Dist::Pert {
            low: 0.0,
            mode: 0.5,
            high: 1.0,
        });
        assert!(close(pert.quantile(0.5), 0.5));
        assert!(close(pert.quantile(0.1) + pert.quantile(0.9), 1.0));
        // Lognormal: the median is e^μ.
        let ln = quantity(Dist::Lognormal {
            mean: 1000.0,
            sd: 300.0,
        });
        let (mu, _) = lognormal_log_params(1000.0, 300.0);
        assert!(close(ln.quantile(0.5), mu.exp()));
        for q in every_kind() {
            let xs: Vec<f64> = (0..=200).map(|i| q.quantile(i as f64 / 200.0)).collect();
            assert!(
                xs.windows(2).all(|w| w[0] <= w[1]),
                "{:?} not monotone",
                q.dist
            );
            // A normal z maps to the quantile at Φ(z).
            for z in [-2.5, -0.3, 0.0, 1.1, 2.9] {
                let a = q.from_normal(z);
                let b = q.quantile(crate::sampling::special::normal_cdf(z));
                assert!(close(a, b), "{:?}: {a} vs {b} at z = {z}", q.dist);
            }
        }
    }

    #[test]
    fn quantiles_keep_the_bounds_of_the_number() {
        let q = quantity(Dist::Normal {
            mean: 0.1,
            sd: 0.03,
        })
        .bounded(Bounds::new(0.0, 0.5))
        .unwrap();
        assert_eq!(q.quantile(0.0), 0.0);
        assert_eq!(q.from_normal(-10.0), 0.0);
        assert_eq!(q.from_normal(100.0), 0.5);
        assert_eq!(quantity(Dist::Fixed { value: 3.0 }).quantile(0.7), 3.0);
    }
}
