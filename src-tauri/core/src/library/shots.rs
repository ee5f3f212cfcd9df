use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::walk::FileKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShotFile {
    pub path: PathBuf,
    #[serde(skip)]
    pub kind: FileKind,
}

/// One capture: a single file, or the RAW and JPEG (or HEIF) the camera wrote for the same frame.
/// A shot is judged once and kept or trashed as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shot {
    /// Its identity in the store: the path of the judged file. It depends on that file alone,
    /// never on its siblings: an export that appears beside a rejected photo is a shot of its own
    /// and inherits nothing.
    pub key: String,
    /// The file that is judged: the rendered JPEG/HEIF/PNG when there is one, else the RAW.
    pub primary: ShotFile,
    /// The other files of the shot.
    pub companions: Vec<ShotFile>,
}

impl Shot {
    pub fn files(&self) -> impl Iterator<Item = &ShotFile> {
        std::iter::once(&self.primary).chain(self.companions.iter())
    }
}

/// What files of one frame share: their folder and their stem, in any case.
fn stem_of(path: &Path) -> String {
    let dir = path.parent().unwrap_or(Path::new(""));
    let stem = path
        .file_stem()
        .map(|s| match s.to_str() {
            Some(text) => text.to_lowercase(),
            // Not UTF-8: the exact bytes, so only files with the very same stem pair up.
            None => format!(
                "#{}",
                crate::paths::hex(&crate::paths::to_bytes(Path::new(s)))
            ),
        })
        .unwrap_or_default();
    format!("{}/{}", dir.display(), stem)
}

/// A shot's key: its judged file's path. A name that is not UTF-8 gets its exact bytes (hex)
/// after a `#`, so two names that differ only in their invalid bytes stay two shots; the key
/// still starts with the folder, as shown, for the store's folder queries.
pub fn shot_key(primary: &Path) -> String {
    match primary.to_str() {
        Some(text) => text.to_string(),
        None => format!(
            "{}#{}",
            primary.display(),
            crate::paths::hex(&crate::paths::to_bytes(primary))
        ),
    }
}

/// The key releases before schema 5 gave a shot: folder + lower-cased stem (`#` + the path for a
/// second rendered file with the same stem). Only the migration still needs it.
pub(crate) fn legacy_key(path: &Path) -> String {
    let dir = path.parent().unwrap_or(Path::new(""));
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    format!("{}/{}", dir.display(), stem)
}

/// The judged file of a pair is the one the camera rendered: JPEG beats HEIF beats the other
/// rendered formats, and any of them beats the RAW's small embedded preview.
fn rank(kind: FileKind) -> u8 {
    match kind {
        FileKind::Jpeg => 0,
        FileKind::Heif => 1,
        FileKind::Png | FileKind::Webp | FileKind::Tiff => 2,
        FileKind::Raw => 3,
    }
}

