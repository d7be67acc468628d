//! The rules of a scenario as the simulator runs them: each rule file compiled once, its
//! hooks called once per batch and year with the batch's figures, and the API scripts use to
//! move money (through the [`Ledger`]), scale demand, fire events and keep state.
//!
//! What a hook receives is one map, `s`, of batch values (see `rules/README.md`); what it does
//! goes through registered functions, so every transfer is balanced and carries the rule file
//! and line that made it.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rhai::{
    ASTNode, Array, Dynamic, Engine, EvalAltResult, Expr, Map, NativeCallContext, Position, Stmt,
};

use super::batch::{self, Batch, to_batch};
use super::engine::{CompiledRule, call_hook, compile, new_engine};
use super::resolve::{self, SeriesKind};
use crate::agreement::{
    Agreement, Agreements, FUND_PREFIX, Hook, RuleError, VariantFrame, VariantYear, YearFrame,
};
use crate::ledger::{Allowances, Ledger, Origin};
use crate::model::{Model, ParamModel};
use crate::provenance::{FileHash, sha256_hex};
use crate::sampling::Draws;
use crate::scenario::Role;
use crate::variant::Variant;

/// The rule library shipped with kloof, embedded so the default scenario runs from any folder.
pub const LIBRARY: [(&str, &str); 7] = [
    (
        "transition_budget.rhai",
        include_str!("../../rules/transition_budget.rhai"),
    ),
    ("waterbed.rhai", include_str!("../../rules/waterbed.rhai")),
    (
        "domain_shift.rhai",
        include_str!("../../rules/domain_shift.rhai"),
    ),
    (
        "wijkbudget.rhai",
        include_str!("../../rules/wijkbudget.rhai"),
    ),
    (
        "shared_savings.rhai",
        include_str!("../../rules/shared_savings.rhai"),
    ),
    ("go_no_go.rhai", include_str!("../../rules/go_no_go.rhai")),
    (
        "no_cost_shifting.rhai",
        include_str!("../../rules/no_cost_shifting.rhai"),
    ),
];

/// A rule parameter's value in the script: a fixed number is a plain number (usable as a
/// year or a count), an uncertain one a batch value.
fn param_value(p: &ParamModel, draws: &Draws) -> Dynamic {
    match p {
        ParamModel::Number(id) => match draws.fixed(*id) {
            Some(v) => Dynamic::from_float(v),
            None => Dynamic::from(Batch::from(
                (0..draws.len())
                    .map(|b| draws.at(*id, b))
                    .collect::<batch::Values>(),
            )),
        },
        ParamModel::Text(t) => Dynamic::from(t.clone()),
        ParamModel::List(items) => {
            Dynamic::from_array(items.iter().map(|p| param_value(p, draws)).collect())
        }
        ParamModel::Map(m) => Dynamic::from_map(
            m.iter()
                .map(|(k, p)| (k.as_str().into(), param_value(p, draws)))
                .collect(),
        ),
    }
}

/// Most names one rule may `remember`, and their longest: memory is carried across years, so
/// new names every year (`remember("x" + year, ...)`) would grow it without end. Batch values
/// remembered count towards [`super::limits::MAX_BATCH_VALUES`] like any other.
const MAX_REMEMBERED: usize = 1_000;
const MAX_NAME_CHARS: usize = 200;

/// The parameter in which a scenario allows a rule what the ledger refuses by default
/// (`allow: [money_from_outside]`, see [`Allowances`]).
pub const ALLOW_PARAM: &str = "allow";

/// What the `allow` list of a rule's parameters allows: texts from [`Allowances::NAMES`].
pub fn allowances<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Allowances, String> {
    let mut allowed = Allowances::default();
    for name in names {
        if !allowed.allow(name) {
            return Err(format!(
                "`{ALLOW_PARAM}: [{}]`: unknown allowance; allowances are {}",
                name.escape_debug(),
                Allowances::NAMES.join(" and ")
            ));
        }
    }
    Ok(allowed)
}

/// The allowances in a rule's compiled parameters; an `allow` that is not a list of texts is
/// an error.
fn allowances_of(params: &ParamModel) -> Result<Allowances, String> {
    let ParamModel::Map(entries) = params else {
        return Ok(Allowances::default());
    };
    match entries.iter().find(|(k, _)| k == ALLOW_PARAM) {
        None => Ok(Allowances::default()),
        Some((_, ParamModel::List(items))) => {
            let mut names = Vec::new();
            for item in items {
                match item {
                    ParamModel::Text(t) => names.push(t.as_str()),
                    _ => return Err(format!("`{ALLOW_PARAM}` must be a list of texts")),
                }
            }
            allowances(names)
        }
        Some(_) => Err(format!("`{ALLOW_PARAM}` must be a list of texts")),
    }
}

/// One rule of the scenario.
#[derive(Debug)]
struct Rule {
    compiled: CompiledRule,
    params: ParamModel,
    allowed: Allowances,
    /// Never changes `s` (see [`resolve::may_change_state`]): its hooks get the map the other
    /// rules see, not a copy of it.
    reads_state: bool,
}

/// The scenario's rules, compiled once per invocation and shared by every batch.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    declared: Declared,
}

/// Finds the text of a rule file: next to the scenario, or in the embedded library when the
/// scenario itself is embedded.
pub(crate) fn rule_source(
    file: &str,
    scenario_dir: Option<&Path>,
) -> Result<(String, String), RuleError> {
    match scenario_dir {
        Some(dir) => {
            let path = dir.join(file);
            let shown = path.display().to_string();
            // Only `.rhai` files: a rule path to any other file must not have it read, let
            // alone quoted in a syntax error.
            if path.extension().and_then(|e| e.to_str()) != Some("rhai") {
                return Err(RuleError::new(shown, "a rule file must end in `.rhai`"));
            }
            // Nor through a link named `.rhai`: it may point at any file, whose first line a
            // syntax error would then quote.
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(RuleError::new(
                    shown,
                    "a rule file must be the file itself, not a link to one",
                ));
            }
            crate::scenario::read_text(&path, crate::scenario::MAX_RULE_BYTES)
                .map(|text| (shown.clone(), text))
                .map_err(|m| RuleError::new(shown, format!("rule file: {m}")))
        }
        None => {
            let name = Path::new(file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(file);
            LIBRARY
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, text)| (format!("(embedded) rules/{n}"), text.to_string()))
                .ok_or_else(|| {
                    RuleError::new(file, "no such rule in kloof's embedded rule library")
                })
        }
    }
}

