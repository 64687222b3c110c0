"""Logs a sweep's trials again with the trackers' own clients, so `curvecheck sweep`
can be tested on the layouts they write (issue 15):

    python log_trackers.py SWEEP_DIR OUT_DIR

For every trial folder of SWEEP_DIR (Keras style: training_log.csv + params.json;
Lightning style: metrics.csv + hparams.yaml), one MLflow run in OUT_DIR/mlflow.db
(params = the trial's hyperparameters, metrics per epoch with step = epoch, run
name = the trial's folder), one W&B offline run below OUT_DIR/wandb-root/wandb
(config = the hyperparameters, the same metrics with step = epoch), and a W&B-style
folder OUT_DIR/wandb-folders/<run id>/ with the trial's log and files/config.yaml
written by wandb's own config writer (what an online run leaves beside its files).
NaN and inf values are logged as they are. No network: W&B runs offline, MLflow on SQLite.
"""

import csv
import json
import math
import os
import sys

import shutil

import mlflow
import wandb
import yaml
from wandb.sdk.lib import config_util


def trial_rows(folder):
    """(hyperparameters, [(epoch, {metric: value})]) of one trial folder."""
    if os.path.exists(os.path.join(folder, "params.json")):
        with open(os.path.join(folder, "params.json")) as f:
            params = json.load(f)
        rows = []
        with open(os.path.join(folder, "training_log.csv")) as f:
            for r in csv.DictReader(f):
                epoch = int(r.pop("epoch"))
                rows.append((epoch, {k: float(v) for k, v in r.items() if v != ""}))
        return params, rows
    with open(os.path.join(folder, "hparams.yaml")) as f:
        params = yaml.safe_load(f)
    by_epoch = {}
    with open(os.path.join(folder, "metrics.csv")) as f:
        for r in csv.DictReader(f):
            epoch = int(r["epoch"])
            for k in ("val_acc", "val_loss", "train_loss_epoch", "train_acc"):
                if r.get(k):
                    by_epoch.setdefault(epoch, {})[k] = float(r[k])
    return params, sorted(by_epoch.items())


def main(sweep, out):
    os.makedirs(out, exist_ok=True)
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    mlflow.set_tracking_uri("sqlite:///" + os.path.join(out, "mlflow.db"))
    mlflow.set_experiment("sweep")
    wandb_root = os.path.join(out, "wandb-root")
    os.makedirs(wandb_root, exist_ok=True)
    trials = sorted(d for d in os.listdir(sweep) if os.path.isdir(os.path.join(sweep, d)))
    for name in trials:
        params, rows = trial_rows(os.path.join(sweep, name))
        with mlflow.start_run(run_name=name):
            mlflow.log_params(params)
            for epoch, metrics in rows:
                mlflow.log_metrics(metrics, step=epoch)
        run = wandb.init(project="sweep", name=name, dir=wandb_root, config=params)
        for epoch, metrics in rows:
            wandb.log(metrics, step=epoch)
        run_id = run.id
        run.finish()
        folder = os.path.join(out, "wandb-folders", run_id)
        os.makedirs(os.path.join(folder, "files"), exist_ok=True)
        config_util.save_config_file_from_dict(os.path.join(folder, "files", "config.yaml"), {k: {"desc": None, "value": v} for k, v in params.items()})
        for log in ("training_log.csv", "metrics.csv"):
            src = os.path.join(sweep, name, log)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(folder, log))
    print(json.dumps({"trials": trials}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
