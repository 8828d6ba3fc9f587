"""Incremental set and rep detection for live feedback, built on the batch pipeline.

:class:`LiveAnalyzer` takes samples as they arrive (:meth:`LiveAnalyzer.push`) and returns
:class:`LiveEvent` objects: the current movement phase (``phase``), the first rep of a set
(``set_started``), every rep once it is complete (``rep_completed``, with its rep-table
row), a change of an earlier rep's flags as the set goes on (``rep_updated``) and the set
summary when the set is over (``set_ended``). It is pure: no Bluetooth, no clock, no
terminal; time is the samples' own ``time_s``.

Why re-run the batch pipeline
-----------------------------
Rep detection in repscope is not a streaming algorithm: velocity comes from integrating
acceleration between still intervals (zero-velocity updates with a linear drift
correction between two anchors), stroke boundaries from a least-squares bell fit over the
whole stroke, some flags from the rest of the set. A second, causal implementation would
give a second set of numbers that disagree with ``repscope analyze``. The engine instead
runs :func:`repscope.analysis.analyze_recording` itself on a window of recent samples and
decides which of the reps it finds are complete. The numbers a lifter sees live are the
batch numbers computed on the data so far; the set summary is the batch analysis of the
set.

When to run it: at zero velocity
--------------------------------
The pipeline takes a recording to end at rest: it forces the velocity to zero on the last
sample and removes drift with a linear ramp back to the last still interval. A window
that ends while the bar moves at ``v`` therefore bends every velocity since that interval
by up to ``v``; in a set without pauses (touch-and-go) that moves stroke boundaries by
tenths of a second or loses reps. Measured on simulated sets: a window ending within
0.05 s after a turnaround gives the batch values (phases within 0.05 s); 0.1-0.2 s into a
fast next stroke the errors reach 0.2-0.4 s. So the engine runs the pipeline when the bar
is momentarily at zero velocity: at a **turnaround** (one stroke ends, the next goes the
other way), when it **stops**, and when it **starts** moving again. Those moments come
from :class:`TurnaroundDetector`, a cheap causal estimate of the vertical velocity
(real-time VQF, integrated from the last turnaround). It only decides when to run the
pipeline and which phase to show; no number a lifter sees comes from it.

Integrated over a stroke, that velocity drifts (a tilt error of a fraction of a degree is
a few hundredths of m/s^2), and without a pause between reps the drift would carry from
one stroke into the next: measured on simulated touch-and-go curls at 50 Hz, the detector
saw the end of a rep up to 0.5 s late. Two things keep it close. After each reported rep
its velocity is **re-anchored**: integrated again from zero from the rep's end, which the
batch pipeline found at zero velocity (:meth:`TurnaroundDetector.reanchor`). And when a
late detection shows (below), the engine **looks back**.

Only a stroke in the rep's last direction can end a rep (up for eccentric-first
exercises, down for concentric-first ones). After a turnaround that ends such a stroke
the pipeline runs ``burst_n`` (6) times, ``burst_interval_s`` (0.05 s) apart (the bar is
at zero velocity only for an instant); after such a stop, ``stop_n`` (4) times
``stop_interval_s`` (0.1 s) apart, and on while the window still cuts the rep (a
creeping end), up to ``stop_burst_s`` (0.5 s) after the stop; the burst ends when the rep
is reported. After the other turnarounds and stops, and when the bar starts moving again,
it runs once. It also runs every ``update_interval_s`` (0.25 s) of data, moving or not,
unless another update ran less than ``min_gap_s`` (0.1 s) before, or less than
``slow_gap_s`` (0.5 s) before while the detector sees the bar move in the rep's first
direction (no rep ends in that stroke). While a window has shown a rep that is not yet
reported (a *sighting*, below) it runs every ``watch_interval_s`` (0.1 s). With the
rules of step 3 these periodic windows report a rep whose end the detector missed.

**Look-back.** A window that ends well after a turnaround, in the next stroke, loses
strokes: reps reported before go missing, or its last rep stops short of the window's
end. When the window at a turnaround or stop that can end a rep shows that and no new
rep, the detector saw the zero late; the engine then analyses windows ending
``look_back_s`` (0.05, 0.1, 0.15, 0.2, 0.3, 0.4 s) earlier, newest first, each judged as
an update at zero velocity, and reports from the first that has the rep. If none has
it (**look-aside**), it analyses the window again from up to ``look_aside_n`` (2) other
starts (step 1: a rep boundary instead of a rest, or the other way round), because a
window that starts in motion can lose every rep after its start (measured: a squat
window from the rest before the set found no rep after the first; a press window
starting 0.02 s into an explosive press found none at all). The data are in the buffer
already, so this costs compute time only, and only when a detection was late.

**Sightings: stable end and deadline.** The detector can also be late without losing
anything (drift over a slow stroke that creeps to its end), or early (a creeping end
taken for a stop), and then no window ends at the rep's zero velocity. What a window that
ends elsewhere shows is predictable (measured on simulated sets, 50-200 Hz): one that ends
before the rep's end cuts the rep, whose last stroke then ends one or two samples before
the window; one that ends 0-0.1 s after it (up to 0.3 s when the next stroke starts
slowly) gives the batch end within a sample or two, so the later the window, the longer
before its end the rep ends; later still the rep's end follows the window's end, and
0.1-0.4 s into a fast next stroke the rep is gone. So an update that shows the next rep
to report without reporting it keeps it as a *sighting* (the window's end and the row),
and the rep is reported

- when its end is **stable**: it ends at least ``open_gap_s`` (0.05 s) before the window,
  and a window ending ``stable_sep_s`` (0.08 s) or more earlier put the end within
  ``stable_tol_s`` (0.04 s) of it. An end that does not move with the window's end was
  not cut or bent by it; or
- at its **deadline**, ``deadline_s`` (0.3 s) of data after its end as the first window
  that saw it complete (ending ``open_gap_s`` before that window) put it, or, when no
  window did, after the latest end seen. It is then reported, without a further
  analysis, from that first complete sighting (later windows may bend its end), or else
  from the latest one (earlier ones cut it more).

A set's first rep has no deadline while every window that showed it ended in a
movement the detector had seen, and it is neither confirmed (step 3) nor stable from
windows that end while the detector sees the bar move in a rep's first direction:
windows that end in a set's slow first stroke bend the setup moves before it
(unracking, a walk-out) into a "rep", and two of them can agree on it (measured on
3-0-1-0 squat sets: reported from its deadline, or by two such windows, it made the true
first rep be lost and the next ones come 3.6-4.8 s late). The window at a movement's
start is not taken to end at zero velocity either (``ends_at_rest``, step 2): the
detector marks a start only once the bar has gathered speed.

**Bent windows.** A window can also get a rep's last stroke wrong and still pass the
rules above: it takes the creeping end of a slow stroke for a pause, or loses the end of
a stroke that runs into the next one, and then shows a shorter rep that ends well before
it does. Reported, such a rep reads wrong live (a 3 s squat eccentric as 1.4 s,
"rushed"). A window that ends a rep more than ``max_retreat_s`` (0.3 s) before the end
the previous window gave it (start within ``confirm_tolerance_s``) has lost part of its
last stroke: no rep is taken from it from that rep on, and it is no sighting. A window
that cuts a rep moves its end by a sample or two, and one in the next stroke moves it
later, not earlier (measured on the sets of the stable-end rule above). The other way
round, a window at zero velocity whose rep runs on more than ``max_retreat_s`` past
where sightings from windows in motion ended it drops those sightings, so that the
deadline is not counted from a bent end (measured: a 3-0-1-0 squat's first rep reported
from such a sighting at once, eccentric 1.5 s against 3.0 s). The first check is
against the previous window only, so a window that is right about a rep that was
reported wrong cannot be held up by it (measured: checking windows against the reported
reps instead held an overhead-press set's last two reps back for 5.6 and 8.7 s after a
wrong first report).

Neither needs the detector: with a detector that never marks anything, every rep of the
test sets is still reported within 0.5 s of its end.

**Keeping up.** Each window costs compute time, and the samples keep coming: a window
that starts while earlier ones are still being computed reports late by that much, and
on a slow or busy machine the windows queue up (measured on the project's 2-core machine
under load from other jobs, 4-10x the unloaded cost per window: at commit b1d8cba
reps up to 6.6 s late at 50 Hz and 59 s at 100 Hz, although the data had shown each
within 0.2 s at 50 Hz and 0.41 s at 100 Hz). So the engine keeps
track of when it would be done if each sample were handed over as it is taken (the
measured cost of every window, from the ``timer``, on the samples' time axis) and leaves
out a periodic, watch or burst window whose sample comes more than ``max_lag_s``
(0.05 s) before that. Never left out: the window at a turnaround or stop that can end a
rep (with its look-back), and one more window at a rep's deadline when no window saw the
rep complete (reporting it from a window that cut it would report it early and too
short). When the engine keeps up (every window cheaper than the 0.05 s between burst
windows) nothing is left out and the events depend on the data alone; a replay
(:func:`repscope.live.replay_live`, ``--replay``) runs at full speed without this rule
(``max_lag_s=None``).

Steps of one update (at sample time ``t``)
------------------------------------------
1. **Window.** ``[t0, t]`` starts in a rest, where the orientation filter and the noise
   floor of the stillness detector get what they need: the start of the latest still
   interval of at least ``min_rest_s`` (0.3 s) found by an earlier update, at least
   ``min_window_s`` (8 s) before ``t`` and, during a set, before the last reported rep;
   or a rep boundary (zero velocity) when no such rest lies within ``max_window_s``
   (30 s). Outside a set the window reaches back ``idle_window_s`` (15 s). The rest before
   a set counts although every window that sees it starts inside it (its part after the
   window's first ``edge_margin_s``); a touch-and-go set's windows then start there, not
   at a rep boundary, where the bar may already be accelerating into the next stroke. A
   still interval that overlaps the inner part of a reported rep's stroke (more than
   ``stroke_core_margin_s``, 0.2 s, from its ends) is not used: it was a slow stroke taken
   for a rest (measured: bench windows starting 0.4 s into a 3 s eccentric showed the reps
   after it only 0.4 s after their end). Known rests are revised: a window at zero
   velocity forgets those it no longer finds, among the ones that end at least
   ``revise_context_s`` (2 s) before it does. A window that ends just after a slow stroke
   can take part of it for a rest; a later one sees the strokes after it and judges it as
   batch analysis will (measured: a 3-0-1-0 squat set whose windows kept starting at such
   a rest, 0.3 s of its first eccentric, reported two reps 0.6 and 0.8 s late).
2. **Batch analysis** of the window with the same placement, exercise, tempo and
   :class:`~repscope.analysis.AnalysisConfig`, except one parameter:
   ``stillness.long_rest_s`` (how long a still interval must be to be trusted without
   being checked against a rest on *both* sides) is lowered to ``live_trusted_rest_s``
   (0.5 s). A live window has no rest after its end, so the pipeline can check a pause
   near the end only against the far rest before the set, and with the batch value of
   1.5 s it rejects every tempo pause there and merges it into the eccentric (measured:
   a 3-1-1-0 bench rep then reads 4-0-1-0). Pauses further back are still checked
   against their neighbours as in batch.
   The stillness detector's noise floor (``stillness.noise_floor_mps2``) is the lowest
   any window has measured so far, when that is below the window's own. Batch analysis
   measures the floor in the quietest second of the whole recording, a rest; a window in
   the middle of a touch-and-go set has no rest, its quietest second is slow motion, and
   with that floor (measured: 0.22 against the session's 0.13 m/s^2 in a 3-0-1-0 squat
   set) the middle of a slow eccentric passes for a rest and the window pairs the strokes
   wrongly.
   A window that runs at a moment of zero velocity (a burst after a turnaround or stop,
   the start of a movement, a look-back or look-aside window) starts in a rest or at a
   rep boundary and ends at zero velocity, and it says so (``stillness.ends_at_rest``):
   the still intervals nearest its ends are then bridged to its first and last samples
   like any other, instead of being kept unchecked for want of a neighbour (measured: a
   0.7 s stretch of a 3 s squat eccentric, the last still interval of the window, was
   kept, and the window lost the set's earlier reps; its rep was reported 1.6 s late).
   Periodic windows do not say so: they may end in motion, and a detector that misses a
   slow start would make them claim it.
3. **New reps.** A rep of the window is new when it has both strokes, starts after the
   window's first ``edge_margin_s`` (0.25 s) and after the last reported rep, and does
   not overlap a reported rep by half its length; a window that lacks a reported rep
   lying inside it has paired the strokes wrongly, and no rep is taken from it (nor from
   such a look-back window). A new rep is reported when the update ran at
   zero velocity (a burst, a start of movement, or a window ending in a still interval
   or while the detector sees no movement) and the rep ends at least ``cut_margin_s``
   (0.03 s) before the window (a stroke the window cuts ends on its last sample) -- when
   the bar already moves the other way, the rep has certainly ended and the margin is 0;
   or, from any update, when it ends ``settle_s`` (0.15 s) before the window and the
   previous update saw it too (start and end within ``confirm_tolerance_s``, 0.2 s).
   This is the confirmation rule: it needs no still period after the rep, so a
   touch-and-go rep is reported while the next one is under way. A look-back window
   counts as one ending at zero velocity; the event's time is still ``t``. Otherwise the
   rep is a sighting, reported once its end is stable or at its deadline (above). The
   price: the first report of a rep that ends by creeping to rest can come up to ~0.2 s
   early, with that phase short by as much; the set summary has the batch value.
4. **Flags.** Rules about the rep alone (``bounce``, ``rushed_negative``, ``tempo_off``)
   come from the window. Rules relative to the set (``partial_rom``, ``grind``, ``swing``,
   ``jerky``) and ``velocity_loss`` are recomputed against the reps of the set *so far*
   with the batch rule (:func:`repscope.analysis.flags.flag_set`): live, a rep can only be
   compared with the reps before it (a change of an earlier rep's flags or of their
   reasons, against what was last reported, is a ``rep_updated`` event; nothing else
   is, not even its velocity loss); the set summary compares it with the whole set, as
   ``repscope analyze`` does. A reported rep's phases are not re-measured live: later
   windows that end at other moments disagree with each other by more than they improve
   on the first report (measured), so the correction is the set summary.
5. **Set end.** A set is over when ``set_gap_s`` (the batch rule: reps further apart start
   a new set; :class:`~repscope.analysis.reps.RepSettings`' 15 s by default) have passed
   after its last rep and the bar is not moving, or at :meth:`LiveAnalyzer.finish`. The
   set is then analysed once more with the batch configuration, from halfway through the
   rest before it (or the first buffered sample) to the newest sample; its rep rows and
   set row are the ``set_ended`` event's ``reps`` and ``summary``. For a session of one
   set that fits in the buffer this window is the whole recording, so the summary is
   exactly what ``repscope analyze`` reports on the saved file.

The phase shown live (``phase`` events) comes from the detector: moving down is
``eccentric``, up ``concentric``; stopped inside a set ``bottom_pause`` after a down stroke
and ``top_pause`` after an up stroke; stopped outside a set ``rest``.

Bounded memory
--------------
Samples live in a ring buffer of ``buffer_s`` seconds (:class:`SampleRing`; 240 s by
default, 2.7 MB at 200 Hz with a gyroscope); older samples are only in the recorder's
file. The engine keeps the current set's rep rows and bounded lists of still intervals
and rep boundaries, nothing about earlier sets. A set longer than the buffer is
summarised from the part still in the buffer, and its ``set_ended`` event says
``complete=False``.

Cost
----
One update costs one batch analysis of the window, a third of it the bell fits of its
strokes: 25-30 ms (median) and 43-56 ms (95th percentile) at 50-200 Hz on the project's
2-core machine (session 7, after the bell fit's active set; 28-36 and 74-80 ms before), about
4.3 updates per second of data (fewer periodic ones in a rep's first stroke, more while a
rep is a sighting), 11-13% of a core on average (21% at most, in touch-and-go sets). A
window grows with the set it covers, up to ``max_window_s``, when the set has no rest to
start from. A report at a deadline costs no analysis; look-back and
look-aside windows only run after a late detection. ``benchmarks/bench_live.py``
measures it and the latency from the end of a rep to its report (figures in
``docs/ble.md``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repscope.analysis import AnalysisConfig, SessionAnalysis, analyze_recording
from repscope.analysis.flags import FLAGS, flag_set
from repscope.analysis.kinematics import runs
from repscope.analysis.metrics import RepMetrics
from repscope.analysis.orientation import rotate_by_quaternion
from repscope.analysis.profiles import ExerciseProfile, get_profile
from repscope.analysis.tables import REP_COLUMNS
from repscope.errors import InputError
from repscope.recording import (
    PLACEMENTS,
    STANDARD_GRAVITY_MPS2,
    Recording,
    RecordingMeta,
    check_sampling_rate,
)
from repscope.tempo import Tempo, parse_tempo

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
#: Flags whose rule compares a rep with the rest of its set (recomputed over the set so far).
SET_RELATIVE_FLAGS: tuple[str, ...] = ("partial_rom", "grind", "swing", "jerky")
#: Fields of a reported rep whose change is a ``rep_updated`` event.
UPDATE_FIELDS: tuple[str, ...] = ("flags", "flag_reasons")


# ---------------------------------------------------------------------- events
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


# ---------------------------------------------------------------------- ring buffer
class SampleRing:
    """The last ``capacity`` samples (time plus ``n_channels`` values); the oldest drop out.

    Stored in arrays of twice the capacity: appends write after the newest sample and, when
    the end is reached, the newest samples are moved to the front (an amortised O(1) copy
    per sample), so that every read is one contiguous slice.

    Parameters
    ----------
    capacity
        Most samples kept.
    n_channels
        Values per sample (3 for acceleration only, 6 with a gyroscope).
    """

    def __init__(self, capacity: int, n_channels: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = int(capacity)
        self._time = np.empty(2 * self.capacity)
        self._values = np.empty((2 * self.capacity, n_channels))
        self._start = 0
        self._stop = 0

    def __len__(self) -> int:
        return self._stop - self._start

    @property
    def nbytes(self) -> int:
        """Memory held by the buffer's arrays."""
        return int(self._time.nbytes + self._values.nbytes)

    @property
    def oldest_time_s(self) -> float:
        """Time of the oldest sample kept (NaN when empty)."""
        return float(self._time[self._start]) if len(self) else math.nan

    @property
    def newest_time_s(self) -> float:
        """Time of the newest sample (NaN when empty)."""
        return float(self._time[self._stop - 1]) if len(self) else math.nan

    def extend(self, time_s: np.ndarray, values: np.ndarray) -> None:
        """Append samples (the caller keeps times increasing)."""
        n = time_s.shape[0]
        if n > self.capacity:
            time_s, values, n = time_s[-self.capacity :], values[-self.capacity :], self.capacity
        if self._stop + n > self._time.shape[0]:
            keep = min(len(self), self.capacity - n)
            lo = self._stop - keep
            self._time[:keep] = self._time[lo : self._stop]
            self._values[:keep] = self._values[lo : self._stop]
            self._start, self._stop = 0, keep
        self._time[self._stop : self._stop + n] = time_s
        self._values[self._stop : self._stop + n] = values
        self._stop += n
        if len(self) > self.capacity:
            self._start = self._stop - self.capacity

    def count_after(self, time_s: float) -> int:
        """Return how many of the samples kept are later than ``time_s``."""
        t = self._time[self._start : self._stop]
        return int(t.size - np.searchsorted(t, time_s, side="right"))

    def since(self, start_s: float, stop_s: float = math.inf) -> tuple[np.ndarray, np.ndarray]:
        """Return copies of the samples with ``start_s <= time_s <= stop_s``."""
        t = self._time[self._start : self._stop]
        lo = self._start + int(np.searchsorted(t, start_s, side="left"))
        hi = self._start + int(np.searchsorted(t, stop_s, side="right"))
        return self._time[lo:hi].copy(), self._values[lo:hi].copy()


