//! A search, written out: text for the terminal, JSON for tools (layout
//! `curvecheck.sweep/1`, documented by `docs/sweep.schema.json`), Markdown for a pull
//! request or a notebook. All three read the same [`Sweep`] and say the same.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde_json::{json, Value};

use super::terminal_safe;
use crate::model::hparams::short;
use crate::sweep::{Hparam, Sweep, Verdict};

/// The JSON layout's name; bumped when a field changes shape or meaning.
pub const SCHEMA: &str = "curvecheck.sweep/1";

fn value(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "–".into())
}

fn at(s: &Sweep, i: usize) -> String {
    let t = &s.trials[i];
    match (t.best_at, t.axis) {
        (Some(x), Some(a)) => format!("{a} {}", short(x)),
        _ => "–".into(),
    }
}

fn hparam_of(s: &Sweep, i: usize, name: &str) -> String {
    s.trial_hparams[i].get(name).map(|v| v.to_string()).unwrap_or_else(|| "–".into())
}

/// `matters (R² 0.99, p 0.004)`.
pub fn verdict_line(h: &Hparam) -> String {
    let i = &h.importance;
    match (i.verdict, i.share_beyond_top) {
        (Verdict::Matters, Some(share)) => {
            format!("matters (beyond the top one: {:.0}% of the variance, p {})", 100.0 * share, p(i.share_beyond_top_p))
        }
        (Verdict::Matters, None) => format!("matters (R² {:.2}, p {}; η² {:.2})", i.quad_r2, p(Some(i.quad_r2_p)), i.eta2),
        (Verdict::DoesNotMatter, Some(share)) => {
            format!("does not matter (beyond the top one: {:.1}% of the variance, p {})", 100.0 * share, p(i.share_beyond_top_p))
        }
        (Verdict::DoesNotMatter, None) => format!("does not matter (R² {:.2}, p {})", i.quad_r2, p(Some(i.quad_r2_p))),
        (Verdict::Inconclusive, _) => format!("inconclusive (R² {:.2}, p {})", i.quad_r2, p(Some(i.quad_r2_p))),
    }
}

fn p(v: Option<f64>) -> String {
    match v {
        Some(x) if x < 0.001 => "< 0.001".into(),
        Some(x) => format!("{x:.3}"),
        None => "–".into(),
    }
}

fn range(r: Option<(f64, f64)>) -> String {
    r.map(|(a, b)| format!("{}–{}", short(a), short(b))).unwrap_or_else(|| "–".into())
}

fn edge_line(h: &Hparam) -> String {
    let Some(pos) = h.placement.position_of_best else { return String::new() };
    let of = if h.range_given {
        "of the range given"
    } else if h.range_estimated {
        "of the range estimated from the values tried"
    } else {
        "of the values tried"
    };
    format!("{} (best at {:.2} {of}, {})", h.edge.as_str(), pos, range(h.range))
}

fn header(s: &Sweep) -> String {
    let names: Vec<&str> = s.space.searched.iter().map(|d| d.name.as_str()).collect();
    let n = s.trials.len();
    let trials = format!("{n} trial{}", if n == 1 { "" } else { "s" });
    let metric = s.metric.as_deref().unwrap_or("validation value");
    if names.is_empty() {
        let why = if s.trial_hparams.iter().all(|h| h.is_empty()) {
            "no hyperparameters found"
        } else {
            "no hyperparameter differs between them"
        };
        return format!("sweep: {trials} ({why}: a ranking only), ranked by best {metric}");
    }
    format!("sweep: {trials} ({} search over {}), ranked by best {metric}", s.space.design.kind, names.join(" × "))
}

