//! Ids and references between parts of a scenario (a domain's financier, an effect's domain).
//!
//! References are checked while the YAML is read, so that an unknown id is reported at its own
//! line: the scenario is read twice, first to learn the ids, then with those ids in a
//! thread-local [`Known`] set to check every reference and every id for duplicates.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::ranges::{MAX_EMIGRATION_SHARE, MAX_YEARS, MAX_YEARS_BEFORE, START_YEARS};
use super::{AgeRange, MAX_AGE, Role};

/// What the first reading learnt: the ids a reference may name.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// The start year years are ranged against.
    pub start_year: i32,
    /// The lowest number of people each population band may hold (the low end of its span).
    pub population: Vec<(AgeRange, f64)>,
    pub domains: Vec<String>,
    pub partners: Vec<(String, Role)>,
    pub interventions: Vec<String>,
    /// The shared inputs (`inputs:`) by name.
    pub inputs: Vec<(String, crate::sampling::Quantity)>,
    pub seen: HashSet<(&'static str, String)>,
}

thread_local! {
    static KNOWN: RefCell<Option<Known>> = const { RefCell::new(None) };
    /// How a failed check is treated while reading, and how many have failed so far.
    static SOFT: Cell<(Soft, usize)> = const { Cell::new((Soft::Stop, 0)) };
}

/// How a value check (a range, a reference, an id) that fails is treated while reading.
///
/// Why: serde stops at the first error, and `kloof check` promises every error at once (issue
/// 8, item 6). Reading once with `Collect` counts the failed checks without stopping; reading
/// again with `StopAt(k)` for each `k` stops at the k-th, which then carries its own key,
/// line and column. A structural error (a missing key, a wrong type) still stops every reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Soft {
    /// Stop at the first failed check: how scenarios are read for a run.
    Stop,
    /// Count failed checks and read on.
    Collect,
    /// Stop at the k-th failed check (1-based), reading past the ones before.
    StopAt(usize),
}

/// Runs `f` with failed checks treated as `mode`; returns its result and how many failed.
pub(super) fn with_soft<T>(mode: Soft, f: impl FnOnce() -> T) -> (T, usize) {
    SOFT.with(|s| s.set((mode, 0)));
    let out = f();
    let failed = SOFT.with(|s| s.replace((Soft::Stop, 0)).1);
    (out, failed)
}

/// The verdict of one value check, as the reading mode wants it: the error, or (collecting,
/// or before the check to stop at) nothing, the value read as if it were right.
pub(super) fn soft<E: de::Error>(verdict: Result<(), String>) -> Result<(), E> {
    let Err(message) = verdict else {
        return Ok(());
    };
    SOFT.with(|s| {
        let (mode, failed) = s.get();
        s.set((mode, failed + 1));
        match mode {
            Soft::Stop => Err(E::custom(message)),
            Soft::Collect => Ok(()),
            Soft::StopAt(k) if k == failed + 1 => Err(E::custom(message)),
            Soft::StopAt(_) => Ok(()),
        }
    })
}

/// Runs `f` with `known` as the ids references are checked against.
pub(super) fn with_known<T>(known: Known, f: impl FnOnce() -> T) -> T {
    KNOWN.with(|k| *k.borrow_mut() = Some(known));
    let out = f();
    KNOWN.with(|k| *k.borrow_mut() = None);
    out
}

fn check_id(kind: &'static str, id: &str) -> Result<(), String> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(format!(
            "{kind} id `{id}`: use lowercase letters, digits, `_` and `-` (it becomes part of metric names)"
        ));
    }
    let fresh = KNOWN.with(|k| {
        k.borrow_mut()
            .as_mut()
            .is_none_or(|known| known.seen.insert((kind, id.to_string())))
    });
    if fresh {
        Ok(())
    } else {
        Err(format!("{kind} id `{id}` is used twice"))
    }
}

