//! # still-improving
//!
//! ## What it detects
//! The run stopped while its validation curve was still clearly improving.
//! It reads the run's headline validation curve per evaluation (the
//! validation metric where it is the headline, e.g. mAP; else the validation
//! loss), and the training loss beside it:
//! - the best value is at or near the last evaluation (within the last
//!   `near_end_frac` of the evaluations, at least the last two, or the last
//!   two are within the curve's noise of it);
//! - over the last `window_frac` of the evaluations (at least four) the
//!   curve's robust (Theil–Sen) trend improves by more than twice its noise;
//! - and it is not levelling off: its pace over that window is at least
//!   `pace_frac` of its average pace over the whole run (a curve that has
//!   converged creeps on at a few percent of its early pace);
//! - the training loss is not rising over the window.
//!
//! A run without any validation curve is judged on its training loss alone,
//! and only when the loss shows no sign of levelling off (its pace over the
//! window is `pace_frac` of its average and at least `train_only_pace` of its
//! pace over the window before) and has not converged to ~0.
//!
//! ## Why it matters
//! The lecture's fourth curve: when train and validation accuracy are both
//! still rising, training stopped too early and the model is better than
//! the run shows only if it is allowed to continue.
//!
//! ## Example
//! Last 4 of 10 epochs: val accuracy 0.33 → 0.50, train loss 1.14 → 0.88,
//! val loss 1.18 → 0.92, and no sign of flattening.
//!
//! ## What to try
//! Train longer (more epochs, or a longer schedule so the decay comes later);
//! resume from the last checkpoint if the schedule allows.
//!
//! ## Options

use super::curve::Curve;
use super::finding::{num, pos};
use super::stats::{noise_sd, oriented, tail_mean, theil_sen};
use super::{Ctx, Finding, Param, Rule, Severity, Span};
use crate::model::Axis;
use crate::smooth::sma_centered;

pub struct StillImproving;

params! {
    /// The thresholds of `still-improving`, each settable with `--set still-improving.NAME=VALUE`.
    StillImprovingParams {
        window_frac: 0.3 => "the trend is judged over this last fraction of the evaluations",
        near_end_frac: 0.1 => "the best value lies within this last fraction of the evaluations (at least the last two)",
        pace_frac: 0.25 => "the pace over the window is at least this fraction of the average pace over the run",
        train_only_pace: 0.5 => "without validation: the training loss keeps at least this fraction of its pace over the window before (it is not levelling off)",
    }
}

/// Points Kendall's tau is computed from, at most.
const TAU_POINTS: usize = 200;
/// The window holds at least this many evaluations.
const MIN_WINDOW: usize = 4;
/// The gain over the window must exceed this many times the curve's noise.
const NOISE_Z: f64 = 2.0;
/// A training loss that fell below this fraction of its start has converged (memorised), not stalled early.
const CONVERGED_FRAC: f64 = 0.02;
/// A training loss without validation is judged from at most this many points of its smoothed curve.
const TRAIN_ONLY_POINTS: usize = 5000;
/// Per-step training losses are smoothed over this fraction of the points before the train-only test.
const STEP_SMOOTH_FRAC: f64 = 0.05;

impl Rule for StillImproving {
    fn id(&self) -> &'static str {
        "still-improving"
    }
    fn summary(&self) -> &'static str {
        "the validation curve (or, without one, the training loss) still clearly improving at the end (train longer)"
    }
    fn reads(&self) -> &'static str {
        "the headline validation curve per evaluation, the other validation curve and the training loss; without validation, the training loss"
    }
    fn source(&self) -> &'static str {
        include_str!("still_improving.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn live(&self) -> bool {
        false
    }
    fn params(&self) -> &'static [Param] {
        StillImprovingParams::TABLE
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence", "overfitting"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        detect(ctx).into_iter().collect()
    }
}

