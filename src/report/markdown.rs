//! `summary.md`: the answer for a board member, in plain words — how large the gap grows,
//! what drives it, and what the network changes, with medians and 90 % intervals.

use std::fmt::Write;

use super::About;
use crate::outcome::Outcomes;
use crate::provenance::Provenance;
use crate::stats::Summary;
use crate::variant::{BASELINE, CONTINUES, NETWORK};

/// A whole number with thousands separators.
pub(super) fn int(x: f64) -> String {
    let s = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < -0.5 { format!("-{out}") } else { out }
}

/// Euros as a board reads them: millions with one decimal, billions from EUR 1 bn on, with
/// thousands separators (`EUR 165,699.4 mln` read as a misprint; now `EUR 165.7 bn`). Below
/// half a million, to the hundred euros: a neighbourhood's EUR 37,600 is not "EUR 0.0 mln".
pub(super) fn mln(x: f64) -> String {
    if x.abs() < 0.5e6 {
        return format!("EUR {}", int((x / 100.0).round() * 100.0));
    }
    let (scaled, unit) = if x.abs() >= 1e9 {
        (x / 1e9, "bn")
    } else {
        (x / 1e6, "mln")
    };
    let tenths = (scaled * 10.0).round();
    let sign = if tenths < 0.0 { "-" } else { "" };
    format!(
        "EUR {sign}{}.{} {unit}",
        int((tenths.abs() / 10.0).trunc()),
        tenths.abs() % 10.0
    )
}

fn pct(x: f64) -> String {
    format!("{:+.1} %", x * 100.0)
}

/// A share as a whole percentage, without sign (and never "-0 %").
fn share(x: f64) -> String {
    format!("{:.0} %", (x * 100.0).round() + 0.0)
}

struct View<'a> {
    o: &'a Outcomes,
    start: i32,
    end: i32,
}

impl View<'_> {
    fn values(&self, v: &str, metric: &str, year: i32) -> Option<std::borrow::Cow<'_, [f64]>> {
        self.o.get(v, metric, year)
    }
    fn summary(&self, v: &str, metric: &str, year: i32) -> Option<Summary> {
        self.values(v, metric, year).map(Summary::of)
    }
    /// The median across runs of the share of the baseline's `metric` the network removes
    /// (runs where the baseline's is zero left out).
    fn closed(&self, metric: &str, year: i32) -> f64 {
        super::brief::closed(self.o, metric, year).unwrap_or(f64::NAN)
    }

    fn median(&self, v: &str, metric: &str, year: i32) -> f64 {
        self.summary(v, metric, year).map_or(f64::NAN, |s| s.p50)
    }
    /// "1,234 (90 % interval 1,000 to 1,500)" in the given unit format.
    fn range(&self, v: &str, metric: &str, year: i32, f: fn(f64) -> String) -> String {
        match self.summary(v, metric, year) {
            Some(s) => format!("{} (90 % interval {} to {})", f(s.p50), f(s.p5), f(s.p95)),
            None => "n/a".into(),
        }
    }
    /// Median of the run-by-run growth of a metric from start to end.
    fn growth(&self, v: &str, metric: &str) -> f64 {
        match (
            self.values(v, metric, self.start),
            self.values(v, metric, self.end),
        ) {
            (Some(a), Some(b)) => {
                let g: Vec<f64> = a.iter().zip(b.iter()).map(|(a, b)| b / a - 1.0).collect();
                Summary::of(&g).p50
            }
            _ => f64::NAN,
        }
    }
}

