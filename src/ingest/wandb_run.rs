//! W&B's local run file, `wandb/run-*/run-<id>.wandb` (online and offline runs
//! alike): a 7-byte header (`:W&B`, magic 0xBEE1, version 0), then LevelDB's
//! log format — 32 KiB blocks of chunks `crc32 (u32 LE), length (u16 LE),
//! type (FULL 1, FIRST 2, MIDDLE 3, LAST 4)` — whose payloads are protobuf
//! `Record` messages (`wandb/proto/wandb_internal.proto`). The checksum is
//! CRC-32 (IEEE, zlib's) over the type byte and the data, unmasked.
//!
//! History rows become series at `_step`, with `_timestamp` as wall time;
//! the run's config and summary are kept as notes. A chunk whose checksum
//! fails is skipped and counted, and reading resumes at the next block, as
//! LevelDB's own reader does; a file cut off mid-chunk (a run still going, a
//! crashed one) keeps every complete record and says where it stopped.

use std::io::Read;
use std::path::{Path, PathBuf};

use prost::Message;

use super::builder::SeriesBuilder;
use super::IngestError;
use crate::model::LogFormat;
use crate::model::{Axis, RepeatedX, Run};

const HEADER: &[u8; 7] = b":W&B\xe1\xbe\x00";
const BLOCK: usize = 32 * 1024;
const CHUNK_HEADER: usize = 7;
/// Config and summary entries shown in a note; the rest are counted.
const SHOWN: usize = 12;

#[derive(Clone, PartialEq, Message)]
struct Record {
    #[prost(message, optional, tag = "2")]
    history: Option<HistoryRecord>,
    #[prost(message, optional, tag = "3")]
    summary: Option<ItemsRecord>,
    #[prost(message, optional, tag = "5")]
    config: Option<ItemsRecord>,
    #[prost(message, optional, tag = "17")]
    run: Option<RunRecord>,
}

#[derive(Clone, PartialEq, Message)]
struct HistoryRecord {
    #[prost(message, repeated, tag = "1")]
    item: Vec<Item>,
    #[prost(message, optional, tag = "2")]
    step: Option<HistoryStep>,
}

#[derive(Clone, PartialEq, Message)]
struct HistoryStep {
    #[prost(int64, tag = "1")]
    num: i64,
}

/// `HistoryItem`, `ConfigItem` and `SummaryItem` share these fields; typed values are newer.
#[derive(Clone, PartialEq, Message)]
struct Item {
    #[prost(string, tag = "1")]
    key: String,
    #[prost(string, repeated, tag = "2")]
    nested_key: Vec<String>,
    #[prost(sint64, optional, tag = "5")]
    integer: Option<i64>,
    #[prost(double, optional, tag = "6")]
    number: Option<f64>,
    #[prost(string, tag = "16")]
    value_json: String,
}

/// `ConfigRecord` and `SummaryRecord`: updates (removals are not needed for notes).
#[derive(Clone, PartialEq, Message)]
struct ItemsRecord {
    #[prost(message, repeated, tag = "1")]
    update: Vec<Item>,
}

#[derive(Clone, PartialEq, Message)]
struct RunRecord {
    #[prost(string, tag = "1")]
    run_id: String,
    #[prost(string, tag = "3")]
    project: String,
    #[prost(message, optional, tag = "4")]
    config: Option<ItemsRecord>,
    #[prost(string, tag = "8")]
    display_name: String,
}

/// True when the file starts with W&B's header.
pub fn is_wandb(path: &Path) -> bool {
    let mut head = [0u8; 7];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == HEADER
}

/// The run file of a W&B run directory (`run-<id>.wandb`), if `dir` is one.
pub fn run_file(dir: &Path) -> Option<PathBuf> {
    let name = dir.file_name()?.to_string_lossy().into_owned();
    if !(name.starts_with("run-") || name.starts_with("offline-run-")) {
        return None;
    }
    std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == "wandb") && p.is_file())
}

