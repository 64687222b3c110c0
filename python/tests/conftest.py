"""Shared setup: the repository's fixtures, Keras on its torch backend, no model hub."""

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import pytest

# Before any framework is imported: Keras on torch, and nothing fetched from a hub.
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"


def cli(args: Sequence[str], **kw) -> subprocess.CompletedProcess:
    """The installed `curvecheck` command (the console script), run in a subprocess from the repository root."""
    beside = Path(sys.executable).parent / "curvecheck"
    exe = str(beside) if beside.exists() else shutil.which("curvecheck")
    assert exe, "the `curvecheck` console script is not on PATH: is the package installed in this environment?"
    return subprocess.run([exe, *args], cwd=REPO, capture_output=True, text=True, **kw)


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def need(module: str):
    """Imports a framework the test needs: skipped without it locally, a failure under CI=true."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)
