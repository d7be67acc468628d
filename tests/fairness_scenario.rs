//! `kloof fairness SCENARIO`: every coalition of the partners simulated under the same draws.
//! The grand coalition is the plain run bit for bit, the agreed split hands out exactly what
//! the grand coalition achieves, groups play as the union of their members, a partner that does
//! not take part delivers none of an intervention, and the agreement may not pay it.

mod common;

use common::{run, scenario};
use kloof::fairness::Coalition;
use kloof::study::{self, Options, Source};
use kloof::variant::NETWORK;

fn options(runs: u64, threads: usize) -> Options {
    Options {
        runs: Some(runs),
        threads: Some(threads),
        ..Options::default()
    }
}

fn fairness(
    source: &Source,
    o: &Options,
    groups: &[(String, Vec<String>)],
) -> study::FairnessStudy {
    study::fairness(source, o, groups, false, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_grand_coalition_is_the_plain_run_bit_for_bit_and_the_split_is_efficient() {
    let source = scenario("zoetermeer");
    let f = fairness(&source, &options(64, 2), &[]);
    let plain = run(&source, options(64, 1));
    let h = plain.manifest.provenance.horizon;
    let n = f.game.players.len();
    assert_eq!(n, 8);
    assert_eq!(f.game.coalitions.len(), 255);
    let grand = f.game.values(Coalition(255)).expect("grand").to_vec();
    for (i, name) in f.game.players.names.iter().enumerate() {
        let net = plain
            .outcomes
            .get(NETWORK, &format!("partner.{name}.net"), h)
            .expect("position");
        let agreed = &f.game.agreed[i];
        assert_eq!(
            net.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            agreed.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            "{name}"
        );
    }
    for (r, g) in grand.iter().enumerate() {
        let total: f64 = (0..n).map(|i| f.game.agreed[i][r]).sum();
        assert!((total - g).abs() < 1e-6, "run {r}: {total} != {g}");
    }
    // The core share, recomputed from the runs: a run's agreed split is in the core when no
    // coalition achieves more on its own than its members are given. The financiers carry the
    // transition money and would lose nothing without the network, so they block it in every
    // run of Zoetermeer (counting money).
    let runs = grand.len();
    let in_core = (0..runs)
        .filter(|&r| {
            (1..256u32).all(|s| {
                let given: f64 = (0..n)
                    .filter(|i| s & (1 << i) != 0)
                    .map(|i| f.game.agreed[i][r])
                    .sum();
                f.game.values(Coalition(s)).expect("value")[r] <= given + 1e-6
            })
        })
        .count() as f64
        / runs as f64;
    assert_eq!(f.assessment.in_core, Some(in_core));
    assert_eq!(in_core, 0.0);
    let shapley_total: f64 = f.assessment.players.iter().map(|p| p.shapley.mean).sum();
    assert!((shapley_total - f.assessment.grand.mean).abs() < 1e-3);
}

#[test]
fn coalition_values_do_not_depend_on_threads() {
    let source = scenario("zoetermeer");
    let one = fairness(&source, &options(40, 1), &[]);
    let two = fairness(&source, &options(40, 2), &[]);
    for s in 1..256u32 {
        let bits = |f: &study::FairnessStudy| -> Vec<u64> {
            f.game
                .values(Coalition(s))
                .expect("simulated")
                .iter()
                .map(|x| x.to_bits())
                .collect()
        };
        assert_eq!(bits(&one), bits(&two), "coalition {s}");
    }
}

#[test]
fn a_group_plays_as_the_union_of_its_members() {
    let source = scenario("zoetermeer");
    let single = fairness(&source, &options(30, 2), &[]);
    let groups = vec![(
        "elderly_care".to_string(),
        vec!["vvt".to_string(), "sociaal_domein".to_string()],
    )];
    let grouped = fairness(&source, &options(30, 2), &groups);
    let names = &grouped.game.players.names;
    assert_eq!(names.len(), 7);
    let mask = |f: &study::FairnessStudy, ids: &[&str]| -> Coalition {
        Coalition(ids.iter().fold(0, |m, id| {
            m | 1
                << f.game
                    .players
                    .names
                    .iter()
                    .position(|n| n == id)
                    .expect("player")
        }))
    };
    // {gemeente, elderly_care} grouped is {gemeente, vvt, sociaal_domein} single.
    let a = grouped
        .game
        .values(mask(&grouped, &["gemeente", "elderly_care"]))
        .expect("simulated");
    let b = single
        .game
        .values(mask(&single, &["gemeente", "vvt", "sociaal_domein"]))
        .expect("simulated");
    assert_eq!(a, b);
    for bad in [
        vec![("g".to_string(), vec!["nobody".to_string()])],
        vec![
            ("g".to_string(), vec!["vvt".to_string()]),
            ("h".to_string(), vec!["vvt".to_string()]),
        ],
    ] {
        let e = study::fairness(&source, &options(4, 1), &bad, false, &|_, _| {})
            .expect_err("bad group");
        assert!(e.to_string().contains("--group"), "{e}");
    }
}

#[test]
fn a_provider_that_does_not_take_part_delivers_none_of_an_intervention() {
    // Zoetermeer's intervention `welzijn_eenzaamheid` is delivered by sociaal_domein alone
    // (EUR 420,000 a year): without it, nothing of it is bought and sociaal_domein is paid
    // nothing for intervention work; the fund keeps the money, which goes back at the end.
    let source = scenario("zoetermeer");
    let f = fairness(&source, &options(20, 2), &[]);
    let names = &f.game.players.names;
    let social = names
        .iter()
        .position(|n| n == "sociaal_domein")
        .expect("player");
    let financiers: u32 = ["gemeente", "zorgverzekeraars", "zorgkantoor"]
        .iter()
        .map(|id| 1u32 << names.iter().position(|n| n == id).expect("player"))
        .sum();
    // The financiers alone fund the fund, but no provider of theirs delivers: their position
    // is what the fund returns, none of it spent on care.
    let alone = f.game.values(Coalition(financiers)).expect("simulated");
    let with_social = f
        .game
        .values(Coalition(financiers | 1 << social))
        .expect("simulated");
    for (a, w) in alone.iter().zip(with_social) {
        assert!(
            a.abs() < 1.0,
            "financiers alone: nothing is delivered, nothing lost ({a})"
        );
        assert!(*w != *a, "with sociaal_domein its interventions run");
    }
}

#[test]
fn the_agreement_may_not_pay_a_partner_that_does_not_take_part() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rule = "fn on_settle(s) {\n    pay(\"town\", \"clinic\", 10, \"a bonus\");\n}\n";
    std::fs::write(dir.path().join("rule.rhai"), rule).expect("write");
    let tiny = include_str!("fixtures/tiny.yaml");
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, format!("{tiny}rules:\n  - file: rule.rhai\n")).expect("write");
    let source = Source::read(&path).expect("readable");
    let e =
        study::fairness(&source, &options(3, 1), &[], false, &|_, _| {}).expect_err("must fail");
    let e = e.to_string();
    assert!(
        e.contains("rule.rhai:2:5") && e.contains("`clinic` does not take part"),
        "{e}"
    );
    assert!(e.contains("takes_part"), "{e}");
}

