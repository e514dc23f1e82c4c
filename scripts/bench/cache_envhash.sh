#!/usr/bin/env bash
# env-hash vs sha256sum, and cache put/get vs tar|zstd, on the same files in
# the same run. Usage: scripts/bench/cache_envhash.sh [DATA_DIR]
# Without DATA_DIR, a ~1 GiB mix is built from this repo's target/release
# (real object files and binaries) plus 256 MiB of random bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in hyperfine zstd; do
  command -v "$tool" >/dev/null || { sudo_cmd=; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq "$tool" >/dev/null; }
done
cargo build --release --locked -q
source scripts/bench/lib.sh
M="$MAESTRO"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

data="${1:-}"
if [ -z "$data" ]; then
  data="$work/data"
  mkdir -p "$data"
  # Real build outputs up to ~768 MiB, then random bytes.
  (cd target/release && find . -type f -size +1k | head -n 100000) | while read -r f; do
    mkdir -p "$data/$(dirname "$f")"; cp "target/release/$f" "$data/$f"
    [ "$(du -sm "$data" | cut -f1)" -ge 768 ] && break
  done
  head -c $((256 * 1024 * 1024)) /dev/urandom > "$data/random.bin"
fi
data="$(cd "$data" && pwd)"
files=$(find "$data" -type f | wc -l)
echo "data: $data, $(du -sh "$data" | cut -f1), $files files; $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

echo "== env-hash vs sha256sum (same files)"
cd "$data"
hyperfine -w 1 -r 5 -N \
  "sh -c 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'" \
  "env RAYON_NUM_THREADS=1 $M env-hash --no-detect --glob '**' --root ." \
  "$M env-hash --no-detect --glob '**' --root ." \
  --export-json "$work/envhash.json" | grep -E 'Time|±|faster|slower' || true

echo "== cache put vs tar | zstd -3"
store="$work/store"
# `sync` in --prepare: each run starts with no dirty pages left by the last.
hyperfine -w 1 -r 5 \
  --prepare "rm -rf $store; sync" \
  "tar -cf - -C $data . | zstd -3 -q -T1 > $work/peer.tar.zst" \
  "tar -cf - -C $data . | zstd -3 -q -T0 > $work/peer.tar.zst" \
  "cd $data && $M -q --state $work/state.db cache put k . --store $store > /dev/null"
echo "== cache get vs zstd -d | tar x"
rm -rf "$store"; (cd "$data" && "$M" -q --state "$work/state.db" cache put k . --store "$store" >/dev/null)
hyperfine -w 1 -r 5 \
  --prepare "rm -rf $work/out && mkdir -p $work/out && sync" \
  "zstd -d -q -c $work/peer.tar.zst | tar -xf - -C $work/out" \
  "$M -q --state $work/state.db cache get k --store $store --dest $work/out > /dev/null"

echo "== peak RSS (KiB)"
rm -rf "$store" "$work/out"; mkdir -p "$work/out"
printf 'cache put: '; (cd "$data" && /usr/bin/time -f '%M' "$M" -q --state "$work/state.db" cache put k . --store "$store" 2>&1 >/dev/null | tail -1)
printf 'cache get: '; /usr/bin/time -f '%M' "$M" -q --state "$work/state.db" cache get k --store "$store" --dest "$work/out" 2>&1 >/dev/null | tail -1
printf 'env-hash:  '; /usr/bin/time -f '%M' "$M" env-hash --no-detect --glob '**' --root "$data" 2>&1 >/dev/null | tail -1
printf 'byte-identical restore: '
diff -r --no-dereference "$data" "$work/out" >/dev/null && echo yes || echo NO
