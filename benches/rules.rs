//! The shipped rule library (Rhai, evaluated once per batch and year) against the same six
//! rules written in Rust, both driving `on_year` and `on_settle` for one year of a batch on the
//! same frame and ledger: 2,048 runs, and the simulator's default batch of 512 (where the fixed
//! cost per hook call weighs more). The target: scripted at most 2x slower at both sizes.
//!
//! The Rust rules below mirror `tests/fixtures/agreement.yaml`'s rules and parameters.

// The Rust rules walk several per-run arrays in step, indexed by run, as the scripts do.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use kloof::agreement::{Agreement, Agreements, Hook, VariantFrame, VariantYear, YearFrame};
use kloof::ledger::{Ledger, Origin};
use kloof::model::Model;
use kloof::rules::{RuleError, RuleSet};
use kloof::sampling::Draws;
use kloof::study::Source;
use kloof::variant::Variant;

/// Batch sizes: the simulator's default batch (`Settings::DEFAULT_BATCH`) and a larger one.
const LENS: [usize; 2] = [512, 2048];
const YEAR: i32 = 2027;

/// A frame with varied, plausible numbers: domains wmo (town) and nursing (insurer); the
/// shared year and the network's own.
fn frame(len: usize, events: &[String], tallies: &[String]) -> (YearFrame, VariantYear) {
    let wave = |base: f64, amp: f64| {
        (0..len)
            .map(|b| base + amp * ((b as f64) * 0.37).sin())
            .collect::<Vec<f64>>()
    };
    let variant = |cut: f64| {
        let eur = vec![wave(3.0e6 * cut, 2.0e5), wave(4.0e6 * cut, 3.0e5)];
        let fte = vec![wave(40.0 * cut, 3.0), wave(50.0 * cut, 4.0)];
        let total: Vec<f64> = (0..len).map(|b| eur[0][b] + eur[1][b]).collect();
        VariantFrame {
            domain_cost: eur.clone(),
            demand_eur: eur,
            demand_fte: fte,
            cost_total: total,
            ..VariantFrame::default()
        }
    };
    let shared = YearFrame {
        year: YEAR,
        len,
        population: ["0-19", "20-64", "65+", "80+", "total"]
            .into_iter()
            .map(|g| (g, wave(10_000.0, 300.0)))
            .collect(),
        baseline: variant(1.0),
        capacity_fte: vec![wave(38.0, 2.0), wave(48.0, 2.0)],
        budget: vec![wave(3.0e6, 1.0e5), wave(4.0e6, 1.0e5)],
        terms: Default::default(),
    };
    let own = VariantYear {
        frame: variant(0.97),
        transition_available: wave(2.5e5, 1.0e4),
        transition_spent: wave(2.0e5, 1.0e4),
        events: events.iter().map(|e| (e.clone(), vec![0.0; len])).collect(),
        tallies: tallies
            .iter()
            .map(|t| (t.clone(), vec![vec![0.0; len]; 4]))
            .collect(),
        investing: vec![1.0; len],
        positions: vec![vec![0.0; len]; 4],
    };
    (shared, own)
}

fn ledger(len: usize) -> Ledger {
    let accounts = [
        "town",
        "insurer",
        "homecare",
        "residents",
        "outside",
        "interventions",
    ];
    let mut l = Ledger::new(
        accounts.iter().map(|a| a.to_string()).collect(),
        0,
        len,
        None,
    );
    for f in ["transition", "friction", "wijk_settlement"] {
        l.open_fund(f);
    }
    let origin = Origin {
        rule: "bench".into(),
        line: 0,
    };
    l.transfer(
        "outside",
        "fund:transition",
        &vec![50_000.0; len],
        YEAR,
        &origin,
        "opening",
    )
    .expect("opening");
    l
}

/// The six rules in Rust, with the fixture's parameters.
#[derive(Default)]
struct RustRules {
    avoided: HashMap<i32, Vec<f64>>,
    saved: Vec<f64>,
    base: Vec<f64>,
    /// wijkbudget: the budget's factor and the last agreed volume, per run.
    factor: Vec<f64>,
    volume: Vec<f64>,
}

