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
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_raise_if_empty(true)
        .with_parse_options(CsvParseOptions::default().with_separator(separator).with_missing_is_null(true))
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()
        .map_err(|e| IngestError::malformed(path, None, format!("not a readable CSV table: {}", first_line(&e.to_string()))))?;
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.trim().trim_matches('"').to_string()).collect();
    let rows = df.height();
    if rows == 0 {
        return Err(IngestError::malformed(path, Some("line 2".into()), "the file has a header but no rows"));
    }
    let mut cols: Vec<Vec<Cell>> = Vec::with_capacity(names.len());
    for c in df.columns() {
        let ca = c.str().map_err(|e| IngestError::malformed(path, None, e.to_string()))?;
        cols.push(ca.iter().map(|v| v.map_or(Cell::Missing, parse_cell)).collect());
    }
    let raw =
        |col: usize, row: usize| -> String { df.columns()[col].str().ok().and_then(|ca| ca.get(row)).unwrap_or("").trim().to_string() };

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
    for (r, cell) in cols[x_col].iter().enumerate() {
        match cell {
            Cell::Number(v) if v.is_finite() => {
                x[r] = *v;
                row_ok[r] = true;
            }
            Cell::Text if raw(x_col, r) == names[x_col] => {
                run.skip(format!("line {}", r + 2), "header repeated mid-file (a resumed run appended to this file)");
            }
            _ => {
                let has_values = cols.iter().enumerate().any(|(c, col)| c != x_col && matches!(col[r], Cell::Number(_)));
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
        (Axis::Step, Some(e)) => Some(cols[e].iter().map(|c| if let Cell::Number(v) = c { *v } else { f64::NAN }).collect()),
        _ => None,
    };

    let mut builder = SeriesBuilder::new(RepeatedX::Restart);
    let mut ignored_text = Vec::new();
    for (c, name) in names.iter().enumerate() {
        if c == x_col || Some(c) == epoch_col || Some(c) == index_col {
            continue;
        }
        let col = &cols[c];
        let numbers = col.iter().zip(&row_ok).filter(|(v, ok)| **ok && matches!(v, Cell::Number(_))).count();
        let texts = col.iter().zip(&row_ok).filter(|(v, ok)| **ok && matches!(v, Cell::Text)).count();
        if numbers == 0 && texts > 0 {
            let lower = name.to_ascii_lowercase();
            let metric_like = Role::infer(name).kind != Kind::Other && !TEXT_COLUMNS.contains(&lower.as_str());
            if metric_like {
                let r = (0..rows).find(|&r| row_ok[r] && col[r] == Cell::Text).unwrap_or(0);
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
        for r in 0..rows {
            if !row_ok[r] {
                continue;
            }
            match col[r] {
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
    if !ignored_text.is_empty() {
        run.notes.push(format!("text columns not read as curves: {}", ignored_text.join(", ")));
    }
    run.series = builder.finish();
    if run.series.is_empty() {
        return Err(IngestError::malformed(path, None, "no numeric column besides the step/epoch column; nothing to analyse"));
    }
    Ok(run)
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
