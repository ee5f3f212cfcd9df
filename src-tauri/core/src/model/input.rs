//! What the learned model sees of a photo: a few small RGB views of the analysis preview plus the
//! detectors' own numbers. Training (`models/training`) builds its examples with this same code,
//! so what the model learnt from and what it is shown in a scan cannot drift apart.

use image::{imageops, RgbImage};

use crate::judge::{Measurements, TileRect};
use crate::media::Preview;

/// Side of every view, in pixels.
pub const VIEW_SIDE: u32 = 160;
/// The whole frame (composition, exposure, the embedding) and a window at analysis resolution
/// around the sharpest tile (focus, shake, grain and blocks where the subject is). Two small
/// views keep the network's cost near a tenth of a scan's; the detectors' numbers cover the rest.
pub const VIEW_COUNT: usize = 2;

/// The detector numbers handed to the model, in this order. Rescaled to roughly 0–1 so the
/// trained standardisation has little to undo.
pub const FEATURE_NAMES: [&str; 27] = [
    "exposure.mean_ev/4",
    "exposure.dark_fraction",
    "exposure.clipped_fraction",
    "exposure.white_fraction",
    "exposure.highlight_brightness",
    "exposure.shadow_brightness",
    "exposure.highlight_headroom_stops/4",
    "contrast.range_stops/10",
    "contrast.low_brightness",
    "contrast.high_brightness",
    "sharpness.has_detail",
    "sharpness.best",
    "sharpness.median",
    "sharpness.directional0",
    "sharpness.directional45",
    "sharpness.directional90",
    "sharpness.directional135",
    "sharpness.anisotropy",
    "sharpness.informative_share",
    "noise.log2_sigma/4",
    "jpeg.quality/100",
    "jpeg.has_blockiness",
    "jpeg.blockiness",
    "flare.source_found",
    "flare.near_shadow",
    "flare.far_shadow",
    "flare.lift",
];
pub const FEATURE_COUNT: usize = FEATURE_NAMES.len();

/// One photo, ready for the model.
#[derive(Debug, Clone)]
pub struct ModelInput {
    /// `VIEW_COUNT` views of `VIEW_SIDE`² RGB pixels, row-major, interleaved (HWC), view after view.
    pub views: Vec<u8>,
    pub features: [f32; FEATURE_COUNT],
}

impl ModelInput {
    pub fn from_preview(preview: &Preview, measurements: &Measurements) -> Self {
        Self {
            views: views(&preview.image, measurements.sharpness.sharpest_tile),
            features: features(measurements),
        }
    }
}

/// The views, concatenated.
pub fn views(image: &RgbImage, sharpest_tile: Option<TileRect>) -> Vec<u8> {
    let side = VIEW_SIDE;
    let mut out = Vec::with_capacity(VIEW_COUNT * (side * side * 3) as usize);
    out.extend_from_slice(whole_frame(image, side).as_raw());
    let (w, h) = image.dimensions();
    let focus_centre =
        sharpest_tile.map_or((w / 2, h / 2), |t| ((t.x0 + t.x1) / 2, (t.y0 + t.y1) / 2));
    out.extend_from_slice(crop_around(image, focus_centre, side).as_raw());
    out
}

/// The whole frame squeezed to a square: every part of the photo counts, at the price of a
/// changed aspect ratio the network tolerates well.
fn whole_frame(image: &RgbImage, side: u32) -> RgbImage {
    imageops::thumbnail(image, side, side)
}

/// A `side`² window at analysis resolution centred as near `centre` as the frame allows; frames
/// smaller than the window are padded by repeating their edge pixels.
fn crop_around(image: &RgbImage, centre: (u32, u32), side: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    let origin = |c: u32, len: u32| -> i64 {
        let start = i64::from(c) - i64::from(side / 2);
        start.clamp(0, (i64::from(len) - i64::from(side)).max(0))
    };
    let (x0, y0) = (origin(centre.0, w), origin(centre.1, h));
    RgbImage::from_fn(side, side, |x, y| {
        let sx = (x0 + i64::from(x)).clamp(0, i64::from(w) - 1) as u32;
        let sy = (y0 + i64::from(y)).clamp(0, i64::from(h) - 1) as u32;
        *image.get_pixel(sx, sy)
    })
}

/// The detector numbers in [`FEATURE_NAMES`] order.
pub fn features(m: &Measurements) -> [f32; FEATURE_COUNT] {
    let e = &m.exposure;
    let c = &m.contrast;
    let s = &m.sharpness;
    let informative_share = if s.tiles.is_empty() {
        0.0
    } else {
        s.informative_tiles as f32 / s.tiles.len() as f32
    };
    let values = [
        e.mean_ev / 4.0,
        e.dark_fraction,
        e.clipped_fraction,
        e.white_fraction,
        e.highlight_brightness,
        e.shadow_brightness,
        e.highlight_headroom_stops / 4.0,
        c.range_stops / 10.0,
        c.low_brightness,
        c.high_brightness,
        if s.best.is_some() { 1.0 } else { 0.0 },
        s.best.unwrap_or(0.0),
        s.median.unwrap_or(0.0),
        s.directional[0],
        s.directional[1],
        s.directional[2],
        s.directional[3],
        s.anisotropy,
        informative_share,
        // Noise spans orders of magnitude; its log is what separates grain from a clean sky.
        (m.noise.sigma.max(0.05)).log2() / 4.0,
        m.jpeg.quality.unwrap_or(100.0) / 100.0,
        if m.jpeg.blockiness.is_some() {
            1.0
        } else {
            0.0
        },
        m.jpeg.blockiness.unwrap_or(0.0),
        if m.flare.source_found { 1.0 } else { 0.0 },
        m.flare.near_shadow,
        m.flare.far_shadow,
        m.flare.lift,
    ];
    values.map(|v| if v.is_finite() { v } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
        })
    }

    #[test]
    fn views_have_the_documented_size_and_the_crop_is_at_full_resolution() {
        let img = gradient(1000, 600);
        let tile = TileRect {
            x0: 400,
            y0: 100,
            x1: 500,
            y1: 200,
        };
        let v = views(&img, Some(tile));
        let view_len = (VIEW_SIDE * VIEW_SIDE * 3) as usize;
        assert_eq!(v.len(), VIEW_COUNT * view_len);
        // The focus crop starts half a view up and left of the tile's centre and copies pixels
        // one to one.
        let half = VIEW_SIDE / 2;
        let focus = &v[view_len..2 * view_len];
        assert_eq!(
            &focus[..3],
            &[((450 - half) % 256) as u8, (150 - half) as u8, 7]
        );
        let next = &focus[3..6];
        assert_eq!(next[0], focus[0] + 1);
    }

    #[test]
    fn frames_smaller_than_a_view_are_edge_padded_not_rejected() {
        let img = gradient(100, 50);
        let v = views(&img, None);
        assert_eq!(v.len(), VIEW_COUNT * (VIEW_SIDE * VIEW_SIDE * 3) as usize);
        let focus = &v[(VIEW_SIDE * VIEW_SIDE * 3) as usize..];
        let last_row_last_px = &focus[focus.len() - 3..];
        assert_eq!(last_row_last_px, &[99, 49, 7]);
    }
}
