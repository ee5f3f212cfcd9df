//! Focus and shake, judged per tile so that a sharp subject in front of a soft background (bokeh)
//! counts as sharp: the photo is as sharp as its sharpest region.
//!
//! The per-tile measure follows the "blur effect" idea of Crete et al. (2007): blur the tile a
//! little more and see how much edge contrast it loses. A sharp edge loses most of it, an already
//! soft edge hardly changes. Along a direction `d`, with `D = |I(p) − I(p−d)|` and the same
//! difference after a 9-tap box blur along `d` (which telescopes to `|I(p+4d) − I(p−5d)| / 9`),
//! sharpness is `Σ max(0, D − D_blur) / Σ D`: about `1 − edge_width / 9`. Measured along four
//! directions, defocus softens all of them while camera shake softens one and spares the
//! direction across it.

use serde::{Deserialize, Serialize};

use super::planes::{percentile, Planes, TileGrid, TileRect};

/// Directions as (dx, dy): 0°, 45°, 90°, 135°.
const DIRECTIONS: [(i32, i32); 4] = [(1, 0), (1, 1), (0, 1), (-1, 1)];
pub const DIRECTION_DEGREES: [f32; 4] = [0.0, 45.0, 90.0, 135.0];
/// Length in pixels of the 9-tap box along each direction.
const BOX_LENGTH: [f32; 4] = [
    9.0,
    9.0 * std::f32::consts::SQRT_2,
    9.0,
    9.0 * std::f32::consts::SQRT_2,
];
/// Tiles flatter than this (luma standard deviation) show too little to judge focus: sky, walls,
/// smooth bokeh.
const MIN_TILE_STD: f32 = 0.035;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharpnessStats {
    pub grid: TileGrid,
    /// Per tile, row by row: sharpness 0–1, or `None` where the tile is too flat to judge.
    pub tiles: Vec<Option<f32>>,
    pub informative_tiles: usize,
    /// Mean sharpness of the sharpest tiles (the subject, if anything is in focus).
    pub best: Option<f32>,
    /// Median over informative tiles: low with a high `best` is shallow depth of field.
    pub median: Option<f32>,
    /// Sharpness of the sharpest tiles along 0°, 45°, 90°, 135°.
    pub directional: [f32; 4],
    /// The same as mean edge width in pixels at the focus scale (`(1 − s) × box length`, the box
    /// being √2 longer along diagonals), which makes directions comparable.
    pub edge_width_px: [f32; 4],
    /// 1 − narrowest / widest edge width: near 0 for defocus, high for shake.
    pub anisotropy: f32,
    /// Direction (degrees, image x axis, clockwise) along which edges are widest: the smear.
    pub softest_direction_deg: f32,
    /// Long side, in pixels, of the image the widths were measured on.
    pub focus_long_side: u32,
    /// Where the sharpest tile is, for showing at 100 %.
    pub sharpest_tile: Option<TileRect>,
}

impl SharpnessStats {
    /// Mean edge width (px at the focus scale) of the sharpest region over the four directions;
    /// `None` when no region holds enough detail. Comparable with a face's `edge_px`.
    pub fn mean_edge_px(&self) -> Option<f32> {
        self.best
            .map(|_| self.edge_width_px.iter().sum::<f32>() / 4.0)
    }

    /// The sharpest tile's centre as fractions of the frame's width and height: where the focus
    /// lies (a focus stack moves it, a burst keeps it on the subject).
    pub fn sharpest_at(&self) -> Option<[f32; 2]> {
        let t = self.sharpest_tile?;
        let (w, h) = (
            self.grid.width.max(1) as f32,
            self.grid.height.max(1) as f32,
        );
        Some([
            (t.x0 + t.x1) as f32 / 2.0 / w,
            (t.y0 + t.y1) as f32 / 2.0 / h,
        ])
    }
}

struct TileSums {
    edge: [f64; 4],
    kept: [f64; 4],
    std: f32,
}

impl TileSums {
    fn sharpness(&self, dir: usize) -> f32 {
        if self.edge[dir] <= f64::EPSILON {
            0.0
        } else {
            (self.kept[dir] / self.edge[dir]) as f32
        }
    }
    fn mean_sharpness(&self) -> f32 {
        (0..4).map(|d| self.sharpness(d)).sum::<f32>() / 4.0
    }
}

