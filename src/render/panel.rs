//! Draws one panel: its lines, the findings' shaded spans, reference lines,
//! clipped outliers and non-finite marks, and a legend beside (never over) the data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::ChartAxis;
use super::downsample::{m4, m4_marking, m4_marking_sorted};
use super::style::*;
use crate::model::Axis;
use crate::rules::Severity;

/// How a line's points are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A plain line.
    Line,
    /// A smoothed line: drawn thick even when dense, it has no zig-zags to grow spikes.
    Smooth,
    /// A line with a dot at each point (when it has at most 400): per-epoch values.
    LineWithMarkers,
    /// Small faint points: raw per-step values under their smoothed line.
    Faint,
}

/// One curve of a panel, its x in the chart's units.
#[derive(Debug, Clone)]
pub struct Line {
    /// The legend entry (faint points get ` (raw)` added).
    pub label: String,
    /// The colour of the line, its markers and its legend entry.
    pub color: RGBColor,
    /// x of each point, in chart units.
    pub x: Vec<f64>,
    /// y of each point as logged; a log panel takes log10 when it draws.
    pub y: Vec<f64>,
    /// How the points are drawn.
    pub mark: Mark,
    /// x of non-finite values, marked at the panel's top edge.
    pub bad_x: Vec<f64>,
}

impl Line {
    /// A line from points already in chart units, not thinned (see [`Line::thin`]).
    pub fn new(label: String, color: RGBColor, x: Vec<f64>, y: Vec<f64>, mark: Mark) -> Line {
        Line { label, color, x, y, mark, bad_x: Vec::new() }
    }

    /// A thinned line straight from a series' slices (`from` is the unit of `x`): M4 runs on the
    /// raw x and only the kept points are converted to the chart's axis (the conversion is
    /// affine, so the buckets are the same), so no full-length copy is ever made.
    /// `None` when the series cannot be placed on the chart's axis.
    #[allow(clippy::too_many_arguments)]
    pub fn of(
        label: String,
        color: RGBColor,
        x: &[f64],
        y: &[f64],
        mark: Mark,
        from: Axis,
        chart: &ChartAxis,
        columns: usize,
    ) -> Option<Line> {
        Self::thinned(label, color, x, mark, (from, chart), columns, || m4_marking(x, y.iter().copied(), columns))
    }

    /// [`Line::of`] for y values computed as they are read (a smoothed curve never stored),
    /// in one pass that thins the curve and finds its non-finite marks.
    #[allow(clippy::too_many_arguments)]
    pub fn of_iter(
        label: String,
        color: RGBColor,
        x: &[f64],
        y: impl Iterator<Item = f64>,
        mark: Mark,
        from: Axis,
        chart: &ChartAxis,
        columns: usize,
    ) -> Option<Line> {
        Self::thinned(label, color, x, mark, (from, chart), columns, || m4_marking_sorted(x, y, columns))
    }

    /// The line through the points `thin` keeps (M4: kept points and the x of non-finite
    /// values), its marks thinned the same way, in chart units.
    fn thinned(
        label: String,
        color: RGBColor,
        x: &[f64],
        mark: Mark,
        (from, chart): (Axis, &ChartAxis),
        columns: usize,
        thin: impl FnOnce() -> (Vec<(f64, f64)>, Vec<f64>),
    ) -> Option<Line> {
        chart.convert(from, x.first().copied().unwrap_or(0.0))?;
        let (kept, bad) = thin();
        let conv = |v: f64| chart.convert(from, v).unwrap_or(v);
        let bad_x = m4(&bad, &vec![0.0; bad.len()], columns).into_iter().map(|p| conv(p.0)).collect();
        let (xs, ys): (Vec<f64>, Vec<f64>) = kept.into_iter().map(|(a, b)| (conv(a), b)).unzip();
        Some(Line { label, color, x: xs, y: ys, mark, bad_x })
    }

    /// Keeps what `columns` pixel columns can show (M4: first, min, max, last per column),
    /// so a chart of a million points holds a few thousand; non-finite values move to `bad_x`.
    pub fn thin(&mut self, columns: usize) {
        let bad: Vec<f64> = self.x.iter().zip(&self.y).filter(|(_, v)| !v.is_finite()).map(|(x, _)| *x).collect();
        self.bad_x = m4(&bad, &vec![0.0; bad.len()], columns).into_iter().map(|p| p.0).collect();
        let (x, y): (Vec<f64>, Vec<f64>) = m4(&self.x, &self.y, columns).into_iter().unzip();
        self.x = x;
        self.y = y;
    }
}