pub fn render(p: &Provenance, about: &About, o: &Outcomes) -> String {
    let title = &about.title;
    let (start, end) = (p.start_year, p.horizon);
    let v = View { o, start, end };
    let (b, n) = (BASELINE, NETWORK);
    let mut s = String::new();
    let _ = writeln!(s, "# {title}\n");
    if !about.description.is_empty() {
        let _ = writeln!(s, "{}\n", about.description);
    }
    let _ = writeln!(s, "The care gap from {start} to {end}.\n");
    if let Some((from, to, after)) = &about.agreement_period {
        let _ = writeln!(
            s,
            "**The agreement runs {from}-{to}**; the scenario runs to {end}. After {to}: {after}\n"
        );
    }
    let _ = writeln!(
        s,
        "Scenario `{}`, {} Monte Carlo runs, seed {}, kloof {}. Figures are medians across runs; \
         the 90 % interval runs from the 5th to the 95th percentile. *Baseline* is business as \
         usual; *network* adds the network's interventions and transition budget, under the same \
         random draws.\n",
        p.scenario,
        int(p.runs as f64),
        p.seed,
        p.kloof_version
    );

    let _ = writeln!(s, "## The gap in {end}\n");
    let _ = writeln!(
        s,
        "- **People** (`gap.fte`): without the network, {} FTE of care demand cannot be met by the workforce \
         in {end} ({} FTE in {start}).",
        v.range(b, "gap.fte", end, int),
        int(v.median(b, "gap.fte", start))
    );
    let _ = writeln!(
        s,
        "- With the network: {} FTE.",
        v.range(n, "gap.fte", end, int)
    );
    let _ = writeln!(
        s,
        "- **Money** (`gap.eur`): the financiers' cost exceeds their budgets by {} in {end}; with the network \
         by {}. This gap follows from how the budgets are assumed to grow: {}.\n",
        v.range(b, "gap.eur", end, mln),
        v.range(n, "gap.eur", end, mln),
        about.budgets.join("; ")
    );
    let _ = writeln!(
        s,
        "- **Unmet care** (`unmet.eur.total`): care demanded but not delivered for want of staff (not paid, so not \
         in the money gap) is worth {} in {end}; with the network {}.",
        v.range(b, "unmet.eur.total", end, mln),
        v.range(n, "unmet.eur.total", end, mln),
    );
    let _ = writeln!(
        s,
        "- The network closes {} of the baseline's FTE gap and {} of its money gap in {end} \
         (median across runs).\n",
        share(v.closed("gap.fte", end)),
        share(v.closed("gap.eur", end)),
    );

    budget_paths(&mut s, &v, about, end);
    care(&mut s, &v, about);

    let _ = writeln!(s, "## What drives it\n");
    let _ = writeln!(
        s,
        "- **Double ageing**: people aged 65+ go from {} to {} ({}); aged 80+ from {} to {} ({}). \
         The whole population changes by {}.",
        int(v.median(b, "population.65+", start)),
        int(v.median(b, "population.65+", end)),
        pct(v.growth(b, "population.65+")),
        int(v.median(b, "population.80+", start)),
        int(v.median(b, "population.80+", end)),
        pct(v.growth(b, "population.80+")),
        pct(v.growth(b, "population.total")),
    );
    let d = super::brief::drivers(o, start, end);
    let _ = writeln!(
        s,
        "- **Demand** in euros grows by {} from {start} to {end}: population size {}, ageing {}, \
         less informal care (fewer carers per older person) {}, wages and prices {} (funded \
         only where budgets follow the price index) and volume per person {} (less what \
         tariffs pass on of productivity; the parts multiply).",
        pct(d.total),
        pct(d.parts[0]),
        pct(d.parts[1]),
        pct(d.parts[2]),
        pct(d.parts[3]),
        pct(d.parts[4])
    );
    let _ = writeln!(
        s,
        "- **Workforce**: {} FTE in {start}, {} FTE in {end}, against a demand of {} FTE.\n",
        int(v.median(b, "capacity.fte.total", start)),
        int(v.median(b, "capacity.fte.total", end)),
        int(v.median(b, "demand.fte.total", end)),
    );

    let _ = writeln!(s, "## Per domain in {end}\n");
    let _ = writeln!(
        s,
        "| domain | demand (FTE) | workforce (FTE) | gap, baseline (FTE) | gap, network (FTE) | staff taken by interventions (FTE) | demand, baseline |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|");
    for series in o.catalogue.series.iter().filter(|x| x.variant == b) {
        if let Some(d) = series
            .metric
            .strip_prefix("demand.fte.")
            .filter(|d| *d != "total")
        {
            let _ = writeln!(
                s,
                "| {d} | {} | {} | {} | {} | {} | {} |",
                int(v.median(b, &format!("demand.fte.{d}"), end)),
                int(v.median(b, &format!("capacity.fte.{d}"), end)),
                int(v.median(b, &format!("gap.fte.{d}"), end)),
                int(v.median(n, &format!("gap.fte.{d}"), end)),
                v.summary(n, &format!("staff.diverted.fte.{d}"), end)
                    .map_or("–".to_string(), |x| int(x.p50)),
                mln(v.median(b, &format!("demand.eur.{d}"), end)),
            );
        }
    }

    let _ = writeln!(s, "\n## Baseline against network\n");
    let _ = writeln!(
        s,
        "- Total cost (`cost.eur.total`) in {end}: baseline {}, network {}.",
        mln(v.median(b, "cost.eur.total", end)),
        mln(v.median(n, "cost.eur.total", end))
    );
    let _ = writeln!(
        s,
        "- Savings (`savings.eur.total`) in {end}: {}; summed over {start}-{end} \
         (`savings.eur.cumulative`): {}.",
        v.range(n, "savings.eur.total", end, mln),
        v.range(n, "savings.eur.cumulative", end, mln)
    );
    if let Some(cum) = v.values(n, "savings.eur.cumulative", end) {
        let share = cum.iter().filter(|x| **x > 0.0).count() as f64 / cum.len() as f64;
        let _ = writeln!(
            s,
            "- In {:.0} % of the runs the network saves money over the whole period, \
             interventions included. {}",
            share * 100.0,
            what_savings_rest_on(&v, end)
        );
    }
    let _ = writeln!(
        s,
        "- Transition budget spent on interventions (`transition.eur.spent`) in {end}: {}.\n",
        mln(v.median(n, "transition.eur.spent", end))
    );

    let _ = writeln!(s, "## Who pays, who gains in {end}\n");
    let _ = writeln!(
        s,
        "| financier | cost, baseline | cost, network | difference (median per run) |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|");
    for series in o.catalogue.series.iter().filter(|x| x.variant == b) {
        if let Some(f) = series
            .metric
            .strip_prefix("cost.eur.")
            .filter(|f| *f != "total")
        {
            let metric = format!("cost.eur.{f}");
            let diff = match (v.values(b, &metric, end), v.values(n, &metric, end)) {
                (Some(x), Some(y)) => {
                    Summary::of(
                        x.iter()
                            .zip(y.iter())
                            .map(|(x, y)| y - x)
                            .collect::<Vec<_>>(),
                    )
                    .p50
                }
                _ => f64::NAN,
            };
            let _ = writeln!(
                s,
                "| {f} | {} | {} | {} |",
                mln(v.median(b, &metric, end)),
                mln(v.median(n, &metric, end)),
                mln(diff)
            );
        }
    }
    for (id, scope) in &about.scopes {
        let _ = writeln!(s, "\n*{id}*: {scope}");
    }
    partners_and_events(&mut s, &v, about, end);
    initiators(&mut s, &v, &about.initiators, end);
    tallies(&mut s, &v);
    precision(&mut s, o, end);
    s
}

