//! Issue 14: curvecheck used as a library, the way a user's own test would,
//! through the public API only.

use curvecheck::{Settings, Severity};

fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

#[test]
fn a_healthy_log_has_no_error_level_finding() {
    let runs = curvecheck::read(fixture("real-runs/dev_healthy_mcb_sgdm_step/training_log.csv")).unwrap();
    for run in runs {
        let d = curvecheck::diagnose(run, &Settings::default());
        assert!(d.worst().is_none(), "{}", d.verdict());
        assert!(d.findings.iter().all(|f| f.severity < Severity::Error));
    }
}

#[test]
fn a_diverged_log_fails_the_users_check_with_the_step_it_went_wrong() {
    let run = curvecheck::read(fixture("wild-runs/W20/metrics.csv")).unwrap().remove(0);
    let d = curvecheck::diagnose(run, &Settings::default());
    let err = d.findings.iter().find(|f| f.severity == Severity::Error).expect("an error-level finding");
    assert_eq!(err.rule, "divergence");
    assert!(err.message.contains("NaN at step 3849"), "{}", err.message);
}

#[test]
fn a_threshold_set_by_the_user_changes_the_verdict() {
    let run = || curvecheck::read(fixture("wild-runs/W10/scalars.json")).unwrap().remove(0);
    assert!(curvecheck::diagnose(run(), &Settings::default()).findings.iter().any(|f| f.rule == "plateau"));
    let mut strict = Settings::default();
    strict.set("plateau.stall_rel", 0.01).unwrap();
    assert!(!curvecheck::diagnose(run(), &strict).findings.iter().any(|f| f.rule == "plateau"));
}

#[test]
fn a_chart_is_drawn_from_a_diagnosis() {
    let run = curvecheck::read(fixture("wild-runs/W25/MobileNetV2_training_history.json")).unwrap().remove(0);
    let d = curvecheck::diagnose(run, &Settings::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chart.svg");
    curvecheck::plot(&d, &path).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("overfitting"));
}

#[test]
fn an_unreadable_source_is_an_error_not_an_empty_list() {
    let err = curvecheck::read(fixture("bad/empty.csv")).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}
