#!/usr/bin/env bash
# `maestro sbom generate` against cyclonedx-npm (the CycloneDX project's npm
# generator, lockfile-only mode) on a real npm lockfile: the component sets
# (name, version) with and without dev packages, and the time of each.
# The lockfile is resolved here by npm from pinned top-level packages
# (transitive versions follow the registry, so counts drift over time).
# Usage: scripts/bench/sbom_generate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
tools=.node-cyclonedx
[ -x "$tools/node_modules/.bin/cyclonedx-npm" ] ||
  npm install --silent --no-audit --no-fund --prefix "$tools" '@cyclonedx/cyclonedx-npm@4' >&2
cdx="$PWD/$tools/node_modules/.bin/cyclonedx-npm"
maestro="$MAESTRO"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/package.json" <<'JSON'
{"name":"big","version":"1.0.0","private":true,
 "dependencies":{"webpack":"5.94.0","@babel/core":"7.25.2","react":"18.3.1","next":"14.2.5","express":"4.19.2","lodash":"4.17.21"},
 "devDependencies":{"jest":"29.7.0","eslint":"8.57.0","typescript":"5.5.4","@storybook/react":"8.2.9","webpack-dev-server":"5.0.4"}}
JSON
cd "$work"
npm install --package-lock-only --ignore-scripts --no-audit --no-fund --legacy-peer-deps >/dev/null 2>&1
echo "lockfile: $(grep -c '"node_modules/' package-lock.json) install paths"
"$cdx" --package-lock-only --ignore-npm-errors --output-format JSON --output-file ref.json >/dev/null 2>&1
"$cdx" --package-lock-only --ignore-npm-errors --omit dev --output-format JSON --output-file ref-nodev.json >/dev/null 2>&1
"$maestro" --quiet sbom generate . -o mine.json
"$maestro" --quiet sbom generate . --no-dev -o mine-nodev.json
python3 - <<'PY'
import json
def names(f):
    out = set()
    def walk(cs):
        for c in cs:
            out.add(((c.get("group") + "/" if c.get("group") else "") + c["name"], c.get("version")))
            walk(c.get("components", []))
    walk(json.load(open(f)).get("components", []))
    return out
for mine, ref in (("mine.json", "ref.json"), ("mine-nodev.json", "ref-nodev.json")):
    a, b = names(mine), names(ref)
    print(f"{mine}: {len(a)}  {ref}: {len(b)}  same: {len(a & b)}  only maestro: {sorted(a - b)}  only cyclonedx-npm: {sorted(b - a)}")
PY
hyperfine -w 2 -r 20 -N \
  "$maestro --quiet sbom generate . -o m.json" \
  "$cdx --package-lock-only --ignore-npm-errors --output-format JSON --output-file r.json"
