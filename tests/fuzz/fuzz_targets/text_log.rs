//! Any bytes, read as `run.log`, then diagnosed: no panic, no hang, no unbounded allocation.
#![no_main]

use curvecheck::ingest::{read_bytes, Format, ReadOptions};
use curvecheck::rules::{diagnose, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("run.log");
    // Detected from the content, forced to this reader, and with --skip-corrupt.
    let forced = ReadOptions { format: Some(Format::MmengineLog), ..Default::default() };
    let skipping = ReadOptions { skip_corrupt: true, ..forced.clone() };
    for opts in [ReadOptions::default(), forced, skipping] {
        if let Ok(runs) = read_bytes(path, data, &opts) {
            for run in &runs {
                let _ = diagnose(run, &Settings::default());
            }
        }
    }
});
