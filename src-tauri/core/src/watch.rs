//! Watching the library folders: photos that arrive or change are judged in the background by the
//! same pipeline as a scan, photos that leave are forgotten. The OS watcher (`notify`, through a
//! debouncer) only says *where* something happened; each batch re-reads the folders concerned, so
//! a RAW+JPEG pair is found whole and nothing depends on the exact events a platform sends.
//!
//! A file is judged once it has been quiet for [`WatchOptions::quiet`]: a card import or a slow
//! copy keeps writing, and a half-written photo must not be judged (were one judged anyway, its
//! next write changes its fingerprint and it is judged again).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::event::ModifyKind;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, DebouncedEvent};

use crate::error::{Error, Result};
use crate::library::{FileKind, Library};
use crate::model::ModelHandle;
use crate::progress::{CancelToken, ProgressSink};
use crate::scan::{collect, collect_folders, judge_collected, Collected, ScanOptions, ShotReport};

/// How the watcher runs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// The folders watched, with everything below them.
    pub folders: Vec<PathBuf>,
    /// How long a file must be left alone before it is judged.
    pub quiet: Duration,
    /// Judge everything already there before watching (`cull watch`); the app scans on request.
    pub scan_first: bool,
    pub threads: Option<usize>,
    pub model: Option<ModelHandle>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            folders: Vec::new(),
            quiet: Duration::from_secs(2),
            scan_first: false,
            threads: None,
            model: None,
        }
    }
}

/// What the watcher tells whoever runs it.
#[derive(Debug)]
pub enum Change<'a> {
    /// Watching has begun (after the first scan, when asked for one).
    Ready,
    /// A shot judged (new or changed files); already stored when this is heard.
    Judged(&'a ShotReport),
    /// A shot whose files all left the library; its row is gone, its decision kept.
    Removed { key: &'a str, path: &'a Path },
    /// Another job holds the library; the watcher waits for it.
    Waiting(&'a str),
    /// A batch is done: everything that arrived so far is judged and stored (a moment to redraw).
    Idle,
    /// The OS watcher reported a problem (too many folders to watch, a folder gone); the message
    /// says what. Watching goes on where it can.
    Problem(String),
}

/// Where something happened since the last batch.
#[derive(Debug, Default)]
struct Touched {
    /// Folders to re-read (not below): a photo in them arrived, changed or left.
    folders: BTreeSet<PathBuf>,
    /// Folders that arrived whole (created, or moved in): read with everything below.
    trees: BTreeSet<PathBuf>,
    /// Paths that left and may have been folders: what was stored below them is checked.
    gone: BTreeSet<PathBuf>,
}

impl Touched {
    fn is_empty(&self) -> bool {
        self.folders.is_empty() && self.trees.is_empty() && self.gone.is_empty()
    }

    fn absorb(&mut self, event: &DebouncedEvent) {
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for path in &event.paths {
            // Temporary names (`.IMG_1.JPG.part`, Cull's own `.name.tmp-N`) become photos, if
            // ever, by a rename that is seen under the final name.
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
            {
                continue;
            }
            let is_photo = FileKind::from_path(path).is_some();
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {
                    // A folder created or moved in; not one whose times changed because a file
                    // inside it did (that file has its own event, and re-reading a library root
                    // whole for each would be a rescan).
                    if matches!(
                        event.kind,
                        EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
                    ) {
                        self.trees.insert(path.clone());
                    }
                }
                Ok(_) if is_photo => {
                    if let Some(parent) = path.parent() {
                        self.folders.insert(parent.to_path_buf());
                    }
                }
                Ok(_) => {}
                Err(_) if is_photo => {
                    if let Some(parent) = path.parent() {
                        self.folders.insert(parent.to_path_buf());
                    }
                }
                Err(_) => {
                    self.gone.insert(path.clone());
                }
            }
        }
    }
}

