//! Bursts, duplicates and brackets: which shots are the same moment or the same picture, and
//! which of them to keep (issue 11).
//!
//! Two kinds of link, neither quadratic:
//!
//! * **Along the capture time**, per camera: shots in time order, each compared with the shots of
//!   the previous few seconds ([`BURST_GAP_SECS`] between neighbours, [`BURST_LOOKBACK`] shots
//!   back), linked when they look alike (the judge's embedding, else a 64-bit difference hash).
//!   Chained, so a burst that drifts frame by frame stays one group.
//! * **Across folders and files**, for copies: the difference hash split into four 16-bit bands;
//!   shots sharing a band are compared, and linked when their hashes and embeddings say "the
//!   same picture" and their capture times agree (a re-encode, a resize, a re-export keeps the
//!   camera's time, or has none); a frame of a burst, taken moments later, is not a copy.
//!
//! A group whose frames differ in exposure (bias or shutter) is a `bracket`, and one framing whose
//! sharpest region walks across the frame is a `focus_stack`: sets made to be merged, never
//! culled, as is a `panorama`: neighbouring frames whose thumbnails continue each other once
//! shifted. Otherwise it is a `duplicate` when every link is a copy, else a `burst`.
//! The best of a duplicate or a burst is picked by what a photographer looks at (eyes open, the
//! sharpest subject, then the judge's score) and the others are told why they lost; file size and
//! resolution play no part. Thresholds are first settings from the measurements in
//! `tests/fixtures/BURSTS-RESEARCH.md` (consecutive burst frames: cosine ≥ 0.90; copies: ≥ 0.993,
//! dHash 0; different photos of one subject: 0.81–0.93, dHash 17–32; unrelated ≤ 0.76).

use std::collections::HashMap;

use image::RgbImage;
use serde::{Deserialize, Serialize};

/// Neighbours in time further apart than this are not one burst.
pub const BURST_GAP_SECS: f64 = 2.0;
/// How many earlier shots (of the same camera, within the gap chain) each shot is compared with.
pub const BURST_LOOKBACK: usize = 8;
/// Two shots close in time are one burst when their framing agrees (hashes this close) and their
/// embeddings at least [`BURST_COSINE_WITH_HASH`] alike, or, whatever the hashes say, when the
/// embeddings are [`BURST_COSINE`] alike. Measured on real frames (`tests/groups.rs`): frames of
/// one burst, neighbours or not, differ by at most 14 bits and neighbours by at most 4, with
/// cosines from 0.87 (a softened frame); different photos of one subject a second apart (one grid
/// from four places, one long sequence 100 frames apart) reach cosine 0.95 but differ by 14–33
/// bits.
const BURST_COSINE: f32 = 0.96;
const BURST_HASH: u32 = 12;
const BURST_COSINE_WITH_HASH: f32 = 0.80;
/// Copies: hashes this close and embeddings this alike (a 2 % crop moves 4–6 bits, cosine ≥ 0.965).
const COPY_HASH: u32 = 6;
const COPY_COSINE: f32 = 0.96;
/// Copies carry the same capture time (or none): frames this far apart are moments, not copies.
const SAME_MOMENT_SECS: f64 = 0.05;
/// Two files of one camera with the same capture time to the hundredth are one exposure: copies
/// (an export, a crop), whatever their hashes, when they look alike at all.
const SAME_INSTANT_SECS: f64 = 0.005;
const SAME_INSTANT_COSINE: f32 = 0.90;
/// A focus stack: one framing (hashes this close across the whole set) whose sharpest region
/// walks this far (fraction of the frame) from the first frame to the last (see `focus_stack`).
const STACK_HASH: u32 = 6;
const STACK_FOCUS_MOVE: f32 = 0.3;
const STACK_SAME_SHARPNESS_PX: f32 = 1.0;
/// A sweep's frames: one camera, at most this far apart in time, embeddings at least this alike
/// (the frames share part of a scene), and, shifted by their overlap, at least this alike in
/// their thumbnails. Measured on thumbnails: crops of one photo in a sweep correlate 0.95–0.99
/// at their shift; different photos of one subject (a grid from four places, a street twice,
/// two renders of a model, a chessboard in four poses) 0.16–0.76 at their best shift.
const PAN_GAP_SECS: f64 = 5.0;
const PAN_COSINE: f32 = 0.70;
const PAN_CORRELATION: f32 = 0.88;
/// The side the overlap is measured at.
const PAN_SIDE: u32 = 64;
/// The overlap's shift must be a real step across the scene, not a wobble, and leave overlap.
const PAN_SHIFT: std::ops::RangeInclusive<f32> = 0.15..=0.8;

/// How far (fraction of the frame) the spot may step back, and a step that counts as moving.
const STACK_STEP_BACK: f32 = 0.1;
const STACK_STEP: f32 = 0.05;
/// Exposure differences that make a bracket: this much bias, or shutter times this far apart.
const BRACKET_BIAS_EV: f32 = 0.3;
const BRACKET_SHUTTER_RATIO: f32 = 1.25;
/// A hash band shared by more shots than this is a flat or blank frame pattern, not a copy.
pub(crate) const MAX_BAND_BUCKET: usize = 64;

/// What the grouping knows of one shot.
#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    pub id: i64,
    /// A short name for messages ("IMG_0142").
    pub name: String,
    /// Capture time in seconds (any fixed origin; see [`capture_seconds`]), `None` when unknown.
    pub time: Option<f64>,
    /// Whether the camera recorded the time to a fraction of a second.
    pub subsec: bool,
    pub camera: Option<String>,
    /// The judge's unit-length embedding.
    pub embedding: Option<Vec<f32>>,
    /// [`dhash`] of the analysis preview.
    pub dhash: Option<u64>,
    pub exposure_bias: Option<f32>,
    pub exposure_time: Option<f32>,
    /// Edge width (px at the focus scale) of the subject: the sharpest face when there is one,
    /// else the frame's sharpest region. Lower is sharper.
    pub subject_edge_px: Option<f32>,
    /// Where the frame's sharpest region lies (fractions of width and height).
    pub focus_at: Option<[f32; 2]>,
    /// Faces whose eyes measured shut.
    pub closed_eyes: usize,
    /// Cull's score, 0–100.
    pub score: f32,
    /// Width × height of the judged image: the last tie-break between equals (of two copies
    /// equally sharp and equally scored, the larger is the original), never a reason alone.
    pub pixels: u64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// The same picture more than once (re-encoded, resized, re-exported).
    Duplicate,
    /// The same scene, moments apart.
    Burst,
    /// One framing at several exposures, made to be merged: never culled.
    Bracket,
    /// One framing focused at several depths, made to be merged: never culled.
    FocusStack,
    /// Frames of a sweep, each overlapping the next by a steady shift, made to be stitched:
    /// never culled.
    Panorama,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Burst => "burst",
            Self::Bracket => "bracket",
            Self::FocusStack => "focus_stack",
            Self::Panorama => "panorama",
        }
    }

    /// Sets made to be merged: no best, no loser.
    pub fn is_merge_set(self) -> bool {
        matches!(self, Self::Bracket | Self::FocusStack | Self::Panorama)
    }

    /// Every kind.
    pub const ALL: [GroupKind; 5] = [
        Self::Duplicate,
        Self::Burst,
        Self::Bracket,
        Self::FocusStack,
        Self::Panorama,
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A stored shot's group, as `--json` prints it (`"group"`, `null` when the shot is alone) and
/// the app stacks it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotGroup {
    /// The group's id: the smallest shot id among its members (53 bits: a plain JSON number).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub kind: GroupKind,
    /// The shot to keep (never in a bracket or a focus stack).
    pub best: bool,
    /// 1 for the best (brackets: darkest first; focus stacks: in capture order).
    pub rank: usize,
    /// How many shots the group holds.
    pub size: usize,
    /// Why this shot lost to the best; `None` for the best and in brackets. Said as the
    /// `duplicate` reason's message, not printed twice.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub why: Option<String>,
}

