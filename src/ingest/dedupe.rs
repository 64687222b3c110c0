//! One run logged in several formats at once (Keras CSVLogger beside a
//! TensorBoard callback, a trainer_state.json beside its event files) is
//! reported once, from the richest source.
//!
//! Two runs are the same when they sit in the same run folder (the folder
//! that holds the log, above logger plumbing such as `tb/` or
//! `lightning_logs/version_0/`), were written in different formats, and a
//! validation loss (or, without one, a training loss) of one equals one of
//! the other's point for point, at float32 precision (event files store
//! float32), over at least `MIN_POINTS` points. Identical files in sibling run
//! folders are two runs (a copied config reruns the same seed), never merged.

use std::path::{Path, PathBuf};

use crate::model::{Kind, Run, Split};

/// Folders loggers put between a run's folder and its files.
const PLUMBING: &[&str] = &["tb", "tensorboard", "lightning_logs", "logs", "train", "validation", "vis_data", "metrics", "csv", "events"];

/// The run folder a source belongs to: its folder (the directory itself for an
/// event-file directory), above any logger plumbing.
pub fn run_folder(source: &Path) -> PathBuf {
    let mut d = if source.is_dir() { source.to_path_buf() } else { source.parent().unwrap_or(Path::new(".")).to_path_buf() };
    loop {
        let name = d.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let plumbing = name.starts_with("version_") || PLUMBING.contains(&name.as_str());
        match d.parent() {
            Some(p) if plumbing && !p.as_os_str().is_empty() => d = p.to_path_buf(),
            _ => return d,
        }
    }
}

/// Shorter curves are too likely to agree by chance.
const MIN_POINTS: usize = 3;

fn signatures(run: &Run) -> Vec<Vec<f32>> {
    let pick = |split: Split| -> Vec<Vec<f32>> {
        run.series
            .iter()
            .filter(|s| s.role.split == split && s.role.kind == Kind::Loss && s.len() >= MIN_POINTS)
            .map(|s| s.values.iter().map(|v| *v as f32).collect())
            .collect()
    };
    let val = pick(Split::Validation);
    if val.is_empty() {
        pick(Split::Train)
    } else {
        val
    }
}

fn same(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

fn points(run: &Run) -> usize {
    run.series.iter().map(|s| s.len()).sum()
}

/// Keeps one run per group of duplicates (the one with the most points) and notes the others in it.
pub fn dedupe(runs: Vec<Run>) -> Vec<Run> {
    let sigs: Vec<Vec<Vec<f32>>> = runs.iter().map(signatures).collect();
    let folders: Vec<PathBuf> = runs.iter().map(|r| run_folder(Path::new(&r.source))).collect();
    let n = runs.len();
    let mut group: Vec<usize> = (0..n).collect();
    for i in 0..n {
        for j in 0..i {
            let candidates = group[j] == j && folders[i] == folders[j] && runs[i].format != runs[j].format;
            if candidates && sigs[i].iter().any(|a| sigs[j].iter().any(|b| same(a, b))) {
                group[i] = j;
                break;
            }
        }
    }
    let mut keep: Vec<Option<Run>> = runs.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for leader in 0..n {
        if group[leader] != leader {
            continue;
        }
        let members: Vec<usize> = (0..n).filter(|&i| group[i] == leader).collect();
        let best = members.iter().copied().max_by_key(|&i| (keep[i].as_ref().map(points), std::cmp::Reverse(i))).unwrap_or(leader);
        let others: Vec<String> = members
            .iter()
            .filter(|&&i| i != best)
            .filter_map(|&i| keep[i].as_ref().map(|r| format!("{} ({})", r.source, r.format)))
            .collect();
        if let Some(mut run) = keep[best].take() {
            run.merged = others.len();
            if !others.is_empty() {
                run.notes.push(format!(
                    "the same run is also logged in {}; read from this, the richest source ({})",
                    others.join(", "),
                    run.format
                ));
            }
            out.push(run);
        }
    }
    out
}
