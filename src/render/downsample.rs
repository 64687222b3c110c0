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
    let pts = x.iter().copied().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite());
    if x.len() <= columns.saturating_mul(4) || columns == 0 {
        return pts.collect();
    }
    let (Some(&x0), Some(&x1)) = (x.iter().find(|a| a.is_finite()), x.iter().rfind(|a| a.is_finite())) else {
        return Vec::new();
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
    for (i, p) in pts.enumerate() {
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
    out
}
