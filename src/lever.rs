//! Levers: what a board may change on `kloof serve`'s what-if page, and how a setting of
//! them becomes an overlay (see [`crate::overlay`]): the page's figures are those of a plain
//! `kloof run` of that overlay, and the page saves it as a file for the analyst.
//!
//! Every scenario has some levers of its own kind: each partner's taking part
//! (`not_taking_part`), the sharing key of its shared-savings rules (the residents' and the
//! providers' shares), its go/no-go (decide at the milestones, or go on after one of them)
//! and, when it values care gained, one λ for every domain. The scenario's `levers:` add any
//! number by its path (wage growth, a share of the transition budget), with a label per
//! language, a range and a step.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_yaml::{Mapping, Value};

use crate::scenario::{LeverSpec, LeverUnit, Role, Scenario, ScenarioError};

/// One lever as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Lever {
    /// What the page's settings name it by: the path it sets, `take_part.<partner>`,
    /// `go_no_go` or `wtp`.
    pub id: String,
    /// What it is, in the page's language.
    pub label: String,
    /// A heading it is grouped under on the page.
    pub group: Group,
    #[serde(flatten)]
    pub control: Control,
}

/// Where a lever sits on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The scenario's own levers and the value of care.
    Inputs,
    /// The agreement: sharing key, go/no-go.
    Agreement,
    /// Which partners take part.
    Partners,
}

/// The kind of control and its range.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "control", rename_all = "snake_case")]
pub enum Control {
    /// A number from `min` to `max` by `step`; `base` is the scenario's own value, `None`
    /// when it is not one number (λ drawn per domain).
    Number {
        min: f64,
        max: f64,
        step: f64,
        base: Option<f64>,
        unit: LeverUnit,
    },
    /// On or off; on in the scenario.
    Toggle,
    /// One of `options` (id and label); the first is the scenario's own.
    Choice { options: Vec<(String, String)> },
}

/// A setting of one lever, as the page sends it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
#[serde(untagged)]
pub enum Setting {
    Number(f64),
    Toggle(bool),
    Choice(String),
}

/// The levers moved away from the scenario, by id; a lever not named stays as the scenario
/// has it.
pub type Settings = BTreeMap<String, Setting>;

/// What the levers of a scenario are, with what each changes.
#[derive(Debug, Clone)]
pub struct Levers {
    pub levers: Vec<Lever>,
    /// The scenario as a YAML tree: a share lever reads its siblings from it.
    tree: Value,
    /// The milestones of the go/no-go, when the scenario has one.
    milestones: Vec<i64>,
    /// The domains valued (`valuation.wtp_per_fte_year`), for λ.
    valued: Vec<String>,
    /// The levers that are one share of a map of shares.
    shares: Vec<String>,
}

/// The go/no-go's choices.
const DECIDE: &str = "decide";
const GO_ON: &str = "go_on";
const AFTER: &str = "after_";

/// λ's range on the page, EUR per FTE-year: from nothing to above the dearest hospital
/// FTE-year in the shipped scenarios (EUR 149,800).
const WTP: (f64, f64, f64) = (0.0, 200_000.0, 5_000.0);

