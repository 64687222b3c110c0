//! Text in pieces of whole lines, from memory or from a file read as it goes,
//! so a reader can parse a log of many GB holding only one piece at a time.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use super::cells::strip_bom;
use super::IngestError;

/// Pieces of at most about `chunk_bytes`, each ending at a line end (a longer line is one piece).
pub fn in_memory(text: &[u8], chunk_bytes: usize) -> impl Iterator<Item = Result<Cow<'_, [u8]>, IngestError>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = split_point(rest, chunk_bytes);
        let (chunk, tail) = rest.split_at(cut);
        rest = tail;
        Some(Ok(Cow::Borrowed(chunk)))
    })
}

/// The same pieces read from `file` as they are needed; a UTF-8 BOM at the start is dropped.
pub fn from_file<'a>(
    path: &'a Path,
    file: std::fs::File,
    chunk_bytes: usize,
) -> impl Iterator<Item = Result<Cow<'static, [u8]>, IngestError>> + 'a {
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut carry: Vec<u8> = Vec::new();
    let mut first = true;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done && carry.is_empty() {
            return None;
        }
        let mut buf = std::mem::take(&mut carry);
        if !done {
            let want = chunk_bytes.saturating_sub(buf.len()).max(chunk_bytes / 4).max(1);
            let start = buf.len();
            buf.resize(start + want, 0);
            let mut filled = start;
            while filled < buf.len() {
                match reader.read(&mut buf[filled..]) {
                    Ok(0) => {
                        done = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) => return Some(Err(IngestError::Io { path: path.display().to_string(), source: e })),
                }
            }
            buf.truncate(filled);
        }
        if first {
            first = false;
            let bom = buf.len() - strip_bom(&buf).len();
            buf.drain(..bom);
        }
        if !done {
            // Hand over whole lines only; a line longer than the chunk waits for more bytes.
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(i) => carry = buf.split_off(i + 1),
                None => {
                    carry = buf;
                    continue;
                }
            }
        }
        if !buf.is_empty() {
            return Some(Ok(Cow::Owned(buf)));
        }
    })
}

/// The end of the last whole line within `max` bytes (the whole text when it has no newline there).
fn split_point(text: &[u8], max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    text[..max].iter().rposition(|&b| b == b'\n').map_or(text.len(), |i| i + 1)
}
