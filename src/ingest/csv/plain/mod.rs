//! The common large CSV read without polars: a header, then rows of plain
//! numbers or empty cells, unquoted, cut by one separator.
//!
//! Why: on a 10M-row log, polars' general parser (quotes, type inference,
//! nulls, then a DataFrame to copy out of) was half the CPU of `diagnose`.
//! A table of plain numbers needs less: lines found with `memchr`, fields cut
//! at the separator, numbers parsed by `fast-float2` (the parser polars calls
//! for Float64, so values come out bit for bit the same), each written
//! straight into its final column, one part of the file per core.
//!
//! Anything else makes this reader step aside (`None`) and the polars reader
//! in [`super::polars`] reads the whole file, so every message about a bad line
//! or cell still comes from one place: a quote, a word or padded number, a row
//! with the wrong number of fields, an empty line, a row without a finite
//! step, or a column that had a number on every sampled row and then misses one.
//!
//! ```text
//! step,epoch,train_loss,lr,val_loss
//! 0,0,2.29,0.1,          <- val_loss empty here: a sparse column, its rows listed
//! 1,0,2.28,0.1,2.31      <- train_loss and lr filled on every row: dense, no row list
//! ```

use std::path::Path;

use rayon::prelude::*;

use super::table::{ColumnAcc, Gathered, Layout, Rows};
use crate::ingest::detect::Format;
use crate::ingest::IngestError;
use crate::model::{Axis, Run};

/// Leading rows that tell dense columns (a number on every row) from sparse ones.
const SAMPLE_ROWS: usize = 1024;

/// Reads `text` (no BOM) when it is a plain numeric table; `None` when the polars reader must.
pub(super) fn read(path: &Path, text: &[u8], format: Format, separator: u8) -> Option<Result<Run, IngestError>> {
    read_in_parts(path, text, format, separator, crate::parallel::parts_for_bytes(text.len()))
}

/// What a column of the table is to this reader.
#[derive(Clone, Copy)]
enum ColumnKind {
    /// The step (or epoch) column that places rows; every row needs a finite one.
    X,
    /// The epoch column beside a step column; an empty cell is NaN.
    Epoch,
    /// A data column with a number on every sampled row: the k-th full-length column.
    Dense(usize),
    /// A data column with empty cells: the k-th list of (row, value).
    Sparse(usize),
    /// A pandas index column beside a step column: not read.
    Ignored,
}

/// The columns of one part of the file, to be filled row by row.
struct PartColumns<'a> {
    x: &'a mut [f64],
    epoch: &'a mut [f64],
    dense: Vec<&'a mut [f64]>,
}

/// What one part found besides its dense columns.
struct PartFound {
    sparse: Vec<(Vec<usize>, Vec<f64>)>,
    first_x: Option<f64>,
    all_x_equal: bool,
}

