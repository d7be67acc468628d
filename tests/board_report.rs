//! The board's report: `brief.md` (a one-page *bestuurlijke samenvatting*), `report.html`
//! (the brief with charts, one offline file) and `report.xlsx`, in Dutch by default and in
//! English on request, of `kloof run`, `kloof stress` and `kloof compare`.

mod common;

use common::scenario;
use kloof::report::{About, Lang};
use kloof::stats::Summary;
use kloof::study::{self, Options, Study};
use kloof::variant::{BASELINE, NETWORK};

fn zoetermeer() -> Study {
    let options = Options {
        runs: Some(200),
        ..Options::default()
    };
    study::run(&scenario("zoetermeer"), &options, &|_| {}).expect("runs")
}

fn written(s: &Study, lang: Lang) -> (String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    kloof::report::write(
        dir.path(),
        &s.manifest,
        &s.outcomes,
        &About::of(&s.scenario, &s.outcomes),
        false,
        lang,
    )
    .expect("written");
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).expect(f);
    (read("brief.md"), read("report.html"))
}

#[test]
fn the_brief_is_dutch_by_default_with_names_and_dutch_numbers() {
    let s = zoetermeer();
    let (brief, _) = written(&s, Lang::Nl);
    for heading in [
        "# Bestuurlijke samenvatting: ",
        "## Hoe groot wordt de zorgkloof?",
        "## Wat sluit het netwerk, en wat kost het?",
        "## Wie betaalt, wie wint?",
        "## Hoe zeker is dit, en waarop rust het?",
    ] {
        assert!(brief.contains(heading), "{heading}\n{brief}");
    }
    // Partners by name, not id; domains by their Dutch display names.
    assert!(brief.contains("| Gemeente Zoetermeer |"), "{brief}");
    assert!(brief.contains("Wmo-maatwerkvoorzieningen"), "{brief}");
    assert!(!brief.contains("| gemeente |"), "{brief}");
    // The staff gap at the horizon, as the brief states it: the median in Dutch format.
    let end = s.manifest.provenance.horizon;
    let gap = Summary::of(s.outcomes.get(BASELINE, "gap.fte", end).expect("gap"));
    let stated = format!(
        "personeel voor {} (90 %-interval: {} – {}) fte",
        Lang::Nl.number(gap.p50, 0),
        Lang::Nl.number(gap.p5, 0),
        Lang::Nl.number(gap.p95, 0)
    );
    assert!(brief.contains(&stated), "{stated}\n{brief}");
    // A partner's balance in euros, Dutch style.
    let net = Summary::of(
        s.outcomes
            .get(NETWORK, "partner.zorgverzekeraars.net", end)
            .expect("net"),
    );
    assert!(
        brief.contains(&format!(
            "| Zorgverzekeraars Menzis en CZ | {} |",
            Lang::Nl.eur(net.p50)
        )),
        "{brief}"
    );
    // One row per year of a short study, 2024 to 2030.
    for y in 2024..=2030 {
        assert!(brief.contains(&format!("\n| {y} | ")), "{y}");
    }
}

#[test]
fn english_on_request() {
    let s = zoetermeer();
    let (brief, html) = written(&s, Lang::En);
    assert!(brief.starts_with("# Summary for the board: "), "{brief}");
    assert!(brief.contains("## Who pays, who gains?"));
    // The scenario's English names for partners and domains.
    assert!(
        brief.contains("| Health insurers Menzis and CZ |"),
        "{brief}"
    );
    assert!(brief.contains("Long-term care (Wlz)"), "{brief}");
    assert!(!brief.contains("Zorgverzekeraars Menzis en CZ"), "{brief}");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("Staff gap per year"));
}

