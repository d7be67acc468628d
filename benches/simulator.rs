//! The simulator on the default scenario.
//!
//! - `simulator`: run-years per second, baseline and network together, on one and on all
//!   threads (one element = one run simulated for one year);
//! - `variants`: one simulation of 2, 16 and 256 variants (coalitions of the scenario's eight
//!   partners) under the same draws, results handed to a recorder that keeps a running sum
//!   only, as a coalition analysis would. The shared projection is computed once per batch and
//!   year whatever the number of variants; what an extra variant costs is its own step
//!   (interventions, rules, ledger, recording).

use std::sync::Mutex;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use kloof::model::Model;
use kloof::outcome::{RecordedYear, Recorder};
use kloof::rules::RuleSet;
use kloof::simulator::{Settings, simulate, simulate_into};
use kloof::study::Source;
use kloof::variant::{Variant, baseline_and_network};

fn setup() -> (Model, RuleSet) {
    let scenario = Source::embedded_default()
        .parse()
        .expect("default scenario is valid");
    let model = Model::compile(&scenario, scenario.region.horizon);
    let rules = RuleSet::load(&model, None).expect("default rules compile");
    (model, rules)
}

fn simulator(c: &mut Criterion) {
    let (model, rules) = setup();
    let variants = baseline_and_network(&model);
    let runs = 10_000;
    let years = model.years().count() as u64;
    let mut group = c.benchmark_group("simulator");
    group.throughput(Throughput::Elements(runs * years));
    group.sample_size(10);
    for threads in [1, 2] {
        let settings = Settings {
            runs,
            seed: 1,
            batch_size: Settings::DEFAULT_BATCH,
            threads: Some(threads),
            cancel: None,
            first_run: 0,
        };
        group.bench_function(format!("default scenario, {threads} thread(s)"), |b| {
            b.iter(|| simulate(&model, &settings, &variants, &rules, &|_| {}).expect("simulates"))
        });
    }
    group.finish();
}

/// Keeps the sum of every value it is handed: enough that nothing can be skipped.
struct Sum(Mutex<f64>);

impl Recorder for Sum {
    fn record(&self, y: &RecordedYear) {
        let s: f64 = y.values.iter().sum();
        *self.0.lock().expect("not poisoned") += s;
    }
}

/// The first `n` coalitions by bit mask (partner `i` takes part when bit `i` is set): the
/// baseline (mask 0), then coalitions of growing size; with `n = 2` the baseline and the
/// network.
fn coalitions(m: &Model, n: usize) -> Vec<Variant> {
    if n == 2 {
        return baseline_and_network(m);
    }
    (0..n)
        .map(|mask| Variant::coalition(&format!("c{mask}"), m, |i| mask >> i & 1 == 1))
        .collect()
}

fn variants(c: &mut Criterion) {
    let (model, rules) = setup();
    let settings = Settings {
        runs: 512,
        seed: 1,
        batch_size: 256,
        threads: Some(2),
        cancel: None,
        first_run: 0,
    };
    let mut group = c.benchmark_group("variants, 512 runs");
    group.sample_size(10);
    for n in [2, 16, 256] {
        let variants = coalitions(&model, n);
        group.bench_function(format!("{n} variants"), |b| {
            b.iter(|| {
                let sum = Sum(Mutex::new(0.0));
                simulate_into(&model, &settings, &variants, &rules, &sum, &|_| {})
                    .expect("simulates");
                sum.0.into_inner().expect("not poisoned")
            })
        });
    }
    group.finish();
}

/// The default run's simulation with every run kept (what `kloof run` reports from) against
/// the same simulation with only a sum kept: what storing the results costs.
fn recording(c: &mut Criterion) {
    let (model, rules) = setup();
    let variants = baseline_and_network(&model);
    let settings = Settings {
        runs: 10_000,
        seed: 1,
        batch_size: Settings::DEFAULT_BATCH,
        threads: Some(1),
        cancel: None,
        first_run: 0,
    };
    let mut group = c.benchmark_group("recording, 10,000 runs, 1 thread");
    group.sample_size(10);
    group.bench_function("every run kept", |b| {
        b.iter(|| simulate(&model, &settings, &variants, &rules, &|_| {}).expect("simulates"))
    });
    group.bench_function("sum only", |b| {
        b.iter(|| {
            let sum = Sum(Mutex::new(0.0));
            simulate_into(&model, &settings, &variants, &rules, &sum, &|_| {}).expect("simulates");
            sum.0.into_inner().expect("not poisoned")
        })
    });
    group.finish();
}

criterion_group!(benches, simulator, variants, recording);
criterion_main!(benches);
