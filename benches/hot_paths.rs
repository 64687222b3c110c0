//! Criterion micro-benchmarks of the hot parts of `diagnose --plot`, each on a
//! deterministic log generated in a temporary directory (no downloads):
//! CSV parsing, event-file decoding, smoothing, M4 downsampling and the rules.
//!
//!     cargo bench --bench hot_paths            # all
//!     cargo bench --bench hot_paths -- ema     # one group
//!     cargo bench --bench hot_paths -- watch   # issue 17: one watch update on a 1M-step log
//!
//! End-to-end figures against pandas, polars and TensorBoard are
//! `benches/compare.py`'s job (see BENCHMARKS.md); these say which part moved.

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use curvecheck::ingest::{read_path, ReadOptions};
use curvecheck::model::Run;
use curvecheck::render::downsample::{m4, m4_marking_sorted};
use curvecheck::rules::{diagnose, Settings};
use curvecheck::smooth::{ema_debiased, ema_time_weighted, sma_centered};

#[allow(dead_code)]
#[path = "gen_tfevents.rs"]
mod gen_tfevents;

/// Points per benchmarked series: a long run at per-step logging.
const POINTS: usize = 1_000_000;
/// Pixel columns of a chart's plot area.
const COLUMNS: usize = 980;

/// A noisy decaying loss, deterministic (the event-file generator's noise).
fn loss_curve(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut seed: u64 = 42;
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let y = (0..n).map(|i| 0.2 + 2.1 * (-5.0 * i as f64 / n as f64).exp() + 0.1 * gen_tfevents::noise(&mut seed)).collect();
    (x, y)
}

/// The shape of `benches/gen_logs.py`: step, epoch, train_loss, lr every row; validation every 1000th.
fn write_csv(dir: &Path, rows: usize) -> PathBuf {
    write_csv_with(dir, rows, false)
}

/// [`write_csv`], optionally with the header's names quoted: the plain-number reader leaves
/// such a file to polars (its Float64 path), the baseline it is measured against.
fn write_csv_with(dir: &Path, rows: usize, quoted_header: bool) -> PathBuf {
    let path = dir.join(if quoted_header { "train_quoted.csv" } else { "train.csv" });
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let header = "step,epoch,train_loss,lr,val_loss,val_accuracy";
    if quoted_header {
        writeln!(f, "\"{}\"", header.replace(',', "\",\"")).unwrap();
    } else {
        writeln!(f, "{header}").unwrap();
    }
    let (_, loss) = loss_curve(rows);
    for (step, l) in loss.iter().enumerate() {
        let t = step as f64 / rows as f64;
        let lr = 0.05 * (1.0 + (std::f64::consts::PI * t).cos()) + 1e-6;
        if (step + 1) % 1000 == 0 {
            let val = 0.25 + 2.0 * (-5.0 * t).exp();
            writeln!(f, "{step},{},{l:.6},{lr:.6e},{val:.6},{:.4}", step / 1000, 0.95 - 0.7 * (-5.0 * t).exp()).unwrap();
        } else {
            writeln!(f, "{step},{},{l:.6},{lr:.6e},,", step / 1000).unwrap();
        }
    }
    f.flush().unwrap();
    path
}

fn read_one(path: &Path) -> Run {
    let mut read = read_path(path, &ReadOptions::default());
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    read.runs.remove(0)
}

fn ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_csv(dir.path(), POINTS);
    let csv_quoted = write_csv_with(dir.path(), POINTS, true);
    let events = dir.path().join("events.out.tfevents.1700000000.bench.1.0");
    gen_tfevents::write_events(&events, POINTS as i64 / 4).unwrap();
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(std::fs::metadata(&csv).unwrap().len()));
    g.bench_function("csv 1M rows", |b| b.iter(|| read_one(black_box(&csv))));
    // The same table with a quoted header: polars reads it, the baseline of the plain-number reader.
    g.throughput(Throughput::Bytes(std::fs::metadata(&csv_quoted).unwrap().len()));
    g.bench_function("csv 1M rows, quoted header (polars)", |b| b.iter(|| read_one(black_box(&csv_quoted))));
    g.throughput(Throughput::Bytes(std::fs::metadata(&events).unwrap().len()));
    g.bench_function("tfevents 250k steps x 3 tags", |b| b.iter(|| read_one(black_box(&events))));
    g.finish();
}

fn smoothing(c: &mut Criterion) {
    let (x, y) = loss_curve(POINTS);
    let mut g = c.benchmark_group("smooth");
    g.throughput(Throughput::Elements(POINTS as u64));
    g.bench_function("ema_debiased 1M", |b| b.iter(|| ema_debiased(black_box(&y), 0.6)));
    g.bench_function("ema_time_weighted 1M", |b| b.iter(|| ema_time_weighted(black_box(&x), black_box(&y), 0.6, 1.0)));
    g.bench_function("sma_centered 1M, window 25k", |b| b.iter(|| sma_centered(black_box(&y), 25_000)));
    g.finish();
}

