//! Following a log as it grows (`curvecheck watch`): each poll reads only the
//! bytes written since the last one and turns the whole lines or records
//! among them into a chunk of points, which [`append::append`] adds to the
//! run read so far.
//!
//! - CSV keeps its header and reads each chunk of new rows under it; JSON
//!   lines and console logs read their new lines (a console log's reader
//!   carries the epoch a bare `Epoch 3/20` line announced across chunks).
//! - Event files read their new whole records.
//! - A JSON document (`trainer_state.json`) is rewritten in place, not
//!   appended to: it is read whole when its size or modification time
//!   changes, and a read that fails (the writer is half-way through) is
//!   retried on the next change rather than reported.
//! - A partial last line or record is kept and waited for, never counted as
//!   bad data; at the end ([`Follow::finish`]) a last line without its line
//!   end is read, and a cut-off record is reported as skipped.
//! - A file that shrinks, is replaced (another inode), or whose first or last
//!   64 bytes read have changed was rewritten: the caller is told
//!   ([`Update::Rewritten`]) and reading starts over.
//!
//! The format is decided once, from the first two complete lines (or the first
//! record); until then the bytes are only held.

pub mod append;
mod lines;

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{console, detect, read_bytes, tfevents, Format, IngestError, ReadOptions};
use crate::model::Run;
use lines::{complete_lines, shift_line};

/// Bytes held before the format must be decided (as much as detection reads).
const DETECT_BYTES: usize = 64 * 1024;
/// Bytes at the head and before the offset compared on every poll to notice a rewrite.
const CHECK_BYTES: usize = 64;
/// Bytes read from a file per step of one poll, so a large file already on disk is read in pieces.
const READ_BYTES: usize = 32 << 20;

/// What one poll found.
#[derive(Debug)]
pub enum Update {
    /// Nothing new (or only part of a line or record).
    Nothing,
    /// New points, after everything returned before.
    Append(Run),
    /// The source was rewritten in place: this run replaces everything read from it before.
    Replace(Run),
    /// The file shrank or was replaced: what was read from it is void; the next poll reads it from the start.
    Rewritten,
}

#[derive(Debug)]
enum State {
    Undecided,
    Csv {
        format: Format,
        header: Vec<u8>,
    },
    JsonLines(Format),
    Console(console::Reader),
    Events,
    /// Read whole on every change.
    Whole(Format),
}

