//! Rule tests analysts write: YAML cases in `rules/tests/` that give a state and parameters,
//! run one hook of one rule, and expect ledger entries, balances, events or demand.
//! `kloof test-rules` runs them. The format is documented in `rules/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rhai::{Dynamic, Map};
use serde::Deserialize;

use super::batch::Batch;
use super::engine::{CompiledRule, compile, new_engine};
use super::host::{ALLOW_PARAM, Case, CaseOutcome, allowances, run_case};
use crate::agreement::Hook;
use crate::ledger::Allowances;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// The rule under test, relative to the test file.
    rule: String,
    cases: Vec<CaseSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainSpec {
    financier: String,
    #[serde(default)]
    eur: f64,
    #[serde(default)]
    fte: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSpec {
    name: String,
    hook: String,
    #[serde(default = "default_year")]
    year: i32,
    #[serde(default = "default_start")]
    start_year: i32,
    #[serde(default = "default_horizon")]
    horizon: i32,
    #[serde(default)]
    params: serde_yaml::Value,
    /// The rest of `s`; numbers become batch values of one run.
    #[serde(default)]
    state: serde_yaml::Value,
    /// `s.partners`: role, delivers, contribution (plain numbers, as in a real run).
    #[serde(default)]
    partners: serde_yaml::Value,
    /// Domains: financier and network demand, also given to the rule as `s.demand` (and as
    /// `s.delivered`, unless the state gives it).
    #[serde(default)]
    domains: BTreeMap<String, DomainSpec>,
    /// Ledger accounts and their opening balances.
    #[serde(default)]
    accounts: BTreeMap<String, f64>,
    /// Net payments made earlier this year, per account (`net_paid`).
    #[serde(default)]
    paid_this_year: BTreeMap<String, f64>,
    /// What the rule remembered in earlier years; numbers become batch values.
    #[serde(default)]
    memory: BTreeMap<String, serde_yaml::Value>,
    expect: Expect,
}

fn default_year() -> i32 {
    2025
}
fn default_start() -> i32 {
    2024
}
fn default_horizon() -> i32 {
    2030
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedEntry {
    from: String,
    to: String,
    amount: f64,
    /// Text the entry's reason must contain.
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The whole list of transfers, in order (amounts to the cent).
    #[serde(default)]
    entries: Option<Vec<ExpectedEntry>>,
    #[serde(default)]
    balances: BTreeMap<String, f64>,
    #[serde(default)]
    events: BTreeMap<String, bool>,
    /// Per tally, the amount per partner (a partner not named must have 0).
    #[serde(default)]
    tallies: BTreeMap<String, BTreeMap<String, f64>>,
    /// Network demand (EUR) per domain after the hook.
    #[serde(default)]
    demand: BTreeMap<String, f64>,
    #[serde(default)]
    investing: Option<bool>,
    /// The hook must fail with an error containing this text.
    #[serde(default)]
    error: Option<String>,
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub file: PathBuf,
    pub name: String,
    /// Empty when the case passed; otherwise one line per difference.
    pub differences: Vec<String>,
}

/// Numbers become batch values (`as_batches`) or plain numbers.
fn to_dynamic(v: &serde_yaml::Value, as_batches: bool) -> Dynamic {
    use serde_yaml::Value as V;
    match v {
        V::Null => Dynamic::UNIT,
        V::Bool(b) => Dynamic::from_bool(*b),
        V::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if as_batches {
                Dynamic::from(Batch::splat(1, x))
            } else {
                Dynamic::from_float(x)
            }
        }
        V::String(s) => Dynamic::from(s.clone()),
        V::Sequence(items) => {
            Dynamic::from_array(items.iter().map(|i| to_dynamic(i, as_batches)).collect())
        }
        V::Mapping(m) => Dynamic::from_map(
            m.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().unwrap_or_default().into(),
                        to_dynamic(v, as_batches),
                    )
                })
                .collect(),
        ),
        V::Tagged(t) => to_dynamic(&t.value, as_batches),
    }
}

/// What a case's `params.allow` list allows, as in a scenario.
fn allowed_in(params: &serde_yaml::Value) -> Result<Allowances, String> {
    match params.get(ALLOW_PARAM) {
        None => Ok(Allowances::default()),
        Some(serde_yaml::Value::Sequence(items)) => {
            let names: Option<Vec<&str>> = items.iter().map(serde_yaml::Value::as_str).collect();
            allowances(names.ok_or(format!("`{ALLOW_PARAM}` must be a list of texts"))?)
        }
        Some(_) => Err(format!("`{ALLOW_PARAM}` must be a list of texts")),
    }
}

