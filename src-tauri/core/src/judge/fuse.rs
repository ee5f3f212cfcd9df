//! From measurements to reasons, score and verdict. Each rule names the measurement it rests on,
//! so every message can cite it. Thresholds are set so that legitimate styles — low-key, high-key,
//! fog, shallow depth of field, panning — measure as fine.

use super::{ramp, Judgement, Measurements, Reason, ReasonCode, Verdict};

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

pub fn fuse(m: &Measurements) -> Judgement {
    let mut reasons: Vec<Reason> = [
        exposure_under(m),
        exposure_over(m),
        focus(m),
        noise(m),
        jpeg(m),
        flare(m),
        contrast(m),
    ]
    .into_iter()
    .flatten()
    .filter(|r| r.severity >= SHOW_SEVERITY)
    .collect();
    reasons.sort_by(|a, b| impact(b).total_cmp(&impact(a)));
    let score = 100.0 * reasons.iter().map(|r| 1.0 - impact(r)).product::<f32>();
    let worst = reasons.first().map_or(0.0, impact);
    let verdict = if worst >= REJECT_IMPACT || score < 40.0 {
        Verdict::Reject
    } else if worst >= REVIEW_IMPACT || score < 75.0 {
        Verdict::Review
    } else {
        Verdict::Keep
    };
    Judgement {
        score: (score * 10.0).round() / 10.0,
        verdict,
        reasons,
    }
}

fn impact(r: &Reason) -> f32 {
    r.severity * r.confidence * weight(r.code)
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

fn focus(m: &Measurements) -> Option<Reason> {
    let s = &m.sharpness;
    s.best?;
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
    if is_shake {
        return reason(
            ReasonCode::MotionBlur,
            shake.max(defocus),
            confidence,
            format!(
                "camera shake: in the sharpest region edges are smeared over {widest:.1} px along {:.0}° but only {narrowest:.1} px across it (sharp photos stay under 4 px at {} px wide)",
                s.softest_direction_deg,
                s.focus_long_side
            ),
        );
    }
    reason(
        ReasonCode::Blur,
        defocus.max(shake),
        confidence,
        format!(
            "out of focus: even the sharpest region has edges {narrowest:.1} px wide in every direction (sharp photos stay under 4 px at {} px wide); {} of {} tiles hold enough detail to judge",
            s.focus_long_side,
            s.informative_tiles,
            s.tiles.len()
        ),
    )
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
        return None;
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
        return None;
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
