//! Issue 14: every rule's wording is pinned. For each rule, the findings it
//! makes on its fixtures (third-party logs where there are any) are written
//! out as text and as JSON to `fixtures/expected/<rule>.txt`; this test
//! regenerates them and compares. A change of wording shows up as a diff to
//! read: rerun with `UPDATE_EXPECTED=1 cargo test --test wording` and review
//! the files before committing. A file with no rule, or a rule with no file,
//! fails the test.

mod common;

use std::collections::BTreeSet;

use common::fixture;
use curvecheck::ingest::{read_path, ReadOptions};
use curvecheck::rules::{diagnose, Settings, REGISTRY};

/// The fixtures each rule's wording is pinned on.
const FIXTURES: &[(&str, &[&str])] = &[
    (
        "divergence",
        &[
            "wild-runs/W20/metrics.csv",
            "wild-runs/W19/trainer_state.json",
            "wild-runs/W41",
            "wild-runs/W34/results.csv",
            "sweeps/mc_mlp_sgd_sweep2/version_3/metrics.csv",
        ],
    ),
    ("flat-start", &["real-runs/dev_badinit_mce_relu5_std0.04/metrics.jsonl", "real-runs/dev_badinit_mcb_relu5_std0.04/training_log.csv"]),
    (
        "initial-loss",
        &["rules/initial-loss/first_loss_9.8_for_10_classes.csv?classes=10", "real-runs/dev_premature_mca_sgdm/metrics.jsonl"],
    ),
    ("unstable-loss", &["wild-runs/W03", "rules/unstable-loss/spikes_at_five_steps.csv"]),
    (
        "plateau",
        &["wild-runs/W10/scalars.json", "wild-runs/W14/trainer_state.json", "real-runs/dev_plateau_mce_aug_sgd_lr1/training_log.csv"],
    ),
    ("premature-decay", &["wild-runs/W35/metrics.json", "real-runs/dev_premature_mca_sgdm/training_log.csv"]),
    ("overfitting", &["wild-runs/W25/MobileNetV2_training_history.json", "wild-runs/W22/results.csv", "wild-runs/W42"]),
    ("underfitting", &["wild-runs/W29/training_history.json", "wild-runs/W18/training.log", "wild-runs/W24/trainer_state.json"]),
    ("still-improving", &["wild-runs/W16/metrics.csv", "wild-runs/W32/results.csv", "wild-runs/W09/metrics.json"]),
    ("update-ratio", &["real-runs/dev_premature_mcb_adam/metrics.jsonl", "real-runs/dev_diverged_mce_lr_ramp/metrics.jsonl"]),
    ("best-epoch", &["wild-runs/W38/metrics.csv", "real-logs/ultralytics/yolo12n-handraising_results.csv"]),
    ("lr-schedule", &["wild-runs/W34/results.csv", "wild-runs/W10/scalars.json", "real-runs/dev_premature_mca_sgdm/training_log.csv"]),
];

/// Numbers to 9 significant digits: the file pins the wording and the figures, not the last bits of a sum.
fn rounded(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap();
            let r: f64 = format!("{x:.8e}").parse().unwrap();
            *v = serde_json::json!(r);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(rounded),
        serde_json::Value::Object(o) => o.values_mut().for_each(rounded),
        _ => {}
    }
}

fn pinned(rule: &str, paths: &[&str]) -> String {
    let mut out = format!("# {rule}: its findings on its fixtures (text, then JSON)\n");
    for entry in paths {
        // `path?classes=N` diagnoses with `--classes N`.
        let (rel, classes) = match entry.split_once("?classes=") {
            Some((p, c)) => (p, c.parse().ok()),
            None => (*entry, None),
        };
        let mut settings = Settings::default();
        settings.classes = classes;
        let read = read_path(&fixture(rel), &ReadOptions::default());
        assert!(read.errors.is_empty(), "{rel}: {:?}", read.errors);
        for run in read.runs {
            let found: Vec<_> = diagnose(&run, &settings).into_iter().filter(|f| f.rule == rule).collect();
            assert!(!found.is_empty(), "{rule} does not fire on {rel}: pick another fixture");
            for f in found {
                out.push_str(&format!("\n== {entry}\n{} {} {}–{}\n", f.severity.as_str(), f.span.axis.as_str(), f.span.start, f.span.end));
                out.push_str(&format!("{}\n→ {}\n", f.message, f.advice));
                let mut json = serde_json::to_value(&f).unwrap();
                rounded(&mut json);
                out.push_str(&format!("{}\n", serde_json::to_string(&json).unwrap()));
            }
        }
    }
    out
}

#[test]
fn every_rules_wording_matches_its_reviewed_file() {
    let dir = fixture("expected");
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut wrong = Vec::new();
    for (rule, paths) in FIXTURES {
        let got = pinned(rule, paths);
        let file = dir.join(format!("{rule}.txt"));
        if update {
            std::fs::write(&file, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        if got != want {
            wrong.push(format!("{rule}: fixtures/expected/{rule}.txt differs; got:\n{got}"));
        }
    }
    assert!(wrong.is_empty(), "{}\n(rerun with UPDATE_EXPECTED=1 and review the diff)", wrong.join("\n"));
}

#[test]
fn every_rule_has_a_wording_file_and_every_file_a_rule() {
    let rules: BTreeSet<String> = REGISTRY.iter().map(|r| r.id().to_string()).collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|(r, _)| r.to_string()).collect();
    assert_eq!(listed, rules, "FIXTURES must name every rule once");
    let files: BTreeSet<String> = std::fs::read_dir(fixture("expected"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().trim_end_matches(".txt").to_string())
        .collect();
    assert_eq!(files, rules, "fixtures/expected holds a file per rule, and nothing else");
}