/// Focus is judged at about this long side whatever the photo's size, so that "sharp" means
/// the same for a 2560 px wallpaper and a 1500 px preview of a 24 MP frame.
const FOCUS_LONG_SIDE: u32 = 1200;

/// How many analysis pixels make one pixel of the focus scale.
fn focus_factor(width: u32, height: u32) -> u32 {
    ((width.max(height) as f32 / FOCUS_LONG_SIDE as f32).round() as u32).max(1)
}

/// Regions shorter than this at the focus scale hold too few edges to measure (a face of about
/// 25 px in a 1200 px frame is two eyes, a nose and a mouth a few pixels each).
const MIN_REGION_SIDE: u32 = 24;

/// Focus over one region of the frame (a face), measured as the tiles are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegionFocus {
    /// 0–1, the tiles' measure over the region's sharpest block, averaged over the four
    /// directions.
    pub sharpness: f32,
    /// Mean edge width over the four directions in that block, in pixels at the focus scale:
    /// comparable with [`SharpnessStats::edge_width_px`].
    pub edge_width_px: f32,
    /// Edge width along the softest direction (a shaken face smears one way).
    pub widest_px: f32,
}

/// Focus of the region `[x, y, w, h]` (analysis pixels) of the analysis image, at the same
/// scale and by the same measure as the tiles of [`SharpnessStats`]; `None` when the region is
/// too small or too flat to judge.
pub fn region_focus(image: &image::RgbImage, bbox: [f32; 4]) -> Option<RegionFocus> {
    let (iw, ih) = image.dimensions();
    let factor = focus_factor(iw, ih);
    let [x, y, w, h] = bbox;
    if w.min(h) < (MIN_REGION_SIDE * factor) as f32 {
        return None;
    }
    // Room around the region for the measure's reach (5 px each way at the focus scale).
    let margin = 6 * factor as i64;
    let clip = |v: f32, hi: u32| (v.round() as i64).clamp(0, i64::from(hi)) as u32;
    let (cx0, cy0) = (
        clip(x - margin as f32, iw) / factor * factor,
        clip(y - margin as f32, ih) / factor * factor,
    );
    let (cx1, cy1) = (
        clip(x + w + margin as f32, iw),
        clip(y + h + margin as f32, ih),
    );
    let (cw, ch) = (cx1.saturating_sub(cx0), cy1.saturating_sub(cy0));
    if cw < 2 * factor || ch < 2 * factor {
        return None;
    }
    let luma: Vec<f32> = (cy0..cy1)
        .flat_map(|py| (cx0..cx1).map(move |px| (px, py)))
        .map(|(px, py)| super::planes::luma(&image.get_pixel(px, py).0))
        .collect();
    let (luma, fw, fh) = if factor > 1 {
        box_shrink(&luma, cw, ch, factor)
    } else {
        (luma, cw, ch)
    };
    let smoothed = smooth3(&luma, fw, fh);
    let to_focus = |v: f32, origin: u32, hi: u32| {
        (((v - origin as f32) / factor as f32).round().max(0.0) as u32).min(hi)
    };
    let rect = TileRect {
        x0: to_focus(x, cx0, fw),
        y0: to_focus(y, cy0, fh),
        x1: to_focus(x + w, cx0, fw),
        y1: to_focus(y + h, cy0, fh),
    };
    // The region's sharpest block counts, as the frame's sharpest tiles do: a face is judged by
    // its eyes and hairline, not by smooth (or retouched) skin, which reads soft when in focus.
    let side = (rect.x1 - rect.x0).min(rect.y1 - rect.y0);
    let n = (side / MIN_REGION_SIDE).clamp(1, 3);
    let block = |i: u32, j: u32| TileRect {
        x0: rect.x0 + (rect.x1 - rect.x0) * i / n,
        x1: rect.x0 + (rect.x1 - rect.x0) * (i + 1) / n,
        y0: rect.y0 + (rect.y1 - rect.y0) * j / n,
        y1: rect.y0 + (rect.y1 - rect.y0) * (j + 1) / n,
    };
    let sums = (0..n * n)
        .map(|b| tile_sums(&smoothed, fw, fh, block(b % n, b / n)))
        .filter(|s| s.std >= MIN_TILE_STD && s.edge.iter().any(|e| *e > f64::EPSILON))
        .max_by(|a, b| a.mean_sharpness().total_cmp(&b.mean_sharpness()))?;
    let widths: [f32; 4] = std::array::from_fn(|d| (1.0 - sums.sharpness(d)) * BOX_LENGTH[d]);
    Some(RegionFocus {
        sharpness: sums.mean_sharpness(),
        edge_width_px: widths.iter().sum::<f32>() / 4.0,
        widest_px: widths.iter().copied().fold(0.0, f32::max),
    })
}

