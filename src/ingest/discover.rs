//! Finding the runs below a directory, as `tensorboard --logdir` does: every
//! log file is a run, a directory of event files is one run (its `train/` and
//! `validation/` sub-directories are that run's splits), an MLflow run
//! directory is one run, an MLflow SQLite store (`mlflow.db`) holds runs, and
//! a W&B run folder (`wandb/run-*/`) is the run in its `.wandb` file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{detect, mlflow, mlflow_sqlite, tfevents, wandb_run};

/// Something that holds one run (a W&B export holds several).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// A log file, found by its extension (`.csv`, `.json`, `.jsonl`, `.log`, …) or name (`log.txt`).
    File(PathBuf),
    /// An MLflow run directory (`meta.yaml` beside `metrics/`).
    Mlflow(PathBuf),
    /// A run directory and its event files, in name (= time) order.
    Tensorboard(PathBuf, Vec<PathBuf>),
}

/// Directories visited at most, so a huge tree or a link loop cannot hang the walk.
const MAX_DIRS: usize = 100_000;

/// Every source below `dir`, in a stable order. Hidden entries and symbolic links are not followed.
pub fn sources(dir: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    let mut mlflow_runs = Vec::new();
    let mut events: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = 0usize;
    while let Some(d) = stack.pop() {
        seen += 1;
        if seen > MAX_DIRS {
            break;
        }
        if mlflow::is_run_dir(&d) {
            mlflow_runs.push(d);
            continue;
        }
        // A W&B run folder is its run file; its logs/ and files/ (debug.log, wandb-summary.json) are not runs.
        if let Some(f) = wandb_run::run_file(&d) {
            files.push(f);
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() && name.starts_with("events.out.tfevents") => {
                    events.entry(run_dir_of_event_file(&p)).or_default().push(p);
                }
                Ok(t) if t.is_file() && detect::looks_like_log_name(&name) => files.push(p),
                Ok(t) if t.is_file() && mlflow_sqlite::is_store_name(&name) => files.push(p),
                _ => {}
            }
        }
    }
    let mut out: Vec<Source> = files.into_iter().map(Source::File).chain(mlflow_runs.into_iter().map(Source::Mlflow)).collect();
    for (run_dir, mut fs) in events {
        fs.sort();
        out.push(Source::Tensorboard(run_dir, fs));
    }
    out.sort();
    out
}

/// The run an event file belongs to: its directory, or the parent of a split directory.
pub fn run_dir_of_event_file(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let is_split = parent.file_name().is_some_and(|n| tfevents::SPLIT_DIRS.contains(&n.to_string_lossy().to_ascii_lowercase().as_str()));
    match (is_split, parent.parent()) {
        (true, Some(g)) => g.to_path_buf(),
        _ => parent,
    }
}
