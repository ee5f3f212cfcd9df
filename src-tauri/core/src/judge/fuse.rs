//! From measurements to reasons, score and verdict. Each rule names the measurement it rests on,
//! so every message can cite it. Thresholds are set so that legitimate styles — low-key, high-key,
//! fog, shallow depth of field, panning — measure as fine.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ramp, Judgement, Measurements, Reason, ReasonCode, SharpnessStats, Verdict};
use crate::model::{Face, ModelCard, ModelOutput};

/// A reason is shown once its severity reaches this.
const SHOW_SEVERITY: f32 = 0.25;
/// Impact (severity × confidence × weight) at which a single reason decides the verdict.
const REJECT_IMPACT: f32 = 0.5;
const REVIEW_IMPACT: f32 = 0.22;

fn weight(code: ReasonCode) -> f32 {
    match code {
        // Fixable in an editor, so it alone rarely condemns a shot.
        ReasonCode::LowContrast => 0.8,
        ReasonCode::Noise | ReasonCode::LensFlare => 0.85,
        _ => 1.0,
    }
}

/// Reasons, score and verdict from the measurements alone.
pub fn fuse(m: &Measurements) -> Judgement {
    judgement(measured_reasons(m), SURE_CONFIDENCE)
}

/// Bumped whenever the rules that join the measurements and the model change, so verdicts cached
/// under the old rules are judged again.
pub const FUSION_VERSION: &str = "fusion-6";

/// A reason can decide a `reject` only when its confidence reaches a bar: an unsure judge sends
/// the shot to review, never to the trash. This is the bar of the measurements alone; with the
/// learned model the confidence is a calibrated probability (MODELS.md shows the reliability
/// table) and the bar is the model card's `fusion.reject_at`, chosen on its validation split
/// (cull-judge 2 used this one: 0.8 had rejected 3 of its 567 good val samples).
pub const SURE_CONFIDENCE: f32 = 0.9;

/// [`SURE_CONFIDENCE`] as a function, for serde defaults.
pub fn sure_confidence() -> f32 {
    SURE_CONFIDENCE
}

/// The severity given to a reason the learned judge raises where the measurement is milder:
/// training labels are defects a photographer sees at 100 %, so a confident "yes" means at
/// least a clearly visible one. 0.5 × a confidence of 1 is exactly a reject, so a raised reason
/// alone rejects only at near certainty, and review needs a confidence of 0.44 (0.5 × 0.44 ≥
/// REVIEW_IMPACT), which every shown reason has (`show_at` is at least [`MIN_SHOW_AT`]).
const RAISED_SEVERITY: f32 = 0.5;
/// The lowest `show_at` honoured, so every shown reason at least asks for a review.
pub const MIN_SHOW_AT: f32 = 0.45;

/// Every reason's measured severity (0 where its rule does not apply), unfiltered: what the
/// learned fusion reads next to the network, and what the training set records.
pub fn measured_severities(m: &Measurements) -> Vec<(ReasonCode, f32)> {
    measured_reasons(m)
        .into_iter()
        .map(|r| (r.code, r.severity))
        .collect()
}