impl Agreement for RustRules {
    fn hook(
        &mut self,
        hook: Hook,
        f: &YearFrame,
        own: &mut VariantYear,
        l: &mut Ledger,
        _: &Draws,
    ) -> Result<(), RuleError> {
        let o = Origin {
            rule: "rust".into(),
            line: 0,
        };
        let err = |e: kloof::ledger::LedgerError| RuleError::core(e.to_string(), f.year);
        let n = f.len;
        match hook {
            Hook::Year => {
                // waterbed: wmo, share 0.2, delay 1
                let avoided: Vec<f64> = (0..n)
                    .map(|b| (f.baseline.demand_eur[0][b] - own.frame.demand_eur[0][b]).max(0.0))
                    .collect();
                let back = self
                    .avoided
                    .get(&(f.year - 1))
                    .cloned()
                    .unwrap_or_else(|| vec![0.0; n]);
                self.avoided.insert(f.year, avoided);
                for b in 0..n {
                    let now = own.frame.demand_eur[0][b];
                    let factor = if now > 0.0 {
                        (now + back[b] * 0.2) / now.max(1.0)
                    } else {
                        1.0
                    };
                    own.frame.demand_eur[0][b] *= factor;
                    own.frame.demand_fte[0][b] *= factor;
                }
            }
            Hook::Settle => {
                // transition_budget: carry over half, return the rest to town and insurer
                let fund = l.account("fund:transition").map_err(err)?;
                let unspent = l.balance(fund);
                let keep: Vec<f64> = unspent.iter().map(|u| u * 0.5).collect();
                let first: Vec<f64> = (0..n)
                    .map(|b| ((unspent[b] - keep[b]) * 0.5).max(0.0))
                    .collect();
                l.transfer(
                    "fund:transition",
                    "town",
                    &first,
                    f.year,
                    &o,
                    "unspent returned",
                )
                .map_err(err)?;
                let rest = l.balance(fund);
                let last: Vec<f64> = (0..n).map(|b| (rest[b] - keep[b]).max(0.0)).collect();
                l.transfer(
                    "fund:transition",
                    "insurer",
                    &last,
                    f.year,
                    &o,
                    "unspent returned",
                )
                .map_err(err)?;
                // domain_shift: nursing -> wmo, key 0.5
                let shift: Vec<f64> = (0..n)
                    .map(|b| {
                        (f.baseline.demand_eur[1][b] - own.frame.demand_eur[1][b]).max(0.0) * 0.5
                    })
                    .collect();
                l.transfer("insurer", "town", &shift, f.year, &o, "budget shift")
                    .map_err(err)?;
                // wijkbudget: town's budget as one lump sum to homecare (all of wmo), ceiling
                // 1.05, half of the overproduction agreed, renegotiation beyond 5 % of volume
                // re-bases the budget, topped up by the insurer.
                if self.factor.is_empty() {
                    self.factor = vec![1.0; n];
                    self.volume = (0..n)
                        .map(|b| own.frame.demand_eur[0][b] / f.budget[0][b].max(0.01))
                        .collect();
                }
                let (mut top, mut back, mut prod, mut lump, mut extra, mut unused) = (
                    vec![0.0; n],
                    vec![0.0; n],
                    vec![0.0; n],
                    vec![0.0; n],
                    vec![0.0; n],
                    vec![0.0; n],
                );
                let (mut over, mut reneg) = (vec![0.0; n], vec![0.0; n]);
                for b in 0..n {
                    let budget = f.budget[0][b] * self.factor[b];
                    top[b] = (budget - f.budget[0][b]).max(0.0);
                    back[b] = (f.budget[0][b] - budget).max(0.0);
                    prod[b] = own.frame.demand_eur[0][b];
                    lump[b] = budget;
                    let ceiling = budget * 1.05;
                    extra[b] = (prod[b].min(ceiling) - budget).max(0.0);
                    over[b] = (prod[b] - ceiling).max(0.0);
                    // One provider: no other's unused lump sum to settle its overproduction.
                    unused[b] = (budget - prod[b]).max(0.0);
                    let volume = own.frame.demand_eur[0][b] / f.budget[0][b].max(0.01);
                    let change = volume / self.volume[b] - 1.0;
                    if change.abs() > 0.05 {
                        reneg[b] = 1.0;
                        self.factor[b] *= 1.0 + change;
                        self.volume[b] = volume;
                    }
                }
                for (name, v) in [("renegotiation", &reneg), ("overproduction", &over)] {
                    if let Some((_, e)) = own.events.iter_mut().find(|(x, _)| x == name) {
                        e.iter_mut()
                            .zip(v)
                            .for_each(|(e, v)| *e = e.max(f64::from(u8::from(*v > 0.5))));
                    }
                }
                if let Some((_, rows)) = own.tallies.iter_mut().find(|(x, _)| x == "overproduction")
                {
                    rows[2].iter_mut().zip(&over).for_each(|(t, v)| *t += v);
                }
                l.transfer("insurer", "town", &top, f.year, &o, "rise")
                    .map_err(err)?;
                l.transfer("town", "insurer", &back, f.year, &o, "fall")
                    .map_err(err)?;
                l.transfer("homecare", "town", &prod, f.year, &o, "fee-for-service")
                    .map_err(err)?;
                l.transfer("town", "homecare", &lump, f.year, &o, "lump sum")
                    .map_err(err)?;
                l.transfer("town", "homecare", &extra, f.year, &o, "to the ceiling")
                    .map_err(err)?;
                l.transfer("homecare", "town", &unused, f.year, &o, "unused")
                    .map_err(err)?;
                // shared_savings: 33 % residents, 33 % providers (10 % friction)
                for (fi, id) in ["town", "insurer"].into_iter().enumerate() {
                    let saved: Vec<f64> = (0..n)
                        .map(|b| {
                            (f.baseline.domain_cost[fi][b] - own.frame.domain_cost[fi][b]).max(0.0)
                        })
                        .collect();
                    let part = |s: f64| saved.iter().map(|x| x * s).collect::<Vec<f64>>();
                    l.transfer(id, "residents", &part(0.33), f.year, &o, "residents")
                        .map_err(err)?;
                    l.transfer(id, "fund:friction", &part(0.033), f.year, &o, "friction")
                        .map_err(err)?;
                    l.transfer(id, "homecare", &part(0.297), f.year, &o, "providers")
                        .map_err(err)?;
                }
                // go_no_go: decision in 2027, thresholds 0
                if self.saved.is_empty() {
                    self.saved = vec![0.0; n];
                    self.base = vec![0.0; n];
                }
                for b in 0..n {
                    self.saved[b] += f.baseline.cost_total[b] - own.frame.cost_total[b];
                    self.base[b] += f.baseline.cost_total[b];
                }
                if f.year == 2027 {
                    for b in 0..n {
                        let no_go = self.saved[b] / self.base[b] < 0.0;
                        if no_go {
                            own.investing[b] = 0.0;
                            if let Some((_, e)) = own.events.iter_mut().find(|(x, _)| x == "no_go")
                            {
                                e[b] = 1.0;
                            }
                        }
                    }
                }
            }
            Hook::Start | Hook::End => {}
        }
        Ok(())
    }
}

