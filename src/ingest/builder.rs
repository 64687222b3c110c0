//! Collects points per series name while a reader walks its records, then
//! resolves resumed runs with TensorBoard's rule ([`crate::model::resolve_restarts`]).

use std::collections::HashMap;

use std::sync::Arc;

use crate::model::{find_restarts, Axis, Points, RepeatedX, Series};

#[derive(Debug)]
struct Pending {
    name: String,
    axis: Axis,
    x: Vec<f64>,
    epoch: Vec<f64>,
    has_epoch: bool,
    /// x and epoch shared with other columns of the same rows ([`SeriesBuilder::push_column`]), instead of `x`/`epoch`.
    shared: Option<(Points, Option<Points>)>,
    values: Vec<f64>,
    wall: Vec<f64>,
    has_wall: bool,
}

/// Gathers `(x, epoch, value)` points by series name, in file order.
#[derive(Debug)]
pub struct SeriesBuilder {
    pending: Vec<Pending>,
    index: HashMap<String, usize>,
    repeated: RepeatedX,
    /// The series pushed after the last one, the likely next (see `push_timed`).
    hint: usize,
}

impl SeriesBuilder {
    /// `repeated` says whether one series logged twice at the same x is a restart (text logs) or real (event files).
    pub fn new(repeated: RepeatedX) -> Self {
        SeriesBuilder { pending: Vec::new(), index: HashMap::new(), repeated, hint: 0 }
    }

    /// Adds one point. The axis of a series is fixed by its first point.
    pub fn push(&mut self, name: &str, axis: Axis, x: f64, epoch: Option<f64>, value: f64) {
        self.push_timed(name, axis, x, epoch, value, None);
    }

    /// Adds one point with its wall-clock time.
    pub fn push_timed(&mut self, name: &str, axis: Axis, x: f64, epoch: Option<f64>, value: f64, wall: Option<f64>) {
        // Records usually list their keys in the same order: the series after the last one pushed
        // is checked first, which spares hashing the name on every point.
        let hinted = self.pending.get(self.hint).filter(|p| p.name == name).map(|_| self.hint);
        let i = match hinted.or_else(|| self.index.get(name).copied()) {
            Some(i) => i,
            None => {
                self.pending.push(Pending {
                    name: name.to_string(),
                    axis,
                    x: Vec::new(),
                    epoch: Vec::new(),
                    shared: None,
                    has_epoch: false,
                    values: Vec::new(),
                    wall: Vec::new(),
                    has_wall: false,
                });
                self.index.insert(name.to_string(), self.pending.len() - 1);
                self.pending.len() - 1
            }
        };
        self.hint = i + 1;
        let p = &mut self.pending[i];
        p.x.push(x);
        p.epoch.push(epoch.unwrap_or(f64::NAN));
        p.has_epoch |= epoch.is_some();
        p.values.push(value);
        // Wall times are stored only once a series has one (earlier points get NaN).
        if wall.is_some() && !p.has_wall {
            p.wall.resize(p.values.len() - 1, f64::NAN);
            p.has_wall = true;
        }
        if p.has_wall {
            p.wall.push(wall.unwrap_or(f64::NAN));
        }
    }

    /// Adds a whole column at once (CSV readers); `epoch` must be as long as `x` when given.
    /// Columns read from the same rows pass the same `x` and `epoch`, which their series then share.
    pub fn push_column(&mut self, name: &str, axis: Axis, x: Points, epoch: Option<Points>, values: Vec<f64>) {
        debug_assert_eq!(x.len(), values.len());
        self.index.insert(name.to_string(), self.pending.len());
        self.pending.push(Pending {
            name: name.to_string(),
            axis,
            x: Vec::new(),
            epoch: Vec::new(),
            has_epoch: epoch.is_some(),
            shared: Some((x, epoch)),
            values,
            wall: Vec::new(),
            has_wall: false,
        });
    }

    /// Series in first-seen order, restarts resolved; series with no point are left out.
    pub fn finish(self) -> Vec<Series> {
        // A shared x column found in order once is not scanned again for the next series on it.
        let mut in_order: Vec<Points> = Vec::new();
        self.pending
            .into_iter()
            .filter(|p| !p.values.is_empty())
            .map(|p| {
                // Moving a Vec into an Arc copies nothing (only the Vec's header is boxed).
                let (x, epoch) = p.shared.unwrap_or_else(|| (Arc::new(p.x), p.has_epoch.then(|| Arc::new(p.epoch))));
                let known = in_order.iter().any(|o| Arc::ptr_eq(o, &x));
                let found = if known { None } else { find_restarts(&x, self.repeated) };
                if !known && found.is_none() {
                    in_order.push(Arc::clone(&x));
                }
                let (kept, restarts) = found.unwrap_or_default();
                let keep = |v: &[f64]| -> Vec<f64> { kept.iter().map(|&k| v[k]).collect() };
                let pick = |v: Vec<f64>| if restarts.is_empty() { v } else { keep(&v) };
                // A shared column stays shared unless this series resumed (then it keeps its own points).
                let pick_shared = |v: Points| if restarts.is_empty() { v } else { Arc::new(keep(&v)) };
                let mut s = Series::new(p.name, p.axis);
                s.x = pick_shared(x);
                s.values = pick(p.values);
                s.epoch = epoch.map(pick_shared);
                if p.has_wall {
                    s.wall_time = Some(pick(p.wall));
                }
                s.restarts = restarts;
                s
            })
            .collect()
    }
}
