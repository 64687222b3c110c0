//! # unstable-loss
//!
//! ## What it detects
//! Spikes in the per-step training loss far above the local noise of its
//! trend. It reads the loss on a log scale (a minibatch loss is noisy in
//! proportion to its level: 0.009 against 0.002 late in a run is as ordinary
//! as 1.2 against 0.3 early on): a point is a spike when it lies more than
//! `spike_z` robust standard deviations (1.4826 × MAD of the log-residuals in
//! its own stretch of the run, one trend window long) above a centred moving
//! average of the log-loss, and at least `spike_rel` above it in relative
//! terms. Spikes matter when they are repeated (`min_spikes` or more, at
//! separate places) or when one is not recovered from (the loss stays
//! `spike_rel` above the trend for the next `recovery` points).
//!
//! Losses that are zero or negative somewhere (GAN, ELBO) are not read.
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
    Param { name: "spike_z", default: 8.0, doc: "a spike is this many local robust standard deviations above the trend (log scale)" },
    Param { name: "spike_rel", default: 0.5, doc: "…and this fraction above the trend's value" },
    Param { name: "min_spikes", default: 3.0, doc: "fewest separate spikes that make the loss unstable" },
    Param { name: "recovery", default: 5.0, doc: "…or one spike after which the loss stays high for this many points" },
    Param { name: "window_frac", default: 0.02, doc: "trend window, as a fraction of the points (at least 5)" },
];

/// Spike detection needs enough points for the noise estimate to mean something.
const MIN_POINTS: usize = 50;
/// Consistency constant that turns a MAD into a standard deviation for normal noise.
const MAD_TO_SD: f64 = 1.4826;

impl Rule for UnstableLoss {
    fn id(&self) -> &'static str {
        "unstable-loss"
    }
    fn summary(&self) -> &'static str {
        "repeated spikes (or one not recovered from) far above the loss's local noise"
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
        let recovery = ctx.p("recovery").max(1.0) as usize;
        let Some(found) = find_spikes(&s.values, w, ctx.p("spike_z"), ctx.p("spike_rel"), recovery) else {
            return vec![];
        };
        super::trace("unstable-loss", || {
            format!("{} spikes, {} not recovered, typical log sd {}", found.spikes.len(), found.unrecovered, found.typical_sd)
        });
        if (found.spikes.len() as f64) < ctx.p("min_spikes") && found.unrecovered == 0 {
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

/// The spikes of a positive loss around its centred moving average (of the log-loss, `window`
/// points), judged against the noise of each stretch of `window` points; `None` when the loss is
/// not positive everywhere or its noise is zero. Consecutive spike points are one spike.
fn find_spikes(values: &[f64], window: usize, z: f64, rel: f64, recovery: usize) -> Option<Spikes> {
    if values.iter().any(|v| v.is_finite() && *v <= 0.0) {
        return None;
    }
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    let min_jump = (1.0 + rel).ln();
    let (mut spikes, mut unrecovered, mut sds) = (Vec::new(), 0usize, Vec::new());
    let mut trend = SmaCentered::new(&logs, window);
    let mut block: Vec<(f64, f64)> = Vec::with_capacity(window);
    let mut abs: Vec<f64> = Vec::with_capacity(window);
    let mut start = 0;
    let mut last_spike: Option<usize> = None;
    while start < logs.len() {
        block.clear();
        block.extend(logs[start..(start + window).min(logs.len())].iter().zip(trend.by_ref()).map(|(&l, t)| (l, t)));
        abs.clear();
        abs.extend(block.iter().map(|(l, t)| (l - t).abs()).filter(|r| r.is_finite()));
        let sd = MAD_TO_SD * median_in_place(&mut abs);
        if sd.is_finite() && sd > 0.0 {
            sds.push(sd);
            let limit = (z * sd).max(min_jump);
            for (k, &(l, t)) in block.iter().enumerate() {
                let i = start + k;
                if !(l - t > limit) {
                    continue;
                }
                // Consecutive points above the limit are one spike.
                if last_spike.is_some_and(|j| j + 1 == i) {
                    last_spike = Some(i);
                    continue;
                }
                last_spike = Some(i);
                spikes.push((i, t.exp()));
                let after = &logs[(i + 1).min(logs.len())..(i + 1 + recovery).min(logs.len())];
                if after.len() == recovery && after.iter().all(|a| a - t > min_jump) {
                    unrecovered += 1;
                }
            }
        }
        start += block.len().max(1);
    }
    if sds.is_empty() {
        return None;
    }
    let typical_sd = median_in_place(&mut sds);
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
        let found = find_spikes(&values, 101, 8.0, 0.5, 5).unwrap();
        assert_eq!(found.spikes.len(), 52, "every planted spike is found");
        assert_eq!(found.unrecovered, 0);
    }

    /// Issue 13: multiplicative minibatch noise on a loss near zero is not a spike.
    #[test]
    fn noise_proportional_to_a_tiny_loss_is_not_a_spike() {
        let values: Vec<f64> = (0..2000).map(|i| 0.002 * (1.0 + 2.0 * (((i * 7919) % 101) as f64 / 101.0))).collect();
        assert!(find_spikes(&values, 41, 8.0, 0.5, 5).unwrap().spikes.is_empty());
    }

    #[test]
    fn a_jump_that_stays_is_not_recovered_from() {
        let mut values: Vec<f64> = (0..500).map(|i| 1.0 + 0.01 * ((i * 37 % 11) as f64)).collect();
        for v in &mut values[300..310] {
            *v = 5.0;
        }
        let found = find_spikes(&values, 51, 8.0, 0.5, 5).unwrap();
        assert_eq!(found.spikes.len(), 1);
        assert_eq!(found.unrecovered, 1);
    }
}
