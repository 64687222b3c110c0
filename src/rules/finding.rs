//! What a rule reports: data first (span, evidence), words rendered from it.

use serde::Serialize;

use crate::model::Axis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
/// How bad a finding is; `--fail-on` and the verdict count warnings and errors.
pub enum Severity {
    /// Worth knowing (the best epoch, the schedule); never a problem.
    Info,
    /// A problem in the curves that costs accuracy or time.
    Warning,
    /// The run is broken (it diverged): every other verdict on it is moot.
    Error,
}

impl Severity {
    /// The lower-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where on the x axis a finding shows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Span {
    /// The unit of `start` and `end`: the log's own epochs or steps.
    pub axis: Axis,
    /// Where the pattern begins (the onset).
    pub start: f64,
    /// Where it ends (often the last point).
    pub end: f64,
}

/// One named number behind a finding, e.g. `("val_loss_rise", 1.31)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// What the number is, e.g. `val_loss_rise`.
    pub name: &'static str,
    /// Its value; NaN is written as `null` in JSON.
    pub value: f64,
}

/// One named word behind a finding, e.g. `("schedule", "cosine")`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    /// What the word is.
    pub name: &'static str,
    /// The word.
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
/// One thing a rule found in a run: where, how sure, the numbers behind it, and what to do.
pub struct Finding {
    /// The id of the rule that found it (set by the runner).
    pub rule: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// How sure the rule is, 0–1: 1 for a logged NaN, lower where the pattern is borderline.
    pub confidence: f64,
    /// Where it shows.
    pub span: Span,
    /// The series the rule looked at, by their logged names.
    pub series: Vec<String>,
    /// The numbers the rule decided on.
    pub evidence: Vec<Evidence>,
    /// What the rule found that is a word, not a number (lr-schedule's `schedule = cosine`).
    pub labels: Vec<Label>,
    /// What was seen, in words made from the evidence.
    pub message: String,
    /// What to try, as the lecture recommends.
    pub advice: String,
}

impl Finding {
    /// A finding with full confidence and nothing else filled in yet (a builder).
    pub fn new(rule: &'static str, severity: Severity, span: Span) -> Self {
        Finding {
            rule,
            severity,
            confidence: 1.0,
            span,
            series: Vec::new(),
            evidence: Vec::new(),
            labels: Vec::new(),
            message: String::new(),
            advice: String::new(),
        }
    }

    /// Sets the confidence, clamped to 0–1 and rounded to two decimals.
    pub fn confidence(mut self, c: f64) -> Self {
        self.confidence = (c.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        self
    }

    /// Adds one named number.
    pub fn evidence(mut self, name: &'static str, value: f64) -> Self {
        self.evidence.push(Evidence { name, value });
        self
    }

    /// Adds one named word.
    pub fn label(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.labels.push(Label { name, value: value.into() });
        self
    }

    /// Names a series the rule read (once).
    pub fn series(mut self, name: &str) -> Self {
        if !self.series.iter().any(|s| s == name) {
            self.series.push(name.to_string());
        }
        self
    }

    /// Sets what was seen.
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = m.into();
        self
    }

    /// Sets what to try.
    pub fn advice(mut self, a: impl Into<String>) -> Self {
        self.advice = a.into();
        self
    }
}

/// Formats a number for messages: 4 significant digits, no trailing noise.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10();
    if !(-3.0..6.0).contains(&mag) {
        let s = format!("{v:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
        return format!("{mantissa}e{exp}");
    }
    let decimals = (3 - mag.floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Formats an x position: integers without decimals.
pub fn pos(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        num(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_short() {
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(1e35), "1e35");
        assert_eq!(num(2.5e-5), "2.5e-5");
        assert_eq!(num(1234.5678), "1235");
        assert_eq!(pos(3.0), "3");
    }
}
