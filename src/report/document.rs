//! A report as a board reads it, independent of its format: headings, paragraphs, lists,
//! tables and charts. Every analysis says what to show once, as blocks; each format is one
//! renderer: Markdown (`brief.md`) and HTML (`report.html`) here, XLSX (`report.xlsx`) in
//! [`super::workbook`], which writes every table as a sheet with its figures as numbers.

use std::fmt::Write;

/// One block of a document. Texts are plain: each renderer escapes them for its format.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1 to 3.
    Heading(u8, String),
    Paragraph(String),
    List(Vec<String>),
    /// A table: its header, then rows of as many cells; cells after the first are numbers
    /// (right-aligned).
    Table(Vec<String>, Vec<Vec<Cell>>),
    /// An SVG chart (already rendered and escaped by the chart module), with the sentence a
    /// board member reads it by for formats that cannot show it.
    Chart {
        svg: String,
        reading: String,
    },
}

/// One cell of a table: a text, or a figure that text formats show as written and a workbook
/// keeps as a number in its unit's format.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Figure {
        value: f64,
        shown: String,
        unit: Unit,
    },
}

/// What a figure counts, for a workbook's number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Euros, whole.
    Eur,
    /// Full-time equivalents (or FTE-years), one decimal.
    Fte,
    /// A share of a whole, shown as a percentage.
    Share,
    /// A plain number (a year, a count).
    Count,
    /// A number with two decimals: a correlation, an index (`kloof sensitivity`).
    Decimal,
}

impl Cell {
    /// A figure `value` in `unit`, written `shown` where it is read as text.
    pub fn figure(value: f64, unit: Unit, shown: String) -> Cell {
        Cell::Figure { value, shown, unit }
    }

