//! Annotated learning-curve charts (PNG or SVG, by the file's extension).
//!
//! One image per run: stacked panels that share the x axis (loss; metric;
//! learning rate; update ratio — each only when logged), every warning or
//! error finding shaded over its span and labelled with its rule id, the best
//! epoch as a dashed vertical line, `ln(C)` dashed when `--classes` is given.
//! Long runs are drawn through the spike-preserving [`downsample::m4`], so a
//! million points cost about as much as a few thousand.

pub mod axis;
pub mod downsample;
mod loss;
mod lr;
mod metric;
mod other;
pub mod overlay;
mod panel;
pub mod style;
pub mod sweep;
mod update_ratio;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::diagnosis::Diagnosis;
use crate::parallel::join;
use crate::rules::{RunView, Severity};
use axis::ChartAxis;
use panel::{Annotations, Panel};
use style::*;

/// Why a chart could not be drawn. `path` names the chart file; for a chart drawn
/// in memory it is the run's name (`overlay` for the overlay chart).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The file's extension names no format a chart can be written in.
    #[error("{path}: the chart file must end in .png or .svg")]
    Extension {
        /// The chart file as given.
        path: String,
    },
    /// The run has no series to draw: no loss, metric, rate nor any other curve.
    #[error("{path}: run '{run}' has no curve to draw")]
    Empty {
        /// The chart file as given.
        path: String,
        /// The run's name.
        run: String,
    },
    /// plotters failed to draw the chart or to write the file.
    #[error("{path}: cannot draw the chart: {message}")]
    Draw {
        /// The chart file, or the run's name for a chart drawn in memory.
        path: String,
        /// plotters' error, as text.
        message: String,
    },
}

/// The file name for one run's chart: `{run}` in `pattern` becomes the run's
/// name, made safe for a file name (so a column called `../../x` never becomes a path).
pub fn chart_path(pattern: &Path, run_name: &str) -> PathBuf {
    let safe: String = run_name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let safe = safe.trim_start_matches('.').to_string();
    PathBuf::from(pattern.to_string_lossy().replace("{run}", if safe.is_empty() { "run" } else { &safe }))
}

/// How much of every curve a chart draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every pixel column (M4) and the raw per-step points: chart files.
    Full,
    /// Fewer columns and no raw points: charts inlined by the dozen in a report.
    Compact,
}

impl Detail {
    fn columns(self) -> usize {
        match self {
            Detail::Full => (WIDTH - LEGEND_WIDTH) as usize,
            Detail::Compact => COMPACT_COLUMNS,
        }
    }
}

/// Everything a chart shows, before it meets a backend.
struct Chart {
    title: String,
    panels: Vec<Panel>,
    ann: Annotations,
    x_range: (f64, f64),
    x_label: &'static str,
    height: u32,
    columns: usize,
}

/// A chart's curves thinned to its pixel columns: everything the chart shows
/// that does not depend on the findings, so `diagnose --plot` builds it while
/// the rules run (see [`crate::diagnosis::Diagnosis::new_with`]).
#[derive(Debug, Clone)]
pub struct Curves {
    axis: ChartAxis,
    panels: Vec<Panel>,
    detail: Detail,
}

/// The curves of the chart of the run `view` looks at.
pub fn curves(view: &RunView, classes: Option<u32>, detail: Detail) -> Curves {
    let axis = ChartAxis::for_view(view);
    // Lines are thinned to the chart's pixel columns as they are built (see `Line::of`).
    let columns = detail.columns();
    // Each panel thins its own curves (millions of points on a long run): built side by side.
    let par = crate::parallel::worth_it(view.run);
    let ((loss, metric), (lr, ratio)) = join(
        par,
        || join(par, || loss::panel(view, &axis, classes, columns), || metric::panel(view, &axis, columns)),
        || join(par, || lr::panel(view, &axis, columns), || update_ratio::panel(view, &axis, columns)),
    );
    let mut panels: Vec<Panel> = [loss, metric, lr, ratio].into_iter().flatten().collect();
    if detail == Detail::Compact {
        for p in &mut panels {
            p.lines.retain(|l| l.mark != panel::Mark::Faint);
        }
    }
    if panels.is_empty() {
        panels.extend(other::panel(view.run, &axis, columns));
    }
    Curves { axis, panels, detail }
}

