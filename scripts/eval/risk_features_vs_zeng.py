#!/usr/bin/env python3
"""How maestro's git features agree with the ISSTA'21 (zeng2021) data set.

Usage: risk_features_vs_zeng.py MAESTRO.csv ZENG.csv [REPO]

MAESTRO.csv: `maestro risk features --history` of one of the data set's
repositories (e.g. golang/tools for go.csv). For the commits in both files:
the share whose values are equal (entropy, age and rexp to 1e-3 relative)
and the Pearson and Spearman correlations. With REPO (that repository), the
same again for the commits that add no file: the data set's extraction
leaves added files out of a change (see docs/risk.md). Standard library
only."""
import csv
import math
import subprocess
import sys

METRICS = ["ns", "nd", "nf", "entropy", "la", "ld", "lt", "fix",
           "ndev", "age", "nuc", "exp", "rexp", "sexp"]


def read(path):
    with open(path, newline="") as f:
        return {r["commit_id"]: r for r in csv.DictReader(f)}


def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sx = math.sqrt(sum((a - mx) ** 2 for a in x))
    sy = math.sqrt(sum((b - my) ** 2 for b in y))
    if sx == 0 or sy == 0:
        return float("nan")
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / (sx * sy)


def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def table(ours, theirs, both):
    print("| metric | equal | Pearson | Spearman |")
    print("|---|---|---|---|")
    for m in METRICS:
        x = [float(ours[c][m]) for c in both]
        y = [float(theirs[c][m]) for c in both]
        tol = 1e-3 if m in ("entropy", "age", "rexp") else 0
        eq = sum(abs(a - b) <= tol * max(1, abs(b)) for a, b in zip(x, y)) / len(both)
        print(f"| {m} | {eq:.3f} | {pearson(x, y):.3f} | {pearson(ranks(x), ranks(y)):.3f} |")


def main():
    ours, theirs = read(sys.argv[1]), read(sys.argv[2])
    both = [c for c in theirs if c in ours]
    print(f"commits in both: {len(both)} of {len(theirs)} in the data set\n")
    table(ours, theirs, both)
    if len(sys.argv) > 3:
        adds = set(subprocess.run(
            ["git", "log", "--no-merges", "--diff-filter=A", "--format=%H"],
            cwd=sys.argv[3], capture_output=True, text=True, check=True).stdout.split())
        kept = [c for c in both if c not in adds]
        print(f"\ncommits that add no file: {len(kept)}\n")
        table(ours, theirs, kept)


if __name__ == "__main__":
    main()
