//! Issue 13: diagnoses that hold on real third-party logs. `fixtures/wild-runs`
//! is a copy of part of `shared/wild-runs` (labelled by hand, blind to
//! curvecheck; provenance in its SOURCES.md). Each test names the defect it guards.

mod common;

use std::collections::BTreeSet;

use common::{fixture, read};
use curvecheck::ingest::{read_path, ReadOptions};
use curvecheck::model::{Axis, Run, Series, Split};
use curvecheck::rules::{diagnose, Finding, RunView, Settings, Severity};

fn manifest() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("wild-runs/manifest.json")).unwrap()).unwrap()
}

/// The run read from a wild log as logged (a file or a run directory), and its findings.
fn wild(id: &str) -> (Run, Vec<Finding>) {
    let m = manifest();
    let path = m["runs"][id]["path"].as_str().unwrap_or_else(|| panic!("{id} not in fixtures/wild-runs"));
    let mut read = read_path(&fixture(&format!("wild-runs/{path}")), &ReadOptions::default());
    assert!(read.errors.is_empty(), "{id}: {:?}", read.errors);
    assert_eq!(read.runs.len(), 1, "{id}: one run");
    let run = read.runs.remove(0);
    let findings = diagnose(&run, &Settings::default());
    (run, findings)
}

fn flagged(findings: &[Finding]) -> BTreeSet<&'static str> {
    findings.iter().filter(|f| f.severity >= Severity::Warning).map(|f| f.rule).collect()
}

fn finding<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    findings.iter().find(|f| f.rule == rule).unwrap_or_else(|| panic!("no {rule} finding in {findings:#?}"))
}

fn ev(f: &Finding, name: &str) -> f64 {
    f.evidence.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("{}: no evidence {name}", f.rule)).value
}