/// One growing file or stream.
#[derive(Debug)]
pub struct Follow {
    path: PathBuf,
    opts: ReadOptions,
    state: State,
    /// Bytes of the file consumed so far (into `pending` or parsed).
    offset: u64,
    /// Bytes read but not yet whole lines or records.
    pending: Vec<u8>,
    /// Lines handed to readers so far, so a chunk's line numbers are the file's.
    lines_done: usize,
    /// Device and inode, to notice a file replaced under the same name.
    id: Option<(u64, u64)>,
    /// Size and modification time of the last whole read (`State::Whole`).
    stamp: Option<(u64, SystemTime)>,
    /// The last whole read failed: reported at the end if no later read succeeds.
    failed: Option<IngestError>,
    /// The file's first and last [`CHECK_BYTES`] bytes read, to notice a rewrite that grew it.
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Follow {
    /// Follows a file, or a stream fed with [`Follow::push`] (`path` then only names it).
    pub fn new(path: &Path, opts: &ReadOptions) -> Self {
        Follow {
            path: path.to_path_buf(),
            opts: opts.clone(),
            state: State::Undecided,
            offset: 0,
            pending: Vec::new(),
            lines_done: 0,
            id: None,
            stamp: None,
            failed: None,
            head: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// The path followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads what the file gained since the last poll.
    pub fn poll(&mut self) -> Result<Update, IngestError> {
        let shown = self.path.display().to_string();
        let io = |source| IngestError::Io { path: shown.clone(), source };
        let meta = match std::fs::metadata(&self.path) {
            // Gone (rotated, or a checkpoint directory being replaced): it may come back, as another inode.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Update::Nothing),
            other => other.map_err(io)?,
        };
        use std::os::unix::fs::MetadataExt;
        let id = (meta.dev(), meta.ino());
        let replaced = self.id.is_some_and(|old| old != id);
        self.id = Some(id);
        if let State::Whole(format) = self.state {
            return self.poll_whole(format, &meta);
        }
        let mut file = std::fs::File::open(&self.path).map_err(io)?;
        if replaced || meta.len() < self.offset || !self.unchanged(&mut file).map_err(io)? {
            self.rewind();
            return Ok(Update::Rewritten);
        }
        let mut out: Option<Run> = None;
        file.seek(SeekFrom::Start(self.offset)).map_err(io)?;
        loop {
            let before = self.pending.len();
            let n = (&mut file).take(READ_BYTES as u64).read_to_end(&mut self.pending).map_err(io)?;
            self.offset += n as u64;
            self.remember(before);
            match self.take(false)? {
                Update::Append(chunk) => match out.as_mut() {
                    Some(run) => append::append(run, chunk),
                    None => out = Some(chunk),
                },
                Update::Nothing => {}
                other => return Ok(other),
            }
            if let State::Whole(format) = self.state {
                return self.poll_whole(format, &meta);
            }
            if n < READ_BYTES {
                break;
            }
        }
        Ok(out.map_or(Update::Nothing, Update::Append))
    }

    /// Whether the bytes already read are still there: a logger that rewrites its file
    /// whole (Lightning's CSVLogger when a column appears) changes its head or the bytes
    /// before the offset, though the file only grew.
    fn unchanged(&self, file: &mut std::fs::File) -> std::io::Result<bool> {
        let check = |file: &mut std::fs::File, at: u64, want: &[u8]| -> std::io::Result<bool> {
            let mut got = vec![0u8; want.len()];
            file.seek(SeekFrom::Start(at))?;
            file.read_exact(&mut got)?;
            Ok(got == want)
        };
        if self.offset == 0 {
            return Ok(true);
        }
        Ok(check(file, 0, &self.head)? && check(file, self.offset - self.tail.len() as u64, &self.tail)?)
    }

    /// Keeps the first and the last few bytes read (`pending[before..]` just arrived), for [`Follow::unchanged`].
    fn remember(&mut self, before: usize) {
        let new = &self.pending[before.min(self.pending.len())..];
        if self.head.len() < CHECK_BYTES {
            let take = (CHECK_BYTES - self.head.len()).min(new.len());
            self.head.extend_from_slice(&new[..take]);
        }
        self.tail.extend_from_slice(&new[new.len().saturating_sub(CHECK_BYTES)..]);
        let excess = self.tail.len().saturating_sub(CHECK_BYTES);
        self.tail.drain(..excess);
    }

    /// Adds bytes that arrived on a stream and reads the whole lines or records among them.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Update, IngestError> {
        self.pending.extend_from_slice(bytes);
        self.offset += bytes.len() as u64;
        self.take(false)
    }

    /// The source ended (the stream closed, the command exited, the file went quiet):
    /// a last line without its line end is read now, a cut-off record is reported.
    pub fn finish(&mut self) -> Result<Update, IngestError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let update = self.take(true)?;
        let State::Console(reader) = &mut self.state else { return Ok(update) };
        let held = reader.finish(&self.path);
        if held.series.is_empty() {
            return Ok(update);
        }
        Ok(match update {
            Update::Append(mut run) => {
                append::append(&mut run, held);
                Update::Append(run)
            }
            _ => Update::Append(held),
        })
    }

    /// Forgets everything read, to read the file again from its start.
    pub fn rewind(&mut self) {
        *self = Follow::new(&self.path, &self.opts);
    }

    fn poll_whole(&mut self, format: Format, meta: &std::fs::Metadata) -> Result<Update, IngestError> {
        self.pending.clear();
        let stamp = (meta.len(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH));
        if self.stamp == Some(stamp) {
            return Ok(Update::Nothing);
        }
        self.stamp = Some(stamp);
        let bytes = std::fs::read(&self.path).map_err(|source| IngestError::Io { path: self.path.display().to_string(), source })?;
        self.offset = bytes.len() as u64;
        match read_bytes(&self.path, &bytes, &ReadOptions { format: Some(format), roles: Vec::new(), ..self.opts.clone() }) {
            Ok(mut runs) if !runs.is_empty() => {
                self.failed = None;
                Ok(Update::Replace(runs.swap_remove(0)))
            }
            Ok(_) => Ok(Update::Nothing),
            Err(e) => {
                // Most likely caught half-way through a rewrite: wait for the next one.
                self.failed = Some(e);
                Ok(Update::Nothing)
            }
        }
    }

    /// Decides the format once enough has arrived; `false` while waiting for more.
    fn decide(&mut self, end: bool) -> Result<bool, IngestError> {
        if !matches!(self.state, State::Undecided) {
            return Ok(true);
        }
        if self.pending.is_empty() {
            return Ok(false);
        }
        let binary = tfevents::looks_like_tfrecord(&self.pending);
        let two_lines = complete_lines(&self.pending, 2) > 0;
        let head_end = match (binary || end, two_lines) {
            (true, _) => self.pending.len(),
            (false, true) => complete_lines(&self.pending, usize::MAX),
            (false, false) => 0,
        };
        let enough = end || self.pending.len() >= DETECT_BYTES;
        if head_end == 0 && !enough {
            return Ok(false);
        }
        let head_end = if head_end == 0 { self.pending.len() } else { head_end };
        let head = &self.pending[..head_end.min(DETECT_BYTES)];
        let format = match self.opts.format {
            Some(f) => f,
            None => match detect::detect(&self.path, head) {
                Ok(f) => f,
                Err(IngestError::NotALog { .. }) if !enough => return Ok(false),
                Err(e) => return Err(e),
            },
        };
        // Two lines of a console log can look like a CSV header and a row (`Epoch 1/30`, then
        // Keras' numbers): a CSV's header has a separator, so without one, wait for more lines.
        let first = &head[..complete_lines(head, 1)];
        let separated = first.iter().any(|b| matches!(b, b',' | b'\t' | b';'));
        if format.family() == detect::Family::Csv && self.opts.format.is_none() && !separated && !enough {
            return Ok(false);
        }
        self.state = match format.family() {
            detect::Family::Tfevents => State::Events,
            _ if format == Format::WandbCsv => {
                return Err(IngestError::not_a_log(
                    &self.path,
                    "a W&B CSV export is written once, not grown; read it with `curvecheck diagnose`",
                ))
            }
            detect::Family::Csv => {
                let n = complete_lines(&self.pending, 1);
                if n == 0 {
                    return Ok(false);
                }
                let header: Vec<u8> = self.pending.drain(..n).collect();
                self.lines_done = 1;
                State::Csv { format, header }
            }
            detect::Family::JsonLines => State::JsonLines(format),
            detect::Family::Json => State::Whole(format),
            detect::Family::Text if format == Format::ConsoleLog => State::Console(console::Reader::live()),
            // MMEngine's text log places validation at epochs it learns from later lines: read it whole.
            detect::Family::Text => State::Whole(format),
        };
        Ok(true)
    }

    /// Hands the whole lines or records held to their reader.
    fn take(&mut self, end: bool) -> Result<Update, IngestError> {
        if !self.decide(end)? {
            if end && !self.pending.is_empty() {
                return Err(IngestError::not_a_log(&self.path, "ended before a line curvecheck could read arrived"));
            }
            return Ok(Update::Nothing);
        }
        let path = self.path.clone();
        match &mut self.state {
            State::Undecided | State::Whole(_) => {
                if let (true, State::Whole(format)) = (end, &self.state) {
                    // A stream holding one JSON document: read when it ends.
                    if !self.pending.is_empty() {
                        let opts = ReadOptions { format: Some(*format), roles: Vec::new(), ..self.opts.clone() };
                        let bytes = std::mem::take(&mut self.pending);
                        return Ok(read_bytes(&path, &bytes, &opts)?.into_iter().next().map_or(Update::Nothing, Update::Replace));
                    }
                }
                Ok(Update::Nothing)
            }
            State::Events => {
                let n = tfevents::complete_records(&self.pending);
                let chunk: Vec<u8> = self.pending.drain(..n).collect();
                let mut run = tfevents::read_chunk(&path, &chunk, self.opts.skip_corrupt)?;
                if end && !self.pending.is_empty() {
                    run.skip(format!("byte {}", self.offset as usize - self.pending.len()), "last record is cut off");
                    self.pending.clear();
                }
                Ok(if chunk.is_empty() && run.skipped_count == 0 { Update::Nothing } else { Update::Append(run) })
            }
            State::Csv { .. } | State::JsonLines(_) | State::Console(_) => {
                let n = if end { self.pending.len() } else { complete_lines(&self.pending, usize::MAX) };
                if n == 0 {
                    return Ok(self.console_groups().map_or(Update::Nothing, Update::Append));
                }
                let mut chunk: Vec<u8> = self.pending.drain(..n).collect();
                if !chunk.ends_with(b"\n") {
                    chunk.push(b'\n');
                }
                let lines = memchr::memchr_iter(b'\n', &chunk).count();
                let first_line = self.lines_done;
                self.lines_done += lines;
                self.read_chunk(&chunk, first_line).map(|r| r.map_or(Update::Nothing, Update::Append))
            }
        }
    }

    /// A console line still being written can already hold whole epochs of a progress bar
    /// that never ends its line (Lightning's): those are read now ([`console::complete_groups`]).
    fn console_groups(&mut self) -> Option<Run> {
        let State::Console(reader) = &mut self.state else { return None };
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(t) => t,
            Err(e) => std::str::from_utf8(&self.pending[..e.valid_up_to()]).ok()?,
        };
        let n = console::complete_groups(valid);
        if n == 0 {
            return None;
        }
        let run = reader.read_groups(&self.path, &valid[..n]);
        self.pending.drain(..n);
        Some(run)
    }

