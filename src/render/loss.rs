//! The loss panel: raw per-step train loss as faint points with its EMA as a
//! line over them, per-epoch train loss and validation loss as lines with
//! markers, and `ln(C)` dashed when the class count is known.

use super::axis::ChartAxis;
use super::panel::{Line, Mark, Panel};
use super::style::{SMOOTH_UNITS, SMOOTH_WEIGHT, TRAIN, VALIDATION};
use crate::rules::RunView;
use crate::smooth::EmaTimeWeighted;

/// The loss panel of `view`'s run; `None` when no loss can be drawn.
pub fn panel(view: &RunView, axis: &ChartAxis, classes: Option<u32>, columns: usize) -> Option<Panel> {
    let mut lines = Vec::new();
    if let Some(fine) = view.train_loss_fine.filter(|p| !p.epoch_level) {
        let s = fine.series;
        // The EMA line, the longest job of the chart, first: this thread starts on it and
        // another core takes the raw points.
        let (smooth, raw) = crate::parallel::join(
            crate::parallel::worth_it(view.run),
            || {
                // Time-weighted, so the smoothing horizon is a fixed share of the chart however densely the run logged.
                let span = s.x.last().zip(s.x.first()).map_or(1.0, |(b, a)| (b - a).abs()).max(f64::MIN_POSITIVE);
                let smooth = EmaTimeWeighted::new(&s.x, &s.values, SMOOTH_WEIGHT, span / SMOOTH_UNITS);
                Line::of_iter(format!("{} (EMA)", s.name), TRAIN, &s.x, smooth, Mark::Smooth, s.axis, axis, columns)
            },
            || Line::of(s.name.clone(), TRAIN, &s.x, &s.values, Mark::Faint, s.axis, axis, columns),
        );
        lines.extend(raw);
        lines.extend(smooth);
    }
    for (pick, color) in [(view.train_loss.filter(|p| p.epoch_level), TRAIN), (view.val_loss, VALIDATION)] {
        if let Some(p) = pick {
            let s = p.series;
            lines.extend(Line::of(s.name.clone(), color, &s.x, &s.values, Mark::LineWithMarkers, s.axis, axis, columns));
        }
    }
    if lines.is_empty() {
        return None;
    }
    let log_y = wide_range(&lines);
    Some(Panel {
        title: if log_y { "loss (log scale: it spans many decades)".into() } else { "loss".into() },
        y_label: if log_y { "loss (log)".into() } else { "loss".into() },
        log_y,
        lines,
        reference: classes.map(|c| (f64::from(c).ln(), format!("ln({c}) = initial loss"))),
        ..Panel::default()
    })
}

/// Losses spanning at least this ratio (e.g. an explosion to 1e14) are drawn on a log scale.
const LOG_SCALE_RATIO: f64 = 1e3;

/// True when every loss is positive and the bulk of them spans `LOG_SCALE_RATIO` or more.
fn wide_range(lines: &[Line]) -> bool {
    // Raw per-step points are noise around their EMA; the lines decide. A sample of at most
    // WIDE_RANGE_SAMPLE values per line is enough to judge the spread of millions.
    let mut v: Vec<f64> = lines
        .iter()
        .filter(|l| l.mark != Mark::Faint)
        .flat_map(|l| l.y.iter().step_by(l.y.len().div_ceil(WIDE_RANGE_SAMPLE).max(1)).copied())
        .filter(|y| y.is_finite())
        .collect();
    if v.is_empty() || v.iter().any(|y| *y <= 0.0) {
        return false;
    }
    v.sort_unstable_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    q(0.999) / q(0.001) >= LOG_SCALE_RATIO
}

/// Values per line sampled to decide the loss axis scale.
const WIDE_RANGE_SAMPLE: usize = 100_000;
