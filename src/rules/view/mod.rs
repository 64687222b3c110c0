//! What the rules look at: the run's primary curves, picked once, and a table
//! of the evaluation points with train values aligned to them.
//!
//! Logs hold many series; rules need "the" train loss, "the" validation loss,
//! "the" accuracy and "the" learning rate. [`RunView::new`] picks them by role,
//! then by how canonical the name is (`loss` before `loss_cls`), preferring what
//! the user named with `--metric`. The [`EvalTable`] puts validation points and
//! the train values of the same epoch (or step interval) side by side, so
//! per-epoch rules read the same numbers from a Keras CSV, a Lightning CSV, a
//! JSON-lines file or an event file.

mod align;
mod levels;
mod names;
mod pick;

pub use align::{align_last, align_mean};
pub use names::metric_rank;

use levels::Levels;
use names::{family_distance, name_score, qualifier};
use pick::{matching_train_metric, pick};

use crate::model::{Axis, Kind, Run, Series, Split};

/// Per-step losses whose median is the initial loss.
const INITIAL_POINTS: usize = 5;

/// A picked series and whether it is logged once per epoch (or per evaluation).
#[derive(Debug, Clone, Copy)]
pub struct Pick<'a> {
    /// The series itself.
    pub series: &'a Series,
    /// Logged about once per epoch (or evaluation), rather than per step.
    pub epoch_level: bool,
}

#[derive(Debug)]
/// "The" curves of a run, picked once, and the table of its evaluations: what every rule reads.
pub struct RunView<'a> {
    /// The run the curves come from.
    pub run: &'a Run,
    /// Train loss at the finest granularity logged (per step when available).
    pub train_loss_fine: Option<Pick<'a>>,
    /// The training loss to compare with validation: per epoch when logged so.
    pub train_loss: Option<Pick<'a>>,
    /// The validation (or, without one, test) loss.
    pub val_loss: Option<Pick<'a>>,
    /// The training twin of the validation metric.
    pub train_metric: Option<Pick<'a>>,
    /// The headline validation metric (see [`metric_rank`]).
    pub val_metric: Option<Pick<'a>>,
    /// The learning rate at its finest granularity.
    pub lr: Option<Pick<'a>>,
    /// The learning rate per epoch, when logged so (aligns best with per-epoch rows).
    pub lr_epoch: Option<Pick<'a>>,
    /// The logged update/weight ratio.
    pub update_ratio: Option<Pick<'a>>,
    /// The evaluations, with every picked curve aligned to them.
    pub table: EvalTable,
}

/// What [`RunView::new`] chose, by series index, and the table it built,
/// without borrowing the run: a report keeps it, so its chart and summaries
/// get the same view back ([`RunView::from_parts`]) without rescanning
/// millions of points.
#[derive(Debug, Clone, Default)]
pub struct ViewParts {
    /// `(series index, epoch level)` of each pick, in [`RunView`]'s field order.
    picks: [Option<(usize, bool)>; 8],
    table: EvalTable,
}

/// Rows at the evaluation points; every column aligned to `x`.
#[derive(Debug, Clone, Default)]
pub struct EvalTable {
    /// The unit of `x`: epochs for whole-epoch evaluations, else steps.
    pub axis: Option<Axis>,
    /// Where each evaluation was made.
    pub x: Vec<f64>,
    /// The validation loss at each evaluation.
    pub val_loss: Option<Vec<f64>>,
    /// The headline validation metric at each evaluation.
    pub val_metric: Option<Vec<f64>>,
    /// The training loss over each evaluation's interval (its mean).
    pub train_loss: Option<Vec<f64>>,
    /// The training metric over each interval.
    pub train_metric: Option<Vec<f64>>,
    /// The learning rate in effect at each evaluation.
    pub lr: Option<Vec<f64>>,
    /// True when the metric columns are lower-is-better (error, WER).
    pub metric_lower_is_better: bool,
    /// The validation metric is the run's headline (see [`RunView::new`]); else the validation loss is.
    pub metric_is_headline: bool,
}

