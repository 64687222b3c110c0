//! # lr-schedule
//!
//! ## What it detects
//! (info) Which schedule the learning rate follows: constant, step, cosine,
//! linear, inverse-sqrt or exponential, each optionally after a warm-up.
//! After the warm-up (the rise to the peak), a rate within 1% of constant is
//! `constant`; one that changes at a few points only is `step`; otherwise the
//! closest of the smooth shapes (mean absolute log error, fitted from the
//! peak to the end) names it, or `other` when none fits within `max_fit_error`.
//!
//! ## Why it matters
//! The lecture's schedules. Knowing the schedule explains other findings (a
//! plateau under a constant rate, a stall after a step) and the lecture's
//! rule of thumb: with SGD+momentum a decaying schedule beats a constant one;
//! with Adam a constant rate is often fine.
//!
//! ## Example
//! `0.01 0.00999 0.00997 … 0.0000069`: cosine from 0.01 to ~0.
//!
//! ## What to try
//! Nothing by itself; with SGD+momentum and a constant rate, consider a
//! cosine or step schedule.
//!
//! ## Options

use super::finding::{num, pos};
use super::{Ctx, Finding, Param, Rule, Severity, Span};

pub struct LrSchedule;

params! {
    /// The thresholds of `lr-schedule`, each settable with `--set lr-schedule.NAME=VALUE`.
    LrScheduleParams {
        max_fit_error: 0.15 => "mean absolute log error above which no smooth shape is named",
    }
}

/// Relative change below which two consecutive rates are the same.
const SAME: f64 = 0.01;
/// Points the schedule is classified from (evenly thinned beyond this).
const MAX_FIT_POINTS: usize = 5000;
/// Relative change below which two logged rates are the same number (float formatting noise).
const EXACT: f64 = 1e-9;
/// A schedule that changes at no more than this fraction of its points is a step schedule.
const STEP_CHANGE_FRAC: f64 = 0.1;
/// …and at no more than this many points (a per-epoch cosine also changes rarely per step).
const STEP_MAX_CHANGES: usize = 8;
/// A rate that starts below this fraction of its peak has a warm-up.
const WARMUP_START: f64 = 0.5;

impl Rule for LrSchedule {
    fn id(&self) -> &'static str {
        "lr-schedule"
    }
    fn summary(&self) -> &'static str {
        "(info) which schedule the learning rate follows"
    }
    fn reads(&self) -> &'static str {
        "the learning rate"
    }
    fn source(&self) -> &'static str {
        include_str!("lr_schedule.rs")
    }
    fn severity(&self) -> Severity {
        Severity::Info
    }
    fn live(&self) -> bool {
        false
    }
    fn params(&self) -> &'static [Param] {
        LrScheduleParams::TABLE
    }

    fn check(&self, ctx: &Ctx) -> Vec<Finding> {
        let th = LrScheduleParams::read(ctx);
        let Some(p) = ctx.view.lr else { return vec![] };
        let s = p.series;
        // The shape needs a few thousand points, not millions: keep every k-th, plus the last.
        let usable = |(x, v): (&f64, &f64)| (v.is_finite() && *v > 0.0).then_some((*x, *v));
        let step = s.len().div_ceil(MAX_FIT_POINTS).max(1);
        let last = s.x.iter().zip(&s.values).rev().find_map(usable);
        let mut pts: Vec<(f64, f64)> = s.x.iter().zip(&s.values).step_by(step).filter_map(usable).collect();
        if let (Some(l), Some(p)) = (last, pts.last()) {
            if l.0 != p.0 {
                pts.push(l);
            }
        }
        if pts.len() < 3 {
            return vec![];
        }
        let (kind, detail) = classify(&pts, th.max_fit_error);
        vec![Finding::new("lr-schedule", Severity::Info, Span { axis: s.axis, start: pts[0].0, end: pts[pts.len() - 1].0 })
            .series(&s.name)
            .evidence("initial_lr", pts[0].1)
            .evidence("peak_lr", pts.iter().map(|p| p.1).fold(f64::MIN, f64::max))
            .evidence("final_lr", pts[pts.len() - 1].1)
            .label("schedule", kind.rsplit(" + ").next().unwrap_or(&kind).to_string())
            .label("warm_up", if kind.contains("warm-up") { "yes" } else { "no" })
            .message(match kind.strip_suffix("other") {
                Some(prefix) => format!(
                    "{} follows {}no standard schedule (none of constant, step, cosine, linear, exponential or inverse-sqrt fits){detail}.",
                    s.name,
                    if prefix.is_empty() { String::new() } else { format!("a {prefix}") }
                ),
                None => format!("{} follows a {kind} schedule{detail}.", s.name),
            })
            .advice(if kind.ends_with("constant") {
                "With SGD+momentum a decaying schedule (step, cosine, linear) usually ends lower than a constant rate; with Adam a constant rate is often fine."
            } else {
                "No action needed."
            })]
    }
}

/// A candidate schedule: x → predicted rate.
type Shape<'a> = Box<dyn Fn(f64) -> f64 + 'a>;

