//! A positive and a negative fixture for every rule, real runs wherever the
//! shared sets have one (fixtures/real-runs, fixtures/real-logs), constructed
//! logs (fixtures/rules, made by make_fixtures.py) where they do not.

mod common;

use common::{findings, flagged, read};
use curvecheck::model::{Axis, Run, Series};
use curvecheck::rules::{diagnose, Finding, Settings};

const RUNS: &str = "real-runs";

fn run_csv(id: &str) -> String {
    format!("{RUNS}/{id}/training_log.csv")
}

fn evidence(f: &Finding, name: &str) -> f64 {
    f.evidence.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("{}: no evidence {name}", f.rule)).value
}

fn only(rel: &str, rule: &str) -> Finding {
    findings(rel).into_iter().find(|f| f.rule == rule).unwrap_or_else(|| panic!("{rel}: no {rule} finding"))
}

#[test]
fn divergence_fires_on_nan_loss_from_the_first_nan_epoch() {
    let f = only(&run_csv("dev_diverged_mcb_sgd_lr5"), "divergence");
    assert_eq!(f.span.start, 2.0);
    assert_eq!(f.confidence, 1.0);
}

#[test]
fn divergence_fires_on_an_explosion_that_stays_finite() {
    let f = only(&format!("{RUNS}/dev_diverged_circles_sgdm_lr10/metrics.jsonl"), "divergence");
    assert!(evidence(&f, "peak_over_start") >= 10.0);
}

#[test]
fn divergence_stays_silent_on_a_healthy_run() {
    assert!(!flagged(&run_csv("dev_healthy_bc_adamw_cos")).contains(&"divergence"));
}

#[test]
fn flat_start_fires_on_a_bad_init_and_spans_the_flat_part() {
    let f = only(&format!("{RUNS}/dev_badinit_circles_relu4_std0.05/metrics.jsonl"), "flat-start");
    // Manifest: flat over steps 0-156, drop at 157-166.
    assert!((120.0..=160.0).contains(&evidence(&f, "flat_until")), "{:?}", f.evidence);
    assert!((150.0..=175.0).contains(&f.span.end), "{:?}", f.span);
    // The drop is reported where the smoothed loss first reached drop_to (0.5) of the initial level.
    assert_eq!(evidence(&f, "drop_at"), f.span.end);
    let ratio = evidence(&f, "dropped_to") / evidence(&f, "initial_loss");
    assert!((0.25..=0.5).contains(&ratio), "{ratio}");
}

#[test]
fn flat_start_stays_silent_when_the_loss_falls_from_the_start() {
    assert!(!flagged(&format!("{RUNS}/dev_healthy_moons_sgdm_cos/metrics.jsonl")).contains(&"flat-start"));
}

#[test]
fn initial_loss_flags_a_first_loss_far_above_ln_c() {
    let mut s = Settings::default();
    s.classes = Some(10);
    let run = read("rules/initial-loss/first_loss_9.8_for_10_classes.csv");
    let f = diagnose(&run, &s).into_iter().find(|f| f.rule == "initial-loss").expect("initial-loss");
    assert!((evidence(&f, "relative_deviation") - (9.787 / 10f64.ln() - 1.0)).abs() < 0.01);
    let run = read("rules/initial-loss/first_loss_near_ln10.csv");
    assert!(!diagnose(&run, &s).iter().any(|f| f.rule == "initial-loss"));
}

#[test]
fn initial_loss_without_classes_only_says_which_c_fits() {
    let f = only(&format!("{RUNS}/dev_premature_mca_sgdm/metrics.jsonl"), "initial-loss");
    assert_eq!(f.severity, curvecheck::rules::Severity::Info);
    assert_eq!(evidence(&f, "fits_classes"), 4.0);
}

/// Past a million steps the noise level comes from a sample of the residuals; every point is still checked.
#[test]
fn unstable_loss_counts_every_spike_on_a_two_million_step_run() {
    let n = 2_000_000;
    let mut seed: u64 = 7;
    let mut values: Vec<f64> = (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let noise = ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
            0.3 + 1.0 / (1.0 + i as f64 / 1e5) + 0.04 * noise
        })
        .collect();
    let spikes = [150_001, 700_003, 1_200_007, 1_999_001];
    for &i in &spikes {
        values[i] *= 4.0;
    }
    let mut s = Series::new("train/loss", Axis::Step);
    s.x = std::sync::Arc::new((0..n).map(|i| i as f64).collect());
    s.values = values;
    let mut run = Run::new("long", "long", curvecheck::model::LogFormat::Csv);
    run.series.push(s);
    let f = diagnose(&run, &Settings::default()).into_iter().find(|f| f.rule == "unstable-loss").expect("unstable-loss");
    assert_eq!(evidence(&f, "spikes"), spikes.len() as f64);
    assert_eq!((f.span.start, f.span.end), (150_001.0, 1_999_001.0));
    // Uniform noise of width 0.04 on a level of 0.35–0.8: a robust sd of its changes of about 0.012,
    // about 3% of the level on the log scale the rule reads.
    assert!((0.02..0.045).contains(&evidence(&f, "noise_log_sd")), "{}", evidence(&f, "noise_log_sd"));
}

