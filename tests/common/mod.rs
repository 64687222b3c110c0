//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use curvecheck::ingest::{read_file, ReadOptions};
use curvecheck::model::{Kind, Run, Split};
use curvecheck::rules::{diagnose, Finding, Settings};

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

pub fn read(rel: &str) -> Run {
    read_file(&fixture(rel), &ReadOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn findings(rel: &str) -> Vec<Finding> {
    diagnose(&read(rel), &Settings::default())
}

/// Rules that fired at warning or error.
pub fn flagged(rel: &str) -> Vec<&'static str> {
    findings(rel).into_iter().filter(|f| f.severity >= curvecheck::rules::Severity::Warning).map(|f| f.rule).collect()
}

/// Asserts a series exists with this role and point count.
pub fn assert_series(run: &Run, name: &str, split: Split, kind: Kind, points: usize) {
    let s = run.series_named(name).unwrap_or_else(|| {
        let names: Vec<&str> = run.series.iter().map(|s| s.name.as_str()).collect();
        panic!("{}: no series '{name}'; has {names:?}", run.source)
    });
    assert_eq!((s.role.split, s.role.kind), (split, kind), "{}: role of '{name}'", run.source);
    assert_eq!(s.len(), points, "{}: points of '{name}'", run.source);
}

/// Manifest labels and the rules that read them.
pub const LABEL_RULES: &[(&str, &str)] = &[
    ("diverged", "divergence"),
    ("bad_init", "flat-start"),
    ("plateau_needs_decay", "plateau"),
    ("premature_decay", "premature-decay"),
    ("overfitting", "overfitting"),
    ("underfitting", "underfitting"),
    ("train_longer", "still-improving"),
];

/// Where the rules that fired disagree with a run's labels (uncertain labels count neither way).
pub fn disagreements(
    what: &str,
    labels: &std::collections::BTreeSet<&str>,
    uncertain: &std::collections::BTreeSet<&str>,
    fired: &std::collections::BTreeSet<&str>,
) -> Vec<String> {
    LABEL_RULES
        .iter()
        .filter(|(label, _)| !uncertain.contains(label))
        .filter(|(label, rule)| labels.contains(label) != fired.contains(rule))
        .map(|(_, rule)| format!("{what}: {rule} {}", if fired.contains(rule) { "fired" } else { "missed" }))
        .collect()
}
