//! `report.xlsx`: the workbook a financier opens in a spreadsheet program. Numbers stay
//! numbers (with Excel number formats, so a Dutch spreadsheet shows Dutch separators), header
//! rows are frozen, and the bytes repeat for the same study (the creation date is fixed), so
//! a committed example shows real changes only. Written with `rust_xlsxwriter`, a maintained
//! XLSX writer, rather than by hand: the format is a zip of a dozen XML parts.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::document::{Block, Cell, Unit};
use super::lang::Lang;
use super::{About, Row};
use crate::outcome::Outcomes;
use crate::provenance::Provenance;
use crate::stats::Summary;
use crate::variant::NETWORK;

/// The workbook's sheets: the brief's figures per year, every series' percentiles per year (the
/// rows of `results.csv`), each partner's balance per year, and the manifest.
pub fn render(
    p: &Provenance,
    about: &About,
    o: &Outcomes,
    rows: &[Row],
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let l = |nl: &'static str, en: &'static str| lang.pick(nl, en);
    let mut wb = Workbook::new();
    // A fixed date: the same study gives the same bytes.
    wb.set_properties(
        &DocProperties::new()
            .set_title(about.title.as_str())
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let bold = Format::new().set_bold();
    let whole = Format::new().set_num_format("#,##0");
    let share = Format::new().set_num_format("0%");

    // Per year: the gap without and with the network, and the money gap.
    let ws = wb.add_worksheet();
    ws.set_name(l("Kloof per jaar", "Gap per year"))?;
    header(
        ws,
        &bold,
        &[
            l("jaar", "year"),
            l(
                "personeelstekort zonder netwerk, mediaan (fte)",
                "staff gap without the network, median (FTE)",
            ),
            l("P5", "P5"),
            l("P95", "P95"),
            l(
                "met netwerk, mediaan (fte)",
                "with the network, median (FTE)",
            ),
            l(
                "geldtekort zonder netwerk, mediaan (euro)",
                "money gap without the network, median (EUR)",
            ),
            l(
                "met netwerk, mediaan (euro)",
                "with the network, median (EUR)",
            ),
            l(
                "zorg gewonnen sinds de start (fte-jaren)",
                "care gained since the start (FTE-years)",
            ),
        ],
    )?;
    for (r, &y) in o.years.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_number(row, 0, y)?;
        let cells = [
            (o.get("baseline", "gap.fte", y), 2),
            (o.get(NETWORK, "gap.fte", y), 4),
            (o.get("baseline", "gap.eur", y), 5),
            (o.get(NETWORK, "gap.eur", y), 6),
            (o.get(NETWORK, "care.gained.fte_years", y), 7),
        ];
        for (values, col) in cells {
            let Some(v) = values else { continue };
            let s = Summary::of(v);
            if col == 2 {
                ws.write_number_with_format(row, 1, s.p50, &whole)?;
                ws.write_number_with_format(row, 2, s.p5, &whole)?;
                ws.write_number_with_format(row, 3, s.p95, &whole)?;
            } else {
                ws.write_number_with_format(row, col, s.p50, &whole)?;
            }
        }
    }
    ws.set_column_width(0, 8)?;
    for c in 1..8 {
        ws.set_column_width(c, 22)?;
    }

    // Each partner's balance per year.
    let ws = wb.add_worksheet();
    ws.set_name(l("Partners per jaar", "Partners per year"))?;
    let partners: Vec<&str> = o
        .catalogue
        .series
        .iter()
        .filter(|x| x.variant == NETWORK)
        .filter_map(|x| x.metric.strip_prefix("partner.")?.strip_suffix(".net"))
        .collect();
    header(
        ws,
        &bold,
        &[
            l("partner", "partner"),
            "id",
            l("jaar", "year"),
            l("saldo, mediaan (euro)", "balance, median (EUR)"),
            "P5",
            "P95",
            l("kans op verlies", "chance of a loss"),
        ],
    )?;
    let mut row = 1;
    for id in partners {
        let name = about
            .names
            .iter()
            .find(|(i, _)| i == id)
            .map_or(id, |(_, n)| n.as_str());
        for &y in &o.years {
            let Some(values) = o.get(NETWORK, &format!("partner.{id}.net"), y) else {
                continue;
            };
            let s = Summary::of(&*values);
            let losing = values.iter().filter(|x| **x < -0.5).count() as f64 / values.len() as f64;
            ws.write_string(row, 0, name)?;
            ws.write_string(row, 1, id)?;
            ws.write_number(row, 2, y)?;
            ws.write_number_with_format(row, 3, s.p50, &whole)?;
            ws.write_number_with_format(row, 4, s.p5, &whole)?;
            ws.write_number_with_format(row, 5, s.p95, &whole)?;
            ws.write_number_with_format(row, 6, losing, &share)?;
            row += 1;
        }
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 18)?;

    // Every series' percentiles per year: results.csv as numbers.
    let ws = wb.add_worksheet();
    ws.set_name(l("Percentielen", "Percentiles"))?;
    header(
        ws,
        &bold,
        &[
            "variant",
            "metric",
            l("jaar", "year"),
            "mean",
            "sd",
            "p5",
            "p25",
            "p50",
            "p75",
            "p95",
        ],
    )?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &r.series.variant)?;
        ws.write_string(row, 1, &r.series.metric)?;
        ws.write_number(row, 2, r.year)?;
        let s = &r.summary;
        for (c, x) in [s.mean, s.sd, s.p5, s.p25, s.p50, s.p75, s.p95]
            .into_iter()
            .enumerate()
        {
            // A value that is not finite (no run had it) stays empty, as Excel has no NaN.
            if x.is_finite() {
                ws.write_number(row, c as u16 + 3, x)?;
            }
        }
    }
    ws.set_column_width(1, 36)?;

    // The analyst's appendix of report.html: precision, clauses, events and funds.
    sheets(&mut wb, &super::appendix::blocks(p, o, lang))?;
    manifest(&mut wb, &[p], lang)?;
    wb.save_to_buffer()
}

