//! What `inspect` prints: what was read from each log, before any rule runs.

use serde_json::{json, Value};

use super::json::finite_or_null;
use super::read_summary;
use crate::model::Run;
use crate::rules::finding::pos;
use crate::rules::view_reasons::picked;
use crate::rules::RunView;

/// One line per series: name, role, points, range, non-finite count, restarts.
pub fn text(runs: &[Run]) -> Vec<u8> {
    let mut out = String::new();
    for run in runs {
        out.push_str(&format!("{}  ({})\n  {}\n  {}\n", run.name, run.format, run.source, read_summary(run)));
        for n in &run.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
        let width = run.series.iter().map(|s| s.name.chars().count()).max().unwrap_or(4).max(6);
        out.push_str(&format!(
            "  {:<width$}  {:<22}  {:>8}  {:<26}  {:>9}  {}\n",
            "series", "role", "points", "range", "non-finite", "restarts"
        ));
        for s in &run.series {
            let range = s.x_range().map(|(a, b)| format!("{} {}–{}", s.axis.as_str(), pos(a), pos(b))).unwrap_or_default();
            out.push_str(&format!(
                "  {:<width$}  {:<22}  {:>8}  {:<26}  {:>9}  {}\n",
                s.name,
                s.role.to_string(),
                s.len(),
                range,
                s.non_finite_count(),
                s.restarts.len()
            ));
        }
        let view = RunView::new(run);
        for p in picked(&view) {
            out.push_str(&format!("  picked {}: {} ({})\n", p.role, p.series, p.why));
        }
        for k in &run.skipped {
            out.push_str(&format!("  skipped {}: {}\n", k.location, k.reason));
        }
        if run.skipped_count > run.skipped.len() {
            out.push_str(&format!("  … and {} more skipped\n", run.skipped_count - run.skipped.len()));
        }
        out.push('\n');
    }
    super::terminal_safe(&out).into_owned().into_bytes()
}

pub fn json(runs: &[Run]) -> Vec<u8> {
    let runs: Vec<Value> = runs
        .iter()
        .map(|run| {
            json!({
                "name": run.name,
                "source": run.source,
                "format": run.format,
                "records": run.records,
                "skipped_count": run.skipped_count,
                "skipped": run.skipped,
                "notes": run.notes,
                "picked": picked(&RunView::new(run)),
                "series": run.series.iter().map(|s| json!({
                    "name": s.name,
                    "split": s.role.split,
                    "kind": s.role.kind,
                    "axis": s.axis,
                    "points": s.len(),
                    "first": s.x.first().copied().map(finite_or_null),
                    "last": s.x.last().copied().map(finite_or_null),
                    "non_finite": s.non_finite_count(),
                    "restarts": s.restarts,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&json!({ "schema": "curvecheck.inspect/1", "runs": runs })).unwrap_or_default();
    out.push(b'\n');
    out
}
