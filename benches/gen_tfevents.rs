//! Writes a deterministic TensorBoard event file for benchmarks:
//! `train/loss` and `train/lr` at every step, `val/loss` every 1000 steps,
//! as PyTorch's SummaryWriter writes them (`simple_value`).
//!
//!     cargo run --release --example gen_tfevents -- OUT [STEPS]
//!
//! TFRecord framing: u64 length, masked CRC-32C of it, payload, masked CRC-32C of the payload.

use std::io::Write;

use prost::Message;

#[derive(Clone, PartialEq, Message)]
struct Event {
    #[prost(double, tag = "1")]
    wall_time: f64,
    #[prost(int64, tag = "2")]
    step: i64,
    #[prost(string, optional, tag = "3")]
    file_version: Option<String>,
    #[prost(message, optional, tag = "5")]
    summary: Option<Summary>,
}

#[derive(Clone, PartialEq, Message)]
struct Summary {
    #[prost(message, repeated, tag = "1")]
    value: Vec<Value>,
}

#[derive(Clone, PartialEq, Message)]
struct Value {
    #[prost(string, tag = "1")]
    tag: String,
    #[prost(float, optional, tag = "2")]
    simple_value: Option<f32>,
}

fn masked(data: &[u8]) -> u32 {
    crc32c::crc32c(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

fn record(out: &mut impl Write, e: &Event) -> std::io::Result<()> {
    let payload = e.encode_to_vec();
    let len = (payload.len() as u64).to_le_bytes();
    out.write_all(&len)?;
    out.write_all(&masked(&len).to_le_bytes())?;
    out.write_all(&payload)?;
    out.write_all(&masked(&payload).to_le_bytes())
}

fn scalar(step: i64, tag: &str, v: f32) -> Event {
    let summary = Summary { value: vec![Value { tag: tag.into(), simple_value: Some(v) }] };
    Event { wall_time: 1.7e9 + step as f64 * 0.01, step, file_version: None, summary: Some(summary) }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: gen_tfevents OUT [STEPS]");
    let steps: i64 = args.next().map_or(1_000_000, |s| s.parse().expect("STEPS is a number"));
    write_events(std::path::Path::new(&out), steps)
}

/// Writes `steps` steps of the benchmark run to `out` (also used by the criterion benches).
pub fn write_events(out: &std::path::Path, steps: i64) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    record(&mut f, &Event { wall_time: 1.7e9, step: 0, file_version: Some("brain.Event:2".into()), summary: None })?;
    let mut seed: u64 = 42;
    let mut noise = || noise(&mut seed);
    for step in 0..steps {
        let t = step as f64 / steps as f64;
        let loss = 0.2 + 2.1 * (-5.0 * t).exp() + 0.1 * noise();
        let lr = 0.05 * (1.0 + (std::f64::consts::PI * t).cos()) + 1e-6;
        record(&mut f, &scalar(step, "train/loss", loss as f32))?;
        record(&mut f, &scalar(step, "train/lr", lr as f32))?;
        if (step + 1) % 1000 == 0 {
            record(&mut f, &scalar(step, "val/loss", (0.25 + 2.0 * (-5.0 * t).exp() + 0.02 * noise()) as f32))?;
        }
    }
    f.flush()
}

/// Deterministic noise in [-0.5, 0.5) without a dependency: a linear congruential generator
/// (also the benches' noise, so every generated log is the same on every machine).
pub fn noise(seed: &mut u64) -> f64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5
}