impl Levers {
    /// The levers of scenario `s`, read from `text` (at `file`), labelled in `lang`. A lever
    /// of the scenario's `levers:` whose path names no number is an error at its line.
    pub fn of(s: &Scenario, text: &str, file: &str, lang: &str) -> Result<Levers, ScenarioError> {
        let tree: Value = serde_yaml::from_str(text).map_err(|e| ScenarioError {
            file: file.into(),
            line: e.location().map(|l| l.line()),
            column: None,
            key: String::new(),
            message: e.to_string(),
        })?;
        let pick = |nl: &str, en: &str| if lang == "en" { en } else { nl }.to_string();
        let mut levers = Vec::new();
        for spec in &s.levers {
            levers.push(own(&tree, spec, lang).map_err(|message| ScenarioError {
                file: file.into(),
                line: crate::overlay::line_of(text, "levers"),
                column: None,
                key: "levers".into(),
                message: format!("lever `{}`: {message}", spec.path),
            })?);
        }
        let valued: Vec<String> = s.valuation.as_ref().map_or_else(Vec::new, |v| {
            v.wtp_per_fte_year
                .0
                .iter()
                .map(|(d, _)| d.to_string())
                .collect()
        });
        if !valued.is_empty() {
            levers.push(Lever {
                id: "wtp".into(),
                label: pick(
                    "Waarde van een fte-jaar gewonnen zorg (euro), in elk domein",
                    "Value of an FTE-year of care gained (EUR), in every domain",
                ),
                group: Group::Inputs,
                control: Control::Number {
                    min: WTP.0,
                    max: WTP.1,
                    step: WTP.2,
                    base: None,
                    unit: LeverUnit::Eur,
                },
            });
        }
        let stems = rule_paths(s);
        for (path, stem) in &stems {
            if stem != "shared_savings" {
                continue;
            }
            for (param, nl, en) in [
                (
                    "residents",
                    "Aandeel van de besparing voor inwoners",
                    "Share of the saving for residents",
                ),
                (
                    "providers",
                    "Aandeel van de besparing voor aanbieders",
                    "Share of the saving for providers",
                ),
            ] {
                let id = format!("{path}.params.{param}");
                if let Ok(v) = number_at(&tree, &id) {
                    levers.push(Lever {
                        id,
                        label: pick(nl, en),
                        group: Group::Agreement,
                        control: Control::Number {
                            min: 0.0,
                            max: 1.0,
                            step: 0.05,
                            base: Some(v),
                            unit: LeverUnit::Share,
                        },
                    });
                }
            }
        }
        let mut milestones = Vec::new();
        if stems.iter().any(|(p, _)| p == "rules.go_no_go") {
            milestones = value_at(&tree, "rules.go_no_go.params.years")
                .ok()
                .and_then(|v| v.as_sequence().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_i64)
                .collect();
            let mut options = vec![(
                DECIDE.to_string(),
                pick("Beslissen bij elke mijlpaal", "Decide at every milestone"),
            )];
            for y in milestones.iter().take(milestones.len().saturating_sub(1)) {
                options.push((
                    format!("{AFTER}{y}"),
                    format!(
                        "{} {y}",
                        pick(
                            "Doorgaan na de mijlpaal van",
                            "Go on after the milestone of"
                        )
                    ),
                ));
            }
            options.push((
                GO_ON.to_string(),
                pick(
                    "Altijd doorgaan (geen go/no-go)",
                    "Always go on (no go/no-go)",
                ),
            ));
            levers.push(Lever {
                id: "go_no_go".into(),
                label: pick("Go/no-go", "Go/no-go"),
                group: Group::Agreement,
                control: Control::Choice { options },
            });
        }
        for p in &s.partners {
            let name = p
                .display
                .as_ref()
                .and_then(|d| d.get(lang))
                .unwrap_or(&p.name);
            let role = if p.role == Role::Financier {
                "financier"
            } else {
                "partner"
            };
            levers.push(Lever {
                id: format!("take_part.{}", p.id),
                label: format!("{} ({role})", crate::report::one_line(name)),
                group: Group::Partners,
                control: Control::Toggle,
            });
        }
        Ok(Levers {
            levers,
            tree,
            milestones,
            valued,
            shares: s
                .levers
                .iter()
                .filter(|l| l.shares)
                .map(|l| l.path.clone())
                .collect(),
        })
    }

