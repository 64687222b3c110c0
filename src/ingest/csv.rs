//! CSV and TSV logs: Keras CSVLogger, pandas history dumps, Lightning
//! `metrics.csv`, Ultralytics `results.csv`, timm `summary.csv`, and any table
//! with a step or epoch column.
//!
//! A table of plain numbers (most logs, and nearly every long one) is read by
//! [`super::plain_csv`], straight into its columns, one part per core. Anything
//! else goes to polars, in chunks of [`CHUNK_BYTES`] (so it never holds more
//! than a chunk's table), each with every column as Float64 when every cell is
//! a plain number, else as text for [`parse_cell`], which knows the loggers'
//! spellings (`NA`, padded values, `nan`). That fallback is what lets one
//! reader survive a header repeated mid-file (timm after a resume), a
//! timestamp column (old Lightning), and a stray word in a numeric column,
//! and report each by line. (A quoted field spanning a chunk boundary would be
//! split; training logs do not quote newlines.)

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use super::builder::SeriesBuilder;
use super::cells::{parse_cell, Cell};
use super::chunks;
use super::detect::{strip_bom, Format};
use super::IngestError;
use crate::model::{Axis, Kind, Points, RepeatedX, Role, Run, SKIPPED_DETAIL_CAP};

const STEP_COLUMNS: &[&str] = &["step", "global_step", "iteration", "iter", "_step", "steps", "trainer/global_step"];
const EPOCH_COLUMNS: &[&str] = &["epoch", "epochs"];
/// Columns that are bookkeeping text by nature, not a curve gone wrong.
const TEXT_COLUMNS: &[&str] = &["created_at", "timestamp", "date", "datetime", "time", "name", "run", "phase", "mode", "split"];

/// Bytes of CSV handed to polars at once: enough to keep every core busy,
/// small enough that a file of many GB needs about this much memory beyond
/// the series kept.
pub const CHUNK_BYTES: usize = 32 << 20;

/// Reads a CSV already in memory: a table of plain numbers by [`super::plain_csv`],
/// anything else by polars, chunk by chunk at line boundaries.
pub fn read(path: &Path, bytes: &[u8], format: Format) -> Result<Run, IngestError> {
    let text = strip_bom(bytes);
    if let Some(run) = super::plain_csv::read(path, text, format, sniff_separator(text)) {
        return run;
    }
    read_in_chunks(path, bytes, format, CHUNK_BYTES)
}

pub(super) fn read_in_chunks(path: &Path, bytes: &[u8], format: Format, chunk_bytes: usize) -> Result<Run, IngestError> {
    let text = strip_bom(bytes);
    read_chunks(path, format, text.len() as u64, &mut chunks::in_memory(text, chunk_bytes), text.len() > chunk_bytes)
}

/// Reads a large CSV file: mapped into memory (its pages are the page cache's,
/// not a copy, and the kernel can drop them again), else from disk chunk by
/// chunk, never holding more than a chunk of its text.
pub fn read_streaming(path: &Path, file: std::fs::File, format: Format) -> Result<Run, IngestError> {
    // SAFETY: the map is only read, then dropped (on a thread of its own). Another process
    // truncating the file meanwhile would make reads past the new end fault (SIGBUS),
    // the risk every mapping reader takes (polars maps files too); a log still being
    // appended to is safe, as only the length at open is mapped.
    match unsafe { memmap2::MmapOptions::new().map(&file) } {
        Ok(map) => {
            let run = read(path, &map, format);
            // Unmapping a few hundred MB is tens of ms of page-table work: a thread of its own
            // does it while the rules run (should no thread start, it happens here).
            let _ = std::thread::Builder::new().name("unmap".into()).spawn(move || drop(map));
            run
        }
        Err(_) => stream_in_chunks(path, file, format, CHUNK_BYTES),
    }
}

fn stream_in_chunks(path: &Path, file: std::fs::File, format: Format, chunk_bytes: usize) -> Result<Run, IngestError> {
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    read_chunks(path, format, total, &mut chunks::from_file(path, file, chunk_bytes), total > chunk_bytes as u64)
}

/// Head-room over the estimated rows when reserving column memory after the first chunk.
const RESERVE_MARGIN: f64 = 1.05;

