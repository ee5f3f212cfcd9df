//! Focus on faces: `face_blur` when the people are soft, and the sharp face that counts as the
//! subject, so a portrait with a melted background is not called blurred.
//!
//! A face's focus is the focus detector's own measure taken over the sharpest block of the face
//! box (its eyes or hairline, not its skin) at the same scale (`Face::edge_px`, edge width in
//! pixels at the focus scale; see [`super::sharpness::region_focus`]). On the tuning photos
//! (the fixtures and training sources with faces, and the tuning half of the gathered face set)
//! sharp faces measured 3.0–5.7 px and a retouched red-carpet portrait 6.5 px; a Gaussian blur of
//! σ = 1.5 analysis pixels over the whole frame took large faces to 5.8–7.0 px, σ = 3 to 7.3–8.8.
//! Small faces (a few percent of the frame) read sharper than large ones, because their features
//! are packed closer, so the absolute rules apply to large faces only. The thresholds are first
//! settings from those photos, not measured on held-out soft faces, so `face_blur` sends a shot
//! to review at most.

use super::{ramp, Reason, ReasonCode, SharpnessStats};
use crate::model::Face;

/// Under every reject bar (0.9 and up): a soft face alone never sends a shot to the trash.
const CONFIDENCE: f32 = 0.7;
/// A face this tall (share of the photo's long side) or taller is large enough for the absolute
/// rules: at 1200 px that is about 84 px, where the tuning photos' sharp and soft faces parted.
const LARGE_FACE: f32 = 0.07;
/// Faces at least this share of the largest face's height are the subjects; smaller ones are
/// the background crowd, allowed to fall out of the depth of field.
const SUBJECT_SHARE: f32 = 0.5;
/// A face whose edges are at most this wide (focus-scale px) is sharp; a large one is the
/// subject.
pub const SHARP_FACE_PX: f32 = 5.7;
/// From this edge width a large face starts to count as soft in absolute terms.
pub const SOFT_FACE_PX: f32 = 6.6;

/// A face's focus in one word, by the same bars as the rules (what the app shows per face).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceFocus {
    Sharp,
    /// Between the bars: neither praised nor flagged.
    Borderline,
    Soft,
    /// Too small or flat to judge.
    Unknown,
}

impl FaceFocus {
    pub fn of(face: &Face) -> Self {
        match face.edge_px {
            None => Self::Unknown,
            Some(e) if e <= SHARP_FACE_PX => Self::Sharp,
            Some(e) if e >= SOFT_FACE_PX => Self::Soft,
            Some(_) => Self::Borderline,
        }
    }
}

/// The face that makes the photo's subject sharp: the largest face, when it is large and its
/// edges are sharp. With one, `blur` is taken back: the background is soft on purpose.
/// `motion_blur` stays: shake smears the face too, and its sharpest block may still read sharp.
pub fn sharp_subject(faces: &[Face], width: u32, height: u32) -> Option<&Face> {
    let long = width.max(height).max(1) as f32;
    let largest = faces
        .iter()
        .max_by(|a, b| a.bbox[3].total_cmp(&b.bbox[3]))?;
    let edge = largest.edge_px?;
    (largest.bbox[3] / long >= LARGE_FACE && edge <= SHARP_FACE_PX).then_some(largest)
}

/// How soft one face is, 0–1: soft in absolute terms (large faces only), or clearly softer than
/// the frame's sharpest region (the focus went past the person).
fn softness(face: &Face, frame_px: Option<f32>, long: f32) -> f32 {
    let Some(edge) = face.edge_px else {
        return 0.0;
    };
    let absolute = if face.bbox[3] / long >= LARGE_FACE {
        ramp(edge, SOFT_FACE_PX, 8.0)
    } else {
        0.0
    };
    let relative = frame_px.map_or(0.0, |frame| {
        ramp(edge - frame, 2.5, 3.8) * ramp(edge, 5.0, 6.0)
    });
    absolute.max(relative)
}

