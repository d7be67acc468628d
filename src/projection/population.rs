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
    /// Spreads band counts over single ages. Within the open band (`80+`) in proportion to
    /// survival from its first age, so that it holds few centenarians. Within a closed band
    /// along a straight line whose slope follows the neighbouring bands' densities per age:
    /// the line passes through the band's mean density at its centre, so the band's total is
    /// kept exactly, and its slope is capped so no age goes below zero. Spreading evenly instead
    /// puts as many people at 79 as at 75 and sends too many into 80+ in the first years.
    pub fn from_bands(bands: &[(AgeRange, f64)], mortality: &Mortality) -> Cohorts {
        let mut people = [0.0; AGES];
        let centre = |r: &AgeRange| r.from as f64 + (r.width() as f64 - 1.0) / 2.0;
        // Density per single age where it is known: closed bands at their centre; the open
        // band at its first age.
        let mut open_first = None;
        for (range, count) in bands {
            if range.to.is_none() {
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
                open_first = Some((range.from as f64, people[range.from as usize]));
            }
        }
        let points: Vec<(f64, f64)> = bands
            .iter()
            .filter(|(r, _)| r.to.is_some())
            .map(|(r, c)| (centre(r), c / r.width() as f64))
            .chain(open_first)
            .collect();
        for (range, count) in bands.iter().filter(|(r, _)| r.to.is_some()) {
            let (c, d) = (centre(range), count / range.width() as f64);
            let before = points
                .iter()
                .filter(|p| p.0 < c)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let after = points
                .iter()
                .filter(|p| p.0 > c)
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let slope = match (before, after) {
                (Some(l), Some(r)) => (r.1 - l.1) / (r.0 - l.0),
                (Some(l), None) => (d - l.1) / (c - l.0),
                (None, Some(r)) => (r.1 - d) / (r.0 - c),
                (None, None) => 0.0,
            };
            let half = (range.width() as f64 - 1.0) / 2.0;
            let slope = if half > 0.0 {
                slope.clamp(-d / half, d / half)
            } else {
                0.0
            };
            for a in range.ages() {
                people[a] = d + slope * (a as f64 - c);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> AgeRange {
        s.parse().expect("valid range")
    }

    #[test]
    fn spreading_keeps_every_band_total_and_follows_the_neighbours() {
        let m = Mortality::gompertz(60, 0.005, 80, 0.04);
        let bands = [
            (range("0-69"), 700.0),
            (range("70-74"), 100.0),
            (range("75-79"), 60.0),
            (range("80+"), 50.0),
        ];
        let c = Cohorts::from_bands(&bands, &m);
        for (r, count) in &bands {
            let sum: f64 = c.people[r.ages()].iter().sum();
            assert!((sum - count).abs() < 1e-9, "{r}: {sum}");
        }
        // 75-79 lies between a denser 70-74 and a sparser 80+: fewer people at 79 than at 75.
        assert!(c.people[79] < c.people[75]);
        assert!(c.people.iter().all(|p| *p >= 0.0));
        // Equal densities on both sides (no deaths, 10 per age everywhere) give an even spread,
        // as the hand-calculated test region assumes.
        let flat = Mortality::gompertz(60, 0.0, 80, 0.0);
        let even = Cohorts::from_bands(&[(range("0-64"), 650.0), (range("65+"), 360.0)], &flat);
        assert!(even.people.iter().all(|p| (p - 10.0).abs() < 1e-12));
    }
}
