//! Budget paths on `tests/fixtures/tiny.yaml` (see tests/hand_calculation.rs for its demand):
//! a rate per year, the run's own price index, price index and demography, and the transition
//! budget on top — each by hand; and indexation cancelling price noise in the money gap.

mod common;

use common::{close, value};
use kloof::stats::Summary;
use kloof::study::{self, Options, Source, Study};
use kloof::variant::{BASELINE, NETWORK};

const TINY: &str = include_str!("fixtures/tiny.yaml");
const TOL: f64 = 1e-12;

/// The tiny region with the town's budget written as `budget` and `from -> to` applied.
fn tiny(budget: &str, changes: &[(&str, &str)]) -> Study {
    let mut text = TINY.replacen("budget: {growth: 0.03}", budget, 1);
    for (from, to) in changes {
        assert!(text.contains(from), "fixture lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    let source = Source {
        path: "budgets.yaml".into(),
        text,
        ..Default::default()
    };
    study::run(&source, &Options::default(), &|_| {}).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_path_gives_its_years_their_rate_and_growth_the_others() {
    let s = tiny("budget: {growth: 0.03, path: {2025: 0.10}}", &[]);
    // Start-year cost 425,000; +10 % into 2025, then +3 %.
    assert!(close(
        value(&s, BASELINE, "budget.eur.town", 2024, 0),
        425_000.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "budget.eur.town", 2025, 0),
        467_500.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "budget.eur.town", 2026, 0),
        481_525.0,
        TOL
    ));
}

#[test]
fn a_budget_following_prices_grows_with_the_runs_wage_and_price_growth() {
    let s = tiny("budget: {growth: 0, follows: prices}", &[]);
    // Wages and prices +2 % a year: 425,000 × 1.02 = 433,500; × 1.02 = 442,170.
    assert!(close(
        value(&s, BASELINE, "budget.eur.town", 2025, 0),
        433_500.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "budget.eur.town", 2026, 0),
        442_170.0,
        TOL
    ));
}

#[test]
fn prices_and_demography_leave_only_volume_growth_unfunded() {
    let s = tiny("budget: {growth: 0, follows: prices_and_demography}", &[]);
    // In 2025 the region has 640 people under 65 and 370 from 65 (everyone a year older), so
    // demand at start-year use is 640 × 100 + 370 × 1,000 = 434,000 and the budget
    // 425,000 × 1.02 × 434,000 / 425,000 = 442,680. Cost: 434,000 × 1.02 × 1.01 = 447,106.8;
    // the gap is the 1 % volume growth: 4,426.8.
    assert!(close(
        value(&s, BASELINE, "budget.eur.town", 2025, 0),
        442_680.0,
        TOL
    ));
    assert!(close(
        value(&s, BASELINE, "gap.eur", 2025, 0),
        4_426.8,
        1e-9
    ));
    // Without volume growth the budget is the cost, year after year.
    let s = tiny(
        "budget: {growth: 0, follows: prices_and_demography}",
        &[("volume: 0.01", "volume: 0")],
    );
    for y in 2024..=2026 {
        let (cost, budget) = (
            value(&s, BASELINE, "cost.eur.town", y, 0),
            value(&s, BASELINE, "budget.eur.town", y, 0),
        );
        assert!(close(budget, cost, 1e-12), "{y}: {budget} vs {cost}");
    }
}

#[test]
fn the_transition_budget_on_top_raises_the_contributors_budget_by_its_contribution() {
    let s = tiny("budget: {growth: 0.03, transition_on_top: true}", &[]);
    for (y, on_top) in [(2024, 0.0), (2025, 5_000.0), (2026, 5_000.0)] {
        for run in 0..3 {
            let base = value(&s, BASELINE, "budget.eur.town", y, run);
            let net = value(&s, NETWORK, "budget.eur.town", y, run);
            assert!(close(net - base, on_top, 1e-9) || (on_top == 0.0 && net == base));
        }
    }
    // The network's cost includes the 5,000 paid in: charged against the same budget
    // (425,000 × 1.03 = 437,750) it opens a gap; on top (442,750) it does not here.
    let charged = tiny("budget: {growth: 0.03}", &[]);
    let gap = |s: &Study| value(s, NETWORK, "gap.eur", 2025, 0);
    let cost = value(&s, NETWORK, "cost.eur.town", 2025, 0);
    assert_eq!(cost, value(&charged, NETWORK, "cost.eur.town", 2025, 0));
    assert!(cost > 437_750.0 && cost < 442_750.0, "{cost}");
    assert!(close(gap(&charged), cost - 437_750.0, 1e-9));
    assert_eq!(gap(&s), 0.0);
}

