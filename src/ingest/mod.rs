//! Any log format in, one [`Run`] out.
//!
//! [`read_path`] decides the format from the file's content (the name only
//! breaks ties), hands the bytes to one reader per format family, and applies
//! the user's role overrides. Each reader reports what it could not use in
//! [`Run::skipped`]; nothing is dropped silently.

pub mod builder;
pub mod cells;
mod chunks;
mod console;
mod console_table;
mod csv;
pub mod dedupe;
mod detect;
pub mod discover;
pub mod follow;
pub mod hparams;
mod json;
mod jsonl;
mod mlflow;
mod mlflow_http;
mod mlflow_rest;
mod mlflow_sqlite;
pub mod mlflow_store;
mod mmengine_log;
mod stream;
mod tfevents;
mod wandb;
mod wandb_run;

use std::path::Path;

pub use csv::{read_columns, Column};
pub use detect::Format;

use crate::model::{Role, Run};

/// Bad input: names the file, the place in it, and what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file or directory could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The path as given (or the file below it that failed).
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The input cannot be used as it is: a log that breaks its format or holds nothing to
    /// analyse, a directory with no log, a `--metric` that names no series.
    #[error("{path}{}: {message}", location.as_ref().map(|l| format!(": {l}")).unwrap_or_default())]
    Malformed {
        /// The file (or directory) at fault.
        path: String,
        /// Where in it (a line and column, a byte), when one place is to blame.
        location: Option<String>,
        /// What was wrong and, where it helps, what to do.
        message: String,
    },
    /// The file is not a training log at all (a config, a binary, an empty file).
    /// Named on the command line it is an error; met while walking a directory it is skipped with a note.
    #[error("{path}: {message}")]
    NotALog {
        /// The file at fault.
        path: String,
        /// Why it is not a log, and what to do where that helps.
        message: String,
    },
}

impl IngestError {
    /// [`IngestError::NotALog`] for `path`.
    pub fn not_a_log(path: &Path, message: impl Into<String>) -> Self {
        IngestError::NotALog { path: path.display().to_string(), message: message.into() }
    }

    /// [`IngestError::Malformed`] for `path`, at `location` when one place is to blame.
    pub fn malformed(path: &Path, location: Option<String>, message: impl Into<String>) -> Self {
        IngestError::Malformed { path: path.display().to_string(), location, message: message.into() }
    }
}

/// How to read: a forced format and role overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Read every file as this format (`--input-format`) instead of detecting it.
    pub format: Option<Format>,
    /// `(role, series name)`: the named series gets the role and is preferred for it.
    pub roles: Vec<(Role, String)>,
    /// Skip records whose checksum fails (event files) instead of stopping with an error.
    pub skip_corrupt: bool,
    /// `--experiment` and `--run`: which runs of an MLflow store or server to read.
    pub mlflow: mlflow_store::Select,
}

/// What reading a path gave: runs, errors, and files below a directory that
/// turned out not to be training logs (skipped, and said so).
#[derive(Debug, Default)]
pub struct ReadResult {
    /// Every run read; a run logged in several formats in one folder appears once.
    pub runs: Vec<Run>,
    /// Sources that could not be read; the runs read beside them are still in `runs`.
    pub errors: Vec<IngestError>,
    /// Files met while walking a directory that are not training logs ([`IngestError::NotALog`]).
    pub ignored: Vec<IngestError>,
}

/// Reads one path: a log file, or a directory below which every log file,
/// event-file directory and MLflow run is a run (one run logged in several
/// formats is kept once, see [`dedupe`]). Sources that cannot be read are
/// returned as errors beside the runs that could.
pub fn read_path(path: &Path, opts: &ReadOptions) -> ReadResult {
    if let Some(stream) = stream::kind(path) {
        let mut result = ReadResult::default();
        match stream::read(path, stream, opts) {
            Ok(runs) => result.runs = runs,
            Err(e) => result.errors.push(e),
        }
        return result;
    }
    if let Some(target) = mlflow_store::target(path) {
        return read_target(path, target, opts);
    }
    let (runs, errors) = read_path_inner(path, opts);
    let dir = path.is_dir();
    let (ignored, errors) = errors.into_iter().partition(|e| dir && matches!(e, IngestError::NotALog { .. }));
    ReadResult { runs, errors, ignored }
}