    /// The overlay that `settings` make of the scenario at `base` (the file name its `base:`
    /// gives, relative to where the overlay is saved), named `name`. A setting of an unknown
    /// lever, of the wrong kind or out of its range is refused with the reason.
    pub fn overlay(&self, settings: &Settings, base: &str, name: &str) -> Result<String, String> {
        let mut set = Mapping::new();
        let mut remove: Vec<String> = Vec::new();
        let mut absent: Vec<String> = Vec::new();
        for (id, setting) in settings {
            let lever = self
                .levers
                .iter()
                .find(|l| l.id == *id)
                .ok_or_else(|| format!("there is no lever `{id}` on this page"))?;
            match (&lever.control, setting) {
                (Control::Number { min, max, .. }, Setting::Number(x)) => {
                    if !(x.is_finite() && *min <= *x && *x <= *max) {
                        return Err(format!("{}: {x} lies outside {min} to {max}", lever.label));
                    }
                    if id == "wtp" {
                        for d in &self.valued {
                            set.insert(
                                format!("valuation.wtp_per_fte_year.{d}").into(),
                                (*x).into(),
                            );
                        }
                    } else if self.shares(id) {
                        let (parent, map) = self.rescaled(id, *x)?;
                        set.insert(parent.into(), Value::Mapping(map));
                    } else {
                        set.insert(id.clone().into(), (*x).into());
                    }
                }
                (Control::Toggle, Setting::Toggle(on)) => {
                    if !on {
                        absent.push(id.trim_start_matches("take_part.").to_string());
                    }
                }
                (Control::Choice { options }, Setting::Choice(c)) => {
                    if !options.iter().any(|(o, _)| o == c) {
                        return Err(format!("{}: no choice `{c}`", lever.label));
                    }
                    if c == GO_ON {
                        remove.push("rules.go_no_go".into());
                    } else if let Some(y) = c.strip_prefix(AFTER) {
                        let y: i64 = y.parse().map_err(|_| format!("no milestone `{y}`"))?;
                        let later: Vec<Value> = (self.milestones.iter())
                            .filter(|m| **m > y)
                            .map(|m| Value::from(*m))
                            .collect();
                        set.insert("rules.go_no_go.params.years".into(), later.into());
                    }
                }
                _ => return Err(format!("{}: a setting of the wrong kind", lever.label)),
            }
        }
        let mut o = Mapping::new();
        o.insert("base".into(), base.into());
        o.insert("name".into(), name.into());
        if !set.is_empty() {
            o.insert("set".into(), Value::Mapping(set));
        }
        if !remove.is_empty() {
            o.insert("remove".into(), remove.into());
        }
        if !absent.is_empty() {
            o.insert("not_taking_part".into(), absent.into());
        }
        let yaml = serde_yaml::to_string(&o).map_err(|e| e.to_string())?;
        Ok(format!(
            "# What-if settings saved from `kloof serve` (kloof {}): run them with\n\
             # `kloof run {name}.yaml` beside {base}.\n{yaml}",
            env!("CARGO_PKG_VERSION")
        ))
    }

    fn shares(&self, id: &str) -> bool {
        self.shares.iter().any(|p| p == id)
    }

    /// The map of shares that `path` is one of, with `path` set to `x` and its siblings
    /// rescaled in proportion so that the map keeps its sum (shared equally when they were
    /// all 0): the map's path and the whole map, set at once (the scenario is checked after
    /// each change, and one share alone would break the sum). Rounded to a millionth, the
    /// last sibling taking what rounding leaves, so that a saved overlay reads cleanly.
    fn rescaled(&self, path: &str, x: f64) -> Result<(String, Mapping), String> {
        let (parent, own) = path
            .rsplit_once('.')
            .ok_or("a share's path names its map")?;
        let map = value_at(&self.tree, parent)?
            .as_mapping()
            .cloned()
            .ok_or_else(|| format!("`{parent}` is not a map of shares"))?;
        let shares: Vec<(String, f64)> = map
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_f64()?)))
            .collect();
        let total: f64 = shares.iter().map(|(_, v)| v).sum();
        if x > total + 1e-12 {
            return Err(format!("{x} is more than the shares' sum {total}"));
        }
        let others: f64 = shares
            .iter()
            .filter(|(k, _)| k != own)
            .map(|(_, v)| v)
            .sum();
        let n = shares.iter().filter(|(k, _)| k != own).count();
        // In millionths, so that the shares add up exactly.
        let millionths = |v: f64| (v * 1e6).round() as i64;
        let mut left = millionths(total) - millionths(x);
        let mut seen = 0;
        let mut out = Mapping::new();
        for (k, v) in &shares {
            let now = if k == own {
                millionths(x)
            } else {
                seen += 1;
                let share = if seen == n {
                    left
                } else if others > 0.0 {
                    millionths(v * (total - x) / others)
                } else {
                    millionths((total - x) / n as f64)
                };
                left -= share;
                share
            };
            out.insert(k.as_str().into(), (now.max(0) as f64 / 1e6).into());
        }
        Ok((parent.to_string(), out))
    }
}

