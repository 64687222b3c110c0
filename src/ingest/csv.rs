//! CSV and TSV logs: Keras CSVLogger, pandas history dumps, Lightning
//! `metrics.csv`, Ultralytics `results.csv`, timm `summary.csv`, and any table
//! with a step or epoch column.
//!
//! Polars parses the table with every column as text; cells are then read by
//! [`parse_cell`], which knows the loggers' spellings (`NA`, padded values,
//! `nan`). Reading text first is what lets one reader survive a header repeated
//! mid-file (timm after a resume), a timestamp column (old Lightning), and a
//! stray word in a numeric column, and report each of them by line.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::builder::SeriesBuilder;
use super::cells::{parse_cell, Cell};
use super::detect::{strip_bom, Format};
use super::IngestError;
use crate::model::{Axis, Kind, RepeatedX, Role, Run};

const STEP_COLUMNS: &[&str] = &["step", "global_step", "iteration", "iter", "_step", "steps", "trainer/global_step"];
const EPOCH_COLUMNS: &[&str] = &["epoch", "epochs"];
/// Columns that are bookkeeping text by nature, not a curve gone wrong.
const TEXT_COLUMNS: &[&str] = &["created_at", "timestamp", "date", "datetime", "time", "name", "run", "phase", "mode", "split"];