/// Groups files that share a folder and a stem. Only a RAW with rendered siblings is merged:
/// `a.png` next to `a.jpg` are two different pictures that happen to share a name.
pub fn group_into_shots(files: Vec<(PathBuf, FileKind)>) -> Vec<Shot> {
    let mut by_stem: BTreeMap<String, Vec<ShotFile>> = BTreeMap::new();
    for (path, kind) in files {
        by_stem
            .entry(stem_of(&path))
            .or_default()
            .push(ShotFile { path, kind });
    }
    let mut shots = Vec::new();
    for (_, mut group) in by_stem {
        group.sort_by(|a, b| rank(a.kind).cmp(&rank(b.kind)).then(a.path.cmp(&b.path)));
        let (raws, rendered): (Vec<_>, Vec<_>) =
            group.into_iter().partition(|f| f.kind == FileKind::Raw);
        let mut rendered = rendered.into_iter();
        match rendered.next() {
            Some(primary) => {
                shots.push(Shot {
                    key: shot_key(&primary.path),
                    primary,
                    companions: raws,
                });
                // Unrelated rendered files with the same stem stay shots of their own.
                for other in rendered {
                    shots.push(Shot {
                        key: shot_key(&other.path),
                        primary: other,
                        companions: Vec::new(),
                    });
                }
            }
            None => {
                let mut raws = raws.into_iter();
                if let Some(primary) = raws.next() {
                    shots.push(Shot {
                        key: shot_key(&primary.path),
                        primary,
                        companions: raws.collect(),
                    });
                }
            }
        }
    }
    shots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> (PathBuf, FileKind) {
        let path = PathBuf::from(path);
        let kind = FileKind::from_path(&path).expect("known extension");
        (path, kind)
    }

    #[test]
    fn raw_and_jpeg_with_same_stem_form_one_shot_judged_from_the_jpeg() {
        let shots = group_into_shots(vec![
            file("/p/IMG_1.CR2"),
            file("/p/IMG_1.JPG"),
            file("/p/IMG_2.jpg"),
        ]);
        assert_eq!(shots.len(), 2);
        let pair = &shots[0];
        assert_eq!(pair.primary.path, PathBuf::from("/p/IMG_1.JPG"));
        assert_eq!(pair.companions.len(), 1);
        assert_eq!(pair.companions[0].path, PathBuf::from("/p/IMG_1.CR2"));
    }

    #[test]
    fn same_stem_in_different_folders_is_not_a_pair() {
        let shots = group_into_shots(vec![file("/a/IMG_1.NEF"), file("/b/IMG_1.jpg")]);
        assert_eq!(shots.len(), 2);
        assert!(shots.iter().all(|s| s.companions.is_empty()));
    }

    #[test]
    fn raw_alone_is_its_own_primary() {
        let shots = group_into_shots(vec![file("/a/DSC_9.ARW")]);
        assert_eq!(shots[0].primary.kind, FileKind::Raw);
    }

    /// Regression: which file owned a stem's key depended on its siblings, so an export that
    /// appeared beside a rejected HEIC took over the HEIC's key, and with it the reject.
    #[test]
    fn a_new_sibling_does_not_take_over_a_shots_key() {
        let before = group_into_shots(vec![file("/a/IMG_7.HEIC")]);
        let after = group_into_shots(vec![file("/a/IMG_7.HEIC"), file("/a/IMG_7.jpg")]);
        let heic = after
            .iter()
            .find(|s| s.primary.kind == FileKind::Heif)
            .expect("the HEIC is still a shot");
        assert_eq!(heic.key, before[0].key);
        let export = after
            .iter()
            .find(|s| s.primary.kind == FileKind::Jpeg)
            .expect("the export is a shot");
        assert_ne!(export.key, heic.key);
    }

    /// Regression: keys were the lossy display of the path, so `caf\xe9.jpg` and `caf\xe8.jpg`
    /// (both shown as `caf�.jpg`) were one shot.
    #[cfg(unix)]
    #[test]
    fn names_that_differ_only_in_bytes_that_are_not_utf8_are_two_shots() {
        use std::os::unix::ffi::OsStrExt;
        let named = |bytes: &[u8]| {
            let path = Path::new("/p").join(std::ffi::OsStr::from_bytes(bytes));
            (path, FileKind::Jpeg)
        };
        let shots = group_into_shots(vec![named(b"caf\xe9.jpg"), named(b"caf\xe8.jpg")]);
        assert_eq!(shots.len(), 2);
        assert_ne!(shots[0].key, shots[1].key);
        assert!(shots.iter().all(|s| s.key.starts_with("/p/caf")));
        assert_eq!(shot_key(Path::new("/p/a.jpg")), "/p/a.jpg");
    }

    #[test]
    fn png_and_jpeg_with_same_stem_stay_separate() {
        let shots = group_into_shots(vec![file("/a/x.png"), file("/a/x.jpg")]);
        assert_eq!(shots.len(), 2);
    }
}