fn read_in_parts(path: &Path, text: &[u8], format: Format, separator: u8, parts: usize) -> Option<Result<Run, IngestError>> {
    let header_end = memchr::memchr(b'\n', text)?;
    let names = header_names(&text[..header_end], separator)?;
    let layout = Layout::of(path, &names).ok()?;
    let body = &text[header_end + 1..];
    let parts = split_at_lines(body, parts);
    if parts.is_empty() {
        return None;
    }
    // Rayon only for several parts: starting its threads costs more than a small log takes to read.
    let parallel = parts.len() > 1;
    let counts: Vec<usize> =
        if parallel { parts.par_iter().map(|p| count_lines(p)).collect() } else { parts.iter().map(|p| count_lines(p)).collect() };
    let rows: usize = counts.iter().sum();
    let kinds = column_kinds(&layout, &names, body, separator)?;
    let n_dense = kinds.iter().filter(|k| matches!(k, ColumnKind::Dense(_))).count();
    let n_sparse = kinds.iter().filter(|k| matches!(k, ColumnKind::Sparse(_))).count();
    let has_epoch = kinds.iter().any(|k| matches!(k, ColumnKind::Epoch));

    // Zeroed allocations of this size come straight from the OS: no pass writes the zeros.
    let mut x = vec![0.0; rows];
    let mut epoch = if has_epoch { vec![0.0; rows] } else { Vec::new() };
    let mut dense: Vec<Vec<f64>> = (0..n_dense).map(|_| vec![0.0; rows]).collect();
    let mut outs: Vec<PartColumns> = {
        let xs = split_by_counts(&mut x, &counts);
        let es = split_by_counts(&mut epoch, if has_epoch { &counts } else { &[] });
        let mut ds: Vec<std::vec::IntoIter<&mut [f64]>> = dense.iter_mut().map(|d| split_by_counts(d, &counts).into_iter()).collect();
        let mut es = es.into_iter();
        xs.into_iter()
            .map(|x| PartColumns { x, epoch: es.next().unwrap_or_default(), dense: ds.iter_mut().filter_map(Iterator::next).collect() })
            .collect()
    };
    let first_rows: Vec<usize> = counts.iter().scan(0, |before, &n| Some(std::mem::replace(before, *before + n))).collect();
    let parse =
        |((part, cols), &first_row): ((&&[u8], &mut PartColumns), &usize)| parse_part(part, cols, first_row, &kinds, separator, n_sparse);
    let found: Vec<PartFound> = if parallel {
        parts.par_iter().zip(outs.par_iter_mut()).zip(first_rows.par_iter()).map(parse).collect::<Option<_>>()?
    } else {
        parts.iter().zip(outs.iter_mut()).zip(&first_rows).map(parse).collect::<Option<_>>()?
    };
    drop(outs);

    let first_x = found.iter().find_map(|f| f.first_x);
    let all_x_equal = found.iter().all(|f| f.all_x_equal && f.first_x.is_none_or(|v| Some(v) == first_x));
    let mut sparse: Vec<(Vec<usize>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); n_sparse];
    for f in found {
        for (all, (rows, vs)) in sparse.iter_mut().zip(f.sparse) {
            all.0.extend(rows);
            all.1.extend(vs);
        }
    }
    let mut dense = dense.into_iter();
    let mut sparse = sparse.into_iter();
    let accs = names
        .iter()
        .zip(&kinds)
        .map(|(name, kind)| {
            let (dense_col, rows_of, vs) = match kind {
                ColumnKind::Dense(_) => (true, Vec::new(), dense.next().unwrap_or_default()),
                ColumnKind::Sparse(_) => {
                    let (r, v) = sparse.next().unwrap_or_default();
                    (false, r, v)
                }
                _ => (true, Vec::new(), Vec::new()),
            };
            ColumnAcc { name: name.clone(), dense: dense_col, rows: rows_of, numbers: vs.len(), vs, texts: 0, text_cells: Vec::new() }
        })
        .collect();
    let gathered = Gathered { names, layout, accs, placed: Rows { x, epoch }, records: rows, first_x, all_x_equal };
    Some(gathered.into_run(Run::new("", path.display().to_string(), format.log_format()), path))
}

/// The header's column names, trimmed; `None` for a quoted, empty or repeated name
/// (polars renames those, and its reader is the one that knows how).
fn header_names(line: &[u8], separator: u8) -> Option<Vec<String>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.contains(&b'"') {
        return None;
    }
    let names: Vec<String> =
        line.split(|&b| b == separator).map(|f| std::str::from_utf8(f).ok().map(|s| s.trim().to_string())).collect::<Option<_>>()?;
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    let repeated = sorted.windows(2).any(|w| w[0] == w[1]);
    (!repeated && names.iter().all(|n| !n.is_empty())).then_some(names)
}

/// Which column is which; a data column is dense when the first [`SAMPLE_ROWS`] rows
/// all have a number in it. `None` when a sampled row has the wrong number of fields.
fn column_kinds(layout: &Layout, names: &[String], body: &[u8], separator: u8) -> Option<Vec<ColumnKind>> {
    let mut filled = vec![true; names.len()];
    for line in lines(body).take(SAMPLE_ROWS) {
        let mut fields = 0;
        for (c, field) in line.split(|&b| b == separator).enumerate() {
            *filled.get_mut(c)? &= !field.is_empty();
            fields += 1;
        }
        if fields != names.len() {
            return None;
        }
    }
    let (mut dense, mut sparse) = (0, 0);
    let kinds = (0..names.len())
        .map(|c| {
            if c == layout.x_col {
                ColumnKind::X
            } else if Some(c) == layout.epoch_col && layout.axis == Axis::Step {
                ColumnKind::Epoch
            } else if !layout.is_data(c) {
                ColumnKind::Ignored
            } else if filled[c] {
                dense += 1;
                ColumnKind::Dense(dense - 1)
            } else {
                sparse += 1;
                ColumnKind::Sparse(sparse - 1)
            }
        })
        .collect();
    Some(kinds)
}

