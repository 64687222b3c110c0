//! # divergence
//!
//! ## What it detects
//! Training blew up. It reads the training loss (per step when logged so)
//! and, for non-finite values, the validation loss too:
//! - a loss that became NaN or infinite and **stayed** so to the end (error);
//!   a few non-finite points in a run whose loss came back finite and kept
//!   going are reported as an info, not a divergence;
//! - the smoothed training loss climbed to `explode_factor`× its starting
//!   level and ended `final_factor`× above it;
//! - or it collapsed: it ended `collapse_factor`× above the lowest level it
//!   had reached, undoing at least a quarter of what it had learned (a model
//!   that learned, then blew up and never recovered);
//! - or it got worse, not better: the loss at the end sits `worsened_factor`×
//!   above where it was over the first tenth of the run, with its lowest level
//!   in that first fifth and the whole last half above that start (a rate so
//!   high that the net learned in its first steps, then fell apart back to
//!   chance, as a 4-class classifier at lr 0.35 does: 1.00 → 1.37); never for
//!   a GAN's generator loss, which rises as its discriminator wins;
//! - or, in a run that logs accuracy (so the loss is a classifier's
//!   cross-entropy), the training loss reached a size no softmax at sane
//!   logits can produce.
//!
//! A validation loss that grows huge while the training loss falls is
//! overfitting, not divergence; a large first loss that then falls normally
//! never fires.
//!
//! ## Why it matters
//! Everything logged after the blow-up is noise; every other verdict on such a
//! run is moot. It almost always means the learning rate is too high, or a bug
//! (a log of zero, a division by a tiny norm, bad data).
//!
//! ## Example
//! `loss: 0.74, 23.3, 1.0e7, 3.1e16, NaN` → error from the step where the loss
//! first went non-finite.
//!
//! ## What to try
//! Lower the learning rate (by 10×), add a warm-up, clip gradients, and check
//! the loss for `log(0)` or a division by zero; the lecture's step 3 is to
//! find a rate at which the loss goes down within ~100 iterations.
//!
//! ## Options

use super::finding::{num, pos};
use super::stats::{mean, median, tail_mean};
use super::{Ctx, Finding, Param, Rule, Severity, Span};
use crate::model::{Series, Split};
use crate::smooth::SmaTrailing;

pub struct Divergence;

params! {
    /// The thresholds of `divergence`, each settable with `--set divergence.NAME=VALUE`.
    DivergenceParams {
        explode_factor: 10.0 => "smoothed loss at this many times its starting level counts as exploded",
        final_factor: 3.0 => "…when the loss also ends at least this many times its starting level",
        collapse_factor: 5.0 => "the smoothed loss ends at least this many times the lowest level it had reached (and undid a quarter of the learning)",
        worsened_factor: 1.2 => "the loss ends at least this many times its level over the first tenth of the run, which held its lowest level",
        max_plausible_ce: 25.0 => "in a run that logs accuracy, a loss above this is beyond any cross-entropy at sane logits (chance level with 10^6 classes is ln 10^6 = 13.8)",
        smooth_frac: 0.025 => "moving-average window for the explosion test, as a fraction of the points",
    }
}

impl Rule for Divergence {
    fn id(&self) -> &'static str {
        "divergence"
    }
    fn summary(&self) -> &'static str {
        "NaN/inf or an exploding loss"
    }
    fn reads(&self) -> &'static str {
        "the training loss (per step where logged), and the validation loss for NaN/inf"
    }
    fn source(&self) -> &'static str {
        include_str!("divergence.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn params(&self) -> &'static [Param] {
        DivergenceParams::TABLE
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let v = ctx.view;
        let mut losses: Vec<&Series> = [v.train_loss_fine, v.train_loss, v.val_loss].into_iter().flatten().map(|p| p.series).collect();
        // The fine and the per-epoch pick are often the same series of millions of points: scan it once.
        losses.dedup_by(|a, b| std::ptr::eq(*a, *b));
        let recovered = match non_finite(&losses) {
            Some(f) if f.severity == Severity::Error => return vec![f],
            other => other,
        };
        let mut out: Vec<Finding> = recovered.into_iter().collect();
        if let Some(f) = explosion(ctx) {
            out.push(f);
            return out;
        }
        out.extend(implausible(ctx));
        out
    }
}