fn hook_of(name: &str) -> Option<Hook> {
    [Hook::Start, Hook::Year, Hook::Settle, Hook::End]
        .into_iter()
        .find(|h| h.function_name() == name)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.005
}

fn check(expect: &Expect, outcome: &Result<CaseOutcome, super::RuleError>) -> Vec<String> {
    let mut diff = Vec::new();
    let o = match (outcome, &expect.error) {
        (Err(e), Some(text)) => {
            if !e.to_string().contains(text.as_str()) {
                diff.push(format!("expected an error containing {text:?}, got:\n{e}"));
            }
            return diff;
        }
        (Err(e), None) => return vec![format!("the hook failed:\n{e}")],
        (Ok(_), Some(text)) => {
            return vec![format!(
                "expected an error containing {text:?}, but the hook succeeded"
            )];
        }
        (Ok(o), None) => o,
    };
    if let Some(entries) = &expect.entries {
        let got: Vec<String> = o
            .entries
            .iter()
            .map(|e| format!("{} -> {}: {:.2} ({})", e.from, e.to, e.amount, e.reason))
            .collect();
        let same = entries.len() == o.entries.len()
            && entries.iter().zip(&o.entries).all(|(x, e)| {
                x.from == e.from
                    && x.to == e.to
                    && close(x.amount, e.amount)
                    && x.reason
                        .as_ref()
                        .is_none_or(|r| e.reason.contains(r.as_str()))
            });
        if !same {
            let want: Vec<String> = entries
                .iter()
                .map(|e| format!("{} -> {}: {:.2}", e.from, e.to, e.amount))
                .collect();
            diff.push(format!(
                "entries differ\n  expected:\n    {}\n  got:\n    {}",
                if want.is_empty() {
                    "(none)".into()
                } else {
                    want.join("\n    ")
                },
                if got.is_empty() {
                    "(none)".into()
                } else {
                    got.join("\n    ")
                }
            ));
        }
    }
    for (account, want) in &expect.balances {
        match o.balances.iter().find(|(a, _)| a == account) {
            Some((_, got)) if close(*got, *want) => {}
            Some((_, got)) => diff.push(format!(
                "balance of {account}: expected {want:.2}, got {got:.2}"
            )),
            None => diff.push(format!("no account {account}")),
        }
    }
    for (event, want) in &expect.events {
        match o.events.iter().find(|(e, _)| e == event) {
            Some((_, got)) if got == want => {}
            Some((_, got)) => diff.push(format!("event {event}: expected {want}, got {got}")),
            None => diff.push(format!("the rule fires no event {event}")),
        }
    }
    for (tally, want) in &expect.tallies {
        let Some((_, got)) = o.tallies.iter().find(|(t, _)| t == tally) else {
            diff.push(format!("the rule tallies no {tally}"));
            continue;
        };
        for (partner, amount) in got {
            let w = want.get(partner).copied().unwrap_or(0.0);
            if !close(w, *amount) {
                diff.push(format!(
                    "tally {tally} of {partner}: expected {w:.2}, got {amount:.2}"
                ));
            }
        }
        for partner in want.keys().filter(|p| !got.iter().any(|(g, _)| g == *p)) {
            diff.push(format!(
                "tally {tally}: {partner} is not a partner of the case"
            ));
        }
    }
    for (domain, want) in &expect.demand {
        match o.demand.iter().find(|(d, _, _)| d == domain) {
            Some((_, got, _)) if close(*got, *want) => {}
            Some((_, got, _)) => diff.push(format!(
                "demand of {domain}: expected {want:.2}, got {got:.2}"
            )),
            None => diff.push(format!("no domain {domain}")),
        }
    }
    if let Some(want) = expect.investing
        && want != o.investing
    {
        diff.push(format!("investing: expected {want}, got {}", o.investing));
    }
    diff
}

/// Gives a state with `cost` but no `own_cost` its costs as own costs.
fn own_cost_as_cost(state: &mut Map) {
    if let Some(cost) = state.get("cost").cloned()
        && !state.contains_key("own_cost")
    {
        state.insert("own_cost".into(), cost);
    }
}

