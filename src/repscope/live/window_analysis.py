"""One live window through the batch pipeline (step 2 of the engine).

A live window is analysed by the batch pipeline with the same placement, exercise, tempo and
:class:`~repscope.analysis.AnalysisConfig`, except ``stillness.long_rest_s`` (how long
a still interval must be to be trusted without being checked against a rest on *both*
sides), lowered to ``live_trusted_rest_s`` (0.5 s). A live window has no rest after its
end, so the pipeline can check a pause near the end only against the far rest before
the set, and with the batch value of 1.5 s it rejects every tempo pause there and
merges it into the eccentric (measured: a 3-1-1-0 bench rep then reads 4-0-1-0).
Two facts of the call are passed to the analysis as arguments:
``known_noise_floor_mps2``, the lowest noise floor any window has measured so far
(a window in the middle of a touch-and-go set has no rest, its quietest second is
slow motion, and with that floor -- measured: 0.22 against the session's 0.13 m/s^2 in
a 3-0-1-0 squat set -- the middle of a slow eccentric passes for a rest); and
``ends_at_rest``, for a window that runs at a moment of zero velocity (a burst after a
turnaround or stop, a look-back or look-aside window): the still intervals nearest its
ends are then bridged to its first and last samples like any other, instead of being
kept unchecked for want of a neighbour (measured: a 0.7 s stretch of a 3 s squat
eccentric, kept, made the window lose the set's earlier reps; its rep was reported
1.6 s late). Periodic windows and the one at a movement's start do not say so: they
may end in motion (the detector marks a start only once the bar has gathered speed).

A live window runs the analysis stages (:func:`repscope.analysis.pipeline.run_stages`:
timebase, finding the reps, per-rep kinematics, metrics, flags) and stops before the
output boundary: no rep and set tables, traces, provenance, or set-level velocity-based
training (RIR, same-day profile), which a window's reps do not need. The per-rep
velocity-based-training columns (mean propulsive velocity, power) are computed from the
stretch signals exactly as :func:`repscope.analysis.vbt_step.with_velocity_based_training`
computes them from the traces, so a window's rep rows hold the columns and values of
``repscope analyze`` on the same samples (``tests/live/test_live_window.py``). Skipping the
output boundary cut the CPU of a window to about a third (``benchmarks/bench_live.py
--cost-against``).

A set summary (:meth:`WindowAnalysis.summary`) is the batch analysis with the batch
configuration and no facts of the call, as ``repscope analyze`` runs it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from repscope.analysis import AnalysisConfig, SessionAnalysis, analyze_recording
from repscope.analysis.filters import runs
from repscope.analysis.orientation import OrientationResult, OrientationStart
from repscope.analysis.pipeline import Stages, run_stages
from repscope.analysis.profiles import get_profile
from repscope.analysis.tables import rep_row
from repscope.analysis.vbt import concentric_power, propulsive_phase
from repscope.errors import InputError
from repscope.live.scheduling import UpdateStats
from repscope.live.settings import LiveSettings
from repscope.recording import Recording, RecordingMeta
from repscope.tempo import Tempo

#: Key of a window's rep row that holds its flags and reasons (tuples, from the typed
#: result); not a column, so not in the rows the events carry.
WINDOW_FLAGS = "_window_flags"
#: Key of a window's rep row that holds the rep's horizontal speed over its concentric
#: (the swing rule's measure, :mod:`repscope.analysis.swing`; not a table column).
WINDOW_HORIZONTAL = "_horizontal_speed_mps"

_ECCENTRIC, _CONCENTRIC = 1, 2


@dataclass(frozen=True)
class LiveWindow:
    """What the engine needs from one analysed window.

    Attributes
    ----------
    time_s
        The window's uniform grid.
    still
        The stillness detector's mask on the grid (False between stretches).
    rows
        One rep row per rep (the columns of :data:`repscope.analysis.tables.REP_COLUMNS`,
        plus ``confidence`` and :data:`WINDOW_FLAGS`), in time order.
    noise_floor_mps2
        The stillness detector's noise floor (lowest over the stretches; NaN if none).
    """

    time_s: np.ndarray
    still: np.ndarray
    rows: list[dict[str, Any]]
    noise_floor_mps2: float
    #: Each stretch's first and end grid index and its orientation estimate.
    orientations: tuple[tuple[int, int, OrientationResult], ...] = ()

    def orientation_at(self, t_s: float) -> OrientationStart | None:
        """Return the orientation estimate at grid time ``t_s`` (None outside the stretches)."""
        i = int(np.searchsorted(self.time_s, t_s - 1e-9))
        for a, b, orientation in self.orientations:
            if a <= i < b:
                return orientation.start_at(i - a)
        return None

    @property
    def ends_still(self) -> bool:
        """Whether the window's last sample is in a still interval."""
        return bool(self.still.size) and bool(self.still[-1])


