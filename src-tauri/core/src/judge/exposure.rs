//! Exposure from the histogram of linear-light luminance. A photo is underexposed when even its
//! brightest parts sit far below white, not merely when it is mostly dark: a low-key portrait or a
//! night street keeps its highlights. Overexposure is clipping that also lifts the shadows, which
//! separates a blown frame from bright snow that still holds tone.

use serde::{Deserialize, Serialize};

use super::planes::{linear_to_srgb, srgb_level_to_linear, Planes};

const BINS: usize = 4096;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExposureStats {
    /// Mean linear luminance relative to middle grey (0.18), in stops.
    pub mean_ev: f32,
    /// Share of the frame darker than 3 % brightness (sRGB-encoded).
    pub dark_fraction: f32,
    /// Share of pixels with any channel at 250 or above.
    pub clipped_fraction: f32,
    /// Share of pixels blown to white (every channel at 250 or above): detail that is gone.
    pub white_fraction: f32,
    /// Brightness (sRGB-encoded, 0–1) below which 99.5 % of the frame lies.
    pub highlight_brightness: f32,
    /// Brightness below which 2 % of the frame lies.
    pub shadow_brightness: f32,
    /// Stops between the brightest 0.5 % and a bright but unclipped white (75 % linear).
    pub highlight_headroom_stops: f32,
}

pub(crate) fn measure(planes: &Planes) -> ExposureStats {
    // Four histograms, summed at the end: neighbouring pixels often fall in the same bin, and
    // one histogram would make each count wait for the previous one.
    let mut histograms = vec![[0u32; 4]; BINS];
    let mut sum = 0f64;
    let dark_limit = srgb_level_to_linear(0.03);
    let mut dark = 0usize;
    let bin = |y: f32| ((y.clamp(0.0, 1.0) * (BINS - 1) as f32) as usize).min(BINS - 1);
    for row in planes.linear.chunks(4096) {
        // Eight running sums, not one chain of dependent adds.
        let mut lanes = [0f32; 8];
        let mut quads = row.chunks_exact(4);
        for (k, quad) in (&mut quads).enumerate() {
            for (i, &y) in quad.iter().enumerate() {
                lanes[(k % 2) * 4 + i] += y;
                dark += usize::from(y < dark_limit);
                histograms[bin(y)][i] += 1;
            }
        }
        for (i, &y) in quads.remainder().iter().enumerate() {
            lanes[i] += y;
            dark += usize::from(y < dark_limit);
            histograms[bin(y)][i] += 1;
        }
        sum += f64::from(lanes.iter().sum::<f32>());
    }
    let histogram: Vec<u32> = histograms.iter().map(|h| h.iter().sum()).collect();
    let count = planes.linear.len().max(1);
    let quantile = |fraction: f64| -> f32 {
        let target = (fraction * count as f64) as u64;
        let mut seen = 0u64;
        for (bin, &n) in histogram.iter().enumerate() {
            seen += u64::from(n);
            if seen > target {
                return bin as f32 / (BINS - 1) as f32;
            }
        }
        1.0
    };
    let (clipped, white) = (planes.clipped, planes.white);
    let mean = (sum / count as f64) as f32;
    let highlight = quantile(0.995);
    ExposureStats {
        mean_ev: (mean.max(1e-5) / 0.18).log2(),
        dark_fraction: dark as f32 / count as f32,
        clipped_fraction: clipped as f32 / count as f32,
        white_fraction: white as f32 / count as f32,
        highlight_brightness: linear_to_srgb(highlight),
        shadow_brightness: linear_to_srgb(quantile(0.02)),
        highlight_headroom_stops: (0.75 / highlight.max(1e-4)).log2().max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    fn stats_of(img: &RgbImage) -> ExposureStats {
        measure(&Planes::from_rgb(img))
    }

    #[test]
    fn dim_frame_has_headroom_and_negative_ev() {
        let img = RgbImage::from_fn(64, 64, |x, _| image::Rgb([(x / 2) as u8; 3]));
        let stats = stats_of(&img);
        assert!(stats.mean_ev < -3.0, "{stats:?}");
        assert!(stats.highlight_headroom_stops > 2.0, "{stats:?}");
    }

    #[test]
    fn white_frame_is_fully_clipped() {
        let img = RgbImage::from_pixel(16, 16, image::Rgb([255, 255, 255]));
        let stats = stats_of(&img);
        assert_eq!(stats.clipped_fraction, 1.0);
        assert_eq!(stats.highlight_headroom_stops, 0.0);
    }
}
