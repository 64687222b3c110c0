//! The table-to-run code both CSV readers share: columns gathered over the
//! rows (dense while every row has a number), the rows' x and epoch, which
//! column is the step or epoch, and turning it all into a [`Run`].

use std::path::Path;
use std::sync::Arc;

use crate::ingest::builder::SeriesBuilder;
use crate::ingest::IngestError;
use crate::model::{Axis, Kind, Points, RepeatedX, Role, Run};

pub(super) const STEP_COLUMNS: &[&str] = &["step", "global_step", "iteration", "iter", "_step", "steps", "trainer/global_step"];
pub(super) const EPOCH_COLUMNS: &[&str] = &["epoch", "epochs"];
/// Columns that are bookkeeping text by nature, not a curve gone wrong.
pub(super) const TEXT_COLUMNS: &[&str] = &["created_at", "timestamp", "date", "datetime", "time", "name", "run", "phase", "mode", "split"];

/// Head-room over the estimated rows when reserving column memory after the first chunk.
pub(super) const RESERVE_MARGIN: f64 = 1.05;
/// What one data column gathered over all chunks.
pub(super) struct ColumnAcc {
    /// The column's name from the header.
    pub name: String,
    /// True while the column has had a number on every placed row: its x and epoch are
    /// then those of [`Rows`], shared, and only its values are stored.
    pub dense: bool,
    /// Once not dense: the placed row (index into [`Rows`]) of each value; x, epoch and the
    /// row ordinal (for logs whose every row says epoch 0) are all read from it.
    pub rows: Vec<usize>,
    /// The column's numbers on placed rows, in row order; NaN and infinities kept.
    pub vs: Vec<f64>,
    /// Number cells read: as many as `vs` holds.
    pub numbers: usize,
    /// Cells on placed rows that held text; all are counted, the first few kept in `text_cells`.
    pub texts: usize,
    /// Text cells seen, reported only if the column turns out to hold numbers too.
    pub text_cells: Vec<(usize, String)>,
}

/// The x and epoch of every placed row (a row with a usable x), in order; the
/// row's ordinal is its index here.
#[derive(Default)]
pub(super) struct Rows {
    /// Each placed row's x, always finite.
    pub x: Vec<f64>,
    /// Each placed row's epoch; NaN where the row gives none.
    pub epoch: Vec<f64>,
}

impl ColumnAcc {
    /// The column missed a placed row: from now on it lists its rows, starting with
    /// the ones it had a number on (every placed row so far).
    pub(super) fn go_sparse(&mut self) {
        if self.dense {
            self.dense = false;
            self.rows = (0..self.vs.len()).collect();
        }
    }
}

/// Everything read from the table, before it becomes series.
pub(super) struct Gathered {
    /// The header's column names.
    pub names: Vec<String>,
    /// Which columns place the rows and which hold curves.
    pub layout: Layout,
    /// One accumulator per column, indexed like `names`; only data columns become series.
    pub accs: Vec<ColumnAcc>,
    /// The x and epoch of the placed rows.
    pub placed: Rows,
    /// Data rows in the file (placed or not).
    pub records: usize,
    /// The x of the first placed row; `None` when no row was placed.
    pub first_x: Option<f64>,
    /// Every placed row has the same x: a Keras CSVLogger appended by one `fit()` per epoch
    /// writes epoch 0 on every row, and such rows are read as consecutive epochs.
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
    /// The column that places the rows: a step column, else the epoch column, else the index column.
    pub x_col: usize,
    /// What `x_col` counts; an index column counts epochs.
    pub axis: Axis,
    /// The epoch column, if any; it is `x_col` itself when there is no step column.
    pub epoch_col: Option<usize>,
    /// pandas' index column (first, unnamed or `Unnamed: 0`), if the table starts with one.
    pub index_col: Option<usize>,
}

impl Layout {
    /// Finds the columns by their header names; not a log when there is no step, epoch or index column.
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

    /// True for a column that holds a curve: not the x, epoch or index column.
    pub fn is_data(&self, c: usize) -> bool {
        c != self.x_col && Some(c) != self.epoch_col && Some(c) != self.index_col
    }
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
