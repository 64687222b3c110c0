//! Whole-document JSON logs: Hugging Face `trainer_state.json` and Keras
//! `history.history` dumps.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::builder::SeriesBuilder;
use super::cells::{json_number, sanitize_python_json, Cell};
use super::detect::strip_bom;
use super::IngestError;
use crate::model::{Axis, RepeatedX, Run};

/// Keys of a `log_history` entry that place it, not curves of their own.
const HF_AXIS_KEYS: &[&str] = &["step", "epoch"];
/// Keys only the final summary entry of `log_history` has.
const HF_SUMMARY_KEYS: &[&str] = &["train_runtime", "total_flos", "train_samples_per_second"];

/// One `log_history` entry; `None` when it is not an object.
type Entry<'a> = Option<Fields<'a>>;

/// The part of `trainer_state.json` curvecheck reads, deserialised directly (200k entries as
/// `serde_json::Value` trees cost twice the time).
#[derive(Deserialize)]
struct TrainerState<'a> {
    #[serde(borrow)]
    log_history: Vec<Fields<'a>>,
    #[serde(default)]
    best_metric: Option<Value>,
}

/// An object's fields sorted by key, as a map iterates them (a repeated key keeps its last
/// value, as in a map). A small sorted list rather than a map: a log entry has a handful of
/// keys, and 200k entries would otherwise build and free 200k trees.
#[derive(Debug, Default)]
struct Fields<'a>(Vec<(Cow<'a, str>, Value)>);

impl<'a> Fields<'a> {
    fn from_pairs(mut pairs: Vec<(Cow<'a, str>, Value)>) -> Self {
        // Stable: equal keys stay in file order, and the retained (earlier) one takes the later value.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        Fields(pairs)
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    fn iter(&self) -> impl Iterator<Item = (&Cow<'a, str>, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// A key borrowed from the document unless it holds an escape (serde's `Cow<str>` always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(KeyVisitor(PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldsVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for FieldsVisitor<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Fields<'a>, M::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((Key(k), v)) = map.next_entry::<Key<'a>, Value>()? {
                    pairs.push((k, v));
                }
                Ok(Fields::from_pairs(pairs))
            }
        }
        d.deserialize_map(FieldsVisitor(PhantomData))
    }
}

pub fn read(path: &Path, bytes: &[u8]) -> Result<Run, IngestError> {
    let text = std::str::from_utf8(strip_bom(bytes))
        .map_err(|e| IngestError::malformed(path, Some(format!("byte {}", e.valid_up_to())), "not valid UTF-8"))?;
    let clean = sanitize_python_json(text);
    let text = clean.as_deref().unwrap_or(text);
    if memchr::memmem::find(text.as_bytes(), b"\"log_history\"").is_some() {
        if let Ok(state) = serde_json::from_str::<TrainerState>(text) {
            let best = state.best_metric.as_ref().and_then(Value::as_f64);
            let entries: Vec<Entry> = state.log_history.into_iter().map(Some).collect();
            return Ok(read_trainer_state(path, best, &entries));
        }
    }
    // The general path: any object, with errors that say where the document breaks.
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        let what = if e.is_eof() { "the file ends in the middle of the JSON document (truncated?)" } else { "invalid JSON" };
        IngestError::malformed(path, Some(format!("line {}, column {}", e.line(), e.column())), format!("{what}: {e}"))
    })?;
    let Value::Object(top) = doc else {
        return Err(IngestError::not_a_log(path, "expected a JSON object at the top level"));
    };
    match top.get("log_history") {
        Some(Value::Array(entries)) => {
            let entries: Vec<Entry> = entries
                .iter()
                .map(|e| match e {
                    Value::Object(m) => Some(Fields::from_pairs(m.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), v.clone())).collect())),
                    _ => None,
                })
                .collect();
            Ok(read_trainer_state(path, top.get("best_metric").and_then(Value::as_f64), &entries))
        }
        Some(_) => Err(IngestError::malformed(path, None, "'log_history' is not a list")),
        None => read_keras_history(path, &top),
    }
}

fn read_trainer_state(path: &Path, best_metric: Option<f64>, entries: &[Entry]) -> Run {
    let mut run = Run::new("", path.display().to_string(), "hf-trainer-state");
    run.records = entries.len();
    let mut builder = SeriesBuilder::new(RepeatedX::Restart);
    for (i, entry) in entries.iter().enumerate() {
        let where_ = || format!("log_history[{i}]");
        let Some(e) = entry else {
            run.skip(where_(), "entry is not an object");
            continue;
        };
        if HF_SUMMARY_KEYS.iter().any(|k| e.contains_key(k)) {
            let parts: Vec<String> = e.iter().filter_map(|(k, v)| Some(format!("{k}={}", v.as_f64()?))).collect();
            run.notes.push(format!("final summary entry: {}", parts.join(", ")));
            continue;
        }
        let step = e.get("step").and_then(Value::as_f64);
        let epoch = e.get("epoch").and_then(Value::as_f64);
        let (axis, x) = match (step, epoch) {
            (Some(s), _) => (Axis::Step, s),
            (None, Some(ep)) => (Axis::Epoch, ep),
            (None, None) => {
                run.skip(where_(), "entry has neither 'step' nor 'epoch'");
                continue;
            }
        };
        for (k, v) in e.iter() {
            if HF_AXIS_KEYS.contains(&k.as_ref()) {
                continue;
            }
            match json_number(v) {
                Cell::Number(value) => builder.push(k, axis, x, epoch, value),
                Cell::Missing => {}
                Cell::Text => run.skip(format!("{}.{k}", where_()), "value is not a number"),
            }
        }
    }
    if let Some(best) = best_metric {
        run.notes.push(format!("trainer's best_metric = {best}"));
    }
    run.series = builder.finish();
    run
}

/// `{"loss": [...], "val_loss": [...]}`: list index is the epoch.
fn read_keras_history(path: &Path, top: &Map<String, Value>) -> Result<Run, IngestError> {
    let mut run = Run::new("", path.display().to_string(), "keras-history-json");
    let mut builder = SeriesBuilder::new(RepeatedX::Restart);
    for (k, v) in top {
        let Value::Array(items) = v else {
            run.notes.push(format!("key '{k}' is not a list; ignored"));
            continue;
        };
        run.records = run.records.max(items.len());
        for (i, item) in items.iter().enumerate() {
            match json_number(item) {
                Cell::Number(value) => builder.push(k, Axis::Epoch, i as f64, None, value),
                Cell::Missing => {}
                Cell::Text => run.skip(format!("{k}[{i}]"), "value is not a number"),
            }
        }
    }
    run.series = builder.finish();
    if run.series.is_empty() {
        return Err(IngestError::not_a_log(
            path,
            "JSON object holds no lists of numbers; expected a Keras history ({\"loss\": [...]}) or a trainer_state.json",
        ));
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed path reads what a map would: keys sorted, a repeated key's last value, escaped keys decoded.
    #[test]
    fn entry_fields_read_like_a_map() {
        let text = r#"{"log_history": [{"step": 1, "lo\u0073s": 2.5, "a": 1, "a": 7}], "best_metric": 0.5}"#;
        let state: TrainerState = serde_json::from_str(text).unwrap();
        let keys: Vec<&str> = state.log_history[0].iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["a", "loss", "step"]);
        assert_eq!(state.log_history[0].get("a").and_then(Value::as_f64), Some(7.0));
        let run = read(Path::new("t.json"), text.as_bytes()).unwrap();
        let names: Vec<&str> = run.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "loss"]);
        assert_eq!(run.series[1].values, vec![2.5]);
    }
}
