//! Reading series names: how canonical a name is, how much of a headline a
//! metric is, and which model a name belongs to when one log holds two fits.

use crate::model::role::tokens;
use crate::model::Series;

/// Tokens that say where a series sits, not what it measures.
pub(super) const PLACE_TOKENS: &[&str] =
    &["train", "training", "val", "valid", "validation", "eval", "evaluation", "test", "epoch", "step", "batch", "metrics", "x"];
/// Metric names that mean plain accuracy, preferred over other higher-is-better metrics.
const ACCURACY_TOKENS: &[&str] = &["acc", "accuracy", "top1", "acc1", "categorical", "sparse", "binary"];

/// A plain-accuracy name (`acc`, `val_accuracy`, `top1`, …), as opposed to mAP, F1 or an error rate.
pub(super) fn is_accuracy_name(name: &str) -> bool {
    let core: Vec<String> = tokens(name).into_iter().filter(|t| !PLACE_TOKENS.contains(&t.as_str())).collect();
    !core.is_empty() && core.iter().all(|t| ACCURACY_TOKENS.contains(&t.as_str()))
}

/// How much of a headline a metric is, lower first: what each community reads
/// when it says "the" result of a run.
///
/// 0. overall detection/pose AP (`mAP50-95(B)`, `mAP_0.5:0.95`, `bbox/AP`, `coco/AP`, `coco/bbox_mAP`);
/// 1. segmentation overlap (Dice, IoU): beside it, accuracy is pixel accuracy, which the background dominates;
/// 2. AP at IoU 0.5 (`mAP50(B)`) and plain accuracy / top-1;
/// 3. other task scores (F1, MCC, AUC, BLEU, ROUGE, WER, …);
/// 4. anything else;
/// 5. partial views of a score: precision, recall, AR, AP75, APs/APm/APl, top-5;
/// 9. one class's AP (`bbox/AP-person`).
///
/// ```
/// use curvecheck::rules::view::metric_rank;
/// assert!(metric_rank("metrics/mAP50-95(B)") < metric_rank("metrics/mAP50(B)"));
/// assert!(metric_rank("metrics/mAP50(B)") < metric_rank("metrics/precision(B)"));
/// assert!(metric_rank("val_dice_coef") < metric_rank("val_accuracy"));
/// assert!(metric_rank("bbox/AP") < metric_rank("bbox/AP-person"));
/// ```
pub fn metric_rank(name: &str) -> usize {
    if crate::model::role::is_per_class_ap(name) {
        return 9;
    }
    let core: Vec<String> = tokens(name)
        .into_iter()
        .filter(|t| !PLACE_TOKENS.contains(&t.as_str()) && !["b", "m", "coco", "bbox", "segm", "keypoints"].contains(&t.as_str()))
        .collect();
    let has = |t: &str| core.iter().any(|x| x == t);
    let ap_like = |t: &String| t == "ap" || t == "map" || t.starts_with("map") || t.starts_with("ap");
    let is_ap = core.iter().any(ap_like);
    if is_ap && has("95") {
        return 0;
    }
    if matches!(core.as_slice(), [t] if t == "ap" || t == "map") {
        return 0;
    }
    if has("top5") || has("acc5") {
        return 5;
    }
    if is_ap && (has("map50") || has("ap50") || has("50") || (has("5") && core.len() <= 3)) && !has("75") {
        return 2;
    }
    const PARTIAL: &[&str] =
        &["precision", "recall", "ar", "ap75", "map75", "aps", "apm", "apl", "sensitivity", "specificity", "75", "l", "s"];
    if core.iter().any(|t| PARTIAL.contains(&t.as_str())) {
        return 5;
    }
    if core.iter().any(|t| ["dice", "iou", "miou", "jaccard"].contains(&t.as_str())) {
        return 1;
    }
    if core.iter().any(|t| ["acc", "accuracy", "top1", "acc1"].contains(&t.as_str())) {
        return 2;
    }
    const TASK: &[&str] = &[
        "f1", "mcc", "matthews", "auc", "auroc", "bleu", "rouge", "rouge1", "rouge2", "rougel", "wer", "cer", "em", "exact", "pck", "nme",
    ];
    if core.iter().any(|t| TASK.contains(&t.as_str())) {
        return 3;
    }
    4
}

/// Lower is more canonical: `loss`, `val_loss` score 0; `loss_cls` scores 1.
pub(super) fn name_score(name: &str, accuracy_first: bool) -> usize {
    let core: Vec<String> = tokens(name).into_iter().filter(|t| !PLACE_TOKENS.contains(&t.as_str())).collect();
    if accuracy_first && is_accuracy_name(name) {
        return 0;
    }
    match core.as_slice() {
        [l] if l == "loss" => 0,
        [t, l] if t == "total" && l == "loss" => 0,
        _ => core.len() + 1,
    }
}

/// The tokens of a name that are neither place nor what it measures: `cls_val_loss` → `[cls]`.
pub(super) fn qualifier(name: &str) -> Vec<String> {
    const MEASURE: &[&str] = &["loss", "acc", "accuracy", "top1", "acc1", "categorical", "sparse", "binary", "lr", "learning", "rate"];
    tokens(name).into_iter().filter(|t| !PLACE_TOKENS.contains(&t.as_str()) && !MEASURE.contains(&t.as_str())).collect()
}

/// 0 when the series belongs to the headline metric's family (or there is none), 1 otherwise.
pub(super) fn family_distance(s: &Series, family: Option<&[String]>) -> usize {
    match family {
        Some(f) if !f.is_empty() => usize::from(qualifier(&s.name) != f),
        _ => 0,
    }
}
