//! What each subcommand does: read, diagnose, write; and the command line as a whole
//! ([`main_with_args`]), which `main.rs` and the Python package's `curvecheck` command call.

use std::io::{IsTerminal, Write};

use anyhow::{anyhow, Context};
use clap::Parser;

use crate::cli::{
    Cli, ColorChoice, Command, DiagnoseArgs, FailOn, InputArgs, InspectArgs, InspectFormat, OutputFormat, WatchArgs, WriteArgs,
};
use crate::config;
use crate::ingest::{self, IngestError};
use crate::model::Run;
use crate::render;
use crate::report::{self, json::JsonReporter, markdown::MarkdownReporter, text::TextReporter, Diagnosis, Reporter};
use crate::rules::{self, Severity};

mod sweep;

/// Success, and no finding at the `--fail-on` level.
pub const EXIT_OK: u8 = 0;
/// A finding at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

/// The whole command line, as the binary runs it: parses `args` (the program's
/// name first), runs, prints the error chain; returns the exit code. The
/// Python package's `curvecheck` command runs the CLI in-process through this.
pub fn main_with_args<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // What `Cli::parse` would do, without leaving the process: help and version on stdout (exit 0), usage errors on stderr (exit 2).
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(EXIT_BAD_INPUT);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return EXIT_OK;
            }
            eprintln!("curvecheck: error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            EXIT_BAD_INPUT
        }
    }
}

/// A closed pipe (`curvecheck diagnose … | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// Runs one parsed command line; the exit code, or the error for [`main_with_args`] to print.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Diagnose(args) => diagnose(&args),
        Command::Inspect(args) => inspect(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Plot(args) => plot(&args),
        Command::Report(args) => html_report(&args),
        Command::Watch(args) => watch(&args),
        Command::Rules { markdown } => {
            let out = if markdown {
                report::rules_table::markdown_table()
            } else {
                let mut out = String::new();
                for r in rules::REGISTRY {
                    out.push_str(&format!("{:<16} {:<8} {}\n", r.id(), r.severity().as_str(), r.summary()));
                }
                out.push_str("\n`curvecheck explain RULE` shows a rule's documentation and options.\n");
                out
            };
            write_stdout(out.as_bytes())?;
            Ok(EXIT_OK)
        }
        Command::Explain { rule } => {
            let r = rules::find(&rule).ok_or_else(|| anyhow!("no rule '{rule}'; rules are: {}", rules::ids().join(", ")))?;
            let out = report::rules_table::explain(r);
            write_stdout(out.as_bytes())?;
            Ok(EXIT_OK)
        }
    }
}

/// Reads every path; bad inputs are reported and remembered, the rest still read.
fn read_all(input: &InputArgs) -> anyhow::Result<(Vec<Run>, Vec<IngestError>)> {
    let opts = config::read_options(input).map_err(|e| anyhow!(e))?;
    let mut runs = Vec::new();
    let mut errors = Vec::new();
    for path in &input.paths {
        let progress = crate::progress::Progress::start(&format!("reading {}", ingest::mlflow_store::shown(path)), !input.quiet);
        let mut read = ingest::read_path(path, &opts);
        drop(progress);
        if input.strict {
            let (clean, dirty): (Vec<Run>, Vec<Run>) = read.runs.into_iter().partition(|r| r.skipped_count == 0);
            read.runs = clean;
            errors.extend(dirty.iter().map(strict_error));
        }
        runs.append(&mut read.runs);
        errors.append(&mut read.errors);
        // Settings files beside the logs (params.json, config.json) are expected there: one line for all of them.
        let (settings_files, others): (Vec<&IngestError>, Vec<&IngestError>) = read.ignored.iter().partition(|e| is_settings_file(e));
        for skipped in others {
            eprintln!("curvecheck: note: skipped {skipped}");
        }
        if !settings_files.is_empty() {
            eprintln!(
                "curvecheck: note: {} settings file(s) beside the logs are not logs ({}); `curvecheck sweep` reads them as hyperparameters",
                settings_files.len(),
                ingest::hparams::FILES.iter().filter(|f| !f.contains('/')).copied().collect::<Vec<_>>().join(", ")
            );
        }
    }
    Ok((runs, errors))
}

