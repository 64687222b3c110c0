//! What MLflow's SQLite store and its tracking server have in common: the
//! runs they list, which of them the user picked (`--experiment`, `--run`),
//! how a stored value is read back, and one [`Run`] built per MLflow run.
//!
//! Both keep a run as rows (info, params, metric history), unlike the file
//! store's folders; both end in `mlflow::finish`, so a run reads the
//! same from `mlruns/`, `mlflow.db` or a server.

use std::path::{Path, PathBuf};

use super::mlflow::Point;
use super::IngestError;
use crate::model::LogFormat;
use crate::model::Run;

/// MLflow's SQL store writes +inf and -inf as the largest finite double
/// (`sqlalchemy_store.py`, `_get_metric_value_details`); read back they are infinities again,
/// or a diverged loss would look finite.
pub const INF_SENTINEL: f64 = 1.797_693_134_862_315_7e308;

/// A stored metric value as logged: NaN when MLflow flagged it (`is_nan`), ±inf for the sentinel.
pub fn decode_value(value: f64, is_nan: bool) -> f64 {
    if is_nan {
        f64::NAN
    } else if value >= INF_SENTINEL {
        f64::INFINITY
    } else if value <= -INF_SENTINEL {
        f64::NEG_INFINITY
    } else {
        value
    }
}

/// Which experiments and runs to read; empty reads all (MLflow inputs only).
#[derive(Debug, Clone, Default)]
pub struct Select {
    /// Experiment names or ids.
    pub experiments: Vec<String>,
    /// Run ids or names.
    pub runs: Vec<String>,
}

/// One MLflow run as listed by the store, before its metrics are read.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// MLflow's run id (a 32-character hex uuid).
    pub id: String,
    /// The run's name (`mlflow.runName`), or its id when it has none.
    pub name: String,
    /// The id of the experiment it belongs to.
    pub experiment: String,
    /// `RUNNING`, `FINISHED`, `FAILED` or `KILLED`.
    pub status: String,
    /// Start time, milliseconds since the Unix epoch.
    pub start_ms: Option<i64>,
    /// End time, milliseconds since the Unix epoch; `None` while running.
    pub end_ms: Option<i64>,
    /// `lifecycle_stage` is `deleted`: left out of what is read.
    pub deleted: bool,
    /// Logged parameters, as `(key, value)` strings.
    pub params: Vec<(String, String)>,
}

/// An experiment: id, name, and whether it was deleted (its runs are then left out too).
#[derive(Debug, Clone)]
pub struct Experiment {
    /// MLflow's experiment id.
    pub id: String,
    /// Its name, as `--experiment` matches it.
    pub name: String,
    /// `lifecycle_stage` is `deleted`.
    pub deleted: bool,
}

/// The experiments asked for: all live ones, or those `--experiment` names (by name or id).
pub fn pick_experiments(source: &str, all: Vec<Experiment>, select: &Select) -> Result<Vec<Experiment>, IngestError> {
    if select.experiments.is_empty() {
        return Ok(all.into_iter().filter(|e| !e.deleted).collect());
    }
    let mut picked = Vec::new();
    for want in &select.experiments {
        match all.iter().find(|e| &e.name == want || &e.id == want) {
            Some(e) if e.deleted => return Err(error(source, format!("experiment '{want}' is deleted; restore it in MLflow to read it"))),
            Some(e) => picked.push(e.clone()),
            None => {
                let names: Vec<&str> = all.iter().filter(|e| !e.deleted).map(|e| e.name.as_str()).collect();
                return Err(error(source, format!("no experiment '{want}'; --experiment takes one of: {}", names.join(", "))));
            }
        }
    }
    Ok(picked)
}

/// The runs to read: live runs that `--run` names (all without it). Deleted runs are
/// counted for a note, since MLflow keeps them in the store until `mlflow gc`.
pub fn pick_runs(source: &str, runs: Vec<RunInfo>, select: &Select) -> Result<(Vec<RunInfo>, usize), IngestError> {
    let deleted = runs.iter().filter(|r| r.deleted).count();
    if let Some(want) = select.runs.iter().find(|w| !runs.iter().any(|r| &r.id == *w || &r.name == *w)) {
        let mut names: Vec<&str> = runs.iter().filter(|r| !r.deleted).map(|r| r.name.as_str()).collect();
        names.truncate(20);
        return Err(error(source, format!("no run '{want}' (run id or name); runs include: {}", names.join(", "))));
    }
    let wanted = |r: &RunInfo| select.runs.is_empty() || select.runs.iter().any(|w| w == &r.id || w == &r.name);
    if let Some(r) = runs.iter().find(|r| r.deleted && !select.runs.is_empty() && select.runs.contains(&r.id)) {
        return Err(error(source, format!("run '{}' is deleted (lifecycle_stage = 'deleted'); restore it in MLflow to read it", r.id)));
    }
    let live: Vec<RunInfo> = runs.into_iter().filter(|r| !r.deleted && wanted(r)).collect();
    if live.is_empty() {
        let why = if deleted > 0 { format!(" ({deleted} deleted runs left out)") } else { String::new() };
        return Err(error(source, format!("no MLflow run to read{why}; log a run, or check --experiment/--run")));
    }
    Ok((live, deleted))
}

