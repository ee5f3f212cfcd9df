#!/usr/bin/env bash
# Set up (idempotent), build and open the Cull desktop app.
#   src-tauri/scripts/app.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
"$root/src-tauri/scripts/setup.sh" --no-build
[ -d "$root/ui/node_modules" ] || (cd "$root/ui" && npm ci --no-audit --no-fund)
[ -d "$root/tests/e2e/node_modules" ] || (cd "$root/tests/e2e" && npm ci --no-audit --no-fund)
(cd "$root/src-tauri" && "$root/tests/e2e/node_modules/.bin/tauri" build --no-bundle)
exec "$target/release/cull-app" "$@"
