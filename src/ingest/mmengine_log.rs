//! MMEngine's text log (`<timestamp>/<timestamp>.log`): the lines
//!
//! ```text
//! … - mmengine - INFO - Epoch(train)  [1][5/6]  lr: 2.5864e-05  eta: 0:11:54  loss: 2.7458 …
//! … - mmengine - INFO - Epoch(val) [10][13/13]    coco/bbox_mAP: 0.4730 …
//! ```
//!
//! Training lines are placed at the global iteration `(epoch - 1) * N + i`,
//! as MMEngine's own `scalars.json` places them; validation results (the
//! line that ends an evaluation, `[i/N]` with `i = N`) at their epoch, named
//! `val/<key>` like the JSON reader names them. `Iter(...)` runners are placed
//! at their iteration. Values that are not numbers (`eta: 0:11:54`) are left out.

use std::path::Path;

use std::sync::LazyLock;

use regex::Regex;

use super::builder::SeriesBuilder;
use super::cells::strip_bom;
use super::cells::{parse_cell, Cell};
use super::IngestError;
use crate::model::LogFormat;
use crate::model::{Axis, RepeatedX, Run};

/// `Epoch(train) [e][i/N]`, `Epoch(val) [e][i/N]`, `Iter(train) [i/N]`: compiled once.
static HEAD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(Epoch|Iter)\((\w+)\)\s*\[\s*(\d+)\s*\](?:\[\s*(\d+)\s*/\s*(\d+)\s*\])?|(Iter)\((\w+)\)\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
        .ok()
});
/// `key: value` pairs after the head.
static PAIR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"([A-Za-z_][\w/().\-]*):\s+(\S+)").ok());

/// The marker MMEngine's logger puts in every line.
pub const MARKER: &str = " - mmengine - ";

/// Reads an MMEngine text log; an error when it has no `Epoch(train)`/`Iter(train)` line.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Run, IngestError> {
    let text = String::from_utf8_lossy(strip_bom(bytes));
    let (Some(head), Some(pair)) = (HEAD.as_ref(), PAIR.as_ref()) else {
        return Err(IngestError::malformed(path, None, "internal: the MMEngine line patterns do not compile"));
    };
    let mut run = Run::new("", path.display().to_string(), LogFormat::MmengineLog);
    let mut builder = SeriesBuilder::new(RepeatedX::Restart);
    let mut last_train_iter = 0.0;
    for line in text.lines() {
        let Some(c) = head.captures(line) else { continue };
        run.records += 1;
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<f64>().ok());
        let rest = &line[c.get(0).map_or(0, |m| m.end())..];
        let (mode, axis, x, epoch, last_of_eval) = if c.get(6).is_some() {
            // Iter(mode) [i/N]
            let (i, n) = (num(8).unwrap_or(0.0), num(9).unwrap_or(0.0));
            (c.get(7).map_or("", |m| m.as_str()), Axis::Step, i, None, i >= n)
        } else if c.get(1).is_some_and(|m| m.as_str() == "Epoch") {
            let e = num(3).unwrap_or(0.0);
            let (i, n) = (num(4).unwrap_or(0.0), num(5).unwrap_or(0.0));
            (c.get(2).map_or("", |m| m.as_str()), Axis::Step, (e - 1.0) * n + i, Some(e), i >= n)
        } else {
            let i = num(3).unwrap_or(0.0);
            (c.get(2).map_or("", |m| m.as_str()), Axis::Step, i, None, true)
        };
        let (name_prefix, axis, x) = match mode {
            "train" => {
                last_train_iter = x;
                ("", axis, x)
            }
            _ if !last_of_eval => continue,
            _ => match epoch {
                Some(e) => ("val/", Axis::Epoch, e),
                None => ("val/", Axis::Step, last_train_iter),
            },
        };
        for p in pair.captures_iter(rest) {
            let (Some(k), Some(v)) = (p.get(1), p.get(2)) else { continue };
            if let Cell::Number(value) = parse_cell(v.as_str()) {
                let name = format!("{name_prefix}{}", k.as_str());
                builder.push(&name, axis, x, if mode == "train" { epoch } else { None }, value);
            }
        }
    }
    run.series = builder.finish();
    if run.series.is_empty() {
        return Err(IngestError::malformed(path, None, "an MMEngine log without Epoch(train)/Iter(train) lines; nothing to read"));
    }
    run.notes.push("text log: values are rounded as printed (4 significant digits); the run's scalars.json holds them exactly".into());
    Ok(run)
}
