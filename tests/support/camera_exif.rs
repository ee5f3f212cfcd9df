//! Camera EXIF for generated test photos: capture time with sub-seconds, camera, exposure time
//! and bias, written as a real APP1 segment (kamadak-exif's writer) so Cull reads them the way it
//! reads a camera's JPEG. Bursts, copies and brackets are told apart by exactly these fields.

use std::path::Path;

use exif::experimental::Writer;
use exif::{Field, In, Rational, SRational, Tag, Value};
use image::RgbImage;

use crate::fixtures::encode_jpeg;

/// What a camera would have written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CameraExif {
    /// "2024:05:01 14:03:22", as cameras write `DateTimeOriginal`.
    pub time: Option<String>,
    /// Hundredths of a second ("07"), `SubSecTimeOriginal`.
    pub subsec: Option<String>,
    pub model: Option<String>,
    /// Seconds.
    pub exposure_time: Option<f64>,
    /// EV.
    pub exposure_bias: Option<f64>,
}

impl CameraExif {
    /// A frame `offset` seconds after `base` ("2024:05:01 14:03:00" + offset, whole seconds in
    /// the time, hundredths in the sub-seconds), by `model` at `exposure_time`.
    pub fn at(base_secs: u32, offset: f64, model: &str, exposure_time: f64) -> Self {
        let total = f64::from(base_secs) + offset;
        let whole = total.floor() as u32;
        let hundredths = ((total - total.floor()) * 100.0).round() as u32;
        let (h, m, s) = (whole / 3600 % 24, whole / 60 % 60, whole % 60);
        Self {
            time: Some(format!("2024:05:01 {h:02}:{m:02}:{s:02}")),
            subsec: Some(format!("{:02}", hundredths.min(99))),
            model: Some(model.to_string()),
            exposure_time: Some(exposure_time),
            exposure_bias: Some(0.0),
        }
    }

    /// The TIFF body of an EXIF APP1 segment.
    fn tiff(&self) -> Result<Vec<u8>, exif::Error> {
        let ascii = |tag: Tag, ifd: In, text: &str| Field {
            tag,
            ifd_num: ifd,
            value: Value::Ascii(vec![text.as_bytes().to_vec()]),
        };
        let mut fields = Vec::new();
        if let Some(model) = &self.model {
            fields.push(ascii(Tag::Make, In::PRIMARY, "Cull Test"));
            fields.push(ascii(Tag::Model, In::PRIMARY, model));
        }
        if let Some(time) = &self.time {
            fields.push(ascii(Tag::DateTimeOriginal, In::PRIMARY, time));
        }
        if let Some(subsec) = &self.subsec {
            fields.push(ascii(Tag::SubSecTimeOriginal, In::PRIMARY, subsec));
        }
        if let Some(t) = self.exposure_time {
            // 1/denominator seconds, as cameras write short exposures.
            let denom = (1.0 / t).round().max(1.0) as u32;
            let value = if t >= 1.0 {
                Rational::from((t.round() as u32, 1))
            } else {
                Rational::from((1, denom))
            };
            fields.push(Field {
                tag: Tag::ExposureTime,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![value]),
            });
        }
        if let Some(bias) = self.exposure_bias {
            fields.push(Field {
                tag: Tag::ExposureBiasValue,
                ifd_num: In::PRIMARY,
                value: Value::SRational(vec![SRational::from(((bias * 10.0).round() as i32, 10))]),
            });
        }
        let mut writer = Writer::new();
        for field in &fields {
            writer.push_field(field);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        writer.write(&mut out, false)?;
        Ok(out.into_inner())
    }
}

/// `img` as a JPEG of `quality` carrying `exif` in an APP1 segment right after SOI.
pub fn jpeg_with_exif(img: &RgbImage, quality: u8, exif: &CameraExif) -> std::io::Result<Vec<u8>> {
    let jpeg = encode_jpeg(img, quality).map_err(std::io::Error::other)?;
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&exif.tiff().map_err(std::io::Error::other)?);
    with_app1(&jpeg, &payload)
}

/// `jpeg` with an APP1 segment holding `payload` (EXIF, XMP) right after SOI.
pub fn with_app1(jpeg: &[u8], payload: &[u8]) -> std::io::Result<Vec<u8>> {
    let length = u16::try_from(payload.len() + 2)
        .map_err(|_| std::io::Error::other("APP1 segment over 64 KiB"))?;
    let mut out = Vec::with_capacity(jpeg.len() + payload.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    Ok(out)
}

/// Writes [`jpeg_with_exif`] to `path`, creating parent folders.
pub fn write_jpeg_with_exif(
    path: &Path,
    img: &RgbImage,
    quality: u8,
    exif: &CameraExif,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, jpeg_with_exif(img, quality, exif)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_exif_reads_back_with_time_subseconds_camera_and_exposure() {
        let img = RgbImage::from_pixel(64, 48, image::Rgb([120, 130, 140]));
        let exif = CameraExif {
            exposure_bias: Some(-1.3),
            ..CameraExif::at(50_400, 2.25, "Burst 1", 1.0 / 250.0)
        };
        let jpeg = jpeg_with_exif(&img, 90, &exif).expect("jpeg");
        assert!(image::load_from_memory(&jpeg).is_ok(), "still a JPEG");
        let read = exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&jpeg))
            .expect("EXIF");
        let text = |tag| {
            read.get_field(tag, In::PRIMARY)
                .map(|f| f.display_value().to_string())
        };
        assert_eq!(
            text(Tag::DateTimeOriginal).as_deref(),
            Some("2024-05-01 14:00:02")
        );
        assert_eq!(text(Tag::SubSecTimeOriginal).as_deref(), Some("\"25\""));
        assert_eq!(text(Tag::Model).as_deref(), Some("\"Burst 1\""));
        assert_eq!(text(Tag::ExposureTime).as_deref(), Some("1/250"));
        assert_eq!(text(Tag::ExposureBiasValue).as_deref(), Some("-1.3"));
    }
}
