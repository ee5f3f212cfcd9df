//! What crosses the bridge to the web UI. Every type derives `ts_rs::TS`; the test
//! `export_bindings` writes them to `ui/src/api/types.ts`, and `bindings_are_up_to_date` fails
//! when that file is stale, so the TypeScript side is generated, never hand-copied.

use std::path::Path;

use cull_core::groups::{GroupKind, ShotGroup};
use cull_core::judge::{FaceFocus, Measurements, SharpnessStats};
pub use cull_core::library::Settings;
use cull_core::media::ExifInfo;
use cull_core::model::{Device, Eyes, Face};
use cull_core::progress::Stage;
use cull_core::store::StoredShot;
use cull_core::xmp::SidecarNaming;
use cull_core::{Decision, JudgedShot, Reason, ReasonCode, ScanSummary, ShotReport, Verdict};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub settings: Settings,
    /// The library folder shared with the `cull` CLI.
    pub home: String,
    pub db_path: String,
    pub sample_available: bool,
    /// Something the user must be told once at start-up (a damaged settings file set aside).
    pub notice: Option<String>,
}

/// One grid cell.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ShotView {
    // JSON carries these as plain numbers (ids fit 53 bits, byte counts stay far below).
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub path: String,
    pub folder: String,
    pub files: Vec<String>,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Cull's score and verdict under the current sensitivities; `None` when the file failed.
    pub score: Option<f32>,
    pub verdict: Option<Verdict>,
    pub decision: Option<Decision>,
    pub reasons: Vec<ReasonCode>,
    pub error: Option<String>,
    pub captured: Option<String>,
    pub width: u32,
    pub height: u32,
    /// Goes into image URLs, which are cached for good: it changes when the photo does.
    #[ts(type = "number")]
    pub version: u64,
    /// The burst, duplicate set or bracket the shot belongs to (the grid stacks it); `null` when
    /// it is alone.
    pub group: Option<ShotGroup>,
}

impl ShotView {
    /// The shot as the user sees it: Cull's verdict under the library's sensitivities, with the
    /// `duplicate` reason when it lost to its group's best (`Settings::apply`, the one place that
    /// decides, for the clean-up and the CLI too).
    pub fn new(
        report: ShotReport,
        decision: Option<Decision>,
        group: Option<ShotGroup>,
        settings: &Settings,
    ) -> Self {
        let applied = settings.apply(report, group.as_ref());
        Self::of_applied(&applied, decision, group)
    }

    pub fn of_stored(shot: StoredShot, settings: &Settings) -> Self {
        Self::new(shot.report, shot.decision, shot.group, settings)
    }

