//! # unstable-loss
//!
//! ## What it detects
//! Spikes in the per-step training loss far above the noise around its trend:
//! points more than `spike_z` robust standard deviations (1.4826 × MAD of the
//! residuals) above a centred moving average, and at least `spike_rel` above
//! it in relative terms, happening `min_spikes` times or more. On runs longer
//! than a million steps the MAD is taken over an evenly spaced million of the
//! residuals (a noise level needs no more; every point is still checked for spikes).
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
use super::stats::median_in_place;
use super::{Ctx, Finding, Param, Rule, Severity, Span};
use crate::smooth::SmaCentered;

pub struct UnstableLoss;

const PARAMS: &[Param] = &[
    Param { name: "spike_z", default: 8.0, doc: "a spike is this many robust standard deviations above the trend" },
    Param { name: "spike_rel", default: 0.5, doc: "…and this fraction above the trend's value" },
    Param { name: "min_spikes", default: 3.0, doc: "fewest spikes that make the loss unstable" },
    Param { name: "window_frac", default: 0.02, doc: "trend window, as a fraction of the points (at least 5)" },
];

/// Spike detection needs enough points for the noise estimate to mean something.
const MIN_POINTS: usize = 50;
/// Residuals the noise level (MAD) is taken from, at most; longer runs are sampled evenly.
const MAD_SAMPLE: usize = 1_000_000;
/// Points above the trend kept from the one pass; beyond this many, a second pass finds the spikes.
const MAX_ABOVE_TREND: usize = 1_000_000;
/// Consistency constant that turns a MAD into a standard deviation for normal noise.
const MAD_TO_SD: f64 = 1.4826;

impl Rule for UnstableLoss {
    fn id(&self) -> &'static str {
        "unstable-loss"
    }
    fn summary(&self) -> &'static str {
        "spikes in the loss well above the noise of its trend"
    }
    fn source(&self) -> &'static str {
        include_str!("unstable_loss.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn superseded_by(&self) -> &'static [&'static str] {
        &["divergence"]
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(pick) = ctx.view.train_loss_fine.filter(|p| !p.epoch_level) else {
            return vec![];
        };
        let s = pick.series;
        let n = s.len();
        if n < MIN_POINTS {
            return vec![];
        }
        let w = ((n as f64 * ctx.p("window_frac")) as usize).max(5) | 1;
        let Some((spikes, sd)) = find_spikes(&s.values, w, ctx.p("spike_z"), ctx.p("spike_rel"), MAX_ABOVE_TREND) else {
            return vec![];
        };
        if (spikes.len() as f64) < ctx.p("min_spikes") {
            return vec![];
        }
        let ratio = |&(i, t): &(usize, f64)| s.values[i] / t.abs().max(f64::MIN_POSITIVE);
        let (worst, trend_there) = spikes.iter().copied().max_by(|a, b| ratio(a).total_cmp(&ratio(b))).unwrap_or(spikes[0]);
        let (first, last) = (spikes[0].0, spikes[spikes.len() - 1].0);
        vec![Finding::new("unstable-loss", Severity::Warning, Span { axis: s.axis, start: s.x[first], end: s.x[last] })
            .confidence((0.5 + 0.05 * spikes.len() as f64).min(0.9))
            .series(&s.name)
            .evidence("spikes", spikes.len() as f64)
            .evidence("noise_sd", sd)
            .evidence("worst_spike_at", s.x[worst])
            .evidence("worst_spike_value", s.values[worst])
            .evidence("trend_there", trend_there)
            .message(format!(
                "{} spiked {} times far above its trend (noise sd {}); worst at {} {}: {} against a trend of {}.",
                s.name,
                spikes.len(),
                num(sd),
                s.axis.as_str(),
                pos(s.x[worst]),
                num(s.values[worst]),
                num(trend_there)
            ))
            .advice("Lower the learning rate, use a larger batch, or clip gradients; check the batches at the spikes for bad samples.")]
    }
}

/// The spikes of `values` around its centred moving average of `window` points,
/// as (index, trend there), and the noise level (robust sd of the residuals);
/// `None` when the noise level is zero or unknown.
///
/// One streamed pass over the trend, no n-point buffer: it keeps the evenly
/// sampled residuals for the noise level, and every point above the trend in
/// relative terms (few are), which the noise level then filters. Only when more
/// than `max_above` points are above the trend does a second pass find the spikes.
fn find_spikes(values: &[f64], window: usize, z: f64, rel: f64, max_above: usize) -> Option<(Vec<(usize, f64)>, f64)> {
    let residuals = || values.iter().zip(SmaCentered::new(values, window)).map(|(&v, t)| (v, t, v - t));
    let above_trend = |v: f64, t: f64, r: f64| r.is_finite() && v > (1.0 + rel) * t.abs();
    let every = values.len().div_ceil(MAD_SAMPLE).max(1);
    let mut abs: Vec<f64> = Vec::with_capacity(values.len().div_ceil(every));
    // (index, trend there, residual) of every point above the trend.
    let mut above: Vec<(usize, f64, f64)> = Vec::new();
    let mut overflow = false;
    let mut until_sample = 0;
    for (i, (v, t, r)) in residuals().enumerate() {
        if until_sample == 0 {
            until_sample = every;
            if r.is_finite() {
                abs.push(r.abs());
            }
        }
        until_sample -= 1;
        if above_trend(v, t, r) {
            overflow |= above.len() == max_above;
            if !overflow {
                above.push((i, t, r));
            }
        }
    }
    let sd = MAD_TO_SD * median_in_place(&mut abs);
    if !(sd.is_finite() && sd > 0.0) {
        return None;
    }
    let spikes = if overflow {
        residuals().enumerate().filter(|&(_, (v, t, r))| above_trend(v, t, r) && r > z * sd).map(|(i, (_, t, _))| (i, t)).collect()
    } else {
        above.into_iter().filter(|&(_, _, r)| r > z * sd).map(|(i, t, _)| (i, t)).collect()
    };
    Some((spikes, sd))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The second pass taken when too many points sit above the trend finds the same spikes as the one pass.
    #[test]
    fn overflowing_the_kept_points_finds_the_same_spikes() {
        // A noisy loss (deterministic) with a spike every 97 points.
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
        let one_pass = find_spikes(&values, 101, 8.0, 0.5, MAX_ABOVE_TREND).unwrap();
        assert_eq!(one_pass.0.len(), 52, "every planted spike is found");
        for max_above in [0, 1, 10] {
            assert_eq!(find_spikes(&values, 101, 8.0, 0.5, max_above).unwrap(), one_pass, "max_above {max_above}");
        }
    }
}
