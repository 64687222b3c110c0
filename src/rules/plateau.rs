//! # plateau
//!
//! ## What it detects
//! The training loss fell, then stopped improving for a long stretch while
//! the learning rate stayed where it was. It reads the training loss per
//! epoch (or, with few epochs, the smoothed per-step loss), the learning rate
//! at the same points, and the validation curves:
//! - a stretch of constant rate (within `lr_drop_tol` of its value; a
//!   warm-up or a decay ends it) at least `window_frac` of the run long;
//! - over the last `window_frac` of the run inside that stretch, the loss
//!   improved by less than `stall_rel` (and rose by less than `stall_rise`),
//!   after having learned (its level is at most `learned_frac` of the initial
//!   loss, and above `min_level_frac` of it: a loss at ~0 gains nothing from
//!   a decay);
//! - validation is not still improving over that window;
//! - when the rate was cut after the stall, the cut helped (the loss fell
//!   `stall_rel` below the plateau afterwards): a cut that changed nothing
//!   says the rate was not what held the loss (see `underfitting`).
//!
//! The stall may end before the run does (the rate was cut late): the span
//! is where it shows. Without a logged learning rate the rule can only say
//! the loss stalled at the end (an info). Never fires while the rate is still
//! warming up or already decaying.
//!
//! ## Why it matters
//! At a constant rate, SGD bounces around in a basin it cannot descend
//! further: the steps are too large for the fine structure. The lecture's
//! remedy is to decay the learning rate, which usually buys a clear further
//! drop in loss.
//!
//! ## Example
//! `lr = 1.0` throughout; loss 1.4 → 0.30 in five epochs, then 0.28–0.34 for
//! the remaining 25 epochs.
//!
//! ## What to try
//! Decay the learning rate when the loss stalls: a step decay (×0.1) at the
//! start of the stall, a cosine or linear schedule over the whole run, or
//! `ReduceLROnPlateau`.
//!
//! ## Options

use super::curve::Curve;
use super::finding::{num, pos};
use super::stats::mean;
use super::{Ctx, Finding, Param, Rule, Severity, Span};
use crate::model::Axis;
use crate::smooth::sma_centered;

pub struct Plateau;

params! {
    /// The thresholds of `plateau`, each settable with `--set plateau.NAME=VALUE`.
    PlateauParams {
        window_frac: 0.4 => "the stall is judged over this last fraction of the run",
        stall_rel: 0.10 => "stalled: the loss improved by less than this fraction across the window",
        stall_rise: 0.15 => "…and rose by less than this fraction (a larger rise is something else)",
        learned_frac: 0.75 => "the plateau level is at most this fraction of the initial loss (the run did learn)",
        min_level_frac: 0.02 => "…and at least this fraction (a loss converged to ~0 gains nothing from decay)",
        lr_drop_tol: 0.95 => "the rate counts as constant while it stays within 1 minus this of its value (5%)",
    }
}

/// Fewest points of loss the window must hold.
const MIN_WINDOW_POINTS: usize = 4;
/// Per-epoch rows needed to judge from the table rather than from per-step losses.
const MIN_TABLE_ROWS: usize = 5;
/// Points of per-step loss are smoothed over this fraction of the run before the test.
const STEP_SMOOTH_FRAC: f64 = 0.02;

impl Rule for Plateau {
    fn id(&self) -> &'static str {
        "plateau"
    }
    fn summary(&self) -> &'static str {
        "loss stopped improving while the learning rate stayed constant (decay it)"
    }
    fn reads(&self) -> &'static str {
        "the training loss per epoch (or smoothed per step), the learning rate at the same points, the validation curves"
    }
    fn source(&self) -> &'static str {
        include_str!("plateau.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        PlateauParams::TABLE
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence", "premature-decay", "flat-start", "still-improving", "overfitting"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

/// The loss curve to judge, and whether it is the table's rows (so the table's LR and
/// validation columns line up with it) or the smoothed per-step loss.
struct LossCurve<'a> {
    axis: Axis,
    x: &'a [f64],
    y: Vec<f64>,
    name: String,
    from_table: bool,
}

/// Per-epoch train loss from the table, or the smoothed per-step loss.
fn loss_curve<'a>(ctx: &Ctx<'a>) -> Option<LossCurve<'a>> {
    let v = ctx.view;
    let t = &v.table;
    if let (Some(axis), Some(tl)) = (t.axis, t.train_loss.as_ref()) {
        if t.len() >= MIN_TABLE_ROWS {
            return Some(LossCurve { axis, x: &t.x, y: tl.clone(), name: v.train_loss?.series.name.clone(), from_table: true });
        }
    }
    let s = v.fine_loss()?;
    let w = ((s.len() as f64 * STEP_SMOOTH_FRAC) as usize).max(1);
    Some(LossCurve { axis: s.axis, x: &s.x, y: sma_centered(&s.values, w), name: s.name.clone(), from_table: false })
}

/// The learning rate at each point of the loss curve: the table's column, or the last logged value at each x.
fn lr_at(ctx: &Ctx, x: &[f64], from_table: bool) -> Option<Vec<f64>> {
    let v = ctx.view;
    if from_table {
        return v.table.lr.clone();
    }
    let lr = v.lr?.series;
    (lr.axis == v.fine_loss()?.axis).then(|| crate::rules::view::align_last(x, &lr.x, &lr.values))
}

/// Index ranges `[a, b]` where the rate stays within `tol` of where the stretch began.
fn constant_stretches(lr: &[f64], tol: f64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lr.len() {
        if !(lr[i].is_finite() && lr[i] > 0.0) {
            i += 1;
            continue;
        }
        let r = lr[i];
        let mut j = i;
        while j + 1 < lr.len() && lr[j + 1].is_finite() && (lr[j + 1] - r).abs() <= (1.0 - tol) * r {
            j += 1;
        }
        out.push((i, j));
        i = j + 1;
    }
    out
}

