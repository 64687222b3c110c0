//! `curvecheck sweep`: read every run below the given directories as one
//! search's trials, analyse the search, write it out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};

use super::{read_all, report_errors, use_color, write_stdout, EXIT_BAD_INPUT, EXIT_OK};
use crate::cli::{OutputFormat, SweepArgs};
use crate::config;
use crate::diagnosis::Diagnosis;
use crate::ingest::hparams;
use crate::model::{HValue, Run};
use crate::render;
use crate::report::sweep as out;
use crate::sweep::{self, SweepOptions, Trial};

/// A `--hparam NAME=FILE:KEY`.
struct Pick {
    name: String,
    file: PathBuf,
    key: String,
}

pub fn run(args: &SweepArgs) -> anyhow::Result<u8> {
    let ranges = parse_ranges(&args.ranges)?;
    let picks = parse_picks(&args.hparams)?;
    let settings = config::settings(&args.rules).map_err(|e| anyhow!(e))?;
    let (runs, mut errors) = read_all(&args.input)?;
    report_errors(&errors);
    if runs.is_empty() {
        eprintln!(
            "curvecheck: error: no trial found below {}: a sweep reads every training log below the directories given",
            shown(&args.input.paths)
        );
        return Ok(EXIT_BAD_INPUT);
    }
    let mut named = Vec::new();
    for run in runs {
        let name = trial_name(&run, &args.input.paths);
        let mut hp = match hparams::read_beside(&run) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("curvecheck: error: {e}");
                errors.push(e);
                Default::default()
            }
        };
        for p in &picks {
            let path = hparams::run_folder(&run).join(&p.file);
            match hparams::read_file(&path) {
                Ok(values) => match values.get(&p.key) {
                    Some(v) => {
                        hp.values.insert(p.name.clone(), v.clone());
                    }
                    None => eprintln!(
                        "curvecheck: warning: {}: no key '{}' (--hparam {}); keys: {}",
                        path.display(),
                        p.key,
                        p.name,
                        keys(&values)
                    ),
                },
                Err(e) => eprintln!("curvecheck: warning: --hparam {}: {e}", p.name),
            }
        }
        named.push((name, hp, Diagnosis::new(run, &settings)));
    }
    unique_names(&mut named);
    let trials: Vec<Trial> = named.iter().map(|(name, hp, d)| Trial { name: name.clone(), hparams: hp.clone(), diagnosis: d }).collect();
    let s = sweep::analyse(&trials, &SweepOptions { ranges });
    let text = match args.format {
        OutputFormat::Text => out::text(&s, use_color(args.color)),
        OutputFormat::Json => out::json(&s),
        OutputFormat::Markdown => out::markdown(&s),
    };
    write_stdout(text.as_bytes())?;
    if let Some(dir) = &args.plot {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let diagnoses: Vec<&Diagnosis> = trials.iter().map(|t| t.diagnosis).collect();
        for path in render::sweep::draw_all(&s, &diagnoses, dir)? {
            eprintln!("curvecheck: wrote {}", path.display());
        }
    }
    Ok(if errors.is_empty() { EXIT_OK } else { EXIT_BAD_INPUT })
}

/// Two logs in one folder are two trials: each keeps its file name beside the folder's.
fn unique_names(named: &mut [(String, crate::model::Hparams, Diagnosis)]) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (n, _, _) in named.iter() {
        *counts.entry(n.clone()).or_default() += 1;
    }
    for (n, _, d) in named.iter_mut() {
        if counts[n.as_str()] > 1 {
            let file = Path::new(&d.run.source).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            *n = format!("{n}/{file}");
        }
    }
}

