#!/usr/bin/env bash
# Everything Cull needs on a fresh machine, idempotent (a second run takes about a second):
#  - ONNX Runtime (for the learned model, which ort loads at run time) from the PyPI wheel
#    `onnxruntime`, unpacked into Cull's data folder where the app and the CLI look for it:
#    Linux  ~/.local/share/cull/onnxruntime/   macOS ~/Library/Application Support/cull/onnxruntime/
#    A failed download is reported and does not stop the set-up: judging works without it.
#  - a release build of the `cull` binary.
#  - cmake and nasm, which build the bundled libjpeg-turbo (the fast JPEG decoder), and libheif
#    (HEIC/HEIF/AVIF); installed with
#    apt-get on Debian/Ubuntu when missing (Homebrew or the installers elsewhere).
# Needs: a Rust toolchain (rustup), python3 with pip, unzip.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Debian/Ubuntu packages: cmake + nasm build libjpeg-turbo; libheif (≥ 1.14) decodes HEIC/HEIF/AVIF;
# WebKitGTK and friends build the
# desktop app (Tauri); Xvfb, WebKitWebDriver and ImageMagick run its end-to-end tests;
# python3-venv holds the model training code's pinned environment.
DEB_PACKAGES="cmake nasm pkg-config build-essential libheif-dev libwebkit2gtk-4.1-dev libssl-dev \
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev xvfb xauth webkit2gtk-driver imagemagick \
  python3-venv"
missing=""
for pkg in $DEB_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null; then
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    echo "setup: installing$missing" >&2
    # shellcheck disable=SC2086
    $sudo_cmd apt-get install -y -q $missing >&2 || { $sudo_cmd apt-get update -q >&2 && $sudo_cmd apt-get install -y -q $missing >&2; }
  else
    echo "setup: please install cmake, nasm and libheif (e.g. 'brew install cmake nasm libheif'); see README for the app's needs" >&2
    command -v cmake >/dev/null && command -v nasm >/dev/null || exit 1
  fi
fi

ORT_VERSION="1.32.0"
case "$(uname -s)" in
  Darwin) DATA="${XDG_DATA_HOME:-$HOME/Library/Application Support}/cull"; PLATFORM="macosx_13_0_universal2"; LIB="libonnxruntime.${ORT_VERSION}.dylib" ;;
  *)      DATA="${XDG_DATA_HOME:-$HOME/.local/share}/cull";               PLATFORM="manylinux_2_28_$(uname -m)"; LIB="libonnxruntime.so.${ORT_VERSION}" ;;
esac
ORT_DIR="$DATA/onnxruntime"

if [ ! -f "$ORT_DIR/$LIB" ]; then
  echo "setup: fetching ONNX Runtime $ORT_VERSION from PyPI into $ORT_DIR" >&2
  tmp="$(mktemp -d)"
  if python3 -m pip download --quiet --no-deps --only-binary=:all: --platform "$PLATFORM" \
       --python-version 3.11 "onnxruntime==$ORT_VERSION" -d "$tmp" >&2; then
    mkdir -p "$ORT_DIR"
    unzip -q -j -o "$tmp"/onnxruntime-*.whl "onnxruntime/capi/$LIB" -d "$ORT_DIR"
    ln -sf "$LIB" "$ORT_DIR/$( [ "$(uname -s)" = Darwin ] && echo libonnxruntime.dylib || echo libonnxruntime.so )"
  else
    echo "setup: could not download ONNX Runtime; the learned model will be unavailable" >&2
  fi
  rm -rf "$tmp"
fi

# `--no-build`: the test command builds what it needs itself.
if [ "${1:-}" != "--no-build" ]; then
  cargo build --release --locked -p cull-cli >&2
fi
