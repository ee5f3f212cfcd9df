//! Black-box tests of the `cull` command line: the JSON contract, bad input, the cache, RAW+JPEG
//! pairs, orientation, and clean-up with undo through the real OS trash.

use std::path::Path;

use cull_tests::{
    cull, defocus, encode_jpeg, load_photo, sandbox, scan_json, succeeds, underexpose, write_jpeg,
    ScanRun,
};

/// A JPEG with an APP1 EXIF block holding only the orientation tag, inserted after SOI.
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend(1u16.to_le_bytes()); // one IFD entry
    tiff.extend(0x0112u16.to_le_bytes()); // Orientation
    tiff.extend(3u16.to_le_bytes()); // SHORT
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(orientation.to_le_bytes());
    tiff.extend([0, 0]);
    tiff.extend(0u32.to_le_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(app1.len() + 2).expect("small").to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// A stand-in RAW file: a TIFF header, fake sensor bytes, then the camera's JPEG preview.
fn fake_raw(preview: &[u8]) -> Vec<u8> {
    let mut raw = b"II*\0\x08\0\0\0".to_vec();
    raw.extend(vec![0x5Au8; 4096]);
    raw.extend(preview);
    raw.extend(vec![0u8; 512]);
    raw
}

/// A valid small JPEG whose frame header claims 60000×60000 pixels.
fn jpeg_bomb() -> Vec<u8> {
    let mut bytes = encode_jpeg(&load_photo("chelsea_cat"), 80).expect("encode");
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline frame");
    bytes[sof + 5..sof + 7].copy_from_slice(&60000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&60000u16.to_be_bytes());
    bytes
}

#[test]
fn scan_json_prints_one_line_per_photo_with_the_documented_fields() {
    let s = sandbox();
    let img = load_photo("astronaut");
    write_jpeg(&s.library.join("sharp.jpg"), &img, 92).expect("write");
    write_jpeg(&s.library.join("soft.jpg"), &defocus(&img, 8.0), 92).expect("write");
    let run = scan_json(&s.db, &s.data_home, &[&s.library]);
    assert!(run.output.status.success(), "{}", run.stderr);
    assert_eq!(run.lines.len(), 2);
    for line in &run.lines {
        for field in [
            "path", "score", "verdict", "reasons", "exif", "width", "height",
        ] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
        for reason in line["reasons"].as_array().expect("array") {
            for field in ["code", "severity", "confidence", "message"] {
                assert!(reason.get(field).is_some(), "{field} missing in {reason}");
            }
        }
    }
    assert_eq!(run.line("sharp.jpg")["verdict"], "keep");
    assert_eq!(run.codes("soft.jpg"), vec!["blur"]);
    let message = run.line("soft.jpg")["reasons"][0]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.contains("px"),
        "the message cites the measurement: {message}"
    );
    assert!(
        run.stderr.contains("2 shots"),
        "summary line: {}",
        run.stderr
    );
}

#[test]
fn bad_files_each_get_an_error_line_and_the_scan_goes_on() {
    let s = sandbox();
    let lib = &s.library;
    let good = encode_jpeg(&load_photo("coffee_cup"), 90).expect("encode");
    std::fs::write(lib.join("good.jpg"), &good).expect("write");
    std::fs::write(lib.join("zero.jpg"), b"").expect("write");
    std::fs::write(lib.join("truncated.jpg"), &good[..good.len() / 3]).expect("write");
    std::fs::write(lib.join("garbage.jpg"), vec![0x42u8; 5000]).expect("write");
    std::fs::write(lib.join("notes.png"), b"this is text, not a PNG").expect("write");
    std::fs::write(lib.join("bomb.jpg"), jpeg_bomb()).expect("write");
    // Mislabelled but real: a JPEG named .png is judged by its content.
    std::fs::write(lib.join("really_jpeg.png"), &good).expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(lib, lib.join("loop")).expect("symlink");

    let run = scan_json(&s.db, &s.data_home, &[lib]);
    assert!(
        run.output.status.success(),
        "exit 0 despite bad files: {}",
        run.stderr
    );
    let kind = |name: &str| run.line(name)["error"]["kind"].as_str().map(str::to_string);
    assert_eq!(kind("zero.jpg").as_deref(), Some("empty"));
    assert_eq!(kind("truncated.jpg").as_deref(), Some("truncated"));
    assert_eq!(kind("garbage.jpg").as_deref(), Some("corrupt"));
    assert_eq!(kind("notes.png").as_deref(), Some("corrupt"));
    assert_eq!(kind("bomb.jpg").as_deref(), Some("too_large"));
    #[cfg(unix)]
    assert_eq!(kind("loop").as_deref(), Some("symlink_loop"));
    for name in ["zero.jpg", "truncated.jpg", "garbage.jpg", "bomb.jpg"] {
        let message = run.line(name)["error"]["message"].as_str().unwrap_or("");
        assert!(!message.is_empty(), "{name} has a message for people");
    }
    assert!(run.line("good.jpg")["verdict"].is_string());
    assert!(run.line("really_jpeg.png")["verdict"].is_string());
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let s = sandbox();
    let path = s.library.join("locked.jpg");
    write_jpeg(&path, &load_photo("chelsea_cat"), 90).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not apply, so there is nothing to observe.
        eprintln!("skipped: this user can read a mode-000 file");
        return;
    }
    let run = scan_json(&s.db, &s.data_home, &[&s.library]);
    assert!(run.output.status.success());
    assert_eq!(run.line("locked.jpg")["error"]["kind"], "unreadable");
}

