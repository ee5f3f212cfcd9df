use serde::{Deserialize, Serialize};

use crate::groups::ShotGroup;
use crate::judge::Sensitivities;
use crate::model::Device;
use crate::scan::{Outcome, ShotReport};

/// What the user chose for a library, shared by the app and the CLI: its folders, how strict each
/// reason is, and where the learned model runs. Stored as `settings.json` in the library's home.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The library folders, absolute; `cull watch` and the app watch every one.
    pub folders: Vec<String>,
    #[cfg_attr(feature = "ts", ts(type = "{ [key in ReasonCode]?: Sensitivity }"))]
    pub sensitivity: Sensitivities,
    pub device: Device,
    /// Write Cull's call into XMP sidecars other tools read, named as they expect; `None`
    /// (the default) writes none.
    pub xmp: Option<crate::xmp::SidecarNaming>,
}

impl Settings {
    /// Whether `path` lies in one of the library folders.
    pub fn in_library(&self, path: &std::path::Path) -> bool {
        self.folders.iter().any(|folder| path.starts_with(folder))
    }

    /// The report with its verdict re-decided under these sensitivities, and, when it lost to
    /// the best of its group, with the `duplicate` reason: what the app shows and what a clean-up
    /// acts on, from the CLI and the app alike.
    pub fn apply(&self, mut report: ShotReport, group: Option<&ShotGroup>) -> ShotReport {
        if let Outcome::Judged(judged) = &mut report.outcome {
            if let Some(reason) = group.and_then(ShotGroup::reason) {
                judged.reasons.retain(|r| r.code != reason.code);
                judged.reasons.push(reason);
            }
            let (score, verdict) = judged.decide(&self.sensitivity);
            judged.score = score;
            judged.verdict = verdict;
        }
        report
    }
}
