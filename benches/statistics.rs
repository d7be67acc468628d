//! The statistics of one series-year: the five percentiles of 10,000 runs by selecting the
//! order statistics they need (what `Summary::of` does) against a full sort (what it did
//! before). The speed issue's target: statistics by selection, exactly the same numbers.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use kloof::stats::{Summary, quantile, select_for_quantiles};

const RUNS: usize = 10_000;
const PERCENTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

fn values() -> Vec<f64> {
    // A skewed series with ties, as money positions are: deterministic, no RNG needed.
    (0..RUNS)
        .map(|i| {
            let x = ((i as f64) * 0.618_033_988_75).fract();
            (x * x * 1.0e6).round()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let v = values();
    let mut g = c.benchmark_group("percentiles_10000_runs");
    g.bench_function("sort", |b| {
        b.iter_batched(
            || v.clone(),
            |mut x| {
                x.sort_by(f64::total_cmp);
                PERCENTILES.map(|p| quantile(&x, p))
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("select", |b| {
        b.iter_batched(
            || v.clone(),
            |mut x| {
                select_for_quantiles(&mut x, &PERCENTILES);
                PERCENTILES.map(|p| quantile(&x, p))
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("summary", |b| b.iter(|| Summary::of(&v)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