    /// Reads whole lines; `before` lines of the file came before them.
    fn read_chunk(&mut self, chunk: &[u8], before: usize) -> Result<Option<Run>, IngestError> {
        if chunk.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(None);
        }
        let (bytes, shift) = match &mut self.state {
            State::Console(reader) => return Ok(Some(reader.read_lines(&self.path, &String::from_utf8_lossy(chunk)))),
            State::Csv { header, .. } => ([header.as_slice(), chunk].concat(), before - 1),
            _ => (chunk.to_vec(), before),
        };
        let format = match self.state {
            State::Csv { format, .. } | State::JsonLines(format) => format,
            _ => return Ok(None),
        };
        let opts = ReadOptions { format: Some(format), roles: Vec::new(), ..self.opts.clone() };
        match read_bytes(&self.path, &bytes, &opts) {
            Ok(mut runs) => {
                let mut run = runs.swap_remove(0);
                for s in &mut run.skipped {
                    s.location = shift_line(&s.location, shift);
                }
                Ok(Some(run))
            }
            // Lines with nothing to read (text rows, records without numbers) are counted, not fatal.
            Err(IngestError::NotALog { message, .. }) => {
                let mut run = Run::new("", self.path.display().to_string(), format.log_format());
                run.skip(format!("lines {}–{}", before + 1, before + memchr::memchr_iter(b'\n', chunk).count()), message);
                Ok(Some(run))
            }
            Err(IngestError::Malformed { path, location, message }) => {
                Err(IngestError::Malformed { path, location: location.map(|l| shift_line(&l, shift)), message })
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn appended(u: Update) -> Run {
        match u {
            Update::Append(r) | Update::Replace(r) => r,
            other => panic!("expected points, got {other:?}"),
        }
    }

    #[test]
    fn a_partial_last_line_is_waited_for_and_never_counted_as_bad() {
        let mut f = Follow::new(Path::new("log.csv"), &ReadOptions::default());
        assert!(matches!(f.push(b"step,loss\n1,0.9\n2,0.").unwrap(), Update::Append(_)));
        let r = appended(f.push(b"8\n3,0.7\n").unwrap());
        assert_eq!(r.series_named("loss").unwrap().values, vec![0.8, 0.7]);
        assert_eq!(r.skipped_count, 0);
        let r = appended(f.push(b"4,0.6").and_then(|_| f.finish()).unwrap());
        assert_eq!(r.series_named("loss").unwrap().values, vec![0.6]);
    }

    #[test]
    fn json_lines_wait_for_their_last_line_and_an_event_record_for_its_last_byte() {
        let mut f = Follow::new(Path::new("metrics.jsonl"), &ReadOptions::default());
        let r = appended(f.push(b"{\"step\": 1, \"loss\": 0.9}\n{\"step\": 2, \"loss\": 0.8}\n{\"step\": 3, \"lo").unwrap());
        assert_eq!(r.series_named("loss").unwrap().values, vec![0.9, 0.8]);
        let r = appended(f.push(b"ss\": 0.7}\n").unwrap());
        assert_eq!((r.series_named("loss").unwrap().values.clone(), r.skipped_count), (vec![0.7], 0));

        let events = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/wild-runs/W42/production/events.out.tfevents.1751738219.Beast.288275.0"
        ))
        .unwrap();
        let path = Path::new("events.out.tfevents.1751738219.Beast.288275.0");
        let whole = super::super::tfevents::read(path, &events, false).unwrap();
        let mut f = Follow::new(path, &ReadOptions::default());
        let mut run: Option<Run> = None;
        for piece in events.chunks(7) {
            if let Update::Append(chunk) = f.push(piece).unwrap() {
                match run.as_mut() {
                    Some(r) => append::append(r, chunk),
                    None => run = Some(chunk),
                }
            }
        }
        let run = run.unwrap();
        assert_eq!((run.records, run.skipped_count), (whole.records, 0));
        for s in &whole.series {
            assert_eq!(run.series_named(&s.name).map(|r| (&r.x, &r.values)), Some((&s.x, &s.values)), "{}", s.name);
        }
    }

