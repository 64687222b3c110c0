"""Logs runs with MLflow's own client, then writes what MLflow reads back: the oracle.

    python log_runs.py TRACKING_URI ORACLE.json

TRACKING_URI is a `sqlite:///…` store or an `http://127.0.0.1:PORT` server. The
runs cover what curvecheck must read exactly: a NaN, +inf and -inf, a param
`epochs` with one value per epoch (read on an epoch axis), a run still
RUNNING, a deleted run, two runs of one name in two experiments, and a metric
long enough (25,300 points) to need more than one history page (25,000).
ORACLE.json holds, per run, `MlflowClient().get_metric_history` for every
key, in the order MLflow returns it; non-finite values as "nan"/"inf"/"-inf".
"""

import json
import math
import sys

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, ViewType

BASE_MS = 1_764_000_000_000


def encode(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def log(client, run_id, rows, params=()):
    """rows: (key, step, value); timestamps one second per step so wall times are known."""
    metrics = [Metric(k, v, BASE_MS + 1000 * s + i % 7, s) for i, (k, s, v) in enumerate(rows)]
    for i in range(0, len(metrics), 1000):
        client.log_batch(run_id, metrics=metrics[i : i + 1000], params=list(params) if i == 0 else [])


def main():
    uri, out = sys.argv[1], sys.argv[2]
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("curvecheck-oracle")
    other = client.create_experiment("other-experiment")

    run = client.create_run(exp, run_name="adam-lr3e-4", start_time=BASE_MS)
    rows = []
    for s in range(1200):
        loss = 2.3 * math.exp(-s / 300) + 0.01 * math.sin(s)
        if s == 900:
            loss = float("nan")
        elif s == 901:
            loss = float("inf")
        rows.append(("train_loss", s, loss))
        if s % 100 == 99:
            rows.append(("val_loss", s, 2.4 * math.exp(-s / 350) + 0.05))
        rows.append(("lr", s, 3e-4 if s < 600 else 3e-5))
    rows.append(("grad_norm", 1199, float("-inf")))
    log(client, run.info.run_id, rows, [Param("lr", "3e-4"), Param("batch_size", "64"), Param("optimizer", "adam")])
    client.set_terminated(run.info.run_id, end_time=BASE_MS + 1_300_000)

    run = client.create_run(exp, run_name="keras-autolog", start_time=BASE_MS + 2_000_000)
    rows = []
    for e in range(8):
        rows += [("loss", e, 1.5 / (e + 1)), ("val_loss", e, 1.6 / (e + 1) + 0.02 * e), ("accuracy", e, 0.5 + 0.05 * e)]
    log(client, run.info.run_id, rows, [Param("epochs", "8"), Param("batch_size", "32")])
    client.set_terminated(run.info.run_id, end_time=BASE_MS + 2_100_000)

    run = client.create_run(exp, run_name="still-running", start_time=BASE_MS + 3_000_000)
    log(client, run.info.run_id, [("train_loss", s, 1.0 / (s + 1)) for s in range(20)])

    run = client.create_run(exp, run_name="deleted-run", start_time=BASE_MS + 4_000_000)
    log(client, run.info.run_id, [("train_loss", s, 0.5) for s in range(5)])
    client.set_terminated(run.info.run_id)
    client.delete_run(run.info.run_id)

    # Past one page of metrics/get-history (25,000): the reader must follow next_page_token.
    run = client.create_run(other, run_name="long-run", start_time=BASE_MS + 6_000_000)
    log(client, run.info.run_id, [("train_loss", s, 1.0 + 1.0 / (s + 1)) for s in range(25_300)])
    client.set_terminated(run.info.run_id, end_time=BASE_MS + 6_100_000)

    run = client.create_run(other, run_name="adam-lr3e-4", start_time=BASE_MS + 5_000_000)
    log(client, run.info.run_id, [("train_loss", s, 3.0 - 0.1 * s) for s in range(10)], [Param("lr", "1e-3")])
    client.set_terminated(run.info.run_id, status="FAILED", end_time=BASE_MS + 5_100_000)

    oracle = []
    for exp_id, exp_name in ((exp, "curvecheck-oracle"), (other, "other-experiment")):
        for r in client.search_runs([exp_id], run_view_type=ViewType.ALL, order_by=["attributes.start_time ASC"]):
            metrics = {}
            for key in sorted(r.data.metrics):
                history = client.get_metric_history(r.info.run_id, key)
                metrics[key] = [[m.step, m.timestamp, encode(m.value)] for m in history]
            oracle.append(
                {
                    "id": r.info.run_id,
                    "name": r.info.run_name,
                    "experiment": exp_name,
                    "status": r.info.status,
                    "deleted": r.info.lifecycle_stage == "deleted",
                    "params": dict(r.data.params),
                    "metrics": metrics,
                }
            )
    with open(out, "w") as f:
        json.dump({"runs": oracle}, f)


if __name__ == "__main__":
    main()
