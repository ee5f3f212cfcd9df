//! The async `cull://` scheme: `cull://localhost/thumb/{id}` answers from the thumbnail cache,
//! `cull://localhost/preview/{id}` decodes a loupe-size JPEG on a worker thread. Shots are named
//! by id, so the web view can never ask for an arbitrary file.

use tauri::http::{Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::state::AppState;

const PREVIEW_SIDE: u32 = 1600;

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
    // Exactly `kind/id`: anything more is not a URL the app makes.
    let (Some(kind), Some(id), None) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
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
        _ => Ok(None),
    }
}

fn preview(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let kind =
        cull_core::library::FileKind::from_path(path).unwrap_or(cull_core::library::FileKind::Jpeg);
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
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88)
        .encode_image(&image)
        .map_err(|e| e.to_string())?;
    Ok(out)
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
            "/file/1".to_string(),
            "/".to_string(),
            String::new(),
        ];
        for path in &crafted {
            let answered = answer(&state, path);
            assert!(matches!(answered, Ok(None)), "{path} was answered");
        }
    }
}
