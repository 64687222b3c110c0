//! The chart's shared x axis, and y ranges that ignore extreme outliers.

use super::style::RANGE_QUANTILES;
use crate::model::Axis;
use crate::rules::{RunView, Span};

/// Which unit the chart's x axis counts, and how to bring every series onto it.
///
/// One convention for every format: a point sits where it was measured.
/// Per-epoch values (Keras, Lightning: epoch `e` is the 0-based index) are
/// measured at the end of their epoch, so on an epoch axis a step `s` sits at
/// `(s + 1) / steps_per_epoch - 1`: the last step of epoch `e` lands exactly
/// on `e`. Where the epoch counts progress (Hugging Face: 1.0 = one epoch
/// done), a step sits at `s / steps_per_epoch`.
#[derive(Debug, Clone, Copy)]
pub struct ChartAxis {
    pub axis: Axis,
    steps_per_epoch: Option<f64>,
    progress: bool,
}

impl ChartAxis {
    pub fn for_view(view: &RunView) -> Self {
        let fine = view.fine_loss();
        let axis = view.table.axis.or(fine.map(|s| s.axis)).unwrap_or(Axis::Step);
        let spe = view.steps_per_epoch().or_else(|| {
            // No epoch column beside the steps: estimate from the number of evaluated epochs.
            let steps = fine.filter(|s| s.axis == Axis::Step)?;
            let last = *steps.x.last()?;
            let epochs = view.table.x.iter().copied().filter(|v| v.is_finite()).fold(f64::NAN, f64::max);
            (view.table.axis == Some(Axis::Epoch) && epochs >= 0.0).then(|| (last + 1.0) / (epochs + 1.0))
        });
        ChartAxis { axis, steps_per_epoch: spe, progress: view.run.epoch_is_progress }
    }

    /// One x value from `from` units to the chart's.
    pub fn convert(&self, from: Axis, x: f64) -> Option<f64> {
        match (from, self.axis, self.steps_per_epoch) {
            (a, b, _) if a == b => Some(x),
            (Axis::Step, Axis::Epoch, Some(spe)) if self.progress => Some(x / spe),
            (Axis::Epoch, Axis::Step, Some(spe)) if self.progress => Some(x * spe),
            (Axis::Step, Axis::Epoch, Some(spe)) => Some((x + 1.0) / spe - 1.0),
            (Axis::Epoch, Axis::Step, Some(spe)) => Some((x + 1.0) * spe - 1.0),
            _ => None,
        }
    }

    pub fn span(&self, span: &Span) -> Option<(f64, f64)> {
        Some((self.convert(span.axis, span.start)?, self.convert(span.axis, span.end)?))
    }

    pub fn label(&self) -> &'static str {
        self.axis.as_str()
    }
}

/// A y range covering the data but not its extreme outliers: the
/// `RANGE_QUANTILES` quantiles, widened to the true minimum/maximum when those
/// lie within twice the quantile range (so ordinary data is never clipped),
/// then padded by 5%.
///
/// ```
/// use curvecheck::render::axis::robust_range;
/// let mut y: Vec<f64> = (0..1000).map(|i| 1.0 - i as f64 / 2000.0).collect();
/// y[0] = 1e4; // a first-step loss that must not flatten the rest
/// let (lo, hi) = robust_range(&y).unwrap();
/// assert!(hi < 2.0 && lo < 0.6);
/// ```
pub fn robust_range(values: &[f64]) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let (qlo, qhi) = (q(RANGE_QUANTILES.0), q(RANGE_QUANTILES.1));
    let spread = (qhi - qlo).max(qhi.abs().max(qlo.abs()) * 1e-3).max(1e-12);
    let (min, max) = (v[0], v[v.len() - 1]);
    let lo = if min >= qlo - 2.0 * spread { min } else { qlo };
    let hi = if max <= qhi + 2.0 * spread { max } else { qhi };
    let pad = ((hi - lo) * 0.05).max(spread * 0.05);
    Some((lo - pad, hi + pad))
}
