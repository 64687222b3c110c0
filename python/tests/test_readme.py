"""The README's Python section runs as written: its shell commands (except the
venv and `pip install ./python`, which python/ci.sh runs itself in a fresh
venv) and every Python block, in order, in a scratch folder beside the
repository's fixtures."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, need

SECTION = (REPO / "README.md").read_text().split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
SETUP = ("python3 -m venv", "pip install ./python")


def blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", SECTION, flags=re.S)


def test_the_section_has_the_commands_this_test_runs():
    shell = [line for b in blocks("sh") for line in b.splitlines()]
    assert any(line.startswith("pip install ./python") for line in shell)
    assert len(blocks("python")) >= 4


@pytest.mark.parametrize("line", [line for b in blocks("sh") for line in b.splitlines() if line.strip() and not line.startswith(SETUP)])
def test_readme_shell_command_runs(line):
    expected = 1 if "--fail-on error" in line and "W19" in line else 0
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", NO_COLOR="1")
    out = subprocess.run(["bash", "-c", line.split(" # ")[0]], cwd=REPO, env=env, capture_output=True, text=True)
    assert out.returncode == expected, out.stderr


def test_readme_python_blocks_run_in_order(tmp_path, monkeypatch, capsys):
    for module in ("numpy", "keras", "lightning", "transformers"):
        need(module)
    (tmp_path / "fixtures").symlink_to(REPO / "fixtures")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__readme__"}
    for code in blocks("python"):
        exec(compile(code, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "1 warning: overfitting" in printed
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "curves.png").exists()
    assert namespace["check"].diagnosis is not None
