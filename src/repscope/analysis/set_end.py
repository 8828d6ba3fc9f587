"""When a set is over: the bar racked (or set down), told apart from a hand-held pause.

One rule for ``repscope analyze`` (:func:`repscope.analysis.reps.group_sets`) and the live
engine (:func:`repscope.live.sets.set_should_end`), so the two split a recording alike.

Physics
-------
A bar resting on hooks, on the floor or on pins is held by steel: the sensor then shows
its own noise only. A bar in the hands, however still the lifter holds it, carries the
body's physiological tremor and postural sway. Postural hand tremor measured with
accelerometers on 97 healthy adults ranged from 0.0015 to 0.035 g peak at its dominant
frequency (modal 0.01 g, about 7 Hz; Wade, Gresty & Findley 1982, A normative study of
postural tremor of the hand, Arch Neurol 39:358-362, doi:10.1001/archneur.1982.00510180036009):
the quietest hand shakes by about 0.01 m/s^2 RMS (0.0015 g peak as a sine). A consumer
MEMS accelerometer's own noise is below that: the LSM6DS33 of the Feather bar sensor is
specified at 90 ug/sqrt(Hz) (about 0.006 m/s^2 RMS over a 50 Hz band), and the
MetaMotion's measured floor is lower still (below).

Measured on the real recordings (0.5 s standard deviation of ``|f|``, its lowest value)
-----------------------------------------------------------------------------------------
- Feather bar sets (25 clean sets, 4 lifters): 0.048-0.30 m/s^2, 8-50 times the
  sensor's specified noise: by their levels these recordings start and end with the bar
  in the hands (no rack in the files), their quietest stretch is a held bar.
- MetaMotion wrist sets (57): 0.018-0.38 m/s^2 with the bar in the hands; the wrist
  ``rest`` recordings: 0.0045 m/s^2 sitting (the arm resting: the sensor's floor), 0.11
  m/s^2 standing with the arms hanging.
- Inside sets, no stretch between two reps stayed within three times a recording's
  floor for more than 0.5 s (feather), so a hand-held top pause never reads as a rest
  relative to the lifter's own floor either.
- None of the 100 real recordings (41 Feather, 59 MetaMotion) holds a racked span: their
  rep counts and set splits are unchanged by this rule.

Rule
----
1. **Rest level**: the standard deviation of ``|f|`` (m/s^2, orientation-free) over the
   trailing ``window_s`` (0.5 s: three cycles of a 6 Hz tremor) at every sample
   (:func:`rest_level`); NaN where the window holds a gap.
2. **Sensor floor**: the lowest rest level of the recording (live: of the samples kept),
   its quietest stretch, as the other self-calibrations measure it
   (:func:`repscope.analysis.stillness.noise_floor`).
3. **At the sensor floor**: the level is at most ``noise_factor`` (3, the still
   detector's factor) times the floor *and* below ``hand_tremor_min_mps2`` (0.01 m/s^2,
   the quietest hand above). The second bound keeps a recording that never leaves the
   hands (its floor is a held bar) from reading a long hold as a rack.
4. **Racked**: at the floor for ``rack_rest_s`` (1.5 s: the still detector's long rest,
   :class:`repscope.analysis.stillness.StillnessSettings`; three times the longest quiet
   moment seen between real reps) without a break (:func:`racked_spans`).
5. **Set end**: a set ends at a rack after its last rep, or, as before, when the next rep
   starts more than ``set_gap_s`` (15 s) after it. Live, the summary follows within about
   ``window_s + rack_rest_s`` (2 s) of the bar coming to rest, plus one update interval.

What it cannot see: a wrist sensor whose arm keeps moving while the bar rests, and a
sensor noisier than 0.01 m/s^2 (rest levels never reach the bound). There the set still
ends at the ``set_gap_s`` rule, never earlier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from repscope.analysis.filters import runs
from repscope.analysis.stretches import max_bridged_gap_s
from repscope.recording import STANDARD_GRAVITY_MPS2, check_sampling_rate

#: The quietest hand's postural tremor, m/s^2 RMS (0.0015 g peak; Wade et al. 1982).
HAND_TREMOR_MIN_MPS2 = 0.01


@dataclass(frozen=True)
class SetEndSettings:
    """Parameters of the rack rule (see module docs); relative to the floor or physiology."""

    window_s: float = 0.5
    noise_factor: float = 3.0
    hand_tremor_min_mps2: float = HAND_TREMOR_MIN_MPS2
    rack_rest_s: float = 1.5

    def __post_init__(self) -> None:
        for name in ("window_s", "noise_factor", "hand_tremor_min_mps2", "rack_rest_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (math.isfinite(value) and value > 0):
                raise ValueError(f"SetEndSettings.{name} must be positive, got {value!r}")
        if self.noise_factor < 1:
            raise ValueError("SetEndSettings.noise_factor must be at least 1")


def rest_level(
    time_s: np.ndarray,
    acc_g: np.ndarray,
    *,
    sampling_rate_hz: float,
    settings: SetEndSettings | None = None,
) -> np.ndarray:
    """Return the standard deviation (m/s^2) of ``|f|`` over the trailing ``window_s``.

    ``acc_g`` is (N, 3) in g. NaN for the first samples, where a sample is missing in the
    window, and where the window spans a gap in time longer than the analysis bridges
    (:func:`repscope.analysis.stretches.max_bridged_gap_s`).
    """
    settings = settings or SetEndSettings()
    rate = check_sampling_rate(sampling_rate_hz)
    t = np.asarray(time_s, dtype=float)
    mag = np.linalg.norm(np.asarray(acc_g, dtype=float).reshape(-1, 3), axis=1)
    mag = mag * STANDARD_GRAVITY_MPS2
    n = max(round(settings.window_s * rate), 3)
    out = np.full(mag.size, np.nan)
    if mag.size < n:
        return out
    missing = ~np.isfinite(mag)
    gap_step = np.zeros(mag.size, dtype=bool)  # True at k: samples k-1 and k are a gap apart
    gap_step[1:] = np.diff(t) > max_bridged_gap_s(rate)
    x = np.where(missing, 0.0, mag)
    x = x - (float(np.median(x[~missing])) if (~missing).any() else 0.0)  # precision

    def window_sum(v: np.ndarray, width: int) -> np.ndarray:
        c = np.concatenate(([0.0], np.cumsum(v)))
        return c[width:] - c[:-width]

    s1, s2 = window_sum(x, n) / n, window_sum(x * x, n) / n
    # the window ending at sample i is [i-n+1, i]; its steps are those at i-n+2..i
    broken = window_sum(missing.astype(float), n)
    broken += window_sum(gap_step[1:].astype(float), n - 1)
    level = np.sqrt(np.maximum(s2 - s1 * s1, 0.0))
    level[broken > 0] = np.nan
    out[n - 1 :] = level
    return out


def sensor_floor(level: np.ndarray) -> float:
    """Return the lowest finite rest level (the quietest stretch); NaN when there is none."""
    finite = level[np.isfinite(level)]
    return float(finite.min()) if finite.size else math.nan


def rest_threshold(floor_mps2: float, settings: SetEndSettings | None = None) -> float:
    """Highest rest level read as the sensor's floor: the smaller of the two bounds."""
    settings = settings or SetEndSettings()
    if not math.isfinite(floor_mps2):
        return -math.inf
    return min(settings.noise_factor * floor_mps2, settings.hand_tremor_min_mps2)


