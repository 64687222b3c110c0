//! # best-epoch
//!
//! ## What it detects
//! (info) Where the run was at its best, and separately what early stopping
//! would have done. It reads the run's headline validation curve per
//! evaluation (the validation metric where it is the headline, e.g. mAP or
//! the Trainer's best metric; else the validation loss):
//! - the run's best: the lowest loss (highest metric) over every evaluation,
//!   and where;
//! - Keras' `EarlyStopping` with `patience` and `min_delta` fed the same
//!   values: where it would have stopped, which evaluation it would have
//!   kept, and what that would have cost against the run's best (and the
//!   smallest patience that would have kept the best).
//!
//! The stop follows Keras 3 exactly: every evaluation counts one more epoch of
//! waiting; an improvement (`value - min_delta < best` for a loss) resets the
//! wait; training stops at the first epoch after the first where the wait
//! reached `patience`. A NaN is never an improvement. Never reports a best
//! from fewer than two finite evaluations or from a curve that never changed
//! (an all-zero metric).
//!
//! ## Why it matters
//! The lecture: stop (or keep the checkpoint) where validation is best. This
//! names that point even when nothing went wrong.
//!
//! ## Example
//! `val_loss: 0.081 0.082 0.084 0.084 0.087 0.084 …` with patience 5: best
//! epoch 0, early stopping at epoch 5.
//!
//! ## What to try
//! Keep the checkpoint from the best epoch; use early stopping with this
//! patience to save the remaining epochs.
//!
//! ## Options

use super::finding::{num, pos};
use super::stats::{argmin, oriented};
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct BestEpoch;

params! {
    /// The thresholds of `best-epoch`, each settable with `--set best-epoch.NAME=VALUE`.
    BestEpochParams {
        patience: 5.0 => "evaluations without improvement before early stopping stops (Keras' patience)",
        min_delta: 0.0 => "smallest change that counts as an improvement (Keras' min_delta)",
    }
}

impl Rule for BestEpoch {
    fn id(&self) -> &'static str {
        "best-epoch"
    }
    fn summary(&self) -> &'static str {
        "(info) where the run was best, and what early stopping with patience P would have done and cost"
    }
    fn reads(&self) -> &'static str {
        "the headline validation curve per evaluation"
    }
    fn source(&self) -> &'static str {
        include_str!("best_epoch.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Info
    }
    fn live(&self) -> bool {
        false
    }
    fn params(&self) -> &'static [Param] {
        BestEpochParams::TABLE
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

/// The outcome of Keras' `EarlyStopping` on a sequence of monitored values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStop {
    /// Index of the best value seen up to the stop (or the end).
    pub best: usize,
    /// Index where training would have stopped, if it would have.
    pub stopped: Option<usize>,
}

/// Keras 3 `EarlyStopping.on_epoch_end`, fed `values` in order, lower is better
/// (negate a higher-is-better metric). `min_delta` is taken as its absolute value.
pub fn keras_early_stopping(values: &[f64], patience: usize, min_delta: f64) -> Option<EarlyStop> {
    let mut best = f64::INFINITY;
    let mut best_i = None;
    let mut wait = 0usize;
    for (epoch, &current) in values.iter().enumerate() {
        if best_i.is_none() {
            best_i = Some(epoch);
        }
        wait += 1;
        if current + min_delta.abs() < best {
            best = current;
            best_i = Some(epoch);
            wait = 0;
            continue;
        }
        if wait >= patience && epoch > 0 {
            return Some(EarlyStop { best: best_i?, stopped: Some(epoch) });
        }
    }
    Some(EarlyStop { best: best_i?, stopped: None })
}

/// Evaluations without improvement before `best` (in order): the patience that would have reached it.
fn patience_needed(monitor: &[f64], best: usize, min_delta: f64) -> usize {
    let (mut run_best, mut wait, mut worst_wait) = (f64::INFINITY, 0usize, 0usize);
    for &v in &monitor[..=best] {
        if v + min_delta.abs() < run_best {
            run_best = v;
            wait = 0;
        } else {
            wait += 1;
            worst_wait = worst_wait.max(wait);
        }
    }
    worst_wait + 1
}

