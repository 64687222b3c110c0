#!/usr/bin/env bash
# Makes the Python venv the oracle tests use: MLflow and wandb from PyPI, pinned
# (and numpy, which MLflow brings, for the training script of tests/watch.rs),
# in target/mlflow-venv (or $CURVECHECK_MLFLOW_VENV). Idempotent: a venv whose
# marker names this script's pins is reused; pip's own cache makes a rebuild quick.
set -euo pipefail
cd "$(dirname "$0")/../.."

MLFLOW_PIN="mlflow==${MLFLOW_VERSION:-3.17.2} wandb==${WANDB_VERSION:-0.31.0}"
VENV="${CURVECHECK_MLFLOW_VENV:-target/mlflow-venv}"
MARKER="$VENV/.curvecheck-pin"

if [[ -x "$VENV/bin/python" && -f "$MARKER" && "$(cat "$MARKER")" == "$MLFLOW_PIN" ]]; then
  echo "mlflow venv ready: $VENV ($MLFLOW_PIN)"
  exit 0
fi

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || { echo "setup_venv.sh: needs $PYTHON on PATH" >&2; exit 1; }
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# shellcheck disable=SC2086 # two pins, split on purpose
"$VENV/bin/python" -m pip install --quiet $MLFLOW_PIN
# numpy comes with MLflow; tests/watch.rs trains tests/watch/train.py with it.
"$VENV/bin/python" -c "import mlflow, sqlalchemy, wandb, numpy; print('mlflow', mlflow.__version__, 'wandb', wandb.__version__, 'numpy', numpy.__version__)"
echo "$MLFLOW_PIN" > "$MARKER"