/// Kendall's tau of `y` against its order: +1 when every later point is higher.
/// O(n²) pairs, so long inputs are thinned to at most `TAU_POINTS` evenly spaced points first.
fn kendall_tau(y: &[f64]) -> f64 {
    let thinned: Vec<f64> = y.iter().copied().step_by(y.len().div_ceil(TAU_POINTS).max(1)).collect();
    let y = &thinned[..];
    let (mut s, mut pairs) = (0i64, 0i64);
    for i in 0..y.len() {
        for j in i + 1..y.len() {
            if y[i].is_finite() && y[j].is_finite() {
                pairs += 1;
                s += (y[j] - y[i]).partial_cmp(&0.0).map_or(0, |o| o as i64);
            }
        }
    }
    if pairs == 0 {
        f64::NAN
    } else {
        s as f64 / pairs as f64
    }
}

/// How a curve (larger is better) ends: the facts the rule decides on.
#[derive(Debug)]
struct Ending {
    best_near_end: bool,
    tau: f64,
    /// Trend gain across the window, and whether it exceeds the noise.
    gain: f64,
    clear: bool,
    /// Pace over the window over the average pace of the whole run.
    pace: f64,
    /// Pace over the window over the pace of the window before it.
    pace_prev: f64,
    window_start: usize,
}

fn ending(ctx: &Ctx, x: &[f64], y: &[f64]) -> Option<Ending> {
    let th = StillImprovingParams::read(ctx);
    let Curve { x, y } = Curve::all_finite(x, y)?;
    let n = y.len();
    if n < MIN_WINDOW + 1 {
        return None;
    }
    let w = ((th.window_frac * n as f64).ceil() as usize).clamp(MIN_WINDOW, n);
    let ws = n - w;
    let near = ((th.near_end_frac * n as f64).ceil() as usize).max(2);
    let best = super::stats::argmax(y)?.0;
    let gain = theil_sen(&x[ws..], &y[ws..]) * (x[n - 1] - x[ws]);
    let total = tail_mean(y, 2) - y[0];
    let pace = (gain / (x[n - 1] - x[ws])) / (total / (x[n - 1] - x[0]));
    let ps = ws.saturating_sub(w);
    let prev_gain = theil_sen(&x[ps..=ws], &y[ps..=ws]);
    let pace_prev = (gain / (x[n - 1] - x[ws])) / prev_gain;
    Some(Ending {
        // At its best at the end, or within the noise of it.
        best_near_end: best + near >= n || y[best] - tail_mean(y, 2) <= noise_sd(&y[ws..]),
        tau: kendall_tau(&y[ws..]),
        gain,
        clear: gain > NOISE_Z * noise_sd(&y[ws..]),
        // A curve that ends where it started (it wandered) has no pace to keep.
        pace: if total > NOISE_Z * noise_sd(y) { pace } else { f64::NAN },
        pace_prev: if prev_gain > 0.0 { pace_prev } else { f64::NAN },
        window_start: ws,
    })
}

