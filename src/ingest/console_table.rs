//! Ultralytics' console tables: a header of names, then rows of numbers under
//! them, as its trainer prints them (no `key: value` pairs to read):
//!
//! ```text
//!       Epoch    GPU_mem   box_loss   cls_loss   dfl_loss  Instances       Size
//!         1/6         0G      2.428      2.028      1.498         11         64: 100% ━━━━ 4/4 6.4it/s
//!                  Class     Images  Instances      Box(P          R      mAP50  mAP50-95): 100% ━━━━ 1/1
//!                    all          8          9      0.677      0.556      0.622      0.436
//! ```
//!
//! A training row (`1/6` first) is a point at that epoch, its columns named as
//! Ultralytics' own results.csv names them (`train/box_loss`); the validation
//! table's `all` row belongs to the epoch trained just before it, its
//! `Box(P R mAP50 mAP50-95)` columns named `metrics/precision(B)` … as in
//! results.csv. Per-class rows and the last validation of the best weights
//! (after training, no epoch of its own) are not points.

/// A table header seen: the columns its rows fill.
#[derive(Debug, Clone, PartialEq)]
pub enum Header {
    /// `Epoch GPU_mem box_loss …`: the training columns after `Epoch`.
    Train(Vec<String>),
    /// `Class Images Instances Box(P R mAP50 mAP50-95)`: the columns after `Class`.
    Val(Vec<String>),
}

/// The header a line is, if it is one.
pub fn header(line: &str) -> Option<Header> {
    // The validation header is also a progress bar: `…mAP50-95): 100% ━━ 1/1`; its names end at the colon.
    let head = line.split_once("): ").map_or(line, |(names, _)| names);
    let words: Vec<&str> = head.split_whitespace().collect();
    if words.len() < 3 || words.iter().any(|w| w.parse::<f64>().is_ok()) {
        return None;
    }
    match words[0] {
        "Epoch" if words.iter().any(|w| w.ends_with("_loss")) => {
            Some(Header::Train(words[1..].iter().map(|w| format!("train/{w}")).collect()))
        }
        "Class" if words.contains(&"Images") => {
            let mut names = Vec::new();
            let mut suffix = "";
            for w in &words[1..] {
                let w = w.trim_end_matches(':');
                let w = if let Some((kind, first)) = w.split_once('(') {
                    suffix = if kind == "Mask" {
                        "(M)"
                    } else if kind == "Pose" {
                        "(P)"
                    } else {
                        "(B)"
                    };
                    first
                } else {
                    w
                };
                let w = w.trim_end_matches(')');
                names.push(match w {
                    "P" => format!("metrics/precision{suffix}"),
                    "R" => format!("metrics/recall{suffix}"),
                    "mAP50" | "mAP50-95" => format!("metrics/{w}{suffix}"),
                    other => format!("val/{other}"),
                });
            }
            Some(Header::Val(names))
        }
        _ => None,
    }
}

/// A training row under `names`: its epoch and the numbers of its columns.
pub fn train_row(line: &str, names: &[String]) -> Option<(f64, Vec<(String, f64)>)> {
    let head = line.split(": ").next()?;
    let mut words = head.split_whitespace();
    let (epoch, _) = words.next()?.split_once('/')?;
    let epoch: f64 = epoch.parse().ok()?;
    let values = names.iter().zip(words).filter_map(|(n, w)| Some((n.clone(), w.parse::<f64>().ok()?))).collect::<Vec<_>>();
    (!values.is_empty()).then_some((epoch, values))
}

/// The `all` row of a validation table under `names`.
pub fn val_row(line: &str, names: &[String]) -> Option<Vec<(String, f64)>> {
    let mut words = line.split_whitespace();
    if words.next()? != "all" {
        return None;
    }
    let values: Vec<(String, f64)> = names.iter().zip(words).filter_map(|(n, w)| Some((n.clone(), w.parse::<f64>().ok()?))).collect();
    (values.len() == names.len()).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ultralytics_epoch_row_is_read_under_its_header() {
        let Some(Header::Train(names)) = header("      Epoch    GPU_mem   box_loss   cls_loss   dfl_loss  Instances       Size") else {
            panic!("not a header")
        };
        let (epoch, values) =
            train_row("        1/6         0G      2.428      2.028      1.498         11         64: 100% ━━ 4/4", &names).unwrap();
        assert_eq!(epoch, 1.0);
        assert_eq!(values[0], ("train/box_loss".to_string(), 2.428));
        let Some(Header::Val(names)) = header("  Class     Images  Instances      Box(P          R      mAP50  mAP50-95): 100% ━━ 1/1")
        else {
            panic!("not a header")
        };
        let row = val_row("                   all          8          9      0.677      0.556      0.622      0.436", &names).unwrap();
        assert_eq!(row[5], ("metrics/mAP50-95(B)".to_string(), 0.436));
        assert!(val_row("  red  4  4  0 0 0 0", &names).is_none());
    }
}
