//! What the user typed: clap definitions only.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ingest::Format;

const AFTER_HELP: &str = "\
Exit codes:
  0  success (and, for diagnose, no finding at the --fail-on level)
  1  diagnose found a problem at or above --fail-on
  2  bad input or usage: unreadable file, malformed log, unknown flag

Examples (the paths are in the repository; `tests/cli.rs` runs each):
  curvecheck diagnose fixtures/real-logs/keras-csvlogger/voice-id-speaker250_training.log
  curvecheck diagnose fixtures/wild-runs --format json
  curvecheck diagnose fixtures/wild-runs/W25 --plot chart.png
  curvecheck inspect fixtures/wild-runs/W16/metrics.csv
  curvecheck sweep fixtures/sweeps/mc_mlp_sgd_sweep1
  curvecheck watch fixtures/wild-runs/W16/metrics.csv --idle 1
  curvecheck explain plateau

Trackers (your store or server in place of these):
  curvecheck diagnose mlflow.db --experiment resnet
  curvecheck diagnose http://127.0.0.1:5000 --run 3f2a9c
  MLFLOW_TRACKING_URI=http://mlflow:5000 curvecheck report mlflow: -o report.html

MLflow servers: MLFLOW_TRACKING_TOKEN (bearer) or MLFLOW_TRACKING_USERNAME and
MLFLOW_TRACKING_PASSWORD (basic) authenticate as MLflow's client does;
MLFLOW_HTTP_REQUEST_TIMEOUT (seconds, default 30) and MLFLOW_HTTP_REQUEST_MAX_RETRIES
(default 3, on 429 and 5xx) are honoured.";

const SWEEP_HELP: &str = "\
Hyperparameters come from the files beside each trial's log, first found:
params.json, hparams.json, config.json, hparams.yaml (Lightning), params.yaml,
config.yaml (W&B, also files/config.yaml in a run-*/ folder), MLflow params,
else key=value pairs in the trial folder's name (lr=1e-4_wd=1e-2). Settings equal
in every trial are fixed; seeds and ids are not hyperparameters.

Examples (the paths are in the repository; `tests/cli.rs` runs each):
  curvecheck sweep fixtures/sweeps/mc_mlp_sgd_sweep1
  curvecheck sweep fixtures/sweeps/mc_mlp_sgd_sweep3 --range lr=1e-5:3e-3 --format json
  curvecheck sweep fixtures/sweeps/mc_mlp_sgd_sweep2 --plot sweep-charts";

/// Reads neural-network training logs, finds what went wrong in the learning
/// curves, and says why and what to try.
#[derive(Debug, Parser)]
#[command(name = "curvecheck", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find problems in the learning curves of one or more runs.
    Diagnose(DiagnoseArgs),
    /// Draw a run's annotated learning curves to a PNG or SVG file.
    Plot(WriteArgs),
    /// Write one self-contained HTML page for many runs: summary, overlay, charts, findings.
    Report(WriteArgs),
    /// Read a whole hyperparameter search: every run below DIR is a trial.
    ///
    /// Ranks the trials by the best value of their headline validation curve, says
    /// which hyperparameters mattered (beyond chance), whether the best sits at an
    /// edge of the values tried, which region diverged or never learned, and the
    /// range to search next (the lecture's coarse-to-fine search).
    #[command(after_help = SWEEP_HELP)]
    Sweep(SweepArgs),
    /// Follow logs as they grow (or a training command's output) and report each finding as it appears.
    #[command(after_help = watch_help())]
    Watch(WatchArgs),
    /// Show what curvecheck read from a log: format, series, roles, points, skipped records.
    Inspect(InspectArgs),
    /// List the rules with their ids, severities and one-line summaries.
    Rules {
        /// Print the list as a Markdown table (the README's table is this output).
        #[arg(long)]
        markdown: bool,
    },
    /// Print a rule's documentation: what it detects, why, and what to try.
    Explain {
        /// Rule id, e.g. `plateau` (see `curvecheck rules`).
        rule: String,
    },
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Log files or directories (every log file and W&B `run-*/` folder below a
    /// directory is a run); an MLflow SQLite store (`mlflow.db`, `sqlite:///mlflow.db`),
    /// a tracking server (`http://127.0.0.1:5000`), or `mlflow:` for wherever
    /// MLFLOW_TRACKING_URI points. `-` reads a log piped to standard input; a FIFO
    /// or a device is read as a stream (up to 2 GiB).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read as this format instead of detecting it from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format>,
    /// Give a series a role, e.g. `--metric val_acc=metrics/mAP50-95(B)`.
    /// Roles: train_loss, val_loss, test_loss, train_acc, val_acc, test_acc,
    /// train_error, val_error (lower-is-better metrics), lr, update_ratio, grad_norm, ignore.
    #[arg(long = "metric", value_name = "ROLE=SERIES")]
    pub metrics: Vec<String>,
    /// In event files, skip a record whose checksum fails and read on, instead of stopping with an error.
    #[arg(long)]
    pub skip_corrupt: bool,
    /// Treat any record or cell that could not be used as an error (exit 2) instead of skipping and reporting it.
    #[arg(long)]
    pub strict: bool,
    /// MLflow stores and servers: read only this experiment (name or id; repeat for several).
    #[arg(long, value_name = "NAME")]
    pub experiment: Vec<String>,
    /// MLflow stores and servers: read only this run (run id or run name; repeat for several).
    #[arg(long, value_name = "ID|NAME")]
    pub run: Vec<String>,
    /// No progress spinner on stderr (it shows only on a terminal, for reads over a second).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Never,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Exit with code 1 when a finding of this severity or worse is reported (for CI).
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Also draw each run's annotated chart (.png or .svg, by extension). With several
    /// runs, put `{run}` in the name: `--plot charts/{run}.png`.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Colour in text output (NO_COLOR is respected under `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// What the rules need besides the logs.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Number of classes, for the initial-loss check (a softmax cross-entropy starts near ln C).
    #[arg(long, value_name = "C")]
    pub classes: Option<u32>,
    /// Override a rule threshold, e.g. `--set plateau.stall_rel=0.05` (see `curvecheck explain RULE`).
    #[arg(long = "set", value_name = "RULE.PARAM=VALUE")]
    pub settings: Vec<String>,
}

