//! The commands the UI invokes. Each one is a few lines over `cull-core`; anything slow runs on a
//! blocking thread so the window never stalls.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cull_core::library::JobLock;
use cull_core::progress::{Progress, ProgressSink};
use cull_core::trash::{execute_cleanup, plan_cleanup, undo_last_cleanup};
use cull_core::{judge_file, CancelToken, Decision, ScanOptions, ScanSummary, ShotReport};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use crate::api::{
    AppInfo, CleanupPlanView, CleanupResult, ScanEvent, Settings, ShotDetail, ShotView, UndoResult,
};
use crate::state::{AppError, AppResult, AppState};

pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Message(format!("background task failed: {e}")))?
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.info()
}

#[tauri::command]
pub fn set_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> AppResult<AppInfo> {
    let before = state.settings();
    state.save_settings(settings)?;
    let after = state.settings();
    if before.folders != after.folders || before.device != after.device {
        crate::watcher::restart(&app);
    }
    Ok(state.info())
}

fn canonical_folder(path: &str) -> AppResult<String> {
    let canonical = std::fs::canonicalize(path)
        .map_err(|e| AppError::Message(format!("cannot open folder {path}: {e}")))?;
    if !canonical.is_dir() {
        return Err(AppError::Message(format!("{path} is not a folder")));
    }
    Ok(canonical.to_string_lossy().to_string())
}

#[tauri::command]
pub fn add_folders(
    app: AppHandle,
    state: State<'_, AppState>,
    paths: Vec<String>,
) -> AppResult<AppInfo> {
    let mut settings = state.settings();
    for path in paths {
        let folder = canonical_folder(&path)?;
        if !settings.folders.contains(&folder) {
            settings.folders.push(folder);
        }
    }
    state.save_settings(settings)?;
    crate::watcher::restart(&app);
    Ok(state.info())
}

#[tauri::command]
pub fn remove_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> AppResult<AppInfo> {
    let mut settings = state.settings();
    settings.folders.retain(|f| f != &path);
    state.save_settings(settings)?;
    crate::watcher::restart(&app);
    Ok(state.info())
}

/// Copies the bundled sample library (real photos and copies with generated defects) into the
/// data folder — clean-up must never touch the installed app — and adds it.
#[tauri::command]
pub async fn open_sample_library(app: AppHandle) -> AppResult<AppInfo> {
    let state = app.state::<AppState>();
    let source = state.sample_source.clone().ok_or_else(|| {
        AppError::Message("the sample library is not bundled with this build".into())
    })?;
    let target = state.home.join("Sample library");
    let copy_to = target.clone();
    blocking(move || {
        std::fs::create_dir_all(&copy_to)?;
        for entry in std::fs::read_dir(&source)? {
            let entry = entry?;
            let destination = copy_to.join(entry.file_name());
            if entry.file_type()?.is_file() && !destination.exists() {
                std::fs::copy(entry.path(), destination)?;
            }
        }
        Ok(())
    })
    .await?;
    add_folders(
        app.clone(),
        state,
        vec![target.to_string_lossy().to_string()],
    )
}

/// Forwards progress to the UI's channel (the engine already throttles it).
struct ChannelSink<'a>(&'a Channel<ScanEvent>);

impl ProgressSink for ChannelSink<'_> {
    fn progress(&self, p: &Progress) {
        // A closed window has nobody to tell.
        let _ = self.0.send(ScanEvent::Progress {
            stage: p.stage,
            done: p.done,
            total: p.total,
            failed: p.failed,
            elapsed_secs: p.elapsed_secs,
        });
    }
}

