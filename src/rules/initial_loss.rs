//! # initial-loss
//!
//! ## What it detects
//! The first logged training loss is far from `ln(C)`, what softmax
//! cross-entropy over `C` classes gives before any learning. `C` comes from
//! `--classes`; without it the rule only says which `C` the first loss fits
//! (an info), since many losses are not a plain cross-entropy.
//!
//! ## Why it matters
//! The lecture's first step of the recipe: check the initial loss with updates
//! off. A first loss far above `ln(C)` means the final layer's weights start
//! too large (over-confident wrong answers) or the loss is not what you think
//! (wrong reduction, labels off by one, a regulariser dominating).
//!
//! ## Example
//! `--classes 10`, first loss 9.8: expected ln 10 = 2.30, so 4.3× too high.
//!
//! ## What to try
//! Initialise the last layer small (or zero its bias), check the loss
//! function and its reduction, and check the label encoding.
//!
//! ## Options

use super::finding::num;
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct InitialLoss;

const PARAMS: &[Param] = &[
    Param { name: "tolerance", default: 0.25, doc: "relative distance from ln(C) that is still fine" },
    Param {
        name: "fit_tolerance",
        default: 0.02,
        doc: "without --classes, a first loss within this of ln(k) is reported as fitting k classes",
    },
];

/// Largest class count tried when inferring C from the first loss.
const MAX_INFERRED_CLASSES: u32 = 1000;

impl Rule for InitialLoss {
    fn id(&self) -> &'static str {
        "initial-loss"
    }
    fn summary(&self) -> &'static str {
        "first loss far from ln(C) for softmax cross-entropy over C classes"
    }
    fn reads(&self) -> &'static str {
        "the first logged training loss, against ln C from `--classes`"
    }
    fn source(&self) -> &'static str {
        include_str!("initial_loss.rs")
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
        let v = ctx.view;
        let Some(pick) = v.train_loss_fine.or(v.train_loss) else {
            return vec![];
        };
        let s = pick.series;
        let Some(i) = s.values.iter().position(|x| x.is_finite()) else {
            return vec![];
        };
        let first = s.values[i];
        let span = Span { axis: s.axis, start: s.x[i], end: s.x[i] };
        let per_step = !pick.epoch_level;
        match ctx.settings.classes {
            Some(c) if c >= 2 => {
                let expected = f64::from(c).ln();
                let dev = (first - expected) / expected;
                let tol = ctx.p("tolerance");
                // An epoch mean is taken after learning began, so only "too high" can be judged from it.
                let off = if per_step { dev.abs() > tol } else { dev > tol };
                if !off {
                    return vec![];
                }
                vec![Finding::new("initial-loss", Severity::Warning, span)
                    .confidence(if per_step { 0.9 } else { 0.6 })
                    .series(&s.name)
                    .evidence("first_loss", first)
                    .evidence("expected_ln_c", expected)
                    .evidence("classes", f64::from(c))
                    .evidence("relative_deviation", dev)
                    .message(format!(
                        "first {} {} is {} ln({c}) = {} ({:+.0}%){}.",
                        if per_step { "loss" } else { "epoch's mean loss" },
                        num(first),
                        if dev > 0.0 { "above" } else { "below" },
                        num(expected),
                        dev * 100.0,
                        if per_step { "" } else { ", even after a whole epoch of training" }
                    ))
                    .advice(if dev > 0.0 {
                        "Start the final layer small (scale its weights down, zero its bias) and check the loss function and its reduction."
                    } else {
                        "A first loss below chance level suggests label leakage, a loss that is not cross-entropy, or a model that was already trained; check what --classes should be."
                    })]
            }
            _ if per_step => infer_classes(first, ctx.p("fit_tolerance"))
                .map(|k| {
                    Finding::new("initial-loss", Severity::Info, span)
                        .confidence(0.5)
                        .series(&s.name)
                        .evidence("first_loss", first)
                        .evidence("fits_classes", f64::from(k))
                        .message(format!(
                            "first loss {} matches ln({k}) = {}: as expected for softmax cross-entropy over {k} classes at initialisation.",
                            num(first),
                            num(f64::from(k).ln())
                        ))
                        .advice("Nothing to do; pass --classes to have this checked rather than inferred.")
                })
                .into_iter()
                .collect(),
            _ => vec![],
        }
    }
}

/// The class count whose ln is closest to the loss, when within `tol` relative and
/// clear: ln k and ln(k + 1) must lie further apart than the tolerance band, or
/// every loss above ~2.4 would "match" some k (ln 196 = 5.28, ln 197 = 5.28).
fn infer_classes(first: f64, tol: f64) -> Option<u32> {
    if first.is_nan() || first <= 0.5 {
        return None;
    }
    let k = first.exp().round().clamp(2.0, f64::from(MAX_INFERRED_CLASSES)) as u32;
    let expected = f64::from(k).ln();
    let clear = f64::from(k + 1).ln() - expected > 2.0 * tol * expected;
    (clear && (first - expected).abs() / expected <= tol).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_four_is_recognised_as_four_classes() {
        assert_eq!(infer_classes(1.3863, 0.02), Some(4));
        assert_eq!(infer_classes(2.31, 0.02), Some(10));
        assert_eq!(infer_classes(0.9, 0.02), None);
        // Issue 13: "matches ln(196)" meant nothing: any loss that large is near some ln k.
        assert_eq!(infer_classes(5.278, 0.02), None);
    }
}
