//! Charts: written, decodable, deterministic, annotated, and cheap for long runs.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::fixture;
use curvecheck::diagnosis::Diagnosis;
use curvecheck::ingest::{read_file, ReadOptions};
use curvecheck::render::{chart_path, downsample::m4, render};
use curvecheck::rules::Settings;

fn report(rel: &str) -> Diagnosis {
    let run = read_file(&fixture(rel), &ReadOptions::default()).unwrap();
    Diagnosis::new(run, &Settings::default())
}

fn png_size(path: &Path) -> (u32, u32) {
    let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (img.width(), img.height())
}

#[test]
fn png_chart_decodes_with_one_panel_per_kind_of_curve() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.png");
    render(&report("real-runs/dev_premature_mca_sgdm/metrics.jsonl"), &out, None).unwrap();
    // Title + loss + metric + learning rate panels.
    assert_eq!(png_size(&out), (1200, 60 + 360 + 2 * 220));
    let out = dir.path().join("b.png");
    render(&report("real-runs/dev_healthy_mca_bn_dropout/metrics.jsonl"), &out, None).unwrap();
    assert_eq!(png_size(&out).1, 60 + 360 + 3 * 220, "update ratio adds a panel");
}

#[test]
fn svg_chart_is_well_formed_and_shows_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.svg");
    render(&report("real-runs/dev_overfit_bc_noisy_adam/training_log.csv"), &out, Some(2)).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let texts: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(str::trim).collect();
    assert!(texts.contains(&"overfitting"), "the span is labelled with its rule id");
    assert!(texts.iter().any(|t| t.contains("1 warning: overfitting")), "the title carries the verdict");
    assert!(texts.iter().any(|t| t.starts_with("ln(2)")), "ln(C) reference is in the legend");
}

#[test]
fn the_same_input_gives_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let r = report("real-runs/dev_badinit_circles_relu4_std0.05/metrics.jsonl");
    for ext in ["png", "svg"] {
        let (a, b) = (dir.path().join(format!("a.{ext}")), dir.path().join(format!("b.{ext}")));
        render(&r, &a, None).unwrap();
        render(&r, &b, None).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "{ext}");
    }
}

#[test]
fn non_finite_losses_still_produce_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nan.png");
    render(&report("real-runs/dev_diverged_mcb_sgd_lr5/metrics.jsonl"), &out, None).unwrap();
    assert!(png_size(&out).0 == 1200);
}

#[test]
fn downsampling_a_million_points_keeps_every_spike() {
    let n = 1_000_000;
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut y: Vec<f64> = (0..n as u64).map(|i| 1.0 + ((i * 7919) % 1000) as f64 * 1e-4).collect();
    for s in [17, 333_333, 999_998] {
        y[s] = 50.0;
    }
    let kept = m4(&x, &y, 980);
    assert!(kept.len() <= 4 * 980);
    for s in [17, 333_333, 999_998] {
        assert!(kept.contains(&(s as f64, 50.0)), "spike at {s} lost");
    }
}

#[test]
fn run_names_become_safe_file_names() {
    assert_eq!(chart_path(Path::new("out/{run}.png"), "../../etc/x"), Path::new("out/_.._etc_x.png"));
    assert_eq!(chart_path(Path::new("c.svg"), "a b"), Path::new("c.svg"));
}