    /// From a report `Settings::apply` already decided.
    fn of_applied(
        report: &ShotReport,
        decision: Option<Decision>,
        group: Option<ShotGroup>,
    ) -> Self {
        let path = Path::new(&report.path);
        let judged = report.judged();
        Self {
            id: cull_core::shot_id(&report.key),
            name: file_name(path),
            path: report.path.to_string_lossy().to_string(),
            folder: path
                .parent()
                .map(|p| p.to_string_lossy().to_string())
                .unwrap_or_default(),
            files: report
                .files
                .iter()
                .map(|f| f.to_string_lossy().to_string())
                .collect(),
            // Known from the cache; a stat of each file only when it is not.
            bytes: if report.bytes > 0 {
                report.bytes
            } else {
                report
                    .files
                    .iter()
                    .filter_map(|f| std::fs::metadata(f).ok())
                    .map(|m| m.len())
                    .sum()
            },
            score: judged.map(|j| j.score),
            verdict: judged.map(|j| j.verdict),
            decision,
            reasons: judged
                .map(|j| j.reasons.iter().map(|r| r.code).collect())
                .unwrap_or_default(),
            error: report.error().map(|e| format!("{}: {}", e.kind, e.message)),
            captured: judged.and_then(|j| j.exif.capture_time.clone()),
            width: judged.map_or(0, |j| j.width),
            height: judged.map_or(0, |j| j.height),
            version: report.version,
            group,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(rename = "TileRect")]
pub struct TileRectView {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

/// Per-tile sharpness over the analysed image, for the loupe's overlay.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SharpnessMap {
    pub cols: u32,
    pub rows: u32,
    pub tiles: Vec<Option<f32>>,
    pub sharpest: Option<TileRectView>,
    pub analysed_width: u32,
    pub analysed_height: u32,
}

impl SharpnessMap {
    pub fn new(s: &SharpnessStats) -> Self {
        Self {
            cols: s.grid.cols,
            rows: s.grid.rows,
            tiles: s.tiles.clone(),
            sharpest: s.sharpest_tile.map(|t| TileRectView {
                x0: t.x0,
                y0: t.y0,
                x1: t.x1,
                y1: t.y1,
            }),
            analysed_width: s.grid.width,
            analysed_height: s.grid.height,
        }
    }
}

/// One face the scan found, for the loupe's face list and its 100 % crops.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FaceView {
    /// `[x, y, width, height]` in the photo's own upright pixels (`ShotView.width × height`).
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    pub eyes: Eyes,
    /// Lid gap over eye width of the eye on the image's left, then its right; `null` when that eye
    /// could not be measured. Open from about 0.20, shut at 0.15 or less.
    pub openness: [Option<f32>; 2],
    /// Focus over the face, 0–1; `null` when the face was too small or flat to judge.
    pub sharpness: Option<f32>,
    /// Edge width over the face's sharpest block, in pixels at the focus scale: sharp faces
    /// stay under about 5.7, soft ones go over 6.6.
    pub edge_px: Option<f32>,
    /// The engine's word for that width, by the bars its rules use.
    pub focus: FaceFocus,
}

impl FaceView {
    pub fn new(face: &Face) -> Self {
        Self {
            bbox: face.bbox,
            eyes: face.eyes,
            openness: face.openness,
            sharpness: face.sharpness,
            edge_px: face.edge_px,
            focus: FaceFocus::of(face),
        }
    }
}

/// One shot of a stack, for the loupe's list of its group.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StackMember {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// 1 for the best (brackets: darkest first).
    pub rank: usize,
    pub best: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ShotDetail {
    pub shot: ShotView,
    pub reasons: Vec<Reason>,
    /// What the detectors measured but the learned model took back: shown, so no verdict is
    /// left unexplained.
    pub taken_back: Vec<Reason>,
    pub exif: ExifInfo,
    pub sharpness: Option<SharpnessMap>,
    /// Mean edge width of the frame's sharpest region (px at the focus scale; lower is sharper),
    /// what the grouping compares; `null` when no region holds enough detail.
    pub edge_px: Option<f32>,
    pub measurements: Vec<String>,
    /// The faces the scan found, in its order (the index names a face's crop URL); empty when
    /// there are none or the scan ran without the face networks.
    pub faces: Vec<FaceView>,
    /// The shot's group, rank order (best first; brackets darkest first); empty when it is alone.
    pub stack: Vec<StackMember>,
}

impl ShotDetail {
    /// The loupe's view of a stored shot: the reasons are those of the applied report, so the
    /// `duplicate` reason shows with its message like any other. `measured` is a fresh
    /// measurement of the file, for the map and the flags the model took back.
    pub fn new(
        stored: StoredShot,
        settings: &Settings,
        measured: Option<(JudgedShot, Measurements)>,
        members: Vec<StoredShot>,
    ) -> Self {
        let applied = settings.apply(stored.report, stored.group.as_ref());
        let shot = ShotView::of_applied(&applied, stored.decision, stored.group);
        let (reasons, exif, faces) = applied
            .judged()
            .map(|j| {
                (
                    j.reasons.clone(),
                    j.exif.clone(),
                    j.faces.iter().map(FaceView::new).collect(),
                )
            })
            .unwrap_or_default();
        let taken_back = match (applied.judged(), &measured) {
            (Some(judged), Some((measured_only, _))) => judged.taken_back(&measured_only.reasons),
            _ => Vec::new(),
        };
        Self {
            shot,
            reasons,
            taken_back,
            exif,
            sharpness: measured
                .as_ref()
                .map(|(_, m)| SharpnessMap::new(&m.sharpness)),
            edge_px: measured
                .as_ref()
                .and_then(|(_, m)| m.sharpness.mean_edge_px()),
            measurements: measured.map(|(_, m)| m.describe()).unwrap_or_default(),
            faces,
            stack: members
                .into_iter()
                .filter_map(|m| {
                    let group = m.group?;
                    Some(StackMember {
                        id: m.id,
                        name: file_name(&m.report.path),
                        rank: group.rank,
                        best: group.best,
                    })
                })
                .collect(),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScanEvent {
    Progress {
        stage: Stage,
        done: usize,
        total: usize,
        failed: usize,
        elapsed_secs: f64,
    },
    Shots {
        shots: Vec<ShotView>,
    },
    /// Another job (`cull scan` in a terminal, a clean-up) holds the library; the scan starts
    /// when it is done.
    Waiting {
        holder: String,
    },
}

/// What the folder watcher found since its last news: shots judged (new or changed files) and
/// shots whose files left the library, by id.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct LibraryNews {
    pub shots: Vec<ShotView>,
    #[ts(type = "Array<number>")]
    pub removed: Vec<i64>,
    /// Something the user should know (the OS refused to watch a folder).
    pub problem: Option<String>,
}

impl LibraryNews {
    pub fn is_empty(&self) -> bool {
        self.shots.is_empty() && self.removed.is_empty() && self.problem.is_none()
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CleanupPlanView {
    pub shots: usize,
    pub files: Vec<String>,
    #[ts(type = "number")]
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CleanupResult {
    pub moved: usize,
    #[ts(type = "number")]
    pub bytes: u64,
    pub failed: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct UndoResult {
    pub restored: usize,
    pub failed: Vec<String>,
}

/// The TypeScript declarations of every type above and the engine types they use, in one file.
pub fn typescript_bindings() -> String {
    use cull_core::judge::Sensitivity;
    let decls = [
        Verdict::decl(),
        ReasonCode::decl(),
        Decision::decl(),
        Sensitivity::decl(),
        Device::decl(),
        Stage::decl(),
        Reason::decl(),
        ExifInfo::decl(),
        GroupKind::decl(),
        SidecarNaming::decl(),
        ShotGroup::decl(),
        ShotView::decl(),
        TileRectView::decl(),
        SharpnessMap::decl(),
        Eyes::decl(),
        FaceFocus::decl(),
        FaceView::decl(),
        StackMember::decl(),
        ShotDetail::decl(),
        Settings::decl(),
        AppInfo::decl(),
        ScanEvent::decl(),
        LibraryNews::decl(),
        ScanSummary::decl(),
        CleanupPlanView::decl(),
        CleanupResult::decl(),
        UndoResult::decl(),
    ];
    let mut out = String::from(
        "// GENERATED from the Rust types by ts-rs (src-tauri/src/api.rs): do not edit by hand.\n\
         // Regenerate: CULL_EXPORT_BINDINGS=1 cargo test -p cull-app bindings\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bindings_path() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/api/types.ts")
    }

    #[test]
    fn bindings_are_up_to_date() {
        let fresh = typescript_bindings();
        if std::env::var_os("CULL_EXPORT_BINDINGS").is_some() {
            std::fs::write(bindings_path(), &fresh).expect("write bindings");
        }
        let committed = std::fs::read_to_string(bindings_path()).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/api/types.ts is stale: run CULL_EXPORT_BINDINGS=1 cargo test -p cull-app bindings"
        );
    }

    #[test]
    fn scan_events_are_tagged_by_kind() {
        let event = ScanEvent::Shots { shots: Vec::new() };
        let json = serde_json::to_value(&event).expect("serialise");
        assert_eq!(json["kind"], "shots");
    }
}