/// Inputs, rule settings and one output file: what `plot` and `report` take.
#[derive(Debug, Args)]
pub struct WriteArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// The file to write: .png or .svg for `plot` (with several runs, put `{run}` in the name), .html for `report`.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

/// What `sweep` takes.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// The range a hyperparameter was searched over, e.g. `--range lr=1e-5:3e-3`: a random
    /// search's range is not in its trial files, and edges are judged against it when given.
    #[arg(long = "range", value_name = "NAME=LO:HI")]
    pub ranges: Vec<String>,
    /// Take a hyperparameter from a file in each trial's folder, e.g.
    /// `--hparam lr=args.json:optim.lr` (JSON or YAML; nested keys joined by dots).
    #[arg(long = "hparam", value_name = "NAME=FILE:KEY")]
    pub hparams: Vec<String>,
    /// Draw the sweep's charts into this directory: the headline metric against each
    /// searched hyperparameter, and every trial's validation curve overlaid.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// Colour in text output (NO_COLOR is respected under `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExitOn {
    Warning,
    Error,
}

/// `watch`: what to follow, when to stop, what to run.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Log files or directories to follow (new log files below a directory are picked up); `-` reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read as this format instead of detecting it from the content (with `--run`, the command's output is a console log unless this says otherwise).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format>,
    /// Give a series a role, e.g. `--metric val_acc=metrics/mAP50-95(B)` (see `diagnose --help`).
    #[arg(long = "metric", value_name = "ROLE=SERIES")]
    pub metrics: Vec<String>,
    /// In event files, skip a record whose checksum fails and read on.
    #[arg(long)]
    pub skip_corrupt: bool,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Exit with code 1 as soon as a finding of this severity or worse appears (with `--run`, the command is stopped first).
    #[arg(long, value_enum)]
    pub exit_on: Option<ExitOn>,
    /// End once no input has grown for this many seconds; whole-run rules then speak. Without it, files are followed until Ctrl-C.
    #[arg(long, value_name = "SECS")]
    pub idle: Option<f64>,
    /// Seconds between polls of the files, and the shortest time between two rule runs.
    #[arg(long, value_name = "SECS", default_value_t = 0.2)]
    pub interval: f64,
    /// Start the command given after `--`, pass its output through unchanged and read it as a console log.
    #[arg(long, requires = "command")]
    pub run: bool,
    /// With `--run`: seconds the command gets after SIGINT before SIGTERM (and after SIGTERM before SIGKILL).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub grace: f64,
    /// The command for `--run`, after `--`: `curvecheck watch --run -- python train.py --lr 0.1`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
    /// Colour in findings (NO_COLOR is respected under `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Output: text, or one JSON object per line (`{"event": "finding" | "early-stop" | "end", …}`; the end's
    /// `run` is the run's object of `diagnose --format json`).
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
}

/// `watch --help`'s closing text: which rules speak live comes from the registry.
fn watch_help() -> String {
    let (live, end) = crate::watch::ledger::live_and_end_rules();
    format!(
        "\
Only what was appended is read: CSV and JSON-lines rows, event-file records, console
lines; a trainer_state.json rewritten in place is read again whole. A partial last line
or record is waited for. Each finding is printed once, when it appears, and again only
if it gets more severe; with --run findings go to stderr (stdout is the command's).
The rules run on the whole run so far, at most once per --interval and never sooner
than four times their last run took.

Rules that speak live: {}.
Rules that speak only at the end (the command exited, stdin closed, --idle passed, or
Ctrl-C): {}.
Early stopping is advised live: \"val_loss best at epoch 12 (0.41), 5 evaluations without
improvement: stop now and keep epoch 12\" (patience and min_delta of best-epoch, --set).

Exit codes:
  0    the watch ended with no finding at the --exit-on level (and the command succeeded)
  1    a finding at or above --exit-on appeared (with --run: the command was stopped)
  2    bad input or usage
  3    with --run: the command failed by itself (non-zero exit or killed by a signal)
  130  interrupted by Ctrl-C

Examples (the paths are in the repository; `tests/watch.rs` runs each):
  curvecheck watch fixtures/wild-runs/W16/metrics.csv --idle 1
  curvecheck watch fixtures/wild-runs/W19/trainer_state.json --exit-on error --idle 1
  curvecheck watch --exit-on error --run -- python3 tests/watch/train.py --lr 0.1 --steps 20

Elsewhere:
  curvecheck watch runs/ --idle 600 --exit-on error
  python train.py 2>&1 | curvecheck watch -",
        live.join(", "),
        end.join(", ")
    )
}
