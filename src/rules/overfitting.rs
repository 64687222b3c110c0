//! # overfitting
//!
//! ## What it detects
//! Validation stopped improving and turned worse while training kept
//! improving, leaving a large gap: the (smoothed) validation loss reached its
//! minimum at least `min_after_frac` of the run before the end and rose by
//! `vloss_rise`× since; the training loss kept falling (or train accuracy
//! kept rising); the final train–validation gap is large (`gap` in accuracy,
//! or validation loss `loss_gap`× the training loss); validation accuracy has
//! stalled (its Theil–Sen trend over the last 30% rises less than
//! `val_metric_rise`). Logs with a validation metric but no
//! validation loss are judged on the metric's fall from its best.
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
use super::stats::{argmin, oriented, tail_mean, theil_sen};
use super::{Ctx, Finding, Param, Rule, Severity, Span};
use crate::smooth::sma_centered;

pub struct Overfitting;

const PARAMS: &[Param] = &[
    Param { name: "vloss_rise", default: 1.2, doc: "the validation loss at the end is at least this many times its minimum" },
    Param { name: "min_after_frac", default: 0.15, doc: "the minimum lies at least this fraction of the evaluations before the end" },
    Param { name: "gap", default: 0.10, doc: "final train accuracy minus validation accuracy (mean of the last 3) of at least this much" },
    Param {
        name: "loss_gap",
        default: 1.5,
        doc: "without accuracies: the final validation loss is at least this many times the training loss",
    },
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
        doc: "without validation loss: the validation metric ended this fraction worse than its best",
    },
];

/// At least this many evaluations must follow the validation optimum.
const MIN_AFTER_POINTS: usize = 2;
/// Fewest evaluations to judge a trend from.
const MIN_POINTS: usize = 5;
/// Validation curves with at least this many points are smoothed (3-point centred mean) before taking the minimum.
const SMOOTH_FROM: usize = 10;
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

fn detect(ctx: &Ctx) -> Option<Finding> {
    let v = ctx.view;
    let t = &v.table;
    let axis = t.axis?;
    let n = t.len();
    if n < MIN_POINTS {
        return None;
    }
    let smooth = |c: &[f64]| {
        if n >= SMOOTH_FROM {
            sma_centered(c, 3)
        } else {
            c.to_vec()
        }
    };
    let lower = t.metric_lower_is_better;
    let val_m = t.val_metric.as_ref().map(|m| oriented(m, lower));
    let train_m = t.train_metric.as_ref().map(|m| oriented(m, lower));
    let min_after = MIN_AFTER_POINTS.max((ctx.p("min_after_frac") * n as f64).ceil() as usize);

    // Where validation peaked, and how far it fell since.
    let (m, worsening, worsening_name) = if let Some(vl) = t.val_loss.as_ref() {
        let (m, vmin) = argmin(&smooth(vl))?;
        let rise = tail_mean(vl, 3) / vmin;
        if vmin.is_nan() || vmin <= 0.0 || rise.is_nan() || rise < ctx.p("vloss_rise") {
            return None;
        }
        (m, rise, "val_loss_rise")
    } else {
        let vm = val_m.as_ref()?;
        let (m, best) = super::stats::argmax(&smooth(vm))?;
        let drop = (best - tail_mean(vm, 3)) / best.abs().max(1e-12);
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
    if !improving {
        return None;
    }

    // A large gap at the end.
    let gap = match (train_m.as_ref(), val_m.as_ref()) {
        (Some(tm), Some(vm)) => {
            let g = tail_mean(tm, 3) - tail_mean(vm, 3);
            if g < ctx.p("gap") {
                return None;
            }
            g
        }
        _ => {
            let (tl, vl) = (t.train_loss.as_ref()?, t.val_loss.as_ref()?);
            let ratio = tail_mean(vl, 3) / tail_mean(tl, 3);
            if ratio < ctx.p("loss_gap") {
                return None;
            }
            ratio
        }
    };
    // Validation accuracy has stalled: a loss that rises while accuracy still climbs is over-confidence, not yet overfitting.
    if let (Some(vm), Some(_)) = (val_m.as_ref(), t.val_loss.as_ref()) {
        let w = ((STALL_WINDOW_FRAC * n as f64).ceil() as usize).clamp(3, n);
        let rise = theil_sen(&t.x[n - w..], &vm[n - w..]) * (t.x[n - 1] - t.x[n - w]);
        if rise >= ctx.p("val_metric_rise") {
            return None;
        }
    }

    let last = n - 1;
    let names: Vec<&str> =
        [v.val_loss, v.val_metric, v.train_loss, v.train_metric].into_iter().flatten().map(|p| p.series.name.as_str()).collect();
    let gap_text = if train_m.is_some() && val_m.is_some() {
        format!("the train–validation accuracy gap is {:.2}", gap)
    } else {
        format!("validation loss ends {}x the training loss", num(gap))
    };
    let worse_text = if worsening_name == "val_loss_rise" {
        format!("validation loss was lowest at {} {} and has risen {:.0}% since", axis.as_str(), pos(t.x[m]), (worsening - 1.0) * 100.0)
    } else {
        format!("the validation metric peaked at {} {} and has fallen {:.0}% since", axis.as_str(), pos(t.x[m]), worsening * 100.0)
    };
    let mut f = Finding::new("overfitting", Severity::Warning, Span { axis, start: t.x[m], end: t.x[last] })
        .confidence((0.5 + (worsening - 1.0).abs().min(0.4)).min(0.95))
        .evidence("onset", t.x[m])
        .evidence(worsening_name, worsening)
        .evidence(if train_m.is_some() && val_m.is_some() { "final_accuracy_gap" } else { "final_loss_ratio" }, gap)
        .message(format!("{worse_text}, while training kept improving; {gap_text}."))
        .advice(format!(
            "Keep the checkpoint from {} {} (early stopping), and add regularisation (weight decay, dropout, augmentation) or more data.",
            axis.as_str(),
            pos(t.x[m])
        ));
    if let Some(g) = train_loss_gain {
        f = f.evidence("train_loss_end_over_onset", g);
    }
    for name in names {
        f = f.series(name);
    }
    Some(f)
}
