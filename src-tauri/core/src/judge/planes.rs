use image::RgbImage;
use serde::{Deserialize, Serialize};

/// The per-pixel views the detectors share, computed once per photo.
#[derive(Debug, Clone)]
pub struct Planes {
    pub width: u32,
    pub height: u32,
    /// Gamma-encoded luma Y′ (Rec. 709 weights on sRGB values), 0–1: what the eye sees as
    /// brightness steps, used for edges, noise and blocks.
    pub luma: Vec<f32>,
    /// Linear-light luminance Y, 0–1: what the sensor recorded, used for exposure.
    pub linear: Vec<f32>,
    /// Pixels with some channel at 250 or above, and with every channel there: counted in the
    /// same pass over the colours, for exposure.
    pub clipped: usize,
    pub white: usize,
}

fn srgb_to_linear(v: f32) -> f32 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// Encodes linear light back to the sRGB curve (0–1), for messages in "brightness" terms.
pub(crate) fn linear_to_srgb(v: f32) -> f32 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// Linear value of an sRGB-encoded level.
pub(crate) fn srgb_level_to_linear(v: f32) -> f32 {
    srgb_to_linear(v)
}

/// Gamma-encoded luma Y′ (Rec. 709 weights on the sRGB levels) of one RGB pixel, 0–1.
#[inline]
pub(crate) fn luma(px: &[u8]) -> f32 {
    (0.2126 * f32::from(px[0]) + 0.7152 * f32::from(px[1]) + 0.0722 * f32::from(px[2]))
        * (1.0 / 255.0)
}

impl Planes {
    pub fn from_rgb(image: &RgbImage) -> Self {
        // An array, not a Vec: indexing by a u8 then needs no bounds check.
        let lut: [f32; 256] = std::array::from_fn(|v| srgb_to_linear(v as f32 / 255.0));
        let raw = image.as_raw();
        let luma = raw.chunks_exact(3).map(luma).collect();
        let linear = raw
            .chunks_exact(3)
            .map(|px| {
                0.2126 * lut[usize::from(px[0])]
                    + 0.7152 * lut[usize::from(px[1])]
                    + 0.0722 * lut[usize::from(px[2])]
            })
            .collect();
        let (mut clipped, mut white) = (0usize, 0usize);
        // Near-white pixels are rare: sixteen pixels at a time are passed over by their
        // brightest byte, and only blocks that hold one are looked at pixel by pixel.
        for block in raw.chunks(48) {
            if block.iter().fold(0u8, |m, &b| m.max(b)) < 250 {
                continue;
            }
            for px in block.chunks_exact(3) {
                clipped += usize::from(px[0].max(px[1]).max(px[2]) >= 250);
                white += usize::from(px[0].min(px[1]).min(px[2]) >= 250);
            }
        }
        Self {
            width: image.width(),
            height: image.height(),
            luma,
            linear,
            clipped,
            white,
        }
    }

    #[inline]
    pub fn at(&self, x: u32, y: u32) -> f32 {
        self.luma[(y * self.width + x) as usize]
    }
}

/// Splits the frame into roughly square tiles, about a dozen along the long side: small enough
/// that a sharp subject fills some tiles on its own, large enough to hold real edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileGrid {
    pub cols: u32,
    pub rows: u32,
    pub width: u32,
    pub height: u32,
}

/// A tile's bounds in analysis pixels, right/bottom exclusive.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileRect {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl TileGrid {
    pub fn for_size(width: u32, height: u32) -> Self {
        let side = (width.max(height) / 12).max(24);
        Self {
            cols: (width / side).max(1),
            rows: (height / side).max(1),
            width,
            height,
        }
    }

    pub fn len(&self) -> usize {
        (self.cols * self.rows) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn rect(&self, index: usize) -> TileRect {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let (col, row) = (index % self.cols, index / self.cols);
        TileRect {
            x0: col * self.width / self.cols,
            x1: (col + 1) * self.width / self.cols,
            y0: row * self.height / self.rows,
            y1: (row + 1) * self.height / self.rows,
        }
    }

    /// Tile centre in tile units (col + 0.5, row + 0.5).
    pub fn centre(&self, index: usize) -> (f32, f32) {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        (
            (index % self.cols) as f32 + 0.5,
            (index / self.cols) as f32 + 0.5,
        )
    }
}

/// The value below which `fraction` of `values` lie (nearest rank). Empty input gives 0.
pub(crate) fn percentile(values: &[f32], fraction: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = ((sorted.len() - 1) as f32 * fraction.clamp(0.0, 1.0)).round() as usize;
    sorted[rank]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_18_percent_is_middle_grey_in_linear_light() {
        let img = RgbImage::from_pixel(4, 4, image::Rgb([118, 118, 118]));
        let planes = Planes::from_rgb(&img);
        assert!((planes.linear[0] - 0.18).abs() < 0.01);
        assert!((linear_to_srgb(planes.linear[0]) - 118.0 / 255.0).abs() < 0.01);
    }

    #[test]
    fn tiles_cover_the_frame_without_gaps() {
        let grid = TileGrid::for_size(1400, 933);
        let area: u32 = (0..grid.len())
            .map(|i| {
                let r = grid.rect(i);
                (r.x1 - r.x0) * (r.y1 - r.y0)
            })
            .sum();
        assert_eq!(area, 1400 * 933);
        assert_eq!(grid.cols, 12);
    }

    #[test]
    fn near_white_pixels_are_counted_wherever_they_sit_among_dark_blocks() {
        // Scattered near-white pixels, some with one channel high, some with all three, across
        // block boundaries and in the last, partial block.
        let img = RgbImage::from_fn(37, 11, |x, y| match (x * 7 + y * 3) % 23 {
            0 => image::Rgb([255, 10, 10]),
            1 => image::Rgb([250, 251, 252]),
            2 => image::Rgb([249, 255, 249]),
            3 => image::Rgb([249, 249, 249]),
            _ => image::Rgb([(x * 5) as u8, (y * 9) as u8, 40]),
        });
        let (mut clipped, mut white) = (0, 0);
        for p in img.pixels() {
            clipped += usize::from(p.0.iter().any(|&c| c >= 250));
            white += usize::from(p.0.iter().all(|&c| c >= 250));
        }
        let planes = Planes::from_rgb(&img);
        assert_eq!((planes.clipped, planes.white), (clipped, white));
        assert!(clipped > white && white > 0);
    }

    #[test]
    fn percentile_picks_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 1.0), 5.0);
    }
}
