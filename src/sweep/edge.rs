//! Where the best trials sit in the range searched, and the next range (the
//! lecture's coarse-to-fine search).
//!
//! Positions run from 0 (low end) to 1 (high end) on the dimension's scale.
//! The best is at the **upper edge** when its position is ≥ 0.8 and at least
//! two of the three best trials sit at ≥ 0.6 (a lone lucky trial at the edge
//! is not a trend); the **lower edge** mirrors it; otherwise **interior**.
//! On a 3-value grid this says: the best and another top-3 trial use the end
//! value. A low end of 0 (no dropout, no weight decay) is a natural bound,
//! not an edge: nothing lies below it.
//!
//! Next range: at an edge, keep the best's neighbourhood and go half the
//! searched width beyond the end; interior, narrow to the best ×/÷ 10^(L/4)
//! (L the searched width in decades; ± width/4 on a linear scale), inside
//! the range searched. Either way the range stops short of a region where
//! every trial failed.
//!
//! Example: lr tried 1e-4, 0.0316, 10 with the best three at 0.0316:
//! interior, next range 0.00178–0.562.

use serde::Serialize;

use super::space::{Dimension, Scale};

/// Position at or beyond which the best is at an edge.
const EDGE_BEST: f64 = 0.8;
/// Position the other top trials must reach too.
const EDGE_TOP: f64 = 0.6;
/// How many of the best-ranked trials are read.
pub const TOP: usize = 3;

/// Where the best sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    /// At the low end of the range: extend it downward.
    Lower,
    /// At the high end: extend it upward.
    Upper,
    /// Inside: narrow the range around the best.
    Interior,
    /// Not judged: the hyperparameter does not matter or its verdict is unclear.
    Inconclusive,
}

impl Edge {
    /// As JSON writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Edge::Lower => "lower",
            Edge::Upper => "upper",
            Edge::Interior => "interior",
            Edge::Inconclusive => "inconclusive",
        }
    }
}

/// The positional reading of one dimension.
#[derive(Debug, Clone, Serialize)]
pub struct Placement {
    /// Position of the best trial's value.
    pub position_of_best: Option<f64>,
    /// Positions of the top trials, best first.
    pub positions_top: Vec<f64>,
    /// The verdict from positions alone (for every numeric dimension).
    pub by_position: Edge,
    /// The low end is a natural bound (0).
    pub natural_lower_bound: bool,
}

/// Reads the positions of the top trials (`top` = their values, best first).
pub fn place(d: &Dimension, top: &[f64]) -> Placement {
    let pos: Vec<f64> = top.iter().filter_map(|v| d.position(*v)).collect();
    let natural = d.lower_bound_is_natural();
    let best = pos.first().copied();
    let by_position = match best {
        _ if d.scale == Scale::Categorical => Edge::Inconclusive,
        Some(b) if b >= EDGE_BEST && pos.iter().filter(|p| **p >= EDGE_TOP).count() >= 2 => Edge::Upper,
        Some(b) if b <= 1.0 - EDGE_BEST && pos.iter().filter(|p| **p <= 1.0 - EDGE_TOP).count() >= 2 => {
            if natural {
                Edge::Interior
            } else {
                Edge::Lower
            }
        }
        Some(_) => Edge::Interior,
        None => Edge::Inconclusive,
    };
    Placement { position_of_best: best, positions_top: pos, by_position, natural_lower_bound: natural }
}

/// The next range for a dimension that matters, kept clear of `avoid` (values where every
/// trial failed: below `avoid.0` or above `avoid.1`).
pub fn next_range(d: &Dimension, edge: Edge, best: f64, avoid: (Option<f64>, Option<f64>)) -> Option<(f64, f64)> {
    let (lo, hi) = d.range?;
    let (a, b, x) = (d.coord(lo), d.coord(hi), d.coord(best));
    let w = b - a;
    if w <= 0.0 {
        return None;
    }
    let (mut na, mut nb) = match edge {
        Edge::Upper => (x - w / 4.0, b + w / 2.0),
        Edge::Lower => (a - w / 2.0, x + w / 4.0),
        Edge::Interior => ((x - w / 4.0).max(a), (x + w / 4.0).min(b)),
        Edge::Inconclusive => return None,
    };
    if let Some(v) = avoid.1 {
        nb = nb.min(d.coord(v));
    }
    if let Some(v) = avoid.0 {
        na = na.max(d.coord(v));
    }
    let back = |c: f64| if d.scale == Scale::Log { 10f64.powf(c) } else { c };
    let (mut l, u) = (back(na), back(nb));
    if lo == 0.0 && d.zero_coord.is_some_and(|z| na <= z) {
        l = 0.0;
    }
    if d.scale == Scale::Linear && lo >= 0.0 {
        l = l.max(0.0);
    }
    (u > l).then(|| (round3(l), round3(u)))
}

/// Three significant digits, as people write ranges.
pub fn round3(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let m = 10f64.powi(2 - v.abs().log10().floor() as i32);
    (v * m).round() / m
}
