"""Vertical velocity and position from vertical acceleration, with drift removed.

Integrating an accelerometer drifts: a constant bias of 0.005 g becomes 1 m/s of velocity
error after 20 s. repscope removes drift with zero-velocity updates (ZUPT): wherever the
bar is known to be still, velocity is set to zero, and between two still intervals the
integrated velocity is corrected by a linear ramp so that it is zero at both ends (the
standard "linear drift" ZUPT of pedestrian and barbell inertial tracking, e.g. Foxlin
2005, doi:10.1109/MCG.2005.140; its barbell use in Lorenzetti et al. 2017,
doi:10.1186/s13102-017-0083-z).

Finding still points is the hard part: a bar moving at constant speed has zero
acceleration too, and a slow (3 s) eccentric accelerates at only 0.2-0.3 m/s^2, so "small
acceleration" alone cannot tell a pause from the middle of a slow eccentric. repscope
finds candidates by acceleration and keeps only those the integral agrees with:

1. **Candidates**: runs of at least ``short_pause_s`` where the low-passed (5 Hz)
   earth-frame acceleration magnitude and, if present, the angular speed stay below
   thresholds, trimmed at both ends to where the vertical acceleration is at the noise
   level (:func:`trim_anchor`).
2. **Consistency check** (:func:`validate_anchors`): for each candidate, integrate from
   its left neighbour to its right neighbour as if it were not there, with the linear
   drift correction; if the bar moves faster than the acceptance limit inside the
   candidate, the candidate is false (the bar was moving) and is removed. The worst
   violators are removed first and the check repeats until every candidate passes.
   Neighbours closer than ``vouch_gap_s`` (1 s) are skipped: two false candidates a few
   tenths of a second apart in one slow stroke would otherwise vouch for each other.
   Dropped candidates are judged once more between the survivors, which are by then
   mostly true rests, and come back if they pass. The
   limit grows with the length of the bridge, because the integration error does:
   ``min(accept_speed_mps, accept_floor_mps + accept_growth_mps_per_s * bridge_s)``
   (0.04 m/s plus 0.006 m/s per second of bridge, at most 0.1 m/s). The growth rate is
   the slowly varying vertical-acceleration error left after linear drift removal
   (about 0.01 m/s^2 rms on simulated sets with the default sensor model) integrated over
   half a bridge, with a safety factor; a fixed 0.1 m/s accepted false rests inside slow
   eccentrics and grinding concentrics (0.08-0.1 m/s) between nearby anchors.
3. **Edges** (:func:`trim_moving_edges`): an accepted rest's ends are cut where,
   integrated outward from its own still middle, the bar moves faster than
   ``edge_speed_mps``.
4. **Heights** (:func:`drop_passed_anchors`): the bar rests only where it turns (or is
   racked, unracked, put down), so a rest that the bar reaches from below and leaves
   upward (or from above and downward), by more than ``pass_through_m`` (0.12 m) on both
   sides, is a false rest inside a stroke slower than the acceptance limit and is removed.
   The heights are trusted only while the sensor turns by less than
   ``pass_through_turn_deg_per_m`` per metre of travel (not in a curl's arc).
5. **Closure** (:func:`reselect_by_closure`): every rep returns the bar to where it
   started, so a false rest that zeroes a slow stroke's velocity shows as drifting
   heights. A rest (or a run of up to three) whose removal, with the candidates between
   its neighbours judged again, narrows the range of the position over the three rests
   on either side by more than ``closure_margin_m`` (0.10 m) is removed; of those
   removed, the ones whose return does not widen the range again are put back.
6. Velocity is integrated between the accepted anchors.

Thresholds adapt to the sensor: the acceleration threshold is ``noise_factor`` times the
noise floor measured in the quietest second of the recording, never below
``min_acc_threshold_mps2``. A caller that has seen a quieter second elsewhere passes it as
``noise_floor_mps2`` and the lower of the two is used: a live window in the middle of a
touch-and-go set has no rest, its quietest second is slow motion, and with that floor
the middle of a slow eccentric passes for a rest (measured: a 3-0-1-0 squat window's
floor was 0.22 m/s^2 against the session's 0.13, and the window paired the strokes
wrongly until it was given the session's floor).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import signal

from repscope.recording import check_sampling_rate


@functools.lru_cache(maxsize=64)
def _butter_sos(
    order: int, cutoff_hz: float | tuple[float, float], btype: str, rate: float
) -> np.ndarray:
    sos = np.asarray(signal.butter(order, cutoff_hz, btype=btype, output="sos", fs=rate))
    sos.setflags(write=False)
    return sos


def butter_sos(
    order: int, cutoff_hz: float | tuple[float, float], *, btype: str, sampling_rate_hz: float
) -> np.ndarray:
    """Butterworth second-order sections, designed once per (order, cut-off, type, rate).

    The design (:func:`scipy.signal.butter`) costs more than filtering a live window of a
    few thousand samples, and a session's filters repeat, so designs are cached (a copy is
    returned: :func:`scipy.signal.sosfilt` needs a writable array).
    """
    key = tuple(float(c) for c in cutoff_hz) if isinstance(cutoff_hz, tuple) else float(cutoff_hz)
    return _butter_sos(int(order), key, btype, float(sampling_rate_hz)).copy()


def lowpass(
    x: np.ndarray, *, cutoff_hz: float, sampling_rate_hz: float, order: int = 4
) -> np.ndarray:
    """Zero-phase Butterworth low-pass (SOS); returns ``x`` unchanged above 0.9 x Nyquist."""
    rate = check_sampling_rate(sampling_rate_hz)
    x = np.asarray(x, dtype=float)
    if cutoff_hz >= 0.45 * rate or x.shape[0] < 16:
        return x.copy()
    sos = butter_sos(order, cutoff_hz, btype="low", sampling_rate_hz=rate)
    padlen = min(x.shape[0] - 1, 3 * (2 * len(sos) + 1) * 4)
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0, padlen=padlen))


def cumulative_trapezoid(
    y: np.ndarray, *, dx: float, axis: int = 0, initial: float = 0.0
) -> np.ndarray:
    """Integrate ``y`` cumulatively by trapezoids along axis 0, starting at 0.

    The numbers of :func:`scipy.integrate.cumulative_trapezoid` with ``initial=0`` (the
    same operations: ``cumsum(dx * (y[1:] + y[:-1]) / 2)``), without its array-API
    dispatch, which costs more than the sum on the short bridges and strokes the
    analysis integrates thousands of times an hour.
    """
    if initial != 0.0 or axis != 0:
        raise ValueError("only initial=0 along axis 0")
    y = np.asarray(y)
    if y.shape[0] == 0:
        raise ValueError("At least one point is required along `axis`.")
    steps = dx * (y[1:] + y[:-1]) / 2.0
    out = np.empty(y.shape, dtype=steps.dtype)
    out[0] = 0.0
    np.cumsum(steps, axis=0, out=out[1:])
    return out


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index runs ``[start, stop)`` where ``mask`` is true."""
    mask = np.asarray(mask, dtype=bool)
    if mask.size == 0:
        return []
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@dataclass(frozen=True)
class StillnessSettings:
    """Thresholds of the still detector (see module docs)."""

    lowpass_hz: float = 5.0
    window_s: float = 0.2
    noise_factor: float = 3.0
    min_acc_threshold_mps2: float = 0.12
    gyr_threshold_dps: float = 6.0
    long_rest_s: float = 1.5
    short_pause_s: float = 0.1
    accept_speed_mps: float = 0.1
    accept_floor_mps: float = 0.04
    accept_growth_mps_per_s: float = 0.006
    trim_factor: float = 1.5
    erode_s: float = 0.3
    vouch_gap_s: float = 1.0
    readmit_rounds: int = 2
    edge_speed_mps: float | None = 0.05
    pass_through_m: float | None = 0.12
    pass_through_turn_deg_per_m: float | None = 250.0
    closure_margin_m: float | None = 0.10
    #: A fixed noise floor for every call, and whether every call's data end at rest.
    #: Facts of one call (a live window) are arguments of :func:`vertical_kinematics`
    #: instead; these stay for configurations (and provenance records) that set them.
    noise_floor_mps2: float | None = None
    ends_at_rest: bool = False


