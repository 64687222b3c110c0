//! Smoothing: pure functions over `&[f64]`, each O(n).
//!
//! Losses are noisy; the lecture's advice is to look at a moving average over
//! the raw points. Non-finite points (a NaN loss) are never invented or hidden:
//! they pass through unchanged and are left out of every average.

/// Trailing simple moving average: `out[i]` is the mean of the finite values
/// among `values[i+1-window ..= i]`.
///
/// ```
/// use curvecheck::smooth::sma_trailing;
/// assert_eq!(sma_trailing(&[1.0, 2.0, 3.0, 4.0], 2), vec![1.0, 1.5, 2.5, 3.5]);
/// ```
pub fn sma_trailing(values: &[f64], window: usize) -> Vec<f64> {
    let window = window.max(1);
    let mut out = Vec::with_capacity(values.len());
    let (mut sum, mut count) = (0.0, 0usize);
    for (i, &v) in values.iter().enumerate() {
        if v.is_finite() {
            sum += v;
            count += 1;
        }
        if i >= window {
            let old = values[i - window];
            if old.is_finite() {
                sum -= old;
                count -= 1;
            }
        }
        out.push(if !v.is_finite() || count == 0 { v } else { sum / count as f64 });
    }
    out
}

/// Centred simple moving average over `window` points (`window / 2` on each
/// side, shrinking at the ends), finite values only.
///
/// ```
/// use curvecheck::smooth::sma_centered;
/// assert_eq!(sma_centered(&[1.0, 2.0, 3.0, 4.0, 5.0], 3), vec![1.5, 2.0, 3.0, 4.0, 4.5]);
/// ```
pub fn sma_centered(values: &[f64], window: usize) -> Vec<f64> {
    // A sliding window sum: O(n) time and nothing allocated beyond the output.
    let half = window.max(1) / 2;
    let n = values.len();
    let (mut sum, mut count) = (0.0, 0usize);
    let (mut lo, mut hi) = (0usize, 0usize);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (want_lo, want_hi) = (i.saturating_sub(half), (i + half + 1).min(n));
        while hi < want_hi {
            if values[hi].is_finite() {
                sum += values[hi];
                count += 1;
            }
            hi += 1;
        }
        while lo < want_lo {
            if values[lo].is_finite() {
                sum -= values[lo];
                count -= 1;
            }
            lo += 1;
        }
        out.push(if !values[i].is_finite() || count == 0 { values[i] } else { sum / count as f64 });
    }
    out
}

/// TensorBoard's debiased exponential moving average, exactly:
/// `m_k = w·m_{k-1} + (1-w)·y_k`, output `m_k / (1 - w^k)`, where `k` counts
/// finite points only. Non-finite points pass through and do not advance `k`;
/// a constant series is returned unchanged. `weight` is clamped to [0, 1]
/// (TensorBoard's slider default is 0.6).
///
/// ```
/// use curvecheck::smooth::ema_debiased;
/// let out = ema_debiased(&[1.0, 3.0], 0.5);
/// assert_eq!(out[0], 1.0);
/// // m_2 = 0.5·0.5 + 0.5·3 = 1.75; debiased by 1 - 0.5² = 0.75
/// assert!((out[1] - 1.75 / 0.75).abs() < 1e-12);
/// ```
pub fn ema_debiased(values: &[f64], weight: f64) -> Vec<f64> {
    let w = weight.clamp(0.0, 1.0);
    let first = values.iter().copied().find(|v| v.is_finite());
    if values.iter().all(|&v| !v.is_finite() || Some(v) == first) {
        return values.to_vec();
    }
    let mut last = 0.0;
    let mut w_pow = 1.0;
    values
        .iter()
        .map(|&y| {
            if !y.is_finite() {
                return y;
            }
            last = last * w + (1.0 - w) * y;
            w_pow *= w;
            let debias = 1.0 - w_pow;
            if debias > 0.0 {
                last / debias
            } else {
                y
            }
        })
        .collect()
}

/// Debiased EMA for unevenly spaced points: the weight of the past decays as
/// `w^(Δx / unit)`, so logging twice as often does not halve the smoothing
/// horizon. On evenly spaced points with `Δx = unit` it equals [`ema_debiased`].
///
/// `m_k = a·m_{k-1} + (1-a)·y_k`, `n_k = a·n_{k-1} + (1-a)`, output `m_k / n_k`,
/// with `a = w^(Δx/unit)`.
pub fn ema_time_weighted(x: &[f64], values: &[f64], weight: f64, unit: f64) -> Vec<f64> {
    let w = weight.clamp(0.0, 1.0);
    let unit = if unit > 0.0 && unit.is_finite() { unit } else { 1.0 };
    let (mut m, mut norm) = (0.0, 0.0);
    let mut prev_x: Option<f64> = None;
    x.iter()
        .zip(values)
        .map(|(&xi, &y)| {
            if !y.is_finite() {
                return y;
            }
            let a = match prev_x {
                Some(p) if xi > p => w.powf((xi - p) / unit),
                Some(_) => w,
                None => w,
            };
            prev_x = Some(xi);
            m = a * m + (1.0 - a) * y;
            norm = a * norm + (1.0 - a);
            if norm > 0.0 {
                m / norm
            } else {
                y
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_passes_through_and_does_not_count() {
        let out = ema_debiased(&[1.0, f64::NAN, 3.0], 0.5);
        assert!(out[1].is_nan());
        assert_eq!(out[2], ema_debiased(&[1.0, 3.0], 0.5)[1]);
    }

    #[test]
    fn time_weighted_equals_debiased_on_unit_spacing() {
        let y = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let x: Vec<f64> = (0..y.len()).map(|i| i as f64).collect();
        let a = ema_time_weighted(&x, &y, 0.6, 1.0);
        let b = ema_debiased(&y, 0.6);
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() < 1e-12, "{p} vs {q}");
        }
    }

    #[test]
    fn sma_skips_non_finite_in_the_window() {
        let out = sma_trailing(&[1.0, f64::INFINITY, 3.0], 3);
        assert_eq!(out[2], 2.0);
        assert!(out[1].is_infinite());
    }
}
