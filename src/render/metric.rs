//! The accuracy (or other metric) panel: train and validation together, as the lecture asks.

use super::axis::ChartAxis;
use super::panel::{Line, Mark, Panel};
use super::style::{TRAIN, VALIDATION};
use crate::rules::RunView;

/// The metric panel, train and validation together; `None` when no metric can be drawn.
pub fn panel(view: &RunView, axis: &ChartAxis, columns: usize) -> Option<Panel> {
    let mut lines = Vec::new();
    for (pick, color) in [(view.train_metric, TRAIN), (view.val_metric, VALIDATION)] {
        let Some(p) = pick else { continue };
        let s = p.series;
        lines.extend(Line::of(s.name.clone(), color, &s.x, &s.values, Mark::LineWithMarkers, s.axis, axis, columns));
    }
    if lines.is_empty() {
        return None;
    }
    let name = view.val_metric.or(view.train_metric).map(|p| p.series.name.clone()).unwrap_or_default();
    Some(Panel { title: format!("metric ({name})"), y_label: "metric".into(), lines, ..Panel::default() })
}
