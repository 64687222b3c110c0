//! # underfitting
//!
//! ## What it detects
//! The model learned little and is not going to learn more as it is. It
//! reads the training loss per evaluation (or per logged interval), the
//! validation loss and the headline metric beside it, in three ways:
//! - **never moved**: the training loss stayed within `never_band` of its
//!   first value for the whole run (the model learned nothing: the recipe's
//!   step 3, find a learning rate that makes the loss go down);
//! - **never learned on validation**: a bounded validation metric (accuracy,
//!   AP, Dice, IoU, F1, or an error rate such as WER) is poor at the end and
//!   its best is within `never_gain` of its first value;
//! - **converged poor, no gap** (the lecture's sixth curve): over the last
//!   `window_frac` of the run the training loss changed by less than
//!   `converged` and the validation metric by less than `acc_change`; train
//!   and validation are close (accuracy within `gap`, losses within
//!   `loss_gap`); and the result is poor: the training loss barely fell
//!   (it ended at `barely_frac` of its first logged value or more), or a
//!   bounded metric ends below `poor_metric` of its scale (the train metric
//!   where logged), or a classifier's loss that started at chance (ln 2, or
//!   ln C with `--classes C`) ended at `poor_frac` of it or more.
//!
//! Never when a bounded metric reaches 0.9 (the model fits its data), and
//! never because a loss merely halved: a fine-tune starts from a trained
//! model, and halving its loss is normal.
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
use crate::model::role::tokens;

pub struct Underfitting;

params! {
    /// The thresholds of `underfitting`, each settable with `--set underfitting.NAME=VALUE`.
    UnderfittingParams {
        window_frac: 0.3 => "convergence is judged over this last fraction of the run",
        converged: 0.05 => "converged: the training loss changed by less than this fraction over the window",
        acc_change: 0.02 => "…and the validation metric by less than this",
        gap: 0.05 => "train and validation accuracy (mean of the last 3) within this of each other",
        loss_gap: 0.15 => "validation and training loss (mean of the last 3) within this fraction of each other",
        poor_metric: 0.35 => "a bounded metric (0–1) ending below this is poor (an error rate above 1 minus this)",
        barely_frac: 0.75 => "barely learned: the training loss ended at this fraction of its first logged value or more",
        poor_frac: 0.5 => "without a metric: a loss that started at chance, ln C, ends at this fraction of ln C or more",
        never_band: 0.1 => "never moved: the training loss stayed within this fraction of its first value",
        never_gain: 0.1 => "never learned: the validation metric's best is within this (0–1 scale) of its first value",
    }
}

/// Fewest evaluations to judge convergence.
const MIN_POINTS: usize = 6;
/// A first loss within this relative distance of ln 2 is a binary classifier at chance.
const CHANCE_TOLERANCE: f64 = 0.02;
/// A bounded metric at or above this shows the model fits its data: never underfitting.
const FITS: f64 = 0.9;
/// Metric names on a 0–1 (or 0–100) scale.
const BOUNDED: &[&str] =
    &["acc", "accuracy", "top1", "acc1", "dice", "iou", "miou", "f1", "auc", "precision", "recall", "wer", "cer", "error", "err"];

impl Rule for Underfitting {
    fn id(&self) -> &'static str {
        "underfitting"
    }
    fn summary(&self) -> &'static str {
        "never learned, or converged poor with train and validation close together"
    }
    fn reads(&self) -> &'static str {
        "the training loss per evaluation, the validation loss, bounded metrics (accuracy, AP, Dice, IoU, F1, WER)"
    }
    fn source(&self) -> &'static str {
        include_str!("underfitting.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn live(&self) -> bool {
        false
    }
    fn params(&self) -> &'static [Param] {
        UnderfittingParams::TABLE
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence", "premature-decay", "flat-start", "overfitting", "still-improving"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

fn bounded(name: &str) -> bool {
    tokens(name).iter().any(|t| BOUNDED.contains(&t.as_str()) || t.starts_with("map") || t == "ap" || t.starts_with("ap5"))
}

/// A metric column oriented larger-is-better on 0–1 (an error rate becomes 1 − error).
fn unit_scale(values: &[f64], lower_is_better: bool) -> Vec<f64> {
    oriented(values, lower_is_better).into_iter().map(|v| if lower_is_better { 1.0 + v } else { v }).collect()
}

