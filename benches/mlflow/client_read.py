"""Reads every run's full metric history from a tracking server as MLflow's Python client does.

    python client_read.py URL

`search_runs` (paged) and `get_metric_history` per run and key, one request at a time;
prints seconds, runs and points as JSON.
"""

import json
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import ViewType


def main():
    client = MlflowClient(tracking_uri=sys.argv[1])
    start = time.perf_counter()
    exp_ids = [e.experiment_id for e in client.search_experiments()]
    runs, token = [], None
    while True:
        page = client.search_runs(exp_ids, run_view_type=ViewType.ACTIVE_ONLY, max_results=1000, page_token=token)
        runs += page
        token = page.token
        if not token:
            break
    points = 0
    for r in runs:
        for key in r.data.metrics:
            points += len(client.get_metric_history(r.info.run_id, key))
    print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "runs": len(runs), "points": points}))


if __name__ == "__main__":
    main()
