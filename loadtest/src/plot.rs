//! `--plot FILE.svg`: the per-second series of a report drawn as an SVG
//! (plotters, SVG backend only). The top chart has the latency percentiles
//! (p50, p90, p99, max) of each series per one-second interval, the bottom
//! chart the events per second (deliveries, acks or answered calls).

use crate::latency::Interval;
use crate::Error;
use plotters::prelude::*;
use std::path::Path;

/// One named per-second series, e.g. `e2e` or `direct e2e`.
pub struct Series<'a> {
    pub name: String,
    pub intervals: &'a [Interval],
}

/// What a report offers to `--plot`.
pub trait Plot {
    /// The chart's title.
    fn plot_title(&self) -> String;
    /// The series to draw, most important first.
    fn plot_series(&self) -> Vec<Series<'_>>;
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Usage(format!("plot: {e}"))
}

/// The percentiles drawn, with their colours.
const PERCENTILES: [(&str, RGBColor); 4] = [
    ("p50", RGBColor(31, 119, 180)),
    ("p90", RGBColor(44, 160, 44)),
    ("p99", RGBColor(255, 127, 14)),
    ("max", RGBColor(214, 39, 40)),
];

fn pick(i: &Interval, which: &str) -> f64 {
    match which {
        "p50" => i.p50_ms,
        "p90" => i.p90_ms,
        "p99" => i.p99_ms,
        _ => i.max_ms,
    }
}

/// One labelled line of a chart.
struct Line {
    label: String,
    style: ShapeStyle,
    points: Vec<(f64, f64)>,
}

/// A chart on `area` with seconds on x (0..`top.0`), `y_desc` on y
/// (0..`top.1`), the lines and their legend.
fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    caption: &str,
    y_desc: &str,
    top: (f64, f64),
    lines: Vec<Line>,
) -> Result<(), Error> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 15))
        .margin(10)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..top.0, 0f64..top.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("s since start")
        .y_desc(y_desc)
        .bold_line_style(BLACK.mix(0.15))
        .light_line_style(WHITE)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(err)?;
    for line in lines {
        let style = line.style;
        chart
            .draw_series(LineSeries::new(line.points, style))
            .map_err(err)?
            .label(line.label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(err)
}

/// Draws `report`'s series into `path`.
pub fn write_svg(path: &Path, report: &dyn Plot) -> Result<(), Error> {
    let series = report.plot_series();
    let secs = series
        .iter()
        .map(|s| s.intervals.len())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let top_ms = series
        .iter()
        .flat_map(|s| s.intervals.iter().map(|i| i.max_ms))
        .fold(1.0f64, f64::max)
        * 1.05;
    let top_rate = series
        .iter()
        .flat_map(|s| s.intervals.iter().map(|i| i.count))
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.05;
    let mut latency = Vec::new();
    for (n, s) in series.iter().enumerate() {
        for (which, colour) in PERCENTILES {
            latency.push(Line {
                label: format!("{} {which}", s.name),
                style: colour.stroke_width(if n == 0 { 2 } else { 1 }),
                points: s
                    .intervals
                    .iter()
                    .filter(|i| i.count > 0)
                    .map(|i| (f64::from(i.t) + 0.5, pick(i, which)))
                    .collect(),
            });
        }
    }
    let throughput = series
        .iter()
        .enumerate()
        .map(|(n, s)| Line {
            label: format!("{} /s", s.name),
            style: Palette99::pick(n).to_rgba().stroke_width(2),
            points: s
                .intervals
                .iter()
                .map(|i| (f64::from(i.t) + 0.5, i.count as f64))
                .collect(),
        })
        .collect();

    let root = SVGBackend::new(path, (1000, 800)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let root = root
        .margin(10, 10, 10, 10)
        .titled(&report.plot_title(), ("sans-serif", 20))
        .map_err(err)?;
    let (upper, lower) = root.split_vertically(440);
    panel(
        &upper,
        "latency per one-second interval (from the intended send time)",
        "ms",
        (secs, top_ms),
        latency,
    )?;
    panel(
        &lower,
        "throughput per one-second interval",
        "per s",
        (secs, top_rate),
        throughput,
    )?;
    root.present().map_err(err)?;
    Ok(())
}

/// The series `names` (key, label) of a report's `intervals`, in order;
/// keys it lacks are left out.
pub fn named_series<'a>(
    intervals: &'a std::collections::BTreeMap<String, Vec<Interval>>,
    names: &[(&str, &str)],
) -> Vec<Series<'a>> {
    names
        .iter()
        .filter_map(|(key, label)| {
            intervals.get(*key).map(|iv| Series {
                name: (*label).to_string(),
                intervals: iv,
            })
        })
        .collect()
}
