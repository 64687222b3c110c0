//! # flat-start
//!
//! ## What it detects
//! The training loss sits flat near its initial value for a while (at least
//! two epochs and a few percent of the run), then drops suddenly to half of
//! it or lower.
//!
//! ## Why it matters
//! The lecture names this shape's prime suspect: a bad weight initialisation.
//! Signals vanish through too-small weights, so the network needs many steps
//! to find a direction; a good init would have started learning at once and
//! saved that time (and deeper nets may never escape).
//!
//! ## Example
//! Epoch losses `0.693 0.697 0.697 0.696 0.640 0.111 …` (binary task,
//! ln 2 = 0.693): flat for epochs 0–4, then a sudden drop at epoch 5.
//!
//! A learning-rate warm-up during the flat span explains the shape instead,
//! so the rule stays silent then.
//!
//! ## What to try
//! Use an initialisation scaled for the activation (Kaiming/He for ReLU,
//! Xavier/Glorot for tanh), or add normalisation layers; check that the init
//! you set is the one that runs.
//!
//! ## Options

use super::curve::Curve;
use super::finding::{num, pos};
use super::stats::mean;
use super::{Ctx, Finding, Param, Rule, Severity, Span};
use crate::smooth::SmaCentered;

pub struct FlatStart;

params! {
    /// The thresholds of `flat-start`, each settable with `--set flat-start.NAME=VALUE`.
    FlatStartParams {
        band: 0.10 => "flat means the smoothed loss stays within this fraction of its initial value",
        half_dev: 0.03 => "halfway through the flat span the loss is still within this fraction (a flat start, not a slow decline)",
        min_flat_epochs: 2.0 => "the flat span lasts at least this many epochs",
        min_flat_frac: 0.03 => "…and at least this fraction of the run",
        drop_to: 0.5 => "the drop reaches this fraction of the initial loss",
        drop_window: 2.0 => "…within this many times max(flat span, 3 epochs) after the flat span ends",
        smooth_epochs: 0.25 => "moving-average window over per-step losses, in epochs",
    }
}

/// The LR rising to at least this many times its first value during the flat span is a warm-up.
const WARM_UP_RISE: f64 = 2.0;
/// Per-step logs without epochs are smoothed over this fraction of the points.
const SMOOTH_FRAC_WITHOUT_EPOCHS: f64 = 0.01;