/// Event, fund and tally names a rule uses, in the order they appear in its source: the first
/// argument of `event`, `tally`, `deposit`, `withdraw` and `allow_overdraft` when it is
/// written as text, and every text that starts with `fund:`.
fn named_series(rule: &CompiledRule) -> Vec<(Position, SeriesKind, String)> {
    let mut found: Vec<(Position, SeriesKind, String)> = Vec::new();
    rule.ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(
                ASTNode::Expr(Expr::FnCall(call, pos) | Expr::MethodCall(call, pos))
                | ASTNode::Stmt(Stmt::FnCall(call, pos)),
            ) => {
                if let Some(Expr::StringConstant(name, _)) = call.args.first() {
                    let name = name.to_string();
                    match call.name.as_str() {
                        "event" => found.push((*pos, SeriesKind::Event, name)),
                        "tally" => found.push((*pos, SeriesKind::Tally, name)),
                        "deposit" | "withdraw" => found.push((*pos, SeriesKind::Fund, name)),
                        // Written with or without the prefix; with it, the text arm below
                        // finds it.
                        "allow_overdraft" if !name.starts_with(FUND_PREFIX) => {
                            found.push((*pos, SeriesKind::Fund, name))
                        }
                        _ => {}
                    }
                }
            }
            Some(ASTNode::Expr(Expr::StringConstant(text, pos))) => {
                if let Some(fund) = text.strip_prefix(FUND_PREFIX) {
                    found.push((*pos, SeriesKind::Fund, fund.to_string()));
                }
            }
            _ => {}
        }
        true
    });
    found.sort_by_key(|(pos, ..)| (pos.line(), pos.position()));
    found
}

/// The names a rule declares, each once: the report's series are fixed from them before the
/// runs start.
#[derive(Debug, Default, Clone, PartialEq)]
struct Declared {
    events: Vec<String>,
    funds: Vec<String>,
    tallies: Vec<String>,
}

impl Declared {
    fn of(rule: &CompiledRule) -> Declared {
        let mut d = Declared::default();
        for (_, kind, name) in named_series(rule) {
            d.add(kind, name);
        }
        d
    }
    fn add(&mut self, kind: SeriesKind, name: String) {
        let list = match kind {
            SeriesKind::Event => &mut self.events,
            SeriesKind::Fund => &mut self.funds,
            SeriesKind::Tally => &mut self.tallies,
        };
        if !name.is_empty() && !list.contains(&name) {
            list.push(name);
        }
    }
    fn merge(&mut self, other: Declared) {
        for (kind, names) in [
            (SeriesKind::Event, other.events),
            (SeriesKind::Fund, other.funds),
            (SeriesKind::Tally, other.tallies),
        ] {
            for n in names {
                self.add(kind, n);
            }
        }
    }
}

/// The functions a rule can call besides its own, as (name, number of parameters): the
/// rules' API, the batch functions and Rhai's standard library.
fn native_functions() -> HashSet<(String, usize)> {
    HOST.with(|host| {
        host.engine.collect_fn_metadata(
            None,
            |f| Some((f.metadata.name.to_string(), f.metadata.num_params)),
            true,
        )
    })
    .into_iter()
    .collect()
}

/// Everything wrong in `rule` that shows without running it (see [`resolve`]).
fn static_errors(
    rule: &CompiledRule,
    params: &ParamModel,
    natives: &HashSet<(String, usize)>,
) -> Vec<RuleError> {
    let given: Vec<String> = match params {
        ParamModel::Map(entries) => entries.iter().map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    };
    let mut errors = resolve::unknown_calls(rule, natives);
    errors.extend(resolve::missing_params(rule, &given));
    errors.extend(resolve::unused_params(rule, &given));
    errors.extend(resolve::bad_series_names(rule, &named_series(rule)));
    errors.sort_by_key(|e| (e.line, e.column));
    errors
}

