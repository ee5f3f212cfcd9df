//! The app's folder watcher: a background thread runs `cull_core::watch::watch` over the library
//! folders and tells the window what changed through events (`library-news` with judged and
//! removed shots, `watch-progress` while a batch is judged), so photos copied into a folder
//! appear in the grid by themselves. Restarted whenever the folders or the device change.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cull_core::groups::ShotGroup;
use cull_core::progress::{Progress, ProgressSink};
use cull_core::watch::{watch, Change, WatchOptions};
use cull_core::{CancelToken, Library, Settings, Store};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::api::{LibraryNews, ScanEvent, ShotView};
use crate::state::AppState;

pub const NEWS_EVENT: &str = "library-news";
pub const PROGRESS_EVENT: &str = "watch-progress";

struct EmitProgress<R: Runtime>(AppHandle<R>);

impl<R: Runtime> ProgressSink for EmitProgress<R> {
    fn progress(&self, p: &Progress) {
        // A window that is gone has nobody to tell.
        let _ = self.0.emit(
            PROGRESS_EVENT,
            ScanEvent::Progress {
                stage: p.stage,
                done: p.done,
                total: p.total,
                failed: p.failed,
                elapsed_secs: p.elapsed_secs,
            },
        );
    }
}

/// Stops the running watcher (if any) and starts one over the current folders.
pub fn restart<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let cancel = CancelToken::new();
    if let Some(previous) = state.swap_watcher(Some(cancel.clone())) {
        previous.cancel();
    }
    let settings = state.settings();
    if settings.folders.is_empty() {
        return;
    }
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("cull-watcher".into())
        .spawn(move || {
            if let Err(err) = run(&app, &cancel) {
                let news = LibraryNews {
                    problem: Some(format!("Cull stopped watching your folders: {err}")),
                    ..LibraryNews::default()
                };
                let _ = app.emit(NEWS_EVENT, news);
            }
        });
    if let Err(err) = spawned {
        eprintln!("cull: could not start the folder watcher: {err}");
    }
}

