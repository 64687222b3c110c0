"""A tiny model trained for a few seconds, printing its loss every step, for
`tests/watch.rs`: linear regression by full-batch gradient descent (numpy).

With a small learning rate it converges; with a large one each step
multiplies the error, the loss overflows to inf and then NaN, and (like a real
script) it goes on training. `--sleep` makes each step take real time so the
watcher has to keep up with a running process.

    python3 train.py --lr 0.01 --steps 60 --sleep 0.01   # healthy, exits 0
    python3 train.py --lr 1.0 --steps 400                # the loss explodes from step 2, inf at 113
    python3 train.py --jump 40:1e30 --steps 2000 --sleep 0.03  # healthy, then inf at step 41, NaN at 42
"""
import argparse
import sys
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--sleep", type=float, default=0.0)
    p.add_argument("--jump", type=str, default=None, help="STEP:LR, the learning rate from that step on (a bad schedule)")
    p.add_argument("--csv", type=str, default=None, help="also write step,loss,lr to this CSV (the console log's structured twin)")
    a = p.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 3.0, size=(256, 8))
    w_true = rng.normal(size=8)
    y = x @ w_true + rng.normal(0.0, 0.1, size=256)
    w = np.zeros(8)
    jump_at, jump_lr = (int(a.jump.split(":")[0]), float(a.jump.split(":")[1])) if a.jump else (None, None)
    lr = a.lr
    print(f"training linear regression: lr={a.lr} steps={a.steps}", flush=True)
    twin = open(a.csv, "w") if a.csv else None
    if twin:
        twin.write("step,loss,lr\n")
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, a.steps + 1):
            if jump_at is not None and step >= jump_at:
                lr = jump_lr
            err = x @ w - y
            loss = float(np.mean(err**2))
            w = w - lr * (2.0 / len(y)) * (x.T @ err)
            print(f"step {step} loss={loss:.6g} lr={lr}", flush=True)
            if twin:
                twin.write(f"{step},{loss!r},{lr!r}\n")
            if a.sleep:
                time.sleep(a.sleep)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