/// "The face is 7.4 px soft while the sharpest part of the frame is 3.2 px", or `None` when the
/// subjects' faces are sharp or cannot be measured. `width`, `height`: the photo's own.
pub fn face_blur(
    faces: &[Face],
    sharpness: &SharpnessStats,
    width: u32,
    height: u32,
) -> Option<Reason> {
    let long = width.max(height).max(1) as f32;
    let frame_px = sharpness.mean_edge_px();
    let tallest = faces.iter().map(|f| f.bbox[3]).fold(0.0, f32::max);
    let subjects: Vec<&Face> = faces
        .iter()
        .filter(|f| f.bbox[3] >= SUBJECT_SHARE * tallest && f.edge_px.is_some())
        .collect();
    let soft: Vec<(&Face, f32)> = subjects
        .iter()
        .map(|f| (*f, softness(f, frame_px, long)))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    let severity = soft.iter().map(|(_, s)| *s).fold(0.0, f32::max);
    if severity <= 0.0 {
        return None;
    }
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let described: Vec<String> = soft
        .iter()
        .map(|(f, _)| {
            let [x, y, bw, bh] = f.bbox;
            format!(
                "{:.1} px at {:.0} % across, {:.0} % down",
                f.edge_px.unwrap_or_default(),
                100.0 * (x + bw / 2.0) / w,
                100.0 * (y + bh / 2.0) / h
            )
        })
        .collect();
    let count = if subjects.len() == 1 {
        "the face is soft".to_string()
    } else {
        format!("{} of {} faces are soft", soft.len(), subjects.len())
    };
    let frame = frame_px.map_or(String::new(), |p| {
        format!(" while the sharpest part of the frame is {p:.1} px")
    });
    Some(Reason {
        code: ReasonCode::FaceBlur,
        severity: (severity * 100.0).round() / 100.0,
        confidence: CONFIDENCE,
        message: format!(
            "{count}: edges {}{frame} wide (sharp faces measure under {SHARP_FACE_PX:.1} px at {} px)",
            described.join("; "),
            sharpness.focus_long_side
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::sharpness::uniform_stats;
    use crate::judge::{decide, Sensitivities, Sensitivity, Verdict};

    fn face(x: f32, side: f32, edge_px: Option<f32>) -> Face {
        Face {
            edge_px,
            ..Face::at([x, 100.0, side, side])
        }
    }

    #[test]
    fn a_sharp_large_face_is_the_subject_and_a_small_or_soft_one_is_not() {
        let sharp = face(0.0, 300.0, Some(5.1));
        assert!(sharp_subject(std::slice::from_ref(&sharp), 1200, 800).is_some());
        let small = face(0.0, 40.0, Some(3.8));
        assert!(sharp_subject(&[small], 1200, 800).is_none());
        let soft = face(0.0, 300.0, Some(7.2));
        assert!(sharp_subject(&[soft, face(500.0, 100.0, Some(4.0))], 1200, 800).is_none());
        assert!(sharp_subject(&[face(0.0, 300.0, None)], 1200, 800).is_none());
    }

    #[test]
    fn a_face_is_worded_by_the_rules_bars() {
        assert_eq!(
            FaceFocus::of(&face(0.0, 100.0, Some(5.7))),
            FaceFocus::Sharp
        );
        assert_eq!(
            FaceFocus::of(&face(0.0, 100.0, Some(6.1))),
            FaceFocus::Borderline
        );
        assert_eq!(FaceFocus::of(&face(0.0, 100.0, Some(6.6))), FaceFocus::Soft);
        assert_eq!(FaceFocus::of(&face(0.0, 100.0, None)), FaceFocus::Unknown);
    }

    #[test]
    fn a_soft_face_before_a_sharp_background_is_named_with_both_widths() {
        let reason = face_blur(
            &[face(300.0, 200.0, Some(7.6))],
            &uniform_stats(3.2),
            1200,
            800,
        )
        .expect("soft face");
        assert_eq!(reason.code, ReasonCode::FaceBlur);
        assert!(
            reason.message.starts_with(
                "the face is soft: edges 7.6 px at 33 % across, 25 % down while the sharpest \
                 part of the frame is 3.2 px wide"
            ),
            "{}",
            reason.message
        );
    }

    #[test]
    fn sharp_faces_and_a_small_background_face_raise_nothing() {
        let faces = [face(0.0, 200.0, Some(5.4)), face(600.0, 40.0, Some(7.0))];
        assert_eq!(face_blur(&faces, &uniform_stats(3.4), 1200, 800), None);
        // A small face reads sharper than a large one: only a clear gap to the frame counts.
        assert_eq!(
            face_blur(
                &[face(0.0, 40.0, Some(5.0))],
                &uniform_stats(3.6),
                1200,
                800
            ),
            None
        );
    }

    #[test]
    fn soft_faces_send_a_shot_to_review_but_never_reject_it() {
        let reason = face_blur(
            &[face(0.0, 300.0, Some(9.5))],
            &uniform_stats(3.0),
            1200,
            800,
        )
        .expect("very soft face");
        assert_eq!(reason.severity, 1.0);
        let strict = Sensitivities([(ReasonCode::FaceBlur, Sensitivity::Strict)].into());
        for sensitivities in [Sensitivities::default(), strict] {
            let (_, verdict) = decide(std::slice::from_ref(&reason), &sensitivities, 0.9);
            assert_eq!(verdict, Verdict::Review);
        }
    }
}