/// The terminal's view.
pub fn text(s: &Sweep, color: bool) -> String {
    let paint = |style: Style, t: &str| if color { format!("{style}{t}{style:#}") } else { t.to_string() };
    let bold = Style::new().bold();
    let mut o = String::new();
    let _ = writeln!(o, "{}", paint(bold, &header(s)));
    if !s.space.fixed.is_empty() {
        let f: Vec<String> = s.space.fixed.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(o, "  fixed: {}", f.join(", "));
    }
    if !s.space.per_trial.is_empty() {
        let _ = writeln!(o, "  differs per trial, not a hyperparameter: {}", s.space.per_trial.join(", "));
    }
    let _ = writeln!(o);
    let names: Vec<&str> = s.space.searched.iter().map(|d| d.name.as_str()).collect();
    let w = s.trials.iter().map(|t| t.name.chars().count()).max().unwrap_or(5).max(5);
    let metric = s.metric.as_deref().unwrap_or("best");
    let _ = write!(o, "  {:>4}  {:<w$}  {:>12}  {:<10}  {:>8}  {:<15}", "rank", "trial", short_name(metric), "at", "last", "outcome");
    for n in &names {
        let _ = write!(o, "  {n:>12}");
    }
    let _ = writeln!(o, "  findings");
    for (rank, &i) in s.ranking.iter().enumerate() {
        let t = &s.trials[i];
        let outcome = match t.outcome {
            crate::sweep::Outcome::Diverged => {
                paint(Style::new().fg_color(Some(AnsiColor::Red.into())), &format!("{:<15}", t.outcome.as_str()))
            }
            crate::sweep::Outcome::BarelyLearned => {
                paint(Style::new().fg_color(Some(AnsiColor::Yellow.into())), &format!("{:<15}", t.outcome.as_str()))
            }
            _ => format!("{:<15}", t.outcome.as_str()),
        };
        let _ = write!(
            o,
            "  {:>4}  {:<w$}  {:>12}  {:<10}  {:>8}  {outcome}",
            rank + 1,
            terminal_safe(&t.name),
            value(t.best),
            at(s, i),
            value(t.last)
        );
        for n in &names {
            let _ = write!(o, "  {:>12}", hparam_of(s, i, n));
        }
        let _ = writeln!(o, "  {}", problems(t));
    }
    let _ = writeln!(o);
    if let Some(b) = s.best {
        let t = &s.trials[b];
        let _ = write!(o, "{} {} — {metric} {} at {}", paint(bold, "best:"), terminal_safe(&t.name), value(t.best), at(s, b));
        if let Some(m) = s.margin.as_ref().filter(|m| m.margin > 0.0) {
            let _ = write!(
                o,
                "; ahead of {} by {}, {} the noise of their curves (±{})",
                terminal_safe(&m.runner_up),
                short(m.margin),
                if m.within_noise { "within" } else { "beyond" },
                short(2.0 * m.noise)
            );
        }
        let _ = writeln!(o);
    }
    if !s.hparams.is_empty() {
        let _ = writeln!(o, "\n{}", paint(bold, "hyperparameters:"));
        let hw = s.hparams.iter().map(|h| h.name.chars().count()).max().unwrap_or(4);
        for h in &s.hparams {
            let scale = format!("{:?}", h.scale).to_lowercase();
            let _ = writeln!(o, "  {:<hw$}  {scale}, {} values: {}", h.name, h.distinct_values, verdict_line(h));
            if h.matters {
                let _ = writeln!(o, "  {:<hw$}  edge: {}; next range: {}", "", edge_line(h), range(h.next_range));
            }
        }
        let _ = writeln!(o, "  matters most: {}", s.matters_most.as_deref().unwrap_or("unclear"));
    }
    if !s.regions.is_empty() {
        let _ = writeln!(o, "\n{}", paint(bold, "failed regions:"));
        for r in &s.regions {
            let _ = writeln!(o, "  {}: {}", r.describe(), r.why());
        }
    }
    if !s.advice.is_empty() {
        let _ = writeln!(o, "\n{}", paint(bold, "next:"));
        for a in &s.advice {
            let _ = writeln!(o, "  - {a}");
        }
    }
    for n in &s.notes {
        let _ = writeln!(o, "\nnote: {n}");
    }
    o
}

/// The rules that fired on a trial (warnings and errors), `–` for none: `curvecheck diagnose` tells more.
fn problems(t: &crate::sweep::TrialResult) -> String {
    if t.problem_messages.is_empty() {
        "–".into()
    } else {
        t.problems().join(", ")
    }
}

fn short_name(m: &str) -> String {
    if m.chars().count() <= 12 {
        m.to_string()
    } else {
        m.chars().take(11).collect::<String>() + "…"
    }
}

