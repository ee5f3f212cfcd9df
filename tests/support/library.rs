//! A labelled library of real photos with generated defects and legitimate looks, written to
//! disk for the black-box tests, the accuracy report and demos.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::degrade::{jpeg_artifacts, Transform};
use crate::fixtures::{fixture_photos, load_photo, write_jpeg};

/// What a generated file is expected to be judged as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub path: PathBuf,
    pub photo: String,
    /// `None` for the untouched photo and hard goods (expected clean); otherwise the reason
    /// code Cull must report.
    pub expected_code: Option<&'static str>,
    /// The transform name, or `"original"`.
    pub transform: &'static str,
}

/// Photos among the committed fixtures that are themselves defective and so cannot serve as
/// clean sources.
pub const REAL_DEFECTS: &[(&str, &str)] = &[("clock_motion_blur", "motion_blur")];

/// The reason code a defect transform must produce.
pub fn expected_code(t: &Transform) -> Option<&'static str> {
    match t {
        Transform::Underexpose(_) => Some("underexposed"),
        Transform::Overexpose(_) => Some("overexposed"),
        Transform::Defocus(_) => Some("blur"),
        Transform::MotionBlur(..) => Some("motion_blur"),
        Transform::Noise(_) => Some("noise"),
        Transform::Jpeg(_) => Some("jpeg_artifacts"),
        Transform::LensFlare => Some("lens_flare"),
        Transform::LowContrast(_) => Some("low_contrast"),
        Transform::ShallowDof(_) | Transform::LowKey | Transform::HighKey | Transform::Fog => None,
    }
}

/// Writes every clean committed photo untouched, with each of [`Transform::defects`] and with
/// each of [`Transform::hard_goods`] into `dir` (JPEG quality 92; the JPEG defect keeps its own
/// low-quality encoding). Returns the labels.
pub fn labelled_library(dir: &Path) -> image::ImageResult<Vec<Labelled>> {
    std::fs::create_dir_all(dir)?;
    let sources: Vec<PathBuf> = fixture_photos()
        .into_iter()
        .filter(|p| {
            let stem = p.file_stem().map(|s| s.to_string_lossy().to_string());
            !REAL_DEFECTS
                .iter()
                .any(|(name, _)| Some(name.to_string()) == stem)
        })
        .collect();
    let transforms: Vec<Transform> = Transform::defects()
        .into_iter()
        .chain(Transform::hard_goods())
        .collect();
    let jobs: Vec<(PathBuf, Option<Transform>)> = sources
        .iter()
        .flat_map(|p| {
            std::iter::once((p.clone(), None))
                .chain(transforms.iter().map(move |t| (p.clone(), Some(*t))))
        })
        .collect();
    jobs.par_iter()
        .enumerate()
        .map(|(seed, (source, transform))| {
            let photo = source
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            let img = load_photo(&photo);
            let name = transform.as_ref().map_or("original", |t| t.name());
            let path = dir.join(format!("{photo}__{name}.jpg"));
            match transform {
                Some(Transform::Jpeg(q)) => std::fs::write(&path, jpeg_artifacts(&img, *q)?)?,
                Some(t) => write_jpeg(&path, &t.apply(&img, seed as u64)?, 92)?,
                None => write_jpeg(&path, &img, 92)?,
            }
            Ok(Labelled {
                path,
                photo,
                expected_code: transform.as_ref().and_then(expected_code),
                transform: name,
            })
        })
        .collect()
}
