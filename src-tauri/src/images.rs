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
    let (Some(kind), Some(id)) = (parts.next(), parts.next()) else {
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