/// A file skipped as not a log whose name is one of the hyperparameter files.
fn is_settings_file(e: &IngestError) -> bool {
    let IngestError::NotALog { path, .. } = e else { return false };
    ingest::hparams::is_settings_file(std::path::Path::new(path))
}

/// `--strict`: a run read with skipped records or cells is an error, naming the first.
pub fn strict_error(r: &Run) -> IngestError {
    let first = r.skipped.first().map(|s| format!("{}: {}", s.location, s.reason)).unwrap_or_default();
    let msg = format!("{} record(s) or cell(s) could not be used (first: {first}); --strict makes that an error", r.skipped_count);
    IngestError::malformed(std::path::Path::new(&r.source), None, msg)
}

fn report_errors(errors: &[IngestError]) {
    for e in errors {
        eprintln!("curvecheck: error: {e}");
    }
}

fn inspect(args: &InspectArgs) -> anyhow::Result<u8> {
    let (runs, errors) = read_all(&args.input)?;
    report_errors(&errors);
    if !runs.is_empty() {
        let out = match args.format {
            InspectFormat::Text => report::inspect::text(&runs),
            InspectFormat::Json => report::inspect::json(&runs),
        };
        write_stdout(&out)?;
    }
    Ok(if errors.is_empty() { EXIT_OK } else { EXIT_BAD_INPUT })
}

/// Reads and diagnoses every input, worst first; unreadable inputs are reported and returned.
fn diagnose_all(input: &InputArgs, rule_args: &crate::cli::RuleArgs) -> anyhow::Result<(Vec<Diagnosis>, Vec<IngestError>)> {
    let (charted, errors) = diagnose_and_chart(input, rule_args, false)?;
    Ok((charted.into_iter().map(|(r, _)| r).collect(), errors))
}

/// [`diagnose_all`], with each run's chart curves (when `charts`) thinned while its rules run.
fn diagnose_and_chart(
    input: &InputArgs,
    rule_args: &crate::cli::RuleArgs,
    charts: bool,
) -> anyhow::Result<(Vec<Charted>, Vec<IngestError>)> {
    let settings = config::settings(rule_args).map_err(|e| anyhow!(e))?;
    let (runs, errors) = read_all(input)?;
    report_errors(&errors);
    let classes = rule_args.classes;
    let mut charted: Vec<Charted> = runs
        .into_iter()
        .map(|run| Diagnosis::new_with(run, &settings, |view| charts.then(|| render::curves(view, classes, render::Detail::Full))))
        .collect();
    charted.sort_by_key(|(r, _)| crate::diagnosis::worst_first_key(r));
    Ok((charted, errors))
}

/// A report and, when a chart was asked for, its curves.
type Charted = (Diagnosis, Option<render::Curves>);

/// Draws every report's chart (from its curves when already built); several runs need `{run}` in the file name.
fn draw_charts(
    reports: &[Diagnosis],
    curves: Vec<Option<render::Curves>>,
    pattern: &std::path::Path,
    classes: Option<u32>,
) -> anyhow::Result<()> {
    if reports.len() > 1 && !pattern.to_string_lossy().contains("{run}") {
        anyhow::bail!(
            "{} runs but one chart file '{}': put {{run}} in the name, e.g. charts/{{run}}.png",
            reports.len(),
            pattern.display()
        );
    }
    for (r, curves) in reports.iter().zip(curves) {
        let path = render::chart_path(pattern, &r.run.name);
        let curves = curves.unwrap_or_else(|| render::curves(&r.view(), classes, render::Detail::Full));
        render::render_curves(r, curves, &path)?;
        eprintln!("curvecheck: wrote {}", path.display());
    }
    Ok(())
}

