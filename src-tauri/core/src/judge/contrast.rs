//! Tonal range in stops between the darkest and brightest percent of the frame. Measured in linear
//! light so that a dark (or bright) exposure of a contrasty scene still counts as contrasty: only a
//! washed-out, flat rendering narrows the range.

use serde::{Deserialize, Serialize};

use super::planes::{linear_to_srgb, Planes};

/// A floor for the darkest percentile so that sensor black and 8-bit rounding do not turn a
/// pitch-black corner into infinite range.
const BLACK_FLOOR: f32 = 0.002;

/// Two quantiles by selection rather than a full sort.
fn two_quantiles(mut values: Vec<f32>, low: f32, high: f32) -> (f32, f32) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let last = values.len() - 1;
    let rank = |f: f32| ((last as f32) * f).round() as usize;
    let (_, lo, _) = values.select_nth_unstable_by(rank(low), f32::total_cmp);
    let lo = *lo;
    let (_, hi, _) = values.select_nth_unstable_by(rank(high), f32::total_cmp);
    (lo, *hi)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContrastStats {
    /// log2 of the 99th over the 1st percentile of linear luminance.
    pub range_stops: f32,
    /// Brightness (sRGB-encoded) of the 1st and 99th percentiles.
    pub low_brightness: f32,
    pub high_brightness: f32,
}

pub(crate) fn measure(planes: &Planes) -> ContrastStats {
    // Every fourth pixel gives the same percentiles to well under a percent and costs a quarter.
    let sample: Vec<f32> = planes.linear.iter().step_by(4).copied().collect();
    let (low, high) = two_quantiles(sample, 0.01, 0.99);
    ContrastStats {
        range_stops: ((high + BLACK_FLOOR) / (low + BLACK_FLOOR)).log2(),
        low_brightness: linear_to_srgb(low),
        high_brightness: linear_to_srgb(high),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    #[test]
    fn flat_grey_has_no_range_and_black_to_white_has_many_stops() {
        let flat = RgbImage::from_pixel(32, 32, image::Rgb([128; 3]));
        assert!(measure(&Planes::from_rgb(&flat)).range_stops < 0.1);
        let ramp = RgbImage::from_fn(256, 8, |x, _| image::Rgb([x as u8; 3]));
        assert!(measure(&Planes::from_rgb(&ramp)).range_stops > 6.0);
    }
}
