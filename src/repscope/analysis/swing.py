"""The ``swing`` measure: how fast the bar (or wrist) moves sideways of its lift.

A swing is momentum from the body: the lifter leans or heaves, and the bar leaves its
vertical path and comes back (a curl or a row with body English, a bar that travels
forward and back). The bar itself keeps its attitude (it may roll about its long axis
whatever the lifter does), so the measure is the bar's *horizontal* motion, not its
rotation.

:func:`horizontal_speed_mps` integrates the world-frame horizontal acceleration (the
orientation filter's, so the sensor's mounting and the bar's roll drop out) once over
the rep's concentric, where a lifter uses momentum, and closes the integral to zero at
its end (:func:`.rep_kinematics.closed_integral`: the zero-velocity update at the
concentric's two turnarounds), which removes any constant bias of the horizontal
acceleration, e.g. gravity leaking in through a tilt error. The largest horizontal speed
is kept. Over the whole rep the integration carries twice as long and the eccentric's
errors: on the real-like development arm (seeds 280000-79) it gave 15-30 false alarms
where the concentric gives 1. One integration, not two: the
horizontal *excursion* (``horizontal_excursion_m``) doubles the drift of whatever error
is left, and on the real bar recordings it reads 5-120 cm for reps whose bar path is
plain to the eye (median 15-45 cm per set), which no rule can flag on.

What the rule compares (:func:`swing_reason`): a rep's horizontal speed against the
set's own reps (the median over the set's complete reps), because what is left of an
orientation error leaks a share of the *vertical* speed into the horizontal, which is the
same for every rep of a set. A body lean of 10-30 deg at a lever of about 0.3 m moves the
bar 5-15 cm out and back within the concentric (:mod:`repscope.simulate.motion`), a peak
horizontal speed of about 0.2-1 m/s against a few cm/s in a rep lifted on its line; the
floor ``min_speed_mps`` (0.2 m/s) is the peak speed of a minimum-jerk move of 5 cm in
0.5 s (1.875 x 0.05 / 0.5). The ratio (2.5) keeps what is left of orientation error out:
on the real feather-bar sets a rep's concentric horizontal speed is at most 1.1-3.0x its
set's median (at most 1.9x in 23 of 25 sets).

Rotation is not used: a barbell rolls about its long axis by 5-20 deg every rep whatever
the lifter does (real feather-bar sets, median per set 4-21 deg), and a swing does not
rotate it. The horizontal excursion (double integration) is reported but too noisy to
flag on.

Not resolved: the curl. Its bar moves sideways on the forearm's arc at 0.6-1 m/s every
rep, which hides a lean of the same size (the ratio stays at 1-1.7). Measures that use
only the concentric's horizontal velocity do not separate it: on an ideal arc (0.3 m
forearm, 100 deg, minimum-jerk-like shapes) a lean with the arc's forward motion raises
the peak speed by at most 1.5x, and one against it cancels the arc's motion over the
heave, so neither the peak speed nor the speed against the rep's main direction shows
leans of both signs. A curl measure needs the vertical
motion or the set's typical rep (the bar's path is an arc about a fixed elbow, so a
lean shows as motion off the set's own height-to-reach relation) and is left for a
change that can carry them to the rule (issue 16).

What holds the other misses (clean dev seeds 0-239 and 362000-362479, 111 swings, 29
missed, session of issue 16): 15 curls; at 25-50 Hz reps at 2.1-2.4x the set's median;
and slow concentrics (1.7-2.7 s) whose lean heaves at 0.1-0.2 m/s over a median of
0.04-0.06 m/s (82 found at no false alarm). A floor scaled to the concentric, the
peak speed of a 5 cm lean heaved over the whole of it (``1.875 x 0.05 / T``), finds 85;
with the ratio at 2.0 as well, 95 (2.0 and the 0.2 m/s floor: 85), still at no false
alarm there. But on the clean real feather-bar sets, where no swing was seen, the scaled
floor raises two deadlift reps (0.19-0.21 m/s against the set's 0.07 m/s, 0.8 s
concentrics) and the ratio 2.0 a squat rep (2.3x its set's 0.15 m/s); heaved over half
the concentric the floor stays at 0.2 m/s for those reps and finds none. So none is done.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from repscope.analysis.rep_kinematics import closed_integral

#: Below this rate (samples/s) the horizontal speed is not measured: a lean's heave takes
#: the first 40% of a concentric (0.2 s of a fast 0.5 s one), four samples at 20/s, the
#: fewest that outline a pulse's peak; the same line below which the rhythm's reps are
#: "sparse data" (:func:`.cycle_reps.cycle_confidence`). The feather-bar sets streamed at
#: 13-19 samples/s raised swings on 1-2 reps each before.
MIN_SWING_RATE_HZ = 20.0

#: Fewest complete reps with a measured horizontal speed a set needs before any of them
#: is judged against the set's median.
MIN_SWING_REFERENCE_REPS = 3


def swing_unmeasured(acc_h_mps2: np.ndarray | None, rate_hz: float) -> str:
    """Why no rep of a stretch can be judged for ``swing`` ("" when they can)."""
    if acc_h_mps2 is None:
        return "swing not judged: without a gyroscope the horizontal is unknown"
    if rate_hz < MIN_SWING_RATE_HZ:
        return (
            f"swing not judged: at {rate_hz:g} samples/s a lean's heave is sampled by fewer "
            f"than four points (needs {MIN_SWING_RATE_HZ:g}/s)"
        )
    return ""


def horizontal_speed_mps(acc_h_mps2: np.ndarray | None, a: int, b: int, rate_hz: float) -> float:
    """Largest horizontal speed (m/s) over samples ``[a, b)``, zero at both ends.

    ``acc_h_mps2``: world-frame horizontal acceleration (N, 2), None without a gyroscope
    (NaN then: without an orientation the horizontal is unknown). Removing the part of
    the horizontal velocity that follows the vertical one (an inclined path, a tilt
    error's leak) was tried and lost swings on the real-like arm (dev seeds 280000-79:
    7 of 18 found instead of 10 at more false alarms), so it is not done.
    """
    if not rate_hz > 0:
        raise ValueError(f"rate_hz must be positive, got {rate_hz}")
    if acc_h_mps2 is None or b - a < 3 or rate_hz < MIN_SWING_RATE_HZ:
        return math.nan
    vel = closed_integral(np.asarray(acc_h_mps2[a:b], dtype=float), 1.0 / rate_hz)
    return float(np.max(np.linalg.norm(vel, axis=1)))


def set_reference_speed_mps(speeds: Sequence[float]) -> float:
    """Median horizontal speed of a set's measured reps (NaN under the minimum count)."""
    known = [s for s in speeds if math.isfinite(s)]
    if len(known) < MIN_SWING_REFERENCE_REPS:
        return math.nan
    return float(np.median(known))


def swing_reason(
    speed_mps: float,
    reference_mps: float,
    *,
    ratio_to_set: float,
    min_speed_mps: float,
) -> str:
    """Why the rep swung ("" when it did not, or when it cannot be judged).

    Both must hold: ``speed >= ratio_to_set * reference`` (the rep moved sideways that
    many times faster than the set's own reps, whatever is left of orientation error)
    and ``speed - reference >= min_speed_mps`` (the extra sideways speed is that of a
    body lean, not of a slow drift).
    """
    if not (math.isfinite(speed_mps) and math.isfinite(reference_mps)):
        return ""
    if speed_mps >= ratio_to_set * reference_mps and speed_mps - reference_mps >= min_speed_mps:
        return (
            f"moved sideways at {speed_mps:.2f} m/s against the set's usual {reference_mps:.2f} m/s"
        )
    return ""