impl RuleSet {
    /// Reads and compiles the model's rules. `scenario_dir` is where relative rule paths
    /// start; `None` for the embedded scenario.
    pub fn load(model: &Model, scenario_dir: Option<&Path>) -> Result<RuleSet, Vec<RuleError>> {
        let engine = new_engine();
        let natives = native_functions();
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        let mut declared = Declared::default();
        for r in &model.rules {
            let compiled = rule_source(&r.file, scenario_dir)
                .and_then(|(path, text)| compile(&engine, &path, &text))
                .and_then(|compiled| {
                    let allowed = allowances_of(&r.params)
                        .map_err(|m| RuleError::new(&compiled.path, format!("params: {m}")))?;
                    Ok((compiled, allowed))
                });
            match compiled {
                Ok((compiled, allowed)) => {
                    errors.extend(static_errors(&compiled, &r.params, &natives));
                    declared.merge(Declared::of(&compiled));
                    rules.push(Rule {
                        reads_state: !resolve::may_change_state(&compiled),
                        compiled,
                        params: r.params.clone(),
                        allowed,
                    });
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(RuleSet { rules, declared })
        } else {
            Err(errors)
        }
    }

    /// Compiles and resolves rule files on their own, without a model: what `kloof check`
    /// can still report about a scenario's rules when the scenario itself has an error (its
    /// parameters are then unknown, so they are not checked).
    pub fn check_files(files: &[String], scenario_dir: Option<&Path>) -> Vec<RuleError> {
        let engine = new_engine();
        let natives = native_functions();
        let mut errors = Vec::new();
        for file in files {
            match rule_source(file, scenario_dir).and_then(|(p, t)| compile(&engine, &p, &t)) {
                Ok(rule) => {
                    errors.extend(resolve::unknown_calls(&rule, &natives));
                    errors.extend(resolve::bad_series_names(&rule, &named_series(&rule)));
                }
                Err(e) => errors.push(e),
            }
        }
        errors
    }

    /// Each rule file with its SHA-256, for the manifest.
    pub fn hashes(&self) -> Vec<FileHash> {
        self.rules
            .iter()
            .map(|r| FileHash {
                path: r.compiled.path.clone(),
                sha256: sha256_hex(r.compiled.source.as_bytes()),
            })
            .collect()
    }
}

impl Agreements for RuleSet {
    fn for_batch(
        &self,
        model: &Model,
        variant: &Variant,
    ) -> Result<Box<dyn Agreement + '_>, RuleError> {
        Ok(Box::new(BatchRules::new(self, model, variant)))
    }
    fn funds(&self) -> Vec<String> {
        self.declared.funds.clone()
    }
    fn events(&self) -> Vec<String> {
        self.declared.events.clone()
    }
    fn tallies(&self) -> Vec<String> {
        self.declared.tallies.clone()
    }
    fn movers(&self) -> Vec<String> {
        self.rules
            .iter()
            .filter(|r| r.compiled.moves_money())
            .map(|r| r.compiled.path.clone())
            .collect()
    }
}

/// The most one `scale_demand` may multiply a domain's demand by: a clause that moves demand
/// between domains (a waterbed) or damps it changes it by a share, and a factor of 1e300 once
/// turned demand infinite and printed a 300-digit unmet-care amount.
const MAX_DEMAND_FACTOR: f64 = 10.0;

/// What the registered functions work on while a hook runs. Each batch and variant keeps its
/// own and swaps it into the thread's [`Host`] for the length of a hook.
struct HostState {
    ledger: Ledger,
    year: i32,
    hook: Hook,
    rule: usize,
    /// Per rule, where its transfers come from: the file, and the line of the call, set by
    /// each `pay` in place (no copy of the path per call).
    origins: Vec<Origin>,
    /// What the scenario allows each rule (by index, as `origins`).
    allowed: Vec<Allowances>,
    domains: Vec<String>,
    domain_financier: Vec<String>,
    /// The network's demand, which `scale_demand` changes.
    demand: VariantFrame,
    events: Vec<(String, Vec<f64>)>,
    /// Per tally name, per partner (in `partner_ids`' order), the amount this year.
    tallies: Vec<(String, Vec<Vec<f64>>)>,
    partner_ids: Vec<String>,
    /// The partners that do not take part in this variant: the agreement may not move money
    /// to or from them.
    absent: Vec<String>,
    investing: Vec<f64>,
    /// Per rule (by index), what it remembered: looked up by `recall` without building a key.
    memory: HashMap<usize, HashMap<String, Dynamic>>,
    /// Set by `scale_demand`: the map `s` must be rebuilt for the next rule.
    demand_changed: bool,
}

impl HostState {
    fn new(year: i32, rule_paths: Vec<String>, domains: Vec<(String, String)>) -> HostState {
        let (domains, domain_financier) = domains.into_iter().unzip();
        HostState {
            ledger: Ledger::new(Vec::new(), 0, 0, None),
            year,
            hook: Hook::Start,
            rule: 0,
            allowed: vec![Allowances::default(); rule_paths.len()],
            origins: rule_paths
                .into_iter()
                .map(|rule| Origin { rule, line: 0 })
                .collect(),
            domains,
            domain_financier,
            demand: VariantFrame::default(),
            events: Vec::new(),
            tallies: Vec::new(),
            partner_ids: Vec::new(),
            absent: Vec::new(),
            investing: Vec::new(),
            memory: HashMap::new(),
            demand_changed: false,
        }
    }
}

type Shared = Arc<Mutex<HostState>>;

/// A sandboxed engine with the rules' API registered, bound to a state that batches swap in:
/// built once per thread, because building the engine and its API costs more than most hooks.
struct Host {
    engine: Engine,
    state: Shared,
}

thread_local! {
    static HOST: Host = {
        let state = Arc::new(Mutex::new(HostState::new(0, Vec::new(), Vec::new())));
        let mut engine = new_engine();
        register_api(&mut engine, &state);
        Host { engine, state }
    };
}

impl Host {
    /// Runs `f` with `state` in place of the thread's host state, and gives it back after.
    fn with<R>(state: &mut HostState, f: impl FnOnce(&Host) -> R) -> R {
        HOST.with(|host| {
            std::mem::swap(&mut *lock(&host.state), state);
            let result = f(host);
            std::mem::swap(&mut *lock(&host.state), state);
            result
        })
    }
}

fn lock(s: &Shared) -> MutexGuard<'_, HostState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

fn runtime_error(message: impl Into<String>, pos: Position) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(message.into()),
        pos,
    ))
}

/// Registers `name(account)`: a batch value read from the ledger for that account in every run.
fn account_query(
    engine: &mut Engine,
    state: &Shared,
    name: &str,
    value: fn(&Ledger, usize, usize) -> f64,
) {
    let st = state.clone();
    engine.register_fn(
        name,
        move |ctx: NativeCallContext, account: &str| -> Result<Batch, Box<EvalAltResult>> {
            let s = lock(&st);
            let a = s
                .ledger
                .account(account)
                .map_err(|e| runtime_error(e.to_string(), ctx.call_position()))?;
            let len = s.demand.cost_total.len();
            batch::checked((0..len).map(|b| value(&s.ledger, a, b)).collect())
        },
    );
}