/// One of a chart's stacked panels: its curves and what is drawn around them.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    /// The caption above the panel.
    pub title: String,
    /// The y axis title.
    pub y_label: String,
    /// Plot log10(y); non-positive values are left out.
    pub log_y: bool,
    /// The curves, drawn in order, each with a legend entry.
    pub lines: Vec<Line>,
    /// A dashed horizontal reference, e.g. `ln(C)`.
    pub reference: Option<(f64, String)>,
    /// A shaded horizontal band, e.g. the healthy update ratio.
    pub band: Option<(f64, f64, String)>,
    /// x positions marked with a short tick at the bottom, e.g. LR drops.
    pub ticks: Vec<f64>,
}

/// Finding spans and markers drawn on every panel.
#[derive(Debug, Clone, Default)]
pub struct Annotations {
    /// Findings' spans: start and end in chart units, severity, and the rule id that labels it.
    pub spans: Vec<(f64, f64, Severity, &'static str)>,
    /// The best epoch's x in chart units, drawn as a dashed vertical line.
    pub best: Option<f64>,
}

/// The colour of a finding's span and label, by severity.
pub fn shade(severity: Severity) -> RGBColor {
    match severity {
        Severity::Error => ERROR_SHADE,
        Severity::Warning => WARNING_SHADE,
        Severity::Info => INFO_SHADE,
    }
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// y as plotted: log10 on a log panel (non-positive values have no place there).
fn ty(log: bool, y: f64) -> f64 {
    if !log {
        y
    } else if y > 0.0 {
        y.log10()
    } else {
        f64::NAN
    }
}

/// Draws `panel` into `area`: the plot, then its legend in the last [`LEGEND_WIDTH`] pixels.
/// `label_spans` writes each span's rule id (the top panel does); a line with more points than
/// `columns` is drawn 1 pixel wide. Errors are plotters', as text.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    ann: &Annotations,
    x_range: (f64, f64),
    x_label: &str,
    label_spans: bool,
    columns: usize,
) -> Result<(), String> {
    let (plot_area, legend_area) = area.split_horizontally(WIDTH - LEGEND_WIDTH);
    let all_y: Vec<f64> = panel.lines.iter().flat_map(|l| l.y.iter().map(|&y| ty(panel.log_y, y))).collect();
    let mut extra: Vec<f64> = panel.reference.iter().map(|r| ty(panel.log_y, r.0)).collect();
    if let Some((a, b, _)) = &panel.band {
        extra.extend([ty(panel.log_y, *a), ty(panel.log_y, *b)]);
    }
    let (mut lo, mut hi) = super::axis::robust_range(&all_y).unwrap_or((0.0, 1.0));
    for e in extra.into_iter().filter(|e| e.is_finite()) {
        lo = lo.min(e);
        hi = hi.max(e);
    }
    let log = panel.log_y;
    if log && hi - lo < MIN_LOG_DECADES {
        let mid = (hi + lo) / 2.0;
        (lo, hi) = (mid - MIN_LOG_DECADES / 2.0, mid + MIN_LOG_DECADES / 2.0);
    }
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(&panel.title, (FAMILY, SUBTITLE_FONT))
        .margin(8)
        .x_label_area_size(32)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range.0..x_range.1, lo..hi)
        .map_err(err)?;
    let y_fmt = move |v: &f64| crate::rules::finding::num(if log { 10f64.powf(*v) } else { *v });
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(&panel.y_label)
        .label_style((FAMILY, AXIS_FONT))
        .axis_desc_style((FAMILY, LABEL_FONT))
        .y_label_formatter(&y_fmt)
        .y_labels(if log { ((hi - lo).ceil() as usize + 1).clamp(3, 10) } else { 8 })
        .x_label_formatter(&|v| crate::rules::finding::pos(*v))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;

