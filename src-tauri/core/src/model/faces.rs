//! Faces and eyes: where the faces are and whether their eyes are open.
//!
//! Two MediaPipe networks converted to ONNX by `models/faces/convert.sh` (provenance in
//! `models/MODELS.md`), run through the same ONNX Runtime environment and device choice as the
//! judge:
//!
//! * `face-detection.onnx` (MediaPipe full-range face detector): a 192×192 RGB square in [-1, 1],
//!   NCHW; 2304 anchors, one per cell of a 48×48 grid, each with a raw score and 16 numbers (box
//!   centre, box size and six key points — right eye, left eye, nose, mouth, right ear, left ear —
//!   as offsets in input pixels from the anchor). A face must cover a few percent of the square
//!   to be found, so small faces in group photos are looked for in overlapping tiles too.
//! * `iris-landmark.onnx` (MediaPipe iris landmark): a 64×64 RGB crop in [0, 1], NCHW, of one eye,
//!   the eye line horizontal and the left eye as seen (the right one mirrored); 71 eye-contour
//!   points (x, y, z in crop pixels) and 5 iris points. Contour points 0 and 8 are the eye
//!   corners, 1–7 the lower lid, 9–14 the upper lid.
//!
//! Eye openness is the gap between the lids at the middle of the eye over the eye's width:
//! 0.22–0.39 for open eyes on the tuning photos, 0.06–0.19 for the spontaneous blinks of a
//! talking-head video (eyes ~54 px wide), but also 0.12–0.2 for squints and downward looks, and
//! 0.15–0.19 for eyes squeezed shut (held-out, `models/MODELS.md`): the lid gap alone separates a
//! relaxed blink from open eyes, not a squeeze from a squint.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;
use serde::{Deserialize, Serialize};

use super::onnx::{open_session, source_tree_models, Device};
use super::ModelError;

/// Joins the analyser tag of a scan that finds faces, so shots judged before (or by another
/// face path) are judged again and get their faces.
pub const FACES_VERSION: &str = "+faces-7";

/// File names of the two face networks, looked for where the judge's model is.
pub const DETECTOR_FILE: &str = "face-detection.onnx";
pub const IRIS_FILE: &str = "iris-landmark.onnx";

const DETECTOR_SIDE: usize = 192;
const GRID: usize = 48;
const IRIS_SIDE: usize = 64;
/// Scores under this are not faces. MediaPipe uses 0.5; at 0.5 a water-drop macro gave a face
/// (0.51), while the real faces tried scored 0.74 and more.
const MIN_SCORE: f32 = 0.6;
/// A whole-frame score this high is a hint of a face, worth searching the tiles for small ones.
const HINT_SCORE: f32 = 0.2;
/// Boxes overlapping more than this (intersection over union) are one face.
const SAME_FACE_IOU: f32 = 0.3;
/// The eye crop is this many eye widths wide (MediaPipe's 25 % margin each side, and more).
const EYE_CROP_WIDTHS: f32 = 2.3;
/// An eye's width is about this share of the distance between the two eye centres.
const EYE_WIDTH_PER_EYE_DISTANCE: f32 = 0.45;
/// Eyes narrower than this (analysis pixels) are not measured: the eye network then sees a
/// blur, and reads it as shut. At 4 px, the oarlocks of moored rowing boats (a lightGallery demo
/// photo) that the detector took for a 30-pixel face came out "closed"; faces under about 40 px
/// are now "can't tell".
const MIN_EYE_WIDTH: f32 = 8.0;
/// Openness (lid gap over eye width) at or under which an eye counts as shut: 0.12 caught 2 of
/// the 5 tuning video blinks, 0.15 catches 4 with no open or squinting tuning face called shut.
pub const CLOSED_AT: f32 = 0.15;
/// Openness at or over which an eye counts as open; between the two Cull cannot tell.
pub const OPEN_AT: f32 = 0.2;

/// Whether a face's eyes are open.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "EyeState"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eyes {
    Open,
    Closed,
    /// Borderline (a squint, a laugh, a look down) or not measurable.
    Unknown,
}

