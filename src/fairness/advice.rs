//! The split advisor: which sharing key of the scenario's shared-savings rule makes it most
//! likely that every partner gains?
//!
//! The key is the rule's `residents` and `providers` shares (the financier keeps the rest; the
//! providers' weights among themselves stay as the scenario gives them). Every key on a grid of
//! [`STEP`] is a variant of the network with those two inputs replaced, all simulated under the
//! same draws, so the keys are compared on the same runs. The best key maximises the share of
//! runs in which every partner gains or breaks even; among equals, leximin on each partner's
//! share of runs with a gain (the partner that gains least often first, then the next), so the
//! advice says something when no key makes everyone gain, as when a financier carries a loss
//! the key cannot reach; among keys still equal, the one nearest the agreed key.

use std::sync::Mutex;

use serde::Serialize;

use crate::agreement::Agreements;
use crate::model::Model;
use crate::outcome::{RecordedYear, Recorder};
use crate::sampling::Quantity;
use crate::simulator::{self, Settings, SimError};
use crate::variant::Variant;

/// Grid step of the residents' and providers' shares.
pub const STEP: f64 = 0.05;
/// Keys simulated together (see [`super::coalitions`] for why in chunks).
const CHUNK: usize = 32;

/// A sharing key and how it does.
#[derive(Debug, Clone, Serialize)]
pub struct KeyResult {
    /// The residents' and providers' shares; `None` when the scenario draws it (the agreed
    /// key with a distribution).
    pub residents: Option<f64>,
    pub providers: Option<f64>,
    /// Share of runs in which every partner gains or breaks even.
    pub all_gain: f64,
    /// Per partner (the model's order), the share of runs in which it gains or breaks even.
    pub gains: Vec<f64>,
}

impl KeyResult {
    /// The smallest share of runs in which one partner gains or breaks even.
    pub fn worst(&self) -> f64 {
        self.gains.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

/// The advisor's answer.
#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    /// The rule whose key is searched, as its inputs are named.
    pub rule: String,
    pub partners: Vec<String>,
    pub agreed: KeyResult,
    pub best: KeyResult,
    pub keys_tried: usize,
}

/// Why there is no advice.
#[derive(Debug, thiserror::Error)]
pub enum AdviceError {
    #[error("--advise: the scenario has no shared_savings rule whose key could be searched")]
    NoSharingRule,
    #[error(transparent)]
    Simulation(#[from] SimError),
}

/// Counts, at the horizon, per variant: runs in which all gain, and per partner runs in which
/// it gains or breaks even.
struct Count<'a> {
    last_year: usize,
    all_gain: Vec<Option<usize>>,
    partner_of: Vec<Option<usize>>,
    out: &'a Mutex<Vec<(f64, Vec<f64>)>>,
    offset: usize,
}

impl Recorder for Count<'_> {
    fn record(&self, y: &RecordedYear) {
        if y.year_index != self.last_year {
            return;
        }
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let (all, gains) = &mut out[self.offset + y.variant];
        for (k, &series) in y.series.iter().enumerate() {
            let row = &y.values[k * y.len..(k + 1) * y.len];
            if self.all_gain[series].is_some() {
                *all += row.iter().sum::<f64>();
            } else if let Some(p) = self.partner_of[series] {
                gains[p] += row.iter().filter(|x| **x >= -0.5).count() as f64;
            }
        }
    }
}

/// Searches the key of the scenario's first shared-savings rule.
pub fn advise(
    m: &Model,
    agreements: &dyn Agreements,
    settings: &Settings,
    value: crate::value::Value,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Advice, AdviceError> {
    let prefix = "rules.shared_savings.params";
    let key = |name: &str| format!("{prefix}.{name}");
    let fixed = |name: &str| {
        m.inputs
            .iter()
            .find(|i| i.key == key(name))
            .map(|i| i.quantity.fixed_value())
    };
    let (Some(residents), Some(providers)) = (fixed("residents"), fixed("providers")) else {
        return Err(AdviceError::NoSharingRule);
    };
    let steps = (1.0 / STEP).round() as usize;
    let mut keys: Vec<(f64, f64)> = Vec::new();
    for r in 0..=steps {
        for p in 0..=steps - r {
            keys.push((r as f64 * STEP, p as f64 * STEP));
        }
    }
    let network = Variant::network(m);
    let mut variants = vec![network.clone()];
    for (i, &(r, p)) in keys.iter().enumerate() {
        let mut v = network
            .clone()
            .with_overlay(&key("residents"), Quantity::fixed(r))
            .with_overlay(&key("providers"), Quantity::fixed(p));
        v.name = format!("key-{i}");
        variants.push(v);
    }
    let n = m.partners.len();
    let out = Mutex::new(vec![(0.0, vec![0.0; n]); variants.len()]);
    let total = settings.runs * variants.len().div_ceil(CHUNK) as u64;
    let tick = |k: u64| progress(k, total);
    for (c, chunk) in variants.chunks(CHUNK).enumerate() {
        let catalogue = simulator::catalogue(m, chunk, agreements);
        let mut all_gain = vec![None; catalogue.series.len()];
        let mut partner_of = vec![None; catalogue.series.len()];
        for (s, series) in catalogue.series.iter().enumerate() {
            if series.metric == value.all_gain() {
                all_gain[s] = Some(0);
            } else if let Some(p) = m
                .partners
                .iter()
                .position(|p| series.metric == value.position(&p.id))
            {
                partner_of[s] = Some(p);
            }
        }
        let count = Count {
            last_year: m.years().count() - 1,
            all_gain,
            partner_of,
            out: &out,
            offset: c * CHUNK,
        };
        simulator::simulate_into(m, settings, chunk, agreements, &count, &tick)?;
    }
    let runs = settings.runs as f64;
    let results: Vec<KeyResult> = out
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .enumerate()
        .map(|(i, (all, gains))| {
            let (r, p) = if i == 0 {
                (residents, providers)
            } else {
                (Some(keys[i - 1].0), Some(keys[i - 1].1))
            };
            KeyResult {
                residents: r,
                providers: p,
                all_gain: all / runs,
                gains: gains.iter().map(|g| g / runs).collect(),
            }
        })
        .collect();
    // Leximin after the share of runs in which all gain: the partner that gains least often
    // first, then the next; among keys still equal, the one nearest the agreed key.
    let sorted = |k: &KeyResult| {
        let mut g = k.gains.clone();
        g.sort_by(f64::total_cmp);
        g
    };
    let distance = |k: &KeyResult| match (k.residents, k.providers, residents, providers) {
        (Some(r), Some(p), Some(r0), Some(p0)) => (r - r0).abs() + (p - p0).abs(),
        _ => 0.0,
    };
    let better = |a: &KeyResult, b: &KeyResult| {
        a.all_gain
            .total_cmp(&b.all_gain)
            .then_with(|| {
                let (x, y) = (sorted(a), sorted(b));
                x.iter()
                    .zip(&y)
                    .map(|(x, y)| x.total_cmp(y))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then_with(|| distance(b).total_cmp(&distance(a)))
    };
    let best = results[1..]
        .iter()
        .max_by(|a, b| better(a, b))
        .cloned()
        .unwrap_or_else(|| results[0].clone());
    Ok(Advice {
        rule: prefix.trim_end_matches(".params").to_string(),
        partners: m.partners.iter().map(|p| p.id.clone()).collect(),
        agreed: results[0].clone(),
        best,
        keys_tried: keys.len(),
    })
}
