//! Staff at their real cost, avoided demand that can land, ceilings that bind and tariffs that
//! follow productivity, by hand on variations of
//! `tests/fixtures/economics.yaml` (its header gives the region). In 2025, home (the town's
//! domain, short of staff) has a baseline demand of 370 × 10 / 0.9 = 4.1111 FTE (EUR 100,000
//! per FTE) against 3.6 FTE of staff; the network's prevention avoids 5 % of it (3.9056 FTE
//! left) and needs 0.2 FTE. Home's staff cost EUR 60,000 per FTE, material 30 % of the care.

mod common;

use common::{close, fixture, run, value};
use kloof::study::{Options, Source, Study};
use kloof::variant::{BASELINE, NETWORK};

const TOL: f64 = 1e-9;

/// The fixture with `edits` (text, replacement) applied; each must match once.
fn edited(edits: &[(&str, &str)]) -> Study {
    let mut source: Source = fixture("economics.yaml");
    for (from, to) in edits {
        assert_eq!(source.text.matches(from).count(), 1, "`{from}` once");
        source.text = source.text.replace(from, to);
    }
    run(&source, Options::default())
}

#[track_caller]
fn assert_at(s: &Study, v: &str, metric: &str, expected: f64) {
    let actual = value(s, v, metric, 2025, 0);
    assert!(
        close(actual, expected, TOL) || (actual - expected).abs() < 1e-9,
        "{v} {metric}: {actual} against {expected}"
    );
}

const LUMP_SUM: (&str, &str) = (
    "contract: {type: fee_for_service}",
    "contract: {type: lump_sum}",
);

#[test]
fn diverted_staff_under_a_lump_sum_are_not_paid_twice() {
    let s = edited(&[LUMP_SUM]);
    // The lump sum is the start year's production, EUR 360,000. 0.2 FTE move to the
    // intervention: 3.4 FTE deliver EUR 340,000. Without them 3.6 FTE would have delivered
    // 360,000, for the same lump sum: the payment fell by nothing, so the contract would pay
    // the 0.2 FTE's EUR 12,000 of staff cost that the transition budget also pays. It pays
    // 348,000.
    assert_at(&s, NETWORK, "delivered.eur.home", 340_000.0);
    assert_at(&s, NETWORK, "payments.eur.town", 348_000.0);
    assert_at(&s, BASELINE, "payments.eur.town", 360_000.0);
    // Margin: 348,000 - 3.4 × 60,000 - 0.3 × 340,000 = 42,000 against the baseline's
    // 360,000 - 216,000 - 108,000 = 36,000: homecare keeps the material it no longer uses
    // (0.3 × 20,000), not the staff cost (it would be 18,000 without the cut).
    assert_at(&s, NETWORK, "margin.eur.homecare", 42_000.0);
    assert_at(&s, NETWORK, "partner.homecare.net", 6_000.0);
    // The town: 360,000 - 348,000 lower payments less its 10,000 into the fund.
    assert_at(&s, NETWORK, "partner.town.net", 2_000.0);
    // The care the 0.2 FTE gave is displaced.
    assert_at(&s, NETWORK, "care.displaced.fte", 0.2);
}

#[test]
fn backfilled_staff_leave_the_care_where_it_was() {
    let s = edited(&[
        LUMP_SUM,
        (
            "staff: {domain: home, fte: 0.2}",
            "staff: {domain: home, fte: 0.2, mode: backfilled}",
        ),
    ]);
    // Home keeps its 3.6 FTE and delivers 360,000 for the lump sum; homecare's margin is
    // the baseline's and the intervention's hires are paid by the fund at cost.
    assert_at(&s, NETWORK, "capacity.fte.home", 3.6);
    assert_at(&s, NETWORK, "payments.eur.town", 360_000.0);
    assert_at(&s, NETWORK, "partner.homecare.net", 0.0);
    assert_at(&s, NETWORK, "care.displaced.fte", 0.0);
    // Care gained: 0.5111 unmet in the baseline, 3.9056 - 3.6 = 0.3056 in the network.
    let unmet_base = 370.0 * 10.0 / 0.9 / 1000.0 - 3.6;
    let unmet_network = 370.0 * 10.0 / 0.9 / 1000.0 * 0.95 - 3.6;
    assert_at(
        &s,
        NETWORK,
        "care.gained.fte.home",
        unmet_base - unmet_network,
    );
}

#[test]
fn diverted_staff_under_fee_for_service_cost_the_contract_nothing_extra() {
    // Fee for service already pays 20,000 less for the 0.2 FTE's care, more than their
    // 12,000 of staff cost: nothing is cut beyond it (the hand calculation of
    // tests/economics.rs stands).
    let s = edited(&[]);
    assert_at(&s, NETWORK, "payments.eur.town", 340_000.0);
    assert_at(&s, NETWORK, "partner.homecare.net", -2_000.0);
}

