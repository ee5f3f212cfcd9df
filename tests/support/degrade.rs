//! Synthetic photo defects, and "hard good" transforms that look unusual but are legitimate.
//!
//! Every function takes an 8-bit sRGB [`RgbImage`] and is deterministic (those with randomness
//! take a `seed`). Operations that model light work in **linear light**: sRGB is decoded to linear
//! `f32`, the operation runs, and the result is encoded again (see [`crate::linear`]). Tonal
//! "edits" that model a photographer's or viewer's choice work on encoded values, and say so.
//!
//! # Defects (a culling tool should flag these)
//!
//! * **Under/over-exposure** ([`underexpose`], [`overexpose`], [`exposure`]): the sensor collected
//!   `2^stops` times more or fewer photons. That is a linear gain on linear values; anything pushed
//!   past the photosite's full well clips at 1.0 (white, per channel, so bright colours also shift
//!   toward white).
//! * **Defocus** ([`defocus`]): a lens focused at the wrong distance images each scene point as a
//!   uniformly lit disk, the circle of confusion. Its intensity profile is a pillbox, not a
//!   Gaussian, which is why out-of-focus highlights become hard-edged disks ("bokeh balls").
//! * **Motion blur** ([`motion_blur`]): the camera moves during the exposure, so each point is
//!   smeared along the path it traced across the sensor. A straight line at constant speed is the
//!   simplest model of camera shake: a normalised line kernel of the given length and angle.
//! * **Sensor noise** ([`noise`]): photon arrival is a Poisson process, so shot noise has variance
//!   equal to the signal (in electrons): brighter pixels are noisier in absolute terms but cleaner
//!   relative to their level. Read-out adds signal-independent Gaussian noise. Raising ISO
//!   amplifies fewer electrons, so both grow relative to the signal. Demosaicing and the camera's
//!   colour matrix turn per-photosite noise into low-frequency colour blotches (chroma noise).
//! * **JPEG artifacts** ([`jpeg_artifacts`]): re-encoding at low quality quantises each 8×8 block's
//!   DCT coefficients coarsely, leaving visible block edges, ringing near edges and banding.
//! * **Lens flare / veiling glare** ([`lens_flare`]): a bright source in or near the frame scatters
//!   light inside the lens (surface reflections, dirt, coating imperfections). The scattered light
//!   is *added*: a near-saturated source blob, a wide low-frequency glow that lifts the shadows
//!   (contrast loss strongest near the source) and faint ghost images of the aperture along the
//!   line from the source through the optical centre.
//! * **Low contrast** ([`low_contrast`]): flat, washed-out tones; the tonal range is compressed
//!   toward the mean, as a flat-light scene or a botched contrast edit produces.
//!
//! # Hard goods (legitimate photos; a culling tool must *not* flag these)
//!
//! * [`shallow_dof`]: a sharp subject against a strongly defocused background (portrait/macro
//!   bokeh). Global sharpness is low, but the subject is sharp.
//! * [`low_key`], [`low_key_around`]: a dark, moody frame whose subject is still correctly exposed.
//!   Mean brightness is low, but nothing important is underexposed.
//! * [`high_key`]: a bright, airy frame with most tones between 0.75 and 0.95 (encoded) but nothing
//!   clipped and local detail kept. Mean brightness is high, but it is not overexposed.
//! * [`fog`]: atmospheric haze growing with distance (toward the top of the frame, as in most
//!   landscapes), while the foreground keeps its contrast. Global contrast is low, but the photo is
//!   not defective.
//!
//! [`Transform`] lists all of them as values, for table-driven tests.

use crate::fixtures::{decode_image, encode_jpeg};
use crate::linear::{gaussian_blur, sparse_convolve, LinearImage, LUMA};
use crate::Rect;
use image::imageops::FilterType;
use image::{ImageResult, RgbImage};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::collections::BTreeMap;

fn map_linear(img: &RgbImage, f: impl Fn(&mut LinearImage)) -> RgbImage {
    let mut lin = LinearImage::from_srgb(img);
    f(&mut lin);
    lin.to_srgb()
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

// ------------------------------------------------------------------------------------- exposure

/// Change exposure by `stops` (positive: brighter, negative: darker): multiply linear values by
/// `2^stops`, clipping at 1.0.
pub fn exposure(img: &RgbImage, stops: f32) -> RgbImage {
    let gain = 2f32.powf(stops);
    map_linear(img, |l| l.data.par_iter_mut().for_each(|v| *v *= gain))
}

/// Underexpose by `stops` (≥ 0): linear gain `2^-stops`. Two stops quarter the mean linear
/// luminance.
pub fn underexpose(img: &RgbImage, stops: f32) -> RgbImage {
    exposure(img, -stops.abs())
}

/// Overexpose by `stops` (≥ 0): linear gain `2^stops`, clipped at 1.0 (blown highlights).
pub fn overexpose(img: &RgbImage, stops: f32) -> RgbImage {
    exposure(img, stops.abs())
}

// ----------------------------------------------------------------------------------------- blur

/// Defocus: convolve in linear light with an anti-aliased disk (pillbox) of radius `radius_px`
/// (the circle of confusion). Radius 2–3 px is "soft", 6–12 px clearly out of focus at 1200 px.
pub fn defocus(img: &RgbImage, radius_px: f32) -> RgbImage {
    map_linear(img, |l| *l = l.disk_blurred(radius_px))
}

/// Deposits `weight` at the sub-pixel point (x, y), shared bilinearly among its four
/// neighbouring taps. The map is ordered, so weights later sum in the same order every run
/// (bit-reproducible kernels).
fn splat(acc: &mut BTreeMap<(isize, isize), f32>, x: f32, y: f32, weight: f32) {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as isize, y0 as isize);
    for (dx, dy, f) in [
        (0, 0, (1.0 - fx) * (1.0 - fy)),
        (1, 0, fx * (1.0 - fy)),
        (0, 1, (1.0 - fx) * fy),
        (1, 1, fx * fy),
    ] {
        if f > 0.0 {
            *acc.entry((x0 + dx, y0 + dy)).or_insert(0.0) += weight * f;
        }
    }
}

/// Sparse line kernel `[(dx, dy, w)]`: `length_px` long, centred, at `angle_deg` counter-clockwise
/// from the +x axis (image y points down, so 90° is vertical). Built by depositing bilinear weights
/// from points spaced 0.25 px along the segment, so fractional lengths and any angle are smooth.
pub fn line_kernel(length_px: f32, angle_deg: f32) -> Vec<(isize, isize, f32)> {
    if length_px < 1.0 {
        return vec![(0, 0, 1.0)];
    }
    let (s, c) = angle_deg.to_radians().sin_cos();
    let n = (length_px * 4.0).ceil() as usize + 1;
    let mut acc = BTreeMap::new();
    for i in 0..n {
        let t = (i as f32 / (n - 1) as f32 - 0.5) * (length_px - 1.0);
        splat(&mut acc, t * c, -t * s, 1.0);
    }
    let total: f32 = acc.values().sum();
    let mut taps: Vec<(isize, isize, f32)> = acc
        .into_iter()
        .filter(|&(_, w)| w > 1e-6 * total)
        .map(|((dx, dy), w)| (dx, dy, w / total))
        .collect();
    taps.sort_by_key(|a| (a.1, a.0));
    taps
}