fn prepare(report: &Diagnosis, classes: Option<u32>, detail: Detail) -> Option<Chart> {
    chart(report, curves(&report.view(), classes, detail))
}

/// The curves with the report's findings: spans shaded, best epoch marked, verdict in the title.
fn chart(report: &Diagnosis, curves: Curves) -> Option<Chart> {
    let Curves { axis, panels, detail } = curves;
    let columns = detail.columns();
    if panels.is_empty() {
        return None;
    }
    let mut ann = Annotations::default();
    for f in &report.findings {
        match (f.rule, f.severity) {
            ("best-epoch", _) => ann.best = axis.convert(f.span.axis, f.span.start),
            (_, s) if s >= Severity::Warning => {
                if let Some((a, b)) = axis.span(&f.span) {
                    ann.spans.push((a, b, f.severity, f.rule));
                }
            }
            _ => {}
        }
    }
    let xs = panels.iter().flat_map(|p| p.lines.iter().flat_map(|l| l.x.iter().copied())).filter(|x| x.is_finite());
    let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let x_range = if x1 > x0 { (x0, x1) } else { (x0 - 0.5, x0 + 0.5) };
    let height = TITLE_HEIGHT + LOSS_PANEL_HEIGHT + PANEL_HEIGHT * (panels.len() as u32 - 1);
    Some(Chart {
        title: format!("{} — {}", report.run.name, report.verdict()),
        panels,
        ann,
        x_range,
        x_label: axis.label(),
        height,
        columns,
    })
}

/// Draws one run's annotated chart to `path` (.png or .svg).
pub fn render(report: &Diagnosis, path: &Path, classes: Option<u32>) -> Result<(), RenderError> {
    render_curves(report, curves(&report.view(), classes, Detail::Full), path)
}

/// [`render`] with the curves already built (by [`curves`] on the report's run).
pub fn render_curves(report: &Diagnosis, curves: Curves, path: &Path) -> Result<(), RenderError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let p = || path.display().to_string();
    if ext != "png" && ext != "svg" {
        return Err(RenderError::Extension { path: p() });
    }
    let chart = chart(report, curves).ok_or_else(|| RenderError::Empty { path: p(), run: report.run.name.clone() })?;
    register_font();
    let draw_err = |message: String| RenderError::Draw { path: p(), message };
    if ext == "png" {
        let root = BitMapBackend::new(path, (WIDTH, chart.height)).into_drawing_area();
        draw_all(&root, &chart).map_err(draw_err)?;
        root.present().map_err(|e| draw_err(e.to_string()))?;
    } else {
        let root = SVGBackend::new(path, (WIDTH, chart.height)).into_drawing_area();
        draw_all(&root, &chart).map_err(draw_err)?;
        root.present().map_err(|e| draw_err(e.to_string()))?;
    }
    Ok(())
}

/// One run's annotated chart as an SVG document (for inlining in a report); `None` when it has no curve.
pub fn svg_string(report: &Diagnosis, classes: Option<u32>, detail: Detail) -> Result<Option<String>, RenderError> {
    let Some(chart) = prepare(report, classes, detail) else { return Ok(None) };
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, chart.height)).into_drawing_area();
        let draw_err = |message: String| RenderError::Draw { path: report.run.name.clone(), message };
        draw_all(&root, &chart).map_err(draw_err)?;
        root.present().map_err(|e| draw_err(e.to_string()))?;
    }
    Ok(Some(out))
}

fn draw_all<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (head, mut rest) = root.split_vertically(TITLE_HEIGHT);
    head.draw(&Text::new(chart.title.clone(), (16, 18), (FAMILY, TITLE_FONT))).map_err(|e| e.to_string())?;
    for (i, p) in chart.panels.iter().enumerate() {
        let h = if i == 0 { LOSS_PANEL_HEIGHT } else { PANEL_HEIGHT };
        let (area, below) = rest.split_vertically(h);
        panel::draw(&area, p, &chart.ann, chart.x_range, chart.x_label, i == 0, chart.columns)?;
        rest = below;
    }
    Ok(())
}
