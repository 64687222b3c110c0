//! TensorBoard event files (`events.out.tfevents.*`): TFRecord framing around
//! `Event` protobufs, of which only scalar summaries are read.
//!
//! Framing per record (little-endian): `u64 length`, `u32 masked_crc32c(length)`,
//! `length` payload bytes, `u32 masked_crc32c(payload)`, with
//! `masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8`. A record cut off at the
//! end of the file is a run still writing (or killed), so it is reported, not an
//! error; a checksum mismatch before the end is corruption and is an error.
//! Scalars come as `simple_value` (PyTorch, tensorboardX) or as a rank-0
//! float/double/half tensor (TF2, Keras), as rustboard's `data_compat.rs` reads them.
//! The hparams plugin's session-start record (Keras' `hp.KerasCallback`,
//! tensorboardX's `hparams`) gives the run's hyperparameters.

use std::path::Path;

use prost::Message;

use super::builder::SeriesBuilder;
use super::IngestError;
use crate::model::LogFormat;
use crate::model::{Axis, RepeatedX, Run};

const CRC_MASK_DELTA: u32 = 0xa282_ead8;
const HEADER_LEN: usize = 12;

fn masked_crc(data: &[u8]) -> u32 {
    let c = crc32c::crc32c(data);
    (c.rotate_right(15)).wrapping_add(CRC_MASK_DELTA)
}

/// True when the first record header's length checksum is right: a TFRecord file.
pub fn looks_like_tfrecord(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER_LEN && masked_crc(&bytes[..8]) == u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]])
}

#[derive(Clone, PartialEq, Message)]
struct Event {
    #[prost(double, tag = "1")]
    wall_time: f64,
    #[prost(int64, tag = "2")]
    step: i64,
    #[prost(message, optional, tag = "5")]
    summary: Option<Summary>,
}

#[derive(Clone, PartialEq, Message)]
struct Summary {
    #[prost(message, repeated, tag = "1")]
    value: Vec<SummaryValue>,
}

#[derive(Clone, PartialEq, Message)]
struct SummaryValue {
    #[prost(string, tag = "1")]
    tag: String,
    #[prost(float, optional, tag = "2")]
    simple_value: Option<f32>,
    #[prost(message, optional, tag = "8")]
    tensor: Option<TensorProto>,
    #[prost(message, optional, tag = "9")]
    metadata: Option<SummaryMetadata>,
}

#[derive(Clone, PartialEq, Message)]
struct SummaryMetadata {
    #[prost(message, optional, tag = "1")]
    plugin_data: Option<PluginData>,
}

#[derive(Clone, PartialEq, Message)]
struct PluginData {
    #[prost(string, tag = "1")]
    plugin_name: String,
    #[prost(bytes = "vec", tag = "2")]
    content: Vec<u8>,
}

/// tensorboard/plugins/hparams/plugin_data.proto: only the session start is read.
#[derive(Clone, PartialEq, Message)]
struct HParamsPluginData {
    #[prost(message, optional, tag = "3")]
    session_start_info: Option<SessionStartInfo>,
}

#[derive(Clone, PartialEq, Message)]
struct SessionStartInfo {
    #[prost(map = "string, message", tag = "1")]
    hparams: std::collections::HashMap<String, ProtoValue>,
}

/// google.protobuf.Value: its oneof read as optional fields (a number, a string, a bool).
#[derive(Clone, PartialEq, Message)]
struct ProtoValue {
    #[prost(double, optional, tag = "2")]
    number_value: Option<f64>,
    #[prost(string, optional, tag = "3")]
    string_value: Option<String>,
    #[prost(bool, optional, tag = "4")]
    bool_value: Option<bool>,
}

/// The hyperparameters of an hparams-plugin summary, if it is a session start.
fn session_hparams(v: &SummaryValue) -> Option<Vec<(String, crate::model::HValue)>> {
    use crate::model::HValue;
    let p = v.metadata.as_ref()?.plugin_data.as_ref()?;
    if p.plugin_name != "hparams" {
        return None;
    }
    let data = HParamsPluginData::decode(p.content.as_slice()).ok()?;
    let info = data.session_start_info?;
    Some(
        info.hparams
            .into_iter()
            .filter_map(|(k, v)| {
                let value = match (v.number_value, v.string_value, v.bool_value) {
                    (Some(x), _, _) => HValue::Number(x),
                    (_, Some(s), _) => HValue::Text(s),
                    (_, _, Some(b)) => HValue::Bool(b),
                    _ => return None,
                };
                Some((k, value))
            })
            .collect(),
    )
}

