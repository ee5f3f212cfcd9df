"""Synthetic stand-in for the dataset the Rust tool writes, for testing train.py.

The real dataset comes from Cull's own decoder, detectors and defect
generators. Until it exists (and in unit tests, where it is too slow to
build) this script produces a directory in exactly the same format from the
committed fixture photos: random crops become "source photos", each gets the
same menu of transforms the Rust tool applies, and the 27 features are crude
numpy imitations of the detector numbers. It only has to be realistic enough
that a working pipeline learns something and a broken one visibly does not.

Run:  models/training/.venv/bin/python models/training/fake_dataset.py [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

HERE = Path(__file__).resolve().parent
PHOTOS_DIR = HERE.parent.parent / "tests" / "fixtures" / "photos"
DEFAULT_OUT = HERE / "work" / "fake_dataset"

VIEW_SIDE = 160
VIEW_COUNT = 2
ANALYSIS_LONG_SIDE = 480

# Same names, same order as the Rust side's model::FEATURE_NAMES.
FEATURE_NAMES = [
    "exposure.mean_ev/4", "exposure.dark_fraction", "exposure.clipped_fraction",
    "exposure.white_fraction", "exposure.highlight_brightness", "exposure.shadow_brightness",
    "exposure.highlight_headroom_stops/4", "contrast.range_stops/10", "contrast.low_brightness",
    "contrast.high_brightness", "sharpness.has_detail", "sharpness.best", "sharpness.median",
    "sharpness.directional0", "sharpness.directional45", "sharpness.directional90",
    "sharpness.directional135", "sharpness.anisotropy", "sharpness.informative_share",
    "noise.log2_sigma/4", "jpeg.quality/100", "jpeg.has_blockiness", "jpeg.blockiness",
    "flare.source_found", "flare.near_shadow", "flare.far_shadow", "flare.lift",
]

# transform name -> (labels, hard_good). Mirrors the Rust generator's menu.
TRANSFORMS: dict[str, tuple[list[str], bool]] = {
    "original": ([], False),
    "clean_jpeg": ([], False),
    "defocus": (["blur"], False),
    "motion_blur": (["motion_blur"], False),
    "shake": (["motion_blur"], False),
    "underexposed": (["underexposed"], False),
    "overexposed": (["overexposed"], False),
    "noise": (["noise"], False),
    "jpeg": (["jpeg_artifacts"], False),
    "lens_flare": (["lens_flare"], False),
    "low_contrast": (["low_contrast"], False),
    "shallow_dof": ([], True),
    "low_key": ([], True),
    "high_key": ([], True),
    "fog": ([], True),
    "panning": ([], True),
    "underexposed+noise": (["underexposed", "noise"], False),
}
# A generator variant only ever seen in the test split.
HELDOUT = {"defocus_box": (["blur"], False)}


# --------------------------------------------------------------------------
# Image operations on float32 HxWx3 arrays in 0..1
# --------------------------------------------------------------------------


def _to_pil(x: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(x, 0, 1) * 255 + 0.5).astype(np.uint8))


def _from_pil(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0


def gaussian_blur(x: np.ndarray, radius: float) -> np.ndarray:
    return _from_pil(_to_pil(x).filter(ImageFilter.GaussianBlur(radius)))


def box_blur(x: np.ndarray, radius: int) -> np.ndarray:
    return _from_pil(_to_pil(x).filter(ImageFilter.BoxBlur(radius)))


def linear_blur(x: np.ndarray, length: int, angle_deg: float) -> np.ndarray:
    """Average of copies shifted along a line: a straight motion streak."""
    acc = np.zeros_like(x)
    dx, dy = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    for t in np.linspace(-length / 2, length / 2, max(length, 2)):
        acc += np.roll(x, (int(round(t * dy)), int(round(t * dx))), axis=(0, 1))
    return acc / max(length, 2)


def shake_blur(x: np.ndarray, rng: np.random.Generator, steps: int = 14) -> np.ndarray:
    """Average along a random walk: hand-shake is curved, not straight."""
    acc = np.zeros_like(x)
    pos = np.zeros(2)
    for _ in range(steps):
        pos += rng.normal(0, 1.2, 2)
        acc += np.roll(x, tuple(int(round(v)) for v in pos), axis=(0, 1))
    return acc / steps


def jpeg(x: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    _to_pil(x).save(buf, "JPEG", quality=quality)
    return _from_pil(Image.open(io.BytesIO(buf.getvalue())))


def centre_mask(h: int, w: int, rx: float = 0.3, ry: float = 0.35) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    d = ((xx - w / 2) / (rx * w)) ** 2 + ((yy - h / 2) / (ry * h)) ** 2
    return np.clip(1.5 - d, 0, 1)[..., None].astype(np.float32)


def apply(name: str, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Returns the transformed image and the JPEG quality it was saved at."""
    h, w, _ = x.shape
    quality = 100
    if name == "original":
        pass
    elif name == "clean_jpeg":
        quality = int(rng.integers(85, 96))
        x = jpeg(x, quality)
    elif name == "defocus":
        x = gaussian_blur(x, rng.uniform(3, 6))
    elif name == "defocus_box":
        x = box_blur(x, int(rng.integers(3, 6)))
    elif name == "motion_blur":
        x = linear_blur(x, int(rng.integers(10, 20)), rng.uniform(0, 180))
    elif name == "shake":
        x = shake_blur(x, rng)
    elif name == "underexposed":
        x = x * rng.uniform(0.12, 0.25)
    elif name == "overexposed":
        x = x * rng.uniform(2.2, 3.5) + 0.1
    elif name == "noise":
        x = x + rng.normal(0, rng.uniform(0.06, 0.12), x.shape).astype(np.float32)
    elif name == "jpeg":
        quality = int(rng.integers(4, 12))
        x = jpeg(x, quality)
    elif name == "lens_flare":
        yy, xx = np.mgrid[0:h, 0:w]
        cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.05, 0.4) * h
        glow = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (0.25 * w) ** 2))
        x = x * 0.75 + 0.9 * glow[..., None] * np.array([1.0, 0.9, 0.7]) + 0.12
    elif name == "low_contrast":
        x = (x - x.mean()) * rng.uniform(0.2, 0.35) + x.mean() * 0.9 + 0.08
    elif name == "shallow_dof":
        m = centre_mask(h, w)
        x = m * x + (1 - m) * gaussian_blur(x, 6)
    elif name == "low_key":
        x = x ** 2.2
    elif name == "high_key":
        x = x ** 0.45
    elif name == "fog":
        x = x * 0.8 + 0.15
    elif name == "panning":
        m = centre_mask(h, w, 0.25, 0.4)
        x = m * x + (1 - m) * linear_blur(x, 24, 0)
    elif name == "underexposed+noise":
        x = x * rng.uniform(0.15, 0.3)
        x = x + rng.normal(0, 0.05, x.shape).astype(np.float32)
    else:
        raise ValueError(name)
    return np.clip(x, 0, 1).astype(np.float32), quality


