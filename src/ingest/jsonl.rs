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

use std::borrow::Cow;

use serde_json::error::Category;
use serde_json::value::RawValue;
use serde_json::Value;

use super::builder::SeriesBuilder;
use super::cells::strip_bom;
use super::cells::{json_number, sanitize_python_json, Cell};
use super::IngestError;
use crate::model::LogFormat;
use crate::model::{Axis, RepeatedX, Run};

const STEP_KEYS: &[&str] = &["step", "iteration", "global_step", "_step", "iter", "num_updates", "update"];
const EPOCH_KEY: &str = "epoch";
/// Prefix for MMEngine validation records, whose keys (`data_time`, `time`) repeat the training records'.
const MMENGINE_VAL_PREFIX: &str = "val/";
const GROUP_KEYS: &[&str] = &["kind", "mode", "phase", "split", "stage", "type"];

/// Where the lines come from: memory, or a file read twice (never held whole).
pub enum Lines<'a> {
    /// The whole file, already read.
    Memory(&'a [u8]),
    /// A file too large to hold, read line by line on each pass.
    File(&'a Path),
}

impl Lines<'_> {
    /// Calls `f(line number, line)` for every line.
    fn each(&self, path: &Path, f: &mut dyn FnMut(usize, &str)) -> Result<(), IngestError> {
        match self {
            Lines::Memory(bytes) => {
                let text = String::from_utf8_lossy(strip_bom(bytes));
                for (i, line) in text.lines().enumerate() {
                    f(i + 1, line);
                }
            }
            Lines::File(file) => {
                use std::io::BufRead;
                let io = |source| IngestError::Io { path: path.display().to_string(), source };
                let mut reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(file).map_err(io)?);
                let mut buf = Vec::new();
                let mut n = 0;
                loop {
                    buf.clear();
                    if reader.read_until(b'\n', &mut buf).map_err(io)? == 0 {
                        break;
                    }
                    n += 1;
                    let bytes = if n == 1 { strip_bom(&buf) } else { &buf[..] };
                    let line = String::from_utf8_lossy(bytes);
                    f(n, line.trim_end_matches(['\n', '\r']));
                }
            }
        }
        Ok(())
    }
}

fn parse(line: &str) -> Result<Value, serde_json::Error> {
    let clean = sanitize_python_json(line);
    serde_json::from_str::<Value>(clean.as_deref().unwrap_or(line))
}

/// [`read_lines`] over a file already in memory.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Run, IngestError> {
    read_lines(path, &Lines::Memory(bytes))
}

/// Two passes over the lines, so nothing but the series is kept: the first
/// checks every line and finds the largest epoch of training records (which
/// MMEngine's validation records need), the second places the values.
pub fn read_lines(path: &Path, lines: &Lines) -> Result<Run, IngestError> {
    let mut run = Run::new("", path.display().to_string(), LogFormat::Jsonl);
    let mut objects = 0usize;
    let mut max_epoch = f64::NEG_INFINITY;
    let (mut any_iteration, mut all_epoch_only) = (false, true);
    // A JSON error that ends at the end of its line is a cut-off last line only if no line follows.
    let mut pending_eof: Option<(usize, String)> = None;
    lines.each(path, &mut |n, line| {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        if let Some((at, msg)) = pending_eof.take() {
            run.skip(format!("line {at}"), msg);
        }
        run.records += 1;
        // This pass only checks the line and reads a few keys: values stay unparsed, borrowed
        // from the line, so the second pass is the only one that builds values.
        let clean = sanitize_python_json(line);
        match serde_json::from_str::<BTreeMap<Cow<str>, &RawValue>>(clean.as_deref().unwrap_or(line)) {
            Ok(m) => {
                objects += 1;
                let has_step = STEP_KEYS.iter().any(|k| m.contains_key(*k));
                if has_step {
                    if let Some(e) = m.get(EPOCH_KEY).and_then(|v| v.get().parse::<f64>().ok()) {
                        max_epoch = max_epoch.max(e);
                    }
                }
                any_iteration |= m.contains_key("iteration");
                all_epoch_only &= m.contains_key(EPOCH_KEY) && !has_step;
            }
            Err(e) if e.classify() == Category::Data => run.skip(format!("line {n}"), "not a JSON object"),
            Err(e) if e.is_eof() => pending_eof = Some((n, format!("invalid JSON: {e}"))),
            Err(e) => run.skip(format!("line {n}"), format!("invalid JSON: {e}")),
        }
    })?;
    if let Some((at, _)) = pending_eof {
        run.skip(format!("line {at}"), "last line is cut off (file still being written, or the job was killed)");
    }
    if objects == 0 {
        return Err(IngestError::malformed(path, None, "no line holds a JSON object; nothing to read"));
    }
    if run.skipped_count > objects {
        let first = run.skipped.first().map(|s| format!("{}: {}", s.location, s.reason)).unwrap_or_default();
        return Err(IngestError::malformed(
            path,
            None,
            format!("most lines are not JSON objects ({} of {}); first: {first}", run.skipped_count, run.records),
        ));
    }

    let mut builder = SeriesBuilder::new(RepeatedX::Restart);
    let mut lists: BTreeMap<String, usize> = BTreeMap::new();
    let mut texts: BTreeMap<String, usize> = BTreeMap::new();
    let mut mmengine_val = 0usize;
    let mut no_place = Vec::new();
    lines.each(path, &mut |line, text| {
        let Ok(Value::Object(m)) = parse(text.trim()) else { return };
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
                no_place.push(line);
                return;
            }
        };
        for (k, v) in &m {
            if Some(k.as_str()) == step_key.copied() || k == EPOCH_KEY || group.is_some_and(|g| g.0 == k) {
                continue;
            }
            push_value(&mut builder, &format!("{prefix}{k}"), v, axis, x, ep, &mut lists, &mut texts);
        }
    })?;
    for line in &no_place {
        run.skip(format!("line {line}"), "record has no step, iteration or epoch field");
    }
    if any_iteration {
        run.format = LogFormat::Detectron2;
    } else if all_epoch_only {
        run.format = LogFormat::DeitLog;
    }
    if mmengine_val > 0 {
        run.format = LogFormat::Mmengine;
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
        // One object with no step is a settings file (params.json of numbers only, cfg/args.json), not a log.
        if objects <= 1 && no_place.len() == objects {
            return Err(IngestError::not_a_log(
                path,
                "one JSON object with no step, iteration or epoch field: settings, not a training log",
            ));
        }
        let why = if !no_place.is_empty() && no_place.len() == objects {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_read_twice_from_disk_equals_the_bytes_in_memory() {
        for rel in [
            "real-runs/dev_overfit_bc_noisy_adam/metrics.jsonl",
            "real-logs/mmengine/balloon-rtmdet_vis_data_20230619_171252.json",
            "real-logs/detectron2/mask2former-mgm_metrics.json",
            "bad/jsonl_last_line_cut.jsonl",
        ] {
            let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel);
            let memory = read(&path, &std::fs::read(&path).unwrap()).unwrap();
            let disk = read_lines(&path, &Lines::File(&path)).unwrap();
            // Compared as JSON: NaN (bbox/APs) is not equal to itself under PartialEq.
            assert_eq!(serde_json::to_string(&memory).unwrap(), serde_json::to_string(&disk).unwrap(), "{rel}");
        }
    }
}
