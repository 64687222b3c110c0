//! `curvecheck watch`: follows logs as they grow and says what the rules find
//! while the run goes on. A front end: it reads through [`crate::ingest::follow`]
//! (only what is new), runs [`crate::rules`] on the run so far, and prints
//! each finding once ([`ledger`]).
//!
//! Rules run on the whole run so far each time, not on the new points alone
//! (a trend needs its past), so they are throttled: at most once per
//! `interval`, and never more often than every four times the last rule run
//! took, which keeps the rules under a fifth of a core on a long run
//! (BENCHMARKS.md has the figures). Rules that judge a run as a whole
//! ([`crate::rules::Rule::live`] is false) speak only at the end: when the
//! command exits, the streams close, the files have been quiet for `idle`, or
//! the user presses Ctrl-C.

pub mod child;
pub mod ledger;
pub mod say;
pub mod sources;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::ingest::{Format, ReadOptions};
use crate::rules::{self, RunView, Settings, Severity};
use child::{Child, Event};
use ledger::{Ledger, Phase};
use say::Voice;
use sources::Sources;

/// Success: the watch ended without a finding at the `--exit-on` level.
pub const EXIT_OK: u8 = 0;
/// A finding at or above `--exit-on` appeared (with `--run`, the command was stopped).
pub const EXIT_FINDING: u8 = 1;
/// Bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;
/// With `--run`: the command failed by itself (non-zero exit or a signal) before any `--exit-on` finding.
pub const EXIT_COMMAND_FAILED: u8 = 3;
/// Interrupted by Ctrl-C (SIGINT), as shells count it (128 + 2).
pub const EXIT_INTERRUPTED: u8 = 130;

