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
    ap.add_argument("--full-precision", action="store_true",
                    help="write floats as Python's repr (17 significant digits, as pandas' to_csv and Lightning's CSVLogger do): ~55 bytes a row instead of ~34")
    ap.add_argument("--trainer-state", action="store_true", help="write a Hugging Face trainer_state.json with --rows log_history entries instead")
    args = ap.parse_args()
    if args.trainer_state:
        return trainer_state(args.rows, args.out)
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
                if args.full_precision:
                    f.write(f"{step},{step // spe},{loss!r},{lr!r},{val!r},{acc!r}\n")
                else:
                    f.write(f"{step},{step // spe},{loss:.6f},{lr:.6g},{val:.6f},{acc:.4f}\n")
            elif args.full_precision:
                f.write(f"{step},{step // spe},{loss!r},{lr!r},,\n")
            else:
                f.write(f"{step},{step // spe},{loss:.6f},{lr:.6g},,\n")


def trainer_state(entries, out):
    """A trainer_state.json with `entries` log_history entries: a train entry every 10 steps, an eval every 1000."""
    import json
    rnd = random.Random(42)
    steps = entries * 10
    hist = []
    for i in range(entries):
        step = (i + 1) * 10
        t = step / steps
        if (i + 1) % 100 == 0:
            hist.append({"epoch": round(step / 1000, 2), "eval_loss": 0.3 + 2.0 * math.exp(-5 * t) + rnd.gauss(0, 0.01),
                         "eval_runtime": 12.5, "eval_samples_per_second": 80.0, "eval_steps_per_second": 10.0, "step": step})
        else:
            hist.append({"epoch": round(step / 1000, 2), "grad_norm": 1.0 + rnd.random(), "learning_rate": 5e-5 * (1 - t),
                         "loss": round(0.2 + 2.1 * math.exp(-5 * t) + rnd.gauss(0, 0.05), 4), "step": step})
    state = {"best_metric": None, "epoch": steps / 1000, "global_step": steps, "log_history": hist, "max_steps": steps}
    with open(out, "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
