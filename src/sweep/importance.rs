//! Which hyperparameters mattered, with figures that hold up on 9–12 trials.
//!
//! `y` is each trial's best headline value (higher better; a diverged trial
//! keeps whatever it reached), `x` the hyperparameter's coordinate (log10 on a
//! log scale).
//! - `quad_r2`: R² of a least-squares quadratic `y ~ a + b·x + c·x²`, which
//!   catches an interior optimum (too low and too high a rate both fail) where
//!   a correlation would see nothing; linear with two distinct values.
//! - `eta2`: the share of variance between groups (the grid's values, or three
//!   equal-width bins of the position for a random search); for a categorical
//!   hyperparameter, its categories.
//! - a permutation p-value for each: how often shuffled `y` fits as well
//!   (`PERMUTATIONS` shuffles, seeded, so a report is reproducible).
//! - The strongest (`top`) matters when `quad_r2 ≥ 0.3` and `p < 0.05`. Any
//!   other is judged on what it explains beyond the top one: R² of its fit to
//!   the top fit's residuals × the variance the top one left, ≥ 5% and
//!   significant — 12 random trials easily confound a second hyperparameter
//!   with the first, and the marginal figure alone would then mislead.
//! - `inconclusive` where the fit is sizeable but not significant, or there
//!   are too few trials to tell.
//!
//! Example: a 3×3 grid where lr = 1e-4, 0.0316, 10 give 0.37, 0.82, 0.25 and
//! weight decay changes nothing: lr `quad_r2` 0.99 (p 0.004) matters, weight
//! decay explains 0.5% beyond it (p 0.9): does not matter.

use serde::Serialize;

use super::space::{Dimension, Scale};

/// Shuffles per permutation test.
pub const PERMUTATIONS: usize = 2000;
/// R² a hyperparameter must reach to matter (the top one).
const MIN_R2: f64 = 0.3;
/// Share of total variance another must explain beyond the top one.
const MIN_SHARE: f64 = 0.05;
/// Significance level of the permutation tests.
const ALPHA: f64 = 0.05;
/// Above this p-value a sizeable fit is chance; between ALPHA and this, inconclusive.
const INCONCLUSIVE_P: f64 = 0.2;
/// Fewer trials than this cannot say which hyperparameter mattered.
pub const MIN_TRIALS: usize = 6;

/// The verdict on one hyperparameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// It changed the outcome, beyond chance.
    Matters,
    /// What it explains is within what chance gives.
    DoesNotMatter,
    /// A sizeable effect that is not significant, or too few trials.
    Inconclusive,
}

/// The figures behind a verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Importance {
    /// The hyperparameter.
    pub name: String,
    /// R² of the quadratic (linear for two values; `eta2` for a categorical one).
    pub quad_r2: f64,
    /// Its permutation p-value.
    pub quad_r2_p: f64,
    /// Between-group share of variance.
    pub eta2: f64,
    /// Its permutation p-value.
    pub eta2_p: f64,
    /// `quad_r2` over the trials that did not diverge (a divergence region alone can make a fit).
    pub quad_r2_non_diverged: Option<f64>,
    /// For hyperparameters other than the top one: the share of total variance explained beyond it.
    pub share_beyond_top: Option<f64>,
    /// Its permutation p-value.
    pub share_beyond_top_p: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Small seeded generator for the shuffles.
fn shuffled(y: &[f64], rng: &mut fastrand::Rng) -> Vec<f64> {
    let mut v = y.to_vec();
    rng.shuffle(&mut v);
    v
}

/// R² of a least-squares polynomial of degree `deg` (1 or 2) in `x`.
pub fn poly_r2(x: &[f64], y: &[f64], deg: usize) -> f64 {
    fitted(x, y, deg).map(|f| r2(y, &f)).unwrap_or(0.0)
}

/// Fitted values of a least-squares polynomial of degree ≤ 2 (normal equations, centred x).
pub fn fitted(x: &[f64], y: &[f64], deg: usize) -> Option<Vec<f64>> {
    let n = x.len();
    if n < deg + 2 {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n as f64;
    let cols: Vec<Vec<f64>> = (0..=deg).map(|p| x.iter().map(|v| (v - mx).powi(p as i32)).collect()).collect();
    let k = deg + 1;
    let mut a = vec![vec![0.0; k + 1]; k];
    for i in 0..k {
        for j in 0..k {
            a[i][j] = cols[i].iter().zip(&cols[j]).map(|(p, q)| p * q).sum();
        }
        a[i][k] = cols[i].iter().zip(y).map(|(p, q)| p * q).sum();
    }
    let beta = solve(a)?;
    Some((0..n).map(|r| (0..k).map(|c| beta[c] * cols[c][r]).sum()).collect())
}

/// Gaussian elimination with partial pivoting on an augmented matrix.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let k = a.len();
    for c in 0..k {
        let p = (c..k).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        let pivot = a[c].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != c {
                let f = row[c] / pivot[c];
                for (x, q) in row[c..].iter_mut().zip(&pivot[c..]) {
                    *x -= f * q;
                }
            }
        }
    }
    Some((0..k).map(|i| a[i][k] / a[i][i]).collect())
}