/// How severe and how sure the `duplicate` reason is: a lesser shot of a burst or a copy asks
/// for a look (review), never more by itself — the confidence stays under any model's reject bar
/// (the sure bar is 0.9 and up), so it neither rejects alone nor tips a soft shot's compound
/// score into a reject. The best is only as good as the signals that picked it; "keep the best,
/// reject the rest" is the user's call to make.
const COPY_SEVERITY: f32 = 0.4;
const COPY_CONFIDENCE: f32 = 0.85;
const BURST_SEVERITY: f32 = 0.4;
const BURST_CONFIDENCE: f32 = 0.8;

impl ShotGroup {
    /// The `duplicate` reason for a shot that lost to its group's best; `None` for the best and
    /// for brackets, which are made to be merged, never culled.
    pub fn reason(&self) -> Option<crate::judge::Reason> {
        if self.best {
            return None;
        }
        let (severity, confidence, what) = match self.kind {
            GroupKind::Duplicate => (COPY_SEVERITY, COPY_CONFIDENCE, "copies of one picture"),
            GroupKind::Burst => (BURST_SEVERITY, BURST_CONFIDENCE, "shots of one burst"),
            GroupKind::Bracket | GroupKind::FocusStack | GroupKind::Panorama => return None,
        };
        let lead = format!("one of {} {what}", self.size);
        Some(crate::judge::Reason {
            code: crate::judge::ReasonCode::Duplicate,
            severity,
            confidence,
            message: match &self.why {
                Some(why) => format!("{lead}; {why}"),
                None => lead,
            },
        })
    }
}

/// One shot's place in its group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: i64,
    /// 1 for the best; brackets are ranked by exposure, darkest first.
    pub rank: usize,
    pub best: bool,
    /// Why this shot lost to the best ("IMG_0142 is sharper: edges 1.9 px against 3.4 px"),
    /// `None` for the best and in brackets.
    pub why: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub kind: GroupKind,
    /// Best first.
    pub members: Vec<Member>,
}

/// A 64-bit difference hash: the image shrunk to 9×8 grey cells, one bit per horizontal step
/// (brighter to the right or not). Blind to blur, exposure and re-encoding; moved by framing.
pub fn dhash(img: &RgbImage) -> u64 {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return 0;
    }
    // Integer luma (×1000) summed per cell: the same ordering of cell means as floating point,
    // at a fraction of the cost on a 1.5 MP preview (this runs for every judged photo). A cell's
    // columns are one run of each row, summed as a slice, so nothing waits on the cell before.
    let w = w as usize;
    let bounds: Vec<usize> = (0..=9).map(|i| (i * w).div_ceil(9)).collect();
    let mut sums = [[0u64; 9]; 8];
    let mut counts = [[0u64; 9]; 8];
    for (y, row) in img.as_raw().chunks_exact(w * 3).enumerate() {
        let cy = (y as u64 * 8 / u64::from(h)) as usize;
        for cx in 0..9 {
            let run = &row[bounds[cx] * 3..bounds[cx + 1] * 3];
            let sum: u64 = run
                .chunks_exact(3)
                .map(|p| 299 * u64::from(p[0]) + 587 * u64::from(p[1]) + 114 * u64::from(p[2]))
                .sum();
            sums[cy][cx] += sum;
            counts[cy][cx] += (run.len() / 3) as u64;
        }
    }
    let mut hash = 0u64;
    for (row, count) in sums.iter().zip(&counts) {
        for i in 0..8 {
            // mean(i + 1) > mean(i), without dividing.
            let brighter = row[i + 1] * count[i].max(1) > row[i] * count[i + 1].max(1);
            hash = (hash << 1) | u64::from(brighter);
        }
    }
    hash
}

/// Seconds of a capture time as the store writes it ("2024-05-01 14:03:22.07"), counted from
/// 1970-01-01 in the camera's own clock; `None` when it does not parse.
pub fn capture_seconds(captured_at: &str) -> Option<f64> {
    let (date, time) = captured_at.trim().split_once(' ')?;
    let mut d = date.split('-').map(str::parse::<i64>);
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.split(':');
    let (hh, mm) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let ss = t.next()?.parse::<f64>().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hh * 3_600 + mm * 60) as f64 + ss)
}

fn cosine(a: &[f32], b: &[f32]) -> Option<f32> {
    (a.len() == b.len() && !a.is_empty()).then(|| a.iter().zip(b).map(|(x, y)| x * y).sum())
}

fn band_of(hash: u64, band: u8) -> u16 {
    (hash >> (16 * u32::from(band))) as u16
}

fn hash_distance(a: Option<u64>, b: Option<u64>) -> Option<u32> {
    Some((a? ^ b?).count_ones())
}

/// How two shots are alike, if they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Copy,
    Moment,
    /// Neighbours of a sweep: the second frame continues the first, shifted.
    Pan,
}

