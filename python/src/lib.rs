//! `curvecheck._native`: the Rust side of the Python package. It runs the CLI
//! in-process, and reads and diagnoses runs through the library, parsing the
//! Python API's settings as the CLI's own flags so that both validate them the
//! same way and fail with the same messages. Everything else (turning a
//! DataFrame or a `History` into columns, the `Diagnosis` class, callbacks) is
//! the pure-Python part in `curvecheck/`.

use std::path::Path;

use clap::Parser;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

use curvecheck::cli::{Cli, Command, DiagnoseArgs};
use curvecheck::ingest::{self, ReadOptions};
use curvecheck::report::json::run_json;
use curvecheck::report::text::TextReporter;
use curvecheck::report::Reporter;
use curvecheck::{config, render, Diagnosis, Run, Settings};

create_exception!(_native, CurveCheckError, PyException, "Bad input or settings: the message the CLI prints after `curvecheck: error:`.");

fn error(message: impl std::fmt::Display) -> PyErr {
    CurveCheckError::new_err(message.to_string())
}

/// Runs the command line `args` (the program's name first) as the `curvecheck` binary does; returns its exit code.
#[pyfunction]
fn cli_main(args: Vec<String>) -> u8 {
    curvecheck::commands::main_with_args(args)
}

/// `diagnose`'s flags (`--classes`, `--set`, `--metric`, `--input-format`, …) parsed as the CLI parses them.
fn parse(source: &str, flags: Vec<String>) -> PyResult<(DiagnoseArgs, Settings, ReadOptions)> {
    let argv =
        ["curvecheck", "diagnose", "--quiet"].into_iter().map(String::from).chain(flags).chain(["--".to_string(), source.to_string()]);
    let args = match Cli::try_parse_from(argv).map_err(clap_error)?.command {
        Command::Diagnose(args) => args,
        _ => unreachable!("the arguments start with `diagnose`"),
    };
    let settings = config::settings(&args.rules).map_err(error)?;
    let opts = config::read_options(&args.input).map_err(error)?;
    Ok((args, settings, opts))
}

/// clap's message without its `error: ` prefix and the `--help` hint, which name no Python call.
fn clap_error(e: clap::Error) -> PyErr {
    let text = e.render().to_string();
    let first = text.split("\n\n").next().unwrap_or(&text).trim();
    error(first.strip_prefix("error: ").unwrap_or(first))
}

/// A run's diagnosis, and the `--classes` its chart draws `ln(C)` for.
#[pyclass(name = "NativeDiagnosis", module = "curvecheck._native", frozen)]
struct NativeDiagnosis {
    diagnosis: Diagnosis,
    classes: Option<u32>,
}

#[pymethods]
impl NativeDiagnosis {
    /// The run's object of `diagnose --format json` (`docs/diagnose.schema.json`).
    fn json(&self) -> String {
        run_json(&self.diagnosis).to_string()
    }

    /// What `diagnose` prints for the run, without colour.
    fn text(&self) -> String {
        String::from_utf8_lossy(&TextReporter { color: false }.render(std::slice::from_ref(&self.diagnosis))).into_owned()
    }

    /// Draws the annotated chart to a `.png` or `.svg` file.
    fn plot(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        py.detach(|| render::render(&self.diagnosis, &path, self.classes)).map_err(error)
    }

    /// The annotated chart as an SVG document; `None` when the run has no curve to draw.
    fn svg(&self, py: Python<'_>) -> PyResult<Option<String>> {
        py.detach(|| render::svg_string(&self.diagnosis, self.classes, render::Detail::Full)).map_err(error)
    }
}

fn diagnosed(py: Python<'_>, runs: Vec<Run>, settings: &Settings, classes: Option<u32>) -> Vec<NativeDiagnosis> {
    let mut all: Vec<Diagnosis> = py.detach(|| runs.into_iter().map(|r| curvecheck::diagnose(r, settings)).collect());
    curvecheck::diagnosis::worst_first(&mut all);
    all.into_iter().map(|diagnosis| NativeDiagnosis { diagnosis, classes }).collect()
}

/// Reads a path (a log, a directory of them, an MLflow URI) as `curvecheck diagnose PATH` does and
/// diagnoses every run, worst first; the first source that cannot be read raises, with the CLI's message.
#[pyfunction]
fn diagnose_path(py: Python<'_>, path: String, flags: Vec<String>) -> PyResult<Vec<NativeDiagnosis>> {
    let (args, settings, opts) = parse(&path, flags)?;
    let read = py.detach(|| ingest::read_path(Path::new(&path), &opts));
    if let Some(e) = read.errors.into_iter().next() {
        return Err(error(e));
    }
    if args.input.strict {
        if let Some(r) = read.runs.iter().find(|r| r.skipped_count > 0) {
            return Err(error(curvecheck::commands::strict_error(r)));
        }
    }
    Ok(diagnosed(py, read.runs, &settings, args.rules.classes))
}

/// Diagnoses a table handed over column by column (`None` an empty cell); `source` names it in messages.
#[pyfunction]
fn diagnose_columns(
    py: Python<'_>,
    name: String,
    source: String,
    columns: Vec<ingest::Column>,
    flags: Vec<String>,
) -> PyResult<NativeDiagnosis> {
    let (args, settings, opts) = parse(&source, flags)?;
    let mut runs = vec![ingest::read_columns(&name, &source, columns).map_err(error)?];
    ingest::apply_role_overrides_any(&mut runs, &opts.roles, Path::new(&source)).map_err(error)?;
    Ok(diagnosed(py, runs, &settings, args.rules.classes).remove(0))
}

/// Diagnoses a log held in memory (a `trainer_state.json` document), read by the reader its content calls for.
#[pyfunction]
fn diagnose_bytes(py: Python<'_>, name: String, source: String, data: Vec<u8>, flags: Vec<String>) -> PyResult<Vec<NativeDiagnosis>> {
    let (args, settings, opts) = parse(&source, flags)?;
    let mut runs = py.detach(|| ingest::read_bytes(Path::new(&source), &data, &opts)).map_err(error)?;
    for r in &mut runs {
        r.name = name.clone();
    }
    Ok(diagnosed(py, runs, &settings, args.rules.classes))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CurveCheckError", m.py().get_type::<CurveCheckError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA", curvecheck::report::json::SCHEMA)?;
    m.add_class::<NativeDiagnosis>()?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(diagnose_path, m)?)?;
    m.add_function(wrap_pyfunction!(diagnose_columns, m)?)?;
    m.add_function(wrap_pyfunction!(diagnose_bytes, m)?)?;
    Ok(())
}
