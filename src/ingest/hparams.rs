//! The hyperparameters of a run, from the files people keep beside its log:
//! `params.json` / `config.json` / `hparams.json` (Keras scripts, Ray Tune),
//! Lightning's `hparams.yaml`, W&B's `config.yaml` (`key: {desc, value}`), and
//! as a fallback `key=value` pairs in the run folder's name (`lr=1e-4_wd=1e-2`,
//! Ray Tune's `train_fn_0_lr=0.01,wd=0.0001_2024-…`). MLflow params are read
//! with the run itself (`mlflow::finish`).
//!
//! Nested settings are flattened with dots (`optimizer.lr`); lists are kept as
//! one categorical value (`[128, 64]`); nulls are left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;
use yaml_rust2::{Yaml, YamlLoader};

use super::IngestError;
use crate::model::{HValue, Hparams, Run};

/// Files read for hyperparameters, first found wins (relative to the run folder).
pub const FILES: &[&str] =
    &["params.json", "hparams.json", "config.json", "hparams.yaml", "params.yaml", "config.yaml", "files/config.yaml"];

/// A file named as one of [`FILES`] (`params.json`, `config.yaml`, …).
pub fn is_settings_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| FILES.iter().any(|f| Path::new(f).file_name().is_some_and(|b| b == n)))
}

/// Settings files larger than this are not hyperparameters (a model's weights index, a dataset).
const MAX_BYTES: u64 = 4 << 20;

/// The folder a run lives in: the run directory itself, or the folder of its log file
/// (for a W&B `run-*.wandb` file, its `run-*/` folder).
pub fn run_folder(run: &Run) -> PathBuf {
    let p = Path::new(&run.source);
    if p.is_dir() {
        p.to_path_buf()
    } else {
        p.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// The hyperparameters beside a run: its own (MLflow) if it has some, else the first of
/// [`FILES`] in its folder, else pairs in the folder's name. `Ok` with nothing found is
/// not an error (a run with no recorded settings); a settings file that does not parse is.
pub fn read_beside(run: &Run) -> Result<Hparams, IngestError> {
    if !run.hparams.is_empty() {
        return Ok(run.hparams.clone());
    }
    let dir = run_folder(run);
    for name in FILES {
        let path = dir.join(name);
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if !meta.is_file() || meta.len() > MAX_BYTES {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| IngestError::malformed(&path, None, format!("cannot read it: {e}")))?;
        let values = if name.ends_with(".json") { from_json(&path, &text)? } else { from_yaml(&path, &text)? };
        if !values.is_empty() {
            return Ok(Hparams { values, source: Some(path.display().to_string()) });
        }
    }
    let folder = dir.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let values = from_name(&folder);
    let source = (!values.is_empty()).then(|| format!("folder name {folder}"));
    Ok(Hparams { values, source })
}

/// Every setting in one JSON or YAML file (by extension), flattened.
pub fn read_file(path: &Path) -> Result<BTreeMap<String, HValue>, IngestError> {
    let text = std::fs::read_to_string(path).map_err(|e| IngestError::malformed(path, None, format!("cannot read it: {e}")))?;
    if path.extension().is_some_and(|e| e == "json") {
        from_json(path, &text)
    } else {
        from_yaml(path, &text)
    }
}

/// `key=value` pairs in a folder name; keys are words of letters and digits joined by `_`.
pub fn from_name(name: &str) -> BTreeMap<String, HValue> {
    static PAIR: OnceLock<Regex> = OnceLock::new();
    let re = PAIR.get_or_init(|| {
        Regex::new(r"(?:^|[_,\s])([A-Za-z][A-Za-z0-9.]*(?:_[A-Za-z][A-Za-z0-9.]*)*)=([^_,=\s]+)").expect("a valid pattern")
    });
    re.captures_iter(name).map(|c| (c[1].to_string(), HValue::parse(&c[2]))).collect()
}

fn from_json(path: &Path, text: &str) -> Result<BTreeMap<String, HValue>, IngestError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        IngestError::malformed(
            path,
            Some(format!("line {}", e.line())),
            format!("not JSON ({e}); fix the file or move it away from the log"),
        )
    })?;
    let mut out = BTreeMap::new();
    if v.is_object() {
        flatten_json("", &v, &mut out);
    }
    Ok(out)
}

/// One setting whose value is JSON text (W&B's `value_json`): `0.01`, `"adam"`, `{"depth": 18}`
/// (flattened to `model.depth`); text that is not JSON is kept as it is.
pub fn insert_json_text(out: &mut BTreeMap<String, HValue>, key: &str, text: &str) {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => flatten_json(key, &v, out),
        Err(_) => {
            out.insert(key.to_string(), HValue::parse(text));
        }
    }
}

