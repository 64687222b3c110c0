//! The run model every later stage reads: a [`Run`] is a named set of [`Series`].
//!
//! Readers (`crate::ingest`) turn any log format into this shape; smoothing and
//! rules never see a file format again. A series keeps its name as logged, its
//! points in the order the default view shows them (after resumed runs were
//! resolved, see [`resolve_restarts`]), and a [`Role`] the rules can rely on.
//! Non-finite values are kept: a NaN loss is evidence, not noise.

pub mod format;
pub mod hparams;
pub mod role;

pub use format::LogFormat;
pub use hparams::{HValue, Hparams};
pub use role::{Kind, Role, Split};

use std::sync::Arc;

use serde::Serialize;

/// The x (or epoch) of every point of a series. Shared, not copied, between the
/// series read from the same rows: a 10-million-row CSV with a loss and a
/// learning-rate column holds its step column once.
pub type Points = Arc<Vec<f64>>;

/// What a series' x values count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    /// Optimizer steps (iterations, global steps, batches).
    Step,
    /// Epochs (passes over the training data); may be fractional (Hugging Face).
    Epoch,
}

impl Axis {
    /// The name reports, JSON and chart labels use: `step` or `epoch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Axis::Step => "step",
            Axis::Epoch => "epoch",
        }
    }
}

/// Where a resumed run went back in x, and what the default view dropped for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Restart {
    /// Index of the record (0-based, in file order) where x went back.
    pub record: usize,
    /// The largest x seen before the restart.
    pub from_x: f64,
    /// The x the run resumed at.
    pub to_x: f64,
    /// Earlier points at or beyond `to_x`, replaced by the later records.
    pub replaced: usize,
}

/// One logged quantity over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The name exactly as logged (column, key or tag).
    pub name: String,
    /// What the rules take the series for: inferred from `name` ([`Role::infer`]) unless `--metric` set it.
    pub role: Role,
    /// What `x` counts.
    pub axis: Axis,
    /// Step or epoch of each point, as `axis` says; non-decreasing after restarts are resolved.
    pub x: Points,
    /// The epoch of each point, when the log gives an epoch beside a step axis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Points>,
    /// The logged values; NaN and infinities kept as logged.
    pub values: Vec<f64>,
    /// Wall-clock time of each point (seconds since the Unix epoch), when the format records it (tfevents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_time: Option<Vec<f64>>,
    /// Resumed-run boundaries found in this series.
    pub restarts: Vec<Restart>,
    /// The user named this series for its role (`--metric`): rules pick it first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preferred: bool,
}

impl Series {
    /// An empty series on `axis`, its role inferred from `name`; readers fill in the points.
    pub fn new(name: impl Into<String>, axis: Axis) -> Self {
        let name = name.into();
        Series {
            role: Role::infer(&name),
            name,
            axis,
            x: Points::default(),
            epoch: None,
            values: Vec::new(),
            wall_time: None,
            restarts: Vec::new(),
            preferred: false,
        }
    }

    /// Points in the series, non-finite values included.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the series holds no point.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// How many values are NaN or infinite: evidence of divergence, kept as logged.
    pub fn non_finite_count(&self) -> usize {
        self.values.iter().filter(|v| !v.is_finite()).count()
    }

    /// First and last x, or `None` for an empty series.
    pub fn x_range(&self) -> Option<(f64, f64)> {
        Some((*self.x.first()?, *self.x.last()?))
    }

    /// Epoch of each point if known: the epoch column, or x itself on an epoch axis.
    pub fn epochs(&self) -> Option<&[f64]> {
        match (&self.epoch, self.axis) {
            (Some(e), _) => Some(e),
            (None, Axis::Epoch) => Some(&self.x),
            (None, Axis::Step) => None,
        }
    }
}

/// A record a reader could not use, with the reason. Never dropped silently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// 1-based line number for text formats, 0-based record index for binary ones.
    pub location: String,
    /// What was wrong with the record, in words for the user.
    pub reason: String,
}

/// How many skipped records are described one by one; the rest are counted.
pub const SKIPPED_DETAIL_CAP: usize = 200;

/// One training run: what was read, from where, and what could not be used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// The name reports show: `crate::ingest` derives it from the path (`crate::ingest::run_name`),
    /// except that MLflow runs and W&B exports carry their own run names.
    pub name: String,
    /// The file or directory the run was read from, as displayed in messages and reports.
    pub source: String,
    /// The detected (or forced) format, e.g. `keras-csvlogger`.
    pub format: LogFormat,
    /// The logged quantities, one [`Series`] per name the reader found.
    pub series: Vec<Series>,
    /// Records read (rows, lines, events), whether used or not.
    pub records: usize,
    /// How many records or cells could not be used; `skipped` lists the first [`SKIPPED_DETAIL_CAP`].
    pub skipped_count: usize,
    /// The first [`SKIPPED_DETAIL_CAP`] skipped records, each with its location and reason.
    pub skipped: Vec<Skipped>,
    /// Facts about the file worth telling the user (e.g. "3 columns held only text").
    pub notes: Vec<String>,
    /// The series the writer of the log selected checkpoints by (Hugging Face's
    /// `metric_for_best_model`, recognised from `best_metric`), when the log says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// Other sources of the same run (another format in the same run folder) merged into this one.
    pub merged: usize,
    /// The epoch column counts progress (Hugging Face: 7.63 = 7.63 epochs done, so an
    /// evaluation at the end of the first epoch says 1.0), not the 0-based index of the
    /// epoch a value belongs to (Keras, Lightning: the first epoch is 0).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub epoch_is_progress: bool,
    /// Hyperparameters: MLflow params as read; for file logs, what
    /// `crate::ingest::hparams` finds beside the log (read for `sweep`).
    #[serde(skip_serializing_if = "Hparams::is_empty")]
    pub hparams: Hparams,
}

