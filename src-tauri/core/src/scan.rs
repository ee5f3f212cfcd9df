//! The pipeline: walk → group into shots → reuse fresh cached verdicts → decode + judge the rest in
//! parallel → store. The CLI, the app and the folder watcher all call [`scan`].

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, FileError, FileErrorKind, Result};
use crate::judge::{judge, Judgement, Measurements, Reason, Verdict};
use crate::library::{group_into_shots, walk, FileKind, Shot, WalkEntry};
use crate::media::{decode_preview, ExifInfo};
use crate::progress::{CancelToken, Progress, ProgressSink, Stage, Throttle};
use crate::store::Store;
use crate::ANALYSER_VERSION;

/// How a scan runs.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub roots: Vec<PathBuf>,
    /// Worker threads for decoding and judging; `None` uses every core.
    pub threads: Option<usize>,
}

/// A judged shot, as `cull scan --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgedShot {
    pub score: f32,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub exif: ExifInfo,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Outcome {
    Judged(JudgedShot),
    Failed { error: FileError },
}

/// One line of scan output: a shot and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotReport {
    /// The shot's identity in the store (not part of the printed contract).
    #[serde(skip)]
    pub key: String,
    /// A small JPEG of the judged photo for grids (not part of the printed contract).
    #[serde(skip)]
    pub thumbnail: Option<Vec<u8>>,
    /// The judged file.
    pub path: PathBuf,
    /// Every file of the shot, the judged one first (RAW+JPEG pairs list both).
    pub files: Vec<PathBuf>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl ShotReport {
    pub fn judged(&self) -> Option<&JudgedShot> {
        match &self.outcome {
            Outcome::Judged(j) => Some(j),
            Outcome::Failed { .. } => None,
        }
    }

    pub fn error(&self) -> Option<&FileError> {
        match &self.outcome {
            Outcome::Failed { error } => Some(error),
            Outcome::Judged(_) => None,
        }
    }

    fn failed(key: String, path: PathBuf, files: Vec<PathBuf>, error: FileError) -> Self {
        Self {
            key,
            thumbnail: None,
            path,
            files,
            outcome: Outcome::Failed { error },
        }
    }
}

/// What a scan did, in counts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ScanSummaryView"))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanSummary {
    pub shots: usize,
    pub files: usize,
    pub keep: usize,
    pub review: usize,
    pub reject: usize,
    pub failed: usize,
    /// Shots answered from the cache without decoding.
    pub cached: usize,
    /// Shots decoded and judged in this run.
    pub judged: usize,
    pub elapsed_secs: f64,
    pub cancelled: bool,
}

impl ScanSummary {
    fn count(&mut self, report: &ShotReport) {
        self.shots += 1;
        self.files += report.files.len().max(1);
        match report.judged().map(|j| j.verdict) {
            Some(Verdict::Keep) => self.keep += 1,
            Some(Verdict::Review) => self.review += 1,
            Some(Verdict::Reject) => self.reject += 1,
            None => self.failed += 1,
        }
    }
}

