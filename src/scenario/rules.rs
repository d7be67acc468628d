//! The `rules:` list of a scenario: which Rhai rule files run, in order, with their parameters.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::sampling::Quantity;

/// One rule file and its parameters.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleUse {
    /// Path of the `.rhai` file, relative to the scenario file.
    pub file: String,
    /// Parameters the rule reads as `s.params.<name>`.
    #[serde(default, deserialize_with = "params")]
    pub params: Vec<(String, Param)>,
    /// What the clause rests on, for the reader: a quote from the agreement's own document,
    /// or the word `assumption` with why. The summary prints it beside the clause's results
    /// (the go/no-go's criterion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// A rule parameter: a number or distribution (a batch value in the script, drawn per run like
/// any other input), a text, a list, or a map of named parameters.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Param {
    Number(Quantity),
    Text(String),
    List(Vec<Param>),
    Map(Vec<(String, Param)>),
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Param;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a distribution, a text, a list or a map")
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<Param, E> {
                Ok(Param::Number(Quantity::fixed(x)))
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<Param, E> {
                self.visit_f64(x as f64)
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<Param, E> {
                self.visit_f64(x as f64)
            }
            fn visit_bool<E: de::Error>(self, x: bool) -> Result<Param, E> {
                self.visit_f64(if x { 1.0 } else { 0.0 })
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Param, E> {
                Ok(Param::Text(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Param, A::Error> {
                let mut items = Vec::new();
                while let Some(p) = seq.next_element()? {
                    items.push(p);
                }
                Ok(Param::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Param, A::Error> {
                // A map with a `dist` key is a distribution; any other map names parameters.
                let mut entries: Vec<(String, serde_yaml::Value)> = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    entries.push((k, map.next_value()?));
                }
                let to_param =
                    |v: serde_yaml::Value| Param::deserialize(v).map_err(de::Error::custom);
                if let [(k, serde_yaml::Value::String(name))] = entries.as_slice()
                    && k == "input"
                {
                    return super::refs::resolve(Quantity::reference(name))
                        .map(|(q, _)| Param::Number(q))
                        .map_err(de::Error::custom);
                }
                if entries.iter().any(|(k, _)| k == "dist") {
                    let mapping: serde_yaml::Mapping = entries
                        .into_iter()
                        .map(|(k, v)| (serde_yaml::Value::String(k), v))
                        .collect();
                    return Quantity::deserialize(serde_yaml::Value::Mapping(mapping))
                        .map(Param::Number)
                        .map_err(de::Error::custom);
                }
                entries
                    .into_iter()
                    .map(|(k, v)| Ok((k, to_param(v)?)))
                    .collect::<Result<_, _>>()
                    .map(Param::Map)
            }
        }
        d.deserialize_any(V)
    }
}

/// Deserialises `params:` as an ordered map.
pub(super) fn params<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Param)>, D::Error> {
    match Param::deserialize(d)? {
        Param::Map(m) => Ok(m),
        _ => Err(de::Error::custom(
            "params must be a map from names to values",
        )),
    }
}
