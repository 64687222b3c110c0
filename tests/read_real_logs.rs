//! Every CSV and JSON log in fixtures/real-logs (copied byte for byte from
//! public repositories, or made by the framework itself in `console-log/`;
//! see fixtures/real-logs/SOURCES.md) reads with the
//! series a person sees in the file. Point counts were checked against an
//! independent Python parse of each file.

mod common;

use common::{assert_series, read};
use curvecheck::model::Kind::{LearningRate, Loss, MetricHigher, MetricLower, Other};
use curvecheck::model::Split::{Other as NoSplit, Test, Train, Validation};

#[test]
fn keras_csvlogger_with_acc_names_reads_four_curves() {
    let run = read("real-logs/keras-csvlogger/voice-id-speaker250_training.log");
    assert_eq!(run.format, "keras-csvlogger");
    assert_series(&run, "loss", Train, Loss, 50);
    assert_series(&run, "acc", Train, MetricHigher, 50);
    assert_series(&run, "val_loss", Validation, Loss, 50);
    assert_series(&run, "val_acc", Validation, MetricHigher, 50);
}

#[test]
fn keras_append_restart_keeps_the_later_run() {
    // 226 rows: epochs 0-25, then the counter restarts at 0 and runs to 199.
    let run = read("real-logs/keras-csvlogger/irfanet-appended-restart_training_logs191017-5.log");
    assert_eq!(run.records, 226);
    assert_series(&run, "val_loss", Validation, Loss, 200);
    let s = run.series_named("loss").unwrap();
    assert_eq!(s.restarts.len(), 1);
    assert_eq!((s.restarts[0].record, s.restarts[0].to_x, s.restarts[0].replaced), (26, 0.0, 26));
    assert_eq!(s.x_range(), Some((0.0, 199.0)));
}

#[test]
fn keras_rows_all_at_epoch_zero_become_consecutive_epochs() {
    let run = read("real-logs/keras-csvlogger/digit-recognizer-all-epoch-zero_history.csv");
    assert_series(&run, "categorical_accuracy", Train, MetricHigher, 8);
    assert_series(&run, "val_categorical_accuracy", Validation, MetricHigher, 8);
    assert_eq!(run.series_named("loss").unwrap().x_range(), Some((0.0, 7.0)));
    assert!(run.notes.iter().any(|n| n.contains("consecutive epochs")));
}

#[test]
fn keras_history_json_parallel_lists() {
    let run = read("real-logs/keras-history-json/fashion-mnist-cnn_model_history.json");
    assert_eq!(run.format, "keras-history-json");
    for (name, split, kind) in [
        ("loss", Train, Loss),
        ("accuracy", Train, MetricHigher),
        ("val_loss", Validation, Loss),
        ("val_accuracy", Validation, MetricHigher),
    ] {
        assert_series(&run, name, split, kind, 30);
    }
    let run = read("real-logs/keras-history-json/telco-churn-ann_model_history.json");
    assert_series(&run, "val_accuracy", Validation, MetricHigher, 39);
}

#[test]
fn pandas_history_csv_uses_its_unnamed_index_as_epoch() {
    let run = read("real-logs/keras-history-json/hijaiyah-pandas-index_history.csv");
    assert_eq!(run.format, "keras-history-csv");
    assert_eq!(run.series.len(), 4);
    assert_series(&run, "val_accuracy", Validation, MetricHigher, 2);
    assert_eq!(run.series_named("loss").unwrap().values[0], 3.2575714588165283);
}

#[test]
fn lightning_sparse_rows_and_lr_monitor_rows() {
    let run = read("real-logs/lightning-csv/opal-v2_version_0_metrics.csv");
    assert_eq!(run.format, "lightning-csvlogger");
    assert_series(&run, "lr-Adam", NoSplit, LearningRate, 108);
    assert_series(&run, "train/nll_loss", Train, Loss, 108);
    assert_series(&run, "val/rmse_loss", Validation, Loss, 8);
    assert_eq!(run.series.len(), 3);
}

#[test]
fn lightning_step_and_epoch_suffixes() {
    let run = read("real-logs/lightning-csv/bachelor-cnn-step-epoch-suffix_version_2_metrics.csv");
    assert_series(&run, "train_loss_step", Train, Loss, 50);
    assert_series(&run, "train_loss_epoch", Train, Loss, 10);
    assert_series(&run, "train_acc_step_epoch", Train, MetricHigher, 10);
    assert_series(&run, "test_acc", Test, MetricHigher, 1);
}