impl EvalTable {
    /// How many evaluations.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// No evaluation at all.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

impl<'a> RunView<'a> {
    /// Picks the curves of a run and builds its table (scans every point once).
    pub fn new(run: &'a Run) -> Self {
        let mut levels = Levels::new(run);
        let loss = [Kind::Loss];
        let metric = [Kind::MetricHigher, Kind::MetricLower];
        let val = [Split::Validation, Split::Test];
        // The headline metric first: a log holding two models' fits (`cls_*`, `reg_*`) is read as the one it scores.
        let val_metric = pick(&levels, &val, &metric, None, true);
        if let Some(vm) = val_metric {
            let q = qualifier(&vm.series.name);
            let shared = run.series.iter().filter(|s| s.role.kind == Kind::Loss && qualifier(&s.name) == q).count();
            if !q.is_empty() && shared > 0 {
                levels.family = Some(q);
            }
        }
        let train_loss_fine =
            pick(&levels, &[Split::Train], &loss, Some(false), false).or_else(|| pick(&levels, &[Split::Train], &loss, None, false));
        let train_loss = pick(&levels, &[Split::Train], &loss, Some(true), false).or(train_loss_fine);
        let val_loss = pick(&levels, &val, &loss, None, false);
        // The training twin of the validation metric (`acc` for `val_acc`); another training metric only when
        // there is no validation metric (Detectron2's `fast_rcnn/cls_accuracy` is not the twin of `bbox/AP`).
        let train_metric = match val_metric {
            Some(vm) => matching_train_metric(&levels, vm.series),
            None => {
                pick(&levels, &[Split::Train], &metric, Some(true), true).or_else(|| pick(&levels, &[Split::Train], &metric, None, true))
            }
        };
        let lr = pick(&levels, &[Split::Other], &[Kind::LearningRate], Some(false), false)
            .or_else(|| pick(&levels, &[Split::Other], &[Kind::LearningRate], None, false));
        let lr_epoch = pick(&levels, &[Split::Other], &[Kind::LearningRate], Some(true), false);
        let update_ratio = pick(&levels, &[Split::Other], &[Kind::UpdateRatio], None, false);
        let mut view = RunView {
            run,
            train_loss_fine,
            train_loss,
            val_loss,
            train_metric,
            val_metric,
            lr,
            lr_epoch,
            update_ratio,
            table: EvalTable::default(),
        };
        // A train loss logged at exactly the validation points (a per-epoch tag beside a
        // per-batch one, both on a step axis) is the one to compare validation with.
        if let Some(r) = view.val_loss.or(view.val_metric).map(|p| p.series) {
            let twin = run
                .series
                .iter()
                .filter(|s| {
                    s.role.split == Split::Train && s.role.kind == Kind::Loss && s.axis == r.axis && s.x == r.x && s.epoch.is_none()
                })
                .min_by_key(|s| (family_distance(s, levels.family.as_deref()), name_score(&s.name, false)));
            if let Some(series) = twin {
                view.train_loss = Some(Pick { series, epoch_level: true });
            }
        }
        view.table = view.build_table();
        view
    }

    fn build_table(&self) -> EvalTable {
        let reference = self.val_loss.or(self.val_metric).or(self.train_loss.filter(|p| p.epoch_level));
        let Some(reference) = reference else {
            return EvalTable::default();
        };
        let r = reference.series;
        // Evaluations at whole epochs (Keras, Lightning, YOLO) are rows per epoch; evaluations
        // mid-epoch (Hugging Face's eval every N steps: epoch 1.73) are identified by their step.
        // Progress epochs (Hugging Face) and a counter that resets (streaming datasets) stay on steps.
        let on_epoch = match r.epochs() {
            Some(_) if r.axis == Axis::Epoch => true,
            Some(e) => {
                let finite = || e.iter().copied().filter(|v| v.is_finite());
                !self.run.epoch_is_progress && finite().all(|v| v.fract() == 0.0) && finite().zip(finite().skip(1)).all(|(a, b)| a <= b)
            }
            None => false,
        };
        // Borrowed, not copied: a per-step series of millions of points is aligned in place.
        let key = |s: &'a Series| -> Option<&'a [f64]> {
            if on_epoch {
                s.epochs()
            } else if s.axis == r.axis {
                Some(&s.x)
            } else {
                None
            }
        };
        let Some(ref_key) = key(r) else {
            return EvalTable::default();
        };
        let align = |p: Option<Pick<'a>>, last: bool| -> Option<Vec<f64>> {
            let s = p?.series;
            if std::ptr::eq(s, r) {
                return Some(s.values.clone());
            }
            let k = key(s)?;
            Some(if last { align_last(ref_key, k, &s.values) } else { align_mean(ref_key, k, &s.values) })
        };
        let metric_lower = self.val_metric.or(self.train_metric).is_some_and(|p| p.series.role.kind == Kind::MetricLower);
        let train_loss = self.train_loss;
        // On a long run the per-step train loss and LR (millions of points each) are aligned side by side.
        let par = crate::parallel::worth_it(self.run);
        let ((train_loss, lr), (val_loss, val_metric, train_metric)) = crate::parallel::join(
            par,
            || crate::parallel::join(par, || align(train_loss, false), || align(self.lr_epoch, true).or_else(|| align(self.lr, true))),
            || (align(self.val_loss, false), align(self.val_metric, false), align(self.train_metric, false)),
        );
        EvalTable {
            axis: Some(if on_epoch { Axis::Epoch } else { r.axis }),
            x: ref_key.to_vec(),
            val_loss,
            val_metric,
            train_loss,
            train_metric,
            lr,
            metric_lower_is_better: metric_lower,
            metric_is_headline: self.metric_is_headline(),
        }
    }

