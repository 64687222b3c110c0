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
    check_sections(html, runs, runs);
}

/// `runs` rows in the summary, `sections` of them with a full section and its chart.
fn check_sections(html: &str, runs: usize, sections_wanted: usize) {
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(html, opts).expect("the report is well-formed");
    let sections: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("section") && n.attribute("class") == Some("run")).collect();
    assert_eq!(sections.len(), sections_wanted, "full sections");
    for s in &sections {
        let svgs = s.descendants().filter(|n| n.tag_name().name() == "svg").count();
        assert_eq!(svgs, 1, "one chart in {:?}", s.attribute("id"));
    }
    let rows = doc
        .descendants()
        .find(|n| n.has_tag_name("table") && n.attribute("class") == Some("sortable"))
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .count();
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

/// Issue 15: a report over a search gains a sweep section (ranking, verdicts, advice, charts).
#[test]
fn a_report_over_a_search_has_a_sweep_section() {
    let (html, runs) = report(&[fixture("sweeps/mc_mlp_sgd_sweep1")]);
    assert_eq!(runs, 9);
    check(&html, runs);
    let sweep = html.split("<section id=\"sweep\">").nth(1).expect("a sweep section").split("</section>").next().unwrap();
    assert!(sweep.contains("Matters most: <b>lr</b>"), "{sweep}");
    assert!(sweep.contains("narrow the lr range around the best value 0.0316"));
    assert!(sweep.contains("lr ≥ 10: 3 of 3 trials diverged"));
    assert_eq!(sweep.matches("<svg").count(), 3, "a chart per hyperparameter and the curves");
}

/// Issue 15: a report of many runs keeps a full section for the 60 that need a look most;
/// every run is still a row of the summary, with a sparkline of its curve, and the page says so.
#[test]
fn a_report_of_many_runs_gives_full_sections_only_to_those_that_need_a_look() {
    let dir = tempfile::tempdir().unwrap();
    let mut logs: Vec<std::path::PathBuf> = std::fs::read_dir(fixture("real-runs"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("training_log.csv"))
        .filter(|p| p.is_file())
        .collect();
    logs.sort();
    let n = 90;
    for i in 0..n {
        let trial = dir.path().join(format!("trial_{i:03}"));
        std::fs::create_dir(&trial).unwrap();
        std::fs::copy(&logs[i % logs.len()], trial.join("training_log.csv")).unwrap();
        std::fs::write(trial.join("params.json"), format!("{{\"lr\": {}, \"seed\": {i}}}", 10f64.powf(-4.0 + (i % 9) as f64 * 0.5)))
            .unwrap();
    }
    let (html, runs) = report(&[dir.path().to_path_buf()]);
    assert_eq!(runs, n);
    check_sections(&html, n, 60);
    // A run that TerminateOnNaN stopped in its first epoch has no two finite points to draw (3 copies here).
    let sparks = html.matches("<svg class=\"spark\"").count();
    assert!((n - 3..=n).contains(&sparks), "a sparkline per run with a curve: {sparks}");
    assert!(html.contains("The other 30 are rows of the summary"), "the page says what it left out");
    assert!(html.contains("<section id=\"sweep\">"));
}