#[test]
fn diagnose_plot_writes_one_file_per_run_and_needs_a_placeholder_for_several() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("{run}.png");
    Command::cargo_bin("curvecheck")
        .unwrap()
        .args(["diagnose", "--format", "json", "--plot"])
        .arg(&pattern)
        .arg(fixture("real-logs/keras-csvlogger/voice-id-speaker250_training.log"))
        .arg(fixture("real-runs/dev_plateau_mce_aug_sgd_lr1/training_log.csv"))
        .assert()
        .success();
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, vec!["dev_plateau_mce_aug_sgd_lr1.png", "voice-id-speaker250_training.png"]);
    Command::cargo_bin("curvecheck")
        .unwrap()
        .args(["plot", "-o"])
        .arg(dir.path().join("one.png"))
        .arg(fixture("real-logs/keras-csvlogger/voice-id-speaker250_training.log"))
        .arg(fixture("real-runs/dev_plateau_mce_aug_sgd_lr1/training_log.csv"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("put {run} in the name"));
    Command::cargo_bin("curvecheck")
        .unwrap()
        .args(["plot", "-o", "x.jpg"])
        .arg(fixture("bad/one_bad_cell.csv"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(".png or .svg"));
}

#[test]
fn every_labelled_real_run_gets_a_png_and_an_svg() {
    let dir = tempfile::tempdir().unwrap();
    let runs = std::fs::read_dir(fixture("real-runs")).unwrap().filter_map(|e| e.ok()).filter(|e| e.path().is_dir());
    let mut n = 0;
    for entry in runs {
        let id = entry.file_name().to_string_lossy().into_owned();
        let r = report(&format!("real-runs/{id}/metrics.jsonl"));
        for ext in ["png", "svg"] {
            let out = dir.path().join(format!("{id}.{ext}"));
            render(&r, &out, None).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert!(std::fs::metadata(&out).unwrap().len() > 1000, "{id}.{ext} is empty");
        }
        assert_eq!(png_size(&dir.path().join(format!("{id}.png"))).0, 1200);
        n += 1;
    }
    assert_eq!(n, 43);
}

/// A chart draws what the rules read: the view a report keeps is the one the rules built.
#[test]
fn a_report_keeps_the_rules_view_for_its_chart() {
    for rel in [
        "real-runs/dev_premature_mca_sgdm/metrics.jsonl",
        "real-runs/dev_badinit_circles_relu4_std0.05/metrics.jsonl",
        "real-runs/dev_diverged_mcb_sgd_lr5/training_log.csv",
    ] {
        let r = report(rel);
        let (fresh, kept) = (curvecheck::rules::RunView::new(&r.run), r.view());
        let names = |v: &curvecheck::rules::RunView| {
            [v.train_loss_fine, v.train_loss, v.val_loss, v.train_metric, v.val_metric, v.lr, v.lr_epoch, v.update_ratio]
                .map(|p| p.map(|p| (p.series.name.clone(), p.epoch_level)))
        };
        assert_eq!(names(&kept), names(&fresh), "{rel}");
        assert!(names(&kept).iter().filter(|p| p.is_some()).count() >= 2, "{rel}: picks something");
        assert_eq!(kept.table.x, fresh.table.x, "{rel}");
        assert_eq!(format!("{:?}", kept.table.val_loss), format!("{:?}", fresh.table.val_loss), "{rel}");
    }
}

/// Issue 14: the README's charts are what the renderer draws today. They are
/// made by this test (`UPDATE_EXPECTED=1 cargo test --test charts readme`),
/// looked at, and committed; a renderer or rule change that alters them fails here.
#[test]
fn readme_charts_are_what_the_renderer_draws_today() {
    const README_CHARTS: &[(&str, &str)] = &[
        ("dev_premature_mca_sgdm.png", "real-runs/dev_premature_mca_sgdm/training_log.csv"),
        ("dev_overfit_bc_noisy_adam.png", "real-runs/dev_overfit_bc_noisy_adam/training_log.csv"),
        ("dev_badinit_mce_relu5_std0.04.png", "real-runs/dev_badinit_mce_relu5_std0.04/metrics.jsonl"),
    ];
    let readme = std::fs::read_to_string(common::fixture("../README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (png, source) in README_CHARTS {
        assert!(readme.contains(&format!("fixtures/charts/{png}")), "README does not show {png}");
        let drawn = dir.path().join(png);
        curvecheck::render::render(&report(source), &drawn, None).unwrap();
        let committed = common::fixture(&format!("charts/{png}"));
        if std::env::var_os("UPDATE_EXPECTED").is_some() {
            std::fs::copy(&drawn, &committed).unwrap();
        }
        assert!(
            std::fs::read(&drawn).unwrap() == std::fs::read(&committed).unwrap(),
            "fixtures/charts/{png} is stale: regenerate and look at it"
        );
    }
}

/// Issue 15: the README's sweep charts are what `curvecheck sweep --plot` draws today.
#[test]
fn readme_sweep_charts_are_what_the_renderer_draws_today() {
    let readme = std::fs::read_to_string(common::fixture("../README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("curvecheck")
        .unwrap()
        .args(["sweep", "--plot"])
        .arg(dir.path())
        .arg(common::fixture("sweeps/mc_mlp_sgd_sweep3"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for png in ["sweep-lr.png", "sweep-curves.png"] {
        assert!(readme.contains(&format!("fixtures/charts/sweep/{png}")), "README does not show {png}");
        let drawn = dir.path().join(png);
        let committed = common::fixture(&format!("charts/sweep/{png}"));
        if std::env::var_os("UPDATE_EXPECTED").is_some() {
            std::fs::copy(&drawn, &committed).unwrap();
        }
        assert!(
            std::fs::read(&drawn).unwrap() == std::fs::read(&committed).unwrap(),
            "fixtures/charts/sweep/{png} is stale: regenerate and look at it"
        );
        assert_eq!(png_size(&drawn), (900, 480), "{png}");
    }
}
