//! A scenario for another region, built from a template scenario and the reference data
//! (`../shared/reference`): the template's agreement, rules and per-inhabitant figures, with the
//! region's own number of inhabitants and age mix.
//!
//! - **Inhabitants**: the region's `population` in `nl_regions.csv` (municipal register or CBS),
//!   else its Zvw insured-years 2023 in `vektis_zvw_2023_selected_municipalities.csv` (everyone
//!   living in the Netherlands is insured, so insured-years are the average population).
//! - **Age mix**: the template's table of people by age class, tilted (each class times
//!   `exp(θ · age / 100)`, one θ) until its expected Zvw cost per inhabitant at the national
//!   rates per age class (`vektis_zvw_2023_national_age_sex_rates.csv`, both sexes together)
//!   stands to the template's as the region's Vektis age-sex mix index stands to the
//!   template region's; then scaled to the region's inhabitants. The tilt is an assumption:
//!   the reference data give one index per municipality, not its age table.
//! - **Absolute amounts** the sweep file names (`per_inhabitant:`, e.g. a transition budget
//!   or an intervention's staff) are scaled by the ratio of inhabitants: an assumption that
//!   the agreement would be sized to the region as the template's was.
//!
//! Everything else — use per inhabitant by age, growth, contracts, the workforce's rates — is
//! the template's, so a built region answers "this agreement, at this region's size and age",
//! not a forecast of the region's own agreement.

use std::path::Path;

use serde_yaml::Value;

use crate::Error;
use crate::scenario::AgeRange;
use crate::study::Source;

/// One region's figures from the reference data, with where each comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub name: String,
    pub inhabitants: f64,
    pub inhabitants_source: String,
    /// Vektis 2023 age-sex mix index (expected Zvw cost at national rates over the national
    /// average).
    pub age_mix: f64,
}

/// Rows of a reference CSV file: `#` lines left out, quoted fields with commas kept whole.
fn rows(path: &Path) -> Result<Vec<Vec<String>>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Options(format!("cannot read {}: {e}", path.display())))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
            for c in line.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => fields.push(std::mem::take(&mut field)),
                    c => field.push(c),
                }
            }
            fields.push(field);
            fields
        })
        .collect())
}

/// The region `name`'s figures from the reference folder `reference`.
pub fn figures(reference: &Path, name: &str) -> Result<Figures, Error> {
    let regions = reference.join("nl_regions.csv");
    let vektis = reference.join("vektis_zvw_2023_selected_municipalities.csv");
    let in_regions = rows(&regions)?;
    let in_vektis = rows(&vektis)?;
    let vektis_row = in_vektis
        .iter()
        .find(|r| r.first().is_some_and(|m| m.eq_ignore_ascii_case(name)));
    let register = in_regions.iter().find(|r| {
        r.first().is_some_and(|n| n.eq_ignore_ascii_case(name))
            && r.get(1).is_some_and(|f| f == "population")
    });
    let number = |s: Option<&String>| s.and_then(|x| x.trim().parse::<f64>().ok());
    let (inhabitants, inhabitants_source) = match (register, vektis_row) {
        (Some(r), _) if number(r.get(2)).is_some() => (
            number(r.get(2)).unwrap_or_default(),
            format!(
                "{} on {} ({}, nl_regions.csv)",
                r[2],
                r.get(4).map_or("", String::as_str),
                r.get(5).map_or("", String::as_str)
            ),
        ),
        (_, Some(v)) if number(v.get(1)).is_some() => (
            number(v.get(1)).unwrap_or_default(),
            format!(
                "{} Zvw insured-years 2023 (Vektis, vektis_zvw_2023_selected_municipalities.csv)",
                v[1]
            ),
        ),
        _ => {
            return Err(Error::Options(format!(
                "region `{name}`: no population in {} and no insured-years in {}",
                regions.display(),
                vektis.display()
            )));
        }
    };
    let age_mix = number(vektis_row.and_then(|v| v.get(4))).ok_or_else(|| {
        let known: Vec<&str> = in_vektis
            .iter()
            .skip(1)
            .filter_map(|r| r.first().map(String::as_str))
            .collect();
        Error::Options(format!(
            "region `{name}`: no Vektis age-sex mix index in {} (it has {})",
            vektis.display(),
            known.join(", ")
        ))
    })?;
    Ok(Figures {
        name: name.to_string(),
        inhabitants,
        inhabitants_source,
        age_mix,
    })
}

