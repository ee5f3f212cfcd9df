//! Turning a file into what the judges look at: a modest-size, upright RGB preview plus EXIF and
//! the facts a JPEG's headers give away for free (quantisation tables, true size).

mod decode;
mod exif;
#[cfg(feature = "heif")]
mod heif;
mod jpeg;
mod raw;
mod sniff;

pub(crate) use decode::box_downscale;
pub use decode::{
    decode_finer, decode_heif_upright, decode_jpeg_upright, decode_preview, decode_preview_and,
    encode_jpeg, Preview, ANALYSIS_LONG_SIDE, MAX_FILE_BYTES, MAX_PIXELS,
};
pub use exif::{read_exif, ExifInfo};
pub use jpeg::{estimate_quality, JpegHeader};
pub use raw::largest_embedded_jpeg;
pub use sniff::{sniff, Container};
