#!/usr/bin/env bash
# The proof of lift, end to end: `maestro evolve run` with the scripted
# noisy evaluator (examples/evolve/eval.sh, noise sd 0.02) on 80 scenarios
# (40 held out), over SEEDS seeds (default 100) each of true lift +0.03
# (budget 40) and true lift 0 (budget 20), the evaluator's noise drawn
# afresh for each seed (NOISE_SEED, in the command so that the cache keeps
# the seeds apart). Prints how often the lift is
# proven, how often the interval covers the found candidate's lift, and the
# false-positive rate under no lift (goal: "no lift" in >= 95 % of seeds).
# Usage: scripts/bench/evolve_lift.sh [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds="${1:-100}"
source scripts/bench/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 examples/evolve/make_scenarios.py 80 "$work/scenarios"
: >"$work/maestro.toml"
run() { # TRUE_LIFT BUDGET SEED
  (cd "$work" && TRUE_LIFT="$1" "$MAESTRO" --quiet --json evolve run \
    --scenarios scenarios --space "$OLDPWD/examples/evolve/space.toml" \
    --eval-cmd "NOISE_SEED=$3 $OLDPWD/examples/evolve/eval.sh" --holdout 0.5 --budget "$2" --seed "$3" \
    --jobs 2 --cache "cache-$1.db")
}
start=$(date +%s)
for s in $(seq 1 "$seeds"); do
  run 0.03 40 "$s" >"$work/lift-$s.json"
  run 0 20 "$s" >"$work/null-$s.json"
done
python3 - "$work" "$seeds" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
work, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def dist(p):
    return ((p["temperature"] - 0.2) / 0.5) ** 2 + ((p["few_shot"] - 4) / 4) ** 2 + (0 if p["style"] == "detailed" else 1)
lift = [json.load(open(f"{work}/lift-{s}.json")) for s in range(1, n + 1)]
null = [json.load(open(f"{work}/null-{s}.json")) for s in range(1, n + 1)]
proven = sum(r["lift"]["proven"] for r in lift)
true_found = [0.03 * (1 - dist(r["top"][0]["params"]) / 2.25) for r in lift]
covers_found = sum(r["lift"]["low"] <= t <= r["lift"]["high"] for r, t in zip(lift, true_found))
covers_003 = sum(r["lift"]["low"] <= 0.03 <= r["lift"]["high"] for r in lift)
fp = sum(r["lift"]["proven"] for r in null)
print(f"{n} seeds each, {secs} s")
print(f"true lift +0.03: lift proven in {proven}/{n}; the found candidate's true lift "
      f"(mean {sum(true_found) / n:.4f}) inside the 95% interval in {covers_found}/{n}; 0.03 inside in {covers_003}/{n}; "
      f"mean estimate {sum(r['lift']['mean'] for r in lift) / n:.4f}")
print(f"true lift 0: lift proven (false positive) in {fp}/{n} = {100 * fp / n:.1f}%; no lift in {100 * (n - fp) / n:.1f}%")
PY
