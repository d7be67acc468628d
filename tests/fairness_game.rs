//! Cooperative games with published answers, the axioms the Shapley value and the nucleolus
//! satisfy on random games, game files and `kloof fairness --game`.

use std::process::Command;

use kloof::fairness::{
    Coalition, CoreVerdict, Game, Kind, core_verdict, nucleolus, parse_game, shapley_exact,
    shapley_sampled,
};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("p{i}")).collect()
}

fn game(n: usize, kind: Kind, f: impl Fn(Coalition) -> f64) -> Game {
    Game::from_fn(names(n), kind, f).expect("game")
}

fn assert_near(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "got {got:?}, want {want:?}");
    }
}

/// The bankruptcy game of an estate among claims: a coalition is sure of what is left once
/// everyone outside it is paid in full, `v(S) = max(0, E − Σ_{i∉S} d_i)`.
fn bankruptcy(estate: f64, claims: &[f64]) -> Game {
    game(claims.len(), Kind::Savings, |s| {
        let outside: f64 = (0..claims.len())
            .filter(|&i| !s.contains(i))
            .map(|i| claims[i])
            .sum();
        (estate - outside).max(0.0)
    })
}

/// Aumann & Maschler (1985), "Game theoretic analysis of a bankruptcy problem from the
/// Talmud", Journal of Economic Theory 36, 195–213: the Mishna's divisions of estates of 100,
/// 200 and 300 among claims of 100, 200 and 300 are the nucleoli of the bankruptcy games.
#[test]
fn the_talmud_estates_are_divided_by_the_nucleolus() {
    let claims = [100.0, 200.0, 300.0];
    let third = 100.0 / 3.0;
    for (estate, want) in [
        (100.0, [third, third, third]),
        (200.0, [50.0, 75.0, 75.0]),
        (300.0, [50.0, 100.0, 150.0]),
    ] {
        let n = nucleolus(&bankruptcy(estate, &claims)).expect("nucleolus");
        assert!(!n.pre);
        assert_near(&n.split, &want, 1e-6);
        // The same estates in euros of a million: the answer scales, the tolerances with it.
        let big: Vec<f64> = claims.iter().map(|c| c * 1e6).collect();
        let n = nucleolus(&bankruptcy(estate * 1e6, &big)).expect("nucleolus");
        let want: Vec<f64> = want.iter().map(|w| w * 1e6).collect();
        assert_near(&n.split, &want, 1.0);
    }
}

/// The glove game (e.g. Peleg & Sudhölter, *Introduction to the Theory of Cooperative Games*,
/// 2nd ed. 2007; Maschler, Solan & Zamir, *Game Theory*, 2013, ch. 17–20): one owner of a left
/// glove, two of a right one; a pair is worth 1. The core is the single point (1, 0, 0), which
/// is then also the nucleolus; the Shapley value is (2/3, 1/6, 1/6).
#[test]
fn the_glove_game_gives_the_scarce_glove_everything_in_the_core() {
    let gloves = game(3, Kind::Savings, |s| {
        f64::from(u8::from(s.contains(0) && (s.contains(1) || s.contains(2))))
    });
    assert_near(
        &shapley_exact(&gloves),
        &[2.0 / 3.0, 1.0 / 6.0, 1.0 / 6.0],
        1e-12,
    );
    assert_near(
        &nucleolus(&gloves).expect("nucleolus").split,
        &[1.0, 0.0, 0.0],
        1e-6,
    );
    assert_eq!(
        core_verdict(&gloves, &[1.0, 0.0, 0.0]),
        Ok(CoreVerdict::InCore)
    );
    // Both pairs are given 3/4 instead of 1; the tie goes to the first in bitmask order.
    match core_verdict(&gloves, &[0.5, 0.25, 0.25]).expect("verdict") {
        CoreVerdict::Blocked { coalition, excess } => {
            assert_eq!(coalition, Coalition(0b011));
            assert!((excess - 0.25).abs() < 1e-12);
        }
        other => panic!("{other:?}"),
    }
    // Shapley's split is not in the core: the owner of the left glove and either right one
    // get 5/6 together, and could have 1.
    assert!(
        !core_verdict(&gloves, &shapley_exact(&gloves))
            .expect("verdict")
            .in_core()
    );
}