/// What one data column gathered over all chunks.
pub(super) struct ColumnAcc {
    pub name: String,
    /// True while the column has had a number on every placed row: its x and epoch are
    /// then those of [`Rows`], shared, and only its values are stored.
    pub dense: bool,
    /// Once not dense: the placed row (index into [`Rows`]) of each value; x, epoch and the
    /// row ordinal (for logs whose every row says epoch 0) are all read from it.
    pub rows: Vec<usize>,
    pub vs: Vec<f64>,
    pub numbers: usize,
    pub texts: usize,
    /// Text cells seen, reported only if the column turns out to hold numbers too.
    pub text_cells: Vec<(usize, String)>,
}

/// The x and epoch of every placed row (a row with a usable x), in order; the
/// row's ordinal is its index here.
#[derive(Default)]
pub(super) struct Rows {
    pub x: Vec<f64>,
    pub epoch: Vec<f64>,
}

impl ColumnAcc {
    /// The column missed a placed row: from now on it lists its rows, starting with
    /// the ones it had a number on (every placed row so far).
    fn go_sparse(&mut self) {
        if self.dense {
            self.dense = false;
            self.rows = (0..self.vs.len()).collect();
        }
    }
}

/// Pieces of the file's text, each ending at a line end.
type Chunks<'c, 'a> = &'c mut (dyn Iterator<Item = Result<std::borrow::Cow<'a, [u8]>, IngestError>> + Send);

/// One piece parsed by polars, with its length in bytes.
type Parsed = Result<(usize, DataFrame), IngestError>;

/// Reads the table in pieces. When there are several (`pipelined`), one thread
/// parses piece k+1 with polars while this one copies piece k into the
/// columns (on a 10M-row file the copy and the file reads then cost no wall
/// time); a file of one piece is parsed on this thread.
fn read_chunks(path: &Path, format: Format, total_bytes: u64, chunks: Chunks, pipelined: bool) -> Result<Run, IngestError> {
    if !pipelined {
        let mut pieces = Vec::new();
        parse_chunks(path, chunks, |p| {
            pieces.push(p);
            true
        });
        return gather(path, format, total_bytes, pieces.into_iter());
    }
    std::thread::scope(|scope| {
        // One parsed piece waits at most: memory stays about two pieces beyond the columns.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Parsed>(1);
        scope.spawn(move || parse_chunks(path, chunks, |p| tx.send(p).is_ok()));
        gather(path, format, total_bytes, rx.into_iter())
    })
}

/// Parses piece after piece and hands each table to `out`; stops at the first
/// error (handed on too) or when `out` says the receiver has gone (it stopped
/// on an error of its own).
fn parse_chunks(path: &Path, chunks: Chunks, mut out: impl FnMut(Parsed) -> bool) {
    let mut raw_names: Vec<PlSmallStr> = Vec::new();
    let mut rows_before = 0usize;
    let mut separator = b',';
    for (k, chunk) in chunks.enumerate() {
        let parsed = chunk.and_then(|chunk| {
            if k == 0 {
                separator = sniff_separator(&chunk);
            }
            let text: &[u8] = &chunk;
            // Later pieces have no header line: polars gets the first piece's column names instead.
            let schema = (k > 0).then_some(raw_names.as_slice());
            let df = read_table(text, separator, true, schema).or_else(|_| read_table(text, separator, false, schema)).map_err(|e| {
                match ragged_line(text, separator, schema.map(<[PlSmallStr]>::len)) {
                    Some((line, fields, header)) => IngestError::malformed(
                        path,
                        Some(format!("line {}", line + rows_before)),
                        format!("the row has {fields} fields but the header has {header}; fix the row or remove it"),
                    ),
                    None => IngestError::malformed(path, None, format!("not a readable CSV table: {}", first_line(&e.to_string()))),
                }
            })?;
            if k == 0 {
                raw_names = df.get_column_names().into_iter().cloned().collect();
            }
            rows_before += df.height();
            Ok((chunk.len(), df))
        });
        let failed = parsed.is_err();
        if !out(parsed) || failed {
            return;
        }
    }
}