def racked_spans(
    time_s: np.ndarray,
    level: np.ndarray,
    *,
    threshold_mps2: float,
    settings: SetEndSettings | None = None,
) -> list[tuple[float, float]]:
    """``(first, last)`` sample times of the runs at the floor lasting ``rack_rest_s``."""
    settings = settings or SetEndSettings()
    t = np.asarray(time_s, dtype=float)
    quiet = np.asarray(level <= threshold_mps2)  # NaN compares False: a gap breaks a run
    return [
        (float(t[a]), float(t[b - 1]))
        for a, b in runs(quiet)
        if t[b - 1] - t[a] >= settings.rack_rest_s - 1e-9
    ]


def racked_between(
    spans: Sequence[tuple[float, float]],
    start_s: float,
    end_s: float,
    settings: SetEndSettings | None = None,
) -> bool:
    """Whether a span holds ``rack_rest_s`` at the floor inside ``(start_s, end_s)``."""
    settings = settings or SetEndSettings()
    return any(min(b, end_s) - max(a, start_s) >= settings.rack_rest_s - 1e-9 for a, b in spans)


def find_racks(
    time_s: np.ndarray,
    acc_g: np.ndarray,
    *,
    sampling_rate_hz: float,
    settings: SetEndSettings | None = None,
) -> list[tuple[float, float]]:
    """Return the racked spans of a recording (steps 1-4 of the module docs)."""
    settings = settings or SetEndSettings()
    level = rest_level(time_s, acc_g, sampling_rate_hz=sampling_rate_hz, settings=settings)
    threshold = rest_threshold(sensor_floor(level), settings)
    return racked_spans(time_s, level, threshold_mps2=threshold, settings=settings)
