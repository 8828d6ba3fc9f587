"""Where each rep's four phases lie in time, from the rep table (for the phase shading)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from repscope.analysis import SessionAnalysis
from repscope.report.style import PHASE_DURATION_COLUMNS, PHASES


def first_phase(result: SessionAnalysis, reps: pd.DataFrame) -> str:
    """Eccentric or concentric: the phase each rep of this result starts with.

    Read from the provenance's exercise profile, or from ``traces["phase"]`` at the first
    rep's start when the provenance lacks it.
    """
    profile = result.provenance.get("parameters", {}).get("profile", {})
    first = profile.get("first_phase") if isinstance(profile, dict) else None
    if first in ("eccentric", "concentric"):
        return str(first)
    traces = result.traces
    if not reps.empty and not traces.empty:
        t0 = float(reps["start_s"].iloc[0])
        k = int(np.searchsorted(traces["time_s"].to_numpy(float), t0))
        for name in traces["phase"].iloc[k : k + 5]:
            if name in ("eccentric", "concentric"):
                return str(name)
    return "eccentric"


def phase_spans(reps: pd.DataFrame, *, first_phase: str) -> list[tuple[int, str, float, float]]:
    """Return ``(rep, phase, start_s, end_s)`` for every phase that exists in each rep.

    A phase exists when its duration in the rep table is finite and positive. The rep
    starts with its first phase, which lasts its duration; the second stroke ends at
    ``end_s``; the pause between them fills the gap and the pause after the rep follows
    ``end_s``.

    Parameters
    ----------
    reps
        Rep table (columns in :mod:`repscope.analysis.tables`), one set.
    first_phase
        ``"eccentric"`` (the stroke down comes first) or ``"concentric"``.
    """
    spans: list[tuple[int, str, float, float]] = []
    second = "concentric" if first_phase == "eccentric" else "eccentric"
    between = "bottom_pause" if first_phase == "eccentric" else "top_pause"
    after = "top_pause" if first_phase == "eccentric" else "bottom_pause"
    for row in reps.to_dict(orient="records"):
        rep = int(row["rep"])
        start, end = float(row["start_s"]), float(row["end_s"])
        d = {p: float(row[PHASE_DURATION_COLUMNS[p]]) for p in PHASES}
        pieces = [
            (first_phase, start, start + d[first_phase]),
            (between, start + d[first_phase], start + d[first_phase] + d[between]),
            (second, end - d[second], end),
            (after, end, end + d[after]),
        ]
        for phase, a, b in pieces:
            if math.isfinite(d[phase]) and d[phase] > 0 and b > a:
                spans.append((rep, phase, a, b))
    return spans
