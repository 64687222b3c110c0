"""Fills an MLflow SQLite store for the REST benchmark: RUNS runs x 3 metrics x STEPS steps.

    python populate.py STORE.db [RUNS] [STEPS]

Runs are created by MLflow's own client (so the schema, tags and run rows are
MLflow's); the metric rows go in with one bulk sqlite3 insert into MLflow's
`metrics` and `latest_metrics` tables, because logging 3 million points
through `log_batch` takes many minutes and is not what is being measured.
"""

import math
import sqlite3
import sys

from mlflow import MlflowClient

KEYS = ("train_loss", "val_loss", "lr")
BASE_MS = 1_764_000_000_000


def main():
    db = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    exp = client.create_experiment("bench")
    ids = []
    for i in range(runs):
        run = client.create_run(exp, run_name=f"run-{i:04d}", start_time=BASE_MS + i)
        client.set_terminated(run.info.run_id, end_time=BASE_MS + i + 1000)
        ids.append(run.info.run_id)

    def value(key, i, s):
        if key == "lr":
            return 1e-3 if s < steps // 2 else 1e-4
        return (2.3 + 0.001 * i) * math.exp(-s / 300) + (0.1 if key == "val_loss" else 0.0)

    rows = ((k, value(k, i, s), BASE_MS + 1000 * s, s, 0, rid) for i, rid in enumerate(ids) for k in KEYS for s in range(steps))
    latest = [(k, value(k, i, steps - 1), BASE_MS + 1000 * (steps - 1), steps - 1, 0, rid) for i, rid in enumerate(ids) for k in KEYS]
    conn = sqlite3.connect(db)
    cols = "(key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)"
    conn.executemany(f"INSERT INTO metrics {cols}", rows)
    conn.executemany(f"INSERT INTO latest_metrics {cols}", latest)
    conn.commit()
    print(f"{runs} runs x {len(KEYS)} metrics x {steps} steps in {db}")


if __name__ == "__main__":
    main()
