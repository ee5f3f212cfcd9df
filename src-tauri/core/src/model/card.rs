//! The model card shipped next to the ONNX file: how inputs are prepared, what the outputs mean
//! and the decision threshold per reason chosen on the validation split. A card that does not
//! match this build's preprocessing is refused, so a stale model can never be fed wrong inputs.
//!
//! Outputs are found by name, never by position: a later model may add outputs (`closed_eyes`,
//! `duplicate`, …) or reorder them without this build misreading a single probability.
//!
//! The card also carries the learned fusion: per reason, by name, a logistic model fitted on the
//! validation split that joins the network's probability and the measured severity into one
//! calibrated probability, and the probability at which the reason is shown.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::input::{FEATURE_NAMES, VIEW_COUNT, VIEW_SIDE};
use super::{ModelError, ModelOutput};
use crate::judge::ReasonCode;

/// The name of the "no defect" output.
pub const GOOD_OUTPUT: &str = "good";

/// The probability outputs this build reads: the eight reason codes, then "good" (no defect).
/// The order is the one the training code writes; a card may list them in any order.
pub fn reason_outputs() -> Vec<&'static str> {
    ReasonCode::LEARNED
        .iter()
        .map(|c| c.as_str())
        .chain([GOOD_OUTPUT])
        .collect()
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelCard {
    pub name: String,
    pub version: String,
    pub view_side: u32,
    pub view_count: usize,
    pub features: Vec<String>,
    pub outputs: Vec<String>,
    pub embedding_size: usize,
    /// Probability at which each reason counts as present by the network alone (informative:
    /// the verdicts use [`Fusion`]).
    pub thresholds: BTreeMap<String, f32>,
    pub fusion: Fusion,
}

/// How the network's outputs and the measurements become calibrated reasons.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Fusion {
    /// Keyed by reason code.
    pub reasons: BTreeMap<String, FusionReason>,
    /// The confidence a reason needs before it may decide a `reject`: chosen per model on its
    /// validation split, as the lowest bar at which no clean or hard-good sample is rejected
    /// (`train.choose_reject_at`). A better-calibrated model can earn a lower one. Cards before
    /// cull-judge 3 carry none: they were chosen with the fixed bar of their time.
    #[serde(default = "crate::judge::sure_confidence")]
    pub reject_at: f32,
}

/// One reason's stacked logistic model: `sigmoid(bias + Σ network[o] · logit(p_o) + Σ measured[r]
/// · severity_r + model_logit · logit(p) + measured_severity · severity)`, where `p_o` is the
/// network's probability of output `o` (clamped to [`LOGIT_CLAMP`], 1 − [`LOGIT_CLAMP`]),
/// `severity_r` the measured severity (0–1) of reason `r`, and `p`, `severity` the reason's own.
/// cull-judge 2's cards give only the last two weights (the pair form); later ones give the named
/// maps (the stacked form: haze the flare rule misreads can be told by what the exposure and
/// contrast numbers and the "good" output say).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FusionReason {
    pub bias: f32,
    #[serde(default)]
    pub model_logit: f32,
    #[serde(default)]
    pub measured_severity: f32,
    /// Weight of the logit of each network output, by output name.
    #[serde(default)]
    pub network: BTreeMap<String, f32>,
    /// Weight of each reason's measured severity, by reason code.
    #[serde(default)]
    pub measured: BTreeMap<String, f32>,
    /// The calibrated probability at which the reason is shown (chosen on validation).
    pub show_at: f32,
    /// Under `show_at`, the probability from which the reason still stays, doubted, for review:
    /// learned as the lowest band whose rows are really defective often enough. `None`: no band.
    #[serde(default)]
    pub review_at: Option<f32>,
    /// A measured severity from which the reason stays, doubted, whatever the fusion says:
    /// absent in cull-judge 2's card (which used [`crate::judge::DOUBT_SEVERITY`]); in later
    /// cards learned beside the band (the lowest severity from which the rows the fusion drops
    /// are still defective as often as a doubted reason claims), or `null` where no severity is.
    #[serde(default = "crate::judge::doubt_severity")]
    pub doubt_severity: Option<f32>,
}

