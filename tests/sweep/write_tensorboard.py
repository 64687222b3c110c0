"""Writes a sweep's trials as TensorBoard runs with tensorboardX, each with its
hyperparameters in the hparams plugin's session-start record in the run's own
event file (as Keras' `hp.KerasCallback(logdir, hparams)` writes them), for
fixtures/sweeps-tensorboard (issue 15):

    pip install tensorboardX pyyaml
    python tests/sweep/write_tensorboard.py fixtures/sweeps/mc_mlp_sgd_sweep2 fixtures/sweeps-tensorboard/mc_mlp_sgd_sweep2

Trial folders are named trial_<k> (no hyperparameter in the name), so the values
can only come from the hparams records.
"""

import csv
import os
import sys

import yaml
from tensorboardX import SummaryWriter
from tensorboardX.summary import hparams


def main(sweep, out):
    for k, name in enumerate(sorted(d for d in os.listdir(sweep) if os.path.isdir(os.path.join(sweep, d)))):
        folder = os.path.join(sweep, name)
        with open(os.path.join(folder, "hparams.yaml")) as f:
            params = yaml.safe_load(f)
        run = os.path.join(out, f"trial_{k}")
        w = SummaryWriter(logdir=run, flush_secs=1)
        exp, ssi, sei = hparams(params, {"val_acc": 0.0})
        for s in (exp, ssi, sei):
            w.file_writer.add_summary(s)
        with open(os.path.join(folder, "metrics.csv")) as f:
            for r in csv.DictReader(f):
                epoch = int(r["epoch"])
                for key in ("val_acc", "val_loss", "train_loss_epoch", "train_acc"):
                    if r.get(key):
                        w.add_scalar(f"epoch_{key}", float(r[key]), epoch)
        w.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