/// Copies the parsed pieces into columns and builds the run.
fn gather(path: &Path, format: Format, total_bytes: u64, parsed: impl Iterator<Item = Parsed>) -> Result<Run, IngestError> {
    let mut run = Run::new("", path.display().to_string(), format.name());
    let mut names: Vec<String> = Vec::new();
    let mut layout: Option<Layout> = None;
    let mut accs: Vec<ColumnAcc> = Vec::new();
    let mut placed = Rows::default();
    let mut rows_before = 0usize;
    let mut usable = 0usize;
    let (mut first_x, mut all_x_equal) = (None::<f64>, true);
    for (k, piece) in parsed.enumerate() {
        let (chunk_len, df) = piece?;
        if k == 0 {
            names = df.get_column_names().iter().map(|n| n.trim().trim_matches('"').to_string()).collect();
            let l = Layout::of(path, &names)?;
            accs = names
                .iter()
                .map(|n| ColumnAcc { name: n.clone(), dense: true, rows: vec![], vs: vec![], numbers: 0, texts: 0, text_cells: vec![] })
                .collect();
            layout = Some(l);
        }
        let Some(l) = layout.as_ref() else { break };
        let cols: Vec<Col> = df
            .columns()
            .iter()
            .map(|c| match c.dtype() {
                DataType::Float64 => c.f64().map(|ca| Col::Num(ca.clone())),
                _ => c.str().map(|ca| Col::Text(ca.clone())),
            })
            .collect::<PolarsResult<_>>()
            .map_err(|e| IngestError::malformed(path, None, e.to_string()))?;
        let rows = df.height();
        let line = |r: usize| rows_before + r + 2;

        // Which rows carry a usable x; a header repeated mid-file marks a resume.
        let mut x = vec![f64::NAN; rows];
        // The placed index of each placed row (its index in `placed`).
        let mut ord = vec![0usize; rows];
        let usable_before = usable;
        cols[l.x_col].for_each(|r, cell| match cell {
            Cell::Number(v) if v.is_finite() => {
                x[r] = v;
                ord[r] = usable;
                usable += 1;
                all_x_equal &= first_x.is_none_or(|f| f == v);
                first_x.get_or_insert(v);
            }
            Cell::Text if cols[l.x_col].raw(r) == names[l.x_col] => {
                run.skip(format!("line {}", line(r)), "header repeated mid-file (a resumed run appended to this file)");
            }
            _ => {
                let has_values = cols.iter().enumerate().any(|(c, col)| c != l.x_col && matches!(col.cell(r), Cell::Number(_)));
                if has_values {
                    run.skip(
                        format!("line {}", line(r)),
                        format!("{} '{}' is not a number; row ignored", names[l.x_col], cols[l.x_col].raw(r)),
                    );
                }
            }
        });
        let epoch_of_row: Option<Vec<f64>> = match (l.axis, l.epoch_col) {
            (Axis::Step, Some(e)) => {
                let mut v = vec![f64::NAN; rows];
                cols[e].for_each(|r, c| {
                    if let Cell::Number(n) = c {
                        v[r] = n;
                    }
                });
                Some(v)
            }
            _ => None,
        };
        // Every row of the chunk has its x: a column with a number in every cell is then appended in bulk.
        let every_row_placed = usable - usable_before == rows;
        if every_row_placed {
            placed.x.extend_from_slice(&x);
            if let Some(eo) = &epoch_of_row {
                placed.epoch.extend_from_slice(eo);
            }
        } else {
            for r in (0..rows).filter(|&r| !x[r].is_nan()) {
                placed.x.push(x[r]);
                if let Some(eo) = &epoch_of_row {
                    placed.epoch.push(eo[r]);
                }
            }
        }
        for (c, acc) in accs.iter_mut().enumerate() {
            if !l.is_data(c) {
                continue;
            }
            if let Some(parts) = cols[c].dense().filter(|_| every_row_placed) {
                acc.numbers += rows;
                for part in parts {
                    acc.vs.extend_from_slice(part);
                }
                if !acc.dense {
                    acc.rows.extend(usable_before..usable);
                }
                continue;
            }
            cols[c].for_each(|r, cell| {
                if x[r].is_nan() {
                    return;
                }
                match cell {
                    Cell::Number(v) => {
                        acc.numbers += 1;
                        acc.vs.push(v);
                        if !acc.dense {
                            acc.rows.push(ord[r]);
                        }
                    }
                    Cell::Text => {
                        acc.texts += 1;
                        if acc.text_cells.len() < SKIPPED_DETAIL_CAP {
                            acc.text_cells.push((line(r), cols[c].raw(r)));
                        }
                        acc.go_sparse();
                    }
                    Cell::Missing => acc.go_sparse(),
                }
            });
        }
        if k == 0 && (chunk_len as u64) < total_bytes {
            // Grow each column once, to about its final size: doubling a 10M-row vector would
            // briefly hold both copies. The first chunk's rows per byte and each column's
            // density estimate the rest.
            let est_rows = (rows as f64 / chunk_len.max(1) as f64 * total_bytes as f64 * RESERVE_MARGIN) as usize;
            let want = est_rows.saturating_sub(placed.x.len());
            placed.x.reserve_exact(want);
            if epoch_of_row.is_some() {
                placed.epoch.reserve_exact(want);
            }
            for acc in accs.iter_mut() {
                let density = acc.numbers as f64 / rows.max(1) as f64;
                let want = ((est_rows as f64 * density) as usize).saturating_sub(acc.vs.len());
                acc.vs.reserve_exact(want);
                if !acc.dense {
                    acc.rows.reserve_exact(want);
                }
            }
        }
        rows_before += rows;
    }
    let Some(layout) = layout else {
        return Err(IngestError::not_a_log(path, "file is empty"));
    };
    Gathered { names, layout, accs, placed, records: rows_before, first_x, all_x_equal }.into_run(run, path)
}

