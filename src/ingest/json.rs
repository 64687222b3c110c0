//! Whole-document JSON logs: Hugging Face `trainer_state.json` and Keras
//! `history.history` dumps.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::builder::SeriesBuilder;
use super::cells::strip_bom;
use super::cells::{json_number, sanitize_python_json, Cell};
use super::IngestError;
use crate::model::LogFormat;
use crate::model::{Axis, RepeatedX, Run};

/// Keys of a `log_history` entry that place it, not curves of their own.
const HF_AXIS_KEYS: &[&str] = &["step", "epoch"];
/// Keys only the final summary entry of `log_history` has.
pub(super) const HF_SUMMARY_KEYS: &[&str] = &["train_runtime", "total_flos", "train_samples_per_second"];

/// An object's fields sorted by key, as a map iterates them (a repeated key keeps its last
/// value, as in a map). A small sorted list rather than a map: a log entry has a handful of
/// keys, and 200k entries would otherwise build and free 200k trees.
#[derive(Debug, Default)]
struct Fields<'a>(Vec<(Cow<'a, str>, Value)>);

impl<'a> Fields<'a> {
    fn from_pairs(pairs: Vec<(Cow<'a, str>, Value)>) -> Self {
        let mut f = Fields(pairs);
        f.sort();
        f
    }

    /// Sorts by key; stable, so equal keys stay in file order and the kept (earlier) one takes the later value.
    fn sort(&mut self) {
        self.0.sort_by(|a, b| a.0.cmp(&b.0));
        self.0.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
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

/// Deserialises one object into a reused [`Fields`] buffer (no new list per entry).
struct FieldsInto<'b, 'a>(&'b mut Fields<'a>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for FieldsInto<'_, 'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for FieldsInto<'_, 'a> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        self.0 .0.clear();
        while let Some((Key(k), v)) = map.next_entry::<Key<'a>, Value>()? {
            self.0 .0.push((k, v));
        }
        self.0.sort();
        Ok(())
    }
}

/// `trainer_state.json` read in one pass: each `log_history` entry goes to the
/// reader as soon as it is parsed, so no list of 200k entries is ever built.
/// Yields the trainer's `best_metric`; fails (for the general path to explain)
/// when `log_history` is missing or holds anything but objects.
struct StreamedState<'r>(&'r mut TrainerStateReader);

impl<'de> DeserializeSeed<'de> for StreamedState<'_> {
    type Value = Option<f64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StreamedState<'_> {
    type Value = Option<f64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a trainer_state object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Option<f64>, M::Error> {
        let (mut best, mut history) = (None, false);
        while let Some(Key(k)) = map.next_key::<Key>()? {
            match k.as_ref() {
                "log_history" => {
                    map.next_value_seed(History(&mut *self.0))?;
                    history = true;
                }
                "best_metric" => best = map.next_value::<Value>()?.as_f64(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !history {
            return Err(serde::de::Error::missing_field("log_history"));
        }
        Ok(best)
    }
}

/// The `log_history` list, entry by entry into the reader.
struct History<'r>(&'r mut TrainerStateReader);

impl<'de> DeserializeSeed<'de> for History<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for History<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of log entries")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let mut fields = Fields::default();
        while seq.next_element_seed(FieldsInto(&mut fields))?.is_some() {
            self.0.entry(Some(&fields));
        }
        Ok(())
    }
}

/// Reads a trainer state (an object with a `log_history` list), else a Keras history dump;
/// Python's bare `NaN` and `Infinity` are accepted.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Run, IngestError> {
    let text = std::str::from_utf8(strip_bom(bytes))
        .map_err(|e| IngestError::malformed(path, Some(format!("byte {}", e.valid_up_to())), "not valid UTF-8"))?;
    let clean = sanitize_python_json(text);
    let text = clean.as_deref().unwrap_or(text);
    if memchr::memmem::find(text.as_bytes(), b"\"log_history\"").is_some() {
        let mut reader = TrainerStateReader::new(path);
        let mut de = serde_json::Deserializer::from_str(text);
        if let Ok(best) = StreamedState(&mut reader).deserialize(&mut de).and_then(|best| de.end().map(|_| best)) {
            return Ok(reader.finish(best));
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
            let mut reader = TrainerStateReader::new(path);
            for e in entries {
                match e {
                    Value::Object(m) => {
                        reader.entry(Some(&Fields::from_pairs(m.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), v.clone())).collect())))
                    }
                    _ => reader.entry(None),
                }
            }
            Ok(reader.finish(top.get("best_metric").and_then(Value::as_f64)))
        }
        Some(_) => Err(IngestError::malformed(path, None, "'log_history' is not a list")),
        None => read_keras_history(path, &top),
    }
}

