#!/usr/bin/env bash
# What `maestro exec --schema` adds over running the agent directly: an agent
# that prints a 5 KB ImplementerOut document in a fenced block, run bare and
# through exec (state in a temporary directory: the run is recorded, as in
# use). The goal is < 5 ms added.
# Usage: scripts/bench/exec_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/doc.txt" <<'PY'
import json, sys
patch = "".join(f"+    let value_{i} = compute(input, {i}); // keep the order\n" for i in range(60))
doc = {"patch": "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,3 +1,63 @@\n" + patch,
       "tests": [f"tests/integration.rs::case_{i}_handles_the_edge" for i in range(20)],
       "rationale": "The function must compute each value in order, so that callers see the same sequence. " * 3}
open(sys.argv[1], "w").write("Here is my change.\n\n```json\n" + json.dumps(doc, indent=2) + "\n```\n")
PY
printf '#!/bin/sh\ncat %s\n' "$work/doc.txt" > "$work/agent.sh"
chmod +x "$work/agent.sh"
hyperfine -w 5 -r 50 -N \
  "$work/agent.sh" \
  "$MAESTRO --quiet --state $work/state.db exec --schema fixtures/schemas/implementer-out.json -- $work/agent.sh"
