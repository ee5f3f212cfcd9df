use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Errors that stop an operation as a whole. A single bad photo is never one of these: it becomes a
/// [`FileError`] in that photo's report and the scan goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("stored data is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("trash: {0}")]
    Trash(String),
    #[error("{0}")]
    Undo(String),
    #[error("the operation was cancelled")]
    Cancelled,
    #[error("could not start worker threads: {0}")]
    Threads(String),
    #[error("no user data folder to keep the library in; set CULL_HOME")]
    NoDataFolder,
    #[error("the library is busy: {holder} is running; try again when it is done")]
    Busy { holder: String },
    #[error("this library was written by a newer Cull (database layout {found}; this one knows up to {known}): update Cull to open it")]
    NewerLibrary { found: i64, known: i64 },
    #[error("watching folders: {0}")]
    Watch(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why one file could not be judged. `kind` is stable (tests and tools match on it); `message` is
/// for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct FileError {
    pub kind: FileErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileErrorKind {
    /// Zero bytes long.
    Empty,
    /// The data stops before the image does.
    Truncated,
    /// Not decodable as the image format its bytes announce, or no image at all.
    Corrupt,
    /// A real image in a format this build cannot decode.
    Unsupported,
    /// Permissions, vanished files, dangling links.
    Unreadable,
    /// Pixel count or file size beyond the decoder limits (decompression bombs land here).
    TooLarge,
    /// A symbolic link that leads back into its own ancestors.
    SymlinkLoop,
    /// A bug in Cull: a panic caught while judging this file.
    Internal,
}

impl std::fmt::Display for FileErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Self::Empty => "empty",
            Self::Truncated => "truncated",
            Self::Corrupt => "corrupt",
            Self::Unsupported => "unsupported",
            Self::Unreadable => "unreadable",
            Self::TooLarge => "too_large",
            Self::SymlinkLoop => "symlink_loop",
            Self::Internal => "internal",
        };
        f.write_str(name)
    }
}

impl FileError {
    pub fn new(kind: FileErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn from_io(err: &std::io::Error) -> Self {
        Self::new(FileErrorKind::Unreadable, err.to_string())
    }
}
