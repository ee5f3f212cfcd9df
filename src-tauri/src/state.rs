//! What the app keeps between commands: settings on disk, one store connection for queries, and
//! the cancel token of the running scan.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cull_core::model::{Device, ModelHandle, OnnxModel};
use cull_core::{CancelToken, Store};
use tauri::{AppHandle, Manager, Runtime};

use crate::api::{AppInfo, Settings};

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
    pub data_dir: PathBuf,
    pub settings: Mutex<Settings>,
    /// For queries and decisions; a scan opens its own connection (WAL lets both work at once).
    pub store: Mutex<Store>,
    pub db_path: PathBuf,
    pub sample_source: Option<PathBuf>,
    pub running_scan: Mutex<Option<CancelToken>>,
    /// Said once at start-up: a damaged settings file was set aside.
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

impl AppState {
    pub fn load<R: Runtime>(app: &AppHandle<R>) -> AppResult<Self> {
        let data_dir = app
            .path()
            .app_data_dir()
            .map_err(|e| AppError::Message(format!("no data folder: {e}")))?;
        std::fs::create_dir_all(&data_dir)?;
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
        let mut state = Self::open(data_dir, sample_source)?;
        state.model_dir = model_dir;
        Ok(state)
    }

    pub fn open(data_dir: PathBuf, sample_source: Option<PathBuf>) -> AppResult<Self> {
        let settings_path = data_dir.join("settings.json");
        let mut notice = None;
        let mut settings: Settings = match std::fs::read_to_string(&settings_path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(settings) => settings,
                Err(err) => {
                    // A damaged file must not stop the app: keep it for the user, start afresh.
                    let aside = cull_core::files::set_aside(&settings_path)?;
                    let message = format!(
                        "Your settings file was damaged ({err}). It was kept as {} and Cull \
                         started with default settings; your library and decisions are untouched.",
                        aside.display()
                    );
                    eprintln!("cull: {message}");
                    notice = Some(message);
                    Settings::default()
                }
            },
            Err(_) => Settings::default(),
        };
        if settings.cache_dir.is_empty() {
            settings.cache_dir = data_dir.to_string_lossy().to_string();
        }
        let db_path = Path::new(&settings.cache_dir).join("library.db");
        let store = Store::open(&db_path)?;
        Ok(Self {
            data_dir,
            settings: Mutex::new(settings),
            store: Mutex::new(store),
            db_path,
            sample_source,
            running_scan: Mutex::new(None),
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

    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub fn save_settings(&self, settings: Settings) -> AppResult<()> {
        let text = serde_json::to_string_pretty(&settings)?;
        cull_core::files::write_atomically(&self.data_dir.join("settings.json"), text.as_bytes())?;
        *lock(&self.settings) = settings;
        Ok(())
    }

    pub fn info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            settings: self.settings(),
            db_path: self.db_path.to_string_lossy().to_string(),
            sample_available: self.sample_source.is_some(),
            notice: self.notice.clone(),
        }
    }

    pub fn set_running_scan(&self, token: Option<CancelToken>) {
        *lock(&self.running_scan) = token;
    }

    pub fn cancel_running_scan(&self) {
        if let Some(token) = lock(&self.running_scan).as_ref() {
            token.cancel();
        }
    }

    /// Whether `path` lies in one of the library folders.
    pub fn in_library(&self, path: &Path) -> bool {
        lock(&self.settings)
            .folders
            .iter()
            .any(|folder| path.starts_with(folder))
    }
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
        let kept: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n.starts_with("settings.json.damaged-"))
            .collect();
        assert_eq!(kept.len(), 1, "the damaged file is kept");

        // Saving writes a whole new file that the next start reads.
        let mut settings = state.settings();
        settings.folders.push("/photos".into());
        state.save_settings(settings).expect("save");
        drop(state);
        let again = AppState::open(dir.path().to_path_buf(), None).expect("restarts");
        assert_eq!(again.settings().folders, vec!["/photos".to_string()]);
        assert!(again.info().notice.is_none());
    }
}
