//! A search's charts: the headline metric against each searched
//! hyperparameter (log axis where searched on one; diverged trials as red
//! crosses at the bottom, barely-learned ones in orange, the winner ringed in
//! green), and every trial's validation curve overlaid, coloured by the
//! hyperparameter that mattered most (dark = low, light = high), the winner in black.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::*;
use super::RenderError;
use crate::diagnosis::Diagnosis;
use crate::model::hparams::short;
use crate::sweep::{Dimension, Outcome, Scale, Sweep};

const HEIGHT: u32 = 480;
const CHART_WIDTH: u32 = 900;
const POINT: u32 = 6;
/// Height of the legend row under a scatter chart.
const LEGEND_ROW: u32 = 30;
/// One legend entry per outcome, and the winner's ring.
const LEGEND: [(&str, RGBColor); 4] =
    [("learned", TRAIN), ("barely learned", WARNING_SHADE), ("diverged (×)", NON_FINITE), ("best trial", BEST)];

fn err(path: &Path) -> impl Fn(String) -> RenderError + '_ {
    move |message| RenderError::Draw { path: path.display().to_string(), message }
}

/// Draws every chart into `dir` as PNG; returns the files written.
pub fn draw_all(s: &Sweep, diagnoses: &[&Diagnosis], dir: &Path) -> Result<Vec<PathBuf>, RenderError> {
    register_font();
    let mut out = Vec::new();
    for d in &s.space.searched {
        let path = super::chart_path(&dir.join("sweep-{run}.png"), &d.name);
        {
            let root = BitMapBackend::new(&path, (CHART_WIDTH, HEIGHT)).into_drawing_area();
            scatter(&root, s, d).map_err(err(&path))?;
            root.present().map_err(|e| err(&path)(e.to_string()))?;
        }
        out.push(path);
    }
    let path = dir.join("sweep-curves.png");
    let drawn = {
        let root = BitMapBackend::new(&path, (CHART_WIDTH, HEIGHT)).into_drawing_area();
        let drawn = curves(&root, s, diagnoses).map_err(err(&path))?;
        if drawn {
            root.present().map_err(|e| err(&path)(e.to_string()))?;
        }
        drawn
    };
    if drawn {
        out.push(path);
    }
    Ok(out)
}

/// The charts as SVG documents, for the HTML report: each hyperparameter, then the curves.
pub fn svgs(s: &Sweep, diagnoses: &[&Diagnosis]) -> Result<Vec<String>, RenderError> {
    register_font();
    let mut out = Vec::new();
    let here = Path::new("sweep");
    for d in &s.space.searched {
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, (CHART_WIDTH, HEIGHT)).into_drawing_area();
            scatter(&root, s, d).map_err(err(here))?;
            root.present().map_err(|e| err(here)(e.to_string()))?;
        }
        out.push(buf);
    }
    let mut buf = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut buf, (CHART_WIDTH, HEIGHT)).into_drawing_area();
        let drawn = curves(&root, s, diagnoses).map_err(err(here))?;
        root.present().map_err(|e| err(here)(e.to_string()))?;
        drawn
    };
    if drawn {
        out.push(buf);
    }
    Ok(out)
}

fn e<T: std::fmt::Display>(x: T) -> String {
    x.to_string()
}

