"""Shared helpers for the report tests: sample analyses and structural checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from repscope.analysis import SessionAnalysis, analyze_recording
from repscope.io import read_recording

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = REPO_ROOT / "sample_data"
SAMPLES = sorted(p.stem for p in SAMPLE_DIR.glob("*.csv") if not p.name.endswith(".truth.csv"))
UNIT = re.compile(r"\([^()]+\)")
SPAN_GID = re.compile(r"^rep-(\d+)-(eccentric|bottom_pause|concentric|top_pause)$")


def prescribed_tempo(csv_path: Path) -> str | None:
    """The tempo the simulator was told to lift at (sidecar's extra), else None."""
    sidecar = csv_path.with_suffix(".json")
    if not sidecar.exists():
        return None
    extra = json.loads(sidecar.read_text()).get("extra") or {}
    sets = (extra.get("simulator") or {}).get("sets") or []
    tempos = {s.get("tempo") for s in sets if s.get("tempo")}
    return tempos.pop() if len(tempos) == 1 else None


_CACHE: dict[str, SessionAnalysis] = {}


def sample_analysis(name: str) -> SessionAnalysis:
    if name not in _CACHE:
        path = SAMPLE_DIR / f"{name}.csv"
        _CACHE[name] = analyze_recording(read_recording(path), tempo=prescribed_tempo(path))
    return _CACHE[name]


def pdf_page_count(path: Path) -> int:
    """Page objects in a PDF written by matplotlib (uncompressed object dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", path.read_bytes()))


def all_axes(fig: Figure) -> list[Axes]:
    """Every axes of a figure, including secondary axes."""
    out: list[Axes] = []
    for ax in fig.axes:
        out.append(ax)
        out.extend(a for a in ax.child_axes if isinstance(a, Axes))
    return out


def unlabelled_axes(fig: Figure) -> list[str]:
    """Axes that show tick labels but whose label lacks a unit in parentheses."""
    fig.canvas.draw()
    bad = []
    for ax in all_axes(fig):
        if not ax.axison:
            continue
        for name, axis, label in (
            ("x", ax.xaxis, ax.get_xlabel()),
            ("y", ax.yaxis, ax.get_ylabel()),
        ):
            if not axis.get_visible():
                continue
            shown = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            if shown and not UNIT.search(label):
                bad.append(f"{name} axis of {ax.get_title(loc='left')!r}: {label!r}")
    return bad


def phase_spans_by_axes(fig: Figure) -> dict[int, set[tuple[int, str]]]:
    """(rep, phase) of each shaded span, per axes that holds any."""
    out: dict[int, set[tuple[int, str]]] = {}
    for i, ax in enumerate(fig.axes):
        found = []
        for patch in ax.patches:
            m = SPAN_GID.match(patch.get_gid() or "")
            if m:
                found.append((int(m.group(1)), m.group(2)))
        if found:
            assert len(found) == len(set(found)), "a rep's phase shaded twice in one panel"
            out[i] = set(found)
    return out
