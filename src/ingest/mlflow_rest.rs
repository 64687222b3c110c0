//! An MLflow tracking server over its REST API (`api/2.0/mlflow/…`):
//! `experiments/search` and `runs/search` (paged by `page_token`) list the
//! runs, `metrics/get-history` (paged) gives each metric's full history, with
//! at most [`IN_FLIGHT`] requests at once. HTTP details are in
//! [`super::mlflow_http`].
//!
//! Values come back as MLflow's JSON writes them: numbers, `"NaN"` and
//! `"Infinity"` strings (protobuf's JSON), and ±`f64::MAX` for an infinity
//! kept in a SQL store; all read back as logged.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::{json, Value};

use super::mlflow::Point;
use super::mlflow_http::Client;
use super::mlflow_store::{self, Experiment, RunInfo, Select};
use super::IngestError;
use crate::model::LogFormat;
use crate::model::Run;

/// Requests in flight at once while fetching histories: enough to hide latency,
/// few enough not to load a shared server (MLflow's own client fetches one at a time).
const IN_FLIGHT: usize = 4;
/// Page sizes: MLflow's upper limits for search (`SEARCH_MAX_RESULTS_THRESHOLD` is 50,000; 1,000 is
/// its default) and for a history page (`GET_METRIC_HISTORY_MAX_RESULTS`).
const SEARCH_PAGE: u64 = 1000;
const HISTORY_PAGE: &str = "25000";
/// Pages followed at most, so a server that hands out the same token forever cannot hang the read.
const MAX_PAGES: usize = 100_000;

/// Every selected, live run on the server, one [`Run`] each.
pub fn read(url: &str, select: &Select) -> Result<Vec<Run>, IngestError> {
    let client = Client::new(url)?;
    let base = client.base().to_string();
    let experiments = mlflow_store::pick_experiments(&base, experiments(&client)?, select)?;
    let listed = runs(&client, &experiments)?;
    let mut listed_by_id: HashMap<String, (String, Vec<String>)> = HashMap::with_capacity(listed.len());
    let mut all = Vec::with_capacity(listed.len());
    for (info, exp, keys) in listed {
        listed_by_id.insert(info.id.clone(), (exp, keys));
        all.push(info);
    }
    let (infos, deleted) = mlflow_store::pick_runs(&base, all, select)?;
    let jobs: Vec<(usize, String)> =
        infos.iter().enumerate().flat_map(|(i, info)| listed_by_id[&info.id].1.iter().map(move |k| (i, k.clone()))).collect();
    let histories = fetch_histories(&client, &infos, &jobs)?;
    // Keys come sorted per run, so each run's metrics stay in name order.
    let mut metrics: Vec<Vec<(String, Vec<Point>)>> = vec![Vec::new(); infos.len()];
    let mut skipped: Vec<Vec<(String, String)>> = vec![Vec::new(); infos.len()];
    for ((run, key), (points, bad)) in jobs.into_iter().zip(histories) {
        skipped[run].extend(bad.into_iter().map(|b| (key.clone(), b)));
        metrics[run].push((key, points));
    }
    let mut runs = Vec::with_capacity(infos.len());
    for ((info, metrics), skipped) in infos.iter().zip(metrics).zip(skipped) {
        let source = format!("{base}/#/experiments/{}/runs/{}", listed_by_id[&info.id].0, info.id);
        let mut run = mlflow_store::build_run(info, source, LogFormat::MlflowServer, &metrics, deleted);
        for (key, why) in skipped {
            run.records += 1;
            run.skip(format!("metrics/get-history {key}"), why);
        }
        if run.series.is_empty() {
            run.notes.push("the run logged no metric values".into());
        }
        runs.push(run);
    }
    let ids: Vec<String> = infos.iter().map(|i| i.id.clone()).collect();
    mlflow_store::distinct_names(&mut runs, &ids);
    Ok(runs)
}

fn experiments(client: &Client) -> Result<Vec<Experiment>, IngestError> {
    let mut out = Vec::new();
    pages(
        client,
        "experiments/search",
        |token| json!({"max_results": SEARCH_PAGE, "view_type": "ALL", "page_token": token}),
        |page| {
            for e in page.get("experiments").and_then(Value::as_array).into_iter().flatten() {
                out.push(Experiment {
                    id: text(e, "experiment_id"),
                    name: text(e, "name"),
                    deleted: e.get("lifecycle_stage").and_then(Value::as_str) == Some("deleted"),
                });
            }
        },
    )?;
    Ok(out)
}

