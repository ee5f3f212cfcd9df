//! Prints the faces Cull finds in each photo, one JSON line per photo, for measuring the face
//! path on real photos (issue 10): box, detector score, eye state and lid-gap ratios, the time
//! the face path took and how much of it went to decoding the JPEG again for small faces' eyes.
//!
//! `cargo run --release -p cull-tests --example faces -- PHOTO...`

use cull_core::library::FileKind;
use cull_core::media::{decode_finer, decode_preview};
use cull_core::model::{Device, FaceFinder, OnnxFaces};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let finder = OnnxFaces::find(&[], Device::Cpu)?;
    for path in std::env::args().skip(1) {
        let preview = match decode_preview(std::path::Path::new(&path), FileKind::Jpeg) {
            Ok(p) => p,
            Err(e) => {
                println!(
                    "{}",
                    serde_json::json!({"path": path, "error": e.to_string()})
                );
                continue;
            }
        };
        // As the scan does: a finer decode only when some face's eyes need it.
        let decode_ms = std::cell::Cell::new(0.0);
        let closer = |k: u32| {
            let started = std::time::Instant::now();
            let view = decode_finer(std::path::Path::new(&path), &preview, k);
            decode_ms.set(started.elapsed().as_secs_f64() * 1000.0);
            view
        };
        let started = std::time::Instant::now();
        let faces = finder.faces_closer(&preview.image, Some(&closer))?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        println!(
            "{}",
            serde_json::json!({"path": path, "width": preview.image.width(), "ms": ms,
                "finer_decode_ms": decode_ms.get(), "faces": faces})
        );
    }
    Ok(())
}
