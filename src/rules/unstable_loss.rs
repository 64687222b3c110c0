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
        // Two streamed passes over the trend (noise level, then spikes) instead of an n-point trend buffer.
        let residuals = || s.values.iter().zip(SmaCentered::new(&s.values, w)).map(|(&v, t)| (v, t, v - t));
        let every = n.div_ceil(MAD_SAMPLE);
        let mut abs: Vec<f64> = residuals().step_by(every).map(|(_, _, r)| r.abs()).filter(|r| r.is_finite()).collect();
        let mad = median_in_place(&mut abs);
        drop(abs);
        let sd = MAD_TO_SD * mad;
        if !(sd.is_finite() && sd > 0.0) {
            return vec![];
        }
        let (z, rel) = (ctx.p("spike_z"), ctx.p("spike_rel"));
        // (index, trend there) of every spike.
        let spikes: Vec<(usize, f64)> = residuals()
            .enumerate()
            .filter(|(_, (v, t, r))| r.is_finite() && *r > z * sd && *v > (1.0 + rel) * t.abs())
            .map(|(i, (_, t, _))| (i, t))
            .collect();
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
