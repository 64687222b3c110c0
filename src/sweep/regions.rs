//! Regions of the space where every trial failed ("lr ≥ 0.347: 2 of 2 trials
//! diverged"), so the next range can leave them out. Per numeric searched
//! hyperparameter, the trials with the highest values (and separately the
//! lowest) are read in order until one learned; a run of at least
//! `MIN_TRIALS` failed trials that is not the whole sweep is a region. Only
//! hyperparameters that mattered (or may have) are read: in a search where
//! the rate decides, the trials at the lowest weight decay can all fail by
//! chance of the rates they drew.

use serde::Serialize;

use super::space::{Scale, Space};
use super::trial::{Outcome, TrialResult};
use crate::model::hparams::short;

/// Failed trials in a row that make a region (one could be bad luck).
const MIN_TRIALS: usize = 2;

/// A failed region.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// The hyperparameter.
    pub hparam: String,
    /// `above` (values ≥ `from`) or `below` (values ≤ `from`).
    pub side: &'static str,
    /// The boundary value (the nearest failed trial's value).
    pub from: f64,
    /// Trials in the region.
    pub trials: usize,
    /// Of them diverged.
    pub diverged: usize,
    /// Of them barely learned.
    pub barely_learned: usize,
}

impl Region {
    /// `lr ≥ 0.347`.
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.hparam, if self.side == "above" { "≥" } else { "≤" }, short(self.from))
    }

    /// `2 of 2 trials diverged`.
    pub fn why(&self) -> String {
        let n = self.trials;
        match (self.diverged, self.barely_learned) {
            (d, 0) => format!("{d} of {n} trials diverged"),
            (0, b) => format!("{b} of {n} trials barely learned"),
            (d, b) => format!("{n} of {n} trials failed ({d} diverged, {b} barely learned)"),
        }
    }
}

/// Every failed region of the numeric searched hyperparameters.
/// `considered[k]` says whether dimension `k` is read (the ones that did not matter are not).
pub fn find(space: &Space, results: &[TrialResult], considered: &[bool]) -> Vec<Region> {
    let mut out = Vec::new();
    for (_, d) in
        space.searched.iter().enumerate().filter(|(k, d)| d.scale != Scale::Categorical && considered.get(*k).copied().unwrap_or(true))
    {
        let mut by_value: Vec<(f64, Outcome)> =
            d.of_trial.iter().zip(results).filter_map(|(v, r)| v.as_ref().and_then(|v| v.as_f64()).map(|x| (x, r.outcome))).collect();
        by_value.sort_by(|a, b| a.0.total_cmp(&b.0));
        for side in ["above", "below"] {
            let ordered: Vec<(f64, Outcome)> = if side == "above" { by_value.iter().rev().copied().collect() } else { by_value.clone() };
            // A value shared by a trial that learned is not inside the region.
            let learned_at = |x: f64| by_value.iter().any(|(v, o)| *v == x && !o.failed());
            let tail: Vec<(f64, Outcome)> = ordered.iter().copied().take_while(|(x, o)| o.failed() && !learned_at(*x)).collect();
            if tail.len() >= MIN_TRIALS && tail.len() < by_value.len() {
                let from = tail.last().map(|t| t.0).unwrap_or(f64::NAN);
                out.push(Region {
                    hparam: d.name.clone(),
                    side,
                    from,
                    trials: tail.len(),
                    diverged: tail.iter().filter(|t| t.1 == Outcome::Diverged).count(),
                    barely_learned: tail.iter().filter(|t| t.1 == Outcome::BarelyLearned).count(),
                });
            }
        }
    }
    out
}

/// The values a next range for `hparam` should stay within: (above the region below, below the region above).
pub fn avoid(regions: &[Region], hparam: &str) -> (Option<f64>, Option<f64>) {
    let of = |side: &str| regions.iter().find(|r| r.hparam == hparam && r.side == side).map(|r| r.from);
    (of("below"), of("above"))
}
