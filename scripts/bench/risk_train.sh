#!/usr/bin/env bash
# Wall time of `maestro risk train` on the largest public JIT set
# (kamei2013/jdt, 35,386 changes, 15 features), of `risk evaluate` on it, and
# of `risk score` of one change (its first row) per process.
# Usage: scripts/bench/risk_train.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
data=${MAESTRO_EVAL_DATA:-../shared/data}/jit/kamei2013/jdt.csv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cols="--time commit_ts --ignore transaction_id"
$MAESTRO --quiet risk train --data $data $cols --out "$work/m.json"
python3 - "$data" "$work/change.json" <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="") as f:
    r = csv.DictReader(f)
    row = next(r)
skip = {"transaction_id", "commit_ts", "label"}
json.dump({k: float(v) for k, v in row.items() if k not in skip}, open(sys.argv[2], "w"))
PY
hyperfine -w 1 -r 5 -N \
  "$MAESTRO --quiet risk train --data $data $cols --out $work/m.json" \
  "$MAESTRO --quiet risk evaluate --model $work/m.json --data $data $cols"
hyperfine -w 3 -r 20 -N "$MAESTRO --quiet risk score --model $work/m.json --features $work/change.json"
