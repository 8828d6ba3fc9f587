"""Typed results: each rep with its flags, each set with its summary, the whole analysis.

The stages in order (:func:`repscope.analysis.pipeline.analyze_recording` runs them):

1. :mod:`.stretches` - the uniform grid and its gap-free stretches;
2. :mod:`.find_reps` - the reps of each stretch (strokes or rhythm), with confidence;
3. :mod:`.rep_kinematics` - what each rep's own samples measure;
4. :mod:`.metrics` - phases, velocity and turnaround measures per rep, the set summary;
5. :mod:`.flags` - flags per rep and the set verdict, gathered here.

Tables (:mod:`.tables`) are made from these results only at the output boundary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repscope.analysis.metrics import RepMetrics, SetSummary


@dataclass(frozen=True)
class RepResult:
    """One rep: its metrics, flags with one reason each, and its velocity loss.

    ``full_range``: complete and not a partial rep, so it counts for velocity loss.
    """

    metrics: RepMetrics
    flags: tuple[str, ...]
    flag_reasons: tuple[str, ...]
    velocity_loss: float
    full_range: bool

    def __post_init__(self) -> None:
        # the output boundary joins reasons with ";" (tables.py): one inside a reason
        # would split it into two, so it becomes a comma here
        clean = tuple(r.replace(";", ",") for r in self.flag_reasons)
        object.__setattr__(self, "flag_reasons", clean)


@dataclass(frozen=True)
class SetResult:
    """One set: its summary and its reps in order."""

    summary: SetSummary
    reps: tuple[RepResult, ...]


@dataclass
class SessionAnalysis:
    """Result of :func:`analyze_recording`.

    Attributes
    ----------
    reps
        Rep table (columns in :mod:`repscope.analysis.tables`).
    sets
        Set table.
    traces
        Per-sample signals for plots: ``time_s``, ``vertical_acc_mps2``, ``velocity_mps``,
        ``position_m``, ``still``, ``set`` (0 outside sets), ``rep`` (0 outside reps),
        ``phase`` (``eccentric``, ``bottom_pause``, ``concentric``, ``top_pause`` or ``""``).
    provenance
        Version, algorithms, parameters, sampling rate, device, placement, exercise, tempo.
    meta
        The analysed recording's metadata.
    """

    reps: pd.DataFrame
    sets: pd.DataFrame
    traces: pd.DataFrame
    provenance: dict[str, Any]
    meta: dict[str, Any]
    #: The typed results the tables were made from (empty when read back from storage).
    results: tuple[SetResult, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """Return sets (each with its reps), summaries and provenance as JSON-ready data."""

        def clean(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, np.generic):
                return clean(value.item())
            return value

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {str(k): clean(v) for k, v in row.items()}
                for row in frame.to_dict(orient="records")
            ]

        sets_out = []
        for set_row in records(self.sets):
            members = self.reps[self.reps["set"] == set_row["set"]]
            rep_rows = records(members)
            for rep in rep_rows:
                rep["flags"] = [f for f in str(rep["flags"]).split(";") if f]
                rep["flag_reasons"] = [r for r in str(rep["flag_reasons"]).split(";") if r]
            set_row["verdict_reasons"] = [
                r for r in str(set_row["verdict_reasons"]).split(";") if r
            ]
            sets_out.append({**set_row, "reps": rep_rows})
        return {"recording": self.meta, "sets": sets_out, "provenance": self.provenance}
