//! A whole hyperparameter search read the way the lecture's "choosing
//! hyperparameters" section reads one: every trial's curves diagnosed, the
//! trials ranked by the best value of their headline validation curve, which
//! hyperparameters mattered (beyond chance), whether the best sits at an edge
//! of what was tried, which region failed, and what to search next.
//!
//! This stage sits on diagnoses (one per trial) and below the outputs: the
//! report and render stages draw a [`Sweep`], the CLI's `sweep` command makes it.

pub mod edge;
pub mod importance;
pub mod regions;
pub mod space;
pub mod trial;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::HValue;
pub use edge::{Edge, Placement};
pub use importance::{Importance, Verdict};
pub use regions::Region;
pub use space::{Dimension, Scale, Space};
pub use trial::{Outcome, Trial, TrialResult};

/// What the user can tell the analysis that the logs cannot.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// `--range NAME=LO:HI`: the range a hyperparameter was searched over.
    pub ranges: BTreeMap<String, (f64, f64)>,
}

/// The winner's lead over the runner-up, against the noise of their own curves.
#[derive(Debug, Clone, Serialize)]
pub struct Margin {
    /// The runner-up's name.
    pub runner_up: String,
    /// Best minus runner-up, in the headline metric's units (positive = better).
    pub margin: f64,
    /// √(σ₁² + σ₂²) of the two trials' evaluation-to-evaluation noise.
    pub noise: f64,
    /// The lead is under twice that noise: another seed could swap them.
    pub within_noise: bool,
}

/// One searched hyperparameter's verdicts and advice.
#[derive(Debug, Clone, Serialize)]
pub struct Hparam {
    /// Its name.
    pub name: String,
    /// Its scale.
    pub scale: Scale,
    /// Distinct values tried.
    pub distinct_values: usize,
    /// The range edges are judged against and whether the user gave it.
    pub range: Option<(f64, f64)>,
    /// `--range` gave it.
    pub range_given: bool,
    /// It was estimated from a random search's values.
    pub range_estimated: bool,
    /// The best trial's value.
    pub best_value: Option<HValue>,
    /// Whether it matters (a `true` only for `Verdict::Matters`).
    pub matters: bool,
    /// The figures and the verdict.
    pub importance: Importance,
    /// Where the top trials sit.
    pub placement: Placement,
    /// The edge verdict: from the positions when it matters, else `inconclusive`.
    pub edge: Edge,
    /// The range to search next, when it matters.
    pub next_range: Option<(f64, f64)>,
    /// One sentence of advice.
    pub advice: String,
}

/// A finished search, read.
#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    /// Every trial, in the order read.
    pub trials: Vec<TrialResult>,
    /// Each trial's hyperparameters (same order).
    pub trial_hparams: Vec<BTreeMap<String, HValue>>,
    /// The headline metric trials are ranked by (the most common among them).
    pub metric: Option<String>,
    /// Whether lower is better for it.
    pub lower_is_better: bool,
    /// Trial indices, best first; trials without a value last.
    pub ranking: Vec<usize>,
    /// The best trial, if any trial has a value.
    pub best: Option<usize>,
    /// The lead over the runner-up.
    pub margin: Option<Margin>,
    /// What was searched, fixed, or only names a trial; grid or random.
    pub space: Space,
    /// Per searched hyperparameter.
    pub hparams: Vec<Hparam>,
    /// The hyperparameter that matters most, when one clearly does.
    pub matters_most: Option<String>,
    /// Regions of the space where every trial failed.
    pub regions: Vec<Region>,
    /// What to do next, most important first.
    pub advice: Vec<String>,
    /// Facts worth knowing (trials without hyperparameters, mixed metrics).
    pub notes: Vec<String>,
}

