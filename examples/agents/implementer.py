#!/usr/bin/env python3
"""A scripted stand-in for an implementer agent, for `maestro exec --schema`.

It prints an ImplementerOut document (fixtures/schemas/implementer-out.json).
On the first attempt it is right with probability FIRST (default 0.8); asked
again (MAESTRO_ATTEMPT > 1, with MAESTRO_SCHEMA_ERRORS set) it fixes what it
was told with probability FIX (default 0.9). Its mistakes are the ones real
agents make: prose around the JSON, a missing field, a wrong type, a
rationale too short. AGENT_SEED makes a run reproducible.

Usage: maestro exec --schema fixtures/schemas/implementer-out.json -- \
         python3 examples/agents/implementer.py
"""
import json
import os
import random

attempt = int(os.environ.get("MAESTRO_ATTEMPT", "1"))
seed = os.environ.get("AGENT_SEED")
rng = random.Random(f"{seed}/{attempt}" if seed is not None else None)
first = float(os.environ.get("FIRST", "0.8"))
fix = float(os.environ.get("FIX", "0.9"))

good = {
    "patch": "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1 +1 @@\n-fn f() {}\n+fn f() -> u8 { 1 }\n",
    "tests": ["tests/lib.rs::f_returns_one"],
    "rationale": "f must return 1 so that the caller can count; the test pins it.",
}

errors = json.loads(os.environ.get("MAESTRO_SCHEMA_ERRORS", "[]"))
ok = rng.random() < (first if attempt == 1 else fix)
if ok:
    doc = dict(good)
    style = rng.choice(["plain", "fenced"])
else:
    doc = dict(good)
    mistake = rng.choice(["missing", "type", "short", "extra"])
    if mistake == "missing":
        del doc["tests"]
    elif mistake == "type":
        doc["tests"] = "tests/lib.rs"
    elif mistake == "short":
        doc["rationale"] = "obvious"
    else:
        doc["confidence"] = 0.9
    style = rng.choice(["plain", "fenced", "prose"])

text = json.dumps(doc, indent=2)
if style == "fenced":
    print(f"Here is the change.\n\n```json\n{text}\n```\n")
elif style == "prose":
    print(f"I made the change: {json.dumps(doc)} Let me know.")
else:
    print(text)
