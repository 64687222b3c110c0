"""The installed `curvecheck` command and `python -m curvecheck`: the Rust CLI, same flags and exit codes."""

import subprocess
import sys

from conftest import REPO, cli

KERAS_LOG = "fixtures/real-logs/keras-csvlogger/voice-id-speaker250_training.log"
DIVERGED = "fixtures/wild-runs/W19/trainer_state.json"


def test_console_script_runs_the_readme_first_command():
    out = cli(["diagnose", KERAS_LOG, "--color", "never"])
    assert out.returncode == 0, out.stderr
    assert "WARNING overfitting  epoch 0–49" in out.stdout
    assert out.stdout.rstrip().endswith("verdict: 1 warning: overfitting")


def test_exit_codes_are_the_clis():
    assert cli(["diagnose", DIVERGED, "--fail-on", "error"]).returncode == 1
    assert cli(["diagnose", DIVERGED]).returncode == 0
    assert cli(["diagnose", "no-such-file.csv"]).returncode == 2
    bad = cli(["diagnose", KERAS_LOG, "--no-such-flag"])
    assert bad.returncode == 2 and "--no-such-flag" in bad.stderr
    help_ = cli(["--help"])
    assert help_.returncode == 0 and "diagnose" in help_.stdout


def test_python_dash_m_is_the_same_command():
    args = ["diagnose", DIVERGED, "--format", "json", "--fail-on", "error"]
    module = subprocess.run([sys.executable, "-m", "curvecheck", *args], cwd=REPO, capture_output=True, text=True)
    script = cli(args)
    assert module.returncode == script.returncode == 1
    assert module.stdout == script.stdout and '"divergence"' in module.stdout


def test_ctrl_c_ends_the_command_while_the_rust_code_runs():
    import shutil
    import signal
    import time
    from pathlib import Path

    exe = Path(sys.executable).parent / "curvecheck"
    # `diagnose -` waits on stdin inside the Rust code.
    p = subprocess.Popen([str(exe if exe.exists() else shutil.which("curvecheck")), "diagnose", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    try:
        code = p.wait(timeout=10)
    finally:
        p.kill()
        p.stdin.close()
    assert code == -signal.SIGINT
