//! Sensor noise, estimated where the scene itself is flat. Immerkær's (1996) operator — the
//! difference of two Laplacians, [1 −2 1; −2 4 −2; 1 −2 1] — cancels smooth shading and straight
//! edges and leaves mostly noise; its mean magnitude times √(π/2)/6 estimates σ. The estimate is
//! taken in the flattest tiles of the frame, where texture cannot pass for grain.

use serde::{Deserialize, Serialize};

use super::planes::{percentile, Planes, TileGrid};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoiseStats {
    /// Noise standard deviation in 8-bit levels (0–255) at analysis size, in the flattest tiles.
    pub sigma: f32,
    /// The same per tile, row by row.
    pub tiles: Vec<f32>,
}

pub(crate) fn measure(planes: &Planes, grid: &TileGrid) -> NoiseStats {
    let tiles: Vec<f32> = (0..grid.len())
        .map(|i| tile_sigma(planes, grid.rect(i)))
        .collect();
    NoiseStats {
        sigma: percentile(&tiles, 0.15),
        tiles,
    }
}

/// The absolute response of the 3×3 Laplacian-of-differences kernel to a neighbourhood, row by
/// row from the top left.
#[inline]
fn laplacian([ul, u, ur, l, m, r, dl, d, dr]: [f32; 9]) -> f32 {
    (ul - 2.0 * u + ur - 2.0 * l + 4.0 * m - 2.0 * r + dl - 2.0 * d + dr).abs()
}

fn tile_sigma(planes: &Planes, rect: super::planes::TileRect) -> f32 {
    let w = planes.width as usize;
    let x0 = rect.x0.max(1) as usize;
    let y0 = rect.y0.max(1) as usize;
    let x1 = rect.x1.min(planes.width.saturating_sub(1)) as usize;
    let y1 = rect.y1.min(planes.height.saturating_sub(1)) as usize;
    if x1 <= x0 || y1 <= y0 {
        return 0.0;
    }
    let luma = &planes.luma;
    let mut total = 0f64;
    let len = x1 - x0;
    for y in y0..y1 {
        // Each neighbour as a slice the length of the row's span: no bounds check per pixel.
        let at = |row: usize, dx: usize| &luma[row * w + x0 + dx - 1..][..len];
        let (ul, u, ur) = (at(y - 1, 0), at(y - 1, 1), at(y - 1, 2));
        let (l, m, r) = (at(y, 0), at(y, 1), at(y, 2));
        let (dl, d, dr) = (at(y + 1, 0), at(y + 1, 1), at(y + 1, 2));
        // Eight running sums, not one: a single sum is a chain of dependent adds.
        let mut lanes = [0f32; 8];
        let whole = len - len % 8;
        for start in (0..whole).step_by(8) {
            // Fixed-size windows: one bounds check per eight pixels, and the lanes vectorise.
            let window =
                |s: &[f32]| -> [f32; 8] { std::array::from_fn(|i| s[start..start + 8][i]) };
            let (ul, u, ur) = (window(ul), window(u), window(ur));
            let (l, m, r) = (window(l), window(m), window(r));
            let (dl, d, dr) = (window(dl), window(d), window(dr));
            for i in 0..8 {
                lanes[i] += laplacian([ul[i], u[i], ur[i], l[i], m[i], r[i], dl[i], d[i], dr[i]]);
            }
        }
        for (x, lane) in (whole..len).zip(lanes.iter_mut()) {
            *lane += laplacian([ul[x], u[x], ur[x], l[x], m[x], r[x], dl[x], d[x], dr[x]]);
        }
        total += f64::from(lanes.iter().sum::<f32>());
    }
    let mean = total / ((x1 - x0) * (y1 - y0)) as f64;
    ((std::f64::consts::FRAC_PI_2).sqrt() * mean / 6.0 * 255.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;
    use rand::{Rng, SeedableRng};

    #[test]
    fn recovers_the_sigma_of_added_gaussian_noise() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let img = RgbImage::from_fn(300, 200, |x, _| {
            // A smooth ramp plus Gaussian-ish noise (sum of uniforms), σ ≈ 8 levels.
            let noise: f32 = (0..12).map(|_| rng.gen::<f32>()).sum::<f32>() - 6.0;
            let v = 60.0 + x as f32 * 0.4 + noise * 8.0;
            image::Rgb([v.clamp(0.0, 255.0) as u8; 3])
        });
        let planes = Planes::from_rgb(&img);
        let stats = measure(&planes, &TileGrid::for_size(300, 200));
        assert!((stats.sigma - 8.0).abs() < 1.5, "{}", stats.sigma);
    }

    #[test]
    fn clean_ramp_has_almost_no_noise() {
        let img = RgbImage::from_fn(300, 200, |x, _| image::Rgb([(x / 2) as u8; 3]));
        let planes = Planes::from_rgb(&img);
        assert!(measure(&planes, &TileGrid::for_size(300, 200)).sigma < 0.6);
    }
}