/// One [`Run`] from an MLflow run's info and its metric histories.
pub fn build_run(info: &RunInfo, source: String, format: LogFormat, metrics: &[(String, Vec<Point>)], deleted: usize) -> Run {
    let mut run = Run::new(info.name.clone(), source, format);
    run.records = metrics.iter().map(|(_, p)| p.len()).sum();
    super::mlflow::finish(&mut run, metrics, &info.params);
    let span = match (info.start_ms, info.end_ms) {
        (Some(s), Some(e)) => format!(", {} to {}", utc(s), utc(e)),
        (Some(s), None) => format!(", started {}", utc(s)),
        _ => String::new(),
    };
    run.notes.insert(0, format!("MLflow run {} in experiment '{}', {}{span}", info.id, info.experiment, info.status));
    if deleted > 0 {
        run.notes.push(format!("{deleted} deleted run(s) in this store left out (lifecycle_stage = 'deleted')"));
    }
    run
}

/// Several MLflow runs may share a name: the later ones get their id's first 8 characters,
/// so `{run}` chart names and report rows stay apart.
pub fn distinct_names(runs: &mut [Run], ids: &[String]) {
    for i in 0..runs.len() {
        if runs[..i].iter().any(|r| r.name == runs[i].name) || runs[i].name.is_empty() {
            let short: String = ids[i].chars().take(8).collect();
            runs[i].name = if runs[i].name.is_empty() { short } else { format!("{} ({short})", runs[i].name) };
        }
    }
}

fn error(source: &str, message: String) -> IngestError {
    IngestError::Malformed { path: source.to_string(), location: None, message }
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC` (civil-from-days, H. Hinnant).
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// An input as it may be shown: a URL without its `user:password@` part.
pub fn shown(arg: &Path) -> String {
    super::mlflow_http::split_user(&arg.display().to_string()).0
}

/// Where an argument that is not a plain path points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `sqlite:///relative.db`, `sqlite:////absolute.db` (SQLAlchemy's spelling, as MLflow takes it).
    Sqlite(PathBuf),
    /// `http://…` or `https://…`: a tracking server.
    Server(String),
    /// `file:` URIs and plain paths in `MLFLOW_TRACKING_URI`: read like any path.
    Path(PathBuf),
}

/// The variable MLflow's own client reads; `mlflow:` on the command line means "where it points".
pub const TRACKING_URI_VAR: &str = "MLFLOW_TRACKING_URI";

/// `None` for an ordinary path; else where the argument points, or why it cannot be used.
pub fn target(arg: &Path) -> Option<Result<Target, IngestError>> {
    let text = arg.to_str()?;
    if text == "mlflow:" {
        return Some(match std::env::var(TRACKING_URI_VAR) {
            Ok(uri) if !uri.trim().is_empty() => parse_uri(uri.trim(), true).unwrap_or_else(|| Ok(Target::Path(PathBuf::from(uri.trim())))),
            _ => Err(error(
                "mlflow:",
                format!("{TRACKING_URI_VAR} is not set; set it (e.g. http://127.0.0.1:5000 or sqlite:///mlflow.db) or name the server or database"),
            )),
        });
    }
    parse_uri(text, false)
}

fn parse_uri(text: &str, from_env: bool) -> Option<Result<Target, IngestError>> {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(Ok(Target::Server(text.to_string())));
    }
    if let Some(rest) = lower.strip_prefix("sqlite:///").map(|_| &text["sqlite:///".len()..]) {
        let path = rest.split('?').next().unwrap_or_default();
        return Some(Ok(Target::Sqlite(PathBuf::from(path))));
    }
    if let Some(rest) = text.strip_prefix("file://").or_else(|| text.strip_prefix("file:")) {
        return Some(Ok(Target::Path(PathBuf::from(rest))));
    }
    let scheme = lower.split_once("://").map(|(s, _)| s.to_string())?;
    let shown = if from_env { format!("{TRACKING_URI_VAR}={scheme}://…") } else { format!("{scheme}://…") };
    Some(Err(error(
        &shown,
        format!("curvecheck reads MLflow stores at http(s):// servers and sqlite:/// files, not '{scheme}'; point it at the tracking server instead"),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinel_and_nan_flag_read_back_as_logged() {
        assert!(decode_value(0.0, true).is_nan());
        assert_eq!(decode_value(INF_SENTINEL, false), f64::INFINITY);
        assert_eq!(decode_value(-INF_SENTINEL, false), f64::NEG_INFINITY);
        assert_eq!(decode_value(0.5, false), 0.5);
    }

    #[test]
    fn sqlite_uris_follow_sqlalchemy() {
        let t = |s: &str| target(Path::new(s)).map(|r| r.unwrap());
        assert_eq!(t("sqlite:///mlflow.db"), Some(Target::Sqlite("mlflow.db".into())));
        assert_eq!(t("sqlite:////tmp/m.db"), Some(Target::Sqlite("/tmp/m.db".into())));
        assert_eq!(t("http://127.0.0.1:5000"), Some(Target::Server("http://127.0.0.1:5000".into())));
        assert_eq!(t("runs/metrics.csv"), None);
        assert!(target(Path::new("postgresql://u:p@h/db")).unwrap().unwrap_err().to_string().contains("postgresql://…"));
    }

    #[test]
    fn credentials_in_a_url_are_not_shown() {
        assert_eq!(shown(Path::new("https://ann:pw@host:5000/x")), "https://host:5000/x");
        assert_eq!(shown(Path::new("runs/a@b.csv")), "runs/a@b.csv");
    }

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000_000), "2023-11-14 22:13:20 UTC");
    }
}
