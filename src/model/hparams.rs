//! A run's hyperparameters, as the files beside its log give them
//! (`params.json`, `hparams.yaml`, MLflow `params/`, W&B `config.yaml`, or the
//! trial folder's name `lr=1e-4_wd=1e-2`). Values keep their kind: a number is
//! searched on a scale, a boolean or a string is categorical.
//!
//! ```
//! use curvecheck::model::HValue;
//! assert_eq!(HValue::parse("1e-4"), HValue::Number(1e-4));
//! assert_eq!(HValue::parse("True"), HValue::Bool(true));
//! assert_eq!(HValue::parse("adam"), HValue::Text("adam".into()));
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// One hyperparameter's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HValue {
    /// A number (integers too): it can be searched on a linear or a log scale.
    Number(f64),
    /// `true`/`false` (Python's `True`/`False` too).
    Bool(bool),
    /// Anything else: a categorical value such as `adam` or `relu`.
    Text(String),
}

impl HValue {
    /// Reads a value written as text (an MLflow param, a folder-name pair).
    pub fn parse(raw: &str) -> HValue {
        let t = raw.trim();
        match t {
            "true" | "True" | "TRUE" => return HValue::Bool(true),
            "false" | "False" | "FALSE" => return HValue::Bool(false),
            _ => {}
        }
        match t.parse::<f64>() {
            Ok(x) if x.is_finite() => HValue::Number(x),
            _ => HValue::Text(t.to_string()),
        }
    }

    /// The number, for a numeric value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            HValue::Number(x) => Some(*x),
            _ => None,
        }
    }
}

impl fmt::Display for HValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HValue::Number(x) => write!(f, "{}", short(*x)),
            HValue::Bool(b) => write!(f, "{b}"),
            HValue::Text(s) => f.write_str(s),
        }
    }
}

/// A number as people write hyperparameters: `0.0316`, `1e-5`, `64` (three significant
/// digits; scientific below 1e-3 and from 1e5).
pub fn short(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if x.fract() == 0.0 && x.abs() < 1e7 {
        return format!("{x:.0}");
    }
    let trim = |t: &str| if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t.to_string() };
    let a = x.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
        return trim(&format!("{x:.decimals$}"));
    }
    let s = format!("{x:.2e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    format!("{}e{e}", trim(m))
}

/// A run's hyperparameters and the file (or folder name) they came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Hparams {
    /// Name → value; nested settings are flattened with dots (`optimizer.lr`).
    pub values: BTreeMap<String, HValue>,
    /// Where they were read from, e.g. `lr=1e-4_wd=1e-2/params.json` or `folder name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Hparams {
    /// No hyperparameters were found.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_read_as_written() {
        assert_eq!(short(0.0316), "0.0316");
        assert_eq!(short(1e-5), "1e-5");
        assert_eq!(short(64.0), "64");
        assert_eq!(short(0.00253), "0.00253");
        assert_eq!(short(1.45), "1.45");
        assert_eq!(short(0.1), "0.1");
        assert_eq!(short(3.16e-5), "3.16e-5");
    }
}
