//! Clean-up: rejected shots go to the operating system's trash — never deleted — and every move is
//! logged so that the last clean-up can be put back.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::judge::Verdict;
use crate::scan::ShotReport;
use crate::store::{Decision, Store};

/// The shots a clean-up would move, with their files and sizes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CleanupPlan {
    pub shots: Vec<PlannedShot>,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedShot {
    pub key: String,
    pub files: Vec<(PathBuf, u64)>,
}

/// What a clean-up did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CleanupOutcome {
    pub cleanup_id: Option<i64>,
    pub moved: Vec<(PathBuf, u64)>,
    pub failed: Vec<(PathBuf, String)>,
}

/// What an undo did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UndoOutcome {
    pub restored: Vec<PathBuf>,
    /// Journaled by a clean-up that was cut off before it moved them: they are where they were.
    pub never_moved: Vec<PathBuf>,
    pub failed: Vec<(PathBuf, String)>,
}

/// Picks the shots to move: Cull's `reject` verdicts, overridden both ways by the user's own
/// decisions, each with its sidecars (`library::sidecars_of`). Files that vanished since the scan
/// are left out.
pub fn plan_cleanup(store: &Store, reports: &[ShotReport]) -> Result<CleanupPlan> {
    let mut plan = CleanupPlan::default();
    for report in reports {
        let key = &report.key;
        let cull_rejects = report.judged().map(|j| j.verdict) == Some(Verdict::Reject);
        let rejected = match store.decision(key)? {
            Some(Decision::Reject) => true,
            Some(Decision::Keep) => false,
            None => cull_rejects,
        };
        if !rejected {
            continue;
        }
        // The shot's files, then the sidecars beside them: edits made in other tools travel to
        // the trash with their photo, and come back with it.
        let files: Vec<(PathBuf, u64)> = report
            .files
            .iter()
            .cloned()
            .chain(crate::library::sidecars_of(&report.files))
            .filter_map(|p| std::fs::metadata(&p).ok().map(|m| (p, m.len())))
            .collect();
        // Sidecars alone (their photo already gone) are not a shot to move.
        if !files.iter().any(|(p, _)| report.files.contains(p)) {
            continue;
        }
        plan.total_bytes += files.iter().map(|(_, b)| b).sum::<u64>();
        plan.shots.push(PlannedShot {
            key: key.clone(),
            files,
        });
    }
    Ok(plan)
}

/// Moves every file of the plan to the OS trash as one clean-up, journaled move by move: every
/// file is recorded before the first one moves and confirmed after its own move, so whenever the
/// process stops, Undo knows every file that may be in the trash.
pub fn execute_cleanup(store: &mut Store, plan: &CleanupPlan) -> Result<CleanupOutcome> {
    let mut outcome = CleanupOutcome::default();
    let files: Vec<(PathBuf, u64)> = plan
        .shots
        .iter()
        .flat_map(|shot| shot.files.iter().cloned())
        .collect();
    if files.is_empty() {
        return Ok(outcome);
    }
    let id = store.begin_cleanup(&files)?;
    for (path, bytes) in files {
        match ::trash::delete(&path) {
            Ok(()) => {
                store.mark_moved(id, &path)?;
                outcome.moved.push((path, bytes));
            }
            Err(err) => {
                store.forget_unmoved(id, &path)?;
                outcome.failed.push((path, err.to_string()));
            }
        }
    }
    store.drop_if_empty(id)?;
    if !outcome.moved.is_empty() {
        outcome.cleanup_id = Some(id);
    }
    Ok(outcome)
}

/// Puts the files of the newest clean-up back where they were. A file journaled but never
/// confirmed (the clean-up was cut off around its move) that is still in place counts as put
/// back: it never left.
pub fn undo_last_cleanup(store: &mut Store) -> Result<UndoOutcome> {
    let record = store
        .last_cleanup()?
        .ok_or_else(|| Error::Undo("nothing to undo: no clean-up is recorded".into()))?;
    let wanted: Vec<PathBuf> = record.files.iter().map(|(p, _)| p.clone()).collect();
    let mut outcome = restore(&wanted)?;
    let (in_place, failed): (Vec<_>, Vec<_>) = std::mem::take(&mut outcome.failed)
        .into_iter()
        .partition(|(path, _)| record.unconfirmed.contains(path) && path.exists());
    outcome.failed = failed;
    outcome.never_moved = in_place.into_iter().map(|(p, _)| p).collect();
    let done: Vec<PathBuf> = outcome
        .restored
        .iter()
        .chain(&outcome.never_moved)
        .cloned()
        .collect();
    store.mark_restored(record.id, &done)?;
    Ok(outcome)
}

#[cfg(any(
    target_os = "windows",
    all(
        unix,
        not(target_os = "macos"),
        not(target_os = "ios"),
        not(target_os = "android")
    )
))]
fn restore(wanted: &[PathBuf]) -> Result<UndoOutcome> {
    use std::collections::HashMap;
    use trash::os_limited;

    let items = os_limited::list().map_err(|e| Error::Trash(e.to_string()))?;
    // The same path may have been trashed more than once; the newest copy is ours.
    let mut newest: HashMap<PathBuf, trash::TrashItem> = HashMap::new();
    for item in items {
        let original = item.original_path();
        if !wanted.contains(&original) {
            continue;
        }
        let newer = newest
            .get(&original)
            .is_none_or(|seen| item.time_deleted > seen.time_deleted);
        if newer {
            newest.insert(original, item);
        }
    }
    let mut outcome = UndoOutcome::default();
    for path in wanted {
        let Some(item) = newest.remove(path) else {
            outcome
                .failed
                .push((path.clone(), "no longer in the trash".into()));
            continue;
        };
        if path.exists() {
            outcome.failed.push((
                path.clone(),
                "a file of that name exists there again; left in the trash".into(),
            ));
            continue;
        }
        match os_limited::restore_all([item]) {
            Ok(()) => outcome.restored.push(path.clone()),
            Err(err) => outcome.failed.push((path.clone(), err.to_string())),
        }
    }
    Ok(outcome)
}

#[cfg(not(any(
    target_os = "windows",
    all(
        unix,
        not(target_os = "macos"),
        not(target_os = "ios"),
        not(target_os = "android")
    )
)))]
fn restore(_wanted: &[PathBuf]) -> Result<UndoOutcome> {
    Err(Error::Undo(
        "undo from the trash is not available on this system yet: the files are in the Trash, \
         use its Put Back"
            .into(),
    ))
}
