//! Any log format in, one [`Run`] out.
//!
//! [`read_path`] decides the format from the file's content (the name only
//! breaks ties), hands the bytes to one reader per format family, and applies
//! the user's role overrides. Each reader reports what it could not use in
//! [`Run::skipped`]; nothing is dropped silently.

pub mod builder;
pub mod cells;
mod csv;
mod detect;
mod json;
mod jsonl;
mod tfevents;

use std::path::{Path, PathBuf};

pub use detect::Format;

use crate::model::{Role, Run};

/// Bad input: names the file, the place in it, and what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}{}: {message}", location.as_ref().map(|l| format!(": {l}")).unwrap_or_default())]
    Malformed { path: String, location: Option<String>, message: String },
}

impl IngestError {
    pub fn malformed(path: &Path, location: Option<String>, message: impl Into<String>) -> Self {
        IngestError::Malformed { path: path.display().to_string(), location, message: message.into() }
    }
}

/// How to read: a forced format and role overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub format: Option<Format>,
    /// `(role, series name)`: the named series gets the role and is preferred for it.
    pub roles: Vec<(Role, String)>,
}

/// Reads one path: a log file, or a directory whose log files are each read as a run.
pub fn read_path(path: &Path, opts: &ReadOptions) -> Result<Vec<Run>, IngestError> {
    let meta = std::fs::metadata(path).map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
    if meta.is_dir() {
        let files = discover(path);
        if files.is_empty() {
            return Err(IngestError::malformed(
                path,
                None,
                "directory holds no training log curvecheck can read (CSV, JSON, JSON lines, tfevents)",
            ));
        }
        return files.iter().map(|f| read_file(f, opts)).collect();
    }
    Ok(vec![read_file(path, opts)?])
}

/// Reads one log file into a run.
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<Run, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
    let format = match opts.format {
        Some(f) => f,
        None => detect::detect(path, &bytes)?,
    };
    let mut run = match format.family() {
        detect::Family::Csv => csv::read(path, &bytes, format)?,
        detect::Family::Json => json::read(path, &bytes)?,
        detect::Family::JsonLines => jsonl::read(path, &bytes)?,
        detect::Family::Tfevents => tfevents::read(path, &bytes)?,
    };
    run.name = run_name(path);
    apply_role_overrides(&mut run, &opts.roles, path)?;
    Ok(run)
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
    if generic {
        let mut dir = path.parent();
        while let Some(d) = dir {
            let n = d.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            let skip =
                n.starts_with("version_") || ["lightning_logs", "tb", "train", "validation", "vis_data", "logs"].contains(&n.as_str());
            if !skip && !n.is_empty() {
                return n;
            }
            dir = d.parent();
        }
    }
    path.file_stem().map(|f| f.to_string_lossy().into_owned()).unwrap_or(file)
}

fn apply_role_overrides(run: &mut Run, roles: &[(Role, String)], path: &Path) -> Result<(), IngestError> {
    for (role, name) in roles {
        let Some(series) = run.series.iter_mut().find(|s| &s.name == name) else {
            let known: Vec<&str> = run.series.iter().map(|s| s.name.as_str()).collect();
            return Err(IngestError::malformed(
                path,
                None,
                format!("--metric names '{name}', but the log has no such series; it has: {}", known.join(", ")),
            ));
        };
        series.role = *role;
        series.preferred = true;
    }
    Ok(())
}

/// Log files below a directory, in a stable order; hidden entries are ignored.
fn discover(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut seen_dirs = 0usize;
    while let Some(d) = stack.pop() {
        seen_dirs += 1;
        if seen_dirs > 100_000 {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            let Ok(ft) = std::fs::symlink_metadata(&p).map(|m| m.file_type()) else {
                continue;
            };
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() && detect::looks_like_log_name(&name) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