/// Reasons, score and verdict from the measurements and the learned model together.
///
/// Per reason, the card's fusion (a logistic model fitted on the validation split) joins the
/// network's probability and the measured severity into one calibrated probability. The reason
/// is shown when that reaches its `show_at`, whatever the measurement alone would say: a
/// confident network raises what the detectors missed (moderate defocus, curved shake) and takes
/// back what they misread (haze measured as flare, a low-key dusk as underexposure). The
/// calibrated probability is the reason's confidence, so an unsure reason reaches review at
/// most. Every message still cites the measurement, followed by the judge's probability.
///
/// `exposure_time` is the shutter time from EXIF, in seconds: the training photos carry none,
/// so the fusion cannot weigh it, but a photographer does (see [`SLOW_SHUTTER_S`]).
pub fn fuse_with_model(
    m: &Measurements,
    output: &ModelOutput,
    card: &ModelCard,
    exposure_time: Option<f64>,
) -> Judgement {
    let slow_shutter = exposure_time.filter(|t| *t >= SLOW_SHUTTER_S);
    let measured = measured_reasons(m);
    let severities: Vec<(ReasonCode, f32)> =
        measured.iter().map(|r| (r.code, r.severity)).collect();
    let severity = |code: ReasonCode| {
        severities
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(0.0, |(_, s)| *s)
    };
    let reasons = measured
        .into_iter()
        .filter_map(|r| {
            let fusion = card.fusion(r.code)?;
            let p = fusion.probability(r.code, output, severity);
            let gate = Gate {
                show_at: fusion.show_at.max(MIN_SHOW_AT),
                review_at: fusion.review_at,
                doubt_severity: fusion.doubt_severity,
            };
            learned_reason(r, p, gate, slow_shutter)
        })
        .collect();
    judgement(reasons, card.fusion.reject_at)
}

/// Where a reason's fused probability `p` puts it: shown from `show_at`; under it, kept doubted
/// (review at most) from `review_at`, the card's learned band, or when its measurement reaches
/// `doubt_severity`, the hand rule of cards without a band.
#[derive(Debug, Clone, Copy)]
struct Gate {
    show_at: f32,
    review_at: Option<f32>,
    doubt_severity: Option<f32>,
}

/// A measurement this severe is not dropped when the fusion does not see it: the two disagree,
/// so the reason stays, unsure, and sends the shot to review (never to reject). On Cull's own
/// fixture library cull-judge 2's fusion alone missed 4 of 7 generated underexposures the rule
/// caught. Later cards replace this hand rule with a learned band (`review_at`) and a learned
/// floor per reason (`doubt_severity`, null where the data back none); cull-judge 2's card
/// predates both and keeps this one.
pub const DOUBT_SEVERITY: f32 = 0.6;

/// [`DOUBT_SEVERITY`] for serde: a card without the field uses it.
pub fn doubt_severity() -> Option<f32> {
    Some(DOUBT_SEVERITY)
}

/// The confidence of such a doubted reason: under [`SURE_CONFIDENCE`], and high enough that a
/// severe one asks for a look (0.63 × 0.35 ≥ REVIEW_IMPACT). Doubting only where the fusion
/// gives at least 1–10 % was tried: on val it changed nothing that mattered, and on Cull's fixture
/// photos the network gives four real severe defects under 0.5 %, so every severe measurement
/// is doubted.
const DOUBTED_CONFIDENCE: f32 = 0.35;
/// A shutter open this long (seconds) is slow for a hand-held shot at any focal length, so a
/// measured smear that the fusion would drop is kept for review. The real case: a 1/2 s shot
/// from a moving car, smeared along its horizontal lines, that the network (which never sees
/// EXIF) called clean.
pub const SLOW_SHUTTER_S: f64 = 0.25;
/// A doubted reason counts at least this severe, so it asks for review (0.63 × 0.35 ≥
/// REVIEW_IMPACT).
const DOUBTED_SEVERITY: f32 = 0.63;

