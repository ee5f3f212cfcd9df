//! Where the test photographs live, and small I/O helpers.
//!
//! * Committed photos (CC0 / public domain, ≤ 1200 px): `tests/fixtures/photos/*.jpg`, provenance in
//!   `tests/fixtures/photos/SOURCES.md`. Always present.
//! * Cached photos (licence forbids committing, or too big): fetched by `tests/fixtures/fetch.sh`
//!   into `$CULL_FIXTURE_CACHE`, default `~/.cache/cull-fixtures`. May be absent: tests that need
//!   them should call [`cached_fixture`] and skip (with a message) when it returns `None`.

use image::codecs::jpeg::JpegEncoder;
use image::{ImageResult, RgbImage};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Root of the `cull-tests` package (the repository root).
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/photos`, the committed real photographs.
pub fn fixture_photos_dir() -> PathBuf {
    manifest_dir().join("tests").join("fixtures").join("photos")
}

/// All committed photos (`*.jpg`), sorted by name.
pub fn fixture_photos() -> Vec<PathBuf> {
    let dir = fixture_photos_dir();
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/photos is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
        })
        .collect();
    v.sort();
    v
}

/// Load a committed photo by file name (`"astronaut.jpg"`) or stem (`"astronaut"`) as RGB
/// (greyscale photos are expanded to three equal channels). Panics with a clear message if the
/// fixture is missing or broken.
pub fn load_photo(name: &str) -> RgbImage {
    let mut p = fixture_photos_dir().join(name);
    if p.extension().is_none() {
        p.set_extension("jpg");
    }
    image::open(&p)
        .unwrap_or_else(|e| panic!("fixture photo {} cannot be loaded: {e}", p.display()))
        .to_rgb8()
}

/// The cache directory that `tests/fixtures/fetch.sh` fills: `$CULL_FIXTURE_CACHE`, else
/// `$HOME/.cache/cull-fixtures`, else `tests/fixtures/cache` (git-ignored). It may not exist.
pub fn fixture_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CULL_FIXTURE_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(h).join(".cache").join("cull-fixtures");
    }
    manifest_dir().join("tests").join("fixtures").join("cache")
}

/// `Some(path)` when the cached fixture `rel` (e.g. `"raw/sony_a7r3.arw"`, `"motion/storm.jpg"`)
/// exists, else `None` after printing a hint to run `tests/fixtures/fetch.sh`.
pub fn cached_fixture(rel: &str) -> Option<PathBuf> {
    let p = fixture_cache_dir().join(rel);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "cached fixture {} missing; run tests/fixtures/fetch.sh to download it",
            p.display()
        );
        None
    }
}

/// All files with extension `ext` in cache subdirectory `sub` (e.g. `("bokeh", "jpg")`), sorted;
/// empty when the cache has not been fetched.
pub fn cached_fixtures(sub: &str, ext: &str) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(fixture_cache_dir().join(sub)) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext)))
        .collect();
    v.sort();
    v
}

/// Whether photos the fetch script caches are there (`found`): when not, says so on stderr, and
/// fails the test when real photos are required (`CULL_REQUIRE_REAL_PHOTOS`, as `tests/run.sh`
/// sets it) instead of letting it skip.
pub fn require_fetched(found: bool, what: &str) -> bool {
    if !found {
        assert!(
            std::env::var_os("CULL_REQUIRE_REAL_PHOTOS").is_none(),
            "{what} missing: run tests/fixtures/fetch.sh"
        );
        eprintln!("skipped: {what} missing (run tests/fixtures/fetch.sh)");
    }
    found
}

/// Encode `img` as a baseline JPEG of `quality` (1–100) into a byte vector.
pub fn encode_jpeg(img: &RgbImage, quality: u8) -> ImageResult<Vec<u8>> {
    let mut buf = Vec::new();
    JpegEncoder::new_with_quality(&mut buf, quality.clamp(1, 100)).encode_image(img)?;
    Ok(buf)
}

/// Write `img` to `path` as a baseline JPEG of `quality` (1–100), creating parent directories.
pub fn write_jpeg(path: &Path, img: &RgbImage, quality: u8) -> ImageResult<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut w = BufWriter::new(File::create(path)?);
    JpegEncoder::new_with_quality(&mut w, quality.clamp(1, 100)).encode_image(img)?;
    std::io::Write::flush(&mut w)?;
    Ok(())
}

/// `img` through a JPEG of `quality` (its losses), saved as a PNG at `path`: a copy exported to
/// another format.
pub fn jpeg_roundtrip_png(img: &RgbImage, quality: u8, path: &Path) -> std::io::Result<()> {
    let lossy = decode_image(&encode_jpeg(img, quality).map_err(std::io::Error::other)?)
        .map_err(std::io::Error::other)?;
    lossy.save(path).map_err(std::io::Error::other)
}

/// Decode JPEG (or any supported format) bytes to RGB.
pub fn decode_image(bytes: &[u8]) -> ImageResult<RgbImage> {
    Ok(image::load_from_memory(bytes)?.to_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_photos_are_present_and_small() {
        let photos = fixture_photos();
        assert!(photos.len() >= 6, "found {}", photos.len());
        let mut total = 0;
        for p in &photos {
            total += std::fs::metadata(p).expect("stat").len();
            let (w, h) = image::image_dimensions(p).expect("decodable");
            assert!(w.max(h) <= 1200, "{} is {w}x{h}", p.display());
        }
        assert!(total < 2_000_000, "fixtures total {total} bytes");
        let sources = std::fs::read_to_string(fixture_photos_dir().join("SOURCES.md"))
            .expect("SOURCES.md exists");
        for p in &photos {
            let name = p.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
            assert!(
                sources.contains(name),
                "{name} not documented in SOURCES.md"
            );
        }
        assert_eq!(load_photo("astronaut").dimensions(), (512, 512));
    }

    #[test]
    fn write_jpeg_roundtrips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let img = load_photo("chelsea_cat.jpg");
        let path = dir.path().join("sub").join("x.jpg");
        write_jpeg(&path, &img, 90).expect("write");
        let back = image::open(&path).expect("read").to_rgb8();
        assert_eq!(back.dimensions(), img.dimensions());
        let bytes = encode_jpeg(&img, 90).expect("encode");
        assert_eq!(
            decode_image(&bytes).expect("decode").dimensions(),
            img.dimensions()
        );
    }
}
