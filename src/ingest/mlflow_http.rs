//! The HTTP side of reading an MLflow tracking server: authentication as
//! MLflow's own client does it, timeouts, retries with backoff, and errors
//! that name the URL and say what to do.
//!
//! Credentials come from `MLFLOW_TRACKING_TOKEN` (bearer) or
//! `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD` (basic), or from a
//! `user:password@` in the URL; they are sent as a header and never appear in
//! a message (the URL is shown without its user part). https certificates are
//! checked against the webpki roots (rustls).

use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use super::IngestError;

/// The default wait for one answer; `MLFLOW_HTTP_REQUEST_TIMEOUT` overrides it (MLflow's own 120 s
/// is long for a command-line read; a search page or a history page comes back in well under a second).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Retries after the first try on 429 and 5xx; `MLFLOW_HTTP_REQUEST_MAX_RETRIES` overrides it.
const DEFAULT_RETRIES: u32 = 3;
/// The first backoff; doubled on each retry (MLflow's client uses a backoff factor too).
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// A `Retry-After` longer than this is cut to it, so a read is never parked for minutes.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Largest response read: a history page of 25,000 points is ~2.5 MB of JSON.
const MAX_BODY: u64 = 512 << 20;

/// A tracking server's base URL with an agent, the auth header and the retry policy.
pub struct Client {
    agent: ureq::Agent,
    /// Scheme, host, port and path prefix, without user info and trailing `/`.
    base: String,
    auth: Option<String>,
    timeout: Duration,
    retries: u32,
}

impl Client {
    pub fn new(url: &str) -> Result<Client, IngestError> {
        let (base, user) = split_user(url.trim_end_matches('/'));
        let timeout = env_number("MLFLOW_HTTP_REQUEST_TIMEOUT").map(Duration::from_secs_f64).unwrap_or(DEFAULT_TIMEOUT);
        let retries = env_number("MLFLOW_HTTP_REQUEST_MAX_RETRIES").map(|n| n as u32).unwrap_or(DEFAULT_RETRIES);
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("curvecheck/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client { agent: config.into(), base, auth: auth_header(user), timeout, retries })
    }

    /// The server as shown in messages and run sources (no credentials).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET api/2.0/mlflow/<endpoint>?query`.
    pub fn get(&self, endpoint: &str, query: &[(&str, &str)]) -> Result<Value, IngestError> {
        self.call(endpoint, None, query)
    }

    /// `POST api/2.0/mlflow/<endpoint>` with a JSON body (the search endpoints, as MLflow's client calls them).
    pub fn post(&self, endpoint: &str, body: &Value) -> Result<Value, IngestError> {
        self.call(endpoint, Some(body.to_string()), &[])
    }

    fn call(&self, endpoint: &str, body: Option<String>, query: &[(&str, &str)]) -> Result<Value, IngestError> {
        let url = format!("{}/api/2.0/mlflow/{endpoint}", self.base);
        let mut backoff = FIRST_BACKOFF;
        let mut tries = 0;
        loop {
            tries += 1;
            let last = tries > self.retries;
            let sent = match &body {
                Some(b) => self.with_auth(self.agent.post(&url)).header("Content-Type", "application/json").send(b.as_str()),
                None => {
                    let mut req = self.with_auth(self.agent.get(&url));
                    for (k, v) in query {
                        req = req.query(*k, *v);
                    }
                    req.call()
                }
            };
            let mut resp = match sent {
                Ok(r) => r,
                Err(ureq::Error::Timeout(_)) if !last => {
                    std::thread::sleep(backoff);
                    backoff *= 2;
                    continue;
                }
                Err(e) => return Err(self.transport_error(endpoint, &e, tries)),
            };
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map(|s| Duration::from_secs_f64(s.clamp(0.0, MAX_BACKOFF.as_secs_f64())));
            let kind = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
            let text = match resp.body_mut().with_config().limit(MAX_BODY).read_to_string() {
                Ok(t) => t,
                Err(e) if !last && matches!(e, ureq::Error::Timeout(_)) => {
                    std::thread::sleep(backoff);
                    backoff *= 2;
                    continue;
                }
                Err(e) => return Err(self.transport_error(endpoint, &e, tries)),
            };
            if (status == 429 || status >= 500) && !last {
                std::thread::sleep(retry_after.unwrap_or(backoff));
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
            return self.answer(endpoint, status, &kind, &text, tries);
        }
    }

    fn with_auth<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.auth {
            Some(h) => req.header("Authorization", h),
            None => req,
        }
    }

    /// A JSON answer, or an error that says what the status means for the user.
    fn answer(&self, endpoint: &str, status: u16, kind: &str, text: &str, tries: u32) -> Result<Value, IngestError> {
        let json = parse_json(text);
        let mlflow_message = json.as_ref().and_then(|j| {
            let code = j.get("error_code")?.as_str()?;
            Some(format!("{code}: {}", j.get("message").and_then(Value::as_str).unwrap_or_default()))
        });
        let html = kind.contains("html") || text.trim_start().starts_with('<');
        let message = match status {
            200..=299 => match json {
                Some(j) if j.is_object() => return Ok(j),
                _ if html => "the server answered with an HTML page, not MLflow's JSON: this is not an MLflow tracking server's REST API (a proxy's login page? the UI under another path?); give the URL you pass to mlflow.set_tracking_uri".to_string(),
                _ => format!("the server's answer is not JSON ({}); is this an MLflow tracking server?", snippet(text)),
            },
            401 => format!(
                "401 Unauthorized{}: {}",
                mlflow_message.map(|m| format!(" ({m})")).unwrap_or_default(),
                if self.auth.is_some() {
                    "the credentials given were refused; check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD"
                } else {
                    "the server needs credentials; set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"
                }
            ),
            403 => format!(
                "403 Forbidden{}: the user may not read this; ask the server's admin for READ permission on the experiment",
                mlflow_message.map(|m| format!(" ({m})")).unwrap_or_default()
            ),
            404 => match mlflow_message {
                Some(m) => format!("404: {m}"),
                None => "404 Not Found: no MLflow REST API at this address; check the host, the port and any path prefix (the URL you pass to mlflow.set_tracking_uri)".to_string(),
            },
            429 | 500..=599 => format!(
                "the server failed with {status} after {tries} tries{}; try again later, or check the tracking server's log",
                mlflow_message.map(|m| format!(" ({m})")).unwrap_or_else(|| if text.trim().is_empty() || html { String::new() } else { format!(" ({})", snippet(text)) })
            ),
            _ => format!("unexpected HTTP {status}{}", mlflow_message.map(|m| format!(" ({m})")).unwrap_or_default()),
        };
        Err(self.error(endpoint, message))
    }

    fn transport_error(&self, endpoint: &str, e: &ureq::Error, tries: u32) -> IngestError {
        let message = match e {
            ureq::Error::Timeout(_) => format!(
                "no answer within {} s ({tries} tries); is the tracking server up and reachable? a slow server needs a larger MLFLOW_HTTP_REQUEST_TIMEOUT (seconds)",
                self.timeout.as_secs_f64()
            ),
            ureq::Error::HostNotFound => "the host name does not resolve; check the URL".to_string(),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                "connection refused: no server listens there; start the tracking server (`mlflow server`) or check the port".to_string()
            }
            // rustls' refusals reach here as I/O errors ("invalid peer certificate: …").
            ureq::Error::Io(io) if io.to_string().contains("certificate") || io.to_string().contains("handshake") => {
                format!("TLS failed ({io}); the server's certificate must be valid for its host name and signed by a public authority")
            }
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
                format!("TLS failed ({e}); the server's certificate must be valid for its host name and signed by a public authority")
            }
            other => format!("cannot talk to the server: {other}"),
        };
        self.error(endpoint, message)
    }

    pub fn error(&self, endpoint: &str, message: String) -> IngestError {
        IngestError::Malformed { path: self.base.clone(), location: Some(format!("api/2.0/mlflow/{endpoint}")), message }
    }
}

