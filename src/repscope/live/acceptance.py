"""Which reps a live window shows are reported, and when.

The rules, for a window ``[t0, t]`` analysed by the batch pipeline:

**New reps.** A rep of the window is new when it has both strokes, starts after the
window's first ``edge_margin_s`` (0.25 s) and after the last reported rep, and is not the
same rep as a reported one (:func:`overlaps`: they overlap by half the shorter; the one
overlap rule of the engine); a window that lacks a reported rep lying inside it has
paired the strokes wrongly, and no rep is taken from it (nor from such a look-back
window). A window that starts at the last reported rep's start (``window_reps_n=1``,
:mod:`repscope.live.windows`) starts at that rep's known zero velocity: the rep counts
as inside it although it starts at the window's first sample, and the window must show
it starting there (within ``edge_margin_s``). A new rep is reported when the update
ran at zero velocity (a burst, a start of movement, or a window ending in a still
interval or while the detector sees no movement) and the rep ends at least
``cut_margin_s`` (0.03 s) before the window (a stroke the window cuts ends on its last
sample) -- when the bar already moves the other way, the rep
has certainly ended and the margin is 0; or, from any update, when it ends ``settle_s``
(0.15 s) before the window and the previous update saw it too (start and end within
``confirm_tolerance_s``, 0.2 s). This is the confirmation rule: it needs no still period
after the rep, so a touch-and-go rep is reported while the next one is under way. The
price: the first report of a rep that ends by creeping to rest can come up to ~0.2 s
early, with that phase short by as much; the set summary has the batch value.

**Look-back.** A window that ends well after a turnaround, in the next stroke, loses
strokes (:func:`lost`): reps reported before go missing, or its last rep stops short of
the window's end. When the window at a turnaround or stop that can end a rep shows that
and no new rep, the detector saw the zero late; the engine then analyses windows ending
``look_back_s`` (0.05-0.4 s) earlier, newest first, each judged as an update at zero
velocity, and reports from the first that has the rep. If none has it (**look-aside**),
it analyses the window again from up to ``look_aside_n`` (2) other starts, because a
window that starts in motion can lose every rep after its start (measured: a squat
window from the rest before the set found no rep after the first; a press window
starting 0.02 s into an explosive press found none at all).

**Sightings: stable end and deadline** (:class:`Sightings`). The detector can also be
late without losing anything (drift over a slow stroke that creeps to its end), or early
(a creeping end taken for a stop), and then no window ends at the rep's zero velocity.
What a window that ends elsewhere shows is predictable (measured on simulated sets,
50-200 Hz): one that ends before the rep's end cuts the rep, whose last stroke then ends
one or two samples before the window; one that ends 0-0.1 s after it (up to 0.3 s when
the next stroke starts slowly) gives the batch end within a sample or two; later still
the rep's end follows the window's end, and 0.1-0.4 s into a fast next stroke the rep is
gone. So an update that shows the next rep to report without reporting it keeps it as a
*sighting*, and the rep is reported

- when its end is **stable**: it ends at least ``open_gap_s`` (0.05 s) before the window,
  and a window ending ``stable_sep_s`` (0.08 s) or more earlier put the end within
  ``stable_tol_s`` (0.04 s) of it; or
- at its **deadline**, ``deadline_s`` (0.3 s) of data after its end as the first window
  that saw it complete put it, or, when no window did, after the latest end seen. It is
  then reported, without a further analysis, from that first complete sighting, or else
  from the latest one.

A set's first rep has no deadline while every window that showed it ended in a movement
the detector had seen, and it is neither confirmed nor stable from windows that end
while the detector sees the bar move in a rep's first direction: windows that end in a
set's slow first stroke bend the setup moves before it (unracking, a walk-out) into a
"rep" (measured on 3-0-1-0 squat sets: reported from its deadline, it made the true
first rep be lost and the next ones come 3.6-4.8 s late). Outside a set, a rep that ends
more than ``first_rep_max_age_s`` before the window is not a candidate either.

**Bent windows.** A window that ends a rep more than ``max_retreat_s`` (0.3 s) before
the end the previous window gave it (start within ``confirm_tolerance_s``) has lost part
of its last stroke (:func:`retreats`): no rep is taken from it from that rep on, and it
is no sighting. The other way round, a window at zero velocity whose rep runs on more
than ``max_retreat_s`` past where sightings from windows in motion ended it drops those
sightings (measured: a 3-0-1-0 squat's first rep reported from such a sighting at once,
eccentric 1.5 s against 3.0 s). Neither needs the detector: with a detector that never
marks anything, every rep of the test sets is still reported within 0.5 s of its end.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from repscope.live.settings import LiveSettings

Row = dict[str, Any]


def overlap_s(a: Row, b: Row) -> float:
    """Return how long two rep rows overlap (negative: the gap between them)."""
    return min(float(a["end_s"]), float(b["end_s"])) - max(float(a["start_s"]), float(b["start_s"]))


def overlaps(a: Row, b: Row) -> bool:
    """Whether two rep rows are the same rep: they overlap by half the shorter one."""
    shorter = min(float(a["end_s"]) - float(a["start_s"]), float(b["end_s"]) - float(b["start_s"]))
    return overlap_s(a, b) >= 0.5 * max(shorter, 1e-9)


def same_rep(row: Row, seen: tuple[float, float], tolerance_s: float) -> bool:
    """Whether ``row`` starts and ends within ``tolerance_s`` of ``seen`` (confirmation)."""
    return (
        abs(float(row["start_s"]) - seen[0]) <= tolerance_s
        and abs(float(row["end_s"]) - seen[1]) <= tolerance_s
    )


@dataclass
class LiveRep:
    """A rep reported in the current set."""

    number: int
    row: Row
    window_flags: list[str]
    window_reasons: list[str]
    #: The row as last emitted (None before its ``rep_completed``).
    shown: Row | None = None
    #: Horizontal speed over the concentric (the swing rule's measure; not a row column).
    horizontal_speed_mps: float = math.nan


#: How close a reported rep's start must be to the window's start to count as its anchor.
_AT_START_S = 1e-6


def misses_reported(
    rows: Sequence[Row], reported: Sequence[Row], t0: float, s: LiveSettings
) -> bool:
    """Whether a reported rep inside the window ``[t0, ...]`` is not among its reps.

    Such a window has paired the strokes wrongly (it started or ended in motion); its new
    reps are not taken either. A window anchored at the last reported rep's start
    (``window_reps_n=1``) checks that rep: it must pair the same strokes again, and, as
    the window starts at that rep's known zero velocity, its first rep must start there
    (within ``edge_margin_s``). Measured: an overhead-press window anchored at 12.67 s
    that had lost the start of a press (its first rep 13.33-15.64 s, overlapping the
    reported 12.67-15.52 s) reported the next press cut to 0.26 + 0.38 s.
    """
    return any(
        float(rep["start_s"]) >= t0 + s.edge_margin_s
        or (i == len(reported) - 1 and anchored(reported, t0))
        for i, rep in enumerate(reported)
        if not any(_pairs(r, rep, t0, s) for r in rows)
    )


def continued(reported: Sequence[Row], t0: float) -> bool:
    """Whether a window starting at ``t0`` starts at the last reported rep's end.

    Such a window (:mod:`repscope.live.windows`) starts at a known zero velocity with the
    orientation there: a rep starting at its first sample is whole, not cut.
    """
    return bool(reported) and abs(float(reported[-1]["end_s"]) - t0) <= _AT_START_S


def anchored(reported: Sequence[Row], t0: float) -> bool:
    """Whether a window starting at ``t0`` starts at the last reported rep's start."""
    return bool(reported) and abs(float(reported[-1]["start_s"]) - t0) <= _AT_START_S


