"""Stage 3 of the analysis: the kinematics of each rep found (travel, speed, smoothness).

Per rep, from the signals it was found in (:class:`.find_reps.StretchSignals`):

- ``rom_m``: the concentric's vertical travel (the first stroke's for a rep cut by an
  edge); ``eccentric_rom_m``: the eccentric's;
- ``peak_concentric_velocity_mps``;
- smoothness of the concentric: LDLJ (Balasubramanian et al. 2015,
  doi:10.1186/s12984-015-0090-9) and SPARC (:mod:`.smoothness`; at the wrist from the
  gyroscope's speed, which integrates no drift);
- ``horizontal_excursion_m`` and ``rotation_deg``, complete reps only: integrals over the
  rep closed to zero at its end (:func:`closed_integral`), which removes any constant
  bias, because a rep ends where and as it started.

Around the turnarounds (on the recording's grid, since a turnaround may join two reps):

- the eccentric's *arrival ratio* (:func:`arrival_ratio`), read only where the arrival
  speed is measured (:func:`arrival_unmeasured`);
- the peak upward acceleration within :data:`TURNAROUND_WINDOW_S` of a turnaround
  (:func:`turnaround_acc`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from repscope.analysis.filters import cumulative_trapezoid
from repscope.analysis.reps import Rep
from repscope.analysis.smoothness import ldlj, sparc
from repscope.analysis.strokes import Stroke

#: Half-width of the window around a turnaround searched for its peak acceleration (s).
TURNAROUND_WINDOW_S = 0.2
#: Where in the eccentric its arrival speed is read (fraction of its duration).
ARRIVAL_FRACTION = 0.9
#: Fewest accelerometer samples the last tenth of an eccentric (where its arrival speed is
#: read, at :data:`ARRIVAL_FRACTION`) must hold for the bounce rule: the braking into the
#: bottom, or its absence, must be sampled at least twice.
MIN_ARRIVAL_TAIL_SAMPLES = 2


@dataclass(frozen=True)
class RepKinematics:
    """What one rep's own samples measure (NaN where a stroke or a sensor is missing)."""

    rom_m: float
    eccentric_rom_m: float
    peak_concentric_velocity_mps: float
    ldlj: float
    sparc: float
    horizontal_excursion_m: float
    rotation_deg: float


def closed_integral(x: np.ndarray, dt: float) -> np.ndarray:
    """Trapezoidal running integral of ``x`` (N, k), ramped back to zero at the end.

    The linear ramp is the zero-velocity (or return-to-attitude) correction over a rep:
    whatever constant bias the signal has, the integral starts and ends at zero.
    """
    out = cumulative_trapezoid(x, dx=dt, axis=0, initial=0.0)
    return out - np.linspace(0.0, 1.0, out.shape[0])[:, None] * out[-1]


def excursion_m(acc_h: np.ndarray | None, a: int, b: int, rate: float) -> float:
    """Largest horizontal distance from the start over [a, b), drift-corrected (ZUPT ends)."""
    if acc_h is None or b - a < 3:
        return math.nan
    dt = 1.0 / rate
    vel = closed_integral(acc_h[a:b], dt)
    pos = cumulative_trapezoid(vel, dx=dt, axis=0, initial=0.0)
    return float(np.max(np.linalg.norm(pos, axis=1)))


def rotation_deg(gyr_dps: np.ndarray | None, a: int, b: int, rate: float) -> float:
    """Largest rotation away from the rep's starting attitude, in degrees.

    The angular rate is integrated over the rep (small-angle approximation: the rotation
    vector is the running integral of the rate) with a linear correction that brings it
    back to zero at the rep's end, which removes gyroscope bias (a barbell rep ends in
    the attitude it started in).
    """
    if gyr_dps is None or b - a < 3:
        return math.nan
    angle = closed_integral(gyr_dps[a:b], 1.0 / rate)
    return float(np.max(np.linalg.norm(angle, axis=1)))


def turn_deg(gyr_dps: np.ndarray, a: int, b: int, rate: float, *, closed: bool) -> float:
    """Rotation over samples ``a:b`` in degrees: closed as :func:`rotation_deg`, or open."""
    if closed:
        return rotation_deg(gyr_dps, a, b, rate)
    if b - a < 3:
        return math.nan
    angle = np.cumsum(gyr_dps[a:b], axis=0) / rate
    return float(np.max(np.linalg.norm(angle, axis=1)))