/// Littlechild & Owen (1973), "A simple expression for the Shapley value in a special case",
/// Management Science 20(3): in an airport game (a runway costs what its longest-needing user
/// needs) the Shapley value splits each segment of the runway equally among those who use it.
/// Costs 1, 2, 3: (1/3, 1/3 + 1/2, 1/3 + 1/2 + 1).
#[test]
fn the_airport_game_splits_each_runway_segment_among_its_users() {
    let needs = [1.0, 2.0, 3.0];
    let airport = game(3, Kind::Cost, |s| {
        s.members().map(|i| needs[i]).fold(0.0, f64::max)
    });
    let want = [1.0 / 3.0, 1.0 / 3.0 + 0.5, 1.0 / 3.0 + 0.5 + 1.0];
    assert_near(&shapley_exact(&airport), &want, 1e-12);
    // The cost game's answers are those of its savings game turned back.
    let savings = shapley_exact(&airport.savings());
    let back: Vec<f64> = needs.iter().zip(&savings).map(|(c, y)| c - y).collect();
    assert_near(&back, &want, 1e-12);
    // An airport game is concave (cost), so its core is non-empty and holds the nucleolus and
    // the Shapley value; the nucleolus charges every player at most its own need.
    let n = nucleolus(&airport).expect("nucleolus").split;
    assert!((n.iter().sum::<f64>() - 3.0).abs() < 1e-6);
    assert!(n.iter().zip(&needs).all(|(x, c)| *x <= c + 1e-9), "{n:?}");
    assert_eq!(core_verdict(&airport, &n), Ok(CoreVerdict::InCore));
    assert_eq!(core_verdict(&airport, &want), Ok(CoreVerdict::InCore));
    // Charging the smallest user its whole need and more: it alone pays less on its own.
    match core_verdict(&airport, &[1.5, 0.5, 1.0]).expect("verdict") {
        CoreVerdict::Blocked { coalition, excess } => {
            assert_eq!(coalition, Coalition(0b001));
            assert!((excess - 0.5).abs() < 1e-12);
        }
        other => panic!("{other:?}"),
    }
    // Charging 4 for a runway of 3: all three together would pay less, and block.
    assert_eq!(
        core_verdict(&airport, &[1.0, 1.0, 2.0]),
        Ok(CoreVerdict::Short { shortfall: 1.0 })
    );
    // Charging 2: the runway is not paid for, no split of its cost at all.
    assert_eq!(
        core_verdict(&airport, &[0.5, 0.5, 1.0]),
        Ok(CoreVerdict::Overspent { excess: 1.0 })
    );
}

/// Shapley & Shubik (1954), "A method for evaluating the distribution of power in a committee
/// system", American Political Science Review 48: in the weighted vote [51; 50, 49, 1] the
/// largest party is pivotal in 4 of the 6 orders, the others in 1 each.
#[test]
fn the_weighted_vote_gives_the_shapley_shubik_index() {
    let weights = [50.0, 49.0, 1.0];
    let vote = game(3, Kind::Savings, |s| {
        let w: f64 = s.members().map(|i| weights[i]).sum();
        if w >= 51.0 { 1.0 } else { 0.0 }
    });
    assert_near(
        &shapley_exact(&vote),
        &[2.0 / 3.0, 1.0 / 6.0, 1.0 / 6.0],
        1e-12,
    );
}

/// A random game: values uniform in 0..100 for every coalition.
/// Values of a random game: 0 for the empty coalition, uniform on 0..100 for the others.
fn random_values(n: usize, rng: &mut Pcg64) -> Vec<f64> {
    (0..1u32 << n)
        .map(|s| {
            if s == 0 {
                0.0
            } else {
                rng.random::<f64>() * 100.0
            }
        })
        .collect()
}

fn random_game(n: usize, rng: &mut Pcg64) -> Game {
    Game::new(names(n), Kind::Savings, random_values(n, rng)).expect("game")
}

