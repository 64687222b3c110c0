//! Small, documented statistics the rules share. All skip non-finite values;
//! means and medians come from statrs.

use statrs::statistics::{Data, OrderStatistics, Statistics};

/// Mean of the finite values; NaN when there are none.
pub fn mean(v: &[f64]) -> f64 {
    v.iter().filter(|x| x.is_finite()).mean()
}

/// Median of the finite values; NaN when there are none.
pub fn median(v: &[f64]) -> f64 {
    median_in_place(&mut v.iter().copied().filter(|x| x.is_finite()).collect::<Vec<_>>())
}

/// Median of values the caller has already made finite, selected in place (no copy): for long series.
pub fn median_in_place(v: &mut [f64]) -> f64 {
    debug_assert!(v.iter().all(|x| x.is_finite()), "median_in_place takes finite values");
    if v.is_empty() {
        return f64::NAN;
    }
    // statrs' `Median` would clone the data first; `OrderStatistics` selects in place.
    OrderStatistics::median(&mut Data::new(v))
}

/// Theil–Sen slope: the median of pairwise slopes, robust to a few outliers
/// (Sen 1968). O(n²) pairs, so long inputs are thinned to at most 200 points first.
pub fn theil_sen(x: &[f64], y: &[f64]) -> f64 {
    // Counted first, so a series of millions is thinned as it is read, never copied whole.
    let finite = || x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b));
    let step = finite().count().div_ceil(200).max(1);
    let pts: Vec<(f64, f64)> = finite().step_by(step).collect();
    let mut slopes = Vec::with_capacity(pts.len() * pts.len() / 2);
    for i in 0..pts.len() {
        for j in i + 1..pts.len() {
            let dx = pts[j].0 - pts[i].0;
            if dx != 0.0 {
                slopes.push((pts[j].1 - pts[i].1) / dx);
            }
        }
    }
    median(&slopes)
}

/// The noise of a curve around its trend: the robust standard deviation of its
/// point-to-point differences, `1.4826 · median|Δ| / √2` (differencing removes a
/// slow trend; the MAD ignores the few large steps of a real change). NaN for
/// fewer than 3 finite points.
///
/// ```
/// use curvecheck::rules::stats::noise_sd;
/// let sd = noise_sd(&[1.0, 0.9, 0.8, 0.7, 0.6]);
/// assert!((sd - 0.1 * 1.4826 / 2f64.sqrt()).abs() < 1e-12);
/// ```
pub fn noise_sd(v: &[f64]) -> f64 {
    let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.len() < 3 {
        return f64::NAN;
    }
    let mut d: Vec<f64> = finite.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    1.4826 * median_in_place(&mut d) / std::f64::consts::SQRT_2
}

/// Mean of the last `k` finite values.
pub fn tail_mean(v: &[f64], k: usize) -> f64 {
    // Read from the end, then put back in order: a long series is not copied.
    let mut last: Vec<f64> = v.iter().rev().copied().filter(|x| x.is_finite()).take(k).collect();
    last.reverse();
    mean(&last)
}

/// Index and value of the finite minimum.
pub fn argmin(v: &[f64]) -> Option<(usize, f64)> {
    v.iter().enumerate().filter(|(_, x)| x.is_finite()).min_by(|a, b| a.1.total_cmp(b.1)).map(|(i, &x)| (i, x))
}

/// Index and value of the finite maximum.
pub fn argmax(v: &[f64]) -> Option<(usize, f64)> {
    v.iter().enumerate().filter(|(_, x)| x.is_finite()).max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, &x)| (i, x))
}

/// Orients a metric so that larger is better, and scales percentages to 0–1.
pub fn oriented(values: &[f64], lower_is_better: bool) -> Vec<f64> {
    let percent = values.iter().filter(|v| v.is_finite()).any(|v| *v > 1.5);
    values
        .iter()
        .map(|v| {
            let v = if percent { v / 100.0 } else { *v };
            if lower_is_better {
                -v
            } else {
                v
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theil_sen_ignores_one_outlier() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let mut y: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
        y[5] = 100.0;
        assert!((theil_sen(&x, &y) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn statistics_skip_nan() {
        assert_eq!(mean(&[1.0, f64::NAN, 3.0]), 2.0);
        assert_eq!(median(&[f64::NAN, 5.0, 1.0, 3.0]), 3.0);
        assert_eq!(argmin(&[f64::NAN, 2.0, 1.0]), Some((2, 1.0)));
    }
}