#[test]
fn lightning_old_test_tube_layout_without_step() {
    let run = read("real-logs/lightning-csv/contact-point-testtube-1481ep_metrics.csv");
    assert_series(&run, "train_loss", Train, Loss, 1481);
    assert!(run.notes.iter().any(|n| n.contains("created_at")), "{:?}", run.notes);
}

#[test]
fn lightning_column_order_does_not_matter() {
    let a = read("real-logs/lightning-csv/pytorchLit15min_version_0_metrics.csv");
    let b = read("real-logs/lightning-csv/pytorchLit15min_version_2_metrics.csv");
    for run in [&a, &b] {
        assert_eq!(run.format, "lightning-csvlogger");
        assert_series(run, "train_loss", Train, Loss, 2);
        assert_eq!(*run.series_named("train_loss").unwrap().x, vec![49.0, 99.0]);
    }
}

#[test]
fn hf_trainer_state_train_and_eval_entries() {
    let run = read("real-logs/hf-trainer-state/whisper-large-v2-ja_trainer_state.json");
    assert_eq!(run.format, "hf-trainer-state");
    assert_eq!(run.records, 206);
    assert_series(&run, "loss", Train, Loss, 200);
    assert_series(&run, "learning_rate", NoSplit, LearningRate, 200);
    assert_series(&run, "eval_loss", Validation, Loss, 5);
    assert_series(&run, "eval_wer", Validation, MetricLower, 5);
    assert_series(&run, "eval_runtime", NoSplit, Other, 5);
    assert!(run.notes.iter().any(|n| n.starts_with("final summary entry")));
    assert!(run.series_named("train_runtime").is_none(), "the summary entry is not a curve");
    let q = read("real-logs/hf-trainer-state/quality-lrqa-plateau_trainer_state.json");
    assert_series(&q, "eval_accuracy", Validation, MetricHigher, 62);
}

#[test]
fn ultralytics_padded_yolov5_and_current_yolo() {
    let run = read("real-logs/ultralytics/yolov5-helmet-exp2_results.csv");
    assert_eq!(run.format, "ultralytics");
    assert_series(&run, "metrics/mAP_0.5:0.95", Validation, MetricHigher, 150);
    assert_series(&run, "train/box_loss", Train, Loss, 150);
    assert_series(&run, "x/lr0", NoSplit, LearningRate, 150);
    assert_eq!(run.series_named("train/box_loss").unwrap().values[0], 0.12278);
    let run = read("real-logs/ultralytics/yolo12n-handraising_results.csv");
    assert_series(&run, "metrics/mAP50-95(B)", Validation, MetricHigher, 100);
    assert_series(&run, "lr/pg0", NoSplit, LearningRate, 100);
    assert_series(&run, "time", NoSplit, Other, 100);
    assert_eq!(run.series_named("lr/pg0").unwrap().x_range(), Some((1.0, 100.0)));
    let run = read("real-logs/ultralytics/yolov10-om-oo_results.csv");
    assert_series(&run, "train/box_om", Train, Loss, 15);
    assert_series(&run, "val/dfl_oo", Validation, Loss, 15);
    let run = read("real-logs/ultralytics/yolov8-fire-smoke_results.csv");
    assert_eq!(run.series_named("val/box_loss").unwrap().x_range(), Some((0.0, 24.0)));
}

#[test]
fn detectron2_three_appended_runs_keep_the_last() {
    let run = read("real-logs/detectron2/mask2former-mgm_metrics.json");
    assert_eq!(run.format, "detectron2");
    assert_eq!(run.records, 328);
    assert_series(&run, "total_loss", Train, Loss, 200);
    assert_eq!(run.series_named("total_loss").unwrap().restarts.len(), 2);
    // Bare NaN in COCO results is read as NaN, not dropped.
    let aps = run.series_named("bbox/APs").unwrap();
    assert_eq!(aps.role.split, Validation);
    assert!(aps.values.iter().all(|v| v.is_nan()));
    let run = read("real-logs/detectron2/kevindic-restart_metrics.json");
    assert_series(&run, "total_loss", Train, Loss, 15);
}

