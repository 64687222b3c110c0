//! The JSON document `diagnose --format json` writes: `docs/diagnose.schema.json`
//! describes it (a test validates real output against it).

use serde_json::{json, Value};

use super::{Diagnosis, Reporter};
use crate::rules::Finding;

/// The document's `schema` field, so a consumer can tell which layout it reads.
pub const SCHEMA: &str = "curvecheck.diagnose/2";

/// The JSON document: schema, version, and one object per run ([`run_json`]).
pub struct JsonReporter;

/// Non-finite numbers become `null`: JSON has no NaN.
pub fn finite_or_null(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// One finding's object: rule, severity, confidence, span, series, evidence, labels, message, advice.
pub fn finding_json(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "severity": f.severity,
        "confidence": f.confidence,
        "span": { "axis": f.span.axis, "start": finite_or_null(f.span.start), "end": finite_or_null(f.span.end) },
        "series": f.series,
        "evidence": f.evidence.iter().map(|e| (e.name.to_string(), finite_or_null(e.value))).collect::<serde_json::Map<_, _>>(),
        "labels": f.labels.iter().map(|l| (l.name.to_string(), json!(l.value))).collect::<serde_json::Map<_, _>>(),
        "message": f.message,
        "advice": f.advice,
    })
}

/// One run's object: what was read and skipped, every finding with its span and evidence, and the verdict.
pub fn run_json(r: &Diagnosis) -> Value {
    let findings: Vec<Value> = r.findings.iter().map(finding_json).collect();
    json!({
        "name": r.run.name,
        "source": r.run.source,
        "format": r.run.format,
        "records": r.run.records,
        "skipped_count": r.run.skipped_count,
        "skipped": r.run.skipped,
        "notes": r.run.notes,
        "merged": r.run.merged,
        "verdict": r.verdict(),
        "healthy": r.worst().is_none(),
        "findings": findings,
    })
}

impl Reporter for JsonReporter {
    fn render(&self, reports: &[Diagnosis]) -> Vec<u8> {
        let doc = json!({
            "schema": SCHEMA,
            "version": env!("CARGO_PKG_VERSION"),
            "runs": reports.iter().map(run_json).collect::<Vec<_>>(),
        });
        let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        out.push(b'\n');
        out
    }
}
