// GENERATED from the Rust types by ts-rs (src-tauri/src/api.rs): do not edit by hand.
// Regenerate: CULL_EXPORT_BINDINGS=1 cargo test -p cull-app bindings

export type Verdict = "keep" | "review" | "reject";
export type ReasonCode = "blur" | "motion_blur" | "underexposed" | "overexposed" | "noise" | "jpeg_artifacts" | "lens_flare" | "low_contrast" | "closed_eyes" | "face_blur" | "duplicate";
export type Decision = "keep" | "reject";
export type Sensitivity = "strict" | "normal" | "lenient";
export type Device = "auto" | "cpu" | "cuda" | "directml" | "coreml";
export type Stage = "walking" | "checking" | "judging" | "done";
export type Reason = { code: ReasonCode, 
/**
 * How bad it is: 0 = not at all, 1 = the photo is ruined by it.
 */
severity: number, 
/**
 * How sure the measurement is.
 */
confidence: number, 
/**
 * Plain words that cite the measurement.
 */
message: string, };
export type ExifInfo = { 
/**
 * `DateTimeOriginal` as written by the camera (`YYYY:MM:DD HH:MM:SS`).
 */
capture_time: string | null, 
/**
 * `SubSecTimeOriginal`: the fraction of the second, as digits ("07" is 0.07 s), which tells
 * the frames of a burst apart.
 */
capture_subsec: string | null, 
/**
 * Make and model, e.g. "Canon EOS 5D".
 */
camera: string | null, lens: string | null, 
/**
 * Seconds.
 */
exposure_time: number | null, 
/**
 * f-number.
 */
aperture: number | null, iso: number | null, 
/**
 * Exposure compensation in EV.
 */
exposure_bias: number | null, 
/**
 * EXIF orientation 1–8; 1 (or absent) means upright.
 */
orientation: number | null, };
export type GroupKind = "duplicate" | "burst" | "bracket" | "focus_stack" | "panorama";
export type SidecarNaming = "stem" | "with_extension";
export type ShotGroup = { 
/**
 * The group's id: the smallest shot id among its members (53 bits: a plain JSON number).
 */
id: number, kind: GroupKind, 
/**
 * The shot to keep (never in a bracket or a focus stack).
 */
best: boolean, 
/**
 * 1 for the best (brackets: darkest first; focus stacks: in capture order).
 */
rank: number, 
/**
 * How many shots the group holds.
 */
size: number, };
export type ShotView = { id: number, name: string, path: string, folder: string, files: Array<string>, bytes: number, 
/**
 * Cull's score and verdict under the current sensitivities; `None` when the file failed.
 */
score: number | null, verdict: Verdict | null, decision: Decision | null, reasons: Array<ReasonCode>, error: string | null, captured: string | null, width: number, height: number, 
/**
 * Goes into image URLs, which are cached for good: it changes when the photo does.
 */
version: number, 
/**
 * The burst, duplicate set or bracket the shot belongs to (the grid stacks it); `null` when
 * it is alone.
 */
group: ShotGroup | null, };
export type TileRect = { x0: number, y0: number, x1: number, y1: number, };
export type SharpnessMap = { cols: number, rows: number, tiles: Array<number | null>, sharpest: TileRect | null, analysed_width: number, analysed_height: number, };
export type EyeState = "open" | "closed" | "unknown";
export type FaceFocus = "sharp" | "borderline" | "soft" | "unknown";
export type FaceView = { 
/**
 * `[x, y, width, height]` in the photo's own upright pixels (`ShotView.width × height`).
 */
box: [number, number, number, number], eyes: EyeState, 
/**
 * Lid gap over eye width of the eye on the image's left, then its right; `null` when that eye
 * could not be measured. Open from about 0.20, shut at 0.15 or less.
 */
openness: [number | null, number | null], 
/**
 * Focus over the face, 0–1; `null` when the face was too small or flat to judge.
 */
sharpness: number | null, 
/**
 * Edge width over the face's sharpest block, in pixels at the focus scale: sharp faces
 * stay under about 5.7, soft ones go over 6.6.
 */
edge_px: number | null, 
/**
 * The engine's word for that width, by the bars its rules use.
 */
focus: FaceFocus, };
export type StackMember = { id: number, name: string, 
/**
 * 1 for the best (brackets: darkest first).
 */
rank: number, best: boolean, };
export type ShotDetail = { shot: ShotView, reasons: Array<Reason>, 
/**
 * What the detectors measured but the learned model took back: shown, so no verdict is
 * left unexplained.
 */
taken_back: Array<Reason>, exif: ExifInfo, sharpness: SharpnessMap | null, 
/**
 * Mean edge width of the frame's sharpest region (px at the focus scale; lower is sharper),
 * what the grouping compares; `null` when no region holds enough detail.
 */
edge_px: number | null, measurements: Array<string>, 
/**
 * The faces the scan found, in its order (the index names a face's crop URL); empty when
 * there are none or the scan ran without the face networks.
 */
faces: Array<FaceView>, 
/**
 * The shot's group, rank order (best first; brackets darkest first); empty when it is alone.
 */
stack: Array<StackMember>, };
export type Settings = { 
/**
 * The library folders, absolute; `cull watch` and the app watch every one.
 */
folders: Array<string>, sensitivity: { [key in ReasonCode]?: Sensitivity }, device: Device, 
/**
 * Write Cull's call into XMP sidecars other tools read, named as they expect; `None`
 * (the default) writes none.
 */
xmp: SidecarNaming | null, };
export type AppInfo = { version: string, settings: Settings, 
/**
 * The library folder shared with the `cull` CLI.
 */
home: string, db_path: string, sample_available: boolean, 
/**
 * Something the user must be told once at start-up (a damaged settings file set aside).
 */
notice: string | null, };
export type ScanEvent = { "kind": "progress", stage: Stage, done: number, total: number, failed: number, elapsed_secs: number, } | { "kind": "shots", shots: Array<ShotView>, } | { "kind": "waiting", holder: string, };
export type LibraryNews = { shots: Array<ShotView>, removed: Array<number>, 
/**
 * Something the user should know (the OS refused to watch a folder).
 */
problem: string | null, };
export type ScanSummaryView = { shots: number, files: number, keep: number, review: number, reject: number, failed: number, 
/**
 * Shots answered from the cache without decoding.
 */
cached: number, 
/**
 * Shots decoded and judged in this run.
 */
judged: number, 
/**
 * Stored shots forgotten because their files left the library.
 */
removed: number, elapsed_secs: number, cancelled: boolean, 
/**
 * Groups (bursts, duplicates, brackets) written again around the shots this run judged.
 */
groups_changed: number, 
/**
 * Where the learned model ran, or why it could not (said once per scan).
 */
model_note: string | null, };
export type CleanupPlanView = { shots: number, files: Array<string>, bytes: number, };
export type CleanupResult = { moved: number, bytes: number, failed: Array<string>, };
export type UndoResult = { restored: number, failed: Array<string>, };
