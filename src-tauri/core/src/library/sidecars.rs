//! Sidecars: the files other tools keep beside a photo (XMP from Lightroom, darktable, digiKam
//! and Capture One; RawTherapee's `.pp3`; DxO's `.dop`; ON1's `.on1`). They belong to the shot:
//! a clean-up moves them to the trash with it and Undo brings them back, so a user's edits never
//! outlive — or get separated from — their photo.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::walk::FileKind;

/// Extensions of sidecars named after the whole file (`IMG_1.CR2.xmp`, darktable and digiKam;
/// `IMG_1.CR2.pp3`; `IMG_1.CR2.dop`).
const AFTER_FILE: [&str; 4] = ["xmp", "pp3", "dop", "on1"];
/// Extensions of sidecars named after the stem (`IMG_1.xmp`, Lightroom and Capture One;
/// `IMG_1.on1`).
const AFTER_STEM: [&str; 2] = ["xmp", "on1"];

/// The sidecars beside `files` (one shot's files), each once. A sidecar named after the stem is
/// the shot's only when no other photo in its folder shares that stem: `IMG_1.xmp` beside
/// `IMG_1.jpg` and an unrelated `IMG_1.png` is not this shot's to move.
pub fn sidecars_of(files: &[PathBuf]) -> Vec<PathBuf> {
    let ours: HashSet<&Path> = files.iter().map(PathBuf::as_path).collect();
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut folders: Vec<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        let names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        for candidate in &names {
            if ours.contains(candidate.as_path()) || !candidate.is_file() {
                continue;
            }
            let Some(ext) = candidate.extension().and_then(|e| e.to_str()) else {
                continue;
            };
            let ext = ext.to_ascii_lowercase();
            let Some(base) = candidate.file_stem() else {
                continue;
            };
            // `IMG_1.CR2.xmp` → `IMG_1.CR2`, one of our files.
            let after_file = AFTER_FILE.contains(&ext.as_str())
                && files
                    .iter()
                    .any(|f| f.parent() == Some(folder) && f.file_name() == Some(base));
            // `IMG_1.xmp` → stem `IMG_1`, ours, and no other photo of that stem here.
            let after_stem = AFTER_STEM.contains(&ext.as_str())
                && files
                    .iter()
                    .any(|f| f.parent() == Some(folder) && f.file_stem() == Some(base))
                && !names.iter().any(|other| {
                    !ours.contains(other.as_path())
                        && other.file_stem() == Some(base)
                        && FileKind::from_path(other).is_some()
                });
            if (after_file || after_stem) && seen.insert(candidate.clone()) {
                found.push(candidate.clone());
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecars_by_file_and_by_stem_go_with_the_shot_and_a_shared_stem_stays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let touch = |name: &str| std::fs::write(d.join(name), b"x").expect("write");
        for name in [
            "IMG_1.CR2",
            "IMG_1.JPG",
            "IMG_1.CR2.xmp",
            "IMG_1.xmp",
            "IMG_1.JPG.pp3",
            "IMG_1.CR2.dop",
            "IMG_10.xmp",
            "IMG_2.jpg",
            "IMG_2.png",
            "IMG_2.xmp",
            "IMG_2.jpg.XMP",
            "notes.txt",
        ] {
            touch(name);
        }
        let shot = vec![d.join("IMG_1.CR2"), d.join("IMG_1.JPG")];
        let names: Vec<String> = sidecars_of(&shot)
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        assert_eq!(
            names,
            [
                "IMG_1.CR2.dop",
                "IMG_1.CR2.xmp",
                "IMG_1.JPG.pp3",
                "IMG_1.xmp"
            ]
        );
        // IMG_2.jpg and IMG_2.png are two shots: the stem's XMP is neither's alone.
        let names: Vec<String> = sidecars_of(&[d.join("IMG_2.jpg")])
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        assert_eq!(names, ["IMG_2.jpg.XMP"]);
    }
}
