"""Logs runs with wandb in offline mode (no network), then writes what W&B wrote: the oracle.

    python log_offline.py DIR ORACLE.json

Each run logs a training loss every step (a NaN and an inf among them), a
validation loss every 10 steps, a learning rate and a nested key; config and
summary are set. The oracle decodes every record of each run's .wandb file
with W&B's own protobuf classes (`wandb_internal_pb2.Record`), after
unframing the 32 KiB blocks the way the leveldb log format says; W&B 0.31 no
longer ships a Python reader of the file (wandb-core, in Go, reads it).
"""

import json
import math
import os
import struct
import sys
import zlib

import wandb
from wandb.proto import wandb_internal_pb2 as pb


def log_runs(root):
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    dirs = []
    for name, lr in (("sgd-lr0.1", 0.1), ("adam-lr3e-4", 3e-4)):
        run = wandb.init(project="curvecheck", name=name, dir=root, config={"lr": lr, "epochs": 3, "model": {"depth": 18}})
        for step in range(300):
            loss = 2.3 * math.exp(-step / 80)
            if name == "sgd-lr0.1" and step == 200:
                loss = float("nan")
            if name == "sgd-lr0.1" and step == 201:
                loss = float("inf")
            row = {"train/loss": loss, "lr": lr * (0.5 if step > 150 else 1.0), "perf": {"samples_per_s": 100.0 + step}}
            if step % 10 == 9:
                row["val/loss"] = loss + 0.1
            wandb.log(row, step=step)
        run.summary["best_val"] = 0.42
        dirs.append(run.dir)
        run.finish()
    return dirs


def records(path):
    data = open(path, "rb").read()
    assert data[:4] == b":W&B", data[:7]
    pos, block, out, pending = 7, 32768, [], b""
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:
            pos += left
            continue
        crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        chunk = data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind == 0 and length == 0:
            continue
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):
            out.append(pending)
            pending = b""
    return out


def main():
    root, oracle_path = sys.argv[1], sys.argv[2]
    run_dirs = log_runs(root)
    oracle = []
    for files_dir in run_dirs:
        run_dir = os.path.dirname(files_dir)
        wandb_file = next(os.path.join(run_dir, f) for f in os.listdir(run_dir) if f.endswith(".wandb"))
        history, config, summary, name = [], {}, {}, None
        for raw in records(wandb_file):
            r = pb.Record()
            r.ParseFromString(raw)
            kind = r.WhichOneof("record_type")
            if kind == "history":
                row = {"_step": r.history.step.num}
                for item in r.history.item:
                    key = item.key or "/".join(item.nested_key)
                    row[key] = item.value_json
                history.append(row)
            elif kind == "config":
                for item in r.config.update:
                    config[item.key or "/".join(item.nested_key)] = item.value_json
            elif kind == "summary":
                for item in r.summary.update:
                    summary[item.key or "/".join(item.nested_key)] = item.value_json
            elif kind == "run":
                name = r.run.display_name
                for item in r.run.config.update:
                    config[item.key or "/".join(item.nested_key)] = item.value_json
        oracle.append({"file": wandb_file, "name": name, "history": history, "config": config, "summary": summary})
    with open(oracle_path, "w") as f:
        json.dump({"runs": oracle}, f)


if __name__ == "__main__":
    main()