impl Rule for FlatStart {
    fn id(&self) -> &'static str {
        "flat-start"
    }
    fn summary(&self) -> &'static str {
        "loss flat near its initial value for a while, then a sudden drop (suspect the init)"
    }
    fn reads(&self) -> &'static str {
        "the training loss per step (smoothed over a quarter epoch) or per epoch; the learning rate, for a warm-up"
    }
    fn source(&self) -> &'static str {
        include_str!("flat_start.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        FlatStartParams::TABLE
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

fn detect(ctx: &Ctx) -> Option<Finding> {
    let th = FlatStartParams::read(ctx);
    let v = ctx.view;
    let s = v.fine_loss()?;
    // How the run began: the points up to its first NaN, if it ever has one.
    let Curve { x, y } = Curve::until_non_finite(&s.x, &s.values)?;
    let n = y.len();
    if n < 4 {
        return None;
    }
    let per_step = v.train_loss_fine.is_some_and(|p| !p.epoch_level);
    let spe = if per_step { v.steps_per_epoch() } else { Some(1.0) };
    let window = match (per_step, spe) {
        (false, _) => 1,
        (true, Some(spe)) => ((spe * th.smooth_epochs).round() as usize).max(1),
        (true, None) => ((n as f64 * SMOOTH_FRAC_WITHOUT_EPOCHS) as usize).max(1),
    };
    // The smoothed curve is streamed: only the flat stretch is kept (its midpoint is checked below).
    let k = if per_step { 5.min(n) } else { 1 };
    let mut stream = SmaCentered::new(y, window);
    let mut sm: Vec<f64> = stream.by_ref().take(k).collect();
    let init = mean(&sm);
    if !(init.is_finite() && init > 0.0) {
        return None;
    }
    let band = th.band;
    let crosses = |v: f64| (v - init).abs() > band * init;
    // Where the smoothed loss first leaves the band: among the first k points, or further on in the stream.
    let first_cross = match sm.iter().position(|&v| crosses(v)) {
        Some(i) => Some(i),
        None => stream
            .by_ref()
            .position(|v| {
                sm.push(v);
                crosses(v)
            })
            .map(|j| k + j),
    };
    let flat_end = first_cross.unwrap_or(n).checked_sub(1)?;
    if flat_end + 1 >= n {
        return None;
    }
    // Length in x units; an epoch-level point stands for a whole epoch.
    let unit = spe.unwrap_or(0.0);
    let flat_len = x[flat_end] - x[0] + if per_step { 0.0 } else { 1.0 };
    let run_len = x[n - 1] - x[0] + if per_step { 0.0 } else { 1.0 };
    if flat_len < th.min_flat_epochs * unit || flat_len < th.min_flat_frac * run_len {
        return None;
    }
    let half_x = x[0] + (x[flat_end] - x[0]) / 2.0;
    let half_i = x.partition_point(|&xi| xi < half_x).min(flat_end);
    let half_dev = (sm[half_i] - init).abs() / init;
    if half_dev > th.half_dev {
        return None;
    }
    let drop_to = th.drop_to * init;
    // `sm` holds the points up to the crossing; the stream goes on from `sm.len()`.
    let (drop_i, dropped_to) = match (flat_end + 1..sm.len()).find(|&i| sm[i] <= drop_to) {
        Some(i) => (i, sm[i]),
        None => stream.enumerate().find(|&(_, v)| v <= drop_to).map(|(j, v)| (sm.len() + j, v))?,
    };
    let allowed = th.drop_window * flat_len.max(3.0 * unit);
    let drop_len = x[drop_i] - x[flat_end];
    if drop_len > allowed {
        return None;
    }
    if warm_up_during(ctx, x[0], x[flat_end]) {
        return None;
    }
    let axis = s.axis;
    let epochs = |len: f64| if unit > 0.0 { len / unit } else { f64::NAN };
    Some(
        Finding::new("flat-start", Severity::Warning, Span { axis, start: x[0], end: x[drop_i] })
            .confidence(if per_step { 0.85 } else { 0.7 })
            .series(&s.name)
            .evidence("initial_loss", init)
            .evidence("flat_until", x[flat_end])
            .evidence("flat_epochs", epochs(flat_len))
            .evidence("half_span_deviation", half_dev)
            .evidence("dropped_to", dropped_to)
            .evidence("drop_at", x[drop_i])
            .message(format!(
                "{} stayed within ±{:.0}% of its initial {} from {} {} to {}, then fell to {} by {}.",
                s.name,
                band * 100.0,
                num(init),
                axis.as_str(),
                pos(x[0]),
                pos(x[flat_end]),
                num(dropped_to),
                pos(x[drop_i])
            ))
            .advice(
                "A flat start followed by a sudden drop is the classic sign of a poor weight initialisation. \
                 Use Kaiming/He init for ReLU or Xavier/Glorot for tanh, or add normalisation layers, and check the init actually applied.",
            ),
    )
}

/// A learning-rate warm-up over the flat span explains it: the net waits for its rate, not for a better init.
fn warm_up_during(ctx: &Ctx, from: f64, to: f64) -> bool {
    let Some(lr) = ctx.view.lr.map(|p| p.series) else { return false };
    let mut in_span = lr.x.iter().zip(&lr.values).filter(|(x, v)| **x >= from && **x <= to && v.is_finite()).map(|(_, v)| *v);
    let Some(first) = in_span.next() else { return false };
    in_span.any(|v| v >= WARM_UP_RISE * first)
}
