//! Age ranges ("0-19", "80+", "65") and tables keyed by them.
//!
//! The projection tracks single years of age from 0 to [`MAX_AGE`] (open-ended), so a
//! scenario may give its inputs in whatever bands its sources use — 5-year bands for the
//! population, broad bands for care use — and each table is mapped onto single ages.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The oldest single age tracked; everyone older is counted at this age.
pub const MAX_AGE: usize = 100;
/// Number of single-age classes, 0..=MAX_AGE.
pub const AGES: usize = MAX_AGE + 1;

/// An inclusive range of ages; `to = None` means open-ended ("80+").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgeRange {
    pub from: u32,
    pub to: Option<u32>,
}

impl AgeRange {
    /// The last single age of the range, capped at [`MAX_AGE`].
    pub fn last(&self) -> usize {
        self.to.map_or(MAX_AGE, |t| (t as usize).min(MAX_AGE))
    }

    /// The single ages the range covers (empty when it starts above [`MAX_AGE`]).
    pub fn ages(&self) -> std::ops::RangeInclusive<usize> {
        (self.from as usize)..=self.last()
    }

    pub fn contains(&self, age: usize) -> bool {
        age >= self.from as usize && self.to.is_none_or(|t| age <= t as usize)
    }

    /// Width in single ages as the projection sees it.
    pub fn width(&self) -> usize {
        self.last() + 1 - self.from as usize
    }
}

impl std::str::FromStr for AgeRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let num = |x: &str| {
            x.trim().parse::<u32>().map_err(|_| {
                format!("age range `{s}`: expected forms like \"0-19\", \"80+\" or \"65\"")
            })
        };
        let r = if let Some(a) = t.strip_suffix('+') {
            AgeRange {
                from: num(a)?,
                to: None,
            }
        } else if let Some((a, b)) = t.split_once('-') {
            AgeRange {
                from: num(a)?,
                to: Some(num(b)?),
            }
        } else {
            let a = num(t)?;
            AgeRange {
                from: a,
                to: Some(a),
            }
        };
        if r.to.is_some_and(|to| to < r.from) {
            return Err(format!("age range `{s}` ends before it starts"));
        }
        if r.from as usize > MAX_AGE {
            return Err(format!(
                "age range `{s}` starts above the oldest tracked age {MAX_AGE}"
            ));
        }
        Ok(r)
    }
}

impl fmt::Display for AgeRange {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.to {
            None => write!(f, "{}+", self.from),
            Some(t) if t == self.from => write!(f, "{t}"),
            Some(t) => write!(f, "{}-{t}", self.from),
        }
    }
}

impl<'de> Deserialize<'de> for AgeRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

impl Serialize for AgeRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A table by age band that covers every age exactly once: bands in ascending order, each
/// starting where the previous ended, the first at 0 and the last open-ended ("80+").
#[derive(Debug, Clone, Serialize)]
pub struct AgeTable<T>(pub Vec<(AgeRange, T)>);

impl<T> AgeTable<T> {
    /// The band each single age falls in, as an index into the table.
    pub fn band_of_age(&self) -> [usize; AGES] {
        let mut out = [0; AGES];
        for (i, (r, _)) in self.0.iter().enumerate() {
            for a in r.ages() {
                out[a] = i;
            }
        }
        out
    }
}

fn check_tiling(bands: &[AgeRange]) -> Result<(), String> {
    let mut next = 0u32;
    for (i, r) in bands.iter().enumerate() {
        if r.from != next {
            return Err(format!(
                "age bands must run from 0 upwards without gaps or overlaps: `{r}` follows a band \
                 ending at {}",
                next as i64 - 1
            ));
        }
        match r.to {
            Some(t) => next = t + 1,
            None if i + 1 == bands.len() => return Ok(()),
            None => return Err(format!("the open band `{r}` must be the last")),
        }
    }
    Err("the last age band must be open-ended, like \"80+\"".into())
}

/// A value in an [`AgeTable`], which may be checked against the band it is given for.
pub trait BandValue: Sized {
    /// Whether the value makes sense for the ages of `band`; the message says why not.
    fn check_band(&self, _band: &AgeRange) -> Result<(), String> {
        Ok(())
    }
}

/// Reads one table value and checks it against its band, so that the error carries the value's
/// own line and key.
struct InBand<T> {
    band: AgeRange,
    value: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de> + BandValue> de::DeserializeSeed<'de> for InBand<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        let v = T::deserialize(d)?;
        v.check_band(&self.band).map_err(de::Error::custom)?;
        Ok(v)
    }
}

impl<'de, T: Deserialize<'de> + BandValue> Deserialize<'de> for AgeTable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + BandValue> Visitor<'de> for V<T> {
            type Value = AgeTable<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from age bands (\"0-19\", ..., \"80+\") to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<AgeTable<T>, A::Error> {
                let mut rows = Vec::new();
                while let Some(k) = m.next_key::<AgeRange>()? {
                    let value = m.next_value_seed(InBand {
                        band: k,
                        value: std::marker::PhantomData,
                    })?;
                    rows.push((k, value));
                }
                let bands: Vec<AgeRange> = rows.iter().map(|(r, _)| *r).collect();
                check_tiling(&bands).map_err(de::Error::custom)?;
                Ok(AgeTable(rows))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}
