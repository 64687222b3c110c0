//! What `watch` follows, grouped into runs: a file is a run, a directory of
//! event files is one run (its `train/` and `validation/` files together, as
//! `diagnose` reads it), a stream (stdin, a command's output) is a run. A
//! directory named on the command line is searched again every
//! [`DISCOVER_EVERY`] for files that appeared since.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::ingest::follow::{append, Follow, Update};
use crate::ingest::{self, discover, IngestError, ReadOptions};
use crate::model::Run;

/// How often directories are searched again for new log files (a walk costs more than a poll).
pub const DISCOVER_EVERY: Duration = Duration::from_secs(2);

/// One run being followed, from one or more sources.
pub struct Group {
    /// The run's name, as `diagnose` would give it.
    pub name: String,
    /// Where it comes from, for messages.
    pub source: String,
    /// Everything read so far (`None` until the first points).
    pub run: Option<Run>,
    /// Points arrived since the rules last ran on this run.
    pub changed: bool,
    followers: Vec<Follower>,
}

struct Follower {
    follow: Follow,
    /// A file polled from disk, not a stream fed by the caller.
    file: bool,
    /// Stopped after an error (reported once).
    dead: bool,
    /// Found in a directory (not named by the user): a file that is not a log is skipped with a note, as `diagnose` does.
    found: bool,
}

impl Group {
    fn new(name: String, source: String) -> Self {
        Group { name, source, run: None, changed: false, followers: Vec::new() }
    }

    /// Every source of the run failed or was skipped (already said so).
    pub fn failed(&self) -> bool {
        self.run.is_none() && !self.followers.is_empty() && self.followers.iter().all(|f| f.dead)
    }

    /// Points in the run so far.
    pub fn points(&self) -> usize {
        self.run.as_ref().map_or(0, |r| r.series.iter().map(|s| s.len()).sum())
    }

    fn apply(&mut self, update: Update, roles: &[(crate::model::Role, String)]) -> bool {
        let (name, source) = (self.name.clone(), self.source.clone());
        match update {
            Update::Nothing => return false,
            Update::Append(chunk) => match self.run.as_mut() {
                Some(run) => append::append(run, chunk),
                None => self.run = Some(chunk),
            },
            Update::Replace(run) => self.run = Some(run),
            Update::Rewritten => {
                // A rewritten file voids its group: read every source of it again from the start.
                self.run = None;
                for f in &mut self.followers {
                    f.follow.rewind();
                }
            }
        }
        if let Some(run) = self.run.as_mut() {
            run.name = name;
            run.source = source;
            append::apply_roles(run, roles);
        }
        self.changed = true;
        true
    }
}

/// Every run followed, and the directories to search again.
pub struct Sources {
    /// The runs, in the order they were first seen.
    pub groups: Vec<Group>,
    dirs: Vec<PathBuf>,
    /// Files named on the command line.
    named: Vec<PathBuf>,
    opts: ReadOptions,
    last_discover: Option<Instant>,
    /// Errors met, each reported once (the source is then left alone).
    pub errors: Vec<IngestError>,
}

impl Sources {
    /// Files and directories to follow (`-` and commands are added with [`Sources::add_stream`]).
    pub fn new(paths: &[PathBuf], opts: &ReadOptions) -> Result<Self, IngestError> {
        let mut s = Sources {
            groups: Vec::new(),
            dirs: Vec::new(),
            named: paths.to_vec(),
            opts: opts.clone(),
            last_discover: None,
            errors: Vec::new(),
        };
        for p in paths {
            if p.is_dir() {
                s.dirs.push(p.clone());
            } else if p.exists() {
                s.add_file(p, None);
            } else {
                return Err(IngestError::Io { path: p.display().to_string(), source: std::io::Error::from(std::io::ErrorKind::NotFound) });
            }
        }
        s.discover();
        Ok(s)
    }

