//! What the app keeps between commands: the library it shares with the CLI (settings, one store
//! connection for queries), the learned model, and the cancel token of the running scan.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cull_core::library::{Library, Settings};
use cull_core::model::{Device, ModelHandle, OnnxModel};
use cull_core::{CancelToken, Store};
use tauri::{AppHandle, Manager, Runtime};

use crate::api::AppInfo;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Core(#[from] cull_core::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("settings file is damaged: {0}")]
    Settings(#[from] serde_json::Error),
    #[error("{0}")]
    Message(String),
}

impl serde::Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug)]
pub struct AppState {
    /// The library shared with the `cull` CLI (its database, settings and job lock).
    pub home: PathBuf,
    /// For queries, decisions and settings; a scan opens its own connection (WAL lets both work
    /// at once).
    library: Mutex<Library>,
    pub db_path: PathBuf,
    pub sample_source: Option<PathBuf>,
    pub running_scan: Mutex<Option<CancelToken>>,
    /// Stops the folder watcher's thread.
    watcher: Mutex<Option<CancelToken>>,
    /// Said once at start-up: a damaged settings file set aside, a library moved.
    pub notice: Option<String>,
    /// Where the bundled model lives (the app's resources), if anywhere.
    pub model_dir: Option<PathBuf>,
    /// The learned model, built for the device it was asked for; rebuilt when the setting changes.
    model: Mutex<Option<(Device, ModelHandle)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; carry on with it.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The library's store, borrowed for one query or action. It holds the lock on the app's whole
/// library state: call nothing else on [`AppState`] while holding it (its mutex is not
/// re-entrant).
#[derive(Debug)]
pub struct StoreGuard<'a>(std::sync::MutexGuard<'a, Library>);

impl std::ops::Deref for StoreGuard<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.0.store()
    }
}

impl std::ops::DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.0.store_mut()
    }
}

impl AppState {
    pub fn load<R: Runtime>(app: &AppHandle<R>) -> AppResult<Self> {
        let home = Library::default_home()?;
        // Before the app and the CLI shared one library, the app kept its own in its data folder.
        let moved = match app.path().app_data_dir() {
            Ok(old) => Library::adopt_old(&home, &old)?,
            Err(_) => None,
        };
        let sample_source = app
            .path()
            .resolve("resources/sample", tauri::path::BaseDirectory::Resource)
            .ok()
            .filter(|p| p.is_dir())
            .or_else(|| {
                // Development builds run before resources are bundled.
                let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/sample");
                dev.is_dir().then_some(dev)
            });
        let model_dir = app
            .path()
            .resolve("models", tauri::path::BaseDirectory::Resource)
            .ok()
            .filter(|p| p.is_dir());
        let mut state = Self::open(home, sample_source)?;
        state.model_dir = model_dir;
        if let Some(moved) = moved {
            state.notice = Some(match state.notice.take() {
                Some(other) => format!("{moved} {other}"),
                None => moved,
            });
        }
        Ok(state)
    }

    pub fn open(home: PathBuf, sample_source: Option<PathBuf>) -> AppResult<Self> {
        let library = Library::open(&home)?;
        let notice = library.notice().map(str::to_string);
        if let Some(notice) = &notice {
            eprintln!("cull: {notice}");
        }
        Ok(Self {
            db_path: library.db_path().to_path_buf(),
            home,
            library: Mutex::new(library),
            sample_source,
            running_scan: Mutex::new(None),
            watcher: Mutex::new(None),
            notice,
            model_dir: None,
            model: Mutex::new(None),
        })
    }

    /// The learned model for the current device setting, or `None` (with the reason on stderr)
    /// when its file is missing; scans then judge from the measurements alone.
    pub fn model(&self) -> Option<ModelHandle> {
        let device = self.settings().device;
        let mut cached = lock(&self.model);
        if let Some((built_for, handle)) = cached.as_ref() {
            if *built_for == device {
                return Some(handle.clone());
            }
        }
        let search: Vec<PathBuf> = self.model_dir.iter().cloned().collect();
        match OnnxModel::find(&search, device) {
            Ok(model) => {
                let handle = ModelHandle(std::sync::Arc::new(model));
                *cached = Some((device, handle.clone()));
                Some(handle)
            }
            Err(err) => {
                eprintln!("cull: {err}; judging from the measurements alone");
                None
            }
        }
    }

