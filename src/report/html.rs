//! One self-contained HTML page for many runs: a sortable summary, every
//! run's validation curve overlaid, and per run its annotated chart (inline
//! SVG), findings and what was skipped while reading. No network: no external
//! CSS, script or font. The page comes from `template.html`, compiled in; all
//! text from the logs is escaped. The page is also well-formed XML (XHTML
//! syntax), so tests can parse it with an XML parser. The charts are drawn by
//! the caller (`render`) and handed in as SVG text: reports and charts depend
//! on the diagnosis, not on each other.

use super::table::{findings_table, html_escape, Table};
use super::{read_summary, Diagnosis, Reporter};
use crate::rules::finding::num;
use crate::rules::Severity;

const TEMPLATE: &str = include_str!("template.html");

/// A chart for the page, as SVG text: drawn, nothing to draw, or why drawing failed.
pub type Svg = Result<Option<String>, String>;

/// The HTML page of many diagnoses.
pub struct HtmlReporter {
    /// What produced the page: version, inputs and settings, shown in its header.
    pub meta: String,
    /// One chart per diagnosis, in the same order.
    pub charts: Vec<Svg>,
    /// The overlays of every run's validation metric and loss.
    pub overlays: Vec<Svg>,
}

fn chart_html(svg: Option<&Svg>, none: &str) -> String {
    match svg {
        Some(Ok(Some(svg))) => format!("<div class=\"chart\">{svg}</div>\n"),
        Some(Err(e)) => format!("<p class=\"small\">Chart failed: {}</p>\n", html_escape(e)),
        _ => none.to_string(),
    }
}

impl HtmlReporter {
    fn summary(&self, reports: &[Diagnosis]) -> String {
        let mut t = Table::new(&["run", "format", "length", "best validation", "at", "verdict", "errors", "warnings", "info"]);
        for r in reports {
            let best = r.best.clone();
            t.push(vec![
                r.run.name.clone(),
                r.run.format.to_string(),
                r.length.clone(),
                best.as_ref().map(|(n, v, _)| format!("{} {n}", num(*v))).unwrap_or_else(|| "—".into()),
                best.map(|(_, _, at)| at).unwrap_or_else(|| "—".into()),
                r.verdict(),
                r.count(Severity::Error).to_string(),
                r.count(Severity::Warning).to_string(),
                r.count(Severity::Info).to_string(),
            ]);
        }
        t.to_html("sortable", None)
    }

    fn run_section(&self, i: usize, r: &Diagnosis) -> String {
        let mut out = format!("<section class=\"run\" id=\"run-{i}\">\n<h2>{}</h2>\n", html_escape(&r.run.name));
        let verdict_class = if r.worst().is_none() { "verdict-healthy" } else { "" };
        out.push_str(&format!(
            "<p><b class=\"{verdict_class}\">{}</b><br /><span class=\"small\">{} · {} · {}</span></p>\n",
            html_escape(&r.verdict()),
            html_escape(r.run.format.as_str()),
            html_escape(&r.length.clone()),
            html_escape(&r.run.source)
        ));
        out.push_str(&chart_html(self.charts.get(i), "<p class=\"small\">No curve to draw.</p>\n"));
        if !r.findings.is_empty() {
            out.push_str("<h3>Findings</h3>\n");
            out.push_str(&findings_table(&r.findings, true).to_html("findings", Some(0)));
        }
        out.push_str("<h3>What was read</h3>\n<p class=\"small\">");
        out.push_str(&html_escape(&read_summary(&r.run)));
        out.push_str("</p>\n");
        if !r.run.notes.is_empty() || !r.run.skipped.is_empty() {
            out.push_str("<ul class=\"skipped\">\n");
            for n in &r.run.notes {
                out.push_str(&format!("<li>{}</li>\n", html_escape(n)));
            }
            for k in &r.run.skipped {
                out.push_str(&format!("<li>skipped {}: {}</li>\n", html_escape(&k.location), html_escape(&k.reason)));
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</section>\n");
        out
    }
}

impl Reporter for HtmlReporter {
    fn render(&self, reports: &[Diagnosis]) -> Vec<u8> {
        let mut overlays: String = self.overlays.iter().map(|o| chart_html(Some(o), "")).collect();
        if overlays.is_empty() {
            overlays.push_str("<p class=\"small\">No run logs a validation curve.</p>\n");
        }
        let runs: String = reports.iter().enumerate().map(|(i, r)| self.run_section(i, r)).collect();
        let title = format!("curvecheck: {} run{}", reports.len(), if reports.len() == 1 { "" } else { "s" });
        TEMPLATE
            .replace("{{title}}", &html_escape(&title))
            .replace("{{meta}}", &html_escape(&self.meta))
            .replace("{{summary}}", &self.summary(reports))
            .replace("{{overlays}}", &overlays)
            .replace("{{runs}}", &runs)
            .into_bytes()
    }
}
