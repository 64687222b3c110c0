//! # unstable-loss
//!
//! ## What it detects
//! Spikes in the per-step training loss far above the local noise of its
//! trend. It reads the loss on a log scale (a minibatch loss is noisy in
//! proportion to its level: 0.009 against 0.002 late in a run is as ordinary
//! as 1.2 against 0.3 early on): a point is a spike when it lies more than
//! `spike_z` robust standard deviations (of the log-loss's point-to-point
//! changes in its own stretch of the run, one trend window long) above the mean
//! log-loss of the trend window before it (the recent past, so a jump that
//! lasts does not lift its own trend), at least `spike_rel` above it in
//! relative terms, and at least `spike_height` of the initial loss above it
//! (a jump from 1e-7 to 1e-4 on a memorised run is huge on a log scale and
//! invisible on the curve). Spikes matter when they are repeated (`min_spikes`
//! or more, at separate places) or when one is not recovered from (the loss
//! stays that far above the trend for the next `recovery` points).
//!
//! Never fires on minibatch noise, however heavy-tailed, that the next points
//! recover from unless it recurs; on a loss near zero whose noise is
//! proportional to it; on the fast early descent (a trailing trend sits above
//! a falling loss). Losses that are zero or negative somewhere (GAN, ELBO) are
//! not read.
//!
//! ## Why it matters
//! Minibatch losses are noisy, and that is fine; repeated spikes well outside
//! that noise mean some updates overshoot: the learning rate is near the edge
//! of stability, or a few batches carry huge gradients. Such runs often end
//! worse than a calmer one, or diverge later.
//!
//! ## Example
//! A loss hovering at 0.30 ± 0.02 that jumps to 0.9, 1.4 and 0.8 at three
//! separate steps.
//!
//! ## What to try
//! Lower the learning rate, use a larger batch, clip gradients (e.g. global
//! norm 1.0), and look for bad samples in the batches where spikes happen.
//!
//! ## Options

use super::finding::{num, pos};
use super::stats::{median_in_place, noise_sd};
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct UnstableLoss;

params! {
    /// The thresholds of `unstable-loss`, each settable with `--set unstable-loss.NAME=VALUE`.
    UnstableLossParams {
        spike_z: 8.0 => "a spike is this many local robust standard deviations above the trend (log scale)",
        spike_rel: 0.5 => "…and this fraction above the trend's value",
        spike_height: 0.05 => "…and at least this fraction of the initial loss above it (a jump too small to see on the curve is not a spike)",
        min_spikes: 3.0 => "fewest separate spikes that make the loss unstable",
        recovery: 5.0 => "…or one spike after which the loss stays high for this many points",
        window_frac: 0.02 => "trend window, as a fraction of the points (at least 5)",
    }
}

/// Spike detection needs enough points for the noise estimate to mean something.
const MIN_POINTS: usize = 50;
/// A trend needs at least this many earlier points.
const MIN_TREND_POINTS: usize = 5;