#[test]
fn mmengine_validation_step_is_an_epoch() {
    let run = read("real-logs/mmengine/mmengine-example-fasterrcnn_scalars.json");
    assert_eq!(run.format, "mmengine");
    assert_series(&run, "loss", Train, Loss, 20);
    assert_series(&run, "val/bbox_mAP", Validation, MetricHigher, 20);
    let map = run.series_named("val/bbox_mAP").unwrap();
    assert_eq!(map.axis, curvecheck::model::Axis::Epoch);
    assert_eq!(map.x_range(), Some((1.0, 20.0)));
    let run = read("real-logs/mmengine/balloon-rtmdet_vis_data_20230619_171252.json");
    assert_series(&run, "val/coco/bbox_mAP", Validation, MetricHigher, 4);
    assert_series(&run, "loss", Train, Loss, 40);
}

#[test]
fn deit_log_reads_per_epoch_test_metrics_and_reports_lists() {
    let run = read("real-logs/deit-jsonl/cf-vit-deit-style_log.txt");
    assert_series(&run, "test_384_acc1", Test, MetricHigher, 300);
    assert_series(&run, "train_lr", NoSplit, LearningRate, 300);
    let run = read("real-logs/deit-jsonl/detr-custom-dcmha_log.txt");
    assert_series(&run, "train_loss", Train, Loss, 4);
    assert_series(&run, "test_class_error", Test, MetricLower, 4);
    assert!(run.notes.iter().any(|n| n.contains("test_coco_eval_bbox") && n.contains("lists")));
}

#[test]
fn truncated_keras_history_is_an_error_that_says_where() {
    let err = curvecheck::ingest::read_file(
        &common::fixture("real-logs/keras-history-json/food11-truncated_model_history.json"),
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("line 1, column 221") && err.contains("truncated"), "{err}");
}

#[test]
fn tensorboard_scalars_from_pytorch_and_tf2_writers() {
    let run = read("real-logs/tensorboard/yolov8-fire-smoke.events.out.tfevents.1675348815.43529bab29be.37247.0");
    assert_eq!(run.format, "tfevents");
    assert_eq!(run.records, 4309);
    assert_series(&run, "train/box_loss", Train, Loss, 1375);
    assert_series(&run, "metrics/mAP50(B)", Validation, MetricHigher, 27);
    let wall = run.series_named("train/box_loss").unwrap().wall_time.clone().expect("event files carry wall time");
    assert!(wall.windows(2).all(|w| w[0] <= w[1]) && (1_675_348_815.0..1_675_400_000.0).contains(&wall[0]), "{}", wall[0]);
    let run =
        read("real-logs/tensorboard/keras-tf2-stockdata_train.events.out.tfevents.1644728510.huangyuan3hdeMacBook-Pro.local.73068.0.v2");
    assert_series(&run, "epoch_loss", Train, Loss, 20);
    assert_eq!(run.series_named("epoch_loss").unwrap().axis, curvecheck::model::Axis::Epoch);
    let run = read("real-logs/tensorboard/hf-t5-summarization.events.out.tfevents.1742826235.DESKTOP-41L2EO3.107869.0");
    assert_series(&run, "train/loss", Train, Loss, 430);
    assert_series(&run, "train/learning_rate", NoSplit, LearningRate, 430);
}

#[test]
fn mlflow_run_directory_reads_metrics_and_params() {
    let curvecheck::ingest::ReadResult { runs, errors, .. } =
        curvecheck::ingest::read_path(&common::fixture("real-logs/mlflow/swahili-stt-keras-autolog"), &Default::default());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.format, "mlflow");
    assert_eq!(run.name, "ed05f9cd599442fe9a0c9222184710b8");
    assert_series(run, "loss", Train, Loss, 10);
    let loss = run.series_named("loss").unwrap();
    assert_eq!(loss.axis, curvecheck::model::Axis::Epoch, "params/epochs = 10 and steps 0-9");
    assert_eq!((loss.values[0], loss.values[9]), (332.6841735839844, 234.7978057861328));
    assert_eq!(loss.wall_time.as_ref().unwrap()[0], 1628697792.090);
    assert!(run.notes.iter().any(|n| n.contains("opt_learning_rate=0.002")));
}

#[test]
fn wandb_export_is_one_run_per_prefix_without_band_columns() {
    let runs = curvecheck::ingest::read_runs(
        &common::fixture("real-logs/wandb-csv/nesy-causal-prox-multirun_wandb_export.csv"),
        &Default::default(),
    )
    .unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["prox_01", "restful-spaceship-22", "radiant-energy-14", "blooming-glade-13", "soft-waterfall-9"]);
    let lens: Vec<usize> = runs.iter().map(|r| r.series_named("hard_ogc_acc_avg").unwrap().len()).collect();
    assert_eq!(lens, [234, 234, 8, 8, 28]);
    assert!(runs.iter().all(|r| r.series.len() == 1 && r.format == "wandb-csv"));
}

