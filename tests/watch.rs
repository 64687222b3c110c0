//! Issue 17: `curvecheck watch` on logs that grow while it reads them, and on
//! a real (tiny, numpy) training script run under `--run`.

#[path = "mlflow/harness.rs"]
mod harness;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_curvecheck"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `bytes` to `path` in `pieces` appends, cut at byte offsets that fall
/// mid-line and mid-record, with a pause between them.
fn grow(path: PathBuf, bytes: Vec<u8>, pieces: usize, pause: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).unwrap();
        let step = bytes.len().div_ceil(pieces);
        for piece in bytes.chunks(step) {
            f.write_all(piece).unwrap();
            f.flush().unwrap();
            std::thread::sleep(pause);
        }
    })
}

/// `(rule, severity)` of every finding `watch` printed, and each run's closing verdict.
fn printed(text: &str) -> (BTreeSet<(String, String)>, Vec<String>) {
    let mut found = BTreeSet::new();
    let mut verdicts = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if line.starts_with('[') && words.len() >= 4 && words[1] != "early-stop" && words[2] != "early-stop" {
            found.insert((words[3].to_string(), words[2].to_lowercase()));
        } else if let Some((_, v)) = line.split_once("  verdict: ").filter(|_| !line.starts_with(' ')) {
            verdicts.push(v.to_string());
        }
    }
    (found, verdicts)
}

/// `(rule, severity)` of `diagnose`'s findings on the finished file, and its verdict.
fn diagnosed(path: &Path) -> (BTreeSet<(String, String)>, String) {
    let out = Command::new(bin()).args(["diagnose", "--color", "never"]).arg(path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() >= 2 && ["ERROR", "WARNING", "INFO"].contains(&w[0]) {
            found.insert((w[1].to_string(), w[0].to_lowercase()));
        }
    }
    let verdict = text.lines().find_map(|l| l.trim().strip_prefix("verdict: ")).unwrap().to_string();
    (found, verdict)
}

fn watch(args: &[&str], paths: &[&Path]) -> Output {
    Command::new(bin()).args(["watch", "--color", "never", "--interval", "0.05"]).args(args).args(paths).output().unwrap()
}

#[test]
fn watching_a_growing_csv_ends_with_the_findings_diagnose_gives_on_the_finished_file() {
    let src = root().join("fixtures/wild-runs/W03/adamw_sweep_lr_3em4_wd_0p1_seed_0.csv");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("adamw_sweep_lr_3em4_wd_0p1_seed_0.csv");
    std::fs::write(&log, b"").unwrap();
    let writer = grow(log.clone(), std::fs::read(&src).unwrap(), 23, Duration::from_millis(60));
    let out = watch(&["--idle", "1.5"], &[&log]);
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let (found, verdicts) = printed(&text);
    let (want, verdict) = diagnosed(&src);
    assert!(want.contains(&("overfitting".into(), "warning".into())), "{want:?}");
    assert!(found.is_superset(&want), "watch printed {found:?}\ndiagnose found {want:?}\n{text}");
    assert_eq!(verdicts, vec![verdict], "{text}");
    // Every row read once, none counted as bad though most arrived cut in two.
    assert!(text.contains("adamw_sweep_lr_3em4_wd_0p1_seed_0  read 1001 records\n"), "{text}");
    assert!(!text.contains("skipped"), "a partial line was counted as bad:\n{text}");
}

#[test]
fn watching_a_directory_picks_up_a_new_event_file_written_in_pieces_and_ends_as_diagnose() {
    let src = root().join("fixtures/wild-runs/W42/production/events.out.tfevents.1751738219.Beast.288275.0");
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("production");
    std::fs::create_dir(&run).unwrap();
    let log = run.join("events.out.tfevents.1751738219.Beast.288275.0");
    let bytes = std::fs::read(&src).unwrap();
    let writer = std::thread::spawn({
        let log = log.clone();
        move || {
            // The file appears after the watch started, then grows record by record (cut mid-record).
            std::thread::sleep(Duration::from_millis(400));
            grow(log, bytes, 17, Duration::from_millis(60)).join().unwrap();
        }
    });
    let out = watch(&["--idle", "3"], &[dir.path()]);
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let (found, verdicts) = printed(&text);
    let (want, verdict) = diagnosed(&run);
    assert!(want.contains(&("overfitting".into(), "warning".into())), "{want:?}");
    assert!(!text.contains("skipped") && !text.contains("cut off"), "a record cut in two was counted as bad:\n{text}");
    assert!(found.is_superset(&want), "watch printed {found:?}\ndiagnose found {want:?}\n{text}");
    assert_eq!(verdicts, vec![verdict], "{text}");
}

