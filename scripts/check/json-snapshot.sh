#!/usr/bin/env bash
# Runs every subcommand with --json on fixed inputs (../shared data and
# small generated trees) and writes one file per call into OUTDIR, with the
# fields that change from run to run (random ids, clocks, timings) masked.
# Text and markdown renderings of some results are kept too.
# Two binaries are byte-identical in output when `diff -r` of their two
# OUTDIRs is empty. Usage: scripts/check/json-snapshot.sh MAESTRO OUTDIR
set -euo pipefail
m=$(realpath "$1"); out=$(realpath -m "$2")
repo=$(cd "$(dirname "$0")/../.." && pwd)
d="${MAESTRO_EVAL_DATA:-$repo/../shared/data}"
rm -rf "$out"; mkdir -p "$out"
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
cd "$w"
for v in $(env | grep -o '^\(MAESTRO\|GITHUB\)_[A-Z_]*'); do unset "$v"; done
cat > maestro.toml <<'TOML'
[router]
seed = 7
[[arms]]
id = "a@small"
tier = "small"
[[arms]]
id = "b@large"
tier = "large"
TOML
n=0
run() { # NAME ARGS...: stdout (JSON) and the exit code into OUTDIR/NAME.json
  local name=$1; shift
  set +e; "$m" "$@" > "$out/$name.raw" 2> "$out/$name.stderr"; local rc=$?; set -e
  echo "$rc" > "$out/$name.rc"; n=$((n + 1))
}
run arms-add arms add c@medium --tier medium --prior-eval 0.5 --prior-cost 0.1 --prior-weight 2 --json
run arms-list arms list --json
for i in 1 2 3 4 5 6; do
  run "route-$i" route --task "t$i" --context repo=x --json
  # Evals of 0 and 1 only: other evals draw their Bernoulli trial from the random decision id.
  run "report-$i" report --task "t$i" --eval $((i % 2)) --cost 0.0"$i" --tokens-in 10 --json