/// Reads a search from its trials.
pub fn analyse(trials: &[Trial], opts: &SweepOptions) -> Sweep {
    let results: Vec<TrialResult> = trials.iter().map(TrialResult::of).collect();
    let mut notes = Vec::new();
    if trials.len() < 2 {
        notes.push(format!("a search needs at least two trials; found {}", trials.len()));
    }
    // The metric most trials are judged by; a trial on another one is not comparable.
    let mut counts: BTreeMap<(&str, bool), usize> = BTreeMap::new();
    for r in &results {
        if let Some(m) = &r.metric {
            *counts.entry((m.as_str(), r.lower_is_better)).or_default() += 1;
        }
    }
    let headline = counts.iter().max_by_key(|(_, c)| **c).map(|((m, l), _)| (m.to_string(), *l));
    let comparable: Vec<bool> =
        results.iter().map(|r| headline.as_ref().is_some_and(|(m, _)| r.metric.as_deref() == Some(m.as_str()))).collect();
    let others = comparable.iter().filter(|c| !**c).count();
    if others > 0 {
        notes.push(format!(
            "{others} trial(s) log no {} and are ranked last",
            headline.as_ref().map(|h| h.0.as_str()).unwrap_or("validation curve")
        ));
    }
    let scores: Vec<Option<f64>> = results.iter().zip(&comparable).map(|(r, c)| if *c { r.score() } else { None }).collect();
    let ranking = rank(&results, &scores);
    let best = ranking.first().copied().filter(|&i| scores[i].is_some());
    let margin = best.and_then(|b| margin(&results, &scores, &ranking, b));

    let hp: Vec<BTreeMap<String, HValue>> = trials.iter().map(|t| t.hparams.values.clone()).collect();
    let without = trials.iter().filter(|t| t.hparams.is_empty()).count();
    if without > 0 {
        notes.push(format!(
            "{without} trial(s) have no hyperparameters (no params.json, config.json, hparams.yaml, config.yaml or key=value folder name beside the log)"
        ));
    }
    let refs: Vec<&BTreeMap<String, HValue>> = hp.iter().collect();
    let space = space::read(&refs, &opts.ranges);
    for name in opts.ranges.keys() {
        if !space.searched.iter().any(|d| &d.name == name) {
            notes.push(format!("--range {name}: no searched hyperparameter has that name"));
        }
    }

    // y: every trial's best (diverged ones keep what they reached; one with none, the worst seen).
    let worst = scores.iter().flatten().copied().fold(f64::INFINITY, f64::min);
    let y: Vec<f64> = scores.iter().zip(&comparable).map(|(s, c)| s.unwrap_or(if *c { worst } else { f64::NAN })).collect();
    let have_y: Vec<bool> = y.iter().map(|v| v.is_finite()).collect();
    let diverged: Vec<bool> = results.iter().map(|r| r.outcome == Outcome::Diverged).collect();
    let grid = space.design.kind == "grid";
    let prepared: Vec<_> = space.searched.iter().map(|d| importance::prepare(d, grid, &have_y)).collect();
    let mut imps: Vec<Importance> = space
        .searched
        .iter()
        .zip(&prepared)
        .enumerate()
        .map(|(k, (d, p))| importance::marginal(d, p, &y, &diverged, 17 * k as u64))
        .collect();
    let n_scored = have_y.iter().filter(|h| **h).count();
    let top = importance::judge(&space.searched, &prepared, &mut imps, &y, n_scored);
    let matters_most = top.filter(|&t| {
        let it = &imps[t];
        it.verdict == Verdict::Matters
            && imps.iter().all(|o| o.eta2 <= it.eta2)
            && imps.iter().all(|o| o.quad_r2_non_diverged.unwrap_or(0.0) <= it.quad_r2_non_diverged.unwrap_or(f64::INFINITY))
    });

    // A region only for what mattered: trials failing at low weight decay because their rate was
    // too low say nothing about weight decay.
    let mattered: Vec<bool> = imps.iter().map(|i| i.verdict != Verdict::DoesNotMatter).collect();
    let regions = regions::find(&space, &results, &mattered);
    let top_idx: Vec<usize> = ranking.iter().copied().filter(|&i| scores[i].is_some()).take(edge::TOP).collect();
    let hparams: Vec<Hparam> =
        space.searched.iter().zip(imps).map(|(d, imp)| judge_one(d, imp, best, &top_idx, &regions, n_scored)).collect();
    let mut sweep = Sweep {
        trials: results,
        trial_hparams: hp,
        metric: headline.as_ref().map(|h| h.0.clone()),
        lower_is_better: headline.is_some_and(|h| h.1),
        ranking,
        best,
        margin,
        matters_most: matters_most.map(|t| space.searched[t].name.clone()),
        space,
        hparams,
        regions,
        advice: Vec::new(),
        notes,
    };
    sweep.advice = advice(&sweep);
    sweep
}