/// A lever of the scenario's `levers:`, checked against the scenario: its path names a plain
/// number within its range (a share's map holds only numbers).
fn own(tree: &Value, spec: &LeverSpec, lang: &str) -> Result<Lever, String> {
    let base = number_at(tree, &spec.path)?;
    let [min, max] = spec.range;
    if !(min <= base && base <= max) {
        return Err(format!(
            "the scenario's value {base} lies outside its range {min} to {max}"
        ));
    }
    if spec.shares {
        let (parent, _) = spec
            .path
            .rsplit_once('.')
            .ok_or("a share's path names its map")?;
        let map = value_at(tree, parent)?;
        let all_numbers = map
            .as_mapping()
            .is_some_and(|m| m.values().all(|v| v.as_f64().is_some()));
        if !all_numbers {
            return Err(format!(
                "`{parent}` must be a map of plain numbers for `shares: true`"
            ));
        }
    }
    let label = spec
        .label
        .get(lang)
        .or(spec.label.nl.as_deref())
        .or(spec.label.en.as_deref())
        .unwrap_or(&spec.path);
    Ok(Lever {
        id: spec.path.clone(),
        label: crate::report::one_line(label),
        group: Group::Inputs,
        control: Control::Number {
            min,
            max,
            step: spec.step,
            base: Some(base),
            unit: spec.unit,
        },
    })
}

/// The value at `path` (see [`crate::overlay`]), or why there is none.
fn value_at(tree: &Value, path: &str) -> Result<Value, String> {
    let mut tree = tree.clone();
    crate::overlay::at_path(&mut tree, path).map(|v| v.clone())
}

/// The plain number at `path`, or why there is none.
fn number_at(tree: &Value, path: &str) -> Result<f64, String> {
    value_at(tree, path)?
        .as_f64()
        .ok_or_else(|| format!("`{path}` is not a plain number in the scenario"))
}

