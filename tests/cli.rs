//! End-to-end: the real binary on real logs, its outputs and exit codes.

mod common;

use assert_cmd::Command;
use common::fixture;
use predicates::prelude::*;
use serde_json::Value;

fn curvecheck() -> Command {
    let mut c = Command::cargo_bin("curvecheck").unwrap();
    c.env_remove("NO_COLOR");
    c
}

fn diagnose_json(rel: &str) -> Value {
    let out = curvecheck().args(["diagnose", "--format", "json"]).arg(fixture(rel)).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn diagnose_flags_overfitting_on_keras_log_with_rising_val_loss() {
    curvecheck()
        .args(["diagnose", "--color", "never"])
        .arg(fixture("real-logs/keras-csvlogger/voice-id-speaker250_training.log"))
        .assert()
        .success()
        .stdout(predicate::str::contains("WARNING overfitting"))
        .stdout(predicate::str::contains("verdict: 1 warning: overfitting"))
        .stdout(predicate::str::contains("→ Keep the checkpoint from epoch 0"));
}

#[test]
fn diagnose_says_healthy_when_nothing_fired() {
    curvecheck()
        .args(["diagnose", "--color", "never"])
        .arg(fixture("real-runs/dev_healthy_mce_adam_cos/training_log.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("verdict: healthy"));
}

#[test]
fn json_output_carries_every_finding_field() {
    let doc = diagnose_json("real-runs/dev_premature_mca_sgdm/training_log.csv");
    assert_eq!(doc["schema"], "curvecheck.diagnose/2");
    let run = &doc["runs"][0];
    assert_eq!(run["format"], "keras-csvlogger");
    let f = run["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "premature-decay").unwrap();
    for key in ["rule", "severity", "confidence", "span", "series", "evidence", "message", "advice"] {
        assert!(!f[key].is_null(), "missing {key}");
    }
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["span"]["axis"], "epoch");
    assert_eq!(f["span"]["start"], 2.0);
    assert_eq!(f["evidence"]["lr_after"], 0.0001);
}

/// Issue 13: a single NaN evaluation is no best epoch; the run's finding is the divergence.
#[test]
fn best_epoch_never_reports_nan_as_the_best() {
    let doc = diagnose_json("real-runs/dev_diverged_bc_sgd_lr30_nan_stop/training_log.csv");
    let findings = doc["runs"][0]["findings"].as_array().unwrap();
    assert!(!findings.iter().any(|f| f["rule"] == "best-epoch"), "{findings:?}");
    assert!(findings.iter().any(|f| f["rule"] == "divergence" && f["severity"] == "error"));
}

#[test]
fn fail_on_warning_exits_1_for_ci() {
    let log = fixture("real-logs/keras-csvlogger/voice-id-speaker250_training.log");
    curvecheck().args(["diagnose", "--fail-on", "warning", "--format", "json"]).arg(&log).assert().code(1);
    curvecheck().args(["diagnose", "--fail-on", "error", "--format", "json"]).arg(&log).assert().code(0);
}

#[test]
fn several_runs_come_worst_first() {
    let out = curvecheck()
        .args(["diagnose", "--format", "json"])
        .arg(fixture("real-runs/dev_healthy_mce_adam_cos/training_log.csv"))
        .arg(fixture("real-runs/dev_diverged_mcb_sgd_lr5/training_log.csv"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = doc["runs"].as_array().unwrap().iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert!(names[0].contains("diverged"), "{names:?}");
    assert_eq!(doc["runs"][1]["healthy"], true);
}

#[test]
fn markdown_output_has_a_summary_table() {
    curvecheck()
        .args(["diagnose", "--format", "markdown"])
        .arg(fixture("real-runs/dev_underfit_mca_bottleneck1/training_log.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("| run | format | length | errors | warnings | verdict |"))
        .stdout(predicate::str::contains("| warning | underfitting |"));
}

#[test]
fn text_is_coloured_only_when_asked_or_on_a_terminal() {
    let log = fixture("real-runs/dev_diverged_mcb_sgd_lr5/training_log.csv");
    curvecheck().args(["diagnose"]).arg(&log).assert().stdout(predicate::str::contains("\x1b[").not());
    curvecheck().args(["diagnose", "--color", "always"]).arg(&log).assert().stdout(predicate::str::contains("\x1b["));
}

#[test]
fn inspect_lists_series_roles_and_skipped_rows() {
    curvecheck()
        .arg("inspect")
        .arg(fixture("bad/one_bad_cell.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("skipped line 3, column 'loss': 'oops' is not a number"))
        .stdout(predicate::str::contains("validation loss"));
    let out = curvecheck()
        .args(["inspect", "--format", "json"])
        .arg(fixture("real-logs/lightning-csv/opal-v2_version_0_metrics.csv"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = doc["runs"][0]["series"].as_array().unwrap();
    let lr = series.iter().find(|s| s["name"] == "lr-Adam").unwrap();
    assert_eq!((lr["kind"].as_str(), lr["points"].as_u64()), (Some("learning-rate"), Some(108)));
}

#[test]
fn malformed_inputs_exit_2_with_a_message_naming_the_file() {
    for (file, fragment) in [
        ("bad/empty.csv", "file is empty"),
        ("bad/header_only.csv", "header but no rows"),
        ("bad/binary_junk.bin", "binary"),
        ("bad/text_in_loss_column.csv", "line 2, column 'loss': 'high' is not a number"),
        ("bad/no_axis_column.csv", "no step or epoch column"),
        ("bad/utf16.csv", "UTF-16"),
        ("real-logs/keras-history-json/food11-truncated_model_history.json", "line 1, column 221"),
    ] {
        let path = fixture(file);
        curvecheck()
            .arg("diagnose")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(path.display().to_string()))
            .stderr(predicate::str::contains(fragment));
    }
}

#[test]
fn no_progress_spinner_when_stderr_is_not_a_terminal() {
    curvecheck().arg("inspect").arg(fixture("real-runs/dev_overfit_bc_noisy_adam/metrics.jsonl")).assert().success().stderr("");
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    curvecheck().args(["diagnose", "no/such/file.csv"]).assert().code(2).stderr(predicate::str::contains("no/such/file.csv: cannot read"));
}

#[test]
fn a_directory_holding_one_run_in_four_formats_reports_it_once_from_the_richest() {
    let doc = diagnose_json("real-runs/dev_overfit_bc_noisy_adam");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["format"], "jsonl");
    let note = runs[0]["notes"].as_array().unwrap().iter().filter_map(Value::as_str).find(|n| n.contains("also logged in")).unwrap();
    assert!(note.contains("training_log.csv") && note.contains("tb (tfevents)"), "{note}");
    assert!(runs[0]["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "overfitting"));
}

#[test]
fn an_experiment_directory_yields_every_run_below_it() {
    let dir = tempfile::tempdir().unwrap();
    for id in ["dev_overfit_bc_noisy_adam", "dev_healthy_mce_adam_cos", "dev_plateau_mce_aug_sgd_lr1"] {
        let to = dir.path().join(id);
        std::fs::create_dir(&to).unwrap();
        std::fs::copy(fixture(&format!("real-runs/{id}/training_log.csv")), to.join("training_log.csv")).unwrap();
        std::fs::create_dir_all(to.join("tb")).unwrap();
        for e in std::fs::read_dir(fixture(&format!("real-runs/{id}/tb"))).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join("tb").join(e.file_name())).unwrap();
        }
    }
    let out = curvecheck().args(["diagnose", "--format", "json"]).arg(dir.path()).output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut names: Vec<String> = doc["runs"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect();
    names.sort();
    assert_eq!(names, ["dev_healthy_mce_adam_cos", "dev_overfit_bc_noisy_adam", "dev_plateau_mce_aug_sgd_lr1"]);
}

#[test]
fn rules_and_explain_come_from_the_registry_and_doc_comments() {
    curvecheck()
        .arg("rules")
        .assert()
        .success()
        .stdout(predicate::str::contains("premature-decay"))
        .stdout(predicate::str::contains("lr-schedule"));
    curvecheck()
        .args(["explain", "plateau"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## What it detects"))
        .stdout(predicate::str::contains("## What to try"))
        .stdout(predicate::str::contains("`plateau.stall_rel` (default 0.1)"));
    curvecheck().args(["explain", "nope"]).assert().code(2).stderr(predicate::str::contains("rules are: divergence"));
}

#[test]
fn set_changes_a_threshold_and_rejects_unknown_ones() {
    let log = fixture("real-logs/keras-csvlogger/voice-id-speaker250_training.log");
    curvecheck()
        .args(["diagnose", "--set", "overfitting.vloss_rise=2.0", "--color", "never"])
        .arg(&log)
        .assert()
        .success()
        .stdout(predicate::str::contains("verdict: healthy"));
    curvecheck()
        .args(["diagnose", "--set", "overfitting.nope=1"])
        .arg(&log)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it has: vloss_rise"));
    curvecheck()
        .args(["diagnose", "--set", "plateau.stall_rel=abc"])
        .arg(&log)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a number"));
}

#[test]
fn metric_override_gives_a_series_a_role() {
    let out = curvecheck()
        .args(["inspect", "--format", "json", "--metric", "val_acc=metrics/recall(B)"])
        .arg(fixture("real-logs/ultralytics/yolo12n-handraising_results.csv"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = doc["runs"][0]["series"].as_array().unwrap().iter().find(|s| s["name"] == "metrics/recall(B)").unwrap().clone();
    assert_eq!(s["split"], "validation");
    curvecheck()
        .args(["inspect", "--metric", "val_acc=missing"])
        .arg(fixture("real-logs/ultralytics/yolo12n-handraising_results.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such series"));
}

#[test]
fn help_documents_exit_codes() {
    curvecheck().arg("--help").assert().success().stdout(predicate::str::contains("Exit codes:"));
}

#[test]
fn readme_rules_table_is_the_registry() {
    let readme = std::fs::read_to_string(common::fixture("../README.md")).unwrap();
    let table = readme.split("<!-- rules:start -->\n").nth(1).and_then(|s| s.split("<!-- rules:end -->").next()).unwrap();
    assert_eq!(table, curvecheck::report::rules_table::markdown_table(), "update README.md from `curvecheck rules --markdown`");
}

#[test]
fn escape_sequences_in_column_names_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("evil.csv");
    std::fs::write(&csv, "epoch,\u{1b}[2J\u{1b}[31mloss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8,0.95\n3,0.7,0.9\n").unwrap();
    let inspect = curvecheck().arg("inspect").arg(&csv).output().unwrap();
    let diagnose = curvecheck().args(["diagnose", "--color", "never"]).arg(&csv).output().unwrap();
    let markdown = curvecheck().args(["diagnose", "--format", "markdown"]).arg(&csv).output().unwrap();
    for (what, out) in [("inspect", inspect), ("diagnose", diagnose), ("markdown", markdown)] {
        assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!out.stdout.contains(&0x1b), "{what} printed an escape character");
    }
}

/// Issue 14: every example of `--help` that names files of the repository runs (exit 0 or 1, never 2).
#[test]
fn every_example_in_help_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut ran = 0;
    let mut lines = Vec::new();
    for help_args in [&["--help"][..], &["sweep", "--help"]] {
        let help = String::from_utf8(curvecheck().args(help_args).output().unwrap().stdout).unwrap();
        let examples = help.split("Examples").nth(1).and_then(|s| s.split("\n\n").next()).unwrap();
        lines.extend(examples.lines().map(str::trim).filter(|l| l.starts_with("curvecheck ")).map(str::to_string));
    }
    for line in &lines {
        // Run from a scratch folder (a chart an example writes lands there), the repository's files by full path.
        let args: Vec<String> = line
            .split_whitespace()
            .skip(1)
            .map(|a| if a.starts_with("fixtures/") { format!("{}/{a}", env!("CARGO_MANIFEST_DIR")) } else { a.to_string() })
            .collect();
        let code = curvecheck().current_dir(dir.path()).args(&args).env("NO_COLOR", "1").output().unwrap().status.code();
        assert!(matches!(code, Some(0 | 1)), "`{line}` exited {code:?}");
        ran += 1;
    }
    assert!(ran >= 8, "only {ran} examples found in --help and sweep --help");
}

const SMALL_LOG: &str = "epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.6,0.7\n3,0.5,0.6\n4,0.45,0.55\n5,0.42,0.52\n";

/// Issue 17: `-` reads the log piped in.
#[test]
fn diagnose_reads_a_log_piped_to_stdin() {
    curvecheck()
        .args(["diagnose", "-", "--color", "never"])
        .write_stdin(SMALL_LOG)
        .assert()
        .success()
        .stdout(predicate::str::contains("stdin  (keras-csvlogger, 6 epochs evaluated)"));
}

/// Issue 17: `-` with nothing piped in says so and how to pipe, exit 2.
#[test]
fn empty_stdin_is_an_error_that_says_how_to_pipe() {
    curvecheck().args(["diagnose", "-"]).write_stdin("").assert().code(2).stderr(predicate::str::contains("no input on stdin"));
}

/// Issue 17: a character device is read as a stream and refused from its first bytes, never slurped.
#[test]
fn dev_zero_is_refused_from_its_first_bytes() {
    curvecheck()
        .args(["diagnose", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/dev/zero: file is binary"));
}

/// Issue 17: a FIFO is read as a stream once a writer comes, and the wait is announced.
#[test]
fn a_fifo_is_read_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("train.pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || std::fs::write(writer_path, SMALL_LOG).unwrap());
    curvecheck()
        .args(["diagnose", "--color", "never"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .success()
        .stdout(predicate::str::contains("6 epochs evaluated"))
        .stderr(predicate::str::contains("waiting for a writer"));
    writer.join().unwrap();
}

/// Issue 14: every `curvecheck` command of the README's code blocks runs, with its placeholders
/// (`PATH...`, `runs/`, `log.csv`) standing for repository logs: the flags it shows are real.
#[test]
fn every_command_in_the_readme_runs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let stand_in = |arg: &str| -> String {
        match arg {
            "PATH..." => format!("{root}/fixtures/wild-runs/W25/MobileNetV2_training_history.json"),
            "runs/" => format!("{root}/fixtures/wild-runs"),
            "log.csv" => format!("{root}/fixtures/real-runs/dev_premature_mca_sgdm/training_log.csv"),
            a if a.starts_with("fixtures/") => format!("{root}/{a}"),
            a => a.to_string(),
        }
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("charts")).unwrap();
    let mut ran = 0;
    let blocks = readme.split("```sh\n").skip(1).filter_map(|b| b.split("```").next());
    for line in blocks.flat_map(str::lines).map(|l| l.split(" # ").next().unwrap_or(l).trim()) {
        let Some(rest) = line.strip_prefix("curvecheck ").or_else(|| line.strip_prefix("cargo run -- ")) else { continue };
        // Commands on a tracker's store or server are run by tests/mlflow_store.rs and tests/wandb_run.rs.
        let tracker = |a: &str| {
            a.contains("mlflow") || a.starts_with("http") || a.starts_with("sqlite:") || a.contains(".wandb") || a.contains("wandb/")
        };
        if rest.split_whitespace().any(tracker) {
            continue;
        }
        let args: Vec<String> = rest.split_whitespace().map(stand_in).collect();
        let out = curvecheck().current_dir(dir.path()).args(&args).env("NO_COLOR", "1").output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "`{line}` exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 10, "only {ran} README commands found");
}
