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
use super::console_table::{self as table, Header};
use super::IngestError;
use crate::model::LogFormat;
use crate::model::{Axis, RepeatedX, Run};

/// `Epoch 3/20`, `epoch: 3`, `epoch=3`, `[Epoch 3]`.
static EPOCH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\bepoch['"]?\s*[:=]?\s*\[?\s*['"]?(\d+(?:\.\d+)?)(?:\s*/\s*(\d+))?"#).ok());
/// `step 200`, `iter: 200`, `iteration=200/3000`, `global_step 200`.
static STEP: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\b(?:global_step|step|iteration|iter)['"]?\s*[:=]?\s*\[?\s*['"]?(\d+)(?:\s*/\s*\d+)?"#).ok());
/// `key: number` or `key=number` (the key may hold spaces, `F1 Score`, and quotes, `'loss': 0.5` as
/// the Hugging Face Trainer prints its dicts; transformers 5 quotes the value too, `'loss': '0.6899'`),
/// starting with a letter.
static PAIR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"([A-Za-z][\w./()\-]*(?: [A-Za-z][\w./()\-]*)*)['"]?\s*[:=]\s*['"]?([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|NaN|inf|-inf)\b"#,
    )
    .ok()
});
/// One `| key value |` segment, as PyTorch's examples print them (`| loss  5.12 |`, `| valid ppl 150.2`).
static SEGMENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_./ \-]*?)\s+([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$").ok());
/// `200/ 2983 batches`: how far through its epoch a line of PyTorch's examples is.
static BATCHES: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\b(\d+)\s*/\s*(\d+)\s+batches\b").ok());
/// ANSI escape sequences (colours, cursor moves).
static ANSI: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").ok());

/// Lines looked at to decide that a text is a console log.
const DETECT_LINES: usize = 200;

/// The states a line shows: usually its last carriage-return segment, cleaned
/// ([`clean`]). A progress bar that stays on one line across epochs (Lightning's
/// tqdm bar: `Epoch 0: 100%|…| 12/12 [… val_loss=0.478, train_loss=0.588]\rEpoch 1: …`)
/// shows one state per epoch: the last segment of each run of segments with the
/// same epoch (the first segments of the next epoch still show the last epoch's numbers).
/// An epoch's states may continue on the next line (the validation bar ends the line
/// between them), so the reader holds the last one until the bar moves on.
/// Returns the states, and whether they are a progress bar's (two or more segments with an epoch).
fn states(raw: &str) -> (Vec<String>, bool) {
    let raw = raw.trim_end_matches('\r');
    let marked = raw.split('\r').filter(|seg| seg.to_ascii_lowercase().contains("epoch")).take(2).count();
    if marked < 2 {
        return (vec![clean(raw)], false);
    }
    let mut out: Vec<(f64, String)> = Vec::new();
    for seg in raw.split('\r') {
        let seg = clean(seg);
        let Some(e) = marker(&EPOCH, &seg) else { continue };
        match out.last_mut() {
            Some((last, state)) if *last == e => *state = seg,
            _ => out.push((e, seg)),
        }
    }
    (out.into_iter().map(|(_, s)| s).collect(), true)
}

/// In a line still being written, the bytes up to the start of its last epoch
/// group (0 when it holds fewer than two epochs): the groups before it are
/// complete and can be read now, without waiting for the line's end (Lightning's
/// bar ends its line only when training ends).
pub fn complete_groups(partial: &str) -> usize {
    let mut last_epoch = None;
    let mut group_start = 0;
    let mut epochs_seen = 0;
    let mut at = 0usize;
    for seg in partial.split('\r') {
        if let Some(e) = marker(&EPOCH, &clean(seg)) {
            if last_epoch != Some(e) {
                epochs_seen += 1;
                last_epoch = Some(e);
                group_start = at.saturating_sub(1);
            }
        }
        at += seg.len() + 1;
    }
    if epochs_seen < 2 {
        0
    } else {
        group_start
    }
}

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

/// The fraction of its epoch a `N/M batches` line has done, in (0, 1].
fn batch_fraction(line: &str) -> Option<f64> {
    let c = BATCHES.as_ref()?.captures(line)?;
    let (done, total): (f64, f64) = (c.get(1)?.as_str().parse().ok()?, c.get(2)?.as_str().parse().ok()?);
    (total > 0.0 && done > 0.0 && done <= total).then(|| done / total)
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
        // Ultralytics: a training table's header, then its rows.
        if matches!(table::header(&line), Some(Header::Train(_))) {
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
    if let Some((_, done)) = reader.bar.take() {
        reader.state(&done, &mut run, &mut builder);
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
    /// The last table header seen (Ultralytics), the epoch of its last training row, and
    /// whether that epoch's validation row was read.
    table: Option<Header>,
    table_epoch: Option<(f64, bool)>,
    /// The last progress-bar state seen and its epoch, not read yet (see [`Reader::finish`]).
    bar: Option<(f64, String)>,
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

    /// Reads the start of a line whose end has not arrived: epoch groups of a progress bar
    /// already complete (see [`complete_groups`]); the line's number is counted when it ends.
    pub fn read_groups(&mut self, path: &Path, text: &str) -> Run {
        let run = self.read_lines(path, text);
        self.line_no -= 1;
        run
    }

    fn line(&mut self, raw: &str, run: &mut Run, builder: &mut SeriesBuilder) {
        self.line_no += 1;
        if raw.trim().is_empty() {
            return;
        }
        let (states, bar) = states(raw);
        for state in states {
            match (bar, marker(&EPOCH, &state)) {
                // A progress bar's state: held until the bar moves on to another epoch, as the
                // next line may still redraw this epoch with its validation numbers (Lightning).
                (true, Some(e)) => match self.bar.take() {
                    Some((held, _)) if held == e => self.bar = Some((e, state)),
                    Some((_, done)) => {
                        self.state(&done, run, builder);
                        self.bar = Some((e, state));
                    }
                    None => self.bar = Some((e, state)),
                },
                // A single redraw that ends the bar's epoch (the last line) supersedes the state held.
                (_, Some(e)) => {
                    match self.bar.take() {
                        Some((held, _)) if e == held => {}
                        Some((_, done)) => self.state(&done, run, builder),
                        None => {}
                    }
                    self.state(&state, run, builder);
                }
                (_, None) => self.state(&state, run, builder),
            }
        }
    }

    /// A line of an Ultralytics table (a header, or a row under the last header): read here.
    fn table_line(&mut self, line: &str, builder: &mut SeriesBuilder) -> bool {
        if let Some(h) = table::header(line) {
            self.table = Some(h);
            return true;
        }
        match &self.table {
            Some(Header::Train(names)) => match table::train_row(line, names) {
                Some((epoch, values)) => {
                    for (name, v) in values {
                        builder.push(&name, Axis::Epoch, epoch, None, v);
                    }
                    self.table_epoch = Some((epoch, false));
                    true
                }
                None => false,
            },
            Some(Header::Val(names)) => match (table::val_row(line, names), self.table_epoch) {
                (Some(values), Some((epoch, false))) => {
                    for (name, v) in values {
                        builder.push(&name, Axis::Epoch, epoch, None, v);
                    }
                    self.table_epoch = Some((epoch, true));
                    true
                }
                // The best weights validated again after training, or a per-class row: not a point.
                (Some(_), _) => true,
                (None, _) => false,
            },
            None => false,
        }
    }

    /// The end of the log: a progress-bar state still held is its epoch's last.
    pub fn finish(&mut self, path: &Path) -> Run {
        let mut run = Run::new("", path.display().to_string(), LogFormat::ConsoleLog);
        let mut builder = SeriesBuilder::new(RepeatedX::Keep);
        if let Some((_, done)) = self.bar.take() {
            self.state(&done, &mut run, &mut builder);
        }
        run.series = builder.finish();
        run
    }

    /// One state of a line (the line itself, or one epoch's last progress-bar state).
    fn state(&mut self, line: &str, run: &mut Run, builder: &mut SeriesBuilder) {
        if line.trim().is_empty() {
            return;
        }
        run.records += 1;
        if self.table_line(line, builder) {
            return;
        }
        let line = line.to_string();
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
        if found.iter().any(|(k, _)| super::json::HF_SUMMARY_KEYS.contains(&k.as_str())) {
            // The Trainer's closing `{'train_runtime': …, 'train_loss': 0.125, …}`: the run's average, not a point.
            run.skip(
                format!("line {}", self.line_no),
                "the Hugging Face Trainer's closing summary (train_runtime, train_loss), not a point",
            );
            return;
        }
        if step.is_none() && epoch_here.is_none() {
            run.skip(format!("line {}", self.line_no), "numbers without an epoch or step to place them at");
            return;
        }
        let with_steps = *self.with_steps.get_or_insert(step.is_some());
        let (axis, x) = match (with_steps, step, epoch_here) {
            (true, Some(s), _) => (Axis::Step, s),
            // PyTorch's examples: `| epoch 1 | 200/2983 batches |` is 200/2983 of the way through
            // the first epoch, whose end (`end of epoch 1`) is 1.0: epochs count progress.
            (false, _, Some(e)) => match (epoch, batch_fraction(&line)) {
                (Some(_), Some(f)) => {
                    run.epoch_is_progress = true;
                    (Axis::Epoch, e - 1.0 + f)
                }
                _ => (Axis::Epoch, e),
            },
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
        assert_eq!(*run.series_named("loss").unwrap().x, vec![200.0 / 2983.0, 400.0 / 2983.0]);
        assert_eq!(run.series_named("valid loss").unwrap().values, vec![5.84]);
        assert_eq!(*run.series_named("valid loss").unwrap().x, vec![1.0]);
        assert!(run.epoch_is_progress);
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
    fn a_progress_bar_kept_on_one_line_across_epochs_gives_each_epochs_last_state() {
        let line = "Epoch 0:  50%|█ | 6/12 [v_num=0]\rEpoch 0: 100%|██| 12/12 [v_num=0, val_loss=0.478, train_loss=0.588]\r\
                    Epoch 1:   0%| | 0/12 [v_num=0, val_loss=0.478, train_loss=0.588]\rValidation: 4/4\r\
                    Epoch 1: 100%|██| 12/12 [v_num=0, val_loss=0.433, train_loss=0.348]\n";
        let run = read_text(line);
        let s = run.series_named("val_loss").unwrap();
        assert_eq!((s.x.to_vec(), s.values.clone()), (vec![0.0, 1.0], vec![0.478, 0.433]));
        assert_eq!(run.series_named("train_loss").unwrap().values, vec![0.588, 0.348]);
        // Lightning: the validation bar ends the line, the next redraws epoch 1 with its numbers.
        let two = "Epoch 0: 100%| 12/12 [val_loss=0.478]\rEpoch 1:   0%| 0/12 [val_loss=0.478]\rEpoch 1: 100%| 12/12 [val_loss=0.478]\n\
                   Validation: 4/4\n\rEpoch 1: 100%| 12/12 [val_loss=0.433]\rEpoch 2:   0%| 0/12 [val_loss=0.433]\n";
        assert_eq!(read_text(two).series_named("val_loss").unwrap().values, vec![0.478, 0.433, 0.433]);
        let partial = &line[..line.rfind("Epoch 1: 100%").unwrap()];
        let done = complete_groups(partial);
        assert_eq!(&partial[done..done + 9], "\rEpoch 1:");
    }

    #[test]
    fn detection_needs_two_lines_with_markers_and_numbers() {
        assert!(looks_like("Epoch 1/200 | Loss: 0.6924\nEpoch 2/200 | Loss: 0.5995\n"));
        assert!(!looks_like("epoch,loss\n0,0.5\n1,0.4\n"));
        assert!(!looks_like("Epoch 1/200 | Loss: 0.6924\nsome text\n"));
    }
}