    #[test]
    fn the_format_waits_for_two_lines() {
        let mut f = Follow::new(Path::new("train.out"), &ReadOptions::default());
        assert!(matches!(f.push(b"Epoch 1/3 | Loss: 0.69\n").unwrap(), Update::Nothing));
        let r = appended(f.push(b"Epoch 2/3 | Loss: 0.60\n").unwrap());
        assert_eq!(r.series_named("Loss").unwrap().values, vec![0.69, 0.60]);
    }

    #[test]
    fn keras_lines_are_not_taken_for_a_csv_header_and_row() {
        let mut f = Follow::new(Path::new("stdin"), &ReadOptions::default());
        assert!(matches!(f.push(b"Epoch 1/2\n10/10 - 1s - loss: 0.5 - val_loss: 0.6\n").unwrap(), Update::Nothing));
        let r = appended(f.push(b"Epoch 2/2\n10/10 - 1s - loss: 0.4 - val_loss: 0.5\n").unwrap());
        assert_eq!(r.format, crate::model::LogFormat::ConsoleLog);
        assert_eq!(r.series_named("val_loss").unwrap().values, vec![0.6, 0.5]);
    }

    #[test]
    fn skipped_rows_are_named_by_their_line_in_the_file() {
        let mut f = Follow::new(Path::new("log.csv"), &ReadOptions::default());
        appended(f.push(b"step,loss\n1,0.9\n2,0.8\n").unwrap());
        let r = appended(f.push(b"3,0.7\n4,oops\n").unwrap());
        assert_eq!(r.skipped.first().map(|s| s.location.as_str()), Some("line 5, column 'loss'"), "{:?}", r.skipped);
    }

