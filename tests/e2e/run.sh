#!/usr/bin/env bash
# End-to-end: build the real app and its .deb with the Tauri CLI, then drive the app in a real
# WebKitGTK window under Xvfb through tauri-driver + WebKitWebDriver, with the trash and the app's
# data in a throwaway XDG_DATA_HOME. Screenshots land in tests/e2e/screenshots/ (used by the README).
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

[ -d node_modules ] || npm ci --no-audit --no-fund
[ -d "$root/ui/node_modules" ] || (cd "$root/ui" && npm ci --no-audit --no-fund)
command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] || cargo install tauri-driver --locked

(cd "$root/src-tauri" && "$root/tests/e2e/node_modules/.bin/tauri" build --bundles deb)
deb=$(ls "$target"/release/bundle/deb/*.deb)
echo "e2e: built $deb ($(du -h "$deb" | cut -f1))"
# Listed once into a variable: `grep -q` on a pipe would stop reading early and fail the pipe.
contents="$(dpkg-deb --contents "$deb")"
grep -q "usr/bin/cull-app" <<<"$contents" || { echo "e2e: the .deb lacks the app binary" >&2; exit 1; }
grep -q "models/cull-judge-3.onnx" <<<"$contents" || { echo "e2e: the .deb lacks the learned model" >&2; exit 1; }

data_home="$(mktemp -d)"
trap 'rm -rf "$data_home"' EXIT
export XDG_DATA_HOME="$data_home"
export CULL_APP_BINARY="$target/release/cull-app"
export CULL_SCREENSHOTS="$PWD/screenshots"
export CARGO_TARGET_DIR="$target"
xvfb-run -a -s "-screen 0 1400x900x24" npx wdio run wdio.conf.js
