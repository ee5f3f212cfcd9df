//! A labelled library for grouping (issue 11), built from real frames, and its pair scores.
//!
//! Real camera sequences from Debian `visp-images-data` (fetched by `tests/fixtures/fetch.sh`)
//! become bursts with written capture times; the committed real photos and visp's multi-size
//! Solvay and multi-format Klimt become copies (resized, cropped, re-encoded, with and without
//! EXIF); exposure brackets are made from real frames in linear light with the bias and shutter
//! written as a camera would; a panorama-like set is overlapping crops of one wide photo; a
//! focus-stack-like set moves the plane of focus down one photo; far-apart frames of one long
//! sequence and one calibration grid seen from four places are different photos of one subject.
//! Every shot knows the set it belongs to, so `cull scan --json` lines can be scored per kind.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use image::{imageops, RgbImage};
use serde_json::Value;

use crate::camera_exif::{write_jpeg_with_exif, CameraExif};
use crate::degrade::{defocus, exposure};
use crate::fixtures::{cached_fixture, load_photo, write_jpeg};

/// What a set truly is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrueKind {
    Burst,
    Duplicate,
    Bracket,
    /// Overlapping frames of a panorama: never duplicates.
    Panorama,
    /// One framing focused at different depths: never duplicates.
    FocusStack,
    /// A photo of its own (a different photo of a subject that appears elsewhere).
    Alone,
}

impl TrueKind {
    /// The `group.kind` Cull should print for two shots of this set, when it groups them.
    pub fn expected(self) -> Option<&'static str> {
        match self {
            Self::Burst => Some("burst"),
            Self::Duplicate => Some("duplicate"),
            Self::Bracket => Some("bracket"),
            Self::FocusStack => Some("focus_stack"),
            Self::Panorama => Some("panorama"),
            Self::Alone => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct GroupedShot {
    pub path: PathBuf,
    /// The set's name; shots of different sets must never group.
    pub set: String,
    pub kind: TrueKind,
    /// Softened on purpose: a burst's best must not be one of these.
    pub soft: bool,
    /// The original of a set of copies (full size, lossless or first-generation, with the
    /// camera's EXIF where there is one): the one to keep.
    pub original: bool,
}

/// The test libraries' two cameras.
const CAMERA_A: &str = "Cam A";
const CAMERA_B: &str = "Cam B";

/// A photo of the fixture cache (`rel` below it), as RGB; a clear error when it is missing.
fn cached_image(rel: &str) -> std::io::Result<RgbImage> {
    let path = cached_fixture(rel).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{rel} is not in the fixture cache: run tests/fixtures/fetch.sh"),
        )
    })?;
    Ok(image::open(path).map_err(std::io::Error::other)?.to_rgb8())
}

/// A visp frame (`rel` below `visp/` in the fixture cache).
pub fn visp_frame(rel: &str) -> std::io::Result<RgbImage> {
    cached_image(&format!("visp/{rel}"))
}

/// Whether the visp frames are in the fixture cache.
pub fn visp_available() -> bool {
    cached_fixture("visp/cube/image.0023.png").is_some()
}

struct Builder {
    root: PathBuf,
    shots: Vec<GroupedShot>,
}

impl Builder {
    fn add(
        &mut self,
        rel: &str,
        img: &RgbImage,
        exif: Option<&CameraExif>,
        set: &str,
        kind: TrueKind,
        soft: bool,
    ) -> std::io::Result<()> {
        let path = self.root.join(rel);
        match exif {
            Some(exif) => write_jpeg_with_exif(&path, img, 92, exif)?,
            None => write_jpeg(&path, img, 92).map_err(std::io::Error::other)?,
        }
        self.shots.push(GroupedShot {
            path,
            set: set.to_string(),
            kind,
            soft,
            original: rel.starts_with("originals/"),
        });
        Ok(())
    }

