#!/usr/bin/env python3
"""Times curvecheck against pandas on the same large CSV, in one session, and prints ratios.

    python3 benches/compare.py --bin target/release/curvecheck [--rows 1000000] [--repeat 5]

Baselines (`pip install -r benches/requirements.txt`, ideally in a venv; a missing one is skipped with a note):
  pandas.read_csv                       what a script pays before any analysis (start, import, read)
  pandas.read_csv in-process            the read alone, `import pandas` excluded
  pandas.read_csv + ewm(alpha=0.4)       read and smooth the loss
curvecheck: `inspect` (read and account), `diagnose --format json` (read + all rules),
and `plot -o chart.png` (read + rules + a 1200 px chart of every point, M4-downsampled).
Medians of --repeat runs, page cache warm (one untimed run first). These
machines are noisy: compare the ratios, not the seconds.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Timing(float):
    """A median wall time that also remembers the fastest and slowest run (the spread)."""

    def __new__(cls, times):
        t = super().__new__(cls, statistics.median(times))
        t.lo, t.hi = min(times), max(times)
        return t

    def spread(self):
        return f"({self.lo:.3f}-{self.hi:.3f})" if self.hi > self.lo else ""


def timed(cmd, repeat):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - t0)
        if p.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed: {p.stderr.decode()[:300]}")
    return Timing(times)


def interleaved(cmds, repeat):
    """Each command once per round, `repeat` rounds after one warm-up: a Timing per command."""
    for cmd in cmds:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    times = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            t0 = time.perf_counter()
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
            times[i].append(time.perf_counter() - t0)
            if p.returncode not in (0, 1):
                sys.exit(f"{' '.join(cmd)} failed: {p.stderr.decode()[:300]}")
    return [Timing(t) for t in times]


def in_process(csv, repeat):
    """pandas' read time alone, interpreter start and `import pandas` excluded."""
    code = ("import time, pandas as pd\n"
            f"ts = []\nfor _ in range({repeat + 1}):\n"
            f"    t = time.perf_counter(); pd.read_csv({csv!r}); ts.append(time.perf_counter() - t)\n"
            "print(sorted(ts[1:])[len(ts[1:]) // 2])")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def tfevents_section(args, tmp):
    """1,000,000 steps x (train/loss, train/lr) + val/loss every 1000: TensorBoard's loader and tbparse vs curvecheck."""
    ev = os.path.join(tmp, "events.out.tfevents.1700000000.bench.1.0")
    root = os.path.dirname(HERE)
    subprocess.run(["cargo", "run", "--quiet", "--release", "--example", "gen_tfevents", "--", ev, str(args.rows)], check=True, cwd=root)
    print(f"\nevent file: {args.rows} steps x 3 tags, {os.path.getsize(ev) / 1e6:.1f} MB; baselines once (they are slow), curvecheck median of {args.repeat}")
    results = {}
    try:
        import tensorboard  # noqa: F401
        code = ("from tensorboard.backend.event_processing import event_accumulator as ea\n"
                f"a = ea.EventAccumulator({ev!r}, size_guidance={{ea.SCALARS: 0}}); a.Reload()\n"
                "n = sum(len(a.Scalars(t)) for t in a.Tags()['scalars']); assert n > 0")
        results["EventAccumulator (all points)"] = timed([sys.executable, "-c", code], 1)
    except ImportError:
        print("(tensorboard not installed: pip install tensorboard)")
    try:
        import tbparse  # noqa: F401
        results["tbparse SummaryReader.scalars"] = timed([sys.executable, "-c", f"from tbparse import SummaryReader; SummaryReader({ev!r}).scalars"], 1)
    except ImportError:
        print("(tbparse not installed: pip install tbparse)")
    results["curvecheck inspect"] = timed([args.bin, "inspect", ev], args.repeat)
    results["curvecheck diagnose"] = timed([args.bin, "diagnose", ev, "--format", "json"], args.repeat)
    ours = results["curvecheck inspect"]
    for name, t in results.items():
        print(f"{name:<32} {t:8.3f} s {t.spread():<15} {t / ours:6.1f}x curvecheck inspect")


