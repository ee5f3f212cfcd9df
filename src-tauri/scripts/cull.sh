#!/usr/bin/env bash
# Set up (idempotent) and run the `cull` command line with the given arguments, e.g.
#   src-tauri/scripts/cull.sh scan ~/Pictures
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/src-tauri/scripts/setup.sh"
exec "${CARGO_TARGET_DIR:-$root/target}/release/cull" "$@"