#[tauri::command]
pub async fn scan(app: AppHandle, on_event: Channel<ScanEvent>) -> AppResult<ScanSummary> {
    let state = app.state::<AppState>();
    let settings = state.settings();
    if settings.folders.is_empty() {
        return Err(AppError::Message("choose a library folder first".into()));
    }
    for folder in &settings.folders {
        if !Path::new(folder).is_dir() {
            return Err(AppError::Message(format!(
                "cannot read the folder {folder}"
            )));
        }
    }
    let cancel = CancelToken::new();
    state.set_running_scan(Some(cancel.clone()));
    let mut store = state.library().open_store()?;
    let home = state.home.clone();
    let model = state.model();
    let outcome = blocking(move || {
        // One writer at a time: a `cull scan` of the same library, or the watcher's batch, goes
        // first; Cancel gives up the wait.
        let _job = JobLock::wait(&home, "a scan in the Cull app", &cancel, &mut |holder| {
            let _ = on_event.send(ScanEvent::Waiting {
                holder: holder.to_string(),
            });
        })?;
        let decisions = store.decisions()?;
        // The groups of the last scan until this one regroups at its end (the grid then reloads),
        // so a rescan does not unstack the grid for its duration.
        let groups = store.groups()?;
        let options = ScanOptions {
            roots: settings.folders.iter().map(PathBuf::from).collect(),
            threads: None,
            model,
            skip_cached: false,
        };
        let sink = ChannelSink(&on_event);
        let mut batch: Vec<ShotView> = Vec::new();
        let mut last_sent = Instant::now();
        let summary = cull_core::scan(&mut store, &options, &sink, &cancel, &mut |report| {
            let decision = decisions.get(&report.key).copied();
            let group = groups.get(&report.key).cloned();
            batch.push(ShotView::new(report.clone(), decision, group, &settings));
            if last_sent.elapsed() >= Duration::from_millis(250) {
                let shots = std::mem::take(&mut batch);
                let _ = on_event.send(ScanEvent::Shots { shots });
                last_sent = Instant::now();
            }
        });
        if !batch.is_empty() {
            let _ = on_event.send(ScanEvent::Shots { shots: batch });
        }
        let mut summary = summary?;
        // The counts the grid will show: under the settings and the groups the scan ended with.
        let shown: Vec<(ShotReport, Option<Decision>)> = store
            .all_shots()?
            .into_iter()
            .filter(|s| settings.in_library(&s.report.path))
            .map(|s| (settings.apply(s.report, s.group.as_ref()), s.decision))
            .collect();
        summary.recount(shown.iter().map(|(r, _)| r));
        if let Some(naming) = settings.xmp {
            for (report, decision) in &shown {
                write_sidecars(report, *decision, naming);
            }
        }
        Ok(summary)
    })
    .await;
    state.set_running_scan(None);
    match outcome {
        Ok(summary) => Ok(summary),
        Err(AppError::Core(cull_core::Error::Cancelled)) => {
            Err(AppError::Message("scan cancelled".into()))
        }
        Err(err) => Err(err),
    }
}

#[tauri::command]
pub fn cancel_scan(state: State<'_, AppState>) {
    state.cancel_running_scan();
}

fn library_views(state: &AppState) -> AppResult<Vec<ShotView>> {
    let settings = state.settings();
    let shots = state.store().all_shots()?;
    Ok(shots
        .into_iter()
        .filter(|s| settings.in_library(&s.report.path))
        .map(|s| ShotView::of_stored(s, &settings))
        .collect())
}

#[tauri::command]
pub async fn list_shots(app: AppHandle) -> AppResult<Vec<ShotView>> {
    blocking(move || library_views(&app.state::<AppState>())).await
}

#[tauri::command]
pub async fn shot_detail(app: AppHandle, id: i64) -> AppResult<ShotDetail> {
    blocking(move || {
        let state = app.state::<AppState>();
        let stored = state
            .store()
            .shot(id)?
            .ok_or_else(|| AppError::Message(format!("no shot {id}")))?;
        let settings = state.settings();
        let members = match &stored.group {
            Some(group) => state.store().group_members(group.id)?,
            None => Vec::new(),
        };
        // The cache keeps verdicts, not the tile maps behind them: measure again for the loupe.
        let measured = judge_file(&stored.report.path, None).ok();
        Ok(ShotDetail::new(stored, &settings, measured, members))
    })
    .await
}

#[tauri::command]
pub fn decide(
    state: State<'_, AppState>,
    ids: Vec<i64>,
    decision: Option<Decision>,
) -> AppResult<Vec<ShotView>> {
    decide_shots(&state, ids, decision)
}

