//! HEIC/HEIF from phones and cameras, and AVIF, through `cull scan`: real files from the
//! pillow-heif package (fetched by `tests/fixtures/fetch.sh` into `heif/`), decoded upright by
//! libheif with their EXIF, damaged ones reported file by file, and a rating set in the camera
//! (XMP inside the HEIF) taken as the photographer's call.

use std::path::PathBuf;

use cull_tests::{cached_fixture, require_fetched, sandbox, scan_json, Sandbox, ScanRun};

/// Every fetched HEIF file named here, or `None` (the test skips, or fails where real photos are
/// required) when the cache lacks one.
fn heif_files(names: &[&str]) -> Option<Vec<PathBuf>> {
    let found: Option<Vec<PathBuf>> = names
        .iter()
        .map(|n| cached_fixture(&format!("heif/{n}")))
        .collect();
    require_fetched(found.is_some(), "the HEIF photos (heif/)").then_some(found?)
}

fn library_of(files: &[PathBuf]) -> Sandbox {
    let s = sandbox();
    for f in files {
        std::fs::copy(f, s.library.join(f.file_name().expect("name"))).expect("copy");
    }
    s
}

/// A real photo, upright, with its camera and capture time as their makers' own viewers show them.
struct Photo {
    name: &'static str,
    size: (u64, u64),
    camera: Option<&'static str>,
    captured: Option<&'static str>,
}

const fn photo(name: &'static str, size: (u64, u64), camera: Option<&'static str>) -> Photo {
    Photo {
        name,
        size,
        camera,
        captured: None,
    }
}

const PHOTOS: &[Photo] = &[
    Photo {
        captured: Some("2023:02:21 14:33:08"),
        ..photo("pug.heic", (4032, 3024), Some("Apple iPhone 13 Pro"))
    },
    Photo {
        captured: Some("2018:07:31 14:52:07"),
        ..photo("arrow.heic", (3024, 4032), Some("Apple iPhone 8 Plus"))
    },
    photo("empty_icc.heic", (1025, 900), Some("Apple iPhone XS")),
    photo("xiaomi.heic", (2592, 1944), Some("Xiaomi M2012K11AG")),
    photo(
        "aux_YCbCr.heic",
        (4000, 1848),
        Some("samsung Galaxy S25 Ultra"),
    ),
    photo(
        "200MP.heic",
        (12240, 16320),
        Some("samsung Galaxy S24 Ultra"),
    ),
    photo("spatial_photo.heic", (2560, 2560), Some("Apple Vision Pro")),
    photo("cat.hif", (4240, 2832), Some("SONY ILCE-7SM3")),
    // Stored as a 7008×4672 landscape with a 90° turn in the container: shown as a portrait.
    photo("guitar_cw90.hif", (4672, 7008), Some("SONY ILCE-7M4")),
    // AVIF, made from pug.heic at half size by the fetch script (no EXIF carried over).
    photo("pug.avif", (2016, 1512), None),
];

#[test]
fn real_heic_heif_and_avif_photos_are_judged_upright_with_their_exif() {
    let names: Vec<&str> = PHOTOS.iter().map(|p| p.name).collect();
    let Some(files) = heif_files(&names) else {
        return;
    };
    let s = library_of(&files);
    let run = scan_json(&s.db, &s.data_home, &[&s.library]);
    assert_eq!(run.lines.len(), PHOTOS.len(), "{:#?}", run.lines);
    for &Photo {
        name,
        size,
        camera,
        captured,
    } in PHOTOS
    {
        let line = run.line(name);
        assert!(line["error"].is_null(), "{name}: {}", line["error"]);
        assert_eq!(
            (line["width"].as_u64(), line["height"].as_u64()),
            (Some(size.0), Some(size.1)),
            "{name} upright at its own size"
        );
        assert_eq!(line["exif"]["camera"].as_str(), camera, "{name}");
        if let Some(at) = captured {
            assert_eq!(line["exif"]["capture_time"].as_str(), Some(at), "{name}");
        }
        // The container turned the pixels; the EXIF orientation must not turn them again.
        assert!(line["exif"]["orientation"].is_null(), "{name}");
        // Good phone and camera photos, every one: none is offered for deletion.
        assert_ne!(line["verdict"], "reject", "{name}: {}", line["reasons"]);
    }
}