/// National Zvw cost per insured-year by the lowest age of each five-year class, both sexes
/// together, and the national average.
fn national_rates(reference: &Path) -> Result<(Vec<(u32, f64)>, f64), Error> {
    let file = reference.join("vektis_zvw_2023_national_age_sex_rates.csv");
    let mut by_age: Vec<(u32, f64, f64)> = Vec::new();
    for r in rows(&file)?.iter().skip(1) {
        let age = r
            .get(1)
            .and_then(|c| c.split(|ch: char| !ch.is_ascii_digit()).next())
            .and_then(|a| a.parse::<u32>().ok());
        let (Some(age), Some(cost), Some(years)) = (
            age,
            r.get(2).and_then(|x| x.parse::<f64>().ok()),
            r.get(3).and_then(|x| x.parse::<f64>().ok()),
        ) else {
            continue;
        };
        match by_age.iter_mut().find(|(a, _, _)| *a == age) {
            Some(row) => {
                row.1 += cost;
                row.2 += years;
            }
            None => by_age.push((age, cost, years)),
        }
    }
    if by_age.is_empty() {
        return Err(Error::Options(format!(
            "{}: no rates by age class",
            file.display()
        )));
    }
    by_age.sort_by_key(|r| r.0);
    let average = by_age.iter().map(|r| r.1).sum::<f64>() / by_age.iter().map(|r| r.2).sum::<f64>();
    Ok((by_age.iter().map(|r| (r.0, r.1 / r.2)).collect(), average))
}

/// Expected Zvw cost per inhabitant of a table of people by age class, over the national
/// average: the age-mix index of the table.
fn index(table: &[(u32, f64)], rates: &[(u32, f64)], average: f64) -> f64 {
    let rate = |age: u32| {
        rates
            .iter()
            .rev()
            .find(|(a, _)| *a <= age)
            .map_or(0.0, |r| r.1)
    };
    let people: f64 = table.iter().map(|r| r.1).sum();
    table.iter().map(|(a, n)| n * rate(*a)).sum::<f64>() / people / average
}

/// `table` tilted by `exp(θ · age / 100)` per class.
fn tilted(table: &[(u32, f64)], theta: f64) -> Vec<(u32, f64)> {
    table
        .iter()
        .map(|&(a, n)| (a, n * (theta * f64::from(a) / 100.0).exp()))
        .collect()
}

