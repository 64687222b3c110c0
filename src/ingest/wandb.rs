//! Weights & Biases UI CSV export: `"Step"` and, per run, `"<run> - <metric>"`
//! with `"<run> - <metric>__MIN"` / `__MAX` beside it. Each run prefix becomes
//! its own run; the `__MIN`/`__MAX` columns are the band W&B draws around a
//! smoothed line, not series of their own, so they are reported and left out.

use crate::model::LogFormat;
use crate::model::{Role, Run};

const SEPARATOR: &str = " - ";
const BAND_SUFFIXES: &[&str] = &["__MIN", "__MAX"];

/// True for a header whose columns after the first are all `<run> - <metric>`.
pub fn is_export(names: &[String]) -> bool {
    names.len() > 1 && names[0].eq_ignore_ascii_case("step") && names[1..].iter().all(|n| n.contains(SEPARATOR))
}

/// Splits the one table read from the file into one run per run prefix.
pub fn split(table: Run) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut bands = 0usize;
    for mut s in table.series {
        let Some((run_name, metric)) = s.name.split_once(SEPARATOR).map(|(a, b)| (a.to_string(), b.to_string())) else { continue };
        if BAND_SUFFIXES.iter().any(|b| metric.ends_with(b)) {
            bands += 1;
            continue;
        }
        s.role = Role::infer(&metric);
        s.name = metric;
        let i = match runs.iter().position(|r| r.name == run_name) {
            Some(i) => i,
            None => {
                let mut r = Run::new(run_name.clone(), table.source.clone(), LogFormat::WandbCsv);
                r.records = table.records;
                runs.push(r);
                runs.len() - 1
            }
        };
        runs[i].series.push(s);
    }
    let total = runs.len();
    for r in &mut runs {
        r.skipped = table.skipped.clone();
        r.skipped_count = table.skipped_count;
        if bands > 0 {
            r.notes.push(format!("{bands} __MIN/__MAX band columns in the export are not read as curves"));
        }
        r.notes.push(format!("one of {total} runs in a W&B export"));
    }
    runs
}
