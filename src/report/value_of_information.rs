//! The report of `kloof evpi`: `voi.md`, `voi.json` and a manifest of every decision's
//! provenance.

use std::fmt::Write;
use std::path::Path;

use super::markdown::{int, mln};
use super::{ReportError, publish};
use crate::provenance::Manifest;
use crate::value_of_information::ValueOfInformation;

/// Writes the report to `dir`, all or nothing.
pub fn write(
    dir: &Path,
    manifests: &[Manifest],
    v: &ValueOfInformation,
) -> Result<(), ReportError> {
    let json = super::json::compared(manifests, v)?;
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("voi.md", render(manifests, v, usize::MAX).into_bytes()),
        ("voi.json", json),
        ("manifest.json", serde_json::to_vec_pretty(manifests)?),
    ];
    publish::publish(dir, &files)
}

/// The markdown report, with the `top` inputs worth most.
pub fn render(manifests: &[Manifest], v: &ValueOfInformation, top: usize) -> String {
    let p = &manifests[0].provenance;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# The value of information: {}\n\nNet benefit `{}` of the network in {}, {} runs, seed \
         {}, the same runs for every decision, kloof {}.\n",
        v.decisions
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" or "),
        v.metric,
        v.year,
        p.runs,
        p.seed,
        p.kloof_version
    );
    for (n, m) in &v.decisions {
        let _ = writeln!(s, "- `{n}`: expected {}", mln(*m));
    }
    let _ = writeln!(
        s,
        "\nOn what is known now the best decision is `{}`; in {:.0} % of the runs another \
         would have been better. Knowing everything before deciding would be worth **{}** on \
         average (EVPI): an upper bound on what any study or pilot measurement is worth.\n",
        v.best,
        v.regret_share * 100.0,
        mln(v.evpi)
    );
    let _ = writeln!(
        s,
        "Worth of knowing one input before deciding (EVPPI, estimated from the runs by bins; \
         values near zero are noise):\n\n| input | EVPPI |\n|---|---:|"
    );
    for (k, x) in v.per_input.iter().take(top) {
        let _ = writeln!(s, "| {k} | {} |", mln(*x));
    }
    if !v.curve.is_empty() {
        let _ = writeln!(
            s,
            "\n## The EVPI curve\n\nIf an FTE-year of care gained is worth λ in every domain, \
             each decision's net benefit is all partners' money result (`network.net`) plus λ × \
             its care gained (`care.gained.fte_years`). Per λ, the best decision and what \
             knowing everything before deciding would be worth:\n\n| λ (EUR per FTE-year) | \
             best decision | EVPI |\n|---:|---|---:|"
        );
        for c in &v.curve {
            let _ = writeln!(s, "| {} | `{}` | {} |", int(c.wtp), c.best, mln(c.evpi));
        }
    }
    s
}
