//! # still-improving
//!
//! ## What it detects
//! At the end of the run both training and validation were still clearly
//! improving: over the last `window_frac` of the evaluations (at least four),
//! the robust (Theil–Sen) trend of every logged train/validation loss falls
//! by `loss_fall` or more and of every accuracy rises by `metric_rise` or
//! more, and validation ends at its best (accuracy within `near_best`; a run
//! without a validation metric, loss within 10% of its minimum).
//!
//! ## Why it matters
//! The lecture's fourth curve: when train and validation accuracy are both
//! still rising, training stopped too early and the model is better than
//! the run shows only if it is allowed to continue.
//!
//! ## Example
//! Last 4 of 10 epochs: val accuracy 0.33 → 0.50, train loss 1.14 → 0.88,
//! val loss 1.18 → 0.92, and no sign of flattening.
//!
//! ## What to try
//! Train longer (more epochs, or a longer schedule so the decay comes later);
//! resume from the last checkpoint if the schedule allows.
//!
//! ## Options

use super::finding::{num, pos};
use super::stats::{oriented, theil_sen};
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct StillImproving;

const PARAMS: &[Param] = &[
    Param { name: "window_frac", default: 0.3, doc: "the trend is judged over this last fraction of the evaluations" },
    Param { name: "loss_fall", default: 0.10, doc: "losses fell by at least this fraction across the window" },
    Param { name: "metric_rise", default: 0.02, doc: "accuracies (0–1) rose by at least this across the window" },
    Param { name: "near_best", default: 0.01, doc: "validation accuracy ends within this of its best" },
];

/// Without a validation metric, validation loss ends within this fraction of its minimum.
const NEAR_BEST_LOSS: f64 = 0.10;
/// The window holds at least this many evaluations.
const MIN_WINDOW: usize = 4;

impl Rule for StillImproving {
    fn id(&self) -> &'static str {
        "still-improving"
    }
    fn summary(&self) -> &'static str {
        "train and validation still clearly improving at the end (train longer)"
    }
    fn source(&self) -> &'static str {
        include_str!("still_improving.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence", "overfitting"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

/// Change across the window by the Theil–Sen trend, relative to the trend's start for losses.
fn trend_change(x: &[f64], y: &[f64]) -> f64 {
    theil_sen(x, y) * (x[x.len() - 1] - x[0])
}

fn detect(ctx: &Ctx) -> Option<Finding> {
    let v = ctx.view;
    let t = &v.table;
    let axis = t.axis?;
    let n = t.len();
    if n < MIN_WINDOW || (t.val_loss.is_none() && t.val_metric.is_none()) {
        return None;
    }
    let w = ((ctx.p("window_frac") * n as f64).ceil() as usize).clamp(MIN_WINDOW, n);
    let ws = n - w;
    let x = &t.x[ws..];
    let mut evidence: Vec<(&'static str, f64)> = Vec::new();
    let loss_fall = ctx.p("loss_fall");
    for (name, col) in [("train_loss_fall", &t.train_loss), ("val_loss_fall", &t.val_loss)] {
        if let Some(c) = col {
            let y = &c[ws..];
            if y.iter().any(|v| !v.is_finite()) {
                return None;
            }
            let fall = -trend_change(x, y) / y[0].abs().max(1e-12);
            if fall < loss_fall {
                return None;
            }
            evidence.push((name, fall));
        }
    }
    let lower = t.metric_lower_is_better;
    for (name, col) in [("train_metric_rise", &t.train_metric), ("val_metric_rise", &t.val_metric)] {
        if let Some(c) = col {
            let y = oriented(&c[ws..], lower);
            let rise = trend_change(x, &y);
            if rise.is_nan() || rise < ctx.p("metric_rise") {
                return None;
            }
            evidence.push((name, rise));
        }
    }
    // Validation ends at (or next to) its best: nothing has turned yet.
    if let (Some(vl), None) = (t.val_loss.as_ref(), t.val_metric.as_ref()) {
        let best = vl.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
        if vl[n - 1].min(vl[n - 2]) > best * (1.0 + NEAR_BEST_LOSS) {
            return None;
        }
    }
    if let Some(vm) = t.val_metric.as_ref() {
        let o = oriented(vm, lower);
        let best = o.iter().copied().filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max);
        if o[n - 1] < best - ctx.p("near_best") && o[n - 2].max(o[n - 1]) < best - ctx.p("near_best") {
            return None;
        }
    }
    if evidence.is_empty() {
        return None;
    }
    let mut f = Finding::new("still-improving", Severity::Warning, Span { axis, start: t.x[ws], end: t.x[n - 1] })
        .confidence((0.5 + evidence.len() as f64 * 0.1).min(0.9))
        .message(format!(
            "over the last {w} evaluations ({} {}–{}) every curve is still improving: {}.",
            axis.as_str(),
            pos(t.x[ws]),
            pos(t.x[n - 1]),
            evidence
                .iter()
                .map(|(k, v)| if k.ends_with("fall") { format!("{} −{:.0}%", k.trim_end_matches("_fall"), v * 100.0) } else { format!("{} +{}", k.trim_end_matches("_rise"), num(*v)) })
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .advice("Train longer: more epochs, or a longer schedule so the learning-rate decay comes later; resume from the last checkpoint if you can.");
    for (k, val) in evidence {
        f = f.evidence(k, val);
    }
    for p in [v.train_loss, v.val_loss, v.train_metric, v.val_metric].into_iter().flatten() {
        f = f.series(&p.series.name);
    }
    Some(f)
}
