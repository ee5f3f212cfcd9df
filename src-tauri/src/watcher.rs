//! The app's folder watcher: a background thread runs `cull_core::watch::watch` over the library
//! folders and tells the window what changed through events (`library-news` with judged and
//! removed shots, `watch-progress` while a batch is judged), so photos copied into a folder
//! appear in the grid by themselves. Restarted whenever the folders or the device change.

use std::time::{Duration, Instant};

use cull_core::progress::{Progress, ProgressSink};
use cull_core::watch::{watch, Change, WatchOptions};
use cull_core::{CancelToken, Library};
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
                news.shots
                    .push(ShotView::new(report, decision, &settings.sensitivity));
                send(&mut news, false);
            }
            Change::Removed { key, .. } => {
                news.removed.push(cull_core::shot_id(key));
                send(&mut news, false);
            }
            Change::Idle => send(&mut news, true),
            Change::Problem(message) => {
                news.problem = Some(format!("Watching your folders: {message}"));
                send(&mut news, true);
            }
            Change::Ready | Change::Waiting(_) => {}
        },
    );
    send(&mut news, true);
    match outcome {
        Ok(()) | Err(cull_core::Error::Cancelled) => Ok(()),
        Err(err) => Err(err.into()),
    }
}