fn shown(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn keys(values: &BTreeMap<String, HValue>) -> String {
    let k: Vec<&str> = values.keys().map(String::as_str).take(20).collect();
    if k.is_empty() {
        "none".into()
    } else {
        k.join(", ")
    }
}

/// The trial's folder relative to the directory given (`lr=1e-4_wd=1e-2`, `version_3`); a run
/// from a tracker (MLflow, W&B) or that is its own folder keeps its run name.
pub(super) fn trial_name(run: &Run, roots: &[PathBuf]) -> String {
    use crate::model::LogFormat as F;
    // Trackers carry the name the user gave the run; their folders are ids.
    if matches!(run.format, F::Mlflow | F::MlflowSqlite | F::MlflowServer | F::WandbRun) && !run.name.is_empty() {
        return run.name.clone();
    }
    let folder = hparams::run_folder(run);
    for root in roots {
        if let Ok(rel) = folder.strip_prefix(root) {
            let r = rel.to_string_lossy();
            if !r.is_empty() {
                return r.into_owned();
            }
        }
    }
    if Path::new(&run.source).is_file() || Path::new(&run.source).is_dir() {
        if let Some(f) = folder.file_name() {
            return f.to_string_lossy().into_owned();
        }
    }
    run.name.clone()
}

/// `lr=1e-5:3e-3` → ("lr", (1e-5, 3e-3)).
fn parse_ranges(specs: &[String]) -> anyhow::Result<BTreeMap<String, (f64, f64)>> {
    let mut out = BTreeMap::new();
    for s in specs {
        let bad = || anyhow!("--range {s}: expected NAME=LO:HI with LO < HI, e.g. --range lr=1e-5:3e-3");
        let (name, range) = s.split_once('=').ok_or_else(bad)?;
        let (lo, hi) = range.split_once(':').ok_or_else(bad)?;
        let (lo, hi): (f64, f64) = (lo.trim().parse().map_err(|_| bad())?, hi.trim().parse().map_err(|_| bad())?);
        if !(lo.is_finite() && hi.is_finite() && lo < hi) || name.trim().is_empty() {
            bail!(bad());
        }
        out.insert(name.trim().to_string(), (lo, hi));
    }
    Ok(out)
}

/// `lr=args.json:optim.lr`.
fn parse_picks(specs: &[String]) -> anyhow::Result<Vec<Pick>> {
    specs
        .iter()
        .map(|s| {
            let bad = || {
                anyhow!("--hparam {s}: expected NAME=FILE:KEY, e.g. --hparam lr=args.json:optim.lr (FILE relative to each trial's folder)")
            };
            let (name, rest) = s.split_once('=').ok_or_else(bad)?;
            let (file, key) = rest.rsplit_once(':').ok_or_else(bad)?;
            if name.is_empty() || file.is_empty() || key.is_empty() {
                bail!(bad());
            }
            Ok(Pick { name: name.to_string(), file: PathBuf::from(file), key: key.to_string() })
        })
        .collect()
}

/// The search a `report` shows, when at least `MIN_TRIALS_FOR_SECTION` of its runs carry
/// hyperparameters and some differ between them; with its charts.
pub(super) fn for_report(reports: &[Diagnosis], roots: &[PathBuf]) -> Option<(sweep::Sweep, Vec<crate::report::html::Svg>)> {
    const MIN_TRIALS_FOR_SECTION: usize = 3;
    let trials: Vec<Trial> = reports
        .iter()
        .map(|d| Trial { name: trial_name(&d.run, roots), hparams: hparams::read_beside(&d.run).unwrap_or_default(), diagnosis: d })
        .collect();
    if trials.iter().filter(|t| !t.hparams.is_empty()).count() < MIN_TRIALS_FOR_SECTION {
        return None;
    }
    let s = sweep::analyse(&trials, &SweepOptions::default());
    if s.space.searched.is_empty() {
        return None;
    }
    let diagnoses: Vec<&Diagnosis> = reports.iter().collect();
    let charts = match render::sweep::svgs(&s, &diagnoses) {
        Ok(c) => c.into_iter().map(|c| Ok(Some(c))).collect(),
        Err(e) => vec![Err(e.to_string())],
    };
    Some((s, charts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_picks_parse_or_name_the_fix() {
        assert_eq!(parse_ranges(&["lr=1e-5:3e-3".into()]).unwrap()["lr"], (1e-5, 3e-3));
        let e = parse_ranges(&["lr=3:1".into()]).unwrap_err().to_string();
        assert!(e.contains("NAME=LO:HI"), "{e}");
        let p = parse_picks(&["lr=cfg/args.json:optim.lr".into()]).unwrap();
        assert_eq!((p[0].file.to_str(), p[0].key.as_str()), (Some("cfg/args.json"), "optim.lr"));
        assert!(parse_picks(&["lr".into()]).is_err());
    }
}
