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
        // Every step is counted once, by its position's place in the period; each phase then
        // reads its grid line from those sums, so trying all eight costs one pass, not eight.
        let sums = residue_sums(planes, p)?;
        if quality.is_some() {
            grid_steps(&sums, 0)
        } else {
            // Pixels from a PNG or TIFF may carry an old JPEG grid at any offset.
            (0..p as usize)
                .filter_map(|phase| grid_steps(&sums, phase))
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

/// The summed absolute steps between neighbouring pixels, and how many, by where each step
/// sits in the `period`: horizontal steps by the right-hand pixel's column, vertical ones by the
/// lower pixel's row. `None` for frames too small to hold a grid.
fn residue_sums(planes: &Planes, period: u32) -> Option<Vec<(f64, u64)>> {
    let (w, h) = (planes.width as usize, planes.height as usize);
    let p = period as usize;
    if w < p * 4 || h < p * 4 || !p.is_power_of_two() || p > 8 {
        return None;
    }
    let mask = p - 1;
    let mut sums = vec![(0f64, 0u64); p];
    // Columns 1..w in each residue: the same for every row.
    let per_row: Vec<u64> = (0..p)
        .map(|r| (1..w).filter(|x| x & mask == r).count() as u64)
        .collect();
    let luma = &planes.luma;
    for (y, row) in luma.chunks_exact(w).enumerate() {
        // Horizontal: the step into column x lands in x % p; each residue has its own running
        // sum, so the adds do not wait on each other.
        let mut lanes = [0f64; 8];
        for (x, pair) in row.windows(2).enumerate() {
            lanes[(x + 1) & mask] += f64::from((pair[1] - pair[0]).abs());
        }
        for ((sum, lane), count) in sums.iter_mut().zip(lanes).zip(&per_row) {
            sum.0 += lane;
            sum.1 += count;
        }
        // Vertical: the step into row y, a whole row at a time.
        if y > 0 {
            let above = &luma[(y - 1) * w..y * w];
            let mut lanes = [0f64; 4];
            let mut pairs = row.chunks_exact(4).zip(above.chunks_exact(4));
            for (here, up) in &mut pairs {
                for i in 0..4 {
                    lanes[i] += f64::from((here[i] - up[i]).abs());
                }
            }
            for x in w - w % 4..w {
                lanes[0] += f64::from((row[x] - above[x]).abs());
            }
            let slot = &mut sums[y & mask];
            slot.0 += lanes.iter().sum::<f64>();
            slot.1 += w as u64;
        }
    }
    Some(sums)
}

/// Compares steps at positions `x ≡ phase (mod period)` (between pixel x−1 and x) with the rest,
/// across both axes, from [`residue_sums`].
fn grid_steps(sums: &[(f64, u64)], phase: usize) -> Option<GridSteps> {
    let boundary = *sums.get(phase)?;
    let inside = sums
        .iter()
        .enumerate()
        .filter(|(residue, _)| *residue != phase)
        .fold((0f64, 0u64), |acc, (_, s)| (acc.0 + s.0, acc.1 + s.1));
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

    /// The steps as first measured: every step visited in scan order, sorted into the grid
    /// line or the rest as it goes, one phase per pass.
    fn steps_one_phase_at_a_time(planes: &Planes, period: u32, phase: u32) -> Option<GridSteps> {
        let (w, h) = (planes.width, planes.height);
        if w < period * 4 || h < period * 4 {
            return None;
        }
        let (mut boundary, mut inside) = ((0f64, 0u64), (0f64, 0u64));
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
        Some(GridSteps {
            boundary: (boundary.0 / boundary.1 as f64) as f32,
            inside: (inside.0 / inside.1 as f64) as f32,
        })
    }

    #[test]
    fn one_pass_over_the_steps_gives_every_phase_what_a_pass_per_phase_gave() {
        for (w, h, seed) in [(64, 32, 1u32), (203, 117, 2), (1001, 667, 3)] {
            let img = RgbImage::from_fn(w, h, |x, y| {
                let v = (x / 8 * 13 + y / 8 * 7 + (x * y + seed) % 11) as u8;
                image::Rgb([v, v.wrapping_mul(3), 255 - v])
            });
            let planes = Planes::from_rgb(&img);
            for period in [4u32, 8] {
                let sums = residue_sums(&planes, period).expect("large enough");
                for phase in 0..period {
                    let new = grid_steps(&sums, phase as usize).expect("steps");
                    let old = steps_one_phase_at_a_time(&planes, period, phase).expect("steps");
                    let same = |a: f32, b: f32| a == b;
                    assert!(
                        same(new.boundary, old.boundary) && same(new.inside, old.inside),
                        "{w}×{h}, period {period}, phase {phase}: {new:?} vs {old:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn quarter_scale_decodes_are_not_measured_for_blocks() {
        let img = RgbImage::from_pixel(64, 64, image::Rgb([9; 3]));
        assert!(measure(&Planes::from_rgb(&img), Some(90.0), 4)
            .blockiness
            .is_none());
    }
}
