//! Which series are logged once per epoch (or per evaluation), decided once per run:
//! the view prefers per-epoch series for the table and per-step ones for the fine loss.

use crate::model::{Axis, Run, Series};

/// A series with at most this many points per epoch is read as per-epoch.
const EPOCH_LEVEL_POINTS: f64 = 1.5;

fn points_per_epoch(s: &Series) -> Option<f64> {
    let e = s.epochs()?;
    let floors = || e.iter().filter(|v| v.is_finite()).map(|&v| fast_floor(v));
    // Epochs are non-decreasing in every log seen: one pass counts points and changes; sort only otherwise.
    let (mut count, mut changes, mut monotone) = (0usize, 0usize, true);
    // The last finite epoch and its floor. Equal neighbours (almost all of a per-step epoch
    // column of millions) share a floor: only a change of value needs one taken.
    let mut last: Option<(f64, i64)> = None;
    for &v in e.iter().filter(|v| v.is_finite()) {
        count += 1;
        match last {
            Some((lv, _)) if lv == v => {}
            Some((_, lf)) => {
                let f = fast_floor(v);
                monotone &= lf <= f;
                changes += usize::from(lf != f);
                last = Some((v, f));
            }
            None => last = Some((v, fast_floor(v))),
        }
    }
    let distinct = if monotone {
        changes + usize::from(count > 0)
    } else {
        let mut d: Vec<i64> = floors().collect();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    (distinct > 0).then(|| count as f64 / distinct as f64)
}

/// `v.floor() as i64` without a libm call per point (the default x86-64 target has no SSE4.1 `roundsd`).
fn fast_floor(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) > v {
        t - 1
    } else {
        t
    }
}

/// Whether each series of a run is per-epoch, computed once (it scans every point).
pub(super) struct Levels<'a> {
    pub(super) run: &'a Run,
    level: Vec<bool>,
    /// The qualifier of the headline metric's name (`cls` in `cls_val_accuracy`): losses of the
    /// same model are preferred when one log holds two fits.
    pub(super) family: Option<Vec<String>>,
}

impl<'a> Levels<'a> {
    pub(super) fn new(run: &'a Run) -> Self {
        // Series read from the same rows share one epoch column: it is scanned once.
        let mut seen: Vec<(*const f64, usize, bool)> = Vec::new();
        let level = run
            .series
            .iter()
            .map(|s| match s.epochs() {
                Some(e) if e.len() > 1 => {
                    let key = (e.as_ptr(), e.len());
                    seen.iter().find(|(p, n, _)| (*p, *n) == key).map(|c| c.2).unwrap_or_else(|| {
                        let l = is_epoch_level(s);
                        seen.push((key.0, key.1, l));
                        l
                    })
                }
                _ => is_epoch_level(s),
            })
            .collect();
        Levels { run, level, family: None }
    }

    pub(super) fn of(&self, s: &Series) -> bool {
        self.run.series.iter().position(|x| std::ptr::eq(x, s)).map_or_else(|| is_epoch_level(s), |i| self.level[i])
    }
}

fn is_epoch_level(s: &Series) -> bool {
    match points_per_epoch(s) {
        Some(p) => p <= EPOCH_LEVEL_POINTS,
        None => s.axis == Axis::Epoch,
    }
}