/// The rules' API, bound to one batch's state.
fn register_api(engine: &mut Engine, state: &Shared) {
    let st = state.clone();
    let pay = move |ctx: NativeCallContext,
                    from: &str,
                    to: &str,
                    amount: Dynamic,
                    reason: &str|
          -> Result<(), Box<EvalAltResult>> {
        let mut s = lock(&st);
        let len = s.demand.cost_total.len();
        let amount = Amount::of(&amount, len).map_err(|e| runtime_error(e, ctx.call_position()))?;
        let (year, allowed) = (s.year, s.allowed[s.rule]);
        if amount.as_slice().iter().any(|a| *a != 0.0)
            && let Some(who) = [from, to]
                .into_iter()
                .find(|a| s.absent.iter().any(|x| x == a))
        {
            return Err(runtime_error(
                format!(
                    "`{who}` does not take part in this variant: the agreement may not pay it or \
                     charge it (check `s.partners.{who}.takes_part`)"
                ),
                ctx.call_position(),
            ));
        }
        let s = &mut *s;
        let origin = &mut s.origins[s.rule];
        origin.line = ctx.call_position().line().unwrap_or(0);
        s.ledger
            .transfer_by_rule(from, to, amount.as_slice(), year, origin, reason, allowed)
            .map_err(|e| runtime_error(e.to_string(), ctx.call_position()))
    };
    let p = pay.clone();
    engine.register_fn("pay", pay);
    let p2 = p.clone();
    engine.register_fn(
        "deposit",
        move |ctx: NativeCallContext, fund: &str, from: &str, amount: Dynamic, reason: &str| {
            p(ctx, from, &format!("fund:{fund}"), amount, reason)
        },
    );
    let p3 = p2.clone();
    engine.register_fn(
        "withdraw",
        move |ctx: NativeCallContext, fund: &str, to: &str, amount: Dynamic, reason: &str| {
            p2(ctx, &format!("fund:{fund}"), to, amount, reason)
        },
    );
    let st = state.clone();
    engine.register_fn(
        "shift_budget",
        move |ctx: NativeCallContext, from: &str, to: &str, amount: Dynamic, reason: &str| -> Result<(), Box<EvalAltResult>> {
            let pos = ctx.call_position();
            let (a, b) = {
                let s = lock(&st);
                let fin = |d: &str| {
                    s.domains
                        .iter()
                        .position(|x| x == d)
                        .map(|i| s.domain_financier[i].clone())
                        .ok_or_else(|| runtime_error(format!("unknown domain `{d}`; domains: {}", s.domains.join(", ")), pos))
                };
                (fin(from)?, fin(to)?)
            };
            if a == b {
                return Err(runtime_error(format!("`{from}` and `{to}` are both financed by `{a}`: there is no budget to shift between financiers"), pos));
            }
            p3(ctx, &a, &b, amount, &format!("budget shift {from} -> {to}: {reason}"))
        },
    );
    let st = state.clone();
    engine.register_fn(
        "allow_overdraft",
        move |ctx: NativeCallContext,
              fund: &str,
              limit: Dynamic|
              -> Result<(), Box<EvalAltResult>> {
            let pos = ctx.call_position();
            let mut s = lock(&st);
            let len = s.demand.cost_total.len();
            let limit = to_batch(&limit, len).map_err(|e| runtime_error(e, pos))?;
            let account = if fund.starts_with(FUND_PREFIX) {
                fund.to_string()
            } else {
                format!("{FUND_PREFIX}{fund}")
            };
            s.ledger
                .set_overdraft(&account, limit.as_slice())
                .map_err(|e| runtime_error(e.to_string(), pos))
        },
    );
    account_query(engine, state, "balance", |l, a, b| l.balance_at(a, b));
    account_query(engine, state, "net_paid", |l, a, b| {
        l.paid(a, b) - l.received(a, b)
    });
    let st = state.clone();
    engine.register_fn(
        "scale_demand",
        move |ctx: NativeCallContext,
              domain: &str,
              factor: Dynamic,
              _reason: &str|
              -> Result<(), Box<EvalAltResult>> {
            let pos = ctx.call_position();
            let mut s = lock(&st);
            if !matches!(s.hook, Hook::Start | Hook::Year) {
                return Err(runtime_error(
                    "scale_demand works in on_start and on_year, before costs are settled",
                    pos,
                ));
            }
            let d = s.domains.iter().position(|x| x == domain).ok_or_else(|| {
                runtime_error(
                    format!(
                        "unknown domain `{domain}`; domains: {}",
                        s.domains.join(", ")
                    ),
                    pos,
                )
            })?;
            let len = s.demand.cost_total.len();
            let f = to_batch(&factor, len).map_err(|e| runtime_error(e, pos))?;
            if let Some(bad) = f
                .as_slice()
                .iter()
                .find(|x| !x.is_finite() || **x < 0.0 || **x > MAX_DEMAND_FACTOR)
            {
                return Err(runtime_error(
                    format!(
                        "a demand factor must be a number from 0 to {MAX_DEMAND_FACTOR} (a \
                         domain's demand at most {MAX_DEMAND_FACTOR} times itself in one call), \
                         got {bad}"
                    ),
                    pos,
                ));
            }
            let fs = f.as_slice();
            let at = |b: usize| if fs.len() == 1 { fs[0] } else { fs[b] };
            for b in 0..len {
                s.demand.demand_eur[d][b] *= at(b);
                s.demand.demand_fte[d][b] *= at(b);
            }
            s.demand_changed = true;
            Ok(())
        },
    );
    let st = state.clone();
    engine.register_fn("event", move |ctx: NativeCallContext, name: &str, condition: Dynamic| -> Result<(), Box<EvalAltResult>> {
        let pos = ctx.call_position();
        let mut s = lock(&st);
        let len = s.demand.cost_total.len();
        let c = to_batch(&condition, len).map_err(|e| runtime_error(e, pos))?;
        batch::condition(&c, format_args!("event `{name}`"))
            .map_err(|e| runtime_error(e, pos))?;
        let fired = s
            .events
            .iter_mut()
            .find(|(n, _)| n == name)
            .ok_or_else(|| runtime_error(format!("event `{name}`: write event names as text in the call, like event(\"{name}\", ...)"), pos))?;
        let cs = c.as_slice();
        for (b, f) in fired.1.iter_mut().enumerate() {
            let v = if cs.len() == 1 { cs[0] } else { cs[b] };
            if v != 0.0 {
                *f = 1.0;
            }
        }
        Ok(())
    });
    let st = state.clone();
    engine.register_fn(
        "tally",
        move |ctx: NativeCallContext,
              name: &str,
              partner: &str,
              amount: Dynamic|
              -> Result<(), Box<EvalAltResult>> {
            let pos = ctx.call_position();
            let mut s = lock(&st);
            let len = s.demand.cost_total.len();
            let a = to_batch(&amount, len).map_err(|e| runtime_error(e, pos))?;
            let limit = crate::ledger::MAX_TRANSFER_EUR;
            if let Some(bad) = a
                .as_slice()
                .iter()
                .find(|x| !x.is_finite() || x.abs() > limit)
            {
                return Err(runtime_error(
                    format!(
                        "tally `{name}`: the amount must be a finite number of at most EUR 1e13 \
                         either way (the largest transfer), got {bad}"
                    ),
                    pos,
                ));
            }
            let p = s.partner_ids.iter().position(|id| id == partner).ok_or_else(|| {
                runtime_error(
                    format!("tally `{name}`: `{partner}` is not a partner of the scenario"),
                    pos,
                )
            })?;
            let row = s
                .tallies
                .iter_mut()
                .find(|(n, _)| n == name)
                .map(|(_, rows)| &mut rows[p])
                .ok_or_else(|| runtime_error(format!("tally `{name}`: write tally names as text in the call, like tally(\"{name}\", ...)"), pos))?;
            let xs = a.as_slice();
            for (b, v) in row.iter_mut().enumerate() {
                *v += if xs.len() == 1 { xs[0] } else { xs[b] };
            }
            Ok(())
        },
    );
    let st = state.clone();
    engine.register_fn(
        "stop_investing",
        move |ctx: NativeCallContext, condition: Dynamic| -> Result<(), Box<EvalAltResult>> {
            let mut s = lock(&st);
            let len = s.investing.len();
            let c = to_batch(&condition, len).map_err(|e| runtime_error(e, ctx.call_position()))?;
            batch::condition(&c, "stop_investing")
                .map_err(|e| runtime_error(e, ctx.call_position()))?;
            let cs = c.as_slice();
            for (b, inv) in s.investing.iter_mut().enumerate() {
                if (if cs.len() == 1 { cs[0] } else { cs[b] }) != 0.0 {
                    *inv = 0.0;
                }
            }
            Ok(())
        },
    );
    let st = state.clone();
    engine.register_fn(
        "remember",
        move |ctx: NativeCallContext,
              name: &str,
              value: Dynamic|
              -> Result<(), Box<EvalAltResult>> {
            let mut s = lock(&st);
            let rule = s.rule;
            let memory = s.memory.entry(rule).or_default();
            if let Some(kept) = memory.get_mut(name) {
                *kept = value;
                return Ok(());
            }
            if memory.len() >= MAX_REMEMBERED || name.chars().count() > MAX_NAME_CHARS {
                return Err(runtime_error(
                    format!(
                        "a rule may remember at most {MAX_REMEMBERED} names of at most \
                         {MAX_NAME_CHARS} characters: use the same names every year"
                    ),
                    ctx.call_position(),
                ));
            }
            memory.insert(name.to_string(), value);
            Ok(())
        },
    );
    let st = state.clone();
    engine.register_fn("recall", move |name: &str, default: Dynamic| -> Dynamic {
        let s = lock(&st);
        s.memory
            .get(&s.rule)
            .and_then(|m| m.get(name))
            .cloned()
            .unwrap_or(default)
    });
}

