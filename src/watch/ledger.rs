//! What `watch` has already said, so each finding is printed once: when it
//! first appears, and again only when it gets more severe. A finding is known
//! by its run, its rule and the first series it names (divergence of the
//! training loss and of the validation loss are two findings). Early-stopping
//! advice is given once per best evaluation: again only after a new best has
//! also gone `patience` evaluations without improving.

use std::collections::HashMap;

use crate::rules::{self, Finding, RunView, Settings, Severity, StopNow};

/// Which rules may speak: while the run goes on only the live ones
/// ([`rules::Rule::live`]); once it has ended, all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The run is still being written.
    Live,
    /// The command exited, the stream closed, or the files went quiet.
    Ended,
}

/// The findings of a run that `phase` lets speak, worst first.
pub fn findings(view: &RunView, settings: &Settings, phase: Phase) -> Vec<Finding> {
    let all = rules::diagnose_view(view, settings);
    match phase {
        Phase::Ended => all,
        Phase::Live => all.into_iter().filter(|f| rules::find(f.rule).is_some_and(|r| r.live())).collect(),
    }
}

/// The rule ids that speak live, and those heard only at the end.
pub fn live_and_end_rules() -> (Vec<&'static str>, Vec<&'static str>) {
    rules::REGISTRY.iter().map(|r| (r.id(), r.live())).fold((Vec::new(), Vec::new()), |(mut live, mut end), (id, l)| {
        if l {
            live.push(id);
        } else {
            end.push(id);
        }
        (live, end)
    })
}

/// A finding worth printing now, and the severity it had before when it got worse.
pub struct News<'a> {
    /// The finding.
    pub finding: &'a Finding,
    /// `Some(old)` when it was printed before at a lower severity.
    pub was: Option<Severity>,
}

/// What has been said, per run.
#[derive(Default)]
pub struct Ledger {
    said: HashMap<(String, &'static str, String), Severity>,
    advised: HashMap<String, f64>,
}

impl Ledger {
    /// The findings not said yet (or said at a lower severity), remembered as said.
    pub fn news<'a>(&mut self, run: &str, found: &'a [Finding]) -> Vec<News<'a>> {
        let mut out = Vec::new();
        for f in found {
            let key = (run.to_string(), f.rule, f.series.first().cloned().unwrap_or_default());
            match self.said.get(&key).copied() {
                Some(old) if old >= f.severity => {}
                old => {
                    self.said.insert(key, f.severity);
                    out.push(News { finding: f, was: old });
                }
            }
        }
        out
    }

    /// Early-stopping advice not given yet for this best.
    pub fn advice(&mut self, run: &str, stop: Option<StopNow>) -> Option<StopNow> {
        let stop = stop?;
        match self.advised.insert(run.to_string(), stop.best_at) {
            Some(at) if at == stop.best_at => None,
            _ => Some(stop),
        }
    }

    /// The worst severity said for any run.
    pub fn worst(&self) -> Option<Severity> {
        self.said.values().copied().max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Axis;
    use crate::rules::Span;

    fn finding(rule: &'static str, severity: Severity) -> Finding {
        Finding::new(rule, severity, Span { axis: Axis::Step, start: 0.0, end: 1.0 }).series("loss")
    }

    #[test]
    fn a_finding_is_said_once_and_again_only_when_worse() {
        let mut l = Ledger::default();
        let warn = [finding("divergence", Severity::Warning)];
        assert_eq!(l.news("r", &warn).len(), 1);
        assert_eq!(l.news("r", &warn).len(), 0);
        let err = [finding("divergence", Severity::Error)];
        let news = l.news("r", &err);
        assert_eq!((news.len(), news[0].was), (1, Some(Severity::Warning)));
        assert_eq!(l.news("r", &warn).len(), 0);
        assert_eq!(l.news("other", &warn).len(), 1);
    }

    #[test]
    fn early_stopping_advice_is_given_once_per_best() {
        let mut l = Ledger::default();
        let stop = |at: f64| Some(StopNow { series: "val_loss".into(), axis: Axis::Epoch, best_at: at, best_value: 0.5, waited: 5 });
        assert!(l.advice("r", stop(12.0)).is_some());
        assert!(l.advice("r", stop(12.0)).is_none());
        assert!(l.advice("r", stop(20.0)).is_some());
    }

    #[test]
    fn whole_run_rules_wait_for_the_end() {
        let (live, end) = live_and_end_rules();
        assert!(live.contains(&"divergence") && live.contains(&"overfitting"));
        assert!(end.contains(&"still-improving") && end.contains(&"best-epoch"));
    }
}
