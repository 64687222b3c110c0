//! Which kind of log a run was read from: one name per writer, as `inspect`,
//! the JSON output and the reports print it (`keras-csvlogger`, `tfevents`).
//! Readers set it; nothing downstream parses a string to learn it.

use serde::Serialize;

/// The kind of log a [`Run`](crate::model::Run) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// Keras `CSVLogger`.
    KerasCsvlogger,
    /// `pd.DataFrame(history.history).to_csv()`.
    KerasHistoryCsv,
    /// PyTorch Lightning `CSVLogger` `metrics.csv`.
    LightningCsvlogger,
    /// Ultralytics / YOLOv5 `results.csv`.
    Ultralytics,
    /// timm `summary.csv`.
    TimmSummary,
    /// Any other CSV or TSV with a step or epoch column.
    Csv,
    /// A Weights & Biases UI CSV export.
    WandbCsv,
    /// Hugging Face `trainer_state.json`.
    HfTrainerState,
    /// `json.dump(history.history)`.
    KerasHistoryJson,
    /// JSON lines of no known writer.
    Jsonl,
    /// Detectron2's `metrics.json` (JSON lines).
    Detectron2,
    /// MMEngine's `scalars.json` (JSON lines).
    Mmengine,
    /// DeiT-style `log.txt` (JSON lines).
    DeitLog,
    /// TensorBoard event files.
    Tfevents,
    /// MMEngine's text log.
    MmengineLog,
    /// Printed training output.
    ConsoleLog,
    /// An MLflow file-store run directory.
    Mlflow,
    /// MLflow's SQLite store.
    MlflowSqlite,
    /// An MLflow tracking server over REST.
    MlflowServer,
    /// A W&B `.wandb` run file.
    WandbRun,
    /// Columns handed over in memory ([`crate::ingest::read_columns`]): the Python API's dict of lists, DataFrame or Keras `History`.
    Columns,
}

impl LogFormat {
    /// The name every output prints.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::KerasCsvlogger => "keras-csvlogger",
            LogFormat::KerasHistoryCsv => "keras-history-csv",
            LogFormat::LightningCsvlogger => "lightning-csvlogger",
            LogFormat::Ultralytics => "ultralytics",
            LogFormat::TimmSummary => "timm-summary",
            LogFormat::Csv => "csv",
            LogFormat::WandbCsv => "wandb-csv",
            LogFormat::HfTrainerState => "hf-trainer-state",
            LogFormat::KerasHistoryJson => "keras-history-json",
            LogFormat::Jsonl => "jsonl",
            LogFormat::Detectron2 => "detectron2",
            LogFormat::Mmengine => "mmengine",
            LogFormat::DeitLog => "deit-log",
            LogFormat::Tfevents => "tfevents",
            LogFormat::MmengineLog => "mmengine-log",
            LogFormat::ConsoleLog => "console-log",
            LogFormat::Mlflow => "mlflow",
            LogFormat::MlflowSqlite => "mlflow-sqlite",
            LogFormat::MlflowServer => "mlflow-server",
            LogFormat::WandbRun => "wandb-run",
            LogFormat::Columns => "columns",
        }
    }
}

impl std::fmt::Display for LogFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for LogFormat {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_its_printed_name() {
        for f in [LogFormat::KerasCsvlogger, LogFormat::MlflowSqlite, LogFormat::DeitLog, LogFormat::ConsoleLog] {
            assert_eq!(serde_json::to_value(f).unwrap(), serde_json::json!(f.as_str()));
        }
    }
}
