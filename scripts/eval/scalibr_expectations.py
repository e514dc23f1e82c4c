#!/usr/bin/env python3
"""Copies osv-scalibr's lockfile test inputs into fixtures/lockfiles/osv-scalibr
and writes expectations.tsv from the packages its own Go tests want.

Usage: scalibr_expectations.py OSV_SCALIBR_CHECKOUT_GIT_DIR OUT_DIR

Package-registry host names in the copied files are replaced by
`*.example.invalid` hosts (no test dereferences them). The expectations come
from osv-scalibr's `WantPackages` tables, not from maestro: a case's file, then one row per wanted package (name, version,
whether its dependency groups say dev), or `error` when the test wants one.
"""
import os
import re
import subprocess
import sys

# (osv-scalibr extractor dir, the file name maestro reads it under)
FORMATS = [
    ("python/pipfilelock", "Pipfile.lock"),
    ("php/composerlock", "composer.lock"),
    ("ruby/gemfilelock", "Gemfile.lock"),
    ("javascript/pnpmlock", "pnpm-lock.yaml"),
    ("javascript/yarnlock", "yarn.lock"),
    ("javascript/packagelockjson", "package-lock.json"),
    ("python/requirements", "requirements.txt"),
    ("python/poetrylock", "poetry.lock"),
    ("python/uvlock", "uv.lock"),
]

# Registry hosts in the copied lockfiles become *.example.invalid hosts.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from sanitize import clean  # noqa: E402

CASE = re.compile(r'InputConfig:\s*extracttest\.ScanInputMockConfig\{\s*Path:\s*"([^"]+)"')
PKG = re.compile(r'Name:\s*"([^"]*)",\s*Version:\s*"([^"]*)"|pkg\(t,\s*"([^"]*)",\s*"([^"]*)"')
GROUPS = re.compile(r'DepGroupVals:\s*\[\]string\{([^}]*)\}')


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True,
                          capture_output=True).stdout


def main():
    repo, out = sys.argv[1], sys.argv[2]
    rows = []
    for ext, fname in FORMATS:
        base = f"extractor/filesystem/language/{ext}"
        name = ext.split("/")[1]
        files = git(repo, "ls-tree", "--name-only", "HEAD", f"{base}/").decode().split()
        test = "".join(git(repo, "show", f"HEAD:{f}").decode()
                       for f in sorted(files) if f.endswith("_test.go"))
        starts = [m for m in CASE.finditer(test)]
        for k, m in enumerate(starts):
            path = m.group(1)
            end = starts[k + 1].start() if k + 1 < len(starts) else len(test)
            body = test[m.end():end]
            try:
                data = git(repo, "show", f"HEAD:{base}/{path}")
            except subprocess.CalledProcessError:
                continue
            case = os.path.splitext(os.path.basename(path))[0]
            rel = f"{name}/{case}/{fname}"
            dest = os.path.join(out, rel)
            if os.path.exists(dest):
                continue  # a file two cases share: the first case's table
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            data = clean(data)
            with open(dest, "wb") as f:
                f.write(data)
            if "WantErr:" in body:
                rows.append((rel, "error", "", ""))
                continue
            pkgs = list(PKG.finditer(body))
            for j, p in enumerate(pkgs):
                stop = pkgs[j + 1].start() if j + 1 < len(pkgs) else len(body)
                g = GROUPS.search(body, p.end(), stop)
                dev = "dev" if g and '"dev"' in g.group(1) else ""
                pn, pv = (p.group(1), p.group(2)) if p.group(1) is not None else (p.group(3), p.group(4))
                rows.append((rel, pn, pv, dev))
            if not pkgs:
                rows.append((rel, "none", "", ""))
    commit = git(repo, "rev-parse", "HEAD").decode().strip()
    with open(os.path.join(out, "expectations.tsv"), "w") as f:
        f.write(f"# from google/osv-scalibr {commit}: WantPackages of each extractor's _test.go\n")
        f.write("# file\tname\tversion\tdev (or name = error / none)\n")
        for r in rows:
            f.write("\t".join(r) + "\n")


if __name__ == "__main__":
    main()
