#!/usr/bin/env python3
"""`maestro risk train` and `risk evaluate` on the 13 public JIT defect sets in
$MAESTRO_EVAL_DATA/jit (default ../shared/data/jit): each sorted by time, trained on the oldest 80 %, evaluated
on the newest 20 %. Prints one markdown row per set: maestro's AUC, the AUC of
lines added alone (LApredict ranks by `la`), Brier skill, ECE, the base rate of
each period, and what the 0.70 threshold flags.

Usage: scripts/eval/risk_jit.py [MAESTRO_BINARY]   (standard library only)
"""
import csv, json, os, subprocess, sys, tempfile

root = os.path.join(os.path.dirname(__file__), "..", "..")
maestro = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target/release/maestro")
jit = os.path.join(os.environ.get("MAESTRO_EVAL_DATA") or os.path.join(root, "..", "shared", "data"), "jit")
SETS = [
    ("kamei2013", n, "commit_ts", ["transaction_id"]) for n in ["bugzilla", "columba", "jdt", "postgres"]
] + [
    ("zeng2021", n, "commit_ts", []) for n in ["gerrit", "go", "jdt", "openstack", "platform", "qt"]
] + [
    ("mcintosh2018", n, "row_order", []) for n in ["openstack", "qt"]
] + [("apachejit", "apachejit_test_small", "commit_ts", [])]


def auc(scores, labels):
    pairs = sorted(zip(scores, labels))
    rank_sum, pos, i = 0.0, 0, 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for k in range(i, j + 1):
            if pairs[k][1]:
                rank_sum += (i + j) / 2 + 1
                pos += 1
        i = j + 1
    neg = len(pairs) - pos
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


rows = []
with tempfile.TemporaryDirectory() as tmp:
    for folder, name, time_col, ignore in SETS:
        path = os.path.join(jit, folder, name + ".csv")
        with open(path, newline="") as f:
            r = csv.reader(f)
            header = next(r)
            data = list(r)
        t = header.index(time_col)
        data.sort(key=lambda row: float(row[t]))  # stable: ties keep file order
        cut = round(len(data) * 0.8)
        train, test = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        for out, part in [(train, data[:cut]), (test, data[cut:])]:
            with open(out, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                w.writerows(part)
        model = os.path.join(tmp, "model.json")
        extra = ["--time", time_col] + (["--ignore", ",".join(ignore)] if ignore else [])
        tr = json.loads(subprocess.run(
            [maestro, "--json", "risk", "train", "--data", train, "--out", model] + extra,
            check=True, capture_output=True, text=True).stdout)
        ev = json.loads(subprocess.run(
            [maestro, "--json", "risk", "evaluate", "--model", model, "--data", test] + extra,
            check=True, capture_output=True, text=True).stdout)
        label = header.index("label")
        la = header.index("la")
        y = [row[label] == "1" for row in data[cut:]]
        la_auc = auc([float(row[la]) for row in data[cut:]], y)
        rows.append((f"{folder}/{name}", ev, la_auc, tr))

print("| set | test rows | AUC | la alone | Brier skill | ECE | base rate train → test | mean p | flagged at 0.70 | precision | recall | model |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
f3 = lambda v: "-" if v is None else f"{v:.3f}"
for name, ev, la_auc, tr in rows:
    t = ev["at_threshold"]
    print(f"| {name} | {ev['rows']} | {f3(ev['auc'])} | {la_auc:.3f} | {ev['brier_skill']:.3f} | {ev['ece']:.3f} "
          f"| {tr['base_rate']:.3f} → {ev['base_rate']:.3f} | {ev['mean_probability']:.3f} "
          f"| {t['flagged']} ({t['flagged_share'] * 100:.1f} %) | {f3(t['precision'])} | {f3(t['recall'])} | {tr['chosen']} |")
n = len(rows)
mean = lambda k: sum(r[1][k] for r in rows) / n
print(f"| **mean** | | {mean('auc'):.3f} | {sum(r[2] for r in rows) / n:.3f} | {mean('brier_skill'):.3f} | {mean('ece'):.3f} | | | | | | |")