fn detect(ctx: &Ctx) -> Option<Finding> {
    let th = StillImprovingParams::read(ctx);
    let v = ctx.view;
    let t = &v.table;
    let lower = t.metric_lower_is_better;
    let headline = match (t.val_metric.as_ref(), t.val_loss.as_ref(), v.val_metric, v.val_loss) {
        (Some(m), _, Some(p), _) if t.metric_is_headline || t.val_loss.is_none() => {
            Some((oriented(m, lower), p.series.name.as_str(), true))
        }
        (_, Some(l), _, Some(p)) => Some((l.iter().map(|x| -x).collect::<Vec<f64>>(), p.series.name.as_str(), false)),
        _ => None,
    };
    if let (Some(axis), Some((y, name, is_metric))) = (t.axis, headline.filter(|_| t.len() > MIN_WINDOW)) {
        let e = ending(ctx, &t.x, &y)?;
        super::trace("still-improving", || format!("{name}: {e:?}"));
        let improving = |e: &Ending| e.best_near_end && e.clear && e.pace >= th.pace_frac;
        // The other validation curve, when both are logged, must agree: a loss still falling under an accuracy that
        // stopped rising long ago is not a run cut short (the lecture reads train and validation accuracy).
        let other = if is_metric {
            t.val_loss.as_ref().map(|l| l.iter().map(|x| -x).collect::<Vec<f64>>())
        } else {
            t.val_metric.as_ref().map(|m| oriented(m, lower))
        };
        let other_ok = other.is_none_or(|o| {
            ending(ctx, &t.x, &o).is_some_and(|oe| {
                super::trace("still-improving", || format!("other validation curve: {oe:?}"));
                improving(&oe)
            })
        });
        let improving = improving(&e) && other_ok;
        // Training must not be going the other way.
        let train_trend = t
            .train_loss
            .as_ref()
            .filter(|tl| tl[e.window_start..].iter().all(|v| v.is_finite()))
            .map(|tl| theil_sen(&t.x[e.window_start..], &tl[e.window_start..]));
        if !improving || train_trend.is_some_and(|s| s > 0.0) {
            return None;
        }
        let change = if is_metric { e.gain } else { -e.gain };
        return Some(finding(ctx, axis, &t.x, e, name, change, is_metric, false));
    }
    // No validation curve: the training loss alone, and only when it shows no sign of levelling off.
    let s = v.fine_loss()?;
    let per_step = v.train_loss_fine.is_some_and(|p| !p.epoch_level);
    let values = if per_step { sma_centered(&s.values, ((s.len() as f64 * STEP_SMOOTH_FRAC) as usize).max(1)) } else { s.values.clone() };
    // The smoothed curve of a long run is read at a few thousand evenly spaced points (and its last).
    let every = s.len().div_ceil(TRAIN_ONLY_POINTS).max(1);
    let (mut x, mut y): (Vec<f64>, Vec<f64>) = s.x.iter().zip(&values).step_by(every).map(|(x, v)| (*x, -v)).unzip();
    if (s.len() - 1) % every != 0 {
        x.push(*s.x.last()?);
        y.push(-*values.last()?);
    }
    let e = ending(ctx, &x, &y)?;
    super::trace("still-improving", || format!("train only {}: {e:?}", s.name));
    let converged = -tail_mean(&y, 2) < CONVERGED_FRAC * -y[0];
    if !(e.best_near_end && e.clear && e.pace >= th.pace_frac && e.pace_prev >= th.train_only_pace) || converged {
        return None;
    }
    let change = -e.gain;
    Some(finding(ctx, s.axis, &x, e, &s.name, change, false, true))
}

#[allow(clippy::too_many_arguments)]
fn finding(ctx: &Ctx, axis: Axis, x: &[f64], e: Ending, name: &str, change: f64, is_metric: bool, train_only: bool) -> Finding {
    let v = ctx.view;
    let (ws, last) = (e.window_start, x.len() - 1);
    let what = if is_metric { format!("rose {}", num(change)) } else { format!("fell {}", num(-change)) };
    let mut f = Finding::new("still-improving", Severity::Warning, Span { axis, start: x[ws], end: x[last] })
        .confidence(((0.5 + 0.2 * e.pace.min(2.0)) * e.tau.max(0.0)).clamp(0.5, 0.9))
        .series(name)
        .evidence("window_start", x[ws])
        .evidence("window_change", change)
        .evidence("kendall_tau", e.tau)
        .evidence("pace_over_average", e.pace)
        .message(format!(
            "{name} {what} over the last {} {}s ({}–{}) and is at its best at the end, improving at {:.0}% of its average pace over the run{}.",
            last - ws + 1,
            if train_only { "point" } else { "evaluation" },
            pos(x[ws]),
            pos(x[last]),
            e.pace * 100.0,
            if train_only { "; there is no validation curve, so whether it generalises is unknown" } else { "" }
        ))
        .advice("Train longer: more epochs, or a longer schedule so the learning-rate decay comes later; resume from the last checkpoint if you can.");
    for p in [v.train_loss, v.val_loss, v.val_metric].into_iter().flatten() {
        f = f.series(&p.series.name);
    }
    f
}
