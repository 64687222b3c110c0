//! Corrupt and malformed inputs: a clear message naming the file and the place,
//! exit code 2, never a panic; what is still readable is read and the loss reported.

mod common;

use assert_cmd::Command;
use common::fixture;
use curvecheck::ingest::{read_file, ReadOptions};
use predicates::prelude::*;

fn bad(name: &str) -> std::path::PathBuf {
    fixture(&format!("bad/tfevents/events.out.tfevents.{name}"))
}

#[test]
fn a_flipped_payload_byte_is_an_error_naming_the_record_offset() {
    let err = read_file(&bad("flipped_payload_byte"), &ReadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("byte 3049 (record 40)") && err.contains("data checksum mismatch"), "{err}");
    let err = read_file(&bad("flipped_length_byte"), &ReadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("byte 3049 (record 40)") && err.contains("length checksum mismatch"), "{err}");
}

#[test]
fn skip_corrupt_reads_on_past_a_bad_record_and_reports_it() {
    let opts = ReadOptions { skip_corrupt: true, ..Default::default() };
    let run = read_file(&bad("flipped_payload_byte"), &opts).unwrap();
    assert_eq!(run.records, 80, "81 records, one skipped");
    assert_eq!(run.skipped_count, 1);
    assert!(run.skipped[0].reason.contains("data checksum mismatch"));
    let run = read_file(&bad("flipped_length_byte"), &opts).unwrap();
    assert_eq!(run.records, 40, "nothing after a bad length can be framed");
}

#[test]
fn a_file_cut_off_mid_record_reads_every_complete_record() {
    for (name, records) in [("cut_mid_record", 60), ("cut_mid_header", 60)] {
        let run = read_file(&bad(name), &ReadOptions::default()).unwrap();
        assert_eq!(run.records, records, "{name}");
        assert_eq!(run.skipped_count, 1, "{name}");
        assert!(run.skipped[0].reason.contains("cut off"), "{name}: {:?}", run.skipped);
    }
}

#[test]
fn a_record_length_of_2_pow_63_is_not_allocated() {
    let run = read_file(&bad("length_2_pow_63"), &ReadOptions::default()).unwrap();
    assert_eq!(run.records, 10);
    assert!(run.skipped[0].reason.contains("9223372036854775808"));
}

#[test]
fn empty_random_and_lfs_pointer_event_files_exit_2_with_a_reason() {
    for (name, fragment) in [("zero_length", "file is empty"), ("random_bytes", "binary"), ("lfs_pointer", "Git LFS pointer")] {
        Command::cargo_bin("curvecheck")
            .unwrap()
            .arg("diagnose")
            .arg(bad(name))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(fragment))
            .stderr(predicate::str::contains(name));
    }
}

#[test]
fn a_truncated_json_lines_file_keeps_its_complete_lines() {
    let run = read_file(&fixture("bad/jsonl_last_line_cut.jsonl"), &ReadOptions::default()).unwrap();
    assert_eq!(run.series_named("loss").unwrap().values, vec![2.0, 1.5]);
    assert!(run.skipped[0].reason.contains("cut off"));
}

#[test]
fn a_resumed_timm_summary_skips_the_repeated_header_and_says_so() {
    let run = read_file(&fixture("timm-summary/resumed_with_repeated_header.csv"), &ReadOptions::default()).unwrap();
    assert_eq!(run.format, "timm-summary");
    assert_eq!(run.series_named("eval_top1").unwrap().values, vec![40.0, 50.0, 55.0, 58.0]);
    assert_eq!(run.skipped[0].location, "line 4");
    assert!(run.skipped[0].reason.contains("header repeated"));
}
