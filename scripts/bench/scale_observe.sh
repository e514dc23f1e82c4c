#!/usr/bin/env bash
# `maestro scale observe` against redis-cli reading the same BullMQ keys, on
# a queue of 10,000 waiting and 2,000 prioritized jobs enqueued by the real
# BullMQ client (the prioritized set is read whole to find its oldest job).
# Usage: scripts/bench/scale_observe.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
url="$(scripts/services/redis start)"
trap 'scripts/services/redis stop' EXIT
dir="$(scripts/services/bullmq install)"
prio=$(python3 -c 'import json; print(json.dumps({"plain": 10000, "prioritized": [1 + i % 7 for i in range(2000)]}))')
q="bench-$$"
NODE_PATH="$dir/node_modules" node scripts/bullmq/enqueue.cjs "$url" "$q" "$prio" >/dev/null
port="${url##*:}"
hyperfine -w 5 -r 50 -N \
  "redis-cli -p $port eval \"return {redis.call('llen',KEYS[1]),redis.call('zcard',KEYS[2]),redis.call('lindex',KEYS[1],-1)}\" 2 bull:$q:wait bull:$q:prioritized" \
  "redis-cli -p $port zrange bull:$q:prioritized 0 -1 withscores" \
  "$MAESTRO --quiet scale observe --redis $url --queue $q"
