"""Train Cull's defect judge (cull-judge-3) and export it as one ONNX file plus its card.

Input is the dataset directory written by Cull's Rust dataset tool (meta.json,
samples.jsonl, views.u8, features.f32; see load_dataset). The network is the
frozen ImageNet MobileNetV2 from backbone.py with small learned heads:

  views [N,2,3,160,160] -> MobileNetV2 on all 2N views at once
      per view: spatial mean and std of early/middle block outputs (464
      "texture statistics": grain, JPEG blocks and blur live there; the
      final ImageNet features are built to ignore them)
  -> both views' statistics + the 27 detector features, standardised
  -> MLP (256 hidden, ReLU) -> 9 sigmoids: 8 reasons + "good"
  embedding = L2-normalised global pool of view 0 (bursts / duplicates)

The 1280-d global pools are deliberately NOT fed to the heads: they describe
what is in the photo, and with a few dozen source photos the heads used them
to memorise sources (val loss 0.165 with them vs 0.132 without; grouped
cross-validation AUC 0.971 vs 0.984 on the first real dataset).

The backbone never trains (no torch on these machines, CPU only), so its
descriptors are computed once with onnxruntime and cached; the heads are
trained in numpy. The verdicts come from a learned fusion fitted on the val
split: per reason, a logistic model on the network's logit and Cull's
measured severity, whose calibrated probability decides whether the reason
is shown and how sure it is (the same rule as src-tauri/core/src/judge/fuse.rs).
Metrics are measured on the test split, which holds whole collections never
seen in training or fitting (models/training/sources.py) besides unseen
photos of the others; the export is checked against the numpy heads, and an
int8 variant is tried.

Run:  models/training/.venv/bin/python models/training/train.py [--dataset DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import backbone  # noqa: E402  (sibling module, found through the path above)

REPO_ROOT = HERE.parent.parent
WORK_DIR = HERE / "work"
DEFAULT_DATASET = WORK_DIR / "dataset"
DEFAULT_OUT_DIR = REPO_ROOT / "models"
DEFAULT_REPORT_MD = HERE / "report.md"
MODEL_VERSION = "3"
MODEL_STEM = f"cull-judge-{MODEL_VERSION}"

# Output order is part of the contract with the Rust side (model::REASON_OUTPUTS).
REASONS = ["blur", "motion_blur", "underexposed", "overexposed", "noise",
           "jpeg_artifacts", "lens_flare", "low_contrast"]
OUTPUTS = REASONS + ["good"]

VIEW_SIDE = 160
VIEW_COUNT = 2
FEATURE_COUNT = 27
EMBEDDING_SIZE = backbone.EMBEDDING_CHANNELS

# MobileNetV2 blocks whose outputs are summarised by spatial mean and std, and
# their channel counts at 160 px input: features.1 (16ch, 80 px), .3 (24ch,
# 40 px), .6 (32ch, 20 px), .10 (64ch, 10 px), .13 (96ch, 10 px). The early
# ones see pixel-level texture (grain, 8x8 JPEG blocks, lost edges); the later
# ones what the texture belongs to. Each is the output of a residual Add, i.e.
# the block's final activation.
TAP_BLOCKS = (1, 3, 6, 10, 13)
TAP_CHANNELS = {1: 16, 3: 24, 6: 32, 10: 64, 13: 96}
STATS_DIM = 2 * sum(TAP_CHANNELS[b] for b in TAP_BLOCKS)  # mean + std per channel
# The cached per-view descriptor is [global pool | statistics]; the pool is
# kept for the embedding check, the heads read the statistics.
PER_VIEW_DIM = EMBEDDING_SIZE + STATS_DIM
HEAD_INPUT_DIM = VIEW_COUNT * STATS_DIM + FEATURE_COUNT
# Bumped whenever the descriptor graph changes, so stale caches are not reused.
DESCRIPTOR_VERSION = "desc-v1"

# Training-time augmentation: the same photo mirrored or transposed (both
# views alike) is still the same defect, so the heads see each training
# photo four ways and must learn statistics that do not depend on
# orientation. Val and test stay unaugmented. The detector features are kept
# as measured (mirroring swaps two diagonal sharpness directions at most).
AUGMENTATIONS = {
    "hflip": lambda v: v[..., :, ::-1, :],
    "vflip": lambda v: v[..., ::-1, :, :],
    "transpose": lambda v: np.swapaxes(v, -3, -2),
}

# Standardised inputs beyond this many standard deviations are measurement
# outliers, not information; clipping keeps one wild number from dominating.
CLIP_SIGMAS = 6.0

# Head hyper-parameters, chosen by 4-fold cross-validation grouped by source
# photo over the train+val sources (never on test). Heavy dropout helped most;
# hidden size, weight decay and learning rate hardly mattered.
HIDDEN = 256
INPUT_DROPOUT = 0.5
HIDDEN_DROPOUT = 0.5
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1e-2  # decoupled (AdamW-style), weights only
BATCH_SIZE = 64
PATIENCE = 30
# Hard goods (shallow depth of field, low key, fog, ...) are the looks a
# detector confuses with defects, and flagging a good photo costs the user
# more than the rare miss, so they count double in the loss.
HARD_GOOD_WEIGHT = 2.0

# Threshold rule, per reason, on the val split: among the thresholds keeping
# val recall >= MIN_VAL_RECALL, the one with the best F1 (ties: the higher).
# Each candidate sits half-way (in logit space) between two neighbouring val
# scores, so the decision boundary keeps the largest margin the data allow.
# The default floor is 0, i.e. plain max F1: a photo is flagged when ANY of 8
# reasons fires, so a recall floor of 0.97 per reason stacks eight low
# thresholds. In grouped cross-validation (thresholds from the other folds)
# max F1 gave flagged-vs-clean accuracy 0.86 with 18 % false flags on clean
# photos, the 0.97 floor 0.80 with 57 %. --min-val-recall sets another floor.
MIN_VAL_RECALL = 0.0

OPSET = 17
IR_VERSION = 8  # see backbone.build_backbone_model: loadable by older runtimes


# --------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------


@dataclass
class Dataset:
    path: Path
    meta: dict
    samples: list[dict]
    views: np.ndarray  # uint8 [N, 2, 160, 160, 3], memory-mapped
    features: np.ndarray  # float32 [N, 27]
    targets: np.ndarray = field(init=False)  # float32 [N, 9] in OUTPUTS order

    def __post_init__(self):
        y = np.zeros((len(self.samples), len(OUTPUTS)), np.float32)
        for i, s in enumerate(self.samples):
            for code in s["labels"]:
                y[i, REASONS.index(code)] = 1.0
            y[i, -1] = 0.0 if s["labels"] else 1.0
        self.targets = y

    def mask(self, split: str, heldout: bool = False) -> np.ndarray:
        return np.array([s["split"] == split and bool(s.get("heldout", False)) == heldout
                         for s in self.samples])

    def column(self, key: str) -> np.ndarray:
        return np.array([s.get(key) for s in self.samples], dtype=object)


def load_dataset(path: Path) -> Dataset:
    """Reads and sanity-checks the Rust tool's output.

    Every size is checked against meta.json so a truncated write or a format
    change on the Rust side fails here instead of training on garbage.
    """
    meta = json.loads((path / "meta.json").read_text())
    if meta["view_side"] != VIEW_SIDE or meta["view_count"] != VIEW_COUNT:
        raise ValueError(f"dataset has {meta['view_count']} views of {meta['view_side']} px, "
                         f"this trainer builds a model for {VIEW_COUNT} of {VIEW_SIDE}")
    if len(meta["features"]) != FEATURE_COUNT:
        raise ValueError(f"dataset has {len(meta['features'])} features, expected {FEATURE_COUNT}")
    n = int(meta["count"])
    with open(path / "samples.jsonl") as f:
        samples = [json.loads(line) for line in f if line.strip()]
    if len(samples) != n:
        raise ValueError(f"samples.jsonl has {len(samples)} rows, meta.json says {n}")
    for i, s in enumerate(samples):
        if s["index"] != i:
            raise ValueError(f"samples.jsonl row {i} has index {s['index']}")
        if s["split"] not in ("train", "val", "test"):
            raise ValueError(f"sample {i}: unknown split {s['split']!r}")
        unknown = set(s["labels"]) - set(REASONS)
        if unknown:
            raise ValueError(f"sample {i}: unknown labels {sorted(unknown)}")
        if s.get("heldout") and s["split"] != "test":
            raise ValueError(f"sample {i}: heldout variant outside the test split")
    view_bytes = n * VIEW_COUNT * VIEW_SIDE * VIEW_SIDE * 3
    if (path / "views.u8").stat().st_size != view_bytes:
        raise ValueError(f"views.u8 is {(path / 'views.u8').stat().st_size} bytes, expected {view_bytes}")
    views = np.memmap(path / "views.u8", np.uint8, "r", shape=(n, VIEW_COUNT, VIEW_SIDE, VIEW_SIDE, 3))
    features = np.fromfile(path / "features.f32", dtype="<f4")
    if features.size != n * FEATURE_COUNT:
        raise ValueError(f"features.f32 holds {features.size} floats, expected {n * FEATURE_COUNT}")
    features = features.reshape(n, FEATURE_COUNT).astype(np.float32)
    # The Rust side already maps non-finite values to 0; do the same here
    # rather than let one NaN poison the standardisation.
    features[~np.isfinite(features)] = 0.0
    # Source photos must not straddle splits, or val/test measure memory.
    split_of: dict[str, str] = {}
    for s in samples:
        if split_of.setdefault(s["source"], s["split"]) != s["split"]:
            raise ValueError(f"source {s['source']} appears in several splits")
    return Dataset(path, meta, samples, views, features)


def views_to_float(views_u8: np.ndarray) -> np.ndarray:
    """[..., 160, 160, 3] interleaved bytes -> [..., 3, 160, 160] float 0..1,
    exactly what the Rust side feeds the model."""
    x = np.asarray(views_u8, dtype=np.float32) * np.float32(1.0 / 255.0)
    return np.ascontiguousarray(np.moveaxis(x, -1, -3))


# --------------------------------------------------------------------------
# Graph pieces
# --------------------------------------------------------------------------


class _Nodes:
    """Small helper collecting nodes and constants outside the backbone."""

    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        # np.require, not ascontiguousarray: the latter turns 0-d scalars into
        # shape [1], which Clip's bounds and Gather's index must not be.
        self.inits.append(numpy_helper.from_array(np.require(value, requirements="C"), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs) -> str:
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output


def descriptor_graph(weights: dict[str, np.ndarray], views_flat: str, g: _Nodes) -> tuple[str, str]:
    """Appends backbone + per-view descriptor nodes reading `views_flat`
    ([M,3,160,160], 0..1). Returns (statistics [M, STATS_DIM], pooled [M, 1280]).

    Shared by the descriptor extractor and the exported model, so the numbers
    the heads were trained on are computed by the very same graph.
    """
    taps: dict[int, str] = {}
    pooled = "desc/pooled"
    nodes, inits = backbone.mobilenet_v2_graph(weights, views_flat, pooled, block_outputs=taps)
    g.nodes += nodes
    g.inits += inits
    parts = []
    for b in TAP_BLOCKS:
        t = taps[b]
        mean4 = g.node("ReduceMean", [t], f"desc/b{b}/mean4", axes=[2, 3], keepdims=1)
        # Std from centred squares rather than E[x^2]-E[x]^2: no cancellation,
        # and the cost is negligible next to the convolutions.
        centred = g.node("Sub", [t, mean4], f"desc/b{b}/centred")
        sq = g.node("Mul", [centred, centred], f"desc/b{b}/sq")
        var = g.node("ReduceMean", [sq], f"desc/b{b}/var", axes=[2, 3], keepdims=0)
        std = g.node("Sqrt", [var], f"desc/b{b}/std")
        mean = g.node("Flatten", [mean4], f"desc/b{b}/mean", axis=1)
        parts += [mean, std]
    stats = g.node("Concat", parts, "desc/stats", axis=1)
    return stats, pooled


def build_descriptor_model(weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    g = _Nodes()
    stats, pooled = descriptor_graph(weights, "views", g)
    g.node("Concat", [pooled, stats], "descriptor", axis=1)
    graph = helper.make_graph(
        g.nodes, "cull_judge_descriptor",
        [helper.make_tensor_value_info("views", TensorProto.FLOAT, ["M", 3, VIEW_SIDE, VIEW_SIDE])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["M", PER_VIEW_DIM])],
        initializer=g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="cull-models-training")
    onnx.checker.check_model(model)
    return model


@dataclass
class Standardiser:
    mean: np.ndarray
    std: np.ndarray

    @staticmethod
    def fit(x: np.ndarray) -> "Standardiser":
        mean = x.mean(axis=0, dtype=np.float64)
        std = x.std(axis=0, dtype=np.float64)
        # Constant columns (e.g. a channel that is always 0 after ReLU6) get
        # std 1 so they standardise to 0 instead of dividing by zero.
        std = np.where(std < 1e-6, 1.0, std)
        return Standardiser(mean.astype(np.float32), std.astype(np.float32))

    def apply(self, x: np.ndarray) -> np.ndarray:
        # Same operation order and dtype as the graph (Sub, Div, Clip).
        return np.clip((x - self.mean) / self.std, -CLIP_SIGMAS, CLIP_SIGMAS).astype(np.float32)


def build_final_model(weights: dict[str, np.ndarray], desc_std: Standardiser,
                      feat_std: Standardiser, head: "Head", doc: str) -> onnx.ModelProto:
    """The shipped model: the export contract the Rust side depends on."""
    g = _Nodes()
    flat = g.node("Reshape", ["views", g.const("shape/views_flat",
                                                np.array([-1, 3, VIEW_SIDE, VIEW_SIDE], np.int64))],
                  "views_flat")
    stats, pooled = descriptor_graph(weights, flat, g)
    # Row n*2+v of the flat batch is view v of sample n, so a row-major
    # reshape puts view 0's statistics first, then view 1's.
    per_sample = g.node("Reshape", [stats, g.const("shape/per_sample",
                                                   np.array([-1, VIEW_COUNT * STATS_DIM], np.int64))],
                        "head/descriptors")
    lo = g.const("head/clip_lo", np.array(-CLIP_SIGMAS, np.float32))
    hi = g.const("head/clip_hi", np.array(CLIP_SIGMAS, np.float32))

    def standardise(x: str, s: Standardiser, name: str) -> str:
        y = g.node("Sub", [x, g.const(f"{name}/mean", s.mean)], f"{name}/centred")
        y = g.node("Div", [y, g.const(f"{name}/std", s.std)], f"{name}/scaled")
        return g.node("Clip", [y, lo, hi], f"{name}/clipped")

    d = standardise(per_sample, desc_std, "head/desc_norm")
    f = standardise("features", feat_std, "head/feat_norm")
    x = g.node("Concat", [d, f], "head/input", axis=1)
    h = g.node("Gemm", [x, g.const("head/w1", head.w1), g.const("head/b1", head.b1)], "head/hidden_pre")
    h = g.node("Relu", [h], "head/hidden")
    z = g.node("Gemm", [h, g.const("head/w2", head.w2), g.const("head/b2", head.b2)], "head/logits")
    g.node("Sigmoid", [z], "probabilities")

    pooled_views = g.node("Reshape", [pooled, g.const("shape/pooled_views",
                                                      np.array([-1, VIEW_COUNT, EMBEDDING_SIZE], np.int64))],
                          "embed/per_view")
    whole = g.node("Gather", [pooled_views, g.const("embed/view0", np.array(0, np.int64))],
                   "embed/view0_pooled", axis=1)
    norm = g.node("ReduceL2", [whole], "embed/norm", axes=[1], keepdims=1)
    # ReLU6 features could in principle pool to all zeros; never divide by 0.
    norm = g.node("Max", [norm, g.const("embed/eps", np.array(1e-12, np.float32))], "embed/norm_safe")
    g.node("Div", [whole, norm], "embedding")

    graph = helper.make_graph(
        g.nodes, "cull_judge_1",
        [helper.make_tensor_value_info("views", TensorProto.FLOAT,
                                       ["N", VIEW_COUNT, 3, VIEW_SIDE, VIEW_SIDE]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURE_COUNT])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", len(OUTPUTS)]),
         helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", EMBEDDING_SIZE])],
        initializer=g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="cull-models-training")
    model.doc_string = doc
    onnx.checker.check_model(model, full_check=True)
    return model


def ort_session(model: onnx.ModelProto | Path, threads: int = 0):
    """threads=0 lets onnxruntime use every core."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    src = str(model) if isinstance(model, Path) else model.SerializeToString()
    return ort.InferenceSession(src, opts, providers=["CPUExecutionProvider"])


