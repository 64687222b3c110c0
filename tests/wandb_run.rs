//! W&B run files (issue 16): runs written by `wandb` itself in offline mode (no
//! network), read by curvecheck and compared with every history row of the
//! file as W&B's own protobuf classes decode it; a file cut off mid-block and a
//! bad checksum in the middle. Needs the venv of `tests/mlflow/setup_venv.sh`.

#[path = "mlflow/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::process::Command;

use curvecheck::ingest::{read_file, read_path, ReadOptions};
use curvecheck::model::Run;
use serde_json::Value;

/// Logs the runs into a fresh directory; returns it and the oracle.
fn logged(python: &Path, name: &str) -> (PathBuf, Value) {
    let dir = harness::scratch(name);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/wandb/log_offline.py");
    let oracle = dir.join("oracle.json");
    let out = Command::new(python).arg(&script).arg(&dir).arg(&oracle).env("WANDB_MODE", "offline").output().unwrap();
    assert!(out.status.success(), "log_offline.py failed:\n{}", String::from_utf8_lossy(&out.stderr));
    (dir, serde_json::from_slice(&std::fs::read(&oracle).unwrap()).unwrap())
}

/// W&B's `value_json` as a number: JSON numbers, and the bare `NaN`/`Infinity` W&B writes.
fn number(v: &str) -> Option<f64> {
    match v {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => serde_json::from_str::<Value>(v).ok()?.as_f64(),
    }
}

/// Every numeric key of every history row, in file order, is a point of that key's series at `_step`.
fn assert_matches(run: &Run, oracle: &Value) {
    let rows = oracle["history"].as_array().unwrap();
    let mut expected: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for row in rows {
        let step = row["_step"].as_f64().or_else(|| row["_step"].as_str().and_then(number)).unwrap();
        for (key, v) in row.as_object().unwrap() {
            let Some(value) = v.as_str().and_then(number).filter(|_| !key.starts_with('_')) else { continue };
            match expected.iter_mut().find(|(k, _)| k == key) {
                Some((_, pts)) => pts.push((step, value)),
                None => expected.push((key.clone(), vec![(step, value)])),
            }
        }
    }
    assert_eq!(run.series.len(), expected.len(), "{}: series", run.name);
    for (key, pts) in expected {
        let s = run.series_named(&key).unwrap_or_else(|| panic!("{}: no series {key}", run.name));
        assert_eq!(s.len(), pts.len(), "{key}: points");
        for (i, (x, v)) in pts.iter().enumerate() {
            assert_eq!(s.x[i], *x, "{key}[{i}] step");
            assert!(s.values[i] == *v || (s.values[i].is_nan() && v.is_nan()), "{key}[{i}]: read {}, W&B {v}", s.values[i]);
        }
    }
}

#[test]
fn wandb_offline_runs_read_exactly_what_wandb_wrote() {
    let Some(py) = harness::python() else { return };
    let (dir, oracle) = logged(&py, "wandb-exact");
    // The wandb/ folder: each run-*/ folder is one run (its debug.log and wandb-summary.json are not runs).
    let read = read_path(&dir.join("wandb"), &ReadOptions::default());
    assert!(read.errors.is_empty() && read.ignored.is_empty(), "{:?} {:?}", read.errors, read.ignored);
    // Both runs log the same losses: two W&B runs are still two runs.
    assert_eq!(read.runs.len(), 2, "{:?}", read.runs.iter().map(|r| &r.name).collect::<Vec<_>>());
    for o in oracle["runs"].as_array().unwrap() {
        let run = read.runs.iter().find(|r| r.name == o["name"].as_str().unwrap()).unwrap();
        assert_eq!(run.format, "wandb-run");
        assert_matches(run, o);
        assert!(
            run.notes.iter().any(|n| n.contains("config:") && n.contains("epochs=3") && n.contains(r#"model={"depth":18}"#)),
            "{:?}",
            run.notes
        );
        assert!(run.notes.iter().any(|n| n.contains("summary:") && n.contains("best_val=0.42")), "{:?}", run.notes);
    }
    let sgd = read.runs.iter().find(|r| r.name == "sgd-lr0.1").unwrap();
    let loss = sgd.series_named("train/loss").unwrap();
    assert!(loss.values[200].is_nan() && loss.values[201] == f64::INFINITY);
    assert!(loss.wall_time.as_ref().is_some_and(|w| w[0] > 1.7e9), "_timestamp is the wall time");
}

#[test]
fn a_wandb_file_cut_off_mid_block_keeps_every_complete_record_and_says_where() {
    let Some(py) = harness::python() else { return };
    let (_, oracle) = logged(&py, "wandb-cut");
    let file = PathBuf::from(oracle["runs"][0]["file"].as_str().unwrap());
    let bytes = std::fs::read(&file).unwrap();
    let full = read_file(&file, &ReadOptions::default()).unwrap();
    let cut = file.with_file_name("cut.wandb");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3 + 5]).unwrap();
    let run = read_file(&cut, &ReadOptions::default()).unwrap();
    assert!(run.notes.iter().any(|n| n.contains("the file ends inside a record at byte")), "{:?}", run.notes);
    let (n_full, n_cut) = (full.series_named("lr").unwrap().len(), run.series_named("lr").unwrap().len());
    assert!(n_cut > 0 && n_cut < n_full, "{n_cut} of {n_full}");
    let (a, b) = (full.series_named("lr").unwrap(), run.series_named("lr").unwrap());
    assert_eq!(&a.values[..n_cut], &b.values[..], "what was kept is what was logged");
}

#[test]
fn a_bad_checksum_in_the_middle_of_a_wandb_file_is_a_counted_skip() {
    let Some(py) = harness::python() else { return };
    let (_, oracle) = logged(&py, "wandb-crc");
    let file = PathBuf::from(oracle["runs"][0]["file"].as_str().unwrap());
    let mut bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 3 * 32 * 1024, "the file spans several blocks ({} bytes)", bytes.len());
    let middle = 32 * 1024 + 1000;
    bytes[middle] ^= 0x55;
    let bad = file.with_file_name("bad.wandb");
    std::fs::write(&bad, &bytes).unwrap();
    let run = read_file(&bad, &ReadOptions::default()).unwrap();
    assert!(run.skipped_count >= 1 && run.skipped.iter().any(|s| s.reason.contains("checksum")), "{:?}", run.skipped);
    let full = read_file(&file, &ReadOptions::default()).unwrap();
    let (a, b) = (full.series_named("lr").unwrap().len(), run.series_named("lr").unwrap().len());
    assert!(b < a && b > a / 2, "one block lost, the rest read: {b} of {a}");
    // --strict makes the skip an error naming the file.
    let out = assert_cmd::Command::cargo_bin("curvecheck").unwrap().args(["inspect", "--strict", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.wandb"));
}