fn rules(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/agreement.yaml");
    let source = Source::read(std::path::Path::new(path)).expect("fixture");
    let scenario = source.parse().expect("valid");
    let model = Model::compile(&scenario, scenario.region.horizon);
    let set = RuleSet::load(&model, source.dir().as_deref()).expect("rules compile");
    let (events, tallies) = (set.events(), set.tallies());
    for len in LENS {
        let draws = Draws::new(&model.inputs, 1, 0, len, YEAR);
        let mut group = c.benchmark_group(format!("rules, one batch-year of {len} runs"));
        group.sample_size(30);
        let year = |a: &mut dyn Agreement,
                    ((f, mut own), mut l): ((YearFrame, VariantYear), Ledger)| {
            a.hook(Hook::Year, &f, &mut own, &mut l, &draws)
                .expect("on_year");
            a.hook(Hook::Settle, &f, &mut own, &mut l, &draws)
                .expect("on_settle");
            (f, own, l)
        };
        let mut scripted = set
            .for_batch(&model, &Variant::network(&model))
            .expect("rules for a batch");
        group.bench_function("scripted (rules/*.rhai)", |b| {
            b.iter_batched(
                || (frame(len, &events, &tallies), ledger(len)),
                |input| year(scripted.as_mut(), input),
                BatchSize::LargeInput,
            )
        });
        let mut rust = RustRules::default();
        group.bench_function("same rules in Rust", |b| {
            b.iter_batched(
                || (frame(len, &events, &tallies), ledger(len)),
                |input| year(&mut rust, input),
                BatchSize::LargeInput,
            )
        });
        group.finish();
    }
    // An engine per thread and batch: after the first on a thread it reuses the prebuilt
    // batch library (the target: well under 100 µs, so that it is no cost beside a batch).
    c.bench_function("new_engine", |b| {
        b.iter(|| std::hint::black_box(kloof::rules::new_engine()))
    });
}

criterion_group!(benches, rules);
criterion_main!(benches);