/// Camera-shake motion blur: convolve in linear light with a straight line kernel of
/// `length_px` at `angle_deg` (0° horizontal, 90° vertical). See [`line_kernel`].
pub fn motion_blur(img: &RgbImage, length_px: f32, angle_deg: f32) -> RgbImage {
    let taps = line_kernel(length_px, angle_deg);
    map_linear(img, |l| {
        l.data = sparse_convolve(&l.data, l.width as usize, l.height as usize, 3, &taps);
    })
}

/// A hand-held camera-shake path rather than a straight line: a random walk with momentum whose
/// total length is about `length_px`, rasterised with bilinear weights and normalised. Real shake
/// kernels (as recorded by Levin et al.'s and Köhler et al.'s benchmarks) curve and dwell, so their
/// blur is uneven along the path; [`line_kernel`] is the idealised version.
pub fn shake_kernel(length_px: f32, seed: u64) -> Vec<(isize, isize, f32)> {
    let mut rng = SmallRng::seed_from_u64(mix_seed(seed, 0x5AA4E));
    let steps = (length_px * 4.0).ceil().max(4.0) as usize;
    let step = length_px / steps as f32;
    let mut heading: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
    let mut turn = 0.0f32;
    let (mut x, mut y) = (0.0f32, 0.0f32);
    let mut points = Vec::with_capacity(steps + 1);
    points.push((x, y, 1.0f32));
    for _ in 0..steps {
        // Momentum on the turn rate gives smooth curves; the speed varies, and slow stretches
        // leave more light behind (heavier weights), as a real exposure does.
        turn = 0.85 * turn + rng.gen_range(-0.35..0.35);
        heading += turn;
        let speed: f32 = rng.gen_range(0.3..1.7);
        x += step * speed * heading.cos();
        y += step * speed * heading.sin();
        points.push((x, y, 1.0 / speed));
    }
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0, b + p.1));
    let (mx, my) = (mx / points.len() as f32, my / points.len() as f32);
    let mut acc = BTreeMap::new();
    for (px, py, w) in points {
        splat(&mut acc, px - mx, py - my, w);
    }
    let total: f32 = acc.values().sum();
    let mut taps: Vec<(isize, isize, f32)> = acc
        .into_iter()
        .map(|((dx, dy), w)| (dx, dy, w / total))
        .collect();
    taps.sort_by_key(|a| (a.1, a.0));
    taps
}

/// A second, differently made shake path, kept out of training so the report can say how the
/// model does on a shake generator it never saw. Where [`shake_kernel`] is a random walk with
/// momentum, this is physiological tremor: each axis is a sum of two or three sinusoids of random
/// frequency, phase and amplitude plus a slow drift, sampled at an even clock, so the path dwells
/// at its turning points and the blur has the ghosted, double-image look of a hand that shook
/// back and forth during the exposure. `length_px` is the path's approximate total length.
pub fn tremor_kernel(length_px: f32, seed: u64) -> Vec<(isize, isize, f32)> {
    let mut rng = SmallRng::seed_from_u64(mix_seed(seed, 0x7E3B0));
    let waves: Vec<[f32; 6]> = (0..rng.gen_range(2..=3))
        .map(|_| {
            [
                rng.gen_range(0.5..3.0),                   // cycles per exposure
                rng.gen_range(0.0..std::f32::consts::TAU), // phase
                rng.gen_range(0.2..1.0),                   // x amplitude
                rng.gen_range(0.2..1.0),                   // y amplitude
                rng.gen_range(0.0..std::f32::consts::TAU), // x/y phase offset
                0.0,
            ]
        })
        .collect();
    let drift = (rng.gen_range(-0.5f32..0.5), rng.gen_range(-0.5f32..0.5));
    let steps = (length_px * 6.0).ceil().max(8.0) as usize;
    let path: Vec<(f32, f32)> = (0..=steps)
        .map(|i| {
            let t = i as f32 / steps as f32;
            let (mut x, mut y) = (drift.0 * t, drift.1 * t);
            for w in &waves {
                let a = std::f32::consts::TAU * w[0] * t + w[1];
                x += w[2] * a.sin();
                y += w[3] * (a + w[4]).sin();
            }
            (x, y)
        })
        .collect();
    // Scale the unit-free path to the asked length.
    let raw: f32 = path
        .windows(2)
        .map(|p| ((p[1].0 - p[0].0).powi(2) + (p[1].1 - p[0].1).powi(2)).sqrt())
        .sum();
    let k = length_px / raw.max(1e-3);
    let (mx, my) = path.iter().fold((0.0, 0.0), |(a, b), p| (a + p.0, b + p.1));
    let (mx, my) = (mx / path.len() as f32, my / path.len() as f32);
    let mut acc = BTreeMap::new();
    for (x, y) in path {
        splat(&mut acc, (x - mx) * k, (y - my) * k, 1.0);
    }
    let total: f32 = acc.values().sum();
    let mut taps: Vec<(isize, isize, f32)> = acc
        .into_iter()
        .map(|((dx, dy), w)| (dx, dy, w / total))
        .collect();
    taps.sort_by_key(|a| (a.1, a.0));
    taps
}

/// Camera shake along a tremor path (see [`tremor_kernel`]), in linear light.
pub fn tremor_shake(img: &RgbImage, length_px: f32, seed: u64) -> RgbImage {
    let taps = tremor_kernel(length_px, seed);
    map_linear(img, |l| {
        l.data = sparse_convolve(&l.data, l.width as usize, l.height as usize, 3, &taps);
    })
}

/// Camera shake along a random curved path (see [`shake_kernel`]), in linear light.
pub fn camera_shake(img: &RgbImage, length_px: f32, seed: u64) -> RgbImage {
    let taps = shake_kernel(length_px, seed);
    map_linear(img, |l| {
        l.data = sparse_convolve(&l.data, l.width as usize, l.height as usize, 3, &taps);
    })
}

// ---------------------------------------------------------------------------------------- noise

fn mix_seed(seed: u64, k: u64) -> u64 {
    // splitmix64 finaliser: decorrelates per-row streams.
    let mut z = seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Standard normal samples by Box–Muller, using both values of each pair.
struct Gauss {
    rng: SmallRng,
    spare: Option<f32>,
}

impl Gauss {
    fn new(seed: u64) -> Self {
        Gauss {
            rng: SmallRng::seed_from_u64(seed),
            spare: None,
        }
    }

    fn sample(&mut self) -> f32 {
        if let Some(v) = self.spare.take() {
            return v;
        }
        // 1 - u keeps the logarithm finite.
        let u1: f32 = 1.0 - self.rng.gen::<f32>();
        let u2: f32 = self.rng.gen();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f32::consts::TAU * u2).sin_cos();
        self.spare = Some(r * s);
        r * c
    }

    /// Poisson sample by Knuth's multiplication method (meant for small `lambda`).
    fn poisson_small(&mut self, lambda: f32) -> f32 {
        let l = (-lambda).exp();
        let mut k = 0u32;
        let mut p = 1.0f32;
        loop {
            p *= self.rng.gen::<f32>();
            if p <= l {
                return k as f32;
            }
            k += 1;
        }
    }
}

