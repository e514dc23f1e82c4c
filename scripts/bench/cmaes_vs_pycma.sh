#!/usr/bin/env bash
# The CMA-ES `maestro evolve` uses against pycma (PyPI `cma`) on the
# 10-dimensional sphere, ellipsoid and Rosenbrock functions: the median
# number of evaluations to reach f < 1e-8 over SEEDS seeds (default 20),
# same start, step and target, and the ratio. Goal: within 1.2x of pycma.
# Usage: scripts/bench/cmaes_vs_pycma.sh [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds="${1:-20}"
venv=.venv-bench-cma
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q cma numpy >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --quiet --release --example cmaes_functions -- "$seeds" >"$work/maestro.csv"
PYTHONWARNINGS=ignore "$venv/bin/python" scripts/bench/cmaes_functions.py "$seeds" >"$work/pycma.csv"
PYTHONWARNINGS=ignore "$venv/bin/python" - "$work/maestro.csv" "$work/pycma.csv" <<'PY'
import csv, statistics, sys
def load(path):
    out = {}
    for r in csv.DictReader(open(path)):
        out.setdefault(r["function"], []).append((int(r["evals"]), r["reached"] == "true"))
    return out
m, p = load(sys.argv[1]), load(sys.argv[2])
import cma
print(f"pycma {cma.__version__}; medians over seeds that reached 1e-8")
print(f"{'function':<12}{'maestro':>10}{'reached':>9}{'pycma':>10}{'reached':>9}{'ratio':>8}")
for f in m:
    mm = statistics.median(e for e, ok in m[f] if ok)
    pm = statistics.median(e for e, ok in p[f] if ok)
    print(f"{f:<12}{mm:>10.0f}{sum(ok for _, ok in m[f]):>6}/{len(m[f]):<2}{pm:>10.0f}{sum(ok for _, ok in p[f]):>6}/{len(p[f]):<2}{mm / pm:>8.2f}")
PY