def unpaired_anchor(
    rows: Sequence[Row], reported: Sequence[Row], t0: float, s: LiveSettings
) -> bool:
    """Whether a window anchored at the last reported rep's start failed to pair it again.

    The engine then analyses the window once more from an earlier start: a first report
    can itself be wrong (a periodic window in motion paired the strokes wrongly), and a
    window anchored at its start would reject every later rep (measured: a squat X-0-X-0
    set without detector marks lost its last three reps).
    """
    return (
        bool(reported)
        and abs(float(reported[-1]["start_s"]) - t0) <= _AT_START_S
        and (misses_reported(rows, reported[-1:], t0, s))
    )


def _pairs(row: Row, rep: Row, t0: float, s: LiveSettings) -> bool:
    """Whether a window's ``row`` is the reported ``rep`` (at its known start if anchored)."""
    if not overlaps(row, rep):
        return False
    anchored = abs(float(rep["start_s"]) - t0) <= _AT_START_S
    return not anchored or abs(float(row["start_s"]) - t0) <= s.edge_margin_s


def lost(
    rows: Sequence[Row], reported: Sequence[Row], t0: float, t_edge: float, s: LiveSettings
) -> bool:
    """Whether the window has lost strokes, as one ending in motion does.

    Lost are: every rep, during a set; a reported rep inside the window; or the motion
    before the window's end, when its last rep ends more than ``lost_motion_s`` before
    the window does although a stroke has just ended. This holds for a set's first rep too
    (measured: an overhead-press window 0.09 s into the second press paired the first
    rep's strokes wrongly; without a look-back the rep came 0.71 s after its end).
    """
    if not rows:
        return bool(reported)
    last = max(rows, key=lambda r: float(r["start_s"]))
    if float(last["end_s"]) < t_edge - s.lost_motion_s:
        return True
    return misses_reported(rows, reported, t0, s)