impl Rule for UnstableLoss {
    fn id(&self) -> &'static str {
        "unstable-loss"
    }
    fn summary(&self) -> &'static str {
        "repeated spikes (or one not recovered from) far above the loss's local noise"
    }
    fn reads(&self) -> &'static str {
        "the per-step training loss, on a log scale"
    }
    fn source(&self) -> &'static str {
        include_str!("unstable_loss.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        UnstableLossParams::TABLE
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let th = UnstableLossParams::read(ctx);
        let Some(pick) = ctx.view.train_loss_fine.filter(|p| !p.epoch_level) else {
            return vec![];
        };
        let s = pick.series;
        let n = s.len();
        if n < MIN_POINTS {
            return vec![];
        }
        let w = ((n as f64 * th.window_frac) as usize).max(5) | 1;
        let recovery = th.recovery.max(1.0) as usize;
        // A jump from 1e-7 to 1e-4 on a memorised run is huge on the log scale and invisible on the curve.
        let min_height = th.spike_height * ctx.view.initial_loss().unwrap_or(0.0).max(0.0);
        let Some(found) = find_spikes(&s.values, w, th.spike_z, th.spike_rel, min_height, recovery) else {
            return vec![];
        };
        super::trace("unstable-loss", || {
            format!("{} spikes, {} not recovered, typical log sd {}", found.spikes.len(), found.unrecovered, found.typical_sd)
        });
        if (found.spikes.len() as f64) < th.min_spikes && found.unrecovered == 0 {
            return vec![];
        }
        let spikes = &found.spikes;
        let ratio = |&(i, t): &(usize, f64)| s.values[i] / t.abs().max(f64::MIN_POSITIVE);
        let (worst, trend_there) = spikes.iter().copied().max_by(|a, b| ratio(a).total_cmp(&ratio(b))).unwrap_or(spikes[0]);
        let (first, last) = (spikes[0].0, spikes[spikes.len() - 1].0);
        let unrecovered = if found.unrecovered > 0 {
            format!("; after {} of them the loss stayed high for {recovery}+ points", found.unrecovered)
        } else {
            String::new()
        };
        vec![Finding::new("unstable-loss", Severity::Warning, Span { axis: s.axis, start: s.x[first], end: s.x[last] })
            .confidence((0.5 + 0.05 * spikes.len() as f64 + 0.2 * found.unrecovered as f64).min(0.9))
            .series(&s.name)
            .evidence("spikes", spikes.len() as f64)
            .evidence("not_recovered", found.unrecovered as f64)
            .evidence("noise_log_sd", found.typical_sd)
            .evidence("worst_spike_at", s.x[worst])
            .evidence("worst_spike_value", s.values[worst])
            .evidence("trend_there", trend_there)
            .message(format!(
                "{} spiked {} times far above its local noise (typical ±{:.0}%); worst at {} {}: {} against a trend of {}{unrecovered}.",
                s.name,
                spikes.len(),
                (found.typical_sd.exp() - 1.0) * 100.0,
                s.axis.as_str(),
                pos(s.x[worst]),
                num(s.values[worst]),
                num(trend_there)
            ))
            .advice("Lower the learning rate, use a larger batch, or clip gradients; check the batches at the spikes for bad samples.")]
    }
}

/// What [`find_spikes`] found: spikes as (index, trend there), how many were not recovered from,
/// and the median local noise (sd of the log-loss).
#[derive(Debug, PartialEq)]
struct Spikes {
    spikes: Vec<(usize, f64)>,
    unrecovered: usize,
    typical_sd: f64,
}

