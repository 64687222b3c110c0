//! # overfitting
//!
//! ## What it detects
//! Validation turned worse while training kept improving. It reads the
//! validation loss (or, without one, the headline validation metric) per
//! evaluation, beside the training loss (or accuracy) at the same points:
//! - the validation loss ended (mean of the last 3) `vloss_rise`× above its
//!   minimum, and that minimum lies at least `min_after_frac` of the
//!   evaluations before the end: a sustained rise, gap or no gap, larger
//!   than 3× the curve's noise (robust sd of its point-to-point changes); or it rose
//!   `weak_rise`× above its 3-point smoothed minimum, by 2× the noise, and a second sign agrees:
//!   the validation metric fell `metric_drop` from its best, or the
//!   train–validation gap grew large and doubled since the optimum (accuracy
//!   gap of `gap` where both accuracies are logged, else a loss ratio of `loss_gap`);
//! - training kept improving after the minimum (its loss ended below
//!   `train_gain` of its value there, or its accuracy still rose);
//! - validation accuracy has stalled: a loss that rises while accuracy still
//!   climbs `val_metric_rise` over the last 30% is over-confidence, not yet
//!   overfitting.
//!
//! Without a validation loss, the metric must have fallen `metric_drop` from
//! its best, with a train–validation accuracy gap of `gap` when both are
//! logged. The span starts at the validation optimum. Never fires on a minimum in the last evaluations, on
//! noise around a flat validation loss, or when training stopped improving.
//!
//! ## Why it matters
//! The lecture's fifth curve: a large and growing gap between train and
//! validation means the model memorises the training set. Every epoch past
//! the validation optimum makes the model worse on new data.
//!
//! ## Example
//! Validation loss 0.29 at epoch 5, 1.30 at epoch 99; train loss 0.41 → 0.0004;
//! train accuracy 1.00 against validation 0.76.
//!
//! ## What to try
//! Keep the checkpoint from the validation optimum (see `best-epoch`; early
//! stopping does this), add regularisation (weight decay, dropout, data
//! augmentation), use more training data, or a smaller model.
//!
//! ## Options

use super::finding::{num, pos};
use super::stats::{argmax, argmin, noise_sd, oriented, tail_mean, theil_sen};
use super::{Ctx, Finding, Param, Rule, Severity, Span};
use crate::smooth::sma_centered;

pub struct Overfitting;

const PARAMS: &[Param] = &[
    Param { name: "vloss_rise", default: 1.2, doc: "the validation loss at the end (mean of the last 3) is at least this many times its minimum" },
    Param { name: "weak_rise", default: 1.1, doc: "…or at least this many times, while the validation metric fell `metric_drop` from its best" },
    Param {
        name: "loss_gap",
        default: 1.5,
        doc: "a second sign beside a moderate rise: the validation loss ends this many times the training loss (and the ratio at least doubled)",
    },
    Param { name: "min_after_frac", default: 0.15, doc: "the minimum lies at least this fraction of the evaluations before the end" },
    Param { name: "gap", default: 0.10, doc: "a large accuracy gap: final train minus validation accuracy (mean of the last 3) of at least this much" },
    Param {
        name: "train_gain",
        default: 0.8,
        doc: "training kept improving after the minimum: its loss ended below this fraction of its value there",
    },
    Param {
        name: "val_metric_rise",
        default: 0.03,
        doc: "validation accuracy still rising this much over the last 30% of the run means it has not stalled",
    },
    Param {
        name: "metric_drop",
        default: 0.05,
        doc: "the validation metric ended this fraction worse than its best",
    },
];

/// At least this many evaluations must follow the validation optimum.
const MIN_AFTER_POINTS: usize = 2;
/// Fewest evaluations to judge a trend from.
const MIN_POINTS: usize = 5;
/// Validation accuracy must have stalled over this last fraction of the run.
const STALL_WINDOW_FRAC: f64 = 0.3;
/// An accuracy this high means the training set is memorised.
const MEMORISED_ACC: f64 = 0.98;