/// Stats of a 1200×800 frame whose every tile is equally detailed, with sharpest-region edges
/// `edge_px` wide in every direction: for tests of the rules that read them.
#[cfg(test)]
pub(crate) fn uniform_stats(edge_px: f32) -> SharpnessStats {
    let grid = TileGrid::for_size(1200, 800);
    SharpnessStats {
        grid,
        tiles: vec![Some(0.6); grid.len()],
        informative_tiles: grid.len(),
        best: Some(0.6),
        median: Some(0.5),
        directional: [0.6; 4],
        edge_width_px: [edge_px; 4],
        anisotropy: 0.0,
        softest_direction_deg: 0.0,
        focus_long_side: 1200,
        sharpest_tile: None,
    }
}

pub(crate) fn measure(planes: &Planes, grid: &TileGrid) -> SharpnessStats {
    let factor = focus_factor(planes.width, planes.height);
    // Borrowed at the analysis size: a copy of the plane (6 MB at 1500×1000) bought nothing.
    let (luma, width, height) = if factor > 1 {
        let (shrunk, w, h) = box_shrink(&planes.luma, planes.width, planes.height, factor);
        (std::borrow::Cow::Owned(shrunk), w, h)
    } else {
        (
            std::borrow::Cow::Borrowed(planes.luma.as_slice()),
            planes.width,
            planes.height,
        )
    };
    let smoothed = smooth3(&luma, width, height);
    // The grid stays in analysis pixels (other detectors share it); tiles map down by `factor`.
    let sums: Vec<TileSums> = (0..grid.len())
        .map(|i| {
            let r = grid.rect(i);
            let scaled = TileRect {
                x0: r.x0 / factor,
                y0: r.y0 / factor,
                x1: (r.x1 / factor).min(width),
                y1: (r.y1 / factor).min(height),
            };
            tile_sums(&smoothed, width, height, scaled)
        })
        .collect();
    let tiles: Vec<Option<f32>> = sums
        .iter()
        .map(|s| (s.std >= MIN_TILE_STD).then(|| s.mean_sharpness()))
        .collect();
    let mut ranked: Vec<(usize, f32)> = tiles
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let informative = ranked.len();
    if informative == 0 {
        return SharpnessStats {
            grid: *grid,
            tiles,
            informative_tiles: 0,
            best: None,
            median: None,
            directional: [0.0; 4],
            edge_width_px: [0.0; 4],
            anisotropy: 0.0,
            softest_direction_deg: 0.0,
            focus_long_side: width.max(height),
            sharpest_tile: None,
        };
    }
    let top = (informative as f32 * 0.08).ceil().max(2.0) as usize;
    let top = &ranked[..top.min(informative)];
    let best = top.iter().map(|(_, s)| s).sum::<f32>() / top.len() as f32;
    let values: Vec<f32> = ranked.iter().map(|(_, s)| *s).collect();
    let mut edge = [0f64; 4];
    let mut kept = [0f64; 4];
    for (i, _) in top {
        for d in 0..4 {
            edge[d] += sums[*i].edge[d];
            kept[d] += sums[*i].kept[d];
        }
    }
    let directional: [f32; 4] = std::array::from_fn(|d| {
        if edge[d] > 0.0 {
            (kept[d] / edge[d]) as f32
        } else {
            0.0
        }
    });
    let edge_width_px: [f32; 4] = std::array::from_fn(|d| (1.0 - directional[d]) * BOX_LENGTH[d]);
    let (softest, widest) = edge_width_px
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or((0, 0.0), |(d, v)| (d, *v));
    let narrowest = edge_width_px.iter().copied().fold(f32::INFINITY, f32::min);
    SharpnessStats {
        grid: *grid,
        tiles,
        informative_tiles: informative,
        best: Some(best),
        median: Some(percentile(&values, 0.5)),
        directional,
        edge_width_px,
        anisotropy: if widest > 0.0 {
            1.0 - narrowest / widest
        } else {
            0.0
        },
        softest_direction_deg: DIRECTION_DEGREES[softest],
        focus_long_side: width.max(height),
        sharpest_tile: Some(grid.rect(ranked[0].0)),
    }
}

