//! Cohorts by single year of age: survival, ageing, births and net migration.

use crate::scenario::{AGES, AgeRange, MAX_AGE};

/// Death probability by single age: a Gompertz curve `q(x) = A·e^(B·x)` through two anchor
/// points, improved by a yearly factor. CBS's projected probabilities at 40, 60 and 80 lie on
/// such a curve within a few per cent, which is why two points suffice.
#[derive(Debug, Clone)]
pub struct Mortality {
    base: [f64; AGES],
    /// Product of `(1 - improvement)` over the years since the anchors' year.
    factor: f64,
}

impl Mortality {
    /// The curve through `(young_age, young_q)` and `(old_age, old_q)`, as of the anchors' year.
    pub fn gompertz(young_age: u32, young_q: f64, old_age: u32, old_q: f64) -> Mortality {
        let span = f64::from(old_age - young_age);
        let b = (old_q.max(1e-12) / young_q.max(1e-12)).ln() / span;
        let mut base = [0.0; AGES];
        for (x, q) in base.iter_mut().enumerate() {
            *q = (young_q * (b * (x as f64 - f64::from(young_age))).exp()).min(1.0);
        }
        Mortality { base, factor: 1.0 }
    }

    /// Applies `years` of improvement at `rate` (0.02 = every probability 2 % lower a year).
    pub fn improve(&mut self, rate: f64, years: i32) {
        self.factor *= (1.0 - rate).powi(years);
    }

    /// Death probability within the year at `age`.
    #[inline]
    pub fn q(&self, age: usize) -> f64 {
        (self.base[age] * self.factor).min(1.0)
    }
}

/// People by single year of age, 0 to [`MAX_AGE`] (open-ended).
#[derive(Debug, Clone)]
pub struct Cohorts {
    pub people: [f64; AGES],
}

impl Cohorts {
    /// Spreads band counts over single ages: evenly within closed bands; within the open band
    /// in proportion to survival from its first age, so that "80+" holds few centenarians.
    pub fn from_bands(bands: &[(AgeRange, f64)], mortality: &Mortality) -> Cohorts {
        let mut people = [0.0; AGES];
        for (range, count) in bands {
            if range.to.is_some() {
                let per_age = count / range.width() as f64;
                for a in range.ages() {
                    people[a] = per_age;
                }
            } else {
                let mut survival = Vec::with_capacity(range.width());
                let mut l = 1.0;
                for a in range.ages() {
                    survival.push(l);
                    l *= 1.0 - mortality.q(a);
                }
                let total: f64 = survival.iter().sum();
                for (a, s) in range.ages().zip(&survival) {
                    people[a] = count * s / total;
                }
            }
        }
        Cohorts { people }
    }

    pub fn total(&self) -> f64 {
        self.people.iter().sum()
    }

    /// One year on (1 January to 1 January): deaths at this year's probabilities, everyone a
    /// year older (the oldest stay in the open age), `births` at age 0, then net migration by
    /// band spread evenly over its ages. Emigration cannot take an age below zero people.
    pub fn step(&mut self, mortality: &Mortality, births: f64, migration: &[(AgeRange, f64)]) {
        let oldest = self.people[MAX_AGE] * (1.0 - mortality.q(MAX_AGE));
        for a in (1..=MAX_AGE).rev() {
            self.people[a] = self.people[a - 1] * (1.0 - mortality.q(a - 1));
        }
        self.people[MAX_AGE] += oldest;
        self.people[0] = births;
        for (range, net) in migration {
            let per_age = net / range.width() as f64;
            for a in range.ages() {
                self.people[a] = (self.people[a] + per_age).max(0.0);
            }
        }
    }
}