fn downsampling(c: &mut Criterion) {
    let (x, y) = loss_curve(POINTS);
    let mut g = c.benchmark_group("downsample");
    g.throughput(Throughput::Elements(POINTS as u64));
    g.bench_function("m4 1M to 980 columns", |b| b.iter(|| m4(black_box(&x), black_box(&y), COLUMNS)));
    // The chart's path: columns found by binary search over the sorted x, NaN marks in the same pass.
    g.bench_function("m4_marking_sorted 1M to 980 columns", |b| {
        b.iter(|| m4_marking_sorted(black_box(&x), black_box(&y).iter().copied(), COLUMNS))
    });
    g.finish();
}

fn rules(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let run = read_one(&write_csv(dir.path(), POINTS));
    let settings = Settings::default();
    let mut g = c.benchmark_group("rules");
    g.sample_size(20);
    g.throughput(Throughput::Elements(POINTS as u64));
    g.bench_function("diagnose 1M steps", |b| b.iter(|| diagnose(black_box(&run), &settings)));
    g.finish();
}

/// The CSV rows of [`write_csv`] from `start` to `end` (a log that keeps growing), at the same
/// length of run `total` (so the curve continues where the file left off).
fn csv_rows(start: usize, end: usize, total: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity((end - start) * 40);
    let mut seed: u64 = start as u64 ^ 0x5eed;
    for step in start..end {
        let t = step as f64 / total as f64;
        let l = 0.2 + 2.1 * (-5.0 * t).exp() + 0.1 * gen_tfevents::noise(&mut seed);
        let lr = 0.05 * (1.0 + (std::f64::consts::PI * t).cos()) + 1e-6;
        if (step + 1) % 1000 == 0 {
            let val = 0.25 + 2.0 * (-5.0 * t).exp();
            writeln!(out, "{step},{},{l:.6},{lr:.6e},{val:.6},{:.4}", step / 1000, 0.95 - 0.7 * (-5.0 * t).exp()).unwrap();
        } else {
            writeln!(out, "{step},{},{l:.6},{lr:.6e},,", step / 1000).unwrap();
        }
    }
    out
}

/// Issue 17: what one `watch` update costs on a 1M-step log that grows by 1,000 steps:
/// reading and appending only the new rows, against reading the whole log again, and the
/// rule run on the whole run so far (which `watch` throttles).
fn watch(c: &mut Criterion) {
    use curvecheck::ingest::follow::{append, Follow, Update};
    const GROWTH: usize = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let mut g = c.benchmark_group("watch");
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(3));
    g.throughput(Throughput::Elements(GROWTH as u64));
    let mut grown = None;
    // The same update on a log a tenth as long: its cost should not depend on what came before.
    for base in [POINTS / 10, POINTS] {
        let base_dir = dir.path().join(base.to_string());
        std::fs::create_dir(&base_dir).unwrap();
        let csv = write_csv(&base_dir, base);
        let mut follow = Follow::new(&csv, &ReadOptions::default());
        let mut run = match follow.push(&std::fs::read(&csv).unwrap()).unwrap() {
            Update::Append(r) => r,
            other => panic!("{other:?}"),
        };
        let mut next = base;
        let name = format!("update: read + append 1,000 new rows to a {}k-step run", base / 1000);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut spent = std::time::Duration::ZERO;
                for _ in 0..iters {
                    let rows = csv_rows(next, next + GROWTH, base);
                    next += GROWTH;
                    let start = std::time::Instant::now();
                    if let Update::Append(chunk) = follow.push(black_box(&rows)).unwrap() {
                        append::append(&mut run, chunk);
                    }
                    spent += start.elapsed();
                }
                spent
            })
        });
        assert!(run.series.iter().all(|s| s.x.windows(2).all(|w| w[0] <= w[1])), "the grown run stayed in step order");
        grown = Some((csv, run));
    }
    let (csv, run) = grown.unwrap();
    g.throughput(Throughput::Elements(POINTS as u64));
    g.bench_function("instead: read the whole 1M-row log again", |b| b.iter(|| read_one(black_box(&csv))));
    let settings = Settings::default();
    g.bench_function("rules on the 1M-step run so far (one throttled rule run)", |b| b.iter(|| diagnose(black_box(&run), &settings)));
    g.finish();
}

criterion_group!(benches, ingest, smoothing, downsampling, rules, watch);
criterion_main!(benches);