#[test]
fn the_advisor_finds_a_key_at_least_as_good_as_the_agreed_one() {
    let source = scenario("ruwaard");
    let f = study::fairness(&source, &options(20, 2), &[], true, &|_, _| {}).expect("advises");
    let adv = f.advice.expect("advice");
    assert_eq!(adv.keys_tried, 231);
    assert!(adv.best.all_gain >= adv.agreed.all_gain);
    let sorted = |g: &[f64]| {
        let mut g = g.to_vec();
        g.sort_by(f64::total_cmp);
        g
    };
    // Leximin: the best key's sorted gain shares are not below the agreed key's.
    let (b, a) = (sorted(&adv.best.gains), sorted(&adv.agreed.gains));
    let first_difference = b.iter().zip(&a).find(|(x, y)| x != y);
    assert!(
        first_difference.is_none_or(|(x, y)| x > y),
        "{b:?} against {a:?}"
    );
    // The grid's residents' and providers' shares never exceed the whole.
    let (r, p) = (
        adv.best.residents.expect("r"),
        adv.best.providers.expect("p"),
    );
    assert!(r + p <= 1.0 + 1e-9);
    // Without a shared-savings rule there is no key to search.
    let e = study::fairness(
        &scenario("zoetermeer"),
        &options(4, 1),
        &[],
        true,
        &|_, _| {},
    )
    .expect_err("no rule");
    assert!(e.to_string().contains("no shared_savings rule"), "{e}");
}

/// Ruwaard's game at 60 runs once stopped the whole report: its nucleolus rounds, each
/// settled coalition held at the excess its own solve found, contradicted the floor by
/// round-off ("problem is infeasible"). Such a game is solved again with settled coalitions
/// held at most at their excess; the nucleolus is still an imputation of the expected game.
#[test]
fn a_nucleolus_that_round_off_makes_infeasible_is_still_found() {
    let f = fairness(&scenario("ruwaard"), &options(60, 2), &[]);
    let a = &f.assessment;
    assert_eq!(a.nucleolus_is_pre, Some(false));
    let shares: Vec<f64> = a
        .players
        .iter()
        .map(|p| p.nucleolus.expect("an exact game has a nucleolus"))
        .collect();
    let total: f64 = shares.iter().sum();
    assert!(
        (total - a.grand.mean).abs() < 1.0,
        "{total} against v(N) {}",
        a.grand.mean
    );
    for p in &a.players {
        let alone = p.alone.expect("every coalition is simulated").mean;
        let share = p.nucleolus.expect("share");
        assert!(
            share >= alone - 1.0,
            "{}: {share} below {alone} alone",
            p.player
        );
    }
}