/// Demand the clinic avoids (10 % of 370 × 10 hours among 65+, FTE): its staff are spare, so
/// it is always a cash saving; `avoided.fte.*` sum over domains.
const CLINIC_AVOIDED: f64 = 0.37;

/// Home without the intervention's staff (so only refill moves delivered care), with
/// `refill` given.
fn with_refill(refill: &str) -> Study {
    let line = "    unmet_share: 0.1\n    contract: {type: fee_for_service}";
    let with = format!(
        "    unmet_share: 0.1\n    refill: {refill}\n    contract: {{type: fee_for_service}}"
    );
    edited(&[
        (line, &with),
        (
            "staff: {domain: home, fte: 0.2}",
            "staff: {domain: home, fte: 0}",
        ),
    ])
}

#[test]
fn refill_one_turns_avoided_demand_into_care_for_people_waiting() {
    let s = with_refill("1");
    // All 3.6 FTE go on delivering: 0.2056 FTE of the avoided demand is care gained, none
    // of it a saving.
    let avoided = 370.0 * 10.0 / 0.9 / 1000.0 * 0.05;
    assert_at(&s, NETWORK, "delivered.eur.home", 360_000.0);
    assert_at(&s, NETWORK, "care.gained.fte.home", avoided);
    assert_at(&s, NETWORK, "avoided.fte.freed", avoided);
    assert_at(&s, NETWORK, "avoided.fte.cash", CLINIC_AVOIDED);
}

#[test]
fn refill_zero_turns_avoided_demand_into_a_cash_saving() {
    let s = with_refill("0");
    // Nobody is taken from the waiting list: 3.6 - 0.2056 FTE deliver, EUR 339,444 is
    // paid, the town saves 20,556 and no care is gained.
    let avoided = 370.0 * 10.0 / 0.9 / 1000.0 * 0.05;
    assert_at(
        &s,
        NETWORK,
        "delivered.eur.home",
        (3.6 - avoided) * 100_000.0,
    );
    assert_at(
        &s,
        NETWORK,
        "payments.eur.town",
        (3.6 - avoided) * 100_000.0,
    );
    assert_at(&s, NETWORK, "care.gained.fte.home", 0.0);
    assert_at(&s, NETWORK, "avoided.fte.cash", CLINIC_AVOIDED + avoided);
    assert_at(&s, NETWORK, "avoided.fte.freed", 0.0);
    // The baseline knows no refill: it avoids nothing.
    assert_at(&s, BASELINE, "delivered.eur.home", 360_000.0);
}

#[test]
fn refill_half_splits_the_freed_care() {
    let s = with_refill("0.5");
    let avoided = 370.0 * 10.0 / 0.9 / 1000.0 * 0.05;
    assert_at(
        &s,
        NETWORK,
        "delivered.eur.home",
        (3.6 - avoided / 2.0) * 100_000.0,
    );
    assert_at(
        &s,
        NETWORK,
        "avoided.fte.cash",
        CLINIC_AVOIDED + avoided / 2.0,
    );
    assert_at(&s, NETWORK, "care.gained.fte.home", avoided / 2.0);
}

#[test]
fn refill_outside_zero_to_one_is_refused_at_its_line() {
    let mut source: Source = fixture("economics.yaml");
    source.text = source.text.replace(
        "    unmet_share: 0.1\n",
        "    unmet_share: 0.1\n    refill: 1.5\n",
    );
    let err = source
        .parse()
        .expect_err("refill 1.5 is refused")
        .to_string();
    assert!(err.contains("refill"), "{err}");
    assert!(err.contains("economics.yaml:42:5"), "{err}");
}

/// Home on a ceiling of EUR 350,000 (3.5 FTE at EUR 100,000 per FTE), with `extra` added to
/// its contract.
fn with_ceiling(extra: &str) -> Study {
    edited(&[(
        "contract: {type: fee_for_service}",
        &format!("contract: {{type: ceiling, eur: 350000{extra}}}"),
    )])
}

#[test]
fn a_binding_ceiling_makes_care_above_it_wait() {
    let s = with_ceiling("");
    // Baseline 2025: 3.6 FTE could deliver EUR 360,000 of the 411,111 demanded; the ceiling
    // pays 350,000, so 3.5 FTE deliver and 0.1 FTE of care waits for money, not staff. Nobody
    // delivers care unpaid: homecare's margin is 350,000 - 3.5 × 60,000 - 0.3 × 350,000.
    assert_at(&s, BASELINE, "delivered.eur.home", 350_000.0);
    assert_at(&s, BASELINE, "payments.eur.town", 350_000.0);
    assert_at(&s, BASELINE, "unmet.fte.ceiling", 0.1);
    assert_at(
        &s,
        BASELINE,
        "unmet.fte.home",
        370.0 * 10.0 / 0.9 / 1000.0 - 3.5,
    );
    assert_at(
        &s,
        BASELINE,
        "gap.fte.home",
        370.0 * 10.0 / 0.9 / 1000.0 - 3.6,
    );
    assert_at(&s, BASELINE, "margin.eur.homecare", 35_000.0);
    // The network diverts 0.2 FTE: 3.4 deliver 340,000, under the ceiling, paid as delivered.
    // Of the 0.2 FTE only 0.1 gave care (the other 0.1 was held back by the ceiling), so the
    // contract's payment fell by more than their staff cost and nothing is cut.
    assert_at(&s, NETWORK, "delivered.eur.home", 340_000.0);
    assert_at(&s, NETWORK, "payments.eur.town", 340_000.0);
    assert_at(&s, NETWORK, "unmet.fte.ceiling", 0.0);
    assert_at(&s, NETWORK, "care.displaced.fte", 0.1);
}

