//! The report of `kloof fairness SCENARIO`: `fairness.md` for a board, `fairness.json` with every
//! figure, and the manifest.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::markdown::mln;
use super::{ReportError, publish};
use crate::fairness::advice::{Advice, KeyResult};
use crate::fairness::assessment::Assessment;
use crate::provenance::{Manifest, Provenance};

/// Writes the report to `dir`, all or nothing.
pub fn write(
    dir: &Path,
    manifest: &Manifest,
    a: &Assessment,
    advice: Option<&Advice>,
) -> Result<(), ReportError> {
    #[derive(Serialize)]
    struct Json<'a> {
        provenance: &'a Provenance,
        #[serde(flatten)]
        assessment: &'a Assessment,
        advice: Option<&'a Advice>,
    }
    let json = serde_json::to_vec_pretty(&Json {
        provenance: &manifest.provenance,
        assessment: a,
        advice,
    })?;
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "fairness.md",
            render(&manifest.provenance, a, advice).into_bytes(),
        ),
        ("fairness.json", json),
        ("manifest.json", serde_json::to_vec_pretty(manifest)?),
    ];
    publish::publish(dir, &files)
}

/// The markdown report.
pub fn render(p: &Provenance, a: &Assessment, advice: Option<&Advice>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Is the split fair? Scenario `{}`\n\nScenario `{}`, {} Monte Carlo runs, seed {}, kloof \
         {}. The value of a coalition is the sum of its members' positions ({}-{}, against the \
         baseline) when only they take part in the agreement, every coalition simulated under \
         the same draws. What the agreement gives a partner is its position when all take part. \
         Figures are medians across runs; the 90 % interval runs from the 5th to the 95th \
         percentile.\n",
        p.scenario, p.scenario, p.runs, p.seed, p.kloof_version, p.start_year, p.horizon
    );
    s.push_str(super::counted(p));
    let _ = writeln!(
        s,
        "All partners together achieve {} (90 % interval {} to {}).\n",
        mln(a.grand.p50),
        mln(a.grand.p5),
        mln(a.grand.p95)
    );
    let _ = writeln!(
        s,
        "| player | agreed | Shapley value | agreed − Shapley | as share of the total | alone | \
         runs with a loss |{}\n|---|---:|---:|---:|---:|---:|---:|---:|",
        if a.exact {
            " nucleolus (expected game) |"
        } else {
            " Shapley s.e. |"
        }
    );
    for f in &a.players {
        let last = if a.exact {
            f.nucleolus.map_or("-".into(), mln)
        } else {
            f.shapley_standard_error.map_or("-".into(), mln)
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.0} % | {} | {:.0} % | {last} |",
            f.player,
            mln(f.agreed.p50),
            mln(f.shapley.p50),
            mln(f.gap.p50),
            f.gap_share.p50 * 100.0,
            f.alone.map_or("-".into(), |x| mln(x.p50)),
            f.loses * 100.0,
        );
    }
    let _ = writeln!(
        s,
        "\nThe Shapley value is what a partner brings in: its gain to every group it could join, \
         averaged over every order in which the network could have formed. A partner whose \
         agreed outcome lies below it pays for the others; above it, the others pay for it. \
         *Alone* is what a partner achieves when it is the only one taking part."
    );
    match (a.in_core, &a.blocking) {
        (Some(core), blocking) => {
            let _ = writeln!(
                s,
                "\n- The agreed outcome is in the core (no group of partners does better on its \
                 own) in {:.0} % of the runs.",
                core * 100.0
            );
            if let Some((members, share)) = blocking {
                let _ = writeln!(
                    s,
                    "- The coalition that blocks it most often is {{{}}}, in {:.0} % of the runs \
                     (the group that gains most by going on alone).",
                    members.join(", "),
                    share * 100.0
                );
            }
            if a.nucleolus_is_pre == Some(true) {
                let _ = writeln!(
                    s,
                    "- The expected game has no imputation (together the partners achieve less \
                     than the sum of what each achieves alone): the nucleolus column is the \
                     pre-nucleolus."
                );
            }
        }
        (None, _) => {
            let _ = writeln!(
                s,
                "\n- {} coalitions simulated: the Shapley value is estimated from random orders \
                 of the players (standard error in the last column); the core and the \
                 nucleolus need every coalition and are not computed.",
                a.coalitions_simulated
            );
        }
    }
    if let Some(adv) = advice {
        advice_section(&mut s, a, adv);
    }
    s
}

/// The split advisor's answer beside the agreed key and the Shapley split.
fn advice_section(s: &mut String, a: &Assessment, adv: &Advice) {
    let key = |k: &KeyResult| match (k.residents, k.providers) {
        (Some(r), Some(p)) => format!(
            "residents {:.0} %, providers {:.0} %, financiers {:.0} %",
            r * 100.0,
            p * 100.0,
            (1.0 - r - p) * 100.0
        ),
        _ => "as the scenario draws it".into(),
    };
    let _ = writeln!(
        s,
        "\n## Split advisor\n\nThe `{}` key searched on a grid of 5 points ({} keys; the \
         providers' weights among themselves as the scenario gives them), every key under the \
         same draws. Best: the highest share of runs in which every partner gains or breaks \
         even; among equals, the partner that gains least often gains as often as possible, \
         then the next (leximin); among keys still equal, the nearest to the agreed key.\n",
        adv.rule, adv.keys_tried
    );
    let _ = writeln!(
        s,
        "- Agreed key ({}): every partner gains or breaks even in {:.0} % of the runs.\n\
         - Best key ({}): {:.0} %.\n",
        key(&adv.agreed),
        adv.agreed.all_gain * 100.0,
        key(&adv.best),
        adv.best.all_gain * 100.0
    );
    let _ = writeln!(
        s,
        "| partner | runs it gains, agreed key | runs it gains, best key | Shapley value (median) |\n|---|---:|---:|---:|"
    );
    for (i, id) in adv.partners.iter().enumerate() {
        let shapley = a
            .players
            .iter()
            .find(|p| &p.player == id)
            .map_or("(in a group)".into(), |p| mln(p.shapley.p50));
        let _ = writeln!(
            s,
            "| {id} | {:.0} % | {:.0} % | {shapley} |",
            adv.agreed.gains[i] * 100.0,
            adv.best.gains[i] * 100.0
        );
    }
    if adv.best.all_gain == 0.0 {
        let least = adv.best.gains.iter().copied().fold(f64::INFINITY, f64::min);
        let losers: Vec<&str> = adv
            .partners
            .iter()
            .zip(&adv.best.gains)
            .filter(|(_, g)| **g <= least)
            .map(|(p, _)| p.as_str())
            .collect();
        let _ = writeln!(
            s,
            "\nNo key makes every partner gain in any run. Even under the best key {} in only \
             {:.0} % of the runs: {} a loss the sharing key cannot reach. A key \
             divides the savings the rule shares, and only when there are any; it does not \
             reach the transition contributions a financier pays whatever the key, demand a \
             waterbed pushes onto another domain, or the care displaced in a domain whose \
             staff the interventions draw. Those need another clause (a contribution that \
             follows the gains, compensation between domains) or, where the care gained is \
             what the network is for, a judgement that counts it (`--value benefit`).",
            match losers.as_slice() {
                [one] => format!("{one} gains"),
                [rest @ .., last] => format!("{} and {last} gain", rest.join(", ")),
                [] => "no partner gains".into(),
            },
            least * 100.0,
            if losers.len() == 1 {
                "it carries"
            } else {
                "they carry"
            }
        );
    }
}
