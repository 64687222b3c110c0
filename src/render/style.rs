//! Every plot style constant in one place, and the embedded font.

use plotters::style::{FontStyle, RGBColor};

/// DejaVu Sans (Bitstream Vera licence, fonts/DejaVuSans-LICENSE.txt), embedded
/// so text renders the same on a machine without system fonts.
static FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
/// The family name the embedded font is registered under; every text on a chart asks for it.
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded font once; plotters looks fonts up by family name.
pub fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure would show as missing text, not a crash.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Width of every chart in pixels, legend included.
pub const WIDTH: u32 = 1200;
/// Height of the loss panel; other panels get `PANEL_HEIGHT`.
pub const LOSS_PANEL_HEIGHT: u32 = 360;
/// Height in pixels of every panel below the loss panel.
pub const PANEL_HEIGHT: u32 = 220;
/// Height in pixels of the strip above the panels that holds the chart's title.
pub const TITLE_HEIGHT: u32 = 60;
/// Font size of the chart's title.
pub const TITLE_FONT: u32 = 22;
/// Font size of each panel's caption.
pub const SUBTITLE_FONT: u32 = 16;
/// Font size of axis titles, span labels and legend entries.
pub const LABEL_FONT: u32 = 14;
/// Font size of the numbers along the axes.
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
/// Least height in pixels of the overlay chart; with many runs it grows so every legend entry fits.
pub const OVERLAY_HEIGHT: u32 = 360;
/// Room on the right of each panel for its legend, so the legend never covers data.
pub const LEGEND_WIDTH: u32 = 220;

/// Colour of training curves.
pub const TRAIN: RGBColor = RGBColor(31, 119, 180);
/// Colour of validation curves.
pub const VALIDATION: RGBColor = RGBColor(255, 127, 14);
/// Colour of the learning-rate line and its drop ticks, and of the healthy update-ratio band.
pub const LR: RGBColor = RGBColor(44, 160, 44);
/// Colour of the update-ratio line.
pub const RATIO: RGBColor = RGBColor(148, 103, 189);
/// Colour of the dashed reference line (`ln(C)`).
pub const REFERENCE: RGBColor = RGBColor(90, 90, 90);
/// Colour of the crosses that mark NaN or infinite values at a panel's top edge.
pub const NON_FINITE: RGBColor = RGBColor(214, 39, 40);
/// Colour of the dashed best-epoch line.
pub const BEST: RGBColor = RGBColor(0, 130, 60);

/// Shade and label colour of an error finding's span.
pub const ERROR_SHADE: RGBColor = RGBColor(214, 39, 40);
/// Shade and label colour of a warning finding's span.
pub const WARNING_SHADE: RGBColor = RGBColor(255, 165, 0);
/// Colour of an info finding, so every severity has one; charts shade only warnings and errors.
pub const INFO_SHADE: RGBColor = RGBColor(100, 149, 237);
/// Opacity of a finding's shaded span.
pub const SHADE_ALPHA: f64 = 0.16;
/// Span labels stack downwards by this fraction of the panel height, so labels of spans starting together stay readable.
pub const SPAN_LABEL_STEP: f64 = 0.08;
/// Opacity of raw per-step points under the smoothed line.
pub const RAW_ALPHA: f64 = 0.25;
/// Radius in pixels of a raw per-step point.
pub const RAW_POINT_SIZE: u32 = 1;
/// Radius in pixels of the marker at each point of a line with markers (at most 400 points).
pub const MARKER_SIZE: u32 = 3;
/// Stroke width in pixels of lines; a dense unsmoothed line is drawn 1 pixel wide instead.
pub const LINE_WIDTH: u32 = 2;

/// A log panel spans at least this many decades, so a constant rate is a flat line mid-panel.
pub const MIN_LOG_DECADES: f64 = 1.0;
/// The update-ratio band the lecture calls healthy (around 1e-3).
pub const HEALTHY_RATIO: (f64, f64) = (1e-4, 1e-2);
/// EMA weight for the smoothed train loss line, per 1/`SMOOTH_UNITS` of the x range
/// (TensorBoard's default is 0.6 per point; per-step losses need more).
pub const SMOOTH_WEIGHT: f64 = 0.9;
/// How many EMA units the x range holds, so the smoothing horizon is a fixed share of the chart.
pub const SMOOTH_UNITS: f64 = 1000.0;
/// Values beyond these quantiles (and far from them) are drawn as clipped marks at the panel edge.
pub const RANGE_QUANTILES: (f64, f64) = (0.005, 0.995);
