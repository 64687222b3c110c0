//! Which reader a file needs, decided from its first bytes.

use std::path::Path;

use super::cells::strip_bom;
use super::IngestError;

/// Every format curvecheck reads. The name is what `inspect` prints and what `--input-format` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Keras `CSVLogger` (`epoch` + sorted keys, `NA` cells).
    KerasCsvlogger,
    /// `pd.DataFrame(history.history).to_csv()`: an unnamed index column.
    KerasHistoryCsv,
    /// PyTorch Lightning `CSVLogger` `metrics.csv` (sparse rows).
    LightningCsvlogger,
    /// Ultralytics / YOLOv5 `results.csv`.
    Ultralytics,
    /// timm `summary.csv`.
    TimmSummary,
    /// Any other CSV or TSV with a step or epoch column.
    Csv,
    /// Weights & Biases UI export: `"Step"`, then `"<run> - <metric>"` columns.
    WandbCsv,
    /// Hugging Face `trainer_state.json`.
    HfTrainerState,
    /// `json.dump(history.history)`: parallel lists.
    KerasHistoryJson,
    /// One JSON object per line: Detectron2, MMEngine, DeiT `log.txt`, others.
    Jsonl,
    /// TensorBoard `events.out.tfevents.*`.
    Tfevents,
    /// MMEngine's text log (`Epoch(train) [1][5/6] lr: … loss: …`).
    MmengineLog,
    /// Console output: lines with an epoch or step and `key: value` pairs (`Epoch 3/20 - loss: 0.41`).
    ConsoleLog,
}

/// Formats read by the same reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// CSV or TSV with a header row.
    Csv,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// TensorBoard event files.
    Tfevents,
    /// Text logs: MMEngine's, and console output.
    Text,
}

impl Format {
    /// The reader family that reads this format.
    pub fn family(self) -> Family {
        match self {
            Format::KerasCsvlogger
            | Format::KerasHistoryCsv
            | Format::LightningCsvlogger
            | Format::Ultralytics
            | Format::TimmSummary
            | Format::Csv
            | Format::WandbCsv => Family::Csv,
            Format::HfTrainerState | Format::KerasHistoryJson => Family::Json,
            Format::Jsonl => Family::JsonLines,
            Format::Tfevents => Family::Tfevents,
            Format::MmengineLog | Format::ConsoleLog => Family::Text,
        }
    }

    /// The kind of log this reader produces (JSON lines are refined by content: Detectron2, MMEngine, DeiT).
    pub fn log_format(self) -> crate::model::LogFormat {
        use crate::model::LogFormat as L;
        match self {
            Format::KerasCsvlogger => L::KerasCsvlogger,
            Format::KerasHistoryCsv => L::KerasHistoryCsv,
            Format::LightningCsvlogger => L::LightningCsvlogger,
            Format::Ultralytics => L::Ultralytics,
            Format::TimmSummary => L::TimmSummary,
            Format::Csv => L::Csv,
            Format::WandbCsv => L::WandbCsv,
            Format::HfTrainerState => L::HfTrainerState,
            Format::KerasHistoryJson => L::KerasHistoryJson,
            Format::Jsonl => L::Jsonl,
            Format::Tfevents => L::Tfevents,
            Format::MmengineLog => L::MmengineLog,
            Format::ConsoleLog => L::ConsoleLog,
        }
    }

    /// The kebab-case name `--input-format` takes and `inspect` prints.
    pub fn name(self) -> &'static str {
        self.log_format().as_str()
    }
}

/// File names worth reading when a directory is given.
pub fn looks_like_log_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("events.out.tfevents")
        || [".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".log", ".out"].iter().any(|e| lower.ends_with(e))
        || lower == "log.txt"
}

