//! The async `cull://` scheme: `cull://localhost/thumb/{id}` answers from the thumbnail cache,
//! `cull://localhost/preview/{id}` decodes a loupe-size JPEG on a worker thread,
//! `cull://localhost/full/{id}` the photo at its own size (compare at 100 %), and
//! `cull://localhost/face/{id}/{index}` crops one found face at 100 %. Shots are named by id and
//! faces by their place in the stored list, so the web view can never ask for an arbitrary file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use cull_core::library::FileKind;
use image::RgbImage;
use tauri::http::{Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::state::AppState;

const PREVIEW_SIDE: u32 = 1600;
/// Room around a face box, as a share of its size on each side: enough for hair and chin, which
/// the detector's tight box cuts off.
const FACE_MARGIN: f32 = 0.35;
/// A face crop's long side at most: a face filling a 45 MP frame would otherwise be a 4000-pixel
/// "crop" that no popover shows at 100 %.
const FACE_SIDE: u32 = 800;

pub fn serve<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let path = request.uri().path().to_string();
    tauri::async_runtime::spawn_blocking(move || {
        let response = match answer(&app.state::<AppState>(), &path) {
            Ok(Some(jpeg)) => Response::builder()
                .status(StatusCode::OK)
                .header("Content-Type", "image/jpeg")
                .header("Cache-Control", "max-age=31536000, immutable")
                .body(jpeg),
            Ok(None) => Response::builder()
                .status(StatusCode::NOT_FOUND)
                .body(Vec::new()),
            Err(message) => Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(message.into_bytes()),
        };
        responder.respond(response.unwrap_or_else(|_| Response::new(Vec::new())));
    });
}

fn answer(state: &AppState, path: &str) -> Result<Option<Vec<u8>>, String> {
    let mut parts = path.trim_start_matches('/').split('/');
    // Exactly `kind/id`, or `face/id/index`: anything more is not a URL the app makes.
    let (Some(kind), Some(id)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let index = parts.next();
    if parts.next().is_some() || (kind == "face") != index.is_some() {
        return Ok(None);
    }
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    match kind {
        "thumb" => state.store().thumbnail(id).map_err(|e| e.to_string()),
        "preview" => {
            let Some(shot) = state.store().shot(id).map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            preview(&shot.report.path).map(Some)
        }
        "full" => {
            let Some(shot) = state.store().shot(id).map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            encode_jpeg(&full_size(&shot.report.path)?, 92).map(Some)
        }
        "face" => {
            // Digits only: `parse` alone would take a leading `+`.
            let Some(index) = index
                .filter(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|i| i.parse::<usize>().ok())
            else {
                return Ok(None);
            };
            let Some(shot) = state.store().shot(id).map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            let Some(judged) = shot.report.judged() else {
                return Ok(None);
            };
            let Some(face) = judged.faces.get(index) else {
                return Ok(None);
            };
            face_crop(&shot.report.path, (judged.width, judged.height), face.bbox).map(Some)
        }
        _ => Ok(None),
    }
}

fn preview(path: &Path) -> Result<Vec<u8>, String> {
    let kind = FileKind::from_path(path).unwrap_or(FileKind::Jpeg);
    let preview = cull_core::media::decode_preview(path, kind).map_err(|e| e.to_string())?;
    let image = preview.image;
    let (w, h) = image.dimensions();
    let scale = PREVIEW_SIDE as f32 / w.max(h) as f32;
    let image = if scale < 1.0 {
        image::imageops::resize(
            &image,
            ((w as f32 * scale) as u32).max(1),
            ((h as f32 * scale) as u32).max(1),
            image::imageops::FilterType::Triangle,
        )
    } else {
        image
    };
    encode_jpeg(&image, 88)
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    cull_core::media::encode_jpeg(image, quality)
        .ok_or_else(|| "the image could not be encoded as JPEG".to_string())
}

/// Face `bbox` (photo pixels of a `photo` = width × height frame), with its margin, cut from the
/// photo at full size and encoded as JPEG.
fn face_crop(path: &Path, photo: (u32, u32), bbox: [f32; 4]) -> Result<Vec<u8>, String> {
    let image = LAST_FULL.get(path)?;
    let (x, y, w, h) = crop_rect(bbox, photo, image.dimensions())
        .ok_or_else(|| "the face lies outside the photo".to_string())?;
    let crop = image::imageops::crop_imm(image.as_ref(), x, y, w, h).to_image();
    let long = w.max(h);
    let crop = if long > FACE_SIDE {
        let scale = FACE_SIDE as f32 / long as f32;
        image::imageops::resize(
            &crop,
            ((w as f32 * scale).round() as u32).max(1),
            ((h as f32 * scale).round() as u32).max(1),
            image::imageops::FilterType::Triangle,
        )
    } else {
        crop
    };
    encode_jpeg(&crop, 90)
}

/// The last photo decoded at full size, by path and modification time: the loupe asks for every
/// face of a group photo at once, and each would otherwise decode the whole photo again (a 24 MP
/// JPEG takes 100–200 ms). The lock is held while decoding, so the requests after the first wait
/// for it and reuse it.
struct LastFullSize(Mutex<Option<Decoded>>);

/// A photo's path, its modification time when decoded, and its pixels.
type Decoded = (PathBuf, Option<SystemTime>, Arc<RgbImage>);

impl LastFullSize {
    const fn new() -> Self {
        Self(Mutex::new(None))
    }

    fn get(&self, path: &Path) -> Result<Arc<RgbImage>, String> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let mut last = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((p, m, image)) = last.as_ref() {
            if p == path && *m == modified && modified.is_some() {
                return Ok(Arc::clone(image));
            }
        }
        let image = Arc::new(full_size(path)?);
        *last = Some((path.to_path_buf(), modified, Arc::clone(&image)));
        Ok(image)
    }
}

