//! The polars path for CSV that is not plain numbers: the table parsed in
//! pieces (on a second thread while the first copies), each piece read as
//! Float64 when it can be, else as text for [`parse_cell`] to judge cell by
//! cell, then gathered into the shared columns.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::table::{sniff_separator, ColumnAcc, Gathered, Layout, Rows, RESERVE_MARGIN};
use crate::ingest::cells::{parse_cell, Cell};
use crate::ingest::detect::Format;
use crate::ingest::IngestError;
use crate::model::{Axis, Run, SKIPPED_DETAIL_CAP};

/// Pieces of the file's text, each ending at a line end.
pub(super) type Chunks<'c, 'a> = &'c mut (dyn Iterator<Item = Result<std::borrow::Cow<'a, [u8]>, IngestError>> + Send);

/// One piece parsed by polars, with its length in bytes.
type Parsed = Result<(usize, DataFrame), IngestError>;

/// Reads the table in pieces. When there are several (`pipelined`), one thread
/// parses piece k+1 with polars while this one copies piece k into the
/// columns (on a 10M-row file the copy and the file reads then cost no wall
/// time); a file of one piece is parsed on this thread.
pub(super) fn read_chunks(path: &Path, format: Format, total_bytes: u64, chunks: Chunks, pipelined: bool) -> Result<Run, IngestError> {
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
    let mut run = Run::new("", path.display().to_string(), format.log_format());
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