impl Run {
    /// An empty run read from `source` in `format`. Readers usually pass an empty `name`
    /// and `crate::ingest` names the run once it is read.
    pub fn new(name: impl Into<String>, source: impl Into<String>, format: LogFormat) -> Self {
        Run {
            name: name.into(),
            source: source.into(),
            format,
            series: Vec::new(),
            records: 0,
            skipped_count: 0,
            skipped: Vec::new(),
            notes: Vec::new(),
            headline: None,
            merged: 0,
            epoch_is_progress: false,
            hparams: Hparams::default(),
        }
    }

    /// The first series logged under exactly this name, if any.
    pub fn series_named(&self, name: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.name == name)
    }

    /// Records something a reader could not use. Every call counts; details are kept for the first few.
    pub fn skip(&mut self, location: impl Into<String>, reason: impl Into<String>) {
        self.skipped_count += 1;
        if self.skipped.len() < SKIPPED_DETAIL_CAP {
            self.skipped.push(Skipped { location: location.into(), reason: reason.into() });
        }
    }

    /// How many times the run was resumed: the most restarts any one series shows.
    pub fn restart_count(&self) -> usize {
        self.series.iter().map(|s| s.restarts.len()).max().unwrap_or(0)
    }
}

/// How a reader treats a point logged again at the x of the point before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatedX {
    /// Several values at one step are real (TensorBoard: YOLO logs every batch at step = epoch).
    Keep,
    /// The same series logged twice at one x is a rerun that appended to the file (Detectron2's iteration 19).
    Restart,
}

/// Applies TensorBoard's rule for resumed runs to points in file order: when x
/// goes back, the later records replace every earlier point at or beyond the
/// new x. A repeated x is kept or treated as a restart, as `repeated` says.
///
/// Returns the kept indices (into the input order) and the restarts found.
///
/// ```
/// use curvecheck::model::{resolve_restarts, RepeatedX};
/// let (kept, restarts) = resolve_restarts(&[0.0, 1.0, 2.0, 1.0, 2.0, 3.0], RepeatedX::Keep);
/// assert_eq!(kept, vec![0, 3, 4, 5]);
/// assert_eq!(restarts.len(), 1);
/// assert_eq!(restarts[0].replaced, 2);
/// ```
pub fn resolve_restarts(x: &[f64], repeated: RepeatedX) -> (Vec<usize>, Vec<Restart>) {
    match find_restarts(x, repeated) {
        Some(r) => r,
        None => ((0..x.len()).collect(), Vec::new()),
    }
}

/// Like [`resolve_restarts`], but `None` when x never goes back (the common
/// case, checked in one pass without allocating), so callers keep their data as is.
/// Readers only place points at finite x.
pub fn find_restarts(x: &[f64], repeated: RepeatedX) -> Option<(Vec<usize>, Vec<Restart>)> {
    let monotone = match repeated {
        RepeatedX::Keep => x.windows(2).all(|w| w[1] >= w[0]),
        RepeatedX::Restart => x.windows(2).all(|w| w[1] > w[0]),
    };
    if monotone {
        return None;
    }
    let mut kept: Vec<usize> = Vec::with_capacity(x.len());
    let mut restarts = Vec::new();
    let mut max_x = f64::NEG_INFINITY;
    for (i, &xi) in x.iter().enumerate() {
        let went_back = xi < max_x || (repeated == RepeatedX::Restart && xi == max_x);
        if went_back {
            let cut = kept.partition_point(|&k| x[k] < xi);
            let replaced = kept.len() - cut;
            kept.truncate(cut);
            restarts.push(Restart { record: i, from_x: max_x, to_x: xi, replaced });
        }
        max_x = if went_back { xi } else { max_x.max(xi) };
        kept.push(i);
    }
    Some((kept, restarts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_back_to_start_replaces_the_whole_first_segment() {
        let (kept, restarts) = resolve_restarts(&[19.0, 39.0, 59.0, 19.0, 39.0], RepeatedX::Keep);
        assert_eq!(kept, vec![3, 4]);
        assert_eq!(restarts[0].replaced, 3);
        assert_eq!(restarts[0].from_x, 59.0);
    }

    #[test]
    fn repeated_x_is_not_a_restart() {
        let (kept, restarts) = resolve_restarts(&[1.0, 1.0, 1.0, 2.0], RepeatedX::Keep);
        assert_eq!(kept.len(), 4);
        assert!(restarts.is_empty());
        let (kept, restarts) = resolve_restarts(&[19.0, 19.0, 39.0], RepeatedX::Restart);
        assert_eq!(kept, vec![1, 2]);
        assert_eq!(restarts[0].replaced, 1);
    }

    #[test]
    fn two_restarts_are_both_recorded() {
        let (kept, restarts) = resolve_restarts(&[0.0, 1.0, 2.0, 0.0, 1.0, 0.0, 1.0, 2.0, 3.0], RepeatedX::Keep);
        assert_eq!(kept, vec![5, 6, 7, 8]);
        assert_eq!(restarts.len(), 2);
    }
}