#[test]
fn shapley_is_efficient_symmetric_additive_and_pays_a_dummy_its_own_value() {
    let mut rng = Pcg64::seed_from_u64(10);
    for n in 2..=7 {
        let v = random_game(n, &mut rng);
        let w = random_game(n, &mut rng);
        let phi = shapley_exact(&v);
        // Efficiency.
        assert!((phi.iter().sum::<f64>() - v.value(v.grand())).abs() < 1e-9);
        // Additivity: φ(v + w) = φ(v) + φ(w).
        let sum = game(n, Kind::Savings, |s| v.value(s) + w.value(s));
        let both: Vec<f64> = phi
            .iter()
            .zip(shapley_exact(&w))
            .map(|(a, b)| a + b)
            .collect();
        assert_near(&shapley_exact(&sum), &both, 1e-9);
        // Symmetry: make players 0 and 1 interchangeable by giving each coalition the value of
        // its image with 0 and 1 swapped, averaged.
        let swap = |s: Coalition| {
            let (a, b) = (s.0 & 1, s.0 >> 1 & 1);
            Coalition(s.0 & !0b11 | a << 1 | b)
        };
        let sym = game(n, Kind::Savings, |s| (v.value(s) + v.value(swap(s))) / 2.0);
        let p = shapley_exact(&sym);
        assert!((p[0] - p[1]).abs() < 1e-9, "{p:?}");
        // A dummy player: the last adds exactly its own value 7 to every coalition.
        let last = n - 1;
        let dummy = game(n, Kind::Savings, |s| {
            let rest = Coalition(s.0 & !(1 << last));
            v.value(rest) + if s.contains(last) { 7.0 } else { 0.0 }
        });
        assert!((shapley_exact(&dummy)[last] - 7.0).abs() < 1e-9);
    }
}

/// The nucleolus lies in the core whenever the core is non-empty (Schmeidler 1969); convex
/// games have a non-empty core (Shapley 1971).
#[test]
fn the_nucleolus_of_a_convex_game_lies_in_its_core() {
    // Symmetric convex games v(S) = f(|S|), f convex: the nucleolus is the equal split.
    for n in 2..=8 {
        let sym = game(n, Kind::Savings, |s| (s.len() as f64).powi(2));
        let x = nucleolus(&sym).expect("nucleolus").split;
        assert_near(&x, &vec![n as f64; n], 1e-6);
        assert_eq!(core_verdict(&sym, &x), Ok(CoreVerdict::InCore));
    }
    // Random supermodular games: non-negative Harsanyi dividends d_T, v(S) = Σ_{T⊆S} d_T.
    let mut rng = Pcg64::seed_from_u64(7);
    for n in 2..=7 {
        let dividends: Vec<f64> = (0..1u32 << n).map(|_| rng.random::<f64>()).collect();
        let convex = game(n, Kind::Savings, |s| {
            (1..=s.0)
                .filter(|t| t & s.0 == *t)
                .map(|t| dividends[t as usize])
                .sum()
        });
        let x = nucleolus(&convex).expect("nucleolus").split;
        assert_eq!(
            core_verdict(&convex, &x),
            Ok(CoreVerdict::InCore),
            "n = {n}"
        );
        // In a convex game the Shapley value is in the core too (Shapley 1971).
        let phi = shapley_exact(&convex);
        assert_eq!(
            core_verdict(&convex, &phi),
            Ok(CoreVerdict::InCore),
            "n = {n}"
        );
    }
}

#[test]
fn the_nucleolus_of_random_games_is_an_imputation_found_at_twelve_players() {
    let mut rng = Pcg64::seed_from_u64(12);
    for n in [3, 5, 12] {
        // A random game with its grand coalition worth at least what the players get alone,
        // so that it has imputations and the nucleolus must be one (a purely random game
        // mostly has none, and the check below would then never run).
        let mut values = random_values(n, &mut rng);
        let alone: f64 = (0..n).map(|i| values[1 << i]).sum();
        let grand = (1 << n) - 1;
        values[grand] = values[grand].max(alone + 1.0);
        let v = Game::new(names(n), Kind::Savings, values).expect("game");
        let n_ = nucleolus(&v).expect("nucleolus");
        let x = &n_.split;
        assert!((x.iter().sum::<f64>() - v.value(v.grand())).abs() < 1e-6);
        assert!(!n_.pre, "{n} players: the game has imputations");
        assert!((0..n).all(|i| x[i] >= v.value(Coalition(1 << i)) - 1e-6));
    }
}