    /// Whether the validation metric, not the validation loss, is what the run is judged by:
    /// the log's writer says so (Hugging Face's best metric), or it is a detection/pose AP
    /// (Ultralytics, Detectron2 and MMDetection select checkpoints by it), or there is no validation loss.
    fn metric_is_headline(&self) -> bool {
        let Some(vm) = self.val_metric else { return false };
        if let Some(h) = self.run.headline.as_deref() {
            return h == vm.series.name;
        }
        self.val_loss.is_none() || metric_rank(&vm.series.name) == 0
    }

    /// The picks and table, detached from the run (see [`ViewParts`]).
    pub fn parts(&self) -> ViewParts {
        let index = |p: Option<Pick>| {
            let p = p?;
            self.run.series.iter().position(|s| std::ptr::eq(s, p.series)).map(|i| (i, p.epoch_level))
        };
        ViewParts {
            picks: [
                index(self.train_loss_fine),
                index(self.train_loss),
                index(self.val_loss),
                index(self.train_metric),
                index(self.val_metric),
                index(self.lr),
                index(self.lr_epoch),
                index(self.update_ratio),
            ],
            table: self.table.clone(),
        }
    }

    /// The view [`RunView::parts`] was taken from, for the same run.
    pub fn from_parts(run: &'a Run, parts: &ViewParts) -> Self {
        let pick = |k: usize| {
            let (i, epoch_level) = parts.picks[k]?;
            run.series.get(i).map(|series| Pick { series, epoch_level })
        };
        RunView {
            run,
            train_loss_fine: pick(0),
            train_loss: pick(1),
            val_loss: pick(2),
            train_metric: pick(3),
            val_metric: pick(4),
            lr: pick(5),
            lr_epoch: pick(6),
            update_ratio: pick(7),
            table: parts.table.clone(),
        }
    }

    /// Loss per step if logged per step, else per epoch: what flat-start, divergence and spikes read.
    pub fn fine_loss(&self) -> Option<&'a Series> {
        self.train_loss_fine.or(self.train_loss).map(|p| p.series)
    }

    /// The loss before learning got going: the median of the first few per-step
    /// losses (robust to one wild first batch), or the first epoch's mean.
    pub fn initial_loss(&self) -> Option<f64> {
        let s = self.fine_loss()?;
        let k = if self.train_loss_fine.is_some_and(|p| !p.epoch_level) { INITIAL_POINTS } else { 1 };
        let first: Vec<f64> = s.values.iter().copied().filter(|v| v.is_finite()).take(k).collect();
        let m = super::stats::median(&first);
        m.is_finite().then_some(m)
    }

    /// Steps per epoch, when the fine loss carries epochs beside steps.
    pub fn steps_per_epoch(&self) -> Option<f64> {
        let s = self.fine_loss()?;
        if s.axis != Axis::Step {
            return None;
        }
        let e = s.epoch.as_ref()?;
        // An epoch counter that goes back (reset per pass over a streamed dataset) says nothing of epoch length.
        let mut finite = e.iter().copied().filter(|v| v.is_finite());
        let mut prev = finite.next()?;
        for v in finite {
            if v < prev {
                return None;
            }
            prev = v;
        }
        let (first, last) = (e.iter().position(|v| v.is_finite())?, e.iter().rposition(|v| v.is_finite())?);
        let de = e[last] - e[first];
        let ds = s.x[last] - s.x[first];
        (de >= 1.0 && ds > 0.0).then(|| ds / de)
    }
}
