//! Writes a labelled photo library for calibration, accuracy runs and demos: every committed real
//! photo as it is, with each generated defect, and with each legitimate "hard good" look.
//!
//! `cargo run --release -p cull-tests --example make_library -- OUT_DIR`
//!
//! File names are `<photo>__<transform>.jpg`; the transform names are the labels (see
//! `cull_tests::labelled_library`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: make_library OUT_DIR")?;
    let written = cull_tests::labelled_library(std::path::Path::new(&out))?;
    println!("wrote {} photos to {out}", written.len());
    Ok(())
}