#[test]
fn the_html_report_is_one_offline_page_with_its_charts() {
    let s = zoetermeer();
    let (_, html) = written(&s, Lang::Nl);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"));
    common::assert_offline(&html);
    // Ten charts, each with its title, legend or axis label: the gap in staff and money per
    // year, per domain, demand against delivered care and staff, the drivers, cost against
    // budget per financier, the cost-effectiveness plane and acceptability curve, and the
    // partners' balances at the horizon and per year (the appendix's clause chart needs two
    // clauses; Zoetermeer has one).
    assert_eq!(html.matches("<svg").count(), 10);
    for text in [
        "Personeelstekort per jaar",
        "Geldtekort per jaar",
        "Saldo per partner in 2030",
        "Wat de zorgvraag laat groeien, 2024–2030",
        "vergrijzing",
        "Personeelstekort per domein zonder netwerk, 2030",
        "Wijkverpleging",
        "zonder netwerk",
        "met netwerk",
        "tekort (fte)",
        "Zorgvraag, geleverde zorg en personeel per domein zonder netwerk, 2030",
        "Kosten per financier tegenover het budget, 2030",
        "Zorgverzekeraars Menzis en CZ",
        "Gewonnen zorg en wat die het netwerk kost, per doorrekening, tot 2030",
        "gewonnen zorg (fte-jaren)",
        "Kans dat gewonnen zorg haar kosten waard is",
        "waarde van een fte-jaar zorg (euro)",
        "Saldo per partner sinds de start, per jaar",
    ] {
        assert!(html.contains(text), "{text}");
    }
    // The cost-effectiveness plane shows the first 200 runs (all of this study's), one dot each.
    assert_eq!(html.matches("<circle").count(), 200);
    // The analyst's appendix comes after the brief and its charts, with the manifest's facts.
    let appendix = html
        .find("<h2>Bijlage voor analisten</h2>")
        .expect("appendix");
    assert!(appendix > html.rfind("<svg").expect("charts") || html[appendix..].contains("<svg"));
    for text in [
        "<h3>Monte Carlo-precisie</h3>",
        "<h3>Wat elke clausule verschoof</h3>",
        "<th scope=\"row\">transition_budget</th>",
        "<h3>Gebeurtenissen</h3>",
        "<th scope=\"row\">no_go</th>",
        "<h3>Fondsen aan het eind van 2030</h3>",
        "seed 20241123, 200 doorrekeningen, 2024–2030",
    ] {
        assert!(html[appendix..].contains(text), "{text}");
    }
    // The brief comes first: its heading before the first chart.
    let h1 = html.find("<h1>").expect("heading");
    assert!(h1 < html.find("<svg").expect("chart"));
}

use common::part;

/// The numbers of row `row` (1-based) of a sheet's XML, by column letter.
fn numbers(sheet: &str, row: usize) -> Vec<(String, f64)> {
    let start = sheet.find(&format!("<row r=\"{row}\"")).expect("row");
    let end = start + sheet[start..].find("</row>").expect("row end");
    sheet[start..end]
        .split("<c r=\"")
        .skip(1)
        .filter(|c| !c.contains("t=\"s\""))
        .filter_map(|c| {
            let col: String = c.chars().take_while(|ch| ch.is_ascii_uppercase()).collect();
            let v = c.split("<v>").nth(1)?.split("</v>").next()?;
            Some((col, v.parse().ok()?))
        })
        .collect()
}