fn detect(ctx: &Ctx) -> Option<Finding> {
    let th = UnderfittingParams::read(ctx);
    let v = ctx.view;
    let t = &v.table;
    let axis = t.axis?;
    let lower = t.metric_lower_is_better;
    let names: Vec<&str> =
        [v.train_loss, v.val_loss, v.train_metric, v.val_metric].into_iter().flatten().map(|p| p.series.name.as_str()).collect();
    let with_series = |mut f: Finding| {
        for n in &names {
            f = f.series(n);
        }
        f
    };

    // Never moved: the training loss as logged (per epoch or per interval) stayed at its first value.
    if let Some(p) = v.train_loss {
        let s = p.series;
        // One pass, no copy: the series may hold millions of per-step points.
        let all_finite = s.values.iter().all(|x| x.is_finite());
        if s.len() >= MIN_POINTS && all_finite {
            let first = s.values[0];
            let band = th.never_band * first.abs();
            let end = tail_mean(&s.values, 3);
            let low = s.values.iter().copied().fold(f64::INFINITY, f64::min);
            super::trace("underfitting", || format!("never moved? first {first}, end {end}, low {low}"));
            if first > 0.0 && (end - first).abs() <= band && first - low <= 2.0 * band {
                // On the evaluations' axis when the table has them, so the span reads like the others.
                let span = match t.x.first().zip(t.x.last()) {
                    Some((&a, &b)) if t.train_loss.is_some() => Span { axis, start: a, end: b },
                    _ => Span { axis: s.axis, start: s.x[0], end: *s.x.last()? },
                };
                return Some(with_series(
                    Finding::new("underfitting", Severity::Warning, span)
                        .confidence(0.85)
                        .evidence("first_train_loss", first)
                        .evidence("final_train_loss", end)
                        .evidence("lowest_train_loss", low)
                        .message(format!(
                            "{} never moved: it started at {} and ended at {} (lowest {}), so the model learned essentially nothing.",
                            s.name,
                            num(first),
                            num(end),
                            num(low)
                        ))
                        .advice("The lecture's step 3: find a learning rate that makes the loss go down within ~100 iterations (try 1e-1, 1e-2, 1e-3, 1e-4); check that gradients reach the weights (frozen layers, a detached loss) and that the labels match the inputs."),
                ));
            }
        }
    }

    let vm_name = v.val_metric.map(|p| p.series.name.as_str());
    let val_unit = t.val_metric.as_ref().filter(|_| vm_name.is_some_and(bounded)).map(|m| unit_scale(m, lower));
    let poor_metric = th.poor_metric;

    // Never learned on validation: a bounded metric poor at the end that never rose much from its first value.
    if let Some(vu) = val_unit.as_ref() {
        let finite: Vec<f64> = vu.iter().copied().filter(|x| x.is_finite()).collect();
        if finite.len() >= MIN_POINTS {
            let (first, best, end) = (finite[0], finite.iter().copied().fold(f64::NEG_INFINITY, f64::max), tail_mean(&finite, 3));
            super::trace("underfitting", || format!("never learned on validation? first {first}, best {best}, end {end}"));
            if end < poor_metric && best - first <= th.never_gain {
                let name = vm_name.unwrap_or("validation metric");
                // The words use the metric as logged (a WER of 93.8, not 1 − 0.938).
                let raw: Vec<f64> =
                    t.val_metric.as_ref().map(|m| m.iter().copied().filter(|x| x.is_finite()).collect()).unwrap_or_default();
                let better = |a: f64, b: f64| if lower { a.min(b) } else { a.max(b) };
                let raw_best = raw.iter().copied().reduce(better).unwrap_or(f64::NAN);
                return Some(with_series(
                    Finding::new("underfitting", Severity::Warning, Span { axis, start: t.x[0], end: t.x[t.len() - 1] })
                        .confidence(0.8)
                        .evidence("first_metric", first)
                        .evidence("best_metric", best)
                        .evidence("final_metric", end)
                        .message(format!(
                            "{name} never improved much: {} at the first evaluation, {} at best and {} at the end; the model never learned the task.",
                            num(raw.first().copied().unwrap_or(f64::NAN)),
                            num(raw_best),
                            num(tail_mean(&raw, 3)),
                        ))
                        .advice("The model never learned the task: find a learning rate that makes the loss go down (the lecture's step 3), check the labels and the preprocessing, then a bigger model."),
                ));
            }
        }
    }

    // Converged poor, with no gap.
    let n = t.len();
    let tl = t.train_loss.as_ref()?;
    if n < MIN_POINTS || tl.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let ws = n - ((th.window_frac * n as f64).ceil() as usize).clamp(3, n);
    let half = ws + (n - ws) / 2;
    let (early, late) = (mean(&tl[ws..half]), mean(&tl[half..]));
    let change = (early - late) / early;
    super::trace("underfitting", || format!("converged? change {change}"));
    if change.abs() >= th.converged {
        return None;
    }
    if let Some(vm) = t.val_metric.as_ref().map(|m| oriented(m, lower)) {
        if (mean(&vm[half..]) - mean(&vm[ws..half])).abs() >= th.acc_change {
            return None;
        }
    }
    let loss_gap = t.val_loss.as_ref().map(|vl| (tail_mean(vl, 3) - tail_mean(tl, 3)) / tail_mean(tl, 3));
    if loss_gap.is_some_and(|g| g.abs() > th.loss_gap) {
        return None;
    }
    let train_unit =
        t.train_metric.as_ref().filter(|_| v.train_metric.is_some_and(|p| bounded(&p.series.name))).map(|m| unit_scale(m, lower));
    let acc_gap = match (train_unit.as_ref(), val_unit.as_ref()) {
        (Some(a), Some(b)) => Some(tail_mean(a, 3) - tail_mean(b, 3)),
        _ => None,
    };
    if acc_gap.is_some_and(|g| g.abs() > th.gap) {
        return None;
    }
    let final_loss = tail_mean(tl, 3);
    // Without validation the lecture's sign (no gap) cannot be read: only a classifier stuck near chance counts.
    let has_validation = t.val_loss.is_some() || t.val_metric.is_some();
    // Poor: it barely learned, or a metric on a known scale is low, or a classifier's loss stayed near chance;
    // never when a bounded metric shows the model fits its training data.
    let metric_level = train_unit.as_ref().or(val_unit.as_ref()).map(|m| tail_mean(m, 3));
    let metric_name = if train_unit.is_some() { v.train_metric } else { v.val_metric }.map_or("the metric", |p| p.series.name.as_str());
    let first = v.train_loss.and_then(|p| p.series.values.iter().copied().find(|x| x.is_finite())).unwrap_or(tl[0]);
    let kept = final_loss / first;
    let chance = match ctx.settings.classes {
        Some(c) if c >= 2 => Some(f64::from(c).ln()),
        _ => v.initial_loss().filter(|l| (l - 2f64.ln()).abs() <= CHANCE_TOLERANCE * 2f64.ln()).map(|_| 2f64.ln()),
    };
    let (poor, poor_text, poor_value) = if metric_level.is_some_and(|m| m >= FITS) {
        (false, String::new(), f64::NAN)
    } else if kept >= th.barely_frac && kept <= 1.0 + th.never_band && has_validation {
        (true, format!("it kept {:.0}% of its first value {}", kept * 100.0, num(first)), kept)
    } else if let Some(level) = metric_level.filter(|m| *m < poor_metric && has_validation) {
        (true, format!("{metric_name} ends at {} on a 0–1 scale", num(level)), level)
    } else if let Some(c) = chance.filter(|c| final_loss >= th.poor_frac * c) {
        (true, format!("the loss ends at {:.0}% of the chance level ln C = {}", final_loss / c * 100.0, num(c)), final_loss / c)
    } else {
        (false, String::new(), f64::NAN)
    };
    super::trace("underfitting", || format!("poor? {poor} ({poor_text}), loss gap {loss_gap:?}, acc gap {acc_gap:?}"));
    if !poor {
        return None;
    }
    let gap = acc_gap.or(loss_gap);
    let mut f = Finding::new("underfitting", Severity::Warning, Span { axis, start: t.x[ws], end: t.x[n - 1] })
        .confidence(0.75)
        .evidence("final_train_loss", final_loss)
        .evidence("poor_level", poor_value)
        .evidence("train_loss_change_in_window", change)
        .message(format!(
            "training converged poor: the loss has not moved since {} {} (ended at {}), {poor_text}{}.",
            axis.as_str(),
            pos(t.x[ws]),
            num(final_loss),
            match gap {
                Some(g) => format!(", and train and validation are close (gap {})", num(g)),
                None if !has_validation => "; no validation is logged to compare with".to_string(),
                None => ", and train and validation are close".to_string(),
            }
        ))
        .advice("The model cannot fit even the training data: use a bigger model (wider/deeper, no bottleneck), less regularisation (weight decay, dropout), or a higher learning rate for longer.");
    if let Some(g) = gap {
        f = f.evidence("final_gap", g);
    }
    Some(with_series(f))
}