/// One measured reason after the learned fusion gave it probability `p`; `None` when `p` is
/// under the gate's `show_at` and nothing backs it: not the learned band, not the severity of the
/// measurement, and not, for a smear, a slow shutter (`slow_shutter`, seconds, given only when
/// slow).
fn learned_reason(r: Reason, p: f32, gate: Gate, slow_shutter: Option<f64>) -> Option<Reason> {
    if p < gate.show_at {
        let smear = matches!(r.code, ReasonCode::Blur | ReasonCode::MotionBlur);
        let backed_by_shutter = slow_shutter.filter(|_| smear && r.severity >= SHOW_SEVERITY);
        let in_band = gate.review_at.is_some_and(|at| p >= at);
        let severe = gate.doubt_severity.is_some_and(|at| r.severity >= at);
        let why = if in_band || severe {
            String::new()
        } else if let Some(t) = backed_by_shutter {
            format!(
                ", but the shutter was open {}, slow for a hand-held shot",
                shutter(t)
            )
        } else {
            return None;
        };
        return Some(Reason {
            severity: round2(r.severity.max(DOUBTED_SEVERITY)),
            confidence: DOUBTED_CONFIDENCE,
            message: format!(
                "{}; the learned judge gives it {:.0} %{why}, so it is left for you to review",
                r.message,
                p * 100.0
            ),
            ..r
        });
    }
    let raised = r.severity < SHOW_SEVERITY;
    let note = if raised {
        " (milder than the detectors alone would flag)"
    } else {
        ""
    };
    Some(Reason {
        severity: round2(r.severity.max(RAISED_SEVERITY)),
        confidence: round2(p),
        message: format!(
            "{}{note}; the learned judge is {:.0} % sure",
            r.message,
            p * 100.0
        ),
        ..r
    })
}

/// A shutter time as photographers write it: "1/2 s", "1/4 s", "2 s".
fn shutter(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0} s")
    } else {
        format!("1/{:.0} s", 1.0 / seconds)
    }
}

/// `judged` with what the faces tell: a large sharp face is the subject, so `blur` is taken
/// back; shut eyes raise `closed_eyes`; soft faces in an otherwise sharp
/// enough frame raise `face_blur`. Score and verdict are decided again under the same reject bar.
pub fn with_faces(
    judged: Judgement,
    faces: &[Face],
    sharpness: &SharpnessStats,
    width: u32,
    height: u32,
    reject_at: f32,
) -> Judgement {
    let frame_focus = |r: &Reason| matches!(r.code, ReasonCode::Blur | ReasonCode::MotionBlur);
    let subject_sharp = super::sharp_subject(faces, width, height).is_some();
    let mut reasons = judged.reasons.clone();
    // Only defocus: a shaken frame smears the face too, and the face's sharpest block can still
    // read sharp (a real night hand-shake's face did, at 4.8 px).
    if subject_sharp {
        reasons.retain(|r| r.code != ReasonCode::Blur);
    }
    reasons.extend(super::closed_eyes(faces, width, height));
    // A soft frame already says the faces are soft: one fact, one reason.
    if !reasons.iter().any(frame_focus) {
        reasons.extend(super::face_blur(faces, sharpness, width, height));
    }
    if reasons == judged.reasons {
        return judged;
    }
    judgement(reasons, reject_at)
}

fn judgement(candidates: Vec<Reason>, reject_at: f32) -> Judgement {
    let mut reasons: Vec<Reason> = candidates
        .into_iter()
        .filter(|r| r.severity >= SHOW_SEVERITY)
        .collect();
    reasons.sort_by(|a, b| impact(b, 1.0).total_cmp(&impact(a, 1.0)));
    let (score, verdict) = decide(&reasons, &Sensitivities::default(), reject_at);
    Judgement {
        score,
        verdict,
        reasons,
    }
}