/// The rules acting on one variant of one batch: its state (ledger, demand, memory) between
/// hooks, and the `s` fields that stay the same all along.
struct BatchRules<'a> {
    set: &'a RuleSet,
    state: HostState,
    start_year: i32,
    horizon: i32,
    partners: Map,
    financiers: Vec<String>,
    /// Partner ids in the scenario's order (`partners` is a map, sorted by id).
    partner_ids: Vec<String>,
    /// Per provider: its id and the domains it delivers with its market share, for
    /// `s.margin`.
    market: Vec<(String, Vec<(usize, f64)>)>,
    /// Partners that leave the agreement in a year (id, year): from then on they are absent,
    /// `s.partners.<id>.takes_part` is false, their market is empty and `s.margin` zero.
    leaves: Vec<(String, i32)>,
}

/// What a hook sees of the variant's running state besides its frame: the transition money
/// available and spent this year, and each partner's position through last year.
#[derive(Clone, Copy)]
struct Running<'a> {
    transition: (&'a [f64], &'a [f64]),
    positions: &'a [Vec<f64>],
}

fn batch(v: &[f64]) -> Dynamic {
    Dynamic::from(Batch::from_slice(v))
}

/// An amount a script hands the ledger: a number stays one number (the ledger applies it to
/// every run) instead of becoming a batch of copies of it.
enum Amount {
    One([f64; 1]),
    Runs(Batch),
}

impl Amount {
    /// As [`to_batch`], with the same errors.
    fn of(value: &Dynamic, len: usize) -> Result<Amount, String> {
        if let Ok(x) = value.as_float() {
            return Ok(Amount::One([x]));
        }
        if let Ok(n) = value.as_int() {
            return Ok(Amount::One([n as f64]));
        }
        to_batch(value, len).map(Amount::Runs)
    }

    fn as_slice(&self) -> &[f64] {
        match self {
            Amount::One(x) => x,
            Amount::Runs(b) => b.as_slice(),
        }
    }
}

/// A batch value computed run by run, into a buffer of the batch API's spare ones.
fn batch_of(values: impl Iterator<Item = f64>) -> Dynamic {
    Dynamic::from(Batch::from(values.collect::<batch::Values>()))
}