    /// The cell as a reader sees it in a text format.
    pub fn shown(&self) -> &str {
        match self {
            Cell::Text(t) | Cell::Figure { shown: t, .. } => t,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

/// A document's title, for a page's `<title>` and a workbook's properties: its first heading.
pub fn title(blocks: &[Block]) -> String {
    blocks
        .iter()
        .find_map(|b| match b {
            Block::Heading(_, t) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Markdown: charts become their reading, as a quote.
pub fn markdown(blocks: &[Block]) -> String {
    let mut s = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let _ = writeln!(s, "{} {}\n", "#".repeat(usize::from(*level)), md(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(s, "{}\n", md(text));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(s, "- {}", md(i));
                }
                s.push('\n');
            }
            Block::Table(head, rows) => {
                let line = |r: Vec<&str>| r.into_iter().map(md).collect::<Vec<_>>().join(" | ");
                let _ = writeln!(s, "| {} |", line(head.iter().map(String::as_str).collect()));
                let align: Vec<&str> = (0..head.len())
                    .map(|i| if i == 0 { "---" } else { "---:" })
                    .collect();
                let _ = writeln!(s, "|{}|", align.join("|"));
                for r in rows {
                    let _ = writeln!(s, "| {} |", line(r.iter().map(Cell::shown).collect()));
                }
                s.push('\n');
            }
            Block::Chart { reading, .. } => {
                let _ = writeln!(s, "> {}\n", md(reading));
            }
        }
    }
    s
}

/// One HTML page that opens offline: inline style, no links out, and a content security
/// policy that forbids the page to load anything at all, so it shows the same on a laptop
/// without network as on the web; printable on A4. Its one script is [`SELF_CHECK`].
pub fn html(title: &str, lang: &str, blocks: &[Block]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n<script>{SELF_CHECK}</script>\n\
         </head>\n<body>\n<main>\n",
        escape(lang),
        escape(title)
    );
    s.push_str(&fragment(blocks));
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

/// The blocks as HTML, for a page's body: the report's own, or the what-if page's, which puts
/// them in place as its figures change.
pub fn fragment(blocks: &[Block]) -> String {
    let mut s = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let _ = writeln!(s, "<h{level}>{}</h{level}>", escape(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(s, "<p>{}</p>", escape(text));
            }
            Block::List(items) => {
                s.push_str("<ul>\n");
                for i in items {
                    let _ = writeln!(s, "<li>{}</li>", escape(i));
                }
                s.push_str("</ul>\n");
            }
            Block::Table(head, rows) => {
                s.push_str("<table>\n<thead><tr>");
                for h in head {
                    let _ = write!(s, "<th>{}</th>", escape(h));
                }
                s.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    s.push_str("<tr>");
                    for (i, c) in r.iter().enumerate() {
                        let tag = if i == 0 { "th scope=\"row\"" } else { "td" };
                        let close = if i == 0 { "th" } else { "td" };
                        let _ = write!(s, "<{tag}>{}</{close}>", escape(c.shown()));
                    }
                    s.push_str("</tr>\n");
                }
                s.push_str("</tbody>\n</table>\n");
            }
            Block::Chart { svg, .. } => {
                let _ = writeln!(s, "<figure>{svg}</figure>");
            }
        }
    }
    s
}

/// What the page checks of itself once a browser has laid it out, written into the `<html>`
/// element's `data-check` (`ok: N charts`, or what failed) for a test in a headless browser
/// to read: every chart is an SVG with a title and an accessible description, and the
/// browser drew it with a size and with marks (paths, lines, rectangles or text) inside.
/// Errors the page meets are written there too. It reads the page; it changes nothing a
/// reader sees.
const SELF_CHECK: &str = "addEventListener('error',function(e){document.documentElement.\
dataset.check='error: '+e.message});addEventListener('load',function(){var f=[],\
c=document.querySelectorAll('figure svg');c.forEach(function(s,i){var t=s.querySelector('title'),\
b=s.getBBox(),m=s.querySelectorAll('path,line,rect,circle,polyline,polygon').length;\
if(!t||!t.textContent.trim())f.push('chart '+(i+1)+' has no title');\
if(!s.getAttribute('aria-describedby')&&!s.querySelector('desc'))f.push('chart '+(i+1)+' has no description');\
if(!(b.width>0&&b.height>0)||m==0)f.push('chart '+(i+1)+' is empty')});\
var d=document.documentElement.dataset;if(!d.check)d.check=f.length?'failed: '+f.join('; '):\
'ok: '+c.length+' charts'})";

const STYLE: &str = "body{font-family:sans-serif;color:#1a1a1a;margin:0;background:#fff}\
main{max-width:48rem;margin:0 auto;padding:1.5rem;line-height:1.45}\
h1{font-size:1.6rem;margin-top:0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}\
h3{font-size:1.05rem}table{border-collapse:collapse;margin:0.5rem 0 1rem;width:100%}\
th,td{padding:0.25rem 0.5rem;border-bottom:1px solid #e3e3e3;text-align:right}\
th[scope=row],thead th:first-child{text-align:left}thead th{border-bottom:2px solid #999}\
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}\
@media print{@page{size:A4;margin:15mm}main{max-width:none;padding:0}\
h2{break-after:avoid}figure,table{break-inside:avoid}}";

/// Text for HTML and SVG (XML): `& < > " '` as entities; control characters, which XML does
/// not allow, as spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for Markdown: one line, with the characters that would start markup (`|`, `<`, `>`,
/// `&`, `*`, `_`, `` ` ``, `#`, `[`) made literal, so that a scenario's names add no table
/// cell, link or heading.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '*' | '_' | '`' | '#' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Block> {
        vec![
            Block::Heading(1, "Zorgkloof <Oss>".into()),
            Block::Paragraph("a & b".into()),
            Block::Table(
                vec!["partner".into(), "saldo".into()],
                vec![vec![
                    "Gemeente | Oss".into(),
                    Cell::figure(1.2e6, Unit::Eur, "€ 1,2 mln".into()),
                ]],
            ),
            Block::Chart {
                svg: "<svg></svg>".into(),
                reading: "De kloof groeit".into(),
            },
        ]
    }

    #[test]
    fn markdown_escapes_names_and_shows_a_chart_as_its_reading() {
        let m = markdown(&sample());
        assert!(m.starts_with("# Zorgkloof &lt;Oss&gt;\n"), "{m}");
        assert!(m.contains("| Gemeente \\| Oss | € 1,2 mln |"), "{m}");
        assert!(m.contains("|---|---:|"), "{m}");
        assert!(m.contains("> De kloof groeit"), "{m}");
        assert!(!m.contains("<svg"), "{m}");
    }

    #[test]
    fn html_is_one_offline_page_with_escaped_text() {
        let h = html("Zorgkloof \"x\"", "nl", &sample());
        assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"));
        assert!(h.contains("<title>Zorgkloof &quot;x&quot;</title>"));
        assert!(h.contains("<h1>Zorgkloof &lt;Oss&gt;</h1>"));
        assert!(h.contains("<p>a &amp; b</p>"));
        assert!(h.contains("<th scope=\"row\">Gemeente | Oss</th><td>€ 1,2 mln</td>"));
        assert!(h.contains("<figure><svg></svg></figure>"));
        // Nothing is loaded from elsewhere, and the policy forbids it; the one script is the
        // self-check.
        assert!(h.contains("content=\"default-src 'none';"));
        let own = h.replace(&format!("<script>{SELF_CHECK}</script>"), "");
        for outside in ["http://", "https://", "<script", "<link", "@import", "src="] {
            assert!(!own.contains(outside), "{outside}");
        }
        assert!(!SELF_CHECK.contains("http") && !SELF_CHECK.contains("</"));
    }
}