/// The excesses `v(S) − x(S)` of the proper coalitions, largest first.
fn excesses(v: &Game, x: &[f64]) -> Vec<f64> {
    let mut e: Vec<f64> = (1..v.grand().0)
        .map(|s| v.value(Coalition(s)) - Coalition(s).members().map(|i| x[i]).sum::<f64>())
        .collect();
    e.sort_by(|a, b| b.total_cmp(a));
    e
}

/// The nucleolus's defining property, checked directly: no nearby (pre-)imputation has a
/// lexicographically smaller vector of excesses.
#[test]
fn no_split_near_the_nucleolus_has_lexicographically_smaller_excesses() {
    let mut rng = Pcg64::seed_from_u64(2024);
    for n in [3, 4, 5] {
        for _ in 0..20 {
            let v = random_game(n, &mut rng);
            let nu = nucleolus(&v).expect("nucleolus");
            let best = excesses(&v, &nu.split);
            for _ in 0..200 {
                let mut d: Vec<f64> = (0..n).map(|_| rng.random::<f64>() - 0.5).collect();
                let mean = d.iter().sum::<f64>() / n as f64;
                d.iter_mut().for_each(|x| *x -= mean);
                let y: Vec<f64> = nu.split.iter().zip(&d).map(|(x, d)| x + 0.01 * d).collect();
                if !nu.pre && (0..n).any(|i| y[i] < v.value(Coalition(1 << i))) {
                    continue;
                }
                let other = excesses(&v, &y);
                let first = best
                    .iter()
                    .zip(&other)
                    .find(|(a, b)| (*a - *b).abs() > 1e-7);
                if let Some((a, b)) = first {
                    assert!(b > a, "n = {n}: {y:?} beats {:?}", nu.split);
                }
            }
        }
    }
}

/// Two players who together get less than apart: no imputation exists, and the
/// pre-nucleolus is the standard solution, each its own value plus half the (negative) surplus.
#[test]
fn without_imputations_the_pre_nucleolus_is_given() {
    let v = Game::new(names(2), Kind::Savings, vec![0.0, 1.0, 3.0, 2.0]).expect("game");
    let n = nucleolus(&v).expect("pre-nucleolus");
    assert!(n.pre);
    assert_near(&n.split, &[0.0, 2.0], 1e-6);
}

#[test]
fn sampled_shapley_lies_within_four_standard_errors_of_the_exact_value() {
    let mut rng = Pcg64::seed_from_u64(6);
    let v = random_game(6, &mut rng);
    let exact = shapley_exact(&v);
    let sampled = shapley_sampled(&v, 20_000, 42);
    for (e, s) in exact.iter().zip(&sampled) {
        assert!(s.std_error > 0.0);
        assert!(
            (e - s.value).abs() <= 4.0 * s.std_error,
            "{exact:?} vs {sampled:?}"
        );
    }
    assert_eq!(
        sampled,
        shapley_sampled(&v, 20_000, 42),
        "same seed, same numbers"
    );
}

const THREE: &str = "\
kind: savings
players: [hospital, insurer, municipality]
values:
  hospital: 0
  insurer: 0
  municipality: 0
  hospital,insurer: 50
  \"hospital, municipality\": 20
  insurer ,municipality: 30
  \"insurer,hospital,municipality\": 120
split:
  hospital: 40
  insurer: 40
  municipality: 40
";

#[test]
fn a_game_file_is_read_with_its_split() {
    let file = parse_game(THREE, "three.yaml").expect("game");
    assert_eq!(file.game.value(Coalition(0b011)), 50.0);
    assert_eq!(file.game.value(Coalition(0b110)), 30.0);
    assert_eq!(file.split, Some(vec![40.0, 40.0, 40.0]));
}