/// Photo-electrons collected per unit linear signal at `iso_like_strength` 1 (a full-frame
/// sensor's full well at base ISO).
const FULL_WELL_E: f32 = 30_000.0;

/// Signal-dependent Poisson–Gaussian sensor noise in linear light, plus low-frequency chroma
/// noise. `iso_like_strength` is roughly ISO/100: 1 ≈ base ISO (invisible), 16 ≈ ISO 1600
/// (visible in shadows), 64 ≈ ISO 6400 (heavy), 256 extreme. Deterministic for a given `seed`.
///
/// Model: each channel value `x` becomes `Poisson(x·k)/k + N(0, σ_read²)` with
/// `k = 30000 / strength` electrons per unit signal and `σ_read = 1e-4 · strength` (above 30
/// electrons the Poisson term is drawn as its normal approximation); then a chroma field
/// (independent Gaussian noise for R and B on a 4 px grid, bilinearly interpolated, amplitude
/// up to 0.4 × the local luminance noise σ) is added. About 0.2 s per megapixel on 2 cores in a
/// debug (opt-level 1) build.
pub fn noise(img: &RgbImage, iso_like_strength: f32, seed: u64) -> RgbImage {
    let s = iso_like_strength.max(0.0);
    if s == 0.0 {
        return img.clone();
    }
    let k = FULL_WELL_E / s;
    let read = 1e-4 * s;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut lin = LinearImage::from_srgb(img);

    // Low-frequency chroma field for R and B: unit normals on a grid of CELL px, bilinearly
    // interpolated, so colour noise forms blotches a few pixels wide as after demosaicing.
    const CELL: usize = 4;
    let (gw, gh) = (w / CELL + 2, h / CELL + 2);
    let mut g = Gauss::new(mix_seed(seed, u64::MAX));
    let grid: Vec<f32> = (0..gw * gh * 2).map(|_| g.sample()).collect();
    let chroma = |x: usize, y: usize, c: usize| {
        let (fx, fy) = (x as f32 / CELL as f32, y as f32 / CELL as f32);
        let (x0, y0) = (fx as usize, fy as usize);
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let at = |gx: usize, gy: usize| grid[(gy * gw + gx) * 2 + c];
        let top = at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx;
        let bottom = at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx;
        top * (1.0 - ty) + bottom * ty
    };

    lin.data
        .par_chunks_mut(w * 3)
        .enumerate()
        .for_each(|(y, row)| {
            let mut g = Gauss::new(mix_seed(seed, y as u64));
            for (x, px) in row.chunks_exact_mut(3).enumerate() {
                let lum = LUMA[0] * px[0] + LUMA[1] * px[1] + LUMA[2] * px[2];
                let sigma_c = 0.4 * (lum.max(0.0) / k + read * read).sqrt();
                for v in px.iter_mut() {
                    let lambda = v.max(0.0) * k;
                    *v = if lambda > 30.0 {
                        // Poisson ≈ normal here; shot + read noise is one Gaussian.
                        *v + (*v / k + read * read).sqrt() * g.sample()
                    } else {
                        g.poisson_small(lambda) / k + read * g.sample()
                    };
                }
                px[0] += sigma_c * chroma(x, y, 0);
                px[2] += sigma_c * chroma(x, y, 1);
            }
        });
    lin.to_srgb()
}

// ----------------------------------------------------------------------------------------- JPEG

/// Re-encode `img` as a low-quality JPEG and return the **bytes** (write them to disk as a
/// `.jpg` to test the real file path). Quality 8–20 gives clearly visible 8×8 blocks. Decode them
/// with [`decode_jpeg`].
pub fn jpeg_artifacts(img: &RgbImage, quality: u8) -> ImageResult<Vec<u8>> {
    encode_jpeg(img, quality)
}

/// Decode JPEG bytes (e.g. from [`jpeg_artifacts`]) to RGB.
pub fn decode_jpeg(bytes: &[u8]) -> ImageResult<RgbImage> {
    decode_image(bytes)
}

/// [`jpeg_artifacts`] followed by [`decode_jpeg`]: the artifacted pixels.
pub fn jpeg_roundtrip(img: &RgbImage, quality: u8) -> ImageResult<RgbImage> {
    decode_jpeg(&jpeg_artifacts(img, quality)?)
}

// ---------------------------------------------------------------------------------------- flare

/// Lens flare / veiling glare, added in linear light. The light source is placed by `seed`
/// somewhere in the upper part of the frame (sometimes just outside it). Added terms:
///
/// * the source: a warm Gaussian blob, bright enough to clip at its core;
/// * veiling glare: a wide, heavy-tailed glow `A / (1 + (r/r0)²)` around the source, plus a
///   uniform veil over the whole frame, which lifts the blacks (strongest near the source);
/// * ghosts: 4–5 faint, tinted, soft-edged discs along the line from the source through the
///   image centre (reflections between lens elements land there).
pub fn lens_flare(img: &RgbImage, seed: u64) -> RgbImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let diag = w.hypot(h);
    let mut rng = SmallRng::seed_from_u64(mix_seed(seed, 0xF1A2E));
    let sx = rng.gen_range(0.1..0.9) * w;
    let sy = rng.gen_range(-0.05..0.3) * h;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let warm = [1.0f32, 0.9, 0.75];
    let core_r = 0.03 * diag;
    let glow_amp = rng.gen_range(0.35..0.5);
    let glow_r = rng.gen_range(0.10..0.14) * diag;
    let veil = rng.gen_range(0.02..0.035);
    let tints = [
        [0.6f32, 1.0, 0.7],
        [0.9, 0.6, 1.0],
        [1.0, 0.8, 0.5],
        [0.6, 0.8, 1.0],
        [1.0, 0.7, 0.7],
    ];
    let n_ghosts = rng.gen_range(4..=5);
    // (x, y, radius, amplitude, tint)
    let ghosts: Vec<(f32, f32, f32, f32, [f32; 3])> = (0..n_ghosts)
        .map(|i| {
            let t = 0.5 + 0.45 * i as f32 + rng.gen_range(-0.1..0.1);
            let gx = sx + t * (cx - sx);
            let gy = sy + t * (cy - sy);
            let gr = rng.gen_range(0.02..0.08) * diag;
            let amp = rng.gen_range(0.02..0.06);
            (gx, gy, gr, amp, tints[i % tints.len()])
        })
        .collect();
    map_linear(img, |lin| {
        let wi = lin.width as usize;
        lin.data
            .par_chunks_mut(wi * 3)
            .enumerate()
            .for_each(|(y, row)| {
                let py = y as f32 + 0.5;
                for (x, px) in row.chunks_exact_mut(3).enumerate() {
                    let pxf = x as f32 + 0.5;
                    let r2 = (pxf - sx).powi(2) + (py - sy).powi(2);
                    let core = 6.0 * (-r2 / (core_r * core_r)).exp();
                    let glow = glow_amp / (1.0 + r2 / (glow_r * glow_r));
                    let mut add = [0.0f32; 3];
                    for c in 0..3 {
                        add[c] = (core + glow) * warm[c] + veil;
                    }
                    for &(gx, gy, gr, amp, tint) in &ghosts {
                        let d = ((pxf - gx).powi(2) + (py - gy).powi(2)).sqrt();
                        if d < gr {
                            let m = amp * (1.0 - smoothstep(0.8 * gr, gr, d));
                            for c in 0..3 {
                                add[c] += m * tint[c];
                            }
                        }
                    }
                    for c in 0..3 {
                        px[c] += add[c];
                    }
                }
            });
    })
}

