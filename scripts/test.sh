#!/usr/bin/env bash
# Runs the whole test suite: installs the test dependencies, then every unit, integration and
# end-to-end test of the workspace (real registry, real validators).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-deps.sh
# Incremental artifacts only help repeated local builds; CI builds once.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export RENSA_TEST_VENV="$PWD/.cache/test-venv"
cargo test --workspace --locked "$@"