# ---------------------------------------------------------------------- turnarounds
class TurnaroundDetector:
    """Causal detector of the moments the bar is at zero vertical velocity.

    Vertical acceleration, causally: with a gyroscope, the real-time variant of VQF (the
    filter whose offline variant the pipeline uses; Laidig & Seel 2023,
    doi:10.1016/j.inffus.2022.10.014; ``tau_acc_s`` 3 s and rest time 0.5 s as in the
    pipeline) rotates each sample into the earth frame and ``a`` is its vertical
    component minus gravity. Without one, ``a = (|f| - |f|_rest) g`` (valid while the
    sensor turns slowly; horizontal acceleration only enters to second order). Either way
    its bias is removed: the median of the first ``init_s`` (0.5 s) of samples, then an
    exponential running mean with time constant ``bias_tau_s`` (4 s), during a movement
    only over the samples within ``quiet_acc_mps2`` of it (a stroke's pushes and brakes
    would bend the mean).
    This takes out sensor bias and scale error. Integrating ``a`` gives a velocity ``v``
    good for one stroke:

    - a **movement** starts when ``|v|`` exceeds ``start_speed_mps`` (0.1 m/s);
    - it ends at a **turnaround** when ``v`` crosses zero (the next stroke goes the other
      way), or with a **stop** when ``|v|`` stays below ``stop_speed_mps`` (0.05 m/s) or
      ``stop_fraction`` (15%) of the movement's peak speed for ``stop_s`` (0.1 s: a
      minimum-jerk stroke is then in its last tenth), or below ``start_speed_mps`` with
      ``|a|`` under ``quiet_acc_mps2`` (0.3 m/s^2) for ``quiet_s`` (0.2 s: what is left of
      ``v`` is integration error), or after ``max_move_s`` (8 s, longer than any stroke). Each
      sets ``v`` back to zero.

    Between movements ``v`` leaks to zero with time constant ``leak_s`` (0.5 s), so that
    what the running mean has not yet absorbed cannot build up into a false movement.

    The last ``history_s`` (4 s) of bias-free vertical acceleration are kept, so that when
    the caller learns that the bar was at rest at some recent moment (a rep's end found by
    the batch pipeline), :meth:`reanchor` integrates again from zero from there with the
    same rules: the error gathered since the last reset is dropped, unless a mark came
    after that moment (the velocity was restarted then already).

    Only :class:`LiveAnalyzer`'s scheduling and its phase label use this; it measures
    nothing that is reported.
    """

    def __init__(
        self,
        *,
        sampling_rate_hz: float,
        start_speed_mps: float = 0.1,
        stop_speed_mps: float = 0.05,
        stop_fraction: float = 0.15,
        stop_s: float = 0.1,
        leak_s: float = 0.5,
        bias_tau_s: float = 4.0,
        max_move_s: float = 8.0,
        quiet_acc_mps2: float = 0.3,
        quiet_s: float = 0.2,
        init_s: float = 0.5,
        tau_acc_s: float = 3.0,
        rest_min_s: float = 0.5,
        history_s: float = 4.0,
    ) -> None:
        self.dt_s = 1.0 / check_sampling_rate(sampling_rate_hz)
        self.start_speed_mps = start_speed_mps
        self.stop_speed_mps = stop_speed_mps
        self.stop_fraction = stop_fraction
        self.stop_samples = max(1, round(stop_s / self.dt_s))
        self.max_move_samples = max(1, round(max_move_s / self.dt_s))
        self.quiet_acc_mps2 = quiet_acc_mps2
        self.quiet_samples = max(1, round(quiet_s / self.dt_s))
        self.leak = math.exp(-self.dt_s / leak_s)
        self.bias_weight = 1.0 - math.exp(-self.dt_s / bias_tau_s)
        self.tau_acc_s = tau_acc_s
        self.rest_min_s = rest_min_s
        self._vqf: Any = None
        self._bias = math.nan
        self._init: list[float] = []
        self.init_samples = max(1, round(init_s / self.dt_s))
        self.velocity_mps = 0.0
        #: Direction of the movement under way: +1 up, -1 down, 0 none.
        self.direction = 0
        #: Direction of the last movement that ended.
        self.last_direction = 0
        self._slow = 0
        self._moving = 0
        self._quiet = 0
        self._peak = 0.0
        self._since_mark = 0
        #: Recent bias-free vertical accelerations, for :meth:`reanchor`.
        self._residuals: deque[float] = deque(maxlen=max(1, round(history_s / self.dt_s)))

    def vertical_acceleration(self, acc_g: np.ndarray, gyr_dps: np.ndarray | None) -> np.ndarray:
        """Vertical acceleration (m/s^2, gravity and running bias not yet removed: see feed)."""
        acc_mps2 = np.ascontiguousarray(acc_g, dtype=float) * STANDARD_GRAVITY_MPS2
        if gyr_dps is None:
            return np.asarray(np.linalg.norm(acc_mps2, axis=1))
        if self._vqf is None:
            import vqf

            self._vqf = vqf.VQF(self.dt_s, tauAcc=self.tau_acc_s, restMinT=self.rest_min_s)
        gyr_rps = np.ascontiguousarray(np.deg2rad(gyr_dps), dtype=float)
        out = self._vqf.updateBatch(gyr_rps, acc_mps2)
        return np.asarray(rotate_by_quaternion(out["quat6D"], acc_mps2)[:, 2])

    def feed(self, acc_g: np.ndarray, gyr_dps: np.ndarray | None) -> list[tuple[int, str, int]]:
        """Process samples; return ``(index, kind, direction)`` per ``move``, ``turn``, ``stop``.

        ``direction`` is the movement's (+1 up, -1 down): the one starting for ``move``,
        the one ending for ``turn`` and ``stop``.
        """
        if len(acc_g) == 0:
            return []
        marks, _ = self.integrate(self.vertical_acceleration(acc_g, gyr_dps))
        return marks

    def integrate(
        self, vertical: np.ndarray | Sequence[float], *, stop_at_mark: bool = False
    ) -> tuple[list[tuple[int, str, int]], int]:
        """Advance by samples of :meth:`vertical_acceleration`; return the marks and samples used.

        With ``stop_at_mark`` it stops after the first sample that makes a mark, so that
        the caller can act on it (and :meth:`reanchor`) before the next sample.
        """
        values = np.asarray(vertical, dtype=float).tolist()
        start = 0
        if math.isnan(self._bias):
            # the first init_s of samples set the bias and are not analysed further
            needed = self.init_samples - len(self._init)
            self._init.extend(values[:needed])
            if len(self._init) < self.init_samples:
                return [], len(values)
            self._bias = float(np.median(self._init))
            start = needed
        out: list[tuple[int, str, int]] = []
        w, quiet_acc = self.bias_weight, self.quiet_acc_mps2
        for i in range(start, len(values)):
            a = values[i]
            if self.direction == 0 or abs(a - self._bias) < quiet_acc:
                self._bias += w * (a - self._bias)  # a stroke's pushes would bend the mean
            residual = a - self._bias
            self._residuals.append(residual)
            self._since_mark += 1
            mark = self._step(residual)
            if mark is not None:
                self._since_mark = 0
                out.append((i, *mark))
                if stop_at_mark:
                    return out, i + 1
        return out, len(values)

    def _step(self, a: float) -> tuple[str, int] | None:
        """One sample of bias-free vertical acceleration ``a``; the mark it makes, if any."""
        d = self.direction
        if d == 0:
            self.velocity_mps = v = self.velocity_mps * self.leak + a * self.dt_s
            if abs(v) <= self.start_speed_mps:
                return None
            self.direction = 1 if v > 0 else -1
            self._slow = self._moving = self._quiet = 0
            self._peak = abs(v)
            return "move", self.direction
        self.velocity_mps = v = self.velocity_mps + a * self.dt_s
        self._moving += 1
        self._peak = max(self._peak, abs(v))
        slow_limit = max(self.stop_speed_mps, self.stop_fraction * self._peak)
        self._slow = self._slow + 1 if abs(v) < slow_limit else 0
        quiet = abs(a) < self.quiet_acc_mps2 and abs(v) < self.start_speed_mps
        self._quiet = self._quiet + 1 if quiet else 0
        if d * v <= 0.0:
            kind = "turn"
        elif (
            self._slow >= self.stop_samples
            or self._quiet >= self.quiet_samples
            or self._moving >= self.max_move_samples
        ):
            kind = "stop"
        else:
            return None
        self.last_direction, self.direction, self.velocity_mps = d, 0, 0.0
        self._slow = self._quiet = 0
        return kind, d

    def reanchor(self, n_samples: int) -> list[tuple[str, int]]:
        """Restart the velocity from zero ``n_samples`` samples ago.

        Called when the bar is known to have been at rest then (a rep's end, found by the
        batch pipeline): the last ``n_samples`` are integrated again from zero with the
        same rules, which removes the error the velocity had gathered since its last
        reset. Returns what the state change means for the caller, ``("move", d)`` when
        a movement in direction ``d`` is now under way that was not before, or
        ``("stop", d)`` when the movement in direction ``d`` is no longer; nothing when
        fewer samples are kept (``history_s``).
        """
        if not 0 < n_samples <= min(len(self._residuals), self._since_mark):
            return []  # not kept, or the velocity has been restarted since
        before = self.direction
        recent = list(self._residuals)[-n_samples:]
        self.velocity_mps, self.direction = 0.0, 0
        self._slow = self._moving = self._quiet = 0
        for a in recent:
            self._step(a)
        if self.direction == before:
            return []
        if self.direction == 0:
            self.last_direction = before
            return [("stop", before)]
        return [("move", self.direction)]


