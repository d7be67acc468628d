//! `kloof fairness` on the default scenario: every coalition of its eight partners (255
//! variants) simulated for 10,000 runs, then per run the exact Shapley value and the core check,
//! and the nucleolus of the expected game. The target: minutes on 2 cores.

use criterion::{Criterion, criterion_group, criterion_main};

use kloof::study::{self, Options, Source};

fn fairness(c: &mut Criterion) {
    let source = Source::embedded_default();
    let options = Options {
        runs: Some(10_000),
        threads: Some(2),
        ..Options::default()
    };
    let mut group = c.benchmark_group("fairness");
    group.sample_size(10);
    group.bench_function(
        "default scenario, 8 partners, 10,000 runs, 2 threads",
        |b| {
            b.iter(|| {
                study::fairness(&source, &options, &[], false, &|_, _| {}).expect("simulates")
            })
        },
    );
    group.finish();
}

criterion_group!(benches, fairness);
criterion_main!(benches);
