#!/usr/bin/env bash
# Rows per second into a Bolt server (ArcadeDB from scripts/services/bolt):
# the last N first-parent commits of a repository and their file touches,
# written with UNWIND batches of 5,000 rows and then with one row per
# statement (as a MERGE-per-row loader does), each on a fresh server.
# Rows = commits + file touches (their people, pull requests and files are
# written too and not counted).
# Usage: scripts/bench/graph_bolt.sh REPO [N_COMMITS]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(cd "$1" && pwd)"
n="${2:-3000}"
source scripts/bench/lib.sh
since="$(git -C "$repo" rev-parse "HEAD~$n")"
trap 'scripts/services/bolt stop' EXIT
for batch in 5000 1; do
  scripts/services/bolt stop
  uri="$(scripts/services/bolt start)"
  export NEO4J_URI="$uri" NEO4J_USER=root NEO4J_PASSWORD="$(cat .services/bolt.password)" NEO4J_DATABASE=sei
  start=$(date +%s.%N)
  out="$($MAESTRO --quiet --json graph ingest git --repo "$repo" --since "$since" --bolt-batch "$batch")"
  end=$(date +%s.%N)
  python3 - "$batch" "$start" "$end" "$out" <<'PY'
import json, sys
batch, start, end, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
rows = out["new"] + out["touches"]
secs = end - start
print(f"batch {batch:>5}: {out['new']} commits + {out['touches']} touches = {rows} rows in {secs:.2f} s: {rows / secs:,.0f} rows/s")
PY
done
