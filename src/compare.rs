//! Agreement variants side by side: the same runs of each (same seed, and every input keyed by
//! its path, so an input neither variant changes has the same draw in both: common random
//! numbers), and for every figure the difference with the first variant **paired over runs**,
//! whose interval is much narrower than the two intervals it comes from.

use serde::Serialize;

use crate::Error;
use crate::stats::Summary;
use crate::study::{self, Options, Source, Study};
use crate::value::Value;
use crate::variant::{BASELINE, NETWORK};

/// Runs every source with the same runs and seed (the options', or the first scenario's) and
/// compares them, the first as the reference. They must cover the same years.
pub fn run(
    sources: &[Source],
    options: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<Study>, Comparison), Error> {
    let studies = study::run_together(sources, options, progress)?;
    let comparison = compare(&studies, options.value);
    Ok((studies, comparison))
}

/// A figure per run, for one variant.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub summary: Summary,
    /// Paired difference with the first variant, run by run (`None` for the first).
    pub difference: Option<Summary>,
}

/// One figure across the variants.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// What it is, as a reader reads it.
    pub label: String,
    /// How it is computed from the results.
    pub metric: String,
    pub unit: &'static str,
    /// Per variant, in the order compared.
    pub variants: Vec<Figure>,
}

/// A party (a partner, or the partners of one legal entity consolidated) across the variants.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerRow {
    pub partner: String,
    /// For an entity, its partners; empty for a partner.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// Per variant: its position over the whole period, EUR, and the difference with the first.
    pub position: Vec<Option<Figure>>,
    /// Per variant: the share of runs in which it ends worse off than without the network.
    pub worse_off: Vec<Option<f64>>,
}

/// Who gains while whom loses, per variant.
#[derive(Debug, Clone, Serialize)]
pub struct Shifting {
    /// Share of runs in which one partner ends better off and another worse off than without
    /// the network.
    pub share: f64,
    /// The pair (biggest gainer, biggest loser) seen most often, and in how many runs (share).
    pub most_often: Option<(String, String, f64)>,
}

/// Variants compared.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The scenarios' names, in the order compared.
    pub names: Vec<String>,
    pub rows: Vec<Row>,
    pub partners: Vec<PartnerRow>,
    /// Per variant: the share of runs in which every partner gains or breaks even.
    pub all_gain: Vec<f64>,
    pub shifting: Vec<Shifting>,
}

/// A position counts as a gain or a loss beyond half a euro (the ledger's cents).
const EPS: f64 = 0.5;