#[test]
fn second_scan_of_an_unchanged_library_decodes_nothing() {
    let s = sandbox();
    for name in ["astronaut", "chelsea_cat", "coffee_cup"] {
        write_jpeg(
            &s.library.join(format!("{name}.jpg")),
            &load_photo(name),
            90,
        )
        .expect("write");
    }
    let first = scan_json(&s.db, &s.data_home, &[&s.library]);
    assert!(
        first.stderr.contains("0 from cache, 3 judged"),
        "{}",
        first.stderr
    );
    let second = scan_json(&s.db, &s.data_home, &[&s.library]);
    assert!(
        second.stderr.contains("3 from cache, 0 judged"),
        "{}",
        second.stderr
    );
    assert_eq!(first.lines.len(), second.lines.len());
    for line in &first.lines {
        let path = line["path"].as_str().expect("path");
        let again = second.line(path);
        assert_eq!(line, again, "cached verdict equals the fresh one");
    }
}

#[test]
fn raw_and_jpeg_pair_is_one_shot_and_exif_orientation_is_applied() {
    let s = sandbox();
    let img = load_photo("astronaut"); // 512×512: crop to landscape so rotation shows
    let landscape = image::imageops::crop_imm(&img, 0, 0, 512, 320).to_image();
    let jpeg = encode_jpeg(&landscape, 92).expect("encode");
    std::fs::write(s.library.join("IMG_0001.JPG"), with_orientation(&jpeg, 6)).expect("write");
    std::fs::write(s.library.join("IMG_0001.CR2"), fake_raw(&jpeg)).expect("write");
    std::fs::write(s.library.join("IMG_0002.NEF"), fake_raw(&jpeg)).expect("write");
    let run = scan_json(&s.db, &s.data_home, &[&s.library]);
    assert_eq!(run.lines.len(), 2, "{:#?}", run.lines);
    let pair = run.line("IMG_0001.JPG");
    assert_eq!(pair["files"].as_array().expect("files").len(), 2);
    assert_eq!(pair["exif"]["orientation"], 6);
    assert_eq!(
        (pair["width"].as_u64(), pair["height"].as_u64()),
        (Some(320), Some(512))
    );
    let raw_only = run.line("IMG_0002.NEF");
    assert_eq!(
        raw_only["width"].as_u64(),
        Some(512),
        "judged from its preview"
    );
}

#[test]
fn explain_shows_the_verdict_and_the_measurements_behind_it() {
    let s = sandbox();
    let path = s.library.join("dark.jpg");
    write_jpeg(&path, &underexpose(&load_photo("coffee_cup"), 3.0), 92).expect("write");
    let output = cull(&s.db, &s.data_home)
        .arg("explain")
        .arg(&path)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(text.contains("underexposed"), "{text}");
    for section in [
        "exposure:",
        "contrast:",
        "sharpness:",
        "noise:",
        "jpeg:",
        "flare:",
        "EXIF:",
    ] {
        assert!(text.contains(section), "missing {section} in {text}");
    }
}