    fn copy(&mut self, rel: &str, from: &Path, set: &str) -> std::io::Result<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from, &path)?;
        self.shots.push(GroupedShot {
            path,
            set: set.to_string(),
            kind: TrueKind::Duplicate,
            soft: false,
            original: rel.contains("2126x1463") || rel.ends_with("Klimt.png"),
        });
        Ok(())
    }

    /// A burst: `frames` shot `step` seconds apart from `start`, `soft` ones softened (a missed
    /// focus in the middle of a burst).
    fn burst(
        &mut self,
        name: &str,
        frames: &[String],
        start: u32,
        step: f64,
        soft: &[usize],
    ) -> std::io::Result<()> {
        let images = frames
            .iter()
            .map(|f| visp_frame(f))
            .collect::<std::io::Result<Vec<_>>>()?;
        self.burst_of(name, images, start, step, soft)
    }

    fn burst_of(
        &mut self,
        name: &str,
        frames: Vec<RgbImage>,
        start: u32,
        step: f64,
        soft: &[usize],
    ) -> std::io::Result<()> {
        for (i, mut img) in frames.into_iter().enumerate() {
            let is_soft = soft.contains(&i);
            if is_soft {
                img = defocus(&img, 2.5);
            }
            let exif = CameraExif::at(start, step * i as f64, CAMERA_A, 1.0 / 250.0);
            self.add(
                &format!("bursts/{name}/{name}_{i:02}.jpg"),
                &img,
                Some(&exif),
                name,
                TrueKind::Burst,
                is_soft,
            )?;
        }
        Ok(())
    }

    /// An exposure bracket of one frame: bias and shutter written as the camera would.
    fn bracket(
        &mut self,
        name: &str,
        img: &RgbImage,
        start: u32,
        evs: &[f32],
        camera: &str,
    ) -> std::io::Result<()> {
        for (i, &ev) in evs.iter().enumerate() {
            let shutter = f64::from(2f32.powf(ev)) / 250.0;
            let exif = CameraExif {
                exposure_bias: Some(f64::from(ev)),
                ..CameraExif::at(start, 0.2 * i as f64, camera, shutter)
            };
            self.add(
                &format!("brackets/{name}_{i}.jpg"),
                &exposure(img, ev),
                Some(&exif),
                name,
                TrueKind::Bracket,
                false,
            )?;
        }
        Ok(())
    }
}

fn crop(img: &RgbImage, x: f32, y: f32, w: f32, h: f32) -> RgbImage {
    let (iw, ih) = (img.width() as f32, img.height() as f32);
    imageops::crop_imm(
        img,
        (x * iw) as u32,
        (y * ih) as u32,
        (w * iw) as u32,
        (h * ih) as u32,
    )
    .to_image()
}

fn resize(img: &RgbImage, scale: f32) -> RgbImage {
    imageops::resize(
        img,
        ((img.width() as f32 * scale) as u32).max(1),
        ((img.height() as f32 * scale) as u32).max(1),
        imageops::FilterType::CatmullRom,
    )
}

/// `img` sharp in the horizontal band around `focus` (0 = top, 1 = bottom) and increasingly
/// blurred away from it, as a lens focused at one depth of a receding scene renders it.
fn focused_at(img: &RgbImage, focus: f32) -> RgbImage {
    focused_along(img, focus, false)
}

/// [`focused_at`] along the width (`across`) or the height.
fn focused_along(img: &RgbImage, focus: f32, across: bool) -> RgbImage {
    let blurred = defocus(img, 4.0);
    let (w, h) = (img.width().max(1) as f32, img.height().max(1) as f32);
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let at = if across { x as f32 / w } else { y as f32 / h };
        let away = ((at - focus).abs() / 0.35).min(1.0);
        let (a, b) = (img.get_pixel(x, y), blurred.get_pixel(x, y));
        image::Rgb(std::array::from_fn(|c| {
            (f32::from(a[c]) * (1.0 - away) + f32::from(b[c]) * away).round() as u8
        }))
    })
}