impl<'a> BatchRules<'a> {
    fn new(set: &'a RuleSet, m: &Model, variant: &Variant) -> BatchRules<'a> {
        let mut state = HostState::new(
            m.start_year,
            set.rules.iter().map(|r| r.compiled.path.clone()).collect(),
            m.domains
                .iter()
                .map(|d| (d.id.clone(), m.financiers[d.financier].id.clone()))
                .collect(),
        );
        state.allowed = set.rules.iter().map(|r| r.allowed).collect();
        state.partner_ids = m.partners.iter().map(|p| p.id.clone()).collect();
        state.absent = m
            .partners
            .iter()
            .zip(&variant.takes_part)
            .filter(|(_, t)| !**t)
            .map(|(p, _)| p.id.clone())
            .collect();
        // A partner that does not take part contributes nothing.
        let contribution = |p: usize| {
            m.transition
                .as_ref()
                .filter(|_| variant.takes_part[p])
                .and_then(|t| t.contributions.iter().find(|(q, _)| *q == p))
                .map_or(0.0, |(_, s)| *s)
        };
        let partners: Map = m
            .partners
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let role = match p.role {
                    Role::Financier => "financier",
                    Role::Provider => "provider",
                    Role::Residents => "residents",
                };
                let delivers: Array = p
                    .delivers
                    .iter()
                    .map(|d| Dynamic::from(m.domains[*d].id.clone()))
                    .collect();
                let mut info = Map::new();
                info.insert("role".into(), role.into());
                info.insert("delivers".into(), delivers.into());
                // Its share of each domain's care it delivers, for rules that split a
                // domain's production among its providers.
                let market: Map = m
                    .market_of(i)
                    .into_iter()
                    .map(|(d, sh)| (m.domains[d].id.as_str().into(), Dynamic::from_float(sh)))
                    .collect();
                info.insert("market".into(), market.into());
                info.insert("contribution".into(), Dynamic::from_float(contribution(i)));
                info.insert(
                    "takes_part".into(),
                    Dynamic::from_bool(variant.takes_part[i]),
                );
                (p.id.as_str().into(), Dynamic::from_map(info))
            })
            .collect();
        BatchRules {
            set,
            state,
            start_year: m.start_year,
            horizon: m.horizon,
            partners,
            partner_ids: m.partners.iter().map(|p| p.id.clone()).collect(),
            financiers: m.financiers.iter().map(|f| f.id.clone()).collect(),
            market: m
                .providers()
                .map(|(pi, p)| (p.id.clone(), m.market_of(pi)))
                .collect(),
            leaves: variant
                .leaves
                .iter()
                .map(|&(p, y)| (m.partners[p].id.clone(), y))
                .collect(),
        }
    }

    /// Partners whose leaving year has come: absent from now on, for the ledger and for
    /// `s.partners`.
    fn apply_leaving(&mut self, year: i32) {
        for (id, y) in &self.leaves {
            if year < *y || self.state.absent.contains(id) {
                continue;
            }
            self.state.absent.push(id.clone());
            if let Some(mut info) = self
                .partners
                .get(id.as_str())
                .and_then(|d| d.clone().try_cast::<Map>())
            {
                info.insert("takes_part".into(), Dynamic::from_bool(false));
                info.insert("contribution".into(), Dynamic::from_float(0.0));
                // Its clients go to providers outside the network.
                info.insert("market".into(), Map::new().into());
                self.partners.insert(id.as_str().into(), info.into());
            }
            if let Some((_, shares)) = self.market.iter_mut().find(|(p, _)| p == id) {
                shares.clear();
            }
        }
    }

    /// The map `s` a hook receives, without `params`: built once per hook and rebuilt only
    /// when a rule has changed the variant's demand. `running` holds what the fund had
    /// available this year and what it spent, and the partners' positions so far.
    fn view(&self, s: &HostState, frame: &YearFrame, running: Running) -> Map {
        let transition = running.transition;
        let network = &s.demand;
        let len = frame.len;
        let variant = |v: &VariantFrame, gap_of: &dyn Fn(usize, usize) -> f64| -> Map {
            let mut demand = Map::new();
            let (mut delivered, mut unmet) = (Map::new(), Map::new());
            // A frame without delivered care (a rule test's) delivers all of its demand.
            let has_care = v.delivered_eur.len() == s.domains.len();
            for (d, id) in s.domains.iter().enumerate() {
                let mut m = Map::new();
                m.insert("eur".into(), batch(&v.demand_eur[d]));
                m.insert("fte".into(), batch(&v.demand_fte[d]));
                demand.insert(id.as_str().into(), m.into());
                let (eur, fte) = if has_care {
                    (&v.delivered_eur[d], &v.delivered_fte[d])
                } else {
                    (&v.demand_eur[d], &v.demand_fte[d])
                };
                let gone =
                    |all: &[f64], done: &[f64]| batch_of(all.iter().zip(done).map(|(a, b)| a - b));
                let mut u = Map::new();
                u.insert("eur".into(), gone(&v.demand_eur[d], eur));
                u.insert("fte".into(), gone(&v.demand_fte[d], fte));
                unmet.insert(id.as_str().into(), u.into());
                let mut m = Map::new();
                m.insert("eur".into(), batch(eur));
                m.insert("fte".into(), batch(fte));
                // What the domain's contract paid for it (a fixed sum need not follow it).
                let paid = match v.payments.get(d) {
                    Some(p) if has_care => p,
                    _ => eur,
                };
                m.insert("paid".into(), batch(paid));
                delivered.insert(id.as_str().into(), m.into());
            }
            let mut margin = Map::new();
            if has_care && v.payments.len() == s.domains.len() {
                for (id, shares) in &self.market {
                    let m = (0..len).map(|b| {
                        shares
                            .iter()
                            .map(|&(d, sh)| sh * (v.payments[d][b] - v.care_cost[d][b]))
                            .sum()
                    });
                    margin.insert(id.as_str().into(), batch_of(m));
                }
            }
            let mut payments = Map::new();
            for (f, id) in self.financiers.iter().enumerate() {
                let paid = match v.domain_cost.get(f) {
                    Some(paid) => batch(paid),
                    None => Dynamic::from(Batch::splat(len, 0.0)),
                };
                payments.insert(id.as_str().into(), paid);
            }
            let mut cost = Map::new();
            for (f, id) in self.financiers.iter().enumerate() {
                cost.insert(id.as_str().into(), batch(&v.domain_cost[f]));
            }
            // A frame without market shares (a rule test's) pays all of its domains.
            let mut own_cost = Map::new();
            for (f, id) in self.financiers.iter().enumerate() {
                let own = match v.own_cost.get(f) {
                    Some(c) if c.len() == len => c,
                    _ => &v.domain_cost[f],
                };
                own_cost.insert(id.as_str().into(), batch(own));
            }
            cost.insert("total".into(), batch(&v.cost_total));
            let gap = (0..frame.len).map(|b| (0..s.domains.len()).map(|d| gap_of(d, b)).sum());
            let mut g = Map::new();
            g.insert("fte".into(), batch_of(gap));
            let mut out = Map::new();
            out.insert("demand".into(), demand.into());
            out.insert("delivered".into(), delivered.into());
            out.insert("unmet".into(), unmet.into());
            out.insert("payments".into(), payments.into());
            out.insert("margin".into(), margin.into());
            out.insert("cost".into(), cost.into());
            out.insert("own_cost".into(), own_cost.into());
            out.insert("gap".into(), g.into());
            out
        };
        // The variant's own staff for care: interventions may take some of the workforce.
        let net_gap = |d: usize, b: usize| {
            let staff = network
                .capacity_fte
                .get(d)
                .map_or(frame.capacity_fte[d][b], |c| c[b]);
            (network.demand_fte[d][b] - staff).max(0.0)
        };
        let base_gap = |d: usize, b: usize| {
            (frame.baseline.demand_fte[d][b] - frame.capacity_fte[d][b]).max(0.0)
        };
        let mut map = variant(network, &net_gap);
        map.insert(
            "baseline".into(),
            variant(&frame.baseline, &base_gap).into(),
        );
        map.insert("year".into(), Dynamic::from_int(i64::from(frame.year)));
        map.insert(
            "start_year".into(),
            Dynamic::from_int(i64::from(self.start_year)),
        );
        map.insert("horizon".into(), Dynamic::from_int(i64::from(self.horizon)));
        map.insert(
            "population".into(),
            frame
                .population
                .iter()
                .map(|(g, v)| ((*g).into(), batch(v)))
                .collect::<Map>()
                .into(),
        );
        map.insert(
            "capacity".into(),
            s.domains
                .iter()
                .enumerate()
                .map(|(d, id)| (id.as_str().into(), batch(&frame.capacity_fte[d])))
                .collect::<Map>()
                .into(),
        );
        map.insert(
            "budget".into(),
            self.financiers
                .iter()
                .enumerate()
                .map(|(f, id)| (id.as_str().into(), batch(&frame.budget[f])))
                .collect::<Map>()
                .into(),
        );
        let savings = frame
            .baseline
            .cost_total
            .iter()
            .zip(&network.cost_total)
            .map(|(b, n)| b - n);
        map.insert("savings".into(), batch_of(savings));
        let mut t = Map::new();
        t.insert("available".into(), batch(transition.0));
        t.insert("spent".into(), batch(transition.1));
        map.insert("transition".into(), t.into());
        map.insert("partners".into(), self.partners.clone().into());
        map.insert(
            "financier_of".into(),
            s.domains
                .iter()
                .zip(&s.domain_financier)
                .map(|(d, f)| (d.as_str().into(), Dynamic::from(f.clone())))
                .collect::<Map>()
                .into(),
        );
        let positions: Map = self
            .partner_ids
            .iter()
            .zip(running.positions)
            .map(|(id, p)| (id.as_str().into(), batch(p)))
            .collect();
        map.insert("position".into(), positions.into());
        map
    }
}