#[test]
fn a_paid_share_above_the_ceiling_is_delivered_and_paid() {
    let s = with_ceiling(", paid_above: 0.5");
    // Half of the 0.1 FTE above the ceiling is paid: 3.55 FTE deliver EUR 355,000.
    assert_at(&s, BASELINE, "delivered.eur.home", 355_000.0);
    assert_at(&s, BASELINE, "payments.eur.town", 355_000.0);
    assert_at(&s, BASELINE, "unmet.fte.ceiling", 0.05);
}

#[test]
fn paid_above_belongs_to_a_ceiling() {
    let source = {
        let mut s: Source = fixture("economics.yaml");
        s.text = s.text.replace(
            "contract: {type: fee_for_service}",
            "contract: {type: fee_for_service, paid_above: 0.5}",
        );
        s
    };
    let e = source
        .parse()
        .expect_err("paid_above on fee for service")
        .to_string();
    assert!(e.contains("takes no `paid_above`"), "{e}");
}

#[test]
fn an_efficiency_discount_keeps_the_margin_where_it_starts() {
    let productive = (
        "workforce: {inflow: 0, outflow: 0, productivity: 0}",
        "workforce: {inflow: 0, outflow: 0, productivity: 0.1}",
    );
    // 2025: hours per FTE up 10 %, so home's demand is 4.1111 / 1.1 = 3.7374 FTE and its 3.6
    // FTE deliver 96.3 % of it. At unchanged tariffs that is 411,111 × 3.6 / 3.7374 = 396,000
    // of care, and homecare's margin rises from 36,000 (2024) to
    // 396,000 - 3.6 × 60,000 - 0.3 × 396,000 = 61,200.
    let s = edited(&[productive]);
    assert_at(&s, BASELINE, "delivered.eur.home", 396_000.0);
    assert_at(&s, BASELINE, "margin.eur.homecare", 61_200.0);
    // Passing all of the productivity on, tariffs fall by 1 / 1.1: demand is 373,737, the
    // 3.6 FTE deliver 360,000, and the margin stays at 36,000.
    let s = edited(&[
        productive,
        (
            "contract: {type: fee_for_service}",
            "contract: {type: fee_for_service, efficiency_discount: 1}",
        ),
    ]);
    assert_at(&s, BASELINE, "demand.eur.home", 370.0 * 1000.0 / 0.9 / 1.1);
    assert_at(&s, BASELINE, "delivered.eur.home", 360_000.0);
    assert_at(&s, BASELINE, "margin.eur.homecare", 36_000.0);
}

#[test]
fn spare_staff_move_to_a_domain_short_of_them() {
    let s = edited(&[(
        "workforce: {fte: 5, inflow: 0, outflow: 0, productivity: 0}",
        "workforce: {fte: 5, inflow: 0, outflow: 0, productivity: 0, moves: [{to: home, share: 0.5}]}",
    )]);
    // 2024: the clinic's 5 FTE against 4.25 needed leave 0.75 spare; home is 0.4 short.
    // Half the spare, 0.375, moves in 2025 (less than home's shortage): home has 3.975 FTE
    // and delivers 397,500 of its 411,111; the clinic keeps 4.625.
    assert_at(&s, BASELINE, "capacity.fte.home", 3.975);
    assert_at(&s, BASELINE, "capacity.fte.clinic", 4.625);
    assert_at(&s, BASELINE, "delivered.eur.home", 397_500.0);
    // The network diverts 0.2 FTE from home's 3.975.
    assert_at(&s, NETWORK, "capacity.fte.home", 3.775);
    assert_at(&s, NETWORK, "staff.diverted.fte.home", 0.2);
    // No more moves than the receiving domain was short: a share of 1 moves 0.4, not 0.75.
    let s = edited(&[(
        "workforce: {fte: 5, inflow: 0, outflow: 0, productivity: 0}",
        "workforce: {fte: 5, inflow: 0, outflow: 0, productivity: 0, moves: [{to: home, share: 1}]}",
    )]);
    assert_at(&s, BASELINE, "capacity.fte.home", 4.0);
    assert_at(&s, BASELINE, "capacity.fte.clinic", 4.6);
}
