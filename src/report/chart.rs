//! Charts for the HTML board report, as SVG written by hand (issue 25).
//!
//! A board report must open from a mail attachment on any machine, offline, and print well: so
//! every chart is one inline `<svg>` element with no script, stylesheet or font to fetch. kloof
//! writes the SVG itself rather than using a plotting crate: it needs four kinds of chart (a fan
//! of percentiles over the years, bars with intervals, groups of bars side by side, and points
//! or curves on two numeric axes), and owning them keeps the output byte for byte the same for
//! the same figures, so a report can be diffed and tested.
//!
//! The module knows no language and no unit: the caller passes translated texts (the y label with
//! its unit, one sentence saying what a board member should read) and a function that writes a
//! tick value. Every text is escaped, since scenario and partner names are user input, and a
//! value that is not finite is left out without a word: a chart never shows `NaN`.

use std::fmt::Write;

use super::document::escape;

/// Every chart's size in pixels: wide enough for twenty-five years of labels, small enough for
/// two charts on a printed page.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 360.0;
/// The plot area: room on the left for the y label and tick values, above for the title and
/// the legend, below for the year or bar labels and the reading.
const LEFT: f64 = 96.0;
const RIGHT: f64 = 700.0;
const TOP: f64 = 60.0;
const BOTTOM: f64 = 280.0;
/// Series colours from the Okabe–Ito palette, which colour-blind readers tell apart too: the
/// first series (the baseline) blue, the second (the network) vermillion; eight for a
/// network's partners, the palette's yellow left out (it does not show on white).
const COLOURS: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999",
];
/// A gain in blue, a loss in vermillion: red enough to read as a loss, without a red–green pair.
const GAIN: &str = "#0072B2";
const LOSS: &str = "#D55E00";
/// How opaque the 90 % and the 50 % band are; the 50 % band lies on the 90 % band, so it shows
/// darker, and two variants' fans show through each other.
const OUTER: f64 = 0.18;
const INNER: f64 = 0.35;

/// A metric's percentiles across runs in one year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// One variant's metric over the years: its median and its 50 % and 90 % intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct FanSeries {
    pub label: String,
    pub points: Vec<(i32, Band)>,
}

/// A metric over the years for one or more variants (the baseline and the network), with a
/// vertical line at each year the board decides.
#[derive(Debug, Clone, PartialEq)]
pub struct FanChart {
    pub title: String,
    /// One sentence under the chart: what a board member should read from it.
    pub reading: String,
    /// The y axis's name with its unit.
    pub y_label: String,
    pub series: Vec<FanSeries>,
    /// Decision years, each with a short label.
    pub marks: Vec<(i32, String)>,
}

/// One bar: a partner's position, say, with its 90 % interval as a whisker.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub interval: Option<(f64, f64)>,
}

/// Values side by side, from a zero line: positive ones up, negative ones down.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    /// One sentence under the chart: what a board member should read from it.
    pub reading: String,
    /// The y axis's name with its unit.
    pub y_label: String,
    pub bars: Vec<Bar>,
}

/// Several values per category side by side (demand, delivered care and capacity per domain,
/// say), one colour per series, with a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedBarChart {
    pub title: String,
    /// One sentence under the chart: what a board member should read from it.
    pub reading: String,
    /// The y axis's name with its unit.
    pub y_label: String,
    /// The categories along the x axis.
    pub groups: Vec<String>,
    /// Each series's label and its value per group (`None`: no bar).
    pub series: Vec<(String, Vec<Option<f64>>)>,
}

/// How an [`XySeries`] is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A line through the points in their order: a curve.
    Line,
    /// A dot per point: a cloud of runs.
    Dots,
}

/// Points on two numeric axes.
#[derive(Debug, Clone, PartialEq)]
pub struct XySeries {
    pub label: String,
    pub style: Style,
    pub points: Vec<(f64, f64)>,
}

/// Points or curves on two numeric axes: the runs on the cost-effectiveness plane, the
/// acceptability curve.
#[derive(Debug, Clone, PartialEq)]
pub struct XyChart {
    pub title: String,
    /// One sentence under the chart: what a board member should read from it.
    pub reading: String,
    /// The axes' names with their units.
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<XySeries>,
}

/// Round tick values from at most `min` to at least `max`, about `n` steps of 1, 2 or 5 times a
/// power of ten: a reader takes in 0, 20, 40 at a glance and 0, 19.4, 38.8 not at all. The first
/// and the last tick are the axis's ends. One value (or values no axis could tell apart) gets
/// an axis around it; bounds that are not finite, or too far apart for an `f64`, get no ticks.
pub fn nice_ticks(min: f64, max: f64, n: usize) -> Vec<f64> {
    if !(min.is_finite() && max.is_finite()) || min > max {
        return Vec::new();
    }
    let (mut lo, mut hi) = (min, max);
    let size = lo.abs().max(hi.abs());
    if hi - lo <= size * 1e-9 {
        let pad = if size == 0.0 { 1.0 } else { size * 0.1 };
        (lo, hi) = (lo - pad, hi + pad);
    }
    let rough = (hi - lo) / n.max(1) as f64;
    let e = rough.log10().floor();
    if !rough.is_finite() || e.abs() > 300.0 {
        return Vec::new();
    }
    // Dividing by a power of ten for small steps keeps 0.1 × 3 at 0.3, not 0.30000000000000004.
    let power = 10f64.powi(e.abs() as i32);
    let unit = |m: f64| if e >= 0.0 { m * power } else { m / power };
    let fraction = rough / unit(1.0);
    let nice = [1.0, 2.0, 5.0]
        .into_iter()
        .find(|&f| f >= fraction - 1e-9)
        .unwrap_or(10.0);
    let step = unit(nice);
    let first = (lo / step + 1e-9).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    (first..=last)
        .map(|m| unit(m as f64 * nice) + 0.0)
        .collect()
}

