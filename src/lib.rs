#![warn(missing_docs)]
//! curvecheck: reads neural-network training logs, finds what went wrong in
//! the learning curves, and says why and what to try.
//!
//! The pipeline, one module per stage, each depending only on those before it:
//! [`ingest`] (any format → [`model::Run`]) → [`smooth`] → [`rules`] →
//! [`diagnosis`] → [`render`] (charts) and [`report`] (text, JSON, Markdown, HTML).
//!
//! The functions below are the short way through it. A test of your own can
//! say "this run must not diverge" in a few lines:
//!
//! ```
//! use curvecheck::{Settings, Severity};
//!
//! let runs = curvecheck::read("fixtures/real-logs/keras-csvlogger/voice-id-speaker250_training.log")?;
//! let diagnosis = curvecheck::diagnose(runs.into_iter().next().unwrap(), &Settings::default());
//! let errors: Vec<_> = diagnosis.findings.iter().filter(|f| f.severity == Severity::Error).collect();
//! assert!(errors.is_empty(), "{}", diagnosis.verdict());
//! assert!(diagnosis.findings.iter().any(|f| f.rule == "overfitting"));
//! # Ok::<(), curvecheck::IngestError>(())
//! ```

#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod commands;
#[doc(hidden)]
pub mod config;
pub mod diagnosis;
pub mod ingest;
pub mod model;
#[doc(hidden)]
pub mod parallel;
#[doc(hidden)]
pub mod progress;
pub mod render;
pub mod report;
pub mod rules;
pub mod smooth;
pub mod sweep;
#[doc(hidden)]
pub mod watch;

use std::path::Path;

pub use diagnosis::Diagnosis;
pub use ingest::{IngestError, ReadOptions};
pub use model::Run;
pub use render::RenderError;
pub use rules::{Finding, Settings, Severity};

/// Reads every run a log file or directory holds (the format is detected from
/// the content), with default options. Unlike the CLI, which reports a bad
/// file and reads on, this fails on the first source that cannot be read:
/// a test should not pass on half its logs. Use [`ingest::read_path`] to get
/// the runs and the errors side by side.
pub fn read(path: impl AsRef<Path>) -> Result<Vec<Run>, IngestError> {
    let read = ingest::read_path(path.as_ref(), &ReadOptions::default());
    match read.errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(read.runs),
    }
}

/// Runs every rule over a run: its findings, worst first, and the verdict.
pub fn diagnose(run: Run, settings: &Settings) -> Diagnosis {
    Diagnosis::new(run, settings)
}

/// Draws a diagnosis's annotated chart to a `.png` or `.svg` file.
pub fn plot(diagnosis: &Diagnosis, path: impl AsRef<Path>) -> Result<(), RenderError> {
    render::render(diagnosis, path.as_ref(), None)
}