/// [`decide`]: the call recorded in one transaction, written into the sidecars when the
/// library writes them, and the shots as the grid now shows them.
fn decide_shots(
    state: &AppState,
    ids: Vec<i64>,
    decision: Option<Decision>,
) -> AppResult<Vec<ShotView>> {
    let settings = state.settings();
    let mut store = state.store();
    let mut shots = Vec::with_capacity(ids.len());
    for id in ids {
        shots.extend(store.shot(id)?);
    }
    // One transaction: keeping the best of every stack is one call, recorded whole or not at all.
    let keys: Vec<String> = shots.iter().map(|s| s.report.key.clone()).collect();
    store.set_decisions(&keys, decision)?;
    if let Some(naming) = settings.xmp {
        for shot in &shots {
            let shown = settings.apply(shot.report.clone(), shot.group.as_ref());
            write_sidecars(&shown, decision, naming);
        }
    }
    Ok(shots
        .into_iter()
        .map(|shot| ShotView::new(shot.report, decision, shot.group, &settings))
        .collect())
}

/// Writes a shot's XMP sidecars (the library's setting): a sidecar that cannot be written costs
/// only itself — the decision or the scan stands, and the reason goes to the log.
pub(crate) fn write_sidecars(
    report: &ShotReport,
    decision: Option<Decision>,
    naming: cull_core::xmp::SidecarNaming,
) {
    if let Err(err) = cull_core::xmp::write_for_shot(report, decision, naming) {
        eprintln!("cull: sidecar of {}: {err}", report.path.display());
    }
}

fn plan(state: &AppState) -> AppResult<cull_core::trash::CleanupPlan> {
    let settings = state.settings();
    let store = state.store();
    // Cull's verdict under the user's sensitivities, then the user's own decisions on top.
    let reports: Vec<ShotReport> = store
        .all_shots()?
        .into_iter()
        .filter(|s| settings.in_library(&s.report.path))
        .map(|s| settings.apply(s.report, s.group.as_ref()))
        .collect();
    Ok(plan_cleanup(&store, &reports)?)
}

/// Takes the library's job lock, waiting for the watcher's batch or a `cull` command to finish
/// (without the app's own library handle: holding it while waiting would stall every query).
fn wait_for_jobs(state: &AppState, job: &str) -> AppResult<JobLock> {
    Ok(JobLock::wait(
        &state.home,
        job,
        &CancelToken::new(),
        &mut |_| {},
    )?)
}

fn describe_failures(failed: &[(PathBuf, String)]) -> Vec<String> {
    failed
        .iter()
        .map(|(path, why)| format!("{}: {why}", path.display()))
        .collect()
}

#[tauri::command]
pub async fn cleanup_plan(app: AppHandle) -> AppResult<CleanupPlanView> {
    blocking(move || {
        let plan = plan(&app.state::<AppState>())?;
        Ok(CleanupPlanView {
            shots: plan.shots.len(),
            files: plan
                .shots
                .iter()
                .flat_map(|s| s.files.iter().map(|(p, _)| p.to_string_lossy().to_string()))
                .collect(),
            bytes: plan.total_bytes,
        })
    })
    .await
}

#[tauri::command]
pub async fn cleanup(app: AppHandle) -> AppResult<CleanupResult> {
    blocking(move || {
        let state = app.state::<AppState>();
        let _job = wait_for_jobs(&state, "a clean-up in the Cull app")?;
        let plan = plan(&state)?;
        let mut store = state.store();
        let outcome = execute_cleanup(&mut store, &plan)?;
        let gone: Vec<String> = plan
            .shots
            .iter()
            .filter(|s| s.files.iter().all(|(p, _)| !p.exists()))
            .map(|s| s.key.clone())
            .collect();
        store.forget(&gone)?;
        Ok(CleanupResult {
            moved: outcome.moved.len(),
            bytes: outcome.moved.iter().map(|(_, b)| b).sum(),
            failed: describe_failures(&outcome.failed),
        })
    })
    .await
}