/// The 5th to 95th percentile width of `metric` in 2026 across runs.
fn spread(s: &Study, metric: &str) -> f64 {
    let x = Summary::of(s.outcomes.get(BASELINE, metric, 2026).expect("series"));
    x.p95 - x.p5
}

#[test]
fn indexation_cancels_price_noise_in_the_money_gap() {
    // Only wages and prices are uncertain (drawn per year): a budget on a fixed rate leaves
    // their noise in the money gap; one that follows the run's own price index cancels it, so
    // the interval collapses to (nearly) a point.
    let uncertain = [
        (
            "wages_prices: 0.02",
            "wages_prices: {dist: normal, mean: 0.02, sd: 0.01, per: year}",
        ),
        ("runs: 3", "runs: 400"),
    ];
    let fixed = tiny("budget: {growth: 0.03}", &uncertain);
    let indexed = tiny(
        "budget: {growth: 0, follows: prices_and_demography}",
        &uncertain,
    );
    let (f, i) = (spread(&fixed, "gap.eur"), spread(&indexed, "gap.eur"));
    assert!(f > 5_000.0, "fixed-rate gap spreads over {f}");
    assert!(i < f / 50.0, "indexed gap spreads over {i} against {f}");
}

/// Whatever path the scenario gives a budget, the money gap is reported under both paths side
/// by side, from the same start: with the budget on its own 3 % a year, the tiny region's 2025
/// gap on prices only is cost 447,106.8 less 425,000 × 1.02 = 433,500, i.e. 13,606.8; with
/// prices and demography the budget is 442,680 and the gap the 1 % volume growth, 4,426.8. The
/// financeable gap adds the care left unmet (none in the tiny region).
#[test]
fn the_money_gap_is_reported_under_both_budget_paths() {
    let s = tiny("budget: {growth: 0.03}", &[]);
    let at = |m: &str| value(&s, BASELINE, m, 2025, 0);
    assert!(
        close(at("gap.eur.town.prices"), 13_606.8, 1e-9),
        "{}",
        at("gap.eur.town.prices")
    );
    assert!(close(at("gap.eur.town.demography"), 4_426.8, 1e-9));
    assert!(close(at("gap.eur.prices"), 13_606.8, 1e-9));
    assert!(close(at("gap.eur.demography"), 4_426.8, 1e-9));
    // On its own path (425,000 × 1.03 = 437,750) the gap is 9,356.8.
    assert!(close(at("gap.eur"), 447_106.8 - 437_750.0, 1e-9));
    assert_eq!(at("unmet.eur.total"), 0.0);
    assert!(close(at("gap.eur.financeable"), at("gap.eur"), 1e-12));
    // A budget that follows a path is that path's budget: its gap is that path's gap.
    let s = tiny("budget: {growth: 0, follows: prices}", &[]);
    for y in 2024..=2026 {
        let (own, path) = (
            value(&s, BASELINE, "gap.eur", y, 0),
            value(&s, BASELINE, "gap.eur.prices", y, 0),
        );
        assert!(close(own, path, 1e-12), "{y}: {own} vs {path}");
    }
}

/// The financeable gap is the money gap were the unmet care delivered and paid: in the
/// economics fixture home leaves EUR 51,111 of its 2025 demand unmet (411,111 less 360,000
/// delivered), all the town's; the town's budget is flat at 360,000 and its cost 360,000, so
/// its money gap is 0 (up to rounding) and its financeable gap 51,111.
#[test]
fn the_financeable_gap_adds_the_unmet_care_at_its_prices() {
    let s = common::run(&common::fixture("economics.yaml"), Options::default());
    let at = |m: &str| value(&s, BASELINE, m, 2025, 0);
    assert!(at("gap.eur").abs() < 1e-6, "{}", at("gap.eur"));
    assert!(
        close(at("gap.eur.financeable"), 370_000.0 / 0.9 - 360_000.0, 1e-9),
        "{}",
        at("gap.eur.financeable")
    );
}