/// Writes the labelled library under `root` and returns every shot with its label.
pub fn grouping_library(root: &Path) -> std::io::Result<Vec<GroupedShot>> {
    let mut b = Builder {
        root: root.to_path_buf(),
        shots: Vec::new(),
    };
    let frames = |pattern: &dyn Fn(usize) -> String, n: std::ops::Range<usize>| -> Vec<String> {
        n.map(pattern).collect()
    };
    // Bursts: four real hand-held or static sequences, minutes apart, one camera.
    b.burst(
        "cube",
        &frames(&|i| format!("cube/image.{i:04}.png"), 0..12),
        0,
        0.25,
        &[4, 9],
    )?;
    b.burst(
        "castel",
        &frames(&|i| format!("castel/image_{i:04}.png"), 0..12),
        100,
        0.3,
        &[6],
    )?;
    b.burst(
        "mbt_cube",
        &frames(&|i| format!("mbt_cube/image{i:04}.png"), 0..12),
        200,
        0.2,
        &[3],
    )?;
    b.burst(
        "mire",
        &frames(&|i| format!("mire2/image.{:04}.png", i + 1), 0..12),
        300,
        0.2,
        &[],
    )?;
    // Different photos of one subject, a second apart: never one group.
    for (k, frame) in [100, 200, 300, 400, 500].iter().enumerate() {
        let exif = CameraExif::at(400, k as f64, CAMERA_A, 1.0 / 250.0);
        b.add(
            &format!("subject/mire_{frame}.jpg"),
            &visp_frame(&format!("mire2/image.{frame:04}.png"))?,
            Some(&exif),
            &format!("mire_{frame}"),
            TrueKind::Alone,
            false,
        )?;
    }
    for k in 1..=4u32 {
        let exif = CameraExif::at(500, f64::from(k), CAMERA_A, 1.0 / 250.0);
        b.add(
            &format!("subject/grid_{k}.jpg"),
            &visp_frame(&format!("calibration/grid36-{k:02}.png"))?,
            Some(&exif),
            &format!("grid_{k}"),
            TrueKind::Alone,
            false,
        )?;
    }
    // Copies: one photo at four sizes, one picture as JPEG and PNG (as shipped, no EXIF), and
    // real photos exported again — smaller, cropped a little, re-encoded without EXIF.
    for size in ["640x440", "1024x705", "1280x881", "2126x1463"] {
        let name = format!("Solvay_conference_1927_Version2_{size}.jpg");
        let from = cached_fixture(&format!("visp/Solvay/{name}"))
            .ok_or_else(|| std::io::Error::other("Solvay missing: run fetch.sh"))?;
        b.copy(&format!("copies/solvay/{name}"), &from, "solvay")?;
    }
    for name in ["Klimt.jpeg", "Klimt.png"] {
        let from = cached_fixture(&format!("visp/Klimt/{name}"))
            .ok_or_else(|| std::io::Error::other("Klimt missing: run fetch.sh"))?;
        b.copy(&format!("copies/klimt/{name}"), &from, "klimt")?;
    }
    for (k, name) in ["astronaut", "cameraman_field", "coffee_cup"]
        .iter()
        .enumerate()
    {
        let img = load_photo(name);
        let exif = CameraExif::at(1000 + 100 * k as u32, 0.0, CAMERA_B, 1.0 / 200.0);
        let d = TrueKind::Duplicate;
        b.add(
            &format!("originals/{name}.jpg"),
            &img,
            Some(&exif),
            name,
            d,
            false,
        )?;
        b.add(
            &format!("exports/{name}_web.jpg"),
            &resize(&img, 0.5),
            Some(&exif),
            name,
            d,
            false,
        )?;
        b.add(
            &format!("exports/{name}_crop.jpg"),
            &crop(&img, 0.02, 0.02, 0.96, 0.96),
            Some(&exif),
            name,
            d,
            false,
        )?;
        b.add(&format!("backup/{name}.jpg"), &img, None, name, d, false)?;
    }
    // Brackets: one framing at several exposures, shot within a second.
    b.bracket(
        "chelsea",
        &load_photo("chelsea_cat"),
        2000,
        &[0.0, -1.0, 1.0],
        CAMERA_B,
    )?;
    b.bracket(
        "castel_hdr",
        &visp_frame("castel/image_0015.png")?,
        2100,
        &[-2.0, -1.0, 0.0, 1.0, 2.0],
        CAMERA_A,
    )?;
    // A panorama-like sweep: overlapping crops (62 % overlap) 1.5 s apart.
    let wide = image::open(
        cached_fixture("visp/Solvay/Solvay_conference_1927_Version2_2126x1463.jpg")
            .ok_or_else(|| std::io::Error::other("Solvay missing: run fetch.sh"))?,
    )
    .map_err(std::io::Error::other)?
    .to_rgb8();
    for k in 0..5u32 {
        let exif = CameraExif::at(3000, 1.5 * f64::from(k), CAMERA_B, 1.0 / 200.0);
        b.add(
            &format!("panorama/pano_{k}.jpg"),
            &crop(&wide, 0.15 * k as f32, 0.0, 0.4, 1.0),
            Some(&exif),
            "panorama",
            TrueKind::Panorama,
            false,
        )?;
    }
    // A focus-stack-like set: the plane of focus walks down the frame, half a second apart.
    let rocket = load_photo("rocket_launch");
    for (k, focus) in [0.15f32, 0.5, 0.85].iter().enumerate() {
        let exif = CameraExif::at(4000, 0.5 * k as f64, CAMERA_B, 1.0 / 200.0);
        b.add(
            &format!("stack/rocket_{k}.jpg"),
            &focused_at(&rocket, *focus),
            Some(&exif),
            "focus_stack",
            TrueKind::FocusStack,
            false,
        )?;
    }
    Ok(b.shots)
}

