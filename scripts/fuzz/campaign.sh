#!/usr/bin/env bash
# A fuzzing campaign: every cargo-fuzz target, built with AddressSanitizer
# (cargo fuzz's default), for SECONDS each (default 600), JOBS at a time
# (default 2). The machine's stable toolchain takes the sanitizer flags with
# RUSTC_BOOTSTRAP=1. Prints one markdown row per target: runs, executions per
# second, corpus size and findings (crash, leak, timeout or OOM inputs under
# fuzz/artifacts/TARGET). Usage: scripts/fuzz/campaign.sh [SECONDS] [JOBS]
set -euo pipefail
secs=${1:-600}
jobs=${2:-2}
cd "$(dirname "$0")/../../fuzz"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O >&2
logs=$(mktemp -d)
export secs logs
cargo fuzz list | xargs -P "$jobs" -I{} bash -c '
  t={}
  before=$(ls artifacts/$t 2>/dev/null | wc -l)
  cargo fuzz run -O "$t" -- -max_total_time="$secs" -print_final_stats=1 > "$logs/$t.log" 2>&1 || true
  echo $(( $(ls artifacts/$t 2>/dev/null | wc -l) - before )) > "$logs/$t.found"
'
echo "| target | seconds | runs | exec/s | corpus | findings |"
echo "|---|---|---|---|---|---|"
for t in $(cargo fuzz list); do
  log="$logs/$t.log"
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  corpus=$(ls "corpus/$t" 2>/dev/null | wc -l)
  echo "| $t | $secs | $runs | $rate | $corpus | $(cat "$logs/$t.found") |"
done
