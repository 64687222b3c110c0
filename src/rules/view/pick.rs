//! Picking "the" series of a role: by split, kind, granularity, what the user
//! named, how much of a headline it is, and how canonical its name is.

use super::levels::Levels;
use super::names::{family_distance, metric_rank, name_score, PLACE_TOKENS};
use super::Pick;
use crate::model::role::tokens;
use crate::model::{Kind, Series, Split};

pub(super) fn pick<'a>(
    levels: &Levels<'a>,
    splits: &[Split],
    kinds: &[Kind],
    want_epoch_level: Option<bool>,
    accuracy_first: bool,
) -> Option<Pick<'a>> {
    for split in splits {
        let mut cands: Vec<&Series> = levels
            .run
            .series
            .iter()
            .filter(|s| {
                (s.role.split == *split || matches!(s.role.kind, Kind::LearningRate | Kind::UpdateRatio))
                    && kinds.contains(&s.role.kind)
                    && !s.is_empty()
            })
            .collect();
        if cands.is_empty() {
            continue;
        }
        if let Some(level) = want_epoch_level {
            let matching: Vec<&Series> = cands.iter().copied().filter(|s| levels.of(s) == level).collect();
            if !matching.is_empty() {
                cands = matching;
            } else if level {
                // Nothing per-epoch: the table aligns the finer series instead.
                return None;
            }
        }
        let chosen = |s: &Series| s.preferred || levels.run.headline.as_deref() == Some(s.name.as_str());
        cands.sort_by_key(|s| {
            let headline = if accuracy_first { metric_rank(&s.name) } else { 0 };
            (
                !chosen(s),
                headline,
                family_distance(s, levels.family.as_deref()),
                name_score(&s.name, accuracy_first),
                std::cmp::Reverse(s.len()),
            )
        });
        let s = cands[0];
        return Some(Pick { series: s, epoch_level: levels.of(s) });
    }
    None
}

/// The train metric that matches the validation metric's name (`val_acc` ↔ `acc`).
pub(super) fn matching_train_metric<'a>(levels: &Levels<'a>, val: &Series) -> Option<Pick<'a>> {
    let run = levels.run;
    let strip = |n: &str| -> Vec<String> { tokens(n).into_iter().filter(|t| !PLACE_TOKENS.contains(&t.as_str())).collect() };
    let core = strip(&val.name);
    let mut cands: Vec<&Series> =
        run.series.iter().filter(|s| s.role.split == Split::Train && s.role.kind == val.role.kind && strip(&s.name) == core).collect();
    cands.sort_by_key(|s| (!levels.of(s), std::cmp::Reverse(s.len())));
    cands.first().map(|s| Pick { series: s, epoch_level: levels.of(s) })
}