/// Network probabilities are clamped this far from 0 and 1 before the logit, so one saturated
/// sigmoid cannot outvote everything (the training code clamps the same way).
pub const LOGIT_CLAMP: f32 = 1e-4;

fn logit(p: f32) -> f32 {
    let p = p.clamp(LOGIT_CLAMP, 1.0 - LOGIT_CLAMP);
    (p / (1.0 - p)).ln()
}

impl FusionReason {
    /// The calibrated probability that the defect `code` is present, from every network output
    /// (`output`) and every measured severity (`severity`, 0 where a rule does not apply).
    pub fn probability(
        &self,
        code: ReasonCode,
        output: &ModelOutput,
        severity: impl Fn(ReasonCode) -> f32,
    ) -> f32 {
        let own = self.model_logit * logit(output.probability(code))
            + self.measured_severity * severity(code);
        let network: f32 = self
            .network
            .iter()
            .map(|(name, w)| w * logit(output.named(name).unwrap_or(0.5)))
            .sum();
        let measured: f32 = self
            .measured
            .iter()
            .filter_map(|(name, w)| Some(w * severity(ReasonCode::from_name(name)?)))
            .sum();
        let z = self.bias + own + network + measured;
        1.0 / (1.0 + (-z).exp())
    }
}

impl ModelCard {
    pub fn parse(json: &str) -> Result<Self, ModelError> {
        let card: Self = serde_json::from_str(json)
            .map_err(|e| ModelError(format!("the model card is not valid: {e}")))?;
        card.check_compatible()?;
        Ok(card)
    }

    fn check_compatible(&self) -> Result<(), ModelError> {
        if self.view_side != VIEW_SIDE || self.view_count != VIEW_COUNT {
            return Err(ModelError(format!(
                "the model wants {} views of {} px, this build makes {VIEW_COUNT} of {VIEW_SIDE} px",
                self.view_count, self.view_side
            )));
        }
        if self.features.iter().map(String::as_str).ne(FEATURE_NAMES) {
            return Err(ModelError(
                "the model was trained on other detector features than this build measures".into(),
            ));
        }
        if let Some(missing) = reason_outputs()
            .into_iter()
            .find(|name| self.output_index(name).is_none())
        {
            return Err(ModelError(format!(
                "the model has no '{missing}' output (it gives: {})",
                self.outputs.join(", ")
            )));
        }
        if let Some(missing) = ReasonCode::LEARNED
            .iter()
            .find(|c| !self.fusion.reasons.contains_key(c.as_str()))
        {
            return Err(ModelError(format!(
                "the model card has no fusion for '{missing}'"
            )));
        }
        // A weight this build cannot feed would silently count as nothing: refuse the card.
        let outputs = reason_outputs();
        for (code, f) in &self.fusion.reasons {
            let unknown = f
                .network
                .keys()
                .find(|o| !outputs.contains(&o.as_str()))
                .or_else(|| {
                    f.measured
                        .keys()
                        .find(|r| ReasonCode::from_name(r).is_none())
                });
            if let Some(name) = unknown {
                return Err(ModelError(format!(
                    "the fusion of '{code}' weighs '{name}', which this build does not know"
                )));
            }
        }
        Ok(())
    }

    /// The fusion of one reason; every reason has one (checked when the card is parsed).
    pub fn fusion(&self, code: ReasonCode) -> Option<&FusionReason> {
        self.fusion.reasons.get(code.as_str())
    }