#[test]
fn the_workbook_holds_the_results_as_numbers() {
    let s = zoetermeer();
    let dir = tempfile::tempdir().expect("temp dir");
    kloof::report::write(
        dir.path(),
        &s.manifest,
        &s.outcomes,
        &About::of(&s.scenario, &s.outcomes),
        false,
        Lang::Nl,
    )
    .expect("written");
    let xlsx = std::fs::read(dir.path().join("report.xlsx")).expect("workbook");
    let workbook = part(&xlsx, "xl/workbook.xml");
    for sheet in [
        "Kloof per jaar",
        "Partners per jaar",
        "Percentielen",
        "Monte Carlo-precisie",
        "Wat elke clausule verschoof",
        "Gebeurtenissen",
        "Fondsen aan het eind van 2030",
        "Manifest",
    ] {
        assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{sheet}");
    }
    // Numbers with formats, header rows frozen.
    let styles = part(&xlsx, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"#,##0\"") && styles.contains("formatCode=\"0%\""));
    assert!(part(&xlsx, "xl/worksheets/sheet3.xml").contains("state=\"frozen\""));
    // The percentiles sheet is results.csv: its first data rows, number for number.
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).expect("csv");
    let sheet = part(&xlsx, "xl/worksheets/sheet3.xml");
    for (i, line) in csv.lines().skip(1).take(20).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let expected: Vec<f64> = fields[2..]
            .iter()
            .map(|f| f.parse().expect("number"))
            .collect();
        let got: Vec<f64> = numbers(&sheet, i + 2).into_iter().map(|(_, v)| v).collect();
        assert_eq!(got, expected, "row {}", i + 2);
    }
    // The gap per year: its first year's staff gap median.
    let gap = Summary::of(s.outcomes.get(BASELINE, "gap.fte", 2024).expect("gap"));
    let first = numbers(&part(&xlsx, "xl/worksheets/sheet1.xml"), 2);
    assert_eq!(first[0], ("A".to_string(), 2024.0));
    assert_eq!(first[1], ("B".to_string(), gap.p50));
    // The events sheet (the sixth): the share of runs that stopped the programme in 2027,
    // as a number, from the runs themselves.
    let no_go = s.outcomes.get(NETWORK, "event.no_go", 2027).expect("no_go");
    let stopped = no_go.iter().filter(|x| **x > 0.0).count() as f64 / no_go.len() as f64;
    // Its rows: `decided`, then `no_go` (the catalogue's order); 2027 is column E.
    let events = part(&xlsx, "xl/worksheets/sheet6.xml");
    assert!(part(&xlsx, "xl/sharedStrings.xml").contains("<t>no_go</t>"));
    assert!(
        numbers(&events, 3).contains(&("E".to_string(), stopped)),
        "{stopped}: {events}"
    );
}

#[test]
fn a_name_with_an_ampersand_is_escaped_once_in_each_format() {
    let s = zoetermeer();
    let mut about = About::of(&s.scenario, &s.outcomes);
    about.names[0].1 = "Gemeente <Zoetermeer> & Co".into();
    about.display.retain(|(id, _)| id != "gemeente");
    let dir = tempfile::tempdir().expect("temp dir");
    kloof::report::write(
        dir.path(),
        &s.manifest,
        &s.outcomes,
        &about,
        false,
        Lang::Nl,
    )
    .expect("written");
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).expect(f);
    for file in ["brief.md", "report.html"] {
        let text = read(file);
        assert!(
            text.contains("Gemeente &lt;Zoetermeer&gt; &amp; Co"),
            "{file}"
        );
        assert!(
            !text.contains("&amp;amp;") && !text.contains("&amp;lt;"),
            "{file}"
        );
    }
}

/// Runs `kloof args... --runs 200 --quiet --out OUT` from the repository's root.
fn kloof(args: &[&str], out: &std::path::Path) {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_kloof"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .args(["--runs", "200", "--quiet", "--out"])
        .arg(out)
        .status()
        .expect("kloof runs");
    assert!(status.success(), "kloof {args:?}");
}