/// The Monte Carlo standard error of the headline medians: how much of a figure is sampling
/// noise, so that a difference of a tenth of a percent is not read as a finding.
fn precision(s: &mut String, o: &Outcomes, end: i32) {
    let rows = crate::study::headline_precision(o, end);
    if rows.iter().all(|(_, _, _, se)| !se.is_finite()) {
        return;
    }
    let _ = writeln!(
        s,
        "\n## Monte Carlo precision\n\nStandard error of each median from {} sections of \
         consecutive runs; the 95 % interval of the median is ±1.96 standard errors. More runs \
         (`--runs`, or `--precision`) narrow it.\n",
        crate::stats::SECTIONS
    );
    for (v, m, med, se) in rows.into_iter().filter(|r| r.3.is_finite()) {
        let unit = |x: f64| {
            if m.starts_with("gap.fte") {
                format!("{} FTE", int(x))
            } else {
                mln(x)
            }
        };
        let rel = if med.abs() > 1e-9 {
            format!(" ({:.2} % of the median)", 1.96 * se / med.abs() * 100.0)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "- `{m}` {v} {end}: median {}, ± {}{rel}",
            unit(med),
            unit(1.96 * se)
        );
    }
}

/// How often any of the agreement's initiators ends worse off than without the network.
fn initiators(s: &mut String, v: &View, ids: &[String], end: i32) {
    let nets: Vec<std::borrow::Cow<[f64]>> = ids
        .iter()
        .filter_map(|p| v.values(NETWORK, &format!("partner.{p}.net"), end))
        .collect();
    let Some(runs) = nets.first().map(|x| x.len()) else {
        return;
    };
    let losing = (0..runs)
        .filter(|&b| nets.iter().any(|x| x[b] < -0.5))
        .count() as f64
        / runs as f64;
    let _ = writeln!(
        s,
        "- At least one initiator ({}) ends {}-{end} worse off than without the network in \
         {:.0} % of the runs.",
        ids.join(", "),
        v.start,
        losing * 100.0
    );
}

/// How often the go/no-go decisions (`go_no_go.rhai`'s events `decided`, `no_go`,
/// `wrong_stop`, `wrong_continue`) stop the programme and how often they are wrong: a board
/// that decides on measured figures can stop a programme that saves or continue one that does
/// not, and a financier needs to know how likely that is before trusting the milestone.
fn decisions(s: &mut String, v: &View) {
    let n = NETWORK;
    let share = |e: &str, y: i32| {
        v.summary(n, &format!("event.{e}"), y)
            .map_or(0.0, |x| x.mean)
    };
    let years: Vec<i32> =
        v.o.years
            .iter()
            .copied()
            .filter(|&y| share("decided", y) > 0.0)
            .collect();
    if years.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## Go / no-go\n\nA decision is wrong when it differs from the one the same criterion \
         and thresholds give on the exact record against the baseline (savings, care gained or \
         net benefit), which a board cannot see.\n"
    );
    let pct = |x: f64| format!("{:.0} %", x * 100.0);
    for &y in &years {
        let (stop, cont) = (share("wrong_stop", y), share("wrong_continue", y));
        let _ = writeln!(
            s,
            "- **{y}**: the board decides in {} of the runs and stops the programme in {}. The \
             decision is wrong in {}: it stops a programme that meets its criterion in {}, and \
             continues one that does not in {}.",
            pct(share("decided", y)),
            pct(share("no_go", y)),
            pct(stop + cont),
            pct(stop),
            pct(cont)
        );
    }
    if years
        .iter()
        .all(|&y| share("wrong_stop", y) + share("wrong_continue", y) == 0.0)
    {
        let _ = writeln!(
            s,
            "- No decision is wrong in any run: the rule decides on the exact record (no \
             `observe` in its parameters), an idealised board, or its measurements never misled \
             it."
        );
    } else if years.len() > 1 {
        let wrong: Vec<std::borrow::Cow<[f64]>> = years
            .iter()
            .flat_map(|&y| {
                ["wrong_stop", "wrong_continue"]
                    .into_iter()
                    .filter_map(move |e| v.values(n, &format!("event.{e}"), y))
            })
            .collect();
        if let Some(runs) = wrong.first().map(|x| x.len()) {
            let any = (0..runs)
                .filter(|&b| wrong.iter().any(|x| x[b] > 0.0))
                .count();
            let _ = writeln!(
                s,
                "- At least one decision is wrong in {} of the runs.",
                pct(any as f64 / runs as f64)
            );
        }
    }
}

