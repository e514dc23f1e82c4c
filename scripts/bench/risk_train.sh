#!/usr/bin/env bash
# Wall time of `maestro risk train` on the largest public JIT set
# (kamei2013/jdt, 35,386 changes, 15 features) and of `risk evaluate` on it.
# Usage: scripts/bench/risk_train.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { sudo_cmd=; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet --bin maestro
data=../shared/data/jit/kamei2013/jdt.csv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cols="--time commit_ts --ignore transaction_id"
hyperfine -w 1 -r 5 -N \
  "target/release/maestro --quiet risk train --data $data $cols --out $work/m.json" \
  "target/release/maestro --quiet risk evaluate --model $work/m.json --data $data $cols"