/// Walks `options.roots`, judges every shot without a fresh cached verdict, stores the results and
/// hands each report to `on_report` (in completion order) as soon as it is known.
pub fn scan(
    store: &mut Store,
    options: &ScanOptions,
    sink: &dyn ProgressSink,
    cancel: &CancelToken,
    on_report: &mut dyn FnMut(&ShotReport),
) -> Result<ScanSummary> {
    let started = Instant::now();
    let mut summary = ScanSummary::default();
    let mut throttle = Throttle::new(Duration::from_millis(250));
    let mut report_progress =
        |stage: Stage, done: usize, total: usize, failed: usize, force: bool| {
            if throttle.should_emit(stage, Instant::now()) || force {
                sink.progress(&Progress {
                    stage,
                    done,
                    total,
                    failed,
                    elapsed_secs: started.elapsed().as_secs_f64(),
                });
            }
        };

    report_progress(Stage::Walking, 0, 0, 0, true);
    let roots: Vec<PathBuf> = options.roots.iter().map(|r| absolute(r)).collect();
    let mut files = Vec::new();
    for entry in walk(&roots, cancel) {
        match entry {
            WalkEntry::File { path, kind } => files.push((path, kind)),
            WalkEntry::Error { path, error } => {
                let report =
                    ShotReport::failed(path.display().to_string(), path.clone(), vec![path], error);
                summary.count(&report);
                on_report(&report);
            }
        }
    }
    let shots = group_into_shots(files);

    let total = shots.len();
    report_progress(Stage::Checking, 0, total, summary.failed, true);
    let mut to_judge = Vec::new();
    for (i, shot) in shots.into_iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        match fingerprint(&shot) {
            Ok(fp) => match store.cached(&shot.key, &fp)? {
                Some(report) => {
                    summary.cached += 1;
                    summary.count(&report);
                    on_report(&report);
                }
                None => to_judge.push((shot, fp)),
            },
            Err(error) => {
                let report = ShotReport::failed(
                    shot.key.clone(),
                    shot.primary.path.clone(),
                    shot.files().map(|f| f.path.clone()).collect(),
                    error,
                );
                summary.count(&report);
                on_report(&report);
            }
        }
        report_progress(Stage::Checking, i + 1, total, summary.failed, false);
    }

    let to_judge_count = to_judge.len();
    report_progress(Stage::Judging, 0, to_judge_count, summary.failed, true);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .thread_name(|i| format!("cull-judge-{i}"))
        .build()
        .map_err(|e| Error::Threads(e.to_string()))?;
    let (tx, rx) = mpsc::sync_channel::<(String, String, ShotReport, bool)>(64);
    let mut pending = Vec::new();
    let mut last_flush = Instant::now();
    let mut judged_done = 0usize;
    std::thread::scope(|scope| -> Result<()> {
        let to_judge = &to_judge;
        scope.spawn(move || {
            pool.install(|| {
                to_judge.par_iter().for_each_with(tx, |tx, (shot, fp)| {
                    if cancel.is_cancelled() {
                        return;
                    }
                    let (report, cacheable) = judge_shot(shot);
                    // The receiver only goes away when storing failed; then there is nobody to tell.
                    let _ = tx.send((shot.key.clone(), fp.clone(), report, cacheable));
                });
            });
        });
        for (key, fp, report, cacheable) in rx {
            judged_done += 1;
            summary.judged += 1;
            summary.count(&report);
            // Reports go out once stored, so whoever hears of a shot can already read it back
            // (its thumbnail, its row); uncacheable ones have nothing to wait for.
            if cacheable {
                pending.push((key, fp, report));
            } else {
                on_report(&report);
            }
            if pending.len() >= 64 || last_flush.elapsed() >= Duration::from_millis(300) {
                flush(store, &mut pending, on_report)?;
                last_flush = Instant::now();
            }
            report_progress(
                Stage::Judging,
                judged_done,
                to_judge_count,
                summary.failed,
                false,
            );
        }
        Ok(())
    })?;
    flush(store, &mut pending, on_report)?;

    summary.cancelled = cancel.is_cancelled();
    summary.elapsed_secs = started.elapsed().as_secs_f64();
    report_progress(
        Stage::Done,
        judged_done,
        to_judge_count,
        summary.failed,
        true,
    );
    if summary.cancelled {
        return Err(Error::Cancelled);
    }
    Ok(summary)
}

fn flush(
    store: &mut Store,
    pending: &mut Vec<(String, String, ShotReport)>,
    on_report: &mut dyn FnMut(&ShotReport),
) -> Result<()> {
    store.save(pending)?;
    for (_, _, report) in pending.drain(..) {
        on_report(&report);
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Identifies the exact state of a shot's files for the cache: the analyser version plus each
/// file's path, size and modification time.
fn fingerprint(shot: &Shot) -> Result<String, FileError> {
    let mut fp = String::from(ANALYSER_VERSION);
    for file in shot.files() {
        let meta = std::fs::metadata(&file.path).map_err(|e| FileError::from_io(&e))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        fp.push_str(&format!(
            "|{}:{}:{}",
            file.path.display(),
            meta.len(),
            mtime
        ));
    }
    Ok(fp)
}

/// Judges a shot from its primary file, falling back to the other files of the pair when the
/// primary cannot be decoded. Returns the report and whether it may be cached (a permission
/// problem can be fixed without touching the file, so it is not).
fn judge_shot(shot: &Shot) -> (ShotReport, bool) {
    let files: Vec<PathBuf> = shot.files().map(|f| f.path.clone()).collect();
    let mut first_error = None;
    for file in shot.files() {
        match judge_path(&file.path, file.kind, true) {
            Ok((judged, _, thumbnail)) => {
                let report = ShotReport {
                    key: shot.key.clone(),
                    thumbnail,
                    path: file.path.clone(),
                    files,
                    outcome: Outcome::Judged(judged),
                };
                return (report, true);
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    let error = first_error
        .unwrap_or_else(|| FileError::new(FileErrorKind::Internal, "shot without files"));
    let cacheable = error.kind != FileErrorKind::Unreadable;
    (
        ShotReport::failed(shot.key.clone(), shot.primary.path.clone(), files, error),
        cacheable,
    )
}

/// Long side of grid thumbnails, in pixels.
pub const THUMBNAIL_SIDE: u32 = 256;

type JudgedPath = (JudgedShot, Measurements, Option<Vec<u8>>);

fn judge_path(path: &Path, kind: FileKind, with_thumbnail: bool) -> Result<JudgedPath, FileError> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let preview = decode_preview(path, kind)?;
        let (judgement, measurements) = judge(&preview);
        let thumbnail = with_thumbnail
            .then(|| encode_thumbnail(&preview.image))
            .flatten();
        let Judgement {
            score,
            verdict,
            reasons,
        } = judgement;
        Ok((
            JudgedShot {
                score,
                verdict,
                reasons,
                exif: preview.exif,
                width: preview.full_width,
                height: preview.full_height,
            },
            measurements,
            thumbnail,
        ))
    }));
    outcome.unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(FileError::new(
            FileErrorKind::Internal,
            format!("Cull failed on this file (a bug, please report it): {detail}"),
        ))
    })
}

