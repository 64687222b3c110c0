//! One self-contained HTML page for many runs: a sortable summary, every
//! run's validation curve overlaid, and per run its annotated chart (inline
//! SVG), findings and what was skipped while reading. No network: no external
//! CSS, script or font. The page comes from `template.html`, compiled in; all
//! text from the logs is escaped. The page is also well-formed XML (XHTML
//! syntax), so tests can parse it with an XML parser. The charts are drawn by
//! the caller (`render`) and handed in as SVG text: reports and charts depend
//! on the diagnosis, not on each other.
//!
//! A page of thousands of runs stays small and quick to open: every run is a
//! row of the summary with a sparkline of its curve, and only the runs that
//! need a look most (errors and warnings first, then the best trials of a
//! search) get a full section with their chart ([`featured`]).

use super::table::{findings_table, html_escape, Table};
use super::{read_summary, Diagnosis, Reporter};
use crate::rules::finding::num;
use crate::rules::Severity;
use crate::sweep::Sweep;

/// Runs with a full section (chart, findings), at most; the rest are summary rows.
pub const MAX_SECTIONS: usize = 60;
/// Of them, places kept for a search's best trials.
pub const TOP_TRIALS: usize = 10;
/// Trials listed in the sweep section's ranking.
const SWEEP_ROWS: usize = 20;

const TEMPLATE: &str = include_str!("template.html");

/// A chart for the page, as SVG text: drawn, nothing to draw, or why drawing failed.
pub type Svg = Result<Option<String>, String>;

/// The HTML page of many diagnoses.
pub struct HtmlReporter {
    /// What produced the page: version, inputs and settings, shown in its header.
    pub meta: String,
    /// One chart per diagnosis, in the same order.
    pub charts: Vec<Svg>,
    /// The overlays of the featured runs' validation metric and loss.
    pub overlays: Vec<Svg>,
    /// Which runs get a full section ([`featured`]); the others are rows of the summary.
    pub featured: Vec<bool>,
    /// The search the runs make, when they carry hyperparameters that vary, and its charts.
    pub sweep: Option<(Sweep, Vec<Svg>)>,
}

/// Which runs get a full section: every run of a page of up to [`MAX_SECTIONS`]; beyond
/// that the [`TOP_TRIALS`] best of `best_first` (a search's ranking), the runs with
/// problems, worst first (`reports` come worst first), and, while room is left, the others.
pub fn featured(reports: &[Diagnosis], best_first: &[usize]) -> Vec<bool> {
    if reports.len() <= MAX_SECTIONS {
        return vec![true; reports.len()];
    }
    let mut out = vec![false; reports.len()];
    for &i in best_first.iter().take(TOP_TRIALS) {
        if let Some(f) = out.get_mut(i) {
            *f = true;
        }
    }
    // Then the runs with problems, worst first; any room left goes to the next runs in order.
    let mut room = MAX_SECTIONS - out.iter().filter(|f| **f).count();
    let problems = (0..reports.len()).filter(|&i| reports[i].worst().is_some());
    let rest = (0..reports.len()).filter(|&i| reports[i].worst().is_none());
    for i in problems.chain(rest) {
        if room == 0 {
            break;
        }
        if !out[i] {
            out[i] = true;
            room -= 1;
        }
    }
    out
}

