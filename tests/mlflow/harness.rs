//! Shared by the MLflow tests: the venv's Python (made by `setup_venv.sh`), runs
//! logged by MLflow's own client with the oracle it reads back, an `mlflow server`
//! started on 127.0.0.1 and stopped by a drop guard, and a stub HTTP server.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The venv's Python, or `None` (and a printed reason) when it is missing locally.
/// Under CI (`CI=true`) a missing venv fails the test: these tests must run there.
pub fn python() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let venv = std::env::var_os("CURVECHECK_MLFLOW_VENV").map(PathBuf::from).unwrap_or_else(|| root.join("target/mlflow-venv"));
    let venv = if venv.is_absolute() { venv } else { root.join(venv) };
    let py = venv.join("bin/python");
    let ready = py.is_file() && venv.join(".curvecheck-pin").is_file();
    if ready {
        return Some(py);
    }
    let why = format!("no MLflow venv at {} (run `bash tests/mlflow/setup_venv.sh`)", venv.display());
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {why}: the MLflow tests must run in CI");
    }
    eprintln!("skipped: {why}");
    None
}

/// A scratch directory under cargo's target tmp dir, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `log_runs.py` against a tracking URI and returns the oracle it wrote.
pub fn log_runs(python: &Path, uri: &str, dir: &Path) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mlflow/log_runs.py");
    let oracle = dir.join("oracle.json");
    let out = Command::new(python).arg(&script).arg(uri).arg(&oracle).env("MLFLOW_ALLOW_FILE_STORE", "false").output().unwrap();
    assert!(out.status.success(), "log_runs.py {uri} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&std::fs::read(&oracle).unwrap()).unwrap()
}

/// An `mlflow.db` written by MLflow's client, with its oracle.
pub fn logged_sqlite(python: &Path, name: &str) -> (PathBuf, Value) {
    let dir = scratch(name);
    let db = dir.join("mlflow.db");
    let oracle = log_runs(python, &format!("sqlite:///{}", db.display()), &dir);
    (db, oracle)
}

/// A free port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `mlflow server` on 127.0.0.1 with its backend in `dir`; stopped (its whole process group) when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    log: PathBuf,
}

/// The server's first start creates its tables (~10 s here); more means it is stuck.
const SERVER_START: Duration = Duration::from_secs(120);
const SERVER_STOP: Duration = Duration::from_secs(10);

impl Server {
    pub fn start(python: &Path, dir: &Path) -> Server {
        use std::os::unix::process::CommandExt;
        let port = free_port();
        let log = dir.join("server.log");
        let mlflow = python.with_file_name("mlflow");
        let child = Command::new(mlflow)
            .args(["server", "--host", "127.0.0.1", "--port", &port.to_string(), "--workers", "1"])
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}", dir.join("server.db").display()))
            .arg("--default-artifact-root")
            .arg(dir.join("artifacts"))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.join("server.err")).unwrap())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut server = Server { child, url: format!("http://127.0.0.1:{port}"), log };
        let start = Instant::now();
        loop {
            if ureq::get(&format!("{}/health", server.url)).call().is_ok_and(|r| r.status() == 200) {
                return server;
            }
            let exited = server.child.try_wait().unwrap();
            if exited.is_some() || start.elapsed() > SERVER_START {
                let err = std::fs::read_to_string(dir.join("server.err")).unwrap_or_default();
                let tail: String = err.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
                panic!("mlflow server did not come up ({exited:?} after {:?}):\n{tail}", start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let start = Instant::now();
        while start.elapsed() < SERVER_STOP {
            if self.child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
        let _ = &self.log;
    }
}

/// What a stub answers to its n-th request (0-based): a whole HTTP response, or `None` to never answer.
pub type Answer = Box<dyn Fn(usize, &str) -> Option<String> + Send + Sync>;

/// A one-trick HTTP server on 127.0.0.1 for the failures a real server rarely shows on demand.
pub struct Stub {
    pub url: String,
    /// Each request's head (request line and headers).
    pub requests: Arc<Mutex<Vec<String>>>,
}

pub fn stub(answer: Answer) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (seen, answer) = (Arc::clone(&seen), Arc::clone(&answer));
            std::thread::spawn(move || loop {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let n = {
                    let mut s = seen.lock().unwrap();
                    s.push(head.clone());
                    s.len() - 1
                };
                match answer(n, &head) {
                    Some(response) => {
                        if stream.write_all(response.as_bytes()).is_err() {
                            return;
                        }
                    }
                    None => {
                        std::thread::sleep(Duration::from_secs(30));
                        return;
                    }
                }
            });
        }
    });
    Stub { url, requests }
}

/// An HTTP/1.1 response with a body.
pub fn response(status: &str, content_type: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}", body.len())
}

/// The expected value of an oracle point: MLflow's SQL store hands +-inf back as +-f64::MAX.
pub fn oracle_value(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::Number(n) => curvecheck::ingest::mlflow_store::decode_value(n.as_f64().unwrap(), false),
        other => panic!("oracle value {other}"),
    }
}
