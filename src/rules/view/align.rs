//! Putting series logged at different points side by side: per-step values
//! averaged into their evaluation interval, the learning rate in effect at each.

use std::borrow::Cow;

/// `(key, value)` pairs sorted by key; points without a key are left out.
/// Logs are almost always in key order already: then nothing is copied.
fn sorted_pairs<'a>(keys: &'a [f64], values: &'a [f64]) -> (Cow<'a, [f64]>, Cow<'a, [f64]>) {
    if keys.windows(2).all(|w| w[0] <= w[1]) && keys.iter().all(|k| k.is_finite()) {
        return (Cow::Borrowed(keys), Cow::Borrowed(values));
    }
    let mut pairs: Vec<(f64, f64)> = keys.iter().zip(values).filter(|(k, _)| k.is_finite()).map(|(k, v)| (*k, *v)).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (k, v): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
    (Cow::Owned(k), Cow::Owned(v))
}

/// For each reference key, the mean of the finite values whose key lies in
/// `(previous reference key, this key]` (the first row takes everything up to
/// it). A row whose interval holds only non-finite values gets one of them, so
/// a NaN stays visible. O((n + m) log n) with prefix sums.
pub fn align_mean(reference: &[f64], keys: &[f64], values: &[f64]) -> Vec<f64> {
    let (k, v) = sorted_pairs(keys, values);
    let mut prev = f64::NEG_INFINITY;
    // Keys are sorted: one cursor walks them once, whatever the number of reference rows.
    let mut lo = 0usize;
    reference
        .iter()
        .map(|&r| {
            if r < prev {
                // A reference that goes back (rare): find its interval start again.
                lo = k.partition_point(|&x| x <= r);
            }
            while lo < k.len() && k[lo] <= prev {
                lo += 1;
            }
            let mut hi = lo;
            let (mut sum, mut n, mut non_finite) = (0.0, 0usize, None);
            while hi < k.len() && k[hi] <= r {
                let x = v[hi];
                if x.is_finite() {
                    sum += x;
                    n += 1;
                } else if non_finite.is_none() {
                    non_finite = Some(x);
                }
                hi += 1;
            }
            if r > prev {
                prev = r;
            }
            lo = hi;
            if n > 0 {
                sum / n as f64
            } else {
                non_finite.unwrap_or(f64::NAN)
            }
        })
        .collect()
}

/// For each reference key, the last value logged at or before it (the LR in effect).
pub fn align_last(reference: &[f64], keys: &[f64], values: &[f64]) -> Vec<f64> {
    let (k, v) = sorted_pairs(keys, values);
    reference
        .iter()
        .map(|&r| {
            let idx = k.partition_point(|&x| x <= r);
            if idx == 0 {
                f64::NAN
            } else {
                v[idx - 1]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_step_values_average_into_their_epoch() {
        let out = align_mean(&[0.0, 1.0], &[0.0, 0.0, 1.0, 1.0], &[4.0, 2.0, 1.0, f64::NAN]);
        assert_eq!(out, vec![3.0, 1.0]);
    }

    #[test]
    fn an_interval_of_only_nan_stays_nan() {
        let out = align_mean(&[0.0, 1.0], &[0.0, 1.0], &[1.0, f64::NAN]);
        assert!(out[1].is_nan());
    }

    #[test]
    fn lr_in_effect_is_the_last_logged_value() {
        assert_eq!(align_last(&[5.0, 10.0], &[0.0, 4.0, 8.0], &[0.1, 0.2, 0.3]), vec![0.2, 0.3]);
    }
}