/// The JSON document (`curvecheck.sweep/1`).
pub fn json(s: &Sweep) -> String {
    let trial = |i: usize| {
        let t = &s.trials[i];
        json!({
            "name": t.name,
            "rank": s.ranking.iter().position(|&r| r == i).map(|r| r + 1),
            "outcome": t.outcome,
            "why": if t.why.is_empty() { Value::Null } else { Value::from(t.why.clone()) },
            "metric": t.metric,
            "best": t.best,
            "best_at": t.best_at,
            "axis": t.axis,
            "last": t.last,
            "best_val_loss": t.best_val_loss,
            "evaluations": t.evaluations,
            "problems": t.problems(),
            "hparams": s.trial_hparams[i],
        })
    };
    let hparams: serde_json::Map<String, Value> = s
        .hparams
        .iter()
        .map(|h| {
            (
                h.name.clone(),
                json!({
                    "scale": h.scale,
                    "distinct_values": h.distinct_values,
                    "range": h.range.map(|r| [r.0, r.1]),
                    "range_given": h.range_given,
                    "range_estimated": h.range_estimated,
                    "best_value": h.best_value,
                    "matters": h.matters,
                    "verdict": h.importance.verdict,
                    "importance": {
                        "quad_r2": h.importance.quad_r2,
                        "quad_r2_p": h.importance.quad_r2_p,
                        "eta2": h.importance.eta2,
                        "eta2_p": h.importance.eta2_p,
                        "quad_r2_non_diverged": h.importance.quad_r2_non_diverged,
                        "share_beyond_top": h.importance.share_beyond_top,
                        "share_beyond_top_p": h.importance.share_beyond_top_p,
                    },
                    "edge": h.edge.as_str(),
                    "position_of_best": h.placement.position_of_best,
                    "positions_top": h.placement.positions_top,
                    "edge_by_position": h.placement.by_position.as_str(),
                    "next_range": h.next_range.map(|r| [r.0, r.1]),
                    "advice": h.advice,
                }),
            )
        })
        .collect();
    let doc = json!({
        "schema": SCHEMA,
        "version": env!("CARGO_PKG_VERSION"),
        "metric": s.metric,
        "lower_is_better": s.lower_is_better,
        "design": s.space.design.kind,
        "distinct_values": s.space.design.distinct,
        "best_trial": s.best.map(|b| s.trials[b].name.clone()),
        "margin": s.margin,
        "ranking": s.ranking.iter().map(|&i| s.trials[i].name.clone()).collect::<Vec<_>>(),
        "trials": s.ranking.iter().map(|&i| trial(i)).collect::<Vec<_>>(),
        "hparams": hparams,
        "matters_most": s.matters_most,
        "fixed": s.space.fixed,
        "per_trial": s.space.per_trial,
        "regions": s.regions.iter().map(|r| json!({
            "hparam": r.hparam, "side": r.side, "from": r.from, "trials": r.trials,
            "diverged": r.diverged, "barely_learned": r.barely_learned, "text": format!("{}: {}", r.describe(), r.why()),
        })).collect::<Vec<_>>(),
        "advice": s.advice,
        "notes": s.notes,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

/// Markdown: a summary, the ranking table, the hyperparameters and the advice.
pub fn markdown(s: &Sweep) -> String {
    let mut o = String::new();
    let esc = |t: &str| t.replace('|', "\\|");
    let _ = writeln!(o, "## {}\n", esc(&header(s)));
    let names: Vec<&str> = s.space.searched.iter().map(|d| d.name.as_str()).collect();
    let metric = s.metric.as_deref().unwrap_or("best");
    let _ = write!(o, "| rank | trial | best {} | at | last | outcome |", esc(metric));
    for n in &names {
        let _ = write!(o, " {} |", esc(n));
    }
    let _ = writeln!(o, " findings |");
    let _ = writeln!(o, "|---:|---|---:|---|---:|---|{}---|", "---:|".repeat(names.len()));
    for (rank, &i) in s.ranking.iter().enumerate() {
        let t = &s.trials[i];
        let name = if Some(i) == s.best { format!("**{}**", esc(&t.name)) } else { esc(&t.name) };
        let _ = write!(o, "| {} | {name} | {} | {} | {} | {} |", rank + 1, value(t.best), at(s, i), value(t.last), t.outcome.as_str());
        for n in &names {
            let _ = write!(o, " {} |", esc(&hparam_of(s, i, n)));
        }
        let _ = writeln!(o, " {} |", problems(t));
    }
    if !s.hparams.is_empty() {
        let _ = writeln!(o, "\n| hyperparameter | scale | verdict | edge | next range |\n|---|---|---|---|---|");
        for h in &s.hparams {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                esc(&h.name),
                format!("{:?}", h.scale).to_lowercase(),
                esc(&verdict_line(h)),
                if h.matters { edge_line(h) } else { "–".into() },
                range(h.next_range)
            );
        }
        let _ = writeln!(o, "\nMatters most: **{}**.", s.matters_most.as_deref().unwrap_or("unclear"));
    }
    if !s.regions.is_empty() {
        let _ = writeln!(o, "\nFailed regions:\n");
        for r in &s.regions {
            let _ = writeln!(o, "- {}: {}", esc(&r.describe()), r.why());
        }
    }
    if !s.advice.is_empty() {
        let _ = writeln!(o, "\nNext:\n");
        for a in &s.advice {
            let _ = writeln!(o, "- {}", esc(a));
        }
    }
    o
}