# --------------------------------------------------------------------------
# Descriptor extraction (cached)
# --------------------------------------------------------------------------


def dataset_digest(ds: Dataset) -> str:
    """Hash of everything the descriptors depend on: the view bytes, the
    descriptor graph version and the backbone weights (pinned by SHA-256)."""
    h = hashlib.sha256()
    h.update(f"{DESCRIPTOR_VERSION}|{TAP_BLOCKS}|{backbone.WEIGHTS_SHA256}|{len(ds.samples)}".encode())
    with open(ds.path / "views.u8", "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def extract_descriptors(ds: Dataset, session, digest: str, work_dir: Path, rows: np.ndarray,
                        augmentation: str | None = None, batch: int = 16, log=print) -> np.ndarray:
    """[len(rows), 2*PER_VIEW_DIM] float32 descriptors of the samples `rows`,
    optionally of their augmented views; computed once, then cached."""
    tag = augmentation or "plain"
    rows_key = hashlib.sha256(np.asarray(rows, np.int64).tobytes()).hexdigest()[:8]
    cache = work_dir / f"descriptors_{digest}_{tag}_{rows_key}.npy"
    shape = (len(rows), VIEW_COUNT * PER_VIEW_DIM)
    if cache.exists():
        out = np.load(cache)
        if out.shape == shape:
            log(f"descriptors ({tag}): cached {cache.name}")
            return out
    op = AUGMENTATIONS[augmentation] if augmentation else (lambda v: v)
    out = np.empty(shape, np.float32)
    t0 = time.perf_counter()
    for i in range(0, len(rows), batch):
        chunk = rows[i:i + batch]
        x = views_to_float(op(np.asarray(ds.views[chunk]))).reshape(-1, 3, VIEW_SIDE, VIEW_SIDE)
        (d,) = session.run(["descriptor"], {"views": x})
        out[i:i + len(chunk)] = d.reshape(len(chunk), VIEW_COUNT * PER_VIEW_DIM)
    dt = time.perf_counter() - t0
    log(f"descriptors ({tag}): {len(rows)} samples in {dt:.1f} s "
        f"({dt * 1000 / max(1, len(rows) * VIEW_COUNT):.1f} ms/view)")
    work_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".part.npy")
    np.save(tmp, out)
    tmp.replace(cache)
    return out


def stats_part(desc: np.ndarray) -> np.ndarray:
    """The heads' share of cached descriptors: each view's statistics, no pool."""
    return np.concatenate([desc[:, v * PER_VIEW_DIM + EMBEDDING_SIZE:(v + 1) * PER_VIEW_DIM]
                           for v in range(VIEW_COUNT)], axis=1)


# --------------------------------------------------------------------------
# Heads: one-hidden-layer MLP in numpy
# --------------------------------------------------------------------------


@dataclass
class Head:
    w1: np.ndarray  # [D, H]
    b1: np.ndarray  # [H]
    w2: np.ndarray  # [H, 9]
    b2: np.ndarray  # [9]

    def params(self) -> list[np.ndarray]:
        return [self.w1, self.b1, self.w2, self.b2]

    def copy(self) -> "Head":
        return Head(*(p.copy() for p in self.params()))

    def logits(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(x))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return (0.5 * (1.0 + np.tanh(0.5 * z))).astype(np.float32)  # overflow-free form


def init_head(d: int, prior: np.ndarray, rng: np.random.Generator) -> Head:
    w1 = (rng.standard_normal((d, HIDDEN)) * np.sqrt(2.0 / d)).astype(np.float32)  # He, for ReLU
    w2 = (rng.standard_normal((HIDDEN, len(OUTPUTS))) * 0.01).astype(np.float32)
    # Output biases start at the training prevalence so the first epochs
    # learn features instead of base rates.
    p = np.clip(prior, 1e-3, 1 - 1e-3)
    b2 = np.log(p / (1 - p)).astype(np.float32)
    return Head(w1, np.zeros(HIDDEN, np.float32), w2, b2)