    /// A run fed by the caller ([`Sources::push`]) from `streams` streams (a command's stdout and stderr).
    pub fn add_stream(&mut self, name: &str, source: &str, streams: usize, opts: &ReadOptions) -> usize {
        let mut g = Group::new(name.to_string(), source.to_string());
        for _ in 0..streams {
            g.followers.push(Follower { follow: Follow::new(Path::new(source), opts), file: false, dead: false, found: false });
        }
        self.groups.push(g);
        self.groups.len() - 1
    }

    fn add_file(&mut self, file: &Path, run_dir: Option<&Path>) {
        let key = run_dir.unwrap_or(file).display().to_string();
        let i = match self.groups.iter().position(|g| g.source == key) {
            Some(i) => i,
            None => {
                let name = match run_dir {
                    Some(d) => ingest::dir_run_name(d),
                    None => ingest::run_name(file),
                };
                self.groups.push(Group::new(name, key));
                self.groups.len() - 1
            }
        };
        let opts = ReadOptions { roles: Vec::new(), ..self.opts.clone() };
        let found = !self.dirs.is_empty() && !self.named.iter().any(|n| n == file);
        self.groups[i].followers.push(Follower { follow: Follow::new(file, &opts), file: true, dead: false, found });
    }

    fn known(&self, file: &Path) -> bool {
        self.groups.iter().flat_map(|g| &g.followers).any(|f| f.file && f.follow.path() == file)
    }

    /// Searches the directories for log files not followed yet.
    pub fn discover(&mut self) {
        self.last_discover = Some(Instant::now());
        for dir in self.dirs.clone() {
            for source in discover::sources(&dir) {
                match source {
                    discover::Source::File(f) if !self.known(&f) => self.add_file(&f, None),
                    discover::Source::Tensorboard(run_dir, files) => {
                        for f in &files {
                            if !self.known(f) {
                                self.add_file(f, Some(&run_dir));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Reads what every file gained; true when any run got new points.
    pub fn poll(&mut self) -> bool {
        if !self.dirs.is_empty() && self.last_discover.is_none_or(|t| t.elapsed() >= DISCOVER_EVERY) {
            self.discover();
        }
        let roles = self.opts.roles.clone();
        let mut grew = false;
        for g in &mut self.groups {
            for i in 0..g.followers.len() {
                let f = &mut g.followers[i];
                if !f.file || f.dead {
                    continue;
                }
                match f.follow.poll() {
                    Ok(u) => grew |= g.apply(u, &roles),
                    Err(e) => f.fail(e, &mut self.errors),
                }
            }
        }
        grew
    }

    /// Whether any stream is still read (not stopped by an error).
    pub fn streams_alive(&self) -> bool {
        self.groups.iter().flat_map(|g| &g.followers).any(|f| !f.file && !f.dead)
    }

    /// Bytes that arrived on stream `stream` of run `group`.
    pub fn push(&mut self, group: usize, stream: usize, bytes: &[u8]) -> bool {
        let roles = self.opts.roles.clone();
        let g = &mut self.groups[group];
        let f = &mut g.followers[stream];
        if f.dead {
            return false;
        }
        match f.follow.push(bytes) {
            Ok(u) => g.apply(u, &roles),
            Err(e) => {
                f.fail(e, &mut self.errors);
                false
            }
        }
    }

    /// The end: every source's last partial line is read (a cut-off record reported).
    pub fn finish(&mut self) {
        self.poll();
        let roles = self.opts.roles.clone();
        for g in &mut self.groups {
            for i in 0..g.followers.len() {
                let f = &mut g.followers[i];
                if f.dead {
                    continue;
                }
                match f.follow.finish() {
                    Ok(u) => {
                        g.apply(u, &roles);
                    }
                    Err(e) => f.fail(e, &mut self.errors),
                }
            }
        }
    }
}

impl Follower {
    /// Stops following after an error, reported once; a file found in a directory that is not a log is a note.
    fn fail(&mut self, e: IngestError, errors: &mut Vec<IngestError>) {
        self.dead = true;
        if self.found && matches!(e, IngestError::NotALog { .. }) {
            eprintln!("curvecheck: note: skipped {e}");
        } else {
            eprintln!("curvecheck: error: {e}");
            errors.push(e);
        }
    }
}
