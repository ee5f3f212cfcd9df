#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up, formatting, lints, unit tests, black-box CLI
# tests and the detector accuracy report (printed). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
src-tauri/scripts/setup.sh --no-build
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
# The black-box tests run the real `cull` binary of the test profile.
cargo build --locked -p cull-cli
cargo test --locked --workspace -- --nocapture