#[test]
fn damaged_heif_files_each_get_an_error_and_the_scan_goes_on() {
    let Some(files) = heif_files(&[
        "corrupted.heic",
        "corrupted.hif",
        "truncated.heic",
        "xiaomi.heic",
    ]) else {
        return;
    };
    let s = library_of(&files);
    std::fs::write(s.library.join("empty.heic"), b"").expect("write");
    // A JPEG renamed .heic by a careless export: judged as what it is.
    std::fs::copy(
        cull_tests::fixture_photos_dir().join("astronaut.jpg"),
        s.library.join("astronaut.heic"),
    )
    .expect("copy");
    let run = scan_json(&s.db, &s.data_home, &[&s.library]);
    let kind = |name: &str| run.line(name)["error"]["kind"].as_str().map(String::from);
    assert_eq!(kind("corrupted.heic").as_deref(), Some("corrupt"));
    assert_eq!(kind("corrupted.hif").as_deref(), Some("truncated"));
    assert_eq!(kind("truncated.heic").as_deref(), Some("truncated"));
    assert_eq!(kind("empty.heic").as_deref(), Some("empty"));
    for name in ["corrupted.heic", "truncated.heic"] {
        let message = run.line(name)["error"]["message"].as_str().unwrap_or("");
        assert!(message.starts_with("HEIF: "), "{name}: {message}");
    }
    assert_eq!(kind("xiaomi.heic"), None);
    assert_eq!(kind("astronaut.heic"), None);
    assert_eq!(run.line("astronaut.heic")["width"], 512);
}

/// A rating set on the camera is written into the HEIF's own XMP (Sony's `.hif`: `xmp:Rating`,
/// 0 when unrated). The packet is edited in place at the same length, as the camera would.
#[test]
fn a_rating_set_in_the_camera_counts_and_an_unrated_photo_has_no_call() {
    let Some(files) = heif_files(&["guitar_cw90.hif"]) else {
        return;
    };
    let s = sandbox();
    let original = std::fs::read(&files[0]).expect("read");
    let unrated = b"<xmp:Rating>0</xmp:Rating>\n </rdf:Description>";
    let at = original
        .windows(unrated.len())
        .position(|w| w == unrated)
        .expect("the camera's unrated mark");
    let rated = |mark: &[u8]| {
        assert_eq!(mark.len(), unrated.len());
        let mut bytes = original.clone();
        bytes[at..at + mark.len()].copy_from_slice(mark);
        bytes
    };
    std::fs::write(s.library.join("unrated.hif"), &original).expect("write");
    std::fs::write(
        s.library.join("rejected.hif"),
        rated(b"<xmp:Rating>-1</xmp:Rating>\n</rdf:Description>"),
    )
    .expect("write");
    std::fs::write(
        s.library.join("starred.hif"),
        rated(b"<xmp:Rating>4</xmp:Rating>\n </rdf:Description>"),
    )
    .expect("write");
    let run: ScanRun = scan_json(&s.db, &s.data_home, &[&s.library]);
    assert_eq!(run.line("unrated.hif")["decision"], serde_json::Value::Null);
    assert_eq!(run.line("rejected.hif")["decision"], "reject");
    assert_eq!(run.line("starred.hif")["decision"], "keep");
    // Still the same photo, decoded upright.
    assert_eq!(run.line("rejected.hif")["width"], 4672);
}

#[test]
fn the_full_size_decode_turns_a_rotated_heif_upright() {
    let Some(files) = heif_files(&["guitar_cw90.hif", "pug.avif"]) else {
        return;
    };
    let guitar = cull_core::media::decode_heif_upright(&files[0]).expect("decode");
    assert_eq!(guitar.dimensions(), (4672, 7008));
    let avif = cull_core::media::decode_heif_upright(&files[1]).expect("decode");
    assert_eq!(avif.dimensions(), (2016, 1512));
    let not_heif = cull_core::media::decode_heif_upright(
        &cull_tests::fixture_photos_dir().join("astronaut.jpg"),
    );
    assert!(not_heif.is_err());
}