/// Every format watch follows, through its incremental reader: each run of the wild-runs
/// collection ends with the records, skipped rows and verdict `diagnose` gives it.
#[test]
fn watching_the_wild_runs_ends_with_diagnoses_reading_and_verdict_for_every_run() {
    let dir = root().join("fixtures/wild-runs");
    let out = watch(&["--idle", "0.5"], &[&dir]);
    let mut watched: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with(' ') && (l.contains("  verdict: ") || l.contains("  read ")))
        .map(String::from)
        .collect();
    let text = String::from_utf8(Command::new(bin()).args(["diagnose", "--color", "never"]).arg(&dir).output().unwrap().stdout).unwrap();
    let mut name = "";
    let mut diagnosed = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') && line.contains("  (") {
            name = line.split("  (").next().unwrap();
        } else if let Some(v) = line.trim().strip_prefix("verdict: ") {
            diagnosed.push(format!("{name}  verdict: {v}"));
        } else if let Some(r) = line.strip_prefix("  read ") {
            diagnosed.push(format!("{name}  read {r}"));
        }
    }
    watched.sort();
    diagnosed.sort();
    assert!(diagnosed.len() >= 30, "{text}");
    assert_eq!(watched, diagnosed);
}

#[test]
fn exit_on_error_exits_1_as_soon_as_a_followed_csv_diverges() {
    let log = root().join("fixtures/wild-runs/W41/adamw_sweep_lr_1em2_wd_1p0_seed_0.csv");
    let start = Instant::now();
    // No --idle: only the finding can end this watch.
    let mut child =
        Command::new(bin()).args(["watch", "--color", "never", "--exit-on", "error"]).arg(&log).stdout(Stdio::piped()).spawn().unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("watch --exit-on error did not exit on a diverged log");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut text).unwrap();
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(text.contains("ERROR   divergence"), "{text}");
}

