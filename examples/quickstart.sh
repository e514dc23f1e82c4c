#!/usr/bin/env bash
# maestro's main job on embedded defaults: a local SQLite state in a scratch
# project, three arms, 300 tasks routed to a dummy agent and reported back,
# then the router's statistics. Usage: bash examples/quickstart.sh
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
  arm=$("$maestro" route --task "$task" | sed -n 1p)
  read -r eval cost < <("$repo/examples/dummy-agent.sh" "$arm" "$task")
  "$maestro" -q report --task "$task" --eval "$eval" --cost "$cost" >/dev/null
done
"$maestro" stats
