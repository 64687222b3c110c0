"""curvecheck: reads neural-network training logs, finds what went wrong in the
learning curves, and says why and what to try.

>>> import curvecheck
>>> d = curvecheck.diagnose("fixtures/real-logs/keras-csvlogger/voice-id-speaker250_training.log")  # doctest: +SKIP
>>> d.verdict  # doctest: +SKIP
'1 warning: overfitting'

``curvecheck.diagnose`` takes a path, a Keras ``History``, a DataFrame, a dict
of lists or a Hugging Face ``log_history``. The callbacks
``curvecheck.keras.CurveCheck``, ``curvecheck.lightning.CurveCheck`` and
``curvecheck.transformers.CurveCheckCallback`` diagnose while training; each
imports its framework only when used.
"""

import importlib
from typing import Any

from ._api import diagnose, diagnose_all
from ._diagnosis import SEVERITIES, Diagnosis, Finding, Span
from ._native import SCHEMA, CurveCheckError, __version__

__all__ = [
    "SCHEMA",
    "SEVERITIES",
    "CurveCheckError",
    "Diagnosis",
    "Finding",
    "Span",
    "__version__",
    "diagnose",
    "diagnose_all",
]

_FRAMEWORKS = ("keras", "lightning", "transformers")


def __getattr__(name: str) -> Any:
    # `curvecheck.keras` and friends import their framework: only on first use.
    if name in _FRAMEWORKS:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'curvecheck' has no attribute {name!r}")