const DATA_ADVICE: &str = "Training stayed finite, so look at the validation side: NaN/inf in the validation data, an empty validation batch, or a metric dividing by zero.";
const ADVICE: &str = "Lower the learning rate (try 10x smaller), add a warm-up or gradient clipping, and check the loss code for log(0) or division by zero.";

/// Finite points after the last non-finite one that make a run "recovered".
const RECOVERED_POINTS: usize = 2;

fn non_finite<'a>(losses: &[&'a Series]) -> Option<Finding> {
    // A series that ends non-finite first (the finest first: per-step losses show the first NaN
    // earliest); else one that went non-finite and came back.
    let ends_bad = |s: &Series| s.values.iter().rev().take(RECOVERED_POINTS).any(|v| !v.is_finite());
    let first_bad = |s: &&'a Series| s.values.iter().position(|v| !v.is_finite()).map(|i| (*s, i));
    let (s, i) = losses.iter().filter(|s| ends_bad(s)).find_map(first_bad).or_else(|| losses.iter().find_map(first_bad))?;
    if !ends_bad(s) {
        return Some(transient(s, i));
    }
    let last_finite = s.values[..i].iter().rev().find(|v| v.is_finite()).copied();
    let count = s.non_finite_count();
    let mut f = non_finite_finding(s, i, Severity::Error, *s.x.last()?)
        .message(format!(
            "{} became {} at {} {}{} ({count} non-finite point{}).",
            s.name,
            s.values[i],
            s.axis.as_str(),
            pos(s.x[i]),
            last_finite.map(|v| format!(" after {}", num(v))).unwrap_or_default(),
            if count == 1 { "" } else { "s" }
        ))
        .advice(if validation_only(s, losses) { DATA_ADVICE } else { ADVICE });
    if let Some(v) = last_finite {
        f = f.evidence("last_finite_value", v);
    }
    Some(f)
}

/// What every non-finite finding carries: the series, where it first went non-finite, how often.
fn non_finite_finding(s: &Series, i: usize, severity: Severity, end: f64) -> Finding {
    Finding::new("divergence", severity, Span { axis: s.axis, start: s.x[i], end })
        .series(&s.name)
        .evidence("first_non_finite_at", s.x[i])
        .evidence("non_finite_points", s.non_finite_count() as f64)
}

/// A loss that went non-finite at a few points and came back: worth knowing (a bad batch, an
/// overflow in mixed precision), but the run went on learning.
fn transient(s: &Series, i: usize) -> Finding {
    let count = s.non_finite_count();
    non_finite_finding(s, i, Severity::Info, s.x[i])
        .confidence(0.9)
        .message(format!(
            "{} was {} at {} {} ({count} non-finite point{} in all) but came back finite and training went on.",
            s.name,
            s.values[i],
            s.axis.as_str(),
            pos(s.x[i]),
            if count == 1 { "" } else { "s" }
        ))
        .advice("Not a divergence: look for the batch or epoch that overflowed (mixed precision, an empty batch); if it recurs, add gradient clipping or a loss scaler.")
}

/// The non-finite values are in validation only, while training stayed finite: the data, not the optimiser.
fn validation_only(s: &Series, losses: &[&Series]) -> bool {
    s.role.split != Split::Train && losses.iter().any(|l| l.role.split == Split::Train && l.values.iter().all(|v| v.is_finite()))
}

