//! Why the view picked the curves it did, in words for `inspect`: a user who
//! disagrees names another series with `--metric ROLE=SERIES`.

use super::view::{metric_rank, Pick, RunView};

/// One picked curve: the role it plays, its logged name, and why it was chosen.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Picked {
    pub role: &'static str,
    pub series: String,
    pub why: String,
}

fn metric_reason(view: &RunView, p: Pick) -> String {
    let name = &p.series.name;
    if p.series.preferred {
        return "named with --metric".into();
    }
    if view.run.headline.as_deref() == Some(name.as_str()) {
        return "its best equals the trainer's best_metric: the metric the run selected checkpoints by".into();
    }
    match metric_rank(name) {
        0 => "overall AP (IoU 0.5:0.95), the headline of detection and pose models".into(),
        1 => "overlap (Dice/IoU), the headline of a segmentation model (its accuracy is pixel accuracy)".into(),
        2 if name.to_ascii_lowercase().contains("acc") || name.to_ascii_lowercase().contains("top1") => {
            "plain accuracy (top-1), the headline of a classifier".into()
        }
        2 => "AP at IoU 0.5: the headline metric logged".into(),
        3 => "the task's score (F1, MCC, AUC, BLEU, WER, …); no accuracy or AP is logged".into(),
        5 => "only partial scores (precision, recall, AR, …) are logged; this one reads best".into(),
        9 => "only per-class scores are logged".into(),
        _ => "the most canonical validation metric name".into(),
    }
}

/// The picks of a view, with reasons; the first line says what the run is judged by.
pub fn picked(view: &RunView) -> Vec<Picked> {
    let mut out = Vec::new();
    let mut push = |role: &'static str, p: Option<Pick>, why: String| {
        if let Some(p) = p {
            out.push(Picked { role, series: p.series.name.clone(), why });
        }
    };
    let canonical = |p: Option<Pick>| match p {
        Some(p) if p.series.preferred => "named with --metric".to_string(),
        _ => "the most canonical name of its role (e.g. `loss` before `loss_cls`)".to_string(),
    };
    let headline = if view.table.metric_is_headline { view.val_metric } else { view.val_loss.or(view.val_metric) };
    push(
        "headline",
        headline,
        if view.table.metric_is_headline {
            "best epoch and still-improving read this validation metric".into()
        } else {
            "best epoch and still-improving read this validation curve".into()
        },
    );
    push("val_loss", view.val_loss, canonical(view.val_loss));
    if let Some(p) = view.val_metric {
        push("val_metric", Some(p), metric_reason(view, p));
    }
    push("train_loss", view.train_loss, canonical(view.train_loss));
    if view.train_loss_fine.map(|p| p.series.name.as_str()) != view.train_loss.map(|p| p.series.name.as_str()) {
        push("train_loss_per_step", view.train_loss_fine, "the finest-grained training loss (divergence, spikes, flat start)".into());
    }
    push("train_metric", view.train_metric, "the training twin of the validation metric".into());
    push("lr", view.lr, "the learning rate (first parameter group)".into());
    out
}
