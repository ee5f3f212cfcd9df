//! File names as the operating system gives them. A name need not be valid UTF-8 (old cameras,
//! zip archives, other locales), so Cull keeps the exact bytes wherever a path is stored and
//! writes JSON losslessly: a plain string when the path is UTF-8, else
//! `{"lossy": "caf\u{FFFD}.jpg", "bytes": "636166e92e6a7067"}` (the lossy form for display,
//! the exact bytes in hex).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The path's exact bytes (on Windows, its UTF-8 form).
pub fn to_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// The path whose bytes [`to_bytes`] gave.
pub fn from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum JsonPath {
    Text(String),
    Raw { lossy: String, bytes: String },
}

impl JsonPath {
    fn of(path: &Path) -> Self {
        match path.to_str() {
            Some(text) => Self::Text(text.to_string()),
            None => Self::Raw {
                lossy: path.to_string_lossy().into_owned(),
                bytes: hex(&to_bytes(path)),
            },
        }
    }

    fn into_path<E: serde::de::Error>(self) -> Result<PathBuf, E> {
        match self {
            Self::Text(text) => Ok(PathBuf::from(text)),
            Self::Raw { bytes, .. } => unhex(&bytes)
                .map(|b| from_bytes(&b))
                .ok_or_else(|| E::custom("path bytes are not hex")),
        }
    }
}

/// `#[serde(with = "crate::paths::lossless")]` for a `PathBuf`.
pub mod lossless {
    use super::*;

    pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        JsonPath::of(path).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        JsonPath::deserialize(d)?.into_path()
    }
}

/// `#[serde(with = "crate::paths::lossless_vec")]` for a `Vec<PathBuf>`.
pub mod lossless_vec {
    use super::*;

    pub fn serialize<S: Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        let all: Vec<JsonPath> = paths.iter().map(|p| JsonPath::of(p)).collect();
        all.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
        Vec::<JsonPath>::deserialize(d)?
            .into_iter()
            .map(JsonPath::into_path)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Carrier {
        #[serde(with = "lossless")]
        path: PathBuf,
        #[serde(with = "lossless_vec")]
        files: Vec<PathBuf>,
    }

    #[test]
    fn a_utf8_path_is_a_plain_string() {
        let c = Carrier {
            path: PathBuf::from("/photos/été.jpg"),
            files: vec![PathBuf::from("/photos/été.jpg")],
        };
        let json = serde_json::to_string(&c).expect("json");
        assert_eq!(
            json,
            r#"{"path":"/photos/été.jpg","files":["/photos/été.jpg"]}"#
        );
        assert_eq!(serde_json::from_str::<Carrier>(&json).expect("back"), c);
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_round_trips_through_json() {
        let odd = from_bytes(b"/photos/caf\xe9.jpg");
        let c = Carrier {
            path: odd.clone(),
            files: vec![odd.clone(), PathBuf::from("/photos/caf.arw")],
        };
        let json = serde_json::to_string(&c).expect("json");
        assert!(
            json.contains("\"lossy\":\"/photos/caf\u{fffd}.jpg\""),
            "{json}"
        );
        assert!(
            json.contains(r#""bytes":"2f70686f746f732f636166e92e6a7067""#),
            "{json}"
        );
        let back: Carrier = serde_json::from_str(&json).expect("back");
        assert_eq!(back, c);
        assert_eq!(to_bytes(&back.path), b"/photos/caf\xe9.jpg");
    }
}