#[test]
fn a_missing_duplicate_or_unknown_coalition_is_named_with_its_line() {
    let missing = THREE.replace("  hospital,insurer: 50\n", "");
    let e = parse_game(&missing, "three.yaml").expect_err("missing");
    assert_eq!(
        e.to_string(),
        "three.yaml:3: no value for coalition `hospital,insurer`: every non-empty coalition of \
         the 3 players needs one (7 in all)"
    );
    let duplicate = THREE.replace(
        "  hospital,insurer: 50\n",
        "  hospital,insurer: 50\n  insurer, hospital: 55\n",
    );
    let e = parse_game(&duplicate, "three.yaml").expect_err("duplicate");
    assert_eq!(
        e.to_string(),
        "three.yaml:8: coalition `insurer, hospital` is given twice: first as \
         `hospital,insurer` on line 7"
    );
    let unknown = THREE.replace("insurer ,municipality", "insurer ,gp");
    let e = parse_game(&unknown, "three.yaml").expect_err("unknown");
    assert_eq!(
        e.to_string(),
        "three.yaml:9: coalition `insurer ,gp`: unknown player `gp` (the players are \
         hospital, insurer, municipality)"
    );
    let too_many = format!(
        "kind: cost\nplayers: [{}]\nvalues: {{}}\n",
        names(21).join(", ")
    );
    let e = parse_game(&too_many, "big.yaml").expect_err("too many");
    assert_eq!(
        e.to_string(),
        "big.yaml:2: 21 players, more than the 20 kloof computes games for"
    );
    let e = parse_game(&THREE.replace("kind: savings", "kind: profit"), "k.yaml")
        .expect_err("unknown kind");
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("unknown variant `profit`"), "{e}");
    let e = parse_game(&THREE.replace(": 50", ": lots"), "v.yaml").expect_err("not a number");
    assert_eq!(e.line, Some(7), "{e}");
}

fn kloof(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kloof"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("kloof runs")
}

#[test]
fn fairness_json_has_the_documented_shape_in_file_order() {
    let out = kloof(&[
        "fairness",
        "--game",
        "scenarios/games/talmud_200.yaml",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let json: serde_json::Value = serde_json::from_str(&text).expect("one JSON object");
    let object = json.as_object().expect("object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["blocking", "in_core", "nucleolus", "shapley"]);
    for (who, want) in [("first", 50.0), ("second", 75.0), ("third", 75.0)] {
        let got = json["nucleolus"][who].as_f64().expect("number");
        assert!((got - want).abs() < 1e-6, "{who}: {got}");
    }
    assert_eq!(json["in_core"], serde_json::json!(false));
    assert_eq!(json["blocking"], serde_json::json!(["second", "third"]));
    // Players in the file's order, not sorted (here they happen to agree; check the text).
    let first = text.find("\"first\"").expect("first");
    let third = text.find("\"third\"").expect("third");
    assert!(first < third);
}

#[test]
fn fairness_without_a_split_prints_nulls_and_keeps_player_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("zebra.yaml");
    let game = "kind: cost\nplayers: [zebra, apple]\nvalues:\n  zebra: 3\n  apple: 1\n  \
                zebra,apple: 3\n";
    std::fs::write(&path, game).expect("write");
    let out = kloof(&["fairness", "--game", path.to_str().expect("path"), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(json["in_core"], serde_json::Value::Null);
    assert_eq!(json["blocking"], serde_json::Value::Null);
    // Cost 3 + 1 alone, 3 together: the saving of 1 is split equally, 2.5 and 0.5.
    assert!((json["shapley"]["zebra"].as_f64().expect("n") - 2.5).abs() < 1e-9);
    assert!((json["nucleolus"]["apple"].as_f64().expect("n") - 0.5).abs() < 1e-6);
    assert!(text.find("\"zebra\"") < text.find("\"apple\""), "{text}");
}

#[test]
fn fairness_on_a_bad_game_file_fails_naming_the_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, THREE.replace("insurer ,municipality", "insurer ,gp")).expect("write");
    let out = kloof(&["fairness", "--game", path.to_str().expect("path")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:9: coalition `insurer ,gp`: unknown player `gp`",
            path.display()
        )),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// Values of ±1e308 once gave a Shapley value of `inf` (and `null` in JSON) and a failure inside
/// the LP solver without file or line: a game's values are held to ±1e15, at their line.
#[test]
fn a_value_beyond_a_thousand_trillion_is_refused_at_its_line() {
    for huge in ["1e308", "-1e308", "2e15"] {
        let text = THREE.replace("hospital,insurer: 50", &format!("hospital,insurer: {huge}"));
        let e = parse_game(&text, "three.yaml")
            .expect_err("refused")
            .to_string();
        assert!(
            e.starts_with("three.yaml:7:") && e.contains("at most 1e15"),
            "{huge}: {e}"
        );
    }
    assert!(matches!(
        Game::new(names(1), Kind::Savings, vec![0.0, 1e300]),
        Err(kloof::fairness::FairnessError::NotFinite { .. })
    ));
}
