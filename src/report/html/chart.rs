//! SVG charts for the HTML pages, drawn with plotters' SVG backend: a line of values per period
//! against a target, bars stacked per period, and bars grouped per label.
//!
//! Any command feeds them the same plain shape, a [`Chart`]: labels along the bottom and named
//! series of `Decimal` values, one per label. Figures become screen coordinates (`f64`) only
//! here, at the edge; nothing is calculated from them.
//!
//! Why plotters: it draws the axes, ticks and grid, and its SVG backend writes text as `<text>`
//! elements (escaped) without reading any font file, so the same chart gives the same bytes on
//! every machine. Titles and legends are not drawn into the SVG: the page writes them as HTML
//! beside it, where they wrap and stay readable when the chart is scaled down to a phone's width.

// Label positions are counts of periods or severities, far below 2^52: exact as f64.
#![allow(clippy::cast_precision_loss)]

use std::io;
use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;

use crate::money::Decimal;

/// Width of a chart in SVG units; the page scales it to the width it has.
const WIDTH: u32 = 440;
/// Height of a chart in SVG units.
const HEIGHT: u32 = 230;
/// Space left of the plot for the value labels.
const VALUE_LABEL_WIDTH: u32 = 64;
/// Space below the plot for the period labels.
const LABEL_AREA_HEIGHT: u32 = 30;
/// Font size asked of plotters: its SVG backend writes 1/1.24 of it, about 14 units, which is
/// 11 to 12 pixels when a phone scales the chart to its width.
const FONT_SIZE: f64 = 17.0;
/// Width of one character of a label, a generous estimate for a sans-serif font at that size,
/// used to decide how many period labels fit without overlapping.
const CHARACTER_WIDTH: u32 = 9;

/// Okabe–Ito colours, told apart by colour-blind readers and in grey print. The vermilion is kept
/// for target lines; after seven series the colours repeat (the legend still names each).
const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#999999",
];
/// The colour of a target line.
const TARGET_COLOUR: &str = "#D55E00";
/// Axis and label colour.
const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// What a chart shows: one value per label and series, `None` where a series has no value for a
/// label (a service not in force in that period, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Along the bottom, in order: periods, severities.
    pub labels: Vec<String>,
    /// The named series; each has one value per label.
    pub series: Vec<Series>,
}

/// One named series of a [`Chart`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// Its name, e.g. a service id or `A`.
    pub name: String,
    /// One value per label of the chart.
    pub values: Vec<Option<Decimal>>,
}

/// A drawn chart: the SVG markup and the legend the page writes under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    svg: String,
    /// Each series' name and colour, in drawing order.
    pub legend: Vec<LegendEntry>,
}

impl Figure {
    /// The SVG element, made here from escaped text only: the page writes it as it is.
    pub fn svg(&self) -> &str {
        &self.svg
    }
}

/// One entry of a figure's legend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendEntry {
    /// The series' name.
    pub name: String,
    /// Its colour, `#RRGGBB`.
    pub colour: &'static str,
    /// Drawn as a dashed line (a target) rather than a filled mark.
    pub dashed: bool,
}

/// Values over periods as a line with a point per period, against a dashed target line (one
/// target per label, so a target that changes between periods steps). The value axis spans the
/// values and targets, up to 100 when every figure is a percentage at or below it.
pub fn line_against_target(chart: &Chart, target: &[Option<Decimal>]) -> io::Result<Figure> {
    let values: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|series| series.values.iter())
        .chain(target)
        .filter_map(|value| value.and_then(|value| value.to_f64()))
        .collect();
    let span = percent_span(&values);
    let mut legend = legend(chart);
    let svg = draw(chart, span, |area| {
        for (index, series) in chart.series.iter().enumerate() {
            let colour = colour(index);
            // A line through consecutive values; a gap where a value is missing.
            for run in runs(&series.values) {
                area.draw_series(LineSeries::new(run.clone(), colour.stroke_width(2)))?;
                area.draw_series(
                    run.into_iter()
                        .map(|point| Circle::new(point, 3, colour.filled())),
                )?;
            }
        }
        let target_colour = hex(TARGET_COLOUR);
        for (slot, value) in target.iter().enumerate() {
            if let Some(value) = value.and_then(|value| value.to_f64()) {
                let slot = slot as f64;
                area.draw_series(DashedLineSeries::new(
                    [(slot, value), (slot + 1.0, value)],
                    6,
                    4,
                    target_colour.stroke_width(2),
                ))?;
            }
        }
        Ok(())
    })?;
    if target.iter().any(Option::is_some) {
        legend.push(LegendEntry {
            name: "target".to_owned(),
            colour: TARGET_COLOUR,
            dashed: true,
        });
    }
    Ok(Figure { svg, legend })
}