/// The position of sheet `name` in the workbook (1-based), which names its part.
fn sheet(xlsx: &[u8], name: &str) -> String {
    let workbook = part(xlsx, "xl/workbook.xml");
    let names: Vec<&str> = workbook
        .split("<sheet name=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    let k = names.iter().position(|n| *n == name).expect(name) + 1;
    part(xlsx, &format!("xl/worksheets/sheet{k}.xml"))
}

#[test]
fn kloof_stress_writes_the_boards_brief_charts_and_exposure_workbook() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("stress");
    kloof(
        &[
            "stress",
            "scenarios/ruwaard.yaml",
            "--set",
            "scenarios/stress/ruwaard.yaml",
        ],
        &out,
    );
    let read = |f: &str| std::fs::read_to_string(out.join(f)).expect(f);
    for f in ["stress.md", "stress.json", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let brief = read("brief.md");
    for heading in [
        "# Stresstest: ruwaard\n",
        "## Bestuurlijke samenvatting\n",
        "## Per schok\n",
        "### wages-p95\n",
        "### wijkbudget-ends-2020\n",
        "## Bijlage voor analisten\n",
        "### Stressblootstelling\n",
    ] {
        assert!(brief.contains(heading), "{heading}\n{brief}");
    }
    // Partners by name (an entity by what its partners' names share), a shock by what it is.
    assert!(
        brief.contains("| Gemeente Oss | gemeente\\_oss | ruwaard |"),
        "{brief}"
    );
    assert!(brief.contains("Zorgverzekeraars CZ en VGZ"), "{brief}");
    assert!(
        brief.contains(
            "Wat de schok is: Gemeente Oss, wijkbudget Ruwaard verlaat de afspraak vanaf 2020"
        ),
        "{brief}"
    );
    // The HTML report: every chart an SVG with content and its title.
    let html = read("report.html");
    common::assert_offline(&html);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"));
    assert!(!html.contains("NaN"));
    let svgs: Vec<&str> = html.split("<svg").skip(1).collect();
    assert!(svgs.len() >= 3, "{} charts", svgs.len());
    for svg in &svgs {
        assert!(svg.contains("<rect") && svg.contains("<text"), "{svg}");
    }
    for title in [
        ">Effect per schok op alle partners samen<",
        ">Effect per schok op het gesloten personeelstekort<",
        ">Hoe vaak de clausule afgaat, per schok: renegotiation<",
        ">Hoe vaak de clausule afgaat, per schok: ended_early<",
        // Every shock by its full name.
        ">wmo-provider-leaves-2020</text>",
        ">wages-p95-wmo-volume</text>",
    ] {
        assert!(html.contains(title), "{title}");
    }
    // The workbook's exposure sheet holds stress.csv's figures as numbers: each partner's
    // median and P5 under every scenario, and its expected shortfall.
    let xlsx = std::fs::read(out.join("report.xlsx")).expect("workbook");
    let workbook = part(&xlsx, "xl/workbook.xml");
    for name in ["Stressblootstelling", "Clausules per schok", "Manifest"] {
        assert!(workbook.contains(&format!("name=\"{name}\"")), "{name}");
    }
    let exposure = sheet(&xlsx, "Stressblootstelling");
    let csv = read("stress.csv");
    let fields: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let positions: Vec<&Vec<&str>> = fields
        .iter()
        .filter(|f| f[0].starts_with("partner.") && f[2] == "value")
        .collect();
    assert_eq!(positions.len(), 9 * 12, "nine parties, twelve scenarios");
    for (i, f) in positions.iter().enumerate() {
        let shortfall: f64 = fields
            .iter()
            .find(|g| g[0] == f[0] && g[1] == f[1] && g[2] == "expected_shortfall")
            .expect("expected shortfall")[4]
            .parse()
            .expect("number");
        let number = |x: &str| -> f64 { x.parse().expect("number") };
        let got = numbers(&exposure, i + 2);
        assert_eq!(
            &got[..3],
            &[
                ("D".to_string(), number(f[6])),
                ("E".to_string(), number(f[5])),
                ("F".to_string(), shortfall),
            ],
            "{} {}",
            f[0],
            f[1]
        );
    }
}

#[test]
fn kloof_compare_writes_the_boards_brief_in_english_on_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("compare");
    kloof(
        &[
            "compare",
            "scenarios/ruwaard.yaml",
            "scenarios/overlays/ruwaard-residents-half.yaml",
            "--lang",
            "en",
        ],
        &out,
    );
    let read = |f: &str| std::fs::read_to_string(out.join(f)).expect(f);
    let brief = read("brief.md");
    for heading in [
        "# Variants compared: ruwaard, ruwaard-residents-half\n",
        "## Summary for the board\n",
        "## Balance per partner\n",
        "## Partners most affected\n",
        "## Appendix for analysts\n",
    ] {
        assert!(brief.contains(heading), "{heading}\n{brief}");
    }
    // The residents' larger share comes from Gemeente Oss first.
    assert!(
        brief.contains("| ruwaard-residents-half | Gemeente Oss | EUR −"),
        "{brief}"
    );
    let html = read("report.html");
    common::assert_offline(&html);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains(">Difference with ruwaard: all partners together<"));
    let xlsx = std::fs::read(out.join("report.xlsx")).expect("workbook");
    let workbook = part(&xlsx, "xl/workbook.xml");
    for name in ["Headline figures", "Balance per partner", "Manifest"] {
        assert!(workbook.contains(&format!("name=\"{name}\"")), "{name}");
    }
    // Two studies in the manifest sheet.
    let strings = part(&xlsx, "xl/sharedStrings.xml");
    assert!(strings.contains("ruwaard-residents-half"));
}
