"""Every tunable of the live engine, in one frozen and validated value object.

:class:`LiveSettings` holds the schedule (when a window runs), the window placement, the
rules that accept a rep and the set's end. The defaults are the values measured on the
simulated sets of ``tests/live`` and ``benchmarks/bench_live.py`` (see the module docs of
:mod:`repscope.live.scheduling`, :mod:`repscope.live.windows` and
:mod:`repscope.live.acceptance` for what each one does and why it has its value). A live
session writes :meth:`LiveSettings.to_dict` into the recording's sidecar
(``extra["live"]["settings"]``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from repscope.errors import InputError


@dataclass(frozen=True)
class LiveSettings:
    """Tunables of :class:`~repscope.live.engine.LiveAnalyzer` (seconds unless named).

    Schedule (:mod:`repscope.live.scheduling`)
        ``update_interval_s`` data time between periodic windows; ``min_gap_s`` and
        ``slow_gap_s`` the least time since the last window for a periodic one (the
        second while the bar moves in a rep's first direction); ``burst_interval_s`` and
        ``burst_n`` the windows after a turnaround that can end a rep; ``stop_interval_s``,
        ``stop_n`` and ``stop_burst_s`` those after such a stop; ``watch_interval_s`` the
        interval while a rep is a sighting; ``max_lag_s`` how late a periodic, watch or
        burst window may start before it is left out (None: never, as in replays).
    Windows (:mod:`repscope.live.windows`)
        ``min_window_s``, ``max_window_s``, ``idle_window_s`` window lengths;
        ``min_rest_s`` the shortest still interval a window starts in;
        ``revise_context_s``, ``stroke_core_margin_s``, ``refine_margin_s``,
        ``edge_margin_s`` (also: reps starting this close to a window's start are not
        taken); ``min_analysis_s`` the shortest window analysed; ``live_trusted_rest_s``
        the windows' ``stillness.long_rest_s``; ``window_reps_n`` how many reported reps
        a window in a set reaches back (0: to a rest ``min_window_s`` back, as before);
        ``continue_from_end`` whether a window at zero velocity starts at the end of the
        last reported rep instead (with the orientation there and zero velocity, as facts
        of the call), and ``min_continued_s`` the shortest such window analysed.
    Acceptance (:mod:`repscope.live.acceptance`)
        ``settle_s``, ``confirm_tolerance_s``, ``cut_margin_s``, ``open_gap_s``,
        ``stable_tol_s``, ``stable_sep_s``, ``deadline_s``, ``max_retreat_s``,
        ``lost_motion_s``, ``first_rep_max_age_s``, ``rep_gap_slack_s``; ``look_back_s``
        and ``look_aside_n`` the windows tried after a late detection.
    Sets and memory
        ``set_gap_s`` (None: the batch ``RepSettings.set_gap_s``), ``set_context_s`` the
        rest before a set that its summary covers, ``buffer_s`` the samples kept.
    """

    # schedule
    update_interval_s: float = 0.25
    min_gap_s: float = 0.1
    slow_gap_s: float = 0.5
    burst_interval_s: float = 0.05
    burst_n: int = 6
    stop_interval_s: float = 0.1
    stop_n: int = 4
    stop_burst_s: float = 0.5
    watch_interval_s: float = 0.1
    max_lag_s: float | None = 0.05
    # windows
    min_window_s: float = 8.0
    max_window_s: float = 30.0
    idle_window_s: float = 15.0
    min_rest_s: float = 0.3
    revise_context_s: float = 2.0
    stroke_core_margin_s: float = 0.2
    refine_margin_s: float = 0.5
    edge_margin_s: float = 0.25
    min_analysis_s: float = 2.0
    window_reps_n: int = 1
    continue_from_end: bool = True
    min_continued_s: float = 0.5
    live_trusted_rest_s: float = 0.5
    # acceptance
    settle_s: float = 0.15
    confirm_tolerance_s: float = 0.2
    cut_margin_s: float = 0.03
    open_gap_s: float = 0.05
    stable_tol_s: float = 0.04
    stable_sep_s: float = 0.08
    deadline_s: float = 0.3
    max_retreat_s: float = 0.3
    lost_motion_s: float = 0.3
    first_rep_max_age_s: float = 1.0
    rep_gap_slack_s: float = 0.3
    look_back_s: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
    look_aside_n: int = 2
    # sets and memory
    set_gap_s: float | None = None
    set_context_s: float = 5.0
    buffer_s: float = 240.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("max_lag_s", "set_gap_s") and value is None:
                continue
            if f.name == "continue_from_end":
                if not isinstance(value, bool):
                    raise InputError(f"continue_from_end must be True or False, got {value!r}")
                continue
            if f.name == "look_back_s":
                object.__setattr__(self, "look_back_s", tuple(float(x) for x in value))
                if not all(math.isfinite(x) and x > 0 for x in self.look_back_s):
                    raise InputError(f"look_back_s must hold positive seconds, got {value!r}")
                continue
            if f.name.endswith("_n"):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise InputError(f"{f.name} must be a non-negative integer, got {value!r}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{f.name} must be a number of seconds, got {value!r}")
            zero_ok = f.name in ("max_lag_s", "cut_margin_s", "rep_gap_slack_s")
            if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
                kind = "non-negative" if zero_ok else "positive"
                raise InputError(f"{f.name} must be a {kind} number of seconds, got {value!r}")
        if self.burst_n < 1 or self.stop_n < 1:
            raise InputError("burst_n and stop_n must be at least 1")
        if (
            not self.min_window_s <= self.max_window_s <= self.buffer_s
            or self.idle_window_s > self.buffer_s
        ):
            raise InputError(
                "the windows must satisfy min_window_s <= max_window_s <= buffer_s "
                "and idle_window_s <= buffer_s"
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as JSON-ready data (for the provenance and the sidecar)."""
        out = dataclasses.asdict(self)
        out["look_back_s"] = list(self.look_back_s)
        return out

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Names of the settings (the keyword arguments ``LiveAnalyzer`` accepts for them)."""
        return tuple(f.name for f in dataclasses.fields(cls))