#[test]
fn a_console_log_piped_to_stdin_is_read_as_it_arrives_and_ends_with_the_stream() {
    let mut child = Command::new(bin())
        .args(["watch", "--color", "never", "--interval", "0.05", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for e in 1..=30 {
        // Keras' fit output; val_loss bottoms out at epoch 8 and rises after: patience 5 runs out at epoch 13.
        let val = 1.0 - 0.1 * e.min(8) as f64 + 0.05 * (e.max(8) - 8) as f64;
        let text = format!("Epoch {e}/30\n10/10 - 1s - loss: {:.4} - val_loss: {val:.4}\n", 1.0 / e as f64);
        stdin.write_all(text.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    let advice = text.lines().filter(|l| l.contains("early-stop")).collect::<Vec<_>>();
    assert_eq!(advice.len(), 1, "{text}");
    let (_, rest) = advice[0].split_once("val_loss best at epoch 8 (0.2), ").expect(advice[0]);
    let waited: usize = rest.split(' ').next().unwrap().parse().unwrap();
    // Said live, within a rule run or two of the patience running out, not at the end (22).
    assert!((5..=8).contains(&waited), "{}", advice[0]);
    assert!(rest.ends_with("evaluations without improvement: stop now and keep epoch 8"), "{}", advice[0]);
}

#[test]
fn a_device_is_refused_and_empty_stdin_says_how_to_pipe() {
    let out = Command::new(bin()).args(["watch", "/dev/zero"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/dev/zero: a device, not a log"));
    let out = Command::new(bin()).args(["watch", "-"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no input on stdin; pipe a log in"));
    let out = Command::new(bin()).args(["watch", "-"]).stdin(std::fs::File::open("/dev/zero").unwrap()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "binary stdin is refused from its first bytes, not read forever");
}

#[test]
fn a_directory_where_no_log_arrives_is_an_error_once_idle() {
    let dir = tempfile::tempdir().unwrap();
    let out = watch(&["--idle", "0.3"], &[dir.path()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no training log arrived in"));
}

#[test]
fn a_fifo_is_waited_for_and_read_as_a_stream_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("train.csv");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let src = root().join("fixtures/wild-runs/W03/adamw_sweep_lr_3em4_wd_0p1_seed_0.csv");
    let writer = std::thread::spawn({
        let fifo = fifo.clone();
        move || {
            std::thread::sleep(Duration::from_millis(300));
            std::fs::write(&fifo, std::fs::read(src).unwrap()).unwrap();
        }
    });
    let out = Command::new(bin()).args(["watch", "--color", "never"]).arg(&fifo).output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("waiting for a writer"));
    assert!(text.contains("train  read 1001 records\ntrain  verdict: 2 warnings: unstable-loss, overfitting"), "{text}");
}

/// The numpy training script, run under `watch --run`; `None` (skipped) without the test venv outside CI.
fn train(args: &[&str], watch_args: &[&str]) -> Option<(Output, String, String)> {
    let python = harness::python()?;
    let script = root().join("tests/watch/train.py");
    let out = Command::new(bin())
        .args(["watch", "--color", "never", "--grace", "5"])
        .args(watch_args)
        .args(["--run", "--"])
        .arg(&python)
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8(out.stdout.clone()).unwrap(), String::from_utf8(out.stderr.clone()).unwrap());
    Some((out, stdout, stderr))
}

/// The steps the script printed, in order, with their loss.
fn steps(stdout: &str) -> Vec<(u32, f64)> {
    stdout
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("step ")?;
            let (step, rest) = rest.split_once(' ')?;
            let loss = rest.strip_prefix("loss=")?.split(' ').next()?;
            Some((step.parse().ok()?, loss.parse().ok()?))
        })
        .collect()
}

#[test]
fn watch_run_stops_a_diverging_training_within_a_few_steps_of_the_first_nan() {
    // Healthy for 40 steps, then the learning rate jumps: inf at step 41, NaN after; 2,000 steps of 30 ms otherwise.
    let Some((out, stdout, stderr)) = train(&["--jump", "40:1e300", "--steps", "2000", "--sleep", "0.03"], &["--exit-on", "error"]) else {
        return;
    };
    let printed = steps(&stdout);
    let first_bad = printed.iter().find(|(_, l)| !l.is_finite()).map(|(s, _)| *s).expect("the run never diverged");
    let last = printed.last().unwrap().0;
    assert_eq!(first_bad, 41, "{stdout}");
    assert!(last <= first_bad + 10, "stopped at step {last}, {} steps after the first non-finite loss", last - first_bad);
    assert!(!stdout.contains("done"), "the command ran to its end:\n{stdout}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ERROR   divergence") && stderr.contains("with SIGINT"), "{stderr}");
    assert!(stderr.contains("KeyboardInterrupt"), "the command's own stderr passes through:\n{stderr}");
}

#[test]
fn watch_run_leaves_a_healthy_training_alone_and_exits_0() {
    let Some((out, stdout, stderr)) = train(&["--lr", "0.01", "--steps", "60", "--sleep", "0.01"], &["--exit-on", "error"]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(steps(&stdout).len(), 60);
    assert!(stdout.ends_with("done\n"), "stdout is the command's, unchanged:\n{stdout}");
    assert!(!stderr.contains("ERROR"), "{stderr}");
}

/// `--run` reads the log files named beside the command too: a script that writes a diverging
/// CSV row by row (and prints nothing) is stopped when the file shows the divergence.
#[test]
fn watch_run_reads_the_log_files_it_is_given_and_stops_the_command_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("adamw_sweep_lr_1em2_wd_1p0_seed_0.csv");
    let src = root().join("fixtures/wild-runs/W41/adamw_sweep_lr_1em2_wd_1p0_seed_0.csv");
    std::fs::write(&log, b"").unwrap();
    // The header and rows one by one, 5 ms apart, then a long sleep that only a stop can cut short.
    let script =
        format!("while IFS= read -r line; do echo \"$line\" >> '{}'; sleep 0.005; done < '{}'; sleep 30", log.display(), src.display());
    let start = Instant::now();
    let out = Command::new(bin())
        .args(["watch", "--color", "never", "--interval", "0.05", "--grace", "2", "--exit-on", "error"])
        .arg(&log)
        .args(["--run", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ERROR   divergence") && stderr.contains("with SIGINT"), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(25), "the command was not stopped");
}

#[test]
fn watch_run_exits_3_when_the_command_fails_by_itself() {
    let out = Command::new(bin()).args(["watch", "--run", "--", "sh", "-c", "echo 'epoch 1 loss=0.5'; exit 7"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Every example of `watch --help` that names files of the repository runs (exit 0 or 1).
#[test]
fn every_example_in_watch_help_runs() {
    let help = String::from_utf8(Command::new(bin()).args(["watch", "--help"]).output().unwrap().stdout).unwrap();
    let examples = help.split("Examples").nth(1).and_then(|s| s.split("\n\n").next()).unwrap();
    let mut ran = 0;
    for line in examples.lines().skip(1) {
        let Some(cmd) = line.trim().strip_prefix("curvecheck ") else { continue };
        let mut args: Vec<String> = cmd.split_whitespace().map(String::from).collect();
        if let Some(i) = args.iter().position(|a| a == "python3") {
            let Some(py) = harness::python() else { continue };
            args[i] = py.display().to_string();
        }
        let out = Command::new(bin()).args(&args).current_dir(root()).output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "`{cmd}` exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 2, "only {ran} examples in watch --help");
}

/// Watches `fixture` (a console log) while it is written in `pieces` appends and checks it ends
/// with the findings, records and verdict `diagnose` gives the finished file.
fn console_log_grows_and_ends_as_diagnose(fixture: &str, pieces: usize, records: usize, finding: (&str, &str)) {
    let src = root().join(fixture);
    let dir = tempfile::tempdir().unwrap();
    let name = src.file_name().unwrap();
    let log = dir.path().join(name);
    std::fs::write(&log, b"").unwrap();
    let writer = grow(log.clone(), std::fs::read(&src).unwrap(), pieces, Duration::from_millis(25));
    let out = watch(&["--idle", "1.5"], &[&log]);
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (found, verdicts) = printed(&text);
    let (want, verdict) = diagnosed(&src);
    assert!(want.contains(&(finding.0.into(), finding.1.into())), "{fixture}: {want:?}");
    assert!(found.is_superset(&want), "{fixture}: watch printed {found:?}\ndiagnose found {want:?}\n{text}");
    assert_eq!(verdicts, vec![verdict], "{text}");
    let stem = std::path::Path::new(name).file_stem().unwrap().to_string_lossy().into_owned();
    assert!(text.contains(&format!("{stem}  read {records} records")), "{text}");
}

/// Keras' `fit` output as a terminal shows it (progress bars redrawn with `\r`, backspaces,
/// colour escapes), written in pieces that cut lines and escapes in two.
#[test]
fn watching_keras_terminal_output_as_it_grows_ends_as_diagnose() {
    console_log_grows_and_ends_as_diagnose("fixtures/real-logs/console-log/keras-fit-verbose1.out", 41, 60, ("overfitting", "warning"));
}

/// Lightning's progress bar, whose epochs are redrawn on one line and finished on the next.
#[test]
fn watching_a_lightning_progress_bar_as_it_grows_ends_as_diagnose() {
    console_log_grows_and_ends_as_diagnose("fixtures/real-logs/console-log/lightning-progress.out", 37, 81, ("overfitting", "warning"));
}

/// The Hugging Face Trainer's printed dicts between tqdm's redraws.
#[test]
fn watching_hf_trainer_output_as_it_grows_ends_as_diagnose() {
    console_log_grows_and_ends_as_diagnose("fixtures/real-logs/console-log/hf-trainer-console.out", 29, 71, ("overfitting", "warning"));
}

/// Ultralytics' console tables, whose validation row belongs to the epoch trained before it.
#[test]
fn watching_ultralytics_output_as_it_grows_ends_as_diagnose() {
    console_log_grows_and_ends_as_diagnose("fixtures/real-logs/console-log/ultralytics-train.out", 31, 213, ("divergence", "error"));
}

/// Which rules speak live is said where each rule is explained, and in `watch --help`, from the registry.
#[test]
fn explain_and_watch_help_say_which_rules_speak_live() {
    let explain = |rule: &str| String::from_utf8(Command::new(bin()).args(["explain", rule]).output().unwrap().stdout).unwrap();
    assert!(explain("divergence").contains("In `curvecheck watch`: speaks live"));
    assert!(explain("still-improving").contains("In `curvecheck watch`: speaks only once the run has ended"));
    let help = String::from_utf8(Command::new(bin()).args(["watch", "--help"]).output().unwrap().stdout).unwrap();
    let live = help.split("Rules that speak live: ").nth(1).unwrap().split('.').next().unwrap();
    assert!(live.contains("divergence") && live.contains("overfitting") && !live.contains("still-improving"), "{live}");
}

/// The status line is drawn on a terminal (here a pseudo-terminal from util-linux's `script`),
/// cleared before each finding, and never written when stderr is not a terminal.
#[test]
fn a_status_line_is_drawn_on_a_terminal_only() {
    let log = root().join("fixtures/wild-runs/W16/metrics.csv");
    let cmd = format!("{} watch {} --idle 0.8 --color never", bin().display(), log.display());
    let out = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().expect("util-linux `script` runs the pty test");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\r\x1b[Kcurvecheck: watching 1 run(s), 5698 points"), "{text}");
    assert!(text.contains("W16  verdict: 1 warning: still-improving"), "{text}");
    let piped = watch(&["--idle", "0.5"], &[&log]);
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("watching"), "no status line off a terminal");
}

#[test]
fn a_negative_time_and_a_command_without_run_are_usage_errors() {
    let log = root().join("fixtures/wild-runs/W16/metrics.csv");
    let out = Command::new(bin()).args(["watch", "--idle=-1"]).arg(&log).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--idle -1: expected a number of seconds"));
    let out = Command::new(bin()).arg("watch").arg(&log).args(["--", "python", "train.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a command after `--` needs --run"));
}

/// `--format json`: one object per line; the end's `run` is, field for field, the object
/// `diagnose --format json` gives the finished file (its source path aside).
#[test]
fn json_lines_end_with_the_run_object_diagnose_gives() {
    let src = root().join("fixtures/wild-runs/W03/adamw_sweep_lr_3em4_wd_0p1_seed_0.csv");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("adamw_sweep_lr_3em4_wd_0p1_seed_0.csv");
    std::fs::write(&log, b"").unwrap();
    let writer = grow(log.clone(), std::fs::read(&src).unwrap(), 19, Duration::from_millis(50));
    let out = watch(&["--idle", "1.5", "--format", "json"], &[&log]);
    writer.join().unwrap();
    let events: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
    assert!(events.iter().any(|e| e["event"] == "finding" && e["finding"]["rule"] == "overfitting"), "{events:?}");
    let end = events.iter().find(|e| e["event"] == "end").expect("an end event");
    let diagnosed = Command::new(bin()).args(["diagnose", "--format", "json"]).arg(&src).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&diagnosed.stdout).unwrap();
    let (mut ours, mut theirs) = (end["run"].clone(), doc["runs"][0].clone());
    ours["source"] = serde_json::Value::Null;
    theirs["source"] = serde_json::Value::Null;
    assert_eq!(ours, theirs);
}