fn copies(a: &GroupInput, b: &GroupInput) -> bool {
    if exposures_differ(a, b) {
        return false;
    }
    // Cheap tests first: the cosine over the embedding is the cost of a comparison.
    let hash_close = hash_distance(a.dhash, b.dhash).is_some_and(|d| d <= COPY_HASH);
    let same_time = match (a.time, b.time) {
        (Some(x), Some(y)) => (x - y).abs() <= SAME_MOMENT_SECS,
        _ => true,
    };
    let same_instant = a.subsec
        && b.subsec
        && a.camera == b.camera
        && matches!((a.time, b.time), (Some(x), Some(y)) if (x - y).abs() < SAME_INSTANT_SECS);
    let cos = || match (&a.embedding, &b.embedding) {
        (Some(x), Some(y)) => cosine(x, y),
        _ => None,
    };
    let by_hash = hash_close && same_time;
    if !by_hash && !same_instant {
        return false;
    }
    match cos() {
        Some(c) => {
            (hash_close && same_time && c >= COPY_COSINE)
                || (same_instant && c >= SAME_INSTANT_COSINE)
        }
        // Without the judge's embeddings (a scan without the model) the hash cannot tell an
        // edit (fog, a tone change) from a copy: only a file that measures exactly the same —
        // same hash, same size, same score — is a copy, unless the camera's time says so.
        None => (by_hash && looks_identical(a, b)) || (same_instant && hash_close),
    }
}

fn looks_identical(a: &GroupInput, b: &GroupInput) -> bool {
    a.dhash.is_some()
        && a.dhash == b.dhash
        && a.pixels == b.pixels
        && (a.score - b.score).abs() < 0.5
}

/// One framing whose focus walks: every pair of frames hashes alike, and, in capture order, the
/// sharpest spot travels one way down (or across) the frame, at least [`STACK_FOCUS_MOVE`] from
/// first to last and in more than one step, never stepping back — the band of focus of a receding
/// scene moving with the focus distance (where in the band the spot lies is free). Two frames
/// must also be about as sharp at their spots. A subject moving in a tripod burst (a talking
/// head) makes the spot jump back and forth instead; one soft frame moves it once.
fn focus_stack(set: &[&GroupInput]) -> bool {
    let one_framing = set.iter().enumerate().all(|(n, a)| {
        set[n + 1..]
            .iter()
            .all(|b| hash_distance(a.dhash, b.dhash).is_some_and(|d| d <= STACK_HASH))
    });
    if !one_framing {
        return false;
    }
    let mut frames: Vec<(f64, [f32; 2], Option<f32>)> = Vec::with_capacity(set.len());
    for s in set {
        let (Some(time), Some(at)) = (s.time, s.focus_at) else {
            return false;
        };
        frames.push((time, at, s.subject_edge_px));
    }
    frames.sort_by(|a, b| a.0.total_cmp(&b.0));
    let walks = |axis: usize| {
        let (Some(first), Some(last)) = (frames.first(), frames.last()) else {
            return false;
        };
        let way = (last.1[axis] - first.1[axis]).signum();
        let steps: Vec<f32> = frames
            .windows(2)
            .map(|w| (w[1].1[axis] - w[0].1[axis]) * way)
            .collect();
        let moving_steps = steps.iter().filter(|&&d| d >= STACK_STEP).count();
        (last.1[axis] - first.1[axis]).abs() >= STACK_FOCUS_MOVE
            && steps.iter().all(|&d| d >= -STACK_STEP_BACK)
            && moving_steps >= steps.len().min(2)
    };
    if frames.len() == 2 {
        let alike_sharp = match (frames[0].2, frames[1].2) {
            (Some(x), Some(y)) => (x - y).abs() < STACK_SAME_SHARPNESS_PX,
            _ => false,
        };
        return alike_sharp && (walks(0) || walks(1));
    }
    walks(0) || walks(1)
}

/// How two frames overlap at their best shift: along which axis, by what share of the frame,
/// and how alike they are there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pan {
    /// The shift as a share of the frame's width (`horizontal`) or height, signed.
    pub shift: f32,
    pub horizontal: bool,
    /// Correlation of the overlapping parts, −1–1.
    pub correlation: f32,
}

impl Pan {
    /// Whether the second frame continues the first as a sweep does.
    pub fn continues(&self) -> bool {
        self.correlation >= PAN_CORRELATION && PAN_SHIFT.contains(&self.shift.abs())
    }
}

/// The best overlap of `b` on `a` (grey thumbnails, compared at the smaller one's size) over
/// shifts of 10–85 % of the frame along either axis, in both directions. `None` for frames too
/// small to tell.
pub fn pan_overlap(a: &image::GrayImage, b: &image::GrayImage) -> Option<Pan> {
    // At most 64 px along the long side: the shift is found to 2 % of the frame, at a cost of
    // about a millisecond a pair.
    let (w, h) = (a.width().min(b.width()), a.height().min(b.height()));
    let scale = (PAN_SIDE as f32 / w.max(h) as f32).min(1.0);
    let (w, h) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    if w < 16 || h < 16 {
        return None;
    }
    let fit = |img: &image::GrayImage| -> Vec<f32> {
        let img = if img.dimensions() == (w, h) {
            img.clone()
        } else {
            image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle)
        };
        img.pixels().map(|p| f32::from(p[0])).collect()
    };
    let (pa, pb) = (fit(a), fit(b));
    let (w, h) = (w as usize, h as usize);
    let mut best: Option<Pan> = None;
    for horizontal in [true, false] {
        let n = if horizontal { w } else { h };
        for s in n / 10..=n * 85 / 100 {
            for forward in [true, false] {
                // a's part from s on against b's part up to n - s (forward), or the other way.
                let (mut sa, mut sb, mut saa, mut sbb, mut sab, mut count) =
                    (0f64, 0f64, 0f64, 0f64, 0f64, 0f64);
                for y in 0..h {
                    for x in 0..w {
                        let (ax, ay, bx, by) = match (horizontal, forward) {
                            (true, true) if x + s < w => (x + s, y, x, y),
                            (true, false) if x + s < w => (x, y, x + s, y),
                            (false, true) if y + s < h => (x, y + s, x, y),
                            (false, false) if y + s < h => (x, y, x, y + s),
                            _ => continue,
                        };
                        let (va, vb) = (f64::from(pa[ay * w + ax]), f64::from(pb[by * w + bx]));
                        sa += va;
                        sb += vb;
                        saa += va * va;
                        sbb += vb * vb;
                        sab += va * vb;
                        count += 1.0;
                    }
                }
                let var_a = saa - sa * sa / count;
                let var_b = sbb - sb * sb / count;
                if var_a <= f64::EPSILON || var_b <= f64::EPSILON {
                    continue;
                }
                let correlation = ((sab - sa * sb / count) / (var_a * var_b).sqrt()) as f32;
                let shift = s as f32 / n as f32 * if forward { 1.0 } else { -1.0 };
                if best.is_none_or(|b| correlation > b.correlation) {
                    best = Some(Pan {
                        shift,
                        horizontal,
                        correlation,
                    });
                }
            }
        }
    }
    best
}

