//! Console output kept as a log (`nohup.out`, `slurm-1234.out`, a printed
//! training loop): lines that carry an epoch or step marker and `key: value`
//! or `key=value` pairs.
//!
//! ```text
//! Epoch 1/200 | Loss: 0.6924
//! epoch 3 step 200 loss=0.41 lr=0.001
//! Epoch 3/20
//! 375/375 - 2s - loss: 0.4100 - accuracy: 0.8700 - val_loss: 0.4500
//! ```
//!
//! A line with pairs but no marker belongs to the epoch announced on the line
//! just before it when that line held a marker and nothing else (Keras prints
//! `Epoch 3/20`, then the numbers). Every other line (banners, a traceback, a
//! closing summary) is counted as skipped, never an error. Progress-bar
//! carriage returns keep the last state of the line; ANSI colour codes are
//! dropped and backspaces applied (Keras redraws its bar with both on a terminal). Points are placed at the step when lines carry one, else at the
//! epoch as printed. Three common shapes are known besides `key: value`:
//! the Hugging Face Trainer's printed dicts (`{'loss': 0.52, 'epoch': 0.4}`),
//! Keras' `fit` progress, and PyTorch's examples (`| epoch 1 | … | loss 5.12 |`).

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::builder::SeriesBuilder;
use super::cells::strip_bom;
use super::cells::{parse_cell, Cell};
use super::IngestError;
use crate::model::LogFormat;
use crate::model::{Axis, RepeatedX, Run};

/// `Epoch 3/20`, `epoch: 3`, `epoch=3`, `[Epoch 3]`.
static EPOCH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\bepoch['"]?\s*[:=]?\s*\[?\s*(\d+(?:\.\d+)?)(?:\s*/\s*(\d+))?"#).ok());
/// `step 200`, `iter: 200`, `iteration=200/3000`, `global_step 200`.
static STEP: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\b(?:global_step|step|iteration|iter)['"]?\s*[:=]?\s*\[?\s*(\d+)(?:\s*/\s*\d+)?"#).ok());
/// `key: number` or `key=number` (the key may hold spaces, `F1 Score`, and quotes, `'loss': 0.5` as
/// the Hugging Face Trainer prints its dicts), starting with a letter.
static PAIR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"([A-Za-z][\w./()\-]*(?: [A-Za-z][\w./()\-]*)*)['"]?\s*[:=]\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|NaN|inf|-inf)\b"#,
    )
    .ok()
});
/// One `| key value |` segment, as PyTorch's examples print them (`| loss  5.12 |`, `| valid ppl 150.2`).
static SEGMENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_./ \-]*?)\s+([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$").ok());
/// ANSI escape sequences (colours, cursor moves).
static ANSI: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").ok());

/// Lines looked at to decide that a text is a console log.
const DETECT_LINES: usize = 200;

/// One cleaned line: the last carriage-return segment, without colour codes, backspaces applied.
fn clean(line: &str) -> String {
    let last = line.trim_end_matches('\r').rsplit('\r').next().unwrap_or(line);
    let plain = match ANSI.as_ref() {
        Some(re) => re.replace_all(last, "").into_owned(),
        None => last.to_string(),
    };
    if !plain.contains('\u{8}') {
        return plain;
    }
    let mut out = String::with_capacity(plain.len());
    for c in plain.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out
}

fn is_marker_key(key: &str) -> bool {
    matches!(key.to_ascii_lowercase().as_str(), "epoch" | "step" | "iter" | "iteration" | "global_step")
}

/// The `key: number` pairs of a line, markers left out.
fn pairs(line: &str) -> Vec<(String, f64)> {
    let Some(re) = PAIR.as_ref() else { return Vec::new() };
    // PyTorch's examples: `| epoch   1 |   200/ 2983 batches | lr 20.00 | loss  5.12 | ppl 167.9`:
    // each segment is `key value` or `key: value`.
    if line.matches('|').count() >= 2 {
        if let Some(seg) = SEGMENT.as_ref() {
            return line
                .split('|')
                .flat_map(|part| {
                    let part = part.trim();
                    let spaced = seg.captures(part).and_then(|c| {
                        let key = c.get(1)?.as_str().trim();
                        match (key.split_whitespace().any(is_marker_key), parse_cell(c.get(2)?.as_str())) {
                            (false, Cell::Number(v)) => Some((key.to_string(), v)),
                            _ => None,
                        }
                    });
                    match spaced {
                        Some(p) => vec![p],
                        None => colon_pairs(re, part),
                    }
                })
                .collect();
        }
    }
    colon_pairs(re, line)
}

/// The `key: number` pairs of a text, markers left out.
fn colon_pairs(re: &Regex, line: &str) -> Vec<(String, f64)> {
    re.captures_iter(line)
        .filter_map(|c| {
            let key = c.get(1)?.as_str().trim();
            let key = key.rsplit(" - ").next().unwrap_or(key).trim();
            if key.split_whitespace().any(is_marker_key) {
                return None;
            }
            match parse_cell(c.get(2)?.as_str()) {
                Cell::Number(v) => Some((key.to_string(), v)),
                _ => None,
            }
        })
        .collect()
}

fn marker(re: &LazyLock<Option<Regex>>, line: &str) -> Option<f64> {
    re.as_ref()?.captures(line)?.get(1)?.as_str().parse().ok()
}

/// Whether a text reads as a console log: at least two of its first lines carry a marker with numbers.
pub fn looks_like(text: &str) -> bool {
    let mut hits = 0;
    let mut pending_epoch = false;
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(DETECT_LINES) {
        let line = clean(line);
        let has_marker = marker(&EPOCH, &line).is_some() || marker(&STEP, &line).is_some();
        let has_pairs = !pairs(&line).is_empty();
        if (has_marker || pending_epoch) && has_pairs {
            hits += 1;
        }
        pending_epoch = has_marker && !has_pairs;
        if hits >= 2 {
            return true;
        }
    }
    false
}

/// Reads a console log; lines that hold no point are counted as skipped, never an error.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Run, IngestError> {
    let text = String::from_utf8_lossy(strip_bom(bytes));
    let mut run = Run::new("", path.display().to_string(), LogFormat::ConsoleLog);
    let with_steps = text.lines().take(DETECT_LINES * 10).any(|l| marker(&STEP, &clean(l)).is_some());
    let mut reader = Reader { with_steps: Some(with_steps), ..Reader::default() };
    let mut builder = SeriesBuilder::new(RepeatedX::Keep);
    for raw in text.lines() {
        reader.line(raw, &mut run, &mut builder);
    }
    run.series = builder.finish();
    if run.series.is_empty() {
        return Err(IngestError::not_a_log(path, "no line carries an epoch or step marker with numbers (e.g. `Epoch 3/20 - loss: 0.41`)"));
    }
    Ok(run)
}

/// What a console log's reading carries from one line to the next: the line
/// number, the epoch a bare `Epoch 3/20` line announced, and whether points
/// are placed at steps. [`read`] decides the last from the first lines of the
/// file; a log followed as it grows ([`Reader::live`]) cannot look ahead, so
/// it decides at the first line with numbers and a marker: steps if that line names one.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    line_no: usize,
    announced: Option<f64>,
    with_steps: Option<bool>,
}

