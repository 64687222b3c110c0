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
    SmaTrailing::new(values, window).collect()
}

/// Centred simple moving average over `window` points (`window / 2` on each
/// side, shrinking at the ends), finite values only.
///
/// ```
/// use curvecheck::smooth::sma_centered;
/// assert_eq!(sma_centered(&[1.0, 2.0, 3.0, 4.0, 5.0], 3), vec![1.5, 2.0, 3.0, 4.0, 4.5]);
/// ```
pub fn sma_centered(values: &[f64], window: usize) -> Vec<f64> {
    SmaCentered::new(values, window).collect()
}

/// [`sma_trailing`] one point at a time, for a rule that needs a summary of the
/// smoothed curve (its peak, where it crosses a level) rather than the curve:
/// a 10-million-step loss is then smoothed without an 80 MB buffer.
///
/// ```
/// use curvecheck::smooth::{sma_trailing, SmaTrailing};
/// let y = [1.0, 5.0, f64::NAN, 3.0];
/// let streamed: Vec<f64> = SmaTrailing::new(&y, 2).collect();
/// assert_eq!(format!("{streamed:?}"), format!("{:?}", sma_trailing(&y, 2)));
/// ```
#[derive(Debug, Clone)]
pub struct SmaTrailing<'a> {
    values: &'a [f64],
    window: usize,
    i: usize,
    sum: f64,
    count: usize,
}

impl<'a> SmaTrailing<'a> {
    /// Averages over the last `window` points; a `window` of 0 is taken as 1 (no smoothing).
    pub fn new(values: &'a [f64], window: usize) -> Self {
        SmaTrailing { values, window: window.max(1), i: 0, sum: 0.0, count: 0 }
    }
}

impl Iterator for SmaTrailing<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        let v = *self.values.get(self.i)?;
        if v.is_finite() {
            self.sum += v;
            self.count += 1;
        }
        if self.i >= self.window {
            let old = self.values[self.i - self.window];
            if old.is_finite() {
                self.sum -= old;
                self.count -= 1;
            }
        }
        self.i += 1;
        Some(if !v.is_finite() || self.count == 0 { v } else { self.sum / self.count as f64 })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.values.len() - self.i;
        (left, Some(left))
    }
}

impl ExactSizeIterator for SmaTrailing<'_> {}

/// [`sma_centered`] one point at a time (a sliding window sum: O(n), nothing allocated).
#[derive(Debug, Clone)]
pub struct SmaCentered<'a> {
    values: &'a [f64],
    half: usize,
    i: usize,
    lo: usize,
    hi: usize,
    sum: f64,
    count: usize,
}

impl<'a> SmaCentered<'a> {
    /// Averages over `window / 2` points on each side; a `window` below 2 leaves the values as they are.
    pub fn new(values: &'a [f64], window: usize) -> Self {
        SmaCentered { values, half: window.max(1) / 2, i: 0, lo: 0, hi: 0, sum: 0.0, count: 0 }
    }
}

impl Iterator for SmaCentered<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        let (values, i) = (self.values, self.i);
        let v = *values.get(i)?;
        let (want_lo, want_hi) = (i.saturating_sub(self.half), (i + self.half + 1).min(values.len()));
        while self.hi < want_hi {
            if values[self.hi].is_finite() {
                self.sum += values[self.hi];
                self.count += 1;
            }
            self.hi += 1;
        }
        while self.lo < want_lo {
            if values[self.lo].is_finite() {
                self.sum -= values[self.lo];
                self.count -= 1;
            }
            self.lo += 1;
        }
        self.i += 1;
        Some(if !v.is_finite() || self.count == 0 { v } else { self.sum / self.count as f64 })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.values.len() - self.i;
        (left, Some(left))
    }
}

impl ExactSizeIterator for SmaCentered<'_> {}

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
    EmaTimeWeighted::new(x, values, weight, unit).collect()
}

/// [`ema_time_weighted`] one point at a time: a chart draws the smoothed curve
/// of a 10-million-step loss through its downsampler without storing it.
#[derive(Debug, Clone)]
pub struct EmaTimeWeighted<'a> {
    x: &'a [f64],
    values: &'a [f64],
    i: usize,
    w: f64,
    unit: f64,
    m: f64,
    norm: f64,
    prev_x: Option<f64>,
    /// The last spacing seen and its decay: logs are evenly spaced almost everywhere,
    /// so `powf` runs once per distinct spacing, not per point.
    last_dx: f64,
    last_a: f64,
}

impl<'a> EmaTimeWeighted<'a> {
    /// `weight` is clamped to [0, 1]; a `unit` that is not positive and finite is taken as 1.
    /// Yields as many points as the shorter of `x` and `values`.
    pub fn new(x: &'a [f64], values: &'a [f64], weight: f64, unit: f64) -> Self {
        let w = weight.clamp(0.0, 1.0);
        let unit = if unit > 0.0 && unit.is_finite() { unit } else { 1.0 };
        EmaTimeWeighted { x, values, i: 0, w, unit, m: 0.0, norm: 0.0, prev_x: None, last_dx: f64::NAN, last_a: w }
    }
}

impl Iterator for EmaTimeWeighted<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        let (&xi, &y) = (self.x.get(self.i)?, self.values.get(self.i)?);
        self.i += 1;
        if !y.is_finite() {
            return Some(y);
        }
        let a = match self.prev_x {
            Some(p) if xi > p => {
                let dx = xi - p;
                if dx != self.last_dx {
                    self.last_dx = dx;
                    self.last_a = self.w.powf(dx / self.unit);
                }
                self.last_a
            }
            _ => self.w,
        };
        self.prev_x = Some(xi);
        self.m = a * self.m + (1.0 - a) * y;
        self.norm = a * self.norm + (1.0 - a);
        Some(if self.norm > 0.0 { self.m / self.norm } else { y })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.x.len().min(self.values.len()) - self.i;
        (left, Some(left))
    }
}

impl ExactSizeIterator for EmaTimeWeighted<'_> {}

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