def measure_rep(
    rep: Rep,
    *,
    velocity_mps: np.ndarray,
    vertical_acc_mps2: np.ndarray,
    horizontal_acc_mps2: np.ndarray | None,
    gyr_dps: np.ndarray | None,
    sampling_rate_hz: float,
    speed_from_gyro: bool,
) -> RepKinematics:
    """Measure one rep on its stretch's signals (stretch indices).

    ``speed_from_gyro``: SPARC from the gyroscope's speed (the wrist) instead of the
    vertical speed.
    """
    rate = sampling_rate_hz
    con = rep.concentric
    rom = abs(rep.first.displacement_m)
    peak = smooth_lj = smooth_sparc = math.nan
    if con is not None:
        i0, i1 = con.start_idx, max(con.end_idx, con.start_idx + 1)
        v_con = velocity_mps[i0 : i1 + 1]
        a_con = vertical_acc_mps2[i0 : i1 + 1]
        speed = (
            np.linalg.norm(gyr_dps[i0 : i1 + 1], axis=1)
            if speed_from_gyro and gyr_dps is not None
            else np.abs(v_con)
        )
        rom = abs(con.displacement_m)
        peak = float(np.max(v_con)) if v_con.size else math.nan
        smooth_lj = ldlj(v_con, sampling_rate_hz=rate, acceleration=a_con)
        smooth_sparc = sparc(speed, sampling_rate_hz=rate)
    excursion = turned = math.nan
    if not rep.truncated:
        lo, hi = rep.first.start_idx, rep.last.end_idx + 1
        excursion = excursion_m(horizontal_acc_mps2, lo, hi, rate)
        turned = rotation_deg(gyr_dps, lo, hi, rate)
    return RepKinematics(
        rom_m=rom,
        eccentric_rom_m=abs(rep.eccentric.displacement_m) if rep.eccentric else math.nan,
        peak_concentric_velocity_mps=peak,
        ldlj=smooth_lj,
        sparc=smooth_sparc,
        horizontal_excursion_m=excursion,
        rotation_deg=turned,
    )


#: Arrival ratio of an eccentric braked into the bottom: about 0.1 at
#: :data:`ARRIVAL_FRACTION` of a minimum-jerk profile (:func:`arrival_ratio`).
BRAKED_ARRIVAL_RATIO = 0.1
#: Standard deviations of velocity error that must fit in the bounce rule's margin (two:
#: about 95 % of a normal error).
ARRIVAL_ERROR_SD = 2.0


def velocity_walk_m2ps3(
    anchors: Sequence[tuple[int, int]], *, sampling_rate_hz: float, noise_floor_mps2: float
) -> float:
    """Variance growth of the integrated velocity between rests, ``(m/s)^2`` per second.

    Integrating acceleration noise of standard deviation ``σ`` sampled at ``rate`` turns
    it into a random walk of velocity whose variance grows by ``σ^2 / rate`` per second;
    ``σ`` is the noise floor the recording measures at rest (its quietest second). NaN
    without a rest (no velocity is anchored).

    The residual with which each span between two rests closes was tried as the measure
    (after the bias measured on the rests): it also holds slowly varying errors that the
    zero-velocity update's ramp removes almost exactly, and withheld true bounces on
    clean simulated sets (dev seeds 0-239: bounce recall 1.00 -> 0.85) without removing
    more false ones on the real-like arm than the noise alone.
    """
    if not anchors or not math.isfinite(noise_floor_mps2):
        return math.nan
    return float(noise_floor_mps2) ** 2 / float(sampling_rate_hz)


def anchored_velocity_sd_mps(
    idx: float,
    anchors: Sequence[tuple[int, int]],
    *,
    walk_m2ps3: float,
    sampling_rate_hz: float,
) -> float:
    """Return the standard deviation of the anchored velocity's error at sample ``idx``.

    Between two rests the zero-velocity update ties the walk down at both ends: a
    Brownian bridge, variance ``q t (L - t) / L`` at ``t`` seconds into a span of ``L``
    (Karatzas & Shreve 1991, Brownian Motion and Stochastic Calculus, 2nd ed.,
    doi:10.1007/978-1-4612-0949-2, section 5.6.B). Before the first or after the last rest
    the velocity is integrated outward from it: ``q t``. Zero on a rest, at a NaN ``idx``
    (no eccentric) and without rests (the velocity is not closed at rests: the rhythm's
    reps, the wrist's high-passed velocity; other rules judge those).
    """
    if not anchors or not math.isfinite(idx):
        return 0.0
    if not math.isfinite(walk_m2ps3):
        return math.inf
    rate = float(sampling_rate_hz)
    # rests are sorted and disjoint: the last one starting at or before ``idx`` is the only
    # one that can hold it, and the span after it the one ``idx`` lies in (bisected: a
    # recording holds hundreds of rests, and this runs for every rep)
    k = bisect.bisect_right(anchors, idx, key=lambda anchor: anchor[0]) - 1
    if k >= 0 and idx < anchors[k][1]:
        return 0.0
    if idx < anchors[0][0]:
        return math.sqrt(walk_m2ps3 * (anchors[0][0] - idx) / rate)
    if idx >= anchors[-1][1]:
        return math.sqrt(walk_m2ps3 * (idx - anchors[-1][1] + 1) / rate)
    end_a, start_b = anchors[k][1], anchors[k + 1][0]
    t, span = (idx - end_a + 1) / rate, (start_b - end_a + 1) / rate
    return math.sqrt(max(walk_m2ps3 * t * (span - t) / span, 0.0))