// ------------------------------------------------------------------------------------- contrast

/// Washed-out tones: every encoded channel value `v` becomes `m + factor·(v − m)`, where `m` is
/// the image's mean encoded luma. `factor` 1 leaves the image unchanged; 0.3–0.5 is clearly flat.
/// (Works on encoded values, like a contrast slider; physical haze is [`fog`] or [`lens_flare`].)
pub fn low_contrast(img: &RgbImage, factor: f32) -> RgbImage {
    let f = factor.clamp(0.0, 1.0);
    let n = (img.width() as f64 * img.height() as f64).max(1.0);
    let m = (img
        .pixels()
        .map(|p| {
            f64::from(LUMA[0]) * f64::from(p[0])
                + f64::from(LUMA[1]) * f64::from(p[1])
                + f64::from(LUMA[2]) * f64::from(p[2])
        })
        .sum::<f64>()
        / n) as f32;
    let mut out = img.clone();
    for v in out.iter_mut() {
        *v = (m + f * (f32::from(*v) - m)).round().clamp(0.0, 255.0) as u8;
    }
    out
}

// ----------------------------------------------------------------------------------- hard goods

/// Feathered subject mask: 1 inside `rect`, falling smoothly to 0 at `feather` px outside it.
fn rect_mask(w: u32, h: u32, rect: Rect, feather: f32) -> Vec<f32> {
    let r = rect.clamped(w, h);
    let (x0, y0) = (r.x as f32, r.y as f32);
    let (x1, y1) = ((r.x + r.width) as f32, (r.y + r.height) as f32);
    let mut m = vec![0.0f32; w as usize * h as usize];
    m.par_chunks_mut(w as usize)
        .enumerate()
        .for_each(|(y, row)| {
            let py = y as f32 + 0.5;
            for (x, v) in row.iter_mut().enumerate() {
                let px = x as f32 + 0.5;
                let dx = (x0 - px).max(px - x1).max(0.0);
                let dy = (y0 - py).max(py - y1).max(0.0);
                let d = dx.hypot(dy);
                *v = 1.0 - smoothstep(0.0, feather.max(1e-3), d);
            }
        });
    m
}

/// Synthetic shallow depth of field: pixels inside `subject` stay exactly as they are, the rest
/// is replaced by a disk blur of `radius_px` (linear light), with a smooth transition
/// `max(2·radius, 8)` px wide just outside the rectangle. Models a subject in the focal plane
/// against a distant background (bokeh).
pub fn shallow_dof(img: &RgbImage, subject: Rect, radius_px: f32) -> RgbImage {
    let lin = LinearImage::from_srgb(img);
    let blurred = lin.disk_blurred(radius_px);
    let mask = rect_mask(
        img.width(),
        img.height(),
        subject,
        (2.0 * radius_px).max(8.0),
    );
    let mut out = lin;
    out.data
        .par_chunks_mut(3)
        .zip(blurred.data.par_chunks(3))
        .zip(mask.par_iter())
        .for_each(|((o, b), &m)| {
            for c in 0..3 {
                o[c] = m * o[c] + (1.0 - m) * b[c];
            }
        });
    out.to_srgb()
}

/// Intentional panning: the camera followed a moving subject, so the subject (inside
/// `subject`) is sharp and the background is streaked along `angle_deg` by `length_px`. A legitimate
/// look that a blur detector looking at the whole frame would wrongly call shake.
pub fn panning(img: &RgbImage, subject: Rect, length_px: f32, angle_deg: f32) -> RgbImage {
    let lin = LinearImage::from_srgb(img);
    let taps = line_kernel(length_px, angle_deg);
    let mut streaked = lin.clone();
    streaked.data = sparse_convolve(&lin.data, lin.width as usize, lin.height as usize, 3, &taps);
    let mask = rect_mask(
        img.width(),
        img.height(),
        subject,
        (length_px * 0.5).max(8.0),
    );
    let mut out = lin;
    out.data
        .par_chunks_mut(3)
        .zip(streaked.data.par_chunks(3))
        .zip(mask.par_iter())
        .for_each(|((o, b), &m)| {
            for c in 0..3 {
                o[c] = m * o[c] + (1.0 - m) * b[c];
            }
        });
    out.to_srgb()
}

/// The default subject for [`shallow_dof`]/[`low_key`] in [`Transform`]: the central rectangle
/// covering 40 % of the width and 50 % of the height.
pub fn default_subject(img: &RgbImage) -> Rect {
    Rect::centered(img.width(), img.height(), 0.4, 0.5)
}

/// [`low_key_around`] with an elliptical subject region inscribed in [`default_subject`].
pub fn low_key(img: &RgbImage) -> RgbImage {
    low_key_around(img, default_subject(img))
}

/// Low-key lighting: the subject (the ellipse inscribed in `subject`) keeps its exposure, and the
/// light falls off smoothly (from 0.75× to 1.8× the ellipse's size) to 4 stops darker (linear gain
/// 1/16) in the surroundings, as with a single spot- or
/// window-light on a subject in a dark room. Mean brightness drops a lot; the subject's
/// highlights are untouched.
pub fn low_key_around(img: &RgbImage, subject: Rect) -> RgbImage {
    let r = subject.clamped(img.width(), img.height());
    let cx = r.x as f32 + r.width as f32 / 2.0;
    let cy = r.y as f32 + r.height as f32 / 2.0;
    let (ax, ay) = (
        (r.width as f32 / 2.0).max(1.0),
        (r.height as f32 / 2.0).max(1.0),
    );
    let dark = 2f32.powf(-4.0);
    map_linear(img, |lin| {
        let wi = lin.width as usize;
        lin.data
            .par_chunks_mut(wi * 3)
            .enumerate()
            .for_each(|(y, row)| {
                let dy = (y as f32 + 0.5 - cy) / ay;
                for (x, px) in row.chunks_exact_mut(3).enumerate() {
                    let dx = (x as f32 + 0.5 - cx) / ax;
                    let d = dx.hypot(dy);
                    // full exposure within 0.75× the ellipse, a soft light fall-off to `dark` at 1.8×
                    let m = 1.0 - smoothstep(0.75, 1.8, d);
                    let g = dark + (1.0 - dark) * m;
                    for v in px.iter_mut() {
                        *v *= g;
                    }
                }
            });
    })
}

