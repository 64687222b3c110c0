//! MLflow's file store: `mlruns/<experiment>/<run>/metrics/<key>`, one text
//! file per metric with lines `<timestamp ms> <value> <step>` (two fields in
//! old versions: step 0; MLflow 3 adds a fourth, the run id). Keys with `/`
//! are sub-folders. The run's name comes from `tags/mlflow.runName` or
//! `meta.yaml`, its parameters from `params/` (kept as a note).
//!
//! Autologging frameworks (Keras, Lightning) log once per epoch with
//! `step` = epoch; when `params/epochs` says N epochs and every step is below
//! N, the steps are read as epochs.

use std::path::{Path, PathBuf};

use super::builder::SeriesBuilder;
use super::cells::{parse_cell, Cell};
use super::IngestError;
use crate::model::LogFormat;
use crate::model::{Axis, RepeatedX, Run};

/// `(step, value, wall time in seconds)` of one metric line.
pub(super) type Point = (f64, f64, f64);

/// An MLflow run directory: `meta.yaml` beside a `metrics/` folder.
pub fn is_run_dir(dir: &Path) -> bool {
    dir.join("meta.yaml").is_file() && dir.join("metrics").is_dir()
}

/// Reads one MLflow run directory (see [`is_run_dir`]), named by its run name; an error when no metric has a value.
pub fn read(dir: &Path) -> Result<Run, IngestError> {
    let mut run = Run::new("", dir.display().to_string(), LogFormat::Mlflow);
    let files = metric_files(&dir.join("metrics"));
    let params = single_values(&dir.join("params"));
    let mut points: Vec<(String, Vec<Point>)> = Vec::new();
    for (key, path) in &files {
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
        let mut pts = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            run.records += 1;
            let fields: Vec<&str> = line.split_whitespace().collect();
            let where_ = || format!("metrics/{key}: line {}", i + 1);
            let (ts, value, step) = match fields.as_slice() {
                [ts, v] => (ts, v, &"0"),
                [ts, v, step] | [ts, v, step, _] => (ts, v, step),
                _ => {
                    run.skip(where_(), format!("expected 'timestamp value step', found {} fields", fields.len()));
                    continue;
                }
            };
            match (parse_cell(ts), parse_cell(value), parse_cell(step)) {
                (Cell::Number(t), Cell::Number(v), Cell::Number(s)) if s.is_finite() => pts.push((s, v, t / 1000.0)),
                _ => run.skip(where_(), format!("'{line}' is not three numbers")),
            }
        }
        points.push((key.clone(), pts));
    }
    finish(&mut run, &points, &params);
    run.name = run_name(dir);
    if run.series.is_empty() {
        return Err(IngestError::malformed(dir, None, "MLflow run has no metric values"));
    }
    Ok(run)
}

/// Turns each metric's points into series and keeps the params as a note. Shared by
/// the file store, the SQLite store and the tracking server, so one MLflow run reads
/// the same wherever it is kept.
///
/// Autologging frameworks log once per epoch with `step` = epoch: when the
/// `epochs` param says N and every step is below N, the steps are read as epochs.
pub(super) fn finish(run: &mut Run, points: &[(String, Vec<Point>)], params: &[(String, String)]) {
    let epochs = params.iter().find(|(k, _)| k == "epochs").and_then(|(_, v)| v.trim().parse::<f64>().ok());
    let per_epoch = epochs.is_some_and(|n| points.iter().all(|(_, p)| p.iter().all(|(s, _, _)| *s < n)));
    let axis = if per_epoch { Axis::Epoch } else { Axis::Step };
    let mut builder = SeriesBuilder::new(RepeatedX::Restart);
    for (key, pts) in points {
        for &(s, v, t) in pts {
            builder.push_timed(key, axis, s, None, v, Some(t));
        }
    }
    run.series = builder.finish();
    if per_epoch {
        run.notes.push(format!("params/epochs = {} and every step is below it: steps read as epochs", epochs.unwrap_or(0.0)));
    }
    run.hparams.values = params.iter().map(|(k, v)| (k.clone(), crate::model::HValue::parse(v))).collect();
    if !params.is_empty() {
        run.hparams.source = Some("MLflow params".into());
        let shown: Vec<String> = params.iter().take(12).map(|(k, v)| format!("{k}={}", v.trim())).collect();
        run.notes.push(format!("{} params: {}{}", params.len(), shown.join(", "), if params.len() > 12 { ", …" } else { "" }));
    }
}

/// `tags/mlflow.runName`, else `run_name:` in meta.yaml, else the run id.
fn run_name(dir: &Path) -> String {
    let id = dir.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    if let Ok(n) = std::fs::read_to_string(dir.join("tags").join("mlflow.runName")) {
        if !n.trim().is_empty() {
            return n.trim().to_string();
        }
    }
    let meta = std::fs::read_to_string(dir.join("meta.yaml")).unwrap_or_default();
    meta.lines()
        .find_map(|l| l.strip_prefix("run_name:"))
        .map(|v| v.trim().trim_matches('\'').trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or(id)
}

/// Metric files below `metrics/`, keyed by their path with `/` (nested keys), in name order.
fn metric_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => {
                    if let Ok(rel) = p.strip_prefix(root) {
                        out.push((rel.to_string_lossy().replace('\\', "/"), p));
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// `params/` and `tags/` hold one value per file.
fn single_values(dir: &Path) -> Vec<(String, String)> {
    metric_files(dir).into_iter().filter_map(|(k, p)| Some((k, std::fs::read_to_string(p).ok()?))).collect()
}
