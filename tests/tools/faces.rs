//! Prints the faces Cull finds in each photo, one JSON line per photo, for measuring the face
//! path on real photos (issue 10): box, detector score, eye state and lid-gap ratios.
//!
//! `cargo run --release -p cull-tests --example faces -- PHOTO...`

use cull_core::library::FileKind;
use cull_core::media::decode_preview;
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
        let started = std::time::Instant::now();
        let faces = finder.faces(&preview.image)?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        println!(
            "{}",
            serde_json::json!({"path": path, "width": preview.image.width(), "ms": ms, "faces": faces})
        );
    }
    Ok(())
}
