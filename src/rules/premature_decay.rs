//! # premature-decay
//!
//! ## What it detects
//! A step decay of the learning rate that came while the training loss was
//! still clearly falling, after which progress stalled. It reads the
//! learning rate and the training loss per epoch, or, when a run has too few
//! evaluations for that (Detectron2, an iteration axis), per logged step:
//! - a step: the rate drops to at most `drop_ratio` of its previous value
//!   between two logged points (after a constant stretch or at the end of a
//!   warm-up alike);
//! - before it the loss was still falling: per epoch, by `fall_before` in the
//!   epoch before (Theil–Sen trend over up to four epochs at the old rate) and
//!   `fall_before_abs` of the first epoch's loss; per step, by `fall_before`
//!   over a stretch before the decay as long as the stretch after it;
//! - after it the loss stalled: its pace is at most `slope_ratio` of the pace
//!   before.
//!
//! Never fires on a cut that came after the validation loss had stopped
//! improving (ReduceLROnPlateau does exactly that, and is right to).
//!
//! ## Why it matters
//! The lecture's third curve: decaying too early freezes the model where it
//! is. The loss was still dropping at the old rate, so the rate was not yet
//! too large; after the cut each step is too small to make progress, and the
//! run ends much higher than it would have.
//!
//! ## Example
//! `lr: 0.01 0.01 0.0001 …`, loss `1.35 1.21 1.10 1.10 1.10 …`: the loss fell
//! 10% in the epoch before the decay and 0.2% per epoch after it.
//!
//! ## What to try
//! Keep the initial rate longer: move the decay to where the loss flattens
//! (or use a cosine/linear schedule, or ReduceLROnPlateau, which decays only
//! once the loss stops improving).
//!
//! ## Options

use super::curve::Curve;
use super::finding::{num, pos};
use super::stats::theil_sen;
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct PrematureDecay;

params! {
    /// The thresholds of `premature-decay`, each settable with `--set premature-decay.NAME=VALUE`.
    PrematureDecayParams {
        drop_ratio: 0.5 => "a step decay leaves at most this fraction of the previous rate",
        fall_before: 0.07 => "before the decay, the loss fell by at least this fraction in one epoch",
        fall_before_abs: 0.035 => "…and by at least this fraction of the first epoch's loss",
        slope_ratio: 0.3 => "after the decay, the per-epoch fall is at most this fraction of the fall before it",
        min_after: 3.0 => "epochs (rows) that must follow the decay to judge the stall",
    }
}

/// The pre-decay trend is read from at most this many rows before the decay.
const PRE_DECAY_ROWS: usize = 4;
/// Rates within this relative distance count as the same rate.
const SAME_RATE: f64 = 0.01;