static LAST_FULL: LastFullSize = LastFullSize::new();

/// The photo upright at its own size: a JPEG by the core's libjpeg-turbo path, HEIC/HEIF/AVIF by
/// the core's libheif path, PNG, WebP and TIFF by the `image` crate; a RAW (and whatever the full
/// decode refuses) falls back to the core's analysis-size preview, upscaled by the browser rather
/// than left out.
fn full_size(path: &Path) -> Result<RgbImage, String> {
    let kind = FileKind::from_path(path).unwrap_or(FileKind::Jpeg);
    if kind == FileKind::Heif {
        if let Ok(image) = cull_core::media::decode_heif_upright(path) {
            return Ok(image);
        }
    }
    if kind != FileKind::Raw {
        if let Ok(image) = cull_core::media::decode_jpeg_upright(path, 1) {
            return Ok(image);
        }
        if let Ok(image) = decode_full(path) {
            return Ok(image);
        }
    }
    cull_core::media::decode_preview(path, kind)
        .map(|p| p.image)
        .map_err(|e| e.to_string())
}

fn decode_full(path: &Path) -> Result<RgbImage, String> {
    let bytes = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if bytes > cull_core::media::MAX_FILE_BYTES {
        return Err("the file is too large".into());
    }
    let mut reader = image::ImageReader::open(path)
        .and_then(image::ImageReader::with_guessed_format)
        .map_err(|e| e.to_string())?;
    // The same bound on pixels as the core's decoder: no decompression bomb reaches memory.
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(cull_core::media::MAX_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = image::ImageDecoder::orientation(&mut decoder).map_err(|e| e.to_string())?;
    let mut image = image::DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    image.apply_orientation(orientation);
    Ok(image.into_rgb8())
}

/// The crop (x, y, width, height) in the pixels of a decoded `image` for face `bbox`, given in the
/// pixels of the `photo` the scan measured (the two differ when only a smaller decode was to be
/// had), with [`FACE_MARGIN`] on each side and clamped to the image. `None` when nothing is left.
fn crop_rect(bbox: [f32; 4], photo: (u32, u32), image: (u32, u32)) -> Option<(u32, u32, u32, u32)> {
    let (iw, ih) = image;
    if photo.0 == 0 || photo.1 == 0 || iw == 0 || ih == 0 {
        return None;
    }
    let sx = iw as f32 / photo.0 as f32;
    let sy = ih as f32 / photo.1 as f32;
    let [x, y, w, h] = bbox;
    if ![x, y, w, h].iter().all(|v| v.is_finite()) || w <= 0.0 || h <= 0.0 {
        return None;
    }
    let (mx, my) = (w * FACE_MARGIN, h * FACE_MARGIN);
    let x0 = ((x - mx) * sx).floor().clamp(0.0, iw as f32) as u32;
    let y0 = ((y - my) * sy).floor().clamp(0.0, ih as f32) as u32;
    let x1 = ((x + w + mx) * sx).ceil().clamp(0.0, iw as f32) as u32;
    let y1 = ((y + h + my) * sy).ceil().clamp(0.0, ih as f32) as u32;
    (x1 > x0 && y1 > y0).then(|| (x0, y0, x1 - x0, y1 - y0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scheme names shots by id only: nothing a page can put in a URL reaches another file.
    #[test]
    fn crafted_image_urls_reach_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret.jpg");
        std::fs::write(&secret, b"not for the web view").expect("write");
        // One real shot in the library, so that ids do resolve.
        let (state, id) = crate::state::with_one_photo(dir.path());
        assert!(answer(&state, &format!("/thumb/{id}"))
            .expect("thumb")
            .is_some());
        assert!(answer(&state, &format!("/preview/{id}"))
            .expect("preview")
            .is_some());
        let full = answer(&state, &format!("/full/{id}"))
            .expect("full")
            .expect("the photo at its own size");
        let full = image::load_from_memory(&full).expect("a JPEG");
        let photo =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/photos/coffee_cup.jpg");
        let own = image::image_dimensions(photo).expect("the fixture's size");
        assert_eq!((full.width(), full.height()), own);
        let crafted = [
            format!("/thumb/{id}/../../secret.jpg"),
            format!("/thumb/{}", id + 1),
            "/preview/../../secret.jpg".to_string(),
            format!("/preview/{}", secret.display()),
            "/preview/%2e%2e%2fsecret.jpg".to_string(),
            "/thumb/1%20OR%201=1".to_string(),
            "/thumb/-1".to_string(),
            "/preview/9007199254740991".to_string(),
            "/preview/1/../../secret.jpg".to_string(),
            "/full/../../secret.jpg".to_string(),
            format!("/full/{}", id + 1),
            format!("/full/{id}/0"),
            "/file/1".to_string(),
            // The test photo has no faces: no index names one.
            format!("/face/{id}/0"),
            format!("/face/{id}"),
            format!("/face/{id}/+0"),
            format!("/face/{id}/-1"),
            format!("/face/{id}/0/../../secret.jpg"),
            format!("/thumb/{id}/0"),
            format!("/face/{}/0", id + 1),
            "/".to_string(),
            String::new(),
        ];
        for path in &crafted {
            let answered = answer(&state, path);
            assert!(matches!(answered, Ok(None)), "{path} was answered");
        }
    }

    #[test]
    fn a_face_crop_has_its_margin_and_stays_inside_the_image() {
        // A 100-pixel face well inside a 1000 × 800 photo: 35 px more on each side.
        assert_eq!(
            crop_rect([400.0, 300.0, 100.0, 100.0], (1000, 800), (1000, 800)),
            Some((365, 265, 170, 170))
        );
        // At the corner, the margin is cut at the image's edge.
        assert_eq!(
            crop_rect([0.0, 0.0, 100.0, 100.0], (1000, 800), (1000, 800)),
            Some((0, 0, 135, 135))
        );
        // Only a half-size decode to be had: the box scales with it.
        assert_eq!(
            crop_rect([400.0, 300.0, 100.0, 100.0], (1000, 800), (500, 400)),
            Some((182, 132, 86, 86))
        );
        assert_eq!(
            crop_rect([2000.0, 0.0, 10.0, 10.0], (1000, 800), (1000, 800)),
            None
        );
        assert_eq!(
            crop_rect([0.0, 0.0, 0.0, 10.0], (1000, 800), (1000, 800)),
            None
        );
        assert_eq!(
            crop_rect([f32::NAN, 0.0, 10.0, 10.0], (1000, 800), (1000, 800)),
            None
        );
    }

    #[test]
    fn a_face_is_cropped_at_full_size_and_capped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.png");
        RgbImage::from_fn(2400, 1600, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 0])
        })
        .save(&path)
        .expect("write");
        // At full size: the face and its margin, pixel for pixel.
        let small = face_crop(&path, (2400, 1600), [10.0, 10.0, 100.0, 100.0]).expect("crop");
        let small = image::load_from_memory(&small).expect("jpeg");
        assert_eq!((small.width(), small.height()), (145, 145));
        // A face filling the frame comes down to the cap.
        let whole = face_crop(&path, (2400, 1600), [0.0, 0.0, 2400.0, 1600.0]).expect("crop");
        let whole = image::load_from_memory(&whole).expect("jpeg");
        assert_eq!((whole.width(), whole.height()), (FACE_SIDE, 533));
        // A JPEG comes at its own size, not at the core's analysis size (1400 px).
        let jpeg = dir.path().join("big.jpg");
        RgbImage::from_fn(3000, 2000, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 0])
        })
        .save(&jpeg)
        .expect("write");
        assert_eq!(full_size(&jpeg).expect("decode").dimensions(), (3000, 2000));
    }

    #[test]
    fn a_photo_changed_on_disk_is_decoded_again_not_served_from_the_last_decode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("portrait.jpg");
        let write = |grey: u8, secs: u64| {
            let img = RgbImage::from_pixel(64, 48, image::Rgb([grey; 3]));
            img.save(&path).expect("write");
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(when))
                .expect("set mtime");
        };
        let cache = LastFullSize::new();
        write(30, 1_000_000);
        let first = cache.get(&path).expect("decode");
        let again = cache.get(&path).expect("decode");
        assert!(
            Arc::ptr_eq(&first, &again),
            "the same photo is decoded once"
        );
        write(220, 2_000_000);
        let changed = cache.get(&path).expect("decode");
        assert!(
            changed.get_pixel(10, 10)[0] > 200,
            "the new content, not the cached one"
        );
    }
}
