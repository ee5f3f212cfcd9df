//! The face path as shipped: the two converted MediaPipe networks load through ONNX Runtime,
//! find the face in a real portrait with its eyes open, find none in a texture, and find faces
//! again when the portrait is a small part of a large frame (the tiles); `cull scan --json`
//! carries them, boxes in the photo's own pixels, and caches them; a face that alone is out of
//! focus is `face_blur`, a sharp face before a melted background is not blurred.

use cull_core::model::{Device, Eyes, FaceFinder, OnnxFaces};
use cull_tests::{cull, defocus, fixture_photos_dir, load_photo, scan_json, shallow_dof, Rect};
use image::RgbImage;

fn finder() -> OnnxFaces {
    OnnxFaces::find(&[], Device::Cpu).unwrap_or_else(|e| panic!("{e} (models/faces/convert.sh)"))
}

#[test]
fn a_real_portrait_has_one_face_with_open_eyes() {
    let img = load_photo("astronaut");
    let faces = finder().faces(&img).expect("faces");
    assert_eq!(faces.len(), 1, "{faces:?}");
    let face = &faces[0];
    let [x, y, w, h] = face.bbox;
    // Eileen Collins' face is in the upper middle of the 512×512 frame.
    assert!((150.0..300.0).contains(&(x + w / 2.0)), "{face:?}");
    assert!((60.0..200.0).contains(&(y + h / 2.0)), "{face:?}");
    assert!((60.0..200.0).contains(&w), "{face:?}");
    assert_eq!(face.eyes, Eyes::Open, "{face:?}");
    for o in face.openness {
        assert!(o.is_some_and(|o| o > 0.25), "{face:?}");
    }
}

#[test]
fn a_texture_has_no_face() {
    let faces = finder()
        .faces(&load_photo("gravel_texture"))
        .expect("faces");
    assert!(faces.is_empty(), "{faces:?}");
}

#[test]
fn a_small_face_in_a_large_frame_is_found_by_the_tiles() {
    // The portrait at a fifth of the width of a 2560×1920 grey frame: its face is ~25 px wide
    // in the whole-frame pass, too small for the detector; a tile sees it at ~40 % of its side.
    let portrait = image::imageops::resize(
        &load_photo("astronaut"),
        512,
        512,
        image::imageops::FilterType::Triangle,
    );
    let mut frame = RgbImage::from_pixel(2560, 1920, image::Rgb([90, 90, 90]));
    image::imageops::replace(&mut frame, &portrait, 1700, 1200);
    let faces = finder().faces(&frame).expect("faces");
    assert_eq!(faces.len(), 1, "{faces:?}");
    let [x, y, w, h] = faces[0].bbox;
    assert!((1700.0..2212.0).contains(&(x + w / 2.0)), "{faces:?}");
    assert!((1200.0..1712.0).contains(&(y + h / 2.0)), "{faces:?}");
    assert_eq!(faces[0].eyes, Eyes::Open, "{faces:?}");
}

#[test]
fn scan_json_lists_faces_in_the_photos_own_pixels_and_caches_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).expect("library");
    // Twice the fixture's size, so a box in analysis pixels would be visibly wrong.
    let big = image::imageops::resize(
        &load_photo("astronaut"),
        1024,
        1024,
        image::imageops::FilterType::Triangle,
    );
    big.save(library.join("astronaut_1024.jpg")).expect("save");
    std::fs::copy(
        fixture_photos_dir().join("gravel_texture.jpg"),
        library.join("gravel.jpg"),
    )
    .expect("copy");
    let db = dir.path().join("db");
    for round in ["judged", "cached"] {
        let run = scan_json(&db, dir.path(), &[&library]);
        let line = run.line("astronaut_1024.jpg");
        let faces = line["faces"].as_array().expect("faces");
        assert_eq!(faces.len(), 1, "{round}: {line}");
        assert_eq!(faces[0]["eyes"], "open", "{round}: {line}");
        // The face is the sharp subject of this portrait.
        let sharpness = faces[0]["sharpness"].as_f64().expect("sharpness");
        assert!((0.3..=1.0).contains(&sharpness), "{round}: {line}");
        let width = faces[0]["box"][2].as_f64().expect("box");
        assert!((120.0..400.0).contains(&width), "{round}: {line}");
        assert_eq!(
            run.line("gravel.jpg")["faces"],
            serde_json::json!([]),
            "{round}"
        );
    }
    // Without the model there is no face finder either: the list is empty, not missing.
    let out = cull(&dir.path().join("db2"), dir.path())
        .args(["--no-model", "scan", "--json"])
        .arg(&library)
        .output()
        .expect("cull runs");
    let run = cull_tests::ScanRun::from_output(out);
    assert_eq!(
        run.line("astronaut_1024.jpg")["faces"],
        serde_json::json!([])
    );
}

