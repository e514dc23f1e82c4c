#!/usr/bin/env bash
# pii-scan against its peers on the same tree, in the same run:
#  - value detectors (`--only values`) vs ripgrep running the same patterns;
#  - the full scan (values + flows) vs detect-secrets' throughput (bytes/s).
# Usage: scripts/bench/pii_scan.sh [TREE]   (default: the cargo registry's
# unpacked crate sources, a large real tree of Rust, C and docs)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null && command -v rg >/dev/null || {
  sudo_cmd=; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq hyperfine ripgrep >/dev/null; }
[ -x .venv-bench/bin/detect-secrets ] || { python3 -m venv .venv-bench && .venv-bench/bin/pip install -q detect-secrets==1.5.0; }
source scripts/bench/lib.sh
M="$MAESTRO"
tree="${1:-$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)}"
echo "tree: $tree ($(du -sh "$tree" | cut -f1), $(find "$tree" -type f | wc -l) files)"
# The value detectors' candidate patterns, as ripgrep runs them (no validation).
pat='[a-zA-Z0-9][a-zA-Z0-9._%+-]{0,62}@(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,24}|[0-9]{4}(?: [0-9]{4}){2} [0-9]{1,7}|[0-9]{12,19}|[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]){11,32}|[0-9]{3}[ .-]?[0-9]{2}[ .-]?[0-9]{4}|[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|\+[0-9]{1,3}[ .-]?[0-9]{1,5}(?:[ .-]?[0-9]{1,5}){1,5}'
hyperfine -N -w 1 -r 5 --export-json /tmp/pii-rg.json \
  "$M pii-scan --only values --fail-on none --format json $tree" \
  "rg -c --no-messages -e '$pat' $tree"
# detect-secrets is slow: time it and the full scan on the same sub-tree, a
# sample of 600 files under 256 KiB drawn across the whole tree (ordered by
# the hash of their path, so the sample is fixed for a given tree).
sub="$(mktemp -d)"; trap 'rm -rf "$sub"' EXIT
python3 - "$tree" "$sub" <<'PY'
import hashlib, os, shutil, sys
tree, sub = sys.argv[1], sys.argv[2]
files = []
for root, _, names in os.walk(tree):
    for n in names:
        p = os.path.join(root, n)
        if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) < 256 * 1024:
            files.append((hashlib.md5(p.encode()).hexdigest()[:16], p))
for h, p in sorted(files)[:600]:
    shutil.copy(p, os.path.join(sub, f"{h}-{os.path.basename(p)}"))
PY
bytes=$(du -sb "$sub" | cut -f1)
echo "sub-tree: $bytes bytes in $(ls "$sub" | wc -l) files"
# detect-secrets only scans paths under its working directory: run both from there.
hyperfine -w 1 -r 3 --export-json /tmp/pii-ds.json \
  "cd $sub && $M pii-scan --fail-on none --format json . > /dev/null" \
  "cd $sub && $PWD/.venv-bench/bin/detect-secrets scan --all-files . > /dev/null"
ds="$PWD/.venv-bench/bin/detect-secrets"
(cd "$sub" && "$ds" scan --all-files . | python3 -c 'import json,sys; print("detect-secrets scanned and reported on", len(json.load(sys.stdin)["results"]), "files")') || true
python3 - "$bytes" <<'PY'
import json, sys
b = int(sys.argv[1])
rg = json.load(open("/tmp/pii-rg.json"))["results"]
ds = json.load(open("/tmp/pii-ds.json"))["results"]
m_v, r = rg[0]["median"], rg[1]["median"]
m_f, d = ds[0]["median"], ds[1]["median"]
print(f"values: maestro {m_v:.3f}s, ripgrep {r:.3f}s -> {r / m_v:.2f}x ripgrep's speed (goal >= 0.5x)")
print(f"full scan: maestro {b / m_f / 1e6:.1f} MB/s, detect-secrets {b / d / 1e6:.2f} MB/s -> {d / m_f:.1f}x (goal >= 100x)")
PY
/usr/bin/time -f 'maestro full scan of the whole tree: %e s wall, peak RSS %M KB' "$M" pii-scan --fail-on none --format json "$tree" > /dev/null
