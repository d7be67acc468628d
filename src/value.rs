//! Care as a value. In a region short of staff, demand the network avoids is mostly not money
//! saved: the staff it frees serve people who would otherwise wait. *Care gained* is care
//! delivered in the network that the baseline leaves unmet; it is the network's product, and a
//! judgement that counts euros only misreads it. This module says what care gained is, run by
//! run and domain by domain, and which figures a judgement reads when it counts money or
//! money and care together (net benefit at a willingness to pay λ per FTE-year).

use crate::scenario::{Credit, Role, Scenario};

/// Per domain, in the scenario's order, the id of the partner its care gained is credited to:
/// the domain's financier, which holds the duty of care (the insurer's *zorgplicht* for Zvw,
/// the care office's for Wlz, the municipality's for Wmo and Jeugd), or the residents when the
/// scenario's `valuation.credit` says so.
pub fn credited(s: &Scenario) -> Vec<String> {
    let residents = s
        .partners
        .iter()
        .find(|p| p.role == Role::Residents)
        .map(|p| p.id.0.clone());
    let to_residents = s
        .valuation
        .as_ref()
        .is_some_and(|v| v.credit == Credit::Residents);
    s.domains
        .iter()
        .map(|d| match (&residents, to_residents) {
            (Some(r), true) => r.clone(),
            _ => d.financier.0.clone(),
        })
        .collect()
}

/// Care gained in one domain (or summed over domains) in one run and year, and where it comes
/// from. With D demand, C staff for care and min(D, C) the care delivered, baseline `b` and
/// network `n`:
///
/// - `fte` = (D_b − min(D_b, C_b)) − (D_n − min(D_n, C_n)): the baseline's unmet care less
///   the network's;
/// - demand avoided, D_b − D_n, is `cash` + `freed`: `cash` = min(D_b, C_n) − min(D_n, C_n)
///   is avoided care the staff would have delivered (a lower bill, not care gained), `freed`
///   the rest (capacity freed for people who would wait);
/// - `displaced` = min(D_b, C_b) − min(D_b, C_n): care the staff drawn into the
///   interventions no longer deliver.
///
/// So `fte` = `freed` − `displaced` exactly (tested).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CareGained {
    pub fte: f64,
    pub cash: f64,
    pub freed: f64,
    pub displaced: f64,
    /// `fte` in hours of care, at the domain's hours per FTE; and the unmet care's value at
    /// the domain's prices (EUR).
    pub hours: f64,
    pub eur: f64,
}

impl CareGained {
    /// From `[demand, staff]` without and with the network (FTE) and the care each delivers.
    pub fn of(base: [f64; 2], network: [f64; 2], delivered: [f64; 2]) -> CareGained {
        let ([d_b, c_b], [d_n, c_n]) = (base, network);
        let at_network_staff = d_b.min(c_n);
        let cash = at_network_staff - delivered[1];
        CareGained {
            fte: (d_b - delivered[0]) - (d_n - delivered[1]),
            cash,
            freed: (d_b - d_n) - cash,
            displaced: d_b.min(c_b) - at_network_staff,
            hours: 0.0,
            eur: 0.0,
        }
    }

    pub fn add(&mut self, g: &CareGained) {
        self.fte += g.fte;
        self.cash += g.cash;
        self.freed += g.freed;
        self.displaced += g.displaced;
        self.hours += g.hours;
        self.eur += g.eur;
    }
}

/// What a judgement counts: money alone (a partner's position, `partner.<id>.net`; all
/// partners, `network.net`), or money and care (the position plus λ × the care gained
/// credited to the partner: `partner.<id>.benefit`, `network.benefit`). With λ = 0 the two
/// are the same numbers, bit for bit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Value {
    #[default]
    Money,
    Benefit,
}

impl Value {
    /// What a study's provenance records it counted (`value: benefit`, or money without it).
    pub fn recorded(p: &crate::provenance::Provenance) -> Value {
        if p.value.as_deref() == Some("benefit") {
            Value::Benefit
        } else {
            Value::Money
        }
    }

    /// The series of partner `id`'s result.
    pub fn position(self, id: &str) -> String {
        match self {
            Value::Money => format!("partner.{id}.net"),
            Value::Benefit => format!("partner.{id}.benefit"),
        }
    }

    /// The series of a party's result: a partner's position, or for an entity its partners'
    /// positions summed (`entity.<name>.net`, `.benefit`).
    pub fn party(self, party: &crate::scenario::Party) -> String {
        if !party.is_entity() {
            return self.position(&party.name);
        }
        match self {
            Value::Money => format!("entity.{}.net", party.name),
            Value::Benefit => format!("entity.{}.benefit", party.name),
        }
    }

    /// The series of all partners together.
    pub fn network(self) -> &'static str {
        match self {
            Value::Money => "network.net",
            Value::Benefit => "network.benefit",
        }
    }

    /// The series that is 1 in the runs in which no partner's result is below zero.
    pub fn all_gain(self) -> &'static str {
        match self {
            Value::Money => "partners.all_gain",
            Value::Benefit => "partners.all_benefit",
        }
    }

    /// `metric` read as this value counts: `network.net` and `partner.<id>.net` become their
    /// benefit series under [`Value::Benefit`]; any other metric stays itself.
    pub fn metric(self, metric: &str) -> String {
        if self == Value::Money {
            return metric.to_string();
        }
        match metric.strip_suffix(".net") {
            Some("network") => self.network().to_string(),
            Some(p) if p.starts_with("partner.") => format!("{p}.benefit"),
            _ => metric.to_string(),
        }
    }

    /// How reports name what was counted.
    pub fn label(self) -> &'static str {
        match self {
            Value::Money => "money",
            Value::Benefit => "net benefit (money plus care gained valued at λ)",
        }
    }
}

impl std::str::FromStr for Value {
    type Err = String;
    fn from_str(s: &str) -> Result<Value, String> {
        match s {
            "money" => Ok(Value::Money),
            "benefit" => Ok(Value::Benefit),
            _ => Err(format!("`{s}`: use money or benefit")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gained_is_freed_less_displaced() {
        // Baseline: 100 FTE of demand, 90 staff: 10 unmet. Network: demand 95, 2 staff drawn:
        // 88 delivered, 7 unmet. Gained 3 = freed 5 - displaced 2; nothing avoided at spare staff.
        let g = CareGained::of([100.0, 90.0], [95.0, 88.0], [90.0, 88.0]);
        assert_eq!(g.fte, 3.0);
        assert_eq!((g.cash, g.freed, g.displaced), (0.0, 5.0, 2.0));
        // Staff to spare: demand 50 of 60, avoided 5: all of it a lower bill, no care gained.
        let g = CareGained::of([50.0, 60.0], [45.0, 60.0], [50.0, 45.0]);
        assert_eq!((g.fte, g.cash, g.freed, g.displaced), (0.0, 5.0, 0.0, 0.0));
        // Short by 2 at baseline; 5 avoided: 2 serve the waiting list, 3 lower the bill.
        let g = CareGained::of([52.0, 50.0], [47.0, 50.0], [50.0, 47.0]);
        assert_eq!((g.fte, g.cash, g.freed, g.displaced), (2.0, 3.0, 2.0, 0.0));
    }
}
