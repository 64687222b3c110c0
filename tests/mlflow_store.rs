//! curvecheck against MLflow itself (issue 16): runs logged with MLflow's own
//! client into a SQLite store and to a live `mlflow server`, read back by
//! curvecheck and compared point for point with `MlflowClient().get_metric_history`.
//! Needs the venv of `tests/mlflow/setup_venv.sh` (CI builds it; locally the tests skip without it).

#[path = "mlflow/harness.rs"]
mod harness;

use std::path::Path;

use assert_cmd::Command;
use curvecheck::ingest::{read_path, ReadOptions};
use curvecheck::model::{Axis, Run};
use serde_json::Value;

/// Every live run of the oracle is read, with each key's history equal to MLflow's, point for point.
fn assert_matches_oracle(runs: &[Run], oracle: &Value) {
    let wanted: Vec<&Value> = oracle["runs"].as_array().unwrap().iter().filter(|r| r["deleted"] == false).collect();
    assert_eq!(runs.len(), wanted.len(), "runs read: {:?}", runs.iter().map(|r| &r.name).collect::<Vec<_>>());
    for o in wanted {
        let id = o["id"].as_str().unwrap();
        let run = runs.iter().find(|r| r.source.ends_with(id)).unwrap_or_else(|| panic!("run {id} not read"));
        assert!(run.name.starts_with(o["name"].as_str().unwrap()), "{} vs {}", run.name, o["name"]);
        assert!(run.notes[0].contains(o["status"].as_str().unwrap()), "{}", run.notes[0]);
        let metrics = o["metrics"].as_object().unwrap();
        assert_eq!(run.series.len(), metrics.len(), "{id}: series");
        for (key, points) in metrics {
            let points = points.as_array().unwrap();
            let s = run.series_named(key).unwrap_or_else(|| panic!("{id}: no series {key}"));
            assert_eq!(s.len(), points.len(), "{id} {key}: points");
            let wall = s.wall_time.as_ref().unwrap();
            for (i, p) in points.iter().enumerate() {
                let (step, ts, want) = (p[0].as_f64().unwrap(), p[1].as_i64().unwrap(), harness::oracle_value(&p[2]));
                let got = s.values[i];
                assert_eq!(s.x[i], step, "{id} {key}[{i}] step");
                assert_eq!((wall[i] * 1000.0).round() as i64, ts, "{id} {key}[{i}] timestamp");
                assert!(got == want || (got.is_nan() && want.is_nan()), "{id} {key}[{i}]: read {got}, MLflow {want}");
            }
        }
    }
}

fn oracle_run<'a>(oracle: &'a Value, name: &str) -> &'a Value {
    oracle["runs"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()
}

