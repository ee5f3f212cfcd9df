//! Reading a JPEG's marker segments without decoding any pixels: size, EXIF block, quantisation
//! tables and whether the file really ends.

/// What the headers of a JPEG say, collected up to the first scan.
#[derive(Debug, Clone, Default)]
pub struct JpegHeader {
    pub width: u32,
    pub height: u32,
    /// The TIFF structure inside the APP1 "Exif" segment.
    pub exif: Option<Vec<u8>>,
    /// The luminance quantisation table (table 0), in zig-zag order.
    pub luma_quant: Option<[u16; 64]>,
    /// Baseline or progressive Huffman JPEG (what decoders handle); false for lossless/arithmetic.
    pub decodable_kind: bool,
    /// The file ends with an EOI marker (allowing trailing padding).
    pub has_end_marker: bool,
}

/// Parses marker segments from SOI up to the first SOS. Returns `None` when the bytes are not a
/// JPEG stream at all.
pub fn parse_header(bytes: &[u8]) -> Option<JpegHeader> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut header = JpegHeader {
        has_end_marker: ends_with_eoi(bytes),
        ..JpegHeader::default()
    };
    let mut pos = 2;
    let mut saw_frame = false;
    while pos + 4 <= bytes.len() {
        if bytes[pos] != 0xFF {
            return saw_frame.then_some(header);
        }
        let marker = bytes[pos + 1];
        if marker == 0xFF {
            pos += 1; // fill byte
            continue;
        }
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            pos += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]));
        if len < 2 {
            return None;
        }
        let body_start = pos + 4;
        let body_end = (pos + 2 + len).min(bytes.len());
        let body = bytes.get(body_start..body_end)?;
        match marker {
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                if body.len() >= 5 {
                    header.height = u32::from(u16::from_be_bytes([body[1], body[2]]));
                    header.width = u32::from(u16::from_be_bytes([body[3], body[4]]));
                }
                header.decodable_kind = matches!(marker, 0xC0..=0xC2);
                saw_frame = true;
            }
            0xDB => read_quant_tables(body, &mut header),
            0xE1 if body.starts_with(b"Exif\0\0") && header.exif.is_none() => {
                header.exif = Some(body[6..].to_vec());
            }
            0xDA => return saw_frame.then_some(header),
            _ => {}
        }
        pos += 2 + len;
    }
    saw_frame.then_some(header)
}

fn ends_with_eoi(bytes: &[u8]) -> bool {
    // Some cameras pad after EOI; look at the tail rather than only the last two bytes.
    let tail_start = bytes.len().saturating_sub(4096);
    bytes[tail_start..].windows(2).any(|w| w == [0xFF, 0xD9])
}

fn read_quant_tables(mut body: &[u8], header: &mut JpegHeader) {
    while let Some((&pq_tq, rest)) = body.split_first() {
        let precision16 = pq_tq >> 4 == 1;
        let id = pq_tq & 0x0F;
        let size = if precision16 { 128 } else { 64 };
        let Some(table) = rest.get(..size) else {
            return;
        };
        if id == 0 {
            let mut values = [0u16; 64];
            for (i, v) in values.iter_mut().enumerate() {
                *v = if precision16 {
                    u16::from_be_bytes([table[2 * i], table[2 * i + 1]])
                } else {
                    u16::from(table[i])
                };
            }
            header.luma_quant = Some(values);
        }
        body = &rest[size..];
    }
}

/// The IJG (libjpeg) base luminance table, in zig-zag order; encoders that follow the "quality"
/// convention scale it, so comparing against it recovers the quality setting.
const IJG_LUMA_ZIGZAG: [u16; 64] = [
    16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37,
    29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81,
    87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
];

/// Estimates the IJG quality (1–100) the luminance table was made with. Cameras use their own
/// tables, but their overall scale still lands on the same quality axis.
pub fn estimate_quality(table: &[u16; 64]) -> f32 {
    let actual: f32 = table.iter().map(|&v| f32::from(v)).sum();
    let base: f32 = IJG_LUMA_ZIGZAG.iter().map(|&v| f32::from(v)).sum();
    let scale = 100.0 * actual / base;
    let quality = if scale <= 100.0 {
        (200.0 - scale) / 2.0
    } else {
        5000.0 / scale
    };
    quality.clamp(1.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(quality: u8) -> Vec<u8> {
        let img = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
        });
        let mut out = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        encoder.encode_image(&img).expect("encode");
        out
    }

    #[test]
    fn reads_size_and_estimates_quality_of_encoded_jpegs() {
        for quality in [15u8, 50, 75, 92] {
            let bytes = encode(quality);
            let header = parse_header(&bytes).expect("header");
            assert_eq!((header.width, header.height), (64, 48));
            assert!(header.has_end_marker);
            assert!(header.decodable_kind);
            let estimated = estimate_quality(&header.luma_quant.expect("table"));
            assert!(
                (estimated - f32::from(quality)).abs() <= 3.0,
                "q={quality} estimated {estimated}"
            );
        }
    }

    #[test]
    fn truncated_jpeg_has_no_end_marker() {
        let bytes = encode(80);
        let cut = &bytes[..bytes.len() / 2];
        let header = parse_header(cut).expect("header survives truncation");
        assert!(!header.has_end_marker);
    }

    #[test]
    fn garbage_is_not_a_jpeg() {
        assert!(parse_header(b"not a jpeg at all").is_none());
        assert!(parse_header(&[0xFF, 0xD8, 0x00, 0x00, 0x00]).is_none());
    }
}
