//! Spike-preserving downsampling for drawing: per pixel column keep the first,
//! lowest, highest and last point (M4, Jugel et al. 2014). A line through the
//! kept points looks exactly like the line through all of them at that width,
//! and no spike disappears, which random sampling cannot promise.

/// First, lowest, highest and last `(index, point)` of one column.
type Kept = [(usize, (f64, f64)); 4];

/// Keeps at most four points per column of `columns` equal x-buckets over the
/// data's x range, in x order. Non-finite y are left out (they are marked separately).
///
/// ```
/// use curvecheck::render::downsample::m4;
/// let x: Vec<f64> = (0..1000).map(f64::from).collect();
/// let mut y = vec![0.0; 1000];
/// y[500] = 9.0;
/// let kept = m4(&x, &y, 10);
/// assert!(kept.len() <= 40);
/// assert!(kept.contains(&(500.0, 9.0)));
/// ```
pub fn m4(x: &[f64], y: &[f64], columns: usize) -> Vec<(f64, f64)> {
    m4_iter(x, y.iter().copied(), columns)
}

/// [`m4`] over y values computed as they are read (a smoothed curve that is
/// never stored), one per x. One pass: x is sorted, as every series' x is, so
/// its range is read from its ends (unsorted x still gives at most four points
/// per column, only in coarser columns).
pub fn m4_iter(x: &[f64], y: impl Iterator<Item = f64>, columns: usize) -> Vec<(f64, f64)> {
    m4_marking(x, y, columns).0
}

/// [`m4_iter`], also handing back the x of every point whose y is not finite
/// (drawn as marks), found in the same pass: y is read once, however costly.
///
/// ```
/// use curvecheck::render::downsample::m4_marking;
/// let (kept, bad) = m4_marking(&[0.0, 1.0, 2.0], [1.0, f64::NAN, 3.0].into_iter(), 100);
/// assert_eq!((kept, bad), (vec![(0.0, 1.0), (2.0, 3.0)], vec![1.0]));
/// ```
pub fn m4_marking(x: &[f64], y: impl Iterator<Item = f64>, columns: usize) -> (Vec<(f64, f64)>, Vec<f64>) {
    let mut bad = Vec::new();
    let pts = x.iter().copied().zip(y).enumerate().filter(|(_, (a, b))| {
        if !b.is_finite() {
            bad.push(*a);
        }
        a.is_finite() && b.is_finite()
    });
    if x.len() <= columns.saturating_mul(4) || columns == 0 {
        let kept = pts.map(|(_, p)| p).collect();
        return (kept, bad);
    }
    let (Some(&x0), Some(&x1)) = (x.iter().find(|a| a.is_finite()), x.iter().rfind(|a| a.is_finite())) else {
        // No finite x: nothing to keep, but the marks are still wanted.
        pts.for_each(drop);
        return (Vec::new(), bad);
    };
    let width = (x1 - x0).max(f64::MIN_POSITIVE);
    // `a >= x0`, so truncation is the floor (and avoids a libm call per point).
    let scale = columns as f64 / width;
    let bucket = |a: f64| (((a - x0) * scale) as usize).min(columns - 1);
    let mut out = Vec::with_capacity(columns * 4);
    let mut current: Option<(usize, Kept)> = None;
    let flush = |b: &Kept, out: &mut Vec<(f64, f64)>| {
        let mut idx: Vec<(usize, (f64, f64))> = b.to_vec();
        idx.sort_by_key(|p| p.0);
        idx.dedup_by_key(|p| p.0);
        out.extend(idx.into_iter().map(|p| p.1));
    };
    for (i, p) in pts {
        let b = bucket(p.0);
        match &mut current {
            Some((cb, keep)) if *cb == b => {
                if p.1 < keep[1].1 .1 {
                    keep[1] = (i, p);
                }
                if p.1 > keep[2].1 .1 {
                    keep[2] = (i, p);
                }
                keep[3] = (i, p);
            }
            _ => {
                if let Some((_, keep)) = &current {
                    flush(keep, &mut out);
                }
                current = Some((b, [(i, p); 4]));
            }
        }
    }
    if let Some((_, keep)) = &current {
        flush(keep, &mut out);
    }
    (out, bad)
}

/// [`m4_marking`] when x is sorted and finite (as every series' x is): each
/// column's points are found by binary search, so a point costs only its
/// lowest/highest comparisons. Same result; unsorted x takes the general loop.
pub fn m4_marking_sorted(x: &[f64], y: impl Iterator<Item = f64>, columns: usize) -> (Vec<(f64, f64)>, Vec<f64>) {
    let n = x.len();
    let finite_sorted = n > 0 && x[0].is_finite() && x[n - 1].is_finite() && x.is_sorted();
    if n <= columns.saturating_mul(4) || columns == 0 || !finite_sorted {
        return m4_marking(x, y, columns);
    }
    let (x0, x1) = (x[0], x[n - 1]);
    let width = (x1 - x0).max(f64::MIN_POSITIVE);
    let scale = columns as f64 / width;
    let bucket = |a: f64| (((a - x0) * scale) as usize).min(columns - 1);
    let mut y = y.fuse();
    let mut out = Vec::with_capacity(columns * 4);
    let mut bad = Vec::new();
    let mut lo = 0;
    while lo < n {
        let b = bucket(x[lo]);
        let hi = lo + x[lo..].partition_point(|&a| bucket(a) <= b).max(1);
        // First, lowest (first of equals), highest (first of equals) and last finite point of the column.
        let mut points = (lo..hi).zip(y.by_ref());
        let mut kept: Option<[(usize, f64); 4]> = None;
        for (i, v) in points.by_ref() {
            if v.is_finite() {
                kept = Some([(i, v); 4]);
                break;
            }
            bad.push(x[i]);
        }
        if let Some(k) = &mut kept {
            for (i, v) in points {
                if !v.is_finite() {
                    bad.push(x[i]);
                    continue;
                }
                if v < k[1].1 {
                    k[1] = (i, v);
                }
                if v > k[2].1 {
                    k[2] = (i, v);
                }
                k[3] = (i, v);
            }
        }
        if let Some(mut k) = kept {
            k.sort_by_key(|p| p.0);
            let mut last = None;
            for (i, v) in k {
                if last != Some(i) {
                    out.push((x[i], v));
                    last = Some(i);
                }
            }
        }
        lo = hi;
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The sorted version keeps exactly what the one-pass version keeps, NaN and inf
        /// included, on sorted x with repeats (several points in one column).
        #[test]
        fn sorted_version_keeps_the_same_points(
            steps in prop::collection::vec(0u8..4, 1..600),
            ys in prop::collection::vec(prop_oneof![8 => -1e3f64..1e3, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY)], 600),
            columns in 1usize..40,
        ) {
            let x: Vec<f64> = steps.iter().scan(0.0, |acc, &d| { *acc += f64::from(d); Some(*acc) }).collect();
            let y = &ys[..x.len()];
            let (a, a_bad) = m4_marking(&x, y.iter().copied(), columns);
            let (b, b_bad) = m4_marking_sorted(&x, y.iter().copied(), columns);
            prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
            prop_assert_eq!(a_bad, b_bad);
        }
    }
}
