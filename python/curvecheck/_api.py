"""`curvecheck.diagnose`: any source in (a path, a Keras ``History``, a
DataFrame, a dict of lists, a Hugging Face ``log_history``), a `Diagnosis` out.

In-memory sources are handed to the Rust readers, not re-implemented here: a
table goes over column by column and is read by the CSV readers' table code
(same step/epoch columns, same roles as the same table in a CSV file), a
``log_history`` as the ``trainer_state.json`` document it is part of.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._diagnosis import Diagnosis

CurveCheckError = _native.CurveCheckError

Column = Tuple[str, List[Optional[float]]]

_FLAGS = {"classes", "metric", "input_format", "params", "skip_corrupt", "strict", "experiment", "run"}


def _flags(settings: Mapping[str, Any]) -> List[str]:
    """The API's keyword settings as the CLI's flags, which the Rust side parses and checks."""
    flags: List[str] = []
    for key, value in settings.items():
        if "." in key:
            # diagnose(src, **{"best-epoch.patience": 10}) is --set best-epoch.patience=10.
            flags += ["--set", f"{key}={value}"]
        elif key not in _FLAGS:
            known = ", ".join(sorted(_FLAGS))
            raise TypeError(f"diagnose() got an unexpected setting {key!r}; settings are {known}, or RULE.PARAM=VALUE")
        elif value is None or value is False:
            continue
        elif key == "classes":
            flags += ["--classes", str(value)]
        elif key == "metric":
            for role, series in dict(value).items():
                flags += ["--metric", f"{role}={series}"]
        elif key == "params":
            for param, v in dict(value).items():
                flags += ["--set", f"{param}={v}"]
        elif key == "input_format":
            flags += ["--input-format", str(value)]
        elif key in ("skip_corrupt", "strict"):
            flags.append("--" + key.replace("_", "-"))
        else:  # experiment, run: one name or several
            for v in [value] if isinstance(value, str) else list(value):
                flags += [f"--{key}", str(v)]
    return flags


def _cell(column: str, row: int, v: Any) -> Optional[float]:
    if v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise CurveCheckError(f"column '{column}', row {row}: {v!r} is not a number") from None


def _columns_of(table: Mapping[str, Any], nan_is_missing: bool) -> List[Column]:
    """Columns of numbers; a column holding only text (a phase, a timestamp) is left out, as the CSV readers do."""
    out: List[Column] = []
    for name, values in table.items():
        values = values.tolist() if hasattr(values, "tolist") else list(values)
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, str) for v in present):
            continue
        cells = [_cell(str(name), i, v) for i, v in enumerate(values)]
        if nan_is_missing:
            cells = [None if c is not None and math.isnan(c) else c for c in cells]
        out.append((str(name), cells))
    return out


def _kind(source: Any) -> str:
    module = type(source).__module__ or ""
    if isinstance(source, (str, os.PathLike)):
        return "path"
    if module.startswith("pandas") and hasattr(source, "columns"):
        return "pandas"
    if module.startswith("polars") and hasattr(source, "columns"):
        return "polars"
    if isinstance(getattr(source, "history", None), dict) and not isinstance(source, Mapping):
        return "history"
    if isinstance(getattr(source, "log_history", None), list):
        return "trainer_state"
    if isinstance(source, Mapping):
        return "log_history" if "log_history" in source else "dict"
    if isinstance(source, Sequence) and all(isinstance(e, Mapping) for e in source):
        return "log_history"
    raise TypeError(
        f"curvecheck.diagnose() cannot read a {type(source).__name__}: give a path, a Keras History (or its .history), "
        "a pandas or polars DataFrame, a dict of lists, or a Hugging Face log_history (a list of dicts)"
    )


def _native_diagnoses(source: Any, name: Optional[str], settings: Mapping[str, Any]) -> List[_native.NativeDiagnosis]:
    flags = _flags(settings)
    kind = _kind(source)
    if kind == "path":
        return _native.diagnose_path(os.fspath(source), flags)
    if kind == "pandas":
        df = source
        if df.index.name is not None:
            # A named index (epoch, step) is a column of the table.
            df = df.reset_index()
        # pandas marks an empty cell with NaN (and to_csv writes it empty), or pd.NA in its nullable dtypes: read as missing.
        from pandas.api.types import is_numeric_dtype

        table = {c: df[c].to_numpy(dtype="float64", na_value=math.nan) if is_numeric_dtype(df[c]) else df[c] for c in df.columns}
        columns = _columns_of(table, nan_is_missing=True)
        return [_native.diagnose_columns(name or "dataframe", "<DataFrame>", columns, flags)]
    if kind == "polars":
        # polars keeps null (missing) and NaN apart.
        columns = _columns_of({c: source[c].to_list() for c in source.columns}, nan_is_missing=False)
        return [_native.diagnose_columns(name or "dataframe", "<DataFrame>", columns, flags)]
    if kind == "history":
        columns = _columns_of(source.history, nan_is_missing=False)
        return [_native.diagnose_columns(name or "history", "<History>", columns, flags)]
    if kind == "dict":
        columns = _columns_of(source, nan_is_missing=False)
        return [_native.diagnose_columns(name or "run", "<dict>", columns, flags)]
    if kind == "trainer_state":
        state: Dict[str, Any] = {"log_history": list(source.log_history)}
        if getattr(source, "best_metric", None) is not None:
            state["best_metric"] = source.best_metric
    elif isinstance(source, Mapping):
        state = dict(source)
    else:
        state = {"log_history": list(source)}
    data = json.dumps(state, default=float).encode()
    return _native.diagnose_bytes(name or "trainer", "<log_history>", data, flags)


def diagnose(source: Any, *, name: Optional[str] = None, **settings: Any) -> Diagnosis:
    """Reads one run and diagnoses it.

    ``source``: a path (any log format the CLI reads), a Keras ``History`` or
    its ``.history`` dict, a pandas or polars DataFrame, a dict of lists (a
    ``step`` or ``epoch`` column places the rows, else row ``i`` is epoch
    ``i``; ``None`` is an empty cell), or a Hugging Face ``log_history`` (a
    list of dicts, a ``trainer_state.json`` dict or a ``TrainerState``).

    Settings are the CLI's: ``classes=10`` (``--classes``), ``metric={"val_acc":
    "top1"}`` (``--metric``), ``params={"best-epoch.patience": 10}`` or
    ``**{"best-epoch.patience": 10}`` (``--set``), ``input_format=``,
    ``skip_corrupt=``, ``strict=``, ``experiment=``, ``run=``. Bad input or
    settings raise :class:`CurveCheckError` with the CLI's message. A path that
    holds several runs raises too: use :func:`diagnose_all`.
    """
    found = _native_diagnoses(source, name, settings)
    if len(found) != 1:
        names = ", ".join(json.loads(n.json())["name"] for n in found)
        raise CurveCheckError(f"{source}: holds {len(found)} runs ({names}); use curvecheck.diagnose_all() for several runs")
    return Diagnosis._from_native(found[0])


def diagnose_all(source: Any, *, name: Optional[str] = None, **settings: Any) -> List[Diagnosis]:
    """:func:`diagnose` for a source that may hold several runs (a directory, an MLflow store): every run, worst first."""
    return [Diagnosis._from_native(n) for n in _native_diagnoses(source, name, settings)]


Source = Union[str, "os.PathLike[str]", Mapping[str, Any], Sequence[Mapping[str, Any]], Any]