def retreats(row: Row, pending: Sequence[tuple[float, float]], s: LiveSettings) -> bool:
    """Whether the previous window gave this rep (same start) a much later end."""
    start, end = float(row["start_s"]), float(row["end_s"])
    return any(
        abs(p_start - start) <= s.confirm_tolerance_s and p_end - end > s.max_retreat_s
        for p_start, p_end in pending
    )


def candidates(
    rows: Sequence[Row],
    reported: Sequence[Row],
    t0: float,
    t_edge: float,
    *,
    floor_s: float,
    s: LiveSettings,
) -> tuple[list[Row], list[Row]]:
    """Return the window's complete reps, and those after the last reported one.

    ``floor_s`` is the end of the last set: no rep starting before it is taken. A new rep
    starts after the end of the last reported rep (less ``rep_gap_slack_s``), as this
    window sees that rep when it has it: a first report can run long (reported from a
    window that ended after the rep's end), and measured against that end the next rep
    looked like part of it and was never reported (replay of a saved BLE session with
    windows left out for lag: the first report of rep 2 ended 0.33 s late, at the
    window's edge, and rep 3 was seen by every later window and reported by none).
    """
    # a window continued from the last reported rep's end starts at a known zero
    # velocity: a rep that starts there is whole
    first_s = t0 - _AT_START_S if continued(reported, t0) else t0 + s.edge_margin_s
    whole = sorted(
        (
            r
            for r in rows
            if math.isfinite(float(r["eccentric_s"]))
            and math.isfinite(float(r["concentric_s"]))
            and float(r["start_s"]) >= first_s
            and float(r["start_s"]) > floor_s
        ),
        key=lambda r: float(r["start_s"]),
    )
    last_end = float(reported[-1]["end_s"]) if reported else -math.inf
    # the last reported rep as this window sees it: also the one at the window's start
    # when the window is anchored there (it is not among ``whole``, which leaves out the
    # first ``edge_margin_s``)
    seen = [
        float(r["end_s"])
        for r in rows
        if reported
        and (float(r["start_s"]) >= t0 + s.edge_margin_s or anchored(reported, t0))
        and overlaps(r, reported[-1])
    ]
    if seen:
        last_end = min(last_end, max(seen))
    oldest_end = -math.inf if reported else t_edge - s.first_rep_max_age_s
    return whole, [
        r
        for r in whole
        if not any(overlaps(r, rep) for rep in reported)
        and float(r["start_s"]) >= last_end - s.rep_gap_slack_s
        and float(r["end_s"]) >= oldest_end
    ]