/// Fills one part's rows; `None` at the first line this reader does not take.
///
/// One cursor walks the text: each number is parsed where it starts and must end
/// at a separator or the line's end, so fields are never cut out first.
fn parse_part(
    text: &[u8],
    cols: &mut PartColumns,
    first_row: usize,
    kinds: &[ColumnKind],
    separator: u8,
    n_sparse: usize,
) -> Option<PartFound> {
    let mut sparse: Vec<(Vec<usize>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); n_sparse];
    let (mut first_x, mut all_x_equal) = (None, true);
    let last = kinds.len().checked_sub(1)?;
    let (mut at, mut r) = (0, 0);
    while at < text.len() {
        for (c, kind) in kinds.iter().enumerate() {
            let value = match text.get(at) {
                Some(&b) if b != separator && b != b'\n' && b != b'\r' => {
                    let (v, len) = fast_float2::parse_partial::<f64, _>(&text[at..]).ok()?;
                    at += len;
                    Some(v)
                }
                _ => None,
            };
            match *kind {
                ColumnKind::X => {
                    let v = value.filter(|v| v.is_finite())?;
                    *cols.x.get_mut(r)? = v;
                    all_x_equal &= first_x.is_none_or(|f| f == v);
                    first_x.get_or_insert(v);
                }
                ColumnKind::Epoch => *cols.epoch.get_mut(r)? = value.unwrap_or(f64::NAN),
                ColumnKind::Dense(k) => *cols.dense.get_mut(k)?.get_mut(r)? = value?,
                ColumnKind::Sparse(k) => {
                    if let Some(v) = value {
                        let (rows, vs) = sparse.get_mut(k)?;
                        rows.push(first_row + r);
                        vs.push(v);
                    }
                }
                ColumnKind::Ignored => {}
            }
            // What follows the field: the separator, or after the last field the line's end.
            if c < last {
                (text.get(at) == Some(&separator)).then_some(())?;
                at += 1;
            } else {
                at += usize::from(text.get(at) == Some(&b'\r'));
                match text.get(at) {
                    Some(b'\n') => at += 1,
                    None => {}
                    Some(_) => return None,
                }
            }
        }
        r += 1;
    }
    (r == cols.x.len()).then_some(PartFound { sparse, first_x, all_x_equal })
}

/// The lines of a part without their `\n` (and `\r`), up to the first empty one.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text).chain((text.last() != Some(&b'\n')).then_some(text.len()));
    std::iter::from_fn(move || {
        let end = ends.next()?;
        let line = &text[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (!line.is_empty()).then_some(line)
    })
}

/// Lines in a part: its newlines, plus a last line without one.
fn count_lines(part: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', part).count() + usize::from(part.last().is_some_and(|&b| b != b'\n'))
}

/// About `n` parts of whole lines, in order.
fn split_at_lines(text: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(n);
    let mut start = 0;
    for k in 1..=n {
        if start >= text.len() {
            break;
        }
        let aim = (text.len() * k / n).max(start);
        let end = if k == n { text.len() } else { memchr::memchr(b'\n', &text[aim..]).map_or(text.len(), |i| aim + i + 1) };
        parts.push(&text[start..end]);
        start = end;
    }
    parts
}

/// `v` cut into consecutive slices of the given lengths.
fn split_by_counts<'a>(mut v: &'a mut [f64], counts: &[usize]) -> Vec<&'a mut [f64]> {
    let mut out = Vec::with_capacity(counts.len());
    for &n in counts {
        let (head, tail) = std::mem::take(&mut v).split_at_mut(n);
        out.push(head);
        v = tail;
    }
    out
}

#[cfg(test)]
mod tests;