/// A partner id is a ledger account: it may not be one kloof keeps for itself, or money
/// meant for outside the network would be booked to the partner.
fn check_partner_id(id: &str) -> Result<(), String> {
    use crate::ledger::{INTERVENTIONS, OUTSIDE};
    if [OUTSIDE, INTERVENTIONS].contains(&id) {
        return Err(format!(
            "partner id `{id}` is reserved: the ledger uses `{OUTSIDE}` for money from or to \
             outside the network and `{INTERVENTIONS}` for intervention spending; choose another id"
        ));
    }
    check_id("partner", id)
}

fn check_ref(kind: &str, id: &str, pick: impl Fn(&Known) -> Vec<String>) -> Result<(), String> {
    KNOWN.with(|k| match k.borrow().as_ref() {
        Some(known) => {
            let ids = pick(known);
            if ids.iter().any(|x| x == id) {
                Ok(())
            } else {
                Err(format!("unknown {kind} `{id}`; known: {}", ids.join(", ")))
            }
        }
        None => Ok(()),
    })
}

macro_rules! string_type {
    ($(#[$doc:meta])* $name:ident, |$s:ident| $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let $s = String::deserialize(d)?;
                soft($check)?;
                Ok($name($s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

string_type!(
    /// The id of a domain, unique in the scenario.
    DomainId, |s| check_id("domain", &s)
);
string_type!(
    /// The id of a partner, unique in the scenario.
    PartnerId, |s| check_partner_id(&s)
);
string_type!(
    /// The id of an intervention, unique in the scenario.
    InterventionId, |s| check_id("intervention", &s)
);
string_type!(
    /// The name of a shared input, unique in the scenario.
    InputName, |s| check_id("input", &s)
);
string_type!(
    /// A shared input named in `correlations:`: declared, uncertain and drawn once per run.
    CorrelatedInput, |s| check_correlated(&s)
);

fn check_correlated(name: &str) -> Result<(), String> {
    KNOWN.with(|k| {
        let k = k.borrow();
        let Some(known) = k.as_ref() else {
            return Ok(());
        };
        match known.inputs.iter().find(|(n, _)| n == name) {
            None => Err(unknown_input(
                &known.inputs,
                name,
                "only shared inputs can be correlated, and the scenario declares none under \
                 `inputs:`",
            )),
            Some((_, q)) if q.fixed_value().is_some() => Err(format!(
                "shared input `{name}` is a fixed number; only uncertain inputs (a \
                 distribution) can be correlated"
            )),
            Some((_, q)) if q.per_year => Err(format!(
                "shared input `{name}` is drawn every year (`per: year`); only inputs drawn \
                 once per run can be correlated"
            )),
            Some(_) => Ok(()),
        }
    })
}

string_type!(
    /// A reference to a domain.
    DomainRef, |s| check_ref("domain", &s, |k| k.domains.clone())
);
string_type!(
    /// A reference to a partner.
    PartnerRef, |s| check_ref("partner", &s, |k| k.partners.iter().map(|p| p.0.clone()).collect())
);
string_type!(
    /// A reference to a partner whose role is `financier`.
    FinancierRef,
    |s| check_ref("financier (a partner with role financier)", &s, |k| k
        .partners
        .iter()
        .filter(|p| p.1 == Role::Financier)
        .map(|p| p.0.clone())
        .collect())
);
string_type!(
    /// A reference to a partner whose role is `provider`.
    ProviderRef,
    |s| check_ref("provider (a partner with role provider)", &s, providers)
);
string_type!(
    /// Who delivers an intervention: a provider of the network, or `outside` (the money leaves
    /// the network).
    DelivererRef,
    |s| if s == crate::ledger::OUTSIDE {
        Ok(())
    } else {
        check_ref("provider (a partner with role provider) or `outside`", &s, providers)
    }
);

fn providers(k: &Known) -> Vec<String> {
    k.partners
        .iter()
        .filter(|p| p.1 == Role::Provider)
        .map(|p| p.0.clone())
        .collect()
}

string_type!(
    /// A reference to an intervention.
    InterventionRef, |s| check_ref("intervention", &s, |k| k.interventions.clone())
);

/// A YAML map whose keys are references, kept in the order written.
#[derive(Debug, Clone, Serialize)]
pub struct Keyed<K, V>(pub Vec<(K, V)>);

impl<'de, K: Deserialize<'de> + PartialEq + fmt::Display, V: Deserialize<'de>> Deserialize<'de>
    for Keyed<K, V>
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de> + PartialEq + fmt::Display, V: Deserialize<'de>> Visitor<'de>
            for Vis<K, V>
        {
            type Value = Keyed<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from ids to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Keyed<K, V>, A::Error> {
                let mut rows: Vec<(K, V)> = Vec::new();
                while let Some(k) = m.next_key::<K>()? {
                    if rows.iter().any(|(x, _)| *x == k) {
                        return Err(de::Error::custom(format!("`{k}` is listed twice")));
                    }
                    rows.push((k, m.next_value()?));
                }
                Ok(Keyed(rows))
            }
        }
        d.deserialize_map(Vis(std::marker::PhantomData))
    }
}

fn shares<'de, D: Deserializer<'de>, K>(d: D) -> Result<(Keyed<K, f64>, f64), D::Error>
where
    K: Deserialize<'de> + PartialEq + fmt::Display,
{
    let k = Keyed::<K, f64>::deserialize(d)?;
    // Soft, as references are: `kloof check` reads on to find the next error (an unknown
    // partner in the same file was dropped behind a share out of range).
    if let Some((key, v)) = k.0.iter().find(|(_, v)| !(0.0..=1.0).contains(v)) {
        soft(Err(format!(
            "the share of `{key}` is {v}; shares lie between 0 and 1"
        )))?;
    }
    let sum = k.0.iter().map(|(_, v)| v).sum();
    Ok((k, sum))
}

pub(super) fn shares_summing_to_one<'de, D, K>(d: D) -> Result<Keyed<K, f64>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + PartialEq + fmt::Display,
{
    let (k, sum) = shares(d)?;
    if (sum - 1.0).abs() > 1e-9 {
        soft(Err(format!("the shares sum to {sum}; they must sum to 1")))?;
    }
    Ok(k)
}

/// [`shares_summing_to_one`] for a map that may be left out.
pub(super) fn optional_shares_summing_to_one<'de, D, K>(
    d: D,
) -> Result<Option<Keyed<K, f64>>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + PartialEq + fmt::Display,
{
    shares_summing_to_one(d).map(Some)
}

pub(super) fn shares_at_most_one<'de, D, K>(d: D) -> Result<Keyed<K, f64>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + PartialEq + fmt::Display,
{
    let (k, sum) = shares(d)?;
    if sum > 1.0 + 1e-9 {
        soft(Err(format!(
            "the shares sum to {sum}; at most 1 can be allocated"
        )))?;
    }
    Ok(k)
}

/// Reads a year and checks it with `check` against the start year, once the first reading
/// has found it (before, there is nothing to check against).
fn year_checked<'de, D: Deserializer<'de>>(
    d: D,
    check: impl Fn(i32, i32) -> Result<(), String>,
) -> Result<i32, D::Error> {
    let year = i32::deserialize(d)?;
    soft(KNOWN.with(|k| match k.borrow().as_ref() {
        Some(known) => check(year, known.start_year),
        None => Ok(()),
    }))?;
    Ok(year)
}

pub(super) fn start_year<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let year = i32::deserialize(d)?;
    if !START_YEARS.contains(&year) {
        return Err(de::Error::custom(format!(
            "start year {year}: use a year from {} to {}",
            START_YEARS.start(),
            START_YEARS.end()
        )));
    }
    Ok(year)
}

/// The mortality anchors' year: improvement is applied from it, so a year far off multiplies
/// (or divides) every death probability by a large power.
pub(super) fn mortality_year<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    year_checked(d, |year, start| {
        let (from, to) = (start - MAX_YEARS_BEFORE, start + MAX_YEARS_BEFORE);
        if (from..=to).contains(&year) {
            Ok(())
        } else {
            Err(format!(
                "mortality year {year}: use a year from {from} to {to}, within \
                 {MAX_YEARS_BEFORE} years of the start year {start} (improvement is applied \
                 from it, so every death probability changes by a power of the years between)"
            ))
        }
    })
}

