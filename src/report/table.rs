//! A plain table that Markdown (and later HTML) render, so the formats share one layout.

/// Rows of cells under a header; cells are plain text, escaped by each renderer.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// GitHub-flavoured Markdown; `|`, backslashes, HTML brackets and newlines in cells are escaped.
    pub fn to_markdown(&self) -> String {
        let esc =
            |s: &str| s.replace('\\', "\\\\").replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;").replace(['\n', '\r'], " ");
        let mut out = format!("| {} |\n", self.headers.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | "));
        out.push_str(&format!("|{}\n", "---|".repeat(self.headers.len())));
        for row in &self.rows {
            out.push_str(&format!("| {} |\n", row.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")));
        }
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
    }
}
