//! Judging one photo: measure, then fuse the measurements into explained reasons and a verdict.
//!
//! Every detector works on the upright analysis preview and reports numbers a person can check;
//! [`fuse`] turns them into [`Reason`]s whose messages cite those numbers.

mod contrast;
mod exposure;
mod eyes;
mod face_focus;
mod flare;
mod fuse;
mod jpeg;
mod noise;
mod planes;
mod sharpness;

use serde::{Deserialize, Serialize};

pub use contrast::ContrastStats;
pub use exposure::ExposureStats;
pub use eyes::closed_eyes;
pub use face_focus::{face_blur, sharp_subject, FaceFocus, SHARP_FACE_PX, SOFT_FACE_PX};
pub use flare::FlareStats;
pub use fuse::{
    decide, doubt_severity, fuse, fuse_with_model, measured_severities, sure_confidence,
    with_faces, Sensitivities, Sensitivity, DOUBT_SEVERITY, FUSION_VERSION, MIN_SHOW_AT,
    SURE_CONFIDENCE,
};
pub use jpeg::JpegStats;
pub use noise::NoiseStats;
pub use planes::{Planes, TileGrid, TileRect};
pub use sharpness::{region_focus, RegionFocus, SharpnessStats};

use crate::media::Preview;

/// The stable reason codes. Later detectors (faces, duplicates) add codes; none is ever renamed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    Blur,
    MotionBlur,
    Underexposed,
    Overexposed,
    Noise,
    JpegArtifacts,
    LensFlare,
    LowContrast,
    ClosedEyes,
    FaceBlur,
    /// A lesser shot of a burst, or a copy of a better one (`crate::groups`).
    Duplicate,
}

impl ReasonCode {
    /// The reasons the learned judge has an output and a fusion for, in its output order; the
    /// others come from their own detectors (faces).
    pub const LEARNED: [ReasonCode; 8] = [
        Self::Blur,
        Self::MotionBlur,
        Self::Underexposed,
        Self::Overexposed,
        Self::Noise,
        Self::JpegArtifacts,
        Self::LensFlare,
        Self::LowContrast,
    ];

    /// Every code: the learned ones, then those of other detectors.
    pub const ALL: [ReasonCode; 11] = {
        let mut all = [Self::ClosedEyes; 11];
        all[9] = Self::FaceBlur;
        all[10] = Self::Duplicate;
        let mut i = 0;
        while i < Self::LEARNED.len() {
            all[i] = Self::LEARNED[i];
            i += 1;
        }
        all
    };

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blur => "blur",
            Self::MotionBlur => "motion_blur",
            Self::Underexposed => "underexposed",
            Self::Overexposed => "overexposed",
            Self::Noise => "noise",
            Self::JpegArtifacts => "jpeg_artifacts",
            Self::LensFlare => "lens_flare",
            Self::LowContrast => "low_contrast",
            Self::ClosedEyes => "closed_eyes",
            Self::FaceBlur => "face_blur",
            Self::Duplicate => "duplicate",
        }
    }

    /// The code spelled `name` (as [`Self::as_str`] writes it), if this build knows it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a photo.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    /// How bad it is: 0 = not at all, 1 = the photo is ruined by it.
    pub severity: f32,
    /// How sure the measurement is.
    pub confidence: f32,
    /// Plain words that cite the measurement.
    pub message: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Keep,
    Review,
    Reject,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Review => "review",
            Self::Reject => "reject",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// 0–100; 100 means no problem was measured.
    pub score: f32,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
}

/// Everything measured on one photo: what `cull explain` prints and the app's loupe shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurements {
    pub analysed_width: u32,
    pub analysed_height: u32,
    /// Photo pixels per analysis pixel along each side.
    pub downscale: u32,
    pub exposure: ExposureStats,
    pub contrast: ContrastStats,
    pub sharpness: SharpnessStats,
    pub noise: NoiseStats,
    pub jpeg: JpegStats,
    pub flare: FlareStats,
}