impl Agreement for BatchRules<'_> {
    fn hook(
        &mut self,
        hook: Hook,
        shared: &YearFrame,
        own: &mut VariantYear,
        ledger: &mut Ledger,
        draws: &Draws,
    ) -> Result<(), RuleError> {
        let name = hook.function_name();
        if !self.set.rules.iter().any(|r| r.compiled.has_hook(name)) {
            return Ok(());
        }
        self.apply_leaving(shared.year);
        let st = &mut self.state;
        st.ledger = std::mem::replace(ledger, Ledger::new(Vec::new(), 0, 0, None));
        st.demand = std::mem::take(&mut own.frame);
        st.events = std::mem::take(&mut own.events);
        st.tallies = std::mem::take(&mut own.tallies);
        st.investing = std::mem::take(&mut own.investing);
        st.year = shared.year;
        st.hook = hook;
        st.demand_changed = false;
        let running = Running {
            transition: (&own.transition_available[..], &own.transition_spent[..]),
            positions: &own.positions,
        };
        let mut state =
            std::mem::replace(&mut self.state, HostState::new(0, Vec::new(), Vec::new()));
        let result = Host::with(&mut state, |host| {
            self.run(host, hook, shared, running, draws)
        });
        self.state = state;
        let st = &mut self.state;
        *ledger = std::mem::replace(&mut st.ledger, Ledger::new(Vec::new(), 0, 0, None));
        own.frame = std::mem::take(&mut st.demand);
        own.events = std::mem::take(&mut st.events);
        own.tallies = std::mem::take(&mut st.tallies);
        own.investing = std::mem::take(&mut st.investing);
        result
    }
}

impl BatchRules<'_> {
    /// Calls `hook` of every rule that defines it, in the scenario's order.
    fn run(
        &self,
        host: &Host,
        hook: Hook,
        shared: &YearFrame,
        running: Running,
        draws: &Draws,
    ) -> Result<(), RuleError> {
        let name = hook.function_name();
        // One map `s` for the hook, shared (a reference count) with every rule that only
        // reads it; a rule that may change it gets a copy, so what one rule does to its `s`
        // never reaches another.
        let shared_view = |view: Map| Dynamic::from_map(view).into_shared();
        let mut view = shared_view(self.view(&lock(&host.state), shared, running));
        // The last rule with the hook gets the map itself: a copy costs an allocation per
        // nested map, and the rule consumes what it is given.
        let last = self
            .set
            .rules
            .iter()
            .rposition(|r| r.compiled.has_hook(name));
        for (i, rule) in self.set.rules.iter().enumerate() {
            if !rule.compiled.has_hook(name) {
                continue;
            }
            {
                let mut s = lock(&host.state);
                s.rule = i;
                if std::mem::take(&mut s.demand_changed) {
                    view = shared_view(self.view(&s, shared, running));
                }
            }
            // No rule holds the map between hooks (a rule that shares it cannot keep it), so
            // the lock is free.
            if let Some(mut s) = view.write_lock::<Map>() {
                s.insert("params".into(), param_value(&rule.params, draws));
            }
            let args = if Some(i) == last {
                std::mem::take(&mut view)
            } else {
                view.clone()
            };
            // A copy unless shared: `flatten` copies the map only while another holds it.
            let args = if rule.reads_state {
                args
            } else {
                args.flatten()
            };
            // What a hook returns is not used: rules act through the API.
            call_hook(&host.engine, &rule.compiled, name, (args,))
                .map(drop)
                .map_err(|mut e| {
                    e.year = Some(shared.year);
                    e
                })?;
        }
        Ok(())
    }
}

