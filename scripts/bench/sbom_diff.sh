#!/usr/bin/env bash
# Wall time of `maestro sbom-diff` on a 10,000-component CycloneDX SBOM against
# all three bundled OSV exports (crates.io, PyPI, Go). The SBOM is generated
# from package names in those exports (so every component is looked up in a
# populated index, and many match), at versions 0.1.0 / 1.0.0 / 2.3.1.
# Usage: scripts/bench/sbom_diff.sh [N_COMPONENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
source scripts/bench/lib.sh
db=${MAESTRO_EVAL_DATA:-../shared/data}/sbom/osv-db
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$db" "$N" "$work/big.cdx.json" <<'PY'
import json, sys, zipfile
db, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
purl = {"crates.io": "cargo", "PyPI": "pypi", "Go": "golang"}
names = []
for eco in ["crates.io", "PyPI", "Go"]:
    with zipfile.ZipFile(f"{db}/{eco}/all.zip") as z:
        seen = set()
        for info in z.infolist():
            for a in json.loads(z.read(info)).get("affected", []):
                p = a.get("package", {})
                if p.get("ecosystem") == eco and p.get("name") and p["name"] not in seen:
                    seen.add(p["name"])
                    names.append((eco, p["name"]))
comps = []
versions = ["0.1.0", "1.0.0", "2.3.1"]
for i in range(n):
    eco, name = names[i % len(names)]
    v = versions[(i // len(names)) % len(versions)] if i >= len(names) else versions[i % 3]
    comps.append({"type": "library", "name": name, "version": v,
                  "purl": f"pkg:{purl[eco]}/{name}@{v}", "bom-ref": f"c{i}"})
json.dump({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps}, open(out, "w"))
print(f"{n} components from {len(names)} distinct advisory packages", file=sys.stderr)
PY
bin=$MAESTRO
args=(sbom-diff --fail-on none --base "$work/big.cdx.json" --head "$work/big.cdx.json"
      --osv-db "$db/crates.io/all.zip" --osv-db "$db/PyPI/all.zip" --osv-db "$db/Go/all.zip")
"$bin" --json "${args[@]}" | python3 -c 'import json,sys; v=json.load(sys.stdin)["vulnerabilities"]; print("persisting findings:", len(v["persisting"]))'
hyperfine -N -w 1 -r 10 "$bin ${args[*]}"
/usr/bin/time -f 'peak RSS %M KB' "$bin" "${args[@]}" >/dev/null
