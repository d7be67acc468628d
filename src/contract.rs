//! What a contract pays for a year's delivered care: the one place the contract types of
//! Dutch care purchasing become numbers.

use crate::scenario::economics::ContractKind;

/// The payment under a contract of `kind` for `delivered` EUR of care (at the year's prices),
/// given the year's indexed `amount` (ceiling, sum, or capitation total) and, for a fixed sum,
/// its `corridor`.
///
/// A ceiling pays what is delivered: the ceiling binds in delivery (the simulator's
/// `care::bind_ceilings` holds care to the ceiling plus the share above it the financier
/// agreed to pay), so everything delivered is paid and no provider works unpaid.
///
/// A fixed sum with a corridor pays the sum while delivered care lies within
/// `sum × (1 ± corridor)`; beyond it, the difference past the corridor's edge is paid (or paid
/// back), as in a *nacalculatie* beyond the corridor. Without a corridor it is the sum.
pub fn payment(kind: ContractKind, delivered: f64, amount: f64, corridor: Option<f64>) -> f64 {
    match kind {
        ContractKind::FeeForService | ContractKind::Ceiling => delivered,
        ContractKind::Capitation | ContractKind::LumpSum => amount,
        ContractKind::FixedSum => match corridor {
            None => amount,
            Some(c) => {
                let (low, high) = (amount * (1.0 - c), amount * (1.0 + c));
                amount + (delivered - high).max(0.0) - (low - delivered).max(0.0)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContractKind::*;

    #[test]
    fn fee_for_service_pays_what_is_delivered() {
        assert_eq!(payment(FeeForService, 120.0, 100.0, None), 120.0);
    }

    #[test]
    fn a_ceiling_pays_the_care_it_lets_be_delivered() {
        // Delivery is held to the ceiling (plus an agreed share above it) before payment.
        assert_eq!(payment(Ceiling, 80.0, 100.0, None), 80.0);
        assert_eq!(payment(Ceiling, 105.0, 100.0, None), 105.0);
    }

    #[test]
    fn capitation_and_lump_sum_ignore_production() {
        assert_eq!(payment(Capitation, 10.0, 100.0, None), 100.0);
        assert_eq!(payment(LumpSum, 500.0, 100.0, None), 100.0);
    }

    #[test]
    fn a_fixed_sum_settles_only_beyond_its_corridor() {
        // Sum 100, corridor 5 %: 97 and 104 pay 100; 110 pays 100 + (110 - 105) = 105;
        // 90 pays 100 - (95 - 90) = 95.
        for (delivered, paid) in [(97.0, 100.0), (104.0, 100.0), (110.0, 105.0), (90.0, 95.0)] {
            let p = payment(FixedSum, delivered, 100.0, Some(0.05));
            assert!((p - paid).abs() < 1e-9, "{delivered}: {p}");
        }
        assert_eq!(payment(FixedSum, 150.0, 100.0, None), 100.0);
    }
}