/// `https://user:pw@host/x` → (`https://host/x`, `Some(("user", "pw"))`); text without `://` is kept as is.
pub(super) fn split_user(url: &str) -> (String, Option<(String, String)>) {
    let Some((scheme, rest)) = url.split_once("://") else { return (url.to_string(), None) };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rsplit_once('@') {
        Some((user, host)) => {
            let (u, p) = user.split_once(':').unwrap_or((user, ""));
            (format!("{scheme}://{host}{}", &rest[host_end..]), Some((u.to_string(), p.to_string())))
        }
        None => (url.to_string(), None),
    }
}

/// MLflow's client: a token wins over a user name and password; the URL's user part comes last.
fn auth_header(from_url: Option<(String, String)>) -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let Some(token) = var("MLFLOW_TRACKING_TOKEN") {
        return Some(format!("Bearer {token}"));
    }
    let basic = match (var("MLFLOW_TRACKING_USERNAME"), var("MLFLOW_TRACKING_PASSWORD")) {
        (Some(u), Some(p)) => Some((u, p)),
        _ => from_url,
    };
    basic.map(|(u, p)| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))))
}

fn env_number(name: &str) -> Option<f64> {
    std::env::var(name).ok()?.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// JSON, also when a server wrote Python's bare `NaN`/`Infinity`.
fn parse_json(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok().or_else(|| serde_json::from_str(&super::cells::sanitize_python_json(text)?).ok())
}

fn snippet(text: &str) -> String {
    let t: String = text.trim().chars().take(120).collect();
    if t.is_empty() {
        "empty body".into()
    } else {
        format!("'{t}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_taken_out_of_the_url() {
        let (base, user) = split_user("https://ann:s3cret@mlflow.example.com/prefix");
        assert_eq!(base, "https://mlflow.example.com/prefix");
        assert_eq!(user, Some(("ann".into(), "s3cret".into())));
        assert_eq!(split_user("http://127.0.0.1:5000").1, None);
    }
}
