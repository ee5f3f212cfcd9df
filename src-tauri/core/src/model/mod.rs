//! The learned judge: a small network that looks at a few views of the photo plus the detectors'
//! numbers and says, per reason code, how likely that defect is, and gives an embedding of the
//! whole frame for finding bursts and duplicates.
//!
//! The network sits behind the [`Model`] trait so the scan never cares where probabilities come
//! from: [`OnnxModel`] runs the shipped ONNX file through ONNX Runtime (loaded once, lazily, on the
//! chosen device with a CPU fallback), and tests can hand the scan any other implementation.

mod card;
pub mod faces;
mod input;
mod onnx;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use card::{reason_outputs, Fusion, FusionReason, ModelCard, GOOD_OUTPUT, LOGIT_CLAMP};
pub use faces::{Eyes, Face, FaceFinder, OnnxFaces};
pub use input::{features, views, ModelInput, FEATURE_COUNT, FEATURE_NAMES, VIEW_COUNT, VIEW_SIDE};
pub use onnx::{onnx_runtime_library, Device, OnnxModel};

use crate::judge::ReasonCode;

/// Which model judged a shot: printed on every `cull scan --json` line and kept in the cache.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    /// The confidence its reasons need to decide a `reject` (the card's `fusion.reject_at`), kept
    /// with the verdict so a change of sensitivity re-decides it by the same bar. Verdicts cached
    /// before the bar was per model read back with the fixed bar of that time.
    #[serde(default = "crate::judge::sure_confidence")]
    pub reject_at: f32,
}

/// What the model says about one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOutput {
    /// Probability of each defect, in [`ReasonCode::LEARNED`] order.
    pub probabilities: [f32; 8],
    /// Probability that the photo has none of the defects.
    pub quality: f32,
    /// Unit-length embedding of the whole frame.
    pub embedding: Vec<f32>,
}

impl ModelOutput {
    pub fn probability(&self, code: ReasonCode) -> f32 {
        ReasonCode::LEARNED
            .iter()
            .position(|c| *c == code)
            .map_or(0.0, |i| self.probabilities[i])
    }

    /// The probability of the output called `name`: a reason code or [`GOOD_OUTPUT`].
    pub fn named(&self, name: &str) -> Option<f32> {
        if name == GOOD_OUTPUT {
            return Some(self.quality);
        }
        ReasonCode::from_name(name).map(|c| self.probability(c))
    }
}

/// Why the model could not judge. The scan then falls back to the measured verdicts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("learned model unavailable: {0}")]
pub struct ModelError(pub String);

/// A learned judge. Implementations load themselves on first use and are shared by every scan
/// worker.
pub trait Model: Send + Sync {
    fn info(&self) -> ModelInfo;
    /// The card the model was exported with (decision thresholds per reason).
    fn card(&self) -> &ModelCard;
    /// Judges a batch; the outputs are in input order.
    fn infer(&self, batch: &[ModelInput]) -> Result<Vec<ModelOutput>, ModelError>;
    /// A one-line account of where the model runs (device, fallback), once it has loaded.
    fn runtime_note(&self) -> Option<String> {
        None
    }
    /// The face finder shipped beside the model, which every scan with the model runs too.
    fn faces(&self) -> Option<&dyn FaceFinder> {
        None
    }
}

/// A shareable handle, so scan options stay `Clone` and `Debug`.
#[derive(Clone)]
pub struct ModelHandle(pub Arc<dyn Model>);

impl fmt::Debug for ModelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.0.info();
        write!(f, "ModelHandle({} {})", info.name, info.version)
    }
}

impl std::ops::Deref for ModelHandle {
    type Target = dyn Model;
    fn deref(&self) -> &Self::Target {
        self.0.as_ref()
    }
}