fn opencv(name: &str) -> std::io::Result<RgbImage> {
    cached_image(&format!("opencv/{name}"))
}

/// Whether the held-out photos are in the fixture cache.
pub fn heldout_available() -> bool {
    cached_fixture("opencv/left04.jpg").is_some()
        && cached_fixture("visp/castle_simu/Image_0012.png").is_some()
}

/// The held-out library: built the same way as [`grouping_library`] from photos and sequences
/// the rules were never tuned on (Debian `opencv-doc`, another collection; visp's rendered
/// castle orbit, another sequence), with other copy edits (40 % size, 3 % crop, quality 60, PNG),
/// another bracket pattern (0, ±0.7, ±1.3 EV) and harder look-alikes: one street photographed
/// twice, a photo and its edited version carrying the same camera time, two renders of one model,
/// one chessboard in four poses.
pub fn heldout_library(root: &Path) -> std::io::Result<Vec<GroupedShot>> {
    let mut b = Builder {
        root: root.to_path_buf(),
        shots: Vec::new(),
    };
    // Bursts: two optical-flow pairs and a rendered orbit.
    b.burst_of(
        "basketball",
        vec![opencv("basketball1.png")?, opencv("basketball2.png")?],
        0,
        0.1,
        &[],
    )?;
    b.burst_of(
        "rubberwhale",
        vec![opencv("rubberwhale1.png")?, opencv("rubberwhale2.png")?],
        100,
        0.1,
        &[],
    )?;
    let castle = (1..=12)
        .map(|i| visp_frame(&format!("castle_simu/Image_{i:04}.png")))
        .collect::<std::io::Result<Vec<_>>>()?;
    b.burst_of("castle_simu", castle, 200, 0.3, &[5])?;
    // Look-alikes, a second apart (the edited photo at the very same time).
    let alone = [
        ("leuven", vec!["leuvenA.jpg", "leuvenB.jpg"], 1.0),
        ("ela", vec!["ela_original.jpg", "ela_modified.jpg"], 0.0),
        (
            "suzanne",
            vec!["Blender_Suzanne1.jpg", "Blender_Suzanne2.jpg"],
            1.0,
        ),
        ("graf", vec!["graf1.png", "graf3.png"], 1.0),
        (
            "board",
            vec!["left01.jpg", "left02.jpg", "left03.jpg", "left04.jpg"],
            1.0,
        ),
    ];
    for (k, (name, files, step)) in alone.iter().enumerate() {
        for (i, file) in files.iter().enumerate() {
            let exif = CameraExif::at(300 + 50 * k as u32, step * i as f64, CAMERA_A, 1.0 / 250.0);
            b.add(
                &format!("subject/{name}_{i}.jpg"),
                &opencv(file)?,
                Some(&exif),
                &format!("{name}_{i}"),
                TrueKind::Alone,
                false,
            )?;
        }
    }
    // Copies, edited otherwise than in the tuning library.
    for (k, name) in ["baboon", "fruits", "messi5", "home"].iter().enumerate() {
        let img = opencv(&format!("{name}.jpg"))?;
        let exif = CameraExif::at(1000 + 100 * k as u32, 0.0, CAMERA_B, 1.0 / 200.0);
        let d = TrueKind::Duplicate;
        b.add(
            &format!("originals/{name}.jpg"),
            &img,
            Some(&exif),
            name,
            d,
            false,
        )?;
        b.add(
            &format!("exports/{name}_small.jpg"),
            &resize(&img, 0.4),
            Some(&exif),
            name,
            d,
            false,
        )?;
        b.add(
            &format!("exports/{name}_crop.jpg"),
            &crop(&img, 0.03, 0.03, 0.94, 0.94),
            None,
            name,
            d,
            false,
        )?;
        let path = root.join(format!("backup/{name}.png"));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        crate::fixtures::jpeg_roundtrip_png(&img, 60, &path)?;
        b.shots.push(GroupedShot {
            path,
            set: (*name).to_string(),
            kind: d,
            soft: false,
            original: false,
        });
    }
    // Brackets: five frames as a Sony writes them, and three of another photo.
    b.bracket(
        "building_hdr",
        &opencv("building.jpg")?,
        2000,
        &[0.0, -0.7, 0.7, -1.3, 1.3],
        CAMERA_B,
    )?;
    b.bracket(
        "butterfly_hdr",
        &opencv("butterfly.jpg")?,
        2100,
        &[0.0, -2.0, 2.0],
        CAMERA_A,
    )?;
    // A real aerial overlap, and a sweep across a painting.
    for (k, file) in ["aero1.jpg", "aero3.jpg"].iter().enumerate() {
        let exif = CameraExif::at(3000, 1.5 * k as f64, CAMERA_B, 1.0 / 200.0);
        b.add(
            &format!("panorama/aero_{k}.jpg"),
            &opencv(file)?,
            Some(&exif),
            "aero",
            TrueKind::Panorama,
            false,
        )?;
    }
    let painting = opencv("starry_night.jpg")?;
    for k in 0..4u32 {
        let exif = CameraExif::at(3100, 2.0 * f64::from(k), CAMERA_B, 1.0 / 200.0);
        b.add(
            &format!("panorama/night_{k}.jpg"),
            &crop(&painting, 0.0, 0.2 * k as f32, 1.0, 0.4),
            Some(&exif),
            "night_sweep",
            TrueKind::Panorama,
            false,
        )?;
    }
    // A focus stack walking across the frame.
    let fruits = opencv("orange.jpg")?;
    for (k, focus) in [0.2f32, 0.8].iter().enumerate() {
        let exif = CameraExif::at(4000, 0.7 * k as f64, CAMERA_B, 1.0 / 200.0);
        b.add(
            &format!("stack/orange_{k}.jpg"),
            &focused_along(&fruits, *focus, true),
            Some(&exif),
            "focus_stack",
            TrueKind::FocusStack,
            false,
        )?;
    }
    Ok(b.shots)
}

