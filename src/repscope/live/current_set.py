"""The set in progress: its reported reps, their flags, its end and its summary.

:class:`CurrentSet` holds what the lifter has been told about the current set. Reps are
added as the engine reports them (:meth:`CurrentSet.add`), and the flags of every rep are
then recomputed against the set so far (:func:`repscope.live.sets.reflag`). The set ends
by the batch rule (:func:`repscope.live.sets.set_should_end`), and its summary
(:meth:`CurrentSet.end`) is the batch analysis of the set, from halfway through the rest
before it (at most ``set_context_s`` before its first rep; or the first buffered sample)
to the newest sample; for a session of one set that fits in the buffer this window is the
whole recording, so the summary is exactly what ``repscope analyze`` reports on the saved
file. The batch set that covers most of the live set is its summary
(:func:`repscope.live.sets.pick_set`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from repscope.analysis import SessionAnalysis
from repscope.analysis.profiles import ExerciseProfile
from repscope.analysis.tables import REP_COLUMNS
from repscope.live import sets
from repscope.live.acceptance import LiveRep
from repscope.live.events import UPDATE_FIELDS, LiveEvent
from repscope.live.settings import LiveSettings
from repscope.live.window_analysis import WINDOW_FLAGS, WINDOW_HORIZONTAL
from repscope.tempo import Tempo

Row = dict[str, Any]


class CurrentSet:
    """The reps reported in the current set, and the sets before it.

    Parameters
    ----------
    profile, tempo
        The exercise's profile and the prescribed tempo (flags).
    settings
        The engine's settings (``set_context_s``).
    set_gap_s
        Seconds after the last rep, with the bar still, that end a set.
    """

    def __init__(
        self,
        *,
        profile: ExerciseProfile,
        tempo: Tempo | None,
        settings: LiveSettings,
        set_gap_s: float,
    ) -> None:
        self.profile = profile
        self.tempo = tempo
        self.settings = settings
        self.set_gap_s = set_gap_s
        #: Number of the current (or last) set; 0 before the first.
        self.number = 0
        self.reps: list[LiveRep] = []
        #: End of the last set: no rep starting before it is taken.
        self.floor_s = -math.inf

    def rows(self) -> list[Row]:
        """Return the reported reps' rows (latest values)."""
        return [r.row for r in self.reps]

    def add(self, new_rows: list[Row], t_now: float) -> list[LiveEvent]:
        """Add reported reps, recompute the flags; return the events (steps 3-4)."""
        events: list[LiveEvent] = []
        for row in new_rows:
            if not self.reps:
                self.number += 1
                events.append(LiveEvent("set_started", t_now, self.number))
            flags, reasons = (list(x) for x in row[WINDOW_FLAGS])
            rep = LiveRep(
                len(self.reps) + 1,
                {c: row[c] for c in REP_COLUMNS},
                flags,
                reasons,
                horizontal_speed_mps=float(row.get(WINDOW_HORIZONTAL, math.nan)),
            )
            self.reps.append(rep)
        if not new_rows:
            return events
        sets.reflag(
            self.reps, thresholds=self.profile.thresholds, tempo=self.tempo, set_number=self.number
        )
        for rep in self.reps:
            shown = rep.shown
            if shown is None:
                kind = "rep_completed"
            elif any(shown[c] != rep.row[c] for c in UPDATE_FIELDS):
                kind = "rep_updated"
            else:
                continue
            rep.shown = dict(rep.row)
            events.append(LiveEvent(kind, t_now, self.number, rep.number, row=dict(rep.row)))
        return events

    def should_end(
        self, rows: list[Row], t_edge: float, *, moving: bool, racked: bool = False
    ) -> bool:
        """Whether the set is over (:func:`repscope.live.sets.set_should_end`).

        ``racked``: the bar has rested on a rack since the last rep
        (:func:`repscope.live.sets.racked_since`, the batch rule).
        """
        return sets.set_should_end(
            rows,
            last_end_s=float(self.reps[-1].row["end_s"]),
            t_edge=t_edge,
            moving=moving,
            set_gap_s=self.set_gap_s,
            settings=self.settings,
            racked=racked,
        )

    def end(
        self,
        t_edge: float,
        *,
        oldest_s: float,
        first_time_s: float,
        summarize: Callable[[float, float], SessionAnalysis | None],
    ) -> LiveEvent:
        """End the set: its summary from ``summarize(t0, t_edge)`` (module docs).

        ``oldest_s`` is the oldest buffered sample, ``first_time_s`` the stream's first.
        """
        live = {"start_s": float(self.reps[0].row["start_s"])}
        live["end_s"] = float(self.reps[-1].row["end_s"])
        first, last_end = live["start_s"], live["end_s"]
        if math.isfinite(self.floor_s):
            wanted = min(first - self.settings.set_context_s, 0.5 * (self.floor_s + first))
            complete = wanted >= oldest_s
        else:
            wanted = oldest_s
            complete = oldest_s <= first_time_s
        result = summarize(max(wanted, oldest_s), t_edge)
        summary: Row = {}
        if result is not None and not result.reps.empty:
            reps, summary = sets.pick_set(result.reps, result.sets, live, set_number=self.number)
        else:  # the set's reps were not found again: report what was seen live
            complete = False
            reps = [dict(r.row) for r in self.reps]
        self.floor_s = max([last_end] + [float(r["end_s"]) for r in reps])
        self.reps = []
        return LiveEvent(
            "set_ended", t_edge, self.number, summary=summary, reps=tuple(reps), complete=complete
        )