pub fn read(path: &Path, bytes: &[u8], format: Format) -> Result<Run, IngestError> {
    let text = strip_bom(bytes);
    let separator = sniff_separator(text);
    let df = read_table(text, separator, true).or_else(|_| read_table(text, separator, false)).map_err(|e| {
        match ragged_line(text, separator) {
            Some((line, fields, header)) => IngestError::malformed(
                path,
                Some(format!("line {line}")),
                format!("the row has {fields} fields but the header has {header}; fix the row or remove it"),
            ),
            None => IngestError::malformed(path, None, format!("not a readable CSV table: {}", first_line(&e.to_string()))),
        }
    })?;
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.trim().trim_matches('"').to_string()).collect();
    let duplicated: Vec<&str> = names.iter().filter(|n| n.contains("_duplicated_")).map(String::as_str).collect();
    let rows = df.height();
    if rows == 0 {
        return Err(IngestError::malformed(path, Some("line 2".into()), "the file has a header but no rows"));
    }
    let cols: Vec<Col> = df
        .columns()
        .iter()
        .map(|c| match c.dtype() {
            DataType::Float64 => c.f64().map(|ca| Col::Num(ca.clone())),
            _ => c.str().map(|ca| Col::Text(ca.clone())),
        })
        .collect::<PolarsResult<_>>()
        .map_err(|e| IngestError::malformed(path, None, e.to_string()))?;
    let raw = |col: usize, row: usize| cols[col].raw(row);

    let find = |set: &[&str]| names.iter().position(|n| set.contains(&n.to_ascii_lowercase().as_str()));
    let step_col = find(STEP_COLUMNS);
    let epoch_col = find(EPOCH_COLUMNS);
    let index_col = (names.first().is_some_and(|n| n.is_empty() || n == "Unnamed: 0")).then_some(0);
    let (x_col, axis) = match (step_col, epoch_col, index_col) {
        (Some(s), _, _) => (s, Axis::Step),
        (None, Some(e), _) => (e, Axis::Epoch),
        (None, None, Some(i)) => (i, Axis::Epoch),
        _ => {
            return Err(IngestError::malformed(
                path,
                Some("line 1".into()),
                format!(
                    "no step or epoch column among [{}]; curvecheck needs one of: {}, {}",
                    names.join(", "),
                    STEP_COLUMNS.join(", "),
                    EPOCH_COLUMNS.join(", ")
                ),
            ))
        }
    };

    let mut run = Run::new("", path.display().to_string(), format.name());
    run.records = rows;

    // Which rows carry a usable x; a header repeated mid-file marks a resume.
    let mut x = vec![f64::NAN; rows];
    let mut row_ok = vec![false; rows];
    for (r, cell) in cols[x_col].cells().enumerate() {
        match cell {
            Cell::Number(v) if v.is_finite() => {
                x[r] = v;
                row_ok[r] = true;
            }
            Cell::Text if raw(x_col, r) == names[x_col] => {
                run.skip(format!("line {}", r + 2), "header repeated mid-file (a resumed run appended to this file)");
            }
            _ => {
                let has_values = cols.iter().enumerate().any(|(c, col)| c != x_col && matches!(col.cell(r), Cell::Number(_)));
                if has_values {
                    run.skip(format!("line {}", r + 2), format!("{} '{}' is not a number; row ignored", names[x_col], raw(x_col, r)));
                }
            }
        }
    }

    if axis == Axis::Epoch && rows > 1 {
        let first = x.iter().copied().find(|v| v.is_finite());
        if first.is_some() && x.iter().zip(&row_ok).all(|(v, ok)| !ok || Some(*v) == first) {
            // Keras CSVLogger in append mode with one epoch per fit(): every row says epoch 0.
            let mut n = 0.0;
            for (v, ok) in x.iter_mut().zip(&row_ok) {
                if *ok {
                    *v = n;
                    n += 1.0;
                }
            }
            run.notes.push(format!(
                "every row has {} = {}; rows are read as consecutive epochs (a CSVLogger appended by one fit() per epoch)",
                names[x_col],
                first.unwrap_or(0.0)
            ));
        }
    }

    let epoch_of_row: Option<Vec<f64>> = match (axis, epoch_col) {
        (Axis::Step, Some(e)) => Some(cols[e].cells().map(|c| if let Cell::Number(v) = c { v } else { f64::NAN }).collect()),
        _ => None,
    };

    let mut builder = SeriesBuilder::new(RepeatedX::Restart);
    let mut ignored_text = Vec::new();
    for (c, name) in names.iter().enumerate() {
        if c == x_col || Some(c) == epoch_col || Some(c) == index_col {
            continue;
        }
        let col = &cols[c];
        let (mut numbers, mut texts) = (0usize, 0usize);
        for (v, ok) in col.cells().zip(&row_ok) {
            match (ok, v) {
                (true, Cell::Number(_)) => numbers += 1,
                (true, Cell::Text) => texts += 1,
                _ => {}
            }
        }
        if numbers == 0 && texts > 0 {
            let lower = name.to_ascii_lowercase();
            let metric_like = Role::infer(name).kind != Kind::Other && !TEXT_COLUMNS.contains(&lower.as_str());
            if metric_like {
                let r = col.cells().zip(&row_ok).position(|(v, ok)| *ok && v == Cell::Text).unwrap_or(0);
                return Err(IngestError::malformed(
                    path,
                    Some(format!("line {}, column '{name}'", r + 2)),
                    format!("'{}' is not a number, and no row of this column holds one; is this the right file?", raw(c, r)),
                ));
            }
            ignored_text.push(if name.is_empty() { "(unnamed)".to_string() } else { name.clone() });
            continue;
        }
        let mut xs = Vec::with_capacity(numbers);
        let mut vs = Vec::with_capacity(numbers);
        let mut es = epoch_of_row.as_ref().map(|_| Vec::with_capacity(numbers));
        for (r, cell) in col.cells().enumerate() {
            if !row_ok[r] {
                continue;
            }
            match cell {
                Cell::Number(v) => {
                    xs.push(x[r]);
                    vs.push(v);
                    if let (Some(es), Some(eo)) = (es.as_mut(), epoch_of_row.as_ref()) {
                        es.push(eo[r]);
                    }
                }
                Cell::Text => run.skip(format!("line {}, column '{name}'", r + 2), format!("'{}' is not a number", raw(c, r))),
                Cell::Missing => {}
            }
        }
        let es = es.filter(|e| e.iter().any(|v| v.is_finite()));
        builder.push_column(name, axis, xs, es, vs);
    }
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

/// One parsed column: numbers straight from polars' fast path, or text for [`parse_cell`].
enum Col {
    Num(Float64Chunked),
    Text(StringChunked),
}

impl Col {
    fn cells(&self) -> Box<dyn Iterator<Item = Cell> + '_> {
        match self {
            Col::Num(ca) => Box::new(ca.iter().map(|v| v.map_or(Cell::Missing, Cell::Number))),
            Col::Text(ca) => Box::new(ca.iter().map(|v| v.map_or(Cell::Missing, parse_cell))),
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
fn read_table(text: &[u8], separator: u8, numeric: bool) -> PolarsResult<DataFrame> {
    let parse = CsvParseOptions::default()
        .with_separator(separator)
        .with_missing_is_null(true)
        .with_null_values(Some(NullValues::AllColumns(vec!["NA".into()])));
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
fn ragged_line(text: &[u8], separator: u8) -> Option<(usize, usize, usize)> {
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
    let header = count(lines.next()?);
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
fn sniff_separator(text: &[u8]) -> u8 {
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