/// Decides the format from content: TFRecord framing, JSON shape, or CSV header.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format, IngestError> {
    let err = |msg: &str| Err(IngestError::not_a_log(path, msg));
    if bytes.is_empty() {
        return err("file is empty");
    }
    if bytes.starts_with(b"version https://git-lfs") {
        return err("this is a Git LFS pointer, not the log itself; run `git lfs pull` to fetch the file");
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return err("file is UTF-16 encoded; save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)");
    }
    if bytes.starts_with(&[0x1f, 0x8b]) || bytes.starts_with(b"PK\x03\x04") {
        return err("file is compressed (gzip/zip); decompress it first");
    }
    if super::tfevents::looks_like_tfrecord(bytes) {
        return Ok(Format::Tfevents);
    }
    let text_start = &bytes[..bytes.len().min(64 * 1024)];
    let text = strip_bom(text_start);
    // Terminal output kept as a log has colour escapes (ESC) and backspaces (Keras' progress bar on a terminal).
    let printable = text.iter().filter(|&&b| matches!(b, b'\n' | b'\r' | b'\t' | 0x08 | 0x1b) || (b >= 0x20 && b != 0x7f)).count();
    if printable * 10 < text.len() * 9 {
        return err("file is binary and not a TensorBoard event file; curvecheck reads CSV, JSON, JSON lines and tfevents logs");
    }
    let lower = path.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return err("a YAML file (hyper-parameters or config), not a training log; point curvecheck at the metrics file beside it (metrics.csv, events.out.tfevents.*)");
    }
    let start = String::from_utf8_lossy(&text[..text.len().min(512)]).trim_start().to_ascii_lowercase();
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return err("an HTML page, not a log (a web page saved instead of the raw file? download the raw file)");
    }
    if String::from_utf8_lossy(text).contains(super::mmengine_log::MARKER) {
        return Ok(Format::MmengineLog);
    }
    let first = text.iter().position(|b| !b.is_ascii_whitespace()).map(|i| text[i]);
    match first {
        None => err("file holds only whitespace"),
        Some(b'{') => Ok(detect_json(bytes)),
        Some(b'[') => {
            err("a JSON array at the top level is not a training log curvecheck knows; expected an object or one object per line")
        }
        Some(_) if super::console::looks_like(&String::from_utf8_lossy(text)) => Ok(Format::ConsoleLog),
        Some(_) => Ok(detect_csv(path, text)),
    }
}

/// A JSON document (trainer state, Keras history) or JSON lines: if the first
/// line is a complete object and another object follows, it is JSON lines.
fn detect_json(bytes: &[u8]) -> Format {
    let text = strip_bom(bytes);
    let mut lines = text.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    let first = lines.next().unwrap_or_default();
    let first_str = String::from_utf8_lossy(first);
    let clean = super::cells::sanitize_python_json(&first_str).unwrap_or_else(|| first_str.to_string());
    let first = serde_json::from_str::<serde_json::Value>(&clean).ok();
    if let Some(serde_json::Value::Object(m)) = &first {
        if lines.next().is_some() || !m.values().any(|v| v.is_array()) {
            return Format::Jsonl;
        }
    }
    let head = String::from_utf8_lossy(&text[..text.len().min(1 << 20)]);
    if head.contains("\"log_history\"") {
        return Format::HfTrainerState;
    }
    Format::KerasHistoryJson
}

fn detect_csv(path: &Path, text: &[u8]) -> Format {
    let file_name = path.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let head = String::from_utf8_lossy(text);
    let header_line = head.lines().next().unwrap_or_default();
    let names: Vec<String> = header_line.split([',', '\t', ';']).map(|c| c.trim().trim_matches('"').to_string()).collect();
    let has = |n: &str| names.iter().any(|c| c == n);
    if super::wandb::is_export(&names) {
        return Format::WandbCsv;
    }
    if names.first().is_some_and(|n| n.is_empty() || n == "Unnamed: 0") {
        return Format::KerasHistoryCsv;
    }
    if names.iter().any(|n| n.starts_with("metrics/") || n.starts_with("x/lr") || n.starts_with("lr/pg") || n.starts_with("train/box")) {
        return Format::Ultralytics;
    }
    if names.len() >= 3 && names[0] == "epoch" && names[1] == "train_loss" && names.iter().any(|n| n.starts_with("eval_")) {
        return Format::TimmSummary;
    }
    if has("created_at")
        || (has("step")
            && has("epoch")
            && (file_name.ends_with("metrics.csv")
                || sparse(&head)
                || names.iter().any(|n| n.ends_with("_step") || n.ends_with("_epoch") || n.starts_with("lr-"))))
    {
        return Format::LightningCsvlogger;
    }
    if names.first().is_some_and(|n| n == "epoch") && !has("step") {
        let rest = &names[1..];
        if rest.windows(2).all(|w| w[0] <= w[1]) {
            return Format::KerasCsvlogger;
        }
    }
    Format::Csv
}

/// Lightning writes one row per `log_metrics` call: most cells of most rows are empty.
fn sparse(head: &str) -> bool {
    head.lines().skip(1).take(50).any(|l| l.contains(",,") || l.ends_with(',') || l.starts_with(','))
}
