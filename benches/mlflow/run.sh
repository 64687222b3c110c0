#!/usr/bin/env bash
# REST read benchmark (issue 16): one `mlflow server` holding RUNS runs x 3 metrics x STEPS
# steps, read in full by curvecheck (4 requests in flight) and by MLflow's Python client
# (search_runs + get_metric_history, one at a time), side by side in one run.
#   bash benches/mlflow/run.sh [RUNS] [STEPS]      (defaults 1000 1000)
# Needs the venv of tests/mlflow/setup_venv.sh. Uses the debug build (CI builds debug only);
# the server, not the client, is most of the time.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-1000}"; STEPS="${2:-1000}"
VENV="${CURVECHECK_MLFLOW_VENV:-target/mlflow-venv}"
PY="$VENV/bin/python"
WORK="target/bench-mlflow"
rm -rf "$WORK"; mkdir -p "$WORK"
cargo build --quiet
"$PY" benches/mlflow/populate.py "$WORK/bench.db" "$RUNS" "$STEPS"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
setsid "$VENV/bin/mlflow" server --host 127.0.0.1 --port "$PORT" --workers "${WORKERS:-2}" \
  --backend-store-uri "sqlite:///$PWD/$WORK/bench.db" --default-artifact-root "$PWD/$WORK/artifacts" \
  >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill -TERM -- -$SERVER 2>/dev/null || true; sleep 2; kill -KILL -- -$SERVER 2>/dev/null || true' EXIT
for _ in $(seq 120); do curl -sf "$URL/health" >/dev/null && break; sleep 1; done
now() { date +%s.%N; }
t0=$(now)
./target/debug/curvecheck inspect --quiet --format json "$URL" >"$WORK/curvecheck.json"
t1=$(now)
"$PY" benches/mlflow/client_read.py "$URL" >"$WORK/client.json"
cc=$(echo "$t1 - $t0" | bc)
py=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$WORK/client.json")
pts=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(s["points"] for r in d["runs"] for s in r["series"]), len(d["runs"]))' "$WORK/curvecheck.json")
echo "curvecheck (debug): ${cc} s for $pts (points runs)"
echo "MlflowClient:       ${py} s for $(cat "$WORK/client.json")"
echo "ratio client/curvecheck: $(echo "scale=2; $py / $cc" | bc)"
