//! Outputs: one [`Reporter`] per format, each returning bytes; writing them
//! to stdout or a file is the caller's job.

pub mod html;
pub mod inspect;
pub mod json;
pub mod markdown;
pub mod table;
pub mod text;

pub mod rules_table;
pub mod sparkline;
pub mod sweep;

pub use crate::diagnosis::Diagnosis;
use crate::model::Run;

/// Text from the logs made safe for a terminal: control characters (an ESC
/// sequence in a column name could rewrite the screen) become U+FFFD; newlines stay.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(|c| c.is_control() && c != '\n') {
        std::borrow::Cow::Owned(s.chars().map(|c| if c.is_control() && c != '\n' { '\u{fffd}' } else { c }).collect())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// One output format.
pub trait Reporter {
    /// The whole output for these diagnoses, as bytes ready to write unchanged.
    fn render(&self, reports: &[Diagnosis]) -> Vec<u8>;
}

/// One line about what a reader could not use, e.g. "read 226 records, skipped 2: …".
pub fn read_summary(run: &Run) -> String {
    let mut s = format!("read {} records", run.records);
    if run.skipped_count > 0 {
        let first: Vec<String> = run.skipped.iter().take(3).map(|k| format!("{}: {}", k.location, k.reason)).collect();
        s.push_str(&format!(", skipped {}: {}", run.skipped_count, first.join("; ")));
        if run.skipped_count > 3 {
            s.push_str("; …");
        }
    }
    let restarts = run.restart_count();
    if restarts > 0 {
        s.push_str(&format!(", {restarts} restart{} (later records replace the overlap)", if restarts == 1 { "" } else { "s" }));
    }
    s
}
