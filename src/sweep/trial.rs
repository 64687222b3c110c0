//! What one trial of a search came to: its outcome, read from the rules'
//! findings, and the best value of its headline validation curve and where
//! (the best, not the last: that is the checkpoint people keep).

use serde::Serialize;

use crate::diagnosis::Diagnosis;
use crate::model::{Axis, Hparams};
use crate::rules::stats::{median, noise_sd};
use crate::rules::Severity;

/// How a trial went, in the words of a person reading its curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Its loss came down and it learned the task to some degree.
    Learned,
    /// Its loss hardly moved from where it started, or the rules found it never learned.
    BarelyLearned,
    /// NaN/inf, an explosion, or a collapse: the `divergence` rule fired as an error.
    Diverged,
}

impl Outcome {
    /// As printed: `learned`, `barely learned`, `diverged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Learned => "learned",
            Outcome::BarelyLearned => "barely learned",
            Outcome::Diverged => "diverged",
        }
    }

    /// Diverged or barely learned.
    pub fn failed(self) -> bool {
        self != Outcome::Learned
    }
}

/// A training loss that ended at least this share of where it started barely learned:
/// 95% is a loss that came down less than 5% (a 4-class classifier from 1.39 to 1.32).
pub const BARELY_LEARNED_SHARE: f64 = 0.95;

/// One trial, read.
#[derive(Debug, Clone)]
pub struct Trial<'a> {
    /// Its name: the run folder relative to the sweep directory (`lr=1e-4_wd=1e-2`, `version_3`).
    pub name: String,
    /// Its hyperparameters as found beside its log.
    pub hparams: Hparams,
    /// The diagnosis of its curves.
    pub diagnosis: &'a Diagnosis,
}

/// The figures of one trial that the sweep compares.
#[derive(Debug, Clone, Serialize)]
pub struct TrialResult {
    /// The trial's name.
    pub name: String,
    /// How it went.
    pub outcome: Outcome,
    /// Why: the rule or the figures behind the outcome.
    pub why: String,
    /// The headline validation curve (`val_accuracy`, `val_acc`, else the validation loss).
    pub metric: Option<String>,
    /// Whether that curve is better when lower (a loss, an error rate).
    pub lower_is_better: bool,
    /// Its best finite value, if any.
    pub best: Option<f64>,
    /// Where the best first was (epoch or step, as the run's evaluations are counted).
    pub best_at: Option<f64>,
    /// `epoch` or `step`.
    pub axis: Option<&'static str>,
    /// Its last finite value.
    pub last: Option<f64>,
    /// The best validation loss (the tie-breaker when the metric ties).
    pub best_val_loss: Option<f64>,
    /// The evaluation-to-evaluation noise of the headline curve (robust SD of differences).
    pub noise: Option<f64>,
    /// Evaluations logged.
    pub evaluations: usize,
    /// The rules that fired as warnings or errors, each with what it says.
    #[serde(skip)]
    pub problem_messages: Vec<(&'static str, String)>,
}

impl TrialResult {
    /// Reads a trial's figures off its diagnosis.
    pub fn of(trial: &Trial) -> TrialResult {
        let d = trial.diagnosis;
        let view = d.view();
        let t = &view.table;
        let (metric, col, lower) = match (view.val_metric, t.val_metric.as_ref(), view.val_loss, t.val_loss.as_ref()) {
            (Some(p), Some(c), _, _) => (Some(p.series.name.clone()), Some(c.clone()), t.metric_lower_is_better),
            (_, _, Some(p), Some(c)) => (Some(p.series.name.clone()), Some(c.clone()), true),
            _ => (None, None, true),
        };
        let col = col.unwrap_or_default();
        let better = |a: f64, b: f64| if lower { a < b } else { a > b };
        let mut best: Option<(usize, f64)> = None;
        for (i, &v) in col.iter().enumerate() {
            if v.is_finite() && best.is_none_or(|(_, b)| better(v, b)) {
                best = Some((i, v));
            }
        }
        let last = col.iter().rev().copied().find(|v| v.is_finite());
        let best_val_loss = t.val_loss.as_ref().and_then(|c| c.iter().copied().filter(|v| v.is_finite()).min_by(f64::total_cmp));
        let noise = Some(noise_sd(&col)).filter(|n| n.is_finite());
        let (outcome, why) = outcome(d);
        TrialResult {
            name: trial.name.clone(),
            outcome,
            why,
            metric,
            lower_is_better: lower,
            best: best.map(|b| b.1),
            best_at: best.and_then(|(i, _)| t.x.get(i).copied()),
            axis: t.axis.map(Axis::as_str),
            last,
            best_val_loss,
            noise,
            evaluations: col.len(),
            problem_messages: d.findings.iter().filter(|f| f.severity >= Severity::Warning).map(|f| (f.rule, f.message.clone())).collect(),
        }
    }

    /// Rule ids that fired as warnings or errors.
    pub fn problems(&self) -> Vec<&'static str> {
        self.problem_messages.iter().map(|(rule, _)| *rule).collect()
    }

    /// The best value with higher always better (a loss negated), for ranking and importance.
    pub fn score(&self) -> Option<f64> {
        self.best.map(|b| if self.lower_is_better { -b } else { b })
    }
}

/// Diverged when `divergence` says error; barely learned when `underfitting` fired or the
/// training loss ended within 5% of where it started; learned otherwise.
fn outcome(d: &Diagnosis) -> (Outcome, String) {
    if let Some(f) = d.findings.iter().find(|f| f.rule == "divergence" && f.severity == Severity::Error) {
        return (Outcome::Diverged, f.message.clone());
    }
    if let Some(f) = d.findings.iter().find(|f| f.rule == "underfitting" && f.severity >= Severity::Warning) {
        return (Outcome::BarelyLearned, f.message.clone());
    }
    let view = d.view();
    if let (Some(start), Some(s)) = (view.initial_loss(), view.fine_loss()) {
        let k = (s.len() / 10).clamp(1, 50);
        let end = median(&s.values[s.len().saturating_sub(k)..]);
        if start > 0.0 && end.is_finite() && end >= BARELY_LEARNED_SHARE * start {
            let msg = format!("{} went from {} to {} ({:.0}% of where it started)", s.name, num(start), num(end), 100.0 * end / start);
            return (Outcome::BarelyLearned, msg);
        }
    }
    (Outcome::Learned, String::new())
}

fn num(x: f64) -> String {
    crate::rules::finding::num(x)
}
