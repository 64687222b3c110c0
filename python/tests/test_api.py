"""The Python API against the CLI: same findings on the repository's real logs,
the same messages on bad input, and in-memory tables read like the files."""

import json
import math

import pytest

import curvecheck
from conftest import FIXTURES, REPO, cli, need

KERAS_LOG = "fixtures/real-logs/keras-csvlogger/voice-id-speaker250_training.log"
HF_STATE = "fixtures/real-logs/hf-trainer-state/quality-lrqa-plateau_trainer_state.json"
LOG_DIRS = sorted(p for p in (FIXTURES / "real-logs").iterdir() if p.is_dir()) + [FIXTURES / "wild-runs"]


def cli_json(*args: str) -> dict:
    out = cli(["diagnose", *args, "--format", "json", "--quiet"])
    assert out.returncode in (0, 2), out.stderr
    return json.loads(out.stdout)


def findings_key(findings):
    return [(f["rule"], f["severity"], f["span"]) for f in findings]


@pytest.mark.parametrize("folder", LOG_DIRS, ids=lambda p: p.name)
def test_api_gives_the_clis_json_on_every_real_log_folder(folder):
    rel = str(folder.relative_to(REPO))
    out = cli(["diagnose", rel, "--format", "json", "--quiet"])
    if out.returncode == 2:
        # A folder with a bad file: the API raises on it, with the CLI's message.
        message = next(line for line in out.stderr.splitlines() if line.startswith("curvecheck: error: "))
        with pytest.raises(curvecheck.CurveCheckError) as e:
            curvecheck.diagnose_all(rel)
        assert "curvecheck: error: " + str(e.value) == message
        return
    assert out.returncode == 0, out.stderr
    expected = json.loads(out.stdout)["runs"]
    got = [d.to_dict() for d in curvecheck.diagnose_all(rel)]
    assert got == expected
    assert len(got) > 0


def test_the_real_log_folders_include_one_bad_file_so_the_error_path_is_tried():
    codes = [cli(["diagnose", str(d.relative_to(REPO)), "--quiet"]).returncode for d in LOG_DIRS]
    assert 2 in codes and 0 in codes


def test_diagnosis_fields_mirror_the_json():
    d = curvecheck.diagnose(KERAS_LOG)
    assert d.verdict == "1 warning: overfitting" and not d.healthy
    assert d.worst() == "warning"
    over = d.findings[0]
    assert (over.rule, over.severity, over.span.axis, over.span.start, over.span.end) == ("overfitting", "warning", "epoch", 0, 49)
    assert 0 < over.confidence <= 1 and over.message and over.advice
    assert over.evidence["onset"] == 0
    assert json.loads(d.to_json()) == d.to_dict() == cli_json(KERAS_LOG)["runs"][0]
    assert "verdict: 1 warning: overfitting" in str(d)


def test_settings_are_the_clis_flags():
    base = curvecheck.diagnose(KERAS_LOG)
    patient = curvecheck.diagnose(KERAS_LOG, **{"best-epoch.patience": 10}, classes=250)
    expected = cli_json(KERAS_LOG, "--set", "best-epoch.patience=10", "--classes", "250")["runs"][0]
    assert patient.to_dict() == expected
    assert patient.to_dict() != base.to_dict()
    assert curvecheck.diagnose(KERAS_LOG, params={"best-epoch.patience": 10}, classes=250).to_dict() == expected


@pytest.mark.parametrize(
    "call, flags",
    [
        (lambda: curvecheck.diagnose("fixtures/no-such-log.csv"), ["fixtures/no-such-log.csv"]),
        (lambda: curvecheck.diagnose(KERAS_LOG, **{"plateau.nope": 1}), [KERAS_LOG, "--set", "plateau.nope=1"]),
        (lambda: curvecheck.diagnose(KERAS_LOG, classes=1), [KERAS_LOG, "--classes", "1"]),
        (lambda: curvecheck.diagnose(KERAS_LOG, metric={"val_acc": "nope"}), [KERAS_LOG, "--metric", "val_acc=nope"]),
        (lambda: curvecheck.diagnose("fixtures/bad/ragged_rows.csv"), ["fixtures/bad/ragged_rows.csv"]),
        (lambda: curvecheck.diagnose("fixtures/bad/one_bad_cell.csv", strict=True), ["fixtures/bad/one_bad_cell.csv", "--strict"]),
    ],
)
def test_errors_carry_the_clis_message(call, flags):
    out = cli(["diagnose", *flags])
    assert out.returncode == 2
    with pytest.raises(curvecheck.CurveCheckError) as e:
        call()
    assert f"curvecheck: error: {e.value}" in out.stderr.splitlines()


def test_an_unknown_setting_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected setting 'patience'"):
        curvecheck.diagnose(KERAS_LOG, patience=3)