/// Judges one file outside any library, without the cache: what `cull explain` shows.
pub fn judge_file(path: &Path) -> Result<(JudgedShot, Measurements), FileError> {
    let kind = FileKind::from_path(path).unwrap_or(FileKind::Jpeg);
    judge_path(path, kind, false).map(|(judged, measurements, _)| (judged, measurements))
}

/// A grid thumbnail from the (already upright, already small) analysis preview.
fn encode_thumbnail(image: &image::RgbImage) -> Option<Vec<u8>> {
    let (w, h) = image.dimensions();
    let scale = THUMBNAIL_SIDE as f32 / w.max(h) as f32;
    let small = if scale < 1.0 {
        let tw = ((w as f32 * scale).round() as u32).max(1);
        let th = ((h as f32 * scale).round() as u32).max(1);
        image::imageops::thumbnail(image, tw, th)
    } else {
        image.clone()
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&small)
        .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    fn write_photo(path: &Path, seed: u32) {
        let img = image::RgbImage::from_fn(320, 240, |x, y| {
            let v = ((x * 7 + y * 13 + seed) % 200 + 30) as u8;
            image::Rgb([v, v / 2 + 40, 255 - v])
        });
        img.save(path).expect("save");
    }

    #[test]
    fn second_scan_of_unchanged_folder_uses_the_cache_and_a_touched_file_is_rejudged() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_photo(&dir.path().join("a.jpg"), 1);
        write_photo(&dir.path().join("b.png"), 2);
        std::fs::write(dir.path().join("broken.jpg"), b"").expect("write");
        let mut store = Store::open_in_memory().expect("store");
        let options = ScanOptions {
            roots: vec![dir.path().to_path_buf()],
            threads: Some(2),
        };
        let mut reports = Vec::new();
        let first = scan(
            &mut store,
            &options,
            &NoProgress,
            &CancelToken::new(),
            &mut |r| reports.push(r.clone()),
        )
        .expect("scan");
        assert_eq!(
            (first.shots, first.judged, first.cached, first.failed),
            (3, 3, 0, 1)
        );
        let empty = reports
            .iter()
            .find(|r| r.path.ends_with("broken.jpg"))
            .expect("reported");
        assert_eq!(empty.error().expect("error").kind, FileErrorKind::Empty);

        let second = scan(
            &mut store,
            &options,
            &NoProgress,
            &CancelToken::new(),
            &mut |_| {},
        )
        .expect("scan again");
        assert_eq!((second.judged, second.cached), (0, 3));

        std::thread::sleep(Duration::from_millis(20));
        write_photo(&dir.path().join("a.jpg"), 3);
        let third = scan(
            &mut store,
            &options,
            &NoProgress,
            &CancelToken::new(),
            &mut |_| {},
        )
        .expect("scan after edit");
        assert_eq!((third.judged, third.cached), (1, 2));
    }

    #[test]
    fn cancelled_scan_stops_with_cancelled() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_photo(&dir.path().join("a.jpg"), 1);
        let cancel = CancelToken::new();
        cancel.cancel();
        let mut store = Store::open_in_memory().expect("store");
        let options = ScanOptions {
            roots: vec![dir.path().to_path_buf()],
            threads: Some(1),
        };
        let result = scan(&mut store, &options, &NoProgress, &cancel, &mut |_| {});
        assert!(matches!(result, Err(Error::Cancelled)));
    }
}
