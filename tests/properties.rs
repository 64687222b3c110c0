//! Properties of the rules and readers on arbitrary input: nothing panics,
//! finite input gives finite evidence. (Smoothing properties: tests/smooth.rs.)

use curvecheck::ingest::{read_file, ReadOptions};
use curvecheck::model::{Axis, Run, Series};
use curvecheck::rules::{diagnose, Settings};
use proptest::prelude::*;

/// A run with a per-step train loss and LR, and per-epoch validation loss and accuracy.
fn run_from(loss: &[f64], val: &[f64], acc: &[f64], lr: &[f64]) -> Run {
    let mut run = Run::new("prop", "prop", curvecheck::model::LogFormat::Csv);
    let mut push = |name: &str, axis: Axis, values: &[f64]| {
        let mut s = Series::new(name, axis);
        s.x = std::sync::Arc::new((0..values.len()).map(|i| i as f64).collect());
        s.values = values.to_vec();
        run.series.push(s);
    };
    push("train/loss", Axis::Step, loss);
    push("lr", Axis::Step, lr);
    push("epoch/val_loss", Axis::Epoch, val);
    push("epoch/val_accuracy", Axis::Epoch, acc);
    push("epoch/loss", Axis::Epoch, &loss.iter().take(val.len()).copied().collect::<Vec<_>>());
    push("epoch/accuracy", Axis::Epoch, acc);
    run
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![8 => -1e3f64..1e3, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY), 1 => Just(0.0), 1 => Just(1e300)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_rule_panics_on_arbitrary_values(
        loss in prop::collection::vec(any_f64(), 0..300),
        val in prop::collection::vec(any_f64(), 0..40),
        acc in prop::collection::vec(any_f64(), 0..40),
        lr in prop::collection::vec(any_f64(), 0..300),
    ) {
        let findings = diagnose(&run_from(&loss, &val, &acc, &lr), &Settings::default());
        for f in findings {
            prop_assert!((0.0..=1.0).contains(&f.confidence), "{}: confidence {}", f.rule, f.confidence);
        }
    }

    #[test]
    fn finite_positive_input_gives_finite_spans_and_confidences(
        loss in prop::collection::vec(1e-3f64..10.0, 0..300),
        val in prop::collection::vec(1e-3f64..10.0, 0..40),
        acc in prop::collection::vec(0.0f64..1.0, 0..40),
        lr in prop::collection::vec(1e-6f64..1.0, 0..300),
    ) {
        for f in diagnose(&run_from(&loss, &val, &acc, &lr), &Settings::default()) {
            prop_assert!(f.span.start.is_finite() && f.span.end.is_finite(), "{}: span {:?}", f.rule, f.span);
            prop_assert!(f.confidence.is_finite());
        }
    }

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048), ext in prop_oneof![Just("csv"), Just("json"), Just("jsonl"), Just("log")]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("f.{ext}"));
        std::fs::write(&path, &bytes).unwrap();
        let _ = read_file(&path, &ReadOptions::default());
    }
}

#[test]
fn no_rule_panics_on_0_1_2_or_a_million_points() {
    for n in [0usize, 1, 2, 1_000_000] {
        let loss: Vec<f64> = (0..n).map(|i| 2.0 * (-(i as f64) / (n as f64 + 1.0) * 5.0).exp() + 0.01 * ((i * 7) % 13) as f64).collect();
        let epochs = (n / 1000).max(n.min(3));
        let val: Vec<f64> = (0..epochs).map(|e| 1.0 / (1.0 + e as f64)).collect();
        let acc: Vec<f64> = (0..epochs).map(|e| 1.0 - 1.0 / (2.0 + e as f64)).collect();
        let lr = vec![0.1; n];
        let _ = diagnose(&run_from(&loss, &val, &acc, &lr), &Settings::default());
    }
}
