//! How `watch` speaks: a finding as it appears (the text report's layout,
//! with the time and the run in front), early-stopping advice, the verdict
//! at the end, and a status line on stderr when it is a terminal. With
//! `--format json` each of these is one JSON object per line (`event`:
//! `finding`, `early-stop`, `end`; the end's `run` is the object `diagnose
//! --format json` gives the run), and other messages go to stderr.

use std::io::Write;
use std::time::Instant;

use anstyle::{AnsiColor, Style};

use super::ledger::News;
use crate::rules::finding::{num, pos};
use crate::rules::{Severity, StopNow};

/// Where findings go, and whether in colour.
pub struct Voice {
    out: Box<dyn Write>,
    color: bool,
    json: bool,
    status: Option<Status>,
}

/// The one-line status drawn (and redrawn in place) on a terminal.
struct Status {
    shown: bool,
    last: Instant,
}

impl Voice {
    /// Findings to `out`; a status line on stderr when `status` (stderr is a terminal and nothing else writes there).
    pub fn new(out: Box<dyn Write>, color: bool, json: bool, status: bool) -> Self {
        Voice { out, color, json, status: status.then(|| Status { shown: false, last: Instant::now() }) }
    }

    fn emit_json(&mut self, value: serde_json::Value) {
        let mut line = value.to_string();
        line.push('\n');
        self.emit(&line);
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn clear_status(&mut self) {
        if let Some(s) = self.status.as_mut().filter(|s| s.shown) {
            eprint!("\r\x1b[K");
            s.shown = false;
        }
    }

    fn emit(&mut self, text: &str) {
        self.clear_status();
        // A closed stdout ends nothing: the watch (and the command) go on.
        let _ = self.out.write_all(text.as_bytes()).and_then(|_| self.out.flush());
    }

    /// A finding that appeared or got worse.
    pub fn finding(&mut self, run: &str, news: &News) {
        let f = news.finding;
        if self.json {
            let was = news.was.map(|w| w.as_str());
            return self.emit_json(
                serde_json::json!({"event": "finding", "run": run, "was": was, "finding": crate::report::json::finding_json(f)}),
            );
        }
        let style = match f.severity {
            Severity::Error => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            Severity::Warning => Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Info => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        };
        let span = if f.span.start == f.span.end {
            format!("{} {}", f.span.axis.as_str(), pos(f.span.start))
        } else {
            format!("{} {}–{}", f.span.axis.as_str(), pos(f.span.start), pos(f.span.end))
        };
        let was = news.was.map(|w| format!("  (was {})", w.as_str())).unwrap_or_default();
        let sev = format!("{:<7}", f.severity.as_str().to_uppercase());
        let mut text = format!(
            "[{}] {}  {} {}  {span}  (confidence {:.2}){was}\n    {}\n",
            clock(),
            safe(run),
            self.paint(style, &sev),
            self.paint(Style::new().bold(), f.rule),
            f.confidence,
            safe(&f.message)
        );
        if !f.evidence.is_empty() {
            let ev: Vec<String> = f.evidence.iter().map(|e| format!("{}={}", e.name, num(e.value))).collect();
            text.push_str(&format!("    {}\n", self.paint(Style::new().dimmed(), &format!("evidence: {}", ev.join(", ")))));
        }
        text.push_str(&format!("    → {}\n", safe(&f.advice)));
        self.emit(&text);
    }

    /// Early stopping would stop now.
    pub fn advice(&mut self, run: &str, stop: &StopNow) {
        if self.json {
            return self.emit_json(serde_json::json!({
                "event": "early-stop", "run": run, "series": stop.series, "axis": stop.axis, "best_at": stop.best_at,
                "best_value": crate::report::json::finite_or_null(stop.best_value), "waited": stop.waited, "message": stop.message(),
            }));
        }
        let text = format!("[{}] {}  {}  {}\n", clock(), safe(run), self.paint(Style::new().bold(), "early-stop"), safe(&stop.message()));
        self.emit(&text);
    }

    /// A message of its own (a stop, an error); on stderr under `--format json`.
    pub fn line(&mut self, text: &str) {
        if self.json {
            self.clear_status();
            eprintln!("{text}");
            return;
        }
        self.emit(&format!("{text}\n"));
    }

    /// A run at the end: what was read and its verdict (in JSON, the run as `diagnose` gives it).
    pub fn end(&mut self, d: &crate::diagnosis::Diagnosis) {
        if self.json {
            return self.emit_json(serde_json::json!({"event": "end", "run": crate::report::json::run_json(d)}));
        }
        let name = safe(&d.run.name);
        self.emit(&format!("{name}  {}\n{name}  verdict: {}\n", safe(&crate::report::read_summary(&d.run)), d.verdict()));
    }

    /// Redraws the status line, at most a few times a second.
    pub fn status(&mut self, text: impl FnOnce() -> String) {
        let Some(s) = self.status.as_mut() else { return };
        if s.shown && s.last.elapsed().as_millis() < 250 {
            return;
        }
        s.last = Instant::now();
        s.shown = true;
        eprint!("\r\x1b[K{}", text());
        let _ = std::io::stderr().flush();
    }

    /// Removes the status line (before exiting).
    pub fn done(&mut self) {
        self.clear_status();
    }
}

/// The time of day (UTC), for the lines of a long watch.
fn clock() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("{:02}:{:02}:{:02}", secs / 3600 % 24, secs / 60 % 60, secs % 60)
}

/// Names and messages come from logs: no control characters reach the terminal.
fn safe(s: &str) -> String {
    crate::report::terminal_safe(s).into_owned()
}