/// A fan chart: per series its 90 % band, its 50 % band and its median, the decision years and
/// a legend. `fmt` writes a tick value of the y axis.
pub fn render_fan(chart: &FanChart, fmt: &dyn Fn(f64) -> String) -> String {
    let mut out = open(&chart.title, &chart.reading, &chart.y_label);
    // A series keeps the colour of its place, so the network stays vermillion even when the
    // baseline has no data.
    let series: Vec<_> = (chart.series.iter().enumerate())
        .map(|(i, s)| {
            let mut points: Vec<(f64, [f64; 5])> = (s.points.iter())
                .map(|(year, b)| (f64::from(*year), [b.p5, b.p25, b.p50, b.p75, b.p95]))
                .filter(|(_, b)| b.iter().all(|v| v.is_finite()))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            (s.label.as_str(), COLOURS[i % COLOURS.len()], points)
        })
        .filter(|(_, _, points)| !points.is_empty())
        .collect();
    let ticks = nice_ticks_of(series.iter().flat_map(|s| s.2.iter().flat_map(|p| p.1)));
    if ticks.is_empty() {
        return close(nothing(out), &chart.reading);
    }
    let y = y_axis(&mut out, &ticks, fmt);
    let (first, last) = bounds(series.iter().flat_map(|s| s.2.iter().map(|p| p.0)));
    // One year gets a year either side, so that it stands in the middle.
    let pad = if first == last { 1.0 } else { 0.0 };
    let (lo, hi) = (first - pad, last + pad);
    let x = scale(lo, hi, LEFT, RIGHT);
    for t in nice_ticks(lo, hi, 8) {
        if t.fract() == 0.0 && (lo..=hi).contains(&t) {
            text(&mut out, x(t), BOTTOM + 16.0, MIDDLE, &t.to_string());
        }
    }
    // All bands before any median, so no band veils another series's median.
    for (_, colour, points) in &series {
        for (low, high, opacity) in [(0, 4, OUTER), (1, 3, INNER)] {
            // Along the upper percentile forward, back along the lower: one closed shape.
            let upper = points.iter().map(|(t, b)| (*t, b[high]));
            let lower = points.iter().rev().map(|(t, b)| (*t, b[low]));
            let d = path(upper.chain(lower), x, y);
            let _ = writeln!(
                out,
                r#"<path d="{d}Z" fill="{colour}" fill-opacity="{opacity}" stroke="none"/>"#
            );
        }
    }
    for (_, colour, points) in &series {
        let d = path(points.iter().map(|(t, b)| (*t, b[2])), x, y);
        let _ = writeln!(
            out,
            r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"/>"#
        );
    }
    for (year, label) in &chart.marks {
        let at = x(f64::from(*year));
        if !(LEFT..=RIGHT).contains(&at) {
            continue;
        }
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" y1=\"{TOP}\" x2=\"{0}\" y2=\"{BOTTOM}\" stroke=\"{DARK}\" \
             stroke-dasharray=\"4 3\"/>",
            num(at)
        );
        // A mark right of the middle has its label on its left, so the label stays in the plot.
        let right = at > (LEFT + RIGHT) / 2.0;
        let (at, anchor) = if right {
            (at - 4.0, END)
        } else {
            (at + 4.0, START)
        };
        text(&mut out, at, TOP + 12.0, anchor, label);
    }
    let mut left = LEFT;
    for (label, colour, _) in &series {
        let _ = writeln!(
            out,
            r#"<line x1="{}" y1="42" x2="{}" y2="42" stroke="{colour}" stroke-width="2"/>"#,
            num(left),
            num(left + 18.0)
        );
        left = legend(&mut out, left, colour, &[INNER], label);
    }
    // The bands' key: numbers need no translation.
    left = legend(&mut out, left, "#777777", &[OUTER], "90 %");
    legend(&mut out, left, "#777777", &[OUTER, INNER], "50 %");
    close(out, &chart.reading)
}

/// A bar chart from a zero line: gains up in blue, losses down in vermillion, each with its
/// interval as a whisker when it has one. `fmt` writes a tick value of the y axis.
pub fn render_bars(chart: &BarChart, fmt: &dyn Fn(f64) -> String) -> String {
    let mut out = open(&chart.title, &chart.reading, &chart.y_label);
    let (bars, ticks) = finite_bars(chart);
    if ticks.is_empty() {
        return close(nothing(out), &chart.reading);
    }
    let y = y_axis(&mut out, &ticks, fmt);
    let slot = (RIGHT - LEFT) / bars.len() as f64;
    let width = (slot * 0.6).min(80.0);
    for (i, (bar, interval)) in bars.iter().enumerate() {
        let centre = LEFT + slot * (i as f64 + 0.5);
        let (top, bottom) = (y(bar.value.max(0.0)), y(bar.value.min(0.0)));
        let fill = if bar.value < 0.0 { LOSS } else { GAIN };
        let _ = writeln!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            num(centre - width / 2.0),
            num(top),
            num(width),
            num(bottom - top)
        );
        if let Some((l, h)) = interval {
            let (c, a, b) = (num(centre), num(centre - 6.0), num(centre + 6.0));
            let (l, h) = (num(y(*l)), num(y(*h)));
            let _ = writeln!(
                out,
                "<path d=\"M{a},{h} H{b} M{c},{h} V{l} M{a},{l} H{b}\" fill=\"none\" \
                 stroke=\"{DARK}\" stroke-width=\"1.5\"/>"
            );
        }
        // Labels wrap to two lines of what the bar's slot holds (about 6 px a character);
        // beyond that they end in an ellipsis, the full label in the bar's tooltip.
        let lines = wrap(&bar.label, ((slot / 6.0) as usize).max(4));
        for (k, line) in lines.iter().enumerate() {
            text(
                &mut out,
                centre,
                BOTTOM + 16.0 + 13.0 * k as f64,
                MIDDLE,
                line,
            );
        }
    }
    close(out, &chart.reading)
}

/// Groups of bars from a zero line, one colour per series; `fmt` writes a tick value.
pub fn render_grouped(chart: &GroupedBarChart, fmt: &dyn Fn(f64) -> String) -> String {
    let mut out = open(&chart.title, &chart.reading, &chart.y_label);
    let finite = |v: &Option<f64>| v.filter(|v| v.is_finite());
    let values = chart
        .series
        .iter()
        .flat_map(|(_, vs)| vs.iter().filter_map(finite));
    let ticks = nice_ticks_of(values.chain([0.0]));
    if ticks.is_empty() || chart.groups.is_empty() || chart.series.is_empty() {
        return close(nothing(out), &chart.reading);
    }
    let y = y_axis(&mut out, &ticks, fmt);
    let slot = (RIGHT - LEFT) / chart.groups.len() as f64;
    let width = (slot * 0.8 / chart.series.len() as f64).min(40.0);
    for (g, label) in chart.groups.iter().enumerate() {
        let centre = LEFT + slot * (g as f64 + 0.5);
        let first = centre - width * chart.series.len() as f64 / 2.0;
        for (k, (_, vs)) in chart.series.iter().enumerate() {
            let Some(v) = vs.get(g).and_then(finite) else {
                continue;
            };
            let (top, bottom) = (y(v.max(0.0)), y(v.min(0.0)));
            let _ = writeln!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                num(first + width * k as f64),
                num(top),
                num(width * 0.92),
                num(bottom - top),
                COLOURS[k % COLOURS.len()]
            );
        }
        for (k, line) in wrap(label, ((slot / 6.0) as usize).max(4))
            .iter()
            .enumerate()
        {
            text(
                &mut out,
                centre,
                BOTTOM + 16.0 + 13.0 * k as f64,
                MIDDLE,
                line,
            );
        }
    }
    let mut left = LEFT;
    for (k, (label, _)) in chart.series.iter().enumerate() {
        left = legend(&mut out, left, COLOURS[k % COLOURS.len()], &[1.0], label);
    }
    close(out, &chart.reading)
}

