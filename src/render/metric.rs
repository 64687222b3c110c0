//! The accuracy (or other metric) panel: train and validation together, as the lecture asks.

use super::axis::ChartAxis;
use super::panel::{Line, Mark, Panel};
use super::style::{TRAIN, VALIDATION};
use crate::rules::RunView;

pub fn panel(view: &RunView, axis: &ChartAxis) -> Option<Panel> {
    let mut lines = Vec::new();
    for (pick, color) in [(view.train_metric, TRAIN), (view.val_metric, VALIDATION)] {
        let Some(p) = pick else { continue };
        if let Some(x) = axis.xs(p.series) {
            lines.push(Line::new(p.series.name.clone(), color, x, p.series.values.clone(), Mark::LineWithMarkers));
        }
    }
    if lines.is_empty() {
        return None;
    }
    let name = view.val_metric.or(view.train_metric).map(|p| p.series.name.clone()).unwrap_or_default();
    Some(Panel { title: format!("metric ({name})"), y_label: "metric".into(), lines, ..Panel::default() })
}
