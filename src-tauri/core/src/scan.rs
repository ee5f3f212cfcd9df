//! The pipeline, in four stages: collect (walk folders, group files into shots) → split the shots
//! with a fresh cached verdict from the new ones → judge the new ones (decode + measure in
//! parallel, the learned model in batches) → store. A full scan runs all four ([`scan`]); the
//! folder watcher collects only the folders where something changed and runs the rest
//! ([`judge_collected`]); `cull explain` judges one file outside any library ([`judge_file`]).

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, FileError, FileErrorKind, Result};
use crate::judge::{
    fuse, fuse_with_model, measure, Judgement, Measurements, Reason, Sensitivities, Verdict,
};
use crate::library::{group_into_shots, walk, walk_shallow, FileKind, Shot, WalkEntry};
use crate::media::{decode_finer, decode_preview_and, ExifInfo, Preview};
use crate::model::{Face, FaceFinder, Model, ModelHandle, ModelInfo, ModelInput, ModelOutput};
use crate::progress::{CancelToken, Progress, ProgressSink, Stage, Throttle};
use crate::store::{Decision, Fresh, Store};
use crate::ANALYSER_VERSION;

/// How a scan runs.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub roots: Vec<PathBuf>,
    /// Worker threads for decoding and judging; `None` uses every core.
    pub threads: Option<usize>,
    /// The learned judge; `None` judges from the measurements alone.
    pub model: Option<ModelHandle>,
    /// Counts shots answered from the cache without handing them to `on_report` (the watcher
    /// tells only of what it judged).
    pub skip_cached: bool,
}

/// Photos per inference call at most: enough to amortise a call, few enough that a batch is
/// usually waiting by the time the previous one is done.
const MODEL_BATCH: usize = 8;

/// A judged shot, as `cull scan --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgedShot {
    pub score: f32,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub exif: ExifInfo,
    pub width: u32,
    pub height: u32,
    /// The learned model that took part in the verdict; `null` when it could not run.
    #[serde(default)]
    pub model: Option<ModelInfo>,
    /// The model's probability that the photo has no defect at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<f32>,
    /// The faces found, boxes in the photo's own upright pixels; empty when there are none or
    /// no face finder ran (a scan without the model).
    #[serde(default)]
    pub faces: Vec<Face>,
}

impl JudgedShot {
    /// Score and verdict of these reasons under `sensitivities`, by the reject bar of the model
    /// that judged them (the measurements' own bar when none did).
    pub fn decide(&self, sensitivities: &Sensitivities) -> (f32, Verdict) {
        let reject_at = self
            .model
            .as_ref()
            .map_or(crate::judge::SURE_CONFIDENCE, |m| m.reject_at);
        crate::judge::decide(&self.reasons, sensitivities, reject_at)
    }

