//! # plateau
//!
//! ## What it detects
//! The training loss fell, then stopped improving for the last part of the
//! run (`window_frac` of it) while the learning rate stayed where it was
//! (no decay anywhere; a warm-up is fine).
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

use super::finding::{num, pos};
use super::stats::mean;
use super::{Ctx, Finding, Param, Rule, Severity, Span};
use crate::model::Axis;
use crate::smooth::sma_centered;

pub struct Plateau;

const PARAMS: &[Param] = &[
    Param { name: "window_frac", default: 0.4, doc: "the stall is judged over this last fraction of the run" },
    Param { name: "stall_rel", default: 0.10, doc: "stalled: the loss improved by less than this fraction across the window" },
    Param { name: "stall_rise", default: 0.15, doc: "…and rose by less than this fraction (a larger rise is something else)" },
    Param {
        name: "learned_frac",
        default: 0.75,
        doc: "the plateau level is at most this fraction of the initial loss (the run did learn)",
    },
    Param { name: "min_level_frac", default: 0.02, doc: "…and at least this fraction (a loss converged to ~0 gains nothing from decay)" },
    Param { name: "lr_drop_tol", default: 0.95, doc: "the LR counts as decayed once it falls below this fraction of its running maximum" },
];

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
    fn source(&self) -> &'static str {
        include_str!("plateau.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence", "premature-decay", "flat-start", "still-improving", "overfitting"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

/// The loss curve to judge: per-epoch train loss from the table, or the smoothed per-step loss.
pub(crate) fn loss_curve<'a>(ctx: &Ctx<'a>) -> Option<(Axis, &'a [f64], Vec<f64>, String)> {
    let v = ctx.view;
    let t = &v.table;
    if let (Some(axis), Some(tl)) = (t.axis, t.train_loss.as_ref()) {
        if t.len() >= MIN_TABLE_ROWS {
            return Some((axis, &t.x, tl.clone(), v.train_loss?.series.name.clone()));
        }
    }
    let s = v.fine_loss()?;
    let w = ((s.len() as f64 * STEP_SMOOTH_FRAC) as usize).max(1);
    Some((s.axis, &s.x, sma_centered(&s.values, w), s.name.clone()))
}

fn detect(ctx: &Ctx) -> Option<Finding> {
    let v = ctx.view;
    let (axis, x, y, name) = loss_curve(ctx)?;
    let n = y.len();
    if n < MIN_TABLE_ROWS || y.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let (x0, x1) = (x[0], x[n - 1]);
    let w_start = x1 - ctx.p("window_frac") * (x1 - x0);
    let ws = x.partition_point(|&xi| xi < w_start).min(n - MIN_WINDOW_POINTS);
    let window = &y[ws..];
    let half = window.len() / 2;
    let (early, late) = (mean(&window[..half]), mean(&window[half..]));
    let improvement = (early - late) / early;
    let level = mean(&window[window.len() * 2 / 3..]);
    let initial = v.initial_loss().unwrap_or(y[0]).max(y[0]);
    if !(improvement < ctx.p("stall_rel") && improvement > -ctx.p("stall_rise")) {
        return None;
    }
    if level > ctx.p("learned_frac") * initial || level < ctx.p("min_level_frac") * initial {
        return None;
    }
    let lr_state = lr_constant(ctx);
    if lr_state == Some(false) {
        return None;
    }
    let sm = sma_centered(&y, 3);
    let start_band = level * (1.0 + ctx.p("stall_rise"));
    let start = sm.iter().position(|v| *v <= start_band).unwrap_or(ws).min(ws);
    let (severity, confidence, lr_note) = match lr_state {
        Some(_) => (
            Severity::Warning,
            (0.6 + (ctx.p("stall_rel") - improvement.max(0.0)) * 3.0).min(0.9),
            "while the learning rate stayed constant",
        ),
        None => (Severity::Info, 0.4, "(the learning rate is not logged, so whether it was constant is unknown)"),
    };
    let mut f = Finding::new("plateau", severity, Span { axis, start: x[start], end: x1 })
        .confidence(confidence)
        .series(&name)
        .evidence("plateau_level", level)
        .evidence("initial_loss", initial)
        .evidence("window_start", x[ws])
        .evidence("window_improvement", improvement)
        .message(format!(
            "{name} has hovered around {} since {} {} (it improved {:.1}% over the last {:.0}% of the run) {lr_note}.",
            num(level),
            axis.as_str(),
            pos(x[start]),
            improvement * 100.0,
            ctx.p("window_frac") * 100.0
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

/// `Some(true)` if the LR never decayed (a warm-up is allowed), `Some(false)` if it did, `None` if not logged.
fn lr_constant(ctx: &Ctx) -> Option<bool> {
    let lr = ctx.view.lr?.series;
    let tol = ctx.p("lr_drop_tol");
    let mut max = f64::NEG_INFINITY;
    for &v in lr.values.iter().filter(|v| v.is_finite()) {
        if v < tol * max {
            return Some(false);
        }
        max = max.max(v);
    }
    Some(max.is_finite())
}
