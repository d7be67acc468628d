//! Properties that hold in every run: money is conserved, parts sum to the whole.

mod common;

use common::{close, fixture, run};
use kloof::outcome::Variant::{self, Baseline, Network};
use kloof::study::Options;

fn all(s: &kloof::study::Study, v: Variant, m: &str, y: i32) -> Vec<f64> {
    s.outcomes
        .get(v, m, y)
        .unwrap_or_else(|| panic!("{m}"))
        .to_vec()
}

#[test]
fn costs_split_over_financiers_and_network_cost_is_demand_plus_spending() {
    let s = run(&fixture("uncertain.yaml"), Options::default());
    for y in 2024..=2030 {
        for v in [Baseline, Network] {
            let total = all(&s, v, "cost.eur.total", y);
            let town = all(&s, v, "cost.eur.town", y);
            let insurer = all(&s, v, "cost.eur.insurer", y);
            let demand = all(&s, v, "demand.eur.total", y);
            let spent = if v == Network {
                all(&s, v, "transition.eur.spent", y)
            } else {
                vec![0.0; total.len()]
            };
            for r in 0..total.len() {
                assert!(close(town[r] + insurer[r], total[r], 1e-12));
                assert!(close(demand[r] + spent[r], total[r], 1e-12));
            }
        }
        let saved = all(&s, Network, "savings.eur.total", y);
        let (b, n) = (
            all(&s, Baseline, "cost.eur.total", y),
            all(&s, Network, "cost.eur.total", y),
        );
        for r in 0..saved.len() {
            assert_eq!(saved[r], b[r] - n[r]);
        }
    }
}

#[test]
fn the_transition_budget_is_never_overspent_and_both_variants_share_people() {
    let s = run(&fixture("uncertain.yaml"), Options::default());
    for y in 2024..=2030 {
        let spent = all(&s, Network, "transition.eur.spent", y);
        let in_period = (2025..=2029).contains(&y);
        assert!(
            spent
                .iter()
                .all(|x| *x <= 250_000.0 + 1e-6 && (in_period || *x == 0.0))
        );
        assert_eq!(
            all(&s, Baseline, "population.total", y),
            all(&s, Network, "population.total", y)
        );
        // Gap per domain adds up to the total gap.
        let parts: Vec<f64> = all(&s, Baseline, "gap.fte.wmo", y)
            .iter()
            .zip(all(&s, Baseline, "gap.fte.nursing", y))
            .map(|(a, b)| a + b)
            .collect();
        for (p, t) in parts.iter().zip(all(&s, Baseline, "gap.fte", y)) {
            assert!(close(*p, t, 1e-12));
        }
    }
}