/// One face found in a photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Face {
    /// `[x, y, width, height]` in the pixels of the image given to [`FaceFinder::faces`].
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// The detector's confidence, 0–1.
    pub score: f32,
    pub eyes: Eyes,
    /// Lid gap over eye width of the eye on the image's left and on its right; `None` when the
    /// eye could not be measured.
    pub openness: [Option<f32>; 2],
    /// Sharpness (0–1, the focus detector's measure) over the face; `None` when the face is too
    /// small or too flat to judge, or it was not measured.
    #[serde(default)]
    pub sharpness: Option<f32>,
    /// Edge width over the face's sharpest block, in pixels at the focus detector's scale (the
    /// frame's sharpest region is measured the same way); `None` as for `sharpness`.
    #[serde(default)]
    pub edge_px: Option<f32>,
}

/// A finer view of the frame a face finder searched: given a whole number `k` (2, 4, 8), the
/// same upright frame about `k` times larger along each side, or `None` when there is none (the
/// preview is the photo's own size, or the file cannot be decoded finer).
pub type Closer<'a> = &'a dyn Fn(u32) -> Option<RgbImage>;

#[cfg(test)]
impl Face {
    /// A detected face at `bbox` with both eyes measured open and its focus unmeasured: what
    /// the rules' tests start from.
    pub(crate) fn at(bbox: [f32; 4]) -> Self {
        Self {
            bbox,
            score: 0.9,
            eyes: Eyes::Open,
            openness: [Some(0.3), Some(0.3)],
            sharpness: None,
            edge_px: None,
        }
    }
}

/// Finds faces and judges their eyes.
pub trait FaceFinder: Send + Sync {
    /// Faces in `img`; eyes too small to measure there are measured in `closer`'s finer view
    /// when one is given.
    fn faces_closer(&self, img: &RgbImage, closer: Option<Closer>)
        -> Result<Vec<Face>, ModelError>;

    /// Faces in `img` alone.
    fn faces(&self, img: &RgbImage) -> Result<Vec<Face>, ModelError> {
        self.faces_closer(img, None)
    }
}

/// One detector and one eye network, used by one thread at a time.
struct Pair {
    detector: Session,
    iris: Session,
}

/// One pair per core, so the scan's workers find faces side by side instead of queueing on one
/// session (one shared pair made the face path cost twice what it does).
struct Sessions {
    pairs: Vec<Mutex<Pair>>,
    next: AtomicUsize,
}

impl Sessions {
    /// A free pair, or, when every pair is busy, the next one in turn once it is free.
    fn take(&self) -> Result<MutexGuard<'_, Pair>, ModelError> {
        for pair in &self.pairs {
            if let Ok(guard) = pair.try_lock() {
                return Ok(guard);
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pairs.len().max(1);
        self.pairs
            .get(i)
            .ok_or_else(|| ModelError("no face networks loaded".into()))?
            .lock()
            .map_err(|_| ModelError("an earlier face search panicked".into()))
    }
}

/// The two face networks, loaded on first use.
pub struct OnnxFaces {
    detector: PathBuf,
    iris: PathBuf,
    device: Device,
    loaded: OnceLock<Result<Sessions, ModelError>>,
}

impl std::fmt::Debug for OnnxFaces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxFaces")
            .field("detector", &self.detector)
            .field("iris", &self.iris)
            .finish_non_exhaustive()
    }
}

impl OnnxFaces {
    /// The face networks in the first of `search` that holds both, else in the source tree's
    /// `models/` (development builds).
    pub fn find(search: &[PathBuf], device: Device) -> Result<Self, ModelError> {
        let source_tree = source_tree_models();
        let dir = search
            .iter()
            .chain(std::iter::once(&source_tree))
            .find(|d| d.join(DETECTOR_FILE).is_file() && d.join(IRIS_FILE).is_file())
            .ok_or_else(|| ModelError(format!("{DETECTOR_FILE} not found beside Cull")))?;
        Ok(Self {
            detector: dir.join(DETECTOR_FILE),
            iris: dir.join(IRIS_FILE),
            device,
            loaded: OnceLock::new(),
        })
    }

