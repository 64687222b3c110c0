//! Event files read exactly as TensorBoard's own loader reads them: every
//! scalar tag, every (step, value) in order, for the 4 event files in
//! fixtures/real-logs/tensorboard and the 43 of fixtures/real-runs. The
//! expected values are fixtures/tensorboard-oracle/oracle.json, written by
//! make_oracle.py with tensorboard's plugin_event_accumulator (all points kept).

mod common;

use common::fixture;
use curvecheck::ingest::cells::sanitize_python_json;
use curvecheck::ingest::{read_file, ReadOptions};
use serde_json::Value;

#[test]
fn every_scalar_equals_tensorboards_event_accumulator() {
    let text = std::fs::read_to_string(fixture("tensorboard-oracle/oracle.json")).unwrap();
    let text = sanitize_python_json(&text).unwrap_or(text);
    let oracle: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(oracle.len(), 47);
    let mut points = 0;
    for (file, tags) in &oracle {
        let run = read_file(&fixture(file), &ReadOptions::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let tags = tags.as_object().unwrap();
        let ours: Vec<&str> = run.series.iter().map(|s| s.name.as_str()).collect();
        let theirs: Vec<&str> = tags.keys().map(String::as_str).collect();
        assert_eq!(ours.len(), theirs.len(), "{file}: tags {ours:?} vs {theirs:?}");
        for (tag, expected) in tags {
            let s = run.series_named(tag).unwrap_or_else(|| panic!("{file}: no tag {tag}"));
            let expected = expected.as_array().unwrap();
            assert_eq!(s.len(), expected.len(), "{file} {tag}: point count");
            for (i, p) in expected.iter().enumerate() {
                let step = p[0].as_f64().unwrap();
                let value = curvecheck::ingest::cells::json_number(&p[1]);
                let curvecheck::ingest::cells::Cell::Number(value) = value else { panic!("{file} {tag}[{i}]: {:?}", p[1]) };
                assert_eq!(s.x[i], step, "{file} {tag}[{i}]: step");
                let (a, b) = (s.values[i] as f32, value as f32);
                assert!(a == b || (a.is_nan() && b.is_nan()), "{file} {tag}[{i}]: {a} vs TensorBoard {b}");
                points += 1;
            }
        }
    }
    assert_eq!(points, 137_825);
}