def timed_rss(cmd):
    """Wall time and peak RSS (MB) of one run, via GNU time."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed: {p.stderr[-300:]}")
    return wall, int(p.stderr.strip().splitlines()[-1]) / 1024


def large_section(args, tmp):
    """10M-row CSV: diagnose --plot against polars (read + EWM) and a pandas + matplotlib script."""
    rows = args.large_rows
    csv = os.path.join(tmp, "big10m.csv")
    precision = ["--full-precision"] if args.full_precision else []
    subprocess.run([sys.executable, os.path.join(HERE, "gen_logs.py"), "--rows", str(rows), "--out", csv] + precision, check=True)
    digits = "floats as repr (17 digits)" if args.full_precision else "floats with 6 digits"
    print(f"\n{rows} rows, {os.path.getsize(csv) / 1e6:.0f} MB ({digits}); {args.repeat} interleaved rounds after one warm-up, median (fastest-slowest)")
    png = os.path.join(tmp, "out.png")
    cmds = {
        "polars (Python): read_csv + ewm_mean": [sys.executable, "-c", f"import polars as pl; d = pl.read_csv({csv!r}); d['train_loss'].ewm_mean(alpha=0.4)"],
        "pandas read_csv + ewm": [sys.executable, "-c", f"import pandas as pd; d = pd.read_csv({csv!r}); d['train_loss'].ewm(alpha=0.4).mean()"],
        "pandas read + ewm + matplotlib PNG": [sys.executable, "-c",
            "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt, pandas as pd\n"
            f"d = pd.read_csv({csv!r}); s = d['train_loss'].ewm(alpha=0.4).mean()\n"
            "f, a = plt.subplots(figsize=(12, 4)); a.plot(d['step'], d['train_loss'], ',', alpha=0.3); a.plot(d['step'], s)\n"
            f"f.savefig({png!r})"],
        "curvecheck diagnose --plot": [args.bin, "diagnose", csv, "--plot", png, "--format", "json", "--quiet"],
    }
    # Rounds interleave the commands (A B C D, A B C D, ...), so a slow spell of this shared
    # machine hits every command alike instead of one command's whole series.
    ok = {}
    for name, cmd in cmds.items():
        try:
            timed_rss(cmd)
            ok[name] = cmd
        except SystemExit as e:
            print(f"{name}: skipped ({e})")
    runs = {name: [] for name in ok}
    for _ in range(args.repeat):
        for name, cmd in ok.items():
            runs[name].append(timed_rss(cmd))
    results = {}
    for name, rs in runs.items():
        walls = sorted(r[0] for r in rs)
        results[name] = (statistics.median(walls), walls[0], walls[-1], max(r[1] for r in rs))
    ours = results["curvecheck diagnose --plot"][0]
    for name, (med, lo, hi, rss) in results.items():
        print(f"{name:<40} {med:7.2f} s ({lo:.2f}-{hi:.2f})  peak {rss:6.0f} MB  {med / ours:5.1f}x curvecheck")


def trainer_state_section(args, tmp):
    """200k-entry trainer_state.json: curvecheck diagnose against json.load + DataFrame + EWM."""
    path = os.path.join(tmp, "trainer_state.json")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_logs.py"), "--rows", "200000", "--trainer-state", "--out", path], check=True)
    print(f"\ntrainer_state.json: 200,000 log_history entries, {os.path.getsize(path) / 1e6:.0f} MB, median of {args.repeat}")
    base_cmd = [sys.executable, "-c", f"import json, pandas as pd; d = json.load(open({path!r})); df = pd.DataFrame(d['log_history']); df['loss'].ewm(alpha=0.4).mean()"]
    ours_cmd = [args.bin, "diagnose", path, "--format", "json", "--quiet"]
    base, ours = interleaved([base_cmd, ours_cmd], args.repeat)
    print(f"json.load + DataFrame + ewm      {base:7.3f} s {base.spread():<15} {base / ours:5.1f}x curvecheck")
    print(f"curvecheck diagnose              {ours:7.3f} s {ours.spread()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/curvecheck")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", choices=["csv", "tfevents", "large", "trainer-state", "all"], default="all")
    ap.add_argument("--large-rows", type=int, default=10_000_000)
    ap.add_argument("--full-precision", action="store_true", help="large CSV with floats as Python repr (~545 MB, the size in issue 7) instead of 6 digits (~340 MB)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="curvecheck-bench-")
    if args.only in ("large", "all"):
        large_section(args, tmp)
    if args.only in ("trainer-state", "all"):
        trainer_state_section(args, tmp)
    if args.only in ("large", "trainer-state"):
        return
    if args.only in ("tfevents", "all"):
        tfevents_section(args, tmp)
    if args.only == "tfevents":
        return
    csv = os.path.join(tmp, "big.csv")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_logs.py"), "--rows", str(args.rows), "--out", csv], check=True)
    size = os.path.getsize(csv) / 1e6
    print(f"{args.rows} rows, {size:.1f} MB, median of {args.repeat}")
    results = {}
    try:
        import pandas  # noqa: F401
        results["pandas read_csv"] = timed([sys.executable, "-c", f"import pandas as pd; pd.read_csv({csv!r})"], args.repeat)
        results["pandas read_csv in-process"] = in_process(csv, args.repeat)
        results["pandas read_csv + ewm"] = timed(
            [sys.executable, "-c", f"import pandas as pd; d = pd.read_csv({csv!r}); d['train_loss'].ewm(alpha=0.4).mean()"], args.repeat)
    except ImportError:
        print("(pandas not installed: pip install pandas for the baselines)")
    results["curvecheck inspect"] = timed([args.bin, "inspect", csv], args.repeat)
    results["curvecheck diagnose"] = timed([args.bin, "diagnose", csv, "--format", "json"], args.repeat)
    results["curvecheck plot (PNG)"] = timed([args.bin, "plot", csv, "-o", os.path.join(tmp, "chart.png")], args.repeat)
    base = results.get("pandas read_csv")
    for name, t in results.items():
        ratio = f"{t / base:.2f}x pandas read_csv" if base else ""
        print(f"{name:<28} {t:8.3f} s {t.spread() if isinstance(t, Timing) else '':<15} {ratio}")
    if "curvecheck inspect" in results:
        print(f"diagnose / inspect = {results['curvecheck diagnose'] / results['curvecheck inspect']:.2f}")


if __name__ == "__main__":
    main()