/// Everything read from the table, before it becomes series.
pub(super) struct Gathered {
    pub names: Vec<String>,
    pub layout: Layout,
    pub accs: Vec<ColumnAcc>,
    pub placed: Rows,
    /// Data rows in the file (placed or not).
    pub records: usize,
    pub first_x: Option<f64>,
    pub all_x_equal: bool,
}

impl Gathered {
    /// The run: one x (or ordinal) column and one epoch column shared by the dense
    /// columns, the sparse ones picking their rows; skipped cells and notes reported.
    pub fn into_run(self, mut run: Run, path: &Path) -> Result<Run, IngestError> {
        let Gathered { names, layout: l, accs, mut placed, records, first_x, all_x_equal } = self;
        let usable = placed.x.len();
        run.records = records;
        if records == 0 {
            return Err(IngestError::not_a_log(path, "line 2: the file has a header but no rows"));
        }
        let renumber = l.axis == Axis::Epoch && all_x_equal && usable > 1;
        if renumber {
            // Keras CSVLogger in append mode with one epoch per fit(): every row says epoch 0.
            run.notes.push(format!(
                "every row has {} = {}; rows are read as consecutive epochs (a CSVLogger appended by one fit() per epoch)",
                names[l.x_col],
                first_x.unwrap_or(0.0)
            ));
        }
        // One x (or ordinal) column and one epoch column: the dense columns share them, the others pick their rows.
        let any_finite = |v: &[f64]| v.iter().any(|e| e.is_finite());
        let shared_epoch: Option<Points> = any_finite(&placed.epoch).then(|| Arc::new(std::mem::take(&mut placed.epoch)));
        let shared_x: Points = Arc::new(if renumber { (0..usable).map(|i| i as f64).collect() } else { std::mem::take(&mut placed.x) });
        drop(placed);
        let mut builder = SeriesBuilder::new(RepeatedX::Restart);
        let mut ignored_text = Vec::new();
        for (c, acc) in accs.into_iter().enumerate() {
            if !l.is_data(c) {
                continue;
            }
            let name = acc.name;
            if acc.numbers == 0 && acc.texts > 0 {
                let lower = name.to_ascii_lowercase();
                let metric_like = Role::infer(&name).kind != Kind::Other && !TEXT_COLUMNS.contains(&lower.as_str());
                if metric_like {
                    let (line, raw) = acc.text_cells.first().cloned().unwrap_or((2, String::new()));
                    return Err(IngestError::malformed(
                        path,
                        Some(format!("line {line}, column '{name}'")),
                        format!("'{raw}' is not a number, and no row of this column holds one; is this the right file?"),
                    ));
                }
                ignored_text.push(if name.is_empty() { "(unnamed)".to_string() } else { name });
                continue;
            }
            for (line, raw) in &acc.text_cells {
                run.skip(format!("line {line}, column '{name}'"), format!("'{raw}' is not a number"));
            }
            // Cells beyond the detail cap are still counted.
            run.skipped_count += acc.texts - acc.text_cells.len();
            let (xs, es) = if acc.dense {
                (Arc::clone(&shared_x), shared_epoch.clone())
            } else {
                let pick = |base: &[f64]| -> Vec<f64> { acc.rows.iter().map(|&i| base[i]).collect() };
                (Arc::new(pick(&shared_x)), shared_epoch.as_deref().map(|e| pick(e)).filter(|e| any_finite(e)).map(Arc::new))
            };
            builder.push_column(&name, l.axis, xs, es, acc.vs);
        }
        let duplicated: Vec<&str> = names.iter().filter(|n| n.contains("_duplicated_")).map(String::as_str).collect();
        if !duplicated.is_empty() {
            run.notes.push(format!("the header repeats column names; the repeats are named {}", duplicated.join(", ")));
        }
        if !ignored_text.is_empty() {
            run.notes.push(format!("text columns not read as curves: {}", ignored_text.join(", ")));
        }
        run.series = builder.finish();
        if run.series.is_empty() {
            return Err(IngestError::malformed(path, None, "no numeric column besides the step/epoch column; nothing to analyse"));
        }
        Ok(run)
    }
}