#[test]
fn keras_tf2_train_and_validation_directories_are_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("20220213-124139");
    for (split, file) in [
        ("train", "keras-tf2-stockdata_train.events.out.tfevents.1644728510.huangyuan3hdeMacBook-Pro.local.73068.0.v2"),
        ("validation", "keras-tf2-stockdata_validation.events.out.tfevents.1644728574.huangyuan3hdeMacBook-Pro.local.73068.1.v2"),
    ] {
        std::fs::create_dir_all(run.join(split)).unwrap();
        let name = file.split_once('.').unwrap().1.to_string();
        std::fs::copy(common::fixture(&format!("real-logs/tensorboard/{file}")), run.join(split).join(name)).unwrap();
    }
    let curvecheck::ingest::ReadResult { runs, errors, .. } = curvecheck::ingest::read_path(dir.path(), &Default::default());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].name, "20220213-124139");
    assert_series(&runs[0], "train/epoch_loss", Train, Loss, 20);
    assert_series(&runs[0], "validation/epoch_loss", Validation, Loss, 20);
}

#[test]
fn several_event_files_of_one_run_merge_with_later_records_replacing_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::fixture("real-logs/tensorboard/yolov8-fire-smoke.events.out.tfevents.1675348815.43529bab29be.37247.0");
    std::fs::copy(&src, dir.path().join("events.out.tfevents.1675348815.host.1.0")).unwrap();
    std::fs::copy(&src, dir.path().join("events.out.tfevents.1675349999.host.1.0")).unwrap();
    let runs = curvecheck::ingest::read_path(dir.path(), &Default::default()).runs;
    assert_eq!(runs.len(), 1);
    let s = runs[0].series_named("val/box_loss").unwrap();
    assert_eq!(s.len(), 25, "the second file replaces the first, it does not double it");
    assert_eq!(s.restarts.len(), 1);
    assert!(runs[0].notes.iter().any(|n| n.contains("2 event files merged")));
}

#[test]
fn mmengine_text_log_agrees_with_its_scalars_json() {
    let text = read("real-logs/plain-text/balloon-rtmdet-mmengine_20230619_171252.log");
    let json = read("real-logs/mmengine/balloon-rtmdet_vis_data_20230619_171252.json");
    assert_eq!(text.format, "mmengine-log");
    for name in ["loss", "loss_cls", "lr", "val/coco/bbox_mAP", "val/coco/bbox_mAP_50"] {
        let (a, b) = (text.series_named(name).unwrap(), json.series_named(name).unwrap());
        assert_eq!((a.axis, &a.x), (b.axis, &b.x), "{name}: placement");
        for (x, y) in a.values.iter().zip(&b.values) {
            assert!((x - y).abs() <= 5e-4 * y.abs().max(1e-3), "{name}: {x} printed vs {y} in JSON");
        }
    }
}

/// Issue 17: Keras' `fit` output, made by Keras itself (`fixtures/real-logs/console-log/make_keras.py`),
/// reads the values its `CSVLogger` wrote for the same run, to the 4 digits Keras prints.
/// On a terminal (verbose=1) the line is a progress bar redrawn with `\r`, backspaces and
/// colour escapes; piped (verbose=2) it is one line per epoch. Keras prints `Epoch 1/30`
/// for the epoch its CSVLogger numbers 0: the console log keeps the printed numbering.
#[test]
fn keras_fit_console_output_reads_the_values_of_its_csvlogger_twin() {
    for mode in ["verbose1", "verbose2"] {
        let console = read(&format!("real-logs/console-log/keras-fit-{mode}.out"));
        let csv = read(&format!("real-logs/console-log/keras-fit-{mode}.csv"));
        assert_eq!((console.format.to_string(), csv.format.to_string()), ("console-log".into(), "keras-csvlogger".into()));
        assert_eq!(console.skipped_count, 0, "{mode}: {:?}", console.skipped);
        for name in ["loss", "accuracy", "val_loss", "val_accuracy"] {
            let (c, s) = (console.series_named(name).unwrap(), csv.series_named(name).unwrap());
            assert_eq!(c.len(), 30, "{mode} {name}");
            let shifted: Vec<f64> = s.x.iter().map(|x| x + 1.0).collect();
            assert_eq!(*c.x, shifted, "{mode} {name}: printed epochs are 1-based");
            for (printed, logged) in c.values.iter().zip(&s.values) {
                // `.4f`, or `.4e` below 1e-3 (loss: 3.7993e-04).
                let tolerance = if logged.abs() < 1e-3 { 5e-4 * logged.abs() } else { 5.1e-5 };
                assert!((printed - logged).abs() <= tolerance, "{mode} {name}: printed {printed}, CSVLogger {logged}");
            }
        }
    }
}

