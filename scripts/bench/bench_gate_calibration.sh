#!/usr/bin/env bash
# bench-gate calibration study: simulated A/A and A/B gates under noise models
# fitted to fixtures/bench-outputs (deterministic seeds). Usage:
#   scripts/bench/bench_gate_calibration.sh [GATES=1000] [FIXTURES=fixtures/bench-outputs]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release --locked -q --example bench_gate_calibration -- "${1:-1000}" "${2:-fixtures/bench-outputs}"
