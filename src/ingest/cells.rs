//! Reading single values the way training logs write them.
//!
//! Loggers write missing values as empty cells or `NA` (Keras CSVLogger), and
//! non-finite values as `nan`, `NaN`, `inf`, `-Infinity` (Python's `json`
//! writes bare `NaN`/`Infinity`, which strict JSON forbids).

/// What one text cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// Nothing logged here: an empty cell, `NA`, `null`, `None`, `-`.
    Missing,
    /// A number, possibly NaN or infinite; `True`/`False` read as 1 and 0.
    Number(f64),
    /// Text that is not a number (a date, a class name).
    Text,
}

/// Parses a cell: surrounding spaces (Ultralytics pads to width 23) and quotes are ignored.
///
/// ```
/// use curvecheck::ingest::cells::{parse_cell, Cell};
/// assert_eq!(parse_cell("   0.5"), Cell::Number(0.5));
/// assert_eq!(parse_cell("NA"), Cell::Missing);
/// assert!(matches!(parse_cell("-Infinity"), Cell::Number(v) if v == f64::NEG_INFINITY));
/// assert_eq!(parse_cell("2020-02-05 14:48"), Cell::Text);
/// ```
pub fn parse_cell(raw: &str) -> Cell {
    let s = raw.trim().trim_matches('"').trim();
    if s.is_empty() {
        return Cell::Missing;
    }
    if let Ok(v) = s.parse::<f64>() {
        return Cell::Number(v);
    }
    match s {
        "NA" | "N/A" | "n/a" | "null" | "None" | "NULL" | "-" => Cell::Missing,
        "True" | "true" => Cell::Number(1.0),
        "False" | "false" => Cell::Number(0.0),
        _ => match parse_tensor_repr(s) {
            Some(v) => Cell::Number(v),
            None => Cell::Text,
        },
    }
}

/// `tensor(0.1234)` and `tensor(0.1234, device='cuda:0')`: what a logged torch scalar prints as.
fn parse_tensor_repr(s: &str) -> Option<f64> {
    let inner = s.strip_prefix("tensor(")?.strip_suffix(')')?;
    inner.split(',').next()?.trim().parse().ok()
}

/// Rewrites Python's bare `NaN`, `Infinity` and `-Infinity` tokens outside
/// strings into quoted markers that [`json_number`] understands, so that
/// `serde_json` can read the record. Returns `None` when there is nothing to
/// rewrite, which is the common case and costs one scan.
pub fn sanitize_python_json(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // Most logs hold neither token anywhere: a SIMD substring search says so without the careful scan.
    if memchr::memmem::find(bytes, b"NaN").is_none() && memchr::memmem::find(bytes, b"Infinity").is_none() {
        return None;
    }
    let mut out: Option<String> = None;
    let mut last = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let token = if bytes[i..].starts_with(b"NaN") {
            Some(("NaN", NAN_MARK))
        } else if bytes[i..].starts_with(b"-Infinity") {
            Some(("-Infinity", NEG_INF_MARK))
        } else if bytes[i..].starts_with(b"Infinity") {
            Some(("Infinity", INF_MARK))
        } else {
            None
        };
        if let Some((tok, mark)) = token {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
            o.push_str(&text[last..i]);
            o.push_str(mark);
            i += tok.len();
            last = i;
            continue;
        }
        i += 1;
    }
    let mut o = out?;
    o.push_str(&text[last..]);
    Some(o)
}

/// JSON strings (with an escaped NUL, which no logger writes) that stand for the bare tokens.
const NAN_MARK: &str = r#""\u0000NaN""#;
const INF_MARK: &str = r#""\u0000Infinity""#;
const NEG_INF_MARK: &str = r#""\u0000-Infinity""#;

/// A JSON value as a number: numbers, the non-finite markers, numeric strings
/// (users stringify `np.float32`), and `null` as missing.
pub fn json_number(v: &serde_json::Value) -> Cell {
    match v {
        serde_json::Value::Number(n) => n.as_f64().map_or(Cell::Text, Cell::Number),
        serde_json::Value::Null => Cell::Missing,
        serde_json::Value::Bool(b) => Cell::Number(f64::from(u8::from(*b))),
        serde_json::Value::String(s) => match s.as_str() {
            "\u{0}NaN" => Cell::Number(f64::NAN),
            "\u{0}Infinity" => Cell::Number(f64::INFINITY),
            "\u{0}-Infinity" => Cell::Number(f64::NEG_INFINITY),
            other => parse_cell(other),
        },
        _ => Cell::Text,
    }
}

/// The text without a UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_non_finite_is_a_number() {
        for s in ["nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e400"] {
            assert!(matches!(parse_cell(s), Cell::Number(v) if !v.is_finite()), "{s}");
        }
    }

    #[test]
    fn bare_nan_outside_strings_is_rewritten_and_inside_is_not() {
        let line = r#"{"a": NaN, "b": "NaN", "c": -Infinity, "d": "x\"NaN"}"#;
        let fixed = sanitize_python_json(line).unwrap();
        let v: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert!(matches!(json_number(&v["a"]), Cell::Number(x) if x.is_nan()));
        assert_eq!(v["b"], "NaN");
        assert_eq!(json_number(&v["c"]), Cell::Number(f64::NEG_INFINITY));
        assert_eq!(v["d"], "x\"NaN");
    }

    #[test]
    fn clean_json_is_not_copied() {
        assert!(sanitize_python_json(r#"{"loss": 0.5, "name": "Infinity"}"#).is_none());
    }
}