fn plot(args: &WriteArgs) -> anyhow::Result<u8> {
    let (charted, errors) = diagnose_and_chart(&args.input, &args.rules, true)?;
    let (reports, curves): (Vec<Diagnosis>, Vec<_>) = charted.into_iter().unzip();
    if !reports.is_empty() {
        draw_charts(&reports, curves, &args.output, args.rules.classes)?;
    }
    Ok(if errors.is_empty() { EXIT_OK } else { EXIT_BAD_INPUT })
}

fn html_report(args: &WriteArgs) -> anyhow::Result<u8> {
    let (reports, errors) = diagnose_all(&args.input, &args.rules)?;
    if reports.is_empty() {
        return Ok(EXIT_BAD_INPUT);
    }
    let inputs: Vec<String> = args.input.paths.iter().map(|p| ingest::mlflow_store::shown(p)).collect();
    let mut meta = format!("curvecheck {} · inputs: {}", env!("CARGO_PKG_VERSION"), inputs.join(", "));
    if let Some(c) = args.rules.classes {
        meta.push_str(&format!(" · --classes {c}"));
    }
    for s in &args.rules.settings {
        meta.push_str(&format!(" · --set {s}"));
    }
    if !errors.is_empty() {
        meta.push_str(&format!(" · {} input(s) could not be read (see the terminal)", errors.len()));
    }
    // The front end draws; the report only lays out what it is given.
    let svg = |r: Result<Option<String>, render::RenderError>| r.map_err(|e| e.to_string());
    let sweep = sweep::for_report(&reports, &args.input.paths);
    let best_first = sweep.as_ref().map(|(s, _)| s.ranking.clone()).unwrap_or_default();
    let featured = crate::report::html::featured(&reports, &best_first);
    // Charts only for the runs with a full section: a page of thousands of runs stays small.
    let charts = reports
        .iter()
        .zip(&featured)
        .map(|(r, f)| if *f { svg(render::svg_string(r, args.rules.classes, render::Detail::Compact)) } else { Ok(None) })
        .collect();
    let shown: Vec<&Diagnosis> = reports.iter().zip(&featured).filter(|(_, f)| **f).map(|(r, _)| r).collect();
    let overlays = [render::overlay::Curve::Metric, render::overlay::Curve::Loss].map(|c| svg(render::overlay::svg(&shown, c))).to_vec();
    let html = crate::report::html::HtmlReporter { meta, charts, overlays, featured, sweep }.render(&reports);
    std::fs::write(&args.output, html).with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!("curvecheck: wrote {} ({} runs)", args.output.display(), reports.len());
    Ok(if errors.is_empty() { EXIT_OK } else { EXIT_BAD_INPUT })
}

fn diagnose(args: &DiagnoseArgs) -> anyhow::Result<u8> {
    let (charted, errors) = diagnose_and_chart(&args.input, &args.rules, args.plot.is_some())?;
    let (reports, curves): (Vec<Diagnosis>, Vec<_>) = charted.into_iter().unzip();
    if reports.is_empty() {
        return Ok(EXIT_BAD_INPUT);
    }
    let out = match args.format {
        OutputFormat::Text => TextReporter { color: use_color(args.color) }.render(&reports),
        OutputFormat::Json => JsonReporter.render(&reports),
        OutputFormat::Markdown => MarkdownReporter.render(&reports),
    };
    write_stdout(&out)?;
    if let Some(pattern) = &args.plot {
        draw_charts(&reports, curves, pattern, args.rules.classes)?;
    }
    if !errors.is_empty() {
        return Ok(EXIT_BAD_INPUT);
    }
    let threshold = match args.fail_on {
        FailOn::Never => None,
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Error => Some(Severity::Error),
    };
    let failed = threshold.is_some_and(|t| reports.iter().any(|r| r.findings.iter().any(|f| f.severity >= t)));
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

fn watch(args: &WatchArgs) -> anyhow::Result<u8> {
    let opts = config::watch_options(args, use_color(args.color)).map_err(|e| anyhow!(e))?;
    crate::watch::watch(&opts)
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
    }
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    Ok(())
}
