"""Fetch the real photographs the defect model is trained and tested on, and split them by source.

Every photo comes from a package registry (Debian bookworm or PyPI), so the set can be rebuilt on
a machine that reaches nothing else. The photos Cull's own tests judge (tests/fixtures/photos,
the app's sample library) and the real-defect / real-bokeh photos of tests/real_photos.rs are kept
out on purpose: those tests then measure the model on photos it has never seen.

Output (idempotent; nothing is downloaded twice):
  work/sources/<collection>__<name>.<ext>   the photos, untouched
  work/sources/licenses/                    the copyright file of each package
  work/sources.tsv                          id, path, collection, split

Split: within each collection, photos are ordered by the SHA-256 of their id and the first 60 %
go to train, the next 20 % to validation, the rest to test, so every collection is represented in
every split and no photo is in two splits.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
SOURCES = WORK / "sources"

# (collection, Debian package, folder inside, {file name in package: short name}, licence note)
DEBIAN = [
    (
        "plasma",
        "plasma-workspace-wallpapers",
        "usr/share/wallpapers",
        # The real photographs among the 30 wallpapers (the rest are renders); largest size each.
        {
            "BytheWater": "by_the_water", "ColdRipple": "cold_ripple", "ColorfulCups": "colorful_cups",
            "DarkestHour": "darkest_hour", "EveningGlow": "evening_glow", "FallenLeaf": "fallen_leaf",
            "Grey": "grey", "Kite": "kite", "OneStandsOut": "one_stands_out", "Path": "path",
            "summer_1am": "summer_1am",
        },
    ),
    (
        "tuxpaint",
        "tuxpaint-data",
        "usr/share/tuxpaint/templates",
        {n: n for n in [
            "burnt_bark", "cliff", "corn_maze", "jellyfish", "lighthouse", "mossy_bark", "mossy_log",
            "mudstone", "ocean_splash", "ocean_waves", "redwoods_above", "rocks", "sheep",
            "spiders_web", "sun_behind_clouds", "sun_behind_leaves", "trees_above", "trees_at_dusk",
            "wool_mill_machine",
        ]},
    ),
    (
        "opencv",
        "opencv-doc",
        "usr/share/doc/opencv-doc/examples/data",
        # Colour photographs of at least 500 px; stereo/sequence twins (aloeR, leuvenB, aero3,
        # right.jpg) are left out so one scene cannot sit in two splits.
        {n: n for n in [
            "aero1", "aloeL", "apple", "baboon", "board", "building", "butterfly", "ela_original",
            "fruits", "graf1", "home", "leuvenA", "left", "messi5", "orange", "pca_test1",
            "rubberwhale1", "smarties", "squirrel_cls", "stuff",
        ]},
    ),
    # The two Lomiri wallpaper packages (14 photos in cull-judge 1) are reserved for independent
    # evaluation (shared/EVALUATION-ONLY.md) and stay out of training from the next model on.
    (
        "opencv",
        "opencv-doc",
        "usr/share/doc/opencv-doc/examples/text",
        # Street-sign photographs of the text module's samples (Apache-2.0 AND BSD-3-Clause).
        {f"scenetext0{i}": f"scenetext0{i}" for i in range(1, 6)},
    ),
    (
        "opencv",
        "opencv-doc",
        "usr/share/doc/opencv-doc/opencv4/html",
        # The unannotated camera photos among the tutorial figures (the rest are screenshots,
        # plots, composites or photos with drawn overlays); 4_barcodes is the clean twin of
        # result.jpg, which is left out. Apache-2.0 AND BSD-3-Clause.
        {n: n.lower() for n in [
            "detect_test1", "detect_test2", "230501201_1", "4_barcodes", "realsense",
            "retina_TreeHdr_small", "Threshold_inRange_Tutorial_Result_input",
        ]},
    ),
    (
        "libjxl",
        "libjxl-testdata",
        "usr/share/libjxl-testdata/jxl/flower",
        # A Google Pixel 6 photo (EXIF), the PNG original only: its JPEG re-encodes and crop are
        # twins. BSD-3-clause (the JPEG XL Project Authors).
        {"flower": "flower"},
    ),
    (
        "skimage",
        "python3-skimage",
        "usr/lib/python3/dist-packages/skimage/data",
        {"motorcycle_left": "motorcycle_left"},
    ),
]
# (collection, PyPI sdist, folder inside, {file: short name})
PYPI = [
    (
        "faces",
        "face_recognition==1.3.0",
        "tests/test_images",
        {"biden": "biden", "obama": "obama", "obama2": "obama2", "obama3": "obama3"},
    ),
]
IMAGE_EXTS = (".jpg", ".jpeg", ".png")


def log(msg: str) -> None:
    print(f"[sources] {msg}", file=sys.stderr)


def find_image(folder: Path, stem: str) -> Path | None:
    """The largest image named `stem` under `folder` (wallpapers ship one file per screen size)."""
    direct = [p for p in folder.glob(f"{stem}.*") if p.suffix.lower() in IMAGE_EXTS]
    nested = [p for p in (folder / stem).rglob("*") if p.suffix.lower() in IMAGE_EXTS] if (folder / stem).is_dir() else []
    candidates = direct + nested
    return max(candidates, key=lambda p: p.stat().st_size) if candidates else None


def fetch_debian(collection: str, package: str, inner: str, names: dict[str, str]) -> None:
    if all(any(SOURCES.glob(f"{collection}__{short}.*")) for short in names.values()):
        log(f"{package}: cached")
        return
    with tempfile.TemporaryDirectory() as tmp:
        log(f"{package}: apt-get download")
        subprocess.run(["apt-get", "download", "-q", package], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        deb = next(Path(tmp).glob(f"{package}_*.deb"))
        root = Path(tmp) / "x"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        for original, short in names.items():
            found = find_image(root / inner, original)
            if found is None:
                raise SystemExit(f"{package}: {original} not found under {inner}")
            shutil.copyfile(found, SOURCES / f"{collection}__{short}{found.suffix.lower()}")
        copyright_file = root / "usr/share/doc" / package / "copyright"
        if copyright_file.is_file():
            shutil.copyfile(copyright_file, SOURCES / "licenses" / f"{package}.copyright")


def fetch_pypi(collection: str, requirement: str, inner: str, names: dict[str, str]) -> None:
    if all(any(SOURCES.glob(f"{collection}__{short}.*")) for short in names.values()):
        log(f"{requirement}: cached")
        return
    with tempfile.TemporaryDirectory() as tmp:
        log(f"{requirement}: pip download (sdist)")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", requirement, "-d", tmp],
            check=True,
        )
        archive = next(Path(tmp).glob("*.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "x", filter="data")
        top = next((Path(tmp) / "x").iterdir())
        for original, short in names.items():
            found = find_image(top / inner, original)
            if found is None:
                raise SystemExit(f"{requirement}: {original} not found under {inner}")
            shutil.copyfile(found, SOURCES / f"{collection}__{short}{found.suffix.lower()}")
        for lic in ("LICENSE", "LICENSE.txt", "COPYING"):
            if (top / lic).is_file():
                shutil.copyfile(top / lic, SOURCES / "licenses" / f"{requirement.split('==')[0]}.{lic}")


# Smaller photos are old test images (scanned, soft, already JPEG-damaged): calling their variants
# "clean" would teach the model that soft and blocky is fine.
MIN_LONG_SIDE = 700


def long_side(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as im:
        return max(im.size)


def split_sources() -> list[tuple[str, Path, str, str]]:
    rows = []
    by_collection: dict[str, list[Path]] = {}
    for path in sorted(SOURCES.iterdir()):
        if path.is_file() and path.suffix.lower() in IMAGE_EXTS and long_side(path) >= MIN_LONG_SIDE:
            by_collection.setdefault(path.name.split("__")[0], []).append(path)
    for collection, paths in sorted(by_collection.items()):
        ordered = sorted(paths, key=lambda p: hashlib.sha256(p.stem.encode()).hexdigest())
        n = len(ordered)
        n_train = round(n * 0.60)
        n_val = max(1, round(n * 0.20)) if n >= 3 else 0
        for rank, path in enumerate(ordered):
            split = "train" if rank < n_train else "val" if rank < n_train + n_val else "test"
            rows.append((path.stem, path, collection, split))
    return rows


def main() -> None:
    (SOURCES / "licenses").mkdir(parents=True, exist_ok=True)
    for entry in DEBIAN:
        fetch_debian(*entry)
    for entry in PYPI:
        fetch_pypi(*entry)
    rows = split_sources()
    with open(WORK / "sources.tsv", "w") as out:
        for source_id, path, collection, split in rows:
            out.write(f"{source_id}\t{path}\t{collection}\t{split}\n")
    counts = {s: sum(1 for r in rows if r[3] == s) for s in ("train", "val", "test")}
    log(f"{len(rows)} photos: {counts}")


if __name__ == "__main__":
    main()