def class_weights(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-output weights for positives and negatives that give both classes
    the same total weight, so rare reasons (flare, a few % of samples) are not
    drowned by the majority."""
    pos = y.sum(axis=0)
    neg = len(y) - pos
    w_pos = len(y) / (2.0 * np.maximum(pos, 1.0))
    w_neg = len(y) / (2.0 * np.maximum(neg, 1.0))
    return w_pos.astype(np.float32), w_neg.astype(np.float32)


def weighted_bce(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean weighted binary cross-entropy on logits and its gradient w.r.t. z.
    `w` is the per-element weight (class weight x sample weight)."""
    # softplus(-z) for y=1 and softplus(z) for y=0, written stably.
    loss = w * (np.logaddexp(0.0, z) - y * z)
    grad = w * (sigmoid(z) - y) / z.size
    return float(loss.mean()), grad.astype(np.float32)


def element_weights(y: np.ndarray, sample_w: np.ndarray, w_pos: np.ndarray, w_neg: np.ndarray) -> np.ndarray:
    return (np.where(y > 0.5, w_pos, w_neg) * sample_w[:, None]).astype(np.float32)


def forward_backward(head: Head, x: np.ndarray, y: np.ndarray, w: np.ndarray,
                     rng: np.random.Generator | None) -> tuple[float, list[np.ndarray]]:
    """Loss and gradients for one batch; dropout is applied when rng is given."""
    if rng is not None and INPUT_DROPOUT > 0:
        x = x * ((rng.random(x.shape, dtype=np.float32) >= INPUT_DROPOUT) / np.float32(1 - INPUT_DROPOUT))
    pre = x @ head.w1 + head.b1
    h = np.maximum(pre, 0.0)
    drop = None
    if rng is not None and HIDDEN_DROPOUT > 0:
        drop = (rng.random(h.shape, dtype=np.float32) >= HIDDEN_DROPOUT) / np.float32(1 - HIDDEN_DROPOUT)
        h = h * drop
    z = h @ head.w2 + head.b2
    loss, dz = weighted_bce(z, y, w)
    dw2 = h.T @ dz
    db2 = dz.sum(axis=0)
    dh = dz @ head.w2.T
    if drop is not None:
        dh = dh * drop
    dpre = dh * (pre > 0)
    dw1 = x.T @ dpre
    db1 = dpre.sum(axis=0)
    return loss, [dw1, db1, dw2, db2]


class AdamW:
    """Adam with decoupled weight decay on the weight matrices only."""

    def __init__(self, params: list[np.ndarray], lr: float, weight_decay: float,
                 decay_mask: list[bool], betas=(0.9, 0.999), eps=1e-8):
        self.lr, self.wd, self.mask = lr, weight_decay, decay_mask
        self.b1, self.b2, self.eps = betas[0], betas[1], eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.t += 1
        c1 = 1 - self.b1 ** self.t
        c2 = 1 - self.b2 ** self.t
        for p, g, m, v, decay in zip(params, grads, self.m, self.v, self.mask):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            update = (m / c1) / (np.sqrt(v / c2) + self.eps)
            if decay:
                update = update + self.wd * p
            p -= (self.lr * update).astype(p.dtype)


def merge_heads(heads: list[Head]) -> Head:
    """K heads as one MLP whose logits are exactly the mean of theirs: hidden units side by side,
    output weights divided by K. The exported graph stays one Gemm-ReLU-Gemm, K times wider."""
    k = len(heads)
    if k == 1:
        return heads[0]
    return Head(np.concatenate([h.w1 for h in heads], axis=1),
                np.concatenate([h.b1 for h in heads]),
                (np.concatenate([h.w2 for h in heads], axis=0) / k).astype(np.float32),
                np.mean([h.b2 for h in heads], axis=0).astype(np.float32))


def train_head(x_train: np.ndarray, y_train: np.ndarray, sw_train: np.ndarray,
               x_val: np.ndarray, y_val: np.ndarray, sw_val: np.ndarray,
               epochs: int, seed: int, log=print) -> tuple[Head, dict]:
    """Mini-batch AdamW with early stopping on the weighted val loss."""
    rng = np.random.default_rng(seed)
    head = init_head(x_train.shape[1], y_train.mean(axis=0), rng)
    w_pos, w_neg = class_weights(y_train)
    w_train = element_weights(y_train, sw_train, w_pos, w_neg)
    w_val = element_weights(y_val, sw_val, w_pos, w_neg)
    opt = AdamW(head.params(), LEARNING_RATE, WEIGHT_DECAY, [True, False, True, False])
    best, best_loss, best_epoch, stale = head.copy(), np.inf, 0, 0
    history = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        train_loss = 0.0
        for i in range(0, len(order), BATCH_SIZE):
            idx = order[i:i + BATCH_SIZE]
            loss, grads = forward_backward(head, x_train[idx], y_train[idx], w_train[idx], rng)
            opt.step(head.params(), grads)
            train_loss += loss * len(idx)
        train_loss /= len(order)
        val_loss, _ = weighted_bce(head.logits(x_val), y_val, w_val)
        history.append((epoch, train_loss, val_loss))
        if val_loss < best_loss - 1e-5:
            best, best_loss, best_epoch, stale = head.copy(), val_loss, epoch, 0
        else:
            stale += 1
        if epoch == 1 or epoch % 20 == 0:
            log(f"  epoch {epoch:3d}: train {train_loss:.4f}  val {val_loss:.4f}")
        if stale >= PATIENCE:
            log(f"  early stop at epoch {epoch}")
            break
    log(f"  best epoch {best_epoch}: val loss {best_loss:.4f}")
    return best, {"best_epoch": best_epoch, "best_val_loss": best_loss, "epochs_run": len(history),
                  "history": [[e, round(a, 5), round(b, 5)] for e, a, b in history]}


# --------------------------------------------------------------------------
# Thresholds and evaluation
# --------------------------------------------------------------------------


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def choose_threshold(scores: np.ndarray, truth: np.ndarray, min_recall: float = MIN_VAL_RECALL,
                     fp_weight: np.ndarray | None = None) -> tuple[float, dict]:
    """The rule documented at MIN_VAL_RECALL. Returns threshold and val stats. `fp_weight` per
    row: what a false flag on it costs (false_flag_cost; all 1 when not given)."""
    truth = truth.astype(bool)
    n_pos = int(truth.sum())
    if n_pos == 0:
        return 0.5, {"note": "no positives in val; default 0.5"}
    # Walk the scores from the highest down; after each group of equal
    # scores, "flag everything seen so far" is one candidate decision.
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], truth[order]
    w = np.ones(len(s)) if fp_weight is None else fp_weight[order]
    tp = np.cumsum(t)
    fp = np.cumsum(np.where(t, 0.0, w))
    ends = np.flatnonzero(np.append(s[1:] < s[:-1], True))  # last index of each tie group
    tp, fp = tp[ends], fp[ends]
    recall = tp / n_pos
    f1 = 2 * tp / (2 * tp + fp + (n_pos - tp))
    f1 = np.where(recall >= min_recall, f1, -1.0)  # the last candidate always has recall 1
    k = int(np.argmax(f1))  # first maximum = highest threshold among ties
    level = s[ends[k]]
    if k + 1 < len(ends):
        below = s[ends[k] + 1]
        thr = float(1 / (1 + np.exp(-(_logit(level) + _logit(below)) / 2)))
    else:
        thr = float(level) * 0.5  # everything flagged: sit below the lowest score
    tp, fp, recall, f1 = int(tp[k]), float(fp[k]), float(recall[k]), float(f1[k])
    precision = tp / max(tp + fp, 1)
    return thr, {"val_recall": recall, "val_precision": precision, "val_f1": f1, "val_positives": n_pos}


def predicted_class(probs: np.ndarray, thresholds: np.ndarray) -> list[str]:
    """'clean' when nothing is flagged, else the reason furthest above its threshold."""
    ratio = probs[:, :len(REASONS)] / thresholds
    flagged = (probs[:, :len(REASONS)] >= thresholds).any(axis=1)
    top = ratio.argmax(axis=1)
    return ["clean" if not f else REASONS[t] for f, t in zip(flagged, top)]


def evaluate(probs: np.ndarray, samples: list[dict], thresholds: np.ndarray) -> dict:
    """Metrics of one split. `probs` [n, 9] and `samples` are aligned."""
    y = np.zeros((len(samples), len(REASONS)), bool)
    for i, s in enumerate(samples):
        for code in s["labels"]:
            y[i, REASONS.index(code)] = True
    hits = probs[:, :len(REASONS)] >= thresholds
    flagged = hits.any(axis=1)
    defective = y.any(axis=1)
    out: dict = {"n": len(samples)}
    out["accuracy"] = float((flagged == defective).mean()) if len(samples) else None

    per_reason = {}
    for k, code in enumerate(REASONS):
        tp = int((hits[:, k] & y[:, k]).sum())
        fp = int((hits[:, k] & ~y[:, k]).sum())
        fn = int((~hits[:, k] & y[:, k]).sum())
        per_reason[code] = {
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "support": tp + fn, "tp": tp, "fp": fp, "fn": fn,
        }
    out["per_reason"] = per_reason

    # Confusion over single-label and clean samples. Combos (two labels) have
    # no single true class and are reported separately instead.
    classes = ["clean"] + REASONS
    matrix = np.zeros((len(classes), len(classes)), int)
    pred = predicted_class(probs, thresholds)
    combo_idx = []
    for i, s in enumerate(samples):
        if len(s["labels"]) > 1:
            combo_idx.append(i)
            continue
        true = s["labels"][0] if s["labels"] else "clean"
        matrix[classes.index(true), classes.index(pred[i])] += 1
    out["confusion"] = {"classes": classes, "matrix": matrix.tolist(),
                        "note": "rows: true class; columns: predicted (clean if nothing flagged, "
                                "else the reason with the highest probability/threshold); "
                                "multi-label combos excluded"}
    out["combos"] = {
        "n": len(combo_idx),
        "all_labels_found": float(np.mean([hits[i][y[i]].all() for i in combo_idx])) if combo_idx else None,
        "flagged": float(flagged[combo_idx].mean()) if combo_idx else None,
    }

    clean = ~defective
    out["false_flags"] = {"clean": int(clean.sum()), "flagged": int((flagged & clean).sum()),
                          "rate": float(flagged[clean].mean()) if clean.any() else None}
    hard = np.array([bool(s.get("hard_good")) for s in samples])
    out["false_flags_hard_good"] = {"n": int(hard.sum()),
                                    "rate": float(flagged[hard].mean()) if hard.any() else None}

    by_transform = {}
    groups = defaultdict(list)
    for i, s in enumerate(samples):
        groups[s["transform"]].append(i)
    # Clean transforms first, then hard goods, then defects: the order the
    # report's false-flag discussion reads them in.
    def order(name: str):
        first = samples[groups[name][0]]
        return (bool(first["labels"]), bool(first.get("hard_good")), name)

    for name in sorted(groups, key=order):
        idx = np.array(groups[name])
        labels = sorted({c for i in idx for c in samples[i]["labels"]})
        entry = {"n": len(idx), "labels": labels,
                 "hard_good": bool(any(samples[i].get("hard_good") for i in idx)),
                 "flagged": float(flagged[idx].mean())}
        if labels:
            # A defect sample counts as found only when all its labels are.
            entry["labels_found"] = float(np.mean([hits[i][y[i]].all() for i in idx]))
        by_transform[name] = entry
    out["by_transform"] = by_transform

    # Source ids are "<collection>__<photo>"; how the model fares per kind of
    # picture (photos, drawings, wallpapers) says where more data is needed.
    collections = defaultdict(list)
    for i, s in enumerate(samples):
        collections[s["source"].split("__")[0] if "__" in s["source"] else "-"].append(i)
    out["by_collection"] = {}
    for name in sorted(collections):
        idx = np.array(collections[name])
        bad, good = idx[defective[idx]], idx[~defective[idx]]
        out["by_collection"][name] = {
            "n": len(idx), "sources": len({samples[i]["source"] for i in idx}),
            "accuracy": float((flagged[idx] == defective[idx]).mean()),
            "false_flags": float(flagged[good].mean()) if len(good) else None,
            "labels_found": float(np.mean([hits[i][y[i]].all() for i in bad])) if len(bad) else None,
        }
    return out


# --------------------------------------------------------------------------
# Learned fusion (mirrors src-tauri/core/src/judge/fuse.rs)
# --------------------------------------------------------------------------

# Per reason, a logistic model on [logit(network probability), measured severity] fitted on the
# val split: the network and the hand-made rule each get the vote the data give them, and the
# result is a calibrated probability. Two inputs and a bias per reason, so a few hundred val rows
# pin it down. The Rust side clamps the network probability the same way (model::LOGIT_CLAMP).
LOGIT_CLAMP = 1e-4
FUSION_L2 = 1e-2
# The stacked form has 17 weights per reason; a lighter penalty lets the informative ones speak
# (chosen on val, never on test).
STACK_L2 = 1e-3
# The engine's verdict rule (judge::fuse): a reason is shown when its fused probability reaches
# show_at (never under MIN_SHOW_AT); its severity is the measured one, at least RAISED_SEVERITY;
# impact = severity x confidence x weight; only reasons with confidence >= the card's reject_at
# may reject (SURE_CONFIDENCE without a model). A measurement of at least DOUBT_SEVERITY that the fusion does not show stays, doubted,
# at DOUBTED_CONFIDENCE: it can ask for review, never reject.
MIN_SHOW_AT = 0.45
DOUBT_SEVERITY = 0.6
DOUBTED_CONFIDENCE = 0.35
DOUBTED_SEVERITY = 0.63
RAISED_SEVERITY = 0.5
SURE_CONFIDENCE = 0.9
# The reject bar of a learned judge is chosen per model on val (choose_reject_at) and carried in
# its card: the lowest of these at which no clean or hard-good val sample is rejected.
REJECT_AT_CANDIDATES = tuple(round(0.9 + 0.005 * k, 3) for k in range(19))
REJECT_IMPACT, REVIEW_IMPACT = 0.5, 0.22
REASON_WEIGHT = {"low_contrast": 0.8, "noise": 0.85, "lens_flare": 0.85}


