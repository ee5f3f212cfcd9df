//! JPEG damage from two independent witnesses: the quantisation tables in the file's header (how
//! hard the encoder threw detail away) and the 8×8 block grid in the pixels (whether it shows).

use serde::{Deserialize, Serialize};

use super::planes::Planes;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JpegStats {
    /// IJG-equivalent quality estimated from the luminance quantisation table.
    pub quality: Option<f32>,
    /// Mean luma step across block boundaries over the mean step inside blocks; 1 means no grid.
    /// Only measured where the decode scale keeps block boundaries on whole pixels.
    pub blockiness: Option<f32>,
    /// How much larger, in 8-bit levels, the mean step across block boundaries is than inside
    /// blocks. In smooth areas a faint grid gives a high ratio but is invisible; this says
    /// whether the grid is big enough to see.
    pub block_excess_levels: Option<f32>,
}

pub(crate) fn measure(planes: &Planes, quality: Option<f32>, downscale: u32) -> JpegStats {
    // A 1/2-scale DCT decode turns 8×8 blocks into 4×4 ones; at 1/4 they are too small to see.
    let period = match downscale {
        1 => Some(8),
        2 => Some(4),
        _ => None,
    };
    let grid = period.and_then(|p| {
        if quality.is_some() {
            grid_steps(planes, p, 0)
        } else {
            // Pixels from a PNG or TIFF may carry an old JPEG grid at any offset.
            (0..p)
                .filter_map(|phase| grid_steps(planes, p, phase))
                .max_by(|a, b| a.excess().total_cmp(&b.excess()))
        }
    });
    JpegStats {
        quality,
        blockiness: grid.and_then(|g| g.ratio()),
        block_excess_levels: grid.map(|g| g.excess()),
    }
}

/// Mean absolute luma steps (0–1) across block boundaries and inside blocks.
#[derive(Debug, Clone, Copy)]
struct GridSteps {
    boundary: f32,
    inside: f32,
}

impl GridSteps {
    fn ratio(self) -> Option<f32> {
        (self.inside > f32::EPSILON).then(|| self.boundary / self.inside)
    }
    fn excess(self) -> f32 {
        (self.boundary - self.inside) * 255.0
    }
}

/// Compares steps at positions `x ≡ phase (mod period)` (between pixel x−1 and x) with the rest,
/// across both axes.
fn grid_steps(planes: &Planes, period: u32, phase: u32) -> Option<GridSteps> {
    let (w, h) = (planes.width, planes.height);
    if w < period * 4 || h < period * 4 {
        return None;
    }
    let mut boundary = (0f64, 0u64);
    let mut inside = (0f64, 0u64);
    let mut add = |pos: u32, step: f32| {
        let slot = if pos % period == phase {
            &mut boundary
        } else {
            &mut inside
        };
        slot.0 += f64::from(step.abs());
        slot.1 += 1;
    };
    for y in 0..h {
        for x in 1..w {
            add(x, planes.at(x, y) - planes.at(x - 1, y));
        }
    }
    for y in 1..h {
        for x in 0..w {
            add(y, planes.at(x, y) - planes.at(x, y - 1));
        }
    }
    if boundary.1 == 0 || inside.1 == 0 {
        return None;
    }
    Some(GridSteps {
        boundary: (boundary.0 / boundary.1 as f64) as f32,
        inside: (inside.0 / inside.1 as f64) as f32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    #[test]
    fn blocky_pixels_show_a_grid_and_smooth_ones_do_not() {
        let smooth = RgbImage::from_fn(128, 128, |x, y| image::Rgb([((x + y) / 2) as u8; 3]));
        // Shading inside each block plus a jump at every block edge, as heavy quantisation leaves.
        let blocky = RgbImage::from_fn(128, 128, |x, y| {
            image::Rgb([((x / 8 + y / 8) * 12 + (x % 8 + y % 8) / 2) as u8; 3])
        });
        let s = measure(&Planes::from_rgb(&smooth), Some(90.0), 1);
        let b = measure(&Planes::from_rgb(&blocky), Some(90.0), 1);
        assert!(s.blockiness.expect("measured") < 1.2);
        assert!(b.blockiness.expect("measured") > 3.0);
        assert!(b.block_excess_levels.expect("measured") > 5.0);
    }

    #[test]
    fn quarter_scale_decodes_are_not_measured_for_blocks() {
        let img = RgbImage::from_pixel(64, 64, image::Rgb([9; 3]));
        assert!(measure(&Planes::from_rgb(&img), Some(90.0), 4)
            .blockiness
            .is_none());
    }
}
