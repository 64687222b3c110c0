//! The plain-number reader against polars on every CSV fixture, and its edge cases.

use super::super::read_in_chunks;
use super::super::table::sniff_separator;
use super::*;
use crate::ingest::cells::strip_bom;
use crate::ingest::detect::{detect, Family};
use std::path::PathBuf;

fn csv_fixtures() -> Vec<(PathBuf, Vec<u8>, Format)> {
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    let mut out = Vec::new();
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            if let Ok(format) = detect(&p, &bytes) {
                if format.family() == Family::Csv {
                    out.push((p, bytes, format));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Same run, skips and notes as the polars reader, or the same error (NaN equal to NaN).
fn assert_same(fast: Result<Run, IngestError>, polars: Result<Run, IngestError>, what: &str) {
    match (fast, polars) {
        (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
        (a, b) => panic!("{what}: fast path {:?}, polars {:?}", a.map(|r| r.series.len()), b.map(|r| r.series.len())),
    }
}

/// Every CSV fixture this reader takes (real logs of every logger, constructed
/// ones) reads exactly as polars reads it, in one part and cut in three.
#[test]
fn every_fixture_it_takes_reads_as_polars_does() {
    let fixtures = csv_fixtures();
    let mut taken = 0;
    for (path, bytes, format) in &fixtures {
        let text = strip_bom(bytes);
        let polars = || read_in_chunks(path, bytes, *format, usize::MAX);
        for parts in [1, 3] {
            if let Some(fast) = read_in_parts(path, text, *format, sniff_separator(text), parts) {
                assert_same(fast, polars(), &format!("{} in {parts} parts", path.display()));
                taken += usize::from(parts == 1);
            }
        }
    }
    // Most logs are plain numbers: if this reader stepped aside from nearly all, it would test nothing.
    assert!(taken * 2 > fixtures.len(), "fast path took {taken} of {} CSV fixtures", fixtures.len());
}

fn fast(text: &str, parts: usize) -> Option<Result<Run, IngestError>> {
    read_in_parts(Path::new("t.csv"), text.as_bytes(), Format::Csv, sniff_separator(text.as_bytes()), parts)
}

fn same_as_polars(text: &str) {
    for parts in [1, 2, 4] {
        let got = fast(text, parts).unwrap_or_else(|| panic!("fast path stepped aside from {text:?}"));
        assert_same(got, read_in_chunks(Path::new("t.csv"), text.as_bytes(), Format::Csv, usize::MAX), text);
    }
}

#[test]
fn sparse_columns_crlf_nan_and_a_last_line_without_newline() {
    same_as_polars("step,epoch,loss,val_loss\n0,0,2.3,\n1,0,2.2,2.4\n2,1,nan,\n3,1,inf,2.1\n4,,1.5e-1,\n");
    same_as_polars("step,loss,lr\r\n0,1.0,0.1\r\n1,0.9,0.1\r\n2,0.8,0.01");
    same_as_polars("epoch\tloss\tacc\n0\t1.0\t0.5\n1\t0.5\t0.7\n");
    // Every row says epoch 0 (Keras CSVLogger appended by one fit() per epoch): renumbered.
    same_as_polars("epoch,loss\n0,1.0\n0,0.9\n0,0.8\n");
    // A column that is empty on every row, and one with no number at all besides the step.
    same_as_polars("step,loss,unused\n0,1.0,\n1,0.9,\n");
    // A resumed run: the step goes back.
    same_as_polars("step,loss\n0,1.0\n1,0.9\n2,0.8\n1,0.7\n2,0.6\n");
}

/// What the fast path does not take is left to polars, which reports it by line.
#[test]
fn steps_aside_from_anything_but_plain_numbers() {
    let dense_then_missing = {
        let mut t = String::from("step,loss\n");
        for i in 0..SAMPLE_ROWS + 10 {
            t.push_str(&format!("{i},{}\n", if i == SAMPLE_ROWS + 5 { String::new() } else { "0.5".into() }));
        }
        t
    };
    for text in [
        "step,loss\n0,\"1.0\"\n1,0.9\n",
        "step,loss\n0,1.0\n1,NA\n",
        "step,loss\n0, 1.0\n",
        "step,loss\n0,1.0,7\n1,0.9\n",
        "step,loss,acc\n0,1.0\n",
        "step,loss\n0,1.0\n\n1,0.9\n",
        "step,loss\n0,1.0\nnan,0.9\n",
        "step,loss\n,1.0\n1,0.9\n",
        "step,loss\n0,1.0\nstep,loss\n1,0.9\n",
        "step,loss,loss\n0,1.0,2.0\n",
        "\"step\",loss\n0,1.0\n",
        "loss,acc\n1.0,0.5\n",
        "step,loss\n",
        dense_then_missing.as_str(),
    ] {
        for parts in [1, 3] {
            assert!(fast(text, parts).is_none(), "fast path took {text:?} in {parts} parts");
        }
    }
}

use proptest::prelude::*;

proptest! {
    /// Random plain tables (numbers in every spelling polars takes, sparse columns,
    /// steps that go back) read exactly as polars reads them.
    #[test]
    fn random_plain_tables_read_as_polars_does(
        rows in prop::collection::vec(
            (0u32..50, prop::collection::vec(prop::option::weighted(0.7, prop_oneof![
                (-1e6f64..1e6).prop_map(|v| format!("{v}")),
                (-1e-3f64..1e-3).prop_map(|v| format!("{v:e}")),
                (0u32..1000).prop_map(|v| v.to_string()),
                prop::sample::select(vec!["nan", "NaN", "inf", "-inf", "-0.0", "1e308", ".5", "5."]).prop_map(String::from),
            ]), 3)),
            1..60,
        ),
        parts in 1usize..4,
    ) {
        let mut text = String::from("step,loss,acc,lr\n");
        for (step, cells) in &rows {
            let cells: Vec<&str> = cells.iter().map(|c| c.as_deref().unwrap_or("")).collect();
            text.push_str(&format!("{step},{}\n", cells.join(",")));
        }
        let polars = read_in_chunks(Path::new("t.csv"), text.as_bytes(), Format::Csv, usize::MAX);
        if let Some(got) = fast(&text, parts) {
            let (a, b) = (got.map(|r| format!("{r:?}")), polars.map(|r| format!("{r:?}")));
            prop_assert_eq!(a.map_err(|e| e.to_string()), b.map_err(|e| e.to_string()));
        } else {
            // Stepping aside is only for a dense column missing a cell after the sampled rows.
            prop_assert!(rows.len() > SAMPLE_ROWS, "stepped aside from {:?}", text);
        }
    }
}

#[test]
fn parts_end_at_line_ends_and_cover_the_text() {
    let text = b"1,2\n3,4\n5,6\n7,8";
    for n in 1..6 {
        let parts = split_at_lines(text, n);
        assert_eq!(parts.concat(), text.to_vec());
        assert!(parts[..parts.len() - 1].iter().all(|p| p.ends_with(b"\n")));
        assert_eq!(parts.iter().map(|p| count_lines(p)).sum::<usize>(), 4);
    }
}