impl Rule for Overfitting {
    fn id(&self) -> &'static str {
        "overfitting"
    }
    fn summary(&self) -> &'static str {
        "train keeps improving while validation worsens; large, growing gap"
    }
    fn reads(&self) -> &'static str {
        "the validation loss and headline metric per evaluation, the training loss and accuracy at the same points"
    }
    fn source(&self) -> &'static str {
        include_str!("overfitting.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

/// The train–validation loss ratio must have grown this much since the optimum to count as a growing gap.
const GAP_GROWTH: f64 = 2.0;
/// A change counts only when it is this many times the curve's noise (see [`noise_sd`]).
const NOISE_Z: f64 = 3.0;
/// …or this many times, for a moderate rise that a second, independent sign confirms.
const WEAK_NOISE_Z: f64 = 2.0;

fn detect(ctx: &Ctx) -> Option<Finding> {
    let v = ctx.view;
    let t = &v.table;
    let axis = t.axis?;
    let n = t.len();
    if n < MIN_POINTS {
        return None;
    }
    let lower = t.metric_lower_is_better;
    let val_m = t.val_metric.as_ref().map(|m| oriented(m, lower));
    let train_m = t.train_metric.as_ref().map(|m| oriented(m, lower));
    let min_after = MIN_AFTER_POINTS.max((ctx.p("min_after_frac") * n as f64).ceil() as usize);
    // How far the validation metric ended below its best, relative to the best, when that is more than noise.
    let metric_drop = val_m.as_ref().and_then(|vm| {
        let (b, best) = argmax(vm)?;
        let end = tail_mean(vm, 3);
        let drop = (best - end) / best.abs().max(1e-12);
        (drop.is_finite() && best - end > NOISE_Z * noise_sd(&vm[b.saturating_sub(1)..])).then_some(drop)
    });

    // Where validation peaked, and how far it fell since.
    let (m, worsening, worsening_name) = if let Some(vl) = t.val_loss.as_ref() {
        // The minimum as a person reads it off the chart; the rise must stand out of the noise.
        let (m, vmin) = argmin(vl)?;
        let end = tail_mean(vl, 3);
        if !(vmin > 0.0 && end.is_finite()) {
            return None;
        }
        // Noise where it matters: from the minimum on (the steep early descent is not noise).
        let noise = noise_sd(&vl[m.saturating_sub(1)..]);
        let clear = end - vmin > NOISE_Z * noise;
        let rise = end / vmin;
        // A moderate rise is judged from the 3-point smoothed minimum (one low point is not a level),
        // and must stand out of the noise too, if less strongly: a second sign has to agree with it.
        let smin = argmin(&sma_centered(vl, 3)).map_or(vmin, |(_, s)| s);
        let smoothed_rise = if end - smin > WEAK_NOISE_Z * noise { end / smin } else { 1.0 };
        let (tl_end, tl_at) = match t.train_loss.as_ref() {
            Some(tl) => (tail_mean(tl, 3), tl[m]),
            None => (f64::NAN, f64::NAN),
        };
        // The train–validation gap is large and has at least doubled since the optimum: in accuracy where
        // both are logged (the lecture's reading), else in loss. Not at the first evaluation: its training
        // value is an average over the epoch in which most learning happened.
        let gap_grew = m > 0
            && match (train_m.as_ref(), val_m.as_ref()) {
                (Some(tm), Some(vm)) => {
                    let (g_end, g_at) = (tail_mean(tm, 3) - tail_mean(vm, 3), tm[m] - vm[m]);
                    g_end >= ctx.p("gap") && g_end >= GAP_GROWTH * g_at.max(0.0)
                }
                _ => end / tl_end >= ctx.p("loss_gap") && (end / tl_end) >= GAP_GROWTH * (vmin / tl_at),
            };
        let second_sign = metric_drop.is_some_and(|d| d >= ctx.p("metric_drop")) || gap_grew;
        super::trace("overfitting", || {
            format!("val loss min {vmin} at {}, rise {rise} (clear {clear}), smoothed rise {smoothed_rise}, metric drop {metric_drop:?}, gap grew {gap_grew}", t.x[m])
        });
        let strong = clear && rise >= ctx.p("vloss_rise");
        let agreeing = smoothed_rise >= ctx.p("weak_rise") && second_sign;
        if !strong && !agreeing {
            return None;
        }
        let rise = if strong { rise } else { smoothed_rise };
        (m, rise, "val_loss_rise")
    } else {
        let vm = val_m.as_ref()?;
        let (m, _) = argmax(vm)?;
        let drop = metric_drop?;
        if drop < ctx.p("metric_drop") {
            return None;
        }
        (m, drop, "val_metric_drop")
    };
    if n - 1 - m < min_after {
        return None;
    }

    // Training kept improving after that point.
    let train_loss_gain = t.train_loss.as_ref().map(|tl| tail_mean(tl, 3) / tl[m]);
    let train_acc = train_m.as_ref().map(|tm| (tail_mean(tm, 3), tm[m]));
    let improving = train_loss_gain.is_some_and(|g| g <= ctx.p("train_gain"))
        || train_acc.is_some_and(|(end, at)| end >= at + 0.02 || end >= MEMORISED_ACC);
    super::trace("overfitting", || format!("train gain {train_loss_gain:?}, train acc {train_acc:?}"));
    if !improving {
        return None;
    }

    // The gap at the end: required only when the metric alone shows the turn.
    let gap = match (train_m.as_ref(), val_m.as_ref()) {
        (Some(tm), Some(vm)) => Some(tail_mean(tm, 3) - tail_mean(vm, 3)),
        _ => None,
    };
    if t.val_loss.is_none() && gap.is_some_and(|g| g < ctx.p("gap")) {
        return None;
    }
    // Validation accuracy has stalled: a loss that rises while accuracy still climbs is over-confidence, not yet overfitting.
    if let (Some(vm), Some(_)) = (val_m.as_ref(), t.val_loss.as_ref()) {
        let w = ((STALL_WINDOW_FRAC * n as f64).ceil() as usize).clamp(3, n);
        let rise = theil_sen(&t.x[n - w..], &vm[n - w..]) * (t.x[n - 1] - t.x[n - w]);
        super::trace("overfitting", || format!("val metric trend over the last {w}: {rise}"));
        if rise >= ctx.p("val_metric_rise") {
            return None;
        }
    }

    let last = n - 1;
    let names: Vec<&str> =
        [v.val_loss, v.val_metric, v.train_loss, v.train_metric].into_iter().flatten().map(|p| p.series.name.as_str()).collect();
    let gap_text = match gap {
        Some(g) => format!("; the train–validation accuracy gap is {g:.2}"),
        None => String::new(),
    };
    let train_text = match train_loss_gain {
        Some(g) => format!("training loss fell to {}% of its value there", num(g * 100.0)),
        None => "training accuracy kept rising".to_string(),
    };
    let worse_text = if worsening_name == "val_loss_rise" {
        let metric = match metric_drop {
            Some(d) if d >= ctx.p("metric_drop") => format!(" and the validation metric ended {:.0}% below its best", d * 100.0),
            _ => String::new(),
        };
        format!(
            "validation loss was lowest at {} {} and has risen {:.0}% since{metric}",
            axis.as_str(),
            pos(t.x[m]),
            (worsening - 1.0) * 100.0
        )
    } else {
        format!("the validation metric peaked at {} {} and has fallen {:.0}% since", axis.as_str(), pos(t.x[m]), worsening * 100.0)
    };
    let strength = if worsening_name == "val_loss_rise" { worsening - 1.0 } else { worsening * 2.0 };
    let mut f = Finding::new("overfitting", Severity::Warning, Span { axis, start: t.x[m], end: t.x[last] })
        .confidence((0.5 + strength.abs().min(0.4)).min(0.95))
        .evidence("onset", t.x[m])
        .evidence(worsening_name, worsening)
        .message(format!("{worse_text}, while {train_text}{gap_text}."))
        .advice(format!(
            "Keep the checkpoint from {} {} (early stopping), and add regularisation (weight decay, dropout, augmentation) or more data.",
            axis.as_str(),
            pos(t.x[m])
        ));
    if let Some(g) = gap {
        f = f.evidence("final_accuracy_gap", g);
    }
    if let Some(d) = metric_drop {
        f = f.evidence("val_metric_drop_from_best", d);
    }
    if let Some(g) = train_loss_gain {
        f = f.evidence("train_loss_end_over_onset", g);
    }
    for name in names {
        f = f.series(name);
    }
    Some(f)
}