fn r2(y: &[f64], fit: &[f64]) -> f64 {
    let m = y.iter().sum::<f64>() / y.len() as f64;
    let tot: f64 = y.iter().map(|v| (v - m).powi(2)).sum();
    let res: f64 = y.iter().zip(fit).map(|(v, f)| (v - f).powi(2)).sum();
    if tot <= 0.0 {
        0.0
    } else {
        (1.0 - res / tot).max(0.0)
    }
}

/// Between-group share of variance for group labels: the R² of fitting each group's mean.
pub fn eta2(groups: &[usize], y: &[f64]) -> f64 {
    r2(y, &group_means(groups, y))
}

/// `(1 + #{shuffled ≥ observed}) / (1 + N)`.
pub fn perm_p(y: &[f64], observed: f64, stat: impl Fn(&[f64]) -> f64, seed: u64) -> f64 {
    let mut rng = fastrand::Rng::with_seed(seed);
    let hits = (0..PERMUTATIONS).filter(|_| stat(&shuffled(y, &mut rng)) >= observed - 1e-12).count();
    (1 + hits) as f64 / (1 + PERMUTATIONS) as f64
}

/// What one dimension needs for the figures: coordinates and groups of the trials that have it.
pub struct Prepared {
    /// Trial indices used.
    pub idx: Vec<usize>,
    /// Their coordinates (numeric) or category numbers.
    pub x: Vec<f64>,
    /// Their groups for eta².
    pub groups: Vec<usize>,
    /// Distinct x values.
    pub distinct: usize,
}

/// Coordinates and groups; `grid` groups by value, random by thirds of the position.
pub fn prepare(d: &Dimension, grid: bool, have_y: &[bool]) -> Prepared {
    let mut idx = Vec::new();
    let mut x = Vec::new();
    let mut groups = Vec::new();
    for (i, v) in d.of_trial.iter().enumerate() {
        let Some(v) = v else { continue };
        if !have_y[i] {
            continue;
        }
        let value_group = d.values.iter().position(|u| u == v).unwrap_or(0);
        let (xi, g) = match (d.scale, v.as_f64()) {
            (Scale::Categorical, _) | (_, None) => (value_group as f64, value_group),
            (_, Some(num)) => {
                let g = if grid { value_group } else { d.position(num).map_or(0, |p| ((p * 3.0).floor() as usize).min(2)) };
                (d.coord(num), g)
            }
        };
        idx.push(i);
        x.push(xi);
        groups.push(g);
    }
    let mut xs = x.clone();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    Prepared { idx, x, groups, distinct: xs.len() }
}

/// Degree of the fit: quadratic with three or more distinct values, linear with two.
pub fn degree(distinct: usize) -> usize {
    if distinct >= 3 {
        2
    } else {
        1
    }
}

/// The marginal figures of one dimension against `y` (indexed like the trials).
pub fn marginal(d: &Dimension, p: &Prepared, y: &[f64], diverged: &[bool], seed: u64) -> Importance {
    let ys: Vec<f64> = p.idx.iter().map(|&i| y[i]).collect();
    let categorical = d.scale == Scale::Categorical;
    let deg = degree(p.distinct);
    let e2 = eta2(&p.groups, &ys);
    let e2_p = perm_p(&ys, e2, |s| eta2(&p.groups, s), seed);
    let (q, q_p) = if categorical || p.distinct < 2 {
        (e2, e2_p)
    } else {
        let q = poly_r2(&p.x, &ys, deg);
        (q, perm_p(&ys, q, |s| poly_r2(&p.x, s, deg), seed + 1))
    };
    let keep: Vec<usize> = (0..p.idx.len()).filter(|&k| !diverged[p.idx[k]]).collect();
    let q_nd = (keep.len() >= 5 && !categorical).then(|| {
        let x: Vec<f64> = keep.iter().map(|&k| p.x[k]).collect();
        let yy: Vec<f64> = keep.iter().map(|&k| ys[k]).collect();
        let mut dx = x.clone();
        dx.sort_by(f64::total_cmp);
        dx.dedup();
        poly_r2(&x, &yy, degree(dx.len()))
    });
    Importance {
        name: d.name.clone(),
        quad_r2: q,
        quad_r2_p: q_p,
        eta2: e2,
        eta2_p: e2_p,
        quad_r2_non_diverged: q_nd,
        share_beyond_top: None,
        share_beyond_top_p: None,
        verdict: Verdict::Inconclusive,
    }
}