/// One candidate reason per code, whatever its severity (0 where the rule does not apply), with
/// the message that explains the measurement.
fn measured_reasons(m: &Measurements) -> Vec<Reason> {
    let (blur, shake) = focus(m);
    [
        exposure_under(m),
        exposure_over(m),
        blur,
        shake,
        noise(m),
        jpeg(m),
        flare(m),
        contrast(m),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// How readily a reason condemns a photo, chosen per reason by the user.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Strict,
    #[default]
    Normal,
    Lenient,
}

impl Sensitivity {
    fn factor(self) -> f32 {
        match self {
            Self::Strict => 1.4,
            Self::Normal => 1.0,
            Self::Lenient => 0.6,
        }
    }
}

/// The user's sensitivity per reason code; codes not listed are `Normal`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sensitivities(pub BTreeMap<ReasonCode, Sensitivity>);

impl Sensitivities {
    pub fn get(&self, code: ReasonCode) -> Sensitivity {
        self.0.get(&code).copied().unwrap_or_default()
    }
}

/// Score (0–100) and verdict from already measured reasons; only a reason whose confidence
/// reaches `reject_at` may decide a `reject`. Cheap: changing a sensitivity re-decides a whole
/// library without decoding anything.
pub fn decide(reasons: &[Reason], sensitivities: &Sensitivities, reject_at: f32) -> (f32, Verdict) {
    let impacts: Vec<f32> = reasons
        .iter()
        .map(|r| impact(r, sensitivities.get(r.code).factor()).min(1.0))
        .collect();
    let score = 100.0 * impacts.iter().map(|i| 1.0 - i).product::<f32>();
    let worst = impacts.iter().copied().fold(0.0, f32::max);
    // Only a sure reason may condemn: the worst sure one alone, or the compound score when at
    // least one sure reason matters.
    let worst_sure = reasons
        .iter()
        .zip(&impacts)
        .filter(|(r, _)| r.confidence >= reject_at)
        .map(|(_, i)| *i)
        .fold(0.0, f32::max);
    let verdict = if worst_sure >= REJECT_IMPACT || (score < 40.0 && worst_sure >= REVIEW_IMPACT) {
        Verdict::Reject
    } else if worst >= REVIEW_IMPACT || score < 75.0 {
        Verdict::Review
    } else {
        Verdict::Keep
    };
    ((score * 10.0).round() / 10.0, verdict)
}

fn impact(r: &Reason, factor: f32) -> f32 {
    r.severity * r.confidence * weight(r.code) * factor
}

fn reason(code: ReasonCode, severity: f32, confidence: f32, message: String) -> Option<Reason> {
    Some(Reason {
        code,
        severity: round2(severity),
        confidence: round2(confidence),
        message,
    })
}

fn round2(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

fn pct(v: f32) -> f32 {
    (v * 100.0).round()
}

fn exposure_under(m: &Measurements) -> Option<Reason> {
    let e = &m.exposure;
    let severity = ramp(e.highlight_headroom_stops, 0.8, 2.2).min(ramp(-e.mean_ev, 1.0, 2.2));
    reason(
        ReasonCode::Underexposed,
        severity,
        0.9,
        format!(
            "{} % of the frame is below 3 % brightness and even the brightest 0.5 % only reaches {} % ({:.1} stops short of white)",
            pct(e.dark_fraction),
            pct(e.highlight_brightness),
            e.highlight_headroom_stops
        ),
    )
}

fn exposure_over(m: &Measurements) -> Option<Reason> {
    let e = &m.exposure;
    // Blown white is lost detail; a single clipped colour channel (a saturated flower, a bright
    // high-key frame) costs far less.
    let clip = e.white_fraction + 0.25 * (e.clipped_fraction - e.white_fraction).max(0.0);
    let severity = ramp(clip, 0.04, 0.25) * (0.4 + 0.6 * ramp(e.shadow_brightness, 0.05, 0.25));
    reason(
        ReasonCode::Overexposed,
        severity,
        0.9,
        format!(
            "{} % of the frame is blown to white ({} % has a clipped channel) and the darkest 2 % sits at {} % brightness",
            pct(e.white_fraction),
            pct(e.clipped_fraction),
            pct(e.shadow_brightness)
        ),
    )
}

/// Defocus and shake candidates. The rule picks one of the two (the other gets severity 0): a
/// clearly one-sided smear is shake even when the other directions are soft too.
fn focus(m: &Measurements) -> (Option<Reason>, Option<Reason>) {
    let s = &m.sharpness;
    if s.best.is_none() {
        let none = |code| {
            reason(
                code,
                0.0,
                0.5,
                "no region holds enough detail to measure focus".to_string(),
            )
        };
        return (none(ReasonCode::Blur), none(ReasonCode::MotionBlur));
    }
    // Few detailed tiles means little evidence either way.
    let confidence = 0.5 + 0.4 * ramp(s.informative_tiles as f32, 2.0, 12.0);
    let widths = s.edge_width_px;
    let narrowest = widths.iter().copied().fold(f32::INFINITY, f32::min);
    let widest = widths.iter().copied().fold(0.0, f32::max);
    let defocus = ramp(narrowest, 5.0, 6.6);
    let shake = ramp(widest, 4.8, 6.5) * ramp(s.anisotropy, 0.25, 0.4);
    // Defocus widens every direction; shake one. A clearly one-sided smear is shake even when
    // the other directions are soft too.
    let is_shake = shake >= SHOW_SEVERITY && (defocus < SHOW_SEVERITY || s.anisotropy >= 0.4);
    let shake_reason = reason(
        ReasonCode::MotionBlur,
        if is_shake { shake.max(defocus) } else { 0.0 },
        confidence,
        format!(
            "camera shake: in the sharpest region edges are smeared over {widest:.1} px along {:.0}° but only {narrowest:.1} px across it (sharp photos stay under 4 px at {} px wide)",
            s.softest_direction_deg,
            s.focus_long_side
        ),
    );
    let blur_reason = reason(
        ReasonCode::Blur,
        if is_shake { 0.0 } else { defocus.max(shake) },
        confidence,
        format!(
            "out of focus: even the sharpest region has edges {narrowest:.1} px wide in every direction (sharp photos stay under 4 px at {} px wide); {} of {} tiles hold enough detail to judge",
            s.focus_long_side,
            s.informative_tiles,
            s.tiles.len()
        ),
    );
    (blur_reason, shake_reason)
}

fn noise(m: &Measurements) -> Option<Reason> {
    let sigma = m.noise.sigma;
    reason(
        ReasonCode::Noise,
        ramp(sigma, 4.8, 8.0),
        0.75,
        format!(
            "grain of σ ≈ {sigma:.1} levels (of 255) in the flattest areas at {}×{}",
            m.analysed_width, m.analysed_height
        ),
    )
}

fn jpeg(m: &Measurements) -> Option<Reason> {
    let j = &m.jpeg;
    let from_tables = j.quality.map_or(0.0, |q| ramp(q, 50.0, 15.0));
    // The grid must be both out of proportion with the detail inside blocks and big enough in
    // absolute terms to be seen.
    let from_grid = match (j.blockiness, j.block_excess_levels) {
        (Some(ratio), Some(excess)) => ramp(ratio, 1.25, 2.0).min(ramp(excess, 0.6, 2.0)),
        _ => 0.0,
    };
    let severity = from_tables.max(from_grid);
    let agree = from_tables >= SHOW_SEVERITY && from_grid >= SHOW_SEVERITY;
    let mut parts = Vec::new();
    if let Some(q) = j.quality {
        parts.push(format!(
            "saved at JPEG quality ≈ {q:.0} (from its quantisation tables)"
        ));
    }
    if let Some(b) = j.blockiness {
        parts.push(format!(
            "8×8 block edges are {b:.2}× stronger than the steps inside blocks"
        ));
    }
    if parts.is_empty() {
        parts.push("not a JPEG, and no 8×8 block pattern is measurable".to_string());
    }
    reason(
        ReasonCode::JpegArtifacts,
        severity,
        if agree { 0.95 } else { 0.7 },
        parts.join("; "),
    )
}

fn flare(m: &Measurements) -> Option<Reason> {
    let f = &m.flare;
    if !f.source_found {
        return reason(
            ReasonCode::LensFlare,
            0.0,
            0.7,
            "no clipped light source in frame".to_string(),
        );
    }
    reason(
        ReasonCode::LensFlare,
        ramp(f.lift, 0.08, 0.22),
        0.7,
        format!(
            "shadows near the bright light source are lifted to {} % brightness against {} % elsewhere (veiling glare)",
            pct(f.near_shadow),
            pct(f.far_shadow)
        ),
    )
}

fn contrast(m: &Measurements) -> Option<Reason> {
    let c = &m.contrast;
    // Washed out means no deep shadow and no bright highlight: a high-key frame keeps its whites
    // and a low-key one its blacks, so neither counts however narrow its range.
    let narrow = ramp(c.range_stops, 2.7, 1.9);
    let no_whites = ramp(c.high_brightness, 0.92, 0.8);
    let no_blacks = ramp(c.low_brightness, 0.08, 0.18);
    reason(
        ReasonCode::LowContrast,
        narrow * no_whites * no_blacks,
        0.8,
        format!(
            "flat and washed out: the tones span only {:.1} stops, from {} % to {} % brightness (typical photos span 5 or more)",
            c.range_stops,
            pct(c.low_brightness),
            pct(c.high_brightness)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> Sensitivities {
        Sensitivities(
            ReasonCode::ALL
                .iter()
                .map(|c| (*c, Sensitivity::Strict))
                .collect(),
        )
    }

    /// cull-judge 2's gate: no learned band, the hand floor.
    fn floor(show_at: f32) -> Gate {
        Gate {
            show_at,
            review_at: None,
            doubt_severity: Some(DOUBT_SEVERITY),
        }
    }

    #[test]
    fn a_learned_band_replaces_the_hand_floor_and_still_only_asks_for_review() {
        let band = Gate {
            show_at: 0.6,
            review_at: Some(0.3),
            doubt_severity: None,
        };
        // In the band, whatever the measurement: doubted, confidence 0.35, review at most.
        let doubted = learned_reason(blur(0.1), 0.4, band, None).expect("in the band");
        assert_eq!(doubted.confidence, DOUBTED_CONFIDENCE);
        assert!(doubted.message.ends_with("so it is left for you to review"));
        let (_, verdict) = decide(&[doubted], &strict(), SURE_CONFIDENCE);
        assert_eq!(verdict, Verdict::Review);
        // Under the band a severe measurement is dropped: the card has no floor.
        assert_eq!(learned_reason(blur(0.95), 0.2, band, None), None);
        // The same measurement under cull-judge 2's gate stays for review.
        assert!(learned_reason(blur(0.95), 0.2, floor(0.6), None).is_some());
    }

    fn blur(severity: f32) -> Reason {
        Reason {
            code: ReasonCode::Blur,
            severity,
            confidence: 0.9,
            message: String::new(),
        }
    }

    #[test]
    fn sensitivity_moves_a_borderline_photo_between_verdicts() {
        let reasons = [blur(0.4)];
        let normal = decide(&reasons, &Sensitivities::default(), SURE_CONFIDENCE).1;
        let mut strict = Sensitivities::default();
        strict.0.insert(ReasonCode::Blur, Sensitivity::Strict);
        let mut lenient = Sensitivities::default();
        lenient.0.insert(ReasonCode::Blur, Sensitivity::Lenient);
        assert_eq!(normal, Verdict::Review);
        assert_eq!(
            decide(&reasons, &strict, SURE_CONFIDENCE).1,
            Verdict::Reject
        );
        assert_eq!(decide(&reasons, &lenient, SURE_CONFIDENCE).1, Verdict::Keep);
    }

    #[test]
    fn the_learned_judge_raises_a_flag_the_detectors_missed() {
        // Regression: moderate defocus kept at score 100 while the model said 99 %.
        let raised = learned_reason(blur(0.05), 0.97, floor(0.5), None).expect("raised");
        assert_eq!(raised.severity, RAISED_SEVERITY);
        assert_eq!(raised.confidence, 0.97);
        assert!(
            raised.message.contains("milder than the detectors alone")
                && raised.message.ends_with("the learned judge is 97 % sure"),
            "{}",
            raised.message
        );
        assert_eq!(
            decide(&[raised], &Sensitivities::default(), SURE_CONFIDENCE).1,
            Verdict::Review
        );
        // A measured severity above the floor is kept as measured.
        assert_eq!(
            learned_reason(blur(0.8), 0.9, floor(0.5), None)
                .expect("shown")
                .severity,
            0.8
        );
    }

    /// Regression: a hazy overcast landscape measured as severe lens flare (0.97) and a deliberate
    /// low-key dusk measured as underexposed (1.0) were rejected while the model gave them 0–1 %.
    #[test]
    fn a_confident_no_overrules_a_measurement_and_a_severe_one_goes_to_review() {
        assert_eq!(learned_reason(blur(0.55), 0.2, floor(0.5), None), None);
        let strict = strict();
        for severity in [0.63, 0.97, 1.0] {
            let doubted =
                learned_reason(blur(severity), 0.2, floor(0.5), None).expect("kept, unsure");
            assert!(doubted.message.ends_with("left for you to review"));
            let reasons = [doubted];
            assert_eq!(
                decide(&reasons, &Sensitivities::default(), SURE_CONFIDENCE).1,
                Verdict::Review
            );
            assert_eq!(
                decide(&reasons, &strict, SURE_CONFIDENCE).1,
                Verdict::Review
            );
        }
    }

    /// Regression: a real 1/2 s shot from a moving car, smeared along its horizontal lines
    /// (measured shake 0.39), was kept at 100 because the network called it clean.
    #[test]
    fn a_slow_shutter_keeps_a_moderate_smear_for_review_only() {
        let mut shake = blur(0.39);
        shake.code = ReasonCode::MotionBlur;
        assert_eq!(learned_reason(shake.clone(), 0.02, floor(0.45), None), None);
        let kept =
            learned_reason(shake.clone(), 0.02, floor(0.45), Some(0.4)).expect("kept, unsure");
        assert!(
            kept.message.contains("the shutter was open 1/2 s")
                && kept.message.ends_with("left for you to review"),
            "{}",
            kept.message
        );
        let strict = strict();
        assert_eq!(
            decide(
                std::slice::from_ref(&kept),
                &Sensitivities::default(),
                SURE_CONFIDENCE
            )
            .1,
            Verdict::Review
        );
        assert_eq!(decide(&[kept], &strict, SURE_CONFIDENCE).1, Verdict::Review);
        // A slow shutter says nothing about exposure, and nothing about a smear too faint to show.
        let mut dark = blur(0.39);
        dark.code = ReasonCode::Underexposed;
        assert_eq!(learned_reason(dark, 0.02, floor(0.45), Some(2.0)), None);
        assert_eq!(
            learned_reason(blur(0.1), 0.02, floor(0.45), Some(2.0)),
            None
        );
        assert_eq!(shutter(2.0), "2 s");
        assert_eq!(shutter(0.25), "1/4 s");
    }

    /// A doubted measurement right at the floor still asks for review (0.6 × 0.35 alone would
    /// fall just under the review impact).
    #[test]
    fn a_doubted_reason_at_the_floor_still_asks_for_review() {
        let doubted = learned_reason(blur(DOUBT_SEVERITY), 0.2, floor(0.5), None).expect("kept");
        assert_eq!(
            decide(&[doubted], &Sensitivities::default(), SURE_CONFIDENCE).1,
            Verdict::Review
        );
    }

    #[test]
    fn an_unsure_reason_goes_to_review_never_reject() {
        let strict = strict();
        for p in [MIN_SHOW_AT, 0.6, 0.79] {
            let unsure = learned_reason(blur(1.0), p, floor(MIN_SHOW_AT), None).expect("shown");
            let reasons = [unsure.clone(), unsure];
            assert_eq!(
                decide(&reasons, &Sensitivities::default(), SURE_CONFIDENCE).1,
                Verdict::Review,
                "{p}"
            );
            assert_eq!(
                decide(&reasons, &strict, SURE_CONFIDENCE).1,
                Verdict::Review,
                "{p}"
            );
        }
        // The same severe measurement with a sure judge is rejected.
        let sure = [learned_reason(blur(0.97), 0.9, floor(0.5), None).expect("shown")];
        assert_eq!(
            decide(&sure, &Sensitivities::default(), SURE_CONFIDENCE).1,
            Verdict::Reject
        );
    }

    #[test]
    fn no_reasons_is_a_perfect_keep() {
        assert_eq!(
            decide(&[], &Sensitivities::default(), SURE_CONFIDENCE),
            (100.0, Verdict::Keep)
        );
    }

    #[test]
    fn a_learned_reason_rejects_only_at_its_models_bar() {
        let reason = |confidence| Reason {
            code: ReasonCode::Overexposed,
            severity: 0.9,
            confidence,
            message: String::new(),
        };
        let normal = Sensitivities::default();
        // Sure enough for the measurements' bar, not for a model whose bar is 0.96.
        assert_eq!(
            decide(&[reason(0.93)], &normal, SURE_CONFIDENCE).1,
            Verdict::Reject
        );
        assert_eq!(decide(&[reason(0.93)], &normal, 0.96).1, Verdict::Review);
        assert_eq!(decide(&[reason(0.97)], &normal, 0.96).1, Verdict::Reject);
    }

    fn face_with_edges(side: f32, edge_px: f32) -> Face {
        Face {
            edge_px: Some(edge_px),
            ..Face::at([100.0, 100.0, side, side])
        }
    }

    #[test]
    fn a_sharp_face_pulls_blur_off_a_portrait_with_a_soft_background() {
        let flagged = judgement(vec![blur(0.8)], 0.95);
        assert_eq!(flagged.verdict, Verdict::Review);
        let portrait = [face_with_edges(300.0, 5.0)];
        let judged = with_faces(
            flagged.clone(),
            &portrait,
            &super::super::sharpness::uniform_stats(5.0),
            1200,
            800,
            0.95,
        );
        assert!(judged.reasons.is_empty(), "{judged:?}");
        assert_eq!(judged.verdict, Verdict::Keep);
        // A soft face does not: the blur stays, and face_blur does not repeat it.
        let soft = [face_with_edges(300.0, 7.5)];
        let judged = with_faces(
            flagged,
            &soft,
            &super::super::sharpness::uniform_stats(6.5),
            1200,
            800,
            0.95,
        );
        let codes: Vec<ReasonCode> = judged.reasons.iter().map(|r| r.code).collect();
        assert_eq!(codes, vec![ReasonCode::Blur]);
    }

    #[test]
    fn a_soft_face_in_a_sharp_frame_raises_face_blur_and_nothing_changes_without_faces() {
        let clean = judgement(Vec::new(), 0.95);
        let judged = with_faces(
            clean.clone(),
            &[face_with_edges(300.0, 7.8)],
            &super::super::sharpness::uniform_stats(3.2),
            1200,
            800,
            0.95,
        );
        let codes: Vec<ReasonCode> = judged.reasons.iter().map(|r| r.code).collect();
        assert_eq!(codes, vec![ReasonCode::FaceBlur]);
        assert_eq!(judged.verdict, Verdict::Review);
        assert_eq!(
            with_faces(
                clean.clone(),
                &[],
                &super::super::sharpness::uniform_stats(3.2),
                1200,
                800,
                0.95
            ),
            clean
        );
    }

    /// Regression: a real night hand-shake's face read sharp in its sharpest block, and taking
    /// `motion_blur` back with `blur` turned the shaken photo to keep.
    #[test]
    fn a_sharp_face_does_not_take_camera_shake_back() {
        let shaken = Reason {
            code: ReasonCode::MotionBlur,
            ..blur(0.8)
        };
        let flagged = judgement(vec![shaken], 0.95);
        let portrait = [face_with_edges(400.0, 4.8)];
        let judged = with_faces(
            flagged.clone(),
            &portrait,
            &super::super::sharpness::uniform_stats(4.9),
            3120,
            4208,
            0.95,
        );
        assert_eq!(judged, flagged);
    }
}
