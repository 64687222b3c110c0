//! Smoothing against an independent implementation (pandas, stored in
//! fixtures/smooth/ema_pandas.csv by make_ema_oracle.py) and property tests.

mod common;

use curvecheck::smooth::{ema_debiased, ema_time_weighted, sma_centered, sma_trailing};
use proptest::prelude::*;

#[test]
fn debiased_ema_equals_pandas_ewm_adjust_on_a_real_loss_curve() {
    let text = std::fs::read_to_string(common::fixture("smooth/ema_pandas.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<f64>> = lines.map(|l| l.split(',').map(|c| c.parse().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 600);
    let loss: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    let steps: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    for (col, name) in header.iter().enumerate().skip(2) {
        let w: f64 = name.trim_start_matches("ema_").parse().unwrap();
        let ours = ema_debiased(&loss, w);
        let timed = ema_time_weighted(&steps, &loss, w, 1.0);
        for (i, row) in rows.iter().enumerate() {
            let expected = row[col];
            assert!((ours[i] - expected).abs() <= 1e-12 * expected.abs().max(1.0), "w={w} point {i}: {} vs pandas {expected}", ours[i]);
            assert!((timed[i] - expected).abs() <= 1e-9 * expected.abs().max(1.0), "time-weighted w={w} point {i}");
        }
    }
}

#[test]
fn time_weighted_ema_does_not_change_with_logging_frequency() {
    // A step change logged every step and every 10th step: after 50 steps both have moved the same way.
    let dense_x: Vec<f64> = (0..=100).map(f64::from).collect();
    let dense_y: Vec<f64> = dense_x.iter().map(|&x| if x < 50.0 { 1.0 } else { 0.0 }).collect();
    let sparse_x: Vec<f64> = (0..=10).map(|i| f64::from(i) * 10.0).collect();
    let sparse_y: Vec<f64> = sparse_x.iter().map(|&x| if x < 50.0 { 1.0 } else { 0.0 }).collect();
    let dense = ema_time_weighted(&dense_x, &dense_y, 0.95, 1.0);
    let sparse = ema_time_weighted(&sparse_x, &sparse_y, 0.95, 1.0);
    // At step 100 the weight of the old level is 0.95^50 on both grids (up to the grid's discretisation).
    assert!((dense[100] - sparse[10]).abs() < 0.05, "{} vs {}", dense[100], sparse[10]);
    let plain = ema_debiased(&sparse_y, 0.95);
    assert!(plain[10] > sparse[10] + 0.2, "per-point EMA over-smooths sparse logs: {}", plain[10]);
}

fn finite_vec() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1e6f64..1e6, 1..200)
}

proptest! {
    #[test]
    fn ema_of_a_constant_is_that_constant(c in -1e6f64..1e6, n in 1usize..100, w in 0.0f64..1.0) {
        let out = ema_debiased(&vec![c; n], w);
        prop_assert!(out.iter().all(|v| *v == c));
    }

    #[test]
    fn smoothing_finite_input_gives_finite_output_within_its_range(y in finite_vec(), w in 0.0f64..0.999, win in 1usize..20) {
        let (lo, hi) = y.iter().fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
        let x: Vec<f64> = (0..y.len()).map(|i| i as f64 * 3.0).collect();
        for out in [ema_debiased(&y, w), sma_trailing(&y, win), sma_centered(&y, win), ema_time_weighted(&x, &y, w, 1.0)] {
            prop_assert_eq!(out.len(), y.len());
            for v in out {
                prop_assert!(v.is_finite());
                let tol = 1e-9 * (hi - lo).abs().max(1.0);
                prop_assert!(v >= lo - tol && v <= hi + tol, "{} outside [{}, {}]", v, lo, hi);
            }
        }
    }

    #[test]
    fn nan_points_pass_through_and_others_stay_finite(y in finite_vec(), at in 0usize..200, w in 0.0f64..0.99) {
        let mut y = y;
        let at = at % y.len();
        y[at] = f64::NAN;
        for out in [ema_debiased(&y, w), sma_trailing(&y, 5), sma_centered(&y, 5)] {
            prop_assert!(out[at].is_nan());
            prop_assert!(out.iter().enumerate().all(|(i, v)| i == at || v.is_finite()));
        }
    }

    /// The sliding-window sums equal the mean computed window by window (the definition), NaN included.
    #[test]
    fn moving_averages_equal_window_by_window_means(y in finite_vec(), nan_at in prop::collection::vec(0usize..200, 0..5), win in 1usize..30) {
        let mut y = y;
        for i in nan_at {
            let n = y.len();
            y[i % n] = f64::NAN;
        }
        let mean_of = |w: &[f64]| {
            let f: Vec<f64> = w.iter().copied().filter(|v| v.is_finite()).collect();
            f.iter().sum::<f64>() / f.len() as f64
        };
        let (trailing, centred) = (sma_trailing(&y, win), sma_centered(&y, win));
        for i in 0..y.len() {
            let want_t = if y[i].is_finite() { mean_of(&y[(i + 1).saturating_sub(win)..=i]) } else { y[i] };
            let half = win / 2;
            let want_c = if y[i].is_finite() { mean_of(&y[i.saturating_sub(half)..(i + half + 1).min(y.len())]) } else { y[i] };
            for (got, want) in [(trailing[i], want_t), (centred[i], want_c)] {
                prop_assert!(got.is_nan() && want.is_nan() || (got - want).abs() <= 1e-6 * want.abs().max(1.0), "{} vs {} at {}", got, want, i);
            }
        }
    }
}