#[test]
fn usage_errors_exit_non_zero() {
    let s = sandbox();
    let status = cull(&s.db, &s.data_home)
        .arg("scan")
        .status()
        .expect("runs");
    assert!(!status.success());
    let status = cull(&s.db, &s.data_home)
        .args(["scan", "/definitely/not/here"])
        .status()
        .expect("runs");
    assert!(!status.success());
}

fn trash_files(data_home: &Path) -> Vec<String> {
    let dir = data_home.join("Trash").join("files");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn clean_moves_rejected_pairs_to_the_trash_and_undo_puts_them_back() {
    let s = sandbox();
    let img = load_photo("chelsea_cat");
    let dark = encode_jpeg(&underexpose(&img, 3.5), 92).expect("encode");
    std::fs::write(s.library.join("DSC_1.JPG"), &dark).expect("write");
    std::fs::write(s.library.join("DSC_1.ARW"), fake_raw(&dark)).expect("write");
    write_jpeg(&s.library.join("DSC_2.JPG"), &img, 92).expect("write");
    // Edits other tools keep beside the photos: darktable's per file, Lightroom's per stem.
    let xmp = b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>";
    for name in ["DSC_1.ARW.xmp", "DSC_1.xmp", "DSC_2.xmp"] {
        std::fs::write(s.library.join(name), xmp).expect("write");
    }

    let dry = cull(&s.db, &s.data_home)
        .args(["clean", "--dry-run"])
        .arg(&s.library)
        .output()
        .expect("runs");
    assert!(dry.status.success());
    assert!(String::from_utf8_lossy(&dry.stdout).contains("would move"));
    assert!(
        s.library.join("DSC_1.JPG").exists(),
        "dry run moves nothing"
    );

    let clean = succeeds(cull(&s.db, &s.data_home).arg("clean").arg(&s.library));
    let out = String::from_utf8_lossy(&clean.stdout);
    assert!(!s.library.join("DSC_1.JPG").exists(), "{out}");
    assert!(
        !s.library.join("DSC_1.ARW").exists(),
        "the pair moves together: {out}"
    );
    assert!(s.library.join("DSC_2.JPG").exists(), "the good shot stays");
    assert!(s.library.join("DSC_2.xmp").exists(), "with its sidecar");
    assert_eq!(
        trash_files(&s.data_home),
        vec!["DSC_1.ARW", "DSC_1.ARW.xmp", "DSC_1.JPG", "DSC_1.xmp"],
        "the sidecars travel with their photos"
    );

    succeeds(cull(&s.db, &s.data_home).arg("undo"));
    assert_eq!(
        std::fs::read(s.library.join("DSC_1.JPG")).expect("back"),
        dark
    );
    assert!(s.library.join("DSC_1.ARW").exists());
    for name in ["DSC_1.ARW.xmp", "DSC_1.xmp"] {
        assert_eq!(
            std::fs::read(s.library.join(name)).expect("sidecar back"),
            xmp
        );
    }
    assert!(trash_files(&s.data_home).is_empty());

    let again = cull(&s.db, &s.data_home)
        .arg("undo")
        .output()
        .expect("runs");
    assert!(!again.status.success(), "nothing left to undo");
    let _ = &s.root;
}

/// Regression: the undo record was written only after every move, so a clean-up killed half-way
/// left files in the trash that Undo no longer knew about. The real `cull clean` is killed with
/// SIGKILL while it moves a few hundred shots; then every file is either in the library or in the
/// trash (none lost, none doubled), the database is intact, and `cull undo` puts back all of them.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn a_clean_up_killed_half_way_is_undone_completely() {
    const SHOTS: usize = 300;
    let s = sandbox();
    let dark = encode_jpeg(&underexpose(&load_photo("chelsea_cat"), 3.5), 80).expect("encode");
    for i in 0..SHOTS {
        std::fs::write(s.library.join(format!("IMG_{i:04}.JPG")), &dark).expect("write");
    }
    succeeds(
        cull(&s.db, &s.data_home)
            .arg("--no-model")
            .arg("scan")
            .arg(&s.library),
    );

    let mut clean = cull(&s.db, &s.data_home)
        .arg("--no-model")
        .arg("clean")
        .arg(&s.library)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    // Kill it as soon as the first files have reached the trash.
    let started = std::time::Instant::now();
    while trash_files(&s.data_home).len() < 5 && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    clean.kill().expect("SIGKILL");
    let _ = clean.wait();

    let in_library = std::fs::read_dir(&s.library).expect("library").count();
    let in_trash = trash_files(&s.data_home)
        .iter()
        .filter(|n| n.ends_with(".JPG"))
        .count();
    eprintln!("killed with {in_trash} of {SHOTS} shots in the trash");
    assert!(in_trash >= 5, "the clean-up had started");
    // The trash may briefly hold a file that is still in place too (killed inside its move):
    // never fewer than all, at most that one twice.
    let total = in_library + in_trash;
    assert!(
        (SHOTS..=SHOTS + 1).contains(&total),
        "nothing lost, nothing doubled but the file in flight: {total}"
    );
    let conn = rusqlite::Connection::open(&s.db).expect("db");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    drop(conn);

    let undo = succeeds(cull(&s.db, &s.data_home).arg("undo"));
    assert_eq!(
        std::fs::read_dir(&s.library).expect("library").count(),
        SHOTS,
        "every file is back: {}",
        String::from_utf8_lossy(&undo.stdout)
    );
    // What may stay in the trash is a partial copy of the file the kill caught in flight; that
    // file itself is back in place, whole.
    let left = trash_files(&s.data_home);
    assert!(left.len() <= 1, "{left:?}");
    for name in &left {
        let copy = std::fs::read(s.data_home.join("Trash").join("files").join(name)).expect("copy");
        assert_eq!(std::fs::read(s.library.join(name)).expect("in place"), dark);
        assert!(
            dark.starts_with(&copy),
            "{name}: the trash copy is part of the original"
        );
    }
    assert_eq!(
        std::fs::read(s.library.join("IMG_0000.JPG")).expect("back"),
        dark
    );
}