/// The spikes of a positive loss above the mean of its recent past (log-loss, the `window`
/// points before, with earlier spikes replaced by their trend so one spike does not lift the next
/// points' trend), judged against the noise of its stretch of `window` points (robust sd of the
/// point-to-point changes, which a lone spike barely moves); `None` when the loss is not positive
/// everywhere or has no noise. Consecutive spike points are one spike.
fn find_spikes(values: &[f64], window: usize, z: f64, rel: f64, min_height: f64, recovery: usize) -> Option<Spikes> {
    if values.iter().any(|v| v.is_finite() && *v <= 0.0) {
        return None;
    }
    let window = window.max(MIN_TREND_POINTS);
    let min_jump = (1.0 + rel).ln();
    // Streamed: one block of log-losses and a ring of the trend's last `window` inputs; no n-sized buffer.
    let mut block: Vec<f64> = Vec::with_capacity(window);
    let mut sds: Vec<f64> = Vec::with_capacity(values.len() / window + 1);
    // The trend's input: the log-loss with spikes replaced by the trend they broke from.
    let mut ring: Vec<f64> = vec![f64::NAN; window];
    let (mut spikes, mut unrecovered) = (Vec::new(), 0usize);
    let (mut sum, mut count) = (0.0, 0usize);
    let mut in_spike = false;
    let mut sd = f64::NAN;
    for i in 0..values.len() {
        if i % window == 0 {
            block.clear();
            block.extend(values[i..(i + window).min(values.len())].iter().map(|x| x.ln()));
            sd = noise_sd(&block);
            sds.push(sd);
        }
        let l = block[i % window];
        let trend = if count >= MIN_TREND_POINTS { sum / count as f64 } else { f64::NAN };
        // Far above the local noise on the log scale, and high enough to matter on the curve.
        let is_spike =
            trend.is_finite() && sd.is_finite() && sd > 0.0 && l - trend > (z * sd).max(min_jump) && values[i] - trend.exp() >= min_height;
        if is_spike && !in_spike {
            spikes.push((i, trend.exp()));
            let after = &values[(i + 1).min(values.len())..(i + 1 + recovery).min(values.len())];
            let high = |a: f64| a.ln() - trend > min_jump && a - trend.exp() >= min_height;
            if after.len() == recovery && after.iter().all(|&a| high(a)) {
                unrecovered += 1;
            }
        }
        in_spike = is_spike;
        let kept = if is_spike { trend } else { l };
        let slot = i % window;
        let leaving = ring[slot];
        if i >= window && leaving.is_finite() {
            sum -= leaving;
            count -= 1;
        }
        ring[slot] = kept;
        if kept.is_finite() {
            sum += kept;
            count += 1;
        }
    }
    let mut finite_sds: Vec<f64> = sds.into_iter().filter(|s| s.is_finite() && *s > 0.0).collect();
    if finite_sds.is_empty() {
        return None;
    }
    let typical_sd = median_in_place(&mut finite_sds);
    Some(Spikes { spikes, unrecovered, typical_sd })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A noisy loss (deterministic) with a spike every 97 points: each planted spike is one spike.
    #[test]
    fn every_planted_spike_is_found_once() {
        let values: Vec<f64> = (0..5000)
            .map(|i| {
                let noise = ((i * 7919) % 101) as f64 / 1000.0;
                if i % 97 == 0 {
                    3.0
                } else {
                    1.0 + noise
                }
            })
            .collect();
        let found = find_spikes(&values, 101, 8.0, 0.5, 0.0, 5).unwrap();
        // The one at point 0 has no past to stand out from.
        assert_eq!(found.spikes.len(), 51, "every planted spike is found");
        assert_eq!(found.unrecovered, 0);
    }

    /// Issue 13: multiplicative minibatch noise on a loss near zero is not a spike.
    #[test]
    fn noise_proportional_to_a_tiny_loss_is_not_a_spike() {
        let values: Vec<f64> = (0..2000).map(|i| 0.002 * (1.0 + 2.0 * (((i * 7919) % 101) as f64 / 101.0))).collect();
        assert!(find_spikes(&values, 41, 8.0, 0.5, 0.0, 5).unwrap().spikes.is_empty());
    }

    /// Issue 13: on a memorised run (loss ~1e-7), jumps far too small to see on the curve are not spikes.
    #[test]
    fn a_jump_too_small_to_see_is_not_a_spike() {
        let mut values: Vec<f64> = (0..500).map(|i| 1e-7 * (1.0 + 0.01 * ((i * 37 % 11) as f64))).collect();
        values[300] = 1e-4;
        assert_eq!(find_spikes(&values, 51, 8.0, 0.5, 0.0, 5).unwrap().spikes.len(), 1, "huge on the log scale");
        assert!(find_spikes(&values, 51, 8.0, 0.5, 0.05 * 5.0, 5).unwrap().spikes.is_empty(), "invisible next to a first loss of 5");
    }

    #[test]
    fn a_jump_that_stays_is_not_recovered_from() {
        let mut values: Vec<f64> = (0..500).map(|i| 1.0 + 0.01 * ((i * 37 % 11) as f64)).collect();
        for v in &mut values[300..310] {
            *v = 5.0;
        }
        let found = find_spikes(&values, 51, 8.0, 0.5, 0.0, 5).unwrap();
        assert_eq!(found.spikes.len(), 1);
        assert_eq!(found.unrecovered, 1);
    }
}
