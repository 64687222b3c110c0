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

/// Every file of the bad-input corpus, with the outcome written in fixtures/bad/expected.tsv.
#[test]
fn every_bad_input_has_its_expected_outcome_and_none_panics() {
    let table = std::fs::read_to_string(fixture("bad/expected.tsv")).unwrap();
    let mut listed = std::collections::BTreeSet::new();
    for line in table.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        let (file, code, fragment) = (cols[0], cols[1].parse::<i32>().unwrap(), cols[2]);
        listed.insert(file.to_string());
        let out = Command::cargo_bin("curvecheck")
            .unwrap()
            .args(["inspect", "--format", "json"])
            .arg(fixture(&format!("bad/{file}")))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{file}: stderr {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(if code == 0 { &out.stdout } else { &out.stderr });
        assert!(text.contains(fragment), "{file}: expected '{fragment}' in:\n{text}");
        if code == 2 {
            assert!(text.contains(file.rsplit('/').next().unwrap()), "{file}: the message names the file");
        }
    }
    // Every data file in the corpus is listed (scripts and the table itself are not data).
    for dir in ["bad", "bad/tfevents"] {
        for e in std::fs::read_dir(fixture(dir)).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if dir == "bad" { name.clone() } else { format!("tfevents/{name}") };
            if e.path().is_file() && !name.ends_with(".py") && name != "expected.tsv" {
                assert!(listed.contains(&rel), "{rel} has no expected outcome in expected.tsv");
            }
        }
    }
    assert!(listed.len() >= 40, "{} files", listed.len());
}

#[test]
fn k_malformed_rows_of_n_are_reported_by_line_and_the_rest_all_read() {
    let run = read_file(&fixture("bad/seven_bad_cells_of_100.csv"), &ReadOptions::default()).unwrap();
    assert_eq!(run.records, 100);
    assert_eq!(run.skipped_count, 7);
    let lines: Vec<&str> = run.skipped.iter().map(|s| s.location.as_str()).collect();
    let expected: Vec<String> = [7, 19, 35, 50, 63, 79, 94].iter().map(|l| format!("line {l}, column 'loss'")).collect();
    assert_eq!(lines, expected);
    assert_eq!(run.series_named("loss").unwrap().len(), 93);
    assert_eq!(run.series_named("val_loss").unwrap().len(), 100);
}

#[test]
fn strict_turns_a_skipped_cell_into_exit_2() {
    let f = fixture("bad/seven_bad_cells_of_100.csv");
    Command::cargo_bin("curvecheck").unwrap().arg("inspect").arg(&f).assert().code(0);
    Command::cargo_bin("curvecheck")
        .unwrap()
        .args(["inspect", "--strict"])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("7 record(s) or cell(s) could not be used (first: line 7, column 'loss'"));
}

#[test]
fn a_50_mb_single_line_is_read_without_trouble() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge_line.jsonl");
    let pad = "x".repeat(50 * 1024 * 1024);
    std::fs::write(&path, format!("{{\"step\": 1, \"loss\": 1.0, \"note\": \"{pad}\"}}\n{{\"step\": 2, \"loss\": 0.5}}\n")).unwrap();
    let run = read_file(&path, &ReadOptions::default()).unwrap();
    assert_eq!(run.series_named("loss").unwrap().values, vec![1.0, 0.5]);
    assert!(run.notes.iter().any(|n| n.contains("'note' holds text")));
}

#[test]
fn a_symlink_loop_in_a_run_directory_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("real-runs/dev_healthy_mce_adam_cos/training_log.csv"), dir.path().join("training_log.csv")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let read = curvecheck::ingest::read_path(dir.path(), &ReadOptions::default());
    assert_eq!(read.runs.len(), 1);
    assert!(read.errors.is_empty());
}

#[test]
fn a_directory_without_logs_is_an_error_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "nothing here").unwrap();
    Command::cargo_bin("curvecheck")
        .unwrap()
        .arg("diagnose")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("directory holds no training log"));
}

/// A CSV over 32 MB is read from a mapping of the file, not copied into memory:
/// its plain rows come out as from memory, and a word in its last row makes
/// polars take over and report that row by line.
#[test]
fn a_csv_over_32_mb_reads_as_from_memory_and_reports_a_late_bad_cell() {
    use std::fmt::Write;
    let rows = 1_050_000;
    let mut text = String::from("step,epoch,train_loss,lr,val_loss\n");
    for i in 0..rows {
        let t = i as f64 / rows as f64;
        let val = if i % 1000 == 999 { format!("{:.6}", 0.3 + 2.0 * (-5.0 * t).exp()) } else { String::new() };
        writeln!(text, "{i},{},{:.6},{:.6e},{val}", i / 1000, 0.2 + 2.1 * (-5.0 * t).exp(), 0.1 * (1.0 - t) + 1e-6).unwrap();
    }
    assert!(text.len() > 32 << 20, "large enough for the mapped reader: {} bytes", text.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &text).unwrap();
    let opts = ReadOptions::default();
    let mapped = read_file(&path, &opts).unwrap();
    let in_memory = curvecheck::ingest::read_bytes(&path, text.as_bytes(), &opts).unwrap().remove(0);
    assert_eq!(mapped, in_memory);
    assert_eq!(mapped.series_named("train_loss").unwrap().len(), rows);
    assert_eq!(mapped.series_named("val_loss").unwrap().len(), rows / 1000);
    assert_eq!(mapped.skipped_count, 0);

    // The last row's loss becomes a word: the row's other cells still count, the word is reported by line.
    let last_line = text.trim_end().rsplit('\n').next().unwrap().to_string();
    let bad_line = last_line.replacen(&last_line.split(',').nth(2).unwrap().to_string(), "oops", 1);
    let text = format!("{}{bad_line}\n", &text[..text.len() - last_line.len() - 1]);
    std::fs::write(&path, &text).unwrap();
    let run = read_file(&path, &opts).unwrap();
    assert_eq!(run.skipped_count, 1);
    assert_eq!(run.skipped[0].location, format!("line {}, column 'train_loss'", rows + 1));
    assert_eq!(run.series_named("train_loss").unwrap().len(), rows - 1);
    assert_eq!(run.series_named("lr").unwrap().len(), rows);
}