/// A year an intervention or the transition budget names.
pub(super) fn scenario_year<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    year_checked(d, |year, start| {
        let (from, to) = (start - MAX_YEARS_BEFORE, start + MAX_YEARS);
        if (from..=to).contains(&year) {
            Ok(())
        } else {
            Err(format!(
                "year {year}: use a year from {from} to {to} ({MAX_YEARS_BEFORE} years before \
                 to {MAX_YEARS} after the start year {start})"
            ))
        }
    })
}

pub(super) fn ramp_up_years<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let years = u32::deserialize(d)?;
    if years > MAX_YEARS as u32 {
        return Err(de::Error::custom(format!(
            "{years} years: at most {MAX_YEARS}, the longest horizon"
        )));
    }
    Ok(years)
}

pub(super) fn age<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let age = u32::deserialize(d)?;
    if age as usize > MAX_AGE {
        return Err(de::Error::custom(format!(
            "age {age}: at most {MAX_AGE}, the oldest tracked age"
        )));
    }
    Ok(age)
}

/// Checks a band's net migration against the people of its ages in the start year: net
/// emigration of more than [`MAX_EMIGRATION_SHARE`] of them a year empties the band within a
/// few years. The people are estimated from the population bands' lowest values, spread
/// evenly over their ages; the emigration is the low end of the migration's span.
pub(super) fn check_emigration(band: &AgeRange, lowest_net: f64) -> Result<(), String> {
    if lowest_net >= 0.0 {
        return Ok(());
    }
    KNOWN.with(|k| {
        let Some(known) = k.borrow().as_ref().map(|k| k.population.clone()) else {
            return Ok(());
        };
        let people: f64 = known
            .iter()
            .map(|(r, n)| {
                let overlap = r.ages().filter(|a| band.contains(*a)).count();
                n * overlap as f64 / r.width() as f64
            })
            .sum();
        if -lowest_net > MAX_EMIGRATION_SHARE * people {
            Err(format!(
                "net emigration of up to {} people a year is more than {} % of the about {} \
                 people aged {band} in the start year",
                -lowest_net,
                MAX_EMIGRATION_SHARE * 100.0,
                people.round()
            ))
        } else {
            Ok(())
        }
    })
}

