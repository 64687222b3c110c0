//! Collects points per series name while a reader walks its records, then
//! resolves resumed runs with TensorBoard's rule ([`crate::model::resolve_restarts`]).

use std::collections::HashMap;

use crate::model::{find_restarts, Axis, RepeatedX, Series};

#[derive(Debug)]
struct Pending {
    name: String,
    axis: Axis,
    x: Vec<f64>,
    epoch: Vec<f64>,
    has_epoch: bool,
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
}

impl SeriesBuilder {
    /// `repeated` says whether one series logged twice at the same x is a restart (text logs) or real (event files).
    pub fn new(repeated: RepeatedX) -> Self {
        SeriesBuilder { pending: Vec::new(), index: HashMap::new(), repeated }
    }

    /// Adds one point. The axis of a series is fixed by its first point.
    pub fn push(&mut self, name: &str, axis: Axis, x: f64, epoch: Option<f64>, value: f64) {
        self.push_timed(name, axis, x, epoch, value, None);
    }

    /// Adds one point with its wall-clock time.
    pub fn push_timed(&mut self, name: &str, axis: Axis, x: f64, epoch: Option<f64>, value: f64, wall: Option<f64>) {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.pending.push(Pending {
                    name: name.to_string(),
                    axis,
                    x: Vec::new(),
                    epoch: Vec::new(),
                    has_epoch: false,
                    values: Vec::new(),
                    wall: Vec::new(),
                    has_wall: false,
                });
                self.index.insert(name.to_string(), self.pending.len() - 1);
                self.pending.len() - 1
            }
        };
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
    pub fn push_column(&mut self, name: &str, axis: Axis, x: Vec<f64>, epoch: Option<Vec<f64>>, values: Vec<f64>) {
        debug_assert_eq!(x.len(), values.len());
        let has_epoch = epoch.is_some();
        let epoch = epoch.unwrap_or_default();
        self.index.insert(name.to_string(), self.pending.len());
        self.pending.push(Pending { name: name.to_string(), axis, x, epoch, has_epoch, values, wall: Vec::new(), has_wall: false });
    }

    /// Series in first-seen order, restarts resolved; series with no point are left out.
    pub fn finish(self) -> Vec<Series> {
        self.pending
            .into_iter()
            .filter(|p| !p.values.is_empty())
            .map(|p| {
                let (kept, restarts) = find_restarts(&p.x, self.repeated).unwrap_or_default();
                let pick = |v: Vec<f64>| -> Vec<f64> {
                    if restarts.is_empty() {
                        v
                    } else {
                        kept.iter().map(|&k| v[k]).collect()
                    }
                };
                let mut s = Series::new(p.name, p.axis);
                s.x = pick(p.x);
                s.values = pick(p.values);
                if p.has_epoch {
                    s.epoch = Some(pick(p.epoch));
                }
                if p.has_wall {
                    s.wall_time = Some(pick(p.wall));
                }
                s.restarts = restarts;
                s
            })
            .collect()
    }
}
