//! Properties that hold in every run: money is conserved, parts sum to the whole.

mod common;

use common::{close, fixture, run};
use kloof::study::Options;
use kloof::variant::{BASELINE, NETWORK};

fn all(s: &kloof::study::Study, v: &str, m: &str, y: i32) -> Vec<f64> {
    s.outcomes
        .get(v, m, y)
        .unwrap_or_else(|| panic!("{m}"))
        .to_vec()
}

#[test]
fn money_is_conserved_across_financiers_funds_and_what_leaves_the_network() {
    let s = run(&fixture("uncertain.yaml"), Options::default());
    let mut fund_before = vec![0.0; 400];
    for y in 2024..=2030 {
        // Baseline: financiers pay exactly what their domains' contracts pay (fee for service
        // here: the care delivered).
        let total = all(&s, BASELINE, "cost.eur.total", y);
        let (town, insurer) = (
            all(&s, BASELINE, "cost.eur.town", y),
            all(&s, BASELINE, "cost.eur.insurer", y),
        );
        let delivered = all(&s, BASELINE, "delivered.eur.total", y);
        for r in 0..total.len() {
            assert!(close(town[r] + insurer[r], total[r], 1e-12));
            assert!(close(delivered[r], total[r], 1e-12));
        }
        // Network: what financiers pay = care delivered + interventions + what stayed in the
        // transition fund this year.
        let total = all(&s, NETWORK, "cost.eur.total", y);
        let (town, insurer) = (
            all(&s, NETWORK, "cost.eur.town", y),
            all(&s, NETWORK, "cost.eur.insurer", y),
        );
        let demand = all(&s, NETWORK, "delivered.eur.total", y);
        let spent = all(&s, NETWORK, "transition.eur.spent", y);
        let fund = all(&s, NETWORK, "fund.transition.eur", y);
        for r in 0..total.len() {
            assert!(
                close(demand[r] + spent[r], total[r], 1e-9),
                "run {r} year {y}"
            );
            let kept = fund[r] - fund_before[r];
            assert!(
                (town[r] + insurer[r] - (total[r] + kept)).abs() < 0.02,
                "run {r} year {y}"
            );
        }
        fund_before = fund;
        assert!(
            all(&s, NETWORK, "ledger.imbalance", y)
                .iter()
                .all(|x| *x == 0.0)
        );
        let saved = all(&s, NETWORK, "savings.eur.total", y);
        let b = all(&s, BASELINE, "cost.eur.total", y);
        for r in 0..saved.len() {
            assert_eq!(saved[r], b[r] - total[r]);
        }
    }
}

#[test]
fn the_transition_fund_never_pays_more_than_was_put_in() {
    let s = run(&fixture("uncertain.yaml"), Options::default());
    let mut cumulative = vec![0.0; 400];
    for y in 2024..=2030 {
        let spent = all(&s, NETWORK, "transition.eur.spent", y);
        let contributed = if (2025..=2029).contains(&y) {
            250_000.0
        } else {
            0.0
        };
        for r in 0..spent.len() {
            cumulative[r] += contributed - spent[r];
            // The fund keeps whole cents: allow a cent of rounding per year.
            assert!(
                cumulative[r] >= -0.01 * f64::from(y - 2023),
                "run {r} overspent in {y}"
            );
        }
        assert_eq!(
            all(&s, BASELINE, "population.total", y),
            all(&s, NETWORK, "population.total", y)
        );
        // Gap per domain adds up to the total gap.
        let parts: Vec<f64> = all(&s, BASELINE, "gap.fte.wmo", y)
            .iter()
            .zip(all(&s, BASELINE, "gap.fte.nursing", y))
            .map(|(a, b)| a + b)
            .collect();
        for (p, t) in parts.iter().zip(all(&s, BASELINE, "gap.fte", y)) {
            assert!(close(*p, t, 1e-12));
        }
    }
}
