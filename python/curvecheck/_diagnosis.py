"""`Diagnosis` and `Finding`: what `curvecheck.diagnose` returns, read from the
same JSON object `curvecheck diagnose --format json` writes for a run."""

from __future__ import annotations

import base64
import copy
import html
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from . import _native

#: Severities, mildest first (`Finding.severity` is one of them).
SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Span:
    """Where a finding holds, in the log's own units (``axis`` is ``"epoch"`` or ``"step"``)."""

    axis: str
    start: Optional[float]
    end: Optional[float]

    def __str__(self) -> str:
        def pos(v: Optional[float]) -> str:
            return "?" if v is None else (str(int(v)) if float(v).is_integer() else f"{v:g}")

        if self.start == self.end:
            return f"{self.axis} {pos(self.start)}"
        return f"{self.axis} {pos(self.start)}–{pos(self.end)}"


@dataclass(frozen=True)
class Finding:
    """One problem (or note) a rule found: the data it rests on, and what it means and what to try."""

    rule: str
    severity: str
    confidence: float
    span: Span
    series: List[str]
    evidence: Dict[str, Optional[float]]
    labels: Dict[str, Any]
    message: str
    advice: str

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Finding":
        return cls(
            rule=d["rule"],
            severity=d["severity"],
            confidence=d["confidence"],
            span=Span(**d["span"]),
            series=list(d["series"]),
            evidence=dict(d["evidence"]),
            labels=dict(d["labels"]),
            message=d["message"],
            advice=d["advice"],
        )

    def at_least(self, severity: str) -> bool:
        """True when this finding is as bad as ``severity`` (``"info"``, ``"warning"`` or ``"error"``) or worse."""
        return SEVERITIES.index(self.severity) >= SEVERITIES.index(severity)

    def __str__(self) -> str:
        return (
            f"{self.severity.upper():<7} {self.rule}  {self.span}  (confidence {self.confidence:.2f})\n"
            f"  {self.message}\n  → {self.advice}"
        )


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """A run, what the rules found in it (worst first), and the verdict.

    ``to_dict()`` is the run's object of ``curvecheck diagnose --format json``
    (``docs/diagnose.schema.json``); in a notebook the diagnosis shows as its
    annotated chart and its findings.
    """

    name: str
    source: str
    format: str
    records: int
    verdict: str
    healthy: bool
    findings: List[Finding]
    skipped_count: int
    skipped: List[Dict[str, str]]
    notes: List[str]
    _handle: _native.NativeDiagnosis = field(repr=False)
    _dict: Dict[str, Any] = field(repr=False)

    @classmethod
    def _from_native(cls, native: _native.NativeDiagnosis) -> "Diagnosis":
        d = json.loads(native.json())
        return cls(
            name=d["name"],
            source=d["source"],
            format=d["format"],
            records=d["records"],
            verdict=d["verdict"],
            healthy=d["healthy"],
            findings=[Finding.from_dict(f) for f in d["findings"]],
            skipped_count=d["skipped_count"],
            skipped=list(d["skipped"]),
            notes=list(d["notes"]),
            _handle=native,
            _dict=d,
        )

    def worst(self) -> Optional[str]:
        """``"error"`` or ``"warning"``, the worst severity found; ``None`` when healthy."""
        bad = [f.severity for f in self.findings if f.severity != "info"]
        return max(bad, key=SEVERITIES.index) if bad else None

    def to_dict(self) -> Dict[str, Any]:
        """The run's object of ``diagnose --format json`` (a fresh copy)."""
        return copy.deepcopy(self._dict)

    def to_json(self, indent: Optional[int] = None) -> str:
        """:meth:`to_dict` as JSON text (non-finite evidence is ``null``)."""
        return json.dumps(self._dict, indent=indent, ensure_ascii=False)

    def plot(self, path: Union[str, "os.PathLike[str]"]) -> Path:
        """Draws the annotated chart to a ``.png`` or ``.svg`` file; returns the path."""
        self._handle.plot(os.fspath(path))
        return Path(path)

    def svg(self) -> Optional[str]:
        """The annotated chart as SVG text; ``None`` when the run has no curve to draw."""
        return self._handle.svg()

    def png(self) -> Optional[bytes]:
        """The annotated chart as PNG bytes (the embedded font, so the same on every machine)."""
        with tempfile.TemporaryDirectory(prefix="curvecheck-") as tmp:
            out = Path(tmp) / "chart.png"
            try:
                self._handle.plot(str(out))
            except _native.CurveCheckError:
                return None
            return out.read_bytes() if out.exists() else None

    def __str__(self) -> str:
        return self._handle.text()

    def __repr__(self) -> str:
        return f"<Diagnosis {self.name!r}: {self.verdict}>"

    def _repr_html_(self) -> str:
        return to_html(self)


# Notebook front ends right-align table cells and pad them little: every cell says how it wants to look.
_CELL_CSS = "text-align: left; vertical-align: top; padding: 3px 8px; white-space: normal;"
_CELL = f' style="{_CELL_CSS}"'
_COLORS = {"error": "#b91c1c", "warning": "#b45309", "info": "#1d4ed8"}


def to_html(d: Diagnosis) -> str:
    """The notebook view: verdict, annotated chart (PNG, inline) and a table of findings."""
    e = html.escape
    color = _COLORS.get(d.worst() or "", "#15803d")
    parts = [
        '<div class="curvecheck-diagnosis" style="font-family: sans-serif; max-width: 1000px">',
        f'<div style="font-weight: bold; font-size: 1.1em">{e(d.name)} '
        f'<span style="color: {color}">{e(d.verdict)}</span></div>',
        f'<div style="color: #555; font-size: 0.9em">{e(d.format)} · {e(d.source)} · {d.records} records'
        + (f" · {d.skipped_count} skipped" if d.skipped_count else "")
        + "</div>",
    ]
    png = d.png()
    if png:
        src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        parts.append(f'<img src="{src}" alt="annotated learning curves of {e(d.name)}" style="max-width: 100%">')
    if d.findings:
        parts.append('<table style="border-collapse: collapse; font-size: 0.9em; text-align: left">')
        head = "".join(f"<th{_CELL}>{h}</th>" for h in ("severity", "rule", "where", "confidence", "finding"))
        parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
        for f in d.findings:
            c = _COLORS.get(f.severity, "#000")
            parts.append(
                "<tr style='border-top: 1px solid #ddd; vertical-align: top'>"
                f"<td style='{_CELL_CSS} color: {c}; font-weight: bold'>{e(f.severity)}</td>"
                f"<td{_CELL}><code>{e(f.rule)}</code></td><td{_CELL}>{e(str(f.span))}</td><td{_CELL}>{f.confidence:.2f}</td>"
                f"<td{_CELL}>{e(f.message)}<br><i>→ {e(f.advice)}</i></td></tr>"
            )
        parts.append("</tbody></table>")
    for note in d.notes:
        parts.append(f'<div style="color: #555; font-size: 0.85em">note: {e(note)}</div>')
    parts.append("</div>")
    return "\n".join(parts)
