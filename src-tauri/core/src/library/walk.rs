use std::path::{Path, PathBuf};

use crate::error::{FileError, FileErrorKind};
use crate::progress::CancelToken;

/// What a file's extension says it is. The bytes decide how it is decoded; the extension only
/// decides whether the walk picks the file up and whether it is the RAW half of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Tiff,
    Heif,
    Raw,
}

impl FileKind {
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        let kind = match ext.as_str() {
            "jpg" | "jpeg" | "jpe" | "jfif" => Self::Jpeg,
            "png" => Self::Png,
            "webp" => Self::Webp,
            "tif" | "tiff" => Self::Tiff,
            "heic" | "heif" | "hif" | "avif" => Self::Heif,
            "cr2" | "cr3" | "nef" | "nrw" | "arw" | "srf" | "sr2" | "dng" | "orf" | "raf"
            | "rw2" | "pef" => Self::Raw,
            _ => return None,
        };
        Some(kind)
    }
}

/// One thing the walk found: a photo file, or a path that could not be walked.
#[derive(Debug)]
pub enum WalkEntry {
    File { path: PathBuf, kind: FileKind },
    Error { path: PathBuf, error: FileError },
}

/// Lists photo files under `roots` (files given directly are taken as they are), following links
/// but reporting link loops and unreadable folders as entries instead of stopping. Hidden folders
/// (`.git`, `.thumbnails`, trash folders) are skipped: they hold no photos the user curates.
pub fn walk(roots: &[PathBuf], cancel: &CancelToken) -> Vec<WalkEntry> {
    walk_to_depth(roots, usize::MAX, cancel)
}

/// Lists the photo files directly in `folders` (not below): what the watcher re-reads when files
/// in a folder change, so a RAW+JPEG pair is found whole.
pub fn walk_shallow(folders: &[PathBuf], cancel: &CancelToken) -> Vec<WalkEntry> {
    walk_to_depth(folders, 1, cancel)
}

fn walk_to_depth(roots: &[PathBuf], depth: usize, cancel: &CancelToken) -> Vec<WalkEntry> {
    let mut entries = Vec::new();
    for root in roots {
        let walker = walkdir::WalkDir::new(root)
            .max_depth(depth)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
        for item in walker {
            if cancel.is_cancelled() {
                return entries;
            }
            match item {
                Ok(entry) => {
                    if entry.file_type().is_dir() {
                        continue;
                    }
                    if let Some(kind) = FileKind::from_path(entry.path()) {
                        entries.push(WalkEntry::File {
                            path: entry.into_path(),
                            kind,
                        });
                    }
                }
                Err(err) => entries.push(walk_error(root, err)),
            }
        }
    }
    entries
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

fn walk_error(root: &Path, err: walkdir::Error) -> WalkEntry {
    let path = err.path().unwrap_or(root).to_path_buf();
    let error = if let Some(ancestor) = err.loop_ancestor() {
        FileError::new(
            FileErrorKind::SymlinkLoop,
            format!("link leads back to {}", ancestor.display()),
        )
    } else if let Some(io) = err.io_error() {
        FileError::from_io(io)
    } else {
        FileError::new(FileErrorKind::Unreadable, err.to_string())
    };
    WalkEntry::Error { path, error }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_case_insensitive_and_unknown_ones_skipped() {
        assert_eq!(
            FileKind::from_path(Path::new("a/IMG_1.JPG")),
            Some(FileKind::Jpeg)
        );
        assert_eq!(
            FileKind::from_path(Path::new("a/IMG_1.Cr3")),
            Some(FileKind::Raw)
        );
        assert_eq!(FileKind::from_path(Path::new("a/IMG_1.xmp")), None);
        assert_eq!(FileKind::from_path(Path::new("a/README")), None);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_reported_and_walk_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).expect("mkdir");
        std::fs::write(sub.join("a.jpg"), b"x").expect("write");
        std::os::unix::fs::symlink(dir.path(), sub.join("loop")).expect("symlink");
        let entries = walk(&[dir.path().to_path_buf()], &CancelToken::new());
        let files = entries
            .iter()
            .filter(|e| matches!(e, WalkEntry::File { .. }))
            .count();
        let loops = entries
            .iter()
            .filter(|e| {
                matches!(e, WalkEntry::Error { error, .. } if error.kind == FileErrorKind::SymlinkLoop)
            })
            .count();
        assert_eq!(files, 1);
        assert_eq!(loops, 1);
    }
}