    /// The measured reasons (`measured_only`, from [`crate::judge::fuse`]) that the learned
    /// model, or a sharp face, took back from this verdict; empty when no model took part. Shown by `cull explain`
    /// and the app's loupe, so no verdict goes unexplained.
    pub fn taken_back(&self, measured_only: &[Reason]) -> Vec<Reason> {
        if self.model.is_none() {
            return Vec::new();
        }
        let subject = crate::judge::sharp_subject(&self.faces, self.width, self.height);
        measured_only
            .iter()
            .filter(|m| !self.reasons.iter().any(|kept| kept.code == m.code))
            .map(|m| match subject {
                Some(face)
                    if matches!(
                        m.code,
                        crate::ReasonCode::Blur | crate::ReasonCode::MotionBlur
                    ) =>
                {
                    let mut m = m.clone();
                    m.message = format!(
                        "{}; but the face is sharp (edges {:.1} px wide), and a sharp face is the \
                         subject",
                        m.message,
                        face.edge_px.unwrap_or_default()
                    );
                    m
                }
                _ => m.clone(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
// Nearly every shot is judged: boxing the big variant would cost an allocation per shot to save
// space only on the rare failure.
#[allow(clippy::large_enum_variant)]
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
    /// The model's unit-length embedding of the frame, for bursts and duplicates (not printed).
    #[serde(skip)]
    pub embedding: Option<Vec<f32>>,
    /// What grouping compares beyond the embedding: the preview's difference hash and the
    /// frame's focus (not printed; stored in their own columns).
    #[serde(skip)]
    pub likeness: Option<Likeness>,
    /// Changes whenever the shot's files or the analyser change (a hash of the cache
    /// fingerprint; 0 when unknown): image URLs carry it, so a cached thumbnail or preview of an
    /// edited photo is never shown for the new one (not printed).
    #[serde(skip)]
    pub version: u64,
    /// The shot's files' total size when judged, from the cache fingerprint (0 when unknown), so
    /// listing a library does not stat every file again (not printed).
    #[serde(skip)]
    pub bytes: u64,
    /// The judged file (see [`crate::paths`] for names that are not UTF-8).
    #[serde(with = "crate::paths::lossless")]
    pub path: PathBuf,
    /// Every file of the shot, the judged one first (RAW+JPEG pairs list both).
    #[serde(with = "crate::paths::lossless_vec")]
    pub files: Vec<PathBuf>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A judged shot's signals for bursts and duplicates (`crate::groups`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Likeness {
    /// [`crate::groups::dhash`] of the analysis preview.
    pub dhash: u64,
    /// Mean edge width (px at the focus scale) of the frame's sharpest region; `None` when no
    /// region holds enough detail.
    pub focus_px: Option<f32>,
    /// Where that region lies, as fractions of the frame's width and height.
    pub focus_at: Option<[f32; 2]>,
}

impl Likeness {
    fn of(preview: &Preview, measurements: &Measurements) -> Self {
        Self {
            dhash: crate::groups::dhash(&preview.image),
            focus_px: measurements.sharpness.mean_edge_px(),
            focus_at: measurements.sharpness.sharpest_at(),
        }
    }
}

impl ShotReport {
    pub fn judged(&self) -> Option<&JudgedShot> {
        match &self.outcome {
            Outcome::Judged(j) => Some(j),
            Outcome::Failed { .. } => None,
        }
    }

    /// Whether every file of the shot has left the place it was judged in.
    pub fn files_gone(&self) -> bool {
        self.files.iter().all(|f| !f.exists())
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
            embedding: None,
            likeness: None,
            version: 0,
            bytes: 0,
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
    /// Stored shots forgotten because their files left the library.
    pub removed: usize,
    pub elapsed_secs: f64,
    pub cancelled: bool,
    /// Groups (bursts, duplicates, brackets) written again around the shots this run judged.
    pub groups_changed: usize,
    /// Where the learned model ran, or why it could not (said once per scan).
    pub model_note: Option<String>,
}

impl ScanSummary {
    fn count(&mut self, report: &ShotReport) {
        self.shots += 1;
        self.files += report.files.len().max(1);
        self.count_verdict(report);
    }

    fn count_verdict(&mut self, report: &ShotReport) {
        match report.judged().map(|j| j.verdict) {
            Some(Verdict::Keep) => self.keep += 1,
            Some(Verdict::Review) => self.review += 1,
            Some(Verdict::Reject) => self.reject += 1,
            None => self.failed += 1,
        }
    }

    /// Counts the verdicts again from `reports` as the user sees them (under the library's
    /// settings, with their groups' `duplicate` reasons — `Settings::apply`): the scan counted
    /// each verdict as judged, before the library was regrouped.
    pub fn recount<'a>(&mut self, reports: impl IntoIterator<Item = &'a ShotReport>) {
        (self.keep, self.review, self.reject, self.failed) = (0, 0, 0, 0);
        for report in reports {
            self.count_verdict(report);
        }
    }
}

/// The first stage's result: the shots found and what could not even be listed.
#[derive(Debug, Default)]
pub struct Collected {
    pub shots: Vec<Shot>,
    /// Unreadable folders, link loops: each one reported like a failed shot.
    pub unlisted: Vec<ShotReport>,
}

/// Stage 1, collect: the shots under `roots` (recursively, absolute paths: keys are made from
/// them), RAW+JPEG pairs grouped.
pub fn collect(roots: &[PathBuf], cancel: &CancelToken) -> Collected {
    collected(walk(roots, cancel))
}

/// Stage 1 for the watcher: the shots directly in `folders`, each folder read whole so that a
/// pair is found together even when only one of its files changed.
pub fn collect_folders(folders: &[PathBuf], cancel: &CancelToken) -> Collected {
    collected(walk_shallow(folders, cancel))
}

fn collected(entries: Vec<WalkEntry>) -> Collected {
    let mut files = Vec::new();
    let mut unlisted = Vec::new();
    for entry in entries {
        match entry {
            WalkEntry::File { path, kind } => files.push((path, kind)),
            WalkEntry::Error { path, error } => unlisted.push(ShotReport::failed(
                path.display().to_string(),
                path.clone(),
                vec![path],
                error,
            )),
        }
    }
    Collected {
        shots: group_into_shots(files),
        unlisted,
    }
}

/// A rating the user gave the shot in another tool counts as their decision, unless they
/// decided otherwise in Cull since: its XMP sidecar's, else `embedded`, the one in the XMP inside
/// the file itself with when the file was written (read by the worker that judged the shot: it
/// cannot change without the file changing).
fn adopt_outside_call(
    store: &Store,
    report: &ShotReport,
    embedded: Option<(Decision, i64)>,
) -> Result<()> {
    let call = crate::xmp::sidecar_call(&report.files).or(embedded);
    if let Some((call, written)) = call {
        store.adopt_outside_call(&report.key, call, written)?;
    }
    Ok(())
}

/// The whole pipeline over `options.roots`: collect → split cached from new → judge → store.
/// Each report goes to `on_report` (in completion order) as soon as it is stored.
pub fn scan(
    store: &mut Store,
    options: &ScanOptions,
    sink: &dyn ProgressSink,
    cancel: &CancelToken,
    on_report: &mut dyn FnMut(&ShotReport),
) -> Result<ScanSummary> {
    let mut run = Run::new(sink, on_report);
    run.progress(Stage::Walking, 0, 0, true);
    let roots: Vec<PathBuf> = options.roots.iter().map(|r| absolute(r)).collect();
    let collected = collect(&roots, cancel);
    let seen: HashSet<String> = collected.shots.iter().map(|s| s.key.clone()).collect();
    let mut summary = run.judge_collected(store, collected, options, cancel)?;
    summary.removed = forget_departed(store, &roots, &seen)?;
    Ok(summary)
}

/// Forgets stored shots under `roots` that the walk no longer found and whose files are all gone
/// (deleted, or moved out while Cull was not watching; a move inside the library was adopted by
/// its new name already). Their decisions stay. A root that is missing altogether is an unplugged
/// drive, not a deletion: nothing under it is forgotten.
fn forget_departed(store: &mut Store, roots: &[PathBuf], seen: &HashSet<String>) -> Result<usize> {
    let mut gone = Vec::new();
    for root in roots.iter().filter(|r| r.is_dir()) {
        for key in store.keys_under(root)? {
            if seen.contains(&key) {
                continue;
            }
            let departed = store
                .shot_by_key(&key)?
                .is_some_and(|s| s.report.files_gone());
            if departed {
                gone.push(key);
            }
        }
    }
    store.forget(&gone)?;
    Ok(gone.len())
}

/// Stages 2–4 over shots already collected (by a scan, or by the watcher for the folders where
/// something changed).
pub fn judge_collected(
    store: &mut Store,
    collected: Collected,
    options: &ScanOptions,
    sink: &dyn ProgressSink,
    cancel: &CancelToken,
    on_report: &mut dyn FnMut(&ShotReport),
) -> Result<ScanSummary> {
    Run::new(sink, on_report).judge_collected(store, collected, options, cancel)
}

/// One pass of the pipeline: its counts, its progress throttle and who hears of each shot.
struct Run<'a> {
    started: Instant,
    summary: ScanSummary,
    throttle: Throttle,
    sink: &'a dyn ProgressSink,
    on_report: &'a mut dyn FnMut(&ShotReport),
    /// Keys of the shots judged or adopted under a new name: their groups may have changed.
    changed: Vec<String>,
    /// The call in the XMP inside each judged file that carries one, by shot key, until the shot
    /// is stored.
    embedded_calls: HashMap<String, (Decision, i64)>,
}

impl<'a> Run<'a> {
    fn new(sink: &'a dyn ProgressSink, on_report: &'a mut dyn FnMut(&ShotReport)) -> Self {
        Self {
            changed: Vec::new(),
            embedded_calls: HashMap::new(),
            started: Instant::now(),
            summary: ScanSummary::default(),
            throttle: Throttle::new(Duration::from_millis(250)),
            sink,
            on_report,
        }
    }

    fn progress(&mut self, stage: Stage, done: usize, total: usize, force: bool) {
        if self.throttle.should_emit(stage, Instant::now()) || force {
            self.sink.progress(&Progress {
                stage,
                done,
                total,
                failed: self.summary.failed,
                elapsed_secs: self.started.elapsed().as_secs_f64(),
            });
        }
    }

    fn report(&mut self, report: &ShotReport) {
        self.summary.count(report);
        (self.on_report)(report);
    }

    /// Judges, then regroups around what changed (the groups of a cancelled run too: what was
    /// stored is grouped).
    fn judge_collected(
        mut self,
        store: &mut Store,
        collected: Collected,
        options: &ScanOptions,
        cancel: &CancelToken,
    ) -> Result<ScanSummary> {
        for report in &collected.unlisted {
            self.report(report);
        }
        let model = options.model.as_deref();
        let to_judge = self.split_cached(store, collected.shots, model, options, cancel)?;
        let judged = self.judge_and_store(store, &to_judge, options, cancel)?;
        self.summary.model_note = model.map(|m| {
            let info = m.info();
            let note = m
                .runtime_note()
                .unwrap_or_else(|| "not needed: nothing new to judge".to_string());
            format!("{} {}: {note}", info.name, info.version)
        });
        self.summary.cancelled = cancel.is_cancelled();
        self.summary.groups_changed = store.regroup(Some(&self.changed))?;
        self.summary.elapsed_secs = self.started.elapsed().as_secs_f64();
        self.progress(Stage::Done, judged, to_judge.len(), true);
        if self.summary.cancelled {
            return Err(Error::Cancelled);
        }
        Ok(self.summary)
    }

    /// Stage 2: answers every shot whose files and analyser are unchanged from the cache and
    /// returns the rest, with their fingerprints.
    fn split_cached(
        &mut self,
        store: &mut Store,
        shots: Vec<Shot>,
        model: Option<&dyn Model>,
        options: &ScanOptions,
        cancel: &CancelToken,
    ) -> Result<Vec<ToJudge>> {
        let total = shots.len();
        self.progress(Stage::Checking, 0, total, true);
        let analyser = analyser_tag(model);
        let mut to_judge = Vec::new();
        for (i, shot) in shots.into_iter().enumerate() {
            if cancel.is_cancelled() {
                break;
            }
            match fingerprint(&shot, &analyser) {
                Ok(fp) => {
                    let mut known = store.cached(&shot.key, &fp)?;
                    let mut content = None;
                    let mut adopted = false;
                    if known.is_none() {
                        // A lone RAW whose JPEG has just arrived is this pair now.
                        for companion in &shot.companions {
                            store.absorb(&crate::library::shot_key(&companion.path), &shot.key)?;
                        }
                        // New under this name: perhaps a renamed or moved photo the store knows.
                        content = content_signature(&shot.primary.path);
                        if let Some(content) = content {
                            known = store.adopt(content, &shot, &fp, &analyser)?;
                            adopted = known.is_some();
                        }
                    }
                    match known {
                        Some(report) => {
                            adopt_outside_call(store, &report, None)?;
                            self.summary.cached += 1;
                            // A shot under a new name is news even to those who hear only of
                            // what was judged.
                            if adopted {
                                self.changed.push(report.key.clone());
                            }
                            if options.skip_cached && !adopted {
                                self.summary.count(&report);
                            } else {
                                self.report(&report);
                            }
                        }
                        None => to_judge.push(ToJudge {
                            shot,
                            fingerprint: fp,
                            content,
                        }),
                    }
                }
                Err(error) => {
                    let report = ShotReport::failed(
                        shot.key.clone(),
                        shot.primary.path.clone(),
                        shot.files().map(|f| f.path.clone()).collect(),
                        error,
                    );
                    self.report(&report);
                }
            }
            self.progress(Stage::Checking, i + 1, total, false);
        }
        Ok(to_judge)
    }

    /// Stages 3 and 4: decodes and measures in parallel, lets the model re-judge in batches, and
    /// stores what comes out in small transactions. Returns how many shots were judged.
    fn judge_and_store(
        &mut self,
        store: &mut Store,
        to_judge: &[ToJudge],
        options: &ScanOptions,
        cancel: &CancelToken,
    ) -> Result<usize> {
        let total = to_judge.len();
        self.progress(Stage::Judging, 0, total, true);
        let model = options.model.as_deref();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.unwrap_or(0))
            .thread_name(|i| format!("cull-judge-{i}"))
            .build()
            .map_err(|e| Error::Threads(e.to_string()))?;
        let (tx, rx) = mpsc::sync_channel::<Judged>(64);
        let mut pending = Vec::new();
        let mut last_flush = Instant::now();
        let mut done = 0usize;
        let taken = AtomicUsize::new(0);
        std::thread::scope(|scope| -> Result<()> {
            // Workers decode and measure in parallel; with a model, one thread batches whatever
            // they have finished through the network, so inference overlaps decoding.
            let worker_tx = match model {
                Some(model) => {
                    let (model_tx, model_rx) = mpsc::sync_channel::<Judged>(2 * MODEL_BATCH);
                    scope.spawn(move || run_model_stage(model, &model_rx, &tx));
                    model_tx
                }
                None => tx,
            };
            let with_input = model.is_some();
            let faces = model.and_then(|m| m.faces());
            let ahead = READ_AHEAD_PER_WORKER * pool.current_num_threads();
            let taken = &taken;
            scope.spawn(move || read_ahead(to_judge, taken, ahead, cancel));
            scope.spawn(move || {
                // Shots are taken in order, one at a time, so the reader knows which come next.
                pool.broadcast(|_| {
                    let tx = worker_tx.clone();
                    while let Some(job) = to_judge.get(taken.fetch_add(1, Ordering::Relaxed)) {
                        if cancel.is_cancelled() {
                            break;
                        }
                        // The receiver only goes away when storing failed; then there is
                        // nobody to tell, nor any point in judging more.
                        if tx.send(judge_shot(job, with_input, faces)).is_err() {
                            break;
                        }
                    }
                });
                drop(worker_tx);
            });
            for judged in rx {
                let Judged {
                    fingerprint,
                    report,
                    cacheable,
                    content,
                    embedded_call,
                    ..
                } = judged;
                done += 1;
                self.summary.judged += 1;
                // Reports go out once stored, so whoever hears of a shot can already read it
                // back (its thumbnail, its row); uncacheable ones have nothing to wait for.
                if cacheable {
                    if let Some(call) = embedded_call {
                        self.embedded_calls.insert(report.key.clone(), call);
                    }
                    pending.push(Fresh {
                        key: report.key.clone(),
                        fingerprint,
                        content,
                        report,
                    });
                } else {
                    self.report(&report);
                }
                if pending.len() >= 64 || last_flush.elapsed() >= Duration::from_millis(300) {
                    self.flush(store, &mut pending)?;
                    last_flush = Instant::now();
                }
                self.progress(Stage::Judging, done, total, false);
            }
            Ok(())
        })?;
        self.flush(store, &mut pending)?;
        Ok(done)
    }

    fn flush(&mut self, store: &mut Store, pending: &mut Vec<Fresh>) -> Result<()> {
        store.save(pending)?;
        for fresh in pending.drain(..) {
            let embedded = self.embedded_calls.remove(&fresh.key);
            adopt_outside_call(store, &fresh.report, embedded)?;
            self.changed.push(fresh.key.clone());
            self.report(&fresh.report);
        }
        Ok(())
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Names what judges: the measuring code's version plus the model's and the rules that fuse the
/// two, so a verdict made with another model, other fusion (or without a model) is judged again.
fn analyser_tag(model: Option<&dyn Model>) -> String {
    match model {
        Some(m) => {
            let info = m.info();
            format!(
                "{ANALYSER_VERSION}+{}-{}+{}{}",
                info.name,
                info.version,
                crate::judge::FUSION_VERSION,
                if m.faces().is_some() {
                    crate::model::faces::FACES_VERSION
                } else {
                    ""
                }
            )
        }
        None => ANALYSER_VERSION.to_string(),
    }
}

/// The short form of a fingerprint that [`ShotReport::version`] carries (the same hash as
/// [`crate::shot_id`], so a JavaScript number holds it exactly).
pub fn version_of(fingerprint: &str) -> u64 {
    crate::store::fnv1a_53(fingerprint)
}

/// The total size of a shot's files as its fingerprint recorded them (`…|path:size:mtime|…`);
/// 0 when a segment cannot be read (a name with `|` in it).
pub fn bytes_of(fingerprint: &str) -> u64 {
    fingerprint
        .split('|')
        .skip(1)
        .map(|file| {
            let mut parts = file.rsplitn(3, ':');
            let _mtime = parts.next();
            parts.next().and_then(|size| size.parse::<u64>().ok())
        })
        .try_fold(0u64, |total, size| size.map(|s| total + s))
        .unwrap_or(0)
}

/// Bytes read from each end of a file for its content signature.
const SIGNATURE_SPAN: u64 = 64 * 1024;

/// What a photo is, whatever its name: its size and a hash of its first and last 64 KiB (EXIF,
/// capture time and the start of the image are in the head; the end of the image in the tail).
/// Equal signatures under different names mean the same file renamed, moved or copied. `None`
/// when the file cannot be read.
pub fn content_signature(path: &Path) -> Option<i64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut hash = crate::store::Fnv1a::new();
    hash.write(&size.to_le_bytes());
    let mut buf = vec![0u8; SIGNATURE_SPAN.min(size) as usize];
    file.read_exact(&mut buf).ok()?;
    hash.write(&buf);
    if size > SIGNATURE_SPAN {
        let tail = (size - SIGNATURE_SPAN).max(SIGNATURE_SPAN);
        file.seek(SeekFrom::Start(tail)).ok()?;
        buf.clear();
        file.read_to_end(&mut buf).ok()?;
        hash.write(&buf);
    }
    Some(hash.finish() as i64)
}

/// Identifies the exact state of a shot's files for the cache: the analyser plus each file's
/// path, size and modification time.
fn fingerprint(shot: &Shot, analyser: &str) -> Result<String, FileError> {
    let mut fp = String::from(analyser);
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

/// A shot that has no fresh verdict, with what the cache check learnt of it.
struct ToJudge {
    shot: Shot,
    fingerprint: String,
    content: Option<i64>,
}

/// A shot on its way from the workers to the store.
struct Judged {
    fingerprint: String,
    content: Option<i64>,
    report: ShotReport,
    /// A permission problem can be fixed without touching the file, so it is not cached.
    cacheable: bool,
    /// What the model still has to see, when a model takes part.
    for_model: Option<(Measurements, ModelInput)>,
    /// The user's call in the XMP inside the judged file (the primary, when none decoded), with
    /// when that file was written.
    embedded_call: Option<(Decision, i64)>,
}

/// Judges a shot from its primary file, falling back to the other files of the pair when the
/// primary cannot be decoded.
fn judge_shot(job: &ToJudge, with_input: bool, faces: Option<&dyn FaceFinder>) -> Judged {
    let ToJudge {
        shot,
        fingerprint,
        content,
    } = job;
    let fingerprint = fingerprint.clone();
    let files: Vec<PathBuf> = shot.files().map(|f| f.path.clone()).collect();
    let mut first_error = None;
    let mut primary_call = None;
    for file in shot.files() {
        let (outcome, call) = judge_path(&file.path, file.kind, true, with_input, faces);
        let call = call.map(|c| (c, crate::xmp::modified_secs(&file.path)));
        match outcome {
            Ok(judged) => {
                let report = ShotReport {
                    key: shot.key.clone(),
                    thumbnail: judged.thumbnail,
                    embedding: None,
                    likeness: Some(judged.likeness),
                    version: version_of(&fingerprint),
                    bytes: bytes_of(&fingerprint),
                    path: file.path.clone(),
                    files,
                    outcome: Outcome::Judged(judged.shot),
                };
                return Judged {
                    fingerprint,
                    content: *content,
                    report,
                    cacheable: true,
                    for_model: judged.input.map(|i| (judged.measurements, i)),
                    embedded_call: call,
                };
            }
            Err(error) => {
                if first_error.is_none() {
                    first_error = Some(error);
                    primary_call = call;
                }
            }
        }
    }
    let error = first_error
        .unwrap_or_else(|| FileError::new(FileErrorKind::Internal, "shot without files"));
    let cacheable = error.kind != FileErrorKind::Unreadable;
    Judged {
        fingerprint,
        content: None,
        report: ShotReport::failed(shot.key.clone(), shot.primary.path.clone(), files, error),
        cacheable,
        for_model: None,
        embedded_call: primary_call,
    }
}

/// Shots per worker whose files the reader brings into the system's cache ahead of the workers.
const READ_AHEAD_PER_WORKER: usize = 2;

/// Reads the files the workers will ask for next, a few shots ahead of them (`taken` is how many
/// they have started), so that a library on a disk that is not yet in the system's cache (a card,
/// a drive, a share) is read while the cores decode, rather than each worker waiting for its
/// own file. The bytes are dropped: the system's cache keeps them for the worker's own read.
fn read_ahead(jobs: &[ToJudge], taken: &AtomicUsize, ahead: usize, cancel: &CancelToken) {
    use std::io::Read;
    let mut buffer = vec![0u8; 1 << 20];
    let mut next = 0;
    while !cancel.is_cancelled() {
        let started = taken.load(Ordering::Relaxed);
        // Never read what a worker already has.
        next = next.max(started);
        let Some(job) = jobs.get(next) else {
            return;
        };
        if next >= started + ahead {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        if let Ok(file) = std::fs::File::open(&job.shot.primary.path) {
            // As much as a worker would read; an unreadable file is the worker's to report.
            let mut file = file.take(crate::media::MAX_FILE_BYTES);
            while matches!(file.read(&mut buffer), Ok(n) if n > 0) {}
        }
        next += 1;
    }
}

/// The inference stage: takes what the workers finished, up to [`MODEL_BATCH`] at a time, lets
/// the model re-judge it and passes it on. When the model cannot run, shots keep the verdict
/// measured by the workers.
fn run_model_stage(
    model: &dyn Model,
    from_workers: &mpsc::Receiver<Judged>,
    to_store: &mpsc::SyncSender<Judged>,
) {
    while let Ok(first) = from_workers.recv() {
        let mut batch = vec![first];
        while batch.len() < MODEL_BATCH {
            match from_workers.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        apply_model(model, &mut batch);
        for judged in batch {
            if to_store.send(judged).is_err() {
                return;
            }
        }
    }
}

fn apply_model(model: &dyn Model, batch: &mut [Judged]) {
    // Move the inputs out (a few hundred kB of pixels each) rather than copy them.
    let (slots, pending): (Vec<usize>, Vec<(Measurements, ModelInput)>) = batch
        .iter_mut()
        .enumerate()
        .filter_map(|(i, j)| j.for_model.take().map(|p| (i, p)))
        .unzip();
    let (measurements, inputs): (Vec<Measurements>, Vec<ModelInput>) = pending.into_iter().unzip();
    let Ok(outputs) = model.infer(&inputs) else {
        return;
    };
    let info = model.info();
    for ((slot, measured), output) in slots.into_iter().zip(&measurements).zip(outputs) {
        let judged = &mut batch[slot];
        if let Outcome::Judged(shot) = &mut judged.report.outcome {
            learned_verdict(shot, measured, &output, model, &info);
            judged.report.embedding = Some(output.embedding);
        }
    }
}

fn learned_verdict(
    shot: &mut JudgedShot,
    measurements: &Measurements,
    output: &ModelOutput,
    model: &dyn Model,
    info: &ModelInfo,
) {
    let Judgement {
        score,
        verdict,
        reasons,
    } = crate::judge::with_faces(
        fuse_with_model(measurements, output, model.card(), shot.exif.exposure_time),
        &shot.faces,
        &measurements.sharpness,
        shot.width,
        shot.height,
        model.card().fusion.reject_at,
    );
    shot.score = score;
    shot.verdict = verdict;
    shot.reasons = reasons;
    shot.model = Some(info.clone());
    shot.quality = Some((output.quality * 100.0).round() / 100.0);
}

/// Long side of grid thumbnails, in pixels.
pub const THUMBNAIL_SIDE: u32 = 256;

/// One decoded and measured file, with the measured verdict.
struct JudgedPath {
    shot: JudgedShot,
    likeness: Likeness,
    measurements: Measurements,
    thumbnail: Option<Vec<u8>>,
    input: Option<ModelInput>,
}

/// Judges one file; beside the outcome, the user's call in the XMP inside it, read from the bytes
/// decoded (even when they do not decode).
fn judge_path(
    path: &Path,
    kind: FileKind,
    with_thumbnail: bool,
    with_input: bool,
    faces: Option<&dyn FaceFinder>,
) -> (Result<JudgedPath, FileError>, Option<Decision>) {
    let mut embedded = None;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (preview, call) = decode_preview_and(path, kind, crate::xmp::embedded_call);
        embedded = call.flatten();
        let preview = preview?;
        let measurements = measure(&preview);
        let faces = faces.map_or_else(Vec::new, |finder| faces_in(finder, &preview, path));
        let Judgement {
            score,
            verdict,
            reasons,
        } = fuse(&measurements);
        let thumbnail = with_thumbnail
            .then(|| encode_thumbnail(&preview.image))
            .flatten();
        let input = with_input.then(|| ModelInput::from_preview(&preview, &measurements));
        let likeness = Likeness::of(&preview, &measurements);
        Ok(JudgedPath {
            likeness,
            shot: JudgedShot {
                score,
                verdict,
                reasons,
                exif: preview.exif,
                width: preview.full_width,
                height: preview.full_height,
                model: None,
                quality: None,
                faces,
            },
            measurements,
            thumbnail,
            input,
        })
    }));
    let outcome = outcome.unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(FileError::new(
            FileErrorKind::Internal,
            format!("Cull failed on this file (a bug, please report it): {detail}"),
        ))
    });
    (outcome, embedded)
}

/// The faces in a decoded preview, their boxes scaled to the photo's own pixels. A face finder
/// that fails (its networks missing or broken) leaves the photo without faces: the verdict
/// stands without them.
fn faces_in(finder: &dyn FaceFinder, preview: &Preview, path: &Path) -> Vec<Face> {
    let scale = preview.full_width as f32 / preview.image.width().max(1) as f32;
    // Small faces' eyes are looked at in the JPEG decoded again, finer (only when some face
    // needs it: most photos never pay for a second decode).
    let closer = |k: u32| decode_finer(path, preview, k);
    finder
        .faces_closer(&preview.image, Some(&closer))
        .unwrap_or_default()
        .into_iter()
        .map(|mut face| {
            if let Some(focus) = crate::judge::region_focus(&preview.image, face.bbox) {
                face.sharpness = Some((focus.sharpness * 100.0).round() / 100.0);
                face.edge_px = Some((focus.edge_width_px * 100.0).round() / 100.0);
            }
            face.bbox = face.bbox.map(|v| (v * scale * 10.0).round() / 10.0);
            face.score = (face.score * 100.0).round() / 100.0;
            face.openness = face
                .openness
                .map(|o| o.map(|o| (o * 1000.0).round() / 1000.0));
            face
        })
        .collect()
}

/// Judges one file outside any library, without the cache: what `cull explain` shows. With a
/// model, the verdict is the learned one whenever the model can run.
pub fn judge_file(
    path: &Path,
    model: Option<&dyn Model>,
) -> Result<(JudgedShot, Measurements), FileError> {
    let kind = FileKind::from_path(path).unwrap_or(FileKind::Jpeg);
    let mut judged = judge_path(
        path,
        kind,
        false,
        model.is_some(),
        model.and_then(|m| m.faces()),
    )
    .0?;
    if let (Some(model), Some(input)) = (model, judged.input.take()) {
        let output = model
            .infer(std::slice::from_ref(&input))
            .ok()
            .and_then(|o| o.into_iter().next());
        if let Some(output) = output {
            let info = model.info();
            learned_verdict(
                &mut judged.shot,
                &judged.measurements,
                &output,
                model,
                &info,
            );
        }
    }
    Ok((judged.shot, judged.measurements))
}

/// A grid thumbnail from the (already upright, already small) analysis preview.
pub fn encode_thumbnail(image: &image::RgbImage) -> Option<Vec<u8>> {
    let (w, h) = image.dimensions();
    let scale = THUMBNAIL_SIDE as f32 / w.max(h) as f32;
    let small = if scale < 1.0 {
        let tw = ((w as f32 * scale).round() as u32).max(1);
        let th = ((h as f32 * scale).round() as u32).max(1);
        // Block means first, down to at most twice the thumbnail, then the area filter over what
        // is left: the same look for a fraction of the time of filtering the whole preview.
        let k = w / tw;
        if k >= 2 {
            image::imageops::thumbnail(&crate::media::box_downscale(image, k), tw, th)
        } else {
            image::imageops::thumbnail(image, tw, th)
        }
    } else {
        image.clone()
    };
    crate::media::encode_jpeg(&small, 80)
}

#[cfg(test)]
mod tests {
    /// Regression: thumbnails and previews were served as immutable under an id that stays the
    /// same when the photo is edited and re-judged.
    #[test]
    fn the_size_of_a_shot_comes_from_its_fingerprint() {
        assert_eq!(bytes_of("measure-1|/p/a.jpg:100:17|/p/a.cr2:2000:18"), 2100);
        assert_eq!(bytes_of("measure-1|/p/odd:name.jpg:5:1"), 5);
        assert_eq!(
            bytes_of("measure-1|/p/a|b.jpg:5:1"),
            0,
            "unreadable: unknown"
        );
    }

