//! Run-years per second on the default scenario (baseline and network together), on one and
//! on all threads. Criterion reports the throughput in elements/s: one element is one run
//! simulated for one year.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use kloof::model::Model;
use kloof::rules::RuleSet;
use kloof::simulator::{Settings, simulate};
use kloof::study::Source;

fn simulator(c: &mut Criterion) {
    let scenario = Source::embedded_default()
        .parse()
        .expect("default scenario is valid");
    let mut model = Model::compile(&scenario, scenario.region.horizon);
    let rules = RuleSet::load(&scenario, None, &mut model).expect("default rules compile");
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
        };
        group.bench_function(format!("default scenario, {threads} thread(s)"), |b| {
            b.iter(|| simulate(&model, &settings, &rules, &|_| {}).expect("simulates"))
        });
    }
    group.finish();
}

criterion_group!(benches, simulator);
criterion_main!(benches);