fn run_spec(rule: &CompiledRule, spec: &CaseSpec) -> Vec<String> {
    let Some(hook) = hook_of(&spec.hook) else {
        return vec![format!(
            "unknown hook `{}`; hooks: on_start, on_year, on_settle, on_end",
            spec.hook
        )];
    };
    let mut state = to_dynamic(&spec.state, true)
        .try_cast::<Map>()
        .unwrap_or_default();
    let (mut demand, mut delivered, mut financier_of) = (Map::new(), Map::new(), Map::new());
    for (d, spec) in &spec.domains {
        financier_of.insert(d.as_str().into(), Dynamic::from(spec.financier.clone()));
        let mut m = Map::new();
        m.insert("eur".into(), Dynamic::from(Batch::splat(1, spec.eur)));
        m.insert("fte".into(), Dynamic::from(Batch::splat(1, spec.fte)));
        demand.insert(d.as_str().into(), m.clone().into());
        m.insert("paid".into(), Dynamic::from(Batch::splat(1, spec.eur)));
        delivered.insert(d.as_str().into(), m.into());
    }
    // A case's domains are delivered in full, and paid fee for service, unless its state
    // says otherwise.
    state
        .entry("delivered".into())
        .or_insert_with(|| delivered.into());
    state
        .entry("demand".into())
        .or_insert_with(|| demand.into());
    // A financier's own cost is its whole cost unless the state gives it (no market shares),
    // in the case's state and in its baseline.
    own_cost_as_cost(&mut state);
    if let Some(mut baseline) = state
        .get("baseline")
        .and_then(|b| b.clone().try_cast::<Map>())
    {
        own_cost_as_cost(&mut baseline);
        state.insert("baseline".into(), baseline.into());
    }
    state.insert("financier_of".into(), financier_of.into());
    // The partners a tally may name: those `partners` describes and every account that is
    // neither `outside` nor a fund.
    let mut partners: Vec<String> = spec
        .partners
        .as_mapping()
        .into_iter()
        .flat_map(|m| m.keys().filter_map(|k| k.as_str().map(String::from)))
        .collect();
    for a in spec.accounts.keys() {
        if a != "outside" && !a.starts_with("fund:") && !partners.contains(a) {
            partners.push(a.clone());
        }
    }
    // Every partner takes part unless the case says otherwise, as in `kloof run`'s network.
    let mut described = to_dynamic(&spec.partners, false)
        .try_cast::<Map>()
        .unwrap_or_default();
    for p in &partners {
        let entry = described
            .entry(p.as_str().into())
            .or_insert_with(|| Map::new().into());
        if let Some(mut m) = entry.clone().try_cast::<Map>() {
            m.entry("takes_part".into())
                .or_insert_with(|| Dynamic::from_bool(true));
            *entry = m.into();
        }
    }
    state.insert("partners".into(), described.into());
    let allowed = match allowed_in(&spec.params) {
        Ok(a) => a,
        Err(e) => return vec![format!("params: {e}")],
    };
    state.insert("params".into(), to_dynamic(&spec.params, false));
    state.insert("year".into(), Dynamic::from_int(i64::from(spec.year)));
    state.insert(
        "start_year".into(),
        Dynamic::from_int(i64::from(spec.start_year)),
    );
    state.insert("horizon".into(), Dynamic::from_int(i64::from(spec.horizon)));
    let case = Case {
        rule,
        hook,
        year: spec.year,
        state,
        accounts: spec.accounts.iter().map(|(a, v)| (a.clone(), *v)).collect(),
        domains: spec
            .domains
            .iter()
            .map(|(d, s)| (d.clone(), s.financier.clone(), s.eur, s.fte))
            .collect(),
        memory: spec
            .memory
            .iter()
            .map(|(k, v)| (k.clone(), to_dynamic(v, true)))
            .collect(),
        paid_this_year: spec
            .paid_this_year
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        allowed,
        partners,
    };
    check(&spec.expect, &run_case(&case))
}

/// Runs every case of every `*.yaml` file in `dir` (or the one file `dir` names).
pub fn run_dir(dir: &Path) -> Result<Vec<CaseResult>, String> {
    let mut files: Vec<PathBuf> = if dir.is_file() {
        vec![dir.to_path_buf()]
    } else {
        std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect()
    };
    files.sort();
    let engine = new_engine();
    let mut results = Vec::new();
    for file in files {
        let text = match crate::scenario::read_text(&file, crate::scenario::MAX_SCENARIO_BYTES) {
            Ok(t) => t,
            Err(e) => {
                results.push(CaseResult {
                    file: file.clone(),
                    name: "(file)".into(),
                    differences: vec![e],
                });
                continue;
            }
        };
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
        // The rule is read as a scenario's rules are: a `.rhai` file itself, of bounded size.
        results.extend(run_file(&engine, &file, &text, |rule| {
            super::host::rule_source(rule, Some(&dir))
        }));
    }
    Ok(results)
}