# ---------------------------------------------------------------------- analyzer
@dataclass
class _LiveRep:
    number: int
    row: dict[str, Any]
    window_flags: list[str]
    window_reasons: list[str]
    #: The row as last emitted (None before its ``rep_completed``).
    shown: dict[str, Any] | None = None


@dataclass(frozen=True)
class _Sighting:
    """A window that showed the next rep to report (whole) without reporting it."""

    window_end_s: float
    row: dict[str, Any]
    #: Whether the window ran where the detector saw no movement (or at a turnaround/stop).
    at_zero: bool = True

    @property
    def end_s(self) -> float:
        return float(self.row["end_s"])

    @property
    def gap_s(self) -> float:
        return self.window_end_s - self.end_s


@dataclass
class UpdateStats:
    """Cost of the updates so far (wall-clock seconds of each batch analysis)."""

    n_updates: int = 0
    n_fast: int = 0
    n_failed: int = 0
    n_look_back: int = 0
    n_overdue: int = 0
    n_shed: int = 0
    total_s: float = 0.0
    max_s: float = 0.0
    recent_s: deque[float] = field(default_factory=lambda: deque(maxlen=2000))

    def add(self, seconds: float) -> None:
        """Record one analysis' cost."""
        self.n_updates += 1
        self.total_s += seconds
        self.max_s = max(self.max_s, seconds)
        self.recent_s.append(seconds)


