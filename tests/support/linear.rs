//! Linear-light float images and the convolution primitives the defect generator is built on.
//!
//! Camera sensors count photons, so light adds up linearly: blur (light from one scene point spread
//! over many pixels), exposure (more or fewer photons) and flare (extra light scattered onto the
//! sensor) are linear operations on *linear* values. JPEG pixels are sRGB-encoded (roughly a 1/2.2
//! power), so every physical operation here decodes sRGB → linear f32, works, and encodes back.
//! Blurring encoded values instead would, for example, make a defocused street light far too dim
//! and its disk edges too dark.
//!
//! The kernels are written for speed in debug builds on two cores: box blurs and the disk
//! (pillbox) blur run on per-row prefix sums, so their cost does not grow with the kernel's area,
//! and rows are processed in parallel with rayon.

use image::RgbImage;
use rayon::prelude::*;
use std::sync::OnceLock;

/// Exact sRGB transfer function (IEC 61966-2-1), encoded `0..=1` → linear `0..=1`.
pub fn srgb_to_linear(v: f32) -> f32 {
    if v <= 0.040_45 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// Inverse sRGB transfer function, linear → encoded, clamping to `0..=1` first.
pub fn linear_to_srgb(v: f32) -> f32 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

fn decode_lut() -> &'static [f32; 256] {
    static LUT: OnceLock<[f32; 256]> = OnceLock::new();
    LUT.get_or_init(|| {
        let mut t = [0.0; 256];
        for (k, v) in t.iter_mut().enumerate() {
            *v = srgb_to_linear(k as f32 / 255.0);
        }
        t
    })
}

/// `THRESH[k]` is the linear value half-way (in code space) between codes `k` and `k + 1`; the
/// encoded code of a linear value is the number of thresholds at or below it. This rounds exactly
/// like `round(linear_to_srgb(v) * 255)` and makes decode → encode an exact identity.
fn encode_thresholds() -> &'static [f32; 255] {
    static T: OnceLock<[f32; 255]> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = [0.0; 255];
        for (k, v) in t.iter_mut().enumerate() {
            *v = srgb_to_linear((k as f32 + 0.5) / 255.0);
        }
        t
    })
}

/// sRGB code value → linear light (table lookup).
#[inline]
pub fn decode_u8(c: u8) -> f32 {
    decode_lut()[c as usize]
}

/// Linear light → sRGB code value, clipping at 0 and 1 (a value above 1 is "brighter than white"
/// and clips, as a saturated photosite does). NaN encodes as 0.
#[inline]
pub fn encode_u8(v: f32) -> u8 {
    encode_thresholds().partition_point(|&t| t <= v) as u8
}

