//! MLflow's SQLite store (`mlflow.db`, the default backend since MLflow 3.7):
//! the SQLAlchemy schema of `mlflow/store/tracking/dbmodels/models.py`, tables
//! `experiments`, `runs`, `params`, `tags` and `metrics` (`key, value,
//! timestamp, step, is_nan, run_uuid`).
//!
//! The file is opened read-only and read in one transaction, so a store that
//! MLflow is writing to gives a consistent snapshot; a writer's lock is waited
//! for [`BUSY_WAIT`]. Each metric's history comes in the order MLflow's own
//! `get_metric_history` returns it (`timestamp, step, value`), and NaN
//! (`is_nan = 1`, stored as 0) and ±inf (stored as ±`f64::MAX`) read back as
//! logged.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::mlflow::Point;
use super::mlflow_store::{self, Experiment, RunInfo, Select};
use super::IngestError;
use crate::model::LogFormat;
use crate::model::Run;

/// The first 16 bytes of every SQLite 3 database.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// How long to wait for MLflow's write lock before giving up: its writes take milliseconds.
const BUSY_WAIT: Duration = Duration::from_secs(3);

/// The tables curvecheck reads; a SQLite file without them is some other program's.
const TABLES: &[&str] = &["experiments", "runs", "metrics", "params"];

/// True when the file starts with SQLite's header.
pub fn is_sqlite(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == MAGIC
}

/// Names a directory walk looks at for a store (`mlflow.db`, `*.sqlite`).
pub fn is_store_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".db", ".sqlite", ".sqlite3"].iter().any(|e| lower.ends_with(e))
}

/// Every selected, live run of the store, one [`Run`] each.
pub fn read(path: &Path, select: &Select) -> Result<Vec<Run>, IngestError> {
    let sql = |e: rusqlite::Error| sqlite_error(path, e);
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX);
    let conn = conn.map_err(|e| check_length(path).err().unwrap_or_else(|| sqlite_error(path, e)))?;
    conn.busy_timeout(BUSY_WAIT).map_err(sql)?;
    conn.execute_batch("BEGIN").map_err(sql)?;
    // The schema read takes the shared lock: with it held no writer is mid-commit, so the header's page count is settled.
    let schema = check_schema(path, &conn);
    check_length(path)?;
    schema?;
    let source = path.display().to_string();
    let experiments = mlflow_store::pick_experiments(&source, experiments(&conn).map_err(sql)?, select)?;
    let infos = runs(&conn, &experiments).map_err(sql)?;
    let (infos, deleted) = mlflow_store::pick_runs(&source, infos, select)?;
    let mut runs = Vec::with_capacity(infos.len());
    let mut ids = Vec::with_capacity(infos.len());
    let mut query = conn
        .prepare("SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ?1 ORDER BY key, timestamp, step, value")
        .map_err(sql)?;
    for mut info in infos {
        info.params = params(&conn, &info.id).map_err(sql)?;
        let mut by_key: BTreeMap<String, Vec<Point>> = BTreeMap::new();
        let mut skipped = Vec::new();
        let mut rows = query.query([&info.id]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let key: String = row.get(0).map_err(sql)?;
            let (value, ts, step, is_nan): (Option<f64>, Option<i64>, Option<i64>, Option<bool>) =
                (row.get(1).map_err(sql)?, row.get(2).map_err(sql)?, row.get(3).map_err(sql)?, row.get(4).map_err(sql)?);
            match value {
                Some(v) => by_key.entry(key).or_default().push((
                    step.unwrap_or(0) as f64,
                    mlflow_store::decode_value(v, is_nan.unwrap_or(false)),
                    ts.unwrap_or(0) as f64 / 1000.0,
                )),
                None => skipped.push(format!("metrics: run {} key '{key}' step {}", info.id, step.unwrap_or(0))),
            }
        }
        let metrics: Vec<(String, Vec<Point>)> = by_key.into_iter().collect();
        let mut run = mlflow_store::build_run(&info, format!("{source} run {}", info.id), LogFormat::MlflowSqlite, &metrics, deleted);
        for s in skipped {
            run.records += 1;
            run.skip(s, "the value is NULL");
        }
        if run.series.is_empty() {
            run.notes.push("the run logged no metric values".into());
        }
        ids.push(info.id);
        runs.push(run);
    }
    mlflow_store::distinct_names(&mut runs, &ids);
    Ok(runs)
}