def arrival_unmeasured(
    anchored: bool,
    ecc: Stroke | None,
    acc_rate_hz: float,
    *,
    velocity_sd_mps: float = 0.0,
    bounce_min_arrival_ratio: float = math.nan,
) -> str:
    """Why the arrival speed of ``ecc`` is not measured ("" when it is).

    ``acc_rate_hz`` is the accelerometer's own rate (a MetaMotion's 12.5 Hz, not the
    25 Hz grid it is interpolated onto). ``velocity_sd_mps``: the velocity's error at the
    eccentric's end, from how far it lies from a rest (:func:`anchored_velocity_sd_mps`).
    The arrival ratio separates a braked eccentric (:data:`BRAKED_ARRIVAL_RATIO`) from a
    bounce at ``bounce_min_arrival_ratio``; an error of :data:`ARRIVAL_ERROR_SD` standard
    deviations larger than that margin times the eccentric's peak speed can carry a
    braked arrival over the limit, and the arrival is not resolved.
    """
    if ecc is None:
        return ""
    if not anchored:
        return (
            "bounce not judged: the bar never rested, "
            "so its speed arriving at the bottom is not measured"
        )
    margin_mps = (bounce_min_arrival_ratio - BRAKED_ARRIVAL_RATIO) * ecc.peak_speed_mps
    if ARRIVAL_ERROR_SD * velocity_sd_mps > margin_mps:
        return (
            f"bounce not judged: the bottom at {ecc.end_s:.1f} s lies far from a rest, where "
            f"the velocity's drift ({velocity_sd_mps:.2f} m/s, 1 SD) reaches half the "
            f"{margin_mps:.2f} m/s between a braked arrival and a bounce"
        )
    tail = (1.0 - ARRIVAL_FRACTION) * ecc.duration_s
    if tail * acc_rate_hz < MIN_ARRIVAL_TAIL_SAMPLES:
        return (
            f"bounce not judged: at {acc_rate_hz:g} Hz the accelerometer samples the last "
            f"{tail:.2f} s of the negative {tail * acc_rate_hz:.1f} times, "
            f"under {MIN_ARRIVAL_TAIL_SAMPLES}"
        )
    return ""


def nearest_index(time_s: np.ndarray, t: float) -> int:
    """Index of the grid sample nearest to ``t`` (the grid may restart after a long gap)."""
    i = int(np.searchsorted(time_s, t))
    if i <= 0:
        return 0
    if i >= time_s.size:
        return time_s.size - 1
    return i if time_s[i] - t < t - time_s[i - 1] else i - 1


def turnaround_acc(acc: np.ndarray, time_s: np.ndarray, ecc: Stroke, con: Stroke) -> float:
    """Highest acceleration within :data:`TURNAROUND_WINDOW_S` of the turnaround ecc -> con.

    NaN in ``acc`` (outside the analysed stretches) counts as 0.
    """
    # the samples from the last at or before the window's start to the first at or after
    # its end
    lo = max(
        int(np.searchsorted(time_s, min(ecc.end_s, con.start_s) - TURNAROUND_WINDOW_S, "right"))
        - 1,
        0,
    )
    hi = int(np.searchsorted(time_s, max(ecc.end_s, con.start_s) + TURNAROUND_WINDOW_S, "left")) + 1
    hi = min(hi, acc.size)
    return float(np.max(np.nan_to_num(acc[lo:hi]))) if hi > lo else math.nan


def arrival_ratio(velocity: np.ndarray, time_s: np.ndarray, ecc: Stroke | None) -> float:
    """Eccentric speed at ARRIVAL_FRACTION of its duration over its peak speed.

    A controlled eccentric decelerates to the bottom (about 0.1 at 90% for a
    minimum-jerk profile); a bounce arrives fast and lets the bottom stop it (0.5-0.9).
    ``velocity`` is the signal the strokes were found in: the vertical velocity, or for
    rotation strokes (the curl) the arc speed. A curl's movement is the forearm turning
    about the elbow; near the bottom the hands move mostly sideways, so their vertical
    speed falls towards zero before the rotation stops, bounced or not.
    The speed counted is the speed *in the eccentric's direction* (velocity times the
    stroke's direction, negative values as 0): a stroke whose end reaches past the
    turnaround into the rising bar (a stroke boundary placed late, e.g. at a grind's
    sticking point) must not read the concentric's speed as arrival speed.
    """
    if ecc is None:
        return math.nan
    i0 = nearest_index(time_s, ecc.start_s)
    i1 = nearest_index(time_s, ecc.end_s)
    seg = np.clip(
        np.nan_to_num(velocity[max(i0, 0) : max(i1, i0 + 1) + 1]) * ecc.direction, 0.0, None
    )
    if seg.size < 3 or seg.max() <= 0:
        return math.nan
    k = round(ARRIVAL_FRACTION * (seg.size - 1))
    return float(seg[k] / seg.max())
