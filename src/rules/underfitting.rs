//! # underfitting
//!
//! ## What it detects
//! The model converged without learning much: over the last `window_frac` of
//! the run the training loss changed by less than `converged` and validation
//! accuracy by less than `acc_change`; train and validation are close (gap in
//! accuracy at most `gap`, and losses within `loss_gap`); and the training loss
//! ends at `poor_frac` of its initial value or more — it barely fell from
//! where it started.
//!
//! ## Why it matters
//! The lecture's sixth curve: no gap between train and validation, both poor.
//! The model cannot even fit the training data, so regularisation, early
//! stopping or more data will not help; it needs more capacity or less
//! constraint.
//!
//! ## Example
//! Loss 1.40 → 1.16 (of ln 4 = 1.39) and flat for 40 epochs; train accuracy
//! 0.42, validation 0.42.
//!
//! ## What to try
//! A bigger model (wider or deeper layers, no bottleneck), less
//! regularisation (weight decay, dropout), train longer at a higher rate; the
//! lecture's step 2 (overfit a small sample) tells whether the model can fit
//! at all.
//!
//! ## Options

use super::finding::{num, pos};
use super::stats::{mean, oriented, tail_mean};
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct Underfitting;

const PARAMS: &[Param] = &[
    Param { name: "window_frac", default: 0.3, doc: "convergence is judged over this last fraction of the run" },
    Param { name: "converged", default: 0.05, doc: "converged: the training loss changed by less than this fraction over the window" },
    Param { name: "acc_change", default: 0.02, doc: "…and validation accuracy by less than this" },
    Param { name: "gap", default: 0.05, doc: "train and validation accuracy (mean of the last 3) within this of each other" },
    Param { name: "loss_gap", default: 0.15, doc: "validation and training loss (mean of the last 3) within this fraction of each other" },
    Param { name: "poor_frac", default: 0.5, doc: "poor: the final training loss is at least this fraction of the initial loss" },
];

/// Fewest evaluations to judge convergence.
const MIN_POINTS: usize = 6;

impl Rule for Underfitting {
    fn id(&self) -> &'static str {
        "underfitting"
    }
    fn summary(&self) -> &'static str {
        "train and validation close together and both poor, converged"
    }
    fn source(&self) -> &'static str {
        include_str!("underfitting.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence", "premature-decay", "flat-start"]
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
    let tl = t.train_loss.as_ref()?;
    if n < MIN_POINTS || tl.iter().any(|x| !x.is_finite()) || (t.val_loss.is_none() && t.val_metric.is_none()) {
        return None;
    }
    let ws = n - ((ctx.p("window_frac") * n as f64).ceil() as usize).clamp(3, n);
    let half = ws + (n - ws) / 2;
    let (early, late) = (mean(&tl[ws..half]), mean(&tl[half..]));
    let change = (early - late) / early;
    if change.abs() >= ctx.p("converged") {
        return None;
    }
    let lower = t.metric_lower_is_better;
    let vm = t.val_metric.as_ref().map(|m| oriented(m, lower));
    if let Some(vm) = vm.as_ref() {
        if (mean(&vm[half..]) - mean(&vm[ws..half])).abs() >= ctx.p("acc_change") {
            return None;
        }
    }
    let tm = t.train_metric.as_ref().map(|m| oriented(m, lower));
    // No gap: accuracies close, and losses close (validation far below training is regularisation, not underfitting).
    let loss_gap = t.val_loss.as_ref().map(|vl| (tail_mean(vl, 3) - tail_mean(tl, 3)) / tail_mean(tl, 3));
    if loss_gap.is_some_and(|g| g.abs() > ctx.p("loss_gap")) {
        return None;
    }
    let acc_gap = match (tm.as_ref(), vm.as_ref()) {
        (Some(tm), Some(vm)) => Some(tail_mean(tm, 3) - tail_mean(vm, 3)),
        _ => None,
    };
    if acc_gap.is_some_and(|g| g.abs() > ctx.p("gap")) {
        return None;
    }
    let gap = acc_gap.or(loss_gap)?;
    let final_loss = tail_mean(tl, 3);
    let initial = v.initial_loss().unwrap_or(tl[0]).max(tl[0]);
    let kept = final_loss / initial;
    if kept < ctx.p("poor_frac") {
        return None;
    }
    let mut f = Finding::new("underfitting", Severity::Warning, Span { axis, start: t.x[ws], end: t.x[n - 1] })
        .confidence((0.5 + (kept - ctx.p("poor_frac"))).clamp(0.5, 0.9))
        .evidence("final_train_loss", final_loss)
        .evidence("initial_loss", initial)
        .evidence("final_over_initial", kept)
        .evidence("train_loss_change_in_window", change)
        .evidence(if tm.is_some() && vm.is_some() { "final_accuracy_gap" } else { "final_loss_gap" }, gap)
        .message(format!(
            "training loss ended at {} ({:.0}% of its initial {}) and has not moved since {} {}; train and validation are close{}.",
            num(final_loss),
            kept * 100.0,
            num(initial),
            axis.as_str(),
            pos(t.x[ws]),
            match (t.train_metric.as_ref(), t.val_metric.as_ref()) {
                (Some(a), Some(b)) => format!(" (metric {} vs {})", num(tail_mean(a, 3)), num(tail_mean(b, 3))),
                _ => String::new(),
            }
        ))
        .advice("The model cannot fit even the training data: use a bigger model (wider/deeper, no bottleneck), less regularisation (weight decay, dropout), or a higher learning rate for longer.");
    for p in [v.train_loss, v.val_loss, v.train_metric, v.val_metric].into_iter().flatten() {
        f = f.series(&p.series.name);
    }
    Some(f)
}