/// Points and curves on two numeric axes, with the x axis's name under its tick values;
/// `fmt_x` and `fmt_y` write tick values. A line at zero on either axis is drawn dark, so the
/// quadrants of a cost-effectiveness plane read at a glance.
pub fn render_xy(
    chart: &XyChart,
    fmt_x: &dyn Fn(f64) -> String,
    fmt_y: &dyn Fn(f64) -> String,
) -> String {
    let mut out = open(&chart.title, &chart.reading, &chart.y_label);
    let points = || {
        (chart.series.iter())
            .flat_map(|s| s.points.iter().copied())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    };
    let ticks_y = nice_ticks_of(points().map(|p| p.1));
    let ticks_x = nice_ticks_of(points().map(|p| p.0));
    if ticks_y.is_empty() || ticks_x.is_empty() {
        return close(nothing(out), &chart.reading);
    }
    // The legend first: a network's eight partners take two rows, and the plot starts below.
    let (mut left, mut row) = (LEFT, 0.0);
    for (k, s) in chart.series.iter().enumerate() {
        if left > LEFT && left + legend_width(&s.label) - 16.0 > RIGHT {
            (left, row) = (LEFT, row + 1.0);
        }
        let colour = COLOURS[k % COLOURS.len()];
        left = legend_at(
            &mut out,
            left,
            LEGEND + 14.0 * row,
            colour,
            &[1.0],
            &s.label,
        );
    }
    let top = TOP + 14.0 * row;
    let y = y_axis_from(&mut out, &ticks_y, fmt_y, top);
    let x = scale(ticks_x[0], ticks_x[ticks_x.len() - 1], LEFT, RIGHT);
    for &t in &ticks_x {
        let (at, stroke) = (num(x(t)), if t == 0.0 { DARK } else { "#dddddd" });
        let _ = writeln!(
            out,
            r#"<line x1="{at}" y1="{}" x2="{at}" y2="{BOTTOM}" stroke="{stroke}"/>"#,
            num(top)
        );
        // The last tick's value ends at the plot's edge rather than run past the picture.
        let anchor = if x(t) >= RIGHT - 1.0 { END } else { MIDDLE };
        text(&mut out, x(t), BOTTOM + 16.0, anchor, &fmt_x(t));
    }
    text(
        &mut out,
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 32.0,
        MIDDLE,
        &chart.x_label,
    );
    for (k, s) in chart.series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let shown: Vec<(f64, f64)> = (s.points.iter().copied())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        match s.style {
            Style::Line if !shown.is_empty() => {
                let d = path(shown.into_iter(), x, y);
                let _ = writeln!(
                    out,
                    r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"/>"#
                );
            }
            Style::Line => {}
            Style::Dots => {
                for (px, py) in shown {
                    let _ = writeln!(
                        out,
                        r#"<circle cx="{}" cy="{}" r="1.6" fill="{colour}" fill-opacity="0.35"/>"#,
                        num(x(px)),
                        num(y(py))
                    );
                }
            }
        }
    }
    close(out, &chart.reading)
}

/// A bar to draw, with its interval when it has a finite one.
type Drawn<'c> = (&'c Bar, Option<(f64, f64)>);

/// The bars of `chart` with a finite value, each with its interval when both ends are finite,
/// and the ticks of an axis from zero that holds them and their intervals.
fn finite_bars(chart: &BarChart) -> (Vec<Drawn<'_>>, Vec<f64>) {
    let bars: Vec<(&Bar, Option<(f64, f64)>)> = (chart.bars.iter())
        .filter(|b| b.value.is_finite())
        .map(|b| (b, b.interval.filter(|i| i.0.is_finite() && i.1.is_finite())))
        .collect();
    let values = bars.iter().flat_map(|(b, i)| {
        let ends = i.iter().flat_map(|&(l, h)| [l, h]);
        [b.value, 0.0].into_iter().chain(ends)
    });
    let ticks = nice_ticks_of(values);
    (bars, ticks)
}

