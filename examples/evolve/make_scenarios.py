#!/usr/bin/env python3
"""Writes N scenario files for eval.sh into DIR, each with a difficulty drawn
from U(0.3, 0.8) (seeded): python3 make_scenarios.py N DIR"""
import random
import sys
from pathlib import Path

n, out = int(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(7)
for i in range(n):
    d = round(rng.uniform(0.3, 0.8), 4)
    tag = "bugfix" if i % 2 == 0 else "feature"
    (out / f"s{i:03}.toml").write_text(
        f'id = "s{i:03}"\ntags = ["{tag}"]\n[vars]\ndifficulty = {d}\n'
    )