fn is_hparams_plugin(v: &SummaryValue) -> bool {
    v.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()).is_some_and(|p| p.plugin_name == "hparams")
}

#[derive(Clone, PartialEq, Message)]
struct TensorProto {
    #[prost(int32, tag = "1")]
    dtype: i32,
    #[prost(message, optional, tag = "2")]
    tensor_shape: Option<TensorShape>,
    #[prost(bytes = "vec", tag = "4")]
    tensor_content: Vec<u8>,
    #[prost(float, repeated, tag = "5")]
    float_val: Vec<f32>,
    #[prost(double, repeated, tag = "6")]
    double_val: Vec<f64>,
    #[prost(int32, repeated, tag = "13")]
    half_val: Vec<i32>,
}

#[derive(Clone, PartialEq, Message)]
struct TensorShape {
    #[prost(message, repeated, tag = "2")]
    dim: Vec<Dim>,
}

#[derive(Clone, PartialEq, Message)]
struct Dim {
    #[prost(int64, tag = "1")]
    size: i64,
}

const DT_FLOAT: i32 = 1;
const DT_DOUBLE: i32 = 2;
const DT_HALF: i32 = 19;

/// The scalar a summary value holds, if it holds one.
fn scalar(v: &SummaryValue) -> Option<f64> {
    if let Some(x) = v.simple_value {
        return Some(f64::from(x));
    }
    let t = v.tensor.as_ref()?;
    let plugin = v.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()).map(|p| p.plugin_name.as_str()).unwrap_or("");
    if !(plugin.is_empty() || plugin == "scalars") || t.tensor_shape.as_ref().is_some_and(|s| !s.dim.is_empty()) {
        return None;
    }
    let c = &t.tensor_content;
    match t.dtype {
        DT_FLOAT if c.len() == 4 => Some(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
        DT_FLOAT => t.float_val.first().map(|&x| f64::from(x)),
        DT_DOUBLE if c.len() == 8 => Some(f64::from_le_bytes(c[..8].try_into().ok()?)),
        DT_DOUBLE => t.double_val.first().copied(),
        DT_HALF if c.len() == 2 => Some(half_to_f64(u16::from_le_bytes([c[0], c[1]]))),
        DT_HALF => t.half_val.first().map(|&h| half_to_f64(h as u16)),
        _ => None,
    }
}

/// IEEE 754 binary16 to f64.
fn half_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f64::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// Reads one event file as a run.
pub fn read(path: &Path, bytes: &[u8], skip_corrupt: bool) -> Result<Run, IngestError> {
    let mut run = Run::new("", path.display().to_string(), LogFormat::Tfevents);
    let mut acc = Accumulator::default();
    read_records(path, bytes, bytes.len() as u64, &mut run, &mut acc, skip_corrupt)?;
    acc.finish(path, run)
}

/// Reads whole records of an event file that is still being written (see
/// [`complete_records`]): like [`read`], but records without scalars (the
/// file-version record a writer starts with) give an empty run, not an error.
pub fn read_chunk(path: &Path, bytes: &[u8], skip_corrupt: bool) -> Result<Run, IngestError> {
    let mut run = Run::new("", path.display().to_string(), LogFormat::Tfevents);
    let mut acc = Accumulator::default();
    read_records(path, bytes, bytes.len() as u64, &mut run, &mut acc, skip_corrupt)?;
    run.series = acc.builder.finish();
    Ok(run)
}

