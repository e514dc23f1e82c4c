#!/usr/bin/env bash
# maestro's main job on embedded defaults: a local SQLite state in a scratch
# project, three arms, 300 tasks routed to a dummy agent and reported back,
# the router's statistics, then a build output cached in the local cache dir
# under an env-hash key and restored. Usage: bash examples/quickstart.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bin maestro
maestro="$repo/target/release/maestro"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > maestro.toml <<'TOML'
[router]
lambda = 0.5
exploration_cap = 0.2

[[arms]]
id = "planner_v2+implementer_v3@small"
tier = "small"

[[arms]]
id = "planner_v2+implementer_v3@medium"
tier = "medium"

[[arms]]
id = "planner_v2+implementer_v3@large"
tier = "large"
TOML
for i in $(seq 1 300); do
  task="task-$i"
  arm=$("$maestro" -q route --task "$task")
  read -r eval cost < <("$repo/examples/dummy-agent.sh" "$arm" "$task")
  "$maestro" -q report --task "$task" --eval "$eval" --cost "$cost" >/dev/null
done
"$maestro" stats

# The build-cache half of the job: key the agent's build output on the
# environment, store it in the local cache dir (.maestro/cache), restore it
# into a clean checkout, and show the cache's own statistics.
echo "lockfile v1" > Cargo.lock
mkdir -p target/release && printf 'built for %s\n' "$(uname -m)" > target/release/app
key="quickstart-$("$maestro" env-hash --env PATH)"
"$maestro" cache put "$key" target/release --build-seconds 42
rm -rf target
"$maestro" cache get "$key-next" --restore-key quickstart-
cat target/release/app
"$maestro" cache stats

# The pipeline's key figures from this state: only rows with data.
"$maestro" kpi
