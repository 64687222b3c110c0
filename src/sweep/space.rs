//! The searched space, read from the trials' hyperparameters: which settings
//! were searched (they differ between trials), which were fixed (one value in
//! every trial), which only name a trial (a seed, an id: not a hyperparameter),
//! on which scale each numeric one was searched, and whether the search was a
//! grid or random.
//!
//! A numeric hyperparameter is read on a log scale when every value is positive
//! and they span at least a decade (`lr` from 1e-4 to 10), as the lecture
//! advises searching rates and regularisation strengths; otherwise linearly
//! (`dropout` from 0.05 to 0.29).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::HValue;

/// A span of at least this ratio between the largest and smallest positive value is read on a log scale.
const LOG_SPAN: f64 = 10.0;

/// Names that identify a trial or its bookkeeping rather than set how it trains.
const NUISANCE: &[&str] = &[
    "seed",
    "random_seed",
    "rng_seed",
    "manual_seed",
    "trial",
    "trial_id",
    "trial_index",
    "run_id",
    "run_name",
    "id",
    "version",
    "name",
    "date",
    "time",
    "timestamp",
    "output_dir",
    "logdir",
    "log_dir",
    "save_dir",
    "checkpoint_dir",
    "experiment",
    "experiment_name",
];

/// How a hyperparameter's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Positions and fits use log10 of the value.
    Log,
    /// Positions and fits use the value.
    Linear,
    /// Strings or booleans: compared by group only.
    Categorical,
}

/// One searched hyperparameter.
#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    /// Its name as logged.
    pub name: String,
    /// The scale it is compared on.
    pub scale: Scale,
    /// The distinct values tried, in order.
    pub values: Vec<HValue>,
    /// The range edges are judged against: `--range`, else the smallest and largest value tried.
    pub range: Option<(f64, f64)>,
    /// Whether `range` came from `--range`.
    pub range_given: bool,
    /// Whether `range` is estimated from a random search's values (see [`estimate_range`]).
    pub range_estimated: bool,
    /// The trials that have it, by index.
    #[serde(skip)]
    pub of_trial: Vec<Option<HValue>>,
    /// On a log scale with 0 among the values (weight decay 0, 1e-4, 1e-2): the coordinate
    /// 0 is placed at, a decade below the smallest positive value.
    #[serde(skip)]
    pub zero_coord: Option<f64>,
}

impl Dimension {
    /// The coordinate fits use: log10 of the value on a log scale.
    pub fn coord(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Log if v <= 0.0 => self.zero_coord.unwrap_or(f64::MIN_POSITIVE.log10()),
            Scale::Log => v.log10(),
            _ => v,
        }
    }

    /// Position of a value within the range, 0 at its low end and 1 at its high end.
    pub fn position(&self, v: f64) -> Option<f64> {
        let (lo, hi) = self.range?;
        let (a, b, x) = (self.coord(lo), self.coord(hi), self.coord(v));
        (b > a).then(|| ((x - a) / (b - a)).clamp(0.0, 1.0))
    }

    /// A hyperparameter whose low end is a natural bound (0 dropout, 0 weight decay):
    /// nothing lies below it to try.
    pub fn lower_bound_is_natural(&self) -> bool {
        self.range.is_some_and(|(lo, _)| lo == 0.0)
    }
}

/// The space a search covered.
#[derive(Debug, Clone, Serialize)]
pub struct Space {
    /// Hyperparameters that differ between trials.
    pub searched: Vec<Dimension>,
    /// Settings with one value in every trial that has them.
    pub fixed: BTreeMap<String, HValue>,
    /// Settings that differ but only identify a trial (seeds, ids).
    pub per_trial: Vec<String>,
    /// `grid` or `random`.
    pub design: Design,
}

/// How the trials were placed.
#[derive(Debug, Clone, Serialize)]
pub struct Design {
    /// `grid` (every combination of a few values per hyperparameter) or `random`.
    pub kind: &'static str,
    /// Distinct values each searched hyperparameter got.
    pub distinct: BTreeMap<String, usize>,
}