/// Each rule's path as an overlay names it (`rules.<stem>`, `rules.<stem>#2` for a second
/// use of one file), with the file's stem.
fn rule_paths(s: &Scenario) -> Vec<(String, String)> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    s.rules
        .iter()
        .filter_map(|r| {
            let stem = Path::new(&r.file).file_stem()?.to_str()?.to_string();
            let n = seen.entry(stem.clone()).or_default();
            *n += 1;
            let path = if *n == 1 {
                format!("rules.{stem}")
            } else {
                format!("rules.{stem}#{n}")
            };
            Some((path, stem))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    const TEXT: &str = include_str!("../scenarios/zoetermeer.yaml");

    fn levers(lang: &str) -> Levers {
        let s =
            crate::scenario::parse(TEXT, "zoetermeer.yaml").expect("the default scenario reads");
        Levers::of(&s, TEXT, "zoetermeer.yaml", lang).expect("its levers are valid")
    }

    fn overlay(settings: &[(&str, Setting)]) -> Result<Value, String> {
        let settings: Settings = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let text = levers("nl").overlay(&settings, "zoetermeer.yaml", "wat-als")?;
        Ok(serde_yaml::from_str(&text).expect("an overlay is YAML"))
    }

    #[test]
    fn the_default_scenario_has_its_own_levers_and_those_of_every_scenario() {
        let l = levers("en");
        let ids: Vec<&str> = l.levers.iter().map(|l| l.id.as_str()).collect();
        for id in [
            "transition_budget.contributions.zorgverzekeraars",
            "transition_budget.per_year",
            "inputs.wages_prices.mean",
            "wtp",
            "go_no_go",
            "take_part.zorgverzekeraars",
            "take_part.vvt",
        ] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        let go = l
            .levers
            .iter()
            .find(|l| l.id == "go_no_go")
            .expect("a go/no-go");
        let Control::Choice { options } = &go.control else {
            panic!("a choice")
        };
        let ids: Vec<&str> = options.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["decide", "after_2027", "go_on"]);
        let wages = l
            .levers
            .iter()
            .find(|l| l.id == "inputs.wages_prices.mean")
            .expect("wages");
        assert_eq!(wages.label, "Wage and price growth of care (expected)");
        assert!(matches!(wages.control, Control::Number { base: Some(b), .. } if b == 0.025));
    }

    #[test]
    fn a_share_moves_the_others_in_proportion_and_the_map_keeps_its_sum() {
        // 0.7 / 0.2 / 0.1 with the insurers at 0.45: the other 0.55 goes 2 : 1 to the
        // municipality and the care office, 0.366667 and 0.183333 in millionths.
        let o = overlay(&[(
            "transition_budget.contributions.zorgverzekeraars",
            Setting::Number(0.45),
        )])
        .expect("a valid setting");
        let map = &o["set"]["transition_budget.contributions"];
        assert_eq!(map["zorgverzekeraars"].as_f64(), Some(0.45));
        assert_eq!(map["gemeente"].as_f64(), Some(0.366667));
        assert_eq!(map["zorgkantoor"].as_f64(), Some(0.183333));
        let o = overlay(&[(
            "transition_budget.contributions.zorgverzekeraars",
            Setting::Number(1.0),
        )])
        .expect("a valid setting");
        assert_eq!(
            o["set"]["transition_budget.contributions"]["gemeente"].as_f64(),
            Some(0.0)
        );
    }

    #[test]
    fn each_kind_of_lever_becomes_its_change() {
        let o = overlay(&[
            ("go_no_go", Setting::Choice("after_2027".into())),
            ("take_part.vvt", Setting::Toggle(false)),
            ("take_part.gemeente", Setting::Toggle(true)),
            ("wtp", Setting::Number(50_000.0)),
            ("inputs.wages_prices.mean", Setting::Number(0.04)),
        ])
        .expect("valid settings");
        assert_eq!(o["base"].as_str(), Some("zoetermeer.yaml"));
        let set = &o["set"];
        assert_eq!(set["rules.go_no_go.params.years"], Value::from(vec![2029]));
        assert_eq!(set["inputs.wages_prices.mean"].as_f64(), Some(0.04));
        assert_eq!(
            set["valuation.wtp_per_fte_year.wlz"].as_f64(),
            Some(50_000.0)
        );
        assert_eq!(
            set["valuation.wtp_per_fte_year.wmo"].as_f64(),
            Some(50_000.0)
        );
        assert_eq!(o["not_taking_part"], Value::from(vec!["vvt"]));
        let o = overlay(&[("go_no_go", Setting::Choice("go_on".into()))]).expect("valid");
        assert_eq!(o["remove"], Value::from(vec!["rules.go_no_go"]));
        assert!(o.get("set").is_none());
    }

    #[test]
    fn a_setting_no_lever_allows_is_refused_with_its_reason() {
        let wages = "inputs.wages_prices.mean";
        let refused = |s: &[(&str, Setting)]| overlay(s).expect_err("refused");
        assert!(refused(&[(wages, Setting::Number(0.9))]).contains("outside 0 to 0.06"));
        assert!(refused(&[(wages, Setting::Number(f64::NAN))]).contains("outside"));
        assert!(refused(&[(wages, Setting::Toggle(true))]).contains("wrong kind"));
        assert!(
            refused(&[("region.name", Setting::Number(1.0))]).contains("no lever `region.name`")
        );
        assert!(
            refused(&[("go_no_go", Setting::Choice("after_2029".into()))]).contains("no choice")
        );
    }

    #[test]
    fn a_lever_that_names_no_number_is_an_error_at_the_scenarios_levers() {
        let text = format!(
            "{TEXT}\n  - {{path: region.name, label: {{nl: Naam}}, range: [0, 1], step: 0.1}}\n"
        );
        let s = crate::scenario::parse(&text, "z.yaml").expect("the lever's shape is fine");
        let e = Levers::of(&s, &text, "z.yaml", "nl").expect_err("region.name is a text");
        assert_eq!(e.key, "levers");
        assert!(e.line.is_some());
        assert!(
            e.message
                .contains("lever `region.name`: `region.name` is not a plain number"),
            "{}",
            e.message
        );
        let outside = TEXT.replace("range: [0, 0.06]", "range: [0.03, 0.06]");
        let s = crate::scenario::parse(&outside, "z.yaml").expect("reads");
        let e = Levers::of(&s, &outside, "z.yaml", "nl").expect_err("0.025 is below 0.03");
        assert!(e.message.contains("outside its range"), "{}", e.message);
    }
}