fn flatten_json(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, HValue>) {
    use serde_json::Value as J;
    match v {
        J::Object(m) => {
            for (k, x) in m {
                flatten_json(&join(prefix, k), x, out);
            }
        }
        J::Null => {}
        J::Bool(b) => {
            out.insert(prefix.to_string(), HValue::Bool(*b));
        }
        J::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.insert(prefix.to_string(), HValue::Number(x));
            }
        }
        J::String(s) => {
            out.insert(prefix.to_string(), HValue::parse(s));
        }
        J::Array(_) => {
            out.insert(prefix.to_string(), HValue::Text(v.to_string()));
        }
    }
}

fn from_yaml(path: &Path, text: &str) -> Result<BTreeMap<String, HValue>, IngestError> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        IngestError::malformed(
            path,
            Some(format!("line {}", e.marker().line())),
            format!("not YAML ({e}); fix the file or move it away from the log"),
        )
    })?;
    let mut out = BTreeMap::new();
    if let Some(doc @ Yaml::Hash(_)) = docs.first() {
        flatten_yaml("", doc, &mut out);
    }
    Ok(out)
}

/// W&B keeps its own bookkeeping beside the user's config.
fn wandb_internal(key: &str) -> bool {
    key == "wandb_version" || key.starts_with("_wandb")
}

fn flatten_yaml(prefix: &str, v: &Yaml, out: &mut BTreeMap<String, HValue>) {
    match v {
        Yaml::Hash(h) => {
            // W&B: `lr: {desc: null, value: 0.01}`.
            let keys: Vec<&str> = h.keys().filter_map(Yaml::as_str).collect();
            if !prefix.is_empty() && keys.contains(&"value") && keys.iter().all(|k| *k == "value" || *k == "desc") {
                if let Some(x) = h.get(&Yaml::String("value".into())) {
                    flatten_yaml(prefix, x, out);
                }
                return;
            }
            for (k, x) in h {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    _ => continue,
                };
                if prefix.is_empty() && wandb_internal(&key) {
                    continue;
                }
                flatten_yaml(&join(prefix, &key), x, out);
            }
        }
        Yaml::Real(s) => {
            out.insert(prefix.to_string(), HValue::parse(s));
        }
        Yaml::Integer(i) => {
            out.insert(prefix.to_string(), HValue::Number(*i as f64));
        }
        Yaml::Boolean(b) => {
            out.insert(prefix.to_string(), HValue::Bool(*b));
        }
        Yaml::String(s) => {
            out.insert(prefix.to_string(), HValue::parse(s));
        }
        Yaml::Array(a) => {
            let items: Vec<String> = a.iter().map(yaml_text).collect();
            out.insert(prefix.to_string(), HValue::Text(format!("[{}]", items.join(", "))));
        }
        _ => {}
    }
}

fn yaml_text(v: &Yaml) -> String {
    match v {
        Yaml::Real(s) | Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => "…".into(),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_give_their_pairs() {
        let m = from_name("lr=3.16e-2_wd=1e-4");
        assert_eq!(m.get("lr"), Some(&HValue::Number(0.0316)));
        assert_eq!(m.get("wd"), Some(&HValue::Number(1e-4)));
        let m = from_name("weight_decay=0.01_optimizer=adam");
        assert_eq!(m.get("weight_decay"), Some(&HValue::Number(0.01)));
        assert_eq!(m.get("optimizer"), Some(&HValue::Text("adam".into())));
        let ray = from_name("train_fn_5a3b2_00000_0_lr=0.0100,wd=0.0001_2024-01-01_12-00-00");
        assert_eq!(ray.keys().collect::<Vec<_>>(), ["lr", "wd"]);
        assert!(from_name("version_3").is_empty());
    }

    #[test]
    fn wandb_config_values_are_unwrapped_and_its_bookkeeping_left_out() {
        let text = "wandb_version: 1\n_wandb:\n  desc: null\n  value:\n    python_version: 3.11\nlr:\n  desc: null\n  value: 0.01\nmodel:\n  desc: null\n  value:\n    hidden: [128, 64]\n    act: relu\nuse_bn:\n  value: true\n";
        let m = from_yaml(Path::new("config.yaml"), text).unwrap();
        assert_eq!(m.get("lr"), Some(&HValue::Number(0.01)));
        assert_eq!(m.get("model.act"), Some(&HValue::Text("relu".into())));
        assert_eq!(m.get("model.hidden"), Some(&HValue::Text("[128, 64]".into())));
        assert_eq!(m.get("use_bn"), Some(&HValue::Bool(true)));
        assert_eq!(m.len(), 4, "{m:?}");
    }

    #[test]
    fn a_broken_settings_file_names_its_line() {
        let e = from_yaml(Path::new("run/hparams.yaml"), "lr: 0.1\n  bad: [\n").unwrap_err().to_string();
        assert!(e.contains("run/hparams.yaml") && e.contains("line"), "{e}");
        let e = from_json(Path::new("run/params.json"), "{\"lr\": 0.1,\n}").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