impl Reader {
    /// A reader for a log that is still being written.
    pub fn live() -> Self {
        Reader::default()
    }

    /// Reads complete lines (`text` ends at a line end) into a run of their points;
    /// lines without a point are counted as skipped.
    pub fn read_lines(&mut self, path: &Path, text: &str) -> Run {
        let mut run = Run::new("", path.display().to_string(), LogFormat::ConsoleLog);
        let mut builder = SeriesBuilder::new(RepeatedX::Keep);
        let text = if self.line_no == 0 { text.strip_prefix('\u{feff}').unwrap_or(text) } else { text };
        for raw in text.lines() {
            self.line(raw, &mut run, &mut builder);
        }
        run.series = builder.finish();
        run
    }

    fn line(&mut self, raw: &str, run: &mut Run, builder: &mut SeriesBuilder) {
        self.line_no += 1;
        if raw.trim().is_empty() {
            return;
        }
        run.records += 1;
        let line = clean(raw);
        let (epoch, step) = (marker(&EPOCH, &line), marker(&STEP, &line));
        let found = pairs(&line);
        let epoch_here = epoch.or(if step.is_none() { self.announced } else { None });
        self.announced = if found.is_empty() { epoch } else { None };
        if found.is_empty() {
            if epoch.is_none() && step.is_none() {
                run.skip(format!("line {}", self.line_no), "no epoch or step with numbers on this line");
            }
            return;
        }
        if step.is_none() && epoch_here.is_none() {
            run.skip(format!("line {}", self.line_no), "numbers without an epoch or step to place them at");
            return;
        }
        let with_steps = *self.with_steps.get_or_insert(step.is_some());
        let (axis, x) = match (with_steps, step, epoch_here) {
            (true, Some(s), _) => (Axis::Step, s),
            (false, _, Some(e)) => (Axis::Epoch, e),
            _ => {
                run.skip(format!("line {}", self.line_no), "numbers without an epoch or step to place them at");
                return;
            }
        };
        let epoch_col = if axis == Axis::Step { epoch_here } else { None };
        for (key, value) in found {
            builder.push(&key, axis, x, epoch_col, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Run {
        read(Path::new("train.out"), text.as_bytes()).unwrap()
    }

    #[test]
    fn a_printed_epoch_loop_is_read_and_its_summary_skipped() {
        let run = read_text("Epoch 1/3 | Loss: 0.69\nEpoch 2/3 | Loss: 0.60\nEpoch 3/3 | Loss: 0.58\nAccuracy : 0.75\n");
        let s = run.series_named("Loss").unwrap();
        assert_eq!(s.values, vec![0.69, 0.60, 0.58]);
        assert_eq!(*s.x, vec![1.0, 2.0, 3.0]);
        assert_eq!(run.skipped_count, 1);
        assert!(run.series_named("Accuracy").is_none());
    }

    #[test]
    fn keras_progress_lines_belong_to_the_epoch_announced_before_them() {
        let text = "Epoch 1/2\n\r 1/10 [=>....] - loss: 0.9\r10/10 [======] - 1s - loss: 0.5000 - accuracy: 0.8000 - val_loss: 0.6000\nEpoch 2/2\n10/10 [======] - 1s - loss: 0.4000 - accuracy: 0.8500 - val_loss: 0.5500\n";
        let run = read_text(text);
        assert_eq!(run.series_named("val_loss").unwrap().values, vec![0.6, 0.55]);
        assert_eq!(run.series_named("loss").unwrap().values, vec![0.5, 0.4]);
    }

    #[test]
    fn steps_place_points_when_lines_carry_them() {
        let run = read_text(
            "epoch 1 step 100 loss=2.5 lr=0.1\nepoch 1 step 200 loss=2.1 lr=0.1\n\x1b[32mepoch 2 step 300 loss=1.9 lr=0.05\x1b[0m\n",
        );
        let s = run.series_named("loss").unwrap();
        assert_eq!(s.axis, Axis::Step);
        assert_eq!(*s.x, vec![100.0, 200.0, 300.0]);
        assert_eq!(s.epoch.as_deref(), Some(&vec![1.0, 1.0, 2.0]));
    }

    #[test]
    fn hugging_face_printed_dicts_are_read_at_their_epoch() {
        let run = read_text("{'loss': 2.31, 'learning_rate': 4.5e-05, 'epoch': 0.4}\n{'loss': 1.9, 'learning_rate': 4e-05, 'epoch': 0.8}\n{'eval_loss': 1.8, 'eval_runtime': 3.2, 'epoch': 1.0}\n");
        let s = run.series_named("loss").unwrap();
        assert_eq!((s.values.clone(), s.x.to_vec()), (vec![2.31, 1.9], vec![0.4, 0.8]));
        assert_eq!(run.series_named("eval_loss").unwrap().values, vec![1.8]);
    }

    #[test]
    fn pytorch_example_lines_are_read_by_their_segments() {
        let text = "| epoch   1 |   200/ 2983 batches | lr 20.00 | ms/batch 45.12 | loss  7.60 | ppl  1993.50\n\
                    | epoch   1 |   400/ 2983 batches | lr 20.00 | ms/batch 44.80 | loss  6.80 | ppl   897.80\n\
                    | end of epoch   1 | time: 150.66s | valid loss  5.84 | valid ppl   343.79\n";
        let run = read_text(text);
        assert_eq!(run.series_named("loss").unwrap().values, vec![7.6, 6.8]);
        assert_eq!(run.series_named("valid loss").unwrap().values, vec![5.84]);
        assert!(run.series_named("end of epoch").is_none());
    }

    #[test]
    fn a_live_reader_places_points_at_steps_after_a_banner_with_numbers() {
        let mut r = Reader::live();
        let run = r.read_lines(Path::new("train.out"), "training: lr=0.01 steps=60\nstep 1 loss=2.5\n");
        assert_eq!(run.skipped_count, 1);
        let run = r.read_lines(Path::new("train.out"), "step 2 loss=2.1\n");
        let s = run.series_named("loss").unwrap();
        assert_eq!((s.axis, s.x.to_vec()), (Axis::Step, vec![2.0]));
    }

    #[test]
    fn detection_needs_two_lines_with_markers_and_numbers() {
        assert!(looks_like("Epoch 1/200 | Loss: 0.6924\nEpoch 2/200 | Loss: 0.5995\n"));
        assert!(!looks_like("epoch,loss\n0,0.5\n1,0.4\n"));
        assert!(!looks_like("Epoch 1/200 | Loss: 0.6924\nsome text\n"));
    }
}
