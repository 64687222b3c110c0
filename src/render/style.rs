//! Every plot style constant in one place, and the embedded font.

use plotters::style::{FontStyle, RGBColor};

/// DejaVu Sans (Bitstream Vera licence, fonts/DejaVuSans-LICENSE.txt), embedded
/// so text renders the same on a machine without system fonts.
static FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded font once; plotters looks fonts up by family name.
pub fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure would show as missing text, not a crash.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

pub const WIDTH: u32 = 1200;
/// Height of the loss panel; other panels get `PANEL_HEIGHT`.
pub const LOSS_PANEL_HEIGHT: u32 = 360;
pub const PANEL_HEIGHT: u32 = 220;
pub const TITLE_HEIGHT: u32 = 60;
pub const TITLE_FONT: u32 = 22;
pub const SUBTITLE_FONT: u32 = 16;
pub const LABEL_FONT: u32 = 14;
pub const AXIS_FONT: u32 = 13;
/// Pixel columns a compact (report) chart keeps per line.
pub const COMPACT_COLUMNS: usize = 240;
/// Lines of an overlay chart, one colour per run (Tableau 10), cycling.
pub const RUN_COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
pub const OVERLAY_HEIGHT: u32 = 360;
/// Room on the right of each panel for its legend, so the legend never covers data.
pub const LEGEND_WIDTH: u32 = 220;

pub const TRAIN: RGBColor = RGBColor(31, 119, 180);
pub const VALIDATION: RGBColor = RGBColor(255, 127, 14);
pub const LR: RGBColor = RGBColor(44, 160, 44);
pub const RATIO: RGBColor = RGBColor(148, 103, 189);
pub const REFERENCE: RGBColor = RGBColor(90, 90, 90);
pub const NON_FINITE: RGBColor = RGBColor(214, 39, 40);
pub const BEST: RGBColor = RGBColor(0, 130, 60);

pub const ERROR_SHADE: RGBColor = RGBColor(214, 39, 40);
pub const WARNING_SHADE: RGBColor = RGBColor(255, 165, 0);
pub const INFO_SHADE: RGBColor = RGBColor(100, 149, 237);
/// Opacity of a finding's shaded span.
pub const SHADE_ALPHA: f64 = 0.16;
/// Span labels stack downwards by this fraction of the panel height, so labels of spans starting together stay readable.
pub const SPAN_LABEL_STEP: f64 = 0.08;
/// Opacity of raw per-step points under the smoothed line.
pub const RAW_ALPHA: f64 = 0.25;
pub const RAW_POINT_SIZE: u32 = 1;
pub const MARKER_SIZE: u32 = 3;
pub const LINE_WIDTH: u32 = 2;

/// A log panel spans at least this many decades, so a constant rate is a flat line mid-panel.
pub const MIN_LOG_DECADES: f64 = 1.0;
/// The update-ratio band the lecture calls healthy (around 1e-3).
pub const HEALTHY_RATIO: (f64, f64) = (1e-4, 1e-2);
/// EMA weight for the smoothed train loss line, per 1/`SMOOTH_UNITS` of the x range
/// (TensorBoard's default is 0.6 per point; per-step losses need more).
pub const SMOOTH_WEIGHT: f64 = 0.9;
pub const SMOOTH_UNITS: f64 = 1000.0;
/// Values beyond these quantiles (and far from them) are drawn as clipped marks at the panel edge.
pub const RANGE_QUANTILES: (f64, f64) = (0.005, 0.995);
