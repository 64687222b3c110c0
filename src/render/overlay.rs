//! One chart with every run's validation curve, so runs can be compared at a
//! glance (the report's first chart); a legend names each run.

use plotters::prelude::*;

use super::panel::{self, Annotations, Line, Mark, Panel};
use super::style::*;
use super::RenderError;
use crate::diagnosis::Diagnosis;
use crate::model::Axis;

/// Which validation curve to overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// The validation metric (accuracy, mAP, …) of each run's evaluation table.
    Metric,
    /// The validation loss of each run's evaluation table.
    Loss,
}

/// Every run's validation metric (or loss) at its evaluations, as an SVG
/// document; `None` when fewer than one run has that curve.
pub fn svg(reports: &[&Diagnosis], curve: Curve) -> Result<Option<String>, RenderError> {
    let mut lines = Vec::new();
    let mut axes = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let view = r.view();
        let t = &view.table;
        let column = match curve {
            Curve::Metric => t.val_metric.as_ref(),
            Curve::Loss => t.val_loss.as_ref(),
        };
        let (Some(y), Some(axis)) = (column, t.axis) else { continue };
        axes.push(axis);
        lines.push(Line::new(r.run.name.clone(), RUN_COLORS[i % RUN_COLORS.len()], t.x.clone(), y.clone(), Mark::Line));
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let x_label = if axes.iter().all(|a| *a == Axis::Epoch) {
        "epoch"
    } else if axes.iter().all(|a| *a == Axis::Step) {
        "step"
    } else {
        "step or epoch (as each run logs)"
    };
    let xs = lines.iter().flat_map(|l| l.x.iter().copied()).filter(|x| x.is_finite());
    let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let x_range = if x1 > x0 { (x0, x1) } else { (x0 - 0.5, x0 + 0.5) };
    let (title, y_label) = match curve {
        Curve::Metric => ("validation metric, every run", "metric"),
        Curve::Loss => ("validation loss, every run", "loss"),
    };
    let height = OVERLAY_HEIGHT.max(80 + 20 * lines.len() as u32);
    let mut p = Panel { title: title.into(), y_label: y_label.into(), lines, ..Panel::default() };
    p.lines.iter_mut().for_each(|l| l.thin(COMPACT_COLUMNS));
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        let draw_err = |message: String| RenderError::Draw { path: "overlay".into(), message };
        root.fill(&WHITE).map_err(|e| draw_err(e.to_string()))?;
        panel::draw(&root, &p, &Annotations::default(), x_range, x_label, false, COMPACT_COLUMNS).map_err(draw_err)?;
        root.present().map_err(|e| draw_err(e.to_string()))?;
    }
    Ok(Some(out))
}
