//! The rules engine: one [`Rule`] per file, an ordered [`REGISTRY`], and
//! [`diagnose`], which runs every rule over a run and returns its findings.
//!
//! Rules read trends, not single points: smoothed curves, scale-free
//! thresholds and minimum spans. Every threshold is a named [`Param`] with a
//! documented default that the user can change (`--set rule.param=value`).
//! A rule's documentation is its file's `//!` comment, which `curvecheck
//! explain` prints, so the docs cannot drift from the code.

pub mod finding;
pub mod stats;
pub mod view;
pub mod view_reasons;

mod best_epoch;
mod divergence;
mod flat_start;
mod initial_loss;
mod lr_schedule;
mod overfitting;
mod plateau;
mod premature_decay;
mod still_improving;
mod underfitting;
mod unstable_loss;
mod update_ratio;

use std::collections::BTreeMap;

use rayon::prelude::*;

pub use finding::{Evidence, Finding, Severity, Span};
pub use view::RunView;

use crate::model::Run;

/// A tunable threshold of a rule.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub default: f64,
    pub doc: &'static str,
}

/// User settings that reach the rules: threshold overrides and run facts.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `rule.param` → value, validated against the registry by [`Settings::set`].
    overrides: BTreeMap<String, f64>,
    /// Number of classes, for the initial-loss check.
    pub classes: Option<u32>,
}

impl Settings {
    /// Sets `rule.param` to `value`; an unknown rule or parameter is an error naming the valid ones.
    pub fn set(&mut self, key: &str, value: f64) -> Result<(), String> {
        let (rule_id, param) =
            key.split_once('.').ok_or_else(|| format!("'{key}' is not of the form RULE.PARAM (e.g. plateau.stall_rel)"))?;
        let rule = find(rule_id).ok_or_else(|| format!("no rule '{rule_id}'; rules are: {}", ids().join(", ")))?;
        if !rule.params().iter().any(|p| p.name == param) {
            let names: Vec<&str> = rule.params().iter().map(|p| p.name).collect();
            return Err(format!(
                "rule '{rule_id}' has no parameter '{param}'; it has: {}",
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            ));
        }
        if !value.is_finite() {
            return Err(format!("{key}: value must be a finite number"));
        }
        self.overrides.insert(key.to_string(), value);
        Ok(())
    }
}

/// What a rule sees: the run's picked curves and its settings.
pub struct Ctx<'a> {
    pub view: &'a RunView<'a>,
    pub settings: &'a Settings,
    rule: &'static dyn Rule,
}

impl Ctx<'_> {
    /// The value of one of the rule's parameters: the user's, or the default.
    pub fn p(&self, name: &str) -> f64 {
        let key = format!("{}.{name}", self.rule.id());
        if let Some(v) = self.settings.overrides.get(&key) {
            return *v;
        }
        self.rule.params().iter().find(|p| p.name == name).map_or(f64::NAN, |p| p.default)
    }
}

pub trait Rule: Sync {
    /// Stable id; tools and scripts depend on it.
    fn id(&self) -> &'static str;
    /// One line for `curvecheck rules`.
    fn summary(&self) -> &'static str;
    /// Which curves the rule reads, for `explain` and the README's table.
    fn reads(&self) -> &'static str;
    /// The rule file's source; its `//!` lines are the documentation.
    fn source(&self) -> &'static str;
    fn severity(&self) -> Severity;
    fn params(&self) -> &'static [Param] {
        &[]
    }
    /// Rules whose warning explains this rule's pattern better; this rule's findings are then dropped.
    fn superseded_by(&self) -> &'static [&'static str] {
        &[]
    }
    fn check(&self, ctx: &Ctx) -> Vec<Finding>;
}

/// Every rule, in the order findings of equal severity are listed.
pub static REGISTRY: &[&dyn Rule] = &[
    &divergence::Divergence,
    &flat_start::FlatStart,
    &initial_loss::InitialLoss,
    &unstable_loss::UnstableLoss,
    &plateau::Plateau,
    &premature_decay::PrematureDecay,
    &overfitting::Overfitting,
    &underfitting::Underfitting,
    &still_improving::StillImproving,
    &update_ratio::UpdateRatio,
    &best_epoch::BestEpoch,
    &lr_schedule::LrSchedule,
];

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    REGISTRY.iter().copied().find(|r| r.id() == id)
}

pub fn ids() -> Vec<&'static str> {
    REGISTRY.iter().map(|r| r.id()).collect()
}

/// The `//!` documentation of a rule's file, as Markdown-ish text.
pub fn docs(rule: &dyn Rule) -> String {
    rule.source()
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").strip_prefix(' ').unwrap_or(l.trim_start_matches("//!")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rules as a Markdown table: the README's table is this text, checked by a test.
pub fn markdown_table() -> String {
    let mut t = crate::report::table::Table::new(&["id", "severity", "what it detects", "what it reads"]);
    for r in REGISTRY {
        t.push(vec![format!("`{}`", r.id()), r.severity().as_str().to_string(), r.summary().to_string(), r.reads().to_string()]);
    }
    t.to_markdown()
}

/// Prints a rule's intermediate numbers to stderr when `CURVECHECK_TRACE` names the rule
/// (or is `all`): for reading why a rule did or did not fire on a log.
pub(crate) fn trace(rule: &str, what: impl FnOnce() -> String) {
    if let Ok(want) = std::env::var("CURVECHECK_TRACE") {
        if want == "all" || want.split(',').any(|w| w == rule) {
            eprintln!("trace {rule}: {}", what());
        }
    }
}

/// Runs every rule over a run. Findings come worst first; a rule superseded by
/// another that fired (e.g. `plateau` when `premature-decay` explains the stall)
/// is dropped.
pub fn diagnose(run: &Run, settings: &Settings) -> Vec<Finding> {
    diagnose_view(&RunView::new(run), settings)
}

/// [`diagnose`] over a view already built (building one scans every point of the run).
pub fn diagnose_view(view: &RunView, settings: &Settings) -> Vec<Finding> {
    // Rules are independent readers of the view: on a long run the few that scan every
    // point (divergence, unstable-loss, flat-start) run side by side.
    let check = |(order, rule): (usize, &&'static dyn Rule)| {
        let ctx = Ctx { view, settings, rule: *rule };
        rule.check(&ctx).into_iter().map(move |f| (order, f))
    };
    let mut findings: Vec<(usize, Finding)> = if crate::parallel::worth_it(view.run) {
        REGISTRY.par_iter().enumerate().flat_map_iter(check).collect()
    } else {
        REGISTRY.iter().enumerate().flat_map(check).collect()
    };
    let fired: Vec<&'static str> = findings.iter().filter(|(_, f)| f.severity >= Severity::Warning).map(|(_, f)| f.rule).collect();
    findings.retain(|(order, _)| !REGISTRY[*order].superseded_by().iter().any(|s| fired.contains(s)));
    findings.sort_by(|a, b| b.1.severity.cmp(&a.1.severity).then(a.0.cmp(&b.0)));
    findings.into_iter().map(|(_, f)| f).collect()
}