/// Pair counts for one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairCount {
    /// Pairs truly of this kind, grouped together under this kind.
    pub found: usize,
    /// Pairs truly of this kind.
    pub truth: usize,
    /// Pairs Cull grouped under this kind, truly of one set of this kind.
    pub right: usize,
    /// Pairs Cull grouped under this kind.
    pub claimed: usize,
}

impl PairCount {
    pub fn recall(&self) -> f64 {
        self.found as f64 / self.truth.max(1) as f64
    }
    pub fn precision(&self) -> f64 {
        if self.claimed == 0 {
            1.0
        } else {
            self.right as f64 / self.claimed as f64
        }
    }
}

/// The scores of one grouping run.
#[derive(Debug, Clone, Default)]
pub struct GroupingScore {
    /// By the kind Cull prints: "burst", "duplicate", "bracket", "focus_stack", "panorama".
    pub kinds: HashMap<&'static str, PairCount>,
    /// Pairs of different sets grouped together.
    pub mixed: usize,
    /// Pairs of a panorama or focus-stack set grouped as a burst or duplicate (offered for
    /// culling), and how many such pairs there are.
    pub culled_sets: (usize, usize),
    /// Bursts whose chosen best is a frame softened on purpose, of bursts with softened frames.
    pub soft_best: (usize, usize),
    /// Sets of copies whose chosen best is their original, of sets of copies grouped.
    pub original_best: (usize, usize),
    /// Shots Cull grouped, and shots in the library.
    pub grouped: (usize, usize),
}