/// Each run's info, its experiment id and the metric keys it logged (`data.metrics` holds the latest value of each).
fn runs(client: &Client, experiments: &[Experiment]) -> Result<Vec<(RunInfo, String, Vec<String>)>, IngestError> {
    let mut out = Vec::new();
    if experiments.is_empty() {
        return Ok(out);
    }
    let ids: Vec<&str> = experiments.iter().map(|e| e.id.as_str()).collect();
    let body = |token: &str| json!({"experiment_ids": ids, "max_results": SEARCH_PAGE, "run_view_type": "ALL", "order_by": ["attributes.start_time ASC"], "page_token": token});
    pages(client, "runs/search", body, |page| {
        for r in page.get("runs").and_then(Value::as_array).into_iter().flatten() {
            let (info, data) = (&r["info"], &r["data"]);
            let id = match text(info, "run_id") {
                s if s.is_empty() => text(info, "run_uuid"),
                s => s,
            };
            let exp = text(info, "experiment_id");
            let pairs = |field: &str| -> Vec<(String, String)> {
                data.get(field).and_then(Value::as_array).into_iter().flatten().map(|p| (text(p, "key"), text(p, "value"))).collect()
            };
            let tags = pairs("tags");
            let mut params = pairs("params");
            params.sort();
            let mut keys: Vec<String> =
                data.get("metrics").and_then(Value::as_array).into_iter().flatten().map(|m| text(m, "key")).collect();
            keys.sort();
            keys.dedup();
            let name = Some(text(info, "run_name"))
                .filter(|n| !n.is_empty())
                .or_else(|| tags.iter().find(|(k, _)| k == "mlflow.runName").map(|(_, v)| v.clone()))
                .unwrap_or_else(|| id.clone());
            let info = RunInfo {
                name,
                experiment: experiments.iter().find(|e| e.id == exp).map(|e| e.name.clone()).unwrap_or_default(),
                status: text(info, "status"),
                start_ms: integer(info.get("start_time")),
                end_ms: integer(info.get("end_time")),
                deleted: info.get("lifecycle_stage").and_then(Value::as_str) == Some("deleted"),
                params,
                id,
            };
            out.push((info, exp, keys));
        }
    })?;
    Ok(out)
}

/// Follows `next_page_token` through a search endpoint, handing each page to `each`.
fn pages(client: &Client, endpoint: &str, body: impl Fn(&str) -> Value, mut each: impl FnMut(&Value)) -> Result<(), IngestError> {
    let mut token = String::new();
    for _ in 0..MAX_PAGES {
        let mut request = body(&token);
        if token.is_empty() {
            request.as_object_mut().map(|o| o.remove("page_token"));
        }
        let page = client.post(endpoint, &request)?;
        each(&page);
        match page.get("next_page_token").and_then(Value::as_str) {
            Some(t) if !t.is_empty() && t != token => token = t.to_string(),
            _ => return Ok(()),
        }
    }
    Err(client.error(endpoint, format!("more than {MAX_PAGES} pages; the server keeps handing out page tokens")))
}

/// One metric's points and the reasons for the points that could not be read.
type History = (Vec<Point>, Vec<String>);

/// Every `(run, key)` history, fetched by [`IN_FLIGHT`] threads; the first error stops the rest.
fn fetch_histories(client: &Client, infos: &[RunInfo], keys: &[(usize, String)]) -> Result<Vec<History>, IngestError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<History>>> = Mutex::new(vec![None; keys.len()]);
    let first_error: Mutex<Option<IngestError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..IN_FLIGHT.min(keys.len()) {
            s.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((run, key)) = keys.get(i) else { break };
                    match history(client, &infos[*run].id, key) {
                        Ok(h) => results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(h),
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            first_error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(results.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().map(Option::unwrap_or_default).collect())
}

/// `metrics/get-history`, all pages, in the server's order (MLflow's SQL store: timestamp, step, value).
fn history(client: &Client, run_id: &str, key: &str) -> Result<History, IngestError> {
    let (mut points, mut bad) = (Vec::new(), Vec::new());
    let mut token = String::new();
    for _ in 0..MAX_PAGES {
        let mut query = vec![("run_id", run_id), ("metric_key", key), ("max_results", HISTORY_PAGE)];
        if !token.is_empty() {
            query.push(("page_token", token.as_str()));
        }
        let page = client.get("metrics/get-history", &query)?;
        for m in page.get("metrics").and_then(Value::as_array).into_iter().flatten() {
            match value(m.get("value")) {
                Some(v) => points.push((
                    integer(m.get("step")).unwrap_or(0) as f64,
                    mlflow_store::decode_value(v, v.is_nan()),
                    integer(m.get("timestamp")).unwrap_or(0) as f64 / 1000.0,
                )),
                None => bad.push(format!("run {run_id}: value {} is not a number", m.get("value").cloned().unwrap_or(Value::Null))),
            }
        }
        match page.get("next_page_token").and_then(Value::as_str) {
            Some(t) if !t.is_empty() && t != token => token = t.to_string(),
            _ => return Ok((points, bad)),
        }
    }
    Err(client.error("metrics/get-history", format!("more than {MAX_PAGES} pages for '{key}' of run {run_id}")))
}

fn text(v: &Value, field: &str) -> String {
    match v.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// protobuf's JSON writes int64 as a string; MLflow converts them back to numbers. Both are read.
fn integer(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A metric value: a JSON number, or protobuf's `"NaN"`, `"Infinity"`, `"-Infinity"`.
fn value(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.trim() {
            "NaN" | "nan" => Some(f64::NAN),
            "Infinity" | "inf" => Some(f64::INFINITY),
            "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
        _ => None,
    }
}