/// The workbook of any report: each table of `blocks` on a sheet named by the heading above
/// it, its figures as numbers in their unit's format, then the manifest of `studies` (the
/// base first, then each variant, shock or coalition study it compares).
pub fn of_document(
    title: &str,
    blocks: &[Block],
    studies: &[&Provenance],
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    sheets(&mut wb, blocks)?;
    manifest(&mut wb, studies, lang)?;
    wb.save_to_buffer()
}

/// Each table of `blocks` on a sheet named by the heading above it, its figures as numbers in
/// their unit's format, header row frozen.
fn sheets(wb: &mut Workbook, blocks: &[Block]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let format = |u: Unit| {
        Format::new().set_num_format(match u {
            Unit::Eur => "#,##0",
            Unit::Fte => "#,##0.0",
            Unit::Share => "0%",
            Unit::Count => "0",
            Unit::Decimal => "0.00",
        })
    };
    let mut names: Vec<String> = wb.worksheets().iter().map(|w| w.name()).collect();
    let mut heading = String::new();
    for b in blocks {
        match b {
            Block::Heading(_, text) => heading = text.clone(),
            Block::Table(head, rows) => {
                let name = sheet_name(&heading, &names);
                let ws = wb.add_worksheet();
                ws.set_name(&name)?;
                names.push(name);
                let head: Vec<&str> = head.iter().map(String::as_str).collect();
                header(ws, &bold, &head)?;
                for (r, cells) in rows.iter().enumerate() {
                    let row = r as u32 + 1;
                    for (c, cell) in cells.iter().enumerate() {
                        let col = c as u16;
                        match cell {
                            Cell::Figure { value, unit, .. } if value.is_finite() => {
                                ws.write_number_with_format(row, col, *value, &format(*unit))?;
                            }
                            Cell::Figure { .. } => {}
                            Cell::Text(t) => {
                                ws.write_string(row, col, t)?;
                            }
                        }
                    }
                }
                ws.set_column_width(0, 36)?;
                for c in 1..head.len() as u16 {
                    ws.set_column_width(c, 18)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A sheet's name from the heading above its table: at most 31 characters, none of those
/// Excel refuses (`[]:*?/\`), and not one taken before (a number is added).
fn sheet_name(heading: &str, taken: &[String]) -> String {
    let clean: String = heading
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    let base = match clean.trim() {
        "" => "Tabel",
        t => t,
    };
    let fit = |suffix: &str| -> String {
        let room = 31 - suffix.chars().count();
        let kept: String = base.chars().take(room).collect();
        format!("{}{suffix}", kept.trim_end())
    };
    let mut name = fit("");
    let mut k = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) || name == "Manifest" {
        name = fit(&format!(" {k}"));
        k += 1;
    }
    name
}

/// The manifest sheet: what the figures were made from, one block per study.
fn manifest(wb: &mut Workbook, studies: &[&Provenance], lang: Lang) -> Result<(), XlsxError> {
    let l = |nl: &'static str, en: &'static str| lang.pick(nl, en);
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Manifest")?;
    let mut row = 0;
    for (k, p) in studies.iter().enumerate() {
        if k > 0 {
            row += 1;
        }
        let mut facts: Vec<(String, String)> = vec![
            ("kloof".into(), p.kloof_version.clone()),
            ("scenario".into(), p.scenario.clone()),
            ("scenario sha256".into(), p.scenario_sha256.clone()),
            ("seed".into(), p.seed.to_string()),
            (l("doorrekeningen", "runs").into(), p.runs.to_string()),
            (
                l("jaren", "years").into(),
                format!("{}-{}", p.start_year, p.horizon),
            ),
        ];
        facts.extend(p.rules.iter().map(|r| (r.path.clone(), r.sha256.clone())));
        for (k, v) in &facts {
            ws.write_string_with_format(row, 0, k, &bold)?;
            ws.write_string(row, 1, v)?;
            row += 1;
        }
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 70)?;
    Ok(())
}

/// A bold header row, frozen so it stays in view while scrolling.
fn header(ws: &mut Worksheet, bold: &Format, names: &[&str]) -> Result<(), XlsxError> {
    for (c, name) in names.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sheet_name;

    #[test]
    fn sheet_names_are_what_excel_takes_and_unique() {
        let taken = vec!["Gebeurtenissen".to_string()];
        assert_eq!(
            sheet_name("Fondsen aan het eind van 2030", &taken),
            "Fondsen aan het eind van 2030"
        );
        assert_eq!(
            sheet_name("Wat [de] regel: a/b?", &taken),
            "Wat de regel ab"
        );
        assert_eq!(sheet_name("gebeurtenissen", &taken), "gebeurtenissen 2");
        assert_eq!(sheet_name("  ", &taken), "Tabel");
        assert_eq!(sheet_name("Manifest", &taken), "Manifest 2");
        let long = "Een kop van veel meer dan eenendertig tekens lang";
        assert_eq!(sheet_name(long, &taken).chars().count(), 31);
        let again = sheet_name(long, &[sheet_name(long, &taken)]);
        assert!(
            again.ends_with(" 2") && again.chars().count() == 31,
            "{again}"
        );
    }
}