impl Measurements {
    /// Every measurement in plain words, one line per detector: what `cull explain` prints and
    /// the app's loupe lists.
    pub fn describe(&self) -> Vec<String> {
        let m = self;
        let mut lines = Vec::new();
        lines.push(format!(
            "analysed at {}×{} (1/{} of each side)",
            m.analysed_width, m.analysed_height, m.downscale
        ));
        let e = &m.exposure;
        lines.push(format!(
        "exposure: mean {:+.2} EV from middle grey; {:.1} % below 3 % brightness; {:.1} % clipped; \
         brightest 0.5 % at {:.0} %, darkest 2 % at {:.0} %; {:.2} stops of highlight headroom",
        e.mean_ev,
        e.dark_fraction * 100.0,
        e.clipped_fraction * 100.0,
        e.highlight_brightness * 100.0,
        e.shadow_brightness * 100.0,
        e.highlight_headroom_stops
    ));
        let c = &m.contrast;
        lines.push(format!(
            "contrast: {:.2} stops between the 1st ({:.0} %) and 99th ({:.0} %) percentiles",
            c.range_stops,
            c.low_brightness * 100.0,
            c.high_brightness * 100.0
        ));
        let s = &m.sharpness;
        match (s.best, s.median) {
            (Some(best), Some(median)) => lines.push(format!(
                "sharpness: sharpest tiles {:.0} %, median tile {:.0} %, {} of {} tiles detailed; \
             by direction 0°/45°/90°/135°: {:.0}/{:.0}/{:.0}/{:.0} %, anisotropy {:.2}",
                best * 100.0,
                median * 100.0,
                s.informative_tiles,
                s.tiles.len(),
                s.directional[0] * 100.0,
                s.directional[1] * 100.0,
                s.directional[2] * 100.0,
                s.directional[3] * 100.0,
                s.anisotropy
            )),
            _ => lines.push("sharpness: no tile holds enough detail to judge focus".to_string()),
        }
        if let Some(t) = s.sharpest_tile {
            lines.push(format!(
                "sharpest tile: x {}–{}, y {}–{} (analysis pixels)",
                t.x0, t.x1, t.y0, t.y1
            ));
        }
        lines.push(format!(
            "noise: σ ≈ {:.2} levels in the flattest tiles",
            m.noise.sigma
        ));
        let j = &m.jpeg;
        lines.push(format!(
            "jpeg: quality ≈ {}, block-edge ratio {}",
            j.quality.map_or("—".into(), |q| format!("{q:.0}")),
            j.blockiness
                .map_or("not measurable at this scale".into(), |b| format!("{b:.2}"))
        ));
        let f = &m.flare;
        if f.source_found {
            lines.push(format!(
            "flare: bright source in frame; shadows near it {:.0} %, far from it {:.0} % (lift {:+.0} %)",
            f.near_shadow * 100.0,
            f.far_shadow * 100.0,
            f.lift * 100.0
        ));
        } else {
            lines.push("flare: no clipped light source in frame".to_string());
        }
        lines
    }
}

/// Runs every detector on a preview.
pub fn measure(preview: &Preview) -> Measurements {
    let planes = Planes::from_rgb(&preview.image);
    let grid = TileGrid::for_size(planes.width, planes.height);
    let sharpness = sharpness::measure(&planes, &grid);
    Measurements {
        analysed_width: planes.width,
        analysed_height: planes.height,
        downscale: preview.downscale,
        exposure: exposure::measure(&planes),
        contrast: contrast::measure(&planes),
        noise: noise::measure(&planes, &grid),
        jpeg: jpeg::measure(&planes, preview.jpeg_quality, preview.downscale),
        flare: flare::measure(&planes, &grid, &sharpness),
        sharpness,
    }
}

/// Measures and judges a preview.
pub fn judge(preview: &Preview) -> (Judgement, Measurements) {
    let measurements = measure(preview);
    (fuse(&measurements), measurements)
}

/// 0 at `from`, 1 at `to`, linear between, clamped; `from > to` gives a falling ramp.
pub(crate) fn ramp(value: f32, from: f32, to: f32) -> f32 {
    if (to - from).abs() < f32::EPSILON {
        return if value >= to { 1.0 } else { 0.0 };
    }
    ((value - from) / (to - from)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_rises_falls_and_clamps() {
        assert_eq!(ramp(0.5, 0.0, 1.0), 0.5);
        assert_eq!(ramp(2.0, 0.0, 1.0), 1.0);
        assert_eq!(ramp(0.25, 0.5, 0.0), 0.5);
        assert_eq!(ramp(-1.0, 0.5, 0.0), 1.0);
    }

    #[test]
    fn every_code_is_listed_once_the_learned_ones_first() {
        assert_eq!(
            ReasonCode::ALL[..ReasonCode::LEARNED.len()],
            ReasonCode::LEARNED
        );
        let mut names: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ReasonCode::ALL.len());
        assert!(ReasonCode::ALL.contains(&ReasonCode::ClosedEyes));
    }

    #[test]
    fn reason_codes_serialise_to_their_stable_names() {
        for code in ReasonCode::ALL {
            let json = serde_json::to_string(&code).expect("serialise");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