# Folds of the out-of-fold network outputs the fusion is fitted on (collections, not photos).
FUSION_FOLDS = 4


def collection_folds(collection_of: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Fold index per sample (-1 outside `mask`): whole collections, largest first, each to the
    fold with the fewest samples so far, so the folds come out about equal."""
    fold = np.full(len(collection_of), -1)
    sizes = Counter(collection_of[mask])
    load = [0] * k
    for name, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        f = int(np.argmin(load))
        fold[mask & (collection_of == name)] = f
        load[f] += n
    return fold


def measured_severities(samples: list[dict]) -> np.ndarray:
    """[n, 8] every rule's measured severity (0 where it does not apply), from the Rust tool."""
    out = np.zeros((len(samples), len(REASONS)), np.float32)
    for i, s in enumerate(samples):
        m = s.get("measured", {})
        sev = m.get("candidates", m.get("severities", {}))
        for k, code in enumerate(REASONS):
            out[i, k] = float(sev.get(code, 0.0))
    return out


def fusion_inputs(p_network: np.ndarray, severity: np.ndarray) -> np.ndarray:
    p = np.clip(p_network, LOGIT_CLAMP, 1 - LOGIT_CLAMP)
    return np.stack([np.log(p / (1 - p)), severity], axis=1).astype(np.float64)


def stacked_inputs(p_network: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """[n, 17]: the clamped logit of every network output (OUTPUTS order, "good" included), then
    every measured severity (REASONS order): what one reason's stacked fusion reads."""
    p = np.clip(p_network[:, :len(OUTPUTS)], LOGIT_CLAMP, 1 - LOGIT_CLAMP).astype(np.float64)
    return np.concatenate([np.log(p / (1 - p)), severity.astype(np.float64)], axis=1)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = FUSION_L2, iters: int = 50) -> np.ndarray:
    """[bias, w...] of an L2-regularised (weights only) logistic regression, by Newton steps."""
    n, d = x.shape
    xb = np.concatenate([np.ones((n, 1)), x], axis=1)
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2 * n)
    reg[0] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fused_probabilities(fusion: dict, p_network: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """[n, 8] calibrated probabilities from `p_network` [n, 9] (every output, "good" last) and
    `severity` [n, 8]. A reason's fusion is either the pair form (its own network logit and its
    own severity: cull-judge 2) or the stacked form ("network" and "measured" weights by name:
    every output and every measurement may vote), as judge::fuse reads the card."""
    out = np.zeros(severity.shape, dtype=np.float64)
    stacked = stacked_inputs(p_network, severity) if any("network" in f for f in fusion.values()) else None
    for k, code in enumerate(REASONS):
        f = fusion[code]
        if "network" in f:
            w = np.array([f["network"].get(o, 0.0) for o in OUTPUTS]
                         + [f["measured"].get(c, 0.0) for c in REASONS])
            z = f["bias"] + stacked @ w
        else:
            x = fusion_inputs(p_network[:, k], severity[:, k])
            z = f["bias"] + f["model_logit"] * x[:, 0] + f["measured_severity"] * x[:, 1]
        out[:, k] = 1 / (1 + np.exp(-z))
    return out


def fit_fusion(p_network: np.ndarray, severity: np.ndarray, targets: np.ndarray,
               min_recall: float, form: str = "pair", fp_weight: np.ndarray | None = None
               ) -> tuple[dict, dict]:
    """Per reason: the stacked logistic model and its show_at, both from the rows given
    (`p_network` [n, 9]). `form` "pair" reads only the reason's own network output and
    measurement (cull-judge 2); "stacked" reads every output and every measurement, so haze that
    the flare rule misreads can be told by what the exposure and contrast numbers say."""
    fusion, stats = {}, {}
    for k, code in enumerate(REASONS):
        y = targets[:, k].astype(np.float64)
        if form == "pair":
            w = fit_logistic(fusion_inputs(p_network[:, k], severity[:, k]), y)
            fusion[code] = {"bias": float(w[0]), "model_logit": float(w[1]), "measured_severity": float(w[2])}
        else:
            w = fit_logistic(stacked_inputs(p_network, severity), y, l2=STACK_L2)
            fusion[code] = {"bias": float(w[0]),
                            "network": {o: float(v) for o, v in zip(OUTPUTS, w[1:1 + len(OUTPUTS)])},
                            "measured": {c: float(v) for c, v in zip(REASONS, w[1 + len(OUTPUTS):])}}
    fused = fused_probabilities(fusion, p_network, severity)
    for k, code in enumerate(REASONS):
        thr, st = choose_threshold(fused[:, k], targets[:, k], min_recall, fp_weight)
        fusion[code]["show_at"] = max(float(thr), MIN_SHOW_AT)
        stats[code] = st
    return fusion, stats


def doubt_rule(fusion: dict) -> tuple[np.ndarray, np.ndarray]:
    """(review_at, doubt_severity) per reason, from a card's fusion. A fused probability of at
    least `review_at` (but under show_at) keeps the reason, doubted; so does a measured severity
    of at least `doubt_severity`. Cards without the keys (cull-judge 2) have no learned band and
    the hand floor DOUBT_SEVERITY; a null doubt_severity means no floor."""
    review_at = np.array([fusion[c].get("review_at") or np.inf for c in REASONS], np.float64)
    floor = np.array([DOUBT_SEVERITY if "doubt_severity" not in fusion[c]
                      else (fusion[c]["doubt_severity"] if fusion[c]["doubt_severity"] is not None
                            else np.inf) for c in REASONS], np.float64)
    return review_at, floor


def engine_reasons(fused: np.ndarray, severity: np.ndarray, show_at: np.ndarray,
                   review_at: np.ndarray | None = None, doubt_severity: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(confidence, shown) per row and reason, as judge::fuse::learned_reason decides them:
    shown with the fused probability when it reaches show_at, else kept doubted when the fused
    probability reaches review_at or the measurement is severe (see doubt_rule)."""
    review_at = np.full(len(REASONS), np.inf) if review_at is None else review_at
    doubt_severity = np.full(len(REASONS), DOUBT_SEVERITY) if doubt_severity is None else doubt_severity
    sure = fused >= show_at
    doubted = ~sure & ((severity >= doubt_severity) | (fused >= review_at))
    confidence = np.where(sure, fused, np.where(doubted, DOUBTED_CONFIDENCE, 0.0))
    return confidence, sure | doubted


def verdicts(fused: np.ndarray, severity: np.ndarray, show_at: np.ndarray,
             reject_at: float = SURE_CONFIDENCE, review_at: np.ndarray | None = None,
             doubt_severity: np.ndarray | None = None) -> list[str]:
    """What the engine decides at normal sensitivity for each row (judge::decide)."""
    out = []
    weights = np.array([REASON_WEIGHT.get(c, 1.0) for c in REASONS])
    confidence, shown_all = engine_reasons(fused, severity, show_at, review_at, doubt_severity)
    doubted_all = shown_all & (fused < show_at)
    for conf_row, shown, doubted_row, sev in zip(confidence, shown_all, doubted_all, severity):
        if not shown.any():
            out.append("keep")
            continue
        doubted = doubted_row[shown]
        sev_shown = np.maximum(sev[shown], np.where(doubted, DOUBTED_SEVERITY, RAISED_SEVERITY))
        conf = conf_row[shown]
        impact = np.minimum(sev_shown * conf * weights[shown], 1.0)
        score = 100 * np.prod(1 - impact)
        sure = impact[conf >= reject_at]
        worst_sure = sure.max() if len(sure) else 0.0
        if worst_sure >= REJECT_IMPACT or (score < 40 and worst_sure >= REVIEW_IMPACT):
            out.append("reject")
        elif impact.max() >= REVIEW_IMPACT or score < 75:
            out.append("review")
        else:
            out.append("keep")
    return out


def engine_scores(fused: np.ndarray, severity: np.ndarray, show_at: np.ndarray,
                  review_at: np.ndarray | None = None, doubt_severity: np.ndarray | None = None
                  ) -> np.ndarray:
    """Scores for `evaluate` that flag exactly the reasons the engine shows: a doubted reason
    sits at its show_at."""
    _, shown = engine_reasons(fused, severity, show_at, review_at, doubt_severity)
    return np.where(shown & (fused < show_at), show_at, fused)


def verdict_table(verdict: list[str], samples: list[dict]) -> dict:
    """Keep/review/reject counts for clean, hard-good and defective samples."""
    rows = {"clean": Counter(), "hard_good": Counter(), "defect": Counter()}
    for v, s in zip(verdict, samples):
        kind = "defect" if s["labels"] else "hard_good" if s.get("hard_good") else "clean"
        rows[kind][v] += 1
    return {k: {v: c.get(v, 0) for v in ("keep", "review", "reject")} for k, c in rows.items()}


def reliability(confidence: np.ndarray, targets: np.ndarray, shown: np.ndarray,
                edges=(0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)) -> list[dict]:
    """Shown reasons binned by their confidence: how often each bin's reason is really there.
    Doubted reasons (severe measurements the fusion does not back) sit in the lowest bin."""
    p, y = confidence[shown], targets[:, :len(REASONS)][shown].astype(bool)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (p >= lo) & (p < hi)
        rows.append({"bin": f"{lo:.2f}–{min(hi, 1.0):.2f}", "n": int(m.sum()),
                     "mean_confidence": float(p[m].mean()) if m.any() else None,
                     "right": float(y[m].mean()) if m.any() else None})
    return rows


def choose_reject_at(fused: np.ndarray, severity: np.ndarray, show_at: np.ndarray,
                     samples: list[dict], review_at: np.ndarray | None = None,
                     doubt_severity: np.ndarray | None = None) -> float:
    """The lowest bar in REJECT_AT_CANDIDATES at which no clean or hard-good sample among
    `samples` (the val split) is rejected; the highest candidate when none is clean."""
    good = np.array([not s["labels"] for s in samples])
    for bar in REJECT_AT_CANDIDATES:
        v = np.array(verdicts(fused, severity, show_at, bar, review_at, doubt_severity))
        if not (good & (v == "reject")).any():
            return bar
    return REJECT_AT_CANDIDATES[-1]


def engine_metrics(fusion: dict, show_at: np.ndarray, p_net: np.ndarray, severity: np.ndarray,
                   samples: list[dict], targets: np.ndarray, reject_at: float = SURE_CONFIDENCE) -> dict:
    """Everything the report says about some rows, judged by the engine's whole rule: `p_net`
    [n, 9] network outputs, `severity` [n, 8] measured severities, aligned with `samples`.
    train.py reports the model it trained with this, evaluate.py the shipped one."""
    fused = fused_probabilities(fusion, p_net, severity)
    review_at, floor = doubt_rule(fusion)
    pure = evaluate(np.concatenate([fused, p_net[:, -1:]], axis=1), samples, show_at)
    m = evaluate(np.concatenate([engine_scores(fused, severity, show_at, review_at, floor), p_net[:, -1:]],
                                axis=1), samples, show_at)
    m["without_doubt_floor"] = {"accuracy": pure["accuracy"],
                                "false_flag_rate": pure["false_flags"]["rate"],
                                "lowest_recall": min((r["recall"] for r in pure["per_reason"].values()
                                                      if r["recall"] is not None), default=None)}
    v = verdicts(fused, severity, show_at, reject_at, review_at, floor)
    m["verdicts"] = verdict_table(v, samples)
    confidence, shown = engine_reasons(fused, severity, show_at, review_at, floor)
    sure = shown & (confidence >= reject_at)
    rejected = [i for i, (s, x) in enumerate(zip(samples, v)) if x == "reject" and not s["labels"]]
    # Samples, not photos: each source has three random crops per transform.
    m["rejected_good_samples"] = len(rejected)
    m["rejected_good"] = sorted({
        f"{samples[i]['source']} ({samples[i]['transform']}: "
        + "+".join(REASONS[k] for k in np.flatnonzero(sure[i])) + ")" for i in rejected})
    m["reliability"] = reliability(confidence, targets, shown)
    measured_flag = np.array([s["measured"]["verdict"] != "keep" for s in samples])
    defective = np.array([bool(s["labels"]) for s in samples])
    m["measured_only"] = {
        "accuracy": float((measured_flag == defective).mean()),
        "false_flag_rate": float(measured_flag[~defective].mean()) if (~defective).any() else None,
        "verdicts": verdict_table([s["measured"]["verdict"] for s in samples], samples),
    }
    return m


# --------------------------------------------------------------------------
# Latency and quantisation
# --------------------------------------------------------------------------


def run_model(session, views_u8: np.ndarray, features: np.ndarray, batch: int = 8
              ) -> tuple[np.ndarray, np.ndarray]:
    probs, embs = [], []
    for i in range(0, len(views_u8), batch):
        p, e = session.run(["probabilities", "embedding"],
                           {"views": views_to_float(views_u8[i:i + batch]),
                            "features": features[i:i + batch]})
        probs.append(p)
        embs.append(e)
    return np.concatenate(probs), np.concatenate(embs)


def latency_ms(path: Path, views_u8: np.ndarray, features: np.ndarray, threads: int,
               batch: int = 8, runs: int = 8) -> float:
    """Median milliseconds per photo for a batch of `batch` photos."""
    session = ort_session(path, threads)
    feeds = {"views": views_to_float(views_u8[:batch]), "features": features[:batch]}
    for _ in range(2):
        session.run(None, feeds)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1000.0 / batch


def quantise(fp32: Path, work_dir: Path, calib_views: np.ndarray, calib_feats: np.ndarray,
             log=print) -> dict[str, Path]:
    """Dynamic and static int8 variants; a failure is logged, not fatal."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_dynamic, quantize_static)

    class Calibration(CalibrationDataReader):
        """Feeds a few training photos to the static quantiser."""

        def __init__(self, batch: int = 8):
            self.batches = [{"views": views_to_float(calib_views[i:i + batch]),
                             "features": calib_feats[i:i + batch]}
                            for i in range(0, len(calib_views), batch)]
            self.pos = 0

        def get_next(self):
            if self.pos >= len(self.batches):
                return None
            self.pos += 1
            return self.batches[self.pos - 1]

        def rewind(self):
            self.pos = 0

    out: dict[str, Path] = {}
    try:
        path = work_dir / f"{MODEL_STEM}.int8-dynamic.onnx"
        # Weights int8, activations quantised on the fly; covers the convs
        # (ConvInteger) and the head's Gemms.
        quantize_dynamic(fp32, path, weight_type=QuantType.QInt8, op_types_to_quantize=["Conv", "MatMul", "Gemm"])
        out["int8-dynamic"] = path
    except Exception as e:  # noqa: BLE001 - reported, and fp32 remains the model
        log(f"dynamic quantisation failed: {e}")
    try:
        path = work_dir / f"{MODEL_STEM}.int8-static.onnx"
        # Only the convolutions: int8 squares and square roots in the std
        # statistics would destroy exactly the small differences the heads
        # look at, while the convs hold nearly all the compute.
        quantize_static(fp32, path, Calibration(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["Conv"])
        out["int8-static"] = path
    except Exception as e:  # noqa: BLE001
        log(f"static quantisation failed: {e}")
    return out


def metrics_close(a: dict, b: dict, tol: float = 0.005) -> bool:
    """Accuracy, false-flag rate and every per-reason recall within `tol`."""
    pairs = [(a["accuracy"], b["accuracy"]), (a["false_flags"]["rate"], b["false_flags"]["rate"])]
    pairs += [(a["per_reason"][c]["recall"], b["per_reason"][c]["recall"]) for c in REASONS]
    return all(x is None and y is None or (x is not None and y is not None and abs(x - y) <= tol)
               for x, y in pairs)


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _fmt(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _pct(v) -> str:
    return "–" if v is None else f"{100 * v:.1f} %"


def write_markdown(report: dict, path: Path) -> None:
    r = report
    test = r["test"]
    lines = [f"# {MODEL_STEM}: training report", ""]
    lines += [f"Dataset `{r['dataset']['path']}` ({r['dataset']['samples']} samples, "
              f"{r['dataset']['sources']} source photos, descriptor cache `{r['dataset']['digest']}`), "
              f"seed {r['seed']}, generated by `models/training/train.py`.", ""]
    t = r["targets"]
    net, mo = r["test_network"], test["measured_only"]
    lines += ["## Summary (test split, heldout generator variant excluded)", "",
              "The judge is the learned fusion of the network and the measurements (what Cull "
              "decides with); the network alone and the measurements alone are shown beside it.", "",
              "| metric | learned fusion | network alone | measurements alone | target |", "|---|---|---|---|---|",
              f"| flagged-vs-clean accuracy | {_fmt(test['accuracy'])} | {_fmt(net['accuracy'])} "
              f"| {_fmt(mo['accuracy'])} | ≥ {t['accuracy']} |",
              f"| lowest per-reason recall | {_fmt(r['summary']['min_recall'])} | "
              f"{_fmt(min(m['recall'] for m in net['per_reason'].values() if m['recall'] is not None))} | – "
              f"| ≥ {t['recall']} |",
              f"| false flags on clean and hard good | {_pct(test['false_flags']['rate'])} "
              f"({test['false_flags']['flagged']}/{test['false_flags']['clean']}) "
              f"| {_pct(net['false_flags']['rate'])} | {_pct(mo['false_flag_rate'])} | ≤ {_pct(t['false_flags'])} |",
              f"| false flags on hard goods | {_pct(test['false_flags_hard_good']['rate'])} "
              f"| {_pct(net['false_flags_hard_good']['rate'])} | – | (included above) |",
              f"| clean or hard good samples rejected | {test['rejected_good_samples']} | – "
              f"| {mo['verdicts']['clean']['reject'] + mo['verdicts']['hard_good']['reject']} | 0 |",
              f"| targets met | {'yes' if r['summary']['targets_met'] else 'no'} | | | |", "",
              "The learned fusion column is the engine's whole rule: a reason the fusion does not "
              "show is kept, doubted, at confidence "
              f"{DOUBTED_CONFIDENCE} (review at most) by the card's doubt rule ({r['fusion']['doubt']}: "
              "floor: a measured severity of at least "
              f"{DOUBT_SEVERITY}; band: the learned band review_at; both: either; learned: the band "
              "or the reason's learned floor doubt_severity). Without the doubt rule the fusion alone scores "
              f"accuracy {_fmt(test['without_doubt_floor']['accuracy'])}, false flags "
              f"{_pct(test['without_doubt_floor']['false_flag_rate'])}, lowest recall "
              f"{_fmt(test['without_doubt_floor']['lowest_recall'])}.", ""]
    if test["rejected_good"]:
        lines += ["Rejected good samples, by source photo (transform: sure reasons): "
                  + ", ".join(test["rejected_good"]) + ".", ""]

    lines += ["## Held out by collection, by photo and by generator", "",
              "| part of test | n | accuracy | false flags | hard-good false flags | lowest recall | good samples rejected |",
              "|---|---|---|---|---|---|---|"]
    for label, part in [("collections never seen (" + ", ".join(r.get("unseen_collections", [])) + ")",
                         r["unseen"]), ("unseen photos of seen collections", r["seen_test"]),
                        ("heldout generator variant", r["heldout"])]:
        if not part.get("n"):
            lines.append(f"| {label} | 0 | – | – | – | – | – |")
            continue
        rec = [m["recall"] for m in part["per_reason"].values() if m["recall"] is not None]
        lines.append(f"| {label} | {part['n']} | {_fmt(part['accuracy'])} | {_pct(part['false_flags']['rate'])} "
                     f"| {_pct(part['false_flags_hard_good']['rate'])} | {_fmt(min(rec) if rec else None)} "
                     f"| {part['rejected_good_samples']} |")
    lines.append("")

    lines += ["## Verdicts (test, normal sensitivity)", "", "| kind | keep | review | reject |", "|---|---|---|---|"]
    for kind, row in test["verdicts"].items():
        lines.append(f"| {kind.replace('_', ' ')} | {row['keep']} | {row['review']} | {row['reject']} |")
    lines += ["", "Measurements alone: " + "; ".join(
        f"{k.replace('_', ' ')} {v['keep']}/{v['review']}/{v['reject']}" for k, v in mo["verdicts"].items())
        + " (keep/review/reject).", ""]

    lines += ["## Calibration (test): shown reasons by confidence", "",
              "A reason's confidence is the fused probability; a calibrated judge is right about as "
              f"often as it says. Doubted reasons (confidence {DOUBTED_CONFIDENCE}) are the lowest bin.", "", "| confidence | shown reasons | mean confidence | really present |",
              "|---|---|---|---|"]
    for row in test["reliability"]:
        lines.append(f"| {row['bin']} | {row['n']} | {_fmt(row['mean_confidence'])} | {_fmt(row['right'])} |")
    lines.append("")

    lines += ["## Fusion (fitted on val)", "", r["fusion"]["rule"], "",
              "| reason | bias | network logit | measured severity | show at | val recall | val precision |",
              "|---|---|---|---|---|---|---|"]
    for code in REASONS:
        f, st = r["fusion"]["reasons"][code], r["fusion"]["stats"][code]
        lines.append(f"| {code} | {f['bias']:.3f} | {f['model_logit']:.3f} | {f['measured_severity']:.3f} "
                     f"| {f['show_at']:.3f} | {_fmt(st.get('val_recall'))} | {_fmt(st.get('val_precision'))} |")
    lines.append("")

    lines += ["## Dataset", "", "| transform | labels | train | val | test | test heldout |",
              "|---|---|---|---|---|---|"]
    for name, row in r["dataset"]["counts"].items():
        lines.append(f"| {name} | {', '.join(row['labels']) or ('clean (hard good)' if row['hard_good'] else 'clean')} "
                     f"| {row['train']} | {row['val']} | {row['test']} | {row['test_heldout']} |")
    sp = r["dataset"]["splits"]
    lines += [f"| **total** | | {sp['train']} | {sp['val']} | {sp['test']} | {sp['test_heldout']} |", ""]

    lines += ["## Heads", "",
              f"Per view: spatial mean and std of MobileNetV2 blocks "
              f"{', '.join(f'features.{b} ({TAP_CHANNELS[b]} ch)' for b in TAP_BLOCKS)} "
              f"= {STATS_DIM} values; both views + {FEATURE_COUNT} features "
              f"= {r['training']['input_dim']} inputs, standardised on train and clipped to ±{CLIP_SIGMAS:g}. "
              f"The global pools are not head inputs (they let the heads memorise source photos; "
              f"see train.py's docstring); view 0's pool is the embedding. "
              f"Training rows: {r['training']['rows']} (train photos × "
              f"{1 + len(r['training']['augmentation'])}: plain"
              f"{''.join(', ' + a for a in r['training']['augmentation'])}). "
              f"MLP {r['training']['input_dim']} → {HIDDEN} (ReLU, dropout {INPUT_DROPOUT} in / "
              f"{HIDDEN_DROPOUT} hidden) → {len(OUTPUTS)} sigmoids; class-balanced BCE, hard goods ×{HARD_GOOD_WEIGHT:g}, "
              f"AdamW lr {LEARNING_RATE:g} wd {WEIGHT_DECAY:g}, batch {BATCH_SIZE}, early stopping on val loss "
              f"(patience {PATIENCE}): best epoch {r['training']['best_epoch']} of {r['training']['epochs_run']}.", ""]

    lines += ["## Network thresholds (chosen on val; informative, the verdicts use the fusion)", "",
              r["threshold_rule"], "",
              "| reason | threshold | val recall | val precision | val positives |", "|---|---|---|---|---|"]
    for code in REASONS:
        st = r["thresholds"]["stats"][code]
        lines.append(f"| {code} | {r['thresholds']['values'][code]:.4f} | {_fmt(st.get('val_recall'))} "
                     f"| {_fmt(st.get('val_precision'))} | {st.get('val_positives', 0)} |")
    lines.append("")

    lines += ["## Per reason (test)", "", "| reason | precision | recall | support | FP | FN |",
              "|---|---|---|---|---|---|"]
    for code in REASONS:
        m = test["per_reason"][code]
        lines.append(f"| {code} | {_fmt(m['precision'])} | {_fmt(m['recall'])} | {m['support']} "
                     f"| {m['fp']} | {m['fn']} |")
    lines.append("")

    conf = test["confusion"]
    lines += ["## Confusion matrix (test)", "", conf["note"] + ".", "",
              "| true \\ predicted | " + " | ".join(conf["classes"]) + " |",
              "|---|" + "---|" * len(conf["classes"])]
    for cls, row in zip(conf["classes"], conf["matrix"]):
        lines.append(f"| {cls} | " + " | ".join(str(v) for v in row) + " |")
    c = test["combos"]
    lines += ["", f"Multi-label combos: {c['n']} samples, all labels found in {_pct(c['all_labels_found'])}, "
              f"flagged {_pct(c['flagged'])}.", ""]

    lines += ["## By transform (test)", "",
              "False-flag rate for clean transforms (original, clean variants, hard goods); "
              "for defects the share whose every label was found.", "",
              "| transform | kind | n | flagged | labels found |", "|---|---|---|---|---|"]
    for name, e in test["by_transform"].items():
        kind = ", ".join(e["labels"]) if e["labels"] else ("hard good" if e["hard_good"] else "clean")
        lines.append(f"| {name} | {kind} | {e['n']} | {_pct(e['flagged'])} | {_pct(e.get('labels_found'))} |")
    lines.append("")

    lines += ["## By source collection (test)", "",
              "| collection | sources | n | accuracy | false flags | defects fully found |", "|---|---|---|---|---|---|"]
    for name, e in test["by_collection"].items():
        lines.append(f"| {name} | {e['sources']} | {e['n']} | {_fmt(e['accuracy'])} | {_pct(e['false_flags'])} "
                     f"| {_pct(e['labels_found'])} |")
    lines.append("")

    h = r["heldout"]
    lines += ["## Heldout generator variants (test only, never trained or thresholded on)", ""]
    if h.get("n"):
        lines += ["| transform | labels | n | flagged | labels found |", "|---|---|---|---|---|"]
        for name, e in h["by_transform"].items():
            lines.append(f"| {name} | {', '.join(e['labels']) or 'clean'} | {e['n']} | {_pct(e['flagged'])} "
                         f"| {_pct(e.get('labels_found'))} |")
        lines += ["", "Per-reason recall on heldout: " + ", ".join(
            f"{c} {_fmt(m['recall'])} (n={m['support']})" for c, m in h["per_reason"].items() if m["support"]), ""]
    else:
        lines += ["No heldout samples in this dataset.", ""]

    e = r["export"]
    lines += ["## Export", "",
              f"`{e['file']}`: opset {OPSET}, IR {IR_VERSION}, {e['size_mb']:.1f} MB. "
              f"ONNX vs numpy heads on the test split: max |Δp| = {e['max_abs_diff']:.2e}; "
              f"embedding norms {e['embedding_norm_min']:.4f}–{e['embedding_norm_max']:.4f}.", "",
              "| variant | size MB | ms/photo (batch 8, 1 thread) | ms/photo (batch 8, default threads) "
              "| test accuracy | false flags | min recall | kept |",
              "|---|---|---|---|---|---|---|---|"]
    for name, v in r["variants"].items():
        if "error" in v:
            lines.append(f"| {name} | – | – | – | – | – | – | failed: {v['error']} |")
            continue
        lines.append(f"| {name} | {v['size_mb']:.1f} | {v['ms_per_photo_1_thread']:.1f} "
                     f"| {v['ms_per_photo_default_threads']:.1f} | {_fmt(v['accuracy'])} "
                     f"| {_pct(v['false_flag_rate'])} | {_fmt(v['min_recall'])} | {'**yes**' if v['kept'] else 'no'} |")
    lines += ["", r["quantisation_decision"], "",
              f"Latency measured on this machine ({r['machine']}), onnxruntime {r['onnxruntime']}.", ""]
    path.write_text("\n".join(lines))


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


# What keeps, doubted (review at most), a reason the fusion does not show:
#   floor: a measured severity of at least DOUBT_SEVERITY (the hand rule of cull-judge 2);
#   band:  a fused probability of at least the reason's review_at, learned (choose_review_at);
#   both:  either;   none: nothing;
#   learned: the band, or a measured severity of at least the reason's learned floor
#            (choose_doubt_severity: only as low as the rows the band leaves are still defective
#            at least BAND_PRECISION of the time; none where no severity is).
DOUBT_RULES = ("band", "both", "floor", "learned", "none")
# Chosen by fusion_lab.py (fusion rules cross-fitted over collection folds of the train+val
# out-of-fold outputs, test never read; MODELS.md has the table): the learned band beat the hand
# floor on accuracy, false flags and recall alike, and the stacked form did not beat the pair
# form on accuracy while it rejected ten times as many good samples on the collection left out.
# The learned floor beside the band ("learned") was then compared the same way on the outputs of
# two networks: accuracy 0.9357 vs 0.9351 and 0.8998 vs 0.8991, overexposed recall 0.965 vs
# 0.943, false flags +0.4 points, its doubted reasons still right 37-38 % of the time; it keeps
# a floor only where the data back one (cull-judge 3: jpeg_artifacts alone).
DEFAULT_DOUBT = "learned"
DEFAULT_FUSION = "pair"
# Recipe blocks the heads do not train on by default (they stay in val, the fusion's out-of-fold
# rows and test, so every number still counts them). Four networks were trained with and without
# the curved-shake and the synthetic macro-bokeh blocks and compared in fusion_lab.py's
# cross-fit (pair + learned; MODELS.md, "Choosing cull-judge 3"): with shake and without macro
# bokeh 0.931 accuracy, 5 good samples rejected on the unseen fold; with both 0.936 and 4; macro
# bokeh alone 0.918 and 34; neither 0.900 and 54 (low-key photos rejected as underexposed). The
# two best tie; the synthetic macro-bokeh block did not make real bokeh macros safer (6 of 10
# kept either way) and the network trained with it called one of them `blur`.
DEFAULT_EXCLUDE = "macro_bokeh"
# 1: every false flag counts alike when show_at and the band are chosen (see fusion_lab.md).
DEFAULT_HARD_GOOD_COST = 1.0
# A doubted reason says "confidence 0.35": the learned band reaches down only as far as the rows in
# it are really defective at least that often, so the number stays calibrated.
BAND_PRECISION = DOUBTED_CONFIDENCE


def _lowest_calibrated_bar(score: np.ndarray, truth: np.ndarray, precision: float,
                           weight: np.ndarray | None) -> tuple[float, float] | None:
    """(lowest qualifying score, the next score under it) such that the rows scoring at least
    that are defective at least `precision` of the time (a false one counting `weight`) and
    hold at least 3 defects; None when no bar qualifies."""
    t = truth.astype(bool)
    if not len(score):
        return None
    w = np.ones(len(score)) if weight is None else weight
    order = np.argsort(-score, kind="stable")
    s, t, w = score[order], t[order], w[order]
    prec = np.cumsum(t) / np.cumsum(np.where(t, 1.0, w))
    ends = np.flatnonzero(np.append(s[1:] < s[:-1], True))
    ok = ends[(prec[ends] >= precision) & (np.cumsum(t)[ends] >= 3)]
    if not len(ok):
        return None
    k = ok[-1]
    return float(s[k]), float(s[k + 1]) if k + 1 < len(s) else float(s[k]) * 0.5


def choose_review_at(fused: np.ndarray, truth: np.ndarray, show_at: float,
                     precision: float = BAND_PRECISION, fp_weight: np.ndarray | None = None) -> float | None:
    """The lowest fused probability r under show_at such that the rows in [r, show_at) are
    defective at least `precision` of the time (a false one counting `fp_weight`); None when no
    band qualifies."""
    below = fused < show_at
    bar = _lowest_calibrated_bar(fused[below], truth[below], precision,
                                 None if fp_weight is None else fp_weight[below])
    if bar is None:
        return None
    return float(1 / (1 + np.exp(-(_logit(bar[0]) + _logit(bar[1])) / 2)))


def choose_doubt_severity(fused: np.ndarray, severity: np.ndarray, truth: np.ndarray, show_at: float,
                          review_at: float | None, precision: float = BAND_PRECISION,
                          fp_weight: np.ndarray | None = None) -> float | None:
    """The learned floor: the lowest measured severity f such that, among the rows neither shown
    nor doubted by the band, those measured at f or more are still defective at least `precision`
    of the time, so a severe measurement the network disagrees with stays for review only where
    that is right as often as a doubted reason claims. None when no severity qualifies (the
    network's "no" is then trusted however severe the measurement)."""
    left = (fused < show_at) & (fused < (review_at if review_at is not None else np.inf)) & (severity > 0)
    bar = _lowest_calibrated_bar(severity[left], truth[left], precision,
                                 None if fp_weight is None else fp_weight[left])
    if bar is None:
        return None
    return float(min(1.0, (bar[0] + bar[1]) / 2))


def false_flag_cost(samples: list[dict], hard_good_cost: float) -> np.ndarray:
    """What flagging each sample wrongly costs when thresholds and the band are chosen: a hard good
    (a legitimate look a detector confuses with a defect) `hard_good_cost`, anything else 1."""
    return np.array([hard_good_cost if s.get("hard_good") and not s["labels"] else 1.0 for s in samples])


def fit_judge(p_oof: np.ndarray, p_val: np.ndarray, severity: np.ndarray, ds: Dataset,
              fit_rows: np.ndarray, val_rows: np.ndarray, form: str, doubt: str,
              min_recall: float, hard_good_cost: float = 1.0) -> tuple[dict, dict, float]:
    """The card's fusion: weights and show_at fitted on the out-of-fold outputs of the train and
    val photos, the doubt rule's band there too, and the reject bar on val (the final network's
    outputs). Returns (fusion by reason, per-reason fit statistics, reject_at)."""
    targets = ds.targets[:, :len(REASONS)]
    cost = false_flag_cost(ds.samples, hard_good_cost)[fit_rows]
    fusion, stats = fit_fusion(p_oof[fit_rows], severity[fit_rows], targets[fit_rows], min_recall, form, cost)
    fused_oof = fused_probabilities(fusion, p_oof[fit_rows], severity[fit_rows])
    for k, code in enumerate(REASONS):
        f = fusion[code]
        if doubt in ("band", "both", "learned"):
            f["review_at"] = choose_review_at(fused_oof[:, k], targets[fit_rows][:, k], f["show_at"],
                                              fp_weight=cost)
        if doubt == "learned":
            f["doubt_severity"] = choose_doubt_severity(fused_oof[:, k], severity[fit_rows][:, k],
                                                        targets[fit_rows][:, k], f["show_at"],
                                                        f["review_at"], fp_weight=cost)
        else:
            f["doubt_severity"] = DOUBT_SEVERITY if doubt in ("floor", "both") else None
    review_at, floor = doubt_rule(fusion)
    show_at = np.array([fusion[c]["show_at"] for c in REASONS])
    samples = [s for s, m in zip(ds.samples, val_rows) if m]
    reject_at = choose_reject_at(fused_probabilities(fusion, p_val, severity[val_rows]), severity[val_rows],
                                 show_at, samples, review_at, floor)
    return fusion, stats, reject_at


def _rounded(v):
    """Card numbers to 6 decimals, through nested weights; None stays null."""
    if isinstance(v, dict):
        return {k: _rounded(x) for k, x in v.items()}
    return round(float(v), 6) if isinstance(v, (float, np.floating)) else v


def dataset_counts(ds: Dataset) -> tuple[dict, dict]:
    counts: dict = {}
    splits = Counter()
    for s in ds.samples:
        col = "test_heldout" if s.get("heldout") else s["split"]
        row = counts.setdefault(s["transform"], {"labels": s["labels"], "hard_good": bool(s.get("hard_good")),
                                                 "train": 0, "val": 0, "test": 0, "test_heldout": 0})
        row[col] += 1
        splits[col] += 1
    return counts, {k: splits.get(k, 0) for k in ("train", "val", "test", "test_heldout")}


FUSION_RULE = (
    "Per reason: p = sigmoid(bias + sum over every network output o of network[o] * logit(clamp(p_o, 1e-4, "
    "1 - 1e-4)) + sum over every reason r of measured[r] * measured severity of r) (the stacked form; the pair "
    "form of cull-judge 2 reads only the reason's own output and severity: model_logit, measured_severity), "
    "fitted by L2-regularised logistic regression on out-of-fold network outputs of the train and val photos "
    "(4 folds of whole collections: each fold's network never saw the collections it judges). The reason is "
    "shown when p >= show_at (chosen there by the best F1, at least 0.45) with confidence p and severity "
    "max(measured, 0.5). Under show_at it stays, doubted (confidence 0.35: review at most), when p >= review_at "
    "(the lowest band still defective at least 35 % of the time there; null: none) or the measured severity "
    ">= doubt_severity (learned like the band: the lowest severity from which the rows the fusion and the band "
    "leave out are still defective at least 35 % of the time; null: no such floor; absent: 0.6). Only a reason with confidence >= reject_at (the "
    "lowest bar with no good val sample rejected) may reject."
)

PREPROCESSING = (
    "views: float32 [N, 2, 3, 160, 160], RGB, planar, the interleaved bytes of model::views divided by 255 "
    "(no mean/std: ImageNet normalisation is inside the graph). View 0 is the whole analysis preview "
    "squeezed to 160x160 (aspect ratio not preserved); view 1 is a 160x160 window at analysis resolution "
    "centred on the sharpest tile (frame centre when there is none), edge-padded when the frame is smaller. "
    "features: float32 [N, 27], the detector numbers of model::features in the order of 'features', raw "
    "(non-finite values replaced by 0); standardisation with the training mean/std and clipping to ±6 "
    "happen inside the graph. Outputs: 'probabilities' [N, 9] sigmoids in 'outputs' order (a reason "
    "counts as present when its probability >= its threshold; 'good' = no defect, informative only), "
    "'embedding' [N, 1280] the L2-normalised MobileNetV2 global pool of view 0."
)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=f"Train and export {MODEL_STEM}.")
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="where the .onnx and card go")
    ap.add_argument("--work-dir", type=Path, default=WORK_DIR, help="descriptor cache, report.json, int8 files")
    ap.add_argument("--report", type=Path, default=DEFAULT_REPORT_MD, help="markdown report path")
    ap.add_argument("--epochs", type=int, default=400, help="upper bound; early stopping usually ends sooner")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ensemble", type=int, default=1,
                    help="heads trained from different seeds and averaged (logits) into one")
    ap.add_argument("--no-quantise", action="store_true", help="skip the int8 experiments")
    ap.add_argument("--no-augment", action="store_true", help="train on the plain views only")
    ap.add_argument("--fusion", choices=["pair", "stacked"], default=DEFAULT_FUSION,
                    help="pair: each reason reads its own output and measurement (cull-judge 2); "
                         "stacked: every output and measurement")
    ap.add_argument("--doubt", choices=sorted(DOUBT_RULES), default=DEFAULT_DOUBT,
                    help="what keeps a reason the fusion does not show, for review (see DOUBT_RULES)")
    ap.add_argument("--exclude-transforms", default=DEFAULT_EXCLUDE,
                    help="comma-separated transforms the heads do not train on (they are still in val, "
                         "the fusion's out-of-fold rows and test); '' trains on every block")
    ap.add_argument("--hard-good-cost", type=float, default=DEFAULT_HARD_GOOD_COST,
                    help="what a false flag on a hard good counts when show_at and the band are chosen")
    ap.add_argument("--min-val-recall", type=float, default=MIN_VAL_RECALL,
                    help="recall floor of the threshold rule (0 = plain max F1 on val)")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    log = lambda msg: print(msg, flush=True)  # noqa: E731

    import onnxruntime as ort
    import platform

    ds = load_dataset(args.dataset)
    counts, splits = dataset_counts(ds)
    n_sources = len({s["source"] for s in ds.samples})
    log(f"dataset {args.dataset}: {len(ds.samples)} samples, {n_sources} sources, splits {splits}")

    train_m, val_m = ds.mask("train"), ds.mask("val")
    test_m, heldout_m = ds.mask("test"), ds.mask("test", heldout=True)
    if not train_m.any() or not val_m.any() or not test_m.any():
        raise ValueError(f"every split needs samples, got {splits}")

    weights = backbone.load_torch_checkpoint(backbone.fetch_weights())
    digest = dataset_digest(ds)
    extractor = ort_session(build_descriptor_model(weights))
    desc = extract_descriptors(ds, extractor, digest, args.work_dir, np.arange(len(ds.samples)), log=log)
    train_rows = np.flatnonzero(train_m)
    augmentations = [] if args.no_augment else list(AUGMENTATIONS)
    aug_desc = [extract_descriptors(ds, extractor, digest, args.work_dir, train_rows, a, log=log)
                for a in augmentations]
    del extractor

    copies = 1 + len(aug_desc)
    sample_w = np.array([HARD_GOOD_WEIGHT if s.get("hard_good") else 1.0 for s in ds.samples], np.float32)
    # Row of each training sample inside the augmented descriptor arrays.
    aug_row = np.full(len(ds.samples), -1)
    aug_row[train_rows] = np.arange(len(train_rows))

    def fit_network(fit_mask: np.ndarray, stop_mask: np.ndarray, seed: int):
        """Heads trained on the training samples of `fit_mask` (all orientations), stopped early on
        `stop_mask`; with the standardisers fitted on exactly what they train on."""
        fit_aug = aug_row[fit_mask]
        stats = np.concatenate([stats_part(desc[fit_mask])] + [stats_part(d[fit_aug]) for d in aug_desc])
        d_std, f_std = Standardiser.fit(stats), Standardiser.fit(ds.features[fit_mask])

        def inputs(mask: np.ndarray) -> np.ndarray:
            return np.concatenate([d_std.apply(stats_part(desc[mask])), f_std.apply(ds.features[mask])], axis=1)

        x_fit = np.concatenate([d_std.apply(stats),
                                f_std.apply(np.tile(ds.features[fit_mask], (copies, 1)))], axis=1)
        assert x_fit.shape[1] == HEAD_INPUT_DIM
        log(f"training heads on {x_fit.shape[1]} inputs, {len(x_fit)} rows "
            f"({int(fit_mask.sum())} samples x {copies} orientations)")
        # An ensemble of heads from different seeds, averaged in logit space: one training run
        # alone varies from seed to seed more than the targets allow.
        heads, infos = [], []
        for j in range(args.ensemble):
            head_j, info_j = train_head(x_fit, np.tile(ds.targets[fit_mask], (copies, 1)),
                                        np.tile(sample_w[fit_mask], copies), inputs(stop_mask),
                                        ds.targets[stop_mask], sample_w[stop_mask], args.epochs,
                                        seed + 1000 * j, log)
            heads.append(head_j)
            infos.append(info_j)
        info = dict(infos[0])
        info["ensemble"] = args.ensemble
        info["best_epochs"] = [i["best_epoch"] for i in infos]
        info["input_dim"], info["rows"] = int(x_fit.shape[1]), int(len(x_fit))
        return merge_heads(heads), d_std, f_std, inputs, info

    # Transforms left out of the heads' training only: the fusion still sees how the network
    # answers them (out-of-fold), and val and test still measure them.
    left_out = {t for t in args.exclude_transforms.split(",") if t}
    trainable = np.array([s["transform"] not in left_out for s in ds.samples])
    head, desc_std, feat_std, split_inputs, train_info = fit_network(train_m & trainable, val_m, args.seed)
    x_val, x_test = split_inputs(val_m), split_inputs(test_m)

    # Out-of-fold network outputs for the fusion, grouped by collection: each fold's heads are
    # trained without one group of collections (stopped early on the val photos of the others),
    # then judge that group. The fusion and its show_at are fitted on these outputs, which are
    # what the network says about collections it has never seen, the case the held-out
    # collections of the test split measure.
    collection_of = np.array([s["source"].split("__")[0] for s in ds.samples], dtype=object)
    fit_all = train_m | val_m
    fold_of = collection_folds(collection_of, fit_all, FUSION_FOLDS)
    p_oof = np.zeros((len(ds.samples), len(OUTPUTS)), np.float64)
    fold_info = []
    for k in range(FUSION_FOLDS):
        out_k = fit_all & (fold_of == k)
        if not out_k.any():
            continue
        head_k, _, _, inputs_k, info_k = fit_network(train_m & trainable & (fold_of != k), val_m & (fold_of != k),
                                                     args.seed + 1 + k)
        p_oof[out_k] = head_k.probabilities(inputs_k(out_k))
        fold_info.append({"fold": k, "collections": sorted(set(collection_of[out_k])),
                          "samples": int(out_k.sum()), "best_epoch": info_k["best_epoch"]})
        log(f"fusion fold {k}: held out {fold_info[-1]['collections']}")

    # Thresholds from val only.
    p_val = head.probabilities(x_val)
    thresholds, threshold_stats = {}, {}
    for k, code in enumerate(REASONS):
        thresholds[code], threshold_stats[code] = choose_threshold(p_val[:, k], ds.targets[val_m][:, k],
                                                                   args.min_val_recall)
    thr = np.array([thresholds[c] for c in REASONS], np.float32)

    samples = np.array(ds.samples, dtype=object)
    p_test = head.probabilities(x_test)
    test_net = evaluate(p_test, list(samples[test_m]), thr)
    log(f"network alone, test: accuracy {test_net['accuracy']:.4f}, "
        f"false flags {test_net['false_flags']['rate']:.4f}")

    # Every network output the fusion needs, saved so that the fusion can be refitted and
    # compared (fusion_lab.py) without training the heads again.
    p_final = head.probabilities(split_inputs(np.ones(len(ds.samples), bool)))
    args.work_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.work_dir / "outputs.npz", digest=digest, p_oof=p_oof, p_final=p_final,
                        oof_rows=fit_all)

    # The learned fusion is what the engine decides with; everything reported from here on is
    # the fused judge unless it says "network alone".
    severity = measured_severities(ds.samples)
    fusion, fusion_stats, reject_at = fit_judge(p_oof, p_val, severity, ds, fit_all, val_m,
                                                args.fusion, args.doubt, args.min_val_recall,
                                                args.hard_good_cost)
    show_at = np.array([fusion[c]["show_at"] for c in REASONS])
    seen = set(collection_of[train_m | val_m])
    unseen_m = test_m & ~np.isin(collection_of, sorted(seen))
    log(f"reject bar (lowest with no good val sample rejected): {reject_at}")

    def judged(mask: np.ndarray, p_net: np.ndarray | None = None) -> dict:
        if not mask.any():
            return {"n": 0}
        if p_net is None:
            p_net = head.probabilities(split_inputs(mask))
        return engine_metrics(fusion, show_at, p_net, severity[mask], list(samples[mask]),
                              ds.targets[mask], reject_at)

    test = judged(test_m, p_test)
    val = judged(val_m, p_val)
    heldout = judged(heldout_m)
    unseen = judged(unseen_m)
    seen_test = judged(test_m & ~unseen_m)
    log(f"fused, test: accuracy {test['accuracy']:.4f}, false flags {test['false_flags']['rate']:.4f}, "
        f"good samples rejected {test['rejected_good_samples']}, recall " +
        " ".join(f"{c}={_fmt(m['recall'], 2)}" for c, m in test["per_reason"].items()))
    if unseen["n"]:
        log(f"fused, unseen collections {sorted(set(collection_of[unseen_m]))}: accuracy "
            f"{unseen['accuracy']:.4f}, false flags {unseen['false_flags']['rate']:.4f}")

    # Export and check against the numpy heads on the test photos.
    args.out_dir.mkdir(parents=True, exist_ok=True)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    doc = (f"cull-judge {MODEL_VERSION}: frozen torchvision MobileNetV2 (IMAGENET1K_V1) + learned heads; "
           f"dataset {digest}, seed {args.seed}")
    model = build_final_model(weights, desc_std, feat_std, head, doc)
    fp32_path = args.work_dir / f"{MODEL_STEM}.fp32.onnx"
    onnx.save(model, fp32_path)
    test_views, test_feats = ds.views[test_m], ds.features[test_m]
    session = ort_session(fp32_path)
    p_onnx, emb = run_model(session, test_views, test_feats)
    max_diff = float(np.abs(p_onnx - p_test).max())
    norms = np.linalg.norm(emb, axis=1)
    log(f"export: ONNX vs numpy max |dp| {max_diff:.2e}, embedding norms {norms.min():.4f}..{norms.max():.4f}")
    if max_diff > 1e-3:
        raise RuntimeError(f"exported model disagrees with the trained heads (max |dp| {max_diff})")
    # The embedding must be view 0's pool: compare with the cached descriptor.
    pool0 = desc[test_m][:, :EMBEDDING_SIZE]
    pool0 = pool0 / np.linalg.norm(pool0, axis=1, keepdims=True)
    emb_diff = float(np.abs(pool0 - emb).max())
    if emb_diff > 1e-4:
        raise RuntimeError(f"embedding is not view 0's normalised pool (max diff {emb_diff})")

    # Variants: fp32 and int8 attempts, all judged with the same thresholds.
    variant_paths = {"fp32": fp32_path}
    if not args.no_quantise:
        calib = np.flatnonzero(train_m)
        calib = np.random.default_rng(args.seed).choice(calib, size=min(64, len(calib)), replace=False)
        calib.sort()
        variant_paths.update(quantise(fp32_path, args.work_dir, ds.views[calib], ds.features[calib], log))
    variants = {}
    for name, path in variant_paths.items():
        try:
            if name == "fp32":
                m = evaluate(p_onnx, list(samples[test_m]), thr)
            else:
                p_q, _ = run_model(ort_session(path), test_views, test_feats)
                m = evaluate(p_q, list(samples[test_m]), thr)
            # Variants are compared as networks, before the fusion.
            recalls = [v["recall"] for v in m["per_reason"].values() if v["recall"] is not None]
            variants[name] = {
                "file": path.name, "size_mb": path.stat().st_size / 1e6,
                "ms_per_photo_1_thread": latency_ms(path, test_views, test_feats, threads=1),
                "ms_per_photo_default_threads": latency_ms(path, test_views, test_feats, threads=0),
                "accuracy": m["accuracy"], "false_flag_rate": m["false_flags"]["rate"],
                "min_recall": min(recalls) if recalls else None, "metrics_match_fp32": metrics_close(test_net, m),
                "kept": False,
            }
            log(f"variant {name}: {variants[name]['ms_per_photo_1_thread']:.1f} ms/photo (1 thread), "
                f"accuracy {m['accuracy']:.4f}, matches fp32: {variants[name]['metrics_match_fp32']}")
        except Exception as e:  # noqa: BLE001 - a broken int8 file is a result to report
            variants[name] = {"file": path.name, "error": str(e)[:200], "kept": False}
            log(f"variant {name} failed: {e}")

    # An int8 file replaces fp32 only if it measures the same and is faster.
    chosen = "fp32"
    for name, v in variants.items():
        if name == "fp32" or "error" in v or not v["metrics_match_fp32"]:
            continue
        if v["ms_per_photo_1_thread"] < variants[chosen]["ms_per_photo_1_thread"] * 0.95:
            chosen = name
    variants[chosen]["kept"] = True
    reasons_not = [f"{n}: " + ("failed" if "error" in v else "metrics differ from fp32 by more than 0.5 %"
                               if not v["metrics_match_fp32"] else "not faster than fp32")
                   for n, v in variants.items() if n not in ("fp32", chosen)]
    decision = (f"Shipped: {chosen}." + (f" Not shipped: {'; '.join(reasons_not)}." if reasons_not else "")
                + " Rule: an int8 variant ships only if test accuracy, false-flag rate and every "
                  "per-reason recall are within 0.5 percentage points of fp32 and it is at least 5 % faster "
                  "(1 thread).")
    final_path = args.out_dir / f"{MODEL_STEM}.onnx"
    final_path.write_bytes(variant_paths[chosen].read_bytes())
    log(decision)

    recalls = [m["recall"] for m in test["per_reason"].values() if m["recall"] is not None]
    targets = {"accuracy": 0.98, "recall": 0.95, "false_flags": 0.02}
    summary = {
        "accuracy": test["accuracy"], "min_recall": min(recalls) if recalls else None,
        "false_flag_rate": test["false_flags"]["rate"],
        "good_rejected": test["rejected_good_samples"],
        "targets_met": bool(test["accuracy"] >= targets["accuracy"]
                            and (min(recalls) if recalls else 0) >= targets["recall"]
                            and test["false_flags"]["rate"] <= targets["false_flags"]
                            and not test["rejected_good"]),
    }
    floor = (f"among thresholds keeping val recall ≥ {args.min_val_recall:g}, " if args.min_val_recall > 0
             else "")
    threshold_rule = (f"Per reason, on the val split: {floor}the threshold with the highest F1 "
                      f"(ties: the higher threshold); each candidate lies half-way "
                      f"in logit space between two neighbouring val scores. A photo is flagged when any reason's "
                      f"probability ≥ its threshold.")
    card = {
        "name": "cull-judge", "version": MODEL_VERSION, "view_side": VIEW_SIDE, "view_count": VIEW_COUNT,
        "features": list(ds.meta["features"]), "outputs": OUTPUTS, "embedding_size": EMBEDDING_SIZE,
        "thresholds": {c: round(float(thresholds[c]), 6) for c in REASONS},
        "fusion": {
            "rule": FUSION_RULE, "form": args.fusion, "doubt": args.doubt,
            "reasons": {c: _rounded(fusion[c]) for c in REASONS},
            "reject_at": reject_at,
        },
        "preprocessing": PREPROCESSING,
        "training": {
            "dataset_samples": len(ds.samples), "sources": n_sources, "seed": args.seed,
            "splits": splits, "dataset_digest": digest, "best_epoch": train_info["best_epoch"],
            "backbone": "torchvision MobileNetV2 IMAGENET1K_V1 (mobilenet_v2-b0353104.pth), frozen",
            "head_inputs": {"per_view": f"spatial mean and std of MobileNetV2 "
                                        f"{', '.join(f'features.{b}' for b in TAP_BLOCKS)}",
                            "per_view_dim": STATS_DIM, "total": HEAD_INPUT_DIM},
            "augmentation": augmentations,
            "transforms_not_trained_on": sorted(left_out),
            "threshold_rule": threshold_rule,
        },
        "evaluation": {"judge": "learned fusion",
                       "test_accuracy": test["accuracy"], "test_false_flag_rate": test["false_flags"]["rate"],
                       "test_recall": {c: m["recall"] for c, m in test["per_reason"].items()},
                       "test_good_rejected": test["rejected_good_samples"],
                       "unseen_collections": sorted(set(collection_of[unseen_m])),
                       "unseen_accuracy": unseen.get("accuracy"),
                       "network_alone_test_accuracy": test_net["accuracy"]},
        "precision": chosen,
    }
    (args.out_dir / f"{MODEL_STEM}.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")

    report = {
        "dataset": {"path": str(args.dataset), "samples": len(ds.samples), "sources": n_sources,
                    "digest": digest, "counts": counts, "splits": splits},
        "seed": args.seed, "targets": targets, "summary": summary,
        "training": {**train_info, "augmentation": augmentations},
        "threshold_rule": threshold_rule, "unseen_collections": sorted(set(collection_of[unseen_m])),
        "thresholds": {"values": thresholds, "stats": threshold_stats},
        "fusion": {"rule": FUSION_RULE, "form": args.fusion, "doubt": args.doubt, "reasons": fusion,
                   "stats": fusion_stats, "folds": fold_info},
        "val": val, "test": test, "heldout": heldout, "unseen": unseen, "seen_test": seen_test,
        "test_network": test_net,
        "export": {"file": final_path.name, "size_mb": final_path.stat().st_size / 1e6,
                   "max_abs_diff": max_diff, "embedding_max_diff": emb_diff,
                   "embedding_norm_min": float(norms.min()), "embedding_norm_max": float(norms.max())},
        "variants": variants, "quantisation_decision": decision,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load average "
                   f"{os.getloadavg()[0]:.1f} at the end of the run",
        "onnxruntime": ort.__version__, "seconds": time.perf_counter() - t_start,
    }
    (args.work_dir / "report.json").write_text(json.dumps(report, indent=1, default=float) + "\n")
    write_markdown(report, args.report)
    log(f"wrote {final_path}, {args.out_dir / (MODEL_STEM + '.json')}, {args.report} "
        f"in {report['seconds']:.0f} s")
    return report


if __name__ == "__main__":
    main()
