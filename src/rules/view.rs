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

use std::borrow::Cow;

use crate::model::role::tokens;
use crate::model::{Axis, Kind, Run, Series, Split};

/// Tokens that say where a series sits, not what it measures.
const PLACE_TOKENS: &[&str] =
    &["train", "training", "val", "valid", "validation", "eval", "evaluation", "test", "epoch", "step", "batch", "metrics", "x"];
/// Metric names that mean plain accuracy, preferred over other higher-is-better metrics.
const ACCURACY_TOKENS: &[&str] = &["acc", "accuracy", "top1", "acc1", "categorical", "sparse", "binary"];
/// Per-step losses whose median is the initial loss.
const INITIAL_POINTS: usize = 5;
/// A series with at most this many points per epoch is read as per-epoch.
const EPOCH_LEVEL_POINTS: f64 = 1.5;

/// A picked series and whether it is logged once per epoch (or per evaluation).
#[derive(Debug, Clone, Copy)]
pub struct Pick<'a> {
    pub series: &'a Series,
    pub epoch_level: bool,
}

#[derive(Debug)]
pub struct RunView<'a> {
    pub run: &'a Run,
    /// Train loss at the finest granularity logged (per step when available).
    pub train_loss_fine: Option<Pick<'a>>,
    pub train_loss: Option<Pick<'a>>,
    pub val_loss: Option<Pick<'a>>,
    pub train_metric: Option<Pick<'a>>,
    pub val_metric: Option<Pick<'a>>,
    pub lr: Option<Pick<'a>>,
    /// The learning rate per epoch, when logged so (aligns best with per-epoch rows).
    pub lr_epoch: Option<Pick<'a>>,
    pub update_ratio: Option<Pick<'a>>,
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
    pub axis: Option<Axis>,
    pub x: Vec<f64>,
    pub val_loss: Option<Vec<f64>>,
    pub val_metric: Option<Vec<f64>>,
    pub train_loss: Option<Vec<f64>>,
    pub train_metric: Option<Vec<f64>>,
    pub lr: Option<Vec<f64>>,
    /// True when the metric columns are lower-is-better (error, WER).
    pub metric_lower_is_better: bool,
    /// The validation metric is the run's headline (see [`RunView::new`]); else the validation loss is.
    pub metric_is_headline: bool,
}

impl EvalTable {
    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

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
struct Levels<'a> {
    run: &'a Run,
    level: Vec<bool>,
    /// The qualifier of the headline metric's name (`cls` in `cls_val_accuracy`): losses of the
    /// same model are preferred when one log holds two fits.
    family: Option<Vec<String>>,
}