    #[test]
    fn a_truncated_file_is_read_again_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.csv");
        std::fs::write(&p, "step,loss\n1,0.9\n2,0.8\n3,0.7\n").unwrap();
        let mut f = Follow::new(&p, &ReadOptions::default());
        assert_eq!(appended(f.poll().unwrap()).series_named("loss").unwrap().len(), 3);
        assert!(matches!(f.poll().unwrap(), Update::Nothing));
        std::fs::write(&p, "step,loss\n1,0.5\n").unwrap();
        assert!(matches!(f.poll().unwrap(), Update::Rewritten));
        std::fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(b"2,0.4\n").unwrap();
        assert_eq!(appended(f.poll().unwrap()).series_named("loss").unwrap().values, vec![0.5, 0.4]);
    }

    #[test]
    fn a_csv_rewritten_whole_with_a_new_column_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("metrics.csv");
        std::fs::write(&p, "step,loss\n1,0.9\n2,0.8\n").unwrap();
        let mut f = Follow::new(&p, &ReadOptions::default());
        appended(f.poll().unwrap());
        // Lightning rewrites metrics.csv whole when a validation column first appears.
        std::fs::write(&p, "step,loss,val_loss\n1,0.9,\n2,0.8,\n3,0.7,0.75\n").unwrap();
        assert!(matches!(f.poll().unwrap(), Update::Rewritten));
        let r = appended(f.poll().unwrap());
        assert_eq!((r.series_named("loss").unwrap().len(), r.series_named("val_loss").unwrap().values.clone()), (3, vec![0.75]));
    }

    #[test]
    fn a_document_rewritten_half_way_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("trainer_state.json");
        let state = |n: usize| {
            let logs: Vec<String> =
                (1..=n).map(|i| format!("{{\"loss\": {}, \"step\": {i}, \"epoch\": {}}}", 1.0 / i as f64, i as f64 / 10.0)).collect();
            format!("{{\n  \"global_step\": {n},\n  \"log_history\": [{}]\n}}\n", logs.join(", "))
        };
        std::fs::write(&p, state(3)).unwrap();
        let mut f = Follow::new(&p, &ReadOptions::default());
        assert_eq!(appended(f.poll().unwrap()).series_named("loss").unwrap().len(), 3);
        let full = state(5);
        std::fs::write(&p, &full[..full.len() / 2]).unwrap();
        assert!(matches!(f.poll().unwrap(), Update::Nothing));
        std::fs::write(&p, &full).unwrap();
        assert_eq!(appended(f.poll().unwrap()).series_named("loss").unwrap().len(), 5);
    }
}