/// An MLflow store named by URI (`sqlite:///…`, `http(s)://…`, `mlflow:`).
fn read_target(arg: &Path, target: Result<mlflow_store::Target, IngestError>, opts: &ReadOptions) -> ReadResult {
    let read = match target {
        Ok(mlflow_store::Target::Path(p)) => return read_path(&p, opts),
        Ok(mlflow_store::Target::Sqlite(p)) => mlflow_sqlite::read(&p, &opts.mlflow),
        Ok(mlflow_store::Target::Server(url)) => mlflow_rest::read(&url, &opts.mlflow),
        Err(e) => Err(e),
    };
    let mut result = ReadResult::default();
    match read.and_then(|mut runs| apply_role_overrides_any(&mut runs, &opts.roles, arg).map(|_| runs)) {
        Ok(runs) => result.runs = runs,
        Err(e) => result.errors.push(e),
    }
    result
}

fn read_path_inner(path: &Path, opts: &ReadOptions) -> (Vec<Run>, Vec<IngestError>) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(source) => return (Vec::new(), vec![IngestError::Io { path: path.display().to_string(), source }]),
    };
    let (mut runs, mut errors) = (Vec::new(), Vec::new());
    if !meta.is_dir() {
        match read_runs(path, opts) {
            Ok(r) => runs = r,
            Err(e) => errors.push(e),
        }
        return (runs, errors);
    }
    let sources = if mlflow::is_run_dir(path) { vec![discover::Source::Mlflow(path.to_path_buf())] } else { discover::sources(path) };
    if sources.is_empty() {
        let e = IngestError::malformed(
            path,
            None,
            "directory holds no training log curvecheck can read (CSV, JSON, JSON lines, tfevents, MLflow runs or mlflow.db)",
        );
        return (runs, vec![e]);
    }
    for source in &sources {
        let read = match source {
            discover::Source::File(f) => read_runs(f, &ReadOptions { roles: Vec::new(), ..opts.clone() }),
            discover::Source::Mlflow(d) => mlflow::read(d).map(|r| vec![r]),
            discover::Source::Tensorboard(d, files) => tfevents::read_dir_run(d, files, opts.skip_corrupt).map(|mut r| {
                r.name = dir_run_name(d);
                vec![r]
            }),
        };
        match read {
            Ok(mut r) => runs.append(&mut r),
            Err(e) => errors.push(e),
        }
    }
    let mut runs = dedupe::dedupe(runs);
    if let Err(e) = apply_role_overrides_any(&mut runs, &opts.roles, path) {
        errors.push(e);
    }
    (runs, errors)
}

/// Reads one log file: one run, or several for a W&B export.
pub fn read_runs(path: &Path, opts: &ReadOptions) -> Result<Vec<Run>, IngestError> {
    if opts.format.is_none() && mlflow_sqlite::is_sqlite(path) {
        let mut runs = mlflow_sqlite::read(path, &opts.mlflow)?;
        apply_role_overrides_any(&mut runs, &opts.roles, path)?;
        return Ok(runs);
    }
    if opts.format.is_none() && wandb_run::is_wandb(path) {
        let mut runs = vec![wandb_run::read(path)?];
        apply_role_overrides_any(&mut runs, &opts.roles, path)?;
        return Ok(runs);
    }
    let io = |source| IngestError::Io { path: path.display().to_string(), source };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > csv::CHUNK_BYTES as u64 {
        // Large logs stream from disk (CSV in chunks, JSON lines and event files record by record);
        // detection needs only the head.
        use std::io::Read;
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut head = vec![0u8; DETECT_BYTES];
        let n = file.read(&mut head).map_err(io)?;
        head.truncate(n);
        let format = match opts.format {
            Some(f) => f,
            None => detect::detect(path, &head)?,
        };
        let streamed = match format.family() {
            detect::Family::Tfevents => Some(tfevents::read_streaming(path, opts.skip_corrupt)?),
            detect::Family::JsonLines => Some(jsonl::read_lines(path, &jsonl::Lines::File(path))?),
            detect::Family::Csv if format != Format::WandbCsv => {
                Some(csv::read_streaming(path, std::fs::File::open(path).map_err(io)?, format)?)
            }
            _ => None,
        };
        if let Some(mut run) = streamed {
            run.name = run_name(path);
            let mut runs = vec![run];
            apply_role_overrides_any(&mut runs, &opts.roles, path)?;
            return Ok(runs);
        }
    }
    let bytes = std::fs::read(path).map_err(io)?;
    read_bytes(path, &bytes, opts)
}