fn run<R: Runtime>(app: &AppHandle<R>, cancel: &CancelToken) -> crate::state::AppResult<()> {
    let state = app.state::<AppState>();
    let settings = state.settings();
    let mut library = Library::open(&state.home)?;
    let lookups = library.open_store()?;
    let options = WatchOptions {
        folders: settings.folders.iter().map(Into::into).collect(),
        model: state.model(),
        ..WatchOptions::default()
    };
    let sink = EmitProgress(app.clone());
    // What the grid was told of the groups: each batch regroups around what it changed, which can
    // stack (or unstack) shots the batch never touched, so those are sent again after it.
    let mut groups = lookups.groups()?;
    let mut touched = false;
    // The shots judged since the last batch ended: their sidecars are written once grouped.
    let mut judged: Vec<String> = Vec::new();
    let mut news = LibraryNews::default();
    let mut last_sent = Instant::now();
    let mut send = |news: &mut LibraryNews, force: bool| {
        let due = last_sent.elapsed() >= Duration::from_millis(250);
        if news.is_empty() || !(force || due) {
            return;
        }
        let _ = app.emit(NEWS_EVENT, std::mem::take(news));
        last_sent = Instant::now();
    };
    let outcome = watch(
        &mut library,
        &options,
        &sink,
        cancel,
        &mut |change| match change {
            Change::Judged(report) => {
                let decision = lookups.decision(&report.key).ok().flatten();
                news.shots.push(ShotView::new(
                    report.clone(),
                    decision,
                    groups.get(&report.key).cloned(),
                    &settings,
                ));
                judged.push(report.key.clone());
                touched = true;
                send(&mut news, false);
            }
            Change::Removed { key, .. } => {
                news.removed.push(cull_core::shot_id(key));
                touched = true;
                send(&mut news, false);
            }
            Change::Idle => {
                if std::mem::take(&mut touched) {
                    let mut keys = std::mem::take(&mut judged);
                    keys.extend(regrouped(&lookups, &settings, &mut groups, &mut news));
                    write_sidecars(&state, &lookups, &keys);
                }
                send(&mut news, true);
            }
            Change::Problem(message) => {
                news.problem = Some(format!("Watching your folders: {message}"));
                send(&mut news, true);
            }
            Change::Ready | Change::Waiting(_) => {}
        },
    );
    if touched {
        let mut keys = judged;
        keys.extend(regrouped(&lookups, &settings, &mut groups, &mut news));
        write_sidecars(&state, &lookups, &keys);
    }
    send(&mut news, true);
    match outcome {
        Ok(()) | Err(cull_core::Error::Cancelled) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// With the library's XMP sidecars on (read now: the setting may change while the watcher runs),
/// writes the sidecars of the shots `keys` — a batch's arrivals and the shots whose group it
/// changed (a new best changes the others' calls) — as the grid shows them.
fn write_sidecars(state: &AppState, store: &Store, keys: &[String]) {
    let settings = state.settings();
    let Some(naming) = settings.xmp else {
        return;
    };
    let mut done = std::collections::HashSet::new();
    for key in keys {
        if !done.insert(key) {
            continue;
        }
        if let Ok(Some(shot)) = store.shot_by_key(key) {
            let shown = settings.apply(shot.report, shot.group.as_ref());
            crate::commands::write_sidecars(&shown, shot.decision, naming);
        }
    }
}

/// Adds to `news` every shot whose group changed since `known`, which then becomes the current
/// grouping, and returns their keys. The views sent for judged shots before the regrouping are
/// replaced by these.
fn regrouped(
    store: &Store,
    settings: &Settings,
    known: &mut HashMap<String, ShotGroup>,
    news: &mut LibraryNews,
) -> Vec<String> {
    let Ok(now) = store.groups() else {
        return Vec::new();
    };
    let changed: Vec<String> = now
        .iter()
        .filter(|(key, group)| known.get(*key) != Some(*group))
        .map(|(key, _)| key)
        .chain(known.keys().filter(|key| !now.contains_key(*key)))
        .cloned()
        .collect();
    for key in &changed {
        if let Ok(Some(shot)) = store.shot_by_key(key) {
            if settings.in_library(&shot.report.path) {
                let view = ShotView::of_stored(shot, settings);
                news.shots.retain(|s| s.id != view.id);
                news.shots.push(view);
            }
        }
    }
    *known = now;
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With sidecars on, a batch's arrivals and the shots it regrouped get theirs (the copy that
    /// lost carries why); with them off, nothing is written.
    #[test]
    fn a_batchs_arrivals_and_regrouped_shots_get_their_sidecars_when_the_library_writes_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = crate::state::with_a_copy(dir.path());
        // The watcher's own connection, as in `run` (the state's is for the window's queries).
        let lookups = Library::open(&state.home)
            .and_then(|l| l.open_store())
            .expect("store");
        let keys: Vec<String> = lookups.groups().expect("groups").into_keys().collect();
        assert_eq!(keys.len(), 2);
        let sidecars = [
            dir.path().join("photos/cup.jpg.xmp"),
            dir.path().join("photos/cup copy.jpg.xmp"),
        ];
        write_sidecars(&state, &lookups, &keys);
        assert!(sidecars.iter().all(|s| !s.exists()), "off by default");

        let mut settings = state.settings();
        settings.xmp = Some(cull_core::xmp::SidecarNaming::WithExtension);
        state.save_settings(settings).expect("settings");
        write_sidecars(&state, &lookups, &keys);
        let written: Vec<String> = sidecars
            .iter()
            .map(|s| std::fs::read_to_string(s).expect("a sidecar per shot"))
            .collect();
        assert!(
            written.iter().any(|x| x.contains("duplicate")),
            "the copy that lost says why: {written:?}"
        );
    }

    /// A batch that stacks two shots tells the grid of both, with their group; a batch that
    /// changes no group tells nothing more.
    #[test]
    fn shots_whose_group_changed_are_sent_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = crate::state::with_a_copy(dir.path());
        // Settings first: asking for them while holding the store would lock the library twice.
        let settings = state.settings();
        let store = state.store();
        let mut known = HashMap::new();
        let mut news = LibraryNews::default();
        regrouped(&store, &settings, &mut known, &mut news);
        assert_eq!(news.shots.len(), 2, "both copies are sent: {news:?}");
        assert!(news.shots.iter().all(|s| s.group.is_some()));
        assert_eq!(known.len(), 2);

        let mut again = LibraryNews::default();
        regrouped(&store, &settings, &mut known, &mut again);
        assert!(again.is_empty(), "{again:?}");

        // A grouped shot that left the library meanwhile (its removal was news already) is not
        // sent again, and is forgotten.
        let first = known.keys().next().cloned().expect("a key");
        known.insert("/elsewhere/old.jpg".into(), known[&first].clone());
        let mut gone = LibraryNews::default();
        regrouped(&store, &settings, &mut known, &mut gone);
        assert!(gone.is_empty(), "{gone:?}");
        assert!(!known.contains_key("/elsewhere/old.jpg"));
    }
}
