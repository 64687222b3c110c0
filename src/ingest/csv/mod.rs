//! CSV and TSV logs: Keras CSVLogger, pandas history dumps, Lightning
//! `metrics.csv`, Ultralytics `results.csv`, timm `summary.csv`, and any table
//! with a step or epoch column.
//!
//! A table of plain numbers (most logs, and nearly every long one) is read by
//! [`plain`], straight into its columns, one part per core. Anything
//! else goes to polars, in chunks of [`CHUNK_BYTES`] (so it never holds more
//! than a chunk's table), each with every column as Float64 when every cell is
//! a plain number, else as text for [`parse_cell`](super::cells::parse_cell), which knows the loggers'
//! spellings (`NA`, padded values, `nan`). That fallback is what lets one
//! reader survive a header repeated mid-file (timm after a resume), a
//! timestamp column (old Lightning), and a stray word in a numeric column,
//! and report each by line. (A quoted field spanning a chunk boundary would be
//! split; training logs do not quote newlines.)

use std::path::Path;

mod columns;
mod plain;
mod polars;
mod table;

pub use columns::{read_columns, Column};

use polars::read_chunks;
use table::sniff_separator;

use super::cells::strip_bom;
use super::chunks;
use super::detect::Format;
use super::IngestError;
use crate::model::Run;

/// Bytes of CSV handed to polars at once: enough to keep every core busy,
/// small enough that a file of many GB needs about this much memory beyond
/// the series kept.
pub const CHUNK_BYTES: usize = 32 << 20;

/// Reads a CSV already in memory: a table of plain numbers by [`plain`],
/// anything else by polars, chunk by chunk at line boundaries.
pub fn read(path: &Path, bytes: &[u8], format: Format) -> Result<Run, IngestError> {
    let text = strip_bom(bytes);
    if let Some(run) = plain::read(path, text, format, sniff_separator(text)) {
        return run;
    }
    read_in_chunks(path, bytes, format, CHUNK_BYTES)
}

pub(super) fn read_in_chunks(path: &Path, bytes: &[u8], format: Format, chunk_bytes: usize) -> Result<Run, IngestError> {
    let text = strip_bom(bytes);
    read_chunks(path, format, text.len() as u64, &mut chunks::in_memory(text, chunk_bytes), text.len() > chunk_bytes)
}

/// Reads a large CSV file: mapped into memory (its pages are the page cache's,
/// not a copy, and the kernel can drop them again), else from disk chunk by
/// chunk, never holding more than a chunk of its text.
pub fn read_streaming(path: &Path, file: std::fs::File, format: Format) -> Result<Run, IngestError> {
    // SAFETY: the map is only read, then dropped (on a thread of its own). Another process
    // truncating the file meanwhile would make reads past the new end fault (SIGBUS),
    // the risk every mapping reader takes (polars maps files too); a log still being
    // appended to is safe, as only the length at open is mapped.
    match unsafe { memmap2::MmapOptions::new().map(&file) } {
        Ok(map) => {
            let run = read(path, &map, format);
            // Unmapping a few hundred MB is tens of ms of page-table work: a thread of its own
            // does it while the rules run (should no thread start, it happens here).
            let _ = std::thread::Builder::new().name("unmap".into()).spawn(move || drop(map));
            run
        }
        Err(_) => stream_in_chunks(path, file, format, CHUNK_BYTES),
    }
}

fn stream_in_chunks(path: &Path, file: std::fs::File, format: Format, chunk_bytes: usize) -> Result<Run, IngestError> {
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    read_chunks(path, format, total, &mut chunks::from_file(path, file, chunk_bytes), total > chunk_bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
    }

    /// Chunk boundaries change nothing: every series, skip and note is the same as in one chunk.
    #[test]
    fn tiny_chunks_read_the_same_as_one_chunk() {
        for (rel, format) in [
            ("timm-summary/resumed_with_repeated_header.csv", Format::TimmSummary),
            ("real-logs/keras-csvlogger/irfanet-appended-restart_training_logs191017-5.log", Format::KerasCsvlogger),
            ("real-logs/keras-csvlogger/digit-recognizer-all-epoch-zero_history.csv", Format::KerasCsvlogger),
            ("real-logs/lightning-csv/opal-v2_version_0_metrics.csv", Format::LightningCsvlogger),
            ("real-logs/lightning-csv/contact-point-testtube-1481ep_metrics.csv", Format::LightningCsvlogger),
            ("bad/seven_bad_cells_of_100.csv", Format::Csv),
            ("bad/utf8_bom.csv", Format::Csv),
        ] {
            let path = fixture(rel);
            let bytes = std::fs::read(&path).unwrap();
            let whole = read_in_chunks(&path, &bytes, format, usize::MAX).unwrap();
            for chunk in [60, 257, 4096] {
                let parts = read_in_chunks(&path, &bytes, format, chunk).unwrap();
                assert_eq!(parts, whole, "{rel} in chunks of {chunk} bytes");
                let streamed = stream_in_chunks(&path, std::fs::File::open(&path).unwrap(), format, chunk).unwrap();
                assert_eq!(streamed, whole, "{rel} streamed in chunks of {chunk} bytes");
            }
        }
    }
}
