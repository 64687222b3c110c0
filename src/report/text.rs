//! Human-readable text, coloured on a terminal.

use anstyle::{AnsiColor, Style};

use super::{read_summary, terminal_safe as safe, Reporter, RunReport};
use crate::rules::finding::{num, pos};
use crate::rules::Severity;

pub struct TextReporter {
    pub color: bool,
}

impl TextReporter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn severity_style(s: Severity) -> Style {
        match s {
            Severity::Error => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            Severity::Warning => Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Info => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        }
    }
}

impl Reporter for TextReporter {
    fn render(&self, reports: &[RunReport]) -> Vec<u8> {
        let bold = Style::new().bold();
        let dim = Style::new().dimmed();
        let mut out = String::new();
        for r in reports {
            out.push_str(&format!("{}  ({}, {})\n", self.paint(bold, &safe(&r.run.name)), r.run.format, safe(&r.length.clone())));
            out.push_str(&format!("  {}\n", self.paint(dim, &safe(&r.run.source))));
            out.push_str(&format!("  {}\n", self.paint(dim, &safe(&read_summary(&r.run)))));
            for f in &r.findings {
                let sev = format!("{:<7}", f.severity.as_str().to_uppercase());
                let span = if f.span.start == f.span.end {
                    format!("{} {}", f.span.axis.as_str(), pos(f.span.start))
                } else {
                    format!("{} {}–{}", f.span.axis.as_str(), pos(f.span.start), pos(f.span.end))
                };
                out.push_str(&format!(
                    "\n  {} {}  {}  (confidence {:.2})\n",
                    self.paint(Self::severity_style(f.severity), &sev),
                    self.paint(bold, f.rule),
                    span,
                    f.confidence
                ));
                out.push_str(&format!("    {}\n", safe(&f.message)));
                if !f.evidence.is_empty() {
                    let ev: Vec<String> = f.evidence.iter().map(|e| format!("{}={}", e.name, num(e.value))).collect();
                    out.push_str(&format!("    {}\n", self.paint(dim, &format!("evidence: {}", ev.join(", ")))));
                }
                out.push_str(&format!("    → {}\n", safe(&f.advice)));
            }
            let verdict_style = match r.worst() {
                Some(s) => Self::severity_style(s),
                None => Style::new().bold().fg_color(Some(AnsiColor::Green.into())),
            };
            out.push_str(&format!("\n  verdict: {}\n\n", self.paint(verdict_style, &r.verdict())));
        }
        if reports.len() > 1 {
            let unhealthy = reports.iter().filter(|r| r.worst().is_some()).count();
            let merged: usize = reports.iter().map(|r| r.run.merged).sum();
            let merged = if merged > 0 {
                format!(
                    " ({merged} more source{} merged: the same run logged in another format in the same folder)",
                    if merged == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            out.push_str(&format!("{} runs: {} with problems, {} healthy{merged}\n", reports.len(), unhealthy, reports.len() - unhealthy));
        }
        out.into_bytes()
    }
}