/// Reads the space from each trial's hyperparameters; `ranges` are the user's `--range NAME=LO:HI`.
pub fn read(trials: &[&BTreeMap<String, HValue>], ranges: &BTreeMap<String, (f64, f64)>) -> Space {
    let names: BTreeSet<&String> = trials.iter().flat_map(|t| t.keys()).collect();
    let mut searched = Vec::new();
    let mut fixed = BTreeMap::new();
    let mut per_trial = Vec::new();
    for name in names {
        let of_trial: Vec<Option<HValue>> = trials.iter().map(|t| t.get(name).cloned()).collect();
        let mut distinct: Vec<HValue> = Vec::new();
        for v in of_trial.iter().flatten() {
            if !distinct.contains(v) {
                distinct.push(v.clone());
            }
        }
        if distinct.len() <= 1 {
            if let Some(v) = distinct.pop() {
                fixed.insert(name.clone(), v);
            }
            continue;
        }
        let numeric: Vec<f64> = distinct.iter().filter_map(HValue::as_f64).collect();
        let all_numeric = numeric.len() == distinct.len();
        let unique_text = !all_numeric && distinct.len() == of_trial.iter().flatten().count() && trials.len() >= 4;
        if is_nuisance(name) || unique_text {
            per_trial.push(name.clone());
            continue;
        }
        let positive: Vec<f64> = numeric.iter().copied().filter(|v| *v > 0.0).collect();
        let (plo, phi) = min_max(&positive);
        // 0 beside positive values spanning decades is "off" on a log search (weight decay 0, 1e-4, 1e-2).
        let zeros_ok = numeric.iter().all(|v| *v >= 0.0) && positive.len() >= 2;
        let scale = if !all_numeric {
            Scale::Categorical
        } else if (positive.len() == numeric.len() || zeros_ok) && positive.len() >= 2 && phi / plo >= LOG_SPAN {
            Scale::Log
        } else {
            Scale::Linear
        };
        let zero_coord = (scale == Scale::Log && positive.len() < numeric.len()).then(|| plo.log10() - 1.0);
        let given = ranges.get(name.as_str()).copied();
        let range = given.or_else(|| (scale != Scale::Categorical).then(|| min_max(&numeric)));
        if scale != Scale::Categorical {
            distinct.sort_by(|a, b| a.as_f64().unwrap_or(0.0).total_cmp(&b.as_f64().unwrap_or(0.0)));
        }
        searched.push(Dimension {
            name: name.clone(),
            scale,
            values: distinct,
            range,
            range_given: given.is_some(),
            range_estimated: false,
            of_trial,
            zero_coord,
        });
    }
    let design = design(&searched, trials.len());
    if design.kind == "random" {
        for d in searched.iter_mut().filter(|d| !d.range_given && d.scale != Scale::Categorical) {
            estimate_range(d);
        }
    }
    Space { searched, fixed, per_trial, design }
}

/// A random search drew its values from a range wider than the values it happened to get:
/// for `n` uniform draws (on the dimension's scale) the unbiased estimate of the range is
/// the span of the values widened by `span / (n − 1)` at each end. A grid's ends are its
/// range. A range of non-negative values stops at 0.
///
/// Example: 12 log-uniform rates from 1.31e-5 to 2.53e-3 (2.29 decades) estimate
/// 8.1e-6 to 4.1e-3 (drawn from 1e-5 to 3e-3).
fn estimate_range(d: &mut Dimension) {
    let Some((lo, hi)) = d.range else { return };
    let n = d.of_trial.iter().filter(|v| v.as_ref().and_then(HValue::as_f64).is_some()).count();
    if n < 3 || hi <= lo {
        return;
    }
    let (a, b) = (d.coord(lo), d.coord(hi));
    let pad = (b - a) / (n - 1) as f64;
    if lo == 0.0 {
        // 0 is a natural bound: the range cannot have reached below it.
        let back = |c: f64| if d.scale == Scale::Log { 10f64.powf(c) } else { c };
        d.range = Some((0.0, back(b + pad)));
        d.range_estimated = true;
        return;
    }
    let back = |c: f64| if d.scale == Scale::Log { 10f64.powf(c) } else { c };
    let mut l = back(a - pad);
    if lo >= 0.0 && d.scale == Scale::Linear {
        l = l.max(0.0);
    }
    d.range = Some((l, back(b + pad)));
    d.range_estimated = true;
}

