#!/usr/bin/env bash
# The seed's A3 target for `exec --schema`: RUNS (1,000) runs of the scripted
# implementer (examples/agents/implementer.py: right first time 80 %, fixes a
# reported violation 90 %), each with up to 2 retries, then `maestro stats`'
# schema line: valid share (goal >= 99 %) and retries at p95 (goal < 2).
# Usage: scripts/eval/exec_retries.sh   (MAESTRO=path/to/maestro RUNS=N)
set -euo pipefail
cd "$(dirname "$0")/../.."
maestro=${MAESTRO:-target/release/maestro}
runs=${RUNS:-1000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0
for i in $(seq 1 "$runs"); do
  AGENT_SEED=$i "$maestro" --quiet --state "$dir/state.db" exec \
    --schema fixtures/schemas/implementer-out.json \
    -- python3 examples/agents/implementer.py >/dev/null || failed=$((failed + 1))
done
echo "runs: $runs, exit 1 (no valid document): $failed"
"$maestro" --state "$dir/state.db" --json stats | python3 -c '
import json, sys
for l in json.load(sys.stdin)["schema"]:
    if l["arm"] == "all":
        print("valid first try %.3f, valid %.3f, retries p50 %d, p95 %d" % (
            l["first_try_valid"], l["valid"], l["retries_p50"], l["retries_p95"]))
'