done
run report-dup report --task t1 --eval 1 --cost 0.01 --tokens-in 10 --json
run arms-retire arms retire c@medium --json
run downshift-on downshift on --reason test --actor ci --json
run route-down route --task t9 --json
run downshift-status downshift status --json
run downshift-off downshift off --actor ci --json
run stats stats --json
run config-show config show --json
run replay replay --data "$d/routing/swebench_verified_mini/per_task.csv" --tasks 200 --seeds 2 --policy ts,seed,ucb1,fixed:gpt-5 --json
mkdir -p tree/sub && echo "lock v1" > tree/Cargo.lock && echo "x" > tree/sub/a.txt
run env-hash env-hash --root tree --glob 'sub/*' --env HOME --explain --json
mkdir -p out && echo built > out/app && touch -d 2026-01-01T00:00:00Z out/app out
run cache-put cache put k1 out --store cache --build-seconds 3 --json
run cache-put-again cache put k1 out --store cache --json
rm -rf out
run cache-get cache get k2 --restore-key k --store cache --json
run cache-miss cache get zz --store cache --json
run cache-stats cache stats --json
run cache-gc cache gc --max-size 1 --store cache --json
mkdir -p ra rb && echo 1 > ra/x && echo 1 > rb/x && echo 2 > ra/y && echo 3 > rb/y
run repro-compare repro compare ra rb --json
h="$d/bench/hyperfine"
run bench-hyperfine bench-gate --base "$h/generated-round1.json" --base "$h/generated-round2.json" --head "$h/generated-round3.json" --head "$h/generated-round4.json" --min-rounds 2 --json
run bench-go bench-gate --base "$d/bench/go/benchstat-old.txt" --head "$d/bench/go/benchstat-new.txt" --min-rounds 1 --json
run bench-crit bench-gate --base "$d/bench/criterion/generated-rounds" --head "$d/bench/criterion/generated-rounds" --base-baseline "r*_a" --head-baseline "r*_a2" --json
run bench-record bench-gate record "$d/bench/go/benchstat-old.txt" --json
s="$d/sbom/sboms/generated/rust-hyperfine"
run sbom-drift sbom-diff --base "$s/hyperfine-v1.12.0.cdx.json" --head "$s/hyperfine-v1.16.0.cdx.json" --json
run sbom-vulns sbom-diff --base "$s/hyperfine-v1.12.0.cdx.json" --head "$s/hyperfine-v1.16.0.cdx.json" --osv-db "$d/sbom/osv-db/crates.io/all.zip" --record --at 2026-05-01T00:00:00Z --json
run sbom-vulns-back sbom-diff --base "$s/hyperfine-v1.16.0.cdx.json" --head "$s/hyperfine-v1.12.0.cdx.json" --osv-db "$d/sbom/osv-db/crates.io/all.zip" --record --at 2026-05-10T00:00:00Z --json
run sbom-sarif sbom-diff --base "$s/hyperfine-v1.12.0.cdx.json" --head "$s/hyperfine-v1.16.0.cdx.json" --osv-db "$d/sbom/osv-db/crates.io/all.zip" --format sarif
p="$d/sbom/sboms/generated/python-osv.dev"
run sbom-py sbom-diff --base "$p/osv.dev-2022-07-13-721d7e2c4.cdx.xml" --head "$p/osv.dev-2023-10-18-c37d3774d.cdx.json" --osv-db "$d/sbom/osv-db/PyPI" --json
run sbom-stats sbom-diff stats --all --json
mkdir -p pii && cp "$d/pii/codeql/"*.py "$d/pii/codeql/"*.java "$d/pii/codeql/"*.rs pii/
printf 'contact jane.doe@example.com or +1 415 555 2671\niban DE89370400440532013000\n' > pii/notes.txt
run pii-scan pii-scan pii --fail-on none --json
run pii-values pii-scan pii --only values --json
run pii-sarif pii-scan pii --format sarif --fail-on none
run pii-baseline-create pii-scan baseline create pii --reason test --owner ci --expires 2099-01-01 --out base.json --json
run pii-baseline-check pii-scan baseline check pii --baseline base.json --json
run pii-with-baseline pii-scan pii --baseline base.json --json
# Text and markdown renderings of the same results. Before the flags were
# unified (one global --format, --markdown-out) markdown was asked for as below.
if "$m" --help | grep -q -- '--format'; then md=(--format markdown); mdout=--markdown-out
else md=(--markdown); mdout=--markdown; fi
run txt-stats stats
run md-stats stats "${md[@]}"
run md-replay replay --data "$d/routing/swebench_verified_mini/per_task.csv" --tasks 200 --seeds 2 "${md[@]}"
run txt-bench bench-gate --base "$h/generated-round1.json" --base "$h/generated-round2.json" --head "$h/generated-round3.json" --head "$h/generated-round4.json" --min-rounds 2
run md-bench bench-gate --base "$h/generated-round1.json" --base "$h/generated-round2.json" --head "$h/generated-round3.json" --head "$h/generated-round4.json" --min-rounds 2 "$mdout" bench.md
cp bench.md "$out/md-bench-file.raw"
run txt-sbom sbom-diff --base "$s/hyperfine-v1.12.0.cdx.json" --head "$s/hyperfine-v1.16.0.cdx.json" --osv-db "$d/sbom/osv-db/crates.io/all.zip"
run md-sbom sbom-diff --base "$s/hyperfine-v1.12.0.cdx.json" --head "$s/hyperfine-v1.16.0.cdx.json" --osv-db "$d/sbom/osv-db/crates.io/all.zip" --format markdown
run txt-pii pii-scan pii --fail-on none
run txt-env-hash env-hash --root tree --glob 'sub/*' --explain
run txt-arms arms list
run txt-repro repro compare ra rb
# Mask what differs between two runs of the same binary: random ids, clocks, timings, temp paths.
python3 - "$out" "$w" <<'PY'
import json, pathlib, re, sys
out, work = pathlib.Path(sys.argv[1]), sys.argv[2]
VOLATILE = {"decision_id", "id", "at_ms", "millis", "created_ms", "last_used_ms", "first_seen_ms",
            "resolved_ms", "expires", "created", "created_at_ms", "day", "date", "now_ms", "ts_ms", "open_hours",
            "oldest_open_hours", "saved_millis", "seconds_saved", "age_ms"}
def mask(v, k=None):
    if isinstance(v, dict):
        return {kk: mask(vv, kk) for kk, vv in v.items()}
    if isinstance(v, list):
        return [mask(x) for x in v]
    if k in VOLATILE and v is not None:
        return "<masked>"
    if isinstance(v, str):
        return v.replace(work, "<work>")
    return v
for raw in sorted(out.glob("*.raw")):
    t = raw.read_text()
    try:
        doc = json.dumps(mask(json.loads(t)), indent=1, sort_keys=False)
    except ValueError:
        doc = t.replace(work, "<work>")
    raw.with_suffix(".json").write_text(doc + "\n")
    raw.unlink()
for e in out.glob("*.stderr"):
    e.write_text(re.sub(r"[0-9a-f]{16,}", "<hex>", e.read_text().replace(work, "<work>")))
PY
echo "$n calls -> $out"
