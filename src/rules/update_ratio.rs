//! # update-ratio
//!
//! ## What it detects
//! A logged update/weight ratio (`||Δw|| / ||w||` per step) whose median is
//! far from the healthy ~1e-3: above `high` or below `low`.
//!
//! ## Why it matters
//! The lecture's health check while training: about 1e-3 is healthy. Far
//! above, each step rewrites a large part of the weights (the learning rate
//! is too high, or the init too small); far below, the weights barely move
//! (the learning rate is too low).
//!
//! ## Example
//! `update_ratio` median 0.05 over the run: 50× the healthy value.
//!
//! ## What to try
//! Too high: lower the learning rate (by about the ratio's excess). Too low:
//! raise it. Check per parameter group if some layers differ.
//!
//! ## Options

use super::finding::num;
use super::stats::median;
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct UpdateRatio;

const PARAMS: &[Param] = &[
    Param { name: "high", default: 1e-2, doc: "a median ratio above this is too high (10x the healthy 1e-3)" },
    Param { name: "low", default: 1e-4, doc: "a median ratio below this is too low (a tenth of the healthy 1e-3)" },
];

/// The lecture's healthy update/weight ratio.
const HEALTHY: f64 = 1e-3;

impl Rule for UpdateRatio {
    fn id(&self) -> &'static str {
        "update-ratio"
    }
    fn summary(&self) -> &'static str {
        "update/weight ratio far from ~1e-3 (where logged)"
    }
    fn reads(&self) -> &'static str {
        "the logged update/weight ratio"
    }
    fn source(&self) -> &'static str {
        include_str!("update_ratio.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let Some(p) = ctx.view.update_ratio else {
            return vec![];
        };
        let s = p.series;
        let m = median(&s.values);
        if !m.is_finite() || s.is_empty() {
            return vec![];
        }
        let (high, low) = (ctx.p("high"), ctx.p("low"));
        let (what, advice) = if m > high {
            (
                "too high: the learning rate is likely too high (or the init too small)",
                format!("Lower the learning rate about {}x.", num(m / HEALTHY)),
            )
        } else if m < low {
            ("too low: the learning rate is likely too low", format!("Raise the learning rate about {}x.", num(HEALTHY / m)))
        } else {
            return vec![];
        };
        vec![Finding::new("update-ratio", Severity::Warning, Span { axis: s.axis, start: s.x[0], end: s.x[s.len() - 1] })
            .confidence(0.8)
            .series(&s.name)
            .evidence("median_ratio", m)
            .evidence("healthy", HEALTHY)
            .message(format!("{} has median {} ({}x the healthy 1e-3): {what}.", s.name, num(m), num(m / HEALTHY)))
            .advice(advice)]
    }
}