pub(super) fn scenario_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    check_scenario_name(&name).map_err(de::Error::custom)?;
    Ok(name)
}

/// A scenario's (or a shock's) name names a folder: 1 to 64 lowercase letters, digits, `_`
/// and `-`, starting with a letter or digit.
pub fn check_scenario_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "name `{}`: use 1 to 64 lowercase letters, digits, `_` and `-`, starting with a \
             letter or digit (it names the folder reports/<name>/)",
            name.escape_debug()
        ))
    }
}

/// The error for a shared input `name` that is not among `inputs`: it lists those declared,
/// or says `none` when there are none.
fn unknown_input(inputs: &[(String, crate::sampling::Quantity)], name: &str, none: &str) -> String {
    if inputs.is_empty() {
        return format!("unknown shared input `{name}`: {none}");
    }
    let declared: Vec<&str> = inputs.iter().map(|(n, _)| n.as_str()).collect();
    format!(
        "unknown shared input `{name}`; declared under `inputs:`: {}",
        declared.join(", ")
    )
}

/// A number that names a shared input (`{input: name}`) as that input's quantity, marked with
/// its name; any other number as it is. Returns whether it could be checked: on the first
/// reading the shared inputs are not known yet.
pub(super) fn resolve(
    q: crate::sampling::Quantity,
) -> Result<(crate::sampling::Quantity, bool), String> {
    let Some(name) = q.shared.clone() else {
        return Ok((q, true));
    };
    KNOWN.with(|k| match k.borrow().as_ref() {
        None => Ok((q, false)),
        Some(known) => match known.inputs.iter().find(|(n, _)| *n == name) {
            Some((_, shared)) => {
                let mut q = shared.clone();
                q.shared = Some(name);
                Ok((q, true))
            }
            None => Err(unknown_input(
                &known.inputs,
                &name,
                "the scenario declares none under `inputs:`",
            )),
        },
    })
}
