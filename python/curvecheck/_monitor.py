"""What the three callbacks share: the run so far as rows, diagnosed when the
framework says an epoch or an evaluation ended (and at once when the training
loss turns NaN or infinite, so ``stop_on="error"`` stops within a step or
two), each new finding printed once, and the chart file kept up to date."""

from __future__ import annotations

import math
import sys
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from ._api import CurveCheckError, diagnose
from ._diagnosis import SEVERITIES, Diagnosis, Finding


def _number(v: Any) -> Optional[float]:
    """A logged value as a float (tensors and numpy scalars too); ``None`` when it is not one number."""
    try:
        if hasattr(v, "numel") and v.numel() != 1:
            return None
        if hasattr(v, "item"):
            v = v.item()
        if isinstance(v, bool):
            return None
        return float(v)
    except (TypeError, ValueError, RuntimeError):
        return None


class Monitor:
    """Diagnoses a run while it trains; the framework callbacks feed it.

    ``severities``: which findings to print (default warnings and errors).
    ``stop_on``: ``"error"`` (or ``"warning"``) asks the framework to stop once a
    finding that bad appears. ``plot_to``: a ``.png`` or ``.svg`` file redrawn at
    every check. ``settings`` are :func:`curvecheck.diagnose`'s (``classes=10``,
    ``**{"best-epoch.patience": 10}``); they are checked here, so a bad one fails
    before training starts.
    """

    def __init__(
        self,
        *,
        name: str = "training",
        severities: Iterable[str] = ("warning", "error"),
        stop_on: Optional[str] = None,
        plot_to: Optional[str] = None,
        print_fn: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True),
        **settings: Any,
    ) -> None:
        self.severities = tuple(severities)
        for s in self.severities + ((stop_on,) if stop_on else ()):
            if s not in SEVERITIES:
                raise ValueError(f"unknown severity {s!r}; severities are {', '.join(SEVERITIES)}")
        self.name = name
        self.stop_on = stop_on
        self.plot_to = plot_to
        self.print_fn = print_fn
        self.settings = settings
        # A bad setting is the CLI's error now, not at the first epoch's end (`metric` names series
        # that are logged later, so only its role names are checked here).
        probe = {"loss": [1.0, 0.5]}
        roles = dict(settings.get("metric") or {})
        probe.update({series: [1.0, 0.5] for series in roles.values()})
        diagnose(probe, **settings)
        self._errors: Set[str] = set()
        self.rows: Dict[float, Dict[str, Optional[float]]] = {}
        self.seen: Set[Tuple[str, str]] = set()
        self.diagnosis: Optional[Diagnosis] = None
        self.stopped_by: Optional[Finding] = None

    def log(self, step: float, metrics: Mapping[str, Any]) -> None:
        """Records numbers logged at ``step`` (merged with what that step already holds)."""
        row = self.rows.setdefault(step, {})
        for key, value in metrics.items():
            v = _number(value)
            if v is not None:
                row[str(key)] = v

    def columns(self, step_name: str = "step") -> Dict[str, List[Optional[float]]]:
        """The rows so far as columns (an empty cell where a step did not log a name)."""
        steps = sorted(self.rows)
        names: List[str] = []
        for s in steps:
            names += [k for k in self.rows[s] if k not in names]
        cols: Dict[str, List[Optional[float]]] = {step_name: [float(s) for s in steps]}
        for n in names:
            cols[n] = [self.rows[s].get(n) for s in steps]
        return cols

    def check(self, source: Any = None) -> bool:
        """Diagnoses the run so far (``source``, else the rows logged); prints new findings;
        redraws ``plot_to``; returns True when training should stop."""
        try:
            d = diagnose(self.columns() if source is None else source, name=self.name, **self.settings)
        except CurveCheckError as e:
            # Often just too early (nothing a rule can read yet); each reason is said once.
            if str(e) not in self._errors:
                self._errors.add(str(e))
                self.print_fn(f"curvecheck: cannot diagnose the run yet: {e}")
            return False
        self.diagnosis = d
        for f in d.findings:
            key = (f.rule, f.severity)
            if key in self.seen:
                continue
            self.seen.add(key)
            if f.severity in self.severities:
                self.print_fn(f"curvecheck: {f}")
        if self.plot_to:
            try:
                d.plot(self.plot_to)
            except CurveCheckError as e:
                self.print_fn(f"curvecheck: chart not drawn: {e}")
        if self.stop_on and self.stopped_by is None:
            worst = next((f for f in d.findings if f.at_least(self.stop_on)), None)
            if worst is not None:
                self.stopped_by = worst
                self.print_fn(f"curvecheck: stopping training: {worst.rule} ({worst.severity}, {worst.span})")
                return True
        return False

    def loss_blew_up(self, value: Any) -> bool:
        """True for a NaN or infinite loss while ``stop_on`` is set: worth a check right away."""
        v = _number(value)
        return self.stop_on is not None and v is not None and not math.isfinite(v)
