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
mod panel;
pub mod style;
mod update_ratio;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::RunReport;
use crate::rules::{RunView, Severity};
use axis::ChartAxis;
use panel::{Annotations, Panel};
use style::*;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{path}: the chart file must end in .png or .svg")]
    Extension { path: String },
    #[error("{path}: run '{run}' has no curve to draw")]
    Empty { path: String, run: String },
    #[error("{path}: cannot draw the chart: {message}")]
    Draw { path: String, message: String },
}

/// The file name for one run's chart: `{run}` in `pattern` becomes the run's
/// name, made safe for a file name (so a column called `../../x` never becomes a path).
pub fn chart_path(pattern: &Path, run_name: &str) -> PathBuf {
    let safe: String = run_name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let safe = safe.trim_start_matches('.').to_string();
    PathBuf::from(pattern.to_string_lossy().replace("{run}", if safe.is_empty() { "run" } else { &safe }))
}

/// Draws one run's annotated chart to `path` (.png or .svg).
pub fn render(report: &RunReport, path: &Path, classes: Option<u32>) -> Result<(), RenderError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let p = || path.display().to_string();
    if ext != "png" && ext != "svg" {
        return Err(RenderError::Extension { path: p() });
    }
    let view = RunView::new(&report.run);
    let axis = ChartAxis::for_view(&view);
    let panels: Vec<Panel> =
        [loss::panel(&view, &axis, classes), metric::panel(&view, &axis), lr::panel(&view, &axis), update_ratio::panel(&view, &axis)]
            .into_iter()
            .flatten()
            .collect();
    if panels.is_empty() {
        return Err(RenderError::Empty { path: p(), run: report.run.name.clone() });
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
    let title = format!("{} — {}", report.run.name, report.verdict());
    register_font();
    let draw_err = |message: String| RenderError::Draw { path: p(), message };
    if ext == "png" {
        let root = BitMapBackend::new(path, (WIDTH, height)).into_drawing_area();
        draw_all(&root, &title, &panels, &ann, x_range, axis.label()).map_err(draw_err)?;
        root.present().map_err(|e| draw_err(e.to_string()))?;
    } else {
        let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
        draw_all(&root, &title, &panels, &ann, x_range, axis.label()).map_err(draw_err)?;
        root.present().map_err(|e| draw_err(e.to_string()))?;
    }
    Ok(())
}

fn draw_all<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    panels: &[Panel],
    ann: &Annotations,
    x_range: (f64, f64),
    x_label: &str,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (head, mut rest) = root.split_vertically(TITLE_HEIGHT);
    head.draw(&Text::new(title.to_string(), (16, 18), (FAMILY, TITLE_FONT))).map_err(|e| e.to_string())?;
    for (i, p) in panels.iter().enumerate() {
        let h = if i == 0 { LOSS_PANEL_HEIGHT } else { PANEL_HEIGHT };
        let (area, below) = rest.split_vertically(h);
        panel::draw(&area, p, ann, x_range, x_label, i == 0)?;
        rest = below;
    }
    Ok(())
}
