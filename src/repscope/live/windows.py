"""Where a live window starts: in a rest, or at a rep boundary.

A window ``[t0, t]`` starts where the orientation filter and the noise floor of the
stillness detector get what they need: the start of the latest still interval of at least
``min_rest_s`` (0.3 s) found by an earlier window, at least ``min_window_s`` (8 s) before
``t`` and, during a set, ``refine_margin_s`` before the last reported rep; or a rep
boundary (zero velocity) when no such rest lies within ``max_window_s`` (30 s). Outside a
set the window reaches back ``idle_window_s`` (15 s). The rest before a set counts
although every window that sees it starts inside it (its part after the window's first
``edge_margin_s``); a touch-and-go set's windows then start there, not at a rep boundary,
where the bar may already be accelerating into the next stroke.

**Incremental in a set.** Once a set has ``window_reps_n`` (1) reported reps, a window
at zero velocity (a burst after a turnaround or stop) starts at the start of the
``window_reps_n``-th last of them, or at a rest after it: the batch pipeline put the bar
at zero velocity there (the start of a rep's first stroke: the bell fit's zero,
:mod:`repscope.analysis.strokes`), so the velocity integration starts from rest as in a
still interval, and the reps before it, already reported and kept, are not analysed
again. The noise floor comes in as an argument (:mod:`repscope.live.window_analysis`),
so the window needs no rest of its own. The acceptance rules carry what they need of
the last reported rep instead of finding it after the window's first ``edge_margin_s``:
the window starts at that rep's known zero velocity, so it must pair that rep's strokes
again with its first rep starting there (:func:`repscope.live.acceptance.misses_reported`),
and a new rep is judged against that rep as the window sees it
(:func:`repscope.live.acceptance.candidates`). When it does not pair it, the window is
analysed once more from the start of the rep before (the next start returned here); a
periodic window, which may end in motion, starts there at once when the last reported
rep itself came from a window in motion (its start is then not a known zero velocity): a
window in motion bends its strokes, and one rep of context before the new stretch keeps
a wrong pairing from passing (measured: a squat X-0-X-0 set without detector marks, periodic windows
only, reported a wrong second rep from a window anchored at the first, and every window
anchored at that wrong rep then lost the last three). In a touch-and-go set, with no
rest after the one before the set, every window used to reach back to that rest, at
least ``min_window_s`` and up to ``max_window_s``. Measured on the 25 clean real bar
sets (``../shared/realdata/feather_bar``, replayed in data time, no rhythm finder in
the windows): reps reported 198 -> 203 of ``analyze``'s 250 from the second-last
reported rep, within 0.5 s of their end 137 -> 153 (figures for this rule in
``docs/ble.md``). From the last reported rep (this rule): 203 -> 209 reps, 153 -> 158
within 0.5 s with every periodic window at the rep before; starting periodic windows at
the last reported rep too when that rep came from a window at zero velocity gave the
squat sets 18 -> 20 and the deadlift sets 15 -> 19 of their reps within 0.5 s.

**Continued from the last reported rep's end** (``continue_from_end``). When that rep
was reported from a window at zero velocity that the detector marked (a turnaround or
stop) or that ended at rest, within ``deadline_s`` of the rep's end, a window starts at
the rep's end instead, and only the new stretch is analysed: the orientation there (the
reporting window's estimate) and zero velocity at the first sample are passed to the
stages as facts of the call (``initial_orientation``, ``starts_at_rest`` of
:func:`repscope.analysis.analyze_recording`), and such a window is analysed from
``min_continued_s`` (0.5 s). A rep reported later than that, or from a window in motion,
may be a wrong pairing; windows then start at its start as above, where they must pair
it again (measured: an overhead-press set at 50 Hz whose second rep was reported 1.5 s
after a wrong end, and a squat set whose reps came from periodic windows only, lost
later reps when windows continued from those ends). Measured on
``sample_data/squat_session.csv``: the median CPU of a window 0.27 of cc8dd77's (0.47
with windows from the rep's start), the same 15 reps.

A still interval that overlaps the inner part of a reported rep's stroke (more than
``stroke_core_margin_s``, 0.2 s, from its ends) is not used: it was a slow stroke taken
for a rest (measured: bench windows starting 0.4 s into a 3 s eccentric showed the reps
after it only 0.4 s after their end). Known rests are revised: a window at zero velocity
forgets those it no longer finds, among the ones that end at least ``revise_context_s``
(2 s) before it does. A window that ends just after a slow stroke can take part of it for
a rest; a later one sees the strokes after it and judges it as batch analysis will
(measured: a 3-0-1-0 squat set whose windows kept starting at such a rest, 0.3 s of its
first eccentric, reported two reps 0.6 and 0.8 s late).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np

from repscope.analysis.filters import runs
from repscope.analysis.orientation import OrientationStart
from repscope.live.acceptance import anchored
from repscope.live.settings import LiveSettings


class WindowPlanner:
    """The rests and rep boundaries seen so far, and the window starts they give.

    Parameters
    ----------
    settings
        The engine's settings.
    eccentric_first
        Whether a rep's first stroke is its eccentric (the profile's first phase).
    """

    def __init__(self, settings: LiveSettings, *, eccentric_first: bool) -> None:
        self.settings = settings
        self.eccentric_first = eccentric_first
        self.rest_runs: deque[tuple[float, float]] = deque(maxlen=256)
        self.turn_points: deque[float] = deque(maxlen=256)
        #: Whether the last reported rep came from a window at zero velocity.
        self.anchor_at_zero = True
        #: The last reported rep's end and the orientation there, when a window can
        #: continue from it (module docs).
        self.end_state: tuple[float, OrientationStart] | None = None

    def add_rep(
        self,
        row: dict[str, Any],
        *,
        at_zero: bool = True,
        orientation: OrientationStart | None = None,
        reported_s: float = math.inf,
    ) -> None:
        """Remember a reported rep's start and end as rep boundaries (zero velocity).

        ``at_zero``: it was reported from a window that ended at zero velocity;
        ``orientation``: that window's orientation at the rep's end; ``reported_s``:
        the window's end (module docs: which reps later windows continue from).
        """
        end = float(row["end_s"])
        self.turn_points.extend((float(row["start_s"]), end))
        self.anchor_at_zero = at_zero
        keep = (
            at_zero
            and orientation is not None
            and self.settings.continue_from_end
            and reported_s - end <= self.settings.deadline_s + 1e-9
        )
        self.end_state = (end, orientation) if keep and orientation is not None else None

    def continued_at(self, t0: float) -> OrientationStart | None:
        """Return the orientation a window from ``t0`` continues from (None: not continued)."""
        if self.end_state is None or abs(self.end_state[0] - t0) > 1e-6:
            return None
        return self.end_state[1]

    def starts(
        self, t_edge: float, *, oldest_s: float, reported: Sequence[dict[str, Any]]
    ) -> list[float]:
        """Return starts for a window ending at ``t_edge``, best first.

        ``oldest_s`` is the oldest buffered sample, ``reported`` the set's rep rows.
        """
        s = self.settings
        earliest = max(oldest_s, t_edge - s.max_window_s)
        if reported:
            latest = min(
                t_edge - s.min_window_s, float(reported[-1]["start_s"]) - s.refine_margin_s
            )
        else:
            latest = t_edge - s.idle_window_s
        # a rest first: the orientation filter and the noise floor need one
        moving = [span for row in reported for span in self.strokes(row)]
        long_rests = [
            (a, b)
            for a, b in self.rest_runs
            if b - a >= s.min_rest_s and not any(min(b, y) - max(a, x) > 0 for x, y in moving)
        ]
        rests = [a for a, _ in long_rests if earliest <= a <= latest]
        rests += [earliest for a, b in long_rests if a < earliest <= b]
        turns = [p for p in self.turn_points if earliest <= p <= latest]
        starts = [max(rests)] if rests else []
        if turns:
            starts.append(max(turns))
        k = s.window_reps_n
        # incremental: from the start of the k-th last reported rep (zero velocity, the
        # batch boundary), or from a rest after it; then from the rep before it (the
        # fallback when the window does not pair the anchored rep's strokes again)
        for j, n in enumerate(range(k, k + 2) if k else ()):
            if len(reported) >= n and float(reported[-n]["start_s"]) >= earliest:
                anchor = float(reported[-n]["start_s"])
                starts.insert(j, max([anchor, *(a for a in rests if a >= anchor)]))
        starts.append(max(earliest, min(latest, t_edge - s.min_window_s)))
        # continued: from the last reported rep's end, where the orientation is known
        if (
            self.end_state is not None
            and reported
            and abs(self.end_state[0] - float(reported[-1]["end_s"])) <= 1e-6
            and earliest <= self.end_state[0] < t_edge
        ):
            starts.insert(0, self.end_state[0])
        # for a second opinion (look-aside), also the last reported rep's start itself
        if reported:
            last_start = float(reported[-1]["start_s"])
            if earliest <= last_start <= t_edge - s.min_window_s:
                starts.append(last_start)
        return starts

    def start(
        self, t_edge: float, *, oldest_s: float, reported: Sequence[dict[str, Any]], at_zero: bool
    ) -> tuple[float, float]:
        """Return the start of a window ending at ``t_edge`` and its fallback (module docs).

        The fallback is the next earlier start (the rep before the last reported one); a
        window not ``at_zero`` velocity starts there when the first start is the last
        reported rep's.
        """
        starts = self.starts(t_edge, oldest_s=oldest_s, reported=reported)
        fallback = next(
            (x for x in starts if x < starts[0] - self.settings.edge_margin_s), starts[0]
        )
        if not (at_zero or self.anchor_at_zero) and anchored(reported, starts[0]):
            return fallback, fallback
        return starts[0], fallback

    def strokes(self, row: dict[str, Any]) -> list[tuple[float, float]]:
        """Inner parts of a reported rep's two strokes (``stroke_core_margin_s`` off each end)."""
        first, second, pause = "eccentric_s", "concentric_s", "bottom_pause_s"
        if not self.eccentric_first:
            first, second, pause = second, first, "top_pause_s"
        values = [float(row[k]) for k in (first, pause, second)]
        a, gap, b = (v if math.isfinite(v) else 0.0 for v in values)
        start = float(row["start_s"])
        m = self.settings.stroke_core_margin_s
        spans = [(start + m, start + a - m), (start + a + gap + m, start + a + gap + b - m)]
        return [(x, y) for x, y in spans if y > x]

    def remember_rests(
        self, time_s: np.ndarray, still: np.ndarray, t0: float, t_edge: float, *, at_zero: bool
    ) -> None:
        """Update the known rests with a window's still intervals.

        The pipeline takes a recording's ends to be at rest, so stillness within
        ``edge_margin_s`` of the window's ends is an assumption, not a finding: an interval
        touching the window's end is left out, one at its start keeps only its part after
        the margin (the rest before a set, which every window that sees it starts in). A
        window that ends at zero velocity also revises what earlier windows found (module
        docs).
        """
        s = self.settings
        lo, hi = t0 + s.edge_margin_s, t_edge - s.edge_margin_s
        found = [
            (max(float(time_s[a]), lo), float(time_s[b - 1]))
            for a, b in runs(still)
            if time_s[b - 1] > lo and time_s[b - 1] < hi
        ]
        if at_zero:
            kept = [
                (x, y)
                for x, y in self.rest_runs
                if not (lo <= x and y <= t_edge - s.revise_context_s)
                or any(a <= y and x <= b for a, b in found)
            ]
            if len(kept) < len(self.rest_runs):
                self.rest_runs = deque(kept, maxlen=self.rest_runs.maxlen)
        for run in found:
            if not any(run[0] <= y and x <= run[1] for x, y in self.rest_runs):
                self.rest_runs.append(run)
