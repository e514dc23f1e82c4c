#!/usr/bin/env python3
"""Writes the incident traces in fixtures/slo/: three days of per-minute
events (timestamp,good,total) for an SLO of 99.5 % (budget 0.5 %), seeded so
they are the same on every run.

- fast-burn.csv: 0.1 % errors, then 20 % for 30 minutes from day 3 12:00.
- slow-burn.csv: 0.1 % errors, then 1.5 % (3x burn) for 18 hours from day 2 00:00.
- noise.csv:     0.1 % errors, then 12 hours from day 2 06:00 that alternate
                 between 0.8 % and 1.2 % every 5 minutes (around the 2x
                 burn of the seed's alert), then 0.1 % again.
"""
import os
import random

START = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 24 * 60


def write(name, rate):
    rng = random.Random(name)
    path = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slo", name)
    with open(path, "w") as f:
        f.write("timestamp,good,total\n")
        for m in range(1, 3 * DAY + 1):
            total = rng.randint(90, 110)
            bad = sum(rng.random() < rate(m) for _ in range(total))
            f.write(f"{START + 60 * m},{total - bad},{total}\n")


write("fast-burn.csv", lambda m: 0.20 if 2 * DAY + 720 < m <= 2 * DAY + 750 else 0.001)
write("slow-burn.csv", lambda m: 0.015 if DAY < m <= DAY + 18 * 60 else 0.001)
write(
    "noise.csv",
    lambda m: (0.008 if (m // 5) % 2 else 0.012) if DAY + 360 < m <= DAY + 360 + 720 else 0.001,
)
