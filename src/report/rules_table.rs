//! The rules as text: the Markdown table the README carries and `rules
//! --markdown` prints, and `explain`'s page for one rule. Both come from the
//! registry and each rule file's `//!` documentation, never from a second copy.

use crate::rules::{Rule, REGISTRY};

/// The `//!` documentation of a rule's file, as Markdown-ish text.
pub fn docs(rule: &dyn Rule) -> String {
    rule.source()
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").strip_prefix(' ').unwrap_or(l.trim_start_matches("//!")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rules as a Markdown table: the README's table is this text, checked by a test.
pub fn markdown_table() -> String {
    let mut t = super::table::Table::new(&["id", "severity", "what it detects", "what it reads"]);
    for r in REGISTRY {
        t.push(vec![format!("`{}`", r.id()), r.severity().as_str().to_string(), r.summary().to_string(), r.reads().to_string()]);
    }
    t.to_markdown()
}

/// What `curvecheck explain RULE` prints: the rule's documentation, what it reads, and its options.
pub fn explain(r: &dyn Rule) -> String {
    let docs = docs(r);
    let (title, body) = docs.split_once('\n').unwrap_or((docs.as_str(), ""));
    let live =
        if r.live() { "speaks live, while the run goes on" } else { "speaks only once the run has ended (it judges the run as a whole)" };
    let mut out = format!("{title}\n\nReads: {}.\nIn `curvecheck watch`: {live}.\n{body}\n", r.reads());
    if r.params().is_empty() {
        out.push_str("(none)\n");
    }
    for p in r.params() {
        out.push_str(&format!("- `{}.{}` (default {}): {}\n", r.id(), p.name, p.default, p.doc));
    }
    out
}