/// The curve a summary row shows: the validation metric, else the validation loss, else the training loss.
fn spark(r: &Diagnosis) -> String {
    let view = r.view();
    let t = &view.table;
    // The first of them with two finite points (a diverged run's validation curve may have none).
    let table = [t.val_metric.as_ref(), t.val_loss.as_ref(), t.train_loss.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|y| super::sparkline::svg(&t.x, y));
    table.or_else(|| view.fine_loss().and_then(|s| super::sparkline::svg(&s.x, &s.values))).unwrap_or_else(|| "—".into())
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
        let headers = ["run", "curve", "format", "length", "best validation", "at", "verdict", "errors", "warnings", "info"];
        let mut out = String::from("<table class=\"sortable\">\n<thead><tr>");
        for h in headers {
            out.push_str(&format!("<th>{h}</th>"));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, r) in reports.iter().enumerate() {
            let best = r.best.clone();
            let name = html_escape(&r.run.name);
            let name = if self.featured.get(i).copied().unwrap_or(true) { format!("<a href=\"#run-{i}\">{name}</a>") } else { name };
            let cells = [
                best.as_ref().map(|(n, v, _)| format!("{} {n}", num(*v))).unwrap_or_else(|| "—".into()),
                best.map(|(_, _, at)| at).unwrap_or_else(|| "—".into()),
                r.verdict(),
            ];
            out.push_str(&format!(
                "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                spark(r),
                html_escape(r.run.format.as_str()),
                html_escape(&r.length),
                html_escape(&cells[0]),
                html_escape(&cells[1]),
                html_escape(&cells[2]),
                r.count(Severity::Error),
                r.count(Severity::Warning),
                r.count(Severity::Info),
            ));
        }
        out.push_str("</tbody></table>\n");
        out
    }

    /// The search: ranking, what mattered, edges, failed regions, advice, charts.
    fn sweep_section(&self) -> String {
        let Some((s, charts)) = &self.sweep else { return String::new() };
        let mut out = String::from("<section id=\"sweep\">\n<h2>The search</h2>\n");
        let names: Vec<&str> = s.space.searched.iter().map(|d| d.name.as_str()).collect();
        let metric = s.metric.clone().unwrap_or_else(|| "validation value".into());
        out.push_str(&format!(
            "<p>{} trials, {} search over {}, ranked by the best {} each reached.</p>\n",
            s.trials.len(),
            s.space.design.kind,
            html_escape(&names.join(" × ")),
            html_escape(&metric)
        ));
        let mut headers = vec!["rank", "trial", "best", "at", "outcome"];
        headers.extend(names.iter().copied());
        let mut t = Table::new(&headers);
        for (rank, &i) in s.ranking.iter().enumerate().take(SWEEP_ROWS) {
            let tr = &s.trials[i];
            let mut row = vec![
                (rank + 1).to_string(),
                tr.name.clone(),
                tr.best.map(num).unwrap_or_else(|| "—".into()),
                match (tr.best_at, tr.axis) {
                    (Some(x), Some(a)) => format!("{a} {}", crate::model::hparams::short(x)),
                    _ => "—".into(),
                },
                tr.outcome.as_str().to_string(),
            ];
            row.extend(names.iter().map(|n| s.trial_hparams[i].get(*n).map(|v| v.to_string()).unwrap_or_else(|| "—".into())));
            t.push(row);
        }
        out.push_str(&t.to_html("sweep-ranking", None));
        if s.trials.len() > SWEEP_ROWS {
            out.push_str(&format!(
                "<p class=\"small\">The best {SWEEP_ROWS} of {} trials; the summary below lists every run.</p>\n",
                s.trials.len()
            ));
        }
        let mut h = Table::new(&["hyperparameter", "scale", "verdict", "edge", "next range", "advice"]);
        for hp in &s.hparams {
            h.push(vec![
                hp.name.clone(),
                format!("{:?}", hp.scale).to_lowercase(),
                super::sweep::verdict_line(hp),
                if hp.matters { hp.edge.as_str().to_string() } else { "—".into() },
                hp.next_range
                    .map(|(a, b)| format!("{}–{}", crate::model::hparams::short(a), crate::model::hparams::short(b)))
                    .unwrap_or_else(|| "—".into()),
                hp.advice.clone(),
            ]);
        }
        out.push_str(&h.to_html("sweep-hparams", None));
        out.push_str(&format!("<p>Matters most: <b>{}</b>.</p>\n", html_escape(s.matters_most.as_deref().unwrap_or("unclear"))));
        let mut list = |title: &str, items: Vec<String>| {
            if !items.is_empty() {
                out.push_str(&format!("<h3>{title}</h3>\n<ul>\n"));
                for i in items {
                    out.push_str(&format!("<li>{}</li>\n", html_escape(&i)));
                }
                out.push_str("</ul>\n");
            }
        };
        list("Failed regions", s.regions.iter().map(|r| format!("{}: {}", r.describe(), r.why())).collect());
        list("Next", s.advice.clone());
        list("Notes", s.notes.clone());
        for c in charts {
            out.push_str(&chart_html(Some(c), ""));
        }
        out.push_str("</section>\n");
        out
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
        let shown = |i: usize| self.featured.get(i).copied().unwrap_or(true);
        let mut runs: String = reports.iter().enumerate().filter(|(i, _)| shown(*i)).map(|(i, r)| self.run_section(i, r)).collect();
        let hidden = (0..reports.len()).filter(|&i| !shown(i)).count();
        if hidden > 0 {
            let featured = reports.len() - hidden;
            let note = format!(
                "<p class=\"small\">{featured} runs have a full section below: those that need a look most (errors, then warnings) and the best trials of the search. The other {hidden} are rows of the summary, with a sparkline of their curve; <code>curvecheck diagnose PATH --plot chart.png</code> draws any of them.</p>\n"
            );
            runs.insert_str(0, &note);
            overlays.insert_str(0, &format!("<p class=\"small\">The {featured} runs with a full section.</p>\n"));
        }
        let title = format!("curvecheck: {} run{}", reports.len(), if reports.len() == 1 { "" } else { "s" });
        TEMPLATE
            .replace("{{title}}", &html_escape(&title))
            .replace("{{meta}}", &html_escape(&self.meta))
            .replace("{{sweep}}", &self.sweep_section())
            .replace("{{summary}}", &self.summary(reports))
            .replace("{{overlays}}", &overlays)
            .replace("{{runs}}", &runs)
            .into_bytes()
    }
}
