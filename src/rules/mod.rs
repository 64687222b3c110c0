//! The rules engine: one [`Rule`] per file, an ordered [`REGISTRY`], and
//! [`diagnose`], which runs every rule over a run and returns its findings.
//!
//! Rules read trends, not single points: smoothed curves, scale-free
//! thresholds and minimum spans. Every threshold is a named [`Param`] with a
//! documented default that the user can change (`--set rule.param=value`).
//! A rule's documentation is its file's `//!` comment, which `curvecheck
//! explain` prints, so the docs cannot drift from the code.

/// Declares a rule's thresholds once: the typed struct its code reads (a
/// misspelt name does not compile) and the [`Param`] table that `--set`,
/// `explain` and the README are made from.
macro_rules! params {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $default:expr => $doc:expr),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct $name {
            $(pub(crate) $field: f64,)*
        }

        impl $name {
            /// Every threshold with its default and what it means.
            pub(crate) const TABLE: &'static [$crate::rules::Param] =
                &[$($crate::rules::Param { name: stringify!($field), default: $default, doc: $doc }),*];

            /// The values in force: the user's `--set` overrides, else the defaults.
            pub(crate) fn read(ctx: &$crate::rules::Ctx) -> Self {
                $name { $($field: ctx.value(stringify!($field), $default),)* }
            }
        }
    };
}

pub mod curve;
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

pub use best_epoch::{stop_now, StopNow};
pub use finding::{Evidence, Finding, Severity, Span};
pub use view::RunView;

use crate::model::Run;

/// A tunable threshold of a rule.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The name after the rule id in `--set rule.name=value`.
    pub name: &'static str,
    /// The value used unless the user sets another.
    pub default: f64,
    /// One line for `explain` and the README: what the threshold means.
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
    /// The run's curves, picked once for every rule.
    pub view: &'a RunView<'a>,
    /// Overrides and run facts (`--classes`).
    pub settings: &'a Settings,
    rule: &'static dyn Rule,
}

impl Ctx<'_> {
    /// A threshold's value: the user's override of `rule.name`, else `default`. Called only by
    /// the struct [`params!`] declares, whose field names are the names (so they cannot drift).
    fn value(&self, name: &str, default: f64) -> f64 {
        self.settings.overrides.get(&format!("{}.{name}", self.rule.id())).copied().unwrap_or(default)
    }
}

/// One pattern of the lecture, read from a run's curves. Implementations live one per file
/// in this folder and are listed in [`REGISTRY`].
pub trait Rule: Sync {
    /// Stable id; tools and scripts depend on it.
    fn id(&self) -> &'static str;
    /// One line for `curvecheck rules`.
    fn summary(&self) -> &'static str;
    /// Which curves the rule reads, for `explain` and the README's table.
    fn reads(&self) -> &'static str;
    /// The rule file's source; its `//!` lines are the documentation.
    fn source(&self) -> &'static str;
    /// The severity of the rule's main finding (some rules also report infos).
    fn severity(&self) -> Severity;
    /// The rule's thresholds, from its `params!` declaration.
    fn params(&self) -> &'static [Param] {
        &[]
    }
    /// Rules whose warning explains this rule's pattern better; this rule's findings are then dropped.
    fn superseded_by(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether the rule speaks while a run is still going (`curvecheck watch`). A rule that
    /// judges the run as a whole (still improving at the end, the best epoch) says `false`
    /// and is heard only once the run has ended.
    fn live(&self) -> bool {
        true
    }
    /// Reads the run and reports what it found; empty when the pattern is not there.
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

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    REGISTRY.iter().copied().find(|r| r.id() == id)
}

/// Every rule id, in registry order.
pub fn ids() -> Vec<&'static str> {
    REGISTRY.iter().map(|r| r.id()).collect()
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
        // The runner, not each rule, says whose finding it is.
        let id = rule.id();
        rule.check(&ctx).into_iter().map(move |f| (order, Finding { rule: id, ..f }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_every_superseding_rule_exists() {
        let ids = ids();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate rule ids in {ids:?}");
        for r in REGISTRY {
            for s in r.superseded_by() {
                assert!(ids.contains(s), "{} is superseded by unknown rule {s}", r.id());
                assert_ne!(*s, r.id(), "{} supersedes itself", r.id());
            }
        }
    }

    #[test]
    fn every_parameter_has_a_distinct_name_and_a_finite_default() {
        for r in REGISTRY {
            let mut names: Vec<&str> = r.params().iter().map(|p| p.name).collect();
            assert!(r.params().iter().all(|p| p.default.is_finite() && !p.doc.is_empty()), "{}", r.id());
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), r.params().len(), "{}: duplicate parameter", r.id());
        }
    }

    #[test]
    fn an_override_reaches_the_rule_and_an_unknown_name_is_refused() {
        let mut s = Settings::default();
        assert!(s.set("plateau.stall_rel", 0.01).is_ok());
        assert!(s.set("plateau.stall_rell", 0.01).unwrap_err().contains("has no parameter 'stall_rell'"));
        assert!(s.set("nope.x", 1.0).unwrap_err().contains("no rule 'nope'"));
        assert_eq!(s.overrides.get("plateau.stall_rel"), Some(&0.01));
    }
}