/// How many leading bytes of `bytes` are whole records: a record whose header or
/// body has not fully arrived is waited for. A header whose length checksum fails
/// is handed on whole (everything from it), so the reader reports it.
pub fn complete_records(bytes: &[u8]) -> usize {
    let mut pos = 0usize;
    while bytes.len() - pos >= HEADER_LEN {
        let h = &bytes[pos..pos + HEADER_LEN];
        if masked_crc(&h[..8]) != u32::from_le_bytes([h[8], h[9], h[10], h[11]]) {
            return bytes.len();
        }
        let len = u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
        let total = (HEADER_LEN as u64).saturating_add(len).saturating_add(4);
        if total > (bytes.len() - pos) as u64 {
            break;
        }
        pos += total as usize;
    }
    pos
}

/// Reads the event files of one run directory (`files` in name order, which
/// is time order: the names carry the writer's start time), as TensorBoard
/// does: a `train/` or `validation/` sub-directory names the split of its
/// tags, and a later file's records replace the overlapped steps of earlier ones.
pub fn read_dir_run(dir: &Path, files: &[std::path::PathBuf], skip_corrupt: bool) -> Result<Run, IngestError> {
    let mut run = Run::new("", dir.display().to_string(), LogFormat::Tfevents);
    let mut acc = Accumulator::default();
    for f in files {
        let io = |source| IngestError::Io { path: f.display().to_string(), source };
        let file = std::fs::File::open(f).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        read_records(f, std::io::BufReader::with_capacity(1 << 20, file), size, &mut run, &mut acc, skip_corrupt)?;
    }
    if files.len() > 1 {
        run.notes.push(format!("{} event files merged (later records replace overlapped steps)", files.len()));
    }
    acc.finish(dir, run)
}

/// Reads one event file from disk without holding it whole.
pub fn read_streaming(path: &Path, skip_corrupt: bool) -> Result<Run, IngestError> {
    let mut run = read_dir_run(path, &[path.to_path_buf()], skip_corrupt)?;
    run.source = path.display().to_string();
    Ok(run)
}

/// Points gathered across files.
struct Accumulator {
    builder: SeriesBuilder,
    non_scalar_tags: std::collections::BTreeSet<String>,
    hparams: std::collections::BTreeMap<String, crate::model::HValue>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator { builder: SeriesBuilder::new(RepeatedX::Keep), non_scalar_tags: Default::default(), hparams: Default::default() }
    }
}

impl Accumulator {
    fn finish(self, path: &Path, mut run: Run) -> Result<Run, IngestError> {
        if !self.non_scalar_tags.is_empty() {
            let list: Vec<_> = self.non_scalar_tags.into_iter().take(10).collect();
            run.notes.push(format!("non-scalar summaries (images, histograms, text) not read: {}", list.join(", ")));
        }
        if !self.hparams.is_empty() {
            run.hparams.values = self.hparams;
            run.hparams.source = Some("TensorBoard hparams plugin".into());
        }
        run.series = self.builder.finish();
        if run.series.is_empty() {
            return Err(IngestError::malformed(path, None, "event file holds no scalar summaries"));
        }
        Ok(run)
    }
}

/// The split a writer's directory names: Keras TF2 writes `train/` and `validation/` with the same tags.
fn dir_split(path: &Path) -> Option<String> {
    path.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().to_ascii_lowercase()).filter(|n| SPLIT_DIRS.contains(&n.as_str()))
}

/// Directory names that hold one split of a run rather than a run.
pub const SPLIT_DIRS: &[&str] = &["train", "validation", "val", "eval", "test"];