/// High-key: a bright, airy rendering. Works on encoded values: the low-frequency luma `b`
/// (Gaussian, σ = 2 % of the long side) is remapped to `0.75 + 0.17·b`, and every channel is
/// shifted by the same offset, so local detail and colour differences are kept exactly. A soft
/// shoulder above 0.92 rolls highlights off to at most 0.98, so nothing clips.
pub fn high_key(img: &RgbImage) -> RgbImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let luma: Vec<f32> = img
        .pixels()
        .map(|p| {
            (LUMA[0] * f32::from(p[0]) + LUMA[1] * f32::from(p[1]) + LUMA[2] * f32::from(p[2]))
                / 255.0
        })
        .collect();
    let sigma = 0.02 * w.max(h) as f32;
    let base = gaussian_blur(&luma, w, h, 1, sigma.max(2.0));
    let shoulder = |v: f32| {
        if v <= 0.92 {
            v
        } else {
            0.92 + 0.06 * (1.0 - (-(v - 0.92) / 0.06).exp())
        }
    };
    let mut out = img.clone();
    out.as_mut()
        .par_chunks_mut(3)
        .zip(base.par_iter())
        .for_each(|(px, &b)| {
            let off = 0.75 + 0.17 * b - b;
            for v in px.iter_mut() {
                let e = shoulder((f32::from(*v) / 255.0 + off).max(0.0));
                *v = (e * 255.0).round().clamp(0.0, 255.0) as u8;
            }
        });
    out
}

/// Atmospheric fog/haze (Koschmieder's model, linear light): `I = J·t + A·(1 − t)` with
/// transmission `t = exp(−β·d)`, airlight `A` a slightly blue light grey, and depth `d` rising
/// from 0 at the bottom row to 1 at the top (`d = (1 − y/h)^2.5`, β = 1.6: the top row keeps 20 %
/// of its linear contrast, the middle row 75 %, the bottom quarter over 95 %).
pub fn fog(img: &RgbImage) -> RgbImage {
    let airlight = [0.72f32, 0.75, 0.80];
    let beta = 1.6f32;
    let h = img.height().max(1) as f32;
    map_linear(img, |lin| {
        let wi = lin.width as usize;
        lin.data
            .par_chunks_mut(wi * 3)
            .enumerate()
            .for_each(|(y, row)| {
                let d = (1.0 - (y as f32 + 0.5) / h).max(0.0).powf(2.5);
                let t = (-beta * d).exp();
                for px in row.chunks_exact_mut(3) {
                    for c in 0..3 {
                        px[c] = px[c] * t + airlight[c] * (1.0 - t);
                    }
                }
            });
    })
}

// -------------------------------------------------------------------------------------- scaling

/// Resize to exactly `width × height` without distorting: scale so the image covers the target,
/// then crop the centre. Used to make 6000×4000 benchmark images from small fixtures.
///
/// Enlarging uses a parallel bilinear interpolation of the encoded values (~0.2 s for 24 MP from a
/// 600 px source on 2 cores, ten times faster than `image::imageops::resize`); shrinking
/// uses Catmull-Rom via `image`, which filters properly. An enlarged image is smooth and
/// compresses unusually well, so add [`noise`] (strength 2–4) if realistic file sizes matter.
pub fn upscale_to(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 || width == 0 || height == 0 {
        return RgbImage::new(width, height);
    }
    let s = (f64::from(width) / f64::from(w)).max(f64::from(height) / f64::from(h));
    if s < 1.0 {
        let sw = ((f64::from(w) * s).round() as u32).max(width);
        let sh = ((f64::from(h) * s).round() as u32).max(height);
        let scaled = image::imageops::resize(img, sw, sh, FilterType::CatmullRom);
        let x = (sw - width) / 2;
        let y = (sh - height) / 2;
        return image::imageops::crop_imm(&scaled, x, y, width, height).to_image();
    }
    // Output pixel X (after cropping) sits at scaled coordinate X + ox, i.e. source coordinate
    // (X + ox + 0.5) / s − 0.5.
    let taps = |n_out: u32, n_src: u32| -> Vec<(usize, usize, f32)> {
        let off = (f64::from(n_src) * s - f64::from(n_out)) / 2.0;
        (0..n_out)
            .map(|i| {
                let u = ((f64::from(i) + off + 0.5) / s - 0.5).clamp(0.0, f64::from(n_src - 1));
                let i0 = u.floor() as usize;
                let i1 = (i0 + 1).min(n_src as usize - 1);
                (i0, i1, (u - i0 as f64) as f32)
            })
            .collect()
    };
    let xt = taps(width, w);
    let yt = taps(height, h);
    let src = img.as_raw();
    let (w, width) = (w as usize, width as usize);
    // Every source row interpolated horizontally to the output width.
    let hrows: Vec<Vec<f32>> = src
        .par_chunks(w * 3)
        .map(|row| {
            let mut o = vec![0.0f32; width * 3];
            for (px, &(x0, x1, f)) in o.chunks_exact_mut(3).zip(&xt) {
                for c in 0..3 {
                    let a = f32::from(row[x0 * 3 + c]);
                    let b = f32::from(row[x1 * 3 + c]);
                    px[c] = a + (b - a) * f;
                }
            }
            o
        })
        .collect();
    let mut out = RgbImage::new(width as u32, height);
    out.as_mut()
        .par_chunks_mut(width * 3)
        .zip(yt.par_iter())
        .for_each(|(orow, &(y0, y1, f))| {
            for ((o, &a), &b) in orow.iter_mut().zip(&hrows[y0]).zip(&hrows[y1]) {
                *o = (a + (b - a) * f + 0.5) as u8;
            }
        });
    out
}

// ------------------------------------------------------------------------------------ Transform

/// Every transform above as a value, for table-driven tests (`for t in Transform::defects()`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transform {
    /// [`underexpose`] by this many stops.
    Underexpose(f32),
    /// [`overexpose`] by this many stops.
    Overexpose(f32),
    /// [`defocus`] with this disk radius (px).
    Defocus(f32),
    /// [`motion_blur`]: length (px), angle (degrees).
    MotionBlur(f32, f32),
    /// [`noise`] with this ISO-like strength.
    Noise(f32),
    /// [`jpeg_roundtrip`] at this quality.
    Jpeg(u8),
    /// [`lens_flare`].
    LensFlare,
    /// [`low_contrast`] with this factor.
    LowContrast(f32),
    /// [`shallow_dof`] around [`default_subject`] with this radius (px).
    ShallowDof(f32),
    /// [`low_key`].
    LowKey,
    /// [`high_key`].
    HighKey,
    /// [`fog`].
    Fog,
}

