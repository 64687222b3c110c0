//! What a series means to the rules, inferred from its logged name.
//!
//! Every logger names things its own way (`val_loss`, `eval_loss`,
//! `validation/epoch_loss`, `metrics/mAP50(B)`, `lr-Adam`, `x/lr0`), so the name
//! is split into lower-case tokens and the tokens decide a [`Split`] and a
//! [`Kind`]. The user can override any of it (`--metric ROLE=NAME`).
//!
//! ```
//! use curvecheck::model::{Kind, Role, Split};
//! assert_eq!(Role::infer("val_loss"), Role { split: Split::Validation, kind: Kind::Loss });
//! assert_eq!(Role::infer("metrics/mAP50(B)"), Role { split: Split::Validation, kind: Kind::MetricHigher });
//! assert_eq!(Role::infer("lr-Adam").kind, Kind::LearningRate);
//! ```

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Validation,
    Test,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Loss,
    /// Accuracy, top-1, mAP, F1, …: larger is better.
    MetricHigher,
    /// Error rate, RMSE, WER, perplexity, …: smaller is better.
    MetricLower,
    LearningRate,
    /// `||update|| / ||weights||`, healthy near 1e-3.
    UpdateRatio,
    GradNorm,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Role {
    pub split: Split,
    pub kind: Kind,
}

impl Split {
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
            Split::Other => "other",
        }
    }
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Loss => "loss",
            Kind::MetricHigher => "metric-higher",
            Kind::MetricLower => "metric-lower",
            Kind::LearningRate => "learning-rate",
            Kind::UpdateRatio => "update-ratio",
            Kind::GradNorm => "grad-norm",
            Kind::Other => "other",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Kind::LearningRate | Kind::UpdateRatio | Kind::GradNorm | Kind::Other => f.write_str(self.kind.as_str()),
            _ => write!(f, "{} {}", self.split.as_str(), self.kind.as_str()),
        }
    }
}

const VALIDATION_TOKENS: &[&str] = &["val", "valid", "validation", "eval", "evaluation", "dev", "metrics"];
const TEST_TOKENS: &[&str] = &["test", "testing"];
const TRAIN_TOKENS: &[&str] = &["train", "training", "batch"];
/// Bookkeeping that is never a learning curve even when it mentions a split.
const OTHER_TOKENS: &[&str] = &[
    "time",
    "runtime",
    "eta",
    "seconds",
    "samples",
    "per",
    "memory",
    "flos",
    "epoch",
    "step",
    "iter",
    "iteration",
    "timestamp",
    "created",
    "n",
    "parameters",
    "data",
    "num",
    "tokens",
];
const EVAL_ONLY_TOKENS: &[&str] = &["ap", "ap50", "ap75", "apl", "apm", "aps", "coco"];
const HIGHER_TOKENS: &[&str] = &[
    "acc",
    "accuracy",
    "top1",
    "top5",
    "acc1",
    "acc5",
    "map",
    "map50",
    "map75",
    "ap",
    "ap50",
    "ap75",
    "apl",
    "apm",
    "aps",
    "f1",
    "precision",
    "recall",
    "auc",
    "auroc",
    "iou",
    "miou",
    "dice",
    "bleu",
    "rouge",
    "rouge1",
    "rouge2",
    "rougel",
    "r2",
    "score",
    "mcc",
    "exact",
    "match",
    "em",
    "mcc",
    "matthews",
    "sensitivity",
    "specificity",
    "pck",
    "ar",
    "kappa",
];
const LOWER_TOKENS: &[&str] =
    &["error", "err", "rmse", "mse", "mae", "wer", "cer", "ppl", "perplexity", "mape", "smape", "nll", "bpc", "bpd", "nme"];

/// Splits a logged name into lower-case alphanumeric tokens; `mAP50-95(B)` → `map50`, `95`, `b`.
pub fn tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty()).map(|t| t.to_ascii_lowercase()).collect()
}