#[test]
fn a_face_alone_out_of_focus_is_face_blur_and_a_sharp_face_before_a_melted_background_is_not_blur()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).expect("library");
    // At its own size: an enlarged copy is soft all over, the face too.
    let portrait = load_photo("astronaut");
    let faces = finder().faces(&portrait).expect("faces");
    assert_eq!(faces.len(), 1, "{faces:?}");
    let [x, y, w, h] = faces[0].bbox;
    let face = Rect {
        x: x as u32,
        y: y as u32,
        width: w as u32,
        height: h as u32,
    };
    // Focus missed: the face alone is defocused (the camera focused on the suit and flag).
    let soft = defocus(&portrait, 5.0);
    let mut missed = portrait.clone();
    let patch = image::imageops::crop_imm(&soft, face.x, face.y, face.width, face.height);
    image::imageops::replace(
        &mut missed,
        &patch.to_image(),
        i64::from(face.x),
        i64::from(face.y),
    );
    // Shallow depth of field: the head sharp, everything else melted.
    let head = Rect {
        x: face.x.saturating_sub(face.width / 4),
        y: face.y.saturating_sub(face.height / 3),
        width: face.width * 3 / 2,
        height: face.height * 3 / 2,
    };
    let bokeh = shallow_dof(&portrait, head, 6.0);
    for (name, img) in [("sharp", &portrait), ("missed", &missed), ("bokeh", &bokeh)] {
        cull_tests::write_jpeg(&library.join(format!("{name}.jpg")), img, 92).expect("write");
    }
    let run = scan_json(&dir.path().join("db"), dir.path(), &[&library]);
    let missed = run.line("missed.jpg");
    assert!(
        run.codes("missed.jpg").contains(&"face_blur".to_string()),
        "{missed}"
    );
    assert_eq!(missed["verdict"], "review", "{missed}");
    let edge = missed["faces"][0]["edge_px"].as_f64().expect("edge_px");
    let sharp_edge = run.line("sharp.jpg")["faces"][0]["edge_px"]
        .as_f64()
        .expect("edge_px");
    assert!(edge > sharp_edge + 1.5, "{edge} vs {sharp_edge}");
    for name in ["sharp.jpg", "bokeh.jpg"] {
        let codes = run.codes(name);
        for code in ["blur", "motion_blur", "face_blur"] {
            assert!(
                !codes.contains(&code.to_string()),
                "{name}: {}",
                run.line(name)
            );
        }
    }
}

#[test]
fn a_small_face_in_a_large_jpeg_has_its_eyes_measured_in_a_finer_decode() {
    // A group: one face large enough to be seen in the coarse pass (the hint that sends the
    // tiles looking), one that the tiles find at ~35 px in the half-size analysis preview, its
    // eyes ~6 px there, too small to measure; the face path decodes the JPEG again, at full
    // size, for them.
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).expect("library");
    let small = image::imageops::resize(
        &load_photo("astronaut"),
        320,
        320,
        image::imageops::FilterType::CatmullRom,
    );
    let mut frame = RgbImage::from_pixel(2880, 1920, image::Rgb([90, 90, 90]));
    image::imageops::replace(&mut frame, &load_photo("astronaut"), 300, 700);
    image::imageops::replace(&mut frame, &small, 2200, 1300);
    cull_tests::write_jpeg(&library.join("group.jpg"), &frame, 92).expect("write");
    let run = scan_json(&dir.path().join("db"), dir.path(), &[&library]);
    let line = run.line("group.jpg");
    let faces = line["faces"].as_array().expect("faces");
    assert_eq!(faces.len(), 2, "{line}");
    let small = faces
        .iter()
        .find(|f| f["box"][0].as_f64().is_some_and(|x| x > 2000.0))
        .expect("the small face");
    let height = small["box"][3].as_f64().expect("box");
    assert!((50.0..100.0).contains(&height), "{line}");
    assert_eq!(small["eyes"], "open", "{line}");
    assert!(small["openness"][0].as_f64().is_some(), "{line}");
}

#[test]
fn dark_glasses_make_the_eyes_cant_tell_not_closed() {
    // Drawn lenses (no real sunglasses photo was found in the registries): the eye network
    // still draws lids behind them, at any gap, so an eye too dark to show itself is not
    // measured.
    let mut img = load_photo("astronaut");
    let faces = finder().faces(&img).expect("faces");
    assert_eq!(faces.len(), 1, "{faces:?}");
    let [x, y, w, h] = faces[0].bbox;
    for cx in [0.3, 0.7] {
        let (lens_x, lens_y) = (x + cx * w, y + 0.36 * h);
        for py in (lens_y - 0.09 * h) as u32..(lens_y + 0.09 * h) as u32 {
            for px in (lens_x - 0.16 * w) as u32..(lens_x + 0.16 * w) as u32 {
                img.put_pixel(px, py, image::Rgb([18, 20, 24]));
            }
        }
    }
    let faces = finder().faces(&img).expect("faces");
    assert_eq!(faces.len(), 1, "{faces:?}");
    assert_eq!(faces[0].eyes, Eyes::Unknown, "{faces:?}");
}
