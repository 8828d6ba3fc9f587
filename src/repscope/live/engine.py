"""Incremental set and rep detection for live feedback, driving the analysis stages.

:class:`LiveAnalyzer` takes samples as they arrive (:meth:`LiveAnalyzer.push`) and returns
:class:`~repscope.live.events.LiveEvent` objects. It is pure: no Bluetooth, no clock, no
terminal; time is the samples' own ``time_s``. Its parts, one concern a file:

======================================  ================================================
:mod:`repscope.live.ring`               the bounded buffer of recent samples
:mod:`repscope.live.turnarounds`        when the bar is at zero velocity (causal)
:mod:`repscope.live.motion`             the movement now and the phase shown
:mod:`repscope.live.scheduling`         when a window is analysed; keeping up
:mod:`repscope.live.windows`            where a window starts (a rest, a rep boundary)
:mod:`repscope.live.window_analysis`    one window through the analysis stages
:mod:`repscope.live.acceptance`         which reps a window shows are reported, when
:mod:`repscope.live.second_opinion`     more windows when the one at a rep's end lost it
:mod:`repscope.live.current_set`        the set so far: reps, flags, end, summary
:mod:`repscope.live.events`             what the lifter hears about
:mod:`repscope.live.settings`           every tunable (:class:`LiveSettings`)
======================================  ================================================

Why windows of the batch stages
-------------------------------
Rep detection in repscope is not a streaming algorithm: velocity comes from integrating
acceleration between still intervals (zero-velocity updates with a linear drift
correction), stroke boundaries from a least-squares bell fit over the whole stroke, some
flags from the rest of the set. A second, causal implementation would give numbers that
disagree with ``repscope analyze``. The engine instead runs the batch stages on a window
of recent samples and decides which of the reps they find are complete: a lifter sees the
batch numbers of the data so far.

Steps of one update (at sample time ``t``): 1. the **window** ``[t0, t]``, in a set from
the start of the last ``window_reps_n`` reported reps (:mod:`repscope.live.windows`);
2. the **stages** on it; 3. **new reps**; 4. **flags** over the set so far; 5. the **set
end** and its summary. A reported rep is kept, not re-measured live: later windows that
end elsewhere disagree with each other by more than they improve on the first report
(measured); the correction is the set summary, the batch analysis of the set.
``benchmarks/bench_live.py`` measures cost and latency (figures in ``docs/ble.md``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from repscope.analysis import AnalysisConfig, SessionAnalysis
from repscope.analysis.profiles import ExerciseProfile, get_profile
from repscope.analysis.stillness import acc_threshold
from repscope.errors import InputError
from repscope.live import acceptance, sets
from repscope.live.acceptance import Sightings
from repscope.live.current_set import CurrentSet
from repscope.live.events import LiveEvent
from repscope.live.motion import Motion
from repscope.live.ring import SampleRing, check_samples
from repscope.live.scheduling import Schedule, UpdateStats
from repscope.live.second_opinion import SecondOpinion
from repscope.live.settings import LiveSettings
from repscope.live.turnarounds import TurnaroundDetector
from repscope.live.window_analysis import LiveWindow, WindowAnalysis
from repscope.live.windows import WindowPlanner
from repscope.recording import PLACEMENTS, STANDARD_GRAVITY_MPS2, check_sampling_rate
from repscope.tempo import Tempo, parse_tempo

__all__ = ["LiveAnalyzer"]

Row = dict[str, Any]


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
    settings
        The engine's tunables (:class:`LiveSettings`; its defaults when None).
    device
        Device name for the analysis' provenance.
    timer
        Clock that measures the compute time of each window (``time.perf_counter``; a
        simulated one in tests).
    **overrides
        Single :class:`LiveSettings` fields (``max_lag_s=None``, ``buffer_s=60``) applied
        over ``settings``.
    """

    def __init__(
        self,
        *,
        sampling_rate_hz: float,
        placement: str,
        exercise: str,
        tempo: str | Tempo | None = None,
        config: AnalysisConfig | None = None,
        settings: LiveSettings | None = None,
        device: str = "live",
        timer: Callable[[], float] = time.perf_counter,
        **overrides: Any,
    ) -> None:
        self.sampling_rate_hz = check_sampling_rate(sampling_rate_hz)
        if placement not in PLACEMENTS:
            raise InputError(
                f"placement must be bar or wrist, got {placement!r}", where="--placement"
            )
        unknown = sorted(set(overrides) - set(LiveSettings.names()))
        if unknown:
            raise TypeError(f"LiveAnalyzer got unexpected keyword arguments {unknown}")
        self.placement = placement
        self.profile: ExerciseProfile = get_profile(exercise)
        self.tempo = parse_tempo(tempo) if isinstance(tempo, str) else tempo
        self.config = config or AnalysisConfig()
        self.settings = dataclasses.replace(settings or LiveSettings(), **overrides)
        s = self.settings
        self.set_gap_s = float(self.config.reps.set_gap_s if s.set_gap_s is None else s.set_gap_s)
        self.device = device
        self.stats = UpdateStats()
        self._analysis = WindowAnalysis(
            sampling_rate_hz=self.sampling_rate_hz,
            placement=placement,
            exercise=self.profile.name,
            tempo=self.tempo,
            config=self.config,
            settings=s,
            device=device,
            timer=timer,
            stats=self.stats,
        )
        self.live_config = self._analysis.live_config
        #: Called after every update with ``(t0, t1, triggered, window or None)``.
        self.on_update: Callable[[float, float, bool, LiveWindow | None], None] | None = None
        self._detector = TurnaroundDetector(sampling_rate_hz=self.sampling_rate_hz)
        eccentric_first = self.profile.first_phase == "eccentric"
        self._motion = Motion(eccentric_first=eccentric_first)
        self._schedule = Schedule(s, tolerance_s=0.5 / self.sampling_rate_hz)
        self._windows = WindowPlanner(s, eccentric_first=eccentric_first)
        self._set = CurrentSet(
            profile=self.profile, tempo=self.tempo, settings=s, set_gap_s=self.set_gap_s
        )
        self._sightings = Sightings(s)
        self._second = SecondOpinion(
            analyse=lambda t0, t1: self._window(t0, t1, at_zero=True),
            starts=self._window_starts,
            reported=self._set.rows,
            trust=lambda rows, t1: self._trusted(rows, t1, good=True, cut_margin_s=s.cut_margin_s),
            floor_s=lambda: self._set.floor_s,
            settings=s,
            stats=self.stats,
        )
        self._ring: SampleRing | None = None
        self._has_gyro: bool | None = None
        self._first_time_s = math.nan
        #: The previous window's complete reps (start, end).
        self._pending: list[tuple[float, float]] = []
        self._cut = False
        #: Whether the detector marked anything since the last window.
        self._marked = False

    # ------------------------------------------------------------------ public state
    @property
    def phase(self) -> str:
        """The current phase (one of :data:`repscope.live.events.PHASES`)."""
        return self._motion.phase

    @property
    def set_number(self) -> int:
        """Number of the current (or last) set; 0 before the first."""
        return self._set.number

    @property
    def in_set(self) -> bool:
        """Whether a set is in progress."""
        return bool(self._set.reps)

    @property
    def reps(self) -> list[Row]:
        """Rows of the current set's reps as reported so far (latest values)."""
        return [dict(r.row) for r in self._set.reps]

    @property
    def buffer_nbytes(self) -> int:
        """Memory held by the sample buffer."""
        return self._ring.nbytes if self._ring is not None else 0

    @property
    def buffered_s(self) -> float:
        """Time span of the samples in the buffer."""
        return self._ring.span_s if self._ring is not None else 0.0

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
            scheduled times (:mod:`repscope.live.scheduling`), wherever the chunks are
            cut, so the events do not depend on how the stream is chunked.
        """
        t, values = self._check_input(time_s, acc_g, gyr_dps)
        events: list[LiveEvent] = []
        if t.size == 0:
            return events
        ring = self._ring
        assert ring is not None
        sched = self._schedule
        if math.isnan(self._first_time_s):
            self._first_time_s = float(t[0])
            sched.begin(float(t[0]))
        detector = self._detector
        vertical = detector.vertical_acceleration(
            values[:, :3], values[:, 3:] if self._has_gyro else None
        )
        done = 0  # samples of this chunk in the ring
        fed = 0  # samples of this chunk the detector has integrated
        while True:
            watch = self._sightings.due_s(sched.last_update_s, in_set=bool(self._set.reps))
            k = int(t.searchsorted(sched.due_s(watch), side="left"))
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
            events.extend(self._step(now, marks))
        ring.extend(t[done:], values[done:])
        return events

    def _step(self, now: float, marks: list[tuple[int, str, int]]) -> list[LiveEvent]:
        """Act on the detector's marks and run the windows due at sample time ``now``."""
        sched = self._schedule
        events: list[LiveEvent] = []
        fast = closing = started = False
        margin = self.settings.cut_margin_s
        motion = self._motion
        for _, kind, direction in marks:
            if kind == "move":
                # a movement starts from (almost) zero velocity; if it goes the other way
                # the last stroke has certainly ended (a turnaround alone may be the error
                # of a slow stroke's creeping end)
                fast = started = True
                sched.burst = []
                if direction == -motion.last_direction:
                    margin = 0.0
            else:
                closing = direction == motion.closing_direction
                sched.start_burst(kind if closing else "", now)
            events.extend(self._phase_events(kind, direction, now))
        fast = sched.pop_burst(now) or fast
        self._marked = self._marked or bool(marks)
        periodic = sched.periodic(now, opening=self._motion.opening) and not (
            sched.burst or self._idle(now)
        )
        # a rep seen but not reported: updates every watch_interval_s, and its deadline
        watch = bool(self._sightings) and sched.watch_due(now)
        overdue = now >= self._sightings.deadline_s(in_set=self.in_set) - 1e-9
        if not (fast or periodic or watch or overdue):
            return events
        # a deadline with no window that saw the rep complete: one more window first (the
        # rep as last seen may be cut by its window)
        blind = overdue and not self._sightings.complete()
        run = fast or periodic or watch or blind
        if run and not (closing or blind) and sched.behind(now):
            # the engine is still busy with earlier windows: this one is left out (never
            # the one at a stroke that can end a rep)
            run = False
            sched.last_update_s = now
            self.stats.n_shed += 1
        new: list[LiveEvent] = []
        spent = self.stats.total_s
        if run:
            new = self._update(
                now, fast=fast, cut_margin_s=margin, closing=closing, started=started
            )
        if now >= self._sightings.deadline_s(in_set=self.in_set) - 1e-9:
            best = self._sightings.take_best()
            if best is not None:
                self.stats.n_overdue += 1
                new.extend(self._report([best], now, at_zero=False))
        sched.charge(now, self.stats.total_s - spent)
        events.extend(new)
        reported = [e.row for e in new if e.kind == "rep_completed" and e.row is not None]
        if reported:
            events.extend(self._reanchor(float(reported[-1]["end_s"]), now))
        elif run and fast and self._cut:
            # the window still cuts the rep the stop ends: one more update
            sched.extend_burst(now)
        return events

    def _idle(self, now: float) -> bool:
        """Whether a periodic window can be left out: nothing moved since the last one.

        Outside a set no rep can then start; in a set the last window saw all but a
        still tail (:mod:`repscope.live.scheduling`).
        """
        if self._sightings or self._motion.moving or self._marked:
            return False
        floor = self._analysis.noise_floor_mps2
        level = acc_threshold(floor, settings=self.config.stillness) / STANDARD_GRAVITY_MPS2
        assert self._ring is not None
        still = math.isfinite(floor) and self._ring.still_since(
            self._schedule.last_update_s, level_g=level, sampling_rate_hz=self.sampling_rate_hz
        )
        if not still or not self._set.reps:
            return still
        return not self._set.should_end([], now, moving=False, racked=self._racked(now))

    def _reanchor(self, end_s: float, now: float) -> list[LiveEvent]:
        """Restart the detector's velocity at a reported rep's end (the bar was still then)."""
        assert self._ring is not None
        events: list[LiveEvent] = []
        for kind, direction in self._detector.reanchor(self._ring.count_after(end_s)):
            events.extend(self._phase_events(kind, direction, now))
        return events

    def finish(self) -> list[LiveEvent]:
        """End of stream: report the reps that end at the last sample and end the set."""
        if self._ring is None or len(self._ring) < 2:
            return []
        newest = self._ring.newest_time_s
        events = self._update(newest, fast=True, cut_margin_s=0.0)
        if self._set.reps:
            events.extend(self._end_set(newest))
        return events

    def _check_input(
        self, time_s: Sequence[float] | np.ndarray, acc_g: np.ndarray, gyr_dps: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if self._ring is None:
            self._has_gyro = gyr_dps is not None
            self._ring = SampleRing.for_stream(
                self.settings.buffer_s, self.sampling_rate_hz, has_gyro=self._has_gyro
            )
        return check_samples(time_s, acc_g, gyr_dps, has_gyro=bool(self._has_gyro), ring=self._ring)

    def _phase_events(self, kind: str, direction: int, t: float) -> list[LiveEvent]:
        in_set = bool(self._set.reps)
        return self._motion.mark(kind, direction, t, set_number=self._set.number, in_set=in_set)

    # ------------------------------------------------------------------ one update
    def _samples(
        self, t0: float, t1: float, *, min_span_s: float | None = None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Return the buffered samples in ``[t0, t1]``, or None if too few to analyse."""
        assert self._ring is not None
        span = self.settings.min_analysis_s if min_span_s is None else min_span_s
        return self._ring.window(t0, t1, min_span_s=span)

    def _window_starts(self, t_edge: float) -> list[float]:
        assert self._ring is not None
        return self._windows.starts(
            t_edge, oldest_s=self._ring.oldest_time_s, reported=self._set.rows()
        )

    def _window(
        self, t0: float, t_edge: float, *, at_zero: bool, started: bool = False
    ) -> LiveWindow | None:
        """Analyse one live window (step 2); continued from a reported rep's end at its start."""
        start = self._windows.continued_at(t0)
        span = None if start is None else self.settings.min_continued_s
        samples = self._samples(t0, t_edge, min_span_s=span)
        window = None
        if samples is not None:
            window = self._analysis.run(*samples, at_zero=at_zero and not started, start=start)
        if self.on_update is not None:
            self.on_update(t0, t_edge, at_zero, window)
        return window

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
        s = self.settings
        assert self._ring is not None
        t0, fallback = self._windows.start(
            t_edge, oldest_s=self._ring.oldest_time_s, reported=self._set.rows(), at_zero=fast
        )
        self._schedule.last_update_s = t_edge
        self._marked = False
        self._cut = False
        if fast:
            self.stats.n_fast += 1
        window = self._window(t0, t_edge, at_zero=fast, started=started)
        reported = self._set.rows()
        if window is not None and acceptance.unpaired_anchor(window.rows, reported, t0, s):
            t0 = fallback  # it did not pair that rep again (module docs of windows)
            window = self._window(t0, t_edge, at_zero=fast, started=started)
        if window is None:
            return []
        rows = window.rows
        margin = s.cut_margin_s if cut_margin_s is None else cut_margin_s
        good = fast or window.ends_still or not self._motion.moving
        if window.time_s.size:
            self._windows.remember_rests(window.time_s, window.still, t0, t_edge, at_zero=good)
        whole, new = acceptance.candidates(
            rows, reported, t0, t_edge, floor_s=self._set.floor_s, s=s
        )
        if new and acceptance.misses_reported(rows, reported, t0, s):
            new = []
        # reps are taken in order: none from the first whose end this window pulled back
        kept: list[Row] = []
        for row in new:
            if acceptance.retreats(row, self._pending, s):
                break
            kept.append(row)
        new_rows = self._trusted(kept, t_edge, good=good, cut_margin_s=margin)
        self._pending = [(float(r["start_s"]), float(r["end_s"])) for r in whole]
        self._cut = not new_rows and bool(kept) and float(kept[0]["end_s"]) > t_edge - margin - 1e-9
        if not new_rows and closing and acceptance.lost(rows, reported, t0, t_edge, s):
            new_rows = self._second.look_back(t_edge) or self._second.look_aside(t0, t_edge)
        if not new_rows:
            new_rows = self._sightings.watch(
                kept, t_edge, at_zero=good, in_set=bool(self._set.reps)
            )
        # later windows continue from a rep's end only where the detector saw the bar stop
        # or turn there, or the window ends at rest (module docs of windows)
        seen_stop = fast or window.ends_still
        events = self._report(new_rows, t_edge, at_zero=good, window=window if seen_stop else None)
        if new_rows:
            self._schedule.burst = []
        moving = bool(self._motion.moving)  # a set never ends while moving: no rack check
        if self._set.reps and self._set.should_end(
            rows, t_edge, moving=moving, racked=not moving and self._racked(t_edge)
        ):
            events.extend(self._end_set(t_edge))
        return events

    def _trusted(
        self, new: list[Row], t_end: float, *, good: bool, cut_margin_s: float
    ) -> list[Row]:
        return acceptance.trusted(
            new,
            t_end,
            good=good,
            cut_margin_s=cut_margin_s,
            pending=self._pending,
            opening=self._motion.opening,
            in_set=bool(self._set.reps),
            s=self.settings,
        )

    # ------------------------------------------------------------------ reps and sets
    def _report(
        self,
        new_rows: list[Row],
        t_now: float,
        *,
        at_zero: bool,
        window: LiveWindow | None = None,
    ) -> list[LiveEvent]:
        """Add the new reps to the set, recompute the flags, return the events (steps 3-4).

        ``window``: the window the rows may come from; its orientation at the end of a rep
        it shows lets the next windows continue from there.
        """
        if new_rows:
            self._sightings.clear()
        for row in new_rows:
            orientation = None
            if window is not None and any(row is r for r in window.rows):
                orientation = window.orientation_at(float(row["end_s"]))
            self._windows.add_rep(row, at_zero=at_zero, orientation=orientation, reported_s=t_now)
        return self._set.add(new_rows, t_now)

    def _racked(self, t_edge: float) -> bool:
        """Whether the bar rests on a rack since the last rep (the batch rule, set_end)."""
        assert self._ring is not None
        return sets.racked_since(
            self._ring,
            last_end_s=float(self._set.reps[-1].row["end_s"]),
            t_edge=t_edge,
            sampling_rate_hz=self.sampling_rate_hz,
            settings=self.config.reps.set_end,
        )

    def _end_set(self, t_edge: float) -> list[LiveEvent]:
        """Analyse the whole set once more and report it (step 5 of the module docs)."""
        assert self._ring is not None

        def summarize(t0: float, t1: float) -> SessionAnalysis | None:
            samples = self._samples(t0, t1)
            return None if samples is None else self._analysis.summary(*samples)

        ended = self._set.end(
            t_edge,
            oldest_s=self._ring.oldest_time_s,
            first_time_s=self._first_time_s,
            summarize=summarize,
        )
        self._pending = []
        self._sightings.clear()
        return [ended, *self._motion.set_ended(t_edge)]