/// Amounts rules tallied per partner (`tally.<name>.<partner>`), summed over the years of each
/// run: only partners with an amount in some run.
fn tallies(s: &mut String, v: &View) {
    let n = NETWORK;
    let mut names: Vec<(&str, &str)> = Vec::new();
    for x in v.o.catalogue.series.iter().filter(|x| x.variant == n) {
        if let Some((name, partner)) = x
            .metric
            .strip_prefix("tally.")
            .and_then(|t| t.split_once('.'))
            && !names.contains(&(name, partner))
        {
            names.push((name, partner));
        }
    }
    let mut rows = Vec::new();
    for (name, partner) in names {
        let metric = format!("tally.{name}.{partner}");
        let mut total: Vec<f64> = Vec::new();
        for y in &v.o.years {
            if let Some(xs) = v.values(n, &metric, *y) {
                total.resize(xs.len(), 0.0);
                total.iter_mut().zip(xs.iter()).for_each(|(t, x)| *t += x);
            }
        }
        if total.iter().all(|x| x.abs() < 0.005) {
            continue;
        }
        let sum = Summary::of(&total);
        let some = total.iter().filter(|x| x.abs() >= 0.005).count() as f64 / total.len() as f64;
        rows.push(format!(
            "| {name} | {partner} | {} | {} | {} to {} | {:.0} % |",
            mln(sum.mean),
            mln(sum.p50),
            mln(sum.p5),
            mln(sum.p95),
            some * 100.0
        ));
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## Amounts per partner, {}-{}\n\nWhat the rules tallied per partner (`tally.<name>.<partner>`), summed over the years of each run.\n",
        v.start, v.end
    );
    let _ = writeln!(
        s,
        "| tally | partner | mean | median | 90 % interval | runs with any |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(s, "{r}");
    }
}