fn explosion(ctx: &Ctx) -> Option<Finding> {
    let th = DivergenceParams::read(ctx);
    let v = ctx.view;
    let s = v.fine_loss()?;
    let n = s.len();
    if n < 3 {
        return None;
    }
    let fine = v.train_loss_fine.is_some_and(|p| !p.epoch_level);
    let w = if fine { ((n as f64 * th.smooth_frac) as usize).max(1) } else { 1 };
    // Streamed: the rule needs the smoothed curve's start, peak and first crossing, not the curve.
    let mut sm = SmaTrailing::new(&s.values, w);
    let k = if fine { (n / 20).clamp(1, 5) } else { 1 };
    let head: Vec<f64> = sm.by_ref().take(k).collect();
    let mut base = head.iter().copied().filter(|x| x.is_finite()).fold(f64::INFINITY, f64::min);
    // Per-epoch logs: an epoch mean can already hold the blow-up; the first validation loss is a saner start.
    if !fine {
        if let Some(vl) = v.val_loss.and_then(|p| p.series.values.first().copied()).filter(|x| x.is_finite() && *x > 0.0) {
            base = base.min(vl);
        }
    }
    if !(base.is_finite() && base > 0.0) {
        return None;
    }
    let (explode, final_factor) = (th.explode_factor, th.final_factor);
    let level = explode * base;
    let mut first_over = head.iter().position(|x| *x >= level);
    let mut peak_at: Option<(usize, f64)> = None;
    for (i, x) in (k..).zip(sm) {
        if first_over.is_none() && x >= level {
            first_over = Some(i);
        }
        // The last of equal maxima, as `Iterator::max_by` picks.
        if x.is_finite() && peak_at.is_none_or(|(_, p)| x >= p) {
            peak_at = Some((i, x));
        }
    }
    let (peak_i, peak) = peak_at.or_else(|| head.iter().copied().enumerate().rfind(|(_, x)| x.is_finite()))?;
    let end = tail_mean(&s.values, k.max(3));
    let exploded = peak >= level && end >= final_factor * base;
    if !exploded {
        return collapse(ctx, s, base).or_else(|| if adversarial(ctx) { None } else { worsened(ctx, s) });
    }
    let start_i = first_over.unwrap_or(peak_i);
    Some(
        Finding::new("divergence", Severity::Error, Span { axis: s.axis, start: s.x[start_i], end: *s.x.last()? })
            .confidence(0.9)
            .series(&s.name)
            .evidence("start_level", base)
            .evidence("peak", peak)
            .evidence("peak_over_start", peak / base)
            .evidence("end_over_start", end / base)
            .message(format!(
                "{} exploded: from {} at the start to a peak of {} at {} {}, and still {}x the start at the end.",
                s.name,
                num(base),
                num(peak),
                s.axis.as_str(),
                pos(s.x[peak_i]),
                num(end / base)
            ))
            .advice(ADVICE),
    )
}

/// Levels are medians of blocks of 1/this of the points: a basin of 1% of the run counts, a noisy dip does not.
const LEVEL_BLOCKS: usize = 100;
/// Points a level's median is taken from, at most (evenly spaced).
const LEVEL_SAMPLE: usize = 1000;
/// The level at the end is the median of this last fraction of the points.
const END_FRAC: f64 = 0.05;
/// Share of the learned drop (start → lowest level) a collapse must undo.
const COLLAPSE_UNDONE: f64 = 0.25;

/// The loss learned, then rose far above the best level it had reached and stayed there.
fn collapse(ctx: &Ctx, s: &Series, base: f64) -> Option<Finding> {
    let th = DivergenceParams::read(ctx);
    let factor = th.collapse_factor;
    let n = s.len();
    let block = (n / LEVEL_BLOCKS).max(1);
    // A level needs a few hundred points, not a block of a million: each block is read at a stride.
    let level = |c: &[f64]| median(&c.iter().copied().step_by(c.len().div_ceil(LEVEL_SAMPLE).max(1)).collect::<Vec<f64>>());
    let levels: Vec<f64> = s.values.chunks(block).map(level).collect();
    let (low_b, low) = levels.iter().copied().enumerate().filter(|(_, m)| m.is_finite()).min_by(|a, b| a.1.total_cmp(&b.1))?;
    let low_i = low_b * block;
    let end = level(&s.values[n - ((END_FRAC * n as f64) as usize).clamp(3.min(n), n)..]);
    let undone = if base > low { (end - low) / (base - low) } else { f64::INFINITY };
    super::trace("divergence", || format!("collapse: low {low} at {low_i}, end {end}, start {base}, undone {undone}"));
    if !(low > 0.0 && end >= factor * low && undone >= COLLAPSE_UNDONE) {
        return None;
    }
    // The collapse starts where the loss climbed halfway from its low to where it ended and stayed
    // there: after the last level below that line (earlier spikes it recovered from are not the start).
    let half = low + 0.5 * (end - low);
    let last_below = levels.iter().rposition(|m| *m < half).unwrap_or(low_b);
    let from = ((last_below + 1) * block).min(n - 1);
    let start_i = (from..n).find(|&i| s.values[i] >= half || !s.values[i].is_finite()).unwrap_or(from);
    Some(
        Finding::new("divergence", Severity::Error, Span { axis: s.axis, start: s.x[start_i], end: *s.x.last()? })
            .confidence(0.8)
            .series(&s.name)
            .evidence("lowest_level", low)
            .evidence("lowest_at", s.x[low_i])
            .evidence("end_level", end)
            .evidence("end_over_lowest", end / low)
            .message(format!(
                "{} had come down to {} at {} {}, then blew up from {} {} and ended at {} ({}x its best level), never recovering.",
                s.name,
                num(low),
                s.axis.as_str(),
                pos(s.x[low_i]),
                s.axis.as_str(),
                pos(s.x[start_i]),
                num(end),
                num(end / low)
            ))
            .advice(ADVICE),
    )
}