#[test]
fn unstable_loss_counts_the_spikes() {
    let f = only("rules/unstable-loss/spikes_at_five_steps.csv", "unstable-loss");
    assert_eq!(evidence(&f, "spikes"), 5.0);
    assert_eq!(evidence(&f, "worst_spike_at"), 400.0);
    assert!(!flagged("rules/unstable-loss/noisy_but_steady.csv").contains(&"unstable-loss"));
}

#[test]
fn plateau_fires_under_a_constant_rate_and_not_under_cosine() {
    let f = only(&run_csv("dev_plateau_mce_aug_sgd_lr1"), "plateau");
    assert_eq!(f.span.end, 29.0);
    assert!(!flagged(&run_csv("dev_healthy_mce_adam_cos")).contains(&"plateau"));
}

#[test]
fn premature_decay_names_the_decay_epoch() {
    let f = only(&run_csv("dev_premature_mca_sgdm"), "premature-decay");
    assert_eq!(evidence(&f, "decay_at"), 2.0);
    assert_eq!((evidence(&f, "lr_before"), evidence(&f, "lr_after")), (0.01, 0.0001));
}

#[test]
fn premature_decay_stays_silent_on_a_well_timed_step_decay() {
    // The decay at epoch 14 came after the loss had flattened, and the loss fell again after it.
    assert!(!flagged(&run_csv("dev_healthy_mcb_sgdm_step")).contains(&"premature-decay"));
}

#[test]
fn overfitting_fires_on_whisper_fine_tune_with_rising_eval_loss() {
    let f = only("real-logs/hf-trainer-state/whisper-large-v2-ja_trainer_state.json", "overfitting");
    assert!(evidence(&f, "val_loss_rise") > 1.2);
}

#[test]
fn overfitting_fires_on_keras_log_with_rising_val_loss() {
    let f = only("real-logs/keras-csvlogger/voice-id-speaker250_training.log", "overfitting");
    assert_eq!(evidence(&f, "onset"), 0.0);
    let f = only(&run_csv("dev_overfit_bc_noisy_adam"), "overfitting");
    assert!(evidence(&f, "final_accuracy_gap") > 0.2);
}

#[test]
fn overfitting_stays_silent_when_the_gap_is_small() {
    assert!(!flagged(&run_csv("dev_healthy_bc_sgd_cos")).contains(&"overfitting"));
}

#[test]
fn underfitting_fires_on_a_bottleneck_model_and_not_on_a_regularised_plateau() {
    only(&run_csv("dev_underfit_mca_bottleneck1"), "underfitting");
    // Validation loss far below training loss (augmentation): not underfitting.
    assert!(!flagged(&run_csv("dev_plateau_mce_aug_sgd_lr1")).contains(&"underfitting"));
}

#[test]
fn quality_run_with_eval_loss_stuck_at_ln4_is_not_called_healthy() {
    assert!(!flagged("real-logs/hf-trainer-state/quality-lrqa-plateau_trainer_state.json").is_empty());
}

#[test]
fn still_improving_fires_when_both_curves_rise_to_the_end() {
    let f = only(&run_csv("dev_trainlonger_bc_sgd"), "still-improving");
    assert!(evidence(&f, "window_change") < 0.0, "the validation loss still falls");
    assert!(evidence(&f, "pace_over_average") >= 0.25);
    assert!(!flagged(&run_csv("dev_overfit_mcb_small_noisy_sgdm")).contains(&"still-improving"));
}

#[test]
fn update_ratio_flags_far_below_and_far_above_but_not_near() {
    let low = only(&format!("{RUNS}/dev_premature_mcb_adam/metrics.jsonl"), "update-ratio");
    assert!(evidence(&low, "median_ratio") < 1e-4);
    let high = only(&format!("{RUNS}/dev_diverged_mce_lr_ramp/metrics.jsonl"), "update-ratio");
    assert!(evidence(&high, "median_ratio") > 1e-2);
    assert!(!findings(&format!("{RUNS}/dev_healthy_mca_bn_dropout/metrics.jsonl")).iter().any(|f| f.rule == "update-ratio"));
}

#[test]
fn lr_schedule_names_step_cosine_and_constant() {
    assert!(only(&run_csv("dev_healthy_mcb_sgdm_step"), "lr-schedule").message.contains("step schedule"));
    assert!(only(&run_csv("dev_underfit_mca_linear"), "lr-schedule").message.contains("cosine"));
    assert!(only(&format!("{RUNS}/dev_underfit_mca_linear/metrics.jsonl"), "lr-schedule").message.contains("cosine"));
    assert!(only(&run_csv("dev_plateau_mce_aug_sgd_lr1"), "lr-schedule").message.contains("constant"));
}

#[test]
fn best_epoch_reports_where_validation_was_best() {
    let f = only("real-logs/keras-csvlogger/voice-id-speaker250_training.log", "best-epoch");
    assert_eq!(evidence(&f, "best_at"), 0.0);
    assert_eq!(evidence(&f, "early_stop_at"), 5.0);
}

#[test]
fn plateau_is_dropped_when_premature_decay_explains_the_stall() {
    let rules = flagged(&run_csv("dev_premature_mca_sgdm"));
    assert!(rules.contains(&"premature-decay") && !rules.contains(&"plateau") && !rules.contains(&"underfitting"), "{rules:?}");
}
