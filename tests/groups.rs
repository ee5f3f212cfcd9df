//! Bursts and duplicates from a real scan (issue 11): `cull scan` stores each judged shot's
//! difference hash and focus beside its embedding, and `cull_core::groups` finds a re-encoded,
//! resized copy of a real photo among other real photos — and groups nothing else.

use cull_core::groups::{group, GroupKind};
use cull_core::Store;
use cull_tests::{fixture_photos_dir, load_photo, scan_json};

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
    assert!(names.contains(&"astronaut") && names.contains(&"astronaut_web"));
}
