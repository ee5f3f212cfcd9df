//! RAW files are judged through the JPEG preview every camera embeds: it is what the camera
//! rendered, and decoding it costs a fraction of demosaicing the sensor data.

use super::jpeg::{parse_header, JpegHeader};

/// The largest baseline/progressive JPEG embedded anywhere in `bytes`, as (offset, header).
/// Scanning for markers instead of parsing each maker's container works for every RAW flavour
/// (TIFF-based, CR3's ISO boxes, RAF); lossless-JPEG sensor data is skipped by its frame type.
pub fn largest_embedded_jpeg(bytes: &[u8]) -> Option<(usize, JpegHeader)> {
    const MAX_CANDIDATES: usize = 256;
    let mut best: Option<(usize, JpegHeader)> = None;
    for offset in memchr::memmem::find_iter(bytes, &[0xFF, 0xD8, 0xFF]).take(MAX_CANDIDATES) {
        let Some(header) = parse_header(&bytes[offset..]) else {
            continue;
        };
        if !header.decodable_kind || header.width < 16 || header.height < 16 {
            continue;
        }
        let pixels = u64::from(header.width) * u64::from(header.height);
        let best_pixels = best
            .as_ref()
            .map_or(0, |(_, b)| u64::from(b.width) * u64::from(b.height));
        if pixels > best_pixels {
            best = Some((offset, header));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([90, 120, 150]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&img)
            .expect("encode");
        out
    }

    #[test]
    fn finds_the_biggest_preview_among_several() {
        let mut raw = b"II*\0\x08\0\0\0fake sensor data".to_vec();
        raw.extend(jpeg(160, 120));
        raw.extend([0u8; 100]);
        let big_at = raw.len();
        raw.extend(jpeg(640, 480));
        raw.extend([1u8; 100]);
        let (offset, header) = largest_embedded_jpeg(&raw).expect("preview");
        assert_eq!(offset, big_at);
        assert_eq!((header.width, header.height), (640, 480));
    }

    #[test]
    fn no_preview_in_plain_bytes() {
        assert!(largest_embedded_jpeg(&[0u8; 1000]).is_none());
    }
}