fn inspect_json(args: &[&str]) -> Value {
    let out = Command::cargo_bin("curvecheck").unwrap().arg("inspect").arg("--format").arg("json").args(args).output().unwrap();
    assert!(out.status.success(), "inspect {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sqlite_store_reads_exactly_what_mlflow_client_get_metric_history_returns() {
    let Some(py) = harness::python() else { return };
    let (db, oracle) = harness::logged_sqlite(&py, "mlflow_store-exact");
    // The quirk this guards: MLflow's SQL store gives +inf back as f64::MAX, NaN as NaN.
    let loss = &oracle_run(&oracle, "adam-lr3e-4")["metrics"]["train_loss"];
    assert_eq!(loss[900][2], "nan");
    assert_eq!(loss[901][2].as_f64(), Some(f64::MAX));
    let read = read_path(&db, &ReadOptions::default());
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert_matches_oracle(&read.runs, &oracle);
    let adam = read.runs.iter().find(|r| r.name == "adam-lr3e-4").unwrap();
    let train = adam.series_named("train_loss").unwrap();
    assert!(train.values[900].is_nan() && train.values[901] == f64::INFINITY);
    assert_eq!(adam.series_named("grad_norm").unwrap().values, vec![f64::NEG_INFINITY]);
    assert!(adam.format == "mlflow-sqlite" && adam.notes.iter().any(|n| n.contains("3 params: batch_size=64, lr=3e-4")));
    assert!(adam.notes.iter().any(|n| n.contains("1 deleted run(s) in this store left out")), "{:?}", adam.notes);
    let keras = read.runs.iter().find(|r| r.name == "keras-autolog").unwrap();
    assert!(keras.series.iter().all(|s| s.axis == Axis::Epoch), "epochs=8 and steps 0..7: an epoch axis");
    assert!(read.runs.iter().any(|r| r.name.starts_with("adam-lr3e-4 (")), "two runs named alike are told apart");
}

#[test]
fn sqlite_store_is_read_from_its_directory_and_from_a_sqlite_uri() {
    let Some(py) = harness::python() else { return };
    let (db, oracle) = harness::logged_sqlite(&py, "mlflow_store-uri");
    let by_uri = read_path(Path::new(&format!("sqlite:///{}", db.display())), &ReadOptions::default());
    assert!(by_uri.errors.is_empty(), "{:?}", by_uri.errors);
    assert_matches_oracle(&by_uri.runs, &oracle);
    let by_dir = read_path(db.parent().unwrap(), &ReadOptions::default());
    assert!(by_dir.errors.is_empty(), "{:?}", by_dir.errors);
    assert_eq!(by_dir.runs.len(), by_uri.runs.len());
}

#[test]
fn sqlite_store_runs_are_picked_by_experiment_and_run_on_the_command_line() {
    let Some(py) = harness::python() else { return };
    let (db, oracle) = harness::logged_sqlite(&py, "mlflow_store-select");
    let db = db.to_str().unwrap();
    let names =
        |v: &Value| -> Vec<String> { v["runs"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect() };
    let other = inspect_json(&[db, "--experiment", "other-experiment"]);
    assert_eq!(names(&other).len(), 2, "{:?}", names(&other));
    let keras = inspect_json(&[db, "--run", "keras-autolog"]);
    assert_eq!(names(&keras), vec!["keras-autolog"]);
    let id = oracle_run(&oracle, "still-running")["id"].as_str().unwrap();
    assert_eq!(names(&inspect_json(&[db, "--run", id])), vec!["still-running"]);
    let deleted = oracle_run(&oracle, "deleted-run")["id"].as_str().unwrap();
    for (flag, value, says) in
        [("--run", "nope", "no run 'nope'"), ("--experiment", "nope", "no experiment 'nope'"), ("--run", deleted, "is deleted")]
    {
        let out = Command::cargo_bin("curvecheck").unwrap().args(["inspect", db, flag, value]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(err.contains(db) && err.contains(says), "{flag} {value}: {err}");
    }
    // diagnose works on a store like on any log: the NaN/inf in train_loss is a divergence.
    let out = Command::cargo_bin("curvecheck")
        .unwrap()
        .args(["diagnose", db, "--run", "adam-lr3e-4", "--experiment", "curvecheck-oracle"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("divergence"), "{text}");
}

#[test]
fn tracking_server_over_rest_reads_what_the_client_logged() {
    let Some(py) = harness::python() else { return };
    let dir = harness::scratch("mlflow_store-server");
    let server = harness::Server::start(&py, &dir);
    let oracle = harness::log_runs(&py, &server.url, &dir);
    let read = read_path(Path::new(&server.url), &ReadOptions::default());
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert_matches_oracle(&read.runs, &oracle);
    let long = read.runs.iter().find(|r| r.name == "long-run").unwrap();
    assert_eq!(long.series_named("train_loss").unwrap().len(), 25_300, "history pages followed");
    assert!(read.runs.iter().all(|r| r.format == "mlflow-server" && r.source.starts_with(&server.url)));
    // `mlflow:` reads wherever MLFLOW_TRACKING_URI points, as MLflow's client does.
    let out = Command::cargo_bin("curvecheck")
        .unwrap()
        .args(["inspect", "--format", "json", "mlflow:", "--experiment", "other-experiment"])
        .env("MLFLOW_TRACKING_URI", &server.url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), 2);
    drop(server);
}
