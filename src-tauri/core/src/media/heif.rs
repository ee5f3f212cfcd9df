//! HEIF containers — HEIC from phones, HEIF from cameras (Canon's `.hif`), AVIF — decoded by the
//! system's libheif. HEIF turns its pixels upright itself (`irot`/`imir` boxes, which libheif
//! applies on decode), so the EXIF orientation such files also carry describes the coded pixels,
//! not the decoded ones: it is dropped here, or a portrait would be turned twice.

use std::sync::OnceLock;

use image::RgbImage;
use libheif_rs::{
    ColorSpace, HeifContext, HeifError, HeifErrorCode, HeifErrorSubCode, ImageHandle, LibHeif,
    RgbChroma,
};

use super::decode::check_pixel_count;
use super::exif::{read_exif, ExifInfo};
use crate::error::{FileError, FileErrorKind};

/// One decoded HEIF picture: upright pixels at full size and the EXIF beside them.
#[derive(Debug)]
pub(crate) struct HeifPicture {
    pub image: RgbImage,
    pub exif: ExifInfo,
}

/// libheif is initialised once for the whole process (it counts its users; the first call loads
/// its decoders).
fn libheif() -> &'static LibHeif {
    static LIB: OnceLock<LibHeif> = OnceLock::new();
    LIB.get_or_init(LibHeif::new)
}

/// The primary picture of the HEIF file in `bytes`, upright, at its own size.
pub(crate) fn decode_heif(bytes: &[u8]) -> Result<HeifPicture, FileError> {
    let context = HeifContext::read_from_bytes(bytes).map_err(|e| heif_error(&e))?;
    let handle = context.primary_image_handle().map_err(|e| heif_error(&e))?;
    // The size the file declares, checked before a single pixel is allocated.
    check_pixel_count(handle.width(), handle.height())?;
    let exif = exif_of(&handle);
    let decoded = libheif()
        .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None)
        .map_err(|e| heif_error(&e))?;
    let planes = decoded.planes();
    let Some(plane) = planes.interleaved else {
        return Err(FileError::new(
            FileErrorKind::Corrupt,
            "libheif returned no RGB pixels for this HEIF picture",
        ));
    };
    let (width, height) = (plane.width, plane.height);
    check_pixel_count(width, height)?;
    let row = width as usize * 3;
    let mut rgb = Vec::with_capacity(row * height as usize);
    for y in 0..height as usize {
        let start = y * plane.stride;
        let Some(line) = plane.data.get(start..start + row) else {
            return Err(FileError::new(
                FileErrorKind::Corrupt,
                "libheif returned fewer pixels than the picture's size",
            ));
        };
        rgb.extend_from_slice(line);
    }
    let image = RgbImage::from_raw(width, height, rgb)
        .ok_or_else(|| FileError::new(FileErrorKind::Corrupt, "decoded size does not match"))?;
    Ok(HeifPicture { image, exif })
}

/// The picture's EXIF, without its orientation (see the module's note). HEIF stores the block
/// behind a 4-byte offset to the TIFF header (which phones set to 6, past an `Exif\0\0` prefix).
fn exif_of(handle: &ImageHandle) -> ExifInfo {
    let mut ids = [0; 4];
    let count = handle.metadata_block_ids(&mut ids, b"Exif");
    let Some(block) = ids[..count.min(ids.len())]
        .iter()
        .find_map(|&id| handle.metadata(id).ok())
    else {
        return ExifInfo::default();
    };
    let Some(offset) = block
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(|b| u32::from_be_bytes(b) as usize)
    else {
        return ExifInfo::default();
    };
    let Some(tiff) = block.get(4 + offset..) else {
        return ExifInfo::default();
    };
    let mut exif = read_exif(tiff.to_vec());
    exif.orientation = None;
    exif
}

fn heif_error(err: &HeifError) -> FileError {
    let kind = match (err.code, err.sub_code) {
        (_, HeifErrorSubCode::EndOfData) => FileErrorKind::Truncated,
        (HeifErrorCode::UnsupportedFeature | HeifErrorCode::UnsupportedFileType, _)
        | (HeifErrorCode::DecoderPluginError, HeifErrorSubCode::UnsupportedCodec) => {
            FileErrorKind::Unsupported
        }
        (HeifErrorCode::MemoryAllocationError, _) => FileErrorKind::TooLarge,
        _ => FileErrorKind::Corrupt,
    };
    let what = err.message.trim();
    let what = if what.is_empty() {
        format!("{:?}", err.sub_code)
    } else {
        what.to_string()
    };
    FileError::new(kind, format!("HEIF: {what}"))
}
