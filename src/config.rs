//! Typed, validated settings built from what the user typed.

use crate::cli::{ExitOn, InputArgs, RuleArgs, WatchArgs};
use crate::ingest::ReadOptions;
use crate::model::{Kind, Role, Split};
use crate::rules::{Settings, Severity};

/// Role names accepted by `--metric ROLE=SERIES`.
pub const ROLE_NAMES: &[(&str, Split, Kind)] = &[
    ("train_loss", Split::Train, Kind::Loss),
    ("val_loss", Split::Validation, Kind::Loss),
    ("test_loss", Split::Test, Kind::Loss),
    ("train_acc", Split::Train, Kind::MetricHigher),
    ("val_acc", Split::Validation, Kind::MetricHigher),
    ("test_acc", Split::Test, Kind::MetricHigher),
    ("train_metric", Split::Train, Kind::MetricHigher),
    ("val_metric", Split::Validation, Kind::MetricHigher),
    ("train_error", Split::Train, Kind::MetricLower),
    ("val_error", Split::Validation, Kind::MetricLower),
    ("lr", Split::Other, Kind::LearningRate),
    ("update_ratio", Split::Other, Kind::UpdateRatio),
    ("grad_norm", Split::Other, Kind::GradNorm),
    ("ignore", Split::Other, Kind::Other),
];

/// Parses one `ROLE=SERIES` override.
pub fn parse_role(spec: &str) -> Result<(Role, String), String> {
    let (role, series) =
        spec.split_once('=').ok_or_else(|| format!("--metric '{spec}': expected ROLE=SERIES, e.g. val_acc=metrics/mAP50-95(B)"))?;
    let (_, split, kind) = ROLE_NAMES.iter().find(|(n, _, _)| *n == role.trim()).ok_or_else(|| {
        let names: Vec<&str> = ROLE_NAMES.iter().map(|r| r.0).collect();
        format!("--metric '{spec}': unknown role '{role}'; roles are: {}", names.join(", "))
    })?;
    if series.is_empty() {
        return Err(format!("--metric '{spec}': the series name after '=' is empty"));
    }
    Ok((Role { split: *split, kind: *kind }, series.to_string()))
}

pub fn read_options(input: &InputArgs) -> Result<ReadOptions, String> {
    Ok(ReadOptions {
        format: input.input_format,
        roles: input.metrics.iter().map(|m| parse_role(m)).collect::<Result<_, _>>()?,
        skip_corrupt: input.skip_corrupt,
        mlflow: crate::ingest::mlflow_store::Select { experiments: input.experiment.clone(), runs: input.run.clone() },
    })
}

/// Rule settings from `--classes` and every `--set RULE.PARAM=VALUE`.
pub fn settings(args: &RuleArgs) -> Result<Settings, String> {
    let mut s = Settings::default();
    s.classes = args.classes;
    if args.classes.is_some_and(|c| c < 2) {
        return Err("--classes must be at least 2".into());
    }
    for spec in &args.settings {
        let (key, value) =
            spec.split_once('=').ok_or_else(|| format!("--set '{spec}': expected RULE.PARAM=VALUE, e.g. plateau.stall_rel=0.05"))?;
        let value: f64 = value.trim().parse().map_err(|_| format!("--set '{spec}': '{value}' is not a number"))?;
        s.set(key.trim(), value).map_err(|e| format!("--set '{spec}': {e}"))?;
    }
    Ok(s)
}

/// `watch`'s options: its inputs, thresholds and times, checked (a time is a number of seconds, 0 or more).
pub fn watch_options(args: &WatchArgs, color: bool) -> Result<crate::watch::Options, String> {
    let seconds = |flag: &str, v: f64| {
        if v.is_finite() && v >= 0.0 {
            Ok(std::time::Duration::from_secs_f64(v))
        } else {
            Err(format!("--{flag} {v}: expected a number of seconds, 0 or more"))
        }
    };
    if !args.command.is_empty() && !args.run {
        return Err(format!("a command after `--` needs --run: `curvecheck watch --run -- {}`", args.command[0].to_string_lossy()));
    }
    let read = ReadOptions {
        format: args.input_format,
        roles: args.metrics.iter().map(|m| parse_role(m)).collect::<Result<_, _>>()?,
        skip_corrupt: args.skip_corrupt,
        mlflow: Default::default(),
    };
    Ok(crate::watch::Options {
        paths: args.paths.clone(),
        read,
        settings: settings(&args.rules)?,
        exit_on: args.exit_on.map(|e| match e {
            ExitOn::Warning => Severity::Warning,
            ExitOn::Error => Severity::Error,
        }),
        idle: args.idle.map(|v| seconds("idle", v)).transpose()?,
        // Polling faster than 10 ms would only spin.
        interval: seconds("interval", args.interval)?.max(std::time::Duration::from_millis(10)),
        command: args.command.clone(),
        grace: seconds("grace", args.grace)?,
        color,
        json: args.format == crate::cli::InspectFormat::Json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_override_parses_names_with_equals_free_series() {
        let (role, name) = parse_role("val_acc=metrics/mAP50-95(B)").unwrap();
        assert_eq!(role, Role { split: Split::Validation, kind: Kind::MetricHigher });
        assert_eq!(name, "metrics/mAP50-95(B)");
        assert!(parse_role("accuracy").unwrap_err().contains("ROLE=SERIES"));
        assert!(parse_role("bogus=x").unwrap_err().contains("roles are"));
    }
}
