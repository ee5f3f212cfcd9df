#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up, formatting, lints, unit tests, black-box CLI
# tests and the detector accuracy report. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
src-tauri/scripts/setup.sh
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
# The black-box tests run the real `cull` binary of the test profile.
cargo build --locked -p cull-cli
cargo test --locked --workspace -- --nocapture 2>&1 | tee "${TMPDIR:-/tmp}/cull-test.log" | grep -Ev '^\s*$' | tail -n 80
status=${PIPESTATUS[0]}
grep -E "test result:|transform|defects found|clean or legitimate|^(blur|defocus|fog|high_key|jpeg|lens_flare|low_contrast|low_key|motion_blur|noise|original|overexposed|shallow_dof|underexposed) " "${TMPDIR:-/tmp}/cull-test.log" || true
exit "$status"
