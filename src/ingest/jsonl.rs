//! JSON lines: one flat object per line (Detectron2 `metrics.json`, MMEngine
//! `scalars.json`, DeiT-style `log.txt`, hand-written `metrics.jsonl`).
//!
//! Each record is placed by its step field (`step`, `iteration`, …) or its
//! `epoch`. A string field such as `"kind": "epoch"` or `"mode": "val"` splits
//! records into groups whose series are named `<group>/<key>`. MMEngine writes
//! validation records whose `step` is the epoch (no `epoch` key beside it);
//! those are read on the epoch axis.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::builder::SeriesBuilder;
use super::cells::{json_number, sanitize_python_json, Cell};
use super::detect::strip_bom;
use super::IngestError;
use crate::model::{Axis, RepeatedX, Run};

const STEP_KEYS: &[&str] = &["step", "iteration", "global_step", "_step", "iter", "num_updates", "update"];
const EPOCH_KEY: &str = "epoch";
/// Prefix for MMEngine validation records, whose keys (`data_time`, `time`) repeat the training records'.
const MMENGINE_VAL_PREFIX: &str = "val/";
const GROUP_KEYS: &[&str] = &["kind", "mode", "phase", "split", "stage", "type"];

pub fn read(path: &Path, bytes: &[u8]) -> Result<Run, IngestError> {
    let text = String::from_utf8_lossy(strip_bom(bytes));
    let mut run = Run::new("", path.display().to_string(), "jsonl");
    let lines: Vec<&str> = text.lines().collect();
    let last_content = lines.iter().rposition(|l| !l.trim().is_empty());
    let mut records: Vec<(usize, Map<String, Value>)> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        run.records += 1;
        let clean = sanitize_python_json(line);
        match serde_json::from_str::<Value>(clean.as_deref().unwrap_or(line)) {
            Ok(Value::Object(m)) => records.push((i + 1, m)),
            Ok(_) => run.skip(format!("line {}", i + 1), "not a JSON object"),
            Err(e) if e.is_eof() && Some(i) == last_content => {
                run.skip(format!("line {}", i + 1), "last line is cut off (file still being written, or the job was killed)")
            }
            Err(e) => run.skip(format!("line {}", i + 1), format!("invalid JSON: {e}")),
        }
    }
    if records.is_empty() {
        return Err(IngestError::malformed(path, None, "no line holds a JSON object; nothing to read"));
    }
    if run.skipped_count > records.len() {
        let first = run.skipped.first().map(|s| format!("{}: {}", s.location, s.reason)).unwrap_or_default();
        return Err(IngestError::malformed(
            path,
            None,
            format!("most lines are not JSON objects ({} of {}); first: {first}", run.skipped_count, run.records),
        ));
    }

    let max_epoch = records
        .iter()
        .filter(|(_, m)| STEP_KEYS.iter().any(|k| m.contains_key(*k)))
        .filter_map(|(_, m)| m.get(EPOCH_KEY).and_then(Value::as_f64))
        .fold(f64::NEG_INFINITY, f64::max);

    let mut builder = SeriesBuilder::new(RepeatedX::Restart);
    let mut lists: BTreeMap<String, usize> = BTreeMap::new();
    let mut texts: BTreeMap<String, usize> = BTreeMap::new();
    let mut mmengine_val = 0usize;
    for (line, m) in &records {
        let group = GROUP_KEYS.iter().find_map(|k| m.get(*k).and_then(Value::as_str).map(|v| (*k, v)));
        let step_key = STEP_KEYS.iter().find(|k| m.get(**k).is_some_and(|v| json_number(v) != Cell::Text && !v.is_null()));
        let step = step_key.and_then(|k| num(&m[*k]));
        let epoch = m.get(EPOCH_KEY).and_then(num);
        let mut prefix = group.map(|(_, v)| format!("{v}/")).unwrap_or_default();
        let (axis, x, ep) = match (group.map(|g| g.1), step, epoch) {
            (Some("epoch"), _, Some(e)) => (Axis::Epoch, e, None),
            (_, Some(s), Some(e)) => (Axis::Step, s, Some(e)),
            // MMEngine: a validation record's `step` is the epoch when training records carry both.
            (None, Some(s), None) if max_epoch.is_finite() && s <= max_epoch + 1.0 => {
                prefix = MMENGINE_VAL_PREFIX.to_string();
                mmengine_val += 1;
                (Axis::Epoch, s, None)
            }
            (_, Some(s), None) => (Axis::Step, s, None),
            (_, None, Some(e)) => (Axis::Epoch, e, None),
            (_, None, None) => {
                run.skip(format!("line {line}"), "record has no step, iteration or epoch field");
                continue;
            }
        };
        for (k, v) in m {
            if Some(k.as_str()) == step_key.copied() || k == EPOCH_KEY || group.is_some_and(|g| g.0 == k) {
                continue;
            }
            push_value(&mut builder, &format!("{prefix}{k}"), v, axis, x, ep, &mut lists, &mut texts);
        }
    }
    if records.iter().any(|(_, m)| m.contains_key("iteration")) {
        run.format = "detectron2".into();
    } else if records.iter().all(|(_, m)| m.contains_key(EPOCH_KEY) && !STEP_KEYS.iter().any(|k| m.contains_key(*k))) {
        run.format = "deit-log".into();
    }
    if mmengine_val > 0 {
        run.format = "mmengine".into();
        run.notes.push(format!(
            "{mmengine_val} validation records carry no epoch and their step is the epoch (MMEngine); their series are named {MMENGINE_VAL_PREFIX}<key>"
        ));
    }
    for (k, n) in lists {
        run.notes.push(format!("'{k}' holds lists ({n} records), not a single curve; not read"));
    }
    for (k, n) in texts {
        run.notes.push(format!("'{k}' holds text ({n} records); not read"));
    }
    run.series = builder.finish();
    if run.series.is_empty() {
        let why = if run.skipped.iter().all(|s| s.reason.contains("no step")) && run.skipped_count > 0 {
            "no record has a step, iteration or epoch field, so nothing can be placed on a curve"
        } else {
            "no numeric field besides step/epoch in any record"
        };
        return Err(IngestError::malformed(path, None, why));
    }
    Ok(run)
}

fn num(v: &Value) -> Option<f64> {
    match json_number(v) {
        Cell::Number(x) if x.is_finite() => Some(x),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn push_value(
    builder: &mut SeriesBuilder,
    name: &str,
    v: &Value,
    axis: Axis,
    x: f64,
    epoch: Option<f64>,
    lists: &mut BTreeMap<String, usize>,
    texts: &mut BTreeMap<String, usize>,
) {
    match v {
        Value::Array(_) => *lists.entry(name.to_string()).or_default() += 1,
        // MMCV writes `lr` as a dict per optimizer: one series per entry.
        Value::Object(inner) => {
            for (k2, v2) in inner {
                if let Cell::Number(value) = json_number(v2) {
                    builder.push(&format!("{name}/{k2}"), axis, x, epoch, value);
                }
            }
        }
        _ => match json_number(v) {
            Cell::Number(value) => builder.push(name, axis, x, epoch, value),
            Cell::Missing => {}
            Cell::Text => *texts.entry(name.to_string()).or_default() += 1,
        },
    }
}