/// Issue 17: the generic `key=value` fallback on the output of a real (numpy) training script,
/// `tests/watch/train.py --jump 40:1e300 --steps 80 --csv …`, against the CSV the same run wrote:
/// the same values to the 6 digits printed, inf and NaN included, and the same diagnosis.
#[test]
fn key_value_console_output_reads_the_values_of_its_csv_twin() {
    let console = read("real-logs/console-log/numpy-linreg-keyvalue.out");
    let csv = read("real-logs/console-log/numpy-linreg-keyvalue.csv");
    assert_eq!(console.format.to_string(), "console-log");
    // The banner (`lr=0.01 steps=80`, no step) and the closing `done`.
    assert_eq!(console.skipped_count, 2, "{:?}", console.skipped);
    for name in ["loss", "lr"] {
        let (c, s) = (console.series_named(name).unwrap(), csv.series_named(name).unwrap());
        assert_eq!((c.axis, &c.x), (s.axis, &s.x), "{name}");
        for (printed, logged) in c.values.iter().zip(&s.values) {
            let same = if logged.is_finite() {
                (printed - logged).abs() <= 5e-6 * logged.abs()
            } else {
                printed.to_bits() == logged.to_bits() || (printed.is_nan() && logged.is_nan())
            };
            assert!(same, "{name}: printed {printed}, CSV {logged}");
        }
    }
    let settings = curvecheck::Settings::default();
    let verdict = |r| curvecheck::diagnose(r, &settings).verdict();
    assert_eq!(verdict(console), verdict(csv));
}

/// Issue 17: the Hugging Face Trainer's printed dicts (`make_hf.py`: transformers 5.24, torch 2.15,
/// a tiny BERT), stdout and stderr in one file with tqdm's progress bars between them, read the
/// values of the same run's trainer_state.json, to the 4 significant digits printed. transformers 5
/// prints them as quoted strings (`'loss': '0.6899'`); the closing summary dict is not a point.
#[test]
fn hf_trainer_console_output_reads_the_values_of_its_trainer_state() {
    let console = read("real-logs/console-log/hf-trainer-console.out");
    let state = read("real-logs/console-log/hf-trainer-state.json");
    assert_eq!(console.format.to_string(), "console-log");
    assert!(console.series_named("train_loss").is_none(), "the closing summary is not a point");
    for (name, points) in [("loss", 32), ("grad_norm", 32), ("learning_rate", 32), ("eval_loss", 8)] {
        let (c, s) = (console.series_named(name).unwrap(), state.series_named(name).unwrap());
        assert_eq!((c.len(), s.len()), (points, points), "{name}");
        // The console places points at the epoch printed beside them; the state at the step, with that epoch beside it.
        assert_eq!(c.x.as_slice(), s.epochs().unwrap(), "{name}");
        for (printed, logged) in c.values.iter().zip(&s.values) {
            assert!((printed - logged).abs() <= 5e-4 * logged.abs(), "{name}: printed {printed}, trainer_state {logged}");
        }
    }
    let settings = curvecheck::Settings::default();
    let verdict = |r| curvecheck::diagnose(r, &settings).verdict();
    assert_eq!(verdict(console), verdict(state));
}

