"""Live events: what the engine tells the lifter, and their JSON form.

A :class:`LiveEvent` is the current movement phase (``phase``), the first rep of a set
(``set_started``), a rep once it is complete (``rep_completed``, with its rep-table row),
a change of an earlier rep's flags as the set goes on (``rep_updated``) or the set summary
when the set is over (``set_ended``). Times are the samples' own ``time_s`` axis.

The phase shown live comes from the turnaround detector
(:mod:`repscope.live.turnarounds`): moving down is ``eccentric``, up ``concentric``;
stopped inside a set ``bottom_pause`` after a down stroke and ``top_pause`` after an up
stroke; stopped outside a set ``rest``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Kinds of :class:`LiveEvent`.
EVENT_KINDS: tuple[str, ...] = (
    "phase",
    "set_started",
    "rep_completed",
    "rep_updated",
    "set_ended",
)
#: Labels of the current phase.
PHASES: tuple[str, ...] = ("rest", "eccentric", "bottom_pause", "concentric", "top_pause")
#: Fields of a reported rep whose change is a ``rep_updated`` event.
UPDATE_FIELDS: tuple[str, ...] = ("flags", "flag_reasons")


@dataclass(frozen=True)
class LiveEvent:
    """Something the lifter should hear about.

    Attributes
    ----------
    kind
        One of :data:`EVENT_KINDS`.
    time_s
        Time of the newest sample when the engine emitted the event (the samples'
        ``time_s`` axis); for a rep, ``time_s - row["end_s"]`` is how long after the
        rep's end the data that reported it had arrived.
    set_number
        Live set number, from 1 (0 for a ``phase`` event outside a set).
    rep_number
        Rep number within the set, from 1 (rep events only).
    phase
        The new phase (``phase`` events; one of :data:`PHASES`).
    row
        The rep's row with the columns of :data:`repscope.analysis.tables.REP_COLUMNS`
        (rep events).
    summary
        The set's row with the columns of :data:`repscope.analysis.tables.SET_COLUMNS`
        (``set_ended``; empty when the set's reps were not found again).
    reps
        The set's rep rows from the analysis of the whole set (``set_ended``).
    complete
        ``set_ended`` only: False when the set was longer than the buffer (the summary
        covers the buffered part) or its reps were not found again (``reps`` are then
        the live ones and ``summary`` is empty).
    """

    kind: str
    time_s: float
    set_number: int = 0
    rep_number: int = 0
    phase: str = ""
    row: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    reps: tuple[dict[str, Any], ...] = ()
    complete: bool = True

    def to_json_dict(self) -> dict[str, Any]:
        """Return the event as JSON-ready data (NaN becomes None, flags become lists)."""
        out: dict[str, Any] = {"kind": self.kind, "time_s": _clean(self.time_s)}
        out["set"] = self.set_number
        if self.kind == "phase":
            out["phase"] = self.phase
        if self.row is not None:
            out["rep"] = self.rep_number
            out["row"] = clean_row(self.row)
        if self.kind == "set_ended":
            out["summary"] = clean_row(self.summary or {})
            out["reps"] = [clean_row(r) for r in self.reps]
            out["complete"] = self.complete
        return out


def _clean(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def clean_row(row: dict[str, Any]) -> dict[str, Any]:
    """Return a rep or set row as JSON-ready data: NaN as None, ``;`` lists as lists."""
    out = {str(k): _clean(v) for k, v in row.items()}
    for key in ("flags", "flag_reasons", "verdict_reasons"):
        if isinstance(out.get(key), str):
            out[key] = [x for x in out[key].split(";") if x]
    return out
