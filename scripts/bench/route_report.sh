#!/usr/bin/env bash
# Median wall time of `maestro route` and `maestro report` on a state with
# N decisions, beside `sqlite3 STATE 'select count(*) from decisions'` on the
# same file, in the same hyperfine run. Usage: scripts/bench/route_report.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100000}
for tool in hyperfine sqlite3; do
  command -v "$tool" >/dev/null || { echo "installing $tool"; sudo_cmd=; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq "$tool" >/dev/null; }
done
source scripts/bench/lib.sh
cargo build --release --quiet --example seed_state
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/maestro.toml" <<'TOML'
[router]
seed = 1
[[arms]]
id = "chainA@small"
tier = "small"
[[arms]]
id = "chainB@medium"
tier = "medium"
[[arms]]
id = "chainC@large"
tier = "large"
TOML
# The same arms with information-directed sampling as the decision rule, and
# with escalation (up to three attempts per task).
sed 's/^seed = 1$/seed = 1\npolicy = "ids"/' "$work/maestro.toml" > "$work/ids.toml"
sed 's/^seed = 1$/seed = 1\nmax_attempts = 3/' "$work/maestro.toml" > "$work/escalate.toml"
state="$work/state.db"
target/release/examples/seed_state "$state" "$work/maestro.toml" "$N"
bin=$MAESTRO
cd "$work"
echo "state: $N decisions, $(du -h "$state" | cut -f1)"
hyperfine -N --warmup 5 --runs 100 --export-json "$work/route.json" \
  -n sqlite3-count "sqlite3 $state 'select count(*) from decisions'" \
  -n route "$bin route --task bench --new" \
  -n "route (ids)" "$bin --config $work/ids.toml route --task bench-ids --new" \
  -n "route (escalation)" "$bin --config $work/escalate.toml route --task bench-esc --new"
hyperfine -N --warmup 5 --runs 100 --export-json "$work/report.json" \
  --prepare "$bin -q route --task bench-r --new" \
  -n sqlite3-count "sqlite3 $state 'select count(*) from decisions'" \
  -n report "$bin report --task bench-r --eval 1 --cost 0.1"
python3 - "$work/route.json" "$work/report.json" <<'PY'
import json, sys
for f in sys.argv[1:]:
    r = {x["command"]: x for x in json.load(open(f))["results"]}
    base = r.pop("sqlite3-count")
    for name, x in r.items():
        print(f"{name}: median {x['median']*1e3:.2f} ms vs sqlite3 count(*) {base['median']*1e3:.2f} ms -> ratio {x['median']/base['median']:.2f}x")
PY
