//! The update/weight ratio panel: log scale, with the lecture's healthy band around 1e-3 shaded.

use super::axis::ChartAxis;
use super::panel::{Line, Mark, Panel};
use super::style::{HEALTHY_RATIO, RATIO};
use crate::rules::RunView;

/// The update-ratio panel; `None` when the run logs no update ratio or it cannot be placed on the chart's axis.
pub fn panel(view: &RunView, axis: &ChartAxis, columns: usize) -> Option<Panel> {
    let s = view.update_ratio?.series;
    let line = Line::of(s.name.clone(), RATIO, &s.x, &s.values, Mark::Line, s.axis, axis, columns)?;
    Some(Panel {
        title: "update / weight ratio".into(),
        y_label: "ratio (log)".into(),
        log_y: true,
        lines: vec![line],
        band: Some((HEALTHY_RATIO.0, HEALTHY_RATIO.1, "healthy (~1e-3)".into())),
        ..Panel::default()
    })
}