def _phase_codes(staged: Stages, n: int) -> np.ndarray:
    """Eccentric and concentric samples on the grid, written in the pipeline's order.

    The same labels as the ``phase`` trace of :func:`repscope.analysis.analyze_recording`
    for its strokes (a later stroke overwrites an overlapping earlier one there too).
    """
    codes = np.zeros(n, dtype=np.int8)
    for members in staged.sets:
        for measured in members:
            rep = measured.rep
            for stroke, code in ((rep.eccentric, _ECCENTRIC), (rep.concentric, _CONCENTRIC)):
                if stroke is not None:
                    codes[stroke.start_idx : stroke.end_idx + 1] = code
    return codes


def _concentric(codes: np.ndarray, time_s: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    """Return the indices of the longest concentric run in ``[start_s, end_s]`` (as vbt_step)."""
    lo = int(np.searchsorted(time_s, start_s, "left"))
    hi = int(np.searchsorted(time_s, end_s, "right"))
    spans = runs(codes[lo:hi] == _CONCENTRIC)
    if not spans:
        return np.arange(0)
    a, b = max(spans, key=lambda span: span[1] - span[0])
    return np.arange(lo + a, lo + b)


def window_rows(staged: Stages, *, sampling_rate_hz: float, load_kg: float) -> list[dict[str, Any]]:
    """Rep rows of a window's typed results, with the per-rep velocity-based-training columns.

    Mean propulsive velocity and power as
    :func:`repscope.analysis.vbt_step.with_velocity_based_training` computes them, from
    the stretch signals instead of the traces.
    """
    time_s = staged.timebase.grid.time_s
    n = time_s.size
    velocity = np.full(n, np.nan)
    for f in staged.found:
        velocity[f.stretch.start_idx : f.stretch.end_idx] = f.signals.velocity_mps
    acc = staged.vertical_acc_mps2
    codes = _phase_codes(staged, n)
    rows = []
    for result in staged.results:
        for rep in result.reps:
            row = rep_row(rep)
            mcv = float(row["mean_concentric_velocity_mps"])
            idx = _concentric(codes, time_s, float(row["start_s"]), float(row["end_s"]))
            mpv = power_mean = power_peak = math.nan
            if math.isfinite(mcv) and len(idx) >= 2:
                v, a = velocity[idx], acc[idx]
                phase = propulsive_phase(v, a, sampling_rate_hz=sampling_rate_hz)
                mpv = phase.mean_propulsive_velocity_mps if phase.braked else mcv
                power_mean, power_peak = concentric_power(
                    v, a, load_kg=load_kg, sampling_rate_hz=sampling_rate_hz
                )
            row["mean_propulsive_velocity_mps"] = float(mpv)
            row["load_kg"] = float(load_kg)
            row["mean_concentric_power_w"] = float(power_mean)
            row["peak_concentric_power_w"] = float(power_peak)
            row[WINDOW_FLAGS] = (rep.flags, rep.flag_reasons)
            row[WINDOW_HORIZONTAL] = rep.metrics.horizontal_speed_mps
            rows.append(row)
    return rows


class WindowAnalysis:
    """Run the analysis stages on windows of the live stream; keep the lowest noise floor.

    Parameters
    ----------
    sampling_rate_hz, placement, exercise, tempo, config, device
        As for :class:`~repscope.live.engine.LiveAnalyzer`.
    settings
        The engine's settings (``live_trusted_rest_s``).
    timer
        Clock for the compute time of each window.
    stats
        Where the cost of each analysis is recorded.
    """

    def __init__(
        self,
        *,
        sampling_rate_hz: float,
        placement: str,
        exercise: str,
        tempo: Tempo | None,
        config: AnalysisConfig,
        settings: LiveSettings,
        device: str,
        timer: Callable[[], float],
        stats: UpdateStats,
    ) -> None:
        self.config = config
        stillness = dataclasses.replace(
            config.stillness,
            long_rest_s=min(config.stillness.long_rest_s, settings.live_trusted_rest_s),
        )
        #: The configuration of a live window (a set summary uses ``config``).
        self.live_config = dataclasses.replace(config, stillness=stillness, rhythm_finder=False)
        self.meta = RecordingMeta(
            sampling_rate_hz=sampling_rate_hz,
            device=device,
            placement=placement,
            exercise=exercise,
            source="live",
        )
        self.placement = placement
        self.profile = get_profile(exercise)
        self.tempo = tempo
        self.timer = timer
        self.stats = stats
        #: Quietest noise floor any window has measured.
        self.noise_floor_mps2 = math.inf

    def _recording(self, time_s: np.ndarray, values: np.ndarray) -> Recording:
        return Recording.from_arrays(
            time_s=time_s,
            acc_g=values[:, :3],
            gyr_dps=values[:, 3:] if values.shape[1] == 6 else None,
            meta=self.meta,
        )

    def run(
        self,
        time_s: np.ndarray,
        values: np.ndarray,
        *,
        at_zero: bool = False,
        start: OrientationStart | None = None,
    ) -> LiveWindow | None:
        """Analyse a live window (acceleration, then angular rate when there are 6 columns).

        ``start``: the window continues from the last reported rep's end, at zero velocity
        with this orientation (facts of the call, ``initial_orientation`` and
        ``starts_at_rest`` of :func:`repscope.analysis.analyze_recording`). Returns None
        when the stages refuse the window (too little data).
        """
        floor = self.noise_floor_mps2 if math.isfinite(self.noise_floor_mps2) else None
        started = self.timer()
        try:
            staged = run_stages(
                self._recording(time_s, values),
                placement=self.placement,
                profile=self.profile,
                tempo=self.tempo,
                config=self.live_config,
                known_noise_floor_mps2=floor,
                ends_at_rest=at_zero,
                initial_orientation=start,
                starts_at_rest=start is not None,
            )
            grid = staged.timebase.grid
            still = np.zeros(grid.time_s.size, dtype=bool)
            for f in staged.found:
                still[f.stretch.start_idx : f.stretch.end_idx] = f.signals.still
            window = LiveWindow(
                time_s=grid.time_s,
                still=still,
                rows=window_rows(
                    staged,
                    sampling_rate_hz=float(grid.meta.sampling_rate_hz),
                    load_kg=math.nan if self.meta.load_kg is None else float(self.meta.load_kg),
                ),
                noise_floor_mps2=min((f.noise_floor_mps2 for f in staged.found), default=math.nan),
                orientations=tuple(
                    (f.stretch.start_idx, f.stretch.end_idx, f.signals.orientation)
                    for f in staged.found
                    if f.signals.orientation is not None
                ),
            )
        except InputError:
            self.stats.n_failed += 1
            return None
        finally:
            self.stats.add(self.timer() - started)
        if math.isfinite(window.noise_floor_mps2):
            self.noise_floor_mps2 = min(self.noise_floor_mps2, window.noise_floor_mps2)
        return window

    def summary(self, time_s: np.ndarray, values: np.ndarray) -> SessionAnalysis | None:
        """Return the batch analysis of a set, as ``repscope analyze`` runs it (None if refused)."""
        started = self.timer()
        try:
            result = analyze_recording(
                self._recording(time_s, values),
                placement=self.meta.placement,
                exercise=self.meta.exercise,
                tempo=self.tempo,
                config=self.config,
            )
        except InputError:
            self.stats.n_failed += 1
            return None
        finally:
            self.stats.add(self.timer() - started)
        measured = result.provenance.get("noise_floor_mps2")
        if measured is not None and math.isfinite(measured):
            self.noise_floor_mps2 = min(self.noise_floor_mps2, float(measured))
        return result