@dataclass(frozen=True)
class GyroCalibration:
    """Gyroscope bias and noise measured in a recording's quietest second (deg/s)."""

    bias_dps: tuple[float, float, float]
    noise_dps: float
    threshold_dps: float


def quietest_second(acc_mag: np.ndarray, *, sampling_rate_hz: float) -> slice:
    """Return the whole second of ``acc_mag`` with the lowest RMS (all of it if shorter)."""
    n = max(round(sampling_rate_hz), 4)
    if acc_mag.size < 2 * n:
        return slice(0, acc_mag.size)
    usable = acc_mag[: acc_mag.size // n * n].reshape(-1, n)
    k = int(np.argmin(np.sqrt(np.mean(usable**2, axis=1))))
    return slice(k * n, (k + 1) * n)


def calibrate_gyro(
    gyr_lp_dps: np.ndarray, quiet: slice, *, settings: StillnessSettings
) -> GyroCalibration:
    """Bias (median per axis) and noise (RMS of the rest) in the quietest second.

    Real uncalibrated gyroscopes carry 5-16 deg/s of bias and 1.4-33 deg/s of noise in
    the quietest second of a set (shared/notes/real-sensors.md): a fixed still threshold
    in deg/s never fires on them. The bias is subtracted; the still threshold is
    ``noise_factor`` x the measured noise, and never below ``gyr_threshold_dps``: the
    sway of a bar held by hands, which a threshold from a near-perfect simulated gyroscope
    must not undercut.

    Measured on every recording and written into the provenance, but **not applied** to
    the still detector yet: with the bias removed and this threshold, the stroke finder
    took the brief stillness at real touch-and-go turnarounds for rests, trusted its own
    count over the rhythm's, and the real bar sets fell from 25 to 15 of 25 exact. Where
    the bar never rests, the reps come from the rhythm finder
    (:mod:`repscope.analysis.segmentation`), which does not use the gyroscope.
    """
    window = gyr_lp_dps[quiet]
    bias = np.median(window, axis=0) if window.size else np.zeros(3)
    noise = float(np.sqrt(np.mean(np.sum((window - bias) ** 2, axis=1)))) if window.size else 0.0
    threshold = max(settings.gyr_threshold_dps, settings.noise_factor * noise)
    return GyroCalibration(
        bias_dps=(float(bias[0]), float(bias[1]), float(bias[2])),
        noise_dps=noise,
        threshold_dps=threshold,
    )


def motion_magnitude(
    acc_world_mps2: np.ndarray,
    gyr_dps: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    settings: StillnessSettings,
) -> tuple[np.ndarray, np.ndarray | None, GyroCalibration | None]:
    """Low-passed acceleration magnitude (gravity removed), angular speed (bias removed)."""
    acc_lp = lowpass(
        acc_world_mps2, cutoff_hz=settings.lowpass_hz, sampling_rate_hz=sampling_rate_hz
    )
    return _motion_magnitude(acc_lp, gyr_dps, sampling_rate_hz=sampling_rate_hz, settings=settings)


def _motion_magnitude(
    acc_lp: np.ndarray,
    gyr_dps: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    settings: StillnessSettings,
) -> tuple[np.ndarray, np.ndarray | None, GyroCalibration | None]:
    """:func:`motion_magnitude` from the already low-passed world acceleration."""
    acc_mag = np.linalg.norm(np.atleast_2d(acc_lp.T).T, axis=1)
    gyr_mag = None
    calibration = None
    if gyr_dps is not None:
        gyr_lp = lowpass(gyr_dps, cutoff_hz=settings.lowpass_hz, sampling_rate_hz=sampling_rate_hz)
        quiet = quietest_second(acc_mag, sampling_rate_hz=sampling_rate_hz)
        calibration = calibrate_gyro(gyr_lp, quiet, settings=settings)
        # measured and reported, not applied: see calibrate_gyro
        gyr_mag = np.linalg.norm(gyr_lp, axis=1)
    return acc_mag, gyr_mag, calibration


def noise_floor(acc_mag: np.ndarray, *, sampling_rate_hz: float) -> float:
    """RMS of ``acc_mag`` in its quietest second (:func:`quietest_second`; 0 when empty)."""
    if acc_mag.size == 0:
        return 0.0
    quiet = acc_mag[quietest_second(acc_mag, sampling_rate_hz=sampling_rate_hz)]
    return float(np.sqrt(np.mean(quiet**2)))


def known_noise_floor(
    acc_mag: np.ndarray, *, sampling_rate_hz: float, settings: StillnessSettings
) -> float:
    """Return the noise floor of ``acc_mag``, or ``settings.noise_floor_mps2`` if lower."""
    floor = noise_floor(acc_mag, sampling_rate_hz=sampling_rate_hz)
    if settings.noise_floor_mps2 is not None:
        floor = min(floor, settings.noise_floor_mps2)
    return floor


def acc_threshold(floor_mps2: float, *, settings: StillnessSettings) -> float:
    """Adaptive acceleration threshold: the noise floor times a factor, with a minimum."""
    return max(settings.noise_factor * floor_mps2, settings.min_acc_threshold_mps2)


def trim_anchor(
    anchor: tuple[int, int], vertical_acc_lp: np.ndarray, *, level_mps2: float, min_len: int
) -> tuple[int, int]:
    """Shrink a still run from both ends while the vertical acceleration exceeds ``level``.

    A slow movement leaves rest with an acceleration below the still threshold, so a still
    run swallows the movement's first (and last) fraction of a second; velocity forced to
    zero there makes the movement start late. Trimming to where the acceleration is at the
    noise level gives that tail back to the integration.
    """
    a, b = anchor
    while b - a > min_len and abs(vertical_acc_lp[b - 1]) > level_mps2:
        b -= 1
    while b - a > min_len and abs(vertical_acc_lp[a]) > level_mps2:
        a += 1
    return a, b


def still_mask(
    acc_mag: np.ndarray,
    gyr_mag: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    threshold_mps2: float,
    settings: StillnessSettings,
) -> np.ndarray:
    """Mark samples whose surrounding window stays below the stillness thresholds."""
    quiet = acc_mag < threshold_mps2
    if gyr_mag is not None:
        quiet &= gyr_mag < settings.gyr_threshold_dps
    half = max(round(settings.window_s * sampling_rate_hz / 2), 1)
    # A sample is still when every sample within +-half is quiet: erode the quiet mask.
    kernel = np.ones(2 * half + 1)
    loud = np.convolve((~quiet).astype(float), kernel, mode="same") > 0
    return ~loud


def integrate_between_anchors(
    acc_mps2: np.ndarray, anchors: list[tuple[int, int]], *, sampling_rate_hz: float
) -> np.ndarray:
    """Velocity by trapezoidal integration with zero velocity on the anchors.

    Between consecutive anchors the integral is corrected by a linear ramp so it is zero
    at both ends; before the first and after the last anchor it is integrated outward from
    the anchor without correction (those stretches are flagged by the caller).
    """
    dt = 1.0 / check_sampling_rate(sampling_rate_hz)
    n = acc_mps2.shape[0]
    velocity = np.zeros(n)
    if not anchors:
        velocity = cumulative_trapezoid(acc_mps2, dx=dt, initial=0.0)
        return velocity
    for (_, end_a), (start_b, _) in itertools.pairwise(anchors):
        i0, i1 = end_a - 1, start_b
        if i1 - i0 < 1:
            continue
        seg = acc_mps2[i0 : i1 + 1]
        v = cumulative_trapezoid(seg, dx=dt, initial=0.0)
        v -= np.linspace(0.0, v[-1], v.size)
        velocity[i0 : i1 + 1] = v
    first_start = anchors[0][0]
    if first_start > 0:
        seg = acc_mps2[: first_start + 1][::-1]
        v = -cumulative_trapezoid(seg, dx=dt, initial=0.0)
        velocity[: first_start + 1] = v[::-1]
    last_end = anchors[-1][1] - 1
    if last_end < n - 1:
        seg = acc_mps2[last_end:]
        velocity[last_end:] = cumulative_trapezoid(seg, dx=dt, initial=0.0)
    for a, b in anchors:
        velocity[a:b] = 0.0
    return velocity


def _bridged_speed(cum: np.ndarray, span: tuple[int, int], i: int, j: int) -> np.ndarray:
    """|velocity| over ``span`` integrated from anchor edge ``i`` to anchor edge ``j``.

    With ``cum`` the cumulative integral of acceleration, the drift-corrected velocity is
    ``V(t) - V(i) - (t - i) / (j - i) * (V(j) - V(i))``: each check costs only the span's
    own length.
    """
    t = np.arange(*span)
    return np.abs(cum[t] - cum[i] - (t - i) / (j - i) * (cum[j] - cum[i]))


def _edge_run(speed: np.ndarray, level: float, *, at_start: bool) -> tuple[int, int] | None:
    """Return the first (``at_start``) or last run with ``speed <= level``, or None."""
    quiet = runs(speed <= level)
    if not quiet:
        return None
    return quiet[0] if at_start else quiet[-1]


def _neighbour_elimination(
    cum: np.ndarray,
    anchors: list[tuple[int, int]],
    accept_speed_mps: float,
    *,
    core_fraction: float,
    core_len: int,
    limit: Callable[[int, int], float],
    min_gap: int = 0,
) -> list[tuple[int, int]]:
    """First pass: drop candidates contradicted by their neighbours.

    Each interior candidate is judged by integrating between its two nearest neighbouring
    candidates that lie at least ``min_gap`` samples away from it; the worst violators
    (local maxima of the violation) go first and the rest are judged again, until all
    pass. The gap stops two false candidates close together inside one constant-speed
    stretch from vouching for each other: forcing zero velocity at one makes the bridged
    speed at the other small, in proportion to how close it is. A violator keeps its
    longest stretch slower than ``core_fraction * accept_speed_mps`` if that lasts
    ``core_len`` samples (a real pause merged with the slow start of the next movement),
    else it is dropped. Short spans keep integration error small, so a slow phase's quiet
    stretch is caught here even when the recording's only long rests are far away.
    """
    while len(anchors) > 2:
        m = len(anchors)
        speeds = []
        scores = [0.0]
        for k in range(1, m - 1):
            left, right = k - 1, k + 1
            while left > 0 and anchors[k][0] - anchors[left][1] < min_gap:
                left -= 1
            while right < m - 1 and anchors[right][0] - anchors[k][1] < min_gap:
                right += 1
            i, j = anchors[left][1] - 1, anchors[right][0]
            v = _bridged_speed(cum, anchors[k], i, j)
            speeds.append(v)
            scores.append(float(v.max()) / limit(i, j))
        scores.append(0.0)
        worst = [
            k
            for k in range(1, len(anchors) - 1)
            if scores[k] > 1.0 and scores[k] >= scores[k - 1] and scores[k] >= scores[k + 1]
        ]
        if not worst:
            break
        for k in reversed(worst):
            v = speeds[k - 1]
            core = _quiet_core(v, core_fraction * accept_speed_mps, core_len)
            if core is None:
                del anchors[k]
            else:
                anchors[k] = (anchors[k][0] + core[0], anchors[k][0] + core[1])
    return anchors


def _readmit(
    cum: np.ndarray,
    original: list[tuple[int, int]],
    survivors: list[tuple[int, int]],
    *,
    level: float,
    core_len: int,
    limit: Callable[[int, int], float],
) -> list[tuple[int, int]]:
    """Return the dropped candidates (or still cores) that the survivors agree with.

    Elimination is judged against neighbours that may themselves be false, so a true rest
    between two false candidates can be dropped before they are. Once the survivors are
    mostly true, each dropped candidate is judged again between its nearest survivors.
    """
    readmit = []
    for a, b in original:
        k = bisect.bisect_left(survivors, (a, b))
        if k == 0 or k == len(survivors):
            continue
        if survivors[k - 1][1] > a or survivors[k][0] < b:
            continue  # still there, perhaps cut down to its core
        i, j = survivors[k - 1][1] - 1, survivors[k][0]
        speed = _bridged_speed(cum, (a, b), i, j)
        if speed.max() <= limit(i, j):
            readmit.append((a, b))
            continue
        core = _quiet_core(speed, level, core_len)
        if core is not None:
            readmit.append((a + core[0], a + core[1]))
    return readmit


#: ``validate_anchors`` defaults that :func:`reselect_by_closure` re-uses: a contradicted
#: candidate keeps a core slower than this fraction of the acceptance speed, at least
#: ``_CORE_S`` long.
_EDGE_FRACTION = 0.25
_CORE_S = 0.3


def _bridge_limit(
    accept_mps: float, floor_mps: float, growth_mps_per_s: float, *, dt: float
) -> Callable[[int, int], float]:
    """Speed a bridge from anchor edge ``i`` to ``j`` may reach and still vouch for both.

    Integration error grows with the bridge, so a short bridge is judged strictly:
    ``min(accept_mps, floor_mps + growth_mps_per_s * (j - i) * dt)``.
    """

    def limit(i: int, j: int) -> float:
        return min(accept_mps, floor_mps + growth_mps_per_s * (j - i) * dt)

    return limit


def _eliminate_and_readmit(
    cum: np.ndarray,
    candidates: list[tuple[int, int]],
    accept_speed_mps: float,
    *,
    edge_fraction: float,
    core_len: int,
    limit: Callable[[int, int], float],
    min_gap: int,
    rounds: int,
) -> list[tuple[int, int]]:
    """Run steps 1 and 2 of :func:`validate_anchors` on sorted ``candidates``.

    The first and last candidates are never judged (they have one neighbour only) and are
    returned unchanged.
    """
    original = list(candidates)
    for _ in range(rounds + 1):
        candidates = _neighbour_elimination(
            cum,
            candidates,
            accept_speed_mps,
            core_fraction=edge_fraction,
            core_len=core_len,
            limit=limit,
            min_gap=min_gap,
        )
        back = _readmit(
            cum,
            original,
            candidates,
            level=edge_fraction * accept_speed_mps,
            core_len=core_len,
            limit=limit,
        )
        if not back:
            break
        candidates = sorted(candidates + back)
    return candidates


def _quiet_core(speed: np.ndarray, level: float, min_len: int) -> tuple[int, int] | None:
    """Longest run with ``speed <= level`` if at least ``min_len`` long, else None."""
    quiet = runs(speed <= level)
    if not quiet:
        return None
    lo, hi = max(quiet, key=lambda r: r[1] - r[0])
    return (lo, hi) if hi - lo >= min_len else None


def validate_anchors(
    acc_mps2: np.ndarray,
    candidates: list[tuple[int, int]],
    *,
    sampling_rate_hz: float,
    accept_speed_mps: float,
    min_len: int = 1,
    trusted_len: int | None = None,
    edge_fraction: float = _EDGE_FRACTION,
    core_s: float = _CORE_S,
    accept_floor_mps: float | None = None,
    accept_growth_mps_per_s: float = 0.0,
    vouch_gap_s: float = 0.0,
    readmit_rounds: int = 0,
    ends_at_rest: bool = False,
    starts_at_rest: bool = False,
) -> list[tuple[int, int]]:
    """Keep the still candidates the integral agrees with (step 2 of the module docs).

    1. :func:`_neighbour_elimination` drops (or cuts down to a still core) the candidates
       contradicted by their nearest neighbours at least ``vouch_gap_s`` away.
    2. :func:`_readmit` judges every dropped candidate again between its nearest
       survivors and brings back those (or the still cores of those) that now pass; step 1
       runs again, at most ``readmit_rounds`` times. Until version 0.1 this step instead
       re-accepted the survivors from the longest to the shortest against the anchors
       accepted so far; the first few accepted were then far apart, and bridges of tens of
       seconds rejected true rests (on 296 simulated bar sets, 277 true rests lost against
       68 now).
    3. A candidate with an accepted anchor on one side only (the recording starts or ends
       in motion) is checked by integrating from that anchor with its mean acceleration,
       the bias, removed, or accepted outright when at least ``trusted_len`` samples long.
       With ``ends_at_rest`` (the caller knows the bar is at zero velocity on the first and
       last samples: a live window from a rest to a turnaround) the recording's ends are
       the missing neighbours, and the outermost candidates are bridged like interior
       ones; with ``starts_at_rest`` only the first sample is (a live window that starts
       at the end of a reported rep and may end in motion).
    4. The rests accepted first had no neighbour to be checked against; once they have,
       those touching the recording's edges are cut back to where a slow movement's tail
       ends.
    """
    dt = 1.0 / check_sampling_rate(sampling_rate_hz)
    n = acc_mps2.shape[0]
    trusted = trusted_len if trusted_len is not None else 10 * min_len
    cum = cumulative_trapezoid(acc_mps2, dx=dt, initial=0.0)
    core_len = max(min_len, round(core_s / dt))
    floor = accept_speed_mps if accept_floor_mps is None else accept_floor_mps
    limit = _bridge_limit(accept_speed_mps, floor, accept_growth_mps_per_s, dt=dt)
    candidates = _eliminate_and_readmit(
        cum,
        sorted(candidates),
        accept_speed_mps,
        edge_fraction=edge_fraction,
        core_len=core_len,
        limit=limit,
        min_gap=round(vouch_gap_s / dt),
        rounds=readmit_rounds,
    )
    accepted: list[tuple[int, int]] = []
    if len(candidates) >= 2:
        # Every interior survivor agrees with its neighbours; the outermost ones have a
        # neighbour on one side only and are judged in step 3 below.
        accepted = candidates[1:-1]
        candidates = [candidates[0], candidates[-1]]
    for a, b in sorted(candidates, key=lambda r: r[0] - r[1]):
        k = bisect.bisect_left(accepted, (a, b))
        left = accepted[k - 1] if k > 0 else None
        right = accepted[k] if k < len(accepted) else None
        i = left[1] - 1 if left else (min_len - 1 if a == 0 and b - a > 2 * min_len else None)
        j = right[0] if right else (n - min_len if b == n and b - a > 2 * min_len else None)
        if (ends_at_rest or starts_at_rest) and (left is None or right is None) and a > 0 and b < n:
            # the recording's ends (or its start) are at zero velocity (a live window)
            i = 0 if i is None else i
            j = n - 1 if j is None and ends_at_rest else j
        t = np.arange(a, b)
        if (left is None) != (right is None) and (i is None or j is None):
            # One accepted neighbour only (the recording starts or ends in motion): the
            # neighbour is a rest, so its mean acceleration is the bias; integrate the
            # bias-corrected acceleration from it to the candidate.
            ref = left if left is not None else right
            assert ref is not None
            bias = float(np.mean(acc_mps2[ref[0] : ref[1]]))
            edge_i = ref[1] - 1 if left is not None else ref[0]
            drift = cum[t] - cum[edge_i] - (t - edge_i) * dt * bias
            if (b - a >= trusted) or np.abs(drift).max() <= accept_speed_mps:
                bisect.insort(accepted, (a, b))
            continue
        if i is None or j is None or j <= i:
            if b - a >= trusted:
                bisect.insort(accepted, (a, b))
            continue
        speed = _bridged_speed(cum, (a, b), i, j)
        if speed.max() <= limit(i, j):
            bisect.insort(accepted, (a, b))
            continue
        if a != 0 and b != n:
            # contradicted: keep only a clearly still core (a pause next to a slow phase)
            core = _quiet_core(speed, edge_fraction * accept_speed_mps, core_len)
            if core is not None:
                bisect.insort(accepted, (a + core[0], a + core[1]))
            continue
        # a rest at the recording's edge with a slow movement's tail in it: keep the rest
        run = _edge_run(speed, edge_fraction * accept_speed_mps, at_start=a == 0)
        if run is not None and run[1] - run[0] >= min_len:
            lo, hi = run
            if lo == 0 if a == 0 else a + hi == b:
                bisect.insort(accepted, (a + lo, a + hi))
    # The rests accepted first had no neighbour to be checked against: now they have.
    if len(accepted) >= 2:
        for k in (0, len(accepted) - 1):
            a, b = accepted[k]
            if k == 0 and a == 0 and b - a > 2 * min_len:
                i, j = min_len - 1, accepted[1][0]
            elif k > 0 and b == n and b - a > 2 * min_len:
                i, j = accepted[k - 1][1] - 1, n - min_len
            else:
                continue
            speed = _bridged_speed(cum, (a, b), i, j)
            run = _edge_run(speed, edge_fraction * accept_speed_mps, at_start=k == 0)
            if run is not None and run[1] - run[0] >= min_len:
                accepted[k] = (a + run[0], a + run[1])
    return accepted


def trim_moving_edges(
    acc_mps2: np.ndarray,
    anchors: list[tuple[int, int]],
    *,
    sampling_rate_hz: float,
    level_mps: float,
    min_len: int,
    rounds: int = 3,
) -> list[tuple[int, int]]:
    """Cut off the ends of each anchor where, seen from its own middle, the bar moves.

    The stillness test cannot tell the last second of a slow eccentric (0.1-0.3 m/s,
    decelerating at a few hundredths of g) from rest, so an accepted rest can begin inside
    the stroke before it; velocity forced to zero there shortens the stroke or removes a
    rep. The neighbours cannot show it when they are far away (the last rest of a set, with
    a long bridge before it). The anchor itself can: its middle half is still, so the mean
    acceleration there is the bias; integrating the bias-corrected acceleration outwards
    from the middle gives the velocity in the anchor's ends, and each end is cut where that
    exceeds ``level_mps``. The spans are a few seconds at most, so the integration error
    stays small. A tail longer than a quarter of the anchor biases the first estimate and
    is cut short of its end; the cut is repeated on the shortened anchor (``rounds``
    times at most, until nothing changes). Anchors shorter than ``4 * min_len`` are kept.
    """
    dt = 1.0 / check_sampling_rate(sampling_rate_hz)
    out = []
    for anchor in anchors:
        for _ in range(rounds):
            trimmed = _trim_once(acc_mps2, anchor, dt=dt, level_mps=level_mps, min_len=min_len)
            if trimmed == anchor:
                break
            anchor = trimmed
        out.append(anchor)
    return out


def _trim_once(
    acc_mps2: np.ndarray, anchor: tuple[int, int], *, dt: float, level_mps: float, min_len: int
) -> tuple[int, int]:
    a, b = anchor
    length = b - a
    if length < 4 * min_len:
        return anchor
    lo, hi = a + length // 4, b - length // 4
    bias = float(np.mean(acc_mps2[lo:hi]))
    over_f = np.flatnonzero(np.abs(np.cumsum(acc_mps2[hi:b] - bias) * dt) > level_mps)
    over_b = np.flatnonzero(np.abs(np.cumsum((acc_mps2[a:lo] - bias)[::-1]) * dt) > level_mps)
    new_b = hi + int(over_f[0]) if over_f.size else b
    new_a = lo - int(over_b[0]) if over_b.size else a
    return new_a, new_b


def anchor_heights(
    acc_mps2: np.ndarray, anchors: list[tuple[int, int]], *, sampling_rate_hz: float
) -> np.ndarray:
    """Height of the bar on each anchor, integrated with zero velocity on the anchors.

    Heights are relative to the recording's first sample; only their differences between
    neighbouring anchors are meaningful.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    velocity = integrate_between_anchors(acc_mps2, anchors, sampling_rate_hz=rate)
    position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
    return np.array([position[(a + b) // 2] for a, b in anchors])


def drop_passed_anchors(
    acc_mps2: np.ndarray,
    anchors: list[tuple[int, int]],
    *,
    sampling_rate_hz: float,
    min_step_m: float,
    gyr_dps: np.ndarray | None = None,
    max_turn_deg_per_m: float | None = None,
    turn_look_s: float = 0.5,
) -> list[tuple[int, int]]:
    """Remove accepted rests that the bar passes through on its way up or down.

    A lifter rests only where the bar turns (the top and bottom of a rep, a partial rep's
    turnaround) or where it is racked, unracked or put down; the bar then leaves a rest in
    the direction opposite to the one it came from, or has not moved between two rests. A
    false rest inside a slow stroke (a grind at 0.1 m/s, a 3-4 s eccentric) is different:
    the bar reaches it from below and leaves it upward (or from above and downward). The
    velocity check of :func:`validate_anchors` cannot see this when the stroke is slower
    than its acceptance limit; the heights can.

    Steps: the bar's height is integrated with zero velocity on the anchors. For each
    interior anchor, the movement that arrives at it is followed back to where it began
    (the last sample, after the previous anchor, where the velocity pointed the other way;
    the arriving direction is that of the mean velocity over the ``turn_look_s`` before the
    anchor), and the movement that leaves it forward to where it ends. If both travel
    more than ``min_step_m`` in the same direction, the anchor is taken as passed through.
    The worst one (largest smaller travel) is removed, the heights are integrated again,
    and so on until none is left. The recording's first and last anchors are kept.
    (Until 0.1 the travels were the height differences to the neighbouring anchors; in a
    touch-and-go set the top between two bottom pauses has no anchor, and a partial rep's
    bottom pause, reached from a deeper one, was taken as passed through.)

    ``min_step_m`` (0.12 m by default) lies above an unrack or rack lift (at most 0.08 m;
    an overhead press unracks upward and then presses upward) plus the height error
    between neighbouring rests (a few centimetres: 0.01-0.02 m/s of residual velocity
    error over a few seconds), and well below a full stroke (0.35-0.55 m).

    Heights are trusted only where the sensor keeps its attitude: gravity leaks into the
    vertical acceleration in proportion to the attitude error (1 deg: 0.17 m/s^2), and
    the orientation estimator's error grows with how far the sensor turns. With
    ``gyr_dps`` and ``max_turn_deg_per_m`` given, an anchor is judged only when the
    sensor turns by at most ``max_turn_deg_per_m`` degrees (integral of the angular
    speed) per metre of vertical travel between its two neighbours. A bar in the linear
    lifts rolls by less than about 150 deg/m; a curl swings the forearm (and the bar or
    wrist with it) through an arc of about 0.3 m radius, about 200 deg/m before any extra
    turning, and more than 350 deg/m on simulated sets; the default 250 deg/m lies between.
    """
    anchors = list(anchors)
    turn = None
    if gyr_dps is not None and max_turn_deg_per_m is not None:
        rate = check_sampling_rate(sampling_rate_hz)
        turn = cumulative_trapezoid(
            np.linalg.norm(np.atleast_2d(gyr_dps), axis=1), dx=1.0 / rate, initial=0.0
        )
    rate = check_sampling_rate(sampling_rate_hz)
    while len(anchors) > 2:
        velocity = integrate_between_anchors(acc_mps2, anchors, sampling_rate_hz=rate)
        position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
        score = np.zeros(len(anchors))
        for k in range(1, len(anchors) - 1):
            a, b = anchors[k]
            lo, hi = anchors[k - 1][1] - 1, anchors[k + 1][0]
            j0 = _stroke_start(velocity, lo, a, look_s=turn_look_s, rate=rate)
            j1 = _stroke_end(velocity, b - 1, hi, look_s=turn_look_s, rate=rate)
            rise_in = position[a] - position[lo]
            rise_out = position[hi] - position[b - 1]
            if rise_in * rise_out <= 0:
                continue
            came = position[a] - position[j0]
            goes = position[j1] - position[b - 1]
            if came * goes < 0 and min(abs(came), abs(goes)) > min_step_m:
                continue  # the bar turns around here: a touch-and-go top lies between
            if turn is not None and turn[hi] - turn[lo] > max_turn_deg_per_m * (
                abs(rise_in) + abs(rise_out)
            ):
                continue
            score[k] = min(abs(rise_in), abs(rise_out))
        k = int(np.argmax(score))
        if score[k] <= min_step_m:
            break
        del anchors[k]
    return anchors


def _window_steps(cum: np.ndarray, anchors: list[tuple[int, int]], lo: int, hi: int) -> np.ndarray:
    """Trapezoid sums ``v[i] + v[i - 1]`` for ``i`` in ``lo + 1:hi``, zero velocity on ``anchors``.

    ``cum`` is the running integral of the acceleration; ``lo`` and ``hi`` are edges of
    anchors. Between two anchors the velocity is ``cum`` minus its straight line between
    their edges (as in :func:`integrate_between_anchors`), and zero on the anchors. The
    position from ``lo`` is their running sum over ``2 rate`` (:func:`_window_position`).
    """
    # anchors are sorted and disjoint: bisect to the few overlapping lo:hi (an hour holds
    # about a thousand anchors, and this runs for every hypothesis)
    first = bisect.bisect_right(anchors, lo, key=lambda anchor: anchor[1])
    local = []
    for a, b in anchors[first:]:
        if a >= hi:
            break
        local.append((max(a, lo), min(b, hi)))
    knots = np.array([x for a, b in local for x in (a, b - 1)])
    span = np.arange(lo, hi)
    velocity = cum[lo:hi] - np.interp(span, knots, cum[knots])
    for a, b in local:
        velocity[a - lo : b - lo] = 0.0
    return np.asarray(velocity[1:] + velocity[:-1])


def _window_position(
    cum: np.ndarray, anchors: list[tuple[int, int]], lo: int, hi: int, rate: float
) -> np.ndarray:
    """Position over ``lo:hi`` (from 0 at ``lo``) with zero velocity on ``anchors``.

    The first ``h - lo`` values, for ``h`` an anchor's end inside the window, are the
    position over ``lo:h`` itself (the same numbers): the velocity before ``h`` depends on
    the anchors up to ``h`` only, and the trapezoids are summed in order.
    """
    steps = _window_steps(cum, anchors, lo, hi)
    return np.concatenate([[0.0], np.cumsum(steps) / (2.0 * rate)])


def _window_range(
    cum: np.ndarray, anchors: list[tuple[int, int]], lo: int, hi: int, rate: float
) -> float:
    """Vertical range of the position over ``lo:hi`` (see :func:`_window_position`)."""
    position = _window_position(cum, anchors, lo, hi, rate)
    return float(position.max() - position.min())


@dataclass(frozen=True)
class _CurrentWindow:
    """The current anchors' integrals over a closure window ``lo:`` (:func:`reselect_by_closure`).

    ``steps`` are :func:`_window_steps`, ``summed`` their running sum with 0 first
    (the position times ``2 rate``), ``position`` the position itself; ``edge`` is the
    end of the anchor before the hypotheses' changes, and ``head_max`` / ``head_min``
    bound the position before it.
    """

    lo: int
    edge: int
    steps: np.ndarray
    summed: np.ndarray
    position: np.ndarray
    head_max: float
    head_min: float


def _current_window(
    cum: np.ndarray, anchors: list[tuple[int, int]], lo: int, hi: int, edge: int, rate: float
) -> _CurrentWindow:
    """Integrate the current ``anchors`` over ``lo:hi`` once, for every hypothesis there."""
    steps = _window_steps(cum, anchors, lo, hi)
    summed = np.concatenate([[0.0], np.cumsum(steps)])
    position = summed / (2.0 * rate)  # the numbers of _window_position (0 / x is 0)
    head = position[: edge - lo]
    return _CurrentWindow(lo, edge, steps, summed, position, head.max(), head.min())


def _changed_range(
    cum: np.ndarray,
    current: _CurrentWindow,
    kept: list[tuple[int, int]],
    until: int,
    hi: int,
    rate: float,
) -> float:
    """Range over ``lo:hi`` of the position with the anchors between two others replaced.

    The anchors of ``current`` up to the one ending at ``current.edge`` and from the one
    starting at ``until`` stay; those between become ``kept``. The velocity changes only
    between the two (:func:`_window_steps` on their knots alone: np.interp reads the two
    knots around each sample), so the running sum goes on from the current one at
    ``edge - 1`` through the new trapezoids and then the current ones after ``until``:
    summed in the same order, the same numbers as :func:`_window_range` of the whole
    changed list, without integrating the unchanged samples again.
    """
    lo, edge = current.lo, current.edge
    local = [(edge - 1, edge), *kept, (until, until + 1)]
    changed = _window_steps(cum, local, edge - 1, until + 1)
    tail = np.cumsum(
        np.concatenate(
            [
                current.summed[edge - 1 - lo : edge - lo],
                changed,
                current.steps[until - lo : hi - lo - 1],
            ]
        )
    ) / (2.0 * rate)
    # np.maximum and np.minimum: a NaN anywhere gives NaN, as over the whole window
    return float(
        np.maximum(current.head_max, tail.max()) - np.minimum(current.head_min, tail.min())
    )


def _rejudge(
    acc_mps2: np.ndarray,
    cum: np.ndarray,
    candidates: list[tuple[int, int]],
    left: tuple[int, int],
    right: tuple[int, int],
    excluded: list[tuple[int, int]],
    *,
    rate: float,
    settings: StillnessSettings,
    by_start: bool = False,
    trims: dict[tuple[int, int], tuple[int, int]] | None = None,
) -> list[tuple[int, int]]:
    """Candidates between anchors ``left`` and ``right`` that pass steps 1-3 judged there.

    Candidates overlapping one of ``excluded`` are left out; the rest go through the
    elimination and re-admission of :func:`validate_anchors` between the two anchors, and
    the survivors' edges are cut as in :func:`trim_moving_edges`. ``by_start``: the
    candidates are sorted by start and each ends after it starts (then only those near
    the two anchors are looked at).
    """
    min_len = max(round(settings.short_pause_s * rate), 1)
    limit = _bridge_limit(
        settings.accept_speed_mps,
        settings.accept_floor_mps,
        settings.accept_growth_mps_per_s,
        dt=1.0 / rate,
    )
    # candidates sorted by start (as :func:`reselect_by_closure` checks): bisect to the
    # first one starting after ``left``; those starting at or after ``right`` cannot end
    # before it (an hour holds a thousand candidates, and this runs for every hypothesis)
    first = bisect.bisect_left(candidates, left[1], key=lambda c: c[0]) if by_start else 0
    inner = []
    for c in itertools.islice(candidates, first, None):
        if by_start and c[0] >= right[0]:
            break
        if (
            c[0] >= left[1]
            and c[1] <= right[0]
            and not any(c[0] < g[1] and c[1] > g[0] for g in excluded)
        ):
            inner.append(c)
    kept = _eliminate_and_readmit(
        cum,
        [left, *inner, right],
        settings.accept_speed_mps,
        edge_fraction=_EDGE_FRACTION,
        core_len=max(min_len, round(_CORE_S * rate)),
        limit=limit,
        min_gap=round(settings.vouch_gap_s * rate),
        rounds=settings.readmit_rounds,
    )[1:-1]
    if settings.edge_speed_mps is not None:
        # each anchor's cut depends on its own samples only: ``trims`` keeps them for the
        # other hypotheses that judge the same candidate again
        trims = {} if trims is None else trims
        for anchor in kept:
            if anchor not in trims:
                trims[anchor] = trim_moving_edges(
                    acc_mps2,
                    [anchor],
                    sampling_rate_hz=rate,
                    level_mps=settings.edge_speed_mps,
                    min_len=min_len,
                )[0]
        kept = [trims[anchor] for anchor in kept]
    return kept


def reselect_by_closure(
    acc_mps2: np.ndarray,
    anchors: list[tuple[int, int]],
    candidates: list[tuple[int, int]],
    *,
    sampling_rate_hz: float,
    settings: StillnessSettings,
    margin_m: float,
    window_anchors: int = 3,
    max_span: int = 3,
    rounds: int = 3,
) -> list[tuple[int, int]]:
    """Remove the accepted rests that make the bar's heights drift (step 5 of the module docs).

    Every rep returns the bar to the height it started from, and the bar rests at only a
    few heights (the top and bottom of the reps, the rack, the floor). A false rest inside
    a slow stroke forces a true velocity of 0.05-0.15 m/s to zero; the linear drift
    correction spreads that error over the bridge to the next rest, so every height after
    it shifts, by up to the velocity times half the bridge (0.1-1 m), and the true rests
    beyond it, now integrated with the wrong velocity, fail the check of
    :func:`validate_anchors` and are lost. Judged by the velocity alone, that state is
    self-consistent; judged by the heights, it is not: the position's range over the
    reps around it grows by tenths of a metre.

    Steps, for each interior anchor ``k`` in turn and each span ``s`` of 1 to ``max_span``
    consecutive anchors starting there (a false rest often comes in twos or threes, each
    vouching for the next):

    1. **Hypothesis**: anchors ``k .. k+s-1`` are removed, and the candidates between
       anchors ``k-1`` and ``k+s`` that do not overlap them are judged again there
       (elimination and re-admission of :func:`validate_anchors`, edges cut as in
       :func:`trim_moving_edges`). Anchors at least ``long_rest_s`` long are trusted and
       never removed (a span stops before one).
    2. **Cost**: the range (maximum minus minimum) of the position integrated over the
       samples from anchor ``k - window_anchors`` to anchor ``k + s - 1 + window_anchors``.
    3. If the hypothesis lowers the cost by more than ``margin_m``, each removed anchor is
       put back, one at a time in time order, if that does not widen the range again: an
       anchor is removed only if the heights need it (a span's other anchors are often
       true rests).
    4. Of the spans whose hypothesis (after step 3) still lowers the cost by more than
       ``margin_m``, the one lowering it most replaces the current anchors. The sweep
       repeats (``rounds`` at most) until nothing changes.

    ``margin_m`` (0.10 m) lies above the height error between neighbouring true rests (a
    few centimetres, see :func:`drop_passed_anchors`) and below the drift a false rest
    leaves (0.1 m or more once 0.05 m/s is zeroed over a 4 s bridge). Heights are not
    trusted in a curl's arc: the pipeline turns this step off for profiles whose strokes
    come from the rotation.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    cum = cumulative_trapezoid(acc_mps2, dx=1.0 / rate, initial=0.0)
    trusted = round(settings.long_rest_s * rate)
    anchors = list(anchors)
    by_start = all(a < b for a, b in candidates) and all(
        p[0] <= q[0] for p, q in itertools.pairwise(candidates)
    )
    trims: dict[tuple[int, int], tuple[int, int]] = {}  # the edge cuts, by anchor
    for _ in range(rounds):
        changed = False
        k = 1
        while k < len(anchors) - 1:
            best: tuple[float, list[tuple[int, int]], int] | None = None
            # the spans tried: a span stops before the last anchor and before a trusted one
            spans = 0
            while spans < max_span and (last := k + spans) < len(anchors) - 1:
                if anchors[last][1] - anchors[last][0] >= trusted:
                    break
                spans += 1
            lo = anchors[max(k - window_anchors, 0)][0]
            # the current anchors' position over the longest span's window, once: each
            # span's window shares ``lo``, and its position is a prefix of this one
            widest = anchors[min(k + spans - 1 + window_anchors, len(anchors) - 1)][1]
            current = (
                _current_window(cum, anchors, lo, widest, anchors[k - 1][1], rate)
                if spans
                else None
            )
            for span in range(1, spans + 1):
                last = k + span - 1
                hi = anchors[min(last + window_anchors, len(anchors) - 1)][1]
                gone = anchors[k : last + 1]
                kept = _rejudge(
                    acc_mps2,
                    cum,
                    candidates,
                    anchors[k - 1],
                    anchors[last + 1],
                    gone,
                    rate=rate,
                    settings=settings,
                    by_start=by_start,
                    trims=trims,
                )
                trial = anchors[:k] + kept + anchors[last + 1 :]
                assert current is not None
                until = anchors[last + 1][0]
                cost = _changed_range(cum, current, kept, until, hi, rate)
                before = float(
                    current.position[: hi - lo].max() - current.position[: hi - lo].min()
                )
                if before - cost <= margin_m:
                    continue
                for anchor in gone:
                    with_it = sorted([*kept, anchor])
                    trial_with = anchors[:k] + with_it + anchors[last + 1 :]
                    cost_with = _changed_range(cum, current, with_it, until, hi, rate)
                    if cost_with <= cost:
                        kept, trial, cost = with_it, trial_with, cost_with
                gain = before - cost
                if gain > margin_m and (best is None or gain > best[0]):
                    best = (gain, trial, len(kept))
            if best is None:
                k += 1
                continue
            anchors = best[1]
            changed = True
            k += max(best[2], 1)
        if not changed:
            break
    return anchors


#: A movement the other way faster than this ends the walk of :func:`_stroke_start` and
#: :func:`_stroke_end` (slower sign changes are noise around a pause or a slow stroke).
REVERSE_MPS = 0.05


def _stroke_start(velocity: np.ndarray, lo: int, a: int, *, look_s: float, rate: float) -> int:
    """Where the movement that arrives at sample ``a`` began: the last turnaround after ``lo``.

    The direction is that of the mean velocity over the ``look_s`` before ``a``; walking
    back, the movement began where the velocity last pointed the other way (faster than
    ``REVERSE_MPS``).
    """
    n_look = max(round(look_s * rate), 1)
    direction = np.sign(np.mean(velocity[max(lo, a - n_look) : a])) if a > lo else 0.0
    if direction == 0:
        return a
    against = np.flatnonzero(velocity[lo:a] * direction < -REVERSE_MPS)
    return lo + int(against[-1]) if against.size else lo


def _stroke_end(velocity: np.ndarray, b: int, hi: int, *, look_s: float, rate: float) -> int:
    """Where the movement that leaves sample ``b`` ended: the first turnaround before ``hi``."""
    n_look = max(round(look_s * rate), 1)
    direction = np.sign(np.mean(velocity[b + 1 : min(hi, b + 1 + n_look)])) if hi > b + 1 else 0.0
    if direction == 0:
        return b
    against = np.flatnonzero(velocity[b + 1 : hi + 1] * direction < -REVERSE_MPS)
    return b + 1 + int(against[0]) if against.size else hi


def erode_anchor(anchor: tuple[int, int], *, margin: int, min_len: int, n: int) -> tuple[int, int]:
    """Keep an anchor's core: ``margin`` samples off each end, at least ``min_len`` kept.

    A slow movement's last (first) few tenths of a second are slower than any stillness
    test can resolve; using only the core of each still interval lets the integration
    recover them instead of forcing them to zero. Ends at the recording's edges are kept.
    """
    a, b = anchor
    lo = a if a == 0 else a + margin
    hi = b if b == n else b - margin
    if hi - lo < min_len:
        mid = (a + b) // 2
        lo, hi = max(a, mid - min_len // 2), min(b, mid - min_len // 2 + min_len)
    return lo, hi


@dataclass
class VerticalKinematics:
    """Vertical velocity and position of the bar (or wrist), drift removed."""

    velocity_mps: np.ndarray
    position_m: np.ndarray
    still: np.ndarray
    anchors: list[tuple[int, int]]
    acc_threshold_mps2: float
    #: Noise floor the thresholds were set from (see ``StillnessSettings.noise_floor_mps2``).
    noise_floor_mps2: float = math.nan
    #: The gyroscope's bias and noise measured in the quietest second (None without one).
    gyro: GyroCalibration | None = None


def vertical_kinematics(
    vertical_acc_mps2: np.ndarray,
    acc_world_mps2: np.ndarray,
    gyr_dps: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    settings: StillnessSettings | None = None,
    known_noise_floor_mps2: float | None = None,
    ends_at_rest: bool = False,
    starts_at_rest: bool = False,
) -> VerticalKinematics:
    """Two-pass ZUPT velocity and position (see module docs for the steps).

    ``known_noise_floor_mps2`` and ``ends_at_rest`` are facts of the call (a live window:
    the quietest floor measured elsewhere; both ends at zero velocity), used as
    ``settings.noise_floor_mps2`` and ``settings.ends_at_rest`` are; ``starts_at_rest``
    says the first sample alone is at zero velocity (:func:`validate_anchors`).
    """
    rate = check_sampling_rate(sampling_rate_hz)
    settings = settings or StillnessSettings()
    acc_world_lp = lowpass(acc_world_mps2, cutoff_hz=settings.lowpass_hz, sampling_rate_hz=rate)
    acc_mag, gyr_mag, gyro = _motion_magnitude(
        acc_world_lp, gyr_dps, sampling_rate_hz=rate, settings=settings
    )
    floor = known_noise_floor(acc_mag, sampling_rate_hz=rate, settings=settings)
    if known_noise_floor_mps2 is not None:
        floor = min(floor, known_noise_floor_mps2)
    threshold = acc_threshold(floor, settings=settings)
    still = still_mask(
        acc_mag,
        gyr_mag,
        sampling_rate_hz=rate,
        threshold_mps2=threshold,
        settings=settings,
    )
    world = np.asarray(acc_world_mps2)
    if world.ndim == 2 and world.shape[1] == 3 and np.array_equal(world[:, 2], vertical_acc_mps2):
        # the orientation stage's vertical is the world frame's z: its low-pass is there
        # already (the same filter, column by column: the same numbers)
        vertical_lp = acc_world_lp[:, 2]
    else:
        vertical_lp = lowpass(
            vertical_acc_mps2, cutoff_hz=settings.lowpass_hz, sampling_rate_hz=rate
        )
    level = settings.trim_factor * floor
    min_len = max(round(settings.short_pause_s * rate), 1)
    still_runs = [
        trim_anchor(r, vertical_lp, level_mps2=level, min_len=min_len) for r in runs(still)
    ]
    candidates = [(a, b) for a, b in still_runs if (b - a) / rate >= settings.short_pause_s]
    anchors = validate_anchors(
        vertical_acc_mps2,
        candidates,
        sampling_rate_hz=rate,
        accept_speed_mps=settings.accept_speed_mps,
        min_len=min_len,
        trusted_len=round(settings.long_rest_s * rate),
        accept_floor_mps=settings.accept_floor_mps,
        accept_growth_mps_per_s=settings.accept_growth_mps_per_s,
        vouch_gap_s=settings.vouch_gap_s,
        readmit_rounds=settings.readmit_rounds,
        ends_at_rest=settings.ends_at_rest or ends_at_rest,
        starts_at_rest=starts_at_rest,
    )
    if settings.edge_speed_mps is not None:
        anchors = trim_moving_edges(
            vertical_acc_mps2,
            anchors,
            sampling_rate_hz=rate,
            level_mps=settings.edge_speed_mps,
            min_len=min_len,
        )
    if settings.pass_through_m is not None:
        anchors = drop_passed_anchors(
            vertical_acc_mps2,
            anchors,
            sampling_rate_hz=rate,
            min_step_m=settings.pass_through_m,
            gyr_dps=gyr_dps,
            max_turn_deg_per_m=settings.pass_through_turn_deg_per_m,
        )
    if settings.closure_margin_m is not None:
        reselected = reselect_by_closure(
            vertical_acc_mps2,
            anchors,
            candidates,
            sampling_rate_hz=rate,
            settings=settings,
            margin_m=settings.closure_margin_m,
        )
        if reselected != anchors and settings.pass_through_m is not None:
            # the heights are judged again on the re-selected anchors
            reselected = drop_passed_anchors(
                vertical_acc_mps2,
                reselected,
                sampling_rate_hz=rate,
                min_step_m=settings.pass_through_m,
                gyr_dps=gyr_dps,
                max_turn_deg_per_m=settings.pass_through_turn_deg_per_m,
            )
        anchors = reselected
    margin = round(settings.erode_s * rate)
    n = len(vertical_acc_mps2)
    anchors = [erode_anchor(r, margin=margin, min_len=min_len, n=n) for r in anchors]
    # A recording (or gap-free stretch) is taken to begin and end with the sensor at rest
    # even where no still interval was found there: trimmed exports often start mid-set,
    # and an unanchored end would drift without bound.
    bounded = list(anchors)
    if not bounded or bounded[0][0] > 0:
        bounded.insert(0, (0, 1))
    if bounded[-1][1] < n:
        bounded.append((n - 1, n))
    velocity = integrate_between_anchors(vertical_acc_mps2, bounded, sampling_rate_hz=rate)
    position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
    accepted = np.zeros_like(still)
    for a, b in anchors:
        accepted[a:b] = True
    return VerticalKinematics(
        velocity_mps=velocity,
        position_m=position,
        still=accepted,
        anchors=anchors,
        acc_threshold_mps2=threshold,
        noise_floor_mps2=floor,
        gyro=gyro,
    )


def highpass_unanchored(
    kin: VerticalKinematics,
    *,
    sampling_rate_hz: float,
    cutoff_hz: float,
    min_stretch_s: float = 8.0,
) -> VerticalKinematics:
    """High-pass the velocity of long stretches that have no still interval inside.

    A wrist in a set never rests between reps, so ZUPT has nothing to hold on to; the
    sensor's scale and alignment errors, which change as the forearm turns, then leave a
    slowly varying velocity error. Over stretches of at least ``min_stretch_s`` between
    anchors the velocity is high-passed (2nd-order Butterworth, zero phase, ``cutoff_hz``,
    well below the rep frequency of 0.15-1 Hz) and the position re-integrated. Used for
    wrist placement only: a bar sensor's phase timing must not be filtered.
    """
    rate = check_sampling_rate(sampling_rate_hz, max_cutoff_hz=cutoff_hz)
    velocity = kin.velocity_mps.copy()
    edges = [0] + [x for a, b in kin.anchors for x in (a, b)] + [velocity.size]
    sos = butter_sos(2, cutoff_hz, btype="highpass", sampling_rate_hz=rate)
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        if (hi - lo) / rate >= min_stretch_s:
            padlen = min(hi - lo - 1, int(rate / cutoff_hz))
            velocity[lo:hi] = signal.sosfiltfilt(sos, velocity[lo:hi], padlen=padlen)
    position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
    return VerticalKinematics(
        velocity_mps=velocity,
        position_m=position,
        still=kin.still,
        anchors=kin.anchors,
        acc_threshold_mps2=kin.acc_threshold_mps2,
        noise_floor_mps2=kin.noise_floor_mps2,
        gyro=kin.gyro,
    )