/// Which columns place the rows and which hold curves.
pub(super) struct Layout {
    pub x_col: usize,
    pub axis: Axis,
    pub epoch_col: Option<usize>,
    pub index_col: Option<usize>,
}

impl Layout {
    pub fn of(path: &Path, names: &[String]) -> Result<Layout, IngestError> {
        let find = |set: &[&str]| names.iter().position(|n| set.contains(&n.to_ascii_lowercase().as_str()));
        let step_col = find(STEP_COLUMNS);
        let epoch_col = find(EPOCH_COLUMNS);
        let index_col = (names.first().is_some_and(|n| n.is_empty() || n == "Unnamed: 0")).then_some(0);
        let (x_col, axis) = match (step_col, epoch_col, index_col) {
            (Some(s), _, _) => (s, Axis::Step),
            (None, Some(e), _) => (e, Axis::Epoch),
            (None, None, Some(i)) => (i, Axis::Epoch),
            _ => {
                return Err(IngestError::not_a_log(
                    path,
                    format!(
                        "line 1: no step or epoch column among [{}]; curvecheck needs one of: {}, {}",
                        names.join(", "),
                        STEP_COLUMNS.join(", "),
                        EPOCH_COLUMNS.join(", ")
                    ),
                ))
            }
        };
        Ok(Layout { x_col, axis, epoch_col, index_col })
    }

    pub fn is_data(&self, c: usize) -> bool {
        c != self.x_col && Some(c) != self.epoch_col && Some(c) != self.index_col
    }
}

/// One parsed column: numbers straight from polars' fast path, or text for [`parse_cell`].
enum Col {
    Num(Float64Chunked),
    Text(StringChunked),
}

impl Col {
    /// Calls `f(row, cell)` for every cell; the loop is compiled once per column kind (no dynamic dispatch per cell).
    fn for_each(&self, mut f: impl FnMut(usize, Cell)) {
        match self {
            Col::Num(ca) => {
                // Straight over polars' value buffers: a chunk without nulls needs no validity check per cell.
                let mut r = 0;
                for arr in ca.downcast_iter() {
                    let values: &[f64] = arr.values();
                    match arr.validity().filter(|v| v.unset_bits() > 0) {
                        None => {
                            for &v in values {
                                f(r, Cell::Number(v));
                                r += 1;
                            }
                        }
                        Some(valid) => {
                            for (&v, present) in values.iter().zip(valid.iter()) {
                                f(r, if present { Cell::Number(v) } else { Cell::Missing });
                                r += 1;
                            }
                        }
                    }
                }
            }
            Col::Text(ca) => {
                for (r, v) in ca.iter().enumerate() {
                    f(r, v.map_or(Cell::Missing, parse_cell));
                }
            }
        }
    }

    /// The column's numbers as polars holds them, when every cell is one (no null, no text):
    /// the common dense column, copied in bulk instead of cell by cell.
    fn dense(&self) -> Option<Vec<&[f64]>> {
        match self {
            Col::Num(ca) if ca.null_count() == 0 => Some(ca.downcast_iter().map(|a| a.values().as_slice()).collect()),
            _ => None,
        }
    }

    fn cell(&self, row: usize) -> Cell {
        match self {
            Col::Num(ca) => ca.get(row).map_or(Cell::Missing, Cell::Number),
            Col::Text(ca) => ca.get(row).map_or(Cell::Missing, parse_cell),
        }
    }