/// One bar per label, the series stacked in order from the axis up (negative values from the axis
/// down).
pub fn stacked_bars(chart: &Chart) -> io::Result<Figure> {
    let mut top = vec![0.0_f64; chart.labels.len()];
    let mut bottom = vec![0.0_f64; chart.labels.len()];
    let mut bars = Vec::new();
    for (index, series) in chart.series.iter().enumerate() {
        for (slot, value) in series.values.iter().enumerate().take(chart.labels.len()) {
            let Some(value) = value.and_then(|value| value.to_f64()) else {
                continue;
            };
            let end = if value >= 0.0 {
                &mut top[slot]
            } else {
                &mut bottom[slot]
            };
            let start = *end;
            *end += value;
            bars.push(Bar {
                series: index,
                left: slot as f64 + 0.2,
                right: slot as f64 + 0.8,
                from: start,
                to: *end,
            });
        }
    }
    let span = zero_based_span(top.iter().chain(&bottom).copied());
    let svg = draw(chart, span, |area| draw_bars(area, &bars))?;
    Ok(Figure {
        svg,
        legend: legend(chart),
    })
}

/// Side by side in each label's place, one bar per series (A against B; one severity's figure per
/// series).
pub fn grouped_bars(chart: &Chart) -> io::Result<Figure> {
    let width = 0.8 / chart.series.len().max(1) as f64;
    let mut bars = Vec::new();
    let mut values = Vec::new();
    for (index, series) in chart.series.iter().enumerate() {
        for (slot, value) in series.values.iter().enumerate().take(chart.labels.len()) {
            let Some(value) = value.and_then(|value| value.to_f64()) else {
                continue;
            };
            let left = slot as f64 + 0.1 + width * index as f64;
            values.push(value);
            bars.push(Bar {
                series: index,
                left,
                right: left + width,
                from: 0.0,
                to: value,
            });
        }
    }
    let span = zero_based_span(values.into_iter());
    let svg = draw(chart, span, |area| draw_bars(area, &bars))?;
    Ok(Figure {
        svg,
        legend: legend(chart),
    })
}

/// One rectangle in plot coordinates.
struct Bar {
    series: usize,
    left: f64,
    right: f64,
    from: f64,
    to: f64,
}

type Area<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<Slots, plotters::coord::types::RangedCoordf64>>;
type DrawResult = Result<(), DrawingAreaErrorKind<io::Error>>;

fn draw_bars(area: &mut Area<'_, '_>, bars: &[Bar]) -> DrawResult {
    area.draw_series(bars.iter().map(|bar| {
        Rectangle::new(
            [(bar.left, bar.from), (bar.right, bar.to)],
            colour(bar.series).filled(),
        )
    }))?;
    Ok(())
}

/// Draws the frame, grid and labels of `chart` over `span` on the value axis, then what `plot`
/// adds, and returns the SVG element.
fn draw(
    chart: &Chart,
    span: Range<f64>,
    plot: impl FnOnce(&mut Area<'_, '_>) -> DrawResult,
) -> io::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let mut area = drawn(
            ChartBuilder::on(&root)
                .margin_top(10)
                .margin_right(14)
                .margin_left(4)
                .x_label_area_size(LABEL_AREA_HEIGHT)
                .y_label_area_size(VALUE_LABEL_WIDTH)
                .build_cartesian_2d(
                    Slots {
                        count: chart.labels.len(),
                    },
                    span.clone(),
                ),
        )?;
        let decimals = decimals(&span);
        let label = |slot: &f64| {
            // Key points sit in the middle of a label's place.
            chart
                .labels
                .get(slot.floor() as usize)
                .cloned()
                .unwrap_or_default()
        };
        let value = |value: &f64| format!("{value:.decimals$}");
        let longest = chart.labels.iter().map(|label| label.chars().count()).max();
        let plot_width = WIDTH - VALUE_LABEL_WIDTH - 18;
        let fitting = plot_width / (longest.unwrap_or(1) as u32 * CHARACTER_WIDTH + 12);
        let font = ("sans-serif", FONT_SIZE).into_font().color(&INK);
        drawn(
            area.configure_mesh()
                .disable_x_mesh()
                .x_labels(fitting.max(1) as usize)
                .y_labels(6)
                .x_label_formatter(&label)
                .y_label_formatter(&value)
                .x_label_style(font.clone())
                .y_label_style(font)
                .axis_style(INK)
                .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
                .light_line_style(TRANSPARENT)
                .draw(),
        )?;
        drawn(plot(&mut area))?;
        drawn(root.present())?;
    }
    Ok(svg)
}