/// A 3×3 box blur: it costs sharp edges about one pixel of width but takes two thirds of the
/// sensor noise away, which would otherwise read as fine detail.
fn smooth3(src: &[f32], width: u32, height: u32) -> Vec<f32> {
    let (w, h) = (width as usize, height as usize);
    let mut horizontal = vec![0f32; w * h];
    for (row, out) in src.chunks_exact(w).zip(horizontal.chunks_exact_mut(w)) {
        out[0] = (2.0 * row[0] + row[w.min(2) - 1]) / 3.0;
        out[w - 1] = (2.0 * row[w - 1] + row[w.saturating_sub(2)]) / 3.0;
        for (o, win) in out[1..].iter_mut().zip(row.windows(3)) {
            *o = (win[0] + win[1] + win[2]) * (1.0 / 3.0);
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        let up = &horizontal[y.saturating_sub(1) * w..][..w];
        let mid = &horizontal[y * w..][..w];
        let down = &horizontal[(y + 1).min(h - 1) * w..][..w];
        for (((o, a), b), c) in out[y * w..][..w].iter_mut().zip(up).zip(mid).zip(down) {
            *o = (a + b + c) * (1.0 / 3.0);
        }
    }
    out
}

/// Averages `factor`×`factor` blocks.
fn box_shrink(src: &[f32], width: u32, height: u32, factor: u32) -> (Vec<f32>, u32, u32) {
    let (w, h) = ((width / factor).max(1), (height / factor).max(1));
    let mut out = vec![0f32; (w * h) as usize];
    let area = (factor * factor) as f32;
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0f32;
            for dy in 0..factor {
                let row = ((y * factor + dy).min(height - 1) * width) as usize;
                for dx in 0..factor {
                    sum += src[row + (x * factor + dx).min(width - 1) as usize];
                }
            }
            out[(y * w + x) as usize] = sum / area;
        }
    }
    (out, w, h)
}