/// Turns `log_history` entries, one at a time, into a run.
struct TrainerStateReader {
    run: Run,
    builder: SeriesBuilder,
}

impl TrainerStateReader {
    fn new(path: &Path) -> Self {
        TrainerStateReader {
            run: Run { epoch_is_progress: true, ..Run::new("", path.display().to_string(), LogFormat::HfTrainerState) },
            builder: SeriesBuilder::new(RepeatedX::Restart),
        }
    }

    /// The next entry; `None` when it is not an object.
    fn entry(&mut self, entry: Option<&Fields>) {
        let i = self.run.records;
        let run = &mut self.run;
        run.records += 1;
        let where_ = || format!("log_history[{i}]");
        let Some(e) = entry else {
            run.skip(where_(), "entry is not an object");
            return;
        };
        if HF_SUMMARY_KEYS.iter().any(|k| e.contains_key(k)) {
            let parts: Vec<String> = e.iter().filter_map(|(k, v)| Some(format!("{k}={}", v.as_f64()?))).collect();
            run.notes.push(format!("final summary entry: {}", parts.join(", ")));
            return;
        }
        let step = e.get("step").and_then(Value::as_f64);
        let epoch = e.get("epoch").and_then(Value::as_f64);
        let (axis, x) = match (step, epoch) {
            (Some(s), _) => (Axis::Step, s),
            (None, Some(ep)) => (Axis::Epoch, ep),
            (None, None) => {
                run.skip(where_(), "entry has neither 'step' nor 'epoch'");
                return;
            }
        };
        for (k, v) in e.iter() {
            if HF_AXIS_KEYS.contains(&k.as_ref()) {
                continue;
            }
            match json_number(v) {
                Cell::Number(value) => self.builder.push(k, axis, x, epoch, value),
                Cell::Missing => {}
                Cell::Text => run.skip(format!("{}.{k}", where_()), "value is not a number"),
            }
        }
    }

    fn finish(mut self, best_metric: Option<f64>) -> Run {
        self.run.series = self.builder.finish();
        if let Some(best) = best_metric {
            // trainer_state.json keeps the best value but not `metric_for_best_model`: the eval
            // series whose best equals it is the one the Trainer selected checkpoints by.
            let same = |v: f64| (v - best).abs() <= 1e-9 * best.abs().max(1e-12);
            let matching = self.run.series.iter().find(|s| {
                s.name.starts_with("eval_") && (s.values.iter().copied().filter(|v| v.is_finite()).any(same)) && {
                    let (lo, hi) = s
                        .values
                        .iter()
                        .filter(|v| v.is_finite())
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
                    same(lo) || same(hi)
                }
            });
            match matching.map(|s| s.name.clone()) {
                Some(name) => {
                    self.run.notes.push(format!("trainer's best_metric = {best}, the best of {name}: the Trainer's metric_for_best_model"));
                    self.run.headline = Some(name);
                }
                None => self.run.notes.push(format!("trainer's best_metric = {best}")),
            }
        }
        self.run
    }
}

/// `{"loss": [...], "val_loss": [...]}`: list index is the epoch.
fn read_keras_history(path: &Path, top: &Map<String, Value>) -> Result<Run, IngestError> {
    let mut run = Run::new("", path.display().to_string(), LogFormat::KerasHistoryJson);
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
        let mut fields = Fields::default();
        let entry = r#"{"step": 1, "lo\u0073s": 2.5, "a": 1, "a": 7}"#;
        FieldsInto(&mut fields).deserialize(&mut serde_json::Deserializer::from_str(entry)).unwrap();
        let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["a", "loss", "step"]);
        assert_eq!(fields.get("a").and_then(Value::as_f64), Some(7.0));
        let run = read(Path::new("t.json"), text.as_bytes()).unwrap();
        assert_eq!(run.notes, ["trainer's best_metric = 0.5"]);
        assert_eq!(run.headline, None);
        let names: Vec<&str> = run.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "loss"]);
        assert_eq!(run.series[1].values, vec![2.5]);
    }
}
