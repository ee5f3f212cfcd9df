//! The `closed_eyes` reason, from the faces the face finder found (`crate::model::faces`).
//!
//! A face counts only when both its eyes were measured clearly shut; a squint, a laugh or a look
//! down reads as `unknown` and raises nothing. The eye thresholds are first settings, not yet
//! calibrated on held-out real blinks, so the reason is stated at a confidence that can send a
//! shot to review but never, at any sensitivity, to the trash.

use super::{Reason, ReasonCode};
use crate::model::{Eyes, Face};

/// Under every reject bar a model card may set (0.9 and up), so closed eyes alone never reject.
const CONFIDENCE: f32 = 0.6;
/// One shut pair of eyes in a group photo is already the shot a photographer replaces.
const SEVERITY: f32 = 0.8;

/// "2 of 5 faces have their eyes closed …", or `None` when no face's eyes are clearly shut.
/// `width` and `height` are the photo's own, the frame the face boxes are in.
pub fn closed_eyes(faces: &[Face], width: u32, height: u32) -> Option<Reason> {
    let closed: Vec<&Face> = faces.iter().filter(|f| f.eyes == Eyes::Closed).collect();
    if closed.is_empty() {
        return None;
    }
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let places: Vec<String> = closed
        .iter()
        .map(|f| {
            let [x, y, bw, bh] = f.bbox;
            format!(
                "the face at {:.0} % across, {:.0} % down",
                100.0 * (x + bw / 2.0) / w,
                100.0 * (y + bh / 2.0) / h
            )
        })
        .collect();
    let gaps: Vec<String> = closed
        .iter()
        .flat_map(|f| f.openness.iter().flatten())
        .map(|o| format!("{o:.2}"))
        .collect();
    let count = if faces.len() == 1 {
        "the face has its eyes closed".to_string()
    } else if closed.len() == 1 {
        format!("1 of {} faces has its eyes closed", faces.len())
    } else {
        format!(
            "{} of {} faces have their eyes closed",
            closed.len(),
            faces.len()
        )
    };
    Some(Reason {
        code: ReasonCode::ClosedEyes,
        severity: SEVERITY,
        confidence: CONFIDENCE,
        message: format!(
            "{count} ({}): the lids are {} of the eye's width apart, where open eyes measure 0.20 \
             or more",
            places.join("; "),
            gaps.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{decide, Sensitivities, Sensitivity, Verdict};

    fn face(x: f32, eyes: Eyes, openness: [Option<f32>; 2]) -> Face {
        Face {
            eyes,
            openness,
            ..Face::at([x, 100.0, 100.0, 100.0])
        }
    }

    #[test]
    fn only_clearly_shut_eyes_raise_the_reason() {
        let open = face(0.0, Eyes::Open, [Some(0.3), Some(0.32)]);
        let unsure = face(200.0, Eyes::Unknown, [Some(0.13), Some(0.13)]);
        assert_eq!(
            closed_eyes(&[open.clone(), unsure.clone()], 1000, 500),
            None
        );
        let shut = face(800.0, Eyes::Closed, [Some(0.05), Some(0.08)]);
        let reason = closed_eyes(&[open, unsure, shut], 1000, 500).expect("reason");
        assert_eq!(reason.code, ReasonCode::ClosedEyes);
        assert!(
            reason.message.starts_with(
                "1 of 3 faces has its eyes closed (the face at 85 % across, 30 % down)"
            ),
            "{}",
            reason.message
        );
        assert!(reason.message.contains("0.05, 0.08"), "{}", reason.message);
    }

    #[test]
    fn closed_eyes_send_a_shot_to_review_but_never_reject_it() {
        let shut = face(0.0, Eyes::Closed, [Some(0.02), Some(0.03)]);
        let reason = closed_eyes(&[shut], 400, 400).expect("reason");
        assert!(reason.message.starts_with("the face has its eyes closed"));
        let strict = Sensitivities([(ReasonCode::ClosedEyes, Sensitivity::Strict)].into());
        for sensitivities in [Sensitivities::default(), strict] {
            let (_, verdict) = decide(std::slice::from_ref(&reason), &sensitivities, 0.9);
            assert_eq!(verdict, Verdict::Review);
        }
    }
}