/// The agreement's outcome: each partner's net position against the baseline, the events the
/// rules fired and the money left in funds.
fn partners_and_events(s: &mut String, v: &View, about: &About, end: i32) {
    let n = NETWORK;
    let partners: Vec<&str> =
        v.o.catalogue
            .series
            .iter()
            .filter(|x| x.variant == NETWORK)
            .filter_map(|x| x.metric.strip_prefix("partner.")?.strip_suffix(".net"))
            .collect();
    if !partners.is_empty() {
        let _ = writeln!(
            s,
            "\n## Each partner's position against the baseline, {}-{end}\n",
            v.start
        );
        let _ = writeln!(
            s,
            "Net gain summed over the years against the baseline: for financiers lower contract \
             payments less what they pay into the network, for providers the change of their \
             margin on care (contract revenue less staff, material and fixed cost; intervention \
             work is paid at cost), for everyone what they receive from the agreement; negative is \
             a loss.\n"
        );
        let _ = writeln!(
            s,
            "| partner | net gain, `partner.<id>.net` (median) | 90 % interval | runs with a loss |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|");
        // One row: the median of `metric` with its 90 % interval and the share of runs with a
        // loss (below half a euro: rounding of an untouched position).
        let row = |s: &mut String, label: &str, metric: &str| {
            if let (Some(sum), Some(values)) = (v.summary(n, metric, end), v.values(n, metric, end))
            {
                let losing =
                    values.iter().filter(|x| **x < -0.5).count() as f64 / values.len() as f64;
                let _ = writeln!(
                    s,
                    "| {label} | {} | {} to {} | {:.0} % |",
                    mln(sum.p50),
                    mln(sum.p5),
                    mln(sum.p95),
                    losing * 100.0
                );
            }
        };
        for p in partners {
            row(s, p, &format!("partner.{p}.net"));
        }
        for e in &about.entities {
            let metric = format!("entity.{}.net", e.name);
            let label = format!(
                "**{}**, one legal entity: {} (`{metric}`)",
                super::plain(&e.name),
                e.members.join(" + ")
            );
            row(s, &label, &metric);
        }
        if !about.entities.is_empty() {
            let _ = writeln!(
                s,
                "\nThe partners of one legal entity are reported together as well: money moving \
                 between them is neither a gain nor a loss, and counts as no cost shifting."
            );
        }
        row(
            s,
            "*financiers outside the network*: other insurers' market share, risk equalisation (`outside.financiers.net`)",
            "outside.financiers.net",
        );
        if let Some(sum) = v.summary(n, "network.net", end) {
            let _ = writeln!(
                s,
                "\n- **All partners together** (`network.net`): {} (90 % interval {} to {}): \
                 the financiers' lower payments and the providers' margin change, less what the \
                 interventions cost, what left the network and what is still in its funds.",
                mln(sum.p50),
                mln(sum.p5),
                mln(sum.p95)
            );
        }
        if let Some(all) = v.values(n, "partners.all_gain", end) {
            let share = all.iter().sum::<f64>() / all.len() as f64;
            let _ = writeln!(
                s,
                "- Every partner gains or breaks even in {:.0} % of the runs \
                 (`partners.all_gain`; the partners of one legal entity counted together).",
                share * 100.0
            );
        }
    }
    let events: Vec<&str> =
        v.o.catalogue
            .series
            .iter()
            .filter(|x| x.variant == NETWORK)
            .filter_map(|x| x.metric.strip_prefix("event."))
            .collect();
    let years: Vec<i32> = v.o.years.clone();
    // An event no run ever fired is named once, not shown as a row of zeros: a clause that
    // never acts is a finding of its own (or a rule option the scenario does not use).
    let (events, never): (Vec<&str>, Vec<&str>) = events.into_iter().partition(|e| {
        years.iter().any(|y| {
            v.summary(n, &format!("event.{e}"), *y)
                .is_some_and(|x| x.mean > 0.0)
        })
    });
    if !events.is_empty() || !never.is_empty() {
        let _ = writeln!(
            s,
            "\n## Events\n\nShare of runs in which a rule fired the event, per year.\n"
        );
    }
    if !events.is_empty() {
        let _ = writeln!(
            s,
            "| event | {} |",
            years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(s, "|---|{}", "---:|".repeat(years.len()));
        for e in events {
            let cells: Vec<String> = years
                .iter()
                .map(|y| {
                    v.summary(n, &format!("event.{e}"), *y)
                        .map_or("".into(), |x| format!("{:.0} %", x.mean * 100.0))
                })
                .collect();
            let _ = writeln!(s, "| {e} | {} |", cells.join(" | "));
        }
    }
    if !never.is_empty() {
        let _ = writeln!(
            s,
            "\nNever fired in any run or year: {} (the clause did not act, or the scenario does \
             not use that option of its rule).",
            never
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    clauses(s, v, end);
    decisions(s, v);
    let funds: Vec<&str> =
        v.o.catalogue
            .series
            .iter()
            .filter(|x| x.variant == NETWORK)
            .filter_map(|x| x.metric.strip_prefix("fund.")?.strip_suffix(".eur"))
            .collect();
    if !funds.is_empty() {
        let _ = writeln!(s, "\n## Funds at the end of {end}\n");
        for f in funds {
            let _ = writeln!(
                s,
                "- `fund:{f}`: {}",
                v.range(n, &format!("fund.{f}.eur"), end, mln)
            );
        }
    }
}

/// Per run, `metric` of variant `v` summed over the years up to `end`.
/// The money gap per financier under the scenario's budget path and under both standard paths
/// side by side, the financeable gap, and why the money gap and the unmet care trade off.
fn budget_paths(s: &mut String, v: &View, about: &About, end: i32) {
    let b = BASELINE;
    if v.summary(b, "gap.eur.prices", end).is_none() {
        return;
    }
    let _ = writeln!(
        s,
        "### The money gap under two budget paths, {end}\n\nHow big the money gap is depends on \
         how the budgets grow. Beside the scenario's own path, kloof grows every budget from \
         the same start on two standard paths: **prices only** (the run's own wage and price \
         growth of the financier's domains) and **prices and demography** (that times the \
         growth of its domains' demand from ageing and population size alone, a macro frame \
         such as the sector agreements' growth paths follow in part). Baseline, medians (90 % \
         interval).\n\n| financier | the scenario's path | prices only | prices and demography |\n|---|---:|---:|---:|"
    );
    let financiers: Vec<&str> =
        v.o.catalogue
            .series
            .iter()
            .filter(|x| x.variant == b)
            .filter_map(|x| x.metric.strip_prefix("gap.eur.")?.strip_suffix(".prices"))
            .collect();
    for f in financiers {
        // The scenario's own path, per financier: cost less budget where positive.
        let own = match (
            v.o.get(b, &format!("cost.eur.{f}"), end),
            v.o.get(b, &format!("budget.eur.{f}"), end),
        ) {
            (Some(c), Some(bu)) => {
                let gap: Vec<f64> = c
                    .iter()
                    .zip(bu.iter())
                    .map(|(c, b)| (c - b).max(0.0))
                    .collect();
                let g = Summary::of(&gap);
                format!(
                    "{} (90 % interval {} to {})",
                    mln(g.p50),
                    mln(g.p5),
                    mln(g.p95)
                )
            }
            _ => "-".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {own} | {} | {} |",
            super::plain(f),
            v.range(b, &format!("gap.eur.{f}.prices"), end, mln),
            v.range(b, &format!("gap.eur.{f}.demography"), end, mln)
        );
    }
    let _ = writeln!(
        s,
        "| all financiers | {} | {} | {} |\n",
        v.range(b, "gap.eur", end, mln),
        v.range(b, "gap.eur.prices", end, mln),
        v.range(b, "gap.eur.demography", end, mln)
    );
    let _ = writeln!(
        s,
        "The scenario's own paths: {}.\n\n**The two gaps trade off.** Care left unmet for want of \
         staff is not paid, so it is not in the money gap: every FTE of the staff gap that is \
         closed delivers care that must be paid. The **financeable gap** (`gap.eur.financeable`) \
         is the money gap if the unmet care were delivered at its prices: {} in {end} without \
         the network, {} with it. Closing the staff gap moves the money gap towards it; a plan \
         that closes both at once needs money and people.\n",
        about.budgets.join("; "),
        v.range(b, "gap.eur.financeable", end, mln),
        v.range(NETWORK, "gap.eur.financeable", end, mln)
    );
}

/// What each rule moved between the partners (`clause.<rule>.eur`) over the period: the share
/// of runs in which it moved anything, and what it moved at the median and the 95th
/// percentile. A rule that moved EUR 0 in every run is flagged: an agreement whose clause
/// never pays reads as protection it does not give.
fn clauses(s: &mut String, v: &View, end: i32) {
    let rules: Vec<&str> =
        v.o.catalogue
            .series
            .iter()
            .filter(|x| x.variant == NETWORK)
            .filter_map(|x| x.metric.strip_prefix("clause.")?.strip_suffix(".eur"))
            .collect();
    if rules.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n## What each rule moved, {}-{end}\n\nMoney a rule's transfers moved between partners \
         and funds (`clause.<rule>.eur`), summed over the years of each run.\n\n| rule | runs \
         in which it moved money | median | 95th percentile |\n|---|---:|---:|---:|",
        v.o.years.first().copied().unwrap_or(end)
    );
    let mut never = Vec::new();
    for r in rules {
        let Some(total) = summed(v, NETWORK, &format!("clause.{r}.eur"), end) else {
            continue;
        };
        let moved = total.iter().filter(|&&x| x > 0.0).count();
        if moved == 0 {
            never.push(r);
        }
        let t = Summary::of(&total);
        let _ = writeln!(
            s,
            "| {r} | {:.0} % | {} | {} |",
            100.0 * moved as f64 / total.len().max(1) as f64,
            mln(t.p50),
            mln(t.p95)
        );
    }
    for r in never {
        let _ = writeln!(
            s,
            "\n**`{r}` paid EUR 0 in every run**: as the scenario gives it, this clause never \
             moves money (nothing it pays on comes about, or it decides on something that never \
             happens). A board should not read it as protection; look at its parameters and at \
             what it pays on."
        );
    }
}

fn summed(v: &View, variant: &str, metric: &str, end: i32) -> Option<Vec<f64>> {
    crate::cost_effectiveness::summed(v.o, variant, metric, end)
}

/// FTE or FTE-years: whole numbers, with a decimal below 10 (a neighbourhood's 0.5 FTE-years
/// is not "0").
fn fte(x: f64) -> String {
    if x.abs() < 9.95 {
        format!("{:.1}", x + 0.0)
    } else {
        int(x)
    }
}

/// "EUR 80,000 per FTE-year".
fn per_fte_year(x: f64) -> String {
    format!("EUR {} per FTE-year", int(x))
}

/// Care gained, what it costs, and whether the network is worth its price: the
/// cost-effectiveness of the network (see [`crate::cost_effectiveness`]).
fn care(s: &mut String, v: &View, about: &About) {
    let Some(ce) = about.value.first() else {
        return;
    };
    let (start, end, n) = (v.start, v.end, NETWORK);
    let f = fte;
    let range = |x: &Summary, f: &dyn Fn(f64) -> String| {
        format!("{} (90 % interval {} to {})", f(x.p50), f(x.p5), f(x.p95))
    };
    let _ = writeln!(s, "## Care gained and what it costs\n");
    let hours = summed(v, n, "care.gained.hours.total", end).map(|h| Summary::of(&h));
    let _ = writeln!(
        s,
        "- **Care gained** (`care.gained.fte_years`): over {start}-{end} the network delivers \
         {} FTE-years of care that without it would go unmet for want of staff{}.",
        range(&ce.care_fte_years, &f),
        hours.map_or(String::new(), |h| format!(", about {} hours", int(h.p50)))
    );
    let part = |m: &str| summed(v, n, m, end).map_or(f64::NAN, |x| Summary::of(&x).p50);
    let (freed, cash, displaced) = (
        part("avoided.fte.freed"),
        part("avoided.fte.cash"),
        part("care.displaced.fte"),
    );
    let _ = writeln!(
        s,
        "- Where it comes from (FTE-years, medians): **freed capacity**, demand the \
         interventions avoid whose staff go on to serve people who would otherwise wait, {} \
         (`avoided.fte.freed`); the staff the interventions draw from care no longer deliver {} \
         (`care.displaced.fte`). **Cash saving**: demand avoided that is not replaced, where \
         staff were to spare or where freed care is not refilled from the waiting list \
         (`refill`), {} (`avoided.fte.cash`): care not delivered, which lowers the bill where \
         the contract follows the care.",
        f(freed),
        f(displaced),
        f(cash)
    );
    match (ce.cost_per_fte_year, ce.cost_per_fte_year_interval) {
        (Some(c), Some((lo, hi))) => {
            let _ = writeln!(
                s,
                "- **Cost per FTE-year of care gained**: all partners together pay {} for it \
                 (−`network.net`, 90 % interval {} to {}): {} (the mean cost over the mean care \
                 gained; in 90 % of the runs a run's own cost per FTE-year lies between EUR {} \
                 and {}, a run that gains no care counting as infinitely dear). An FTE-year of \
                 employed care staff costs a Dutch employer EUR 61,000 (nursing and home care) \
                 to 83,000 (hospitals) (CBS 83670NED, 2024).",
                mln(ce.cost.p50),
                mln(ce.cost.p5),
                mln(ce.cost.p95),
                per_fte_year(c),
                int(lo),
                if hi.is_finite() {
                    int(hi)
                } else {
                    "no bound (too many runs gain no care)".into()
                }
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "- The network gains no care on average, so it has no cost per FTE-year of care \
                 gained; all partners together pay {} (−`network.net`).",
                mln(ce.cost.p50)
            );
        }
    }
    let q = &ce.quadrants;
    let _ = writeln!(
        s,
        "- Runs by quadrant of the cost-effectiveness plane: more care for more money {}, \
         more care for less money {}, no more care for more money {}, no more care for less \
         money {}.",
        share(q.more_care_more_cost),
        share(q.more_care_less_cost),
        share(q.no_care_more_cost),
        share(q.no_care_less_cost)
    );
    if about.wtp.is_empty() {
        let _ = writeln!(
            s,
            "- **Is it worth its price?** The scenario sets no willingness to pay for care gained \
             (`valuation:`), so λ = 0 and its net benefit is its money result: above zero in {} \
             of the runs. The acceptability curve below gives the answer at other values of λ.",
            share(ce.worth_it)
        );
    } else {
        let _ = writeln!(
            s,
            "- **Is it worth its price?** At the scenario's willingness to pay λ per FTE-year of \
             care gained ({}), the net benefit (`network.benefit`: money result plus λ × care \
             gained) is {}: the network is worth its price in {} of the runs.",
            about.wtp.join("; "),
            range(&ce.net_benefit, &mln),
            share(ce.worth_it)
        );
    }
    match ce.break_even {
        Some(b) => {
            let _ = writeln!(
                s,
                "- Break-even: above {} the network is worth its price on average.",
                per_fte_year(b)
            );
        }
        None => {
            let _ = writeln!(
                s,
                "- No willingness to pay makes the network worth its price on average: it costs \
                 money and gains no care."
            );
        }
    }
    let _ = writeln!(
        s,
        "\n**Acceptability curve**: the share of runs in which the network is worth its price \
         (λ × care gained > cost) if an FTE-year of care gained is worth λ in every domain. A \
         board reads off the λ it is prepared to pay and sees how sure it can be.\n"
    );
    let _ = writeln!(s, "| λ (EUR per FTE-year) | worth its price |\n|---:|---:|");
    for (wtp, p) in &ce.acceptability {
        let _ = writeln!(s, "| {} | {} |", int(*wtp), share(*p));
    }
    let _ = writeln!(
        s,
        "\n| partner | money position | care credited (FTE-years) | net benefit at λ | its cost per FTE-year credited |\n|---|---:|---:|---:|---:|"
    );
    for p in &ce.per_partner {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            p.partner,
            mln(p.position.p50),
            int(p.care_fte_years.p50),
            mln(p.benefit.p50),
            p.cost_per_fte_year
                .filter(|_| p.care_fte_years.p50.abs() >= 0.5)
                .map_or("–".into(), int)
        );
    }
    let clients = ce.per_domain.iter().any(|d| d.clients.is_some());
    let _ = writeln!(
        s,
        "\nCare gained is credited to {}. Per domain, over {start}-{end}:\n\n| domain | care \
         gained (FTE-years) | hours |{} credited to |\n|---|---:|---:|{}---|",
        about.credit,
        if clients {
            " clients served (client-years) |"
        } else {
            ""
        },
        if clients { "---:|" } else { "" }
    );
    for d in &ce.per_domain {
        let served = match (&d.clients, clients) {
            (Some(c), _) => format!(" {} |", int(c.p50)),
            (None, true) => " – |".to_string(),
            (None, false) => String::new(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} |{served} {} |",
            d.domain,
            range(&d.fte_years, &f),
            int(d.hours.p50),
            d.credited_to
        );
    }
    let _ = writeln!(s);
    continues(s, v, about);
    path(s, v, about);
}

/// The board's decision beside the programme continuing, under the same draws: what the
/// decision costs in care and gains in money.
fn continues(s: &mut String, v: &View, about: &About) {
    let (Some(board), Some(goes_on)) = (about.value.first(), about.value.get(1)) else {
        return;
    };
    let (n, c, b, end) = (NETWORK, CONTINUES, BASELINE, v.end);
    let stopped = {
        let years: Vec<std::borrow::Cow<[f64]>> =
            v.o.years
                .iter()
                .filter_map(|&y| v.values(n, "event.no_go", y))
                .collect();
        let runs = years.first().map_or(0, |x| x.len());
        (0..runs)
            .filter(|&r| years.iter().any(|x| x[r] > 0.0))
            .count() as f64
            / runs.max(1) as f64
    };
    let _ = writeln!(
        s,
        "## The board's decision against going on\n\nAt its go/no-go moments ({}) the board \
         stops the programme in {} of the runs; {}. Beside it, the same runs with the \
         programme going on whatever the board decides (`continues`):\n",
        about
            .decision_years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        share(stopped),
        about.criterion
    );
    // The mean, not the median: in most runs the board goes on, and the difference lies in
    // the runs in which it stops.
    let paired = |x: &[f64], y: &[f64]| {
        x.iter().zip(y).map(|(x, y)| y - x).sum::<f64>() / x.len().max(1) as f64
    };
    let closed = |variant: &str| -> Option<Vec<f64>> {
        let base = v.values(b, "gap.fte", end)?;
        let net = v.values(variant, "gap.fte", end)?;
        Some(base.iter().zip(net.iter()).map(|(b, n)| b - n).collect())
    };
    type Row<'a> = (
        &'a str,
        Option<Vec<f64>>,
        Option<Vec<f64>>,
        fn(f64) -> String,
    );
    let value =
        |variant: &str, m: &str| v.values(variant, m, end).map(std::borrow::Cow::into_owned);
    let neg = |x: Option<Vec<f64>>| x.map(|x| x.iter().map(|x| -x).collect::<Vec<_>>());
    let rows: [Row; 4] = [
        (
            "care gap closed in the horizon year (FTE)",
            closed(n),
            closed(c),
            int,
        ),
        (
            "care gained over the period (FTE-years)",
            value(n, "care.gained.fte_years"),
            value(c, "care.gained.fte_years"),
            int,
        ),
        (
            "cost to all partners together (−network.net)",
            neg(value(n, "network.net")),
            neg(value(c, "network.net")),
            mln,
        ),
        (
            "net benefit at λ (network.benefit)",
            value(n, "network.benefit"),
            value(c, "network.benefit"),
            mln,
        ),
    ];
    let _ = writeln!(
        s,
        "| {end} (medians) | the board decides | the programme goes on | going on − deciding (mean per run) |\n|---|---:|---:|---:|"
    );
    for (label, x, y, f) in rows {
        if let (Some(x), Some(y)) = (x, y) {
            let _ = writeln!(
                s,
                "| {label} | {} | {} | {} |",
                f(Summary::of(&x).p50),
                f(Summary::of(&y).p50),
                f(paired(&x, &y))
            );
        }
    }
    let _ = writeln!(
        s,
        "| worth its price at λ (share of runs) | {} | {} | |\n",
        share(board.worth_it),
        share(goes_on.worth_it)
    );
}