    /// Where the output called `name` sits in each row of `probabilities`.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.outputs.iter().position(|o| o == name)
    }

    /// One row of the `probabilities` output read by name: the defect probabilities in
    /// [`ReasonCode::LEARNED`] order and the "good" probability. Outputs this build does not know are
    /// ignored. `None` when the row is shorter than the card says.
    pub fn read_probabilities(&self, row: &[f32]) -> Option<([f32; 8], f32)> {
        if row.len() != self.outputs.len() {
            return None;
        }
        let at = |name: &str| self.output_index(name).and_then(|i| row.get(i).copied());
        let mut defects = [0.0; 8];
        for (slot, code) in defects.iter_mut().zip(ReasonCode::LEARNED) {
            *slot = at(code.as_str())?;
        }
        Some((defects, at(GOOD_OUTPUT)?))
    }

    pub fn threshold(&self, code: ReasonCode) -> f32 {
        self.thresholds.get(code.as_str()).copied().unwrap_or(0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn fusion_json(reasons: &[ReasonCode]) -> serde_json::Value {
        let per: serde_json::Map<String, serde_json::Value> = reasons
            .iter()
            .map(|c| {
                let r = serde_json::json!({"bias": -1.0, "model_logit": 1.0,
                    "measured_severity": 2.0, "show_at": 0.5});
                (c.as_str().to_string(), r)
            })
            .collect();
        serde_json::json!({ "reasons": per, "reject_at": 0.96 })
    }

    fn card_with_outputs(view_side: u32, outputs: &[&str]) -> String {
        serde_json::json!({
            "name": "cull-judge", "version": "1", "view_side": view_side, "view_count": VIEW_COUNT,
            "features": FEATURE_NAMES, "outputs": outputs, "embedding_size": 1280,
            "thresholds": {"blur": 0.4}, "fusion": fusion_json(&ReasonCode::LEARNED)
        })
        .to_string()
    }

    fn card_json(view_side: u32) -> String {
        card_with_outputs(view_side, &reason_outputs())
    }

    #[test]
    fn outputs_are_read_by_name_so_a_model_with_new_or_reordered_outputs_still_fits() {
        // A later model: "good" first, the reasons reversed, and two outputs this build lacks.
        let mut outputs = vec![GOOD_OUTPUT, "closed_eyes"];
        outputs.extend(ReasonCode::LEARNED.iter().rev().map(|c| c.as_str()));
        outputs.push("duplicate");
        let card = ModelCard::parse(&card_with_outputs(VIEW_SIDE, &outputs)).expect("parse");
        // Each output's value is its position, so a misread shows as a wrong number.
        let row: Vec<f32> = (0..outputs.len()).map(|i| i as f32).collect();
        let (defects, good) = card.read_probabilities(&row).expect("read");
        assert_eq!(good, 0.0);
        for (code, p) in ReasonCode::LEARNED.iter().zip(defects) {
            let at = outputs
                .iter()
                .position(|o| *o == code.as_str())
                .expect("listed");
            assert_eq!(p, at as f32, "{code:?}");
        }
        assert_eq!(
            card.read_probabilities(&row[1..]),
            None,
            "short row refused"
        );
    }

    #[test]
    fn a_card_without_a_reason_this_build_needs_is_refused_by_name() {
        let outputs: Vec<&str> = reason_outputs()
            .into_iter()
            .filter(|o| *o != "lens_flare")
            .collect();
        let err = ModelCard::parse(&card_with_outputs(VIEW_SIDE, &outputs)).expect_err("refused");
        assert!(err.0.contains("'lens_flare'"), "{err}");
    }

    #[test]
    fn a_matching_card_parses_and_unlisted_thresholds_default_to_a_half() {
        let card = ModelCard::parse(&card_json(VIEW_SIDE)).expect("parse");
        assert_eq!(card.threshold(ReasonCode::Blur), 0.4);
        assert_eq!(card.threshold(ReasonCode::Noise), 0.5);
    }

    #[test]
    fn a_card_without_fusion_for_a_reason_is_refused_by_name() {
        let mut card: serde_json::Value =
            serde_json::from_str(&card_json(VIEW_SIDE)).expect("json");
        card["fusion"] = fusion_json(&ReasonCode::LEARNED[..7]);
        let err = ModelCard::parse(&card.to_string()).expect_err("refused");
        assert!(err.0.contains("'low_contrast'"), "{err}");
    }

    fn output(blur: f32, good: f32) -> ModelOutput {
        let mut probabilities = [0.5; 8];
        probabilities[0] = blur;
        ModelOutput {
            probabilities,
            quality: good,
            embedding: Vec::new(),
        }
    }

    #[test]
    fn fusion_is_the_stacked_logistic_of_the_network_logit_and_the_severity() {
        let card = ModelCard::parse(&card_json(VIEW_SIDE)).expect("parse");
        let f = card.fusion(ReasonCode::Blur).expect("fusion");
        let p = |net: f32, sev: f32| f.probability(ReasonCode::Blur, &output(net, 0.5), |_| sev);
        // bias -1, logit(0.5) = 0, severity 0.5 × 2 → z = 0.
        assert!((p(0.5, 0.5) - 0.5).abs() < 1e-6);
        // A saturated network output is clamped, so it stays finite and monotone.
        let sure = p(1.0, 0.0);
        assert!(sure > 0.99 && sure < 1.0, "{sure}");
        assert!(p(0.9, 0.0) < sure);
        assert!(p(0.0, 0.0) < 1e-3);
        // cull-judge 2's card has no band and keeps the hand floor.
        assert_eq!(f.review_at, None);
        assert_eq!(f.doubt_severity, Some(crate::judge::DOUBT_SEVERITY));
    }

    #[test]
    fn a_stacked_fusion_weighs_other_outputs_and_measurements_by_name() {
        let mut card: serde_json::Value =
            serde_json::from_str(&card_json(VIEW_SIDE)).expect("json");
        card["fusion"]["reasons"]["blur"] = serde_json::json!({
            "bias": 0.0, "network": {"good": -1.0, "blur": 0.0},
            "measured": {"overexposed": 3.0}, "show_at": 0.6, "review_at": 0.3,
            "doubt_severity": null
        });
        let card = ModelCard::parse(&card.to_string()).expect("parse");
        let f = card.fusion(ReasonCode::Blur).expect("fusion");
        let sev = |c: ReasonCode| {
            if c == ReasonCode::Overexposed {
                1.0
            } else {
                0.0
            }
        };
        // z = -logit(good) + 3 · severity(overexposed): each term counts, by name.
        let z = |p: f32| (p / (1.0 - p)).ln();
        let p = f.probability(ReasonCode::Blur, &output(0.9, 0.25), sev);
        assert!((z(p) - (-z(0.25) + 3.0)).abs() < 1e-4, "{p}");
        let p = f.probability(ReasonCode::Blur, &output(0.9, 0.25), |_| 0.0);
        assert!((z(p) + z(0.25)).abs() < 1e-4, "{p}");
        assert_eq!(f.review_at, Some(0.3));
        assert_eq!(f.doubt_severity, None);
    }

    #[test]
    fn a_fusion_weighing_an_output_this_build_lacks_is_refused_by_name() {
        let mut card: serde_json::Value =
            serde_json::from_str(&card_json(VIEW_SIDE)).expect("json");
        card["fusion"]["reasons"]["noise"] = serde_json::json!({
            "bias": 0.0, "network": {"closed_eyes": 1.0}, "show_at": 0.6
        });
        let err = ModelCard::parse(&card.to_string()).expect_err("refused");
        assert!(err.0.contains("'closed_eyes'"), "{err}");
    }

    #[test]
    fn a_card_for_other_view_sizes_is_refused() {
        let err = ModelCard::parse(&card_json(VIEW_SIDE + 32)).expect_err("refused");
        assert!(err.0.contains("views"), "{err}");
    }
}