    fn sessions(&self) -> Result<&Sessions, ModelError> {
        self.loaded
            .get_or_init(|| {
                let open = |path: &Path| open_session(path, self.device, 1).map(|(s, _)| s);
                // Capped: each pair holds its own copy of both networks.
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
                let pairs = (0..cores)
                    .map(|_| {
                        Ok(Mutex::new(Pair {
                            detector: open(&self.detector)?,
                            iris: open(&self.iris)?,
                        }))
                    })
                    .collect::<Result<Vec<_>, ModelError>>()?;
                Ok(Sessions {
                    pairs,
                    next: AtomicUsize::new(0),
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Raw detections in one square window of `img` (`x`, `y`, `side` in image pixels; the part
    /// outside the image is black, as MediaPipe letterboxes).
    fn detect_window(
        pair: &mut Pair,
        img: &RgbImage,
        x: f32,
        y: f32,
        side: f32,
        min_score: f32,
    ) -> Result<Vec<Detection>, ModelError> {
        let centre = (x + side / 2.0, y + side / 2.0);
        let input = sample_upright(img, centre, side, DETECTOR_SIDE, |v| v / 127.5 - 1.0);
        let fail = |e: ort::Error| ModelError(format!("face detection failed: {e}"));
        let tensor =
            Tensor::from_array(([1, 3, DETECTOR_SIDE, DETECTOR_SIDE], input)).map_err(fail)?;
        let outputs = pair.detector.run(ort::inputs![tensor]).map_err(fail)?;
        let (_, boxes) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        let (_, scores) = outputs[1].try_extract_tensor::<f32>().map_err(fail)?;
        Ok(decode(boxes, scores, min_score)
            .into_iter()
            .map(|d| d.scaled(x, y, side))
            .collect())
    }

    /// Openness of the eye centred at `centre`, `width` pixels wide, the eye line at `angle`
    /// radians; `mirror` for the eye on the image's left (the network knows left eyes).
    fn openness(
        pair: &mut Pair,
        img: &RgbImage,
        centre: (f32, f32),
        width: f32,
        angle: f32,
        mirror: bool,
    ) -> Result<Option<f32>, ModelError> {
        if width < MIN_EYE_WIDTH {
            return Ok(None);
        }
        let crop = sample(
            img,
            centre,
            width * EYE_CROP_WIDTHS,
            angle,
            mirror,
            IRIS_SIDE,
            |v| v / 255.0,
        );
        if hidden_eye(&crop) {
            return Ok(None);
        }
        let fail = |e: ort::Error| ModelError(format!("eye landmarks failed: {e}"));
        let tensor = Tensor::from_array(([1, 3, IRIS_SIDE, IRIS_SIDE], crop)).map_err(fail)?;
        let outputs = pair.iris.run(ort::inputs![tensor]).map_err(fail)?;
        let (_, contour) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        Ok(lid_gap_ratio(contour))
    }
}

impl FaceFinder for OnnxFaces {
    fn faces_closer(
        &self,
        img: &RgbImage,
        closer: Option<Closer>,
    ) -> Result<Vec<Face>, ModelError> {
        let (w, h) = (img.width() as f32, img.height() as f32);
        let mut pair = self.sessions()?.take()?;
        let (coarse, tiles) = windows(w, h);
        let mut found = Vec::new();
        for (x, y, side) in coarse {
            found.extend(Self::detect_window(&mut pair, img, x, y, side, HINT_SCORE)?);
        }
        // The tiles cost most of the face path: only those holding a hint of a face are searched,
        // so a frame without one (most landscapes, macros, textures) is not searched again, and a
        // stray hint costs a tile or two, not all twelve.
        let hints: Vec<(f32, f32)> = found
            .iter()
            .map(|d| ((d.x0 + d.x1) / 2.0, (d.y0 + d.y1) / 2.0))
            .collect();
        for (x, y, side) in tiles {
            let holds =
                |&(cx, cy): &(f32, f32)| cx >= x && cx < x + side && cy >= y && cy < y + side;
            if hints.iter().any(holds) {
                found.extend(Self::detect_window(&mut pair, img, x, y, side, MIN_SCORE)?);
            }
        }
        found.retain(|d| d.score > MIN_SCORE);
        let found = merge(found);
        let fine = closer.and_then(|get| finer_view(img, &found, get));
        let mut faces = Vec::new();
        for d in found {
            let [(rx, ry), (lx, ly)] = [d.keypoints[0], d.keypoints[1]];
            // "Right eye" is the person's: on the image's left when they face the camera.
            let (first, second) = if rx <= lx {
                ((rx, ry), (lx, ly))
            } else {
                ((lx, ly), (rx, ry))
            };
            let distance = ((second.0 - first.0).powi(2) + (second.1 - first.1).powi(2)).sqrt();
            let angle = (second.1 - first.1).atan2(second.0 - first.0);
            let width = distance * EYE_WIDTH_PER_EYE_DISTANCE;
            // Eyes too small here are measured in the finer view, when there is one.
            let (view, k) = match &fine {
                Some((view, k)) if (MIN_CLOSER_EYE_WIDTH..MIN_EYE_WIDTH).contains(&width) => {
                    (view, *k)
                }
                _ => (img, 1.0),
            };
            let at = |(x, y): (f32, f32)| (x * k, y * k);
            let openness = [
                Self::openness(&mut pair, view, at(first), width * k, angle, true)?,
                Self::openness(&mut pair, view, at(second), width * k, angle, false)?,
            ];
            // A face cut by the frame's edge keeps only its part inside the photo.
            let (x0, y0) = (d.x0.clamp(0.0, w), d.y0.clamp(0.0, h));
            let (x1, y1) = (d.x1.clamp(0.0, w), d.y1.clamp(0.0, h));
            faces.push(Face {
                bbox: [x0, y0, x1 - x0, y1 - y0],
                score: d.score,
                eyes: eye_state(openness),
                openness,
                sharpness: None,
                edge_px: None,
            });
        }
        Ok(faces)
    }
}

/// Eyes narrower than [`MIN_EYE_WIDTH`] are looked at in a view this many times their
/// minimum: enough for the eye network, which was trained on 64-pixel crops of larger eyes.
const CLOSER_EYE_WIDTH: f32 = 1.5 * MIN_EYE_WIDTH;
/// Eyes narrower than this in the analysis preview are not looked at closer: at 2–3 pixels the
/// "face" is more likely a pattern the detector mistook, and its eyes mean nothing.
const MIN_CLOSER_EYE_WIDTH: f32 = 3.0;

/// The finer view, and how many times larger than `img` it is, when some found face has eyes
/// too small to measure in `img`: asked of `get` once, at the power of two that brings the
/// smallest such eye to [`CLOSER_EYE_WIDTH`].
fn finer_view(
    img: &RgbImage,
    found: &[Detection],
    get: &dyn Fn(u32) -> Option<RgbImage>,
) -> Option<(RgbImage, f32)> {
    let smallest = found
        .iter()
        .map(|d| d.eye_distance() * EYE_WIDTH_PER_EYE_DISTANCE)
        .filter(|w| (MIN_CLOSER_EYE_WIDTH..MIN_EYE_WIDTH).contains(w))
        .fold(f32::INFINITY, f32::min);
    if !smallest.is_finite() {
        return None;
    }
    let k = (CLOSER_EYE_WIDTH / smallest).ceil().max(2.0) as u32;
    let view = get(k.next_power_of_two().min(8))?;
    let scale = view.width() as f32 / img.width().max(1) as f32;
    (scale > 1.2).then_some((view, scale))
}

/// Open when either eye is clearly open (a wink or a profile still shows an open eye); closed
/// only when both are clearly shut; otherwise Cull cannot tell.
pub fn eye_state(openness: [Option<f32>; 2]) -> Eyes {
    let measured: Vec<f32> = openness.iter().flatten().copied().collect();
    if measured.is_empty() {
        Eyes::Unknown
    } else if measured.iter().any(|&o| o >= OPEN_AT) {
        Eyes::Open
    } else if measured.len() == 2 && measured.iter().all(|&o| o <= CLOSED_AT) {
        Eyes::Closed
    } else {
        Eyes::Unknown
    }
}

/// A square window searched for faces: left, top, side, in image pixels.
type Window = (f32, f32, f32);

/// The square windows searched. Coarse: the whole frame, and squares of the short side along
/// the long one (a 3:2 frame's whole-frame pass is letterboxed, so a face of 4 % of its long
/// side reaches the detector at 7 px, too small even to hint at a face; in a short-side square
/// it is 11 px). Fine, searched only when a coarse window hints at a face: tiles of half the
/// short side overlapping by a quarter, so a face a tenth of the short side across fills the
/// detector as well as a face half the frame does on the whole.
fn windows(w: f32, h: f32) -> (Vec<Window>, Vec<Window>) {
    let long = w.max(h);
    let short = w.min(h);
    let mut coarse = vec![((w - long) / 2.0, (h - long) / 2.0, long)];
    if long > short * 1.2 {
        let n = (long / short).ceil() as usize;
        let step = (long - short) / (n - 1).max(1) as f32;
        for i in 0..n {
            let offset = i as f32 * step;
            coarse.push(if w >= h {
                (offset, 0.0, short)
            } else {
                (0.0, offset, short)
            });
        }
    }
    let mut fine = Vec::new();
    let tile = short / 2.0;
    if tile < 96.0 {
        return (coarse, fine);
    }
    let step = tile * 0.75;
    let positions = |extent: f32| {
        let n = ((extent - tile) / step).ceil().max(0.0) as usize + 1;
        (0..n)
            .map(move |i| (i as f32 * step).min(extent - tile))
            .collect::<Vec<_>>()
    };
    for y in positions(h) {
        for x in positions(w) {
            fine.push((x, y, tile));
        }
    }
    (coarse, fine)
}

/// One detection: a box and the six key points, in image pixels after [`Detection::scaled`]
/// (in 0–1 window units before).
#[derive(Debug, Clone, PartialEq)]
struct Detection {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    keypoints: [(f32, f32); 6],
    score: f32,
}

impl Detection {
    fn scaled(self, x: f32, y: f32, side: f32) -> Self {
        let map = |(px, py): (f32, f32)| (x + px * side, y + py * side);
        Self {
            x0: x + self.x0 * side,
            y0: y + self.y0 * side,
            x1: x + self.x1 * side,
            y1: y + self.y1 * side,
            keypoints: self.keypoints.map(map),
            score: self.score,
        }
    }

    /// Distance between the two eye key points.
    fn eye_distance(&self) -> f32 {
        let [(rx, ry), (lx, ly)] = [self.keypoints[0], self.keypoints[1]];
        ((lx - rx).powi(2) + (ly - ry).powi(2)).sqrt()
    }

    fn area(&self) -> f32 {
        (self.x1 - self.x0).max(0.0) * (self.y1 - self.y0).max(0.0)
    }

    fn iou(&self, other: &Self) -> f32 {
        let ix = (self.x1.min(other.x1) - self.x0.max(other.x0)).max(0.0);
        let iy = (self.y1.min(other.y1) - self.y0.max(other.y0)).max(0.0);
        let inter = ix * iy;
        let union = self.area() + other.area() - inter;
        if union > 0.0 {
            inter / union
        } else {
            0.0
        }
    }
}

/// The detector's raw outputs as detections in window units (0–1), scores over `min_score` only.
fn decode(boxes: &[f32], scores: &[f32], min_score: f32) -> Vec<Detection> {
    let scale = DETECTOR_SIDE as f32;
    scores
        .iter()
        .enumerate()
        .filter_map(|(i, &raw)| {
            let score = 1.0 / (1.0 + (-raw.clamp(-80.0, 80.0)).exp());
            let b = boxes.get(i * 16..i * 16 + 16)?;
            let ax = ((i % GRID) as f32 + 0.5) / GRID as f32;
            let ay = ((i / GRID) as f32 + 0.5) / GRID as f32;
            let (cx, cy) = (ax + b[0] / scale, ay + b[1] / scale);
            let (hw, hh) = (b[2] / scale / 2.0, b[3] / scale / 2.0);
            let mut keypoints = [(0.0, 0.0); 6];
            for (k, p) in keypoints.iter_mut().enumerate() {
                *p = (ax + b[4 + 2 * k] / scale, ay + b[5 + 2 * k] / scale);
            }
            (score > min_score && hw > 0.0 && hh > 0.0).then_some(Detection {
                x0: cx - hw,
                y0: cy - hh,
                x1: cx + hw,
                y1: cy + hh,
                keypoints,
                score,
            })
        })
        .collect()
}

/// Weighted non-maximum suppression: overlapping detections of one face are averaged, weighted
/// by score (MediaPipe's blending), so the box and eyes are steadier than any single anchor's.
fn merge(mut found: Vec<Detection>) -> Vec<Detection> {
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = found.first().cloned() {
        let (same, rest): (Vec<Detection>, Vec<Detection>) = found
            .into_iter()
            .partition(|d| d.iou(&best) > SAME_FACE_IOU);
        found = rest;
        let total: f32 = same.iter().map(|d| d.score).sum();
        let avg = |f: &dyn Fn(&Detection) -> f32| {
            same.iter().map(|d| f(d) * d.score).sum::<f32>() / total
        };
        let mut keypoints = [(0.0, 0.0); 6];
        for (k, p) in keypoints.iter_mut().enumerate() {
            *p = (avg(&|d| d.keypoints[k].0), avg(&|d| d.keypoints[k].1));
        }
        out.push(Detection {
            x0: avg(&|d| d.x0),
            y0: avg(&|d| d.y0),
            x1: avg(&|d| d.x1),
            y1: avg(&|d| d.y1),
            keypoints,
            score: best.score,
        });
    }
    out
}

/// An eye that can be seen is mostly at least this bright (sclera, iris, lit lids: the median
/// of its band); darker, it is behind dark glasses or in deep shadow. The median, not the
/// brightest part: the lenses of sunglasses carry bright reflections.
const MIN_EYE_BRIGHTNESS: f32 = 0.15;

/// Whether the eye in an eye crop (planar RGB in 0–1, [`IRIS_SIDE`] square) is too dark to
/// show itself: dark glasses, or a face in shadow. The eye network still draws lids there, at
/// any gap, so such an eye is not measured ("can't tell").
fn hidden_eye(crop: &[f32]) -> bool {
    let plane = IRIS_SIDE * IRIS_SIDE;
    // The eye itself: its width is the middle 1/2.3 of the crop, its height a band around the
    // eye line.
    let (x0, x1) = (IRIS_SIDE * 3 / 10, IRIS_SIDE * 7 / 10);
    let (y0, y1) = (IRIS_SIDE * 42 / 100, IRIS_SIDE * 58 / 100);
    let mut luma: Vec<f32> = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| y * IRIS_SIDE + x))
        .filter_map(|i| {
            Some(
                0.2126 * crop.get(i)?
                    + 0.7152 * crop.get(plane + i)?
                    + 0.0722 * crop.get(2 * plane + i)?,
            )
        })
        .collect();
    luma.sort_by(f32::total_cmp);
    luma.get(luma.len() / 2)
        .is_some_and(|&median| median < MIN_EYE_BRIGHTNESS)
}

/// Lid gap over eye width from the iris network's eye contour (71 × x, y, z): the mean, over the
/// three middle points of the lower lid, of the distance to the nearest upper-lid point.
fn lid_gap_ratio(contour: &[f32]) -> Option<f32> {
    let point = |i: usize| Some((*contour.get(3 * i)?, *contour.get(3 * i + 1)?));
    let dist = |a: (f32, f32), b: (f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let width = dist(point(0)?, point(8)?);
    if width <= 1.0 {
        return None;
    }
    let upper: Vec<(f32, f32)> = (9..=14).filter_map(point).collect();
    let mut gaps = Vec::new();
    for i in 3..=5 {
        let lower = point(i)?;
        gaps.push(
            upper
                .iter()
                .map(|&u| dist(lower, u))
                .fold(f32::INFINITY, f32::min),
        );
    }
    Some(gaps.iter().sum::<f32>() / gaps.len() as f32 / width)
}

/// A `side`×`side` planar RGB crop (bilinear, black outside the image) of a square `extent`
/// pixels across centred at `centre`, rotated so the line at `angle` is horizontal, mirrored
/// left-right when `mirror`, each channel value (0–255) mapped by `norm`.
fn sample(
    img: &RgbImage,
    centre: (f32, f32),
    extent: f32,
    angle: f32,
    mirror: bool,
    side: usize,
    norm: impl Fn(f32) -> f32,
) -> Vec<f32> {
    let (sin, cos) = angle.sin_cos();
    let step = extent / side as f32;
    let plane = side * side;
    let half = side as f32 / 2.0;
    let mut out = vec![0f32; 3 * plane];
    for v in 0..side {
        for u in 0..side {
            let du = if mirror {
                half - (u as f32 + 0.5)
            } else {
                u as f32 + 0.5 - half
            } * step;
            let dv = (v as f32 + 0.5 - half) * step;
            let px = bilinear(
                img,
                centre.0 + du * cos - dv * sin - 0.5,
                centre.1 + du * sin + dv * cos - 0.5,
            );
            for c in 0..3 {
                out[c * plane + v * side + u] = norm(px[c]);
            }
        }
    }
    out
}

/// [`sample`] of an unrotated, unmirrored square, with the same arithmetic and so the same
/// values, for the detector's windows (a few per photo, 192×192 each): a sample's column and row
/// then depend on `u` and `v` alone, so their bilinear taps are found once per column and per
/// row, and pixels are read from the rows directly.
fn sample_upright(
    img: &RgbImage,
    centre: (f32, f32),
    extent: f32,
    side: usize,
    norm: impl Fn(f32) -> f32,
) -> Vec<f32> {
    let step = extent / side as f32;
    let plane = side * side;
    let half = side as f32 / 2.0;
    let (w, h) = (img.width() as i64, img.height() as i64);
    let stride = 3 * img.width() as usize;
    let raw = img.as_raw();
    // Where [`sample`] looks for sample `i` along one axis: the first tap and the weight of the
    // second (the same sums it does: sin = 0 and cos = 1 add and multiply exactly).
    let taps = |centre: f32, i: usize| {
        let d = (i as f32 + 0.5 - half) * step;
        let at = centre + d - 0.5;
        let first = at.floor();
        (first as i64, at - first)
    };
    let columns: Vec<(i64, f32)> = (0..side).map(|u| taps(centre.0, u)).collect();
    let row_of = |yi: i64| {
        (0..h)
            .contains(&yi)
            .then(|| &raw[yi as usize * stride..][..stride])
    };
    let texel = |row: Option<&[u8]>, xi: i64, c: usize| -> f32 {
        match row {
            Some(row) if (0..w).contains(&xi) => f32::from(row[xi as usize * 3 + c]),
            _ => 0.0,
        }
    };
    let mut out = vec![0f32; 3 * plane];
    for v in 0..side {
        let (yi, fy) = taps(centre.1, v);
        let (upper, lower) = (row_of(yi), row_of(yi + 1));
        for (u, &(xi, fx)) in columns.iter().enumerate() {
            for c in 0..3 {
                let (a, b) = (texel(upper, xi, c), texel(upper, xi + 1, c));
                let (cc, d) = (texel(lower, xi, c), texel(lower, xi + 1, c));
                let top = a + (b - a) * fx;
                let bottom = cc + (d - cc) * fx;
                out[c * plane + v * side + u] = norm(top + (bottom - top) * fy);
            }
        }
    }
    out
}

/// The colour at (`x`, `y`) (pixel centres at integers), black outside the image.
fn bilinear(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let get = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            return [0.0; 3];
        }
        let p = img.get_pixel(xi as u32, yi as u32).0;
        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
    };
    let (xi, yi) = (x0 as i64, y0 as i64);
    let (a, b, c, d) = (
        get(xi, yi),
        get(xi + 1, yi),
        get(xi, yi + 1),
        get(xi + 1, yi + 1),
    );
    let mut out = [0f32; 3];
    for k in 0..3 {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        out[k] = top + (bottom - top) * fy;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(x0: f32, y0: f32, side: f32, score: f32) -> Detection {
        Detection {
            x0,
            y0,
            x1: x0 + side,
            y1: y0 + side,
            keypoints: [(x0 + side * 0.3, y0 + side * 0.4); 6],
            score,
        }
    }

    #[test]
    fn an_upright_window_samples_exactly_as_the_general_sampler_does() {
        let img = RgbImage::from_fn(157, 101, |x, y| {
            image::Rgb([(x * 7 + y) as u8, (y * 5) as u8, (x ^ y) as u8])
        });
        // Inside, across every edge, larger than the frame, at fractional centres and scales.
        for (centre, extent) in [
            ((78.5, 50.5), 101.0),
            ((10.2, 3.7), 60.3),
            ((150.0, 99.0), 45.0),
            ((78.5, 50.5), 157.0),
            ((-20.0, 40.0), 30.0),
        ] {
            let norm = |v: f32| v / 127.5 - 1.0;
            let general = sample(&img, centre, extent, 0.0, false, 48, norm);
            let upright = sample_upright(&img, centre, extent, 48, norm);
            let same = general
                .iter()
                .zip(&upright)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "window at {centre:?}, {extent} px");
        }
    }

    #[test]
    fn overlapping_detections_of_one_face_become_one_and_distant_ones_stay() {
        let merged = merge(vec![
            detection(10.0, 10.0, 100.0, 0.9),
            detection(14.0, 12.0, 100.0, 0.6),
            detection(400.0, 10.0, 80.0, 0.7),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].score, 0.9);
        // Blended towards the weaker box by its share of the score.
        assert!(
            merged[0].x0 > 10.0 && merged[0].x0 < 14.0,
            "{:?}",
            merged[0]
        );
    }

    #[test]
    fn a_raw_detection_is_placed_at_its_anchor() {
        // Anchor (x 24, y 12) of the 48×48 grid, offsets zero, a 48-pixel box.
        let i = 12 * GRID + 24;
        let mut boxes = vec![0f32; GRID * GRID * 16];
        boxes[i * 16 + 2] = 48.0;
        boxes[i * 16 + 3] = 48.0;
        let mut scores = vec![-10f32; GRID * GRID];
        scores[i] = 3.0;
        let found = decode(&boxes, &scores, MIN_SCORE);
        assert_eq!(found.len(), 1);
        let d = &found[0];
        let (cx, cy) = ((d.x0 + d.x1) / 2.0, (d.y0 + d.y1) / 2.0);
        assert!((cx - 24.5 / 48.0).abs() < 1e-6 && (cy - 12.5 / 48.0).abs() < 1e-6);
        assert!((d.x1 - d.x0 - 0.25).abs() < 1e-6);
        let placed = d.clone().scaled(100.0, 50.0, 400.0);
        assert!((placed.x1 - placed.x0 - 100.0).abs() < 1e-3);
    }

    #[test]
    fn eyes_are_closed_only_when_both_are_clearly_shut() {
        assert_eq!(eye_state([Some(0.05), Some(0.08)]), Eyes::Closed);
        assert_eq!(eye_state([Some(0.05), Some(0.3)]), Eyes::Open);
        assert_eq!(eye_state([Some(0.05), None]), Eyes::Unknown);
        assert_eq!(eye_state([Some(0.16), Some(0.1)]), Eyes::Unknown);
        assert_eq!(eye_state([Some(0.15), Some(0.1)]), Eyes::Closed);
        assert_eq!(eye_state([None, None]), Eyes::Unknown);
    }

    #[test]
    fn small_faces_are_searched_in_tiles_that_cover_the_frame() {
        let w = 4000.0;
        let h = 3000.0;
        let (coarse, tiles) = windows(w, h);
        // The whole frame, and two short-side squares.
        assert_eq!(coarse.len(), 3);
        assert!(tiles.len() > 1);
        let (_, _, side) = tiles[0];
        assert_eq!(side, 1500.0);
        for &(x, y, s) in &tiles {
            assert!(x >= 0.0 && y >= 0.0 && x + s <= w + 0.01 && y + s <= h + 0.01);
        }
        // The right and bottom edges are reached.
        assert!(tiles.iter().any(|&(x, _, s)| (x + s - w).abs() < 0.01));
        assert!(tiles.iter().any(|&(_, y, s)| (y + s - h).abs() < 0.01));
        assert_eq!(windows(150.0, 150.0), (vec![(0.0, 0.0, 150.0)], Vec::new()));
    }

    #[test]
    fn a_wide_frame_is_also_looked_at_in_short_side_squares_end_to_end() {
        let (coarse, _) = windows(1440.0, 960.0);
        assert_eq!(coarse.len(), 3, "{coarse:?}");
        assert_eq!(coarse[1], (0.0, 0.0, 960.0));
        assert_eq!(coarse[2], (480.0, 0.0, 960.0));
        let (tall, _) = windows(960.0, 1440.0);
        assert_eq!(tall[2], (0.0, 480.0, 960.0));
    }

    #[test]
    fn an_eye_too_dark_to_show_itself_is_hidden_but_a_bright_glint_does_not_reveal_it() {
        let plane = IRIS_SIDE * IRIS_SIDE;
        let mut lens = vec![0.07f32; 3 * plane];
        // A reflection on the lens, a quarter of the eye band.
        for y in 28..34 {
            for x in 20..30 {
                for c in 0..3 {
                    lens[c * plane + y * IRIS_SIDE + x] = 0.9;
                }
            }
        }
        assert!(hidden_eye(&lens));
        let eye = vec![0.45f32; 3 * plane];
        assert!(!hidden_eye(&eye));
    }
}
