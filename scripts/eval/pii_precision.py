#!/usr/bin/env python3
"""Precision of pii-scan on the labelled real-code sample.

    scripts/eval/pii_precision.py --maestro target/release/maestro \
        --labels fixtures/pii-labels/real-code.csv \
        --tree cargo=DIR --tree python=DIR --tree corpus=../shared/data/pii

Scans every tree as scripts/eval/pii_sample.py did (every finding listed:
min_confidence 0.05), finds each labelled finding again by tree, path, line,
column and rule, and prints, as markdown: precision by rule and action as
the default policy acts today; for the kinds that can block, precision at
each confidence threshold; and the lowest threshold at which block
precision is 0.9 or more. A labelled finding no longer reported is counted
apart (a false positive fixed, or a true positive lost).
"""
import argparse
import collections
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pii_sample import WARN_ONLY, scan  # noqa: E402

THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def precision(tp, n):
    return f"{tp / n:.3f}" if n else "–"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maestro", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--tree", action="append", required=True, help="NAME=DIR")
    ap.add_argument("--target", type=float, default=0.9)
    a = ap.parse_args()
    labels = list(csv.DictReader(open(a.labels)))
    roots = dict(t.split("=", 1) for t in a.tree)
    now = {}
    for name, root in roots.items():
        for f in scan(os.path.abspath(a.maestro), root):
            now[(name, f["path"], str(f["line"]), str(f["column"]), f["rule"])] = f
    rows, gone = [], collections.Counter()
    for l in labels:
        if l["tree"] not in roots:
            continue
        f = now.get((l["tree"], l["path"], l["line"], l["column"], l["rule"]))
        if f is None:
            gone[l["label"]] += 1
        else:
            rows.append((l, f))
    print(f"{len(labels)} labelled findings; {len(rows)} reported now; no longer reported: "
          f"{gone['fp']} false positives, {gone['tp']} true positives\n")
    print("| rule | action | labelled | true | precision |\n|---|---|---|---|---|")
    by = collections.defaultdict(lambda: [0, 0])
    for l, f in rows:
        listed = f["confidence"] >= 0.3  # the default min_confidence
        act = f["action"] if listed else "below threshold"
        c = by[(l["rule"], act)]
        c[0] += 1
        c[1] += l["label"] == "tp"
    for (rule, act), (n, tp) in sorted(by.items()):
        print(f"| {rule} | {act} | {n} | {tp} | {precision(tp, n)} |")
    blocking = [(l, f) for l, f in rows if l["rule"] not in WARN_ONLY]
    print("\nKinds that can block, by confidence alone (file classes aside):\n")
    print("| threshold | findings at or above | true | precision |\n|---|---|---|---|")
    chosen = None
    for t in THRESHOLDS:
        sel = [l for l, f in blocking if f["confidence"] >= t - 1e-9]
        tp = sum(l["label"] == "tp" for l in sel)
        print(f"| {t:.1f} | {len(sel)} | {tp} | {precision(tp, len(sel))} |")
        if chosen is None and sel and tp / len(sel) >= a.target:
            chosen = t
    blocked = [l for l, f in rows if f["action"] == "block"]
    tp = sum(l["label"] == "tp" for l in blocked)
    print(f"\nBlocked by the default policy: {len(blocked)}, of which true: {tp} "
          f"(precision {precision(tp, len(blocked))}).")
    print(f"Lowest threshold with precision >= {a.target}: {chosen}")


if __name__ == "__main__":
    main()
