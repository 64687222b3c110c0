//! Logs that arrive as a stream: standard input (`-`), a FIFO (`mkfifo`,
//! `<(python train.py)`), a character device. A stream has no size and
//! cannot be mapped or read twice, so it is read once, front to back: its
//! first bytes decide the format (binary input such as `/dev/zero` is
//! refused after them, not slurped), and the whole of it is held at most up
//! to [`MAX_STREAM_BYTES`].

use std::io::Read;
use std::path::Path;

use super::{read_bytes, IngestError, ReadOptions};
use crate::model::Run;

/// The most a stream may hold; longer ones should be written to a file (which is read in chunks).
pub const MAX_STREAM_BYTES: u64 = 1 << 31;
/// Bytes read before the format is decided.
const HEAD_BYTES: u64 = 64 * 1024;

/// What kind of stream a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// `-`: standard input.
    Stdin,
    /// A named pipe: opening it waits for a writer.
    Fifo,
    /// A character device or a socket.
    Device,
}

/// The stream a path names, or `None` for a regular file, a directory or a path that does not exist.
pub fn kind(path: &Path) -> Option<Stream> {
    if path.as_os_str() == "-" {
        return Some(Stream::Stdin);
    }
    use std::os::unix::fs::FileTypeExt;
    let t = std::fs::metadata(path).ok()?.file_type();
    if t.is_fifo() {
        Some(Stream::Fifo)
    } else if t.is_char_device() || t.is_socket() || t.is_block_device() {
        Some(Stream::Device)
    } else {
        None
    }
}

/// Reads a stream to its end and hands it to the reader its first bytes call for.
pub fn read(path: &Path, stream: Stream, opts: &ReadOptions) -> Result<Vec<Run>, IngestError> {
    let shown = if stream == Stream::Stdin { Path::new("stdin") } else { path };
    let io = |source| IngestError::Io { path: shown.display().to_string(), source };
    let reader: Box<dyn Read> = match stream {
        Stream::Stdin => Box::new(std::io::stdin().lock()),
        Stream::Fifo => {
            // Opening a FIFO blocks until something writes to it: say so rather than hang in silence.
            eprintln!("curvecheck: waiting for a writer on {} (a FIFO)", path.display());
            Box::new(std::fs::File::open(path).map_err(io)?)
        }
        Stream::Device => Box::new(std::fs::File::open(path).map_err(io)?),
    };
    let mut reader = reader.take(MAX_STREAM_BYTES + 1);
    let mut bytes = Vec::new();
    (&mut reader).take(HEAD_BYTES).read_to_end(&mut bytes).map_err(io)?;
    if bytes.is_empty() {
        return Err(IngestError::not_a_log(
            shown,
            match stream {
                Stream::Stdin => {
                    "no input on stdin; pipe a log in (`python train.py | tee train.log | curvecheck diagnose -`) or name a file"
                }
                _ => "the stream ended before any byte arrived",
            },
        ));
    }
    // Decide from the head: a binary stream (`/dev/zero`, `/dev/urandom`) is refused now, not read forever.
    if opts.format.is_none() {
        super::detect::detect(shown, &bytes)?;
    }
    reader.read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_STREAM_BYTES {
        return Err(IngestError::malformed(
            shown,
            None,
            format!(
                "the stream is longer than {} GiB; write it to a file and read that (files are read in chunks)",
                MAX_STREAM_BYTES >> 30
            ),
        ));
    }
    read_bytes(shown, &bytes, opts)
}
