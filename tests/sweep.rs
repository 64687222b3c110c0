//! Issue 15: `curvecheck sweep` on real searches. `fixtures/sweeps` is a copy of
//! `shared/real-sweeps` (three sweeps of a PyTorch MLP, a 3×3 grid and two random
//! searches, with ground truth verified by counterfactual re-runs in its
//! manifest); the same trials logged again by MLflow's and W&B's own clients must
//! give the same verdicts.

mod common;
#[path = "mlflow/harness.rs"]
mod harness;

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use common::fixture;
use serde_json::Value;

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("sweeps/manifest.json")).unwrap()).unwrap()
}

/// `curvecheck sweep PATH --format json` and its document.
fn sweep_json(path: &Path, extra: &[&str]) -> Value {
    let out = Command::cargo_bin("curvecheck").unwrap().arg("sweep").arg(path).args(["--format", "json"]).args(extra).output().unwrap();
    assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `best at upper edge` → `upper`, as the JSON writes edges.
fn edge_word(verdict: &str) -> &str {
    match verdict {
        "best at upper edge" => "upper",
        "best at lower edge" => "lower",
        other => other,
    }
}

/// Compares a sweep's JSON with its ground truth; `name_of` maps a trial name in the JSON to the manifest's.
fn assert_agrees(sweep: &str, doc: &Value, name_of: &dyn Fn(&str) -> String) {
    let m = manifest();
    let gt = &m["sweeps"][sweep]["ground_truth"];
    assert_eq!(doc["schema"], "curvecheck.sweep/1");
    let best = doc["best_trial"].as_str().unwrap();
    assert_eq!(name_of(best), gt["best_trial"].as_str().unwrap(), "{sweep}: best trial");
    let ranking: Vec<String> = doc["ranking"].as_array().unwrap().iter().map(|t| name_of(t.as_str().unwrap())).collect();
    let want: Vec<&str> = gt["ranking"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(ranking[..3], want[..3], "{sweep}: the top three");
    assert_eq!(doc["matters_most"], gt["matters_most"], "{sweep}: matters most");
    for (h, imp) in gt["importance"].as_object().unwrap() {
        let ours = &doc["hparams"][h];
        assert_eq!(ours["matters"], imp["matters"], "{sweep}: does {h} matter? ours: {ours:#}");
        if imp["matters"] == true {
            let e = &gt["edge"][h];
            assert_eq!(ours["edge"], edge_word(e["verdict"].as_str().unwrap()), "{sweep}: edge of {h}");
            let advice = ours["advice"].as_str().unwrap();
            let expected = gt["expected_advice"][h].as_str().unwrap();
            // The range's upper end is the searched range's, which a random search's files do not hold.
            let stem = expected.split(" (above").next().unwrap();
            assert!(advice.starts_with(stem), "{sweep}: advice for {h}: {advice:?} vs {expected:?}");
        } else {
            assert_eq!(ours["edge"], "inconclusive", "{sweep}: {h} does not matter, so no edge");
            assert!(ours["next_range"].is_null());
        }
    }
    // Every trial that diverged is reported as failed, and those the divergence rule can see as diverged.
    for t in m["sweeps"][sweep]["trials"].as_array().unwrap() {
        let name = t["trial"].as_str().unwrap();
        let ours = doc["trials"].as_array().unwrap().iter().find(|x| name_of(x["name"].as_str().unwrap()) == name).unwrap();
        if t["diverged"] == true {
            let outcome = ours["outcome"].as_str().unwrap();
            assert!(outcome == "diverged" || outcome == "barely_learned", "{sweep}/{name}: {outcome}");
            if t["diverged_kind"] != "collapsed" || t["best_val_acc"].as_f64().unwrap() > 0.5 {
                assert_eq!(outcome, "diverged", "{sweep}/{name}");
            }
        } else {
            assert_ne!(ours["outcome"], "diverged", "{sweep}/{name}");
        }
        let best = ours["best"].as_f64().unwrap();
        assert!((best - t["best_val_acc"].as_f64().unwrap()).abs() < 1e-5, "{sweep}/{name}: best {best}");
        assert_eq!(ours["best_at"].as_f64().unwrap(), t["best_val_acc_epoch"].as_f64().unwrap(), "{sweep}/{name}: best epoch");
    }
}

#[test]
fn every_shared_sweep_agrees_with_its_ground_truth() {
    for sweep in ["mc_mlp_sgd_sweep1", "mc_mlp_sgd_sweep2", "mc_mlp_sgd_sweep3"] {
        let doc = sweep_json(&fixture(&format!("sweeps/{sweep}")), &[]);
        assert_agrees(sweep, &doc, &|n| n.to_string());
    }
}

/// Issue 15: the grid is told from random search, seeds are not hyperparameters, constants are fixed.
#[test]
fn the_design_fixed_settings_and_seeds_are_told_apart() {
    let grid = sweep_json(&fixture("sweeps/mc_mlp_sgd_sweep1"), &[]);
    assert_eq!(grid["design"], "grid");
    assert_eq!(grid["distinct_values"]["lr"], 3);
    assert_eq!(grid["fixed"]["dropout"], 0.1);
    assert_eq!(grid["per_trial"], serde_json::json!(["seed"]));
    let advice = grid["advice"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect::<Vec<_>>().join("\n");
    assert!(advice.contains("grid search: lr got only 3 distinct values in 9 trials"), "{advice}");
    let random = sweep_json(&fixture("sweeps/mc_mlp_sgd_sweep2"), &[]);
    assert_eq!(random["design"], "random");
    assert_eq!(random["hparams"]["dropout"]["scale"], "linear");
    assert_eq!(random["hparams"]["lr"]["scale"], "log");
}

/// Issue 15: the interior advice gives the next range on the right scale (best ×/÷ 10^(L/4)),
/// and a failed region is named so the next range can leave it out.
#[test]
fn an_interior_optimum_narrows_the_range_and_failed_regions_are_named() {
    let doc = sweep_json(&fixture("sweeps/mc_mlp_sgd_sweep1"), &[]);
    let m = manifest();
    let want = &m["sweeps"]["mc_mlp_sgd_sweep1"]["ground_truth"]["edge"]["lr"]["suggested_range"];
    assert_eq!(doc["hparams"]["lr"]["next_range"], *want);
    let regions: Vec<&str> = doc["regions"].as_array().unwrap().iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert!(regions.contains(&"lr ≥ 10: 3 of 3 trials diverged"), "{regions:?}");
    assert!(regions.contains(&"lr ≤ 1e-4: 3 of 3 trials barely learned"), "{regions:?}");
    assert!(!regions.iter().any(|r| r.starts_with("weight_decay")), "weight decay did not matter: {regions:?}");
}

/// Issue 15: `--range` gives the searched range of a random search; edges are judged against it.
#[test]
fn a_range_given_moves_the_position_and_names_its_end() {
    let doc = sweep_json(&fixture("sweeps/mc_mlp_sgd_sweep3"), &["--range", "lr=1e-5:3e-3"]);
    let lr = &doc["hparams"]["lr"];
    assert_eq!(lr["range_given"], true);
    let m = manifest();
    let gt = &m["sweeps"]["mc_mlp_sgd_sweep3"]["ground_truth"]["edge"]["lr"];
    assert!((lr["position_of_best"].as_f64().unwrap() - gt["position_of_best"].as_f64().unwrap()).abs() < 0.01);
    let expected = &m["sweeps"]["mc_mlp_sgd_sweep3"]["ground_truth"]["expected_advice"]["lr"];
    assert_eq!(lr["advice"], *expected, "with the searched range given, the advice names its end");
    let bad = Command::cargo_bin("curvecheck")
        .unwrap()
        .args(["sweep", "fixtures/sweeps/mc_mlp_sgd_sweep3", "--range", "lr=3:1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected NAME=LO:HI"));
}

/// Issue 15: the same trials logged by MLflow's client (SQLite store, params) and by wandb
/// (offline runs with their config; W&B-style folders with files/config.yaml) give the same verdicts.
#[test]
fn tracker_layouts_of_the_shared_sweeps_give_the_same_verdicts() {
    let Some(python) = harness::python() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sweep/log_trackers.py");
    for sweep in ["mc_mlp_sgd_sweep1", "mc_mlp_sgd_sweep2"] {
        let out = harness::scratch(&format!("sweep-trackers-{sweep}"));
        let run = Command::new(&python)
            .arg(&script)
            .arg(fixture(&format!("sweeps/{sweep}")))
            .arg(&out)
            .env("WANDB_MODE", "offline")
            .output()
            .unwrap();
        assert!(run.status.success(), "log_trackers.py: {}", String::from_utf8_lossy(&run.stderr));
        let same = |n: &str| n.to_string();
        assert_agrees(sweep, &sweep_json(&out.join("mlflow.db"), &[]), &same);
        assert_agrees(sweep, &sweep_json(&out.join("wandb-root/wandb"), &[]), &same);
        // W&B-style folders are named by run id: map each back through its config's seed.
        let folders = sweep_json(&out.join("wandb-folders"), &[]);
        let m = manifest();
        let by_seed: Vec<(f64, String)> = m["sweeps"][sweep]["trials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["hparams"]["seed"].as_f64().unwrap(), t["trial"].as_str().unwrap().to_string()))
            .collect();
        let trials = folders["trials"].as_array().unwrap().clone();
        let name_of = move |n: &str| {
            let t = trials.iter().find(|t| t["name"] == n).unwrap();
            let seed = t["hparams"]["seed"].as_f64().unwrap();
            by_seed.iter().find(|(s, _)| *s == seed).unwrap().1.clone()
        };
        assert_agrees(sweep, &folders, &name_of);
    }
}

/// Issue 15: a categorical hyperparameter (from the trial folders' names) is judged by its
/// groups: no edge and no range, the advice names the value the best trial used.
#[test]
fn a_categorical_hyperparameter_from_folder_names_is_judged_by_its_groups() {
    let dir = tempfile::tempdir().unwrap();
    let good = ["lr=3.16e-2_wd=1e-4", "lr=3.16e-2_wd=1e-6", "lr=3.16e-2_wd=1e-2"];
    let slow = ["lr=1e-4_wd=1e-4", "lr=1e-4_wd=1e-6", "lr=1e-4_wd=1e-2"];
    for (k, (g, s)) in good.iter().cycle().zip(slow.iter().cycle()).take(4).enumerate() {
        for (opt, src) in [("momentum", g), ("plain", s)] {
            let trial = dir.path().join(format!("opt={opt}_run={k}"));
            std::fs::create_dir(&trial).unwrap();
            std::fs::copy(fixture(&format!("sweeps/mc_mlp_sgd_sweep1/{src}/training_log.csv")), trial.join("training_log.csv")).unwrap();
        }
    }
    let doc = sweep_json(dir.path(), &[]);
    let opt = &doc["hparams"]["opt"];
    assert_eq!(opt["scale"], "categorical");
    assert_eq!(opt["matters"], true, "{opt:#}");
    assert_eq!(opt["edge"], "inconclusive");
    assert!(opt["next_range"].is_null());
    assert!(opt["advice"].as_str().unwrap().contains("the best used momentum"), "{opt:#}");
    assert_eq!(doc["hparams"]["run"]["matters"], false, "the copy index does not matter: {:#}", doc["hparams"]["run"]);
}

/// Issue 15: hyperparameters in TensorBoard's hparams plugin records (tensorboardX wrote
/// them; the trial folders carry no values) give the same verdicts.
#[test]
fn tensorboard_hparams_records_give_the_same_verdicts() {
    let doc = sweep_json(&fixture("sweeps-tensorboard/mc_mlp_sgd_sweep2"), &[]);
    assert_agrees("mc_mlp_sgd_sweep2", &doc, &|n| n.replace("trial_", "version_"));
    assert_eq!(doc["hparams"]["lr"]["distinct_values"], 9);
}

/// Issue 15: `--hparam NAME=FILE:KEY` takes a hyperparameter from an odd layout (a nested key
/// of a file in a sub-folder), and a key that is missing is named with the keys there are.
#[test]
fn hparam_flag_reads_a_nested_key_of_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest();
    for t in m["sweeps"]["mc_mlp_sgd_sweep1"]["trials"].as_array().unwrap() {
        let name = t["trial"].as_str().unwrap();
        let trial = dir.path().join(format!("run{}", t["index"]));
        std::fs::create_dir_all(trial.join("cfg")).unwrap();
        std::fs::copy(fixture(&format!("sweeps/mc_mlp_sgd_sweep1/{name}/training_log.csv")), trial.join("training_log.csv")).unwrap();
        let args = serde_json::json!({"optim": {"lr": t["hparams"]["lr"], "wd": t["hparams"]["weight_decay"]}, "name": name});
        std::fs::write(trial.join("cfg/args.json"), args.to_string()).unwrap();
    }
    let doc = sweep_json(dir.path(), &["--hparam", "lr=cfg/args.json:optim.lr", "--hparam", "weight_decay=cfg/args.json:optim.wd"]);
    let by_index = |n: &str| {
        let i: usize = n.trim_start_matches("run").parse().unwrap();
        m["sweeps"]["mc_mlp_sgd_sweep1"]["trials"][i]["trial"].as_str().unwrap().to_string()
    };
    assert_agrees("mc_mlp_sgd_sweep1", &doc, &by_index);
    let out = Command::cargo_bin("curvecheck")
        .unwrap()
        .arg("sweep")
        .arg(dir.path())
        .args(["--hparam", "lr=cfg/args.json:optim.rate"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no key 'optim.rate'") && err.contains("optim.lr"), "{err}");
}