/// The template's people by age class, tilted to `target` index and scaled to `inhabitants`
/// (rounded to whole people per class).
fn population(
    table: &[(u32, f64)],
    rates: &[(u32, f64)],
    average: f64,
    target: f64,
    inhabitants: f64,
) -> Result<Vec<f64>, String> {
    let at = |theta: f64| index(&tilted(table, theta), rates, average);
    let (mut lo, mut hi) = (-5.0, 5.0);
    if !(at(lo) <= target && target <= at(hi)) {
        return Err(format!(
            "an age-mix index of {target:.3} cannot be reached by tilting the template's ages \
             ({:.3} to {:.3})",
            at(lo),
            at(hi)
        ));
    }
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if at(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let t = tilted(table, (lo + hi) / 2.0);
    let total: f64 = t.iter().map(|r| r.1).sum();
    Ok(t.iter()
        .map(|r| (r.1 * inhabitants / total).round())
        .collect())
}

/// The template scenario rebuilt for region `region` (see the module documentation): its
/// name, title, region name, people by age class, and each `per_inhabitant` path's amounts
/// scaled by the ratio of inhabitants. `template_region` names the template's own region in
/// the reference data (for its age-mix index).
pub fn build(
    template: &Source,
    template_region: &str,
    region: &Figures,
    reference: &Path,
    per_inhabitant: &[String],
) -> Result<Source, Error> {
    let bad = |key: &str, message: String| {
        Error::Options(format!("{}: `{key}`: {message}", template.path))
    };
    let mut tree: Value = serde_yaml::from_str(&template.text)
        .map_err(|e| Error::Options(format!("{}: {e}", template.path)))?;
    let own = figures(reference, template_region)?;
    let (rates, average) = national_rates(reference)?;
    let table_value = crate::overlay::at_path(&mut tree, "region.population")
        .map_err(|e| bad("region.population", e))?;
    let Value::Mapping(map) = table_value else {
        return Err(bad(
            "region.population",
            "not a table of people by age class".into(),
        ));
    };
    let mut table = Vec::new();
    for (k, v) in map.iter() {
        let band = k.as_str().unwrap_or_default();
        match (band.parse::<AgeRange>().ok().map(|r| r.from), v.as_f64()) {
            (Some(a), Some(n)) => table.push((a, n)),
            _ => {
                return Err(bad(
                    "region.population",
                    format!("`{band}` is not an age class with a number of people"),
                ));
            }
        }
    }
    let people: f64 = table.iter().map(|r| r.1).sum();
    let target = index(&table, &rates, average) * region.age_mix / own.age_mix;
    let counts = population(&table, &rates, average, target, region.inhabitants)
        .map_err(|e| bad("region.population", format!("region {}: {e}", region.name)))?;
    for ((_, v), n) in map.iter_mut().zip(&counts) {
        *v = Value::from(*n);
    }
    let ratio = region.inhabitants / people;
    for path in per_inhabitant {
        scale_at(&mut tree, path, ratio).map_err(|e| bad(path, e))?;
    }
    let slug: String = region
        .name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = tree
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("scenario")
        .to_string();
    let title = tree
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let set = |tree: &mut Value, path: &str, value: Value| -> Result<(), Error> {
        *crate::overlay::at_path(tree, path).map_err(|e| bad(path, e))? = value;
        Ok(())
    };
    set(&mut tree, "name", Value::from(format!("{name}-for-{slug}")))?;
    set(
        &mut tree,
        "title",
        Value::from(format!(
            "{title} — built for {}: {:.0} inhabitants ({}), age-mix index {:.3} (Vektis 2023) \
             against {:.3}",
            region.name, region.inhabitants, region.inhabitants_source, region.age_mix, own.age_mix
        )),
    )?;
    set(&mut tree, "region.name", Value::from(region.name.clone()))?;
    let text = serde_yaml::to_string(&tree)
        .map_err(|e| Error::Options(format!("{}: {e}", template.path)))?;
    Ok(Source {
        path: format!("(built for {}) {}", region.name, template.path),
        text,
        rules_dir: template.dir(),
        absent: template.absent.clone(),
        ..Source::default()
    })
}

/// Scales every amount at `path` by `f`; a `*` segment stands for every entry of a list or
/// table (`interventions.*.cost`).
fn scale_at(tree: &mut Value, path: &str, f: f64) -> Result<(), String> {
    match path.split_once(".*") {
        None => crate::stress::scale(crate::overlay::at_path(tree, path)?, f),
        Some((head, rest)) => {
            let node = crate::overlay::at_path(tree, head)?;
            let rest = rest.strip_prefix('.').unwrap_or(rest);
            let items: Vec<&mut Value> = match node {
                Value::Sequence(s) => s.iter_mut().collect(),
                Value::Mapping(m) => m.values_mut().collect(),
                _ => return Err(format!("`{head}` is not a list or table for `*`")),
            };
            for item in items {
                if rest.is_empty() {
                    crate::stress::scale(item, f)?;
                } else {
                    scale_at(item, rest, f)?;
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two age classes with national rates 1 and 3 (average 2): a table of 1 and 1 person has
    /// index 1; tilting toward the old raises it, toward the young lowers it.
    #[test]
    fn the_tilt_reaches_the_index_asked_for_and_keeps_the_total() {
        let rates = [(0, 1.0), (50, 3.0)];
        let table = [(0, 100.0), (50, 100.0)];
        assert!((index(&table, &rates, 2.0) - 1.0).abs() < 1e-12);
        // Index 1.25 needs three quarters of the people in the old class: 0.25·1 + 0.75·3 = 2.5.
        let p = population(&table, &rates, 2.0, 1.25, 1000.0).expect("reachable");
        assert_eq!(p, vec![250.0, 750.0]);
        let p = population(&table, &rates, 2.0, 0.75, 1000.0).expect("reachable");
        assert_eq!(p, vec![750.0, 250.0]);
        assert!(
            population(&table, &rates, 2.0, 1.6, 1000.0).is_err(),
            "beyond every tilt"
        );
    }

    #[test]
    fn a_star_scales_every_entry() {
        let mut tree: Value = serde_yaml::from_str(
            "interventions:\n  - {id: a, cost: 100, staff: {fte: 2}}\n  - {id: b, cost: {dist: uniform, low: 10, high: 20}}\n",
        )
        .expect("yaml");
        scale_at(&mut tree, "interventions.*.cost", 0.5).expect("scaled");
        scale_at(&mut tree, "interventions.a.staff.fte", 3.0).expect("scaled");
        let i = &tree["interventions"];
        assert_eq!(i[0]["cost"].as_f64(), Some(50.0));
        assert_eq!(i[1]["cost"]["high"].as_f64(), Some(10.0));
        assert_eq!(i[0]["staff"]["fte"].as_f64(), Some(6.0));
        assert!(scale_at(&mut tree, "interventions.*.nothing", 2.0).is_err());
    }
}