/// Scores `cull scan --json` lines against the labels.
pub fn score_grouping(shots: &[GroupedShot], lines: &[Value]) -> GroupingScore {
    let by_path: HashMap<&str, &Value> = lines
        .iter()
        .filter_map(|l| Some((l.get("path")?.as_str()?, l)))
        .collect();
    let group_of = |s: &GroupedShot| -> Option<(i64, String, bool)> {
        let g = by_path.get(s.path.to_str()?)?.get("group")?;
        Some((
            g.get("id")?.as_i64()?,
            g.get("kind")?.as_str()?.to_string(),
            g.get("best")?.as_bool()?,
        ))
    };
    let groups: Vec<Option<(i64, String, bool)>> = shots.iter().map(group_of).collect();
    let mut score = GroupingScore {
        grouped: (groups.iter().flatten().count(), shots.len()),
        ..GroupingScore::default()
    };
    for kind in ["burst", "duplicate", "bracket", "focus_stack", "panorama"] {
        score.kinds.insert(kind, PairCount::default());
    }
    for i in 0..shots.len() {
        for j in i + 1..shots.len() {
            let (a, b) = (&shots[i], &shots[j]);
            let same_set = a.set == b.set;
            let together = match (&groups[i], &groups[j]) {
                (Some(x), Some(y)) if x.0 == y.0 => Some(x.1.clone()),
                _ => None,
            };
            if same_set {
                if let Some(kind) = a.kind.expected() {
                    if let Some(count) = score.kinds.get_mut(kind) {
                        count.truth += 1;
                        if together.as_deref() == Some(kind) {
                            count.found += 1;
                        }
                    }
                }
                if matches!(a.kind, TrueKind::Panorama | TrueKind::FocusStack) {
                    score.culled_sets.1 += 1;
                    if matches!(together.as_deref(), Some("burst" | "duplicate")) {
                        score.culled_sets.0 += 1;
                    }
                }
            }
            if let Some(kind) = &together {
                if !same_set {
                    score.mixed += 1;
                }
                if let Some(count) = score.kinds.get_mut(kind.as_str()) {
                    count.claimed += 1;
                    if same_set && a.kind.expected() == Some(kind.as_str()) {
                        count.right += 1;
                    }
                }
            }
        }
    }
    let mut copy_sets: Vec<&str> = shots
        .iter()
        .filter(|s| s.original)
        .map(|s| s.set.as_str())
        .collect();
    copy_sets.dedup();
    for set in copy_sets {
        let best = shots
            .iter()
            .zip(&groups)
            .find(|(s, g)| s.set == set && g.as_ref().is_some_and(|g| g.2));
        if let Some((shot, _)) = best {
            score.original_best.1 += 1;
            if shot.original {
                score.original_best.0 += 1;
            }
        }
    }
    let mut sets: Vec<&str> = shots
        .iter()
        .filter(|s| s.kind == TrueKind::Burst && s.soft)
        .map(|s| s.set.as_str())
        .collect();
    sets.dedup();
    for set in sets {
        score.soft_best.1 += 1;
        let soft_best = shots
            .iter()
            .zip(&groups)
            .any(|(s, g)| s.set == set && s.soft && g.as_ref().is_some_and(|g| g.2));
        if soft_best {
            score.soft_best.0 += 1;
        }
    }
    score
}

impl std::fmt::Display for GroupingScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "kind        pair recall          pair precision")?;
        let mut kinds: Vec<_> = self.kinds.iter().collect();
        kinds.sort_by_key(|(k, _)| *k);
        for (kind, c) in kinds {
            writeln!(
                f,
                "{kind:<11} {:>4}/{:<4} = {:>5.3}    {:>4}/{:<4} = {:>5.3}",
                c.found,
                c.truth,
                c.recall(),
                c.right,
                c.claimed,
                c.precision()
            )?;
        }
        writeln!(f, "pairs of different sets grouped: {}", self.mixed)?;
        writeln!(
            f,
            "panorama/focus-stack pairs offered as burst or duplicate: {}/{}",
            self.culled_sets.0, self.culled_sets.1
        )?;
        writeln!(
            f,
            "bursts whose best is a softened frame: {}/{}",
            self.soft_best.0, self.soft_best.1
        )?;
        writeln!(
            f,
            "sets of copies whose best is the original: {}/{}",
            self.original_best.0, self.original_best.1
        )?;
        write!(f, "shots grouped: {}/{}", self.grouped.0, self.grouped.1)
    }
}