/// Watches `options.folders` until `cancel` is set, judging arrivals and forgetting departures.
/// Each batch holds the library's job lock while it writes, waiting for other jobs (`cull scan`,
/// the app's clean-up) to finish first.
pub fn watch(
    library: &mut Library,
    options: &WatchOptions,
    sink: &dyn ProgressSink,
    cancel: &CancelToken,
    on_change: &mut dyn FnMut(Change<'_>),
) -> Result<()> {
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer =
        new_debouncer(options.quiet, None, tx).map_err(|e| Error::Watch(e.to_string()))?;
    let folders: Vec<PathBuf> = options
        .folders
        .iter()
        .map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()))
        .collect();
    for folder in &folders {
        debouncer
            .watch(folder, RecursiveMode::Recursive)
            .map_err(|e| Error::Watch(format!("{}: {e}", folder.display())))?;
    }
    let scan_options = ScanOptions {
        roots: folders.clone(),
        threads: options.threads,
        model: options.model.clone(),
        skip_cached: true,
    };
    // The OS watcher is already listening: nothing that arrives during the first scan is missed.
    if options.scan_first {
        let _job = wait_for_library(library, cancel, on_change)?;
        let collected = collect(&folders, cancel);
        judge_collected(
            library.store_mut(),
            collected,
            &ScanOptions {
                skip_cached: false,
                ..scan_options.clone()
            },
            sink,
            cancel,
            &mut |report| on_change(Change::Judged(report)),
        )?;
    }
    on_change(Change::Ready);

    let mut touched = Touched::default();
    while !cancel.is_cancelled() {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(result) => take(result, &mut touched, on_change),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        // Whatever else is already waiting joins the same batch.
        while let Ok(result) = rx.try_recv() {
            take(result, &mut touched, on_change);
        }
        if !touched.is_empty() {
            let batch = std::mem::take(&mut touched);
            match judge_batch(
                library,
                &folders,
                batch,
                &scan_options,
                sink,
                cancel,
                on_change,
            ) {
                Ok(()) => on_change(Change::Idle),
                Err(Error::Cancelled) => {}
                Err(err) => return Err(err),
            }
        }
    }
    debouncer.stop();
    Ok(())
}

fn take(result: DebounceEventResult, touched: &mut Touched, on_change: &mut dyn FnMut(Change<'_>)) {
    match result {
        Ok(events) => events.iter().for_each(|e| touched.absorb(e)),
        Err(errors) => {
            for error in errors {
                on_change(Change::Problem(error.to_string()));
            }
        }
    }
}

fn wait_for_library(
    library: &Library,
    cancel: &CancelToken,
    on_change: &mut dyn FnMut(Change<'_>),
) -> Result<crate::library::JobLock> {
    library.wait_for_jobs("the folder watcher", cancel, &mut |holder| {
        on_change(Change::Waiting(holder))
    })
}

/// Judges what arrived or changed in the touched folders, then forgets stored shots whose files
/// are all gone from them.
fn judge_batch(
    library: &mut Library,
    roots: &[PathBuf],
    touched: Touched,
    options: &ScanOptions,
    sink: &dyn ProgressSink,
    cancel: &CancelToken,
    on_change: &mut dyn FnMut(Change<'_>),
) -> Result<()> {
    let _job = wait_for_library(library, cancel, on_change)?;
    let folders: Vec<PathBuf> = touched
        .folders
        .iter()
        .filter(|f| f.is_dir())
        .cloned()
        .collect();
    let trees: Vec<PathBuf> = touched
        .trees
        .iter()
        .filter(|t| t.is_dir())
        .cloned()
        .collect();
    let mut shots = BTreeMap::new();
    let mut unlisted = Vec::new();
    for part in [collect_folders(&folders, cancel), collect(&trees, cancel)] {
        // A folder read shallow may also lie in a tree read whole: each shot is judged once.
        for shot in part.shots {
            shots.entry(shot.key.clone()).or_insert(shot);
        }
        unlisted.extend(part.unlisted);
    }
    judge_collected(
        library.store_mut(),
        Collected {
            shots: shots.into_values().collect(),
            unlisted,
        },
        options,
        sink,
        cancel,
        &mut |report| on_change(Change::Judged(report)),
    )?;

    // Departures. A library folder that is itself missing is an unplugged drive or an unmounted
    // share, not a deletion: nothing stored under it is forgotten.
    let live_root = |path: &Path| roots.iter().any(|r| path.starts_with(r) && r.is_dir());
    let mut checked: Vec<(&Path, bool)> = Vec::new();
    checked.extend(touched.folders.iter().map(|f| (f.as_path(), false)));
    checked.extend(touched.gone.iter().map(|g| (g.as_path(), true)));
    checked.extend(touched.trees.iter().map(|t| (t.as_path(), true)));
    let mut gone = Vec::new();
    for (place, below) in checked {
        if !live_root(place) {
            continue;
        }
        for stored in library.store().shots_under(place)? {
            let report = &stored.report;
            let here = below || report.path.parent() == Some(place);
            if here && report.files.iter().all(|f| !f.exists()) {
                gone.push((report.key.clone(), report.path.clone()));
            }
        }
    }
    gone.sort();
    gone.dedup();
    let keys: Vec<String> = gone.iter().map(|(k, _)| k.clone()).collect();
    library.store_mut().forget(&keys)?;
    for (key, path) in &gone {
        on_change(Change::Removed { key, path });
    }
    Ok(())
}
