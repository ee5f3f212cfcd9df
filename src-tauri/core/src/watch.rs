//! Watching the library folders: photos that arrive or change are judged in the background by the
//! same pipeline as a scan, photos that leave are forgotten. The OS watcher (`notify`) only says
//! *where* something happened; each batch re-reads the folders concerned, so a RAW+JPEG pair is
//! found whole, a rename is recognised by content (see `Store::adopt`), and nothing depends on
//! the exact events a platform sends or on how a debouncer merges them.
//!
//! A file is judged once it has been quiet for [`WatchOptions::quiet`]: a card import or a slow
//! copy keeps writing, and a half-written photo must not be judged (were one judged anyway, its
//! next write changes its fingerprint and it is judged again).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use std::time::Instant;

use notify::event::ModifyKind;
use notify::{Event, EventKind, RecursiveMode, Watcher};

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

    fn absorb(&mut self, event: &Event, roots: &[PathBuf]) {
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for path in &event.paths {
            // Temporary names (`.IMG_1.JPG.part`, Cull's own `.name.tmp-N`) become photos, if
            // ever, by a rename that is seen under the final name; hidden folders below a library
            // folder (`.thumbnails`, a trash) are skipped by scans too.
            if hidden_below(path, roots) {
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

/// Whether `path`, or a folder between it and the library folder holding it, is hidden. A library
/// folder may itself lie in a hidden one (the sample library in `~/.local/share/cull`).
fn hidden_below(path: &Path, roots: &[PathBuf]) -> bool {
    let below = roots
        .iter()
        .filter_map(|root| path.strip_prefix(root).ok())
        .min_by_key(|rest| rest.components().count())
        .unwrap_or(path);
    below
        .components()
        .any(|c| c.as_os_str().to_str().is_some_and(|n| n.starts_with('.')))
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
    let (tx, rx) = mpsc::channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(tx).map_err(|e| Error::Watch(e.to_string()))?;
    let folders: Vec<PathBuf> = options
        .folders
        .iter()
        .map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()))
        .collect();
    for folder in &folders {
        watcher
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
    // When the batch being gathered heard its first and its latest event.
    let mut gathering: Option<(Instant, Instant)> = None;
    while !cancel.is_cancelled() {
        let mut heard = |result: notify::Result<Event>, touched: &mut Touched| match result {
            Ok(event) => {
                touched.absorb(&event, &folders);
                let now = Instant::now();
                gathering = Some(gathering.map_or((now, now), |(first, _)| (first, now)));
            }
            Err(error) => on_change(Change::Problem(error.to_string())),
        };
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(result) => heard(result, &mut touched),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        while let Ok(result) = rx.try_recv() {
            heard(result, &mut touched);
        }
        // A batch goes once its events pause, or after a second of them (an import keeps them
        // coming, and its first photos should not wait for the last).
        let due = gathering.is_some_and(|(first, last)| {
            last.elapsed() >= BATCH_PAUSE || first.elapsed() >= BATCH_AT_MOST
        });
        if !due || touched.is_empty() {
            continue;
        }
        gathering = None;
        let batch = std::mem::take(&mut touched);
        match judge_batch(
            library,
            &folders,
            batch,
            &scan_options,
            options.quiet,
            sink,
            cancel,
            on_change,
        ) {
            Ok(held_back) if held_back.is_empty() => on_change(Change::Idle),
            // Files still being written: their folders are looked at again shortly.
            Ok(held_back) => {
                touched = held_back;
                let now = Instant::now();
                gathering = Some((now, now));
            }
            Err(Error::Cancelled) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// Events this far apart end a batch.
const BATCH_PAUSE: Duration = Duration::from_millis(250);
/// A batch that keeps hearing events is judged after this long anyway.
const BATCH_AT_MOST: Duration = Duration::from_secs(1);

fn wait_for_library(
    library: &Library,
    cancel: &CancelToken,
    on_change: &mut dyn FnMut(Change<'_>),
) -> Result<crate::library::JobLock> {
    library.wait_for_jobs("the folder watcher", cancel, &mut |holder| {
        on_change(Change::Waiting(holder))
    })
}

/// Whether every file of the shot has been left alone for `quiet`: the OS tells of a file when
/// it is created, long before a slow copy has finished writing it.
fn settled(shot: &crate::library::Shot, quiet: Duration) -> bool {
    shot.files().all(|file| {
        std::fs::metadata(&file.path)
            .and_then(|m| m.modified())
            // A time in the future is a copy that kept the camera's (wrong) clock: done writing.
            .map_or(true, |modified| {
                modified.elapsed().map_or(true, |age| age >= quiet)
            })
    })
}

/// Judges what arrived or changed in the touched folders, then forgets stored shots whose files
/// are all gone from them. Returns the folders of photos still being written, to look at again.
#[allow(clippy::too_many_arguments)]
fn judge_batch(
    library: &mut Library,
    roots: &[PathBuf],
    touched: Touched,
    options: &ScanOptions,
    quiet: Duration,
    sink: &dyn ProgressSink,
    cancel: &CancelToken,
    on_change: &mut dyn FnMut(Change<'_>),
) -> Result<Touched> {
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
    // What the store held in the touched places before, to tell afterwards who left (deleted, or
    // adopted under a new name by the judging). A library folder that is itself missing is an
    // unplugged drive or an unmounted share, not a deletion: nothing stored under it is forgotten.
    let live_root = |path: &Path| roots.iter().any(|r| path.starts_with(r) && r.is_dir());
    let mut before = BTreeMap::new();
    let places = (touched.folders.iter().map(|f| (f, false)))
        .chain(touched.gone.iter().map(|g| (g, true)))
        .chain(touched.trees.iter().map(|t| (t, true)));
    for (place, below) in places {
        if !live_root(place) {
            continue;
        }
        for stored in library.store().shots_under(place)? {
            if below || stored.report.path.parent() == Some(place.as_path()) {
                before.insert(stored.report.key.clone(), stored.report);
            }
        }
    }

    let mut shots = BTreeMap::new();
    let mut unlisted = Vec::new();
    let mut held_back = Touched::default();
    for part in [collect_folders(&folders, cancel), collect(&trees, cancel)] {
        // A folder read shallow may also lie in a tree read whole: each shot is judged once.
        for shot in part.shots {
            if !settled(&shot, quiet) {
                if let Some(parent) = shot.primary.path.parent() {
                    held_back.folders.insert(parent.to_path_buf());
                }
                continue;
            }
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

    // A shot whose files were all gone before cannot have been judged again under its key (its
    // judged file is one of them), so what it held then decides; gone from the store means it
    // was adopted under a new name while judging. In key order, each once (a map).
    let mut gone = Vec::new();
    for (key, report) in before {
        if report.files_gone() || !library.store().has_shot(&key)? {
            gone.push((key, report.path));
        }
    }
    let keys: Vec<String> = gone.iter().map(|(k, _)| k.clone()).collect();
    library.store_mut().forget(&keys)?;
    for (key, path) in &gone {
        on_change(Change::Removed { key, path });
    }
    Ok(held_back)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use super::*;
    use crate::progress::NoProgress;
    use crate::test_photos::jpeg;

    /// What the watcher said, owned, in order.
    #[derive(Debug, Clone, PartialEq)]
    enum Heard {
        Ready,
        Judged(PathBuf, bool),
        Removed(PathBuf),
    }

    struct Running {
        heard: Arc<Mutex<Vec<Heard>>>,
        cancel: CancelToken,
        thread: Option<std::thread::JoinHandle<Result<()>>>,
    }

    impl Running {
        fn start(home: &Path, folder: &Path) -> Self {
            let heard = Arc::new(Mutex::new(Vec::new()));
            let cancel = CancelToken::new();
            let (h, c, home, folder) = (
                heard.clone(),
                cancel.clone(),
                home.to_path_buf(),
                folder.to_path_buf(),
            );
            let thread = std::thread::spawn(move || {
                let mut library = Library::open(&home)?;
                let options = WatchOptions {
                    folders: vec![folder],
                    quiet: Duration::from_millis(300),
                    threads: Some(1),
                    ..WatchOptions::default()
                };
                watch(&mut library, &options, &NoProgress, &c, &mut |change| {
                    let heard = match change {
                        Change::Ready => Heard::Ready,
                        Change::Judged(r) => Heard::Judged(r.path.clone(), r.judged().is_some()),
                        Change::Removed { path, .. } => Heard::Removed(path.to_path_buf()),
                        _ => return,
                    };
                    h.lock().expect("lock").push(heard);
                })
            });
            let running = Self {
                heard,
                cancel,
                thread: Some(thread),
            };
            running.wait_for(|h| h.contains(&Heard::Ready));
            running
        }

        fn wait_for(&self, done: impl Fn(&[Heard]) -> bool) -> Vec<Heard> {
            let until = Instant::now() + Duration::from_secs(20);
            loop {
                let heard = self.heard.lock().expect("lock").clone();
                if done(&heard) {
                    return heard;
                }
                assert!(Instant::now() < until, "not heard in time: {heard:?}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }

        fn stop(mut self) {
            self.cancel.cancel();
            if let Some(thread) = self.thread.take() {
                thread
                    .join()
                    .expect("joins")
                    .expect("watched without error");
            }
        }
    }

    #[test]
    fn hidden_files_and_folders_below_a_library_folder_are_ignored_not_the_folder_itself() {
        let roots = [PathBuf::from("/home/me/.local/share/cull/Sample library")];
        let under = |rest: &str| roots[0].join(rest);
        assert!(!hidden_below(&under("a.jpg"), &roots));
        assert!(!hidden_below(&under("trip/a.jpg"), &roots));
        assert!(hidden_below(&under(".a.jpg.part"), &roots));
        assert!(hidden_below(&under(".thumbnails/a.jpg"), &roots));
    }

    fn judged(heard: &[Heard], name: &str) -> usize {
        heard
            .iter()
            .filter(|h| matches!(h, Heard::Judged(p, _) if p.ends_with(name)))
            .count()
    }

    #[test]
    fn arrivals_are_judged_renames_keep_their_decision_and_departures_are_forgotten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        let folder = dir.path().join("photos");
        std::fs::create_dir_all(&folder).expect("mkdir");
        let running = Running::start(&home, &folder);

        std::fs::write(folder.join("a.jpg"), jpeg(1)).expect("arrive");
        running.wait_for(|h| judged(h, "a.jpg") == 1);
        let library = Library::open(&home).expect("open");
        let stored = library.store().all_shots().expect("all");
        assert_eq!(stored.len(), 1, "stored before it was told");
        library
            .store()
            .set_decision(&stored[0].report.key, Some(crate::Decision::Reject))
            .expect("decide");

        // A folder moved in whole, with a photo inside.
        let outside = dir.path().join("card");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(outside.join("c.jpg"), jpeg(3)).expect("write");
        std::fs::rename(&outside, folder.join("card")).expect("move in");
        running.wait_for(|h| judged(h, "card/c.jpg") == 1);

        std::fs::rename(folder.join("a.jpg"), folder.join("keeper.jpg")).expect("rename");
        let heard = running.wait_for(|h| {
            judged(h, "keeper.jpg") == 1 && h.contains(&Heard::Removed(folder.join("a.jpg")))
        });
        assert_eq!(judged(&heard, "a.jpg"), 1, "not judged again");
        let renamed = library
            .store()
            .all_shots()
            .expect("all")
            .into_iter()
            .find(|s| s.report.path.ends_with("keeper.jpg"))
            .expect("stored under the new name");
        assert_eq!(renamed.decision, Some(crate::Decision::Reject));

        std::fs::remove_file(folder.join("keeper.jpg")).expect("delete");
        running.wait_for(|h| h.contains(&Heard::Removed(folder.join("keeper.jpg"))));
        std::fs::remove_dir_all(folder.join("card")).expect("delete a folder");
        running.wait_for(|h| h.contains(&Heard::Removed(folder.join("card/c.jpg"))));
        assert!(library.store().all_shots().expect("all").is_empty());
        running.stop();
    }

    /// A card import writes a photo in pieces: it is judged once, whole, not as a truncated file.
    #[test]
    fn a_photo_still_being_written_is_judged_once_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        let folder = dir.path().join("photos");
        std::fs::create_dir_all(&folder).expect("mkdir");
        let running = Running::start(&home, &folder);
        let bytes = jpeg(5);
        {
            use std::io::Write;
            let mut file = std::fs::File::create(folder.join("slow.jpg")).expect("create");
            for chunk in bytes.chunks(bytes.len() / 8 + 1) {
                file.write_all(chunk).expect("write");
                file.flush().expect("flush");
                // Shorter than the quiet time: the file is never left alone half-written.
                std::thread::sleep(Duration::from_millis(120));
            }
        }
        let heard = running.wait_for(|h| judged(h, "slow.jpg") >= 1);
        std::thread::sleep(Duration::from_millis(800));
        let heard_later = running.heard.lock().expect("lock").clone();
        assert_eq!(judged(&heard_later, "slow.jpg"), 1, "{heard_later:?}");
        assert!(
            heard.contains(&Heard::Judged(folder.join("slow.jpg"), true)),
            "judged whole: {heard:?}"
        );
        running.stop();
    }
}
