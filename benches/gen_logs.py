#!/usr/bin/env python3
"""Deterministic large training logs for benchmarks (standard library only).

    python3 benches/gen_logs.py --rows 1000000 --out /tmp/big.csv

CSV columns: step, epoch, train_loss, lr every row; val_loss and val_accuracy
every 1000th row, empty otherwise (as Lightning-style sparse logs are). The
loss decays with noise; the learning rate follows a cosine.
"""
import argparse
import math
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--steps-per-epoch", type=int, default=1000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rnd = random.Random(42)
    n, spe = args.rows, args.steps_per_epoch
    with open(args.out, "w") as f:
        f.write("step,epoch,train_loss,lr,val_loss,val_accuracy\n")
        for step in range(n):
            t = step / n
            loss = 0.2 + 2.1 * math.exp(-5 * t) + rnd.gauss(0, 0.05)
            lr = 0.05 * (1 + math.cos(math.pi * t)) + 1e-6
            if (step + 1) % spe == 0:
                val = 0.25 + 2.0 * math.exp(-5 * t) + rnd.gauss(0, 0.01)
                acc = 0.95 - 0.7 * math.exp(-5 * t)
                f.write(f"{step},{step // spe},{loss:.6f},{lr:.6g},{val:.6f},{acc:.4f}\n")
            else:
                f.write(f"{step},{step // spe},{loss:.6f},{lr:.6g},,\n")


if __name__ == "__main__":
    main()