/// Bytes read for format detection before a large file is streamed.
const DETECT_BYTES: usize = 64 * 1024;

/// Reads a log already in memory; `path` names it in messages and breaks format ties
/// (the fuzz targets call this directly).
pub fn read_bytes(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<Vec<Run>, IngestError> {
    let format = match opts.format {
        Some(f) => f,
        None => detect::detect(path, bytes)?,
    };
    let mut runs = match format.family() {
        detect::Family::Csv if format == Format::WandbCsv => wandb::split(csv::read(path, bytes, format)?),
        detect::Family::Csv => vec![csv::read(path, bytes, format)?],
        detect::Family::Json => vec![json::read(path, bytes)?],
        detect::Family::JsonLines => vec![jsonl::read(path, bytes)?],
        detect::Family::Tfevents => vec![tfevents::read(path, bytes, opts.skip_corrupt)?],
        detect::Family::Text if format == Format::ConsoleLog => vec![console::read(path, bytes)?],
        detect::Family::Text => vec![mmengine_log::read(path, bytes)?],
    };
    if format != Format::WandbCsv {
        for r in &mut runs {
            r.name = run_name(path);
        }
    }
    apply_role_overrides_any(&mut runs, &opts.roles, path)?;
    Ok(runs)
}

/// Reads a log file that holds one run.
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<Run, IngestError> {
    let mut runs = read_runs(path, opts)?;
    match runs.len() {
        1 => Ok(runs.remove(0)),
        n => Err(IngestError::malformed(path, None, format!("the file holds {n} runs; read it with read_path"))),
    }
}

/// A run's name: the file's stem, or its folder's name when the file has a
/// generic name (`metrics.csv`, `trainer_state.json`, event files).
pub fn run_name(path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    const GENERIC: &[&str] = &[
        "metrics.csv",
        "metrics.json",
        "metrics.jsonl",
        "trainer_state.json",
        "results.csv",
        "summary.csv",
        "training_log.csv",
        "log.txt",
        "scalars.json",
        "training.log",
        "history.csv",
        "log.csv",
    ];
    let generic = GENERIC.contains(&file.as_str()) || file.starts_with("events.out.tfevents");
    match (generic, path.parent()) {
        (true, Some(parent)) => dir_run_name(parent),
        _ => path.file_stem().map(|f| f.to_string_lossy().into_owned()).unwrap_or(file),
    }
}

/// A run directory's name, skipping the folders loggers put in between (`tb`, `lightning_logs/version_0`, …).
pub fn dir_run_name(dir: &Path) -> String {
    const PLUMBING: &[&str] = &["lightning_logs", "tb", "tensorboard", "train", "validation", "vis_data", "logs", "runs", "metrics"];
    let mut d = Some(dir);
    while let Some(p) = d {
        let n = p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        if !n.is_empty() && !n.starts_with("version_") && !PLUMBING.contains(&n.as_str()) {
            return n;
        }
        d = p.parent();
    }
    dir.display().to_string()
}

/// Gives the named series their roles in every run that has them; a name no run has is an error
/// (runs read by [`read_columns`] get their `--metric` overrides here).
pub fn apply_role_overrides_any(runs: &mut [Run], roles: &[(Role, String)], path: &Path) -> Result<(), IngestError> {
    for (role, name) in roles {
        let mut found = false;
        for series in runs.iter_mut().flat_map(|r| r.series.iter_mut()).filter(|s| &s.name == name) {
            series.role = *role;
            series.preferred = true;
            found = true;
        }
        if !found {
            let mut known: Vec<&str> = runs.iter().flat_map(|r| r.series.iter().map(|s| s.name.as_str())).collect();
            known.sort_unstable();
            known.dedup();
            return Err(IngestError::malformed(
                path,
                None,
                format!("--metric names '{name}', but the log has no such series; it has: {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}