/// One rule hook run on a hand-made state of a single run: what `kloof test-rules` does.
#[derive(Debug, Clone)]
pub struct Case<'a> {
    pub rule: &'a CompiledRule,
    pub hook: Hook,
    pub year: i32,
    /// The map `s` the hook receives (with `params`).
    pub state: Map,
    /// Ledger accounts (partners, `outside`, funds) and their opening balances.
    pub accounts: Vec<(String, f64)>,
    /// Domains with their financier and network demand (EUR, FTE), for `scale_demand` and
    /// `shift_budget`.
    pub domains: Vec<(String, String, f64, f64)>,
    /// What the rule remembered in earlier years (`recall`).
    pub memory: Vec<(String, Dynamic)>,
    /// Net payments accounts already made this year, before the hook (`net_paid`).
    pub paid_this_year: Vec<(String, f64)>,
    /// What the case's parameters allow the rule (`params.allow`).
    pub allowed: Allowances,
    /// The partners a `tally` may name.
    pub partners: Vec<String>,
}

/// What a hook did in a [`Case`].
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    pub entries: Vec<crate::ledger::Entry>,
    pub balances: Vec<(String, f64)>,
    pub events: Vec<(String, bool)>,
    /// Per tally, the amount for each partner it named.
    pub tallies: Vec<(String, Vec<(String, f64)>)>,
    pub demand: Vec<(String, f64, f64)>,
    pub investing: bool,
}

/// Runs one hook of one rule on a single run's hand-made state.
pub fn run_case(case: &Case) -> Result<CaseOutcome, RuleError> {
    const OPENING: &str = "opening balances";
    let mut names: Vec<String> = case.accounts.iter().map(|(a, _)| a.clone()).collect();
    names.push(OPENING.into());
    let mut ledger = Ledger::new(names, 0, 1, Some(0));
    let origin = Origin {
        rule: "test case".into(),
        line: 0,
    };
    for (a, v) in &case.accounts {
        let (from, to, amount) = if *v >= 0.0 {
            (OPENING, a.as_str(), *v)
        } else {
            (a.as_str(), OPENING, -v)
        };
        if amount > 0.0 {
            ledger
                .transfer(from, to, &[amount], case.year, &origin, "opening balance")
                .map_err(|e| RuleError::new(&case.rule.path, e.to_string()))?;
        }
    }
    // Opening balances are last year's: this year's flows start empty.
    ledger.new_year();
    for (a, v) in &case.paid_this_year {
        let (from, to, amount) = if *v >= 0.0 {
            (a.as_str(), OPENING, *v)
        } else {
            (OPENING, a.as_str(), -v)
        };
        ledger
            .transfer(
                from,
                to,
                &[amount],
                case.year,
                &origin,
                "paid earlier this year",
            )
            .map_err(|e| RuleError::new(&case.rule.path, e.to_string()))?;
    }
    let opening = ledger.entries().len();
    let declared = Declared::of(case.rule);
    let mut state = HostState::new(
        case.year,
        vec![case.rule.path.clone()],
        case.domains
            .iter()
            .map(|d| (d.0.clone(), d.1.clone()))
            .collect(),
    );
    state.ledger = ledger;
    state.allowed = vec![case.allowed];
    state.hook = case.hook;
    state.demand = VariantFrame {
        demand_eur: case.domains.iter().map(|d| vec![d.2]).collect(),
        demand_fte: case.domains.iter().map(|d| vec![d.3]).collect(),
        cost_total: vec![0.0],
        ..VariantFrame::default()
    };
    state.events = declared
        .events
        .iter()
        .map(|e| (e.clone(), vec![0.0]))
        .collect();
    state.tallies = declared
        .tallies
        .iter()
        .map(|t| (t.clone(), vec![vec![0.0]; case.partners.len()]))
        .collect();
    state.partner_ids = case.partners.clone();
    state.investing = vec![1.0];
    state.memory = HashMap::from([(0, case.memory.iter().cloned().collect())]);
    Host::with(&mut state, |host| {
        call_hook(
            &host.engine,
            case.rule,
            case.hook.function_name(),
            (Dynamic::from_map(case.state.clone()),),
        )
        .map(drop)
    })
    .map_err(|mut e| {
        e.year = Some(case.year);
        e
    })?;
    let s = &state;
    let accounts = s.ledger.accounts().to_vec();
    Ok(CaseOutcome {
        entries: s.ledger.entries()[opening..].to_vec(),
        balances: accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| *a != OPENING)
            .map(|(i, a)| (a.clone(), s.ledger.balance(i)[0]))
            .collect(),
        events: s
            .events
            .iter()
            .map(|(n, v)| (n.clone(), v[0] != 0.0))
            .collect(),
        tallies: s
            .tallies
            .iter()
            .map(|(n, rows)| {
                let named = s.partner_ids.iter().zip(rows);
                (n.clone(), named.map(|(p, v)| (p.clone(), v[0])).collect())
            })
            .collect(),
        demand: s
            .domains
            .iter()
            .enumerate()
            .map(|(d, id)| {
                (
                    id.clone(),
                    s.demand.demand_eur[d][0],
                    s.demand.demand_fte[d][0],
                )
            })
            .collect(),
        investing: s.investing[0] != 0.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_funds_come_from_the_compiled_script_in_source_order() {
        let source = r#"
// event("in_a_comment", 1) and "fund:in_a_comment" are not code
fn helper(s) { pay("gemeente", "fund:reserve", 1, "x"); }
fn on_year(s) {
    event("late", 0);
    let name = "dynamic";
    event(name, 0);
    helper(s);
    deposit("buffer", "gemeente", 1, "y");
}
fn on_start(s) { event("early", 1); withdraw("reserve", "gemeente", 1, "z"); }
"#;
        let rule = compile(&new_engine(), "t.rhai", source).expect("compiles");
        let d = Declared::of(&rule);
        assert_eq!(d.events, ["late", "early"]);
        assert_eq!(d.funds, ["reserve", "buffer"]);
    }
}
