//! Small synthetic photos for the engine's unit tests: the same picture for a given seed, a
//! different one for each seed.

pub(crate) fn image(seed: u32) -> image::RgbImage {
    image::RgbImage::from_fn(320, 240, |x, y| {
        let v = ((x * 7 + y * 13 + seed) % 200 + 30) as u8;
        image::Rgb([v, v / 2 + 40, 255 - v])
    })
}

/// [`image`] as JPEG bytes (quality 90).
pub(crate) fn jpeg(seed: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(&image(seed))
        .expect("encode");
    bytes
}