def test_pandas_and_polars_dataframes_read_like_the_csv_file():
    pd = need("pandas")
    pl = need("polars")
    expected = findings_key(curvecheck.diagnose(KERAS_LOG).to_dict()["findings"])
    assert expected
    from_pandas = curvecheck.diagnose(pd.read_csv(KERAS_LOG))
    from_polars = curvecheck.diagnose(pl.read_csv(KERAS_LOG))
    assert from_pandas.format == from_polars.format == "columns"
    assert findings_key(from_pandas.to_dict()["findings"]) == expected
    assert findings_key(from_polars.to_dict()["findings"]) == expected
    # An epoch index (pandas' set_index) is still the epoch column.
    indexed = pd.read_csv(KERAS_LOG).set_index("epoch")
    assert findings_key(curvecheck.diagnose(indexed).to_dict()["findings"]) == expected


def test_pandas_nullable_columns_read_pd_na_as_an_empty_cell():
    pd = need("pandas")
    df = pd.DataFrame({"epoch": [0, 1, 2, 3], "loss": pd.array([1.0, 0.8, None, 0.5], dtype="Float64")})
    d = curvecheck.diagnose(df)
    assert d.records == 4 and all(f.rule != "divergence" for f in d.findings)


def test_sparse_lightning_table_reads_like_the_csv_file():
    pd = need("pandas")
    path = "fixtures/real-logs/lightning-csv/opal-v2_version_0_metrics.csv"
    expected = findings_key(curvecheck.diagnose(path).to_dict()["findings"])
    # Its empty cells are NaN in pandas: read as empty, not as a diverged loss.
    got = curvecheck.diagnose(pd.read_csv(path))
    assert findings_key(got.to_dict()["findings"]) == expected
    assert all(f.rule != "divergence" for f in got.findings)


def test_a_dict_of_lists_without_epochs_is_a_keras_history():
    with open("fixtures/real-logs/keras-history-json/fashion-mnist-cnn_model_history.json") as f:
        history = json.load(f)
    from_file = curvecheck.diagnose("fixtures/real-logs/keras-history-json/fashion-mnist-cnn_model_history.json")
    from_dict = curvecheck.diagnose(history)
    assert from_dict.format == "columns" and from_dict.name == "run"
    assert findings_key(from_dict.to_dict()["findings"]) == findings_key(from_file.to_dict()["findings"])


def test_a_nan_in_a_dict_is_a_nan_and_none_is_an_empty_cell():
    diverged = curvecheck.diagnose({"loss": [2.3, 1.9, 1.7, math.nan, math.nan]})
    assert diverged.findings[0].rule == "divergence" and diverged.findings[0].severity == "error"
    sparse = curvecheck.diagnose({"loss": [2.3, 1.9, 1.7, 1.6, 1.55], "val_loss": [None, 2.0, None, 1.8, None]})
    assert all(f.rule != "divergence" for f in sparse.findings)
    with pytest.raises(curvecheck.CurveCheckError, match="'val_loss' has 2 values but column 'loss' has 3"):
        curvecheck.diagnose({"loss": [1, 2, 3], "val_loss": [1, 2]})
    with pytest.raises(curvecheck.CurveCheckError, match="column 'loss', row 1: 'x' is not a number"):
        curvecheck.diagnose({"loss": [1, "x"]})


def test_hugging_face_log_history_reads_like_the_trainer_state_file():
    with open(HF_STATE) as f:
        state = json.load(f)
    from_file = curvecheck.diagnose(HF_STATE).to_dict()
    whole = curvecheck.diagnose(state).to_dict()
    assert whole["format"] == "hf-trainer-state"
    assert whole["findings"] == from_file["findings"]
    just_history = curvecheck.diagnose(state["log_history"]).to_dict()
    assert findings_key(just_history["findings"]) == findings_key(
        curvecheck.diagnose({"log_history": state["log_history"]}).to_dict()["findings"]
    )
    assert just_history["findings"]


def test_plot_and_notebook_html(tmp_path):
    d = curvecheck.diagnose(KERAS_LOG)
    png = d.plot(tmp_path / "chart.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = d.svg()
    assert svg and "<svg" in svg and "overfitting" in svg
    html = d._repr_html_()
    assert '<img src="data:image/png;base64,' in html
    assert "overfitting" in html and "1 warning: overfitting" in html
    with pytest.raises(curvecheck.CurveCheckError, match="chart.gif"):
        d.plot(tmp_path / "chart.gif")


def test_importing_curvecheck_imports_no_framework():
    import subprocess
    import sys

    code = "import sys, curvecheck; curvecheck.diagnose({'loss': [1.0, 0.5]}); print(sorted(m for m in ('torch', 'keras', 'lightning', 'transformers', 'pandas', 'polars') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_notebook_html_escapes_what_the_log_names():
    evil = "val_<img src=x onerror=alert(1)>_loss"
    d = curvecheck.diagnose({"loss": [2.3, 1.9, 1.7, 1.6, 1.5, 1.45], evil: [2.4, 2.0, 1.8, 1.9, 2.0, 2.1]}, name="<b>run</b>")
    assert evil in d.findings[0].message, "the series name reaches the page through a finding's message"
    html = d._repr_html_()
    assert "&lt;b&gt;run&lt;/b&gt;" in html and "<b>run</b>" not in html
    assert "val_&lt;img src=x onerror=alert(1)&gt;_loss" in html and "<img src=x" not in html
