#!/usr/bin/env python3
"""Draw the labelled sample of pii-scan findings on real code.

    scripts/eval/pii_sample.py --maestro target/release/maestro \
        --tree cargo=$HOME/.cargo/registry/src/index.crates.io-* \
        --tree python=/path/to/site-packages \
        --tree corpus=../shared/data/pii --out /tmp/sample.csv

Every tree is scanned with every finding listed (min_confidence 0.05, file
classes as the default policy has them). From each tree the sample takes,
at random with a fixed seed, up to --per-band findings of the kinds that
can block (flows; values but email, phone and IP) from each confidence band
(below 0.3, 0.3 to 0.5, 0.5 to 0.7, 0.7 and above), and --warns findings
of the other kinds. The output has an empty `label` column: fill it with
`tp` or `fp` and a `note` saying what the finding is (docs/pii-scan.md,
"Calibration", says what counts as a true positive).
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

WARN_ONLY = {"pii/value/email", "pii/value/phone", "pii/value/ip-address"}
BANDS = [(0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 1.01)]
FIELDS = ["tree", "path", "line", "column", "rule", "confidence", "action", "file_class",
          "fingerprint", "label", "note"]


def scan(maestro, root):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as p:
        p.write("[options]\nmin_confidence = 0.05\n")
        policy = p.name
    try:
        out = subprocess.run(
            [maestro, "pii-scan", "--fail-on", "none", "--json", "--policy", policy, "."],
            cwd=root, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(policy)
    return json.loads(out)["findings"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maestro", required=True)
    ap.add_argument("--tree", action="append", required=True, help="NAME=DIR")
    ap.add_argument("--per-band", type=int, default=30)
    ap.add_argument("--warns", type=int, default=40)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    rows = []
    for spec in a.tree:
        name, root = spec.split("=", 1)
        found = scan(os.path.abspath(a.maestro), root)
        blocking = [f for f in found if f["rule"] not in WARN_ONLY and f["kind"] != "control"]
        warns = [f for f in found if f["rule"] in WARN_ONLY]
        rng.shuffle(blocking)
        rng.shuffle(warns)
        picked = []
        for lo, hi in BANDS:
            picked += [f for f in blocking if lo <= f["confidence"] < hi][:a.per_band]
        for f in picked + warns[:a.warns]:
            rows.append({"tree": name, "path": f["path"], "line": f["line"],
                         "column": f["column"], "rule": f["rule"],
                         "confidence": f["confidence"], "action": f["action"],
                         "file_class": f["file_class"], "fingerprint": f["fingerprint"],
                         "label": "", "note": ""})
        print(f"{name}: {len(found)} findings, {len(blocking)} of blocking kinds", file=sys.stderr)
    rows.sort(key=lambda r: (r["tree"], r["path"], int(r["line"]), r["rule"]))
    with open(a.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