    #[test]
    fn an_edited_photo_gets_a_new_image_version() {
        let before = version_of("measure-1|/p/a.jpg:100:1");
        let after = version_of("measure-1|/p/a.jpg:100:2");
        assert_ne!(before, after);
        assert!(
            before < (1 << 53) && after < (1 << 53),
            "fits a JavaScript number"
        );
        assert_eq!(before, version_of("measure-1|/p/a.jpg:100:1"));
    }

    use super::*;
    use crate::progress::NoProgress;

    fn write_photo(path: &Path, seed: u32) {
        crate::test_photos::image(seed).save(path).expect("save");
    }

    fn jobs_for(paths: &[PathBuf]) -> Vec<ToJudge> {
        group_into_shots(paths.iter().map(|p| (p.clone(), FileKind::Jpeg)).collect())
            .into_iter()
            .map(|shot| ToJudge {
                shot,
                fingerprint: String::new(),
                content: None,
            })
            .collect()
    }

    #[test]
    fn the_reader_stays_a_few_shots_ahead_and_stops_when_every_shot_is_taken_or_on_cancel() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Readable, missing and unreadable (a folder) files: none stops the reader.
        let mut paths: Vec<PathBuf> = (0..6)
            .map(|i| dir.path().join(format!("{i}.jpg")))
            .collect();
        for p in &paths[..4] {
            std::fs::write(p, vec![7u8; 3 << 20]).expect("write");
        }
        std::fs::create_dir(&paths[5]).expect("dir");
        paths.push(dir.path().join("gone.jpg"));
        let jobs = jobs_for(&paths);
        assert_eq!(jobs.len(), 7);