# --------------------------------------------------------------------------
# Crude detector numbers
# --------------------------------------------------------------------------


def fake_features(x: np.ndarray, quality: int, rng: np.random.Generator) -> np.ndarray:
    lum = x @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    p1, p5, p95, p99 = np.percentile(lum, [1, 5, 95, 99])
    gx = np.abs(np.diff(lum, axis=1))[:-1]
    gy = np.abs(np.diff(lum, axis=0))[:, :-1]
    gd1 = np.abs(lum[1:, 1:] - lum[:-1, :-1])
    gd2 = np.abs(lum[1:, :-1] - lum[:-1, 1:])
    dirs = np.array([gx.mean(), gd1.mean(), gy.mean(), gd2.mean()]) * 10
    lap = np.abs(4 * lum[1:-1, 1:-1] - lum[:-2, 1:-1] - lum[2:, 1:-1] - lum[1:-1, :-2] - lum[1:-1, 2:])
    tiles = [lap[i:i + 64, j:j + 64].mean() for i in range(0, lap.shape[0] - 63, 64)
             for j in range(0, lap.shape[1] - 63, 64)]
    sigma = np.median(np.abs(np.diff(lum, 2, axis=1))) * 255 / 0.6745 / np.sqrt(6)
    block_cols = np.abs(np.diff(lum, axis=1))
    boundary = block_cols[:, 7::8].mean()
    interior = block_cols.mean() + 1e-6
    v = np.array([
        np.log2(max(lum.mean(), 1e-3) / 0.18) / 4, (lum < 0.1).mean(), (lum > 0.98).mean(),
        (lum > 0.9).mean(), p99, p1, np.log2(1 / max(p99, 1e-3)) / 4,
        np.log2(max(p99, 1e-3) / max(p1, 1e-3)) / 10, p5, p95,
        1.0, np.max(tiles) * 8, np.median(tiles) * 8, *dirs,
        dirs.max() / (dirs.min() + 1e-3) / 4, float(np.mean(np.array(tiles) > 0.02)),
        np.log2(max(sigma, 0.05)) / 4, quality / 100, 1.0, boundary / interior - 1,
        float((lum > 0.97).mean() > 0.01), p5 * 1.2, p1 * 1.1, max(p1 - 0.05, 0),
    ], np.float32)
    v = v + rng.normal(0, 0.02, v.shape).astype(np.float32)
    if rng.random() < 0.02:  # the real features "may contain outliers"
        v[rng.integers(len(v))] *= 40
    return v


