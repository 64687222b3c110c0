//! The HTML report: self-contained, well-formed (XHTML syntax, so an XML
//! parser reads it), one section and one chart per run, user text escaped.

mod common;

use assert_cmd::Command;
use common::fixture;

fn report(inputs: &[std::path::PathBuf]) -> (String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let json = Command::cargo_bin("curvecheck").unwrap().args(["diagnose", "--format", "json"]).args(inputs).output().unwrap();
    let runs = serde_json::from_slice::<serde_json::Value>(&json.stdout).unwrap()["runs"].as_array().unwrap().len();
    // A folder may hold a broken log (real-logs has a truncated one): exit 2, and the report is still written.
    Command::cargo_bin("curvecheck").unwrap().arg("report").args(inputs).arg("-o").arg(&out).output().unwrap();
    (std::fs::read_to_string(&out).unwrap(), runs)
}

fn check(html: &str, runs: usize) {
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(html, opts).expect("the report is well-formed");
    let sections: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("section") && n.attribute("class") == Some("run")).collect();
    assert_eq!(sections.len(), runs, "one section per run");
    for s in &sections {
        let svgs = s.descendants().filter(|n| n.tag_name().name() == "svg").count();
        assert_eq!(svgs, 1, "one chart in {:?}", s.attribute("id"));
    }
    let rows = doc.descendants().find(|n| n.has_tag_name("table")).unwrap().descendants().filter(|n| n.has_tag_name("tr")).count();
    assert_eq!(rows, runs + 1, "summary: a row per run under the header");
    for attr in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(attr), "external resource: {attr}");
    }
}

#[test]
fn report_over_every_labelled_run_is_well_formed_and_small() {
    let (html, runs) = report(&[fixture("real-runs")]);
    assert!(runs >= 43);
    check(&html, runs);
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    assert!(html.contains("overfitting") && html.contains("validation metric, every run"));
}

#[test]
fn report_over_the_real_logs_folder_is_well_formed() {
    let (html, runs) = report(&[fixture("real-logs")]);
    assert!(runs >= 25, "{runs}");
    check(&html, runs);
}

#[test]
fn run_names_from_the_logs_are_shown_as_text_not_markup() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("export.csv");
    std::fs::write(&csv, "\"Step\",\"<script>alert(1)</script> - acc\"\n0,0.1\n1,0.2\n2,0.3\n3,0.35\n").unwrap();
    let (html, runs) = report(&[csv]);
    assert_eq!(runs, 1);
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    check(&html, 1);
}