impl Role {
    pub const OTHER: Role = Role { split: Split::Other, kind: Kind::Other };

    /// Infers the role of a series from its logged name.
    pub fn infer(name: &str) -> Role {
        if is_per_class_ap(name) {
            // `bbox/AP-train` is the AP of the class "train", not a training split.
            return Role { split: Split::Validation, kind: Kind::MetricHigher };
        }
        let mut toks = tokens(name);
        // Keras spells IoU `mean_io_u`.
        if let Some(i) = toks.windows(2).position(|w| w[0] == "io" && w[1] == "u") {
            toks.splice(i..i + 2, ["iou".to_string()]);
        }
        let has = |set: &[&str]| toks.iter().any(|t| set.contains(&t.as_str()));
        let kind = infer_kind(&toks);
        // Ultralytics' `metrics/…` are validation metrics, but `metrics/train_loss` is not.
        let validation = toks.iter().any(|t| t != "metrics" && VALIDATION_TOKENS.contains(&t.as_str()))
            || (toks.iter().any(|t| t == "metrics") && !has(TRAIN_TOKENS) && !has(TEST_TOKENS));
        // Detection AP is only ever computed on a held-out set (Detectron2 writes `bbox/AP` with no prefix).
        let eval_only = toks.iter().any(|t| EVAL_ONLY_TOKENS.contains(&t.as_str()) || t.starts_with("map"));
        let validation = validation || (eval_only && !has(TRAIN_TOKENS) && !has(TEST_TOKENS));
        let split = if validation {
            Split::Validation
        } else if has(TEST_TOKENS) {
            Split::Test
        } else if has(TRAIN_TOKENS) {
            Split::Train
        } else {
            match kind {
                // Keras and most loggers name training quantities without a prefix.
                Kind::Loss | Kind::MetricHigher | Kind::MetricLower => Split::Train,
                _ => Split::Other,
            }
        };
        let split = match kind {
            Kind::LearningRate | Kind::UpdateRatio | Kind::GradNorm | Kind::Other => Split::Other,
            _ => split,
        };
        Role { split, kind }
    }
}

/// Detectron2's per-class AP keys: `bbox/AP-<class>`, `segm/AP50-<class>`.
pub fn is_per_class_ap(name: &str) -> bool {
    let Some((_, tail)) = name.rsplit_once('/') else { return false };
    let Some((head, class)) = tail.split_once('-') else { return false };
    let head = head.to_ascii_lowercase();
    !class.is_empty()
        && head.starts_with("ap")
        && head[2..].chars().all(|c| c.is_ascii_alphanumeric())
        && !class.chars().all(|c| c.is_ascii_digit())
}