fn one_moment(a: &GroupInput, b: &GroupInput) -> bool {
    let cos = match (&a.embedding, &b.embedding) {
        (Some(x), Some(y)) => cosine(x, y),
        _ => None,
    };
    let hash = hash_distance(a.dhash, b.dhash);
    match (cos, hash) {
        (Some(c), Some(d)) => c >= BURST_COSINE || (d <= BURST_HASH && c >= BURST_COSINE_WITH_HASH),
        (Some(c), None) => c >= BURST_COSINE,
        (None, Some(d)) => d <= BURST_HASH,
        (None, None) => false,
    }
}

fn exposures_differ(a: &GroupInput, b: &GroupInput) -> bool {
    let bias = match (a.exposure_bias, b.exposure_bias) {
        (Some(x), Some(y)) => (x - y).abs() >= BRACKET_BIAS_EV,
        _ => false,
    };
    let shutter = match (a.exposure_time, b.exposure_time) {
        (Some(x), Some(y)) if x > 0.0 && y > 0.0 => x.max(y) / x.min(y) >= BRACKET_SHUTTER_RATIO,
        _ => false,
    };
    bias || shutter
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// The groups among `shots` (two or more members each; a shot alike to no other is in none).
pub fn group(shots: &[GroupInput]) -> Vec<Group> {
    group_with(shots, &mut |_, _| None)
}

/// [`group`], with `overlap` telling how two neighbouring frames of one camera that are not one
/// moment overlap ([`pan_overlap`] of their thumbnails; `None` when unknown): a sweep's frames
/// become a `panorama`.
pub fn group_with(
    shots: &[GroupInput],
    overlap: &mut dyn FnMut(&GroupInput, &GroupInput) -> Option<Pan>,
) -> Vec<Group> {
    let mut links: Vec<(usize, usize, Link)> = Vec::new();
    // Along the capture time, per camera.
    let mut timed: Vec<usize> = (0..shots.len())
        .filter(|&i| shots[i].time.is_some())
        .collect();
    timed.sort_by(|&a, &b| {
        shots[a].camera.cmp(&shots[b].camera).then(
            shots[a]
                .time
                .unwrap_or(0.0)
                .total_cmp(&shots[b].time.unwrap_or(0.0)),
        )
    });
    for (k, &i) in timed.iter().enumerate() {
        let mut previous_time = shots[i].time.unwrap_or(0.0);
        for &j in timed[..k].iter().rev().take(BURST_LOOKBACK) {
            let (a, b) = (&shots[j], &shots[i]);
            let t = b.time.unwrap_or(0.0);
            let gap_ok = a.camera == b.camera
                && previous_time - a.time.unwrap_or(f64::NEG_INFINITY) <= BURST_GAP_SECS;
            if !gap_ok {
                break;
            }
            previous_time = a.time.unwrap_or(t);
            if copies(a, b) {
                links.push((j, i, Link::Copy));
            } else if one_moment(a, b) {
                links.push((j, i, Link::Moment));
            }
        }
    }
    // Sweeps: each frame against the one before it, when they are not one moment.
    for w in timed.windows(2) {
        let (a, b) = (&shots[w[0]], &shots[w[1]]);
        let near = a.camera == b.camera
            && b.time.unwrap_or(0.0) - a.time.unwrap_or(0.0) <= PAN_GAP_SECS
            && !exposures_differ(a, b)
            && !one_moment(a, b)
            && !copies(a, b)
            && match (&a.embedding, &b.embedding) {
                (Some(x), Some(y)) => cosine(x, y).is_some_and(|c| c >= PAN_COSINE),
                _ => true,
            };
        if near && overlap(a, b).is_some_and(|p| p.continues()) {
            links.push((w[0], w[1], Link::Pan));
        }
    }
    // Across time: copies found through their hash bands. Two hashes at most 7 bits apart share
    // a band to within one bit (four 16-bit bands), so each band is looked up as it is and with
    // each of its bits flipped.
    let mut bands: HashMap<(u8, u16), Vec<usize>> = HashMap::new();
    for (i, s) in shots.iter().enumerate() {
        if let Some(h) = s.dhash {
            for band in 0..4u8 {
                bands.entry((band, band_of(h, band))).or_default().push(i);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (a, shot) in shots.iter().enumerate() {
        let Some(h) = shot.dhash else { continue };
        for band in 0..4u8 {
            let key = band_of(h, band);
            for probe in std::iter::once(key).chain((0..16).map(|bit| key ^ (1 << bit))) {
                let Some(bucket) = bands.get(&(band, probe)) else {
                    continue;
                };
                if bucket.len() > MAX_BAND_BUCKET {
                    continue;
                }
                for &b in bucket.iter().filter(|&&b| b > a) {
                    // Most probes meet hashes far apart: that costs one XOR, not a cosine.
                    let close = shots[b]
                        .dhash
                        .is_some_and(|hb| (h ^ hb).count_ones() <= COPY_HASH);
                    if close && seen.insert((a, b)) && copies(shot, &shots[b]) {
                        links.push((a, b, Link::Copy));
                    }
                }
            }
        }
    }
    let mut sets = UnionFind((0..shots.len()).collect());
    for &(a, b, _) in &links {
        sets.union(a, b);
    }
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..shots.len() {
        let root = sets.find(i);
        members.entry(root).or_default().push(i);
    }
    let mut all_copies: HashMap<usize, bool> = HashMap::new();
    let mut panned = std::collections::HashSet::new();
    for &(a, _, link) in &links {
        let root = sets.find(a);
        *all_copies.entry(root).or_insert(true) &= link == Link::Copy;
        if link == Link::Pan {
            panned.insert(root);
        }
    }
    let mut groups: Vec<Group> = members
        .into_iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|(root, m)| {
            let set: Vec<&GroupInput> = m.iter().map(|&i| &shots[i]).collect();
            let bracket = set
                .iter()
                .enumerate()
                .any(|(n, a)| set[n + 1..].iter().any(|b| exposures_differ(a, b)));
            let kind = if bracket {
                GroupKind::Bracket
            } else if panned.contains(&root) {
                GroupKind::Panorama
            } else if all_copies.get(&root).copied().unwrap_or(false) {
                GroupKind::Duplicate
            } else if focus_stack(&set) {
                GroupKind::FocusStack
            } else {
                GroupKind::Burst
            };
            Group {
                kind,
                members: rank(kind, &set),
            }
        })
        .collect();
    groups.sort_by_key(|g| g.members.first().map_or(i64::MAX, |m| m.id));
    groups
}

/// Best first, each loser with the reason it lost. Brackets and focus stacks are not judged
/// against each other: ranked by exposure (darkest first) or capture order, none "best".
fn rank(kind: GroupKind, set: &[&GroupInput]) -> Vec<Member> {
    let mut order: Vec<&GroupInput> = set.to_vec();
    if kind.is_merge_set() {
        let ev = |s: &GroupInput| {
            s.exposure_bias.unwrap_or(0.0) + s.exposure_time.map_or(0.0, |t| t.max(1e-6).log2())
        };
        order.sort_by(|a, b| {
            let by_exposure = if kind == GroupKind::Bracket {
                ev(a).total_cmp(&ev(b))
            } else {
                std::cmp::Ordering::Equal
            };
            by_exposure
                .then(a.time.unwrap_or(0.0).total_cmp(&b.time.unwrap_or(0.0)))
                .then(a.id.cmp(&b.id))
        });
        return order
            .iter()
            .enumerate()
            .map(|(n, s)| Member {
                id: s.id,
                rank: n + 1,
                best: false,
                why: None,
            })
            .collect();
    }
    // "Clearly better" and "as sharp" are thresholds, so these orders are not transitive and a
    // sort's result depends on where it starts: start from the ids, not from the order in which
    // the parallel workers happened to finish, or two scans of one folder may rank it apart.
    // And not the standard sort: it may panic on an order that is not total.
    order.sort_by_key(|s| s.id);
    if kind == GroupKind::Duplicate {
        insertion_sort(&mut order, |a, b| better_copy(a, b).then(a.id.cmp(&b.id)));
    } else {
        insertion_sort(&mut order, |a, b| better(a, b).then(a.id.cmp(&b.id)));
    }
    let best = order[0];
    order
        .iter()
        .enumerate()
        .map(|(n, s)| Member {
            id: s.id,
            rank: n + 1,
            best: n == 0,
            why: (n > 0).then(|| {
                if kind == GroupKind::Duplicate {
                    why_better_copy(best, s)
                } else {
                    why_better(best, s)
                }
            }),
        })
        .collect()
}

/// A stable insertion sort: for any `compare`, total or not, it ends, never panics, and gives
/// one result for one starting order. Groups are small (a burst of some dozens), and what it
/// costs on a few hundred shots is still a fraction of a millisecond.
fn insertion_sort<T>(items: &mut [T], compare: impl Fn(&T, &T) -> std::cmp::Ordering) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && compare(&items[j - 1], &items[j]) == std::cmp::Ordering::Greater {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Scores this far apart tell two copies apart (a copy ruined by recompression, say).
const CLEARLY_BETTER_SCORE: f32 = 3.0;
/// Copies within this share of each other's pixel count are one size.
const SAME_SIZE_SHARE: f64 = 0.1;

fn same_size(a: &GroupInput, b: &GroupInput) -> bool {
    let (x, y) = (a.pixels as f64, b.pixels as f64);
    (x - y).abs() <= SAME_SIZE_SHARE * x.max(y)
}

/// `Less` when copy `a` is the one to keep. Copies of different sizes: the larger, the original
/// a smaller export can be made again from — neither its edge widths (a thumbnail's are narrower
/// in its own pixels) nor its score (shrinking hides noise and JPEG blocks) are comparable with
/// the smaller's. Copies of one size: clearly better scored (one recompressed to ruin, say), then
/// the one that kept the camera's EXIF, then sharper, then better scored.
fn better_copy(a: &GroupInput, b: &GroupInput) -> std::cmp::Ordering {
    use std::cmp::Ordering::Equal;
    if !same_size(a, b) {
        return b.pixels.cmp(&a.pixels);
    }
    let score = if (a.score - b.score).abs() >= CLEARLY_BETTER_SCORE {
        b.score.total_cmp(&a.score)
    } else {
        Equal
    };
    score
        .then(b.time.is_some().cmp(&a.time.is_some()))
        .then_with(|| match (a.subject_edge_px, b.subject_edge_px) {
            (Some(x), Some(y)) if (x - y).abs() >= SAME_SHARPNESS_PX => x.total_cmp(&y),
            _ => Equal,
        })
        .then(b.score.total_cmp(&a.score))
        .then(b.pixels.cmp(&a.pixels))
}

/// "24.0 MP", or "0.22 MP" for small exports, where one decimal would say the same of both.
fn megapixels(pixels: u64) -> String {
    let mp = pixels as f64 / 1e6;
    if mp >= 1.0 {
        format!("{mp:.1} MP")
    } else {
        format!("{mp:.2} MP")
    }
}

fn why_better_copy(best: &GroupInput, other: &GroupInput) -> String {
    if !same_size(best, other) && best.pixels > other.pixels {
        return format!(
            "{} is the same picture with more pixels ({} against {})",
            best.name,
            megapixels(best.pixels),
            megapixels(other.pixels)
        );
    }
    if best.score - other.score >= CLEARLY_BETTER_SCORE {
        return format!(
            "{} scores higher: {:.0} against {:.0}",
            best.name, best.score, other.score
        );
    }
    if best.time.is_some() && other.time.is_none() {
        return format!(
            "{} is the same picture and still carries the camera's capture time",
            best.name
        );
    }
    why_better(best, other)
}

/// Edge widths closer than this (px) are the same sharpness: the score decides.
const SAME_SHARPNESS_PX: f32 = 0.3;

/// `Less` when `a` is the better shot: fewer shut eyes, then clearly sharper, then a higher score.
fn better(a: &GroupInput, b: &GroupInput) -> std::cmp::Ordering {
    a.closed_eyes
        .cmp(&b.closed_eyes)
        .then_with(|| match (a.subject_edge_px, b.subject_edge_px) {
            (Some(x), Some(y)) if (x - y).abs() >= SAME_SHARPNESS_PX => x.total_cmp(&y),
            _ => std::cmp::Ordering::Equal,
        })
        .then(b.score.total_cmp(&a.score))
        .then(b.pixels.cmp(&a.pixels))
}

fn why_better(best: &GroupInput, other: &GroupInput) -> String {
    if best.closed_eyes < other.closed_eyes {
        return format!(
            "{} has every eye open where this shot has {} face{} with eyes shut",
            best.name,
            other.closed_eyes,
            if other.closed_eyes == 1 { "" } else { "s" }
        );
    }
    if let (Some(x), Some(y)) = (best.subject_edge_px, other.subject_edge_px) {
        if y - x >= SAME_SHARPNESS_PX {
            return format!(
                "{} is sharper: edges {x:.1} px against {y:.1} px",
                best.name
            );
        }
    }
    if best.score > other.score {
        // Scores that round alike are told to the tenth, not as "100 against 100".
        let (a, b) = if format!("{:.0}", best.score) == format!("{:.0}", other.score) {
            (format!("{:.1}", best.score), format!("{:.1}", other.score))
        } else {
            (format!("{:.0}", best.score), format!("{:.0}", other.score))
        };
        return format!("{} scores higher: {a} against {b}", best.name);
    }
    if best.pixels > other.pixels {
        return format!(
            "{} is as sharp and scores the same, with more pixels ({} against {})",
            best.name,
            megapixels(best.pixels),
            megapixels(other.pixels)
        );
    }
    format!(
        "{} is as sharp and scores the same; the first of equals is kept",
        best.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit vector pointing mostly along axis `axis`, turned towards axis `axis + 1` by
    /// `turn` (cosine between two such vectors with the same axis ≈ cos of the turn difference).
    fn look(axis: usize, turn: f32) -> Vec<f32> {
        let mut v = vec![0.0; 16];
        v[axis] = turn.cos();
        v[(axis + 1) % 16] = turn.sin();
        v
    }

    fn shot(id: i64, time: f64, embedding: Vec<f32>, hash: u64) -> GroupInput {
        GroupInput {
            id,
            name: format!("IMG_{id:04}"),
            time: Some(time),
            camera: Some("Camera".into()),
            embedding: Some(embedding),
            dhash: Some(hash),
            subject_edge_px: Some(3.0),
            score: 80.0,
            ..GroupInput::default()
        }
    }

    /// A 64-bit pattern with about half its bits set, different for each `seed`.
    fn pattern(seed: u64) -> u64 {
        seed.wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(17)
            ^ 0xA5A5_5A5A_0F0F_F0F0
    }

    #[test]
    fn a_burst_that_drifts_frame_by_frame_is_one_group_and_a_later_scene_is_not_in_it() {
        // Ten frames 0.2 s apart, each turned a little further: first and last are far apart
        // (cosine ≈ 0.6), neighbours close (≈ 0.995); their hashes a bit or two apart.
        let base = pattern(1);
        let mut shots: Vec<GroupInput> = (0..10)
            .map(|i| {
                shot(
                    i,
                    100.0 + 0.2 * i as f64,
                    look(0, 0.1 * i as f32),
                    base ^ (1 << (5 * i)),
                )
            })
            .collect();
        // Another scene 1 s later, and the first scene again a minute later (a new moment).
        shots.push(shot(20, 103.0, look(5, 0.0), pattern(2)));
        shots.push(shot(21, 160.0, look(0, 0.0), base));
        let groups = group(&shots);
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].kind, GroupKind::Burst);
        let ids: Vec<i64> = groups[0].members.iter().map(|m| m.id).collect();
        assert_eq!(ids.len(), 10, "{ids:?}");
        assert!(!ids.contains(&20) && !ids.contains(&21));
    }

    #[test]
    fn a_copy_elsewhere_in_time_is_a_duplicate_and_different_photos_never_group() {
        let h = pattern(3);
        let original = shot(1, 100.0, look(0, 0.0), h);
        let mut resized = shot(2, 100.0, look(0, 0.05), h ^ 0b10);
        resized.camera = None;
        let mut exported = shot(5, 0.0, look(0, 0.04), h ^ 0b100);
        exported.time = None;
        // Same subject, another photo seconds later: closer than unrelated, not a moment's twin.
        let other_view = shot(3, 101.0, look(0, 0.6), h ^ 0xFFFF_0000);
        let unrelated = shot(4, 100.5, look(7, 0.0), pattern(4));
        let groups = group(&[original, resized, other_view, unrelated, exported]);
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].kind, GroupKind::Duplicate);
        let mut ids: Vec<i64> = groups[0].members.iter().map(|m| m.id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, 2, 5]);
    }

    #[test]
    fn exposure_brackets_are_their_own_kind_with_no_best_to_cull() {
        let frames: Vec<GroupInput> = [-2.0f32, 0.0, 2.0]
            .iter()
            .enumerate()
            .map(|(i, &ev)| GroupInput {
                exposure_bias: Some(ev),
                exposure_time: Some(0.01),
                // The hash is blind to exposure; the embedding moves a little.
                ..shot(
                    i as i64 + 1,
                    50.0 + 0.1 * i as f64,
                    look(0, 0.1 * i as f32),
                    pattern(9),
                )
            })
            .collect();
        let groups = group(&frames);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].kind, GroupKind::Bracket);
        assert!(groups[0].members.iter().all(|m| !m.best && m.why.is_none()));
        let order: Vec<i64> = groups[0].members.iter().map(|m| m.id).collect();
        assert_eq!(order, vec![1, 2, 3], "darkest first");
    }

    #[test]
    fn the_best_is_picked_by_eyes_then_sharpness_then_score_and_the_others_are_told_why() {
        let mut soft = shot(1, 10.0, look(0, 0.0), pattern(5));
        soft.subject_edge_px = Some(3.4);
        soft.score = 95.0;
        let mut sharp = shot(2, 10.3, look(0, 0.02), pattern(5) ^ 1);
        sharp.subject_edge_px = Some(1.9);
        sharp.score = 90.0;
        let mut blink = shot(3, 10.6, look(0, 0.04), pattern(5) ^ 2);
        blink.subject_edge_px = Some(1.5);
        blink.closed_eyes = 1;
        let groups = group(&[soft, sharp, blink]);
        assert_eq!(groups.len(), 1);
        let m = &groups[0].members;
        assert_eq!(m[0].id, 2);
        assert!(m[0].best);
        let why = |id: i64| {
            m.iter()
                .find(|x| x.id == id)
                .and_then(|x| x.why.clone())
                .unwrap_or_default()
        };
        assert_eq!(why(1), "IMG_0002 is sharper: edges 1.9 px against 3.4 px");
        assert_eq!(
            why(3),
            "IMG_0002 has every eye open where this shot has 1 face with eyes shut"
        );
    }

    #[test]
    fn different_views_of_one_subject_a_second_apart_do_not_group() {
        // Measured on one calibration grid seen from two places: cosine 0.95, 25 bits apart.
        let a = shot(1, 10.0, look(0, 0.0), pattern(6));
        let b = shot(2, 11.0, look(0, 0.32), pattern(6) ^ 0x01FF_FF00_0000_0000);
        assert!(group(&[a, b]).is_empty());
    }

    #[test]
    fn a_crop_exported_with_the_cameras_time_is_a_duplicate_not_a_burst_frame() {
        let mut original = shot(1, 10.0, look(0, 0.0), pattern(7));
        original.subsec = true;
        // A 2 % crop: the hash moves 6 bits, the embedding 0.965.
        let mut crop = shot(2, 10.0, look(0, 0.27), pattern(7) ^ 0b11_1111);
        crop.subsec = true;
        crop.pixels = 22_100_000;
        original.pixels = 24_000_000;
        let groups = group(&[crop, original]);
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].kind, GroupKind::Duplicate);
        assert_eq!(groups[0].members[0].id, 1, "equals: the larger is kept");
        assert_eq!(
            groups[0].members[1].why.as_deref(),
            Some(
                "IMG_0001 is as sharp and scores the same, with more pixels (24.0 MP against \
                 22.1 MP)"
            )
        );
    }

    #[test]
    fn a_thumbnail_never_beats_its_original_on_sharpness_nor_a_stripped_copy_on_a_tie() {
        // A thumbnail's edges are narrower in its own pixels: not a sharper photo.
        let mut original = shot(1, 0.0, look(0, 0.0), pattern(11));
        original.pixels = 24_000_000;
        original.subject_edge_px = Some(3.4);
        let mut thumb = shot(2, 0.0, look(0, 0.02), pattern(11));
        thumb.pixels = 1_000_000;
        thumb.subject_edge_px = Some(2.0);
        let mut stripped = shot(3, 0.0, look(0, 0.01), pattern(11));
        stripped.time = None;
        stripped.pixels = 24_000_000;
        let groups = group(&[thumb, stripped, original]);
        assert_eq!(groups.len(), 1, "{groups:?}");
        let m = &groups[0].members;
        assert_eq!(m[0].id, 1, "{m:?}");
        let why = |id: i64| m.iter().find(|x| x.id == id).and_then(|x| x.why.clone());
        assert_eq!(
            why(2).as_deref(),
            Some("IMG_0001 is the same picture with more pixels (24.0 MP against 1.0 MP)")
        );
        assert_eq!(
            why(3).as_deref(),
            Some("IMG_0001 is the same picture and still carries the camera's capture time")
        );
    }

    #[test]
    fn copies_seven_bits_apart_are_found_whatever_bands_the_bits_fall_in() {
        // One differing bit in three bands and four in the last: no band is shared as it is.
        let h = pattern(8);
        let moved = h ^ 1 ^ (1 << 17) ^ (1 << 33) ^ (0b1111 << 50);
        let mut a = shot(1, 0.0, look(0, 0.0), h);
        let mut b = shot(2, 0.0, look(0, 0.05), moved);
        a.time = None;
        b.time = None;
        assert_eq!((h ^ moved).count_ones(), 7);
        // Seven bits is past the copy bar (6): found by the probe, then refused by the rule.
        assert!(group(&[a.clone(), b.clone()]).is_empty());
        b.dhash = Some(h ^ 1 ^ (1 << 17) ^ (1 << 33) ^ (0b111 << 50));
        let groups = group(&[a, b]);
        assert_eq!(groups.len(), 1, "6 bits over four bands: {groups:?}");
        assert_eq!(groups[0].kind, GroupKind::Duplicate);
    }

    #[test]
    fn a_focus_stack_is_its_own_kind_with_nothing_to_cull() {
        let frames: Vec<GroupInput> = [0.15f32, 0.5, 0.85]
            .iter()
            .enumerate()
            .map(|(i, &y)| GroupInput {
                focus_at: Some([0.5, y]),
                subject_edge_px: Some(2.6 + 0.3 * i as f32),
                ..shot(
                    i as i64 + 1,
                    20.0 + 0.5 * i as f64,
                    look(0, 0.1),
                    pattern(10),
                )
            })
            .collect();
        let groups = group(&frames);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].kind, GroupKind::FocusStack);
        assert!(groups[0].members.iter().all(|m| !m.best && m.why.is_none()));
        // The same frames with the focus in one place are a burst (a soft frame moves nothing).
        let burst: Vec<GroupInput> = frames
            .into_iter()
            .map(|f| GroupInput {
                focus_at: Some([0.5, 0.5]),
                ..f
            })
            .collect();
        assert_eq!(group(&burst)[0].kind, GroupKind::Burst);
        // A talking head on a tripod: the sharpest spot jumps between face and collar and back.
        let talking: Vec<GroupInput> = [0.3f32, 0.75, 0.3, 0.75]
            .iter()
            .enumerate()
            .map(|(i, &y)| GroupInput {
                focus_at: Some([0.5, y]),
                ..shot(
                    i as i64 + 10,
                    30.0 + 0.1 * i as f64,
                    look(0, 0.1),
                    pattern(10),
                )
            })
            .collect();
        assert_eq!(group(&talking)[0].kind, GroupKind::Burst);
        // A burst whose last frame is soft, its sharpest spot elsewhere: one step is no walk.
        let soft_last: Vec<GroupInput> = [0.5f32, 0.5, 0.5, 0.9]
            .iter()
            .enumerate()
            .map(|(i, &y)| GroupInput {
                focus_at: Some([0.5, y]),
                ..shot(
                    i as i64 + 20,
                    40.0 + 0.1 * i as f64,
                    look(0, 0.1),
                    pattern(10),
                )
            })
            .collect();
        assert_eq!(group(&soft_last)[0].kind, GroupKind::Burst);
    }

    #[test]
    fn without_embeddings_an_edit_is_not_a_copy_but_an_identical_file_is() {
        let bare = |id: i64, hash: u64, score: f32| GroupInput {
            embedding: None,
            time: None,
            pixels: 4_000_000,
            score,
            ..shot(id, 0.0, Vec::new(), hash)
        };
        // A fogged version of the same photo: its hash moved a bit or not at all, its score did.
        let original = bare(1, pattern(12), 92.0);
        let fogged = bare(2, pattern(12) ^ 1, 70.0);
        let also_fogged = bare(4, pattern(12), 70.0);
        assert!(group(&[original.clone(), fogged, also_fogged]).is_empty());
        let copy = bare(3, pattern(12), 92.0);
        let groups = group(&[original, copy]);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].kind, GroupKind::Duplicate);
    }

    /// The hash as first defined (floating-point luma means per cell), which the stored hashes
    /// of earlier scans were made with.
    fn float_dhash(img: &RgbImage) -> u64 {
        let (w, h) = img.dimensions();
        let mut cells = [[0f64; 9]; 8];
        let mut counts = [[0u32; 9]; 8];
        for (x, y, p) in img.enumerate_pixels() {
            let (cx, cy) = ((x * 9 / w) as usize, (y * 8 / h) as usize);
            cells[cy][cx] +=
                0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
            counts[cy][cx] += 1;
        }
        let mut hash = 0u64;
        for (row, count) in cells.iter().zip(&counts) {
            let mean = |i: usize| row[i] / f64::from(count[i].max(1));
            for i in 0..8 {
                hash = (hash << 1) | u64::from(mean(i + 1) > mean(i));
            }
        }
        hash
    }

    /// Regression: a group's ranks depended on the order its shots reached the store (the order
    /// parallel workers finished in), because "as sharp" is a threshold and three shots can
    /// each beat the next around a circle.
    #[test]
    fn a_group_ranks_the_same_whatever_order_its_shots_were_stored_in() {
        let shot = |id: i64, edge: f32, score: f32| GroupInput {
            id,
            name: format!("IMG_{id}"),
            subject_edge_px: Some(edge),
            score,
            pixels: 1_000_000,
            ..GroupInput::default()
        };
        let s = SAME_SHARPNESS_PX;
        // 1 beats 3 on sharpness; 3 beats 2 and 2 beats 1 on score, being as sharp.
        let (a, b, c) = (
            shot(1, 2.0, 80.0),
            shot(2, 2.0 + 0.6 * s, 90.0),
            shot(3, 2.0 + 1.2 * s, 100.0),
        );
        let orders = [
            [&a, &b, &c],
            [&a, &c, &b],
            [&b, &a, &c],
            [&b, &c, &a],
            [&c, &a, &b],
            [&c, &b, &a],
        ];
        for kind in [GroupKind::Burst, GroupKind::Duplicate] {
            let ranked: Vec<Vec<i64>> = orders
                .iter()
                .map(|set| rank(kind, set).iter().map(|m| m.id).collect())
                .collect();
            assert!(
                ranked.windows(2).all(|w| w[0] == w[1]),
                "{kind:?}: {ranked:?}"
            );
        }
    }

    /// Regression: the standard sort may panic when the order is not total, and "as sharp"
    /// within a threshold makes cycles; a long burst full of them must rank, and rank alike.
    #[test]
    fn a_long_burst_whose_order_has_cycles_ranks_without_panicking() {
        let shots: Vec<GroupInput> = (0..300)
            .map(|i| GroupInput {
                id: i,
                name: format!("IMG_{i}"),
                // Sharpness creeping up by less than the threshold, scores going the other way.
                subject_edge_px: Some(2.0 + (i % 37) as f32 * 0.2 * SAME_SHARPNESS_PX),
                score: 100.0 - (i % 23) as f32,
                pixels: 1_000_000,
                ..GroupInput::default()
            })
            .collect();
        let forward: Vec<&GroupInput> = shots.iter().collect();
        let backward: Vec<&GroupInput> = shots.iter().rev().collect();
        for kind in [GroupKind::Burst, GroupKind::Duplicate] {
            let one: Vec<i64> = rank(kind, &forward).iter().map(|m| m.id).collect();
            let other: Vec<i64> = rank(kind, &backward).iter().map(|m| m.id).collect();
            assert_eq!(one.len(), 300);
            assert_eq!(one, other, "{kind:?}");
        }
    }

    #[test]
    fn the_fast_hash_is_the_hash_earlier_scans_stored() {
        for name in ["astronaut", "chelsea_cat", "coffee_cup", "rocket_launch"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../../tests/fixtures/photos/{name}.jpg"));
            let img = image::open(path).expect("fixture").to_rgb8();
            assert_eq!(dhash(&img), float_dhash(&img), "{name}");
        }
        for seed in 0..20 {
            let img = crate::test_photos::image(seed);
            assert_eq!(dhash(&img), float_dhash(&img), "seed {seed}");
        }
        // Frames narrower than the nine cells, and widths that split cells unevenly.
        for (w, h) in [(1, 1), (5, 3), (10, 9), (17, 8), (1501, 1001)] {
            let img = RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([(x * 37 + y * 11) as u8, (x * x + y) as u8, (y * 53) as u8])
            });
            assert_eq!(dhash(&img), float_dhash(&img), "{w}×{h}");
        }
    }

    #[test]
    fn a_sweep_of_overlapping_frames_is_a_panorama_and_a_second_view_is_not() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/photos/rocket_launch.jpg");
        let wide = image::open(path).expect("fixture").to_luma8();
        let (w, h) = wide.dimensions();
        let window =
            |k: u32| image::imageops::crop_imm(&wide, k * w / 5, 0, w * 2 / 5, h).to_image();
        let frames: Vec<image::GrayImage> = (0..4).map(window).collect();
        let step = pan_overlap(&frames[0], &frames[1]).expect("overlap");
        assert!(step.continues(), "{step:?}");
        assert!(
            step.horizontal && (step.shift - 0.5).abs() < 0.05,
            "{step:?}"
        );
        // Another photo is no continuation.
        let other = image::open(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/photos/chelsea_cat.jpg"),
        )
        .expect("fixture")
        .to_luma8();
        let none = pan_overlap(&frames[0], &other).expect("overlap");
        assert!(!none.continues(), "{none:?}");

        // Grouped: four frames 1.5 s apart, alike enough to be one scene, not one moment.
        let shots: Vec<GroupInput> = (0..4)
            .map(|k| {
                shot(
                    k + 1,
                    10.0 + 1.5 * k as f64,
                    look(0, 0.5 * k as f32),
                    pattern(20 + k as u64),
                )
            })
            .collect();
        let groups = group_with(&shots, &mut |a, b| {
            pan_overlap(&frames[(a.id - 1) as usize], &frames[(b.id - 1) as usize])
        });
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].kind, GroupKind::Panorama);
        assert!(groups[0].members.iter().all(|m| !m.best && m.why.is_none()));
        assert!(
            group(&shots).is_empty(),
            "without thumbnails, a sweep is not linked"
        );
    }

    #[test]
    fn every_kind_reads_back_by_its_stored_name() {
        for kind in GroupKind::ALL {
            assert_eq!(GroupKind::from_name(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn the_hash_sees_structure_not_blur_or_exposure() {
        let img = RgbImage::from_fn(90, 80, |x, y| image::Rgb([(x * 2 + y) as u8; 3]));
        let darker = RgbImage::from_fn(90, 80, |x, y| image::Rgb([(x + y / 2) as u8; 3]));
        let mirrored = image::imageops::flip_horizontal(&img);
        assert_eq!(dhash(&img), dhash(&darker));
        assert!((dhash(&img) ^ dhash(&mirrored)).count_ones() > 32);
    }

    #[test]
    fn capture_times_count_seconds_across_days() {
        let a = capture_seconds("2024-05-01 23:59:59.50").expect("time");
        let b = capture_seconds("2024-05-02 00:00:00.25").expect("time");
        assert!((b - a - 0.75).abs() < 1e-6, "{a} {b}");
        assert_eq!(capture_seconds("1970-01-01 00:00:00"), Some(0.0));
        assert_eq!(capture_seconds("sometime"), None);
    }
}
