//! Bursts and duplicates from a real scan (issue 11): `cull scan` stores each judged shot's
//! difference hash and focus beside its embedding, and `cull_core::groups` finds a re-encoded,
//! resized copy of a real photo among other real photos — and groups nothing else.

use cull_core::groups::{group, GroupKind};
use cull_core::Store;
use cull_tests::bursts::{grouping_library, score_grouping, visp_available};
use cull_tests::{fixture_photos_dir, load_photo, scan_json};

/// The real bursts, copies, brackets and look-alikes of `cull_tests::bursts`, scanned by `cull`:
/// the pair precision and recall per kind are printed (the numbers the issue asks for) and held
/// to floors, and no two different photos are ever grouped.
#[test]
fn real_bursts_copies_and_brackets_group_by_kind_and_different_photos_never_do() {
    if !visp_available() {
        assert!(
            std::env::var_os("CULL_REQUIRE_REAL_PHOTOS").is_none(),
            "the visp frames are missing: run tests/fixtures/fetch.sh"
        );
        eprintln!(
            "skipped: the visp frames are not in the fixture cache (tests/fixtures/fetch.sh)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    let shots = grouping_library(&library).expect("library");
    let run = scan_json(&dir.path().join("db"), dir.path(), &[&library]);
    assert_eq!(run.lines.len(), shots.len(), "{}", run.stderr);
    let score = score_grouping(&shots, &run.lines);
    println!("grouping on real frames ({} shots):\n{score}", shots.len());
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

#[test]
fn a_resized_copy_of_a_real_photo_is_its_duplicate_and_the_other_photos_stay_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    let exports = library.join("exports");
    std::fs::create_dir_all(&exports).expect("library");
    for name in [
        "astronaut",
        "cameraman_field",
        "chelsea_cat",
        "coffee_cup",
        "rocket_launch",
    ] {
        std::fs::copy(
            fixture_photos_dir().join(format!("{name}.jpg")),
            library.join(format!("{name}.jpg")),
        )
        .expect("copy");
    }
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
}