#[test]
fn every_confident_label_is_found_and_healthy_logs_get_no_warning() {
    let m = manifest();
    let mut wrong = Vec::new();
    for (id, entry) in m["runs"].as_object().unwrap() {
        let labels: BTreeSet<&str> = entry["labels"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        let uncertain: BTreeSet<&str> = entry["uncertain_labels"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        let (_, findings) = wild(id);
        let fired = flagged(&findings);
        if labels.contains("healthy") && !fired.is_empty() {
            wrong.push(format!("{id}: healthy, but {fired:?}"));
        }
        wrong.extend(common::disagreements(id, &labels, &uncertain, &fired));
    }
    assert!(wrong.is_empty(), "{} disagreements with the hand labels:\n{}", wrong.len(), wrong.join("\n"));
}

/// Issue 13.1: YOLO's headline is mAP50-95, not precision; its best epoch is where mAP50-95 peaked.
#[test]
fn ultralytics_best_epoch_reads_map50_95_not_precision() {
    let run = read("real-logs/ultralytics/yolo12n-handraising_results.csv");
    let map = run.series_named("metrics/mAP50-95(B)").unwrap();
    let (i, _) = map.values.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    let best = diagnose(&run, &Settings::default()).into_iter().find(|f| f.rule == "best-epoch").unwrap();
    assert_eq!(best.series, vec!["metrics/mAP50-95(B)".to_string()]);
    assert_eq!(ev(&best, "best_at"), map.x[i]);
    assert!(ev(&best, "best_at") > 1.0);
}

/// Issue 13.2: the run's best, and apart from it what patience 5 would have kept and cost.
#[test]
fn best_epoch_reports_the_runs_best_not_the_patience_stop() {
    let (run, findings) = wild("W38");
    let vl = run.series_named("val_loss").unwrap();
    let (i, _) = vl.values.iter().enumerate().filter(|(_, v)| v.is_finite()).min_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    let f = finding(&findings, "best-epoch");
    assert_eq!(ev(f, "best_at"), vl.epoch.as_ref().map_or(vl.x[i], |e| e[i]));
    assert!(ev(f, "early_stop_best_at") < ev(f, "best_at"), "patience 5 stops before the best");
    assert!(ev(f, "patience_to_keep_best") > 5.0);
    assert!(f.advice.contains(&format!("epoch {}", ev(f, "best_at"))), "{}", f.advice);
}

/// Issue 13.1: `bbox/AP-date` is the AP of the class "date", a validation metric, not a training split.
#[test]
fn a_per_class_ap_key_is_not_a_split() {
    let (run, _) = wild("W09");
    assert_eq!(run.series_named("bbox/AP-date").unwrap().role.split, Split::Validation);
    assert_eq!(RunView::new(&run).val_metric.unwrap().series.name, "bbox/AP");
}

/// Issue 13.1: a history holding two fits is read as the fit its headline metric scores.
#[test]
fn two_fits_in_one_history_are_read_as_the_one_the_headline_scores() {
    let (run, _) = wild("W29");
    let view = RunView::new(&run);
    let names = [view.val_metric, view.val_loss, view.train_loss, view.lr].map(|p| p.unwrap().series.name.clone());
    assert_eq!(names, ["cls_val_accuracy", "cls_val_loss", "cls_loss", "cls_learning_rate"]);
}

/// Issue 13.1: beside Dice, accuracy is pixel accuracy (the background dominates it).
#[test]
fn a_segmentation_run_is_judged_by_dice_not_pixel_accuracy() {
    let (run, findings) = wild("W18");
    assert_eq!(RunView::new(&run).val_metric.unwrap().series.name, "val_dice_coef");
    assert!(flagged(&findings).contains("underfitting"));
}

/// Issue 13.1: the Trainer's best_metric names the metric it selected checkpoints by.
#[test]
fn a_trainer_state_best_metric_names_the_headline() {
    let run = read("real-logs/hf-trainer-state/whisper-large-v2-ja_trainer_state.json");
    assert_eq!(run.headline.as_deref(), Some("eval_wer"));
    let view = RunView::new(&run);
    assert!(view.table.metric_is_headline);
    assert_eq!(view.val_metric.unwrap().series.name, "eval_wer");
}

/// Issue 13.9: Hugging Face evaluations (epoch 7.63 = 7.63 epochs done) sit at their steps; a finding's
/// span starts exactly at the evaluation it is about.
#[test]
fn hugging_face_points_and_spans_share_one_axis() {
    let run = read("real-logs/hf-trainer-state/whisper-large-v2-ja_trainer_state.json");
    let view = RunView::new(&run);
    assert_eq!(view.table.axis, Some(Axis::Step));
    let eval = run.series_named("eval_loss").unwrap();
    let (i, _) = eval.values.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    let f = diagnose(&run, &Settings::default()).into_iter().find(|f| f.rule == "overfitting").unwrap();
    assert_eq!((f.span.axis, f.span.start), (Axis::Step, eval.x[i]));
    assert!(view.table.x.contains(&f.span.start));
}

/// Issue 13.9: an epoch counter that resets (streaming datasets) gives no epoch length and no epoch axis.
#[test]
fn a_resetting_epoch_counter_gives_no_epoch_axis() {
    let mut loss = Series::new("val_loss", Axis::Step);
    loss.x = std::sync::Arc::new((0..12).map(|i| f64::from(i) * 100.0).collect());
    loss.epoch = Some(std::sync::Arc::new((0..12).map(|i| f64::from(i % 4)).collect()));
    loss.values = (0..12).map(|i| 1.0 / (1.0 + f64::from(i))).collect();
    let mut train = loss.clone();
    train.name = "train_loss".into();
    train.role = curvecheck::model::Role::infer("train_loss");
    let mut run = Run::new("streamed", "streamed", curvecheck::model::LogFormat::Jsonl);
    run.series = vec![train, loss];
    let view = RunView::new(&run);
    assert_eq!(view.table.axis, Some(Axis::Step));
    assert_eq!(view.steps_per_epoch(), None);
}

/// Issue 13.3: the validation curve still climbing steeply at the end, whatever the loss components do.
#[test]
fn still_improving_reads_the_validation_curve_not_every_loss_component() {
    for id in ["W32", "W16", "W46"] {
        let (_, findings) = wild(id);
        assert!(flagged(&findings).contains("still-improving"), "{id}: {findings:#?}");
    }
    for id in ["W37", "W02", "W38"] {
        assert!(!flagged(&wild(id).1).contains("still-improving"), "{id}: a converged curve");
    }
}

/// Issue 13.3: without validation, a training loss falling fastest at the end.
#[test]
fn still_improving_without_validation_needs_a_loss_that_is_not_levelling_off() {
    assert!(flagged(&wild("W09").1).contains("still-improving"));
    assert!(!flagged(&wild("W07").1).contains("still-improving"), "a decline flattening out");
}

/// Issue 13.4: a validation loss 27% above its minimum while training memorises, with a small accuracy gap.
#[test]
fn overfitting_by_a_rising_validation_loss_with_a_small_gap() {
    let (_, findings) = wild("W25");
    let f = finding(&findings, "overfitting");
    assert!(ev(f, "final_accuracy_gap") < 0.1);
    assert_eq!(f.span.start, 2.0);
    assert!(!flagged(&wild("W43").1).contains("overfitting"), "a 1% rise is noise");
}

/// Issue 13.6: a validation loss that explodes while training falls is overfitting, not divergence.
#[test]
fn a_validation_loss_blowing_up_while_training_falls_is_overfitting() {
    for id in ["W03", "W42"] {
        let fired = flagged(&wild(id).1);
        assert!(fired.contains("overfitting") && !fired.contains("divergence"), "{id}: {fired:?}");
    }
}

/// Issue 13.6: one inf epoch in a run that recovers is an info; a run that learned and then collapsed is an error.
#[test]
fn a_few_non_finite_points_that_recover_are_not_a_divergence() {
    let (_, findings) = wild("W34");
    let f = finding(&findings, "divergence");
    assert_eq!(f.severity, Severity::Info);
    for id in ["W19", "W41", "W20"] {
        assert_eq!(finding(&wild(id).1, "divergence").severity, Severity::Error, "{id}");
    }
    assert!(!flagged(&wild("W13").1).contains("divergence"), "a large first loss that then falls");
}

/// Issue 13.6: minibatch outliers of a healthy run are not an unstable loss.
#[test]
fn minibatch_outliers_of_a_healthy_run_are_not_an_unstable_loss() {
    let (run, findings) = wild("W38");
    assert!(RunView::new(&run).train_loss_fine.is_some_and(|p| !p.epoch_level), "W38 logs a per-step loss");
    assert!(!findings.iter().any(|f| f.rule == "unstable-loss"));
}

/// Issue 13.7: a step decay at the end of a warm-up on Detectron2's iteration axis, then a stall.
#[test]
fn premature_decay_on_an_iteration_axis() {
    let (_, findings) = wild("W35");
    let f = finding(&findings, "premature-decay");
    // Detectron2 logs every 20 iterations: 999 is the last point at 1e-3, 1019 the first at 5e-5.
    assert_eq!((f.span.axis, ev(f, "decay_at")), (Axis::Step, 1019.0));
    assert!((ev(f, "lr_before") - 1e-3).abs() < 1e-5, "the end of the warm-up");
    assert!(!flagged(&wild("W01").1).contains("premature-decay"), "ReduceLROnPlateau cuts after a stall");
}

/// Issue 13.8: a stall at a constant rate that ended only when the rate was finally cut; none while warming up.
#[test]
fn plateau_reads_constant_rate_stretches() {
    let (_, findings) = wild("W10");
    let f = finding(&findings, "plateau");
    assert!(ev(f, "window_end") < 200.0, "the stall ended where the rate changed");
    assert!(!flagged(&wild("W07").1).contains("plateau"), "the rate is still warming up");
    assert!(!flagged(&wild("W44").1).contains("plateau"), "the rate is already decaying");
}

/// Issue 13.5: a loss that never moved, a poor metric with no gap; not a fine-tune whose loss halved.
#[test]
fn underfitting_reads_never_learned_and_converged_poor() {
    for id in ["W29", "W36", "W40", "W24"] {
        assert!(flagged(&wild(id).1).contains("underfitting"), "{id}");
    }
    for id in ["W44", "W14", "W06"].into_iter().filter(|id| manifest()["runs"].get(*id).is_some()) {
        assert!(!flagged(&wild(id).1).contains("underfitting"), "{id}: an LLM fine-tune");
    }
}

/// Issue 13.10: no class count is claimed for a first loss that lies near ln k for many k.
#[test]
fn initial_loss_claims_a_class_count_only_when_clear() {
    for id in ["W36", "W16", "W13"] {
        assert!(!wild(id).1.iter().any(|f| f.rule == "initial-loss"), "{id}");
    }
}

/// Issue 13.11: identical files in sibling run folders are two runs; one run in two formats in one folder is one.
#[test]
fn identical_files_in_sibling_run_folders_are_two_runs() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read(fixture("real-runs/dev_healthy_mcb_sgdm_step/training_log.csv")).unwrap();
    for name in ["seed_0", "seed_1"] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join("training_log.csv"), &log).unwrap();
    }
    let read = read_path(dir.path(), &ReadOptions::default());
    assert_eq!(read.runs.len(), 2);
    assert!(read.runs.iter().all(|r| r.merged == 0));
    let one = read_path(&fixture("real-runs/dev_healthy_mcb_sgdm_step"), &ReadOptions::default());
    assert_eq!(one.runs.len(), 1);
    assert_eq!(one.runs[0].merged, 3, "CSV, JSON lines, Lightning CSV and tfevents of one run");
}

