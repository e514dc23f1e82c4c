#!/usr/bin/env bash
# The component set maestro reads from real lockfiles against a reference
# generator's SBOM of the same lockfile: cdxgen (CycloneDX's multi-ecosystem
# generator) for pnpm, yarn berry, yarn classic, poetry, go, Gemfile.lock and
# composer.lock; uv's own `uv export --format cyclonedx1.5` for uv.lock
# (cdxgen 11 crashes on it). Compares (name, version) sets, PyPI names in
# PEP 503 form, and the dev marks.
# Needs the network (the projects below from GitHub, unless MIRROR names a
# directory of bare clones `<owner>+<name>/repo`; npm for cdxgen; pip for
# uv); not part of the test suite. Figures: docs/sbom.md.
# Usage: [MIRROR=DIR] scripts/eval/lockfile_parity.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet --bin maestro
maestro="$PWD/target/release/maestro"
cdxgen_dir=.node-cdxgen
[ -x "$cdxgen_dir/node_modules/.bin/cdxgen" ] ||
  npm install --silent --no-audit --no-fund --prefix "$cdxgen_dir" '@cyclonedx/cdxgen@11' >&2
cdxgen="$PWD/$cdxgen_dir/node_modules/.bin/cdxgen"
uv="$(scripts/services/uv install)/uv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# name  repository  commit  cdxgen type  files
projects="
pnpm vuejs/core e2bede96134f757aad5c5b33ac9be055022dbfc8 js pnpm-lock.yaml,package.json
yarn-berry prettier/prettier 4f84a934201322ca87750e2b9b25baf296da6560 js yarn.lock,package.json
yarn-classic webpack/webpack bc3e930f75e3f6ecbdf193a0dedf6067ea3a286b js yarn.lock,package.json
poetry python-poetry/poetry f46702336862f30050d5c641d5ed6f7568ded793 python poetry.lock,pyproject.toml
uv pydantic/pydantic 2151025aa51263f3016502b00010b78e4481eaa1 uv uv.lock,pyproject.toml
go golang/tools 8f0f8c7bde0eea32e01e570a0e330c60a0cbaecc go go.mod,go.sum
gem fastlane/fastlane d5347690d47de21d0e6fe78bd5ce77e35a714350 ruby Gemfile.lock,Gemfile
composer composer/composer eba7baa59eb1b59246cf9800b0120fe78915b6ac php composer.lock,composer.json
"
echo "$projects" | while read -r name repo commit type files; do
  [ -n "$name" ] || continue
  bare="${MIRROR:-/nonexistent}/${repo/\//+}/repo"
  if [ -d "$bare" ]; then
    show() { git --git-dir="$bare" show "$commit:$1"; }
  else
    git init -q "$work/src-$name"
    git -C "$work/src-$name" fetch -q --depth 1 "https://github.com/$repo" "$commit"
    show() { git -C "$work/src-$name" show "FETCH_HEAD:$1"; }
  fi
  mkdir -p "$work/$name"
  for f in ${files//,/ }; do show "$f" >"$work/$name/$f"; done
  "$maestro" --quiet sbom generate "$work/$name" -o "$work/$name.maestro.json"
  if [ "$type" = uv ]; then
    (cd "$work/$name" && "$uv" export --frozen --format cyclonedx1.5 --all-groups --all-extras --all-packages -o "$work/$name.ref.json" >/dev/null)
  else
    FETCH_LICENSE=false "$cdxgen" -t "$type" --no-install-deps --no-recurse -o "$work/$name.ref.json" "$work/$name" >/dev/null 2>&1
  fi
  python3 - "$name" "$work/$name.maestro.json" "$work/$name.ref.json" <<'PY'
import json, re, sys
name, mine, ref = sys.argv[1:]
pep = lambda n: re.sub(r"[-_.]+", "-", n).lower()
def comps(f):
    out = {}
    def walk(cs):
        for c in cs:
            n = (c.get("group") + "/" if c.get("group") else "") + c["name"]
            purl = c.get("purl", "")
            if purl.startswith("pkg:pypi/"):
                n = pep(n)
            if c.get("version"):  # workspace members have none
                out[(n, c["version"])] = c.get("scope", "")
            walk(c.get("components", []))
    walk(json.load(open(f)).get("components", []))
    return out
a, b = comps(mine), comps(ref)
same = set(a) & set(b)
dev_agree = sum(1 for k in same if (a[k] == "excluded") == (b[k] in ("excluded", "optional")))
print(f"{name:13} maestro {len(a):5}  reference {len(b):5}  same {len(same):5}  "
      f"only maestro {len(set(a) - set(b)):3}  only reference {len(set(b) - set(a)):3}  "
      f"dev marks agree {dev_agree}/{len(same)}")
for k in sorted(set(b) - set(a))[:6]:
    print("   only reference:", k)
for k in sorted(set(a) - set(b))[:6]:
    print("   only maestro:", k)
PY
done