        // Every shot taken: nothing is left to read ahead (returning is the test; a reader that
        // did not would hang it).
        read_ahead(&jobs, &AtomicUsize::new(7), 2, &CancelToken::new());

        // Workers busy with the first shot: the reader waits, two shots ahead, until they move on.
        let (taken, cancel) = (AtomicUsize::new(1), CancelToken::new());
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| read_ahead(&jobs, &taken, 2, &cancel));
            std::thread::sleep(Duration::from_millis(50));
            assert!(!reader.is_finished(), "waits for the workers");
            taken.store(7, Ordering::Relaxed);
            reader.join().expect("stops once every shot is taken");
        });
        let (taken, cancel) = (AtomicUsize::new(0), CancelToken::new());
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| read_ahead(&jobs, &taken, 1, &cancel));
            std::thread::sleep(Duration::from_millis(50));
            cancel.cancel();
            reader.join().expect("the reader returns when cancelled");
        });
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
            model: None,
            skip_cached: false,
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

    /// A model sure that no photo has any defect, to see the scan hand photos to an injected
    /// model, fuse its answer and cache its embedding.
    struct NothingWrong {
        card: crate::model::ModelCard,
        calls: std::sync::atomic::AtomicUsize,
    }

    impl Model for NothingWrong {
        fn info(&self) -> ModelInfo {
            ModelInfo {
                name: "nothing-wrong".into(),
                version: "0".into(),
                reject_at: self.card.fusion.reject_at,
            }
        }
        fn card(&self) -> &crate::model::ModelCard {
            &self.card
        }
        fn infer(
            &self,
            batch: &[ModelInput],
        ) -> std::result::Result<Vec<ModelOutput>, crate::model::ModelError> {
            self.calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(batch
                .iter()
                .map(|_| ModelOutput {
                    probabilities: [0.0; 8],
                    quality: 0.99,
                    embedding: vec![0.6, 0.8],
                })
                .collect())
        }
    }

    fn test_card() -> crate::model::ModelCard {
        let json = serde_json::json!({
            "name": "nothing-wrong", "version": "0",
            "view_side": crate::model::VIEW_SIDE, "view_count": crate::model::VIEW_COUNT,
            "features": crate::model::FEATURE_NAMES, "outputs": crate::model::reason_outputs(),
            "embedding_size": 2, "thresholds": {},
            // A fusion that weighs the network and the measurement evenly: a severe
            // measurement against a network sure of nothing ends up unsure.
            "fusion": {"reasons": crate::ReasonCode::LEARNED.iter().map(|c| (c.as_str().to_string(), serde_json::json!({
                "bias": -1.0, "model_logit": 0.2, "measured_severity": 4.0, "show_at": 0.5
            }))).collect::<serde_json::Map<String, serde_json::Value>>(), "reject_at": 0.96}
        });
        crate::model::ModelCard::parse(&json.to_string()).expect("card")
    }

    #[test]
    fn an_injected_model_takes_part_and_its_embedding_is_cached() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_photo(&dir.path().join("a.jpg"), 1);
        // Dark enough for the detectors to call it badly underexposed.
        let dark = image::RgbImage::from_fn(320, 240, |x, y| {
            image::Rgb([((x * 7 + y * 13) % 6) as u8, 2, 3])
        });
        dark.save(dir.path().join("b.jpg")).expect("save");
        let model = std::sync::Arc::new(NothingWrong {
            card: test_card(),
            calls: Default::default(),
        });
        let mut store = Store::open_in_memory().expect("store");
        let options = ScanOptions {
            roots: vec![dir.path().to_path_buf()],
            threads: Some(2),
            model: Some(ModelHandle(model.clone())),
            skip_cached: false,
        };
        let mut reports = Vec::new();
        let summary = scan(
            &mut store,
            &options,
            &NoProgress,
            &CancelToken::new(),
            &mut |r| reports.push(r.clone()),
        )
        .expect("scan");
        assert_eq!(summary.judged, 2);
        assert!(model.calls.load(std::sync::atomic::Ordering::Relaxed) >= 1);
        for report in &reports {
            let judged = report.judged().expect("judged");
            assert_eq!(
                judged.model.as_ref().map(|m| m.name.as_str()),
                Some("nothing-wrong")
            );
            assert_eq!(judged.quality, Some(0.99));
            let id = crate::shot_id(&report.key);
            assert_eq!(store.embedding(id).expect("query"), Some(vec![0.6, 0.8]));
        }
        // A severe measurement against a network that sees nothing wrong: the fusion leaves the
        // reason unsure, its message cites both the measurement and the judge, and the shot goes
        // to review rather than to the trash.
        let dark = reports
            .iter()
            .find(|r| r.path.ends_with("b.jpg"))
            .and_then(ShotReport::judged)
            .expect("dark judged");
        let under = dark
            .reasons
            .iter()
            .find(|r| r.code == crate::ReasonCode::Underexposed)
            .expect("underexposed stands");
        assert!(
            under.message.contains("brightness")
                && under.message.contains("the learned judge is")
                && under.confidence < crate::judge::SURE_CONFIDENCE,
            "{}",
            under.message
        );
        assert_eq!(dark.verdict, Verdict::Review);

        // Without the model the same files are judged again (another analyser), not read
        // back from the model's cache.
        let measured_only = ScanOptions {
            model: None,
            ..options
        };
        let again = scan(
            &mut store,
            &measured_only,
            &NoProgress,
            &CancelToken::new(),
            &mut |_| {},
        )
        .expect("scan");
        assert_eq!((again.judged, again.cached), (2, 0));
    }

    fn judged_with(reasons: Vec<Reason>, with_model: bool) -> JudgedShot {
        JudgedShot {
            score: 100.0,
            verdict: Verdict::Keep,
            reasons,
            exif: ExifInfo::default(),
            width: 1,
            height: 1,
            model: with_model.then(|| ModelInfo {
                name: "cull-judge".into(),
                version: "1".into(),
                reject_at: crate::judge::SURE_CONFIDENCE,
            }),
            quality: None,
            faces: Vec::new(),
        }
    }

    fn measured(code: crate::ReasonCode) -> Reason {
        Reason {
            code,
            severity: 0.4,
            confidence: 0.9,
            message: format!("{code} measured"),
        }
    }

    #[test]
    fn taken_back_lists_what_the_model_removed_and_only_when_a_model_judged() {
        use crate::ReasonCode::{MotionBlur, Noise};
        let measured_only = [measured(MotionBlur), measured(Noise)];
        let kept = judged_with(vec![measured(Noise)], true);
        let back = kept.taken_back(&measured_only);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].code, MotionBlur);
        assert!(judged_with(Vec::new(), false)
            .taken_back(&measured_only)
            .is_empty());
    }

    #[test]
    fn a_verdict_is_re_decided_by_the_bar_of_the_model_that_judged_it() {
        let sure_enough_for_the_rules = Reason {
            code: crate::ReasonCode::Overexposed,
            severity: 0.9,
            confidence: 0.93,
            message: String::new(),
        };
        let mut shot = judged_with(vec![sure_enough_for_the_rules], true);
        let normal = crate::judge::Sensitivities::default();
        assert_eq!(shot.decide(&normal).1, Verdict::Reject);
        if let Some(model) = shot.model.as_mut() {
            model.reject_at = 0.96;
        }
        assert_eq!(shot.decide(&normal).1, Verdict::Review);
        // A report cached before the bar was per model reads back with the old fixed bar.
        let old: ModelInfo =
            serde_json::from_str(r#"{"name":"cull-judge","version":"2"}"#).expect("old info");
        assert_eq!(old.reject_at, crate::judge::SURE_CONFIDENCE);
    }

    fn scan_dir(store: &mut Store, root: &Path) -> (ScanSummary, Vec<ShotReport>) {
        let options = ScanOptions {
            roots: vec![root.to_path_buf()],
            threads: Some(2),
            ..ScanOptions::default()
        };
        let mut reports = Vec::new();
        let summary = scan(
            store,
            &options,
            &NoProgress,
            &CancelToken::new(),
            &mut |r| reports.push(r.clone()),
        )
        .expect("scan");
        (summary, reports)
    }

    /// Regression: a shot's identity was its path, so renaming or moving a photo lost its verdict
    /// and the user's decision.
    #[test]
    fn a_renamed_or_moved_photo_keeps_its_verdict_and_decision_without_decoding() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("library");
        std::fs::create_dir_all(root.join("2024")).expect("mkdir");
        write_photo(&root.join("a.jpg"), 1);
        write_photo(&root.join("b.jpg"), 2);
        let mut store = Store::open_in_memory().expect("store");
        let (_, reports) = scan_dir(&mut store, &root);
        let a = reports
            .iter()
            .find(|r| r.path.ends_with("a.jpg"))
            .expect("a");
        store
            .set_decision(&a.key, Some(crate::Decision::Keep))
            .expect("decide");
        let verdict = a.judged().expect("judged").clone();

        std::fs::rename(root.join("a.jpg"), root.join("2024/trip.jpg")).expect("move");
        let (summary, reports) = scan_dir(&mut store, &root);
        assert_eq!(
            (summary.judged, summary.cached, summary.removed),
            (0, 2, 0),
            "nothing decoded, nothing lost"
        );
        let moved = reports
            .iter()
            .find(|r| r.path.ends_with("2024/trip.jpg"))
            .expect("the moved photo is listed under its new name");
        assert_eq!(moved.judged(), Some(&verdict));
        assert_eq!(
            store.decision(&moved.key).expect("read"),
            Some(crate::Decision::Keep)
        );
        assert_eq!(
            store.all_shots().expect("all").len(),
            2,
            "no ghost of the old name"
        );
        let id = crate::shot_id(&moved.key);
        assert!(store.thumbnail(id).expect("thumb").is_some());

        // A copy beside the original is another shot, judged on its own.
        std::fs::copy(root.join("b.jpg"), root.join("b copy.jpg")).expect("copy");
        let (summary, _) = scan_dir(&mut store, &root);
        assert_eq!((summary.judged, summary.cached), (1, 2));
    }

    /// A RAW judged alone and decided on, then its JPEG arrives: one shot, the pair, with the
    /// decision, and no ghost of the lone RAW.
    #[test]
    fn a_jpeg_that_joins_a_lone_raw_takes_over_its_decision_and_leaves_no_ghost() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("library");
        std::fs::create_dir_all(&root).expect("mkdir");
        // A TIFF-looking file with the JPEG preview inside, as a RAW carries one.
        let mut raw = b"II*\0\x08\0\0\0".to_vec();
        raw.extend(vec![0x5Au8; 4096]);
        raw.extend(crate::test_photos::jpeg(4));
        raw.extend(vec![0u8; 512]);
        std::fs::write(root.join("IMG_1.CR2"), raw).expect("write");
        let mut store = Store::open_in_memory().expect("store");
        let (_, reports) = scan_dir(&mut store, &root);
        assert!(reports[0].judged().is_some(), "{:?}", reports[0].error());
        store
            .set_decision(&reports[0].key, Some(crate::Decision::Reject))
            .expect("decide");

        write_photo(&root.join("IMG_1.JPG"), 5);
        let (summary, reports) = scan_dir(&mut store, &root);
        assert_eq!(summary.shots, 1);
        assert_eq!(reports[0].files.len(), 2, "judged as a pair");
        assert!(reports[0].path.ends_with("IMG_1.JPG"));
        let stored = store.all_shots().expect("all");
        assert_eq!(stored.len(), 1, "no ghost of the lone RAW");
        assert_eq!(stored[0].decision, Some(crate::Decision::Reject));
    }

    #[test]
    fn a_deleted_photo_is_forgotten_but_an_unplugged_folder_forgets_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("library");
        std::fs::create_dir_all(&root).expect("mkdir");
        write_photo(&root.join("a.jpg"), 1);
        write_photo(&root.join("b.jpg"), 2);
        let mut store = Store::open_in_memory().expect("store");
        scan_dir(&mut store, &root);
        std::fs::remove_file(root.join("a.jpg")).expect("delete");
        let (summary, _) = scan_dir(&mut store, &root);
        assert_eq!(summary.removed, 1);
        assert_eq!(store.all_shots().expect("all").len(), 1);

        // The whole folder missing (a drive unplugged): the scan finds nothing, forgets nothing.
        std::fs::rename(&root, dir.path().join("elsewhere")).expect("unplug");
        let options = ScanOptions {
            roots: vec![root.clone()],
            ..ScanOptions::default()
        };
        let summary = scan(
            &mut store,
            &options,
            &NoProgress,
            &CancelToken::new(),
            &mut |_| {},
        )
        .expect("scan");
        assert_eq!(summary.removed, 0);
        assert_eq!(store.all_shots().expect("all").len(), 1);
    }

    #[test]
    fn content_signatures_tell_files_apart_by_content_not_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let mut other = big.clone();
        *other.last_mut().expect("bytes") ^= 1;
        std::fs::write(dir.path().join("a"), &big).expect("write");
        std::fs::write(dir.path().join("b"), &big).expect("write");
        std::fs::write(dir.path().join("c"), &other).expect("write");
        std::fs::write(dir.path().join("small"), b"tiny").expect("write");
        let sig = |n: &str| content_signature(&dir.path().join(n));
        assert_eq!(sig("a"), sig("b"));
        assert_ne!(sig("a"), sig("c"), "the tail counts");
        assert!(sig("small").is_some());
        assert_eq!(sig("missing"), None);
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
            model: None,
            skip_cached: false,
        };
        let result = scan(&mut store, &options, &NoProgress, &cancel, &mut |_| {});
        assert!(matches!(result, Err(Error::Cancelled)));
    }
}