/// Issue 13.6: spikes that matter. W03's memorised train loss (~1e-7) jumps to 2.2, 1.6 and 23 at steps
/// 42000, 66900 and 91600 and comes back each time: three material spikes. Its jumps to ~1e-4 (huge on
/// a log scale, invisible on the curve) are not counted.
#[test]
fn repeated_material_spikes_are_an_unstable_loss_and_tiny_jumps_are_not() {
    let (_, findings) = wild("W03");
    let f = finding(&findings, "unstable-loss");
    assert_eq!(ev(f, "spikes"), 3.0);
    assert_eq!(ev(f, "not_recovered"), 0.0);
    assert_eq!((f.span.start, f.span.end, ev(f, "worst_spike_at")), (42000.0, 91600.0, 91600.0));
}

/// A flat start then a drop caused by a planned backbone unfreeze (the label says healthy): no init warning.
#[test]
fn a_planned_unfreeze_is_not_flagged_as_a_bad_init() {
    assert!(!flagged(&wild("W45").1).contains("flat-start"));
}

/// Issue 13 (every log read): a printed training loop (`Epoch 1/200 | Loss: 0.6924`) is a console log;
/// its closing summary lines are counted as skipped.
#[test]
fn a_printed_training_loop_is_read_as_a_console_log() {
    let (run, findings) = wild("W39");
    assert_eq!(run.format, "console-log");
    assert_eq!(run.series_named("Loss").map(|s| s.len()), Some(200));
    assert_eq!(run.skipped_count, 5);
    assert!(flagged(&findings).contains("underfitting"));
}