/// How to watch.
pub struct Options {
    /// Files, directories, and `-` for standard input.
    pub paths: Vec<PathBuf>,
    /// Forced format, roles, `--skip-corrupt`.
    pub read: ReadOptions,
    /// Rule thresholds and `--classes`.
    pub settings: Settings,
    /// Exit (and stop the command) when a finding this severe appears.
    pub exit_on: Option<Severity>,
    /// End when no input grew for this long.
    pub idle: Option<Duration>,
    /// How often files are polled, and the shortest time between two rule runs.
    pub interval: Duration,
    /// The command to run and read (`--run -- CMD…`); empty for none.
    pub command: Vec<OsString>,
    /// How long the command gets after SIGINT (and then after SIGTERM) before the next signal.
    pub grace: Duration,
    /// Colour in findings.
    pub color: bool,
    /// One JSON object per line instead of text (`--format json`).
    pub json: bool,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Ctrl-C ends the watch the normal way (the end's findings and verdicts are still printed).
fn catch_sigint() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
}

/// Watches until the end; returns the exit code.
pub fn watch(o: &Options) -> anyhow::Result<u8> {
    let stdin = o.paths.iter().any(|p| p.as_os_str() == "-");
    let mut fifos = Vec::new();
    let mut files = Vec::new();
    for p in o.paths.iter().filter(|p| p.as_os_str() != "-") {
        use std::os::unix::fs::FileTypeExt;
        match std::fs::metadata(p).map(|m| m.file_type()) {
            Ok(t) if t.is_fifo() => fifos.push(p.clone()),
            Ok(t) if t.is_char_device() || t.is_block_device() || t.is_socket() => {
                anyhow::bail!("{}: a device, not a log; watch follows files, directories, FIFOs and `-` (stdin)", p.display())
            }
            _ => files.push(p.clone()),
        }
    }
    if files.is_empty() && fifos.is_empty() && !stdin && o.command.is_empty() {
        anyhow::bail!("nothing to watch: name log files or directories, `-` for stdin, or `--run -- CMD…`");
    }
    let mut sources = Sources::new(&files, &o.read)?;
    let (tx, rx) = mpsc::channel();
    let mut open_streams = 0;
    if stdin {
        let g = sources.add_stream("stdin", "stdin", 1, &o.read);
        child::forward(std::io::stdin(), None, g, 0, tx.clone());
        open_streams += 1;
    }
    for fifo in &fifos {
        let g = sources.add_stream(&crate::ingest::run_name(fifo), &fifo.display().to_string(), 1, &o.read);
        child::forward_fifo(fifo.clone(), g, tx.clone());
        open_streams += 1;
    }
    let mut command = None;
    if !o.command.is_empty() {
        let read = ReadOptions { format: o.read.format.or(Some(Format::ConsoleLog)), ..o.read.clone() };
        let shown = o.command.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
        let g = sources.add_stream(&command_name(&o.command), &format!("`{shown}`"), 2, &read);
        let c = Child::spawn(&o.command, g, &tx).map_err(|e| anyhow::anyhow!("cannot start `{shown}`: {e}"))?;
        command = Some(c);
        open_streams += 2;
    }
    drop(tx);
    catch_sigint();
    let to_stderr = command.is_some();
    use std::io::IsTerminal;
    let status = !to_stderr && std::io::stderr().is_terminal();
    let out: Box<dyn std::io::Write> = if to_stderr { Box::new(std::io::stderr()) } else { Box::new(std::io::stdout()) };
    let mut voice = Voice::new(out, o.color, o.json, status);
    let mut ledger = Ledger::default();
    let mut last_growth = Instant::now();
    let mut last_poll: Option<Instant> = None;
    let mut next_rules = Instant::now();
    let mut exited = None;
    let mut hit: Option<String> = None;

    while hit.is_none() {
        let mut grew = wait_for_streams(&rx, &mut sources, &mut open_streams, o.interval);
        if last_poll.is_none_or(|t| t.elapsed() >= o.interval) {
            grew |= sources.poll();
            last_poll = Some(Instant::now());
        }
        if grew {
            last_growth = Instant::now();
        }
        if let (Some(c), None) = (command.as_mut(), exited) {
            exited = c.try_wait();
        }
        if Instant::now() >= next_rules && sources.groups.iter().any(|g| g.changed) {
            let t = Instant::now();
            hit = speak(&mut sources, &mut ledger, &mut voice, &o.settings, Phase::Live, o.exit_on);
            next_rules = Instant::now() + o.interval.max(t.elapsed() * 4);
        }
        let points: usize = sources.groups.iter().map(|g| g.points()).sum();
        voice.status(|| {
            format!(
                "curvecheck: watching {} run(s), {points} points, last new data {:.0} s ago",
                sources.groups.len(),
                last_growth.elapsed().as_secs_f64()
            )
        });
        let ended = if INTERRUPTED.load(Ordering::SeqCst) {
            true
        } else if command.is_some() {
            exited.is_some() && open_streams == 0
        } else if files.is_empty() {
            // Only streams: the end is theirs (or every one of them refused what it was sent).
            open_streams == 0 || !sources.streams_alive()
        } else {
            o.idle.is_some_and(|d| last_growth.elapsed() >= d)
        };
        if ended {
            break;
        }
    }

    let mut stopped = None;
    if let (Some(why), Some(c)) = (&hit, command.as_mut()) {
        voice.line(&format!("curvecheck: {why}: stopping `{}` (pid {}) with SIGINT", c.shown, c.id()));
        stopped = Some(c.stop(o.grace)?);
    } else if let (true, Some(c)) = (INTERRUPTED.load(Ordering::SeqCst), command.as_mut()) {
        // Ctrl-C on a terminal reached the command too; give it its grace to save and exit.
        stopped = Some(c.stop_after_interrupt(o.grace)?);
    }
    // Let the streams drain what the command wrote while it stopped.
    let drain_until = Instant::now() + Duration::from_millis(500);
    while open_streams > 0 && Instant::now() < drain_until {
        wait_for_streams(&rx, &mut sources, &mut open_streams, Duration::from_millis(50));
    }
    sources.finish();
    for g in &mut sources.groups {
        g.changed = true;
    }
    let end_hit = speak(&mut sources, &mut ledger, &mut voice, &o.settings, Phase::Ended, o.exit_on);
    let mut nothing_read = false;
    if let Some(g) = sources.groups.iter().find(|g| g.source == "stdin" && g.run.is_none() && !g.failed()) {
        voice.line(&format!(
            "curvecheck: error: {}: no input on stdin; pipe a log in (`python train.py | curvecheck watch -`) or name a file",
            g.source
        ));
        nothing_read = true;
    } else if sources.errors.is_empty() && sources.groups.iter().all(|g| g.run.is_none()) {
        let mut named: Vec<String> = files.iter().chain(&fifos).map(|p| p.display().to_string()).collect();
        named.extend(command.as_ref().map(|c| format!("the output of `{}`", c.shown)));
        voice.line(&format!(
            "curvecheck: error: no training log arrived in {} (CSV, JSON, JSON lines, event files or console output)",
            named.join(", ")
        ));
        nothing_read = true;
    }
    for g in sources.groups.iter_mut().filter(|g| !g.failed() && g.run.is_some()) {
        let Some(run) = g.run.take() else { continue };
        voice.end(&crate::diagnosis::Diagnosis::new(run, &o.settings));
    }
    let exit_status = stopped.map(|s| s.status).or(exited).or_else(|| command.as_mut().and_then(|c| c.wait().ok()));
    if let Some(s) = stopped {
        voice.line(&format!(
            "curvecheck: the command ended after {} ({s_status})",
            s.stopped_with.unwrap_or("exiting"),
            s_status = s.status
        ));
    }
    voice.done();
    Ok(if hit.is_some() || end_hit.is_some() {
        EXIT_FINDING
    } else if INTERRUPTED.load(Ordering::SeqCst) {
        EXIT_INTERRUPTED
    } else if exit_status.is_some_and(|s| !s.success()) {
        EXIT_COMMAND_FAILED
    } else if !sources.errors.is_empty() || nothing_read {
        EXIT_BAD_INPUT
    } else {
        EXIT_OK
    })
}

/// Takes what the streams sent within `interval` (returning as soon as something came); true when a run grew.
fn wait_for_streams(rx: &mpsc::Receiver<Event>, sources: &mut Sources, open: &mut usize, interval: Duration) -> bool {
    if *open == 0 {
        std::thread::sleep(interval);
        return false;
    }
    let mut grew = false;
    let mut next = rx.recv_timeout(interval).ok();
    while let Some(event) = next {
        match event {
            Event::Bytes { group, stream, bytes } => grew |= sources.push(group, stream, &bytes),
            Event::Closed { .. } => *open = open.saturating_sub(1),
        }
        next = rx.try_recv().ok();
    }
    grew
}

/// Runs the rules on every run that grew and prints what is new; returns why to stop when
/// a finding at `exit_on` or worse appeared.
fn speak(
    sources: &mut Sources,
    ledger: &mut Ledger,
    voice: &mut Voice,
    settings: &Settings,
    phase: Phase,
    exit_on: Option<Severity>,
) -> Option<String> {
    let mut hit = None;
    for g in sources.groups.iter_mut().filter(|g| g.changed) {
        g.changed = false;
        let Some(run) = g.run.as_ref() else { continue };
        let view = RunView::new(run);
        let found = ledger::findings(&view, settings, phase);
        for news in ledger.news(&g.name, &found) {
            voice.finding(&g.name, &news);
            if hit.is_none() && exit_on.is_some_and(|t| news.finding.severity >= t) {
                hit = Some(format!("{} {} in {}", news.finding.severity.as_str(), news.finding.rule, g.name));
            }
        }
        if let Some(stop) = ledger.advice(&g.name, rules::stop_now(&view, settings)) {
            voice.advice(&g.name, &stop);
        }
    }
    hit
}

/// A run name for a command: its script's name (`train` for `python train.py`), else the program's.
fn command_name(command: &[OsString]) -> String {
    let script = command.iter().skip(1).map(Path::new).find(|p| p.extension().is_some_and(|e| e == "py" || e == "sh"));
    script
        .or(command.first().map(Path::new))
        .and_then(|p| p.file_stem())
        .map_or("command".to_string(), |s| s.to_string_lossy().into_owned())
}