class LiveAnalyzer:
    """Incremental set and rep detection (see the module docs for the steps).

    Parameters
    ----------
    sampling_rate_hz
        Nominal sampling rate of the stream (required, validated).
    placement
        ``"bar"`` or ``"wrist"``.
    exercise
        Exercise name or alias (:data:`repscope.analysis.profiles.PROFILES`).
    tempo
        Prescribed tempo (``"3-1-1-0"``), or None.
    config
        Pipeline parameters, as for :func:`~repscope.analysis.analyze_recording`.
    update_interval_s
        Data time between two periodic updates (0.25 s).
    settle_s
        Data a periodic update needs after a rep's end before it reports it (0.15 s).
    min_window_s, max_window_s, idle_window_s
        Window lengths (8, 30 and 15 s; see step 1).
    live_trusted_rest_s
        ``stillness.long_rest_s`` of the live windows (0.5 s; see step 2).
    set_gap_s
        Rest after a set's last rep that ends the set; ``config.reps.set_gap_s`` (15 s)
        when None, as in batch.
    set_context_s
        The set summary's window starts at least this long before the set's first rep
        (5 s).
    buffer_s
        Samples kept in memory (240 s).
    device
        Device name for the analysis' provenance.
    max_lag_s
        A periodic, watch or burst window is left out when the engine would start it
        more than this long after its sample was taken (0.05 s; see "Keeping up" in the
        module docs); None runs every window (replays).
    timer
        Clock that measures the compute time of each window (``time.perf_counter``; a
        simulated one in tests).
    """

    def __init__(
        self,
        *,
        sampling_rate_hz: float,
        placement: str,
        exercise: str,
        tempo: str | Tempo | None = None,
        config: AnalysisConfig | None = None,
        update_interval_s: float = 0.25,
        settle_s: float = 0.15,
        min_window_s: float = 8.0,
        max_window_s: float = 30.0,
        idle_window_s: float = 15.0,
        live_trusted_rest_s: float = 0.5,
        set_gap_s: float | None = None,
        set_context_s: float = 5.0,
        buffer_s: float = 240.0,
        device: str = "live",
        max_lag_s: float | None = 0.05,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.sampling_rate_hz = check_sampling_rate(sampling_rate_hz)
        #: Half a sample: how far sample times may fall short of a scheduled time.
        self._tolerance_s = 0.5 / self.sampling_rate_hz
        if placement not in PLACEMENTS:
            raise InputError(
                f"placement must be bar or wrist, got {placement!r}", where="--placement"
            )
        self.placement = placement
        self.profile: ExerciseProfile = get_profile(exercise)
        self.tempo = parse_tempo(tempo) if isinstance(tempo, str) else tempo
        self.config = config or AnalysisConfig()
        for name, value in (
            ("update_interval_s", update_interval_s),
            ("min_window_s", min_window_s),
            ("max_window_s", max_window_s),
            ("idle_window_s", idle_window_s),
            ("live_trusted_rest_s", live_trusted_rest_s),
            ("buffer_s", buffer_s),
        ):
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"{name} must be a positive number of seconds, got {value!r}")
        if not min_window_s <= max_window_s <= buffer_s or idle_window_s > buffer_s:
            raise InputError(
                "the windows must satisfy min_window_s <= max_window_s <= buffer_s "
                "and idle_window_s <= buffer_s"
            )
        self.update_interval_s = float(update_interval_s)
        self.settle_s = float(settle_s)
        self.min_window_s = float(min_window_s)
        self.max_window_s = float(max_window_s)
        self.idle_window_s = float(idle_window_s)
        self.set_gap_s = float(self.config.reps.set_gap_s if set_gap_s is None else set_gap_s)
        self.set_context_s = float(set_context_s)
        self.buffer_s = float(buffer_s)
        self.device = device
        if max_lag_s is not None and not (math.isfinite(max_lag_s) and max_lag_s >= 0):
            raise InputError(f"max_lag_s must be a non-negative number or None, got {max_lag_s!r}")
        self.max_lag_s = max_lag_s
        self._timer = timer
        #: When the engine, handed each sample as it is taken, is done with its work so far.
        self._busy_until_s = -math.inf
        #: Quietest noise floor any window has measured (step 2).
        self._noise_floor_mps2 = math.inf
        stillness = dataclasses.replace(
            self.config.stillness,
            long_rest_s=min(self.config.stillness.long_rest_s, float(live_trusted_rest_s)),
        )
        self.live_config = dataclasses.replace(
            self.config, stillness=stillness, rhythm_finder=False
        )
        #: Margin at the window's start inside which reps are not taken (a cut rep).
        self.edge_margin_s = 0.25
        #: Still intervals shorter than this (a turnaround the pipeline found still for a
        #: moment) do not start a window.
        self.min_rest_s = 0.3
        #: A window at zero velocity forgets known rests it does not see, among those that
        #: end at least this long before it does.
        self.revise_context_s = 2.0
        #: A still interval that overlaps a reported rep's stroke, away from its ends by
        #: this much, was the bar moving slowly (a window starting there starts in motion).
        self.stroke_core_margin_s = 0.2
        #: How far before the last reported rep's start the window begins at the latest.
        self.refine_margin_s = 0.5
        #: Start and end of a rep seen by two periodic updates agree within this.
        self.confirm_tolerance_s = 0.2
        #: After a turnaround that can end a rep, ``burst_n`` updates ``burst_interval_s``
        #: apart.
        self.burst_interval_s = 0.05
        self.burst_n = 6
        #: After a stop that can end a rep, updates ``stop_interval_s`` apart, at least
        #: ``stop_n`` of them and more while the window cuts the rep, until ``stop_burst_s``
        #: after the stop.
        self.stop_interval_s = 0.1
        self.stop_n = 4
        self.stop_burst_s = 0.5
        #: A periodic update is left out when another one ran less than this before it,
        #: or ``slow_gap_s`` while the bar moves in a rep's first direction.
        self.min_gap_s = 0.1
        self.slow_gap_s = 0.5
        #: A rep ending closer than this to the window's end may be cut by it (unless the
        #: detector has seen the bar reverse).
        self.cut_margin_s = 0.03
        #: Look-back windows end this much before a turnaround or stop that can end a rep.
        self.look_back_s: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
        #: Then windows from up to this many other starts (step 1), best first.
        self.look_aside_n = 2
        #: A window at a stroke that can end a rep, whose last rep ends this long before
        #: the window does, has lost the motion in between.
        self.lost_motion_s = 0.3
        #: Outside a set, a rep ending longer than this before the window is not taken.
        self.first_rep_max_age_s = 1.0
        #: While a rep is seen but not yet reported, updates run this often.
        self.watch_interval_s = 0.1
        #: A window has seen a rep end when the rep ends this long before the window does
        #: (a window that cuts a stroke ends it one or two samples before its own end).
        self.open_gap_s = 0.05
        #: Two windows ending at least ``stable_sep_s`` apart whose rep ends agree within
        #: ``stable_tol_s`` have found an end that does not follow the window's end.
        self.stable_tol_s = 0.04
        self.stable_sep_s = 0.08
        #: A rep seen complete is reported at the latest this long (data) after its end.
        self.deadline_s = 0.3
        #: A window that ends a rep more than this before the end the previous window
        #: gave it (same start) has lost part of its last stroke.
        self.max_retreat_s = 0.3
        self.stats = UpdateStats()
        #: Called after every update with ``(t0, t1, triggered, analysis or None)``.
        self.on_update: Callable[[float, float, bool, SessionAnalysis | None], None] | None = None
        self._detector = TurnaroundDetector(sampling_rate_hz=self.sampling_rate_hz)
        #: Direction of the stroke that ends a rep: up for eccentric-first exercises.
        self._closing_direction = 1 if self.profile.first_phase == "eccentric" else -1
        self._ring: SampleRing | None = None
        self._has_gyro: bool | None = None
        self._first_time_s = math.nan
        self._next_update_s = math.nan
        self._rest_runs: deque[tuple[float, float]] = deque(maxlen=256)
        self._turn_points: deque[float] = deque(maxlen=256)
        self._pending: list[tuple[float, float]] = []
        self._sightings: deque[_Sighting] = deque(maxlen=32)
        self._burst: list[float] = []
        self._burst_step = self.burst_interval_s
        self._burst_until = -math.inf
        self._cut = False
        self._moving = 0
        self._last_direction = 0
        self._last_update_s = -math.inf
        self._set_number = 0
        self._set_reps: list[_LiveRep] = []
        self._floor_s = -math.inf
        self._phase = "rest"

    # ------------------------------------------------------------------ public state
    @property
    def phase(self) -> str:
        """The current phase (one of :data:`PHASES`)."""
        return self._phase

    @property
    def set_number(self) -> int:
        """Number of the current (or last) set; 0 before the first."""
        return self._set_number

    @property
    def in_set(self) -> bool:
        """Whether a set is in progress."""
        return bool(self._set_reps)

    @property
    def reps(self) -> list[dict[str, Any]]:
        """Rows of the current set's reps as reported so far (latest values)."""
        return [dict(r.row) for r in self._set_reps]

    @property
    def buffer_nbytes(self) -> int:
        """Memory held by the sample buffer."""
        return self._ring.nbytes if self._ring is not None else 0

    @property
    def buffered_s(self) -> float:
        """Time span of the samples in the buffer."""
        if self._ring is None or len(self._ring) < 2:
            return 0.0
        return self._ring.newest_time_s - self._ring.oldest_time_s

    # ------------------------------------------------------------------ input
    def push(
        self, time_s: Sequence[float] | np.ndarray, acc_g: np.ndarray, gyr_dps: np.ndarray | None
    ) -> list[LiveEvent]:
        """Add samples and return the events they cause, in time order.

        Parameters
        ----------
        time_s
            Sample times in seconds, strictly increasing and later than every sample
            pushed before (a gap in time is fine).
        acc_g
            Acceleration, shape (N, 3), g.
        gyr_dps
            Angular rate, shape (N, 3), deg/s, or None; the first push decides whether the
            stream has a gyroscope.

        Returns
        -------
        list of LiveEvent
            Updates run at the sample where a turnaround or stop is detected and at the
            first sample past each multiple of ``update_interval_s``, wherever the chunks
            are cut, so the events do not depend on how the stream is chunked.
        """
        t, values = self._check_input(time_s, acc_g, gyr_dps)
        events: list[LiveEvent] = []
        if t.size == 0:
            return events
        ring = self._ring
        assert ring is not None
        if math.isnan(self._first_time_s):
            self._first_time_s = float(t[0])
            self._next_update_s = float(t[0]) + self.update_interval_s
        detector = self._detector
        vertical = detector.vertical_acceleration(
            values[:, :3], values[:, 3:] if self._has_gyro else None
        )
        done = 0  # samples of this chunk in the ring
        fed = 0  # samples of this chunk the detector has integrated
        while True:
            due = min([self._next_update_s, *self._burst[:1], self._watch_due_s()])
            k = int(np.searchsorted(t, due, side="left"))
            # the detector runs up to the due sample and stops after a mark, so that an
            # update can restart its velocity (reanchor) before the next sample
            marks, used = detector.integrate(
                vertical[fed : min(k, t.size - 1) + 1], stop_at_mark=True
            )
            if marks:
                k = fed + marks[0][0]
            fed += used
            if k >= t.size:
                break
            ring.extend(t[done : k + 1], values[done : k + 1])
            done = k + 1
            now = float(t[k])
            fast = closing = started = False
            margin = self.cut_margin_s
            for _, kind, direction in marks:
                events.extend(self._phase_events(kind, direction, now))
                if kind == "move":
                    # a movement starts from (almost) zero velocity; if it goes the other
                    # way the last stroke has certainly ended (a turnaround alone may be
                    # the error of a slow stroke's creeping end)
                    fast = started = True
                    self._burst = []
                    if direction == -self._last_direction:
                        margin = 0.0
                    self._moving = direction
                else:
                    closing = direction == self._closing_direction
                    self._start_burst(kind if closing else "", now)
                    self._last_direction, self._moving = direction, 0
            while self._burst and self._burst[0] <= now:
                self._burst.pop(0)
                fast = True
            periodic = False
            if self._next_update_s <= now:
                self._next_update_s = max(self._next_update_s + self.update_interval_s, now + 1e-9)
                # no rep ends in a stroke in its first direction: updates further apart
                opening = self._moving == -self._closing_direction
                gap = self.slow_gap_s if opening else self.min_gap_s
                periodic = now - self._last_update_s >= gap - self._tolerance_s
            # a rep seen but not reported: updates every watch_interval_s, and its deadline
            watch = bool(self._sightings) and (
                now - self._last_update_s >= self.watch_interval_s - self._tolerance_s
            )
            if not (fast or periodic or watch or now >= self._deadline_s() - 1e-9):
                continue
            # a deadline with no window that saw the rep complete: one more window first
            # (the rep as last seen may be cut by its window)
            blind = now >= self._deadline_s() - 1e-9 and not self._complete_sightings()
            run = fast or periodic or watch or blind
            if run and not (closing or blind) and self._behind(now):
                # the engine is still busy with earlier windows: this one is left out
                # (never the one at a stroke that can end a rep)
                run = False
                self._last_update_s = now
                self.stats.n_shed += 1
            new = []
            spent = self.stats.total_s
            if run:
                new = self._update(
                    now, fast=fast, cut_margin_s=margin, closing=closing, started=started
                )
            if now >= self._deadline_s() - 1e-9:
                new.extend(self._report_overdue(now))
            self._busy_until_s = max(self._busy_until_s, now) + (self.stats.total_s - spent)
            events.extend(new)
            reported = [e.row for e in new if e.kind == "rep_completed" and e.row is not None]
            if reported:
                events.extend(self._reanchor(float(reported[-1]["end_s"]), now))
            elif (
                run
                and fast
                and self._cut
                and not self._burst
                and now + self._burst_step <= self._burst_until + 1e-9
            ):
                # the window still cuts the rep the stop ends: one more update
                self._burst = [now + self._burst_step]
        ring.extend(t[done:], values[done:])
        return events

    def _behind(self, now: float) -> bool:
        """Whether a window started at ``now`` would start more than ``max_lag_s`` late."""
        return self.max_lag_s is not None and self._busy_until_s - now > self.max_lag_s

    def _start_burst(self, kind: str, now: float) -> None:
        """Schedule the updates after a turnaround or stop (one only if it cannot end a rep)."""
        if kind == "turn":
            self._burst_step, n = self.burst_interval_s, self.burst_n
            self._burst_until = -math.inf
        elif kind == "stop":
            self._burst_step, n = self.stop_interval_s, self.stop_n
            self._burst_until = now + self.stop_burst_s
        else:
            self._burst_step, n = self.burst_interval_s, 1
            self._burst_until = -math.inf
        self._burst = [now + j * self._burst_step for j in range(n)]

    def _reanchor(self, end_s: float, now: float) -> list[LiveEvent]:
        """Restart the detector's velocity at a reported rep's end (the bar was still then)."""
        assert self._ring is not None
        events: list[LiveEvent] = []
        for kind, direction in self._detector.reanchor(self._ring.count_after(end_s)):
            events.extend(self._phase_events(kind, direction, now))
            if kind == "move":
                self._moving = direction
            else:
                self._last_direction, self._moving = direction, 0
        return events

    def finish(self) -> list[LiveEvent]:
        """End of stream: report the reps that end at the last sample and end the set."""
        if self._ring is None or len(self._ring) < 2:
            return []
        newest = self._ring.newest_time_s
        events = self._update(newest, fast=True, cut_margin_s=0.0)
        if self._set_reps:
            events.extend(self._end_set(newest))
        return events

    def _check_input(
        self, time_s: Sequence[float] | np.ndarray, acc_g: np.ndarray, gyr_dps: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        t = np.asarray(time_s, dtype=float).reshape(-1)
        acc = np.asarray(acc_g, dtype=float)
        if acc.shape != (t.size, 3):
            raise InputError(f"acc_g must have shape ({t.size}, 3), got {acc.shape}")
        if self._has_gyro is None:
            self._has_gyro = gyr_dps is not None
            capacity = math.ceil(self.buffer_s * self.sampling_rate_hz * 1.05) + 1
            self._ring = SampleRing(capacity, 6 if self._has_gyro else 3)
        if (gyr_dps is not None) != self._has_gyro:
            raise InputError(
                "a live stream must keep or lack the gyroscope throughout",
                hint="Push gyr_dps with every chunk or with none.",
            )
        values = acc
        if gyr_dps is not None:
            gyr = np.asarray(gyr_dps, dtype=float)
            if gyr.shape != acc.shape:
                raise InputError(f"gyr_dps must have shape {acc.shape}, got {gyr.shape}")
            values = np.hstack([acc, gyr])
        if t.size:
            assert self._ring is not None
            previous = self._ring.newest_time_s
            if (
                not np.all(np.isfinite(t))
                or np.any(np.diff(t) <= 0)
                or (len(self._ring) and t[0] <= previous)
                or not np.all(np.isfinite(values))
            ):
                raise InputError(
                    "live samples must be finite, with strictly increasing times",
                    where="time_s",
                    hint="Push samples in time order, each later than the last one pushed.",
                )
        return t, values

    # ------------------------------------------------------------------ phase
    def _phase_events(self, kind: str, direction: int, t: float) -> list[LiveEvent]:
        if kind == "move":
            phase = "concentric" if direction > 0 else "eccentric"
        elif not self._set_reps:
            phase = "rest"
        else:
            phase = "top_pause" if direction > 0 else "bottom_pause"
        if phase == self._phase:
            return []
        self._phase = phase
        return [LiveEvent("phase", t, self._set_number if self._set_reps else 0, phase=phase)]

    # ------------------------------------------------------------------ one update
    def _analyse(
        self, t0: float, t1: float, *, live: bool, at_zero: bool = False
    ) -> SessionAnalysis | None:
        """Analyse ``[t0, t1]``: a live window (step 2) or, with ``live=False``, a set summary."""
        assert self._ring is not None
        config = self.config
        if live:
            config = self.live_config
            floor = self._noise_floor_mps2 if math.isfinite(self._noise_floor_mps2) else None
            stillness = dataclasses.replace(
                config.stillness,
                noise_floor_mps2=floor,
                ends_at_rest=at_zero,
            )
            config = dataclasses.replace(config, stillness=stillness)
        t, values = self._ring.since(t0, t1)
        if t.size < 4 or t[-1] - t[0] < 2.0:
            return None
        meta = RecordingMeta(
            sampling_rate_hz=self.sampling_rate_hz,
            device=self.device,
            placement=self.placement,
            exercise=self.profile.name,
            source="live",
        )
        recording = Recording.from_arrays(
            time_s=t,
            acc_g=values[:, :3],
            gyr_dps=values[:, 3:] if self._has_gyro else None,
            meta=meta,
        )
        started = self._timer()
        try:
            result = analyze_recording(
                recording,
                placement=self.placement,
                exercise=self.profile.name,
                tempo=self.tempo,
                config=config,
            )
        except InputError:
            self.stats.n_failed += 1
            return None
        finally:
            self.stats.add(self._timer() - started)
        floor = result.provenance.get("noise_floor_mps2")
        if floor is not None and math.isfinite(floor):
            self._noise_floor_mps2 = min(self._noise_floor_mps2, float(floor))
        return result

    def _window_start(self, t_edge: float) -> float:
        """Start of the next window (step 1 of the module docs)."""
        return self._window_starts(t_edge)[0]

    def _window_starts(self, t_edge: float) -> list[float]:
        """Return starts for a window ending at ``t_edge``, best first (step 1)."""
        assert self._ring is not None
        earliest = max(self._ring.oldest_time_s, t_edge - self.max_window_s)
        if self._set_reps:
            latest = min(
                t_edge - self.min_window_s,
                float(self._set_reps[-1].row["start_s"]) - self.refine_margin_s,
            )
        else:
            latest = t_edge - self.idle_window_s
        # a rest first: the orientation filter and the noise floor need one
        moving = [span for rep in self._set_reps for span in self._strokes(rep.row)]
        long_rests = [
            (a, b)
            for a, b in self._rest_runs
            if b - a >= self.min_rest_s and not any(min(b, y) - max(a, x) > 0 for x, y in moving)
        ]
        rests = [a for a, _ in long_rests if earliest <= a <= latest]
        rests += [earliest for a, b in long_rests if a < earliest <= b]
        turns = [p for p in self._turn_points if earliest <= p <= latest]
        starts = [max(rests)] if rests else []
        if turns:
            starts.append(max(turns))
        starts.append(max(earliest, min(latest, t_edge - self.min_window_s)))
        # for a second opinion (look-aside), also the last reported rep's start itself
        if self._set_reps:
            last_start = float(self._set_reps[-1].row["start_s"])
            if earliest <= last_start <= t_edge - self.min_window_s:
                starts.append(last_start)
        return starts

    def _strokes(self, row: dict[str, Any]) -> list[tuple[float, float]]:
        """Inner parts of a reported rep's two strokes (``stroke_core_margin_s`` off each end)."""
        first, second = "eccentric_s", "concentric_s"
        pause = "bottom_pause_s"
        if self.profile.first_phase != "eccentric":
            first, second, pause = second, first, "top_pause_s"
        values = [float(row[k]) for k in (first, pause, second)]
        a, gap, b = (v if math.isfinite(v) else 0.0 for v in values)
        start = float(row["start_s"])
        m = self.stroke_core_margin_s
        spans = [(start + m, start + a - m), (start + a + gap + m, start + a + gap + b - m)]
        return [(x, y) for x, y in spans if y > x]

    def _update(
        self,
        t_edge: float,
        *,
        fast: bool,
        cut_margin_s: float | None = None,
        closing: bool = False,
        started: bool = False,
    ) -> list[LiveEvent]:
        """Analyse the window ending at ``t_edge`` and report what is new (steps 1-5).

        A ``fast`` window ends at zero velocity unless it is at a movement's ``started``
        mark: the detector marks a start only once the bar has gathered speed.
        """
        t0 = self._window_start(t_edge)
        self._last_update_s = t_edge
        self._cut = False
        result = self._analyse(t0, t_edge, live=True, at_zero=fast and not started)
        if fast:
            self.stats.n_fast += 1
        if self.on_update is not None:
            self.on_update(t0, t_edge, fast, result)
        if result is None:
            return []
        at_rest = bool(len(result.traces)) and bool(result.traces["still"].iloc[-1])
        margin = self.cut_margin_s if cut_margin_s is None else cut_margin_s
        good = fast or at_rest or not self._moving
        self._remember_rests(result, t0, t_edge, at_zero=good)
        whole, candidates = self._candidates(result, t0, t_edge)
        if candidates and self._misses_reported(result, t0):
            candidates = []
        # reps are taken in order: none from the first whose end this window pulled back
        candidates = list(itertools.takewhile(lambda r: not self._retreats(r), candidates))
        new_rows = self._trusted(candidates, t_edge, good=good, cut_margin_s=margin)
        self._pending = [(float(r["start_s"]), float(r["end_s"])) for r in whole]
        self._cut = (
            not new_rows
            and bool(candidates)
            and float(candidates[0]["end_s"]) > t_edge - margin - 1e-9
        )
        if not new_rows and closing and self._lost(result, t0, t_edge):
            new_rows = self._look_back(t_edge) or self._look_aside(t0, t_edge)
        if not new_rows:
            new_rows = self._watch(candidates, t_edge, at_zero=good)
        events = self._report(new_rows, t_edge)
        if new_rows:
            self._burst = []
        if self._set_reps and self._set_should_end(result, t_edge):
            events.extend(self._end_set(t_edge))
        return events

    def _lost(self, result: SessionAnalysis, t0: float, t_edge: float) -> bool:
        """Whether the window has lost strokes, as one ending in motion does.

        Lost are: every rep, during a set; a reported rep inside the window; or the motion
        before the window's end, when its last rep ends more than ``lost_motion_s`` before
        the window does although a stroke has just ended (a window that starts in motion
        can pair the strokes after its start wrongly and lose the rest; one that ends in
        the next stroke can lose the rep that ended). This holds for a set's first rep too
        (measured: an overhead-press window 0.09 s into the second press paired the first
        rep's strokes wrongly; without a look-back the rep came 0.71 s after its end).
        """
        reps = result.reps
        if reps.empty:
            return bool(self._set_reps)
        last = reps.iloc[int(np.argmax(reps["start_s"].to_numpy(float)))]
        if float(last["end_s"]) < t_edge - self.lost_motion_s:
            return True
        return self._misses_reported(result, t0)

    def _misses_reported(self, result: SessionAnalysis, t0: float) -> bool:
        """Whether a reported rep inside the window is not among the window's reps.

        Such a window has paired the strokes wrongly (it started or ended in motion); its
        new reps are not taken either.
        """
        start = result.reps["start_s"].to_numpy(float)
        end = result.reps["end_s"].to_numpy(float)
        for rep in self._set_reps:
            a, b = float(rep.row["start_s"]), float(rep.row["end_s"])
            if a >= t0 + self.edge_margin_s:
                overlap = np.minimum(end, b) - np.maximum(start, a)
                if not np.any(overlap >= 0.5 * (b - a)):
                    return True
        return False

    def _retreats(self, row: dict[str, Any]) -> bool:
        """Whether the previous window gave this rep (same start) a much later end."""
        start, end = float(row["start_s"]), float(row["end_s"])
        return any(
            abs(p_start - start) <= self.confirm_tolerance_s and p_end - end > self.max_retreat_s
            for p_start, p_end in self._pending
        )

    def _watch(
        self, candidates: list[dict[str, Any]], t_end: float, *, at_zero: bool = True
    ) -> list[dict[str, Any]]:
        """Remember the window's first unreported rep; return it when its end is stable.

        Its end is stable when the rep ends ``open_gap_s`` before this window and a window
        ending at least ``stable_sep_s`` earlier put the end within ``stable_tol_s`` of
        this one: the end does not follow the window's end, as it does in a window that
        cuts the rep (before its end) or bends it (in the next stroke).
        """
        if not candidates:
            return []
        row = candidates[0]
        if self._sightings and not _overlap(row, self._sightings[-1].row):
            self._sightings.clear()  # another rep
        end = float(row["end_s"])
        # a set's first rep is not stable in a window the detector saw in motion (above)
        if t_end - end >= self.open_gap_s - 1e-9 and (at_zero or self._set_reps):
            for seen in self._sightings:
                if (
                    seen.window_end_s <= t_end - self.stable_sep_s + 1e-9
                    and abs(seen.end_s - end) <= self.stable_tol_s + 1e-9
                ):
                    return [row]
        if at_zero:
            # a window at zero velocity that sees the rep run on well past where a window
            # in motion ended it: that one had lost the end of the stroke
            kept = [s for s in self._sightings if s.at_zero or s.end_s >= end - self.max_retreat_s]
            self._sightings.clear()
            self._sightings.extend(kept)
        self._sightings.append(_Sighting(t_end, row, at_zero))
        return []

    def _deadline_s(self) -> float:
        """Return the data time by which the rep seen must be reported (inf: none).

        ``deadline_s`` after the end of the first window that saw it complete (ending
        ``open_gap_s`` before the window); without one, after the latest end seen.
        """
        sightings = self._sightings
        if not sightings:
            return math.inf
        complete = [s.end_s for s in self._complete_sightings()]
        if not self._set_reps and not any(s.at_zero for s in sightings):
            # a set's first rep has no deadline while only windows that ended in a
            # movement the detector saw have shown it: setup moves before a set
            # (unracking, a walk-out) that such a window bends look like a rep
            return math.inf
        if complete:
            return min(complete) + self.deadline_s
        return max(s.end_s for s in sightings) + self.deadline_s

    def _complete_sightings(self) -> list[_Sighting]:
        """Return the sightings whose window saw the rep end (``open_gap_s`` before it)."""
        return [s for s in self._sightings if s.gap_s >= self.open_gap_s - 1e-9]

    def _watch_due_s(self) -> float:
        if not self._sightings:
            return math.inf
        return min(self._last_update_s + self.watch_interval_s, self._deadline_s())

    def _report_overdue(self, t_now: float) -> list[LiveEvent]:
        """Report the rep whose deadline has passed from the best window that showed it.

        The best is the first window that saw it complete (later ones may bend its end);
        without one, the latest window (the others cut it earlier).
        """
        sightings = list(self._sightings)
        complete = self._complete_sightings()
        self._sightings.clear()
        if not sightings:
            return []
        if complete:
            best = min(complete, key=lambda s: s.window_end_s)
        else:
            best = max(sightings, key=lambda s: s.window_end_s)
        self.stats.n_overdue += 1
        return self._report([best.row], t_now)

    def _look_back(self, t_edge: float) -> list[dict[str, Any]]:
        """Windows ending ``look_back_s`` before ``t_edge``, newest first: the first new reps.

        Run when the detector may have seen a rep's end late (step 3 of the module docs);
        each is judged as an update at zero velocity.
        """
        for back_s in self.look_back_s:
            end_s = t_edge - back_s
            t0 = self._window_start(end_s)
            result = self._analyse(t0, end_s, live=True, at_zero=True)
            self.stats.n_look_back += 1
            if self.on_update is not None:
                self.on_update(t0, end_s, True, result)
            if result is None or self._misses_reported(result, t0):
                continue
            _, candidates = self._candidates(result, t0, end_s)
            rows = self._trusted(candidates, end_s, good=True, cut_margin_s=self.cut_margin_s)
            if rows:
                return rows
        return []

    def _look_aside(self, t0: float, t_edge: float) -> list[dict[str, Any]]:
        """Analyse the window ending at ``t_edge`` from other starts; the first new reps.

        Run when the window and the look-back windows have lost the set's strokes: a
        window that starts in motion (a slow stroke taken for a rest, or just after a
        turnaround into a fast stroke) can lose every rep after its start, and another
        start may not. At most ``look_aside_n`` other starts, best first.
        """
        tried = [t0]
        for start in self._window_starts(t_edge):
            if len(tried) > self.look_aside_n or any(
                abs(start - x) <= self.edge_margin_s for x in tried
            ):
                continue
            tried.append(start)
            result = self._analyse(start, t_edge, live=True, at_zero=True)
            self.stats.n_look_back += 1
            if self.on_update is not None:
                self.on_update(start, t_edge, True, result)
            if result is None or self._misses_reported(result, start):
                continue
            _, candidates = self._candidates(result, start, t_edge)
            rows = self._trusted(candidates, t_edge, good=True, cut_margin_s=self.cut_margin_s)
            if rows:
                return rows
        return []

    def _candidates(
        self, result: SessionAnalysis, t0: float, t_edge: float
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Return the window's complete reps, and those after the last reported one (step 3).

        Outside a set, a rep that ends more than ``first_rep_max_age_s`` before the window
        does is not a candidate: the windows before this one covered its end and found no
        rep, and setup motion before a set (unracking, a step back) that a window ending in
        a slow first stroke bends looks like one (measured: a "rep" 3 s before a 3-1-1-0
        bench set, reported when its first eccentric was 1.5 s under way).
        """
        rows = [{str(k): v for k, v in r.items()} for r in result.reps.to_dict(orient="records")]
        whole = sorted(
            (
                r
                for r in rows
                if math.isfinite(float(r["eccentric_s"]))
                and math.isfinite(float(r["concentric_s"]))
                and float(r["start_s"]) >= t0 + self.edge_margin_s
                and float(r["start_s"]) > self._floor_s
            ),
            key=lambda r: float(r["start_s"]),
        )
        last_end = float(self._set_reps[-1].row["end_s"]) if self._set_reps else -math.inf
        oldest_end = -math.inf if self._set_reps else t_edge - self.first_rep_max_age_s
        return whole, [
            r
            for r in whole
            if self._match(r) is None
            and float(r["start_s"]) >= last_end - 0.3
            and float(r["end_s"]) >= oldest_end
        ]

    def _trusted(
        self, candidates: list[dict[str, Any]], t_end: float, *, good: bool, cut_margin_s: float
    ) -> list[dict[str, Any]]:
        """Return the first candidates that can be reported from this window (step 3)."""
        out: list[dict[str, Any]] = []
        for row in candidates:
            end = float(row["end_s"])
            if not (good and end <= t_end - cut_margin_s):
                seen = any(_same_rep(row, p, self.confirm_tolerance_s) for p in self._pending)
                # not a set's first rep while the detector sees the bar move in a rep's
                # first direction: two windows in a slow first stroke can agree on setup
                # moves (unracking, a walk-out) bent into a rep
                opening = self._moving == -self._closing_direction
                seen = seen and not (opening and not self._set_reps and not out)
                if not (end <= t_end - self.settle_s and seen):
                    break  # reps are reported in order
            out.append(row)
        return out

    def _remember_rests(
        self, result: SessionAnalysis, t0: float, t_edge: float, *, at_zero: bool
    ) -> None:
        """Update the known rests with the window's still intervals (step 1).

        The pipeline takes a recording's ends to be at rest, so stillness within
        ``edge_margin_s`` of the window's ends is an assumption, not a finding: an interval
        touching the window's end is left out, one at its start keeps only its part after
        the margin (the rest before a set, which every window that sees it starts in).
        A window that ends at zero velocity also revises what earlier windows found: a
        known rest that ends at least ``revise_context_s`` before this window's end and
        that none of its still intervals overlaps is forgotten. A window that ended just
        after a slow stroke can take part of it for a rest (its closure check has no rests
        after it to compare with); a later window, with the strokes after it, sees the
        stroke as batch analysis will.
        """
        traces = result.traces
        time_s = traces["time_s"].to_numpy(float)
        lo, hi = t0 + self.edge_margin_s, t_edge - self.edge_margin_s
        found = [
            (max(float(time_s[a]), lo), float(time_s[b - 1]))
            for a, b in runs(traces["still"].to_numpy(bool))
            if time_s[b - 1] > lo and time_s[b - 1] < hi
        ]
        if at_zero:
            kept = [
                (x, y)
                for x, y in self._rest_runs
                if not (lo <= x and y <= t_edge - self.revise_context_s)
                or any(a <= y and x <= b for a, b in found)
            ]
            if len(kept) < len(self._rest_runs):
                self._rest_runs = deque(kept, maxlen=self._rest_runs.maxlen)
        for run in found:
            if not any(run[0] <= y and x <= run[1] for x, y in self._rest_runs):
                self._rest_runs.append(run)

    # ------------------------------------------------------------------ reps
    def _report(self, new_rows: list[dict[str, Any]], t_now: float) -> list[LiveEvent]:
        """Add the new reps to the set, recompute the flags, return the events (steps 3-4)."""
        events: list[LiveEvent] = []
        if new_rows:
            self._sightings.clear()
        for row in new_rows:
            if not self._set_reps:
                self._set_number += 1
                events.append(LiveEvent("set_started", t_now, self._set_number))
            rep = _LiveRep(len(self._set_reps) + 1, {c: row[c] for c in REP_COLUMNS}, *_split(row))
            self._set_reps.append(rep)
            self._turn_points.extend((float(row["start_s"]), float(row["end_s"])))
        if not new_rows:
            return events
        self._reflag()
        for rep in self._set_reps:
            shown = rep.shown
            if shown is None:
                kind = "rep_completed"
            elif any(shown[c] != rep.row[c] for c in UPDATE_FIELDS):
                kind = "rep_updated"
            else:
                continue
            rep.shown = dict(rep.row)
            events.append(LiveEvent(kind, t_now, self._set_number, rep.number, row=dict(rep.row)))
        return events

    def _match(self, row: dict[str, Any]) -> _LiveRep | None:
        a0, a1 = float(row["start_s"]), float(row["end_s"])
        best, best_overlap = None, 0.0
        for rep in self._set_reps:
            b0, b1 = float(rep.row["start_s"]), float(rep.row["end_s"])
            overlap = min(a1, b1) - max(a0, b0)
            shorter = max(min(a1 - a0, b1 - b0), 1e-9)
            if overlap >= 0.5 * shorter and overlap > best_overlap:
                best, best_overlap = rep, overlap
        return best

    def _reflag(self) -> None:
        """Recompute flags and velocity loss over the set so far (step 5 of the module docs)."""
        frame = pd.DataFrame([r.row for r in self._set_reps])
        mcv = frame["mean_concentric_velocity_mps"].to_numpy(float)
        best = float(np.nanmax(mcv)) if np.isfinite(mcv).any() else math.nan
        loss = 1.0 - mcv / best if best > 0 else np.full(mcv.shape, math.nan)
        # bounce comes from the window: the turnaround measures are not in the rows (NaN)
        reps = [RepMetrics.from_row(row) for row in frame.to_dict(orient="records")]
        flags, reasons = flag_set(reps, thresholds=self.profile.thresholds, tempo=self.tempo)
        for rep, set_flags, set_reasons, rep_loss in zip(
            self._set_reps, flags, reasons, loss, strict=True
        ):
            found = {f: r for f, r in zip(set_flags, set_reasons, strict=True)}
            for name, reason in zip(rep.window_flags, rep.window_reasons, strict=True):
                if name not in SET_RELATIVE_FLAGS:
                    found.setdefault(name, reason)
            names = [f for f in FLAGS if f in found]
            rep.row["flags"] = ";".join(names)
            rep.row["flag_reasons"] = ";".join(found[f] for f in names)
            rep.row["velocity_loss"] = float(rep_loss)
            rep.row["set"] = self._set_number
            rep.row["rep"] = rep.number

    # ------------------------------------------------------------------ sets
    def _set_should_end(self, result: SessionAnalysis, t_edge: float) -> bool:
        last_end = float(self._set_reps[-1].row["end_s"])
        if t_edge - last_end <= self.set_gap_s or self._moving:
            return False
        # a rep under way that started within the gap still belongs to this set
        for r in result.reps.to_dict(orient="records"):
            start = float(r["start_s"])
            if last_end + 0.3 < start <= last_end + self.set_gap_s and float(r["end_s"]) > (
                t_edge - self.settle_s
            ):
                return False
        return True

    def _end_set(self, t_edge: float) -> list[LiveEvent]:
        """Analyse the whole set once more and report it (step 6 of the module docs)."""
        assert self._ring is not None
        first = float(self._set_reps[0].row["start_s"])
        last_end = float(self._set_reps[-1].row["end_s"])
        oldest = self._ring.oldest_time_s
        if math.isfinite(self._floor_s):
            wanted = min(first - self.set_context_s, 0.5 * (self._floor_s + first))
            complete = wanted >= oldest
        else:
            wanted = oldest
            complete = oldest <= self._first_time_s
        result = self._analyse(max(wanted, oldest), t_edge, live=False)
        summary: dict[str, Any] = {}
        if result is not None and not result.reps.empty:
            frame = result.reps
            end = frame["end_s"].to_numpy(float)
            start = frame["start_s"].to_numpy(float)
            overlap = pd.Series(
                np.clip(np.minimum(end, last_end) - np.maximum(start, first), 0.0, None),
                index=frame.index,
            )
            chosen = int(overlap.groupby(frame["set"]).sum().idxmax())
            reps = [
                {**{str(k): v for k, v in r.items()}, "set": self._set_number}
                for r in frame[frame["set"] == chosen].to_dict(orient="records")
            ]
            sets = result.sets
            summary = {str(k): v for k, v in sets[sets["set"] == chosen].iloc[0].to_dict().items()}
            summary["set"] = self._set_number
        else:  # the set's reps were not found again: report what was seen live
            complete = False
            reps = [dict(r.row) for r in self._set_reps]
        number = self._set_number
        self._floor_s = max([last_end] + [float(r["end_s"]) for r in reps])
        self._set_reps = []
        self._pending = []
        self._sightings.clear()
        events = [
            LiveEvent(
                "set_ended", t_edge, number, summary=summary, reps=tuple(reps), complete=complete
            )
        ]
        if self._phase in ("bottom_pause", "top_pause"):  # a pause between sets is a rest
            self._phase = "rest"
            events.append(LiveEvent("phase", t_edge, 0, phase="rest"))
        return events


def _split(row: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Return the flags and their reasons of a rep row.

    Reasons are joined with ``;``; should a reason itself contain ``;``, the surplus parts
    are kept with the last flag's reason.
    """
    flags = [f for f in str(row["flags"]).split(";") if f]
    if not flags:
        return [], []
    parts = str(row["flag_reasons"]).split(";")
    head = len(flags) - 1
    reasons = [*parts[:head], ";".join(parts[head:])]
    reasons += [""] * (len(flags) - len(reasons))
    return flags, reasons


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two rep rows overlap by at least half the shorter one."""
    a0, a1, b0, b1 = (float(r[k]) for r in (a, b) for k in ("start_s", "end_s"))
    return min(a1, b1) - max(a0, b0) >= 0.5 * max(min(a1 - a0, b1 - b0), 1e-9)


def _same_rep(row: dict[str, Any], seen: tuple[float, float], tolerance_s: float) -> bool:
    return (
        abs(float(row["start_s"]) - seen[0]) <= tolerance_s
        and abs(float(row["end_s"]) - seen[1]) <= tolerance_s
    )
