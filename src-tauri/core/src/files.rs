//! Writing Cull's own files so that a crash, a kill or a full disk never leaves one half-written:
//! the new contents go to a temporary file beside the old one, are flushed to disk, and replace
//! it in one rename. Used for settings (and later sidecars); never for the user's photos, which
//! Cull does not write at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned())
}

/// Replaces `path` with `bytes` atomically: readers see the old file or the new one, never a mix.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = name_of(path);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Io { path: tmp, source });
    }
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    })?;
    // The rename itself is durable once the folder is flushed (best effort: not every system
    // lets a folder be opened for that).
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Moves a damaged file out of the way as `NAME.damaged-SECONDS` and returns where it went, so
/// the user keeps it and Cull can start from defaults.
pub fn set_aside(path: &Path) -> Result<PathBuf> {
    let name = name_of(path);
    let aside = path.with_file_name(format!("{name}.damaged-{}", crate::store::now_secs()));
    std::fs::rename(path, &aside).map_err(io(path))?;
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect()
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/settings.json");
        write_atomically(&path, b"{\"a\":1}").expect("first");
        write_atomically(&path, b"{\"a\":2}").expect("second");
        assert_eq!(std::fs::read(&path).expect("read"), b"{\"a\":2}");
        assert_eq!(names(path.parent().expect("dir")), ["settings.json"]);
    }

    #[test]
    fn a_write_that_cannot_land_leaves_what_was_there_and_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A non-empty folder where the file should go makes the final rename fail.
        let blocked = dir.path().join("settings.json");
        std::fs::create_dir_all(blocked.join("kept")).expect("dir");
        assert!(write_atomically(&blocked, b"new").is_err());
        assert!(blocked.join("kept").is_dir());
        assert_eq!(names(dir.path()), ["settings.json"]);
    }

    #[test]
    fn a_damaged_file_is_set_aside_not_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"{ not json").expect("write");
        let aside = set_aside(&path).expect("aside");
        assert!(!path.exists());
        assert_eq!(std::fs::read(&aside).expect("kept"), b"{ not json");
        assert!(aside
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("settings.json.damaged-")));
    }
}
