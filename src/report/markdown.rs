//! GitHub-flavoured Markdown: a summary table, then each run's findings. Fit for
//! a CI job summary or a pull-request comment.

use super::table::{findings_table, Table};
use super::{Diagnosis, Reporter};
use crate::rules::Severity;

/// The Markdown report: one summary row per run, then a findings table per run that has findings.
pub struct MarkdownReporter;

impl Reporter for MarkdownReporter {
    fn render(&self, reports: &[Diagnosis]) -> Vec<u8> {
        let mut out = String::from("## curvecheck\n\n");
        let mut summary = Table::new(&["run", "format", "length", "errors", "warnings", "verdict"]);
        for r in reports {
            summary.push(vec![
                r.run.name.clone(),
                r.run.format.to_string(),
                r.length.clone(),
                r.count(Severity::Error).to_string(),
                r.count(Severity::Warning).to_string(),
                r.verdict(),
            ]);
        }
        out.push_str(&summary.to_markdown());
        for r in reports.iter().filter(|r| !r.findings.is_empty()) {
            out.push_str(&format!("\n### {}\n\n", r.run.name.replace(['<', '>', '\n'], "")));
            out.push_str(&findings_table(&r.findings, false).to_markdown());
        }
        out.into_bytes()
    }
}
