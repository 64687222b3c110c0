//! # best-epoch
//!
//! ## What it detects
//! (info) The evaluation with the best validation loss (or, without one, the
//! best validation metric), and what Keras' `EarlyStopping` with the same
//! `patience` and `min_delta` would have done: where it stops, and how much
//! of the run that would have saved.
//!
//! The stop follows Keras 3 exactly: every evaluation counts one more epoch of
//! waiting; an improvement (`value - min_delta < best` for a loss) resets the
//! wait; training stops at the first epoch after the first where the wait
//! reached `patience`. A NaN is never an improvement.
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
use super::stats::oriented;
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct BestEpoch;

const PARAMS: &[Param] = &[
    Param { name: "patience", default: 5.0, doc: "evaluations without improvement before early stopping stops (Keras' patience)" },
    Param { name: "min_delta", default: 0.0, doc: "smallest change that counts as an improvement (Keras' min_delta)" },
];

impl Rule for BestEpoch {
    fn id(&self) -> &'static str {
        "best-epoch"
    }
    fn summary(&self) -> &'static str {
        "(info) the best validation epoch, and what early stopping with patience P would have saved"
    }
    fn source(&self) -> &'static str {
        include_str!("best_epoch.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Info
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
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

fn detect(ctx: &Ctx) -> Option<Finding> {
    let v = ctx.view;
    let t = &v.table;
    let axis = t.axis?;
    let (monitor, name, minimise) = if let (Some(vl), Some(p)) = (t.val_loss.as_ref(), v.val_loss) {
        (vl.clone(), p.series.name.as_str(), true)
    } else {
        let vm = t.val_metric.as_ref()?;
        let o = oriented(vm, t.metric_lower_is_better);
        (o.iter().map(|x| -x).collect(), v.val_metric?.series.name.as_str(), t.metric_lower_is_better)
    };
    if monitor.is_empty() {
        return None;
    }
    let patience = ctx.p("patience").max(0.0) as usize;
    let es = keras_early_stopping(&monitor, patience, ctx.p("min_delta"))?;
    let (best_x, last_x) = (t.x[es.best], t.x[t.len() - 1]);
    let shown = |i: usize| {
        if minimise {
            monitor[i]
        } else {
            t.val_metric.as_ref().map_or(-monitor[i], |m| m[i])
        }
    };
    let mut f = Finding::new("best-epoch", Severity::Info, Span { axis, start: best_x, end: es.stopped.map_or(best_x, |s| t.x[s]) })
        .series(name)
        .evidence("best_at", best_x)
        .evidence("best_value", shown(es.best))
        .evidence("patience", patience as f64);
    let stop_text = match es.stopped {
        Some(s) => {
            let saved = t.len() - 1 - s;
            f = f.evidence("early_stop_at", t.x[s]).evidence("evaluations_saved", saved as f64);
            format!(
                "; early stopping with patience {patience} would have stopped at {} {} and saved {saved} of {} evaluations",
                axis.as_str(),
                pos(t.x[s]),
                t.len()
            )
        }
        None => {
            format!("; early stopping with patience {patience} would not have stopped before the end ({} {})", axis.as_str(), pos(last_x))
        }
    };
    Some(f.message(format!("best {name} = {} at {} {}{stop_text}.", num(shown(es.best)), axis.as_str(), pos(best_x))).advice(format!(
        "Keep the checkpoint from {} {}.",
        axis.as_str(),
        pos(best_x)
    )))
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

    #[test]
    fn min_delta_ignores_tiny_gains() {
        let es = keras_early_stopping(&[1.0, 0.999, 0.998, 0.997], 3, 0.01).unwrap();
        assert_eq!(es.best, 0);
        assert_eq!(es.stopped, Some(3));
    }
}