/// Compares studies of the same runs. The first is the reference of every difference.
pub fn compare<S: std::borrow::Borrow<Study>>(studies: &[S], value: Value) -> Comparison {
    let studies: Vec<&Study> = studies.iter().map(|s| s.borrow()).collect();
    let h = |s: &Study| s.manifest.provenance.horizon;
    let at = |s: &Study, v: &str, m: &str, y: i32| -> Option<Vec<f64>> {
        s.outcomes.get(v, m, y).map(std::borrow::Cow::into_owned)
    };
    let summed = |s: &Study, v: &str, m: &str| -> Option<Vec<f64>> {
        let mut total: Option<Vec<f64>> = None;
        for &y in &s.outcomes.years {
            let x = at(s, v, m, y)?;
            match &mut total {
                None => total = Some(x),
                Some(t) => t.iter_mut().zip(&x).for_each(|(t, x)| *t += x),
            }
        }
        total
    };
    let minus = |a: Option<Vec<f64>>, b: Option<Vec<f64>>| -> Option<Vec<f64>> {
        Some(a?.iter().zip(b?).map(|(a, b)| a - b).collect())
    };
    type Get<'f> = Box<dyn Fn(&Study) -> Option<Vec<f64>> + 'f>;
    let figures: Vec<(String, String, &'static str, Get)> = vec![
        (
            "Care gap closed at the horizon".into(),
            "gap.fte (baseline − network)".into(),
            "FTE",
            Box::new(|s: &Study| {
                minus(
                    at(s, BASELINE, "gap.fte", h(s)),
                    at(s, NETWORK, "gap.fte", h(s)),
                )
            }),
        ),
        (
            "Money gap closed at the horizon".into(),
            "gap.eur (baseline − network)".into(),
            "EUR",
            Box::new(|s: &Study| {
                minus(
                    at(s, BASELINE, "gap.eur", h(s)),
                    at(s, NETWORK, "gap.eur", h(s)),
                )
            }),
        ),
        (
            "Money gap at the horizon, network".into(),
            "gap.eur".into(),
            "EUR",
            Box::new(|s: &Study| at(s, NETWORK, "gap.eur", h(s))),
        ),
        (
            "Total cost over the period, network".into(),
            "cost.eur.total summed over the years".into(),
            "EUR",
            Box::new(|s: &Study| summed(s, NETWORK, "cost.eur.total")),
        ),
        (
            "Savings over the period".into(),
            "savings.eur.cumulative".into(),
            "EUR",
            Box::new(|s: &Study| at(s, NETWORK, "savings.eur.cumulative", h(s))),
        ),
        (
            match value {
                Value::Money => "All partners together".into(),
                Value::Benefit => "All partners together, net benefit".into(),
            },
            value.network().into(),
            "EUR",
            Box::new(move |s: &Study| at(s, NETWORK, value.network(), h(s))),
        ),
        (
            "Care gained over the period".into(),
            "care.gained.fte_years".into(),
            "FTE-years",
            Box::new(|s: &Study| at(s, NETWORK, "care.gained.fte_years", h(s))),
        ),
    ];
    let first = &studies[0];
    let figure = |xs: &[f64], reference: Option<&[f64]>, i: usize| Figure {
        summary: Summary::of(xs),
        difference: (i > 0)
            .then_some(reference)
            .flatten()
            .map(|r| Summary::of(xs.iter().zip(r).map(|(x, r)| x - r).collect::<Vec<_>>())),
    };
    let rows = figures
        .iter()
        .filter_map(|(label, metric, unit, get)| {
            let reference = get(first)?;
            let variants = studies
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let xs = get(s).unwrap_or_else(|| vec![f64::NAN; reference.len()]);
                    figure(&xs, Some(&reference), i)
                })
                .collect();
            Some(Row {
                label: label.clone(),
                metric: metric.clone(),
                unit,
                variants,
            })
        })
        .collect();
    // The partners of one legal entity are one party: money between them is no gain or loss.
    let parties = first.scenario.parties();
    let position =
        |s: &Study, party: &crate::scenario::Party| at(s, NETWORK, &value.party(party), h(s));
    let partners = parties
        .iter()
        .map(|party| {
            let reference = position(first, party);
            let per: Vec<Option<Vec<f64>>> = studies.iter().map(|s| position(s, party)).collect();
            PartnerRow {
                partner: party.name.clone(),
                members: if party.is_entity() {
                    party.members.clone()
                } else {
                    Vec::new()
                },
                position: per
                    .iter()
                    .enumerate()
                    .map(|(i, xs)| xs.as_ref().map(|xs| figure(xs, reference.as_deref(), i)))
                    .collect(),
                worse_off: per
                    .iter()
                    .map(|xs| {
                        xs.as_ref().map(|xs| {
                            xs.iter().filter(|x| **x < -EPS).count() as f64 / xs.len() as f64
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    let all_gain = studies
        .iter()
        .map(|s| {
            at(s, NETWORK, value.all_gain(), h(s))
                .map_or(0.0, |x| x.iter().sum::<f64>() / x.len().max(1) as f64)
        })
        .collect();
    let shifting = studies
        .iter()
        .map(|s| {
            let nets: Vec<(String, Vec<f64>)> = s
                .scenario
                .parties()
                .iter()
                .filter_map(|p| Some((p.name.clone(), position(s, p)?)))
                .collect();
            shifting_of(&nets)
        })
        .collect();
    Comparison {
        names: studies.iter().map(|s| s.scenario.name.clone()).collect(),
        rows,
        partners,
        all_gain,
        shifting,
    }
}

/// How often one partner gains while another loses, and between whom most often.
fn shifting_of(nets: &[(String, Vec<f64>)]) -> Shifting {
    let runs = nets.first().map_or(0, |(_, x)| x.len());
    let mut pairs: Vec<((usize, usize), usize)> = Vec::new();
    let mut shifted = 0;
    for r in 0..runs {
        let best = (0..nets.len()).max_by(|&a, &b| nets[a].1[r].total_cmp(&nets[b].1[r]));
        let worst = (0..nets.len()).min_by(|&a, &b| nets[a].1[r].total_cmp(&nets[b].1[r]));
        let (Some(b), Some(w)) = (best, worst) else {
            continue;
        };
        if nets[b].1[r] > EPS && nets[w].1[r] < -EPS {
            shifted += 1;
            match pairs.iter_mut().find(|(p, _)| *p == (b, w)) {
                Some((_, k)) => *k += 1,
                None => pairs.push(((b, w), 1)),
            }
        }
    }
    let most_often = pairs
        .iter()
        .max_by_key(|(p, k)| (*k, std::cmp::Reverse(*p)))
        .map(|((b, w), k)| {
            (
                nets[*b].0.clone(),
                nets[*w].0.clone(),
                *k as f64 / runs.max(1) as f64,
            )
        });
    Shifting {
        share: shifted as f64 / runs.max(1) as f64,
        most_often,
    }
}