fn infer_kind(toks: &[String]) -> Kind {
    let has = |set: &[&str]| toks.iter().any(|t| set.contains(&t.as_str()));
    let has_tok = |t: &str| toks.iter().any(|x| x == t);
    let joined = toks.join("_");
    if toks.is_empty() {
        return Kind::Other;
    }
    if joined.contains("update_ratio") || joined.contains("update_to_weight") || joined == "ratio" {
        return Kind::UpdateRatio;
    }
    if joined.contains("grad_norm") || joined.contains("gradient_norm") || has_tok("gradnorm") {
        return Kind::GradNorm;
    }
    let lr_token = toks.iter().any(|t| t == "lr" || (t.starts_with("lr") && t[2..].chars().all(|c| c.is_ascii_digit())));
    if lr_token || joined.contains("learning_rate") {
        return Kind::LearningRate;
    }
    if has(OTHER_TOKENS) && !has_tok("loss") && !has(HIGHER_TOKENS) && !has(LOWER_TOKENS) {
        return Kind::Other;
    }
    if has_tok("runtime") || has_tok("samples") || has_tok("flos") || has_tok("memory") {
        return Kind::Other;
    }
    if has_tok("loss") || has_tok("om") || has_tok("oo") {
        return Kind::Loss;
    }
    if has(LOWER_TOKENS) {
        return Kind::MetricLower;
    }
    if has(HIGHER_TOKENS) || toks.iter().any(|t| t.starts_with("map") || t.starts_with("top")) {
        return Kind::MetricHigher;
    }
    Kind::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str) -> (Split, Kind) {
        let r = Role::infer(name);
        (r.split, r.kind)
    }

    #[test]
    fn losses_from_every_logger_get_their_split() {
        assert_eq!(role("loss"), (Split::Train, Kind::Loss));
        assert_eq!(role("train_loss"), (Split::Train, Kind::Loss));
        assert_eq!(role("train/loss"), (Split::Train, Kind::Loss));
        assert_eq!(role("train_loss_step"), (Split::Train, Kind::Loss));
        assert_eq!(role("val_loss"), (Split::Validation, Kind::Loss));
        assert_eq!(role("eval_loss"), (Split::Validation, Kind::Loss));
        assert_eq!(role("validation/epoch_loss"), (Split::Validation, Kind::Loss));
        assert_eq!(role("epoch/val_loss"), (Split::Validation, Kind::Loss));
        assert_eq!(role("test_loss"), (Split::Test, Kind::Loss));
        assert_eq!(role("val/box_loss"), (Split::Validation, Kind::Loss));
        assert_eq!(role("train/dfl_om"), (Split::Train, Kind::Loss));
    }

    #[test]
    fn metrics_know_which_direction_is_better() {
        assert_eq!(role("acc"), (Split::Train, Kind::MetricHigher));
        assert_eq!(role("accuracy"), (Split::Train, Kind::MetricHigher));
        assert_eq!(role("val_acc"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("eval_accuracy"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("eval_top1"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("test_acc1"), (Split::Test, Kind::MetricHigher));
        assert_eq!(role("metrics/mAP50(B)"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("metrics/mAP_0.5:0.95"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("val_categorical_accuracy"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("eval_wer"), (Split::Validation, Kind::MetricLower));
        assert_eq!(role("val/rmse_loss"), (Split::Validation, Kind::Loss));
        assert_eq!(role("bbox/AP"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("segm/APs"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("fast_rcnn/cls_accuracy"), (Split::Train, Kind::MetricHigher));
        assert_eq!(role("eval_matthews_correlation"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("val_mean_io_u"), (Split::Validation, Kind::MetricHigher));
        assert_eq!(role("val/NME"), (Split::Validation, Kind::MetricLower));
    }

    /// Issue 13: `bbox/AP-train` is the AP of the class "train", a validation metric.
    #[test]
    fn a_per_class_ap_key_is_not_a_split() {
        assert_eq!(role("bbox/AP-train"), (Split::Validation, Kind::MetricHigher));
        assert!(is_per_class_ap("segm/AP50-person"));
        assert!(!is_per_class_ap("metrics/mAP50-95(B)"));
        assert!(!is_per_class_ap("bbox/AP"));
    }

    #[test]
    fn optimiser_quantities_are_recognised() {
        for name in ["lr", "learning_rate", "lr/pg0", "x/lr0", "lr-Adam", "train/learning_rate", "train_lr"] {
            assert_eq!(role(name).1, Kind::LearningRate, "{name}");
        }
        assert_eq!(role("update_ratio").1, Kind::UpdateRatio);
        assert_eq!(role("grad_norm").1, Kind::GradNorm);
        assert_eq!(role("train/grad_norm").1, Kind::GradNorm);
    }

    #[test]
    fn bookkeeping_is_other() {
        for name in ["eval_runtime", "eval_samples_per_second", "time", "data_time", "eta_seconds", "epoch", "memory", "n_parameters"] {
            assert_eq!(Role::infer(name), Role::OTHER, "{name}");
        }
    }
}