    for (i, (x0, x1, sev, rule)) in ann.spans.iter().enumerate() {
        let (a, b) = (x0.max(x_range.0), x1.min(x_range.1));
        let b = if b - a < (x_range.1 - x_range.0) * 0.004 { a + (x_range.1 - x_range.0) * 0.004 } else { b };
        chart.draw_series(std::iter::once(Rectangle::new([(a, lo), (b, hi)], shade(*sev).mix(SHADE_ALPHA).filled()))).map_err(err)?;
        if label_spans {
            chart
                .draw_series(std::iter::once(Text::new(
                    rule.to_string(),
                    (a, hi - (hi - lo) * SPAN_LABEL_STEP * i as f64),
                    (FAMILY, LABEL_FONT).into_font().color(&shade(*sev).mix(0.9)),
                )))
                .map_err(err)?;
        }
    }
    if let Some((a, b, _)) = &panel.band {
        let (a, b) = (ty(log, *a), ty(log, *b));
        chart.draw_series(std::iter::once(Rectangle::new([(x_range.0, a), (x_range.1, b)], LR.mix(0.10).filled()))).map_err(err)?;
    }
    if let Some((v, _)) = &panel.reference {
        let v = ty(log, *v);
        chart.draw_series(DashedLineSeries::new([(x_range.0, v), (x_range.1, v)], 6, 4, REFERENCE.stroke_width(1))).map_err(err)?;
    }
    if let Some(b) = ann.best {
        chart.draw_series(DashedLineSeries::new([(b, lo), (b, hi)], 5, 3, BEST.stroke_width(2))).map_err(err)?;
    }
    for t in &panel.ticks {
        let h = (hi - lo) * 0.06;
        chart.draw_series(std::iter::once(PathElement::new(vec![(*t, lo), (*t, lo + h)], LR.stroke_width(2)))).map_err(err)?;
    }

    let clamp = |y: f64| y.clamp(lo, hi);
    for line in &panel.lines {
        let y: Vec<f64> = line.y.iter().map(|&v| ty(log, v)).collect();
        let pts: Vec<(f64, f64)> = line.x.iter().copied().zip(y).filter(|p| p.1.is_finite()).collect();
        // Dense zig-zags drawn thick grow miter spikes in the bitmap backend: one pixel wide is exact.
        let style = line.color.stroke_width(if pts.len() > columns && line.mark != Mark::Smooth { 1 } else { LINE_WIDTH });
        match line.mark {
            Mark::Faint => {
                chart
                    .draw_series(pts.iter().map(|&(x, y)| Circle::new((x, clamp(y)), RAW_POINT_SIZE, line.color.mix(RAW_ALPHA).filled())))
                    .map_err(err)?;
            }
            Mark::Line | Mark::Smooth | Mark::LineWithMarkers => {
                chart.draw_series(LineSeries::new(pts.iter().map(|&(x, y)| (x, clamp(y))), style)).map_err(err)?;
                if line.mark == Mark::LineWithMarkers && pts.len() <= 400 {
                    chart
                        .draw_series(pts.iter().map(|&(x, y)| Circle::new((x, clamp(y)), MARKER_SIZE, line.color.filled())))
                        .map_err(err)?;
                }
            }
        }
        // Outliers beyond the range: a triangle at the edge they were clipped to.
        let clipped: Vec<(f64, f64)> = pts.iter().filter(|p| p.1 > hi || p.1 < lo).map(|&(x, y)| (x, clamp(y))).collect();
        chart.draw_series(clipped.iter().map(|&p| TriangleMarker::new(p, 5, line.color.filled()))).map_err(err)?;
        // Non-finite values: a red cross at the top edge, never silently dropped.
        chart.draw_series(line.bad_x.iter().map(|&x| Cross::new((x, hi), 5, NON_FINITE.stroke_width(2)))).map_err(err)?;
    }

    // Legend beside the plot.
    let mut y = 40;
    let entry = |text: &str, color: RGBColor, y: i32, dashed: bool| -> Result<(), String> {
        let style = color.stroke_width(if dashed { 1 } else { LINE_WIDTH });
        if text.ends_with("(raw)") {
            legend_area.draw(&Circle::new((22, y), 2, color.mix(RAW_ALPHA * 2.0).filled())).map_err(err)?;
        } else {
            legend_area.draw(&PathElement::new(vec![(8, y), (36, y)], style)).map_err(err)?;
        }
        legend_area.draw(&Text::new(text.to_string(), (44, y - 7), (FAMILY, LABEL_FONT))).map_err(err)
    };
    for line in &panel.lines {
        let label = if line.mark == Mark::Faint { format!("{} (raw)", line.label) } else { line.label.clone() };
        entry(&label, line.color, y, false)?;
        y += 20;
    }
    if let Some((_, text)) = &panel.reference {
        entry(text, REFERENCE, y, true)?;
        y += 20;
    }
    if let Some((_, _, text)) = &panel.band {
        entry(text, LR, y, false)?;
        y += 20;
    }
    if ann.best.is_some() {
        entry("best epoch", BEST, y, true)?;
    }
    Ok(())
}
