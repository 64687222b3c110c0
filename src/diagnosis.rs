//! A diagnosis: one run, the view of it the rules read, what they found, and
//! the verdict. It is what every front end takes (the CLI's outputs, charts,
//! reports) and what a library user gets back.
//!
//! ```
//! use curvecheck::{diagnosis::Diagnosis, ingest, rules::Settings};
//! let path = std::path::Path::new("fixtures/real-logs/keras-csvlogger/voice-id-speaker250_training.log");
//! let run = ingest::read_file(path, &ingest::ReadOptions::default()).unwrap();
//! let d = Diagnosis::new(run, &Settings::default());
//! assert_eq!(d.verdict(), "1 warning: overfitting");
//! ```

use crate::model::Run;
use crate::rules::finding::pos;
use crate::rules::view::ViewParts;
use crate::rules::{diagnose_view, Finding, RunView, Settings, Severity};

/// A run, what the rules found in it, and the summary figures every output shows.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// The run as read.
    pub run: Run,
    /// What the rules found, worst first (a finding superseded by a better explanation is dropped).
    pub findings: Vec<Finding>,
    /// How long the run is, in the units its curves use ("30 epochs evaluated").
    pub length: String,
    /// The best validation value: `(series, value, where)`; the metric if logged, else the loss.
    pub best: Option<(String, f64, String)>,
    /// The rules' view of the run, kept for the chart (see [`Diagnosis::view`]).
    view: ViewParts,
}

impl Diagnosis {
    /// Diagnoses a run; the run's view (which scans every point) is built once for the findings, the summary and the chart.
    pub fn new(run: Run, settings: &Settings) -> Diagnosis {
        Diagnosis::new_with(run, settings, |_| ()).0
    }

    /// [`Diagnosis::new`], also running `alongside` on the same view while the rules
    /// run (side by side on a long run): `diagnose --plot` thins the chart's curves there.
    pub fn new_with<T: Send>(run: Run, settings: &Settings, alongside: impl FnOnce(&RunView) -> T + Send) -> (Diagnosis, T) {
        let (findings, length, best, view, extra) = {
            let view = RunView::new(&run);
            let (findings, extra) =
                crate::parallel::join(crate::parallel::worth_it(&run), || diagnose_view(&view, settings), || alongside(&view));
            (findings, length_of(&view), best_validation(&view), view.parts(), extra)
        };
        (Diagnosis { run, findings, length, best, view }, extra)
    }

    /// The curves the rules read (picked once, when the report was made).
    pub fn view(&self) -> RunView<'_> {
        RunView::from_parts(&self.run, &self.view)
    }

    /// The worst severity among warnings and errors, `None` when healthy.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).filter(|s| *s >= Severity::Warning).max()
    }

    /// How many findings have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    /// One line: "healthy", or the problems found.
    pub fn verdict(&self) -> String {
        let problems: Vec<&str> = self.findings.iter().filter(|f| f.severity >= Severity::Warning).map(|f| f.rule).collect();
        if problems.is_empty() {
            "healthy: no problem found".to_string()
        } else {
            let (e, w) = (self.count(Severity::Error), self.count(Severity::Warning));
            let mut parts = Vec::new();
            if e > 0 {
                parts.push(format!("{e} error{}", if e == 1 { "" } else { "s" }));
            }
            if w > 0 {
                parts.push(format!("{w} warning{}", if w == 1 { "" } else { "s" }));
            }
            format!("{}: {}", parts.join(", "), problems.join(", "))
        }
    }
}

/// How long the run is, in the units its curves use.
fn length_of(view: &RunView) -> String {
    match (view.table.axis, view.fine_loss()) {
        (Some(axis), _) if !view.table.is_empty() => {
            let n = view.table.len();
            format!("{n} {}{} evaluated", axis.as_str(), if n == 1 { "" } else { "s" })
        }
        (_, Some(s)) => format!("{} points to {} {}", s.len(), s.axis.as_str(), pos(*s.x.last().unwrap_or(&0.0))),
        _ => format!("{} records", view.run.records),
    }
}

/// The best validation value of a run and where: the metric if logged, else the loss.
fn best_validation(view: &RunView) -> Option<(String, f64, String)> {
    let t = &view.table;
    let axis = t.axis?;
    let (name, col, lower) = match (view.val_metric, t.val_metric.as_ref(), view.val_loss, t.val_loss.as_ref()) {
        (Some(p), Some(c), _, _) => (p.series.name.clone(), c, t.metric_lower_is_better),
        (_, _, Some(p), Some(c)) => (p.series.name.clone(), c, true),
        _ => return None,
    };
    let better = |a: f64, b: f64| if lower { a < b } else { a > b };
    let (i, v) = col.iter().enumerate().filter(|(_, v)| v.is_finite()).fold(None, |best: Option<(usize, f64)>, (i, &v)| match best {
        Some((_, b)) if !better(v, b) => best,
        _ => Some((i, v)),
    })?;
    Some((name, v, format!("{} {}", axis.as_str(), pos(t.x[i]))))
}

/// Orders reports worst first (errors, then warnings, then healthy), stable otherwise.
pub fn worst_first(reports: &mut [Diagnosis]) {
    reports.sort_by_key(worst_first_key);
}

/// What [`worst_first`] sorts by, for reports kept beside something else (their charts' curves).
pub fn worst_first_key(r: &Diagnosis) -> impl Ord {
    (std::cmp::Reverse(r.worst()), std::cmp::Reverse(r.count(Severity::Error) + r.count(Severity::Warning)))
}