/// The headline value every trial reached, against one hyperparameter.
fn scatter<DB: DrawingBackend>(whole: &DrawingArea<DB, Shift>, s: &Sweep, d: &Dimension) -> Result<(), String> {
    whole.fill(&WHITE).map_err(e)?;
    // The legend is a row below the plot, so no corner of the data hides behind it.
    let (root, strip) = whole.split_vertically(HEIGHT - LEGEND_ROW);
    let mut x = 90;
    for (label, color) in LEGEND {
        strip.draw(&Circle::new((x, LEGEND_ROW as i32 / 2), 5, color.filled())).map_err(e)?;
        strip.draw(&Text::new(label, (x + 10, LEGEND_ROW as i32 / 2 - 7), (FAMILY, LABEL_FONT))).map_err(e)?;
        x += 40 + 8 * label.len() as i32;
    }
    let root = &root;
    let metric = s.metric.clone().unwrap_or_else(|| "best value".into());
    let ys: Vec<f64> = s.trials.iter().filter_map(|t| t.best).collect();
    let (mut y0, mut y1) = ys.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| (a.min(y), b.max(y)));
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    let pad = ((y1 - y0) * 0.08).max(1e-3);
    let (y0, y1) = (y0 - 2.0 * pad, y1 + pad);
    let categorical = d.scale == Scale::Categorical;
    let xs: Vec<Option<f64>> = d
        .of_trial
        .iter()
        .map(|v| v.as_ref().and_then(|v| if categorical { d.values.iter().position(|u| u == v).map(|i| i as f64) } else { v.as_f64() }))
        .collect();
    let finite: Vec<f64> = xs.iter().flatten().copied().collect();
    let (mut x0, mut x1) = finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if let Some((lo, hi)) = d.range.filter(|_| !categorical) {
        x0 = x0.min(lo);
        x1 = x1.max(hi);
    }
    let title = format!("best {metric} by {}{}", d.name, if d.scale == Scale::Log { " (log scale)" } else { "" });
    let mut chart = ChartBuilder::on(root);
    chart.caption(title, (FAMILY, TITLE_FONT)).margin(16).x_label_area_size(48).y_label_area_size(70);
    let point = |i: usize| -> Option<(f64, f64, Outcome)> {
        let x = xs[i]?;
        let t = &s.trials[i];
        let y = t.best.unwrap_or(y0 + pad);
        Some((x, y, t.outcome))
    };
    let pts: Vec<(usize, (f64, f64, Outcome))> = (0..s.trials.len()).filter_map(|i| point(i).map(|p| (i, p))).collect();
    macro_rules! draw {
        ($chart:expr) => {{
            let mut c = $chart;
            c.configure_mesh()
                .x_desc(d.name.as_str())
                .y_desc(metric.as_str())
                .label_style((FAMILY, AXIS_FONT))
                .axis_desc_style((FAMILY, LABEL_FONT))
                .x_label_formatter(&|x: &f64| {
                    if categorical {
                        d.values.get(x.round() as usize).map(|v| v.to_string()).unwrap_or_default()
                    } else {
                        short(*x)
                    }
                })
                .draw()
                .map_err(e)?;
            for (i, (x, y, o)) in &pts {
                let color = match o {
                    Outcome::Learned => TRAIN,
                    Outcome::BarelyLearned => WARNING_SHADE,
                    Outcome::Diverged => NON_FINITE,
                };
                if *o == Outcome::Diverged {
                    c.draw_series(std::iter::once(Cross::new((*x, *y), POINT, color.stroke_width(2)))).map_err(e)?;
                } else {
                    c.draw_series(std::iter::once(Circle::new((*x, *y), POINT, color.filled()))).map_err(e)?;
                }
                if Some(*i) == s.best {
                    c.draw_series(std::iter::once(Circle::new((*x, *y), POINT + 5, BEST.stroke_width(3)))).map_err(e)?;
                    // The label reads leftwards from a point in the right half, so it stays inside the chart.
                    let right_half = pts.iter().filter(|(_, p)| p.0 > *x).count() * 2 < pts.len();
                    let anchor = if right_half { HPos::Right } else { HPos::Left };
                    let style = TextStyle::from((FAMILY, LABEL_FONT).into_font()).color(&BEST).pos(Pos::new(anchor, VPos::Bottom));
                    c.draw_series(std::iter::once(Text::new(format!("  best: {}  ", s.trials[*i].name), (*x, *y), style))).map_err(e)?;
                }
            }
        }};
    }
    if d.scale == Scale::Log {
        let (a, b) = (x0 / 1.6, x1 * 1.6);
        draw!(chart.build_cartesian_2d((a..b).log_scale(), y0..y1).map_err(e)?);
    } else {
        let w = ((x1 - x0) * 0.06).max(0.5 * if categorical { 1.0 } else { (x1.abs() * 0.05).max(1e-3) });
        draw!(chart.build_cartesian_2d((x0 - w)..(x1 + w), y0..y1).map_err(e)?);
    }
    Ok(())
}