/// plotters' error as an I/O error, which is what the page writer returns. (Drawing into a string
/// does not fail; this is for a layout plotters refuses.)
fn drawn<T>(result: Result<T, DrawingAreaErrorKind<io::Error>>) -> io::Result<T> {
    result.map_err(|error| io::Error::other(error.to_string()))
}

/// The labels along the bottom: label `i` owns `[i, i + 1)`, its key point is `i + 0.5`.
struct Slots {
    count: usize,
}

impl Ranged for Slots {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let pixels = f64::from(limit.1 - limit.0);
        limit.0 + (pixels * value / self.count.max(1) as f64).round() as i32
    }

    /// Every label's middle when they fit, else every second, third, … label, from the first.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let fitting = hint.max_num_points().max(1);
        let step = self.count.div_ceil(fitting).max(1);
        (0..self.count)
            .step_by(step)
            .map(|slot| slot as f64 + 0.5)
            .collect()
    }

    fn range(&self) -> Range<f64> {
        0.0..self.count.max(1) as f64
    }
}

/// Consecutive present values as points at their labels' middles, split where one is missing.
fn runs(values: &[Option<Decimal>]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (slot, value) in values.iter().enumerate() {
        match value.and_then(|value| value.to_f64()) {
            Some(value) => runs
                .last_mut()
                .expect("runs starts with one run")
                .push((slot as f64 + 0.5, value)),
            None => runs.push(Vec::new()),
        }
    }
    runs.retain(|run| !run.is_empty());
    runs
}

/// The value axis of percentages: from a little below the lowest figure to a little above 100 (or
/// above the highest, should one pass 100), so differences of hundredths of a percent show.
fn percent_span(values: &[f64]) -> Range<f64> {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() {
        return 99.0..100.0;
    }
    let high = high.max(100.0);
    let margin = ((high - low) * 0.15).max(0.05);
    // A little room above the top figure, so a point at 100 is not cut by the frame.
    (low - margin).max(0.0)..high + margin / 3.0
}

/// A value axis from zero (or below, for negative figures) to a little above the highest figure.
fn zero_based_span(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (low, high) = values.fold((0.0_f64, 0.0_f64), |(low, high), value| {
        (low.min(value), high.max(value))
    });
    if high - low <= 0.0 {
        return 0.0..1.0;
    }
    let margin = (high - low) * 0.08;
    (if low < 0.0 { low - margin } else { 0.0 })..high + margin
}

/// Decimal places the value labels need to tell their ticks apart.
fn decimals(span: &Range<f64>) -> usize {
    match span.end - span.start {
        width if width < 0.1 => 3,
        width if width < 1.0 => 2,
        width if width < 10.0 => 1,
        _ => 0,
    }
}

fn legend(chart: &Chart) -> Vec<LegendEntry> {
    chart
        .series
        .iter()
        .enumerate()
        .map(|(index, series)| LegendEntry {
            name: series.name.clone(),
            colour: PALETTE[index % PALETTE.len()],
            dashed: false,
        })
        .collect()
}

fn colour(index: usize) -> RGBColor {
    hex(PALETTE[index % PALETTE.len()])
}

