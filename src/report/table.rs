//! A plain table that Markdown (and later HTML) render, so the formats share one layout.

/// Rows of cells under a header; cells are plain text, escaped by each renderer.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column titles, one per column.
    pub headers: Vec<String>,
    /// Rows in the order pushed, each meant to hold one cell per header (nothing checks).
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles and no rows.
    pub fn new(headers: &[&str]) -> Self {
        Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// Appends a row, one cell per header.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// GitHub-flavoured Markdown; `|`, backslashes, HTML brackets and newlines in cells are escaped.
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| {
            let s: String = s.chars().map(|c| if c.is_control() && c != '\n' && c != '\r' { '\u{fffd}' } else { c }).collect();
            s.replace('\\', "\\\\").replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;").replace(['\n', '\r'], " ")
        };
        let mut out = format!("| {} |\n", self.headers.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | "));
        out.push_str(&format!("|{}\n", "---|".repeat(self.headers.len())));
        for row in &self.rows {
            out.push_str(&format!("| {} |\n", row.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")));
        }
        out
    }
}

/// The findings of one run as a table, the same in every format; `evidence` adds the numbers column.
pub fn findings_table(findings: &[crate::rules::Finding], evidence: bool) -> Table {
    use crate::rules::finding::{num, pos};
    let mut headers = vec!["severity", "rule", "span", "confidence", "finding"];
    if evidence {
        headers.push("evidence");
    }
    headers.push("advice");
    let mut t = Table::new(&headers);
    for f in findings {
        let mut row = vec![
            f.severity.as_str().to_string(),
            f.rule.to_string(),
            format!("{} {}–{}", f.span.axis.as_str(), pos(f.span.start), pos(f.span.end)),
            format!("{:.2}", f.confidence),
            f.message.clone(),
        ];
        if evidence {
            row.push(f.evidence.iter().map(|e| format!("{}={}", e.name, num(e.value))).collect::<Vec<_>>().join(", "));
        }
        row.push(f.advice.clone());
        t.push(row);
    }
    t
}

/// Escapes text for HTML: the five characters that could open markup or break an attribute.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML (the report is XHTML): show a replacement.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

impl Table {
    /// An HTML table, every cell escaped; `class` goes on the table, `cell_class` names a
    /// CSS class per cell (e.g. the severity) by column index.
    pub fn to_html(&self, class: &str, cell_class: Option<usize>) -> String {
        let mut out = format!("<table class=\"{}\">\n<thead><tr>", html_escape(class));
        for h in &self.headers {
            out.push_str(&format!("<th>{}</th>", html_escape(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                match cell_class {
                    Some(k) if k == i => out.push_str(&format!("<td class=\"{}\">{}</td>", html_escape(c), html_escape(c))),
                    _ => out.push_str(&format!("<td>{}</td>", html_escape(c))),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_and_tags_in_cells_cannot_break_the_table() {
        let mut t = Table::new(&["run"]);
        t.push(vec!["a|b <script>".into()]);
        assert!(t.to_markdown().contains("a\\|b &lt;script&gt;"));
        assert!(t.to_html("t", None).contains("<td>a|b &lt;script&gt;</td>"));
    }
}