fn is_nuisance(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    NUISANCE.contains(&last.as_str()) || last.ends_with("_seed") || last.ends_with("_dir") || last.ends_with("_path")
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)))
}

/// A grid: every searched hyperparameter took few values, each tried by several trials, and
/// the trials cover their combinations; otherwise random.
fn design(searched: &[Dimension], n: usize) -> Design {
    let distinct: BTreeMap<String, usize> = searched.iter().map(|d| (d.name.clone(), d.values.len())).collect();
    let combos: BTreeSet<Vec<String>> =
        (0..n).map(|i| searched.iter().map(|d| d.of_trial[i].as_ref().map(|v| v.to_string()).unwrap_or_default()).collect()).collect();
    let product: usize = distinct.values().product();
    let repeated = searched.iter().all(|d| 2 * d.values.len() <= n);
    let even = searched.iter().all(evenly_spaced);
    let covered = combos.len() == product && n % product.max(1) == 0;
    let grid = !searched.is_empty() && covered && (repeated || even);
    Design { kind: if grid { "grid" } else { "random" }, distinct }
}

/// Values a constant step apart on the dimension's scale (a grid's `np.logspace`), to 10%
/// of the step (grid values are rounded to a few digits).
fn evenly_spaced(d: &Dimension) -> bool {
    if d.scale == Scale::Categorical {
        return true;
    }
    let c: Vec<f64> = d.values.iter().filter_map(HValue::as_f64).map(|v| d.coord(v)).collect();
    if c.len() < 3 {
        return true;
    }
    let steps: Vec<f64> = c.windows(2).map(|w| w[1] - w[0]).collect();
    let mean = steps.iter().sum::<f64>() / steps.len() as f64;
    steps.iter().all(|s| (s - mean).abs() <= 0.1 * mean.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space_of(values: &[(&str, f64)]) -> Space {
        let trials: Vec<BTreeMap<String, HValue>> =
            values.iter().map(|(k, v)| BTreeMap::from([(k.to_string(), HValue::Number(*v))])).collect();
        let refs: Vec<&BTreeMap<String, HValue>> = trials.iter().collect();
        read(&refs, &BTreeMap::new())
    }

    #[test]
    fn zero_beside_decades_is_off_on_a_log_scale_and_a_natural_bound() {
        let s = space_of(&[("wd", 0.0), ("wd", 1e-4), ("wd", 1e-2), ("wd", 0.0), ("wd", 1e-4), ("wd", 1e-2)]);
        let d = &s.searched[0];
        assert_eq!(d.scale, Scale::Log);
        assert_eq!(d.coord(0.0), -5.0);
        assert!(d.lower_bound_is_natural());
        assert_eq!(d.position(1e-4), Some(1.0 / 3.0), "0 at -5, 1e-4 at -4, 1e-2 at -2");
        assert_eq!(s.design.kind, "grid");
    }

    #[test]
    fn a_random_searchs_range_is_widened_by_a_gap_per_end() {
        let s = space_of(&[("lr", 1e-4), ("lr", 1e-3), ("lr", 1e-1), ("lr", 3e-2), ("lr", 2e-4)]);
        let d = &s.searched[0];
        assert_eq!(s.design.kind, "random");
        let (lo, hi) = d.range.unwrap();
        // 3 decades over 5 draws: 0.75 decade beyond each end.
        assert!((lo.log10() + 4.75).abs() < 1e-9 && (hi.log10() + 0.25).abs() < 1e-9, "{lo} {hi}");
    }
}