/// Reads every record. A checksum mismatch is an error naming the byte offset,
/// unless `skip_corrupt`: then a record with a bad payload is skipped (its
/// length was checked, so reading resumes at the next record) and a bad length
/// ends the file (nothing after it can be framed), both reported.
fn read_records<R: std::io::Read>(
    path: &Path,
    mut input: R,
    size: u64,
    run: &mut Run,
    acc: &mut Accumulator,
    skip_corrupt: bool,
) -> Result<(), IngestError> {
    let split = dir_split(path);
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let io = |source| IngestError::Io { path: path.display().to_string(), source };
    let mut header = [0u8; HEADER_LEN];
    let mut crc = [0u8; 4];
    // One buffer for every payload: at most the bytes the file still holds, never what a length claims.
    let mut payload: Vec<u8> = Vec::new();
    let mut pos = 0u64;
    let mut index = 0usize;
    while pos < size {
        let offset = pos;
        let remaining = size - pos;
        if remaining < HEADER_LEN as u64 {
            run.skip(format!("{file}: byte {offset}"), format!("last record is cut off ({remaining} bytes of its header)"));
            break;
        }
        input.read_exact(&mut header).map_err(io)?;
        let len_crc = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        if masked_crc(&header[..8]) != len_crc {
            if skip_corrupt {
                run.skip(
                    format!("{file}: byte {offset} (record {index})"),
                    "record length checksum mismatch; the rest of the file cannot be framed",
                );
                break;
            }
            return Err(IngestError::malformed(
                path,
                Some(format!("byte {offset} (record {index})")),
                "record length checksum mismatch: the file is corrupt here (--skip-corrupt reads the records before it)",
            ));
        }
        let len = u64::from_le_bytes([header[0], header[1], header[2], header[3], header[4], header[5], header[6], header[7]]);
        let available = remaining - HEADER_LEN as u64;
        if len.saturating_add(4) > available {
            run.skip(format!("{file}: byte {offset}"), format!("last record is cut off (claims {len} bytes, {available} remain)"));
            break;
        }
        payload.resize(len as usize, 0);
        input.read_exact(&mut payload).map_err(io)?;
        input.read_exact(&mut crc).map_err(io)?;
        pos += HEADER_LEN as u64 + len + 4;
        if masked_crc(&payload) != u32::from_le_bytes(crc) {
            if skip_corrupt {
                run.skip(format!("{file}: byte {offset} (record {index})"), "record data checksum mismatch; record skipped");
                index += 1;
                continue;
            }
            return Err(IngestError::malformed(
                path,
                Some(format!("byte {offset} (record {index})")),
                "record data checksum mismatch: the file is corrupt here (--skip-corrupt skips this record and reads on)",
            ));
        }
        index += 1;
        run.records += 1;
        let event = match Event::decode(payload.as_slice()) {
            Ok(e) => e,
            Err(e) => {
                run.skip(format!("{file}: record {} (byte {offset})", index - 1), format!("not a valid Event protobuf: {e}"));
                continue;
            }
        };
        let Some(summary) = event.summary else { continue };
        for v in &summary.value {
            if is_hparams_plugin(v) {
                acc.hparams.extend(session_hparams(v).unwrap_or_default());
                continue;
            }
            match scalar(v) {
                Some(value) => {
                    let name: std::borrow::Cow<str> = match &split {
                        Some(d) => format!("{d}/{}", v.tag).into(),
                        None => v.tag.as_str().into(),
                    };
                    let axis = if is_epoch_tag(&v.tag) { Axis::Epoch } else { Axis::Step };
                    acc.builder.push_timed(&name, axis, event.step as f64, None, value, Some(event.wall_time));
                }
                None => {
                    acc.non_scalar_tags.insert(v.tag.clone());
                }
            }
        }
    }
    Ok(())
}

/// `epoch/loss`, `epoch_loss`: tags whose step is an epoch number.
fn is_epoch_tag(tag: &str) -> bool {
    // Checked per point: no lowercase copy of the tag.
    tag.as_bytes().get(..6).is_some_and(|p| p.eq_ignore_ascii_case(b"epoch/") || p.eq_ignore_ascii_case(b"epoch_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_tags_are_told_apart_in_any_case() {
        for tag in ["epoch/loss", "Epoch_accuracy", "EPOCH/val_loss"] {
            assert!(is_epoch_tag(tag), "{tag}");
        }
        for tag in ["epoch", "train/epoch", "epochs/loss", "époch/loss", "loss"] {
            assert!(!is_epoch_tag(tag), "{tag}");
        }
    }

    #[test]
    fn masked_crc_matches_rustboard_test_vector() {
        assert_eq!(masked_crc(b"\x1a\x11CRC test, one two"), 0x5794_d08a);
    }

    #[test]
    fn half_precision_values_decode() {
        assert_eq!(half_to_f64(0x3c00), 1.0);
        assert_eq!(half_to_f64(0xc000), -2.0);
        assert!(half_to_f64(0x7e00).is_nan());
    }
}