impl<'a> Levels<'a> {
    fn new(run: &'a Run) -> Self {
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

    fn of(&self, s: &Series) -> bool {
        self.run.series.iter().position(|x| std::ptr::eq(x, s)).map_or_else(|| is_epoch_level(s), |i| self.level[i])
    }
}

fn is_epoch_level(s: &Series) -> bool {
    match points_per_epoch(s) {
        Some(p) => p <= EPOCH_LEVEL_POINTS,
        None => s.axis == Axis::Epoch,
    }
}

/// A plain-accuracy name (`acc`, `val_accuracy`, `top1`, …), as opposed to mAP, F1 or an error rate.
fn is_accuracy_name(name: &str) -> bool {
    let core: Vec<String> = tokens(name).into_iter().filter(|t| !PLACE_TOKENS.contains(&t.as_str())).collect();
    !core.is_empty() && core.iter().all(|t| ACCURACY_TOKENS.contains(&t.as_str()))
}

/// How much of a headline a metric is, lower first: what each community reads
/// when it says "the" result of a run.
///
/// 0. overall detection/pose AP (`mAP50-95(B)`, `mAP_0.5:0.95`, `bbox/AP`, `coco/AP`, `coco/bbox_mAP`);
/// 1. segmentation overlap (Dice, IoU): beside it, accuracy is pixel accuracy, which the background dominates;
/// 2. AP at IoU 0.5 (`mAP50(B)`) and plain accuracy / top-1;
/// 3. other task scores (F1, MCC, AUC, BLEU, ROUGE, WER, …);
/// 4. anything else;
/// 5. partial views of a score: precision, recall, AR, AP75, APs/APm/APl, top-5;
/// 9. one class's AP (`bbox/AP-person`).
///
/// ```
/// use curvecheck::rules::view::metric_rank;
/// assert!(metric_rank("metrics/mAP50-95(B)") < metric_rank("metrics/mAP50(B)"));
/// assert!(metric_rank("metrics/mAP50(B)") < metric_rank("metrics/precision(B)"));
/// assert!(metric_rank("val_dice_coef") < metric_rank("val_accuracy"));
/// assert!(metric_rank("bbox/AP") < metric_rank("bbox/AP-person"));
/// ```
pub fn metric_rank(name: &str) -> usize {
    if crate::model::role::is_per_class_ap(name) {
        return 9;
    }
    let core: Vec<String> = tokens(name)
        .into_iter()
        .filter(|t| !PLACE_TOKENS.contains(&t.as_str()) && !["b", "m", "coco", "bbox", "segm", "keypoints"].contains(&t.as_str()))
        .collect();
    let has = |t: &str| core.iter().any(|x| x == t);
    let ap_like = |t: &String| t == "ap" || t == "map" || t.starts_with("map") || t.starts_with("ap");
    let is_ap = core.iter().any(ap_like);
    if is_ap && has("95") {
        return 0;
    }
    if matches!(core.as_slice(), [t] if t == "ap" || t == "map") {
        return 0;
    }
    if has("top5") || has("acc5") {
        return 5;
    }
    if is_ap && (has("map50") || has("ap50") || has("50") || (has("5") && core.len() <= 3)) && !has("75") {
        return 2;
    }
    const PARTIAL: &[&str] =
        &["precision", "recall", "ar", "ap75", "map75", "aps", "apm", "apl", "sensitivity", "specificity", "75", "l", "s"];
    if core.iter().any(|t| PARTIAL.contains(&t.as_str())) {
        return 5;
    }
    if core.iter().any(|t| ["dice", "iou", "miou", "jaccard"].contains(&t.as_str())) {
        return 1;
    }
    if core.iter().any(|t| ["acc", "accuracy", "top1", "acc1"].contains(&t.as_str())) {
        return 2;
    }
    const TASK: &[&str] = &[
        "f1", "mcc", "matthews", "auc", "auroc", "bleu", "rouge", "rouge1", "rouge2", "rougel", "wer", "cer", "em", "exact", "pck", "nme",
    ];
    if core.iter().any(|t| TASK.contains(&t.as_str())) {
        return 3;
    }
    4
}

/// Lower is more canonical: `loss`, `val_loss` score 0; `loss_cls` scores 1.
fn name_score(name: &str, accuracy_first: bool) -> usize {
    let core: Vec<String> = tokens(name).into_iter().filter(|t| !PLACE_TOKENS.contains(&t.as_str())).collect();
    if accuracy_first && is_accuracy_name(name) {
        return 0;
    }
    match core.as_slice() {
        [l] if l == "loss" => 0,
        [t, l] if t == "total" && l == "loss" => 0,
        _ => core.len() + 1,
    }
}

/// The tokens of a name that are neither place nor what it measures: `cls_val_loss` → `[cls]`.
fn qualifier(name: &str) -> Vec<String> {
    const MEASURE: &[&str] = &["loss", "acc", "accuracy", "top1", "acc1", "categorical", "sparse", "binary", "lr", "learning", "rate"];
    tokens(name).into_iter().filter(|t| !PLACE_TOKENS.contains(&t.as_str()) && !MEASURE.contains(&t.as_str())).collect()
}

/// 0 when the series belongs to the headline metric's family (or there is none), 1 otherwise.
fn family_distance(s: &Series, family: Option<&[String]>) -> usize {
    match family {
        Some(f) if !f.is_empty() => usize::from(qualifier(&s.name) != f),
        _ => 0,
    }
}

fn pick<'a>(
    levels: &Levels<'a>,
    splits: &[Split],
    kinds: &[Kind],
    want_epoch_level: Option<bool>,
    accuracy_first: bool,
) -> Option<Pick<'a>> {
    for split in splits {
        let mut cands: Vec<&Series> = levels
            .run
            .series
            .iter()
            .filter(|s| {
                (s.role.split == *split || matches!(s.role.kind, Kind::LearningRate | Kind::UpdateRatio))
                    && kinds.contains(&s.role.kind)
                    && !s.is_empty()
            })
            .collect();
        if cands.is_empty() {
            continue;
        }
        if let Some(level) = want_epoch_level {
            let matching: Vec<&Series> = cands.iter().copied().filter(|s| levels.of(s) == level).collect();
            if !matching.is_empty() {
                cands = matching;
            } else if level {
                // Nothing per-epoch: the table aligns the finer series instead.
                return None;
            }
        }
        let chosen = |s: &Series| s.preferred || levels.run.headline.as_deref() == Some(s.name.as_str());
        cands.sort_by_key(|s| {
            let headline = if accuracy_first { metric_rank(&s.name) } else { 0 };
            (
                !chosen(s),
                headline,
                family_distance(s, levels.family.as_deref()),
                name_score(&s.name, accuracy_first),
                std::cmp::Reverse(s.len()),
            )
        });
        let s = cands[0];
        return Some(Pick { series: s, epoch_level: levels.of(s) });
    }
    None
}

impl<'a> RunView<'a> {
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

/// The train metric that matches the validation metric's name (`val_acc` ↔ `acc`).
fn matching_train_metric<'a>(levels: &Levels<'a>, val: &Series) -> Option<Pick<'a>> {
    let run = levels.run;
    let strip = |n: &str| -> Vec<String> { tokens(n).into_iter().filter(|t| !PLACE_TOKENS.contains(&t.as_str())).collect() };
    let core = strip(&val.name);
    let mut cands: Vec<&Series> =
        run.series.iter().filter(|s| s.role.split == Split::Train && s.role.kind == val.role.kind && strip(&s.name) == core).collect();
    cands.sort_by_key(|s| (!levels.of(s), std::cmp::Reverse(s.len())));
    cands.first().map(|s| Pick { series: s, epoch_level: levels.of(s) })
}

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
