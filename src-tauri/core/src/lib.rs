//! `cull-core` is Cull's engine, free of any UI: it walks photo folders, groups RAW+JPEG pairs into
//! shots, decodes just enough of each photo (a scaled JPEG decode or a RAW's embedded preview), reads
//! its EXIF, measures what a photographer would complain about (focus, shake, exposure, noise, JPEG
//! damage, flare, flat contrast), turns the measurements into explained reasons and a verdict, and
//! caches every verdict in SQLite. The `cull` CLI and the desktop app open the same [`Library`] and
//! drive the same pipeline: [`scan`] over whole folders, [`watch::watch`] as photos arrive.

pub mod error;
pub mod files;
pub mod groups;
pub mod judge;
pub mod library;
pub mod media;
pub mod model;
pub mod paths;
pub mod progress;
pub mod scan;
pub mod store;
#[cfg(test)]
mod test_photos;
pub mod trash;
pub mod watch;
pub mod xmp;

pub use error::{Error, FileError, FileErrorKind, Result};
pub use judge::{Judgement, Reason, ReasonCode, Verdict};
pub use library::{Library, Settings};
pub use progress::{CancelToken, Progress, ProgressSink, Stage};
pub use scan::{
    collect, collect_folders, judge_collected, judge_file, scan, Collected, JudgedShot, Outcome,
    ScanOptions, ScanSummary, ShotReport,
};
pub use store::{shot_id, Decision, Store, StoredShot};

/// Bumped whenever a change to decoding or judging would change a verdict: cached verdicts made by
/// another version are judged again.
pub const ANALYSER_VERSION: &str = "measure-1";