/// Issue 15: a trial at lr 0.35 learned in its first steps and fell back to chance (its loss ended
/// 1.37x where it started, accuracy 0.64 → 0.25): that is a divergence, not "never learned"; a
/// GAN's generator loss rising as its discriminator wins is not (W08).
#[test]
fn a_loss_that_got_worse_than_its_start_is_a_divergence_but_a_generator_loss_is_not() {
    let mut read = read_path(&fixture("sweeps/mc_mlp_sgd_sweep2/version_3"), &ReadOptions::default());
    let run = read.runs.remove(0);
    let findings = diagnose(&run, &Settings::default());
    let f = finding(&findings, "divergence");
    assert_eq!(f.severity, Severity::Error);
    assert!(ev(f, "end_over_start") > 1.3, "{f:?}");
    assert!(!flagged(&findings).contains("underfitting"), "superseded: {findings:#?}");
    // A slow trial (lr 1e-4) whose loss creeps down is not worse than its start.
    let mut slow = read_path(&fixture("sweeps/mc_mlp_sgd_sweep1/lr=1e-4_wd=1e-2"), &ReadOptions::default());
    assert!(!flagged(&diagnose(&slow.runs.remove(0), &Settings::default())).contains("divergence"));
    assert!(!flagged(&wild("W08").1).contains("divergence"), "a GAN's generator loss");
}
