#!/usr/bin/env bash
# What `maestro evolve run` adds over running the evaluator itself: a run of
# 140 evaluations (20 scenarios, half held out, budget 10, one job) with the
# awk evaluator of examples/evolve and a fresh cache, against a shell loop
# that pipes 140 requests of the same shape through the same evaluator.
# Usage: scripts/bench/evolve_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 examples/evolve/make_scenarios.py 20 "$work/scenarios"
: >"$work/maestro.toml"
req='{"params":{"few_shot":2,"style":"terse","temperature":0.7},"replicate":0,"scenario":{"id":"s001","tags":["feature"],"vars":{"difficulty":0.5}}}'
printf '#!/bin/sh\nfor i in $(seq 140); do echo %s | %s >/dev/null; done\n' "'$req'" "$PWD/examples/evolve/eval.sh" >"$work/loop.sh"
chmod +x "$work/loop.sh"
cd "$work"
hyperfine -w 1 -r 10 -N --prepare "rm -f $work/c.db $work/c.db-wal $work/c.db-shm" \
  "$work/loop.sh" \
  "$MAESTRO --quiet evolve run --scenarios scenarios --space $OLDPWD/examples/evolve/space.toml --eval-cmd $OLDPWD/examples/evolve/eval.sh --holdout 0.5 --budget 10 --jobs 1 --cache c.db"
