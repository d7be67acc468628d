//! Same scenario and seed give the same bytes, whatever the thread count or batch size.

mod common;

use common::{fixture, run};
use kloof::report::rows;
use kloof::study::Options;

fn csv(options: Options) -> String {
    let s = run(&fixture("uncertain.yaml"), options);
    let dir = common::report(&s);
    assert!(rows(&s.outcomes).len() > 100);
    std::fs::read_to_string(dir.path().join("results.csv")).expect("csv")
        + std::fs::read_to_string(dir.path().join("results.json"))
            .expect("json")
            .as_str()
}

#[test]
fn one_thread_and_two_threads_give_the_same_bytes() {
    let one = csv(Options {
        threads: Some(1),
        batch_size: Some(64),
        ..Options::default()
    });
    let two = csv(Options {
        threads: Some(2),
        batch_size: Some(64),
        ..Options::default()
    });
    assert_eq!(one, two);
}

#[test]
fn batch_size_does_not_change_results() {
    let a = csv(Options {
        batch_size: Some(1),
        threads: Some(2),
        ..Options::default()
    });
    let b = csv(Options {
        batch_size: Some(7),
        ..Options::default()
    });
    let c = csv(Options {
        batch_size: Some(4096),
        ..Options::default()
    });
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn another_seed_gives_other_draws() {
    // Run by run, not by the report's bytes: those differ by the seed in the manifest alone.
    let draws = |seed: Option<u64>| {
        let s = run(
            &fixture("uncertain.yaml"),
            Options {
                seed,
                ..Options::default()
            },
        );
        s.outcomes
            .get(kloof::variant::NETWORK, "cost.eur.total", 2030)
            .expect("metric")
            .to_vec()
    };
    let (a, b) = (draws(None), draws(Some(12)));
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert_eq!(same, 0, "{same} of {} runs drew the same cost", a.len());
    // And the same seed draws the same again.
    assert_eq!(a, draws(None));
}

#[test]
fn fewer_runs_are_a_prefix_of_more_runs() {
    // Run k draws from its own streams: the first 100 runs of 400 are the 100-run study.
    let small = run(
        &fixture("uncertain.yaml"),
        Options {
            runs: Some(100),
            ..Options::default()
        },
    );
    let large = run(&fixture("uncertain.yaml"), Options::default());
    let v = kloof::variant::NETWORK;
    let a = small
        .outcomes
        .get(v, "cost.eur.total", 2030)
        .expect("metric");
    let b = large
        .outcomes
        .get(v, "cost.eur.total", 2030)
        .expect("metric");
    assert_eq!(a, &b[..100]);
}
