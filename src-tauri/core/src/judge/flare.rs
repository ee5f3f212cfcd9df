//! Veiling glare: light scattered inside the lens from a bright source adds a soft wash that lifts
//! the shadows near the source. Measured as how far the darkest tones of detailed tiles near the
//! brightest clipped spot sit above the darkest tones of detailed tiles far from it. Flat tiles
//! (clear sky around the sun) are left out: they are bright because the scene is.

use serde::{Deserialize, Serialize};

use super::planes::{percentile, Planes, TileGrid};
use super::sharpness::SharpnessStats;

/// The level (0–1) below which `fraction` of a 256-bin histogram lies.
fn histogram_quantile(histogram: &[u32; 256], fraction: f32) -> f32 {
    let total: u32 = histogram.iter().sum();
    let target = (total as f32 * fraction) as u32;
    let mut seen = 0u32;
    for (level, &n) in histogram.iter().enumerate() {
        seen += n;
        if seen > target {
            return level as f32 / 255.0;
        }
    }
    1.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlareStats {
    /// Whether a bright, clipped light source is in the frame.
    pub source_found: bool,
    /// Shadow brightness (sRGB-encoded, 0–1) of detailed tiles near the source and far from it.
    pub near_shadow: f32,
    pub far_shadow: f32,
    /// `near_shadow − far_shadow`.
    pub lift: f32,
}

const SOURCE_LEVEL: f32 = 0.96;

pub(crate) fn measure(planes: &Planes, grid: &TileGrid, sharpness: &SharpnessStats) -> FlareStats {
    let none = FlareStats {
        source_found: false,
        near_shadow: 0.0,
        far_shadow: 0.0,
        lift: 0.0,
    };
    let mut bright_per_tile = vec![0usize; grid.len()];
    let mut shadows = vec![0f32; grid.len()];
    for (i, (count, shadow)) in bright_per_tile
        .iter_mut()
        .zip(shadows.iter_mut())
        .enumerate()
    {
        let rect = grid.rect(i);
        let mut histogram = [0u32; 256];
        let w = planes.width as usize;
        for y in rect.y0 as usize..rect.y1 as usize {
            for &v in &planes.luma[y * w + rect.x0 as usize..y * w + rect.x1 as usize] {
                *count += usize::from(v >= SOURCE_LEVEL);
                histogram[((v * 255.0) as usize).min(255)] += 1;
            }
        }
        *shadow = histogram_quantile(&histogram, 0.05);
    }
    let total_bright: usize = bright_per_tile.iter().sum();
    let pixels = (planes.width * planes.height) as usize;
    let Some((source, _)) = bright_per_tile
        .iter()
        .enumerate()
        .max_by_key(|(_, c)| **c)
        .filter(|_| total_bright * 1000 >= pixels)
    else {
        return none;
    };
    let (sx, sy) = grid.centre(source);
    let mut near = Vec::new();
    let mut far = Vec::new();
    let reach = grid.cols.max(grid.rows) as f32;
    for (i, shadow) in shadows.iter().enumerate() {
        if sharpness.tiles.get(i).copied().flatten().is_none() {
            continue;
        }
        let (x, y) = grid.centre(i);
        let distance = ((x - sx).powi(2) + (y - sy).powi(2)).sqrt();
        if distance <= reach * 0.2 {
            near.push(*shadow);
        } else if distance >= reach * 0.45 {
            far.push(*shadow);
        }
    }
    if near.is_empty() || far.is_empty() {
        return FlareStats {
            source_found: true,
            ..none
        };
    }
    // A veil lifts even the darkest detail near the source; a bright object merely has bright
    // neighbours, with dark detail among them.
    let near_shadow = percentile(&near, 0.25);
    let far_shadow = percentile(&far, 0.5);
    FlareStats {
        source_found: true,
        near_shadow,
        far_shadow,
        lift: near_shadow - far_shadow,
    }
}