    pub fn library(&self) -> std::sync::MutexGuard<'_, Library> {
        lock(&self.library)
    }

    pub fn settings(&self) -> Settings {
        self.library().settings().clone()
    }

    pub fn store(&self) -> StoreGuard<'_> {
        StoreGuard(self.library())
    }

    pub fn save_settings(&self, settings: Settings) -> AppResult<()> {
        Ok(self.library().save_settings(settings)?)
    }

    pub fn info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            settings: self.settings(),
            home: self.home.to_string_lossy().to_string(),
            db_path: self.db_path.to_string_lossy().to_string(),
            sample_available: self.sample_source.is_some(),
            notice: self.notice.clone(),
        }
    }

    pub fn set_running_scan(&self, token: Option<CancelToken>) {
        *lock(&self.running_scan) = token;
    }

    /// Puts in the token of a new folder watcher and hands back the old one's, to stop it.
    pub fn swap_watcher(&self, token: Option<CancelToken>) -> Option<CancelToken> {
        std::mem::replace(&mut *lock(&self.watcher), token)
    }

    pub fn cancel_running_scan(&self) {
        if let Some(token) = lock(&self.running_scan).as_ref() {
            token.cancel();
        }
    }
}

/// For the app's tests: an app state in `dir/home` whose library folder `dir/photos` holds one
/// real photo, scanned (measurements only). Returns the state and that shot's id.
#[cfg(test)]
pub(crate) fn with_one_photo(dir: &Path) -> (AppState, i64) {
    let library = dir.join("photos");
    std::fs::create_dir_all(&library).expect("mkdir");
    let photo =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/photos/coffee_cup.jpg");
    std::fs::copy(&photo, library.join("cup.jpg")).expect("copy");
    let state = AppState::open(dir.join("home"), None).expect("state");
    let mut settings = state.settings();
    settings
        .folders
        .push(library.to_string_lossy().into_owned());
    state.save_settings(settings).expect("settings");
    let ids = scan_folder(&state, library);
    assert_eq!(ids.len(), 1, "one shot");
    (state, ids[0])
}

/// [`with_one_photo`] plus a copy of that photo beside it, scanned: the library holds one group,
/// copies of one picture. (Without the learned model's embeddings, only copies measured
/// identically are grouped, so the copy is byte for byte.)
#[cfg(test)]
pub(crate) fn with_a_copy(dir: &Path) -> AppState {
    let (state, _) = with_one_photo(dir);
    let photos = dir.join("photos");
    std::fs::copy(photos.join("cup.jpg"), photos.join("cup copy.jpg")).expect("copy");
    scan_folder(&state, photos);
    state
}

/// Scans `folder` into the state's library (measurements only); the ids of the shots reported.
#[cfg(test)]
fn scan_folder(state: &AppState, folder: PathBuf) -> Vec<i64> {
    let mut ids = Vec::new();
    cull_core::scan(
        &mut state.store(),
        &cull_core::ScanOptions {
            roots: vec![folder],
            threads: Some(1),
            ..cull_core::ScanOptions::default()
        },
        &cull_core::progress::NoProgress,
        &CancelToken::new(),
        &mut |r| ids.push(cull_core::shot_id(&r.key)),
    )
    .expect("scan");
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a damaged settings file stopped the app from starting.
    #[test]
    fn a_damaged_settings_file_is_set_aside_and_the_app_starts_with_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("settings.json"), b"{\"folders\": [").expect("write");
        let state = AppState::open(dir.path().to_path_buf(), None).expect("starts");
        assert!(state.settings().folders.is_empty());
        let notice = state.info().notice.expect("the user is told");
        assert!(notice.contains("damaged"), "{notice}");

        // Saving writes a whole new file that the next start (or the CLI) reads.
        let mut settings = state.settings();
        settings.folders.push("/photos".into());
        state.save_settings(settings).expect("save");
        drop(state);
        let again = AppState::open(dir.path().to_path_buf(), None).expect("restarts");
        assert_eq!(again.settings().folders, vec!["/photos".to_string()]);
        assert!(again.info().notice.is_none());
    }
}
