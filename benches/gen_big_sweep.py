"""Writes a big search for the report's scale test (issue 15): N trial folders, each
with a real run's Keras CSV log (cycled through fixtures/real-runs) and a
params.json of log-uniform lr and weight decay.

    python3 benches/gen_big_sweep.py OUT_DIR [N=2000]

then `curvecheck report OUT_DIR -o big.html` and `bash tests/screenshot_report.sh big.html`.
"""

import json
import os
import random
import shutil
import sys

root = os.path.join(os.path.dirname(__file__), "..", "fixtures", "real-runs")
out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
logs = sorted(os.path.join(root, d, "training_log.csv") for d in os.listdir(root) if os.path.exists(os.path.join(root, d, "training_log.csv")))
rng = random.Random(0)
for i in range(n):
    trial = os.path.join(out, f"trial_{i:04d}")
    os.makedirs(trial, exist_ok=True)
    shutil.copy(logs[i % len(logs)], os.path.join(trial, "training_log.csv"))
    params = {"lr": round(10 ** rng.uniform(-5, 0), 6), "weight_decay": round(10 ** rng.uniform(-6, -2), 8), "seed": i}
    with open(os.path.join(trial, "params.json"), "w") as f:
        json.dump(params, f)
print(f"{n} trials in {out} from {len(logs)} logs")
