//! Shared helpers for Cull's black-box tests and benchmarks.
//!
//! * [`fixtures`]: where the real test photographs are (committed ones in `tests/fixtures/photos`,
//!   larger or non-redistributable ones in the cache filled by `tests/fixtures/fetch.sh`), and
//!   JPEG writing.
//! * [`degrade`]: a deterministic, physically motivated defect generator (exposure, defocus,
//!   motion blur, sensor noise, JPEG artifacts, lens flare, low contrast) and "hard good"
//!   transforms that must *not* be flagged (shallow depth of field, low-key, high-key, fog).
//! * [`linear`]: sRGB ↔ linear-light conversion and the blur kernels underneath.
//! * [`bursts`]: a labelled library of real bursts, copies, brackets and look-alikes, and its
//!   pair scores per group kind.
//! * [`camera_exif`]: camera EXIF (capture time, exposure) written into generated JPEGs.
//! * [`metrics`]: simple measurements (gradient energy, percentiles, noise σ, blockiness) used
//!   to check that the generated defects have the properties they claim.
//!
//! Everything commonly needed is re-exported at the crate root:
//!
//! ```no_run
//! use cull_tests::{defocus, load_photo, write_jpeg, Transform};
//! let img = load_photo("astronaut");
//! write_jpeg(std::path::Path::new("/tmp/soft.jpg"), &defocus(&img, 6.0), 92)?;
//! for t in Transform::defects() {
//!     let bad = t.apply(&img, 42)?;
//!     # let _ = bad;
//! }
//! # Ok::<(), image::ImageError>(())
//! ```

pub mod bursts;
pub mod camera_exif;
pub mod cli;
pub mod degrade;
pub mod fixtures;
pub mod library;
pub mod linear;
pub mod metrics;
pub mod training;

pub use camera_exif::{jpeg_with_exif, with_app1, write_jpeg_with_exif, CameraExif};
pub use cli::{cull, cull_bin, sandbox, scan_json, succeeds, Sandbox, ScanRun};
pub use degrade::{
    decode_jpeg, default_subject, defocus, exposure, fog, high_key, jpeg_artifacts, jpeg_roundtrip,
    lens_flare, line_kernel, low_contrast, low_key, low_key_around, motion_blur, noise, overexpose,
    shallow_dof, underexpose, upscale_to, Transform,
};
pub use fixtures::{
    cached_fixture, cached_fixtures, decode_image, encode_jpeg, fixture_cache_dir, fixture_photos,
    fixture_photos_dir, load_photo, manifest_dir, require_fetched, write_jpeg,
};
pub use library::{expected_code, labelled_library, Labelled, REAL_DEFECTS};
pub use linear::LinearImage;

/// An axis-aligned pixel rectangle (e.g. the subject of [`shallow_dof`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge (inclusive).
    pub x: u32,
    /// Top edge (inclusive).
    pub y: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Rect {
    /// A rectangle from its top-left corner and size.
    pub fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    /// The centred rectangle covering `fw` of the width and `fh` of the height of a
    /// `img_w × img_h` image (fractions in `0..=1`).
    pub fn centered(img_w: u32, img_h: u32, fw: f32, fh: f32) -> Self {
        let w = ((img_w as f32 * fw.clamp(0.0, 1.0)).round() as u32).min(img_w);
        let h = ((img_h as f32 * fh.clamp(0.0, 1.0)).round() as u32).min(img_h);
        Rect::new((img_w - w) / 2, (img_h - h) / 2, w, h)
    }

    /// This rectangle intersected with a `w × h` image.
    pub fn clamped(self, w: u32, h: u32) -> Self {
        let x = self.x.min(w);
        let y = self.y.min(h);
        Rect::new(x, y, self.width.min(w - x), self.height.min(h - y))
    }

    /// Whether pixel `(px, py)` lies inside.
    pub fn contains(&self, px: u32, py: u32) -> bool {
        px >= self.x
            && py >= self.y
            && u64::from(px) < u64::from(self.x) + u64::from(self.width)
            && u64::from(py) < u64::from(self.y) + u64::from(self.height)
    }
}

/// This process's peak resident memory in MiB (Linux `VmHWM`), for the benchmarks; `None` where
/// the kernel does not say.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_helpers() {
        let r = Rect::centered(600, 400, 0.5, 0.5);
        assert_eq!(r, Rect::new(150, 100, 300, 200));
        assert!(r.contains(150, 100) && !r.contains(450, 100));
        assert_eq!(
            Rect::new(500, 350, 300, 300).clamped(600, 400),
            Rect::new(500, 350, 100, 50)
        );
    }
}
