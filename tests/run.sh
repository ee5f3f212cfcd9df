#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up, formatting, lints, unit tests, black-box CLI
# tests and the detector accuracy report (printed). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
src-tauri/scripts/setup.sh --no-build
# Real photos that may not be committed (real bokeh, real motion blur, a camera RAW), from registries.
tests/fixtures/fetch.sh >/dev/null
export CULL_REQUIRE_REAL_PHOTOS=1
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
# The black-box tests run the real `cull` binary of the test profile.
cargo build --locked -p cull-cli
cargo test --locked --workspace -- --nocapture
# The model training code's own tests (a tiny synthetic dataset, end to end), in its pinned venv.
venv=models/training/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r models/training/requirements.txt
"$venv/bin/python" -m unittest discover -s models/training -p 'test_*.py'
# The web UI's own unit tests (pure logic: filters, virtual grid maths, selection, undo history).
(cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test)
# The real app in a real WebKit window: build it and its .deb, then drive it.
tests/e2e/run.sh
