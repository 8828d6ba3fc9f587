"""When the live engine analyses a window, and how it keeps up with the stream.

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
direction (no rep ends in that stroke), or while a burst window is pending (it comes
within ``stop_interval_s``). A periodic window is also left out when nothing moved since
the last window (no mark, no movement seen, the samples since then still at the
stillness detector's level): outside a set no rep can start, and in a set the last
window saw all but a still tail; it still runs when the set-end rule, with no rep under
way, would end the set then, so a set ends when it did (measured on
``sample_data/squat_session.csv``, where the bar is held still between reps: 456 -> 263
windows, the same 15 reps). While a window has shown a rep that is not yet
reported (a *sighting*, :mod:`repscope.live.acceptance`) it runs every
``watch_interval_s`` (0.1 s). With the acceptance rules these periodic windows report a
rep whose end the detector missed. Updates run at the sample where a mark or a due time
falls, wherever the chunks are cut, so the events do not depend on how the stream is
chunked.

Keeping up
----------
Each window costs compute time, and the samples keep coming: a window that starts while
earlier ones are still being computed reports late by that much, and on a slow or busy
machine the windows queue up (measured on the project's 2-core machine under load from
other jobs, 4-10x the unloaded cost per window: at commit b1d8cba reps up to 6.6 s late
at 50 Hz and 59 s at 100 Hz, although the data had shown each within 0.2 s at 50 Hz and
0.41 s at 100 Hz). So the schedule keeps track of when it would be done if each sample
were handed over as it is taken (the measured cost of every window, from the ``timer``,
on the samples' time axis) and leaves out a periodic, watch or burst window whose sample
comes more than ``max_lag_s`` (0.05 s) before that. Never left out: the window at a
turnaround or stop that can end a rep (with its look-back), and one more window at a
rep's deadline when no window saw the rep complete. When the engine keeps up (every
window cheaper than the 0.05 s between burst windows) nothing is left out and the events
depend on the data alone; a replay runs at full speed without this rule
(``max_lag_s=None``).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from repscope.live.settings import LiveSettings


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


class Schedule:
    """Due times of the periodic and burst windows, and the lag of the engine's work.

    Parameters
    ----------
    settings
        The engine's settings.
    tolerance_s
        How far sample times may fall short of a scheduled time (half a sample).
    """

    def __init__(self, settings: LiveSettings, *, tolerance_s: float) -> None:
        self.settings = settings
        self.tolerance_s = tolerance_s
        self.next_update_s = math.nan
        self.burst: list[float] = []
        self.burst_step_s = settings.burst_interval_s
        self.burst_until_s = -math.inf
        self.last_update_s = -math.inf
        #: When the engine, handed each sample as it is taken, is done with its work so far.
        self.busy_until_s = -math.inf

    def begin(self, first_time_s: float) -> None:
        """Start the periodic windows at the stream's first sample."""
        self.next_update_s = first_time_s + self.settings.update_interval_s

    def due_s(self, watch_due_s: float) -> float:
        """Return the time of the next scheduled window."""
        # compared in the order of the old min([...]) over a list, without building it
        due = min(self.next_update_s, self.burst[0]) if self.burst else self.next_update_s
        return min(due, watch_due_s)

    def start_burst(self, kind: str, now: float) -> None:
        """Schedule the windows after a ``turn`` or ``stop`` that can end a rep (else one)."""
        s = self.settings
        if kind == "turn":
            self.burst_step_s, n = s.burst_interval_s, s.burst_n
            self.burst_until_s = -math.inf
        elif kind == "stop":
            self.burst_step_s, n = s.stop_interval_s, s.stop_n
            self.burst_until_s = now + s.stop_burst_s
        else:
            self.burst_step_s, n = s.burst_interval_s, 1
            self.burst_until_s = -math.inf
        self.burst = [now + j * self.burst_step_s for j in range(n)]

    def pop_burst(self, now: float) -> bool:
        """Drop the burst windows due by ``now``; whether there was one."""
        fast = False
        while self.burst and self.burst[0] <= now:
            self.burst.pop(0)
            fast = True
        return fast

    def periodic(self, now: float, *, opening: bool) -> bool:
        """Whether a periodic window runs at ``now`` (and schedule the next one)."""
        if self.next_update_s > now:
            return False
        s = self.settings
        self.next_update_s = max(self.next_update_s + s.update_interval_s, now + 1e-9)
        # no rep ends in a stroke in its first direction: updates further apart
        gap = s.slow_gap_s if opening else s.min_gap_s
        return now - self.last_update_s >= gap - self.tolerance_s

    def watch_due(self, now: float) -> bool:
        """Whether ``watch_interval_s`` has passed since the last window."""
        return now - self.last_update_s >= self.settings.watch_interval_s - self.tolerance_s

    def behind(self, now: float) -> bool:
        """Whether a window started at ``now`` would start more than ``max_lag_s`` late."""
        lag = self.settings.max_lag_s
        return lag is not None and self.busy_until_s - now > lag

    def charge(self, now: float, compute_s: float) -> None:
        """Add the compute time of the windows run at ``now``."""
        self.busy_until_s = max(self.busy_until_s, now) + compute_s

    def extend_burst(self, now: float) -> None:
        """One more window after a stop, while the window still cuts the rep."""
        if not self.burst and now + self.burst_step_s <= self.burst_until_s + 1e-9:
            self.burst = [now + self.burst_step_s]
