//! A run's curve in a table cell: a tiny inline SVG polyline of at most
//! `POINTS` points (about half a kilobyte), so a report of thousands of runs
//! still shows every run's shape without drawing thousands of charts.
//!
//! ```
//! let svg = curvecheck::report::sparkline::svg(&[0.0, 1.0, 2.0], &[1.0, 0.5, 0.4]).unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("polyline"));
//! ```

/// Points drawn at most (evenly picked).
pub const POINTS: usize = 40;
const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 24.0;

/// The polyline of finite `(x, y)` pairs scaled into the cell; `None` with fewer than two.
pub fn svg(x: &[f64], y: &[f64]) -> Option<String> {
    let pts: Vec<(f64, f64)> = x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b)).collect();
    if pts.len() < 2 {
        return None;
    }
    let stride = pts.len().div_ceil(POINTS).max(1);
    let mut picked: Vec<(f64, f64)> = pts.iter().copied().step_by(stride).collect();
    if picked.last() != pts.last() {
        picked.push(*pts.last()?);
    }
    let (x0, x1) = picked.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = picked.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let sx = if x1 > x0 { (WIDTH - 2.0) / (x1 - x0) } else { 0.0 };
    let sy = if y1 > y0 { (HEIGHT - 4.0) / (y1 - y0) } else { 0.0 };
    let coords: Vec<String> =
        picked.iter().map(|(a, b)| format!("{:.1},{:.1}", 1.0 + (a - x0) * sx, HEIGHT - 2.0 - (b - y0) * sy)).collect();
    Some(format!(
        "<svg class=\"spark\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\"><polyline points=\"{}\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.2\" /></svg>",
        coords.join(" ")
    ))
}