impl Rule for PrematureDecay {
    fn id(&self) -> &'static str {
        "premature-decay"
    }
    fn summary(&self) -> &'static str {
        "an LR drop came while the loss was still clearly falling, and progress stalled after it"
    }
    fn reads(&self) -> &'static str {
        "the learning rate and training loss per epoch, or per logged step when evaluations are few; the validation loss"
    }
    fn source(&self) -> &'static str {
        include_str!("premature_decay.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        PrematureDecayParams::TABLE
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

/// A decay and the paces around it: the evidence both readings report.
struct Decay {
    at: f64,
    before: f64,
    after: f64,
    fall_rel: f64,
    slope_before: f64,
    slope_after: f64,
    ratio: f64,
}

impl Decay {
    fn finding(&self, span: Span) -> Finding {
        Finding::new("premature-decay", Severity::Warning, span)
            .evidence("decay_at", self.at)
            .evidence("lr_before", self.before)
            .evidence("lr_after", self.after)
            .evidence("fall_before_rel", self.fall_rel)
            .evidence("slope_before", self.slope_before)
            .evidence("slope_after", self.slope_after)
            .evidence("slope_ratio", self.ratio)
    }
}

fn detect(ctx: &Ctx) -> Option<Finding> {
    per_epoch(ctx).or_else(|| per_step(ctx))
}

/// A run with too few evaluations for rows per epoch: the per-step loss and rate.
fn per_step(ctx: &Ctx) -> Option<Finding> {
    let th = PrematureDecayParams::read(ctx);
    let v = ctx.view;
    let min_after = th.min_after.max(1.0) as usize;
    if v.table.len() >= 3 + min_after {
        return None;
    }
    let s = v.fine_loss()?;
    let lr_s = v.lr?.series;
    let loss = Curve::all_finite(&s.x, &s.values)?;
    if lr_s.axis != s.axis {
        return None;
    }
    let lr = crate::rules::view::align_last(&s.x, &lr_s.x, &lr_s.values);
    let n = s.len();
    let d = (1..n).find(|&i| lr[i].is_finite() && lr[i - 1].is_finite() && lr[i - 1] > 0.0 && lr[i] <= th.drop_ratio * lr[i - 1])?;
    let Curve { x, y } = loss;
    // Compare like with like: a stretch before the decay as long as the one after it.
    let after_len = x[n - 1] - x[d];
    let b0 = x.partition_point(|&xi| xi < x[d] - after_len);
    if n - d < min_after.max(4) || d - b0 < 4 {
        return None;
    }
    let slope_before = -theil_sen(&x[b0..d], &y[b0..d]);
    let slope_after = -theil_sen(&x[d..], &y[d..]);
    let fall_rel = slope_before * (x[d - 1] - x[b0]) / y[b0];
    let ratio = slope_after / slope_before;
    super::trace("premature-decay", || format!("per step: decay at {}, fall before {fall_rel}, slope ratio {ratio}", x[d]));
    if fall_rel < th.fall_before || ratio > th.slope_ratio {
        return None;
    }
    let (prev, cur) = (lr[d - 1], lr[d]);
    let axis = s.axis;
    Some(
        Decay { at: x[d], before: prev, after: cur, fall_rel, slope_before, slope_after, ratio }
            .finding(Span { axis, start: x[d], end: x[n - 1] })
            .confidence((0.9 - ratio.max(0.0)).clamp(0.5, 0.9))
            .series(&s.name)
            .series(&lr_s.name)
            .message(format!(
                "the learning rate dropped from {} to {} at {} {} while {} was still falling ({:.0}% over the {} {}s before); afterwards it moved at {:.0}% of that pace.",
                num(prev),
                num(cur),
                axis.as_str(),
                pos(x[d]),
                s.name,
                fall_rel * 100.0,
                pos(x[d - 1] - x[b0]),
                axis.as_str(),
                ratio.max(0.0) * 100.0
            ))
            .advice(format!("Decay later: keep {} until the loss flattens (it was still dropping at {} {}), or let ReduceLROnPlateau decide when.", num(prev), axis.as_str(), pos(x[d]))),
    )
}

fn per_epoch(ctx: &Ctx) -> Option<Finding> {
    let th = PrematureDecayParams::read(ctx);
    let v = ctx.view;
    let t = &v.table;
    let axis = t.axis?;
    let (lr, loss) = (t.lr.as_ref()?, t.train_loss.as_ref()?);
    let n = t.len();
    let min_after = th.min_after.max(1.0) as usize;
    if n < 3 + min_after || loss.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // A cut after the validation loss stopped improving (ReduceLROnPlateau) is not premature.
    let val_stalled_before = |d: usize| {
        t.val_loss.as_ref().is_some_and(|vl| {
            let k = PRE_DECAY_ROWS.min(d.saturating_sub(1));
            let before = vl[..d - k].iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
            let recent = vl[d - k..d].iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
            k > 0 && recent >= before
        })
    };
    let same = |a: f64, b: f64| (a - b).abs() <= SAME_RATE * a.abs().max(b.abs());
    for d in 2..n - min_after {
        let (before, prev, cur) = (lr[d - 2], lr[d - 1], lr[d]);
        if !(cur.is_finite() && prev.is_finite() && prev > 0.0)
            || cur > th.drop_ratio * prev
            || !same(before, prev)
            || val_stalled_before(d)
        {
            continue;
        }
        // The pre-decay trend over up to PRE_DECAY_ROWS rows at the old rate, robust to one noisy epoch.
        let first = (0..d).rev().take(PRE_DECAY_ROWS).take_while(|&i| same(lr[i], prev)).last().unwrap_or(d - 1).min(d - 2);
        let slope_before = -theil_sen(&t.x[first..d], &loss[first..d]);
        let fall = slope_before * (t.x[d - 1] - t.x[d - 2]);
        let fall_rel = fall / loss[d - 1];
        let fall_abs = fall / loss[0];
        if fall_rel < th.fall_before || fall_abs < th.fall_before_abs {
            continue;
        }
        let last = n - 1;
        let after_rows = (last - (d + 1)) as f64;
        let slope_after = if after_rows > 0.0 { (loss[d + 1] - loss[last]) / (t.x[last] - t.x[d + 1]) } else { 0.0 };
        let ratio = slope_after / slope_before;
        if ratio > th.slope_ratio {
            continue;
        }
        let lr_name = v.lr.map(|p| p.series.name.as_str()).unwrap_or("lr");
        let loss_name = v.train_loss.map(|p| p.series.name.as_str()).unwrap_or("loss");
        return Some(
            Decay { at: t.x[d], before: prev, after: cur, fall_rel, slope_before, slope_after, ratio }
                .finding(Span { axis, start: t.x[d], end: t.x[last] })
                .confidence((0.95 - ratio).clamp(0.5, 0.95))
                .series(loss_name)
                .series(lr_name)
                .message(format!(
                    "the learning rate dropped from {} to {} at {} {} while {loss_name} was still falling {:.1}% per {}; afterwards it fell only {} per {} ({:.0}% of the pace before).",
                    num(prev),
                    num(cur),
                    axis.as_str(),
                    pos(t.x[d]),
                    fall_rel * 100.0,
                    axis.as_str(),
                    num(slope_after.max(0.0)),
                    axis.as_str(),
                    ratio.max(0.0) * 100.0
                ))
                .advice(format!(
                    "Decay later: keep {} until the loss flattens (it was still dropping at {} {}), or let ReduceLROnPlateau decide when.",
                    num(prev),
                    axis.as_str(),
                    pos(t.x[d])
                )),
        );
    }
    None
}
