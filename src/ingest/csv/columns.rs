//! A table handed over in memory, column by column (the Python API's dict of
//! lists, DataFrame or Keras `History`): read with the CSV readers' table code,
//! so its step or epoch column, its roles and its errors are those of the same
//! table written to a CSV file.

use std::path::Path;

use super::table::{ColumnAcc, Gathered, Layout, Rows};
use crate::ingest::IngestError;
use crate::model::{LogFormat, Run};

/// A named column of cells; `None` is an empty cell (a sparse log), NaN a NaN.
pub type Column = (String, Vec<Option<f64>>);

/// Reads columns as a table's rows: the step column places the rows, else the
/// epoch column; with neither (a Keras `History`) row `i` is epoch `i`, as in
/// `pd.DataFrame(history.history).to_csv()`. `source` names the table in
/// messages. Rows without a step (or epoch) are skipped and listed.
pub fn read_columns(name: &str, source: &str, mut columns: Vec<Column>) -> Result<Run, IngestError> {
    let path = Path::new(source);
    let rows = columns.first().map_or(0, |c| c.1.len());
    if let Some((bad, cells)) = columns.iter().find(|c| c.1.len() != rows) {
        let first = &columns[0].0;
        return Err(IngestError::malformed(
            path,
            None,
            format!("column '{bad}' has {} values but column '{first}' has {rows}; every column needs one value per row", cells.len()),
        ));
    }
    let mut names: Vec<String> = columns.iter().map(|c| c.0.clone()).collect();
    let layout = match Layout::of(path, &names) {
        Ok(l) => l,
        Err(e) if columns.is_empty() => return Err(e),
        Err(_) => {
            // No step or epoch column: an index column, which Layout reads as epochs.
            columns.insert(0, (String::new(), (0..rows).map(|i| Some(i as f64)).collect()));
            names.insert(0, String::new());
            Layout::of(path, &names)?
        }
    };
    let mut run = Run::new(name, source, LogFormat::Columns);
    let x_of = |r: usize| columns[layout.x_col].1[r].filter(|v| v.is_finite());
    let placed_rows: Vec<usize> = (0..rows).filter(|&r| x_of(r).is_some()).collect();
    for r in (0..rows).filter(|&r| x_of(r).is_none()) {
        run.skip(format!("row {r}"), format!("no {} in column '{}'", layout.axis.as_str(), names[layout.x_col]));
    }
    let x: Vec<f64> = placed_rows.iter().filter_map(|&r| x_of(r)).collect();
    let epoch: Vec<f64> = match layout.epoch_col {
        Some(e) => placed_rows.iter().map(|&r| columns[e].1[r].unwrap_or(f64::NAN)).collect(),
        None => Vec::new(),
    };
    let first_x = x.first().copied();
    let all_x_equal = x.iter().all(|&v| Some(v) == first_x);
    let accs = columns
        .into_iter()
        .enumerate()
        .map(|(c, (name, cells))| {
            let mut acc = ColumnAcc { name, dense: true, rows: Vec::new(), vs: Vec::new(), numbers: 0, texts: 0, text_cells: Vec::new() };
            if layout.is_data(c) {
                for (i, &r) in placed_rows.iter().enumerate() {
                    match cells[r] {
                        Some(v) => {
                            if !acc.dense {
                                acc.rows.push(i);
                            }
                            acc.vs.push(v);
                        }
                        None => acc.go_sparse(),
                    }
                }
                acc.numbers = acc.vs.len();
            }
            acc
        })
        .collect();
    Gathered { names, layout, accs, placed: Rows { x, epoch }, records: rows, first_x, all_x_equal }.into_run(run, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Split};

    fn col(name: &str, cells: &[Option<f64>]) -> Column {
        (name.to_string(), cells.to_vec())
    }

    #[test]
    fn keras_history_columns_are_epochs_with_keras_roles() {
        let run = read_columns(
            "h",
            "<dict>",
            vec![col("loss", &[Some(1.0), Some(0.5), Some(f64::NAN)]), col("val_accuracy", &[Some(0.1), Some(0.2), Some(0.3)])],
        )
        .unwrap();
        assert_eq!(run.series.len(), 2);
        let loss = run.series.iter().find(|s| s.name == "loss").unwrap();
        assert_eq!(loss.axis.as_str(), "epoch");
        assert_eq!(*loss.x, vec![0.0, 1.0, 2.0]);
        assert!(loss.values[2].is_nan(), "a NaN stays a NaN");
        assert_eq!((loss.role.split, loss.role.kind), (Split::Train, Kind::Loss));
        let acc = run.series.iter().find(|s| s.name == "val_accuracy").unwrap();
        assert_eq!((acc.role.split, acc.role.kind), (Split::Validation, Kind::MetricHigher));
    }

    #[test]
    fn empty_cells_make_a_sparse_series_on_the_step_column() {
        let run = read_columns(
            "l",
            "<DataFrame>",
            vec![
                col("step", &[Some(10.0), Some(20.0), None, Some(30.0)]),
                col("train_loss", &[Some(1.0), Some(0.9), Some(0.8), Some(0.7)]),
                col("val_loss", &[None, Some(1.1), None, None]),
            ],
        )
        .unwrap();
        let val = run.series.iter().find(|s| s.name == "val_loss").unwrap();
        assert_eq!((val.x.to_vec(), val.values.clone()), (vec![20.0], vec![1.1]));
        assert_eq!(run.series.iter().find(|s| s.name == "train_loss").unwrap().values, vec![1.0, 0.9, 0.7]);
        assert_eq!(run.skipped_count, 1, "the row without a step is listed: {:?}", run.skipped);
    }

    #[test]
    fn columns_of_different_lengths_are_an_error_naming_both() {
        let e = read_columns("x", "<dict>", vec![col("loss", &[Some(1.0)]), col("val_loss", &[])]).unwrap_err().to_string();
        assert!(e.contains("'val_loss' has 0 values but column 'loss' has 1"), "{e}");
    }
}
