//! Issue 14: the JSON output is documented by `docs/diagnose.schema.json`, and
//! real output (every kind of finding, on real logs) validates against it.
//! The schema uses a small part of JSON Schema (type, enum, required,
//! properties, additionalProperties, items, minimum, maximum), checked here.

mod common;

use assert_cmd::Command;
use serde_json::Value;

fn schema() -> Value {
    schema_named("diagnose")
}

fn schema_named(name: &str) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("docs/{name}.schema.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_u64() || v.is_i64(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        other => panic!("schema uses type {other}, which this check does not know"),
    }
}

/// Every violation of `schema` by `v`, with its JSON path.
fn violations(schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let known = [
        "$schema",
        "$id",
        "title",
        "description",
        "type",
        "enum",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "minimum",
        "maximum",
    ];
    for k in schema.as_object().unwrap().keys() {
        assert!(known.contains(&k.as_str()), "schema keyword {k} at {at} is not checked");
    }
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => false,
        };
        if !ok {
            out.push(format!("{at}: {v} is not {t}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            out.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let (Some(min), Some(x)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        if x < min {
            out.push(format!("{at}: {x} < {min}"));
        }
    }
    if let (Some(max), Some(x)) = (schema.get("maximum").and_then(Value::as_f64), v.as_f64()) {
        if x > max {
            out.push(format!("{at}: {x} > {max}"));
        }
    }
    if let Some(obj) = v.as_object() {
        for r in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !obj.contains_key(r.as_str().unwrap()) {
                out.push(format!("{at}: missing {r}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match (props.and_then(|p| p.get(k)), schema.get("additionalProperties")) {
                (Some(s), _) => violations(s, val, &format!("{at}.{k}"), out),
                (None, Some(Value::Bool(false))) => out.push(format!("{at}: unexpected field {k}")),
                (None, Some(s @ Value::Object(_))) => violations(s, val, &format!("{at}.{k}"), out),
                _ => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            violations(items, x, &format!("{at}[{i}]"), out);
        }
    }
}

#[test]
fn real_output_validates_against_the_documented_schema() {
    let schema = schema();
    // Every rule fires somewhere in these (see fixtures/expected), NaN evidence included.
    let inputs = [
        "wild-runs",
        "real-runs/dev_premature_mcb_adam",
        "real-runs/dev_diverged_bc_sgd_lr30_nan_stop",
        "real-runs/dev_badinit_mce_relu5_std0.04",
        "rules/unstable-loss/spikes_at_five_steps.csv",
    ];
    let mut rules = std::collections::BTreeSet::new();
    for rel in inputs {
        let out =
            Command::cargo_bin("curvecheck").unwrap().args(["diagnose", "--format", "json"]).arg(common::fixture(rel)).output().unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let mut bad = Vec::new();
        violations(&schema, &doc, "$", &mut bad);
        assert!(bad.is_empty(), "{rel}:\n{}", bad.join("\n"));
        for f in doc["runs"].as_array().unwrap().iter().flat_map(|r| r["findings"].as_array().unwrap()) {
            rules.insert(f["rule"].as_str().unwrap().to_string());
        }
    }
    assert!(rules.len() >= 11, "the output checked holds findings of only {rules:?}");
}

#[test]
fn the_schema_names_the_layout_the_tool_writes() {
    assert_eq!(schema()["properties"]["schema"]["enum"][0], curvecheck::report::json::SCHEMA);
}

#[test]
fn the_check_itself_rejects_a_wrong_document() {
    let mut bad = Vec::new();
    let doc = serde_json::json!({"schema": "curvecheck.diagnose/2", "version": "x", "runs": [{"name": 1}], "extra": true});
    violations(&schema(), &doc, "$", &mut bad);
    assert!(bad.iter().any(|b| b.contains("unexpected field extra")));
    assert!(bad.iter().any(|b| b.contains("$.runs[0].name")));
    assert!(bad.iter().any(|b| b.contains("missing \"findings\"")), "{bad:?}");
}

/// Issue 15: `sweep --format json` is documented by `docs/sweep.schema.json`.
#[test]
fn sweep_output_validates_against_its_schema() {
    let schema = schema_named("sweep");
    assert_eq!(schema["properties"]["schema"]["enum"][0], curvecheck::report::sweep::SCHEMA);
    for rel in ["sweeps/mc_mlp_sgd_sweep1", "sweeps/mc_mlp_sgd_sweep2", "sweeps/mc_mlp_sgd_sweep3"] {
        let out = Command::cargo_bin("curvecheck").unwrap().args(["sweep", "--format", "json"]).arg(common::fixture(rel)).output().unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let mut bad = Vec::new();
        violations(&schema, &doc, "$", &mut bad);
        assert!(bad.is_empty(), "{rel}:\n{}", bad.join("\n"));
    }
}