/// Issue 17: Lightning's tqdm progress bar (`make_lightning.py`: Lightning 2.6.6, torch 2.15), which
/// redraws one line across epochs and shows an epoch's validation numbers only on the line after
/// the validation bar, reads the values of the same run's metrics.csv (3 significant digits printed).
#[test]
fn lightning_progress_bar_reads_the_values_of_its_csvlogger_twin() {
    let console = read("real-logs/console-log/lightning-progress.out");
    let csv = read("real-logs/console-log/lightning-progress-metrics.csv");
    assert_eq!((console.format.to_string(), csv.format.to_string()), ("console-log".into(), "lightning-csvlogger".into()));
    for name in ["train_loss", "val_loss"] {
        let (c, s) = (console.series_named(name).unwrap(), csv.series_named(name).unwrap());
        assert_eq!(c.len(), 8, "{name}: one point per epoch, not one per redraw");
        assert_eq!(c.x.as_slice(), s.epochs().unwrap(), "{name}");
        for (printed, logged) in c.values.iter().zip(&s.values) {
            assert!((printed - logged).abs() <= 5e-3 * logged.abs(), "{name}: printed {printed}, metrics.csv {logged}");
        }
    }
    let settings = curvecheck::Settings::default();
    let verdict = |r| curvecheck::diagnose(r, &settings).verdict();
    assert_eq!(verdict(console), verdict(csv));
}

/// Issue 17: PyTorch's `word_language_model` example (`make_pytorch_example.py`: the example's
/// own main.py, torch 2.15, a tiny LSTM) prints `| key value |` segments and has no structured
/// log; its training loss and validation loss read what a plain split of each line says.
#[test]
fn pytorch_example_output_reads_the_numbers_each_line_prints() {
    let path = "real-logs/console-log/pytorch-word-language-model.out";
    let run = read(path);
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(path)).unwrap();
    let field =
        |line: &str, key: &str| -> Option<f64> { line.split('|').find_map(|seg| seg.trim().strip_prefix(key)?.trim().parse().ok()) };
    let (mut loss, mut valid) = (Vec::new(), Vec::new());
    for line in text.lines() {
        if line.starts_with("| epoch") {
            loss.push(field(line, "loss ").unwrap());
        } else if line.starts_with("| end of epoch") {
            valid.push(field(line, "valid loss ").unwrap());
        }
    }
    assert_eq!((loss.len(), valid.len()), (40, 8));
    assert_eq!(run.series_named("loss").unwrap().values, loss);
    assert_eq!(run.series_named("valid loss").unwrap().values, valid);
    assert_eq!(*run.series_named("valid loss").unwrap().x, (1..=8).map(f64::from).collect::<Vec<_>>());
    // `| epoch 1 | 20/ 103 batches |` is a fifth of the way through the first epoch, which ends at 1.
    let x = &run.series_named("loss").unwrap().x;
    assert_eq!((x[0], x[4], x[5]), (20.0 / 103.0, 100.0 / 103.0, 1.0 + 20.0 / 103.0));
}

/// Issue 17: Ultralytics' console tables (`make_ultralytics.py`: Ultralytics 8.4.190, torch 2.15,
/// a YOLOv8n from its YAML on a drawn 32-image set, 40 epochs): numbers under a header, no
/// `key: value`. The training rows and the validation table's `all` row read the values of the
/// run's results.csv (to the 4 or 3 significant digits printed), under results.csv's names.
#[test]
fn ultralytics_console_tables_read_the_values_of_results_csv() {
    let console = read("real-logs/console-log/ultralytics-train.out");
    let csv = read("real-logs/console-log/ultralytics-results.csv");
    assert_eq!((console.format.to_string(), csv.format.to_string()), ("console-log".into(), "ultralytics".into()));
    let names = [
        "train/box_loss",
        "train/cls_loss",
        "train/dfl_loss",
        "metrics/precision(B)",
        "metrics/recall(B)",
        "metrics/mAP50(B)",
        "metrics/mAP50-95(B)",
    ];
    for name in names {
        let (c, s) = (console.series_named(name).unwrap(), csv.series_named(name).unwrap());
        assert_eq!(c.len(), 40, "{name}: one point per epoch, the best weights' last validation left out");
        assert_eq!(c.x, s.x, "{name}");
        for (printed, logged) in c.values.iter().zip(&s.values) {
            // Losses are printed `%.4g`, validation metrics `%.3g`.
            let digits = if name.starts_with("train/") { 6e-4 } else { 6e-3 };
            assert!((printed - logged).abs() <= digits * logged.abs().max(1e-3), "{name}: printed {printed}, results.csv {logged}");
        }
    }
    assert!(console.series_named("metrics/mAP50-95(B)").unwrap().values.iter().any(|v| *v > 0.0));
    let settings = curvecheck::Settings::default();
    let verdict = |r| curvecheck::diagnose(r, &settings).verdict();
    assert_eq!(verdict(console), verdict(csv));
}
