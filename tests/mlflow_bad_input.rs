//! Bad MLflow inputs (issue 16): a SQLite file that is not MLflow's, a truncated
//! or locked store, and servers that answer HTML, fail with 500, never answer,
//! or want credentials. Each is a clear error naming the file or URL; no
//! credential is ever printed. Stub servers listen on 127.0.0.1 only.

#[path = "mlflow/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use assert_cmd::Command;
use harness::response;

/// Runs curvecheck with extra environment; returns (exit code, stderr).
fn curvecheck(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::cargo_bin("curvecheck").unwrap();
    for var in ["MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_URI"] {
        cmd.env_remove(var);
    }
    let out = cmd.args(args).envs(env.iter().copied()).timeout(Duration::from_secs(60)).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

const NO_EXPERIMENTS: &str = r#"{"experiments": []}"#;

#[test]
fn a_sqlite_file_that_is_not_mlflows_is_named_and_explained() {
    let dir = harness::scratch("bad-not-mlflow");
    let db = dir.join("optuna.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE studies (id INTEGER, name TEXT); INSERT INTO studies VALUES (1, 'x');").unwrap();
    drop(conn);
    let (code, err) = curvecheck(&["inspect", db.to_str().unwrap()], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains(db.to_str().unwrap()) && err.contains("not an MLflow tracking store") && err.contains("studies"), "{err}");
    // Met while walking a directory it is a note, and the logs beside it are still read.
    std::fs::write(dir.join("metrics.csv"), "epoch,loss\n0,1.0\n1,0.5\n2,0.4\n").unwrap();
    let (code, err) = curvecheck(&["inspect", dir.to_str().unwrap()], &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("note: skipped") && err.contains("optuna.db"), "{err}");
}

#[test]
fn a_truncated_mlflow_db_is_an_error_that_says_so() {
    let Some(py) = harness::python() else { return };
    let (db, _) = harness::logged_sqlite(&py, "bad-truncated");
    let bytes = std::fs::read(&db).unwrap();
    for keep in [bytes.len() / 2, 60] {
        let cut = db.with_file_name(format!("cut-{keep}.db"));
        std::fs::write(&cut, &bytes[..keep]).unwrap();
        let (code, err) = curvecheck(&["diagnose", cut.to_str().unwrap()], &[]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(cut.to_str().unwrap()) && err.contains("truncated or damaged"), "{keep} bytes: {err}");
    }
}

#[test]
fn a_locked_mlflow_db_waits_then_says_locked_and_a_pending_write_does_not_block_reading() {
    let Some(py) = harness::python() else { return };
    let (db, _) = harness::logged_sqlite(&py, "bad-locked");
    let path = db.to_str().unwrap();
    let writer = rusqlite::Connection::open(&db).unwrap();
    // A write in progress (RESERVED lock, as MLflow holds while it inserts): readers still read the last commit.
    writer.execute_batch("BEGIN IMMEDIATE; UPDATE runs SET end_time = end_time;").unwrap();
    let (code, err) = curvecheck(&["inspect", path], &[]);
    assert_eq!(code, Some(0), "{err}");
    writer.execute_batch("ROLLBACK; BEGIN EXCLUSIVE;").unwrap();
    let start = Instant::now();
    let (code, err) = curvecheck(&["inspect", path], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains(path) && err.contains("locked"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
    writer.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_server_that_answers_html_is_not_taken_for_mlflow() {
    let stub = harness::stub(Box::new(|_, _| Some(response("200 OK", "text/html", "<!doctype html><html>login</html>"))));
    let (code, err) = curvecheck(&["inspect", &stub.url], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains(&stub.url) && err.contains("HTML page") && err.contains("not an MLflow tracking server"), "{err}");
}

#[test]
fn a_server_that_fails_with_500_is_retried_then_named() {
    let stub = harness::stub(Box::new(|_, _| Some(response("500 Internal Server Error", "text/plain", "boom"))));
    let (code, err) = curvecheck(&["inspect", &stub.url], &[("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")]);
    assert_eq!(code, Some(2));
    assert!(err.contains(&stub.url) && err.contains("failed with 500 after 3 tries") && err.contains("boom"), "{err}");
    assert_eq!(stub.requests.lock().unwrap().len(), 3);
}

#[test]
fn a_429_is_waited_out_and_the_read_goes_on() {
    let stub = harness::stub(Box::new(|n, _| {
        Some(match n {
            0 => "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n".to_string(),
            _ => response("200 OK", "application/json", NO_EXPERIMENTS),
        })
    }));
    let (code, err) = curvecheck(&["inspect", &stub.url], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no MLflow run to read"), "{err}");
    assert_eq!(stub.requests.lock().unwrap().len(), 2);
}

#[test]
fn a_server_that_never_answers_times_out_in_bounded_time() {
    let stub = harness::stub(Box::new(|_, _| None));
    let start = Instant::now();
    let (code, err) =
        curvecheck(&["inspect", &stub.url], &[("MLFLOW_HTTP_REQUEST_TIMEOUT", "1"), ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")]);
    assert_eq!(code, Some(2));
    assert!(err.contains(&stub.url) && err.contains("no answer within 1 s (2 tries)"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(15), "{:?}", start.elapsed());
}

#[test]
fn a_server_that_is_not_there_is_named() {
    let url = format!("http://127.0.0.1:{}", harness::free_port());
    let (code, err) = curvecheck(&["inspect", &url], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains(&url) && err.contains("connection refused"), "{err}");
}

#[test]
fn a_path_that_has_no_mlflow_api_is_a_404_that_says_check_the_url() {
    let stub = harness::stub(Box::new(|_, _| Some(response("404 Not Found", "text/plain", "not here"))));
    let (code, err) = curvecheck(&["inspect", &format!("{}/prefix/", stub.url)], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains(&format!("{}/prefix", stub.url)) && err.contains("no MLflow REST API at this address"), "{err}");
}

#[test]
fn credentials_are_sent_as_mlflow_sends_them_and_never_printed() {
    let stub = harness::stub(Box::new(|_, _| {
        Some(response("401 Unauthorized", "application/json", r#"{"error_code": "UNAUTHENTICATED", "message": "who?"}"#))
    }));
    let (code, err) =
        curvecheck(&["inspect", &stub.url], &[("MLFLOW_TRACKING_USERNAME", "ann"), ("MLFLOW_TRACKING_PASSWORD", "s3cret-pw")]);
    assert_eq!(code, Some(2));
    assert!(err.contains(&stub.url) && err.contains("401") && err.contains("credentials given were refused"), "{err}");
    // base64("ann:s3cret-pw")
    assert!(stub.requests.lock().unwrap()[0].contains("Basic YW5uOnMzY3JldC1wdw=="));
    let (_, err2) = curvecheck(&["inspect", &stub.url], &[("MLFLOW_TRACKING_TOKEN", "tok-123456")]);
    assert!(stub.requests.lock().unwrap()[1].to_ascii_lowercase().contains("authorization: bearer tok-123456"));
    let with_user = stub.url.replace("http://", "http://bob:hunter2@");
    let (_, err3) = curvecheck(&["inspect", &with_user], &[]);
    assert!(stub.requests.lock().unwrap()[2].contains("Basic Ym9iOmh1bnRlcjI="));
    for (e, secret) in [(&err, "s3cret-pw"), (&err2, "tok-123456"), (&err3, "hunter2")] {
        assert!(!e.contains(secret) && !e.contains("YW5u") && !e.contains("Ym9i"), "{e}");
    }
    assert!(err3.contains(&stub.url), "{err3}");
}

#[test]
fn mlflow_colon_without_a_tracking_uri_says_what_to_set() {
    let (code, err) = curvecheck(&["inspect", "mlflow:"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("MLFLOW_TRACKING_URI is not set"), "{err}");
    let (code, err) = curvecheck(&["inspect", "mlflow:"], &[("MLFLOW_TRACKING_URI", "databricks://profile")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not 'databricks'"), "{err}");
}

/// A child process killed when dropped.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const TLS_SERVER: &str = r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(b'{"experiments": []}')
    do_GET = do_POST
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
"#;

#[test]
fn an_https_server_whose_certificate_no_authority_signed_is_refused() {
    let dir = harness::scratch("bad-tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: openssl could not make a certificate ({made:?})");
        return;
    }
    let port = harness::free_port();
    let child = std::process::Command::new("python3").arg("-c").arg(TLS_SERVER).arg(port.to_string()).arg(&cert).arg(&key).spawn().unwrap();
    let _server = Killed(child);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "the TLS stub did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let url = format!("https://127.0.0.1:{port}");
    let (code, err) = curvecheck(&["inspect", &url], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains(&url) && err.contains("TLS failed") && err.to_ascii_lowercase().contains("certificate"), "{err}");
}