    /// The cell as written, for messages.
    fn raw(&self, row: usize) -> String {
        match self {
            Col::Num(ca) => ca.get(row).map(|v| v.to_string()).unwrap_or_default(),
            Col::Text(ca) => ca.get(row).unwrap_or("").trim().to_string(),
        }
    }
}

/// Parses the table with polars. The fast path reads every column as Float64
/// (`NA` and empty cells as null); when any cell is not a plain number (padded
/// values, a timestamp column, a header repeated mid-file) it fails and the
/// caller reads every column as text instead, for [`parse_cell`] to judge.
fn read_table(text: &[u8], separator: u8, numeric: bool, names: Option<&[PlSmallStr]>) -> PolarsResult<DataFrame> {
    // `NA` (Keras) is left to the text path: checking every field for it cost the fast path 6%.
    let parse = CsvParseOptions::default().with_separator(separator).with_missing_is_null(true);
    if let Some(names) = names {
        let dtype = if numeric { DataType::Float64 } else { DataType::String };
        let schema: Schema = names.iter().map(|n| Field::new(n.clone(), dtype.clone())).collect();
        return CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(std::sync::Arc::new(schema)))
            .with_parse_options(parse)
            .into_reader_with_file_handle(Cursor::new(text))
            .finish();
    }
    let base = CsvReadOptions::default().with_has_header(true).with_raise_if_empty(true).with_parse_options(parse);
    if !numeric {
        return base.with_infer_schema_length(Some(0)).into_reader_with_file_handle(Cursor::new(text)).finish();
    }
    let header = CsvReadOptions::default()
        .with_has_header(true)
        .with_n_rows(Some(0))
        .with_parse_options(CsvParseOptions::default().with_separator(separator))
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()?;
    let dtypes = vec![DataType::Float64; header.width()];
    base.with_dtype_overwrite(Some(std::sync::Arc::new(dtypes))).into_reader_with_file_handle(Cursor::new(text)).finish()
}

/// The first row with more fields than the header (what polars rejects without saying where):
/// `(line number, fields, header fields)`. Quoted separators are not counted.
fn ragged_line(text: &[u8], separator: u8, header_fields: Option<usize>) -> Option<(usize, usize, usize)> {
    let count = |line: &[u8]| {
        let mut quoted = false;
        1 + line
            .iter()
            .filter(|&&b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                b == separator && !quoted
            })
            .count()
    };
    let mut lines = text.split(|&b| b == b'\n');
    let header = match header_fields {
        Some(h) => h,
        None => count(lines.next()?),
    };
    lines.enumerate().find_map(|(i, l)| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let n = count(l);
        (n > header).then_some((i + 2, n, header))
    })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Comma unless the header has more tabs or semicolons.
pub(super) fn sniff_separator(text: &[u8]) -> u8 {
    let header = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header.iter().filter(|&&b| b == c).count();
    let (commas, tabs, semis) = (count(b','), count(b'\t'), count(b';'));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
    }

    /// Chunk boundaries change nothing: every series, skip and note is the same as in one chunk.
    #[test]
    fn tiny_chunks_read_the_same_as_one_chunk() {
        for (rel, format) in [
            ("timm-summary/resumed_with_repeated_header.csv", Format::TimmSummary),
            ("real-logs/keras-csvlogger/irfanet-appended-restart_training_logs191017-5.log", Format::KerasCsvlogger),
            ("real-logs/keras-csvlogger/digit-recognizer-all-epoch-zero_history.csv", Format::KerasCsvlogger),
            ("real-logs/lightning-csv/opal-v2_version_0_metrics.csv", Format::LightningCsvlogger),
            ("real-logs/lightning-csv/contact-point-testtube-1481ep_metrics.csv", Format::LightningCsvlogger),
            ("bad/seven_bad_cells_of_100.csv", Format::Csv),
            ("bad/utf8_bom.csv", Format::Csv),
        ] {
            let path = fixture(rel);
            let bytes = std::fs::read(&path).unwrap();
            let whole = read_in_chunks(&path, &bytes, format, usize::MAX).unwrap();
            for chunk in [60, 257, 4096] {
                let parts = read_in_chunks(&path, &bytes, format, chunk).unwrap();
                assert_eq!(parts, whole, "{rel} in chunks of {chunk} bytes");
                let streamed = stream_in_chunks(&path, std::fs::File::open(&path).unwrap(), format, chunk).unwrap();
                assert_eq!(streamed, whole, "{rel} streamed in chunks of {chunk} bytes");
            }
        }
    }
}