# --------------------------------------------------------------------------
# Dataset writing
# --------------------------------------------------------------------------


def make_sources(n_crops: int, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    out = []
    for path in sorted(PHOTOS_DIR.glob("*.jpg")):
        with Image.open(path) as im:
            im = im.convert("RGB")
        for k in range(n_crops):
            w, h = im.size
            f = rng.uniform(0.7, 0.95)
            cw, ch = int(w * f), int(h * f)
            left, top = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            crop = im.crop((left, top, left + cw, top + ch))
            if rng.random() < 0.5:
                crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
            scale = ANALYSIS_LONG_SIDE / max(crop.size)
            crop = crop.resize((max(VIEW_SIDE, round(crop.size[0] * scale)),
                                max(VIEW_SIDE, round(crop.size[1] * scale))), Image.BILINEAR)
            x = _from_pil(crop) * rng.uniform(0.85, 1.1)
            out.append((f"{path.stem}#{k}", np.clip(x, 0, 1).astype(np.float32)))
    return out


def views_of(x: np.ndarray) -> np.ndarray:
    """[2,160,160,3] uint8: the squeezed whole frame and a centre window."""
    whole = np.asarray(_to_pil(x).resize((VIEW_SIDE, VIEW_SIDE), Image.BILINEAR))
    h, w, _ = x.shape
    top, left = (h - VIEW_SIDE) // 2, (w - VIEW_SIDE) // 2
    window = np.asarray(_to_pil(x[top:top + VIEW_SIDE, left:left + VIEW_SIDE]))
    return np.stack([whole, window])


def fake_measured(labels: list[str], hard_good: bool, rng: np.random.Generator) -> dict:
    """A measured verdict the way the Rust tool records it: severities that mostly follow the
    labels, with a detector's typical mistake (a hard good measured as a defect) now and then."""
    reasons = ["blur", "motion_blur", "underexposed", "overexposed", "noise", "jpeg_artifacts",
               "lens_flare", "low_contrast"]
    candidates = {}
    for code in reasons:
        sev = rng.uniform(0.3, 1.0) if code in labels else rng.uniform(0.0, 0.2)
        if hard_good and code not in labels and rng.random() < 0.1:
            sev = rng.uniform(0.4, 1.0)
        candidates[code] = round(float(sev), 2)
    shown = {c: v for c, v in candidates.items() if v >= 0.25}
    verdict = "keep" if not shown else "reject" if max(shown.values()) >= 0.6 else "review"
    return {"verdict": verdict, "severities": shown, "candidates": candidates}


def write_dataset(out: Path, n_crops: int = 5, seed: int = 0,
                  transforms: list[str] | None = None) -> Path:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    sources = make_sources(n_crops, rng)
    order = rng.permutation(len(sources))
    n_val = max(1, round(0.2 * len(sources)))
    n_test = max(1, round(0.2 * len(sources)))
    split_of = {}
    for rank, i in enumerate(order):
        split_of[sources[i][0]] = "val" if rank < n_val else "test" if rank < n_val + n_test else "train"
    menu = transforms if transforms is not None else list(TRANSFORMS)

    samples, views, feats = [], [], []
    for source, img in sources:
        split = split_of[source]
        plan = [(t, *TRANSFORMS[t], False) for t in menu]
        if split == "test":
            plan += [(t, labels, hg, True) for t, (labels, hg) in HELDOUT.items()]
        for name, labels, hard_good, heldout in plan:
            x, quality = apply(name, img, rng)
            samples.append({
                "index": len(samples), "source": source, "split": split, "transform": name,
                "params": f"seed={seed}", "labels": labels, "hard_good": hard_good,
                "heldout": heldout, "measured": fake_measured(labels, hard_good, rng),
            })
            views.append(views_of(x))
            feats.append(fake_features(x, quality, rng))

    np.stack(views).astype(np.uint8).tofile(out / "views.u8")
    np.stack(feats).astype("<f4").tofile(out / "features.f32")
    with open(out / "samples.jsonl", "w") as f:
        for s in samples:
            f.write(json.dumps(s) + "\n")
    # meta.json last: its presence is what says the dataset is complete.
    (out / "meta.json").write_text(json.dumps({
        "view_side": VIEW_SIDE, "view_count": VIEW_COUNT, "features": FEATURE_NAMES,
        "count": len(samples),
    }, indent=1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--crops", type=int, default=5, help="sources per fixture photo")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    path = write_dataset(args.out, args.crops, args.seed)
    meta = json.loads((path / "meta.json").read_text())
    print(f"wrote {meta['count']} samples to {path}")


if __name__ == "__main__":
    main()