impl Transform {
    /// Clear-cut defects, strong enough at ≤ 1200 px that any reasonable detector should fire.
    pub fn defects() -> Vec<Transform> {
        vec![
            Transform::Underexpose(3.0),
            Transform::Overexpose(2.5),
            Transform::Defocus(8.0),
            Transform::MotionBlur(25.0, 20.0),
            Transform::Noise(128.0),
            Transform::Jpeg(10),
            Transform::LensFlare,
            Transform::LowContrast(0.35),
        ]
    }

    /// Legitimate looks that must not be flagged.
    pub fn hard_goods() -> Vec<Transform> {
        vec![
            Transform::ShallowDof(10.0),
            Transform::LowKey,
            Transform::HighKey,
            Transform::Fog,
        ]
    }

    /// Whether this is a defect (`false` for hard goods).
    pub fn is_defect(&self) -> bool {
        !matches!(
            self,
            Transform::ShallowDof(_) | Transform::LowKey | Transform::HighKey | Transform::Fog
        )
    }

    /// Short stable name, usable in file names.
    pub fn name(&self) -> &'static str {
        match self {
            Transform::Underexpose(_) => "underexposed",
            Transform::Overexpose(_) => "overexposed",
            Transform::Defocus(_) => "defocus",
            Transform::MotionBlur(..) => "motion_blur",
            Transform::Noise(_) => "noise",
            Transform::Jpeg(_) => "jpeg",
            Transform::LensFlare => "lens_flare",
            Transform::LowContrast(_) => "low_contrast",
            Transform::ShallowDof(_) => "shallow_dof",
            Transform::LowKey => "low_key",
            Transform::HighKey => "high_key",
            Transform::Fog => "fog",
        }
    }

    /// Apply to `img`; `seed` is used by the random transforms.
    pub fn apply(&self, img: &RgbImage, seed: u64) -> ImageResult<RgbImage> {
        Ok(match *self {
            Transform::Underexpose(s) => underexpose(img, s),
            Transform::Overexpose(s) => overexpose(img, s),
            Transform::Defocus(r) => defocus(img, r),
            Transform::MotionBlur(l, a) => motion_blur(img, l, a),
            Transform::Noise(s) => noise(img, s, seed),
            Transform::Jpeg(q) => jpeg_roundtrip(img, q)?,
            Transform::LensFlare => lens_flare(img, seed),
            Transform::LowContrast(f) => low_contrast(img, f),
            Transform::ShallowDof(r) => shallow_dof(img, default_subject(img), r),
            Transform::LowKey => low_key(img),
            Transform::HighKey => high_key(img),
            Transform::Fog => fog(img),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{fixture_photos, load_photo};
    use crate::metrics::*;
    use std::time::Instant;

    fn photo() -> RgbImage {
        load_photo("astronaut")
    }

    #[test]
    fn shake_kernel_is_normalised_curved_and_reproducible() {
        let taps = shake_kernel(30.0, 7);
        let total: f32 = taps.iter().map(|t| t.2).sum();
        assert!((total - 1.0).abs() < 1e-4, "sum {total}");
        assert_eq!(taps, shake_kernel(30.0, 7));
        assert_ne!(taps, shake_kernel(30.0, 8));
        // A curved path covers a 2-D patch, unlike a one-pixel-wide line.
        let xs: std::collections::BTreeSet<isize> = taps.iter().map(|t| t.0).collect();
        let ys: std::collections::BTreeSet<isize> = taps.iter().map(|t| t.1).collect();
        assert!(xs.len() > 3 && ys.len() > 3, "{} × {}", xs.len(), ys.len());
    }

    #[test]
    fn tremor_kernel_is_normalised_two_dimensional_and_not_the_walk() {
        let taps = tremor_kernel(30.0, 7);
        let total: f32 = taps.iter().map(|t| t.2).sum();
        assert!((total - 1.0).abs() < 1e-4, "sum {total}");
        assert_eq!(taps, tremor_kernel(30.0, 7));
        assert_ne!(taps, tremor_kernel(30.0, 8));
        assert_ne!(taps, shake_kernel(30.0, 7));
        let xs: std::collections::BTreeSet<isize> = taps.iter().map(|t| t.0).collect();
        let ys: std::collections::BTreeSet<isize> = taps.iter().map(|t| t.1).collect();
        assert!(xs.len() > 2 && ys.len() > 2, "{} × {}", xs.len(), ys.len());
        // The path folds back on itself, so it spans far less than its length.
        let extent = |s: &std::collections::BTreeSet<isize>| match (s.first(), s.last()) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        };
        let span = extent(&xs).max(extent(&ys));
        assert!(span < 30, "span {span}");
    }

    #[test]
    fn panning_keeps_the_subject_and_streaks_the_background() {
        let img = photo();
        let subject = default_subject(&img);
        let out = panning(&img, subject, 30.0, 0.0);
        let centre = (
            subject.x + subject.width / 2,
            subject.y + subject.height / 2,
        );
        assert_eq!(
            out.get_pixel(centre.0, centre.1),
            img.get_pixel(centre.0, centre.1)
        );
        let corner_diff: u32 = (0..20)
            .map(|i| {
                let (a, b) = (out.get_pixel(i, 5), img.get_pixel(i, 5));
                (0..3).map(|c| a[c].abs_diff(b[c]) as u32).sum::<u32>()
            })
            .sum();
        assert!(corner_diff > 0, "background untouched");
    }

    #[test]
    fn exposure_is_a_linear_gain() {
        for name in ["astronaut", "coffee_cup", "chelsea_cat"] {
            let img = load_photo(name);
            let m0 = mean_linear_luminance(&img);
            let m2 = mean_linear_luminance(&underexpose(&img, 2.0));
            let ratio = m0 / m2;
            assert!((3.6..4.4).contains(&ratio), "{name}: ratio {ratio}");
            // one stop down then up again is identity up to 8-bit quantisation in the shadows
            let back = overexpose(&underexpose(&img, 1.0), 1.0);
            let diff = max_abs_diff(&img, &back);
            assert!(diff <= 3, "{name}: max diff {diff}");
        }
        let img = photo();
        let over = overexpose(&img, 2.0);
        assert!(clipped_fraction(&over) > clipped_fraction(&img) + 0.1);
        assert!(mean_linear_luminance(&over) > 2.0 * mean_linear_luminance(&img));
        assert!(mean_linear_luminance(&over) <= 4.0 * mean_linear_luminance(&img));
        assert_eq!(exposure(&img, 0.0), img);
    }

    #[test]
    fn defocus_lowers_gradient_energy_and_keeps_mean() {
        for p in fixture_photos() {
            let img = image::open(&p).expect("fixture").to_rgb8();
            let e0 = total_gradient_energy(&img, None);
            let soft = defocus(&img, 3.0);
            let blurred = defocus(&img, 8.0);
            let (e1, e2) = (
                total_gradient_energy(&soft, None),
                total_gradient_energy(&blurred, None),
            );
            assert!(e1 < 0.6 * e0 && e2 < 0.6 * e1, "{p:?}: {e0} {e1} {e2}");
            let (m0, m2) = (mean_linear_luminance(&img), mean_linear_luminance(&blurred));
            assert!((m2 / m0 - 1.0).abs() < 0.03, "{p:?}: mean {m0} -> {m2}");
        }
    }

    #[test]
    fn defocus_is_done_in_linear_light() {
        // A single bright pixel on black spreads its *energy*: blurred in linear light the sum of
        // linear values is conserved (blurring encoded values would lose most of it).
        let mut img = RgbImage::new(64, 64);
        for y in 30..34 {
            for x in 30..34 {
                img.put_pixel(x, y, image::Rgb([255, 255, 255]));
            }
        }
        let out = defocus(&img, 5.0);
        let sum = |i: &RgbImage| {
            linear_luminance(i)
                .iter()
                .map(|&v| f64::from(v))
                .sum::<f64>()
        };
        let (s0, s1) = (sum(&img), sum(&out));
        assert!((s1 / s0 - 1.0).abs() < 0.05, "{s0} -> {s1}");
    }

    #[test]
    fn motion_blur_is_directional() {
        for name in ["gravel_texture", "astronaut", "brick_wall"] {
            let img = load_photo(name);
            let (gx0, gy0) = gradient_energy(&img, None);
            let (gx, gy) = gradient_energy(&motion_blur(&img, 21.0, 0.0), None);
            let (rx, ry) = (gx / gx0, gy / gy0);
            assert!(
                rx < 0.3 * ry,
                "{name}: horizontal kept {rx}, vertical kept {ry}"
            );
            let (gx, gy) = gradient_energy(&motion_blur(&img, 21.0, 90.0), None);
            let (rx, ry) = (gx / gx0, gy / gy0);
            assert!(
                ry < 0.3 * rx,
                "{name} 90°: horizontal kept {rx}, vertical kept {ry}"
            );
        }
        let k = line_kernel(10.0, 0.0);
        assert!(k.iter().all(|t| t.1 == 0));
        let sum: f32 = k.iter().map(|t| t.2).sum();
        assert!((sum - 1.0).abs() < 1e-5);
        let k = line_kernel(20.0, 45.0);
        let sum: f32 = k.iter().map(|t| t.2).sum();
        assert!((sum - 1.0).abs() < 1e-5);
        // 45° up-right: dx and dy of opposite sign in image coordinates
        assert!(k.iter().any(|t| t.0 > 5 && t.1 < -5));
    }

    #[test]
    fn noise_is_signal_dependent_and_deterministic() {
        // Flat patches: the residual std grows with the level in linear units (shot noise)
        let std_linear = |level: u8, s: f32| {
            let img = RgbImage::from_pixel(128, 128, image::Rgb([level; 3]));
            let n = noise(&img, s, 7);
            let l = linear_luminance(&n);
            let m = l.iter().map(|&v| f64::from(v)).sum::<f64>() / l.len() as f64;
            (l.iter().map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / l.len() as f64).sqrt()
        };
        let dark = std_linear(40, 64.0);
        let bright = std_linear(200, 64.0);
        assert!(bright > 2.0 * dark, "dark {dark} bright {bright}");
        assert!(std_linear(118, 64.0) > 2.5 * std_linear(118, 8.0));

        let img = photo();
        let s0 = noise_sigma(&img);
        let noisy = noise(&img, 64.0, 1);
        assert!(
            noise_sigma(&noisy) > 2.0 * s0,
            "{s0} -> {}",
            noise_sigma(&noisy)
        );
        assert_eq!(noisy, noise(&img, 64.0, 1));
        assert_ne!(noisy, noise(&img, 64.0, 2));
        // mean level is preserved (noise is zero-mean in linear light)
        let (m0, m1) = (mean_linear_luminance(&img), mean_linear_luminance(&noisy));
        assert!((m1 / m0 - 1.0).abs() < 0.03, "{m0} -> {m1}");
        // chroma noise: R−G differences vary even on a grey patch
        let grey = RgbImage::from_pixel(64, 64, image::Rgb([128; 3]));
        let n = noise(&grey, 64.0, 3);
        assert!(n.pixels().filter(|p| p[0] != p[1] || p[2] != p[1]).count() > 64 * 32);
    }

    #[test]
    fn low_quality_jpeg_is_small_and_blocky() {
        for name in ["astronaut", "coffee_cup", "rocket_launch"] {
            let img = load_photo(name);
            let hq = jpeg_artifacts(&img, 95).expect("encode");
            let lq = jpeg_artifacts(&img, 10).expect("encode");
            assert!(
                lq.len() * 3 < hq.len(),
                "{name}: {} vs {}",
                lq.len(),
                hq.len()
            );
            let b0 = blockiness(&decode_jpeg(&hq).expect("decode"));
            let b1 = blockiness(&decode_jpeg(&lq).expect("decode"));
            assert!(
                b1 > 1.25 && b1 > b0 + 0.2,
                "{name}: blockiness {b0} -> {b1}"
            );
            assert_eq!(
                jpeg_roundtrip(&img, 10).expect("rt").dimensions(),
                img.dimensions()
            );
        }
    }

    #[test]
    fn flare_lifts_shadows_and_is_deterministic() {
        for name in ["rocket_launch", "coffee_cup", "astronaut"] {
            let img = load_photo(name);
            let f = lens_flare(&img, 11);
            let p0 = percentiles(&linear_luminance(&img), &[2.0, 50.0]);
            let p1 = percentiles(&linear_luminance(&f), &[2.0, 50.0]);
            assert!(p1[0] > p0[0] + 0.015, "{name}: p2 {} -> {}", p0[0], p1[0]);
            assert!(p1[1] > p0[1], "{name}: median");
            assert!(clipped_fraction(&f) > clipped_fraction(&img));
            assert_eq!(f, lens_flare(&img, 11));
            assert_ne!(f, lens_flare(&img, 12));
        }
    }

    #[test]
    fn low_contrast_narrows_the_range() {
        for p in fixture_photos() {
            let img = image::open(&p).expect("fixture").to_rgb8();
            let q0 = percentiles(&luma(&img), &[1.0, 99.0]);
            let q1 = percentiles(&luma(&low_contrast(&img, 0.4)), &[1.0, 99.0]);
            let (r0, r1) = (q0[1] - q0[0], q1[1] - q1[0]);
            assert!(r1 < 0.45 * r0, "{p:?}: {r0} -> {r1}");
        }
        assert_eq!(low_contrast(&photo(), 1.0), photo());
    }

    #[test]
    fn shallow_dof_keeps_subject_and_blurs_background() {
        let img = load_photo("chelsea_cat");
        let subject = Rect::new(150, 60, 160, 180);
        let out = shallow_dof(&img, subject, 10.0);
        let e0 = total_gradient_energy(&img, Some(subject));
        let e1 = total_gradient_energy(&out, Some(subject));
        assert!((e1 / e0 - 1.0).abs() < 0.10, "subject {e0} -> {e1}");
        assert_eq!(crop(&out, subject), crop(&img, subject));
        let bg = Rect::new(0, 0, 100, 300);
        let (b0, b1) = (
            total_gradient_energy(&img, Some(bg)),
            total_gradient_energy(&out, Some(bg)),
        );
        assert!(b1 < 0.3 * b0, "background {b0} -> {b1}");
        // global sharpness drops although the subject is sharp
        assert!(total_gradient_energy(&out, None) < 0.8 * total_gradient_energy(&img, None));
    }

    #[test]
    fn low_key_is_dark_but_subject_keeps_exposure() {
        let img = photo();
        let out = low_key(&img);
        assert!(mean_linear_luminance(&out) < 0.6 * mean_linear_luminance(&img));
        let s = Rect::centered(img.width(), img.height(), 0.2, 0.25);
        let p0 = percentiles(&linear_luminance(&crop(&img, s)), &[50.0, 98.0]);
        let p1 = percentiles(&linear_luminance(&crop(&out, s)), &[50.0, 98.0]);
        assert!(
            (p1[1] / p0[1] - 1.0).abs() < 0.02,
            "subject p98 {p0:?} -> {p1:?}"
        );
        assert!(
            (p1[0] / p0[0] - 1.0).abs() < 0.02,
            "subject median {p0:?} -> {p1:?}"
        );
        assert!(clipped_fraction(&out) <= clipped_fraction(&img));
        // most of the frame is dark (encoded luma)
        let q = percentiles(&luma(&out), &[50.0]);
        assert!(q[0] < 0.3, "median luma {}", q[0]);
    }

    #[test]
    fn high_key_is_bright_unclipped_and_detailed() {
        for name in ["astronaut", "coffee_cup", "cameraman_field", "chelsea_cat"] {
            let img = load_photo(name);
            let out = high_key(&img);
            let l = luma(&out);
            let in_band = l.iter().filter(|&&v| (0.70..=0.97).contains(&v)).count();
            assert!(
                in_band as f64 > 0.7 * l.len() as f64,
                "{name}: only {in_band}/{} in band",
                l.len()
            );
            let q = percentiles(&l, &[50.0]);
            assert!((0.75..=0.95).contains(&q[0]), "{name}: median {}", q[0]);
            assert!(clipped_fraction(&out) < 0.005, "{name}: clipped");
            let (e0, e1) = (
                total_gradient_energy(&img, None),
                total_gradient_energy(&out, None),
            );
            eprintln!(
                "high_key {name}: median {:.3}, detail kept {:.3}",
                q[0],
                e1 / e0
            );
            assert!(e1 > 0.5 * e0, "{name}: detail {e0} -> {e1}");
        }
    }

    #[test]
    fn fog_hazes_the_top_and_keeps_the_foreground() {
        for name in ["cameraman_field", "rocket_launch", "coffee_cup"] {
            let img = load_photo(name);
            let out = fog(&img);
            let (w, h) = img.dimensions();
            let top = Rect::new(0, 0, w, h / 4);
            let bottom = Rect::new(0, h - h / 4, w, h / 4);
            let ratio = |r: Rect| {
                total_gradient_energy(&out, Some(r)) / total_gradient_energy(&img, Some(r))
            };
            let (rt, rb) = (ratio(top), ratio(bottom));
            assert!(rt < 0.35, "{name}: top keeps {rt}");
            eprintln!("fog {name}: top keeps {rt:.3}, bottom keeps {rb:.3}");
            assert!(rb > 0.8, "{name}: bottom keeps {rb}");
            let mt = mean_linear_luminance(&crop(&out, top));
            assert!(mt > mean_linear_luminance(&crop(&img, top)));
        }
    }

    #[test]
    fn upscale_to_exact_size_without_distortion() {
        let img = load_photo("coffee_cup"); // 600x400
        let out = upscale_to(&img, 1500, 1000);
        assert_eq!(out.dimensions(), (1500, 1000));
        let out = upscale_to(&img, 1000, 1000); // crops the sides
        assert_eq!(out.dimensions(), (1000, 1000));
        // shrink path
        assert_eq!(upscale_to(&img, 300, 200).dimensions(), (300, 200));
        // same result as image's bilinear (Triangle) resize when no crop is needed
        let a = upscale_to(&img, 1200, 800);
        let b = image::imageops::resize(&img, 1200, 800, FilterType::Triangle);
        let max = max_abs_diff(&a, &b);
        assert!(max <= 1, "max diff {max}");
        let m = (mean_linear_luminance(&img), mean_linear_luminance(&out));
        assert!((m.1 / m.0 - 1.0).abs() < 0.3);
    }

    #[test]
    fn transforms_apply_and_are_fast_enough() {
        let img = load_photo("coffee_cup");
        // Benchmark-size input for the slowest kernels: 1200 px long side.
        let big = upscale_to(&img, 1200, 800);
        for t in Transform::defects()
            .into_iter()
            .chain(Transform::hard_goods())
        {
            let t0 = Instant::now();
            let out = t.apply(&big, 5).expect("apply");
            let dt = t0.elapsed();
            assert_eq!(out.dimensions(), big.dimensions(), "{}", t.name());
            assert_ne!(out, big, "{} changed nothing", t.name());
            eprintln!("{:>13}: {:?}", t.name(), dt);
            assert!(dt.as_secs_f32() < 5.0, "{} took {dt:?}", t.name());
        }
        assert!(Transform::defects().iter().all(Transform::is_defect));
        assert!(!Transform::hard_goods().iter().any(Transform::is_defect));
    }

    /// Writes every transform of every committed photo to `$CULL_DUMP_DIR` for eyeballing:
    /// `CULL_DUMP_DIR=/tmp/gallery cargo test -p cull-tests --lib dump_gallery -- --ignored`
    #[test]
    #[ignore = "writes files; run by hand"]
    fn dump_gallery() {
        let dir = std::path::PathBuf::from(
            std::env::var_os("CULL_DUMP_DIR").unwrap_or_else(|| "/tmp/cull-gallery".into()),
        );
        for p in fixture_photos() {
            let img = image::open(&p).expect("fixture").to_rgb8();
            let stem = p.file_stem().and_then(|s| s.to_str()).expect("name");
            for t in Transform::defects()
                .into_iter()
                .chain(Transform::hard_goods())
            {
                let out = t.apply(&img, 1).expect("apply");
                crate::write_jpeg(&dir.join(format!("{stem}__{}.jpg", t.name())), &out, 92)
                    .expect("write");
            }
        }
        eprintln!("wrote {}", dir.display());
    }
}
