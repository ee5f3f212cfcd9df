//! Times each stage of judging (decode, planes, each detector) over a folder of photos, single
//! threaded, to see where scan time goes.
//!
//! `cargo run --release -p cull-tests --example profile_stages -- DIR`

use std::time::{Duration, Instant};

use cull_core::library::FileKind;
use cull_core::media::decode_preview;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: profile_stages DIR")?;
    let mut decode = Duration::ZERO;
    let mut measure = Duration::ZERO;
    let mut count = 0u32;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let Some(kind) = FileKind::from_path(&path) else {
            continue;
        };
        let t0 = Instant::now();
        let preview = decode_preview(&path, kind)?;
        let t1 = Instant::now();
        let _ = cull_core::judge::judge(&preview);
        let t2 = Instant::now();
        decode += t1 - t0;
        measure += t2 - t1;
        count += 1;
    }
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(count.max(1));
    println!(
        "{count} photos: decode {:.1} ms/photo, measure+judge {:.1} ms/photo (one thread)",
        per(decode),
        per(measure)
    );
    Ok(())
}
