//! Ids and references between parts of a scenario (a domain's financier, an effect's domain).
//!
//! References are checked while the YAML is read, so that an unknown id is reported at its own
//! line: the scenario is read twice, first to learn the ids, then with those ids in a
//! thread-local [`Known`] set to check every reference and every id for duplicates.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::Role;

/// What the first reading learnt: the ids a reference may name.
#[derive(Debug, Default)]
pub(super) struct Known {
    pub domains: Vec<String>,
    pub partners: Vec<(String, Role)>,
    pub interventions: Vec<String>,
    pub seen: HashSet<(&'static str, String)>,
}

thread_local! {
    static KNOWN: RefCell<Option<Known>> = const { RefCell::new(None) };
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
                $check.map_err(de::Error::custom)?;
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
    if let Some((key, v)) = k.0.iter().find(|(_, v)| !(0.0..=1.0).contains(v)) {
        return Err(de::Error::custom(format!(
            "the share of `{key}` is {v}; shares lie between 0 and 1"
        )));
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
        return Err(de::Error::custom(format!(
            "the shares sum to {sum}; they must sum to 1"
        )));
    }
    Ok(k)
}

pub(super) fn shares_at_most_one<'de, D, K>(d: D) -> Result<Keyed<K, f64>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + PartialEq + fmt::Display,
{
    let (k, sum) = shares(d)?;
    if sum > 1.0 + 1e-9 {
        return Err(de::Error::custom(format!(
            "the shares sum to {sum}; at most 1 can be allocated"
        )));
    }
    Ok(k)
}
