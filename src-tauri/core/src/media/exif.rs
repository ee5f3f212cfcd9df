use exif::{In, Tag, Value};
use serde::{Deserialize, Serialize};

/// The EXIF facts Cull stores and shows. Every field is optional: phones, scanners and editors
/// drop tags freely.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExifInfo {
    /// `DateTimeOriginal` as written by the camera (`YYYY:MM:DD HH:MM:SS`).
    pub capture_time: Option<String>,
    /// `SubSecTimeOriginal`: the fraction of the second, as digits ("07" is 0.07 s), which tells
    /// the frames of a burst apart.
    #[serde(default)]
    pub capture_subsec: Option<String>,
    /// Make and model, e.g. "Canon EOS 5D".
    pub camera: Option<String>,
    pub lens: Option<String>,
    /// Seconds.
    pub exposure_time: Option<f64>,
    /// f-number.
    pub aperture: Option<f64>,
    pub iso: Option<u32>,
    /// Exposure compensation in EV.
    pub exposure_bias: Option<f64>,
    /// EXIF orientation 1–8; 1 (or absent) means upright.
    pub orientation: Option<u16>,
}

impl ExifInfo {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The capture time as text that sorts like time, sub-seconds included:
    /// `YYYY-MM-DD HH:MM:SS.fff` (the fraction only when the camera wrote one).
    pub fn captured_at(&self) -> Option<String> {
        let raw = self.capture_time.as_deref()?.trim();
        let (date, time) = raw.split_once([' ', 'T'])?;
        let date = date.replace(':', "-");
        let ok = date.len() == 10 && time.len() >= 8;
        if !ok {
            return None;
        }
        let mut at = format!("{date} {}", &time[..8]);
        if let Some(sub) = self
            .capture_subsec
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        {
            at.push('.');
            at.push_str(sub);
        }
        Some(at)
    }
}

/// Reads EXIF from a TIFF structure (the body of a JPEG's APP1 segment, or a whole TIFF-based
/// RAW file). Damaged EXIF yields whatever could be read, never an error: a photo with broken
/// metadata is still a photo to judge.
pub fn read_exif(tiff: Vec<u8>) -> ExifInfo {
    let parsed = exif::Reader::new().continue_on_error(true).read_raw(tiff);
    from_parsed(parsed)
}

/// Reads EXIF from a whole PNG, WebP, TIFF or HEIF file.
pub fn read_exif_from_container(bytes: &[u8]) -> ExifInfo {
    let parsed = exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut std::io::Cursor::new(bytes));
    from_parsed(parsed)
}

fn from_parsed(parsed: Result<exif::Exif, exif::Error>) -> ExifInfo {
    let exif = match parsed {
        Ok(exif) => exif,
        Err(err) => match err.distill_partial_result(|_| {}) {
            Ok(exif) => exif,
            Err(_) => return ExifInfo::default(),
        },
    };
    let text = |tag| {
        exif.get_field(tag, In::PRIMARY)
            .and_then(|f| ascii(&f.value))
    };
    let number = |tag| {
        exif.get_field(tag, In::PRIMARY)
            .and_then(|f| real(&f.value))
    };
    let make = text(Tag::Make);
    let model = text(Tag::Model);
    let camera = match (make, model) {
        // Many models already start with the make ("Canon EOS 5D").
        (Some(make), Some(model)) if model.to_lowercase().starts_with(&make.to_lowercase()) => {
            Some(model)
        }
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (make, model) => make.or(model),
    };
    ExifInfo {
        capture_time: text(Tag::DateTimeOriginal).or_else(|| text(Tag::DateTime)),
        capture_subsec: text(Tag::SubSecTimeOriginal).or_else(|| text(Tag::SubSecTime)),
        camera,
        lens: text(Tag::LensModel),
        exposure_time: number(Tag::ExposureTime),
        aperture: number(Tag::FNumber),
        iso: exif
            .get_field(Tag::PhotographicSensitivity, In::PRIMARY)
            .and_then(|f| f.value.get_uint(0)),
        exposure_bias: number(Tag::ExposureBiasValue),
        orientation: exif
            .get_field(Tag::Orientation, In::PRIMARY)
            .and_then(|f| f.value.get_uint(0))
            .and_then(|o| u16::try_from(o).ok())
            .filter(|o| (1..=8).contains(o)),
    }
}

fn ascii(value: &Value) -> Option<String> {
    let Value::Ascii(parts) = value else {
        return None;
    };
    let text = String::from_utf8_lossy(parts.first()?).trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn real(value: &Value) -> Option<f64> {
    let number = match value {
        Value::Rational(v) => v.first()?.to_f64(),
        Value::SRational(v) => v.first()?.to_f64(),
        Value::Short(_) | Value::Long(_) => f64::from(value.get_uint(0)?),
        Value::Float(v) => f64::from(*v.first()?),
        Value::Double(v) => *v.first()?,
        _ => return None,
    };
    number.is_finite().then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_exif_gives_empty_info_not_an_error() {
        assert!(read_exif(b"II*\0garbage".to_vec()).is_empty());
        assert!(read_exif(Vec::new()).is_empty());
    }

    #[test]
    fn capture_time_sorts_as_text_with_sub_seconds() {
        let at = |time: &str, sub: Option<&str>| ExifInfo {
            capture_time: Some(time.into()),
            capture_subsec: sub.map(Into::into),
            ..ExifInfo::default()
        };
        assert_eq!(
            at("2024:05:01 14:03:22", Some("07"))
                .captured_at()
                .as_deref(),
            Some("2024-05-01 14:03:22.07")
        );
        assert_eq!(
            at("2024:05:01 14:03:22", None).captured_at().as_deref(),
            Some("2024-05-01 14:03:22")
        );
        // Two frames of one second of a burst keep their order.
        assert!(
            at("2024:05:01 14:03:22", Some("07")).captured_at()
                < at("2024:05:01 14:03:22", Some("52")).captured_at()
        );
        assert_eq!(at("sometime", Some("1")).captured_at(), None);
        assert_eq!(
            at("2024:05:01 14:03:22", Some("x"))
                .captured_at()
                .as_deref(),
            Some("2024-05-01 14:03:22")
        );
    }
}
