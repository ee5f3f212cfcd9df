//! Simple image measurements used to check that a generated defect really has the property it
//! claims (and available to black-box tests that want to sanity-check their inputs).
//!
//! "Luma" below means Rec. 709-weighted sRGB-*encoded* values in `0..=1` (what a viewer sees, and
//! what sharpness and block-edge measures should look at); "luminance" means the same weights on
//! *linear* values (what exposure and flare change).

use crate::linear::{decode_u8, LUMA};
use crate::Rect;
use image::RgbImage;

/// Encoded luma of every pixel, row-major, `0..=1`.
pub fn luma(img: &RgbImage) -> Vec<f32> {
    img.pixels()
        .map(|p| {
            (LUMA[0] * f32::from(p[0]) + LUMA[1] * f32::from(p[1]) + LUMA[2] * f32::from(p[2]))
                / 255.0
        })
        .collect()
}

/// Linear luminance of every pixel, row-major, `0..=1`.
pub fn linear_luminance(img: &RgbImage) -> Vec<f32> {
    img.pixels()
        .map(|p| LUMA[0] * decode_u8(p[0]) + LUMA[1] * decode_u8(p[1]) + LUMA[2] * decode_u8(p[2]))
        .collect()
}

/// Mean linear luminance.
pub fn mean_linear_luminance(img: &RgbImage) -> f64 {
    let l = linear_luminance(img);
    l.iter().map(|&v| f64::from(v)).sum::<f64>() / l.len().max(1) as f64
}

/// The `p`-th percentiles (`0..=100`) of `values`.
pub fn percentiles(values: &[f32], ps: &[f32]) -> Vec<f32> {
    let mut v: Vec<f32> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return vec![f32::NAN; ps.len()];
    }
    v.sort_unstable_by(f32::total_cmp);
    ps.iter()
        .map(|&p| {
            let i = ((p / 100.0).clamp(0.0, 1.0) * (v.len() - 1) as f32).round() as usize;
            v[i]
        })
        .collect()
}

/// Mean squared horizontal and vertical luma differences `(ex, ey)` over pixel pairs that lie
/// entirely inside `rect` (the whole image when `None`). A sharpness proxy: blur lowers it, noise
/// raises it.
pub fn gradient_energy(img: &RgbImage, rect: Option<Rect>) -> (f64, f64) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let r = rect
        .unwrap_or(Rect::new(0, 0, img.width(), img.height()))
        .clamped(img.width(), img.height());
    let l = luma(img);
    let (x0, y0) = (r.x as usize, r.y as usize);
    let (x1, y1) = (x0 + r.width as usize, y0 + r.height as usize);
    let (mut ex, mut nx, mut ey, mut ny) = (0.0f64, 0usize, 0.0f64, 0usize);
    for y in y0..y1.min(h) {
        for x in x0..x1.min(w) {
            let v = l[y * w + x];
            if x + 1 < x1 {
                let d = f64::from(l[y * w + x + 1] - v);
                ex += d * d;
                nx += 1;
            }
            if y + 1 < y1 {
                let d = f64::from(l[(y + 1) * w + x] - v);
                ey += d * d;
                ny += 1;
            }
        }
    }
    (ex / nx.max(1) as f64, ey / ny.max(1) as f64)
}

/// Sum of both components of [`gradient_energy`].
pub fn total_gradient_energy(img: &RgbImage, rect: Option<Rect>) -> f64 {
    let (x, y) = gradient_energy(img, rect);
    x + y
}

/// Immerkær's fast noise estimate (σ of additive white noise, in encoded luma units `0..=1`):
/// the image is filtered with a Laplacian-difference mask that cancels smooth structure, and the
/// mean absolute response is scaled to a standard deviation. Real edges bias it upward a little,
/// so compare before/after rather than reading absolute values.
pub fn noise_sigma(img: &RgbImage) -> f64 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let l = luma(img);
    let mut sum = 0.0f64;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let p = |dx: isize, dy: isize| {
                f64::from(l[(y as isize + dy) as usize * w + (x as isize + dx) as usize])
            };
            let v = p(-1, -1) - 2.0 * p(0, -1) + p(1, -1) - 2.0 * p(-1, 0) + 4.0 * p(0, 0)
                - 2.0 * p(1, 0)
                + p(-1, 1)
                - 2.0 * p(0, 1)
                + p(1, 1);
            sum += v.abs();
        }
    }
    (std::f64::consts::PI / 2.0).sqrt() * sum / (6.0 * (w - 2) as f64 * (h - 2) as f64)
}

/// JPEG blockiness: mean absolute luma step across the vertical and horizontal 8×8 block
/// boundaries divided by the mean step everywhere else. About 1.0 for a natural image; clearly
/// above 1 when the DCT blocks of a low-quality JPEG show.
pub fn blockiness(img: &RgbImage) -> f64 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let l = luma(img);
    let (mut edge, mut ne, mut inner, mut ni) = (0.0f64, 0usize, 0.0f64, 0usize);
    for y in 0..h {
        for x in 0..w {
            let v = l[y * w + x];
            if x + 1 < w {
                let d = f64::from((l[y * w + x + 1] - v).abs());
                if (x + 1) % 8 == 0 {
                    edge += d;
                    ne += 1;
                } else {
                    inner += d;
                    ni += 1;
                }
            }
            if y + 1 < h {
                let d = f64::from((l[(y + 1) * w + x] - v).abs());
                if (y + 1) % 8 == 0 {
                    edge += d;
                    ne += 1;
                } else {
                    inner += d;
                    ni += 1;
                }
            }
        }
    }
    (edge / ne.max(1) as f64) / (inner / ni.max(1) as f64).max(1e-9)
}

/// Fraction of pixels with at least one channel at 255.
pub fn clipped_fraction(img: &RgbImage) -> f64 {
    let n = img.pixels().filter(|p| p.0.contains(&255)).count();
    n as f64 / (img.width() as f64 * img.height() as f64).max(1.0)
}

/// Crop of `img` to `rect` (clamped to the image).
/// The largest per-channel difference between two images of the same size, in 8-bit levels.
pub fn max_abs_diff(a: &RgbImage, b: &RgbImage) -> i32 {
    a.as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&p, &q)| (i32::from(p) - i32::from(q)).abs())
        .max()
        .unwrap_or(0)
}

pub fn crop(img: &RgbImage, rect: Rect) -> RgbImage {
    let r = rect.clamped(img.width(), img.height());
    image::imageops::crop_imm(img, r.x, r.y, r.width, r.height).to_image()
}
