//! The learning-rate panel: log scale, with each drop to half or less marked at the bottom.

use super::axis::ChartAxis;
use super::panel::{Line, Mark, Panel};
use super::style::LR;
use crate::rules::RunView;

/// A fall to this fraction of the previous rate or less is a drop worth marking.
const DROP: f64 = 0.5;

/// The learning-rate panel; `None` when the run logs no learning rate or it cannot be placed on the chart's axis.
pub fn panel(view: &RunView, axis: &ChartAxis, columns: usize) -> Option<Panel> {
    let s = view.lr?.series;
    let line = Line::of(s.name.clone(), LR, &s.x, &s.values, Mark::Line, s.axis, axis, columns)?;
    let ticks = (1..s.len())
        .filter(|&i| s.values[i] <= DROP * s.values[i - 1] && s.values[i] > 0.0)
        .filter_map(|i| axis.convert(s.axis, s.x[i]))
        .collect();
    Some(Panel { title: "learning rate".into(), y_label: "lr (log)".into(), log_y: true, lines: vec![line], ticks, ..Panel::default() })
}