/// Relative improvement of `y` from the first half of a window to the second (positive = fell).
fn improvement(y: &[f64]) -> f64 {
    let half = y.len() / 2;
    let (early, late) = (mean(&y[..half]), mean(&y[half..]));
    (early - late) / early
}

/// Whether a validation curve still improved clearly across the window `[a, b]` (rows of the table).
fn validation_improving(ctx: &Ctx, a: usize, b: usize) -> bool {
    let th = PlateauParams::read(ctx);
    let t = &ctx.view.table;
    let lower = t.metric_lower_is_better;
    let curves = [
        t.val_loss.as_ref().map(|l| l.iter().map(|x| -x).collect::<Vec<f64>>()),
        t.val_metric.as_ref().map(|m| crate::rules::stats::oriented(m, lower)),
    ];
    curves.into_iter().flatten().any(|y| {
        let (a, b) = (a.min(y.len()), (b + 1).min(y.len()));
        if b < a + 4 {
            return false;
        }
        let w = &y[a..b];
        let gain = crate::rules::stats::theil_sen(&t.x[a..b], w) * (t.x[b - 1] - t.x[a]);
        let scale = w.iter().map(|v| v.abs()).fold(0.0, f64::max);
        gain > 2.0 * crate::rules::stats::noise_sd(w) && gain > th.stall_rel * scale
    })
}

fn detect(ctx: &Ctx) -> Option<Finding> {
    let th = PlateauParams::read(ctx);
    let v = ctx.view;
    let LossCurve { axis, x, y, name, from_table } = loss_curve(ctx)?;
    // A stall is a trend over a whole stretch: a NaN in it is divergence's business.
    let Curve { x, y } = Curve::all_finite(x, &y)?;
    let n = y.len();
    if n < MIN_TABLE_ROWS {
        return None;
    }
    let (x0, x1) = (x[0], x[n - 1]);
    let run_len = x1 - x0;
    let window_len = th.window_frac * run_len;
    let initial = v.initial_loss().unwrap_or(y[0]).max(y[0]);
    // Candidate windows: the end of the run when the rate is unknown, else the end of each long constant stretch.
    let lr = lr_at(ctx, x, from_table);
    let windows: Vec<(usize, usize)> = match lr.as_ref() {
        None => vec![(x.partition_point(|&xi| xi < x1 - window_len).min(n - MIN_WINDOW_POINTS), n - 1)],
        Some(lr) => constant_stretches(lr, th.lr_drop_tol)
            .into_iter()
            .filter(|&(a, b)| x[b] - x[a] >= window_len * 0.999)
            .map(|(a, b)| (x.partition_point(|&xi| xi < x[b] - window_len).max(a), b))
            .filter(|&(a, b)| b + 1 >= a + MIN_WINDOW_POINTS)
            .collect(),
    };
    super::trace("plateau", || format!("windows {windows:?}"));
    let (ws, we, imp, level) = windows.into_iter().find_map(|(a, b)| {
        let window = &y[a..=b];
        let imp = improvement(window);
        let level = mean(&window[window.len() * 2 / 3..]);
        super::trace("plateau", || format!("window {}–{}: improvement {imp}, level {level} (initial {initial})", x[a], x[b]));
        let stalled = imp < th.stall_rel && imp > -th.stall_rise;
        // A decay that came after the stall and changed nothing says the rate was not what held it.
        let decay_tried = b + 1 < n && {
            let after = mean(&y[b + 1..]);
            (level - after) / level < th.stall_rel
        };
        let learned = level <= th.learned_frac * initial && level >= th.min_level_frac * initial;
        (stalled && learned && !decay_tried && !(from_table && validation_improving(ctx, a, b))).then_some((a, b, imp, level))
    })?;
    let sm = sma_centered(&y[..=we], 3);
    let start_band = level * (1.0 + th.stall_rise);
    let start = sm.iter().position(|v| *v <= start_band).unwrap_or(ws).min(ws);
    let (severity, confidence, lr_note) = match lr {
        Some(_) => (Severity::Warning, (0.6 + (th.stall_rel - imp.max(0.0)) * 3.0).min(0.9), "while the learning rate stayed constant"),
        None => (Severity::Info, 0.4, "(the learning rate is not logged, so whether it was constant is unknown)"),
    };
    let until =
        if we + 1 < n { format!(" until {} {} (where the rate finally changed)", axis.as_str(), pos(x[we])) } else { String::new() };
    let mut f = Finding::new("plateau", severity, Span { axis, start: x[start], end: x[we] })
        .confidence(confidence)
        .series(&name)
        .evidence("plateau_level", level)
        .evidence("initial_loss", initial)
        .evidence("window_start", x[ws])
        .evidence("window_end", x[we])
        .evidence("window_improvement", imp)
        .message(format!(
            "{name} hovered around {} from {} {}{until} (it improved {:.1}% over the last {:.0}% of the run there) {lr_note}.",
            num(level),
            axis.as_str(),
            pos(x[start]),
            imp * 100.0,
            th.window_frac * 100.0
        ))
        .advice(format!(
            "Decay the learning rate: e.g. multiply it by 0.1 around {} {}, use a cosine or linear schedule, or ReduceLROnPlateau.",
            axis.as_str(),
            pos(x[start])
        ));
    if let Some(lr) = v.lr {
        f = f.series(&lr.series.name);
    }
    Some(f)
}
