//! The fallback panel for a run with no loss, metric or rate the rules know:
//! its first few series as they are, so every run still gets a picture.

use super::axis::ChartAxis;
use super::panel::{Line, Mark, Panel};
use super::style::RUN_COLORS;
use crate::model::Run;

/// At most this many series share the fallback panel.
const MAX_SERIES: usize = 5;

/// The run's first `MAX_SERIES` non-empty series that can be placed on the chart's axis;
/// `None` when there is none.
pub fn panel(run: &Run, axis: &ChartAxis, columns: usize) -> Option<Panel> {
    let lines: Vec<Line> = run
        .series
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| Line::of(s.name.clone(), RUN_COLORS[0], &s.x, &s.values, Mark::Line, s.axis, axis, columns))
        .take(MAX_SERIES)
        .enumerate()
        .map(|(i, mut l)| {
            l.color = RUN_COLORS[i % RUN_COLORS.len()];
            l
        })
        .collect();
    (!lines.is_empty()).then(|| Panel { title: "curves".into(), y_label: "value".into(), lines, ..Panel::default() })
}