pub fn read(path: &Path) -> Result<Run, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
    if !bytes.starts_with(HEADER) {
        return Err(IngestError::not_a_log(path, "not a W&B run file (no ':W&B' header)"));
    }
    let mut run = Run::new("", path.display().to_string(), LogFormat::WandbRun);
    let mut state = State { builder: SeriesBuilder::new(RepeatedX::Keep), config: Vec::new(), summary: Vec::new(), name: None };
    let mut pos = HEADER.len();
    let mut pending: Option<(usize, Vec<u8>)> = None;
    while pos < bytes.len() {
        let left = BLOCK - pos % BLOCK;
        if left < CHUNK_HEADER {
            pos += left;
            continue;
        }
        if pos + CHUNK_HEADER > bytes.len() {
            run.notes.push(cut_note(pos, bytes.len()));
            break;
        }
        let h = &bytes[pos..pos + CHUNK_HEADER];
        let crc = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let len = usize::from(u16::from_le_bytes([h[4], h[5]]));
        let kind = h[6];
        if kind == 0 && len == 0 && crc == 0 {
            pos += left; // zero padding to the end of the block
            continue;
        }
        if CHUNK_HEADER + len > left {
            run.skip(format!("byte {pos}"), format!("a chunk of {len} bytes would cross its 32 KiB block: the file is damaged here"));
            pending = None;
            pos += left;
            continue;
        }
        if pos + CHUNK_HEADER + len > bytes.len() {
            run.notes.push(cut_note(pos, bytes.len()));
            break;
        }
        let data = &bytes[pos + CHUNK_HEADER..pos + CHUNK_HEADER + len];
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&[kind]);
        hasher.update(data);
        if hasher.finalize() != crc {
            run.skip(format!("byte {pos}"), "checksum mismatch: the rest of this 32 KiB block is skipped");
            pending = None;
            pos += left;
            continue;
        }
        let start = pos;
        pos += CHUNK_HEADER + len;
        let whole = match (kind, pending.take()) {
            (1, _) => Some((start, data.to_vec())),
            (2, _) => {
                pending = Some((start, data.to_vec()));
                None
            }
            (3, Some((s, mut buf))) => {
                buf.extend_from_slice(data);
                pending = Some((s, buf));
                None
            }
            (4, Some((s, mut buf))) => {
                buf.extend_from_slice(data);
                Some((s, buf))
            }
            _ => {
                run.skip(format!("byte {start}"), format!("chunk type {kind} out of order (a lost FIRST chunk)"));
                None
            }
        };
        if let Some((at, record)) = whole {
            run.records += 1;
            match Record::decode(record.as_slice()) {
                Ok(r) => state.add(r, &mut run, at),
                Err(e) => run.skip(format!("byte {at}"), format!("record does not decode: {e}")),
            }
        }
    }
    state.finish(&mut run, path);
    if run.series.is_empty() {
        return Err(IngestError::malformed(path, None, "the W&B run file holds no numeric history (nothing was wandb.log'ged yet?)"));
    }
    Ok(run)
}

fn cut_note(pos: usize, len: usize) -> String {
    format!("the file ends inside a record at byte {pos} of {len} (a run still going, or one that crashed): every complete record before it is read")
}

struct State {
    builder: SeriesBuilder,
    config: Vec<(String, String)>,
    summary: Vec<(String, String)>,
    name: Option<String>,
}

impl State {
    fn add(&mut self, r: Record, run: &mut Run, at: usize) {
        if let Some(h) = r.history {
            let key_of = |i: &Item| if i.key.is_empty() { i.nested_key.join("/") } else { i.key.clone() };
            let step = h.step.map(|s| s.num as f64).or_else(|| h.item.iter().find(|i| key_of(i) == "_step").and_then(value));
            let Some(step) = step else {
                run.skip(format!("byte {at}"), "history row without a step");
                return;
            };
            let wall = h.item.iter().find(|i| key_of(i) == "_timestamp").and_then(value);
            for item in &h.item {
                let key = key_of(item);
                if key.starts_with('_') {
                    continue;
                }
                // Media, tables and strings are not curves: left out without a skip, as a CSV's text columns are.
                if let Some(v) = value(item) {
                    self.builder.push_timed(&key, Axis::Step, step, None, v, wall);
                }
            }
        }
        if let Some(run_record) = r.run {
            if !run_record.display_name.is_empty() {
                self.name = Some(run_record.display_name.clone());
            } else if self.name.is_none() && !run_record.run_id.is_empty() {
                self.name = Some(run_record.run_id.clone());
            }
            merge(&mut self.config, run_record.config.map(|c| c.update).unwrap_or_default());
        }
        merge(&mut self.config, r.config.map(|c| c.update).unwrap_or_default());
        merge(&mut self.summary, r.summary.map(|c| c.update).unwrap_or_default());
    }

    fn finish(self, run: &mut Run, path: &Path) {
        run.series = self.builder.finish();
        run.name = self.name.unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
        for (k, v) in self.config.iter().filter(|(k, _)| !k.starts_with('_')) {
            super::hparams::insert_json_text(&mut run.hparams.values, k, v);
        }
        if !run.hparams.is_empty() {
            run.hparams.source = Some("W&B run config".into());
        }
        for (what, items) in [("config", self.config), ("summary", self.summary)] {
            let items: Vec<(String, String)> = items.into_iter().filter(|(k, _)| !k.starts_with('_')).collect();
            if !items.is_empty() {
                let shown: Vec<String> = items.iter().take(SHOWN).map(|(k, v)| format!("{k}={v}")).collect();
                run.notes.push(format!("{} {what}: {}{}", items.len(), shown.join(", "), if items.len() > SHOWN { ", …" } else { "" }));
            }
        }
    }
}

/// Later updates of a key replace earlier ones, in first-seen order.
fn merge(into: &mut Vec<(String, String)>, items: Vec<Item>) {
    for i in items {
        let key = if i.key.is_empty() { i.nested_key.join("/") } else { i.key.clone() };
        let v = match (i.number, i.integer) {
            (Some(n), _) => n.to_string(),
            (None, Some(n)) => n.to_string(),
            _ => i.value_json,
        };
        match into.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = v,
            None => into.push((key, v)),
        }
    }
}

/// A numeric history value: a typed number, or `value_json` holding a number, `NaN` or `±Infinity`.
fn value(i: &Item) -> Option<f64> {
    if let Some(n) = i.number {
        return Some(n);
    }
    if let Some(n) = i.integer {
        return Some(n as f64);
    }
    match i.value_json.trim() {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        t if t.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => t.parse().ok(),
        _ => None,
    }
}
