//! The model card shipped next to the ONNX file: how inputs are prepared, what the outputs mean
//! and the decision threshold per reason chosen on the validation split. A card that does not
//! match this build's preprocessing is refused, so a stale model can never be fed wrong inputs.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::input::{FEATURE_NAMES, VIEW_COUNT, VIEW_SIDE};
use super::ModelError;
use crate::judge::ReasonCode;

/// The probability outputs, in order: the eight reason codes, then "good" (no defect).
pub fn reason_outputs() -> Vec<&'static str> {
    ReasonCode::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(["good"])
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
    /// Probability at which each reason counts as present.
    pub thresholds: BTreeMap<String, f32>,
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
        if self.outputs.iter().map(String::as_str).ne(reason_outputs()) {
            return Err(ModelError(
                "the model's outputs are not the 8 reasons + good".into(),
            ));
        }
        Ok(())
    }

    pub fn threshold(&self, code: ReasonCode) -> f32 {
        self.thresholds.get(code.as_str()).copied().unwrap_or(0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card_json(view_side: u32) -> String {
        serde_json::json!({
            "name": "cull-judge", "version": "1", "view_side": view_side, "view_count": VIEW_COUNT,
            "features": FEATURE_NAMES, "outputs": reason_outputs(), "embedding_size": 1280,
            "thresholds": {"blur": 0.4}
        })
        .to_string()
    }

    #[test]
    fn a_matching_card_parses_and_unlisted_thresholds_default_to_a_half() {
        let card = ModelCard::parse(&card_json(VIEW_SIDE)).expect("parse");
        assert_eq!(card.threshold(ReasonCode::Blur), 0.4);
        assert_eq!(card.threshold(ReasonCode::Noise), 0.5);
    }

    #[test]
    fn a_card_for_other_view_sizes_is_refused() {
        let err = ModelCard::parse(&card_json(VIEW_SIDE + 32)).expect_err("refused");
        assert!(err.0.contains("views"), "{err}");
    }
}