/// `label` in at most two lines of at most `width` characters, broken between words where it
/// can, the second ending in `…` when the label is longer.
fn wrap(label: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in label.split_whitespace() {
        let line = lines.last_mut().expect("a line");
        if line.is_empty() || line.chars().count() + 1 + word.chars().count() <= width {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    let cut = |l: &str| -> String {
        if l.chars().count() <= width {
            l.to_string()
        } else {
            let kept: String = l.chars().take(width.saturating_sub(1)).collect();
            format!("{kept}…")
        }
    };
    let mut out: Vec<String> = lines.iter().take(2).map(|l| cut(l)).collect();
    if lines.len() > 2 && !out[1].ends_with('…') {
        let kept: String = out[1].chars().take(width.saturating_sub(1)).collect();
        out[1] = format!("{kept}…");
    }
    out
}

/// The ticks of an axis that spans `values`: none when there are no values, or when they are
/// too far apart for an `f64`.
fn nice_ticks_of(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let (lo, hi) = bounds(values);
    nice_ticks(lo, hi, 5)
}

/// The least and the greatest of `values`; (∞, −∞) when there are none, which `nice_ticks`
/// turns into no ticks.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let start = (f64::INFINITY, f64::NEG_INFINITY);
    values.fold(start, |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// The linear map of `lo..hi` onto the pixels `from..to`.
fn scale(lo: f64, hi: f64, from: f64, to: f64) -> impl Fn(f64) -> f64 + Copy {
    move |v| from + (v - lo) / (hi - lo) * (to - from)
}

/// A coordinate with at most one decimal: finer than a pixel is noise, and short output stays
/// the same from build to build.
fn num(x: f64) -> String {
    format!("{}", (x * 10.0).round() / 10.0 + 0.0)
}

/// Attributes of a `<text>` beside its position: how it is anchored and how large.
const BODY: &str = r#" font-size="12""#;
const START: &str = r#" font-size="11""#;
const MIDDLE: &str = r#" text-anchor="middle" font-size="11""#;
const END: &str = r#" text-anchor="end" font-size="11""#;
/// What must stand out from the gridlines: the zero line, the decision marks, the whiskers.
const DARK: &str = "#333333";

/// `content`, escaped, as a `<text>` at (`x`, `y`) with the attributes `attrs`.
fn text(out: &mut String, x: f64, y: f64, attrs: &str, content: &str) {
    let (x, y, content) = (num(x), num(y), escape(content));
    let _ = writeln!(out, r#"<text x="{x}" y="{y}"{attrs}>{content}</text>"#);
}

/// A line through `points` as path data.
fn path(
    points: impl Iterator<Item = (f64, f64)>,
    x: impl Fn(f64) -> f64,
    y: impl Fn(f64) -> f64,
) -> String {
    let at: Vec<String> = points
        .map(|(t, v)| format!("{},{}", num(x(t)), num(y(v))))
        .collect();
    format!("M{}", at.join(" L"))
}

/// The start of a chart: the `<svg>` element with its accessible name (the title) and
/// description (the reading), the title drawn at the top and the y axis's name.
fn open(title: &str, reading: &str, y_label: &str) -> String {
    let mut out = String::with_capacity(8192);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" font-family=\"sans-serif\">\n\
         <title>{0}</title>\n<desc>{1}</desc>\n\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>",
        escape(title),
        escape(reading),
    );
    let bold = r#" font-size="16" font-weight="bold""#;
    text(&mut out, 16.0, 26.0, bold, title);
    let rotated = r#" transform="rotate(-90)" text-anchor="middle" font-size="12""#;
    text(&mut out, -(TOP + BOTTOM) / 2.0, 20.0, rotated, y_label);
    out
}

/// The reading under the chart and the end of the `<svg>`. The reading takes at most two lines;
/// a longer one runs on in the second.
fn close(mut out: String, reading: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in reading.split_whitespace() {
        let full = lines.len() == 2;
        match lines.last_mut() {
            Some(l) if full || l.chars().count() + 1 + word.chars().count() <= 110 => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    for (i, line) in lines.iter().enumerate() {
        text(&mut out, 16.0, 322.0 + 16.0 * i as f64, BODY, line);
    }
    out.push_str("</svg>\n");
    out
}

/// A dash in place of the data, for a chart with nothing to show.
fn nothing(mut out: String) -> String {
    let attrs = r##" text-anchor="middle" font-size="24" fill="#999999""##;
    let (x, y) = ((LEFT + RIGHT) / 2.0, (TOP + BOTTOM) / 2.0);
    text(&mut out, x, y, attrs, "–");
    out
}

/// Gridlines and tick values of the y axis, the line at zero dark: above it is a shortage or a
/// gain, below it a surplus or a loss. Returns the axis's map from values to pixels.
fn y_axis(
    out: &mut String,
    ticks: &[f64],
    fmt: &dyn Fn(f64) -> String,
) -> impl Fn(f64) -> f64 + Copy + use<> {
    y_axis_from(out, ticks, fmt, TOP)
}

/// [`y_axis`] with the plot's top at `top`: lower when the legend takes more than one row.
fn y_axis_from(
    out: &mut String,
    ticks: &[f64],
    fmt: &dyn Fn(f64) -> String,
    top: f64,
) -> impl Fn(f64) -> f64 + Copy + use<> {
    let y = scale(ticks[0], ticks[ticks.len() - 1], BOTTOM, top);
    for &t in ticks {
        let (at, stroke) = (num(y(t)), if t == 0.0 { DARK } else { "#dddddd" });
        let _ = writeln!(
            out,
            r#"<line x1="{LEFT}" y1="{at}" x2="{RIGHT}" y2="{at}" stroke="{stroke}"/>"#
        );
        text(out, LEFT - 6.0, y(t) + 4.0, END, &fmt(t));
    }
    y
}

/// A legend entry at `x`: a swatch of one rectangle per opacity, laid on each other, and the
/// label right of it. Returns where the next entry goes, from the label's estimated width (no
/// font is measured: 7 pixels a character at this size).
fn legend(out: &mut String, x: f64, colour: &str, opacities: &[f64], label: &str) -> f64 {
    legend_at(out, x, LEGEND, colour, opacities, label)
}

/// The top of the legend's first row.
const LEGEND: f64 = 37.0;

/// [`legend`] in the row whose swatches start at `top`.
fn legend_at(
    out: &mut String,
    x: f64,
    top: f64,
    colour: &str,
    opacities: &[f64],
    label: &str,
) -> f64 {
    for o in opacities {
        let _ = writeln!(
            out,
            r#"<rect x="{}" y="{}" width="18" height="10" fill="{colour}" fill-opacity="{o}"/>"#,
            num(x),
            num(top)
        );
    }
    text(out, x + 24.0, top + 9.0, BODY, label);
    x + legend_width(label)
}

/// The room a legend entry takes: swatch, gap and the label's estimated width.
fn legend_width(label: &str) -> f64 {
    40.0 + label.chars().count() as f64 * 7.0
}

/// One uncertain input in a tornado: the result with the input at a low and at a high value,
/// every other input at its median.
#[derive(Debug, Clone, PartialEq)]
pub struct Swing {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

/// How far each uncertain input on its own moves one result: a horizontal bar per input from
/// the base (every input at its median) to the result with the input low, and one to the
/// result with it high. The caller orders the inputs, largest swing first, so the chart
/// narrows downwards like a tornado and a board reads the top rows as what matters.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoChart {
    pub title: String,
    /// One sentence under the chart: what a board member should read from it.
    pub reading: String,
    /// The name of the vertical axis: what the rows are (the uncertain inputs).
    pub y_label: String,
    /// The result's name with its unit, under the horizontal axis.
    pub x_label: String,
    /// The result with every input at its median, and what the legend calls it.
    pub base: f64,
    pub base_label: String,
    /// What the legend calls the low and the high value of an input ("P10", "P90").
    pub low_label: String,
    pub high_label: String,
    pub swings: Vec<Swing>,
}

/// A tornado ends its plot higher than the other charts: its horizontal axis needs a line for
/// the tick values and one for its name above the reading.
const TORNADO_BOTTOM: f64 = 268.0;
/// Where a tornado's rows begin: left of it the inputs' names, right-aligned.
const TORNADO_LEFT: f64 = 270.0;
/// Where they end: short of the edge by half a tick value ("EUR −4.0 mln"), which is centred
/// under its tick.
const TORNADO_RIGHT: f64 = 676.0;

/// A tornado chart: per input a bar from the base to the result with the input low (blue) and
/// one to the result with it high (vermillion), the base a dark vertical line. `fmt` writes a
/// tick value of the horizontal axis. A row with a value that is not finite is left out.
pub fn render_tornado(chart: &TornadoChart, fmt: &dyn Fn(f64) -> String) -> String {
    let mut out = open(&chart.title, &chart.reading, &chart.y_label);
    let rows: Vec<&Swing> = (chart.swings.iter())
        .filter(|s| s.low.is_finite() && s.high.is_finite())
        .collect();
    let ends = rows.iter().flat_map(|s| [s.low, s.high]);
    let ticks = if chart.base.is_finite() && !rows.is_empty() {
        nice_ticks_of(ends.chain([chart.base]))
    } else {
        Vec::new()
    };
    if ticks.is_empty() {
        return close(nothing(out), &chart.reading);
    }
    let (first, last) = (ticks[0], ticks[ticks.len() - 1]);
    let x = scale(first, last, TORNADO_LEFT, TORNADO_RIGHT);
    for &t in &ticks {
        let at = num(x(t));
        let _ = writeln!(
            out,
            r##"<line x1="{at}" y1="{TOP}" x2="{at}" y2="{TORNADO_BOTTOM}" stroke="#dddddd"/>"##
        );
        text(&mut out, x(t), TORNADO_BOTTOM + 14.0, MIDDLE, &fmt(t));
    }
    let centre = (TORNADO_LEFT + TORNADO_RIGHT) / 2.0;
    text(
        &mut out,
        centre,
        TORNADO_BOTTOM + 32.0,
        MIDDLE,
        &chart.x_label,
    );
    let row = (TORNADO_BOTTOM - TOP) / rows.len() as f64;
    let height = (row * 0.6).min(24.0);
    let base = x(chart.base);
    for (i, s) in rows.iter().enumerate() {
        let middle = TOP + row * (i as f64 + 0.5);
        // The longer bar first, so that a shorter one on the same side of the base stays in
        // view (an input whose effect is not monotone moves the result one way at both ends).
        let mut bars = [(s.low, COLOURS[0]), (s.high, COLOURS[1])];
        bars.sort_by(|a, b| {
            (b.0 - chart.base)
                .abs()
                .total_cmp(&(a.0 - chart.base).abs())
        });
        for (value, colour) in bars {
            let (from, to) = (base.min(x(value)), base.max(x(value)));
            let _ = writeln!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}"/>"#,
                num(from),
                num(middle - height / 2.0),
                num(to - from),
                num(height)
            );
        }
        // About 6 px a character at this size: a name longer than its column ends in `…`.
        let room = ((TORNADO_LEFT - 40.0) / 6.0) as usize;
        let label: String = if s.label.chars().count() > room {
            let kept: String = s.label.chars().take(room - 1).collect();
            format!("{}…", kept.trim_end())
        } else {
            s.label.clone()
        };
        text(&mut out, TORNADO_LEFT - 6.0, middle + 4.0, END, &label);
    }
    let _ = writeln!(
        out,
        "<line x1=\"{0}\" y1=\"{TOP}\" x2=\"{0}\" y2=\"{TORNADO_BOTTOM}\" stroke=\"{DARK}\" \
         stroke-width=\"2\"/>",
        num(base)
    );
    let mut left = legend(&mut out, LEFT, COLOURS[0], &[1.0], &chart.low_label);
    left = legend(&mut out, left, COLOURS[1], &[1.0], &chart.high_label);
    let _ = writeln!(
        out,
        "<line x1=\"{0}\" y1=\"36\" x2=\"{0}\" y2=\"48\" stroke=\"{DARK}\" stroke-width=\"2\"/>",
        num(left + 9.0)
    );
    let base_label = format!("{} {}", chart.base_label, fmt(chart.base));
    text(&mut out, left + 24.0, 46.0, BODY, &base_label);
    close(out, &chart.reading)
}

/// Where the labels of [`render_rows`] end and its bars begin: room for about thirty
/// characters, the length of a stress shock's name; and where its axis ends, short of the
/// right edge so that the last tick value, centred under it, is not cut off.
const ROW_LEFT: f64 = 220.0;
const ROW_RIGHT: f64 = 670.0;

/// A bar chart turned on its side: a row per bar, its label on the left in full, the value
/// along a horizontal axis from a zero line (gains right in blue, losses left in vermillion),
/// with the interval as a whisker. For many bars with long labels, such as a stress test's
/// shocks, which a column of [`render_bars`] would cut short. `fmt` writes a tick value; the
/// axis's name and unit (`y_label`) stand above the axis's right end.
pub fn render_rows(chart: &BarChart, fmt: &dyn Fn(f64) -> String) -> String {
    let mut out = open(&chart.title, &chart.reading, "");
    let (bars, ticks) = finite_bars(chart);
    if ticks.is_empty() {
        return close(nothing(out), &chart.reading);
    }
    text(&mut out, ROW_RIGHT, TOP - 10.0, END, &chart.y_label);
    let x = scale(ticks[0], ticks[ticks.len() - 1], ROW_LEFT, ROW_RIGHT);
    for &t in &ticks {
        let (at, stroke) = (num(x(t)), if t == 0.0 { DARK } else { "#dddddd" });
        let _ = writeln!(
            out,
            r#"<line x1="{at}" y1="{TOP}" x2="{at}" y2="{BOTTOM}" stroke="{stroke}"/>"#
        );
        text(&mut out, x(t), BOTTOM + 16.0, MIDDLE, &fmt(t));
    }
    let slot = (BOTTOM - TOP) / bars.len() as f64;
    let height = (slot * 0.6).min(24.0);
    let chars = ((ROW_LEFT - 24.0) / 6.0) as usize;
    for (i, (bar, interval)) in bars.iter().enumerate() {
        let centre = TOP + slot * (i as f64 + 0.5);
        let (left, right) = (x(bar.value.min(0.0)), x(bar.value.max(0.0)));
        let fill = if bar.value < 0.0 { LOSS } else { GAIN };
        let _ = writeln!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            num(left),
            num(centre - height / 2.0),
            num(right - left),
            num(height)
        );
        if let Some((l, h)) = interval {
            let (c, a, b) = (num(centre), num(centre - 5.0), num(centre + 5.0));
            let (l, h) = (num(x(*l)), num(x(*h)));
            let _ = writeln!(
                out,
                "<path d=\"M{l},{a} V{b} M{l},{c} H{h} M{h},{a} V{b}\" fill=\"none\" \
                 stroke=\"{DARK}\" stroke-width=\"1.5\"/>"
            );
        }
        let label = wrap(&bar.label, chars).join(" ");
        text(&mut out, ROW_LEFT - 8.0, centre + 4.0, END, &label);
    }
    close(out, &chart.reading)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fan(title: &str) -> FanChart {
        let series = |label: &str, slope: f64| FanSeries {
            label: label.into(),
            points: (2025..=2030)
                .map(|y| {
                    let p50 = slope * f64::from(y - 2025);
                    let (p5, p25, p75, p95) = (p50 - 10.0, p50 - 5.0, p50 + 5.0, p50 + 10.0);
                    (
                        y,
                        Band {
                            p5,
                            p25,
                            p50,
                            p75,
                            p95,
                        },
                    )
                })
                .collect(),
        };
        FanChart {
            title: title.into(),
            reading: "The network halves the gap by 2030.".into(),
            y_label: "Care gap (FTE)".into(),
            series: vec![series("Baseline", 40.0), series("Network", 20.0)],
            marks: vec![(2027, "go/no-go".into())],
        }
    }

    fn bars(values: &[f64]) -> BarChart {
        let bar = |(i, &value): (usize, &f64)| Bar {
            label: format!("partner {i}"),
            value,
            interval: Some((value - 5.0, value + 5.0)),
        };
        BarChart {
            title: "Position per partner".into(),
            reading: "The insurer gains, the municipality loses.".into(),
            y_label: "EUR mln".into(),
            bars: values.iter().enumerate().map(bar).collect(),
        }
    }

    fn plain(x: f64) -> String {
        x.to_string()
    }

    /// The number in attribute `name` of the first line of `svg` that starts with `start` and
    /// holds `has`.
    fn attr(svg: &str, start: &str, has: &str, name: &str) -> f64 {
        let tag = svg
            .lines()
            .find(|l| l.starts_with(start) && l.contains(has));
        let value = tag.unwrap().split(&format!(" {name}=\"")).nth(1).unwrap();
        value.split('"').next().unwrap().parse().unwrap()
    }

    /// Well-formed XML, as far as kloof writes it: one root, tags balanced on a stack, attribute
    /// quotes paired, no `<` or `>` in text, and every `&` the start of an entity.
    fn well_formed(svg: &str) -> bool {
        let entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"];
        let entity = |i: usize| entities.iter().any(|e| svg[i..].starts_with(e));
        if !svg.starts_with("<svg ") || !svg.match_indices('&').all(|(i, _)| entity(i)) {
            return false;
        }
        let (mut stack, mut rest) = (Vec::new(), svg.trim_end());
        while let Some(i) = rest.find('<') {
            let Some(end) = rest[i..].find('>').map(|e| i + e) else {
                return false;
            };
            let tag = &rest[i + 1..end];
            if rest[..i].contains('>') || tag.contains('<') || tag.matches('"').count() % 2 == 1 {
                return false;
            }
            if let Some(name) = tag.strip_prefix('/') {
                if stack.pop() != Some(name) {
                    return false;
                }
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap_or(""));
            }
            rest = &rest[end + 1..];
            if stack.is_empty() {
                break;
            }
        }
        stack.is_empty() && rest.is_empty()
    }

    #[test]
    fn grouped_bars_draw_one_rect_per_finite_value_with_a_legend() {
        let c = GroupedBarChart {
            title: "Zorg per domein".into(),
            reading: "Vraag boven capaciteit".into(),
            y_label: "fte".into(),
            groups: vec!["Wmo".into(), "Wlz".into()],
            series: vec![
                ("vraag".into(), vec![Some(100.0), Some(50.0)]),
                ("capaciteit".into(), vec![Some(80.0), None]),
                ("geleverd".into(), vec![Some(f64::NAN), Some(-10.0)]),
            ],
        };
        let svg = render_grouped(&c, &plain);
        assert!(well_formed(&svg), "{svg}");
        // Bars: four finite values; plus the background and three legend swatches.
        assert_eq!(svg.matches("<rect").count(), 4 + 1 + 3);
        for t in [
            "vraag",
            "capaciteit",
            "geleverd",
            "Wmo",
            "Wlz",
            "fte",
            "Zorg per domein",
        ] {
            assert!(svg.contains(&format!(">{t}<")), "{t}");
        }
        // The axis runs from the negative value up past 100, through zero.
        assert!(svg.contains(">-50<") && svg.contains(">100<"), "{svg}");
        assert!(!svg.contains("NaN"));
        assert_eq!(svg, render_grouped(&c, &plain));
    }

    #[test]
    fn xy_chart_draws_dots_and_a_curve_on_two_axes() {
        let c = XyChart {
            title: "Kosten en zorg".into(),
            reading: "Rechtsonder: meer zorg, minder kosten".into(),
            x_label: "zorg gewonnen (fte-jaren)".into(),
            y_label: "kosten (euro)".into(),
            series: vec![
                XySeries {
                    label: "runs".into(),
                    style: Style::Dots,
                    points: vec![(1.0, -5.0), (3.0, 10.0), (f64::INFINITY, 1.0)],
                },
                XySeries {
                    label: "curve".into(),
                    style: Style::Line,
                    points: vec![(0.0, 0.0), (4.0, 2.0)],
                },
            ],
        };
        let svg = render_xy(&c, &plain, &plain);
        assert!(well_formed(&svg), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains(">zorg gewonnen (fte-jaren)<"));
        assert!(svg.contains(">kosten (euro)<"));
        // Both zero lines dark: x from 0 to 4, y from -5 to 10.
        assert_eq!(
            svg.matches(&format!("stroke=\"{DARK}\"/>")).count(),
            2,
            "{svg}"
        );
        assert!(svg.contains("<path d=\"M"));
        assert!(!svg.contains("inf") && !svg.contains("NaN"));
    }

    #[test]
    fn a_legend_too_wide_for_one_row_wraps_and_the_plot_starts_below() {
        let series = |n: usize| XySeries {
            label: format!("Partner met een lange naam {n}"),
            style: Style::Line,
            points: vec![(2024.0, n as f64), (2030.0, -(n as f64))],
        };
        let c = XyChart {
            title: "Saldo".into(),
            reading: "Lijnen".into(),
            x_label: "jaar".into(),
            y_label: "euro".into(),
            series: (1..=5).map(series).collect(),
        };
        let svg = render_xy(&c, &plain, &plain);
        assert!(well_formed(&svg));
        // Two entries of 236 px fit a row of 604: three rows, 14 px apart.
        for top in [37, 51, 65] {
            assert_eq!(
                svg.matches(&format!(r#"y="{top}" width="18""#)).count(),
                if top == 65 { 1 } else { 2 }
            );
        }
        // The top gridline moved down with the legend: 60 + 2 × 14.
        assert!(svg.contains(r#"y1="88" x2="700" y2="88""#), "{svg}");
        let one = XyChart {
            series: vec![series(1)],
            ..c
        };
        assert!(!render_xy(&one, &plain, &plain).contains(r#"y="51" width="18""#));
    }

    #[test]
    fn long_bar_labels_wrap_to_two_lines() {
        assert_eq!(wrap("Gemeente Zoetermeer", 12), ["Gemeente", "Zoetermeer"]);
        // Four lines' worth: the second ends in an ellipsis.
        assert_eq!(
            wrap("Welzijn, Wmo- en jeugdaanbieders Zoetermeer", 12),
            ["Welzijn,", "Wmo- en…"]
        );
        // One word longer than the slot is cut.
        assert_eq!(wrap("Zorgverzekeraars", 8), ["Zorgver…"]);
        assert_eq!(wrap("VVT", 12), ["VVT"]);
    }

    #[test]
    fn nice_ticks_are_round() {
        let by = |from, to, step| (from..=to).step_by(step).map(f64::from).collect::<Vec<_>>();
        assert_eq!(nice_ticks(0.0, 97.0, 5), by(0, 100, 20));
        assert_eq!(nice_ticks(-20.0, 30.0, 5), by(-20, 30, 10));
        assert_eq!(nice_ticks(-13.0, 27.0, 5), by(-20, 30, 10));
        assert_eq!(nice_ticks(3.0, 21.0, 5), by(0, 25, 5));
        assert_eq!(nice_ticks(2024.0, 2050.0, 8), by(2020, 2050, 5));
        assert_eq!(nice_ticks(120e6, 480e6, 5), [1e8, 2e8, 3e8, 4e8, 5e8]);
        assert_eq!(nice_ticks(0.0, 1.0, 5), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        let shares = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
        assert_eq!(nice_ticks(0.03, 0.26, 5), shares);
        assert_eq!(nice_ticks(0.0, 0.0, 5), [-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(nice_ticks(5.0, 5.0, 5), [4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6]);
        for (min, max) in [
            (f64::NAN, 1.0),
            (0.0, f64::INFINITY),
            (-f64::MAX, f64::MAX),
            (2.0, 1.0),
        ] {
            assert!(nice_ticks(min, max, 5).is_empty(), "{min}..{max}");
        }
    }

    #[test]
    fn fan_chart_draws_both_series_with_bands_legend_and_marks() {
        let svg = render_fan(&fan("Zorgkloof"), &plain);
        assert!(well_formed(&svg), "{svg}");
        assert!(svg.contains("<title>Zorgkloof</title>"));
        assert!(svg.contains(r#"width="720" height="360" viewBox="0 0 720 360" role="img""#));
        let texts = [
            "Zorgkloof",
            "Baseline",
            "Network",
            "Care gap (FTE)",
            "go/no-go",
            "2030",
        ];
        for text in texts
            .into_iter()
            .chain(["The network halves the gap by 2030."])
        {
            assert!(svg.contains(&format!(">{text}</text>")), "{text}");
        }
        // A 90 % band, a 50 % band and a median for each series, in its own colour.
        assert_eq!(svg.matches("<path").count(), 6);
        for colour in &COLOURS[..2] {
            let paths = svg
                .lines()
                .filter(|l| l.starts_with("<path") && l.contains(colour));
            assert_eq!(paths.count(), 3, "{colour}");
        }
        assert_eq!(svg.matches("stroke-dasharray").count(), 1);
    }

    #[test]
    fn negative_bar_hangs_below_the_zero_line() {
        let svg = render_bars(&bars(&[30.0, -20.0]), &plain);
        assert!(well_formed(&svg), "{svg}");
        // The axis spans the bars and their whiskers, -25 to 35.
        let ticks = nice_ticks(-25.0, 35.0, 5);
        let (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
        let at = |v: f64| TOP + (hi - v) / (hi - lo) * (BOTTOM - TOP);
        let zero = at(0.0);
        let near = |a: f64, b: f64| (a - b).abs() <= 0.1;
        assert!(near(attr(&svg, "<line", DARK, "y1"), zero));
        let rect = |fill| {
            (
                attr(&svg, "<rect", fill, "y"),
                attr(&svg, "<rect", fill, "height"),
            )
        };
        let (y, height) = rect(LOSS);
        assert!(near(y, zero) && near(y + height, at(-20.0)) && height > 0.0);
        let (y, height) = rect(GAIN);
        assert!(near(y, at(30.0)) && near(y + height, zero));
        assert_eq!(svg.matches("<path").count(), 2);
        assert!(svg.contains(">partner 1</text>") && svg.contains(">EUR mln</text>"));
    }

    #[test]
    fn caller_text_is_escaped() {
        let hostile = r#"<script>&"'"#;
        let mut chart = fan(hostile);
        chart.series[0].label = hostile.into();
        chart.marks[0].1 = hostile.into();
        let mut bar = bars(&[1.0]);
        bar.title = hostile.into();
        bar.bars[0].label = hostile.into();
        let odd = |_: f64| "<&>".to_string();
        for svg in [render_fan(&chart, &odd), render_bars(&bar, &odd)] {
            assert!(well_formed(&svg), "{svg}");
            assert!(!svg.contains("<script") && !svg.contains("<&>"));
            assert!(svg.contains("<title>&lt;script&gt;&amp;&quot;&#39;</title>"));
            assert!(svg.contains("&lt;&amp;&gt;"));
        }
    }

    #[test]
    fn values_that_are_not_finite_are_left_out() {
        let mut chart = fan("Gap");
        chart.series[0].points[1].1.p5 = f64::NAN;
        chart.series[1].points[2].1.p95 = f64::INFINITY;
        chart.series[1].points[3].1.p50 = f64::NEG_INFINITY;
        let mut bar = bars(&[10.0, f64::NAN, -3.0]);
        bar.bars[2].interval = Some((f64::NAN, f64::INFINITY));
        for svg in [render_fan(&chart, &plain), render_bars(&bar, &plain)] {
            assert!(well_formed(&svg), "{svg}");
            assert!(!svg.contains("NaN") && !svg.contains("inf") && !svg.contains(">–<"));
        }
        let svg = render_bars(&bar, &plain);
        assert!(svg.matches("<path").count() == 1 && !svg.contains("partner 1"));
    }

    #[test]
    fn a_chart_without_data_shows_a_dash() {
        let mut chart = fan("No data");
        chart
            .series
            .iter_mut()
            .for_each(|s| s.points[..].iter_mut().for_each(|p| p.1.p50 = f64::NAN));
        let none = [render_fan(&chart, &plain), render_bars(&bars(&[]), &plain)];
        for svg in none
            .into_iter()
            .chain([render_bars(&bars(&[f64::NAN]), &plain)])
        {
            assert!(well_formed(&svg), "{svg}");
            assert!(svg.contains(">–</text>") && svg.contains("</title>"));
            assert!(!svg.contains("<path") && !svg.contains("NaN"));
        }
    }

    #[test]
    fn rendering_is_deterministic_with_one_decimal() {
        assert_eq!(render_fan(&fan("A"), &plain), render_fan(&fan("A"), &plain));
        let b = bars(&[3.5, -1.25, 0.0]);
        assert_eq!(render_bars(&b, &plain), render_bars(&b, &plain));
        let svg = render_fan(&fan("A"), &plain) + render_bars(&b, &plain).as_str();
        for name in [
            " x", " y", " x1", " y1", " x2", " y2", " width", " height", " d",
        ] {
            for value in svg.split(&format!("{name}=\"")).skip(1) {
                let value = value.split('"').next().unwrap();
                let mut numbers = value.split(|c: char| !(c.is_ascii_digit() || c == '.'));
                let fine = |n: &str| n.split_once('.').is_none_or(|(_, d)| d.len() <= 1);
                assert!(numbers.all(fine), "{name}={value}");
            }
        }
    }

    #[test]
    fn a_long_reading_takes_two_lines() {
        let mut chart = fan("Gap");
        chart.reading = "word ".repeat(60);
        let svg = render_fan(&chart, &plain);
        assert_eq!(svg.matches(r#"<text x="16" y="3"#).count(), 2);
        assert!(well_formed(&svg));
        assert!(!well_formed("<svg ><g></svg>") && !well_formed("<svg >a & b</svg>"));
    }

    fn tornado(swings: &[(f64, f64)]) -> TornadoChart {
        TornadoChart {
            title: "What drives the gap".into(),
            reading: "Volume growth moves the gap most.".into(),
            y_label: "uncertain input".into(),
            x_label: "gap (FTE)".into(),
            base: 100.0,
            base_label: "all at median".into(),
            low_label: "input at P10".into(),
            high_label: "input at P90".into(),
            swings: swings
                .iter()
                .enumerate()
                .map(|(i, &(low, high))| Swing {
                    label: format!("input {i}"),
                    low,
                    high,
                })
                .collect(),
        }
    }

    /// The rectangles of `svg` in `colour`, as (x, y, width).
    fn rects(svg: &str, colour: &str) -> Vec<(f64, f64, f64)> {
        svg.lines()
            .filter(|l| l.starts_with("<rect x=") && l.contains(colour) && !l.contains("opacity"))
            .map(|l| {
                (
                    attr(l, "<rect", "", "x"),
                    attr(l, "<rect", "", "y"),
                    attr(l, "<rect", "", "width"),
                )
            })
            .collect()
    }

    #[test]
    fn tornado_bars_run_from_the_base_to_each_end_largest_first() {
        let svg = render_tornado(&tornado(&[(60.0, 150.0), (120.0, 90.0)]), &plain);
        assert!(well_formed(&svg), "{svg}");
        for t in [
            "What drives the gap",
            "uncertain input",
            "gap (FTE)",
            "input 0",
            "input 1",
            "input at P10",
            "input at P90",
            "all at median 100",
            "Volume growth moves the gap most.",
        ] {
            assert!(svg.contains(&format!(">{t}</text>")), "{t}\n{svg}");
        }
        // The axis spans every end and the base: 60 to 150, in ticks of 20 from 60 to 160.
        let ticks = nice_ticks(60.0, 150.0, 5);
        let (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
        let at = |v: f64| TORNADO_LEFT + (v - lo) / (hi - lo) * (TORNADO_RIGHT - TORNADO_LEFT);
        let near = |a: f64, b: f64| (a - b).abs() <= 0.1;
        let (low, high) = (rects(&svg, COLOURS[0]), rects(&svg, COLOURS[1]));
        assert_eq!((low.len(), high.len()), (2, 2), "{svg}");
        // First row: low to the left of the base, high to the right.
        assert!(near(low[0].0, at(60.0)) && near(low[0].0 + low[0].2, at(100.0)));
        assert!(near(high[0].0, at(100.0)) && near(high[0].0 + high[0].2, at(150.0)));
        // Second row, below the first: an input whose low end lies above the base.
        assert!(low[1].1 > low[0].1);
        assert!(near(low[1].0, at(100.0)) && near(low[1].0 + low[1].2, at(120.0)));
        assert!(near(high[1].0, at(90.0)) && near(high[1].0 + high[1].2, at(100.0)));
        // The base is one dark line through the rows.
        assert!(near(
            attr(&svg, "<line", "stroke-width=\"2\"", "x1"),
            at(100.0)
        ));
    }

    #[test]
    fn tornado_text_is_escaped_and_long_names_cut() {
        let hostile = r#"<script>&"'"#;
        let mut chart = tornado(&[(1.0, 2.0)]);
        chart.title = hostile.into();
        chart.swings[0].label = format!("{hostile} {}", "long ".repeat(20));
        chart.low_label = hostile.into();
        let svg = render_tornado(&chart, &|_| "<&>".to_string());
        assert!(well_formed(&svg), "{svg}");
        assert!(!svg.contains("<script") && !svg.contains("<&>"));
        assert!(svg.contains("<title>&lt;script&gt;&amp;&quot;&#39;</title>"));
        assert!(svg.contains("long…</text>"), "{svg}");
    }

    #[test]
    fn tornado_leaves_out_what_is_not_finite_and_shows_a_dash_without_data() {
        let svg = render_tornado(&tornado(&[(1.0, f64::NAN), (90.0, 110.0)]), &plain);
        assert!(well_formed(&svg), "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains(">input 0<") && svg.contains(">input 1<"));
        let mut none = tornado(&[(90.0, 110.0)]);
        none.base = f64::INFINITY;
        for svg in [
            render_tornado(&tornado(&[]), &plain),
            render_tornado(&none, &plain),
        ] {
            assert!(well_formed(&svg), "{svg}");
            assert!(svg.contains(">–</text>") && !svg.contains("<rect x="));
            assert!(!svg.contains("inf"));
        }
    }

    #[test]
    fn tornado_rendering_is_deterministic_with_one_decimal() {
        let t = tornado(&[(93.123, 104.987), (99.5, 100.25), (-3.0, 1e3)]);
        let svg = render_tornado(&t, &plain);
        assert_eq!(svg, render_tornado(&t, &plain));
        for name in [" x", " y", " x1", " y1", " x2", " y2", " width", " height"] {
            for value in svg.split(&format!("{name}=\"")).skip(1) {
                let value = value.split('"').next().unwrap();
                let fine = value.split_once('.').is_none_or(|(_, d)| d.len() <= 1);
                assert!(fine, "{name}={value}");
            }
        }
    }
}