/// Rec. 709 / sRGB luminance weights for linear RGB.
pub const LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// An RGB image in linear light: `f32` per channel, rows top to bottom, pixels interleaved
/// `r, g, b`. Nominal range `0..=1`; values above 1 are allowed between operations and clip only
/// when encoded back with [`LinearImage::to_srgb`].
#[derive(Debug, Clone, PartialEq)]
pub struct LinearImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` linear values.
    pub data: Vec<f32>,
}

impl LinearImage {
    /// A black image.
    pub fn new(width: u32, height: u32) -> Self {
        LinearImage {
            width,
            height,
            data: vec![0.0; width as usize * height as usize * 3],
        }
    }

    /// Decode an 8-bit sRGB image to linear light.
    pub fn from_srgb(img: &RgbImage) -> Self {
        let data = img.as_raw().par_iter().map(|&c| decode_u8(c)).collect();
        LinearImage {
            width: img.width(),
            height: img.height(),
            data,
        }
    }

    /// Encode back to 8-bit sRGB, clipping to `0..=1`.
    pub fn to_srgb(&self) -> RgbImage {
        let raw: Vec<u8> = self.data.par_iter().map(|&v| encode_u8(v)).collect();
        RgbImage::from_raw(self.width, self.height, raw)
            .expect("LinearImage buffer length matches its dimensions")
    }

    /// Linear luminance of every pixel, row-major.
    pub fn luminance(&self) -> Vec<f32> {
        self.data
            .chunks_exact(3)
            .map(|p| LUMA[0] * p[0] + LUMA[1] * p[1] + LUMA[2] * p[2])
            .collect()
    }

    /// Disk (pillbox) blur of radius `radius` px, see [`disk_blur`].
    pub fn disk_blurred(&self, radius: f32) -> Self {
        LinearImage {
            width: self.width,
            height: self.height,
            data: disk_blur(
                &self.data,
                self.width as usize,
                self.height as usize,
                3,
                radius,
            ),
        }
    }

    /// Approximate Gaussian blur of standard deviation `sigma` px, see [`gaussian_blur`].
    pub fn gaussian_blurred(&self, sigma: f32) -> Self {
        LinearImage {
            width: self.width,
            height: self.height,
            data: gaussian_blur(
                &self.data,
                self.width as usize,
                self.height as usize,
                3,
                sigma,
            ),
        }
    }
}

/// Transpose an interleaved `w × h` image with `ch` channels into `h × w`.
pub fn transpose(src: &[f32], w: usize, h: usize, ch: usize) -> Vec<f32> {
    let mut out = vec![0.0; src.len()];
    // Tiles keep both the reads and the writes cache-friendly.
    const T: usize = 32;
    for y0 in (0..h).step_by(T) {
        for x0 in (0..w).step_by(T) {
            for y in y0..(y0 + T).min(h) {
                for x in x0..(x0 + T).min(w) {
                    let s = (y * w + x) * ch;
                    let d = (x * h + y) * ch;
                    out[d..d + ch].copy_from_slice(&src[s..s + ch]);
                }
            }
        }
    }
    out
}

/// Prefix sums (f64) of one row after replicating its edge pixels `pad` times on each side.
/// `out[i * ch + c]` is the sum of padded pixels `0..i` of channel `c`.
/// Each row of `src` widened by `pad` pixels on both sides, repeating the edge pixels.
fn edge_padded_rows(src: &[f32], w: usize, ch: usize, pad: usize) -> Vec<Vec<f32>> {
    let pw = w + 2 * pad;
    src.par_chunks(w * ch)
        .map(|row| {
            let mut p = vec![0.0f32; pw * ch];
            for i in 0..pw {
                let x = i.saturating_sub(pad).min(w - 1);
                p[i * ch..(i + 1) * ch].copy_from_slice(&row[x * ch..(x + 1) * ch]);
            }
            p
        })
        .collect()
}

fn padded_prefix(row: &[f32], w: usize, ch: usize, pad: usize, out: &mut Vec<f64>) {
    out.clear();
    out.resize((w + 2 * pad + 1) * ch, 0.0);
    let mut acc = vec![0.0f64; ch];
    for i in 0..w + 2 * pad {
        let x = i.saturating_sub(pad).min(w - 1);
        for c in 0..ch {
            acc[c] += f64::from(row[x * ch + c]);
            out[(i + 1) * ch + c] = acc[c];
        }
    }
}

/// Horizontal box blur of radius `r` (window `2r + 1`), edges replicated.
fn box_blur_rows(src: &[f32], w: usize, h: usize, ch: usize, r: usize) -> Vec<f32> {
    if r == 0 || w == 0 {
        return src.to_vec();
    }
    let mut out = vec![0.0; src.len()];
    let norm = 1.0 / (2 * r + 1) as f64;
    out.par_chunks_mut(w * ch)
        .zip(src.par_chunks(w * ch))
        .take(h)
        .for_each_init(Vec::new, |prefix, (orow, srow)| {
            padded_prefix(srow, w, ch, r, prefix);
            for x in 0..w {
                // padded index of source x is x + r; window [x, x + 2r] in padded coordinates
                for c in 0..ch {
                    let s = prefix[(x + 2 * r + 1) * ch + c] - prefix[x * ch + c];
                    orow[x * ch + c] = (s * norm) as f32;
                }
            }
        });
    out
}

/// Separable 2-D box blur of radius `r`.
pub fn box_blur(src: &[f32], w: usize, h: usize, ch: usize, r: usize) -> Vec<f32> {
    let a = box_blur_rows(src, w, h, ch, r);
    let t = transpose(&a, w, h, ch);
    let b = box_blur_rows(&t, h, w, ch, r);
    transpose(&b, h, w, ch)
}

/// Approximate Gaussian blur: three successive box blurs whose combined variance matches
/// `sigma²` (each box of radius r has variance `r(r+1)/3`). Good to a few percent, and its cost
/// does not depend on `sigma`.
pub fn gaussian_blur(src: &[f32], w: usize, h: usize, ch: usize, sigma: f32) -> Vec<f32> {
    if sigma <= 0.0 {
        return src.to_vec();
    }
    // r(r+1) = sigma² for each of 3 passes  =>  r = (-1 + sqrt(1 + 4 sigma²)) / 2
    let r = ((-1.0 + (1.0 + 4.0 * sigma * sigma).sqrt()) / 2.0)
        .round()
        .max(1.0) as usize;
    let mut d = src.to_vec();
    for _ in 0..3 {
        d = box_blur(&d, w, h, ch, r);
    }
    d
}

/// One row of an anti-aliased disk: pixels `-n..=n` at full weight and the two pixels at `±(n+1)`
/// at weight `edge`; `n < 0` means only the centre pixel, at weight `edge`.
#[derive(Debug, Clone, Copy)]
struct Span {
    dy: isize,
    n: isize,
    edge: f32,
}

/// Disk (pillbox) blur of radius `radius` px, edges replicated.
///
/// A defocused lens images every scene point as a uniformly lit disk, the circle of confusion,
/// so defocus is a convolution with a normalised disk. Each kernel row is an interval whose
/// half-width is `sqrt(r² − dy²)`, with the partly covered end pixels weighted by their coverage,
/// so the result changes smoothly with a fractional radius. Cost per pixel is `O(radius)` thanks
/// to per-row prefix sums.
pub fn disk_blur(src: &[f32], w: usize, h: usize, ch: usize, radius: f32) -> Vec<f32> {
    if radius < 0.5 || w == 0 || h == 0 {
        return src.to_vec();
    }
    let ri = radius.floor() as isize;
    let mut spans = Vec::new();
    let mut total = 0.0f64;
    for dy in -ri..=ri {
        let hw = (radius * radius - (dy * dy) as f32).max(0.0).sqrt();
        let span = if hw < 0.5 {
            Span {
                dy,
                n: -1,
                edge: 2.0 * hw,
            }
        } else {
            let n = (hw - 0.5).floor();
            Span {
                dy,
                n: n as isize,
                edge: hw - (n + 0.5),
            }
        };
        if span.n < 0 {
            total += f64::from(span.edge);
        } else {
            total += (2 * span.n + 1) as f64 + 2.0 * f64::from(span.edge);
        }
        if span.n >= 0 || span.edge > 0.0 {
            spans.push(span);
        }
    }
    let pad = ri as usize + 2;
    // Padded prefix sums and padded copies of every source row.
    let prefixes: Vec<Vec<f64>> = src
        .par_chunks(w * ch)
        .map(|row| {
            let mut p = Vec::new();
            padded_prefix(row, w, ch, pad, &mut p);
            p
        })
        .collect();
    let padded = edge_padded_rows(src, w, ch, pad);
    let norm = 1.0 / total;
    let mut out = vec![0.0f32; src.len()];
    out.par_chunks_mut(w * ch)
        .enumerate()
        .for_each(|(y, orow)| {
            let mut acc = vec![0.0f64; w * ch];
            for s in &spans {
                let sy = (y as isize + s.dy).clamp(0, h as isize - 1) as usize;
                let pre = &prefixes[sy];
                let row = &padded[sy];
                let e = f64::from(s.edge);
                for x in 0..w {
                    let cx = (x + pad) as isize; // padded centre index
                    for c in 0..ch {
                        let mut v = 0.0;
                        if s.n >= 0 {
                            let lo = (cx - s.n) as usize;
                            let hi = (cx + s.n + 1) as usize;
                            v += pre[hi * ch + c] - pre[lo * ch + c];
                            if e > 0.0 {
                                let l = (cx - s.n - 1) as usize;
                                let r = (cx + s.n + 1) as usize;
                                v += e * f64::from(row[l * ch + c] + row[r * ch + c]);
                            }
                        } else {
                            v += e * f64::from(row[cx as usize * ch + c]);
                        }
                        acc[x * ch + c] += v;
                    }
                }
            }
            for (o, a) in orow.iter_mut().zip(&acc) {
                *o = (a * norm) as f32;
            }
        });
    out
}

/// Convolution with an arbitrary sparse kernel `taps = [(dx, dy, weight)]` (weights should sum
/// to 1), edges replicated. Cost is proportional to the number of taps.
pub fn sparse_convolve(
    src: &[f32],
    w: usize,
    h: usize,
    ch: usize,
    taps: &[(isize, isize, f32)],
) -> Vec<f32> {
    if w == 0 || h == 0 {
        return src.to_vec();
    }
    let pad = taps
        .iter()
        .map(|&(dx, _, _)| dx.unsigned_abs())
        .max()
        .unwrap_or(0);
    let padded = edge_padded_rows(src, w, ch, pad);
    let mut out = vec![0.0f32; src.len()];
    out.par_chunks_mut(w * ch)
        .enumerate()
        .for_each(|(y, orow)| {
            for &(dx, dy, wt) in taps {
                let sy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                let start = (pad as isize + dx) as usize * ch;
                let srow = &padded[sy][start..start + w * ch];
                for (o, s) in orow.iter_mut().zip(srow) {
                    *o += wt * s;
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_roundtrip_is_exact_for_all_codes() {
        for c in 0..=255u8 {
            assert_eq!(encode_u8(decode_u8(c)), c);
            let f = (linear_to_srgb(decode_u8(c)) * 255.0).round() as u8;
            assert_eq!(f, c);
        }
        assert_eq!(encode_u8(2.0), 255);
        assert_eq!(encode_u8(-1.0), 0);
        assert_eq!(encode_u8(f32::NAN), 0);
        // mid grey: 18 % linear reflectance encodes near code 118
        assert!((encode_u8(0.18) as i32 - 118).abs() <= 1);
    }

    fn impulse(w: usize, h: usize) -> Vec<f32> {
        let mut v = vec![0.0; w * h];
        v[(h / 2) * w + w / 2] = 1.0;
        v
    }

    #[test]
    fn disk_kernel_is_normalised_and_round() {
        let (w, h) = (61, 61);
        for r in [0.7f32, 3.0, 7.5, 12.0] {
            let out = disk_blur(&impulse(w, h), w, h, 1, r);
            let sum: f32 = out.iter().sum();
            assert!((sum - 1.0).abs() < 1e-4, "r={r} sum={sum}");
            // footprint area ~ pi r^2 and the kernel is flat inside
            let nonzero = out.iter().filter(|&&v| v > 1e-7).count() as f32;
            let area = std::f32::consts::PI * r * r;
            assert!(
                (nonzero - area).abs() < 2.0 * std::f32::consts::PI * r + 4.0,
                "r={r} nonzero={nonzero} area={area}"
            );
            let c = out[(h / 2) * w + w / 2];
            let inner = out[(h / 2) * w + w / 2 + (r / 2.0) as usize];
            assert!((c - inner).abs() < 1e-6);
        }
    }

    #[test]
    fn box_and_gaussian_preserve_mean_and_constants() {
        let (w, h) = (40, 30);
        let flat = vec![0.3f32; w * h * 3];
        for out in [
            box_blur(&flat, w, h, 3, 4),
            gaussian_blur(&flat, w, h, 3, 5.0),
            disk_blur(&flat, w, h, 3, 6.0),
        ] {
            assert!(out.iter().all(|&v| (v - 0.3).abs() < 1e-5));
        }
        let g = gaussian_blur(&impulse(81, 81), 81, 81, 1, 6.0);
        let sum: f32 = g.iter().sum();
        assert!((sum - 1.0).abs() < 1e-3);
        // variance along x close to sigma^2
        let var: f32 = g
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let dx = (i % 81) as f32 - 40.0;
                v * dx * dx
            })
            .sum();
        assert!((var.sqrt() - 6.0).abs() < 0.6, "sigma={}", var.sqrt());
    }

    #[test]
    fn transpose_roundtrip() {
        let (w, h) = (37, 19);
        let v: Vec<f32> = (0..w * h * 3).map(|i| i as f32).collect();
        let t = transpose(&v, w, h, 3);
        assert_eq!(t[3 * (5 * h + 2)], v[3 * (2 * w + 5)]);
        assert_eq!(transpose(&t, h, w, 3), v);
    }
}
