//! Adding a chunk's points to the run read so far, as if both had been read
//! in one go: series are matched by name and axis, and when a chunk starts
//! before the run's last x (a trainer resumed from a checkpoint and appended
//! to its log) TensorBoard's rule applies across the seam, as
//! [`crate::model::resolve_restarts`] applies it inside one read: the later
//! points replace every earlier one at or beyond the new x.
//!
//! The cost is that of the chunk: x columns are owned by their series (made
//! unshared once, when a series first arrives), so appending never copies
//! what was read before.

use std::sync::Arc;

use crate::model::{Restart, Role, Run, Series};

/// Adds `chunk` (points that came after everything in `run`) to `run`.
pub fn append(run: &mut Run, chunk: Run) {
    let base_records = run.records;
    run.records += chunk.records;
    let untold = chunk.skipped_count - chunk.skipped.len();
    for s in chunk.skipped {
        run.skip(s.location, s.reason);
    }
    run.skipped_count += untold;
    for note in chunk.notes {
        if !run.notes.contains(&note) {
            run.notes.push(note);
        }
    }
    run.headline = chunk.headline.or(run.headline.take());
    run.epoch_is_progress |= chunk.epoch_is_progress;
    for s in chunk.series {
        match run.series.iter_mut().find(|a| a.name == s.name && a.axis == s.axis) {
            Some(a) => extend(a, s, base_records),
            None => run.series.push(owned(s)),
        }
    }
}

/// A series whose x (and epoch) no other series shares, so later appends grow it in place.
fn owned(mut s: Series) -> Series {
    Arc::make_mut(&mut s.x);
    if let Some(e) = s.epoch.as_mut() {
        Arc::make_mut(e);
    }
    s
}

fn extend(a: &mut Series, s: Series, record: usize) {
    if let (Some(&last), Some(&first)) = (a.x.last(), s.x.first()) {
        if first < last {
            let cut = a.x.partition_point(|&x| x < first);
            let replaced = a.len() - cut;
            truncate(a, cut);
            a.restarts.push(Restart { record, from_x: last, to_x: first, replaced });
        }
    }
    // An epoch or wall-time column that only one side has cannot be kept aligned: it is dropped.
    match (a.epoch.as_mut(), s.epoch.as_ref()) {
        (Some(ae), Some(se)) => Arc::make_mut(ae).extend_from_slice(se),
        (Some(_), None) => a.epoch = None,
        _ => {}
    }
    match (a.wall_time.as_mut(), s.wall_time.as_ref()) {
        (Some(aw), Some(sw)) => aw.extend_from_slice(sw),
        (Some(_), None) => a.wall_time = None,
        _ => {}
    }
    Arc::make_mut(&mut a.x).extend_from_slice(&s.x);
    a.values.extend_from_slice(&s.values);
    a.restarts.extend(s.restarts.into_iter().map(|r| Restart { record: r.record + record, ..r }));
    a.preferred |= s.preferred;
}

fn truncate(a: &mut Series, n: usize) {
    Arc::make_mut(&mut a.x).truncate(n);
    if let Some(e) = a.epoch.as_mut() {
        Arc::make_mut(e).truncate(n);
    }
    if let Some(w) = a.wall_time.as_mut() {
        w.truncate(n);
    }
    a.values.truncate(n);
}

/// Gives `--metric` roles to the series that exist so far; a name not logged yet is not an error while a log grows.
pub fn apply_roles(run: &mut Run, roles: &[(Role, String)]) {
    for (role, name) in roles {
        for s in run.series.iter_mut().filter(|s| &s.name == name) {
            s.role = *role;
            s.preferred = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Axis, LogFormat};

    fn run(x: &[f64], v: &[f64]) -> Run {
        let mut r = Run::new("r", "r.csv", LogFormat::Csv);
        let mut s = Series::new("loss", Axis::Step);
        s.x = Arc::new(x.to_vec());
        s.values = v.to_vec();
        r.series.push(s);
        r.records = x.len();
        r
    }

    #[test]
    fn appended_points_follow_the_earlier_ones() {
        let mut r = run(&[1.0, 2.0], &[0.9, 0.8]);
        append(&mut r, run(&[3.0, 4.0], &[0.7, 0.6]));
        let s = r.series_named("loss").unwrap();
        assert_eq!((s.x.to_vec(), s.values.clone()), (vec![1.0, 2.0, 3.0, 4.0], vec![0.9, 0.8, 0.7, 0.6]));
        assert_eq!(r.records, 4);
    }

    #[test]
    fn a_chunk_that_goes_back_replaces_the_overlap_as_a_whole_read_would() {
        let mut r = run(&[1.0, 2.0, 3.0], &[0.9, 0.8, 0.7]);
        append(&mut r, run(&[2.0, 3.0], &[0.5, 0.4]));
        let s = r.series_named("loss").unwrap();
        assert_eq!((s.x.to_vec(), s.values.clone()), (vec![1.0, 2.0, 3.0], vec![0.9, 0.5, 0.4]));
        assert_eq!(s.restarts, vec![Restart { record: 3, from_x: 3.0, to_x: 2.0, replaced: 2 }]);
    }

    #[test]
    fn a_new_series_arrives_with_its_own_x() {
        let mut r = run(&[1.0], &[0.9]);
        let mut later = run(&[2.0], &[0.8]);
        let mut val = later.series[0].clone();
        val.name = "val_loss".into();
        later.series.insert(0, val);
        append(&mut r, later);
        assert_eq!(Arc::strong_count(&r.series_named("val_loss").unwrap().x), 1);
    }
}