def trusted(
    new: Sequence[Row],
    t_end: float,
    *,
    good: bool,
    cut_margin_s: float,
    pending: Sequence[tuple[float, float]],
    opening: bool,
    in_set: bool,
    s: LiveSettings,
) -> list[Row]:
    """Return the first candidates that can be reported from this window.

    ``good``: the window ended at zero velocity; ``pending``: the previous window's
    complete reps; ``opening``: the detector sees the bar move in a rep's first direction.
    """
    out: list[Row] = []
    for row in new:
        end = float(row["end_s"])
        if not (good and end <= t_end - cut_margin_s):
            seen = any(same_rep(row, p, s.confirm_tolerance_s) for p in pending)
            # not a set's first rep while the bar moves in a rep's first direction: two
            # windows in a slow first stroke can agree on setup moves bent into a rep
            seen = seen and not (opening and not in_set and not out)
            if not (end <= t_end - s.settle_s and seen):
                break  # reps are reported in order
        out.append(row)
    return out


@dataclass(frozen=True)
class Sighting:
    """A window that showed the next rep to report (whole) without reporting it."""

    window_end_s: float
    row: Row
    #: Whether the window ran where the detector saw no movement (or at a turnaround/stop).
    at_zero: bool = True

    @property
    def end_s(self) -> float:
        """The rep's end in this window."""
        return float(self.row["end_s"])

    @property
    def gap_s(self) -> float:
        """How long before the window's end the rep ended."""
        return self.window_end_s - self.end_s


class Sightings:
    """The windows that showed the next rep without reporting it (stable end, deadline)."""

    def __init__(self, settings: LiveSettings) -> None:
        self.settings = settings
        self._seen: deque[Sighting] = deque(maxlen=32)

    def __bool__(self) -> bool:
        return bool(self._seen)

    def clear(self) -> None:
        """Forget them (the rep was reported, or the set ended)."""
        self._seen.clear()

    def watch(self, new: Sequence[Row], t_end: float, *, at_zero: bool, in_set: bool) -> list[Row]:
        """Remember the window's first unreported rep; return it when its end is stable."""
        if not new:
            return []
        s = self.settings
        row = new[0]
        if self._seen and not overlaps(row, self._seen[-1].row):
            self._seen.clear()  # another rep
        end = float(row["end_s"])
        # a set's first rep is not stable in a window the detector saw in motion
        if t_end - end >= s.open_gap_s - 1e-9 and (at_zero or in_set):
            for seen in self._seen:
                if (
                    seen.window_end_s <= t_end - s.stable_sep_s + 1e-9
                    and abs(seen.end_s - end) <= s.stable_tol_s + 1e-9
                ):
                    return [row]
        if at_zero:
            # a window at zero velocity that sees the rep run on well past where a window
            # in motion ended it: that one had lost the end of the stroke
            kept = [x for x in self._seen if x.at_zero or x.end_s >= end - s.max_retreat_s]
            self._seen.clear()
            self._seen.extend(kept)
        self._seen.append(Sighting(t_end, row, at_zero))
        return []

    def due_s(self, last_update_s: float, *, in_set: bool) -> float:
        """Return when the next watch window is due (inf: no sighting): the deadline at most."""
        if not self._seen:
            return math.inf
        watch = last_update_s + self.settings.watch_interval_s
        return min(watch, self.deadline_s(in_set=in_set))

    def complete(self) -> list[Sighting]:
        """Return the sightings whose window saw the rep end (``open_gap_s`` before it)."""
        return [x for x in self._seen if x.gap_s >= self.settings.open_gap_s - 1e-9]

    def deadline_s(self, *, in_set: bool) -> float:
        """Return the data time by which the rep seen must be reported (inf: none)."""
        if not self._seen:
            return math.inf
        complete = [x.end_s for x in self.complete()]
        if not in_set and not any(x.at_zero for x in self._seen):
            # a set's first rep has no deadline while only windows in a movement the
            # detector saw have shown it (setup moves bent into a rep)
            return math.inf
        if complete:
            return min(complete) + self.settings.deadline_s
        return max(x.end_s for x in self._seen) + self.settings.deadline_s

    def take_best(self) -> Row | None:
        """Return the rep from the best window that showed it, and forget the sightings.

        The best is the first window that saw it complete (later ones may bend its end);
        without one, the latest window (the others cut it earlier).
        """
        seen = list(self._seen)
        complete = self.complete()
        self._seen.clear()
        if not seen:
            return None
        if complete:
            return min(complete, key=lambda x: x.window_end_s).row
        return max(seen, key=lambda x: x.window_end_s).row