#[tauri::command]
pub async fn undo_cleanup(app: AppHandle) -> AppResult<UndoResult> {
    blocking(move || {
        let state = app.state::<AppState>();
        let _job = wait_for_jobs(&state, "an undo in the Cull app")?;
        let outcome = undo_last_cleanup(&mut state.store())?;
        Ok(UndoResult {
            restored: outcome.restored.len(),
            failed: describe_failures(&outcome.failed),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: planning the clean-up asked the app state about each shot's folder while
    /// holding the store, which locked the library a second time and hung every later command.
    #[test]
    fn planning_a_clean_up_does_not_lock_the_library_twice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, _) = crate::state::with_one_photo(dir.path());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let planned = plan(&state)
                .map(|p| p.shots.len())
                .map_err(|e| e.to_string());
            let listed = library_views(&state)
                .map(|v| v.len())
                .map_err(|e| e.to_string());
            let _ = tx.send((planned, listed));
        });
        let (planned, listed) = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("plan and list return instead of hanging");
        assert!(planned.is_ok(), "{planned:?}");
        assert_eq!(listed, Ok(1));
    }

    /// With XMP sidecars on, the user's call lands in the sidecar other tools read, and Clear
    /// gives Cull's own call back to it.
    #[test]
    fn a_decision_is_written_into_the_sidecar_when_the_library_writes_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, id) = crate::state::with_one_photo(dir.path());
        let mut settings = state.settings();
        settings.xmp = Some(cull_core::xmp::SidecarNaming::WithExtension);
        state.save_settings(settings).expect("settings");
        let sidecar = dir.path().join("photos/cup.jpg.xmp");
        let rating =
            || cull_core::xmp::read_rating(&std::fs::read_to_string(&sidecar).expect("sidecar"));
        decide_shots(&state, vec![id], Some(Decision::Reject)).expect("decide");
        assert_eq!(rating(), Some(-1));
        decide_shots(&state, vec![id], None).expect("clear");
        assert!(rating().is_some_and(|r| r >= 1), "Cull keeps the cup");
    }

    /// A copy of a photo stacks with it: the grid's views carry the group, the copy
    /// that lost carries the `duplicate` reason and the verdict `Settings::apply` gives it, and
    /// the loupe's detail explains it and lists the stack best first.
    #[test]
    fn a_copy_is_stacked_with_its_original_and_explained() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = crate::state::with_a_copy(dir.path());

        let views = library_views(&state).expect("views");
        assert_eq!(views.len(), 2);
        let groups: Vec<_> = views.iter().filter_map(|v| v.group.clone()).collect();
        assert_eq!(groups.len(), 2, "both shots are stacked: {views:?}");
        assert_eq!(groups[0].id, groups[1].id);
        let (best, copy): (Vec<_>, Vec<_>) = views
            .iter()
            .partition(|v| v.group.as_ref().is_some_and(|g| g.best));
        let (best, copy) = (best[0], copy[0]);
        assert!(!best.reasons.contains(&cull_core::ReasonCode::Duplicate));
        assert!(copy.reasons.contains(&cull_core::ReasonCode::Duplicate));

        let settings = state.settings();
        let stored = state.store().shot(copy.id).expect("read").expect("stored");
        let applied = settings.apply(stored.report.clone(), stored.group.as_ref());
        assert_eq!(copy.verdict, applied.judged().map(|j| j.verdict));
        assert_eq!(copy.score, applied.judged().map(|j| j.score));

        let group_id = groups[0].id;
        let members = state.store().group_members(group_id).expect("members");
        let detail = ShotDetail::new(stored, &settings, None, members);
        let duplicate = detail
            .reasons
            .iter()
            .find(|r| r.code == cull_core::ReasonCode::Duplicate)
            .expect("the loupe explains the duplicate");
        assert!(
            duplicate.message.starts_with("one of 2 copies"),
            "{}",
            duplicate.message
        );
        let stack: Vec<_> = detail
            .stack
            .iter()
            .map(|m| (m.id, m.rank, m.best))
            .collect();
        assert_eq!(stack, vec![(best.id, 1, true), (copy.id, 2, false)]);
    }
}