/// The gap year by year, with and without the network: the horizon alone hides the years the
/// programme runs (and a go/no-go that stops it).
fn path(s: &mut String, v: &View, about: &About) {
    let (b, n, c) = (BASELINE, NETWORK, CONTINUES);
    let has_continues = v.values(c, "gap.fte", v.end).is_some();
    let _ = writeln!(
        s,
        "## The gap year by year\n\nMedians per year; *decision* marks a go/no-go moment.\n"
    );
    let _ = writeln!(
        s,
        "| year | gap without the network (FTE) | gap with the network (FTE) | closed |{} care gained in the year (FTE) | transition money spent | |",
        if has_continues {
            " gap if the programme goes on (FTE) |"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "|---:|---:|---:|---:|{}---:|---:|---|",
        if has_continues { "---:|" } else { "" }
    );
    for &y in &v.o.years {
        let goes_on = if has_continues {
            format!(" {} |", int(v.median(c, "gap.fte", y)))
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "| {y} | {} | {} | {} |{goes_on} {} | {} | {} |",
            int(v.median(b, "gap.fte", y)),
            int(v.median(n, "gap.fte", y)),
            share(v.closed("gap.fte", y)),
            int(v.median(n, "care.gained.fte.total", y)),
            mln(v.median(n, "transition.eur.spent", y)),
            if about.decision_years.contains(&y) {
                "decision"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(s);
}

/// Why the network saves money or not: a saving follows from the assumed effects only where
/// the demand avoided is not replaced (staff to spare, or freed care not refilled from the
/// waiting list); where the freed staff serve people who would otherwise wait, no effect size
/// turns that into money.
fn what_savings_rest_on(v: &View, end: i32) -> String {
    let part = |m: &str| summed(v, NETWORK, m, end).map(|x| Summary::of(&x).p50);
    let (Some(cash), Some(freed)) = (part("avoided.fte.cash"), part("avoided.fte.freed")) else {
        return String::new();
    };
    let avoided = cash + freed;
    if avoided > 0.0 && freed >= cash {
        format!(
            "Of the demand the interventions avoid ({} FTE-years, median), {} frees staff who \
             go on to serve people who would otherwise wait (care gained, above) and lowers no \
             bill; only {} is not replaced (staff to spare, or freed care not refilled from \
             the waiting list: each domain's `refill`) and can save money. So the share of runs \
             with a saving follows from the staff shortage and the refill assumed as much as \
             from the interventions' effects; larger effects would gain mostly care, not money.",
            int(avoided),
            int(freed),
            int(cash)
        )
    } else {
        "This share follows from the assumed ranges of the interventions' effects (each \
         effect's comment in the scenario names its evidence or says it is an assumption), not \
         from observed results."
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_in_millions_or_billions_with_separators() {
        assert_eq!(mln(165_699.4e6), "EUR 165.7 bn");
        assert_eq!(mln(12_345_678.0), "EUR 12.3 mln");
        assert_eq!(mln(-950.04e6), "EUR -950.0 mln");
        assert_eq!(mln(1_234_567e9), "EUR 1,234,567.0 bn");
        assert_eq!(mln(0.0), "EUR 0");
        assert_eq!(mln(37_649.0), "EUR 37,600");
        assert_eq!(mln(-499_960.0), "EUR -500,000");
    }
}