/// A GAN logs a generator's and a discriminator's loss: each rises as the other wins, so a
/// generator loss that ends above its start is the game, not a divergence (W08).
fn adversarial(ctx: &Ctx) -> bool {
    let has = |words: &[&str]| {
        ctx.view.run.series.iter().any(|s| crate::model::role::tokens(&s.name).iter().any(|t| words.contains(&t.as_str())))
    };
    has(&["gen", "generator", "g"]) && has(&["disc", "discriminator", "critic", "d"])
}

/// Points a run needs before "it got worse" can be read: a start, an end and a middle.
const WORSENED_MIN_POINTS: usize = 20;

/// The loss was never better than at its start and ended well above it: training made the model worse.
fn worsened(ctx: &Ctx, s: &Series) -> Option<Finding> {
    let factor = DivergenceParams::read(ctx).worsened_factor;
    let n = s.len();
    if n < WORSENED_MIN_POINTS || s.values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let tenth = (n / 10).max(2);
    let start = median(&s.values[..tenth]);
    let end = median(&s.values[n - tenth..]);
    let block = (n / 20).max(1);
    let levels: Vec<f64> = s.values.chunks(block).map(median).collect();
    let (low_b, low) = levels.iter().copied().enumerate().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let low_in_first_fifth = low_b * block < n / 5;
    let second_half_above = levels[levels.len() / 2..].iter().all(|m| *m > start);
    super::trace("divergence", || {
        format!("worsened: start {start}, end {end}, low {low} in block {low_b}, last half above start {second_half_above}")
    });
    if !(start > 0.0 && end >= factor * start && low_in_first_fifth && second_half_above) {
        return None;
    }
    let from = (tenth..n).find(|&i| s.values[i] >= 0.5 * (start + end)).unwrap_or(tenth);
    Some(
        Finding::new("divergence", Severity::Error, Span { axis: s.axis, start: s.x[from], end: *s.x.last()? })
            .confidence(0.7)
            .series(&s.name)
            .evidence("start_level", start)
            .evidence("end_level", end)
            .evidence("end_over_start", end / start)
            .message(format!(
                "{} got worse, not better: it ended at {:.3}, {}x its level of {:.3} over the first tenth of the run, and never came back below it; the net learned in its first steps and then fell apart.",
                s.name,
                end,
                num(end / start),
                start
            ))
            .advice(ADVICE),
    )
}

fn implausible(ctx: &Ctx) -> Option<Finding> {
    let th = DivergenceParams::read(ctx);
    let v = ctx.view;
    let logs_accuracy = [v.train_metric, v.val_metric].into_iter().flatten().any(|p| is_accuracy(&p.series.name));
    if !logs_accuracy {
        return None;
    }
    let limit = th.max_plausible_ce;
    // The training loss only: a validation loss that grows huge while training falls is overfitting.
    let s = [v.train_loss_fine, v.train_loss].into_iter().flatten().map(|p| p.series).find(|s| s.values.iter().any(|x| *x > limit))?;
    let i = s.values.iter().position(|x| *x > limit)?;
    let high = s.values.iter().filter(|x| **x > limit).count();
    Some(
        Finding::new("divergence", Severity::Error, Span { axis: s.axis, start: s.x[i], end: *s.x.last()? })
            .confidence(0.7)
            .series(&s.name)
            .evidence("first_implausible_value", s.values[i])
            .evidence("points_above_limit", high as f64)
            .evidence("limit", limit)
            .evidence("mean_loss", mean(&s.values))
            .message(format!(
                "{} reached {} at {} {} ({high} point{} above {}): a classifier's cross-entropy this large means the logits blew up.",
                s.name,
                num(s.values[i]),
                s.axis.as_str(),
                pos(s.x[i]),
                if high == 1 { "" } else { "s" },
                num(limit)
            ))
            .advice(ADVICE),
    )
}

fn is_accuracy(name: &str) -> bool {
    crate::model::role::tokens(name).iter().any(|t| ["acc", "accuracy", "top1", "acc1"].contains(&t.as_str()))
}