/// Regression: one file whose name is not valid UTF-8 (`caf\xe9.jpg`, as old cameras and zip
/// archives write) made the whole scan fail with "stored data is not valid JSON". Now it is
/// judged, its `--json` line carries the exact name bytes, the cache reads it back, and it can be
/// cleaned up and undone like any other.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn a_file_name_that_is_not_utf8_is_judged_cleaned_and_undone() {
    use std::os::unix::ffi::OsStrExt;
    let s = sandbox();
    let dark = encode_jpeg(&underexpose(&load_photo("chelsea_cat"), 3.5), 90).expect("encode");
    let odd = s.library.join(std::ffi::OsStr::from_bytes(b"caf\xe9.jpg"));
    std::fs::write(&odd, &dark).expect("write");
    write_jpeg(&s.library.join("fine.jpg"), &load_photo("chelsea_cat"), 92).expect("write");
    for round in ["judged", "cached"] {
        let run = scan_json(&s.db, &s.data_home, &[s.library.as_path()]);
        assert!(run.output.status.success(), "{round}: {}", run.stderr);
        assert_eq!(run.lines.len(), 2, "{round}: {:#?}", run.lines);
        let line = run
            .lines
            .iter()
            .find(|l| l["path"].is_object())
            .expect("the odd name as an object");
        let hex: String = odd
            .as_os_str()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(line["path"]["bytes"], hex.as_str(), "{round}");
        assert!(
            line["path"]["lossy"]
                .as_str()
                .is_some_and(|p| p.ends_with("caf\u{fffd}.jpg")),
            "{line}"
        );
        assert_eq!(line["verdict"], "reject", "{round}: {line}");
    }
    succeeds(cull(&s.db, &s.data_home).arg("clean").arg(&s.library));
    assert!(!odd.exists(), "moved to the trash");
    succeeds(cull(&s.db, &s.data_home).arg("undo"));
    assert_eq!(
        std::fs::read(&odd).expect("back under its exact name"),
        dark
    );
}

