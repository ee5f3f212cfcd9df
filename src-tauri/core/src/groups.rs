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
//! A group whose frames differ in exposure (bias or shutter) is a `bracket`: a set made to be
//! merged, never culled. Otherwise it is a `duplicate` when every link is a copy, else a `burst`.
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
/// Embedding cosine from which two shots close in time are one burst.
const BURST_COSINE: f32 = 0.90;
/// Or, when the embedding is less sure, a hash this close with a cosine of at least
/// [`BURST_COSINE_WITH_HASH`].
const BURST_HASH: u32 = 10;
const BURST_COSINE_WITH_HASH: f32 = 0.80;
/// Copies: hashes this close and embeddings this alike.
const COPY_HASH: u32 = 3;
const COPY_COSINE: f32 = 0.98;
/// Copies carry the same capture time (or none): frames this far apart are moments, not copies.
const SAME_MOMENT_SECS: f64 = 0.05;
/// Exposure differences that make a bracket: this much bias, or shutter times this far apart.
const BRACKET_BIAS_EV: f32 = 0.3;
const BRACKET_SHUTTER_RATIO: f32 = 1.25;
/// A hash band shared by more shots than this is a flat or blank frame pattern, not a copy.
const MAX_BAND_BUCKET: usize = 64;

/// What the grouping knows of one shot.
#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    pub id: i64,
    /// A short name for messages ("IMG_0142").
    pub name: String,
    /// Capture time in seconds (any fixed origin; see [`capture_seconds`]), `None` when unknown.
    pub time: Option<f64>,
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
    /// Faces whose eyes measured shut.
    pub closed_eyes: usize,
    /// Cull's score, 0–100.
    pub score: f32,
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
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Burst => "burst",
            Self::Bracket => "bracket",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Duplicate, Self::Burst, Self::Bracket]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// A stored shot's group, as `--json` prints it (`"group"`, `null` when the shot is alone) and
/// the app stacks it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotGroup {
    /// The group's id: the smallest shot id among its members.
    pub id: i64,
    pub kind: GroupKind,
    /// The shot to keep (never in a bracket).
    pub best: bool,
    /// 1 for the best (brackets: darkest first).
    pub rank: usize,
    /// How many shots the group holds.
    pub size: usize,
    /// Why this shot lost to the best; `None` for the best and in brackets. Said as the
    /// `duplicate` reason's message, not printed twice.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub why: Option<String>,
}

/// How sure and how severe the `duplicate` reason is: a lesser shot of a burst or a copy asks
/// for a look (review); under a strict setting for `duplicate`, a copy is rejected. Never a
/// reject by default — the best is only as good as the signals that picked it.
const COPY_SEVERITY: f32 = 0.4;
const COPY_CONFIDENCE: f32 = 0.95;
const BURST_SEVERITY: f32 = 0.4;
const BURST_CONFIDENCE: f32 = 0.9;

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
            GroupKind::Bracket => return None,
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

fn hash_distance(a: Option<u64>, b: Option<u64>) -> Option<u32> {
    Some((a? ^ b?).count_ones())
}

/// How two shots are alike, if they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Copy,
    Moment,
}

fn copies(a: &GroupInput, b: &GroupInput) -> bool {
    let hash_close = hash_distance(a.dhash, b.dhash).is_some_and(|d| d <= COPY_HASH);
    let look_alike = match (&a.embedding, &b.embedding) {
        (Some(x), Some(y)) => cosine(x, y).is_some_and(|c| c >= COPY_COSINE),
        _ => true,
    };
    let same_time = match (a.time, b.time) {
        (Some(x), Some(y)) => (x - y).abs() <= SAME_MOMENT_SECS,
        _ => true,
    };
    hash_close && look_alike && same_time && !exposures_differ(a, b)
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
    // Across time: copies found through shared hash bands.
    let mut bands: HashMap<(u8, u16), Vec<usize>> = HashMap::new();
    for (i, s) in shots.iter().enumerate() {
        if let Some(h) = s.dhash {
            for band in 0..4u8 {
                let key = (h >> (16 * u32::from(band))) as u16;
                bands.entry((band, key)).or_default().push(i);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for bucket in bands
        .values()
        .filter(|b| b.len() > 1 && b.len() <= MAX_BAND_BUCKET)
    {
        for (n, &a) in bucket.iter().enumerate() {
            for &b in &bucket[n + 1..] {
                if seen.insert((a.min(b), a.max(b))) && copies(&shots[a], &shots[b]) {
                    links.push((a, b, Link::Copy));
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
    for &(a, _, link) in &links {
        let root = sets.find(a);
        *all_copies.entry(root).or_insert(true) &= link == Link::Copy;
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
            } else if all_copies.get(&root).copied().unwrap_or(false) {
                GroupKind::Duplicate
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

/// Best first, each loser with the reason it lost. Brackets are not judged against each other:
/// ranked by exposure (darkest first), none "best".
fn rank(kind: GroupKind, set: &[&GroupInput]) -> Vec<Member> {
    let mut order: Vec<&GroupInput> = set.to_vec();
    if kind == GroupKind::Bracket {
        let ev = |s: &GroupInput| {
            s.exposure_bias.unwrap_or(0.0) + s.exposure_time.map_or(0.0, |t| t.max(1e-6).log2())
        };
        order.sort_by(|a, b| ev(a).total_cmp(&ev(b)).then(a.id.cmp(&b.id)));
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
    order.sort_by(|a, b| better(a, b).then(a.id.cmp(&b.id)));
    let best = order[0];
    order
        .iter()
        .enumerate()
        .map(|(n, s)| Member {
            id: s.id,
            rank: n + 1,
            best: n == 0,
            why: (n > 0).then(|| why_better(best, s)),
        })
        .collect()
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
    format!(
        "{} scores higher: {:.0} against {:.0}",
        best.name, best.score, other.score
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