/// Best score first; ties by the lower best validation loss, then trial order.
fn rank(results: &[TrialResult], scores: &[Option<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by(|&a, &b| {
        let s = |i: usize| scores[i].unwrap_or(f64::NEG_INFINITY);
        let l = |i: usize| results[i].best_val_loss.unwrap_or(f64::INFINITY);
        s(b).total_cmp(&s(a)).then(l(a).total_cmp(&l(b))).then(a.cmp(&b))
    });
    order
}

/// How clearly the winner won: twice the pair's curve noise is what another seed can move.
fn margin(results: &[TrialResult], scores: &[Option<f64>], ranking: &[usize], best: usize) -> Option<Margin> {
    let second = *ranking.get(1)?;
    let (b, s) = (scores[best]?, scores[second]?);
    let nb = results[best].noise.unwrap_or(0.0);
    let ns = results[second].noise.unwrap_or(0.0);
    let noise = (nb * nb + ns * ns).sqrt();
    Some(Margin { runner_up: results[second].name.clone(), margin: b - s, noise, within_noise: b - s <= 2.0 * noise })
}

fn judge_one(d: &Dimension, imp: Importance, best: Option<usize>, top: &[usize], regions: &[Region], n: usize) -> Hparam {
    let value_of = |i: usize| d.of_trial[i].clone();
    let best_value = best.and_then(value_of);
    let top_values: Vec<f64> = top.iter().filter_map(|&i| value_of(i).and_then(|v| v.as_f64())).collect();
    let placement = edge::place(d, &top_values);
    let matters = imp.verdict == Verdict::Matters;
    let edge = if matters { placement.by_position } else { Edge::Inconclusive };
    let avoid = regions::avoid(regions, &d.name);
    let next_range = match (matters, best_value.as_ref().and_then(HValue::as_f64)) {
        (true, Some(b)) => edge::next_range(d, edge, b, avoid),
        _ => None,
    };
    let (lo, hi) = d.range.unwrap_or((f64::NAN, f64::NAN));
    let shown = |v: f64| crate::model::hparams::short(v);
    let best_txt = best_value.as_ref().map(|v| v.to_string()).unwrap_or_default();
    let advice = match (imp.verdict, edge) {
        (Verdict::Matters, Edge::Upper) => format!("extend the {} range upward (above {})", d.name, shown(hi)),
        (Verdict::Matters, Edge::Lower) => format!("extend the {} range downward (below {})", d.name, shown(lo)),
        (Verdict::Matters, Edge::Interior) if placement.natural_lower_bound && placement.position_of_best.is_some_and(|p| p <= 0.2) => {
            format!("keep {} at its natural bound {}: the best trials use none", d.name, shown(lo))
        }
        (Verdict::Matters, Edge::Interior) => format!("narrow the {} range around the best value {best_txt}", d.name),
        (Verdict::Matters, _) => format!("{} matters; compare its values' groups (it is categorical): the best used {best_txt}", d.name),
        (Verdict::DoesNotMatter, _) => format!("no range advice: {} does not matter in this sweep", d.name),
        (Verdict::Inconclusive, _) if n < importance::MIN_TRIALS => {
            format!("no range advice: {n} trials are too few to tell whether {} matters", d.name)
        }
        (Verdict::Inconclusive, _) => format!(
            "no range advice: whether {} matters is inconclusive (R² {:.2}, p {:.2}); more trials would tell",
            d.name, imp.quad_r2, imp.quad_r2_p
        ),
    };
    Hparam {
        name: d.name.clone(),
        scale: d.scale,
        distinct_values: d.values.len(),
        range: d.range,
        range_given: d.range_given,
        range_estimated: d.range_estimated,
        best_value,
        matters,
        importance: imp,
        placement,
        edge,
        next_range,
        advice,
    }
}

/// The sweep's advice, most important first: the ranges to search next, the regions to
/// leave out, a winner within noise, the design.
fn advice(s: &Sweep) -> Vec<String> {
    let mut out = Vec::new();
    for h in s.hparams.iter().filter(|h| h.matters) {
        let range = h
            .next_range
            .map(|(a, b)| format!(": next try {}–{}{}", short(a), short(b), if h.scale == Scale::Log { " (log-uniform)" } else { "" }));
        out.push(format!("{}{}", h.advice, range.unwrap_or_default()));
    }
    for r in &s.regions {
        out.push(format!("leave out {}: {}", r.describe(), r.why()));
    }
    let quiet: Vec<&str> = s.hparams.iter().filter(|h| h.importance.verdict == Verdict::DoesNotMatter).map(|h| h.name.as_str()).collect();
    if !quiet.is_empty() && s.hparams.iter().any(|h| h.matters) {
        out.push(format!(
            "{} did not matter here: fix {} at the best trial's value and spend the trials on what matters",
            quiet.join(", "),
            if quiet.len() == 1 { "it" } else { "them" }
        ));
    }
    if let (Some(m), Some(b)) = (&s.margin, s.best) {
        if m.margin <= 0.0 {
            out.push(format!("{} and {} tie at their best: re-run both with other seeds before choosing", s.trials[b].name, m.runner_up));
        } else if m.within_noise {
            out.push(format!(
                "{} leads {} by {}, within the noise of their own curves (±{}): re-run both with other seeds before choosing",
                s.trials[b].name,
                m.runner_up,
                short(m.margin.abs()),
                short(2.0 * m.noise)
            ));
        }
    }
    // The winner's own curves: the lecture's "look at the learning curves" before trusting it.
    if let Some(b) = s.best {
        for (rule, message) in &s.trials[b].problem_messages {
            out.push(format!(
                "look at the best trial's curves: {} shows {rule} ({}); `curvecheck diagnose` on it says what to try",
                s.trials[b].name,
                message.trim_end_matches('.')
            ));
        }
    }
    if s.space.design.kind == "grid" {
        if let Some(h) = s.matters_most.as_ref().or_else(|| s.hparams.first().map(|h| &h.name)) {
            let k = s.space.design.distinct.get(h).copied().unwrap_or(0);
            let n = s.trials.len();
            out.push(format!(
                "grid search: {h} got only {k} distinct values in {n} trials; a random search of {n} trials would try {n} values of it (the lecture: random search covers the hyperparameter that matters more densely)"
            ));
        }
    }
    let failed = s.trials.iter().filter(|t| t.outcome.failed()).count();
    if failed * 2 > s.trials.len() {
        out.push(format!("{failed} of {} trials failed: look at their curves, then search a narrower range around the trials that learned (coarse to fine)", s.trials.len()));
    }
    out
}

fn short(v: f64) -> String {
    crate::model::hparams::short(v)
}
