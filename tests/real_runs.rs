//! The labelled real runs in fixtures/real-runs (copied from ../shared/real-runs):
//! every run reads the same curves from all of its log formats, every rule
//! says what the manifest's verified labels say, and `best-epoch` agrees with
//! Keras' EarlyStopping as recorded in the manifest's oracles.

mod common;

use std::collections::BTreeSet;

use common::fixture;
use curvecheck::ingest::{read_file, ReadOptions};
use curvecheck::rules::{diagnose, RunView, Settings, Severity};
use serde_json::Value;

const FORMATS: &[(&str, &str)] =
    &[("keras_csvlogger", "training_log.csv"), ("jsonl", "metrics.jsonl"), ("lightning_csvlogger", "lightning_logs/version_0/metrics.csv")];

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("real-runs/manifest.json")).unwrap()).unwrap()
}

fn runs() -> Vec<(String, Value)> {
    let m = manifest();
    m["runs"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Every log file of a run, including its event file.
fn files(id: &str, run: &Value) -> Vec<(String, std::path::PathBuf)> {
    run["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["format"].as_str().unwrap().to_string(), fixture(&format!("real-runs/{id}/{}", f["path"].as_str().unwrap()))))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-6 * a.abs().max(b.abs())
}

#[test]
fn every_format_of_a_run_gives_the_same_curves() {
    for (id, _) in runs() {
        let read = |f: &str| read_file(&fixture(&format!("real-runs/{id}/{f}")), &ReadOptions::default()).unwrap();
        let runs: Vec<_> = FORMATS.iter().map(|(_, f)| read(f)).collect();
        let views: Vec<RunView> = runs.iter().map(RunView::new).collect();
        let pick = |v: &RunView, what: &str| -> Vec<f64> {
            let p = match what {
                "train_loss" => v.train_loss,
                "val_loss" => v.val_loss,
                "train_metric" => v.train_metric,
                "val_metric" => v.val_metric,
                _ => unreachable!(),
            };
            p.unwrap_or_else(|| panic!("{id}: no {what} in {}", v.run.source)).series.values.clone()
        };
        for what in ["train_loss", "val_loss", "train_metric", "val_metric"] {
            let reference = pick(&views[0], what);
            for v in &views[1..] {
                let other = pick(v, what);
                assert_eq!(reference.len(), other.len(), "{id} {what}: {} vs {}", runs[0].source, v.run.source);
                for (i, (a, b)) in reference.iter().zip(&other).enumerate() {
                    assert!(close(*a, *b), "{id} {what}[{i}]: {a} in {} vs {b} in {}", runs[0].source, v.run.source);
                }
            }
        }
        // The per-step loss of JSON lines and Lightning agree point by point.
        let (a, b) = (views[1].fine_loss().unwrap(), views[2].fine_loss().unwrap());
        assert_eq!(a.len(), b.len(), "{id}: per-step loss");
        assert!(a.values.iter().zip(&b.values).all(|(x, y)| close(*x, *y)), "{id}: per-step loss values");
        // The event file stores float32: the same curves at that precision, per step and per epoch.
        let tb_dir = fixture(&format!("real-runs/{id}/tb"));
        let tb_file = std::fs::read_dir(&tb_dir).unwrap().next().unwrap().unwrap().path();
        let tb = read_file(&tb_file, &ReadOptions::default()).unwrap();
        let tv = RunView::new(&tb);
        let f32s = |v: &[f64]| v.iter().map(|x| *x as f32).collect::<Vec<f32>>();
        let same32 = |x: &[f32], y: &[f32]| x.len() == y.len() && x.iter().zip(y).all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
        assert!(same32(&f32s(&tv.fine_loss().unwrap().values), &f32s(&a.values)), "{id}: tfevents per-step loss");
        for what in ["train_loss", "val_loss", "train_metric", "val_metric"] {
            assert!(same32(&f32s(&pick(&tv, what)), &f32s(&pick(&views[1], what))), "{id}: tfevents {what}");
        }
    }
}

#[test]
fn rules_agree_with_the_verified_labels_in_every_format() {
    let mut wrong = Vec::new();
    for (id, run) in runs() {
        let labels: BTreeSet<&str> = run["labels"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        let uncertain: BTreeSet<&str> = run["uncertain_labels"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        for (format, path) in files(&id, &run) {
            let r = read_file(&path, &ReadOptions::default()).unwrap();
            let flagged: BTreeSet<&str> =
                diagnose(&r, &Settings::default()).iter().filter(|f| f.severity >= Severity::Warning).map(|f| f.rule).collect();
            wrong.extend(common::disagreements(&format!("{id} [{format}]"), &labels, &uncertain, &flagged));
        }
    }
    assert!(wrong.is_empty(), "{} disagreements:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn best_epoch_matches_keras_early_stopping_oracle() {
    for (id, run) in runs() {
        let oracle = &run["oracles"]["early_stopping"];
        let r = read_file(&fixture(&format!("real-runs/{id}/training_log.csv")), &ReadOptions::default()).unwrap();
        let vl: Vec<f64> = r.series_named("val_loss").unwrap().values.clone();
        let best_epoch = diagnose(&r, &Settings::default()).into_iter().find(|f| f.rule == "best-epoch");
        if vl.iter().filter(|v| v.is_finite()).count() < 2 {
            // Issue 13: a run with no two finite evaluations has no best to report (Keras "keeps" a NaN epoch).
            assert!(best_epoch.is_none(), "{id}: a best from one NaN evaluation");
            continue;
        }
        let f = best_epoch.unwrap_or_else(|| panic!("{id}: no best-epoch"));
        let ev = |name: &str| f.evidence.iter().find(|e| e.name == name).map(|e| e.value);
        assert_eq!(ev("early_stop_best_at"), oracle["best_epoch"].as_f64(), "{id}: best epoch kept by early stopping");
        assert_eq!(ev("early_stop_at"), oracle["stopped_epoch"].as_f64(), "{id}: stopped epoch");
        // Issue 13: the run's best is the best over every evaluation, not the best before the stop.
        let run_best = vl.iter().enumerate().filter(|(_, v)| v.is_finite()).min_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(ev("best_at"), Some(run_best as f64), "{id}: the run's best epoch");
    }
}

#[test]
fn update_ratio_fires_exactly_where_the_manifest_says_far_from_1e_3() {
    let mut checked = 0;
    for (id, run) in runs() {
        let Some(truth) = run["update_ratio"]["vs_1e-3"].as_str() else { continue };
        let r = read_file(&fixture(&format!("real-runs/{id}/metrics.jsonl")), &ReadOptions::default()).unwrap();
        let fired = diagnose(&r, &Settings::default()).iter().any(|f| f.rule == "update-ratio");
        assert_eq!(fired, truth != "near", "{id}: update ratio is {truth}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} runs log an update ratio");
}
