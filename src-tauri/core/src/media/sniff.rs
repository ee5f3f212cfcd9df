/// What a file's first bytes say it is, whatever its name claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Jpeg,
    Png,
    Webp,
    /// TIFF structure: plain TIFF and most RAW formats (CR2, NEF, ARW, DNG, PEF…).
    Tiff,
    /// Olympus ORF and Panasonic RW2 use TIFF with their own magic number.
    TiffVariant,
    /// ISO base media: HEIF/HEIC/AVIF and Canon CR3.
    IsoMedia {
        brand: [u8; 4],
    },
    FujiRaf,
    Unknown,
}

pub fn sniff(bytes: &[u8]) -> Container {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Container::Jpeg,
        [0x89, b'P', b'N', b'G', ..] => Container::Png,
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Container::Webp,
        [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => Container::Tiff,
        [b'I', b'I', b'R', b'O', ..] | [b'I', b'I', b'R', b'S', ..] | [b'I', b'I', b'U', 0, ..] => {
            Container::TiffVariant
        }
        [_, _, _, _, b'f', b't', b'y', b'p', a, b, c, d, ..] => Container::IsoMedia {
            brand: [*a, *b, *c, *d],
        },
        _ if bytes.starts_with(b"FUJIFILMCCD-RAW") => Container::FujiRaf,
        _ => Container::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_magic_numbers() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1]), Container::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Container::Png);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Container::Webp);
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Container::Tiff);
        assert_eq!(
            sniff(b"\0\0\0\x18ftypcrx \0\0"),
            Container::IsoMedia { brand: *b"crx " }
        );
        assert_eq!(sniff(b"hello world"), Container::Unknown);
        assert_eq!(sniff(b""), Container::Unknown);
    }
}