/// `#RRGGBB` (one of the constants above) as a plotters colour.
fn hex(code: &str) -> RGBColor {
    let channel = |at: usize| u8::from_str_radix(&code[at..at + 2], 16).unwrap_or(0);
    RGBColor(channel(1), channel(3), channel(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(labels: &[&str], series: &[(&str, &[Option<i64>])]) -> Chart {
        Chart {
            labels: labels.iter().map(|label| (*label).to_owned()).collect(),
            series: series
                .iter()
                .map(|(name, values)| Series {
                    name: (*name).to_owned(),
                    values: values
                        .iter()
                        .map(|value| value.map(Decimal::from))
                        .collect(),
                })
                .collect(),
        }
    }

    /// `(x, y, width, height)` of every rectangle filled with `colour`.
    fn rectangles(svg: &str, colour: &str) -> Vec<(i32, i32, i32, i32)> {
        let number = |element: &str, name: &str| {
            let start = element.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
            let end = start + element[start..].find('"').expect("closing quote");
            element[start..end].parse::<i32>().expect("whole pixels")
        };
        svg.split("<rect")
            .skip(1)
            .filter(|element| element.contains(&format!("fill=\"{colour}\"")))
            .map(|element| {
                (
                    number(element, "x"),
                    number(element, "y"),
                    number(element, "width"),
                    number(element, "height"),
                )
            })
            .collect()
    }

    #[test]
    fn the_same_chart_gives_the_same_bytes() {
        let chart = chart(&["2026-08", "2026-09"], &[("edr", &[Some(5), None])]);
        let first = stacked_bars(&chart).expect("draws");
        let second = stacked_bars(&chart).expect("draws");
        assert_eq!(first, second);
        assert!(
            first
                .svg()
                .starts_with("<svg width=\"440\" height=\"230\" viewBox=\"0 0 440 230\"")
        );
    }

    #[test]
    fn labels_are_escaped_in_the_svg() {
        let chart = chart(&["<script>alert(1)</script>"], &[("x", &[Some(1)])]);
        let figure = grouped_bars(&chart).expect("draws");
        assert!(
            figure
                .svg()
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        );
        assert!(!figure.svg().contains("<script"));
    }

    #[test]
    fn stacked_bars_stack_in_proportion() {
        // One period: edr 1, siem 3, stacked to 4. The axis runs 0 to 4 + 8 % = 4.32 over the plot
        // height, so siem's bar is three times edr's (to a pixel of rounding) and starts where
        // edr's ends.
        let chart = chart(&["2026-10"], &[("edr", &[Some(1)]), ("siem", &[Some(3)])]);
        let svg = stacked_bars(&chart).expect("draws").svg;
        let [edr] = rectangles(&svg, PALETTE[0])[..] else {
            panic!("one edr bar in {svg}")
        };
        let [siem] = rectangles(&svg, PALETTE[1])[..] else {
            panic!("one siem bar in {svg}")
        };
        assert!((siem.3 - 3 * edr.3).abs() <= 3, "{edr:?} {siem:?}");
        assert!((siem.1 + siem.3 - edr.1).abs() <= 1, "siem sits on edr");
        assert_eq!((edr.0, edr.2), (siem.0, siem.2), "one column");
    }

    #[test]
    fn grouped_bars_stand_side_by_side() {
        // Two series in one place: A 2, B 4. Each bar is 0.4 of the place wide; B is twice as tall.
        let chart = chart(&["2026-10"], &[("A", &[Some(2)]), ("B", &[Some(4)])]);
        let svg = grouped_bars(&chart).expect("draws").svg;
        let [a] = rectangles(&svg, PALETTE[0])[..] else {
            panic!("one A bar")
        };
        let [b] = rectangles(&svg, PALETTE[1])[..] else {
            panic!("one B bar")
        };
        assert!(a.0 + a.2 <= b.0 + 1, "A left of B: {a:?} {b:?}");
        assert!((a.2 - b.2).abs() <= 1, "same width");
        assert!((b.3 - 2 * a.3).abs() <= 2, "B twice A: {a:?} {b:?}");
    }

    #[test]
    fn a_target_line_is_dashed_and_in_the_legend() {
        let chart = chart(
            &["2026-09", "2026-10"],
            &[("availability", &[Some(100), Some(99)])],
        );
        let target = [Some(Decimal::new(995, 1)), Some(Decimal::new(995, 1))];
        let figure = line_against_target(&chart, &target).expect("draws");
        assert!(figure.svg().contains("stroke=\"#D55E00\""));
        let names: Vec<(&str, bool)> = figure
            .legend
            .iter()
            .map(|entry| (entry.name.as_str(), entry.dashed))
            .collect();
        assert_eq!(names, [("availability", false), ("target", true)]);
    }

    #[test]
    fn the_percent_axis_shows_small_differences() {
        // 99.0604 and a 99.5 target: the margin is 15 % of (100 − 99.0604) = 0.14094; the axis
        // starts that far below the lowest figure, at 98.91946, and ends a third of it above 100,
        // at 100.04698.
        let span = percent_span(&[99.0604, 99.5]);
        assert!((span.start - 98.919_46).abs() < 1e-9, "{span:?}");
        assert!((span.end - 100.046_98).abs() < 1e-9, "{span:?}");
        assert_eq!(decimals(&span), 1);
        // No figures at all: 99 to 100.
        assert_eq!(percent_span(&[]), 99.0..100.0);
    }

    #[test]
    fn period_labels_are_thinned_to_fit() {
        // 36 months where 8 labels fit: every ⌈36 / 8⌉ = 5th, from the first, 8 in all.
        let slots = Slots { count: 36 };
        let points = slots.key_points(8_usize);
        assert_eq!(points.len(), 8);
        assert_eq!(points[..2], [0.5, 5.5]);
        assert_eq!(points[6..], [30.5, 35.5]);
        // 3 labels where 8 fit: all of them.
        assert_eq!(Slots { count: 3 }.key_points(8_usize), [0.5, 1.5, 2.5]);
    }
}