fn detect(ctx: &Ctx) -> Option<Finding> {
    let th = BestEpochParams::read(ctx);
    let v = ctx.view;
    let t = &v.table;
    let axis = t.axis?;
    let use_metric = t.metric_is_headline || t.val_loss.is_none();
    let (monitor, name, shown): (Vec<f64>, &str, Vec<f64>) = if use_metric {
        let vm = t.val_metric.as_ref()?;
        let o = oriented(vm, t.metric_lower_is_better);
        (o.iter().map(|x| -x).collect(), v.val_metric?.series.name.as_str(), vm.clone())
    } else {
        let vl = t.val_loss.as_ref()?;
        (vl.clone(), v.val_loss?.series.name.as_str(), vl.clone())
    };
    let finite: Vec<f64> = monitor.iter().copied().filter(|x| x.is_finite()).collect();
    let constant = finite.windows(2).all(|w| w[0] == w[1]);
    if finite.len() < 2 || constant {
        return None;
    }
    let (best, _) = argmin(&monitor)?;
    let n = t.len();
    let patience = th.patience.max(0.0) as usize;
    let min_delta = th.min_delta;
    let es = keras_early_stopping(&monitor, patience, min_delta)?;
    let at = |i: usize| format!("{} {}", axis.as_str(), pos(t.x[i]));
    let mut f = Finding::new("best-epoch", Severity::Info, Span { axis, start: t.x[best], end: t.x[best] })
        .series(name)
        .evidence("best_at", t.x[best])
        .evidence("best_value", shown[best])
        .evidence("evaluations", n as f64)
        .evidence("patience", patience as f64)
        .evidence("early_stop_best_at", t.x[es.best])
        .evidence("early_stop_best_value", shown[es.best]);
    let stop_text = match es.stopped {
        Some(s) => {
            let saved = n - 1 - s;
            f = f.evidence("early_stop_at", t.x[s]).evidence("evaluations_saved", saved as f64);
            let saving = if saved == 0 {
                "only at the last evaluation".to_string()
            } else {
                format!("at {}, {saved} of {n} evaluations early", at(s))
            };
            if es.best == best {
                format!("early stopping with patience {patience} would have stopped {saving} and kept this best")
            } else {
                let need = patience_needed(&monitor, best, min_delta);
                f = f.evidence("patience_to_keep_best", need as f64);
                format!(
                    "early stopping with patience {patience} would have stopped {saving}, keeping {} = {} from {} and missing the best (patience {need} would have kept it)",
                    name,
                    num(shown[es.best]),
                    at(es.best)
                )
            }
        }
        None => format!("early stopping with patience {patience} would not have stopped before the end ({})", at(n - 1)),
    };
    Some(
        f.message(format!("best {name} = {} at {}, the best of {n} evaluations; {stop_text}.", num(shown[best]), at(best)))
            .advice(format!("Keep the checkpoint from {}.", at(best))),
    )
}

/// Live early-stopping advice (`curvecheck watch`): the best evaluation so far
/// and how many came after it without improving (Keras' wait, with the same
/// `patience` and `min_delta` as this rule). Given only once the wait has
/// reached the patience: then stopping now and keeping the best is what
/// `EarlyStopping(restore_best_weights=True)` would do.
#[derive(Debug, Clone, PartialEq)]
pub struct StopNow {
    /// The monitored series, by its logged name.
    pub series: String,
    /// What the x values count.
    pub axis: crate::model::Axis,
    /// Where the best evaluation so far is.
    pub best_at: f64,
    /// Its value, as logged.
    pub best_value: f64,
    /// Evaluations since the best, none of them an improvement.
    pub waited: usize,
}

impl StopNow {
    /// "val_loss best at epoch 12, 5 evaluations without improvement: stop now and keep epoch 12".
    pub fn message(&self) -> String {
        let at = format!("{} {}", self.axis.as_str(), pos(self.best_at));
        format!(
            "{} best at {at} ({}), {} evaluations without improvement: stop now and keep {at}",
            self.series,
            num(self.best_value),
            self.waited
        )
    }
}

/// [`StopNow`] for the run so far, when early stopping would stop now.
pub fn stop_now(view: &crate::rules::RunView, settings: &crate::rules::Settings) -> Option<StopNow> {
    let ctx = Ctx { view, settings, rule: &BestEpoch };
    let th = BestEpochParams::read(&ctx);
    let t = &view.table;
    let axis = t.axis?;
    let use_metric = t.metric_is_headline || t.val_loss.is_none();
    let (monitor, name, shown): (Vec<f64>, &str, &[f64]) = if use_metric {
        let vm = t.val_metric.as_ref()?;
        (oriented(vm, t.metric_lower_is_better).iter().map(|x| -x).collect(), view.val_metric?.series.name.as_str(), vm)
    } else {
        let vl = t.val_loss.as_ref()?;
        (vl.clone(), view.val_loss?.series.name.as_str(), vl)
    };
    let (mut best, mut best_i) = (f64::INFINITY, None);
    for (i, &v) in monitor.iter().enumerate() {
        if v + th.min_delta.abs() < best {
            (best, best_i) = (v, Some(i));
        }
    }
    let best_i = best_i?;
    let waited = monitor.len() - 1 - best_i;
    let patience = th.patience.max(1.0) as usize;
    (waited >= patience).then(|| StopNow { series: name.to_string(), axis, best_at: t.x[best_i], best_value: shown[best_i], waited })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_patience_epochs_without_improvement() {
        let es = keras_early_stopping(&[0.081, 0.082, 0.084, 0.084, 0.087, 0.084, 0.09], 5, 0.0).unwrap();
        assert_eq!(es, EarlyStop { best: 0, stopped: Some(5) });
    }

    #[test]
    fn nan_is_never_an_improvement() {
        let es = keras_early_stopping(&[1.0, f64::NAN, f64::NAN], 2, 0.0).unwrap();
        assert_eq!(es, EarlyStop { best: 0, stopped: Some(2) });
    }

    /// Issue 13: the patience that reaches a best after a long wait.
    #[test]
    fn patience_needed_counts_the_longest_wait_before_the_best() {
        assert_eq!(patience_needed(&[1.0, 0.9, 0.95, 0.96, 0.97, 0.8], 5, 0.0), 4);
        assert_eq!(patience_needed(&[1.0, 0.9], 1, 0.0), 1);
    }

    #[test]
    fn min_delta_ignores_tiny_gains() {
        let es = keras_early_stopping(&[1.0, 0.999, 0.998, 0.997], 3, 0.01).unwrap();
        assert_eq!(es.best, 0);
        assert_eq!(es.stopped, Some(3));
    }
}
