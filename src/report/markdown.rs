//! GitHub-flavoured Markdown: a summary table, then each run's findings. Fit for
//! a CI job summary or a pull-request comment.

use super::table::Table;
use super::{Reporter, RunReport};
use crate::rules::finding::pos;
use crate::rules::Severity;

pub struct MarkdownReporter;

impl Reporter for MarkdownReporter {
    fn render(&self, reports: &[RunReport]) -> Vec<u8> {
        let mut out = String::from("## curvecheck\n\n");
        let mut summary = Table::new(&["run", "format", "length", "errors", "warnings", "verdict"]);
        for r in reports {
            summary.push(vec![
                r.run.name.clone(),
                r.run.format.clone(),
                r.length(),
                r.count(Severity::Error).to_string(),
                r.count(Severity::Warning).to_string(),
                r.verdict(),
            ]);
        }
        out.push_str(&summary.to_markdown());
        for r in reports.iter().filter(|r| !r.findings.is_empty()) {
            out.push_str(&format!("\n### {}\n\n", r.run.name.replace(['<', '>', '\n'], "")));
            let mut t = Table::new(&["severity", "rule", "span", "confidence", "finding", "advice"]);
            for f in &r.findings {
                t.push(vec![
                    f.severity.as_str().into(),
                    f.rule.into(),
                    format!("{} {}–{}", f.span.axis.as_str(), pos(f.span.start), pos(f.span.end)),
                    format!("{:.2}", f.confidence),
                    f.message.clone(),
                    f.advice.clone(),
                ]);
            }
            out.push_str(&t.to_markdown());
        }
        out.into_bytes()
    }
}