fn tile_sums(luma: &[f32], width: u32, height: u32, rect: TileRect) -> TileSums {
    let w = width as usize;
    let mut edge = [0f32; 4];
    let mut kept = [0f32; 4];
    let (mut sum, mut sum_sq, mut n) = (0f64, 0f64, 0usize);
    // Margins keep the 10-pixel reach of the blurred difference inside the frame, so the inner
    // loop needs no bounds clamping.
    let margin = 5u32;
    let x0 = rect.x0.max(margin) as usize;
    let x1 = rect.x1.min(width.saturating_sub(margin)) as usize;
    let y0 = rect.y0.max(margin) as usize;
    let y1 = rect.y1.min(height.saturating_sub(margin)) as usize;
    if x1 <= x0 || y1 <= y0 {
        return TileSums {
            edge: [0.0; 4],
            kept: [0.0; 4],
            std: 0.0,
        };
    }
    // Offsets of one step along each direction, in the flat buffer.
    let steps: [isize; 4] = DIRECTIONS.map(|(dx, dy)| dx as isize + dy as isize * w as isize);
    let len = x1 - x0;
    for y in y0..y1 {
        let start = y * w + x0;
        let here = &luma[start..start + len];
        let shifted = |k: isize| {
            let from = start.wrapping_add_signed(k);
            &luma[from..from + len]
        };
        // In lanes, like the edge sums below: one running sum is a chain of dependent adds,
        // about a third of this function's time.
        let (mut lane_sum, mut lane_sq) = ([0f32; 8], [0f32; 8]);
        let mut rest = here.chunks_exact(8);
        for v in &mut rest {
            for i in 0..8 {
                lane_sum[i] += v[i];
                lane_sq[i] += v[i] * v[i];
            }
        }
        for (i, v) in rest.remainder().iter().enumerate() {
            lane_sum[i] += v;
            lane_sq[i] += v * v;
        }
        sum += f64::from(lane_sum.iter().sum::<f32>());
        sum_sq += f64::from(lane_sq.iter().sum::<f32>());
        n += len;
        // Same-length slices zipped together: no per-pixel bounds checks, and the loops vectorise.
        for (d, &step) in steps.iter().enumerate() {
            // Eight independent lanes let the compiler keep the sums in vector registers.
            const LANES: usize = 8;
            let (mut lane_edge, mut lane_kept) = ([0f32; LANES], [0f32; LANES]);
            let (back1, fwd4, back5) = (shifted(-step), shifted(4 * step), shifted(-5 * step));
            let chunks = here
                .chunks_exact(LANES)
                .zip(back1.chunks_exact(LANES))
                .zip(fwd4.chunks_exact(LANES))
                .zip(back5.chunks_exact(LANES));
            for (((v, b1), f4), b5) in chunks {
                for i in 0..LANES {
                    let diff = (v[i] - b1[i]).abs();
                    let blurred = (f4[i] - b5[i]).abs() * (1.0 / 9.0);
                    lane_edge[i] += diff;
                    lane_kept[i] += (diff - blurred).max(0.0);
                }
            }
            let tail = len - len % LANES;
            for i in tail..len {
                let diff = (here[i] - back1[i]).abs();
                let blurred = (fwd4[i] - back5[i]).abs() * (1.0 / 9.0);
                lane_edge[0] += diff;
                lane_kept[0] += (diff - blurred).max(0.0);
            }
            edge[d] += lane_edge.iter().sum::<f32>();
            kept[d] += lane_kept.iter().sum::<f32>();
        }
    }
    let n = n as f64;
    let mean = sum / n;
    let std = ((sum_sq / n - mean * mean).max(0.0)).sqrt() as f32;
    TileSums {
        edge: edge.map(f64::from),
        kept: kept.map(f64::from),
        std,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    /// Random blocks of 6 px: hard edges everywhere, in every direction.
    fn checker(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let cell = (x / 6).wrapping_mul(7919) ^ (y / 6).wrapping_mul(104_729);
            let v = if cell.wrapping_mul(2_654_435_761) >> 31 == 1 {
                210
            } else {
                40
            };
            image::Rgb([v; 3])
        })
    }

    fn box_blur_horizontal(img: &RgbImage, radius: i64) -> RgbImage {
        RgbImage::from_fn(img.width(), img.height(), |x, y| {
            let mut sum = 0u32;
            let mut n = 0u32;
            for dx in -radius..=radius {
                let xx = (i64::from(x) + dx).clamp(0, i64::from(img.width()) - 1) as u32;
                sum += u32::from(img.get_pixel(xx, y)[0]);
                n += 1;
            }
            image::Rgb([(sum / n) as u8; 3])
        })
    }

    fn stats(img: &RgbImage) -> SharpnessStats {
        let planes = Planes::from_rgb(img);
        measure(&planes, &TileGrid::for_size(planes.width, planes.height))
    }

    #[test]
    fn hard_edges_are_sharp_and_isotropic() {
        let s = stats(&checker(240, 180));
        assert!(s.best.expect("informative") > 0.5, "{s:?}");
        assert!(s.anisotropy < 0.25, "{s:?}");
    }

    #[test]
    fn horizontal_smear_is_soft_along_zero_degrees() {
        let s = stats(&box_blur_horizontal(&checker(240, 180), 5));
        assert_eq!(s.softest_direction_deg, 0.0, "{s:?}");
        assert!(s.anisotropy > 0.4, "{s:?}");
    }

    #[test]
    fn flat_frame_has_nothing_to_judge() {
        let s = stats(&RgbImage::from_pixel(200, 150, image::Rgb([120; 3])));
        assert_eq!(s.informative_tiles, 0);
        assert!(s.best.is_none());
    }

    #[test]
    fn a_region_is_measured_like_the_tiles_and_a_soft_patch_reads_wider() {
        let sharp = checker(600, 400);
        let mut patched = sharp.clone();
        let soft = box_blur_horizontal(&sharp, 4);
        let patch = image::imageops::crop_imm(&soft, 200, 100, 120, 120).to_image();
        image::imageops::replace(&mut patched, &patch, 200, 100);
        let region = [200.0, 100.0, 120.0, 120.0];
        let crisp = region_focus(&sharp, region).expect("detailed");
        let smeared = region_focus(&patched, region).expect("detailed");
        assert!(crisp.edge_width_px < 4.0, "{crisp:?}");
        assert!(
            smeared.edge_width_px > crisp.edge_width_px + 1.0,
            "{smeared:?}"
        );
        assert!(smeared.widest_px > smeared.edge_width_px, "{smeared:?}");
        // Too small or too flat: nothing to say.
        assert_eq!(region_focus(&sharp, [10.0, 10.0, 12.0, 12.0]), None);
        let flat = RgbImage::from_pixel(300, 200, image::Rgb([120; 3]));
        assert_eq!(region_focus(&flat, [50.0, 50.0, 100.0, 100.0]), None);
    }
}