/// A colour from dark blue (0) to yellow (1), viridis-like.
fn ramp(t: f64) -> RGBColor {
    let stops = [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    let t = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let (i, f) = ((t.floor() as usize).min(stops.len() - 2), t - t.floor());
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Every trial's validation curve; returns false when no trial has one.
fn curves<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Sweep, diagnoses: &[&Diagnosis]) -> Result<bool, String> {
    let by = s.matters_most.as_ref().or_else(|| s.hparams.first().map(|h| &h.name));
    let dim = by.and_then(|n| s.space.searched.iter().find(|d| &d.name == n));
    let mut lines: Vec<(usize, Vec<(f64, f64)>)> = Vec::new();
    for (i, d) in diagnoses.iter().enumerate() {
        let view = d.view();
        let t = &view.table;
        let col =
            if s.lower_is_better && t.val_metric.is_none() { t.val_loss.as_ref() } else { t.val_metric.as_ref().or(t.val_loss.as_ref()) };
        let Some(col) = col else { continue };
        let pts: Vec<(f64, f64)> = t.x.iter().zip(col).filter(|(x, y)| x.is_finite() && y.is_finite()).map(|(x, y)| (*x, *y)).collect();
        if !pts.is_empty() {
            lines.push((i, pts));
        }
    }
    if lines.is_empty() {
        return Ok(false);
    }
    root.fill(&WHITE).map_err(e)?;
    let all = lines.iter().flat_map(|(_, p)| p.iter());
    let (x0, x1, y0, y1) = all.fold((f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY), |(a, b, c, d), (x, y)| {
        (a.min(*x), b.max(*x), c.min(*y), d.max(*y))
    });
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let pad = ((y1 - y0) * 0.05).max(1e-3);
    let metric = s.metric.clone().unwrap_or_else(|| "validation".into());
    let title = match dim {
        Some(d) => format!("{metric} of every trial, coloured by {} (dark = low, light = high)", d.name),
        None => format!("{metric} of every trial"),
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, SUBTITLE_FONT + 2))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
        .map_err(e)?;
    let axis = s.trials.iter().find_map(|t| t.axis).unwrap_or("epoch");
    chart
        .configure_mesh()
        .x_desc(axis)
        .y_desc(metric.as_str())
        .label_style((FAMILY, AXIS_FONT))
        .axis_desc_style((FAMILY, LABEL_FONT))
        .draw()
        .map_err(e)?;
    let colour = |i: usize| -> RGBColor {
        let Some(d) = dim else { return RUN_COLORS[i % RUN_COLORS.len()] };
        match (d.of_trial[i].as_ref(), d.scale) {
            (Some(v), Scale::Categorical) => {
                ramp(d.values.iter().position(|u| u == v).unwrap_or(0) as f64 / (d.values.len().max(2) - 1) as f64)
            }
            (Some(v), _) => v.as_f64().and_then(|x| d.position(x)).map(|p| ramp(p * 0.9)).unwrap_or(REFERENCE),
            (None, _) => REFERENCE,
        }
    };
    for (i, pts) in lines.iter().filter(|(i, _)| Some(*i) != s.best) {
        chart.draw_series(LineSeries::new(pts.iter().copied(), colour(*i).stroke_width(2))).map_err(e)?;
    }
    if let Some((b, pts)) = lines.iter().find(|(i, _)| Some(*i) == s.best) {
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), BLACK.stroke_width(4)))
            .map_err(e)?
            .label(format!("best: {}", s.trials[*b].name))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(4)));
        chart
            .configure_series_labels()
            .label_font((FAMILY, LABEL_FONT))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(e)?;
    }
    Ok(true)
}