/// The verdicts: the top one on its own fit, the others beyond it. Returns the index of the top.
pub fn judge(dims: &[Dimension], prepared: &[Prepared], imps: &mut [Importance], y: &[f64], n_trials: usize) -> Option<usize> {
    let top = (0..imps.len()).max_by(|&a, &b| imps[a].quad_r2.total_cmp(&imps[b].quad_r2))?;
    let few = n_trials < MIN_TRIALS;
    let verdict = |r2: f64, p: f64, min: f64| {
        if few {
            Verdict::Inconclusive
        } else if r2 >= min && p < ALPHA {
            Verdict::Matters
        } else if r2 >= min && p < INCONCLUSIVE_P {
            Verdict::Inconclusive
        } else {
            Verdict::DoesNotMatter
        }
    };
    imps[top].verdict = verdict(imps[top].quad_r2, imps[top].quad_r2_p, MIN_R2);
    // Residuals of y after the top dimension's own fit (over the trials that have it).
    let pt = &prepared[top];
    let yt: Vec<f64> = pt.idx.iter().map(|&i| y[i]).collect();
    let fit = if dims[top].scale == Scale::Categorical { None } else { fitted(&pt.x, &yt, degree(pt.distinct)) };
    let fit = fit.unwrap_or_else(|| group_means(&pt.groups, &yt));
    let mut resid = vec![f64::NAN; y.len()];
    for (k, &i) in pt.idx.iter().enumerate() {
        resid[i] = yt[k] - fit[k];
    }
    let left = 1.0 - imps[top].quad_r2;
    for (h, p) in prepared.iter().enumerate() {
        if h == top {
            continue;
        }
        let keep: Vec<usize> = (0..p.idx.len()).filter(|&k| resid[p.idx[k]].is_finite()).collect();
        let x: Vec<f64> = keep.iter().map(|&k| p.x[k]).collect();
        let g: Vec<usize> = keep.iter().map(|&k| p.groups[k]).collect();
        let r: Vec<f64> = keep.iter().map(|&k| resid[p.idx[k]]).collect();
        let categorical = dims[h].scale == Scale::Categorical;
        let stat = |s: &[f64]| if categorical { eta2(&g, s) } else { poly_r2(&x, s, degree(p.distinct)) };
        let obs = stat(&r);
        let share = obs * left;
        let pv = perm_p(&r, obs, stat, 1000 + h as u64);
        imps[h].share_beyond_top = Some(share);
        imps[h].share_beyond_top_p = Some(pv);
        imps[h].verdict = if imps[top].verdict == Verdict::Matters {
            verdict(share, pv, MIN_SHARE)
        } else {
            verdict(imps[h].quad_r2, imps[h].quad_r2_p, MIN_R2)
        };
    }
    Some(top)
}

/// Each value replaced by the mean of its group.
fn group_means(groups: &[usize], y: &[f64]) -> Vec<f64> {
    let k = groups.iter().max().map_or(0, |g| g + 1);
    let mut sum = vec![0.0; k];
    let mut cnt = vec![0usize; k];
    for (g, v) in groups.iter().zip(y) {
        sum[*g] += v;
        cnt[*g] += 1;
    }
    groups.iter().map(|g| sum[*g] / cnt[*g] as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quadratic_fits_an_interior_optimum_that_a_line_misses() {
        let x = [-4.0, -4.0, -1.5, -1.5, 1.0, 1.0];
        let y = [0.37, 0.36, 0.82, 0.81, 0.25, 0.25];
        assert!(poly_r2(&x, &y, 2) > 0.95);
        assert!(poly_r2(&x, &y, 1) < 0.2);
    }

    #[test]
    fn eta2_of_identical_groups_is_zero_and_of_separated_groups_near_one() {
        assert_eq!(eta2(&[0, 1, 0, 1], &[1.0, 1.0, 2.0, 2.0]), 0.0);
        assert!(eta2(&[0, 0, 1, 1], &[1.0, 1.01, 2.0, 2.01]) > 0.99);
    }

    #[test]
    fn a_permutation_p_is_small_for_a_real_trend_and_large_for_noise() {
        let x: Vec<f64> = (0..12).map(f64::from).collect();
        let trend: Vec<f64> = x.iter().map(|v| v * 0.1).collect();
        let p = perm_p(&trend, poly_r2(&x, &trend, 1), |s| poly_r2(&x, s, 1), 0);
        assert!(p < 0.01, "{p}");
        let noise = [0.3, 0.1, 0.4, 0.1, 0.5, 0.9, 0.2, 0.6, 0.5, 0.3, 0.5, 0.8];
        let p = perm_p(&noise, poly_r2(&x, &noise, 1), |s| poly_r2(&x, s, 1), 0);
        assert!(p > 0.05, "{p}");
    }
}