/// A file shorter than its header's page count was cut off (copied while written, a full disk):
/// said up front rather than as SQLite's "malformed" halfway through a query.
fn check_length(path: &Path) -> Result<(), IngestError> {
    let io = |source| IngestError::Io { path: path.display().to_string(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut head = Vec::with_capacity(100);
    file.take(100).read_to_end(&mut head).map_err(io)?;
    if head.len() < 100 {
        return Err(IngestError::malformed(
            path,
            None,
            truncated_advice(&format!("the file is {len} bytes, shorter than SQLite's 100-byte header")),
        ));
    }
    let page_size = match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([head[28], head[29], head[30], head[31]]));
    // The page count is valid only when the "version-valid-for" number equals the change counter.
    let valid = head[92..96] == head[24..28];
    if valid && pages > 0 && len < pages * page_size {
        let what = format!("the header says {pages} pages of {page_size} bytes ({} bytes), the file has {len}", pages * page_size);
        return Err(IngestError::malformed(path, None, truncated_advice(&what)));
    }
    Ok(())
}

fn truncated_advice(what: &str) -> String {
    format!(
        "the MLflow database is truncated or damaged ({what}); copy it again from where MLflow wrote it, or recover what is left with `sqlite3 FILE .recover | sqlite3 fixed.db`"
    )
}

fn sqlite_error(path: &Path, e: rusqlite::Error) -> IngestError {
    let code = e.sqlite_error_code();
    let message = match code {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "the database is locked by a writer for over {} s ({e}); try again when MLflow is done writing, or read a copy of the file",
            BUSY_WAIT.as_secs()
        ),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => truncated_advice(&e.to_string()),
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            format!(
                "cannot open the database read-only ({e}); check the file's permissions (a WAL database also needs its -shm file readable)"
            )
        }
        _ => format!("SQLite error while reading the MLflow store: {e}"),
    };
    IngestError::malformed(path, None, message)
}

/// The store's tables, or a clear "not MLflow's" (named on the command line an error, met in a directory a note).
fn check_schema(path: &Path, conn: &Connection) -> Result<(), IngestError> {
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map_err(|e| sqlite_error(path, e))?;
    let tables: Vec<String> = stmt.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).map_err(|e| sqlite_error(path, e))?;
    let missing: Vec<&str> = TABLES.iter().copied().filter(|t| !tables.iter().any(|n| n == t)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut has: Vec<&str> = tables.iter().map(String::as_str).take(12).collect();
    if has.is_empty() {
        has.push("no tables");
    }
    Err(IngestError::not_a_log(
        path,
        format!(
            "a SQLite database, but not an MLflow tracking store (no {} table; it has: {}); point curvecheck at the file MLflow's --backend-store-uri names",
            missing.join(", "),
            has.join(", ")
        ),
    ))
}

fn experiments(conn: &Connection) -> rusqlite::Result<Vec<Experiment>> {
    let mut stmt = conn.prepare("SELECT experiment_id, name, lifecycle_stage FROM experiments ORDER BY experiment_id")?;
    let rows = stmt.query_map([], |r| {
        let stage: Option<String> = r.get(2)?;
        Ok(Experiment { id: r.get::<_, i64>(0)?.to_string(), name: r.get(1)?, deleted: stage.as_deref() == Some("deleted") })
    })?;
    rows.collect()
}

/// Runs of the picked experiments, oldest first, with their `mlflow.runName` tag for a run without a name.
fn runs(conn: &Connection, experiments: &[Experiment]) -> rusqlite::Result<Vec<RunInfo>> {
    let names: HashMap<String, String> = experiments.iter().map(|e| (e.id.clone(), e.name.clone())).collect();
    let mut stmt = conn.prepare(
        "SELECT r.run_uuid, r.name, r.experiment_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, \
         (SELECT t.value FROM tags t WHERE t.run_uuid = r.run_uuid AND t.key = 'mlflow.runName') \
         FROM runs r ORDER BY r.start_time, r.run_uuid",
    )?;
    let rows = stmt.query_map([], |r| {
        let id: String = r.get(0)?;
        let name: Option<String> = r.get(1)?;
        let tag: Option<String> = r.get(7)?;
        let stage: Option<String> = r.get(6)?;
        Ok((
            r.get::<_, Option<i64>>(2)?.map(|e| e.to_string()).unwrap_or_default(),
            RunInfo {
                name: name.filter(|n| !n.is_empty()).or(tag).unwrap_or_else(|| id.clone()),
                id,
                experiment: String::new(),
                status: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                start_ms: r.get(4)?,
                end_ms: r.get(5)?,
                deleted: stage.as_deref() == Some("deleted"),
                params: Vec::new(),
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (exp, mut info) = row?;
        if let Some(name) = names.get(&exp) {
            info.experiment = name.clone();
            out.push(info);
        }
    }
    Ok(out)
}

fn params(conn: &Connection, run: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM params WHERE run_uuid = ?1 ORDER BY key")?;
    let rows = stmt.query_map([run], |r| Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default())))?;
    rows.collect()
}