/// `--xmp=ext` writes Cull's call into darktable/digiKam-named sidecars, updating one that is
/// already there in place (its edit history kept); `cull mark` rewrites it with the user's call;
/// `--xmp` names them as Lightroom does. The photos themselves are never written.
#[test]
fn xmp_sidecars_carry_the_call_in_place_and_the_photos_are_untouched() {
    let s = sandbox();
    let img = load_photo("chelsea_cat");
    let dark = encode_jpeg(&underexpose(&img, 3.5), 92).expect("encode");
    std::fs::write(s.library.join("dark.jpg"), &dark).expect("write");
    write_jpeg(&s.library.join("good.jpg"), &img, 92).expect("write");
    let good = std::fs::read(s.library.join("good.jpg")).expect("read");
    // darktable had been here: a history to keep, no rating (0: no call of the user's).
    let darktable = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n  <rdf:Description rdf:about=\"\"\n    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n    xmlns:darktable=\"http://darktable.sf.net/\"\n   xmp:Rating=\"0\"\n   darktable:history_end=\"1\">\n   <darktable:history><rdf:Seq><rdf:li darktable:operation=\"exposure\"/></rdf:Seq></darktable:history>\n  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n";
    std::fs::write(s.library.join("dark.jpg.xmp"), darktable).expect("write");

    let out = succeeds(
        cull(&s.db, &s.data_home)
            .args(["scan", "--json", "--xmp=ext"])
            .arg(&s.library),
    );
    let run = ScanRun::from_output(out);
    let rating = |name: &str| {
        let text = std::fs::read_to_string(s.library.join(name)).expect("sidecar");
        cull_core::xmp::read_rating(&text)
    };
    assert_eq!(run.line("dark.jpg")["verdict"], "reject");
    assert_eq!(rating("dark.jpg.xmp"), Some(-1), "rejected");
    let dark_xmp = std::fs::read_to_string(s.library.join("dark.jpg.xmp")).expect("read");
    assert!(
        dark_xmp.contains("darktable:operation=\"exposure\""),
        "{dark_xmp}"
    );
    assert!(
        dark_xmp.contains("cull:Reasons=\"underexposed"),
        "{dark_xmp}"
    );
    assert!(
        rating("good.jpg.xmp").is_some_and(|r| r >= 1),
        "kept, with stars"
    );

    // The user's call wins, in the sidecar too.
    succeeds(
        cull(&s.db, &s.data_home)
            .args(["mark", "keep", "--xmp=ext"])
            .arg(s.library.join("dark.jpg")),
    );
    assert!(rating("dark.jpg.xmp").is_some_and(|r| r >= 1));
    // Lightroom's naming.
    succeeds(
        cull(&s.db, &s.data_home)
            .args(["scan", "--xmp"])
            .arg(&s.library),
    );
    assert!(rating("good.xmp").is_some_and(|r| r >= 1));
    assert_eq!(
        std::fs::read(s.library.join("dark.jpg")).expect("read"),
        dark
    );
    assert_eq!(
        std::fs::read(s.library.join("good.jpg")).expect("read"),
        good
    );
}

/// A rejection made in Lightroom (its sidecar's rating −1, or the rating saved into the JPEG)
/// counts as the user's call: the `--json` line says so; a later call in Cull wins over the older
/// sidecar.
#[test]
fn a_rating_set_in_another_tool_is_the_users_call_until_they_decide_in_cull() {
    let s = sandbox();
    let img = load_photo("chelsea_cat");
    write_jpeg(&s.library.join("cat.jpg"), &img, 92).expect("write");
    write_jpeg(&s.library.join("cat2.jpg"), &defocus(&img, 0.5), 92).expect("write");
    let lightroom = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n  <rdf:Description rdf:about=\"\"\n    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n   xmp:Rating=\"-1\"/>\n </rdf:RDF>\n</x:xmpmeta>\n";
    std::fs::write(s.library.join("cat.xmp"), lightroom).expect("write");
    // "Save metadata to file": the same rejection embedded in the JPEG itself.
    let jpeg = encode_jpeg(&cull_tests::low_key(&img), 92).expect("encode");
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(lightroom.as_bytes());
    let embedded = cull_tests::with_app1(&jpeg, &xmp).expect("app1");
    std::fs::write(s.library.join("night.jpg"), &embedded).expect("write");

    let run = ScanRun::from_output(succeeds(
        cull(&s.db, &s.data_home)
            .args(["scan", "--json"])
            .arg(&s.library),
    ));
    assert_eq!(run.line("cat.jpg")["decision"], "reject", "{:?}", run.lines);
    assert_eq!(run.line("night.jpg")["decision"], "reject");
    assert_eq!(run.line("cat2.jpg")["decision"], serde_json::Value::Null);

    // Decided again in Cull, after the sidecar was written: Cull's call stands.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    succeeds(
        cull(&s.db, &s.data_home)
            .args(["mark", "keep"])
            .arg(s.library.join("cat.jpg")),
    );
    let run = ScanRun::from_output(succeeds(
        cull(&s.db, &s.data_home)
            .args(["scan", "--json"])
            .arg(&s.library),
    ));
    assert_eq!(run.line("cat.jpg")["decision"], "keep");
}