/// Names the schedule of `(x, lr)` points and describes it.
pub fn classify(pts: &[(f64, f64)], max_err: f64) -> (String, String) {
    let (peak_i, peak) = pts.iter().enumerate().fold((0, f64::MIN), |acc, (i, p)| if p.1 > acc.1 * (1.0 + SAME) { (i, p.1) } else { acc });
    let warm = peak_i > 0 && pts[0].1 < WARMUP_START * peak;
    let rest = &pts[if warm { peak_i } else { 0 }..];
    let prefix = if warm { format!("warm-up ({}–{}) + ", pos(pts[0].0), pos(pts[peak_i].0)) } else { String::new() };
    let (lo, hi) = rest.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    if hi <= lo * (1.0 + SAME) {
        return (format!("{prefix}constant"), format!(" at {}", num(hi)));
    }
    // A step schedule holds its rate exactly between a few changes; a smooth one changes (a little) at every update.
    let changes: Vec<usize> = (1..rest.len()).filter(|&i| (rest[i].1 - rest[i - 1].1).abs() > EXACT * rest[i - 1].1).collect();
    if rest.len() >= 5 && changes.len() <= STEP_MAX_CHANGES && (changes.len() as f64) <= STEP_CHANGE_FRAC * rest.len() as f64 {
        let at: Vec<String> = changes.iter().map(|&i| format!("{} at {}", num(rest[i].1), pos(rest[i].0))).collect();
        return (format!("{prefix}step"), format!(" from {}: {}", num(rest[0].1), at.join(", ")));
    }
    let (x0, x1) = (rest[0].0, rest[rest.len() - 1].0);
    let (a0, a1) = (rest[0].1, rest[rest.len() - 1].1);
    if x1 <= x0 {
        return (format!("{prefix}other"), String::new());
    }
    let t = |x: f64| (x - x0) / (x1 - x0);
    let floor = lo.min(a1);
    let shapes: [(&str, Shape); 4] = [
        ("cosine", Box::new(|x| floor + (a0 - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t(x)).cos()))),
        ("linear", Box::new(|x| floor + (a0 - floor) * (1.0 - t(x)))),
        ("exponential", Box::new(|x| a0 * (a1 / a0).powf(t(x)))),
        (
            "inverse-sqrt",
            Box::new(move |x| {
                let k = ((a0 / a1).powi(2) - 1.0) / (x1 - x0);
                a0 / (1.0 + k * (x - x0)).sqrt()
            }),
        ),
    ];
    let err = |f: &dyn Fn(f64) -> f64| -> f64 {
        let e: Vec<f64> = rest.iter().map(|p| (f(p.0).max(1e-300) / p.1).ln().abs()).filter(|v| v.is_finite()).collect();
        if e.is_empty() {
            f64::INFINITY
        } else {
            e.iter().sum::<f64>() / e.len() as f64
        }
    };
    let (name, e) =
        shapes.iter().map(|(n, f)| (*n, err(f.as_ref()))).min_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or(("other", f64::INFINITY));
    if e > max_err {
        return (format!("{prefix}other"), format!(" from {} to {}", num(a0), num(a1)));
    }
    (format!("{prefix}{name}"), format!(" from {} to {}", num(a0), num(a1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(f: impl Fn(f64) -> f64, n: usize) -> Vec<(f64, f64)> {
        (0..n).map(|i| (i as f64, f(i as f64))).collect()
    }

    #[test]
    fn a_dense_cosine_is_not_a_step_schedule() {
        let cos = pts(|x| 0.05 * (1.0 + (std::f64::consts::PI * x / 1e5).cos()) + 1e-6, 100_001);
        assert_eq!(classify(&cos, 0.15).0, "cosine");
    }

    #[test]
    fn recognises_the_lecture_schedules() {
        let t = 100.0;
        let cos = pts(|x| 0.1 / 2.0 * (1.0 + (std::f64::consts::PI * x / t).cos()) + 1e-6, 101);
        assert_eq!(classify(&cos, 0.15).0, "cosine");
        let lin = pts(|x| 0.1 * (1.0 - x / t) + 1e-6, 101);
        assert_eq!(classify(&lin, 0.15).0, "linear");
        let step = pts(
            |x| {
                if x < 30.0 {
                    0.1
                } else if x < 60.0 {
                    0.01
                } else {
                    0.001
                }
            },
            90,
        );
        assert_eq!(classify(&step, 0.15).0, "step");
        let inv = pts(|x| 0.1 / (1.0 + x).sqrt(), 101);
        assert_eq!(classify(&inv, 0.15).0, "inverse-sqrt");
        let exp = pts(|x| 0.1 * 0.95f64.powf(x), 101);
        assert_eq!(classify(&exp, 0.15).0, "exponential");
        assert_eq!(classify(&pts(|_| 0.001, 10), 0.15).0, "constant");
        let warm = pts(|x| if x < 10.0 { 0.01 * (x + 1.0) } else { 0.1 }, 50);
        let (kind, _) = classify(&warm, 0.15);
        assert!(kind.starts_with("warm-up (0–9)") && kind.ends_with("constant"), "{kind}");
    }
}
