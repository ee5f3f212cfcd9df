//! The library: the folders a user curates and everything Cull keeps about them — one SQLite
//! store of verdicts and decisions, one settings file, one job lock — in one home folder that the
//! app and the `cull` CLI share. Also here: finding photos (walking folders, grouping files into
//! shots).

mod settings;
mod shots;
mod sidecars;
mod walk;

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

pub use settings::Settings;
pub(crate) use shots::legacy_key;
pub use shots::{group_into_shots, shot_key, Shot, ShotFile};
pub use sidecars::sidecars_of;
pub use walk::{walk, walk_shallow, FileKind, WalkEntry};

use crate::error::{Error, Result};
use crate::progress::CancelToken;
use crate::store::Store;

/// One library, open: its store, its settings and where they live.
#[derive(Debug)]
pub struct Library {
    home: PathBuf,
    db_path: PathBuf,
    store: Store,
    settings: Settings,
    notice: Option<String>,
}

/// Held while a job writes to the library (a scan, a clean-up, an undo, a watcher's batch); other
/// jobs wait or step back. Released when dropped, and by the OS when the process dies, so a
/// killed job never leaves the library locked.
#[derive(Debug)]
pub struct JobLock {
    file: File,
}

impl JobLock {
    /// Takes the job lock of the library in `home` for `job` (said to whoever has to wait, e.g.
    /// "scan by cull"), or fails at once with [`Error::Busy`] naming the job that holds it. Only
    /// the home is needed: a job waiting its turn opens nothing else of the library.
    pub fn take(home: &Path, job: &str) -> Result<Self> {
        let path = home.join("jobs.lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::Busy {
                    holder: if holder.is_empty() {
                        "another Cull job".to_string()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(TryLockError::Error(source)) => return Err(Error::Io { path, source }),
        }
        let description = format!("{job} (process {})", std::process::id());
        file.set_len(0).map_err(io(&path))?;
        file.rewind().map_err(io(&path))?;
        file.write_all(description.as_bytes()).map_err(io(&path))?;
        Ok(Self { file })
    }

    /// Takes the job lock, waiting while another job holds it; `on_wait` hears once who that is.
    /// Cancelling gives up the wait.
    pub fn wait(
        home: &Path,
        job: &str,
        cancel: &CancelToken,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Self> {
        let mut told = false;
        loop {
            match Self::take(home, job) {
                Err(Error::Busy { holder }) => {
                    if !told {
                        on_wait(&holder);
                        told = true;
                    }
                    if cancel.is_cancelled() {
                        return Err(Error::Cancelled);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }
}

impl Drop for JobLock {
    fn drop(&mut self) {
        // Clearing the description is a courtesy; the unlock is what matters.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Library {
    /// The home shared by the app and the CLI: `$CULL_HOME`, else `cull` in the user's data folder
    /// (`~/.local/share/cull`, `~/Library/Application Support/cull`, `%APPDATA%\cull`).
    pub fn default_home() -> Result<PathBuf> {
        if let Some(home) = std::env::var_os("CULL_HOME").filter(|h| !h.is_empty()) {
            return Ok(PathBuf::from(home));
        }
        dirs::data_dir()
            .map(|d| d.join("cull"))
            .ok_or(Error::NoDataFolder)
    }

    /// Opens (creating if needed) the library in `home`.
    pub fn open(home: &Path) -> Result<Self> {
        Self::open_with_db(home, &home.join("library.db"))
    }

    /// Opens the library in `home` with its database elsewhere (`cull --db FILE`).
    pub fn open_with_db(home: &Path, db_path: &Path) -> Result<Self> {
        std::fs::create_dir_all(home).map_err(io(home))?;
        let (settings, notice) = load_settings(&home.join("settings.json"))?;
        let store = Store::open(db_path)?;
        Ok(Self {
            home: home.to_path_buf(),
            db_path: db_path.to_path_buf(),
            store,
            settings,
            notice,
        })
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// A second connection to the same database, for a job running beside the queries (WAL lets
    /// both work at once).
    pub fn open_store(&self) -> Result<Store> {
        Store::open(&self.db_path)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Something the user must be told once: a damaged settings file was set aside.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Saves the settings atomically (a crash leaves the old file or the new one, never half).
    pub fn save_settings(&mut self, settings: Settings) -> Result<()> {
        let text = serde_json::to_string_pretty(&settings)?;
        crate::files::write_atomically(&self.home.join("settings.json"), text.as_bytes())?;
        self.settings = settings;
        Ok(())
    }

    /// Takes the library's job lock for `job` (see [`JobLock::take`]).
    pub fn lock_jobs(&self, job: &str) -> Result<JobLock> {
        JobLock::take(&self.home, job)
    }

    /// Takes the job lock, waiting while another job holds it (see [`JobLock::wait`]).
    pub fn wait_for_jobs(
        &self,
        job: &str,
        cancel: &CancelToken,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<JobLock> {
        JobLock::wait(&self.home, job, cancel, on_wait)
    }

    /// Brings a library kept elsewhere by an older version (the app's own folder) into `home`,
    /// when `home` has none yet: its database (verdicts, decisions, clean-ups) is copied whole and
    /// its folders and sensitivities adopted. The old folder is left as it was. Returns what was
    /// done, to tell the user.
    pub fn adopt_old(home: &Path, old_home: &Path) -> Result<Option<String>> {
        let old_db = old_home.join("library.db");
        let new_db = home.join("library.db");
        if !old_db.is_file() || new_db.exists() || old_home == home {
            return Ok(None);
        }
        std::fs::create_dir_all(home).map_err(io(home))?;
        Store::open(&old_db)?.copy_to(&new_db)?;
        let new_settings = home.join("settings.json");
        if !new_settings.exists() {
            if let Ok(text) = std::fs::read_to_string(old_home.join("settings.json")) {
                if let Ok(settings) = serde_json::from_str::<Settings>(&text) {
                    let text = serde_json::to_string_pretty(&settings)?;
                    crate::files::write_atomically(&new_settings, text.as_bytes())?;
                }
            }
        }
        Ok(Some(format!(
            "Your library moved to {}, which the app and the `cull` command now share; the old \
             copy in {} was left untouched.",
            home.display(),
            old_home.display()
        )))
    }
}

/// Reads settings; a damaged file is set aside (kept for the user) and defaults are used, with a
/// notice saying so. A missing file means defaults.
fn load_settings(path: &Path) -> Result<(Settings, Option<String>)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Settings::default(), None))
        }
        Err(source) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    match serde_json::from_str(&text) {
        Ok(settings) => Ok((settings, None)),
        Err(err) => {
            let aside = crate::files::set_aside(path)?;
            Ok((
                Settings::default(),
                Some(format!(
                    "Your settings file was damaged ({err}). It was kept as {} and Cull started \
                     with default settings; your library and decisions are untouched.",
                    aside.display()
                )),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a damaged settings file stopped the app from starting.
    #[test]
    fn a_damaged_settings_file_is_set_aside_and_defaults_are_used() {
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(home.path().join("settings.json"), b"{\"folders\": [").expect("write");
        let mut library = Library::open(home.path()).expect("opens");
        assert!(library.settings().folders.is_empty());
        assert!(library.notice().expect("told").contains("damaged"));
        let kept = std::fs::read_dir(home.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("settings.json.damaged-")
            })
            .count();
        assert_eq!(kept, 1, "the damaged file is kept");

        let mut settings = library.settings().clone();
        settings.folders.push("/photos".into());
        library.save_settings(settings).expect("save");
        drop(library);
        let again = Library::open(home.path()).expect("reopens");
        assert_eq!(again.settings().folders, vec!["/photos".to_string()]);
        assert!(again.notice().is_none());
    }

    #[test]
    fn a_second_job_is_told_who_holds_the_library_and_gets_it_once_released() {
        let home = tempfile::tempdir().expect("tempdir");
        let library = Library::open(home.path()).expect("opens");
        let other = Library::open(home.path()).expect("opens twice");
        let held = library.lock_jobs("scan by cull").expect("free");
        match other.lock_jobs("scan by the app") {
            Err(Error::Busy { holder }) => {
                assert!(holder.starts_with("scan by cull (process "), "{holder}")
            }
            other => panic!("expected busy, got {other:?}"),
        }
        assert!(matches!(
            JobLock::take(home.path(), "a check"),
            Err(Error::Busy { .. })
        ));
        drop(held);
        assert!(
            JobLock::take(home.path(), "a check").is_ok(),
            "free once released"
        );
        let cancel = CancelToken::new();
        let mut waited_for = Vec::new();
        let held = other
            .wait_for_jobs("scan by the app", &cancel, &mut |h| {
                waited_for.push(h.to_string())
            })
            .expect("free again");
        assert!(waited_for.is_empty(), "nobody to wait for");
        // A waiting job hears who it waits for once, and gives up when cancelled.
        cancel.cancel();
        let gave_up = library.wait_for_jobs("clean by cull", &cancel, &mut |h| {
            waited_for.push(h.to_string())
        });
        assert!(matches!(gave_up, Err(Error::Cancelled)));
        assert_eq!(waited_for.len(), 1);
        assert!(waited_for[0].starts_with("scan by the app"));
        drop(held);
    }

    #[test]
    fn an_old_library_is_adopted_once_and_left_in_place() {
        let old = tempfile::tempdir().expect("tempdir");
        let home = tempfile::tempdir().expect("tempdir");
        let home = home.path().join("cull");
        {
            let store = Store::open(&old.path().join("library.db")).expect("old store");
            store
                .set_decision("/p/a", Some(crate::Decision::Keep))
                .expect("decide");
        }
        std::fs::write(
            old.path().join("settings.json"),
            br#"{"folders":["/p"],"sensitivity":{},"device":"cpu","cache_dir":"/old"}"#,
        )
        .expect("settings");
        let said = Library::adopt_old(&home, old.path()).expect("adopt");
        assert!(said.expect("told").contains("moved"));
        let library = Library::open(&home).expect("open");
        assert_eq!(library.settings().folders, vec!["/p".to_string()]);
        assert_eq!(
            library.store().decision("/p/a").expect("query"),
            Some(crate::Decision::Keep)
        );
        assert!(old.path().join("library.db").exists());
        assert_eq!(Library::adopt_old(&home, old.path()).expect("again"), None);
    }
}
