#!/usr/bin/env bash
# CI for the Python package (called by .ci/run after the root crate's gates):
# fmt and clippy of the extension crate; `pip install ./python` (the README's
# command) in a fresh venv with no framework, where the `curvecheck` command
# and `import curvecheck` must work; then the tests and the notebook in a venv
# with the frameworks (kept outside the clone and reused across runs). Every
# step runs or the script fails: pytest exits non-zero when no test ran, and
# under CI=true a missing framework fails its tests instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${XDG_CACHE_HOME:-$HOME/.cache}/curvecheck"
venv="${CURVECHECK_PY_VENV:-$cache/py-venv}"
# The root crate's target/: the extension reuses the dependencies `cargo test` built there.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# CI builds debug only; maturin's PEP 517 backend takes its build flags from here.
export MATURIN_PEP517_ARGS="${MATURIN_PEP517_ARGS:---profile dev}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 KERAS_BACKEND=torch PIP_DISABLE_PIP_VERSION_CHECK=1

echo "== python/: cargo fmt --check and clippy -D warnings of the extension crate"
cargo fmt --check --manifest-path python/Cargo.toml
cargo clippy --manifest-path python/Cargo.toml --all-targets -- -D warnings

echo "== pip install ./python in a fresh venv (no framework): the command and the import"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install -q ./python
"$scratch/venv/bin/curvecheck" --version
"$scratch/venv/bin/curvecheck" diagnose fixtures/real-logs/keras-csvlogger/voice-id-speaker250_training.log --color never | tail -n 1
"$scratch/venv/bin/python" -c "import curvecheck, sys; d = curvecheck.diagnose('fixtures/real-logs/keras-csvlogger/voice-id-speaker250_training.log'); print(d.verdict); assert not {'torch', 'keras', 'pandas'} & set(sys.modules)"
set +e
"$scratch/venv/bin/python" -m curvecheck diagnose fixtures/wild-runs/W19/trainer_state.json --fail-on error > /dev/null
code=$?
set -e
[ "$code" -eq 1 ] || { echo "python -m curvecheck: expected exit 1 on a diverged run, got $code" >&2; exit 1; }

echo "== the test venv ($venv): frameworks from PyPI (pip's cache makes it quick after the first run)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r python/requirements-test.txt
"$venv/bin/pip" install -q --force-reinstall --no-deps ./python

echo "== mypy: the package's annotations, and its _native.pyi stub against the extension (stubtest)"
"$venv/bin/python" -m mypy --ignore-missing-imports python/curvecheck
"$venv/bin/python" -m mypy.stubtest curvecheck._native

echo "== pytest python/tests (the API against the CLI, the README's Python commands, each callback with its framework)"
CI="${CI:-}" "$venv/bin/python" -m pytest -p no:cacheprovider -q python/tests

echo "== the notebook, executed (nbconvert): a Diagnosis rendered inline"
(cd examples && "$venv/bin/jupyter" nbconvert --to html --execute diagnose_in_a_notebook.ipynb --output-dir "$scratch/nb" --log-level WARN)
html="$scratch/nb/diagnose_in_a_notebook.html"
grep -q 'class="curvecheck-diagnosis"' "$html" || { echo "the executed notebook shows no Diagnosis" >&2; exit 1; }
grep -q 'src="data:image/png;base64,' "$html" || { echo "the executed notebook shows no chart" >&2; exit 1; }
echo "notebook: $(grep -c 'class="curvecheck-diagnosis"' "$html") diagnoses rendered"