/// The rule tests shipped with kloof, embedded like the rule library they test, so that
/// `kloof test-rules` works outside a checkout.
pub const EMBEDDED_TESTS: [(&str, &str); 7] = [
    (
        "transition_budget.yaml",
        include_str!("../../rules/tests/transition_budget.yaml"),
    ),
    (
        "waterbed.yaml",
        include_str!("../../rules/tests/waterbed.yaml"),
    ),
    (
        "domain_shift.yaml",
        include_str!("../../rules/tests/domain_shift.yaml"),
    ),
    (
        "wijkbudget.yaml",
        include_str!("../../rules/tests/wijkbudget.yaml"),
    ),
    (
        "shared_savings.yaml",
        include_str!("../../rules/tests/shared_savings.yaml"),
    ),
    (
        "go_no_go.yaml",
        include_str!("../../rules/tests/go_no_go.yaml"),
    ),
    (
        "no_cost_shifting.yaml",
        include_str!("../../rules/tests/no_cost_shifting.yaml"),
    ),
];

/// Runs the embedded rule tests against the embedded rule library.
pub fn run_embedded() -> Vec<CaseResult> {
    let engine = new_engine();
    let mut results = Vec::new();
    for (name, text) in EMBEDDED_TESTS {
        let file = PathBuf::from(format!("(embedded) rules/tests/{name}"));
        results.extend(run_file(&engine, &file, text, |rule| {
            let name = Path::new(rule)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(rule);
            super::LIBRARY
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, src)| (format!("(embedded) rules/{n}"), src.to_string()))
                .ok_or_else(|| {
                    super::RuleError::new(rule, "no such rule in kloof's embedded rule library")
                })
        }));
    }
    results
}

/// Every case of one test file, whose text is `text`; `rule_source` finds the rule it names
/// (path as shown, source).
fn run_file(
    engine: &rhai::Engine,
    file: &Path,
    text: &str,
    rule_source: impl Fn(&str) -> Result<(String, String), super::RuleError>,
) -> Vec<CaseResult> {
    let fail = |name: &str, msg: String| {
        vec![CaseResult {
            file: file.to_path_buf(),
            name: name.into(),
            differences: vec![msg],
        }]
    };
    if let Err((line, column, m)) = crate::scenario::check_nesting(text) {
        return fail("(file)", format!("{}:{line}:{column}: {m}", file.display()));
    }
    let spec: File = match serde_yaml::from_str(text) {
        Ok(s) => s,
        Err(e) => return fail("(file)", format!("{}: {e}", file.display())),
    };
    let rule = rule_source(&spec.rule).and_then(|(shown, src)| compile(engine, &shown, &src));
    match rule {
        Err(e) => fail("(rule)", e.to_string()),
        Ok(rule) => spec
            .cases
            .iter()
            .map(|case| CaseResult {
                file: file.to_path_buf(),
                name: case.name.clone(),
                differences: run_spec(&rule, case),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rule test can allow what a scenario allows (`params.allow`) and declare an overdraft,
    /// and the refusals read as in a run.
    #[test]
    fn cases_see_the_ledger_guards_and_allowances() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rule = "fn on_settle(s) {\n    pay(\"outside\", \"town\", 10, \"grant\");\n}\nfn on_year(s) {\n    allow_overdraft(\"reserve\", 50);\n    withdraw(\"reserve\", \"town\", 40, \"advance\");\n}\n";
        std::fs::write(dir.path().join("r.rhai"), rule).expect("write");
        let cases = r#"
rule: r.rhai
cases:
  - name: refused without the allowance
    hook: on_settle
    accounts: {town: 0, outside: 0}
    expect: {error: "from `outside` to `town`"}
  - name: allowed with it
    hook: on_settle
    params: {allow: [money_from_outside]}
    accounts: {town: 0, outside: 0}
    expect:
      entries: [{from: outside, to: town, amount: 10}]
  - name: an unknown allowance
    hook: on_settle
    params: {allow: [anything]}
    accounts: {town: 0, outside: 0}
    expect: {error: "never reached"}
  - name: within the declared overdraft
    hook: on_year
    accounts: {town: 0, fund:reserve: 0}
    expect: {balances: {fund:reserve: -40}}
"#;
        std::fs::write(dir.path().join("r.yaml"), cases).expect("write");
        let results = run_dir(dir.path()).expect("runs");
        let differences: Vec<&Vec<String>> = results.iter().map(|r| &r.differences).collect();
        assert!(differences[0].is_empty(), "{:?}", differences[0]);
        assert!(differences[1].is_empty(), "{:?}", differences[1]);
        assert_eq!(differences[2].len(), 1);
        assert!(
            differences[2][0].contains("unknown allowance"),
            "{:?}",
            differences[2]
        );
        assert!(differences[3].is_empty(), "{:?}", differences[3]);
    }
}
