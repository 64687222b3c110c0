//! `watch --run -- CMD…`: the training command as a child process. Its
//! standard output and error are read on a thread each, written through
//! unchanged to curvecheck's own (byte for byte, as they arrive) and handed
//! to the watcher as a console log. `PYTHONUNBUFFERED=1` is set so a Python
//! script's prints arrive line by line instead of in 8 KiB blocks through the pipe.
//!
//! The child stays in curvecheck's process group, so Ctrl-C on a terminal
//! reaches both. [`Child::stop`] sends SIGINT (Python raises
//! `KeyboardInterrupt`, Lightning and the Trainer save and exit), then SIGTERM
//! after the grace period, then SIGKILL after another.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{ExitStatus, Stdio};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// Something that happened on a stream the watcher reads.
#[derive(Debug)]
pub enum Event {
    /// Bytes that arrived on stream `stream` of run `group`.
    Bytes {
        /// The run the stream feeds.
        group: usize,
        /// Which of its streams.
        stream: usize,
        /// What arrived.
        bytes: Vec<u8>,
    },
    /// The stream ended.
    Closed {
        /// The run the stream fed.
        group: usize,
    },
}

/// Reads `input` on a thread of its own until it ends, writing each piece to `through` first (when given).
pub fn forward(
    mut input: impl Read + Send + 'static,
    mut through: Option<Box<dyn Write + Send>>,
    group: usize,
    stream: usize,
    tx: Sender<Event>,
) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Some(w) = through.as_mut() {
                // A closed stdout (`| head`) must not stop the training: the output is still read.
                if w.write_all(&buf[..n]).and_then(|_| w.flush()).is_err() {
                    through = None;
                }
            }
            if tx.send(Event::Bytes { group, stream, bytes: buf[..n].to_vec() }).is_err() {
                break;
            }
        }
        let _ = tx.send(Event::Closed { group });
    });
}

/// Reads a FIFO as [`forward`] does; opening one waits for a writer, so it is opened on the thread (and said so).
pub fn forward_fifo(path: std::path::PathBuf, group: usize, tx: Sender<Event>) {
    eprintln!("curvecheck: waiting for a writer on {} (a FIFO)", path.display());
    std::thread::spawn(move || match std::fs::File::open(&path) {
        Ok(f) => forward(f, None, group, 0, tx),
        Err(e) => {
            eprintln!("curvecheck: error: {}: cannot read: {e}", path.display());
            let _ = tx.send(Event::Closed { group });
        }
    });
}

/// The running command.
pub struct Child {
    child: std::process::Child,
    /// The command as typed, for messages.
    pub shown: String,
}

/// How the command ended.
#[derive(Debug, Clone, Copy)]
pub struct Ended {
    /// Its exit status.
    pub status: ExitStatus,
    /// Whether curvecheck stopped it, and with which signal it finally went.
    pub stopped_with: Option<&'static str>,
}

impl Child {
    /// Starts `command`; its stdout and stderr feed streams 0 and 1 of run `group`.
    pub fn spawn(command: &[OsString], group: usize, tx: &Sender<Event>) -> std::io::Result<Child> {
        let (program, args) = command.split_first().ok_or_else(|| std::io::Error::other("no command after `--run --`"))?;
        let mut child = std::process::Command::new(program)
            .args(args)
            .stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("PYTHONUNBUFFERED", "1")
            .spawn()?;
        if let Some(out) = child.stdout.take() {
            forward(out, Some(Box::new(std::io::stdout())), group, 0, tx.clone());
        }
        if let Some(err) = child.stderr.take() {
            forward(err, Some(Box::new(std::io::stderr())), group, 1, tx.clone());
        }
        let shown = command.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
        Ok(Child { child, shown })
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the command has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stops the command: SIGINT, then SIGTERM after `grace`, then SIGKILL after another `grace`.
    pub fn stop(&mut self, grace: Duration) -> std::io::Result<Ended> {
        if let Some(status) = self.try_wait() {
            return Ok(Ended { status, stopped_with: None });
        }
        for (signal, name) in [(libc::SIGINT, "SIGINT"), (libc::SIGTERM, "SIGTERM")] {
            self.signal(signal);
            if let Some(status) = self.wait_for(grace) {
                return Ok(Ended { status, stopped_with: Some(name) });
            }
            eprintln!("curvecheck: `{}` still running {:.0} s after {name}", self.shown, grace.as_secs_f64());
        }
        self.child.kill()?;
        Ok(Ended { status: self.child.wait()?, stopped_with: Some("SIGKILL") })
    }

    /// After Ctrl-C, which the terminal sent to the command too: it gets `grace` to exit by
    /// itself (a second SIGINT would interrupt its own cleanup), then [`Child::stop`].
    pub fn stop_after_interrupt(&mut self, grace: Duration) -> std::io::Result<Ended> {
        match self.wait_for(grace) {
            Some(status) => Ok(Ended { status, stopped_with: Some("Ctrl-C") }),
            None => self.stop(grace),
        }
    }

    fn signal(&self, signal: libc::c_int) {
        let Ok(pid) = libc::pid_t::try_from(self.child.id()) else { return };
        // SAFETY: kill(2) with the pid of a child not yet reaped (so not reused) and a valid signal.
        unsafe {
            libc::kill(pid, signal);
        }
    }

    fn wait_for(&mut self, grace: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < grace {
            if let Some(s) = self.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.try_wait()
    }

    /// Waits for the command to exit by itself.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait()
    }
}
