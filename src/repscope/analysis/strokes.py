"""Strokes: maximal one-direction movements of the bar, with precise start and end times.

A *stroke* is an interval in which the vertical velocity keeps one sign and the bar
travels at least ``min_displacement_m``. Reps are built from strokes
(:mod:`repscope.analysis.reps`): a down-first rep is a down stroke followed by an up
stroke, an up-first rep the reverse.

Steps
-----
1. Samples faster than ``speed_threshold_mps`` in one direction form runs; runs of the
   same direction separated by less than ``merge_gap_s`` of slow motion (a sticking point)
   are merged, and so are runs up to ``sticking_gap_s`` apart when no still anchor lies
   between them (a grind's sticking point slows the bar without stopping it).
2. Strokes travelling less than ``min_displacement_m`` are dropped, and the merge of step 1
   is repeated across the gaps they leave.
3. **Onset and end times.** Human velocity profiles leave and reach rest smoothly, so the
   time a speed threshold is crossed comes late at the start and early at the end. Each
   stroke's boundaries come from a bell-shaped model of its speed,
   ``v = c (t - t0)^a (t1 - t)^b`` with ``a, b`` in [``min_power``, ``max_power``],
   fitted by bounded Levenberg-Marquardt least squares (``c`` in closed form)
   to the samples above ``fit_level`` (10%) of the peak speed: the low-speed tails are
   where integration error dominates, the flanks above them fix ``t0`` and ``t1``. The
   beta-function family is a standard description of bell-shaped speed profiles (it
   contains the minimum-jerk profile, a = b = 2; Flash & Hogan 1985,
   doi:10.1523/JNEUROSCI.05-07-01688.1985). The fitted boundaries may not cross motion
   the other way faster than ``reverse_tolerance_mps`` (nor go further than
   ``max_extension_s``), so a bounce's eccentric ends at the velocity reversal. If the fit
   fails or explains less than ``fit_min_r2`` of the variance (a sticking point, an
   irregular movement), the boundary is extrapolated from a power-law onset instead:
   for ``v = c |t - t0|^p``, ``r = v / |a| = |t - t0| / p`` is a straight line whose zero
   is ``t0``, fitted between the ``onset_levels`` (5% and 20%) of the peak speed.
   Measured on beta-shaped strokes (``tau^p (1 - tau)^2`` over 1.5 s, p = 1-3): within
   0.05 s, where a plain 5% threshold is 0.1-0.3 s late (tested).
Found strokes are then mended (:mod:`repscope.analysis.stroke_repair`): turnarounds
without a rest joined at one instant, strokes erased by false rests put back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgesv as _gesv

from repscope.analysis.filters import cumulative_trapezoid, runs
from repscope.recording import check_sampling_rate


@dataclass(frozen=True)
class Stroke:
    """One-direction movement. Times in seconds from the start of the analysed segment."""

    start_idx: int
    end_idx: int
    direction: int  # +1 up, -1 down
    start_s: float
    end_s: float
    displacement_m: float
    peak_speed_mps: float

    @property
    def duration_s(self) -> float:
        """Duration of the stroke."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class StrokeSettings:
    """Parameters of :func:`find_strokes` (see module docs)."""

    speed_threshold_mps: float = 0.04
    min_displacement_m: float = 0.03
    merge_gap_s: float = 0.4
    sticking_gap_s: float = 2.0
    onset_levels: tuple[float, float] = (0.05, 0.2)
    min_power: float = 1.0
    max_power: float = 6.0
    max_extension_s: float = 1.0
    fit_level: float = 0.1
    reverse_tolerance_mps: float = 0.02
    fit_max_points: int = 60
    fit_min_r2: float = 0.9
    max_bridge_s: float = 8.0


def _merge(
    segments: list[tuple[int, int, int]], gap: int, long_gap: int, still: np.ndarray
) -> list[tuple[int, int, int]]:
    """Merge consecutive same-direction runs.

    Always across ``gap`` samples, and across up to ``long_gap`` samples when the bar never
    came to rest in between (a sticking point).
    """
    merged: list[tuple[int, int, int]] = []
    for seg in segments:
        between = seg[0] - merged[-1][1] if merged else 0
        if (
            merged
            and merged[-1][2] == seg[2]
            and (
                between <= gap or (between <= long_gap and not still[merged[-1][1] : seg[0]].any())
            )
        ):
            merged[-1] = (merged[-1][0], seg[1], seg[2])
        else:
            merged.append(seg)
    return merged


def _boundary(
    speed: np.ndarray,
    accel: np.ndarray,
    peak: int,
    bound: int,
    step: int,
    settings: StrokeSettings,
    rate: float,
) -> float:
    """Extrapolated zero-speed time (fractional sample index) walking from peak to bound.

    Fits ``r = v / |a|`` against time over the samples whose speed lies between the two
    ``onset_levels`` of the peak speed; for ``v = c |t - t0|^p``, ``r = |t - t0| / p`` is a
    straight line whose zero is ``t0``.
    """
    peak_speed = speed[peak]
    lo_level, hi_level = (
        settings.onset_levels[0] * peak_speed,
        settings.onset_levels[1] * peak_speed,
    )
    i = peak
    while i != bound and speed[i] >= lo_level:
        i += step
    if speed[i] >= lo_level:
        return float(bound)
    # the low-level crossing lies between i (below) and i - step (above)
    j = i - step
    frac = (lo_level - speed[i]) / (speed[j] - speed[i]) if speed[j] != speed[i] else 0.0
    t_low = float(i - step * frac)
    idx = np.arange(j, peak, -step) if step > 0 else np.arange(j, peak + 1)
    idx = idx[(speed[idx] >= lo_level) & (speed[idx] <= hi_level)]
    acc = np.abs(accel[idx]) if idx.size else np.empty(0)
    good = acc > 1e-6
    estimate = t_low
    if int(good.sum()) >= 3:
        x = idx[good].astype(float)
        r = speed[idx][good] / acc[good] * rate  # in samples
        slope, intercept = np.polyfit(x, r, 1)
        slope = abs(float(slope))
        if slope > 0:
            power = 1.0 / slope
            if settings.min_power <= power <= settings.max_power:
                estimate = -float(intercept) / float(np.polyfit(x, r, 1)[0])
            else:
                power = float(np.clip(power, settings.min_power, settings.max_power))
                # |accel| at t_low, interpolated between its two neighbouring samples
                # (np.interp on those two alone: the same number as over the whole
                # signal, without building an index array of its length for every stroke)
                k = int(t_low)
                near = np.abs(accel[k : k + 2])
                acc_low = float(np.interp(t_low - k, np.arange(near.size, dtype=float), near))
                r_low = rate * lo_level / max(acc_low, 1e-6)
                estimate = t_low + step * power * r_low
    lo_b, hi_b = sorted((float(bound), t_low))
    return float(np.clip(estimate, lo_b, hi_b))


def _fit_bell(
    speed: np.ndarray,
    lo: int,
    hi: int,
    peak: int,
    settings: StrokeSettings,
) -> tuple[float, float] | None:
    """Fit ``v = c (t - t0)^a (t1 - t)^b`` to the stroke; return ``(t0, t1)`` in samples.

    Uses the samples between the first and last crossings of ``fit_level`` x peak speed
    (the low-speed tails are where integration noise dominates), with ``t0`` and ``t1``
    bounded by ``lo``/``hi`` (the last samples not moving the other way) and the
    exponents by ``[min_power, max_power]``. ``c`` is solved in closed form. Returns None
    when the fit fails or explains the profile poorly (R^2 < ``fit_min_r2``).
    """
    level = settings.fit_level * speed[peak]
    # the samples at or above ``level`` on either side of the peak, up to ``lo`` / ``hi``
    # (the first sample that is not, NaN included, ends the walk)
    below = np.flatnonzero(~(speed[lo:peak] >= level))
    first = lo + int(below[-1]) + 1 if below.size else min(lo, peak)
    below = np.flatnonzero(~(speed[peak + 1 : hi + 1] >= level))
    last = peak + int(below[0]) if below.size else max(hi, peak)
    if last - first < 6:
        return None
    idx = np.arange(first, last + 1)
    step = max(1, idx.size // settings.fit_max_points)
    idx = idx[::step]
    span = float(last - first)
    x = (idx.astype(float) - first) / span  # fit on a unit time scale: better conditioned
    y = speed[idx] / speed[peak]

    # The last evaluation is kept: the optimiser asks for the Jacobian at the parameters
    # whose residual it has just accepted, and the pieces (with <g, g> and <g, y>) are the
    # costly part of both.
    cached_params: np.ndarray | None = None
    cached = (x, x, x, 0.0, 0.0)

    def pieces(params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
        nonlocal cached_params, cached
        if params is not cached_params:
            t0, t1, a, b = params
            u = np.maximum(x - t0, 1e-12)
            w = np.maximum(t1 - x, 1e-12)
            g = u**a * w**b
            cached_params, cached = params, (u, w, g, float(g @ g), float(g @ y))
        return cached

    def residual(params: np.ndarray) -> np.ndarray:
        _, _, g, gg, gy = pieces(params)
        c = gy / gg if gg > 0 else 0.0
        return np.asarray(c * g - y)

    def jacobian(params: np.ndarray) -> np.ndarray:
        # Variable projection with c = <g, y> / <g, g>: d(c g) = dc g + c dg, where
        # dc = <dg, y> / <g, g> - 2 c <g, dg> / <g, g>. Analytic, so each iteration costs
        # one evaluation instead of five (finite differences).
        _, _, a, b = params
        u, w, g, gg, gy = pieces(params)
        if gg <= 0:
            return np.zeros((x.size, 4))
        c = gy / gg
        dg = np.empty((x.size, 4))
        # each column written in place (the numbers of ``dg[:, 0] = -a * g / u`` etc.)
        np.divide(-a * g, u, out=dg[:, 0])
        np.divide(b * g, w, out=dg[:, 1])
        np.multiply(g, np.log(u), out=dg[:, 2])
        np.multiply(g, np.log(w), out=dg[:, 3])
        dc = (dg.T @ y) / gg - 2.0 * c * (dg.T @ g) / gg
        # c dg + g dc, summed in place (addition commutes: the numbers of g dc + c dg)
        dg *= c
        dg += g[:, None] * dc
        return dg

    lower = [
        max((float(lo) - 1.0 - first) / span, -1.0),
        1.0 + 1e-6,
        settings.min_power,
        settings.min_power,
    ]
    upper = [
        -1e-6,
        min((float(hi) + 1.0 - first) / span, 2.0),
        settings.max_power,
        settings.max_power,
    ]
    if lower[0] >= upper[0] or lower[1] >= upper[1]:
        return None
    # min(max(...)): np.clip's operations, on two Python floats without its dispatch
    guess = np.array(
        [
            min(max(-0.15, lower[0] + 1e-9), upper[0] - 1e-9),
            min(max(1.15, lower[1] + 1e-9), upper[1] - 1e-9),
            2.0,
            2.0,
        ]
    )
    params, cost = _bounded_levenberg_marquardt(
        residual, jacobian, guess, np.asarray(lower), np.asarray(upper)
    )
    total = float(np.sum((y - y.mean()) ** 2))
    if not math.isfinite(cost) or total <= 0 or 1.0 - cost / total < settings.fit_min_r2:
        return None
    return first + span * float(params[0]), first + span * float(params[1])


def bell_boundaries(
    speed: np.ndarray, settings: StrokeSettings | None = None
) -> tuple[float, float] | None:
    """Start and end of one stroke's speed profile (samples), from the bell fit of step 3.

    ``speed`` holds the stroke's speed in its own direction (negative values count as 0)
    over a window that may include slow ends; the boundaries can fall up to one sample
    outside it. None when the fit fails or explains the profile poorly.
    """
    settings = settings or StrokeSettings()
    s = np.clip(np.asarray(speed, dtype=float), 0.0, None)
    if s.size < 8 or not np.isfinite(s).all() or s.max() <= 0:
        return None
    return _fit_bell(s, 0, s.size - 1, int(np.argmax(s)), settings)


def _bounded_levenberg_marquardt(
    residual: Callable[[np.ndarray], np.ndarray],
    jacobian: Callable[[np.ndarray], np.ndarray],
    guess: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    max_iter: int = 40,
    rtol: float = 1e-8,
) -> tuple[np.ndarray, float]:
    """Minimise ``sum(residual(p)**2)`` within box bounds; return ``(p, cost)``.

    Levenberg-Marquardt with Marquardt's diagonal scaling (Marquardt 1963,
    doi:10.1137/0111030); a step leaving the box is projected back onto it. A parameter
    on a bound whose gradient points out of the box is held there for the step (an
    active set, as in projected Newton methods: Bertsekas 1982, doi:10.1137/0320018):
    projecting the full step instead let the free parameters crawl, and one fit in six
    ran all ``max_iter`` iterations (measured on simulated sets; an end of the stroke on
    the bound set by the neighbouring stroke is common). Four parameters and at most a
    few dozen iterations: a plain numpy loop is several times faster than the
    general-purpose :func:`scipy.optimize.least_squares` (trust-region reflective) for
    this problem, whose per-iteration overhead dominated the analysis time (measured:
    ``benchmarks/speed.py``).
    """
    params = np.minimum(np.maximum(guess, lower), upper)
    r = residual(params)
    lower_list, upper_list = lower.tolist(), upper.tolist()
    stride = guess.size + 1  # the diagonal of a square matrix, as a strided view
    cost = float(r @ r)
    damping = 1e-3
    for _ in range(max_iter):
        jac = jacobian(params)
        normal = jac.T @ jac
        gradient = jac.T @ r
        scale = normal.diagonal() + 1e-12
        # held on their bound: the descent direction (-gradient) points out of the box
        # (compared as Python floats: the same comparisons, without numpy's per-call
        # overhead on four numbers)
        held = [
            (p <= lo and g > 0) or (p >= hi and g < 0)
            for p, g, lo, hi in zip(
                params.tolist(), gradient.tolist(), lower_list, upper_list, strict=True
            )
        ]
        free = np.flatnonzero(~np.array(held)) if any(held) else None
        if free is not None and free.size == 0:
            break  # a corner of the box: no descent inside it
        improved = False
        for _attempt in range(12):
            damped = normal.copy()
            damped.reshape(-1)[::stride] += damping * scale
            # LAPACK's gesv, as np.linalg.solve calls it, without its per-call overhead
            # (a fifth of the time of a 4 x 4 solve, and this loop runs ~50 times a fit)
            if free is None:
                *_, step, info = _gesv(damped, -gradient)
            else:
                *_, sub, info = _gesv(damped[np.ix_(free, free)], -gradient[free])
                step = np.zeros_like(params)
                step[free] = sub
            if info != 0:  # singular
                damping *= 4.0
                continue
            trial = np.minimum(np.maximum(params + step, lower), upper)
            r_trial = residual(trial)
            cost_trial = float(r_trial @ r_trial)
            if math.isfinite(cost_trial) and cost_trial < cost:
                gain = cost - cost_trial
                params, r, cost = trial, r_trial, cost_trial
                damping = max(damping / 3.0, 1e-9)
                improved = True
                break
            damping *= 4.0
        if not improved or gain <= rtol * max(cost, 1e-12):
            break
    return params, cost


def find_strokes(
    velocity_mps: np.ndarray,
    acceleration_mps2: np.ndarray,
    still: np.ndarray,
    *,
    sampling_rate_hz: float,
    settings: StrokeSettings | None = None,
) -> list[Stroke]:
    """Find strokes in a vertical velocity signal (see module docs).

    Parameters
    ----------
    velocity_mps
        Drift-corrected vertical velocity, positive up.
    acceleration_mps2
        Vertical acceleration on the same samples (low-passed), used for onset times.
    still
        Samples known to be still (ZUPT anchors); boundaries never cross them.
    sampling_rate_hz
        Sampling rate.
    settings
        Thresholds; defaults as documented.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    settings = settings or StrokeSettings()
    v = np.asarray(velocity_mps, dtype=float)
    n = v.size
    if n < 3:
        return []
    dt = 1.0 / rate
    gap = round(settings.merge_gap_s * rate)
    segments: list[tuple[int, int, int]] = []
    for direction in (1, -1):
        for a, b in runs(direction * v > settings.speed_threshold_mps):
            segments.append((a, b, direction))
    segments.sort()
    long_gap = round(settings.sticking_gap_s * rate)
    segments = _merge(segments, gap, long_gap, still)
    position = cumulative_trapezoid(v, dx=dt, initial=0.0)

    def travel(a: int, b: int) -> float:
        return float(position[min(b, n - 1)] - position[a])

    kept = [s for s in segments if abs(travel(s[0], s[1])) >= settings.min_displacement_m]
    kept = _merge(kept, gap, long_gap, still)

    # Bounds for each stroke's boundaries: the last sign change or still sample.
    strokes: list[Stroke] = []
    # the velocity in each direction, and its non-negative part, made once for all strokes
    signed = {1: v, -1: -v}
    clipped = {d: np.clip(signed[d], 0.0, None) for d in (1, -1)}
    for a, b, direction in kept:
        seg_speed = signed[direction]
        peak = a + int(np.argmax(seg_speed[a:b]))
        # Boundaries may extend back (forward) over slow and still samples, but never past
        # a sample moving the other way nor further than max_extension_s.
        reach = round(settings.max_extension_s * rate)
        # "Moving the other way" means faster than reverse_tolerance_mps: integration
        # leaves mm/s of drift in still stretches, which must not stop the search.
        tol = settings.reverse_tolerance_mps
        # walk back from ``a`` (forward from ``b - 1``) while the samples passed are not
        # moving the other way (the first that is, NaN included, stops the walk)
        lo_most = max(a - max(reach, 0), 0)
        moving = np.flatnonzero(~(seg_speed[lo_most:a] >= -tol))
        lo = lo_most + int(moving[-1]) + 1 if moving.size else lo_most
        hi_most = max(min(n - 1, b + max(reach, 0)), b - 1)
        moving = np.flatnonzero(~(seg_speed[b : hi_most + 1] >= -tol))
        hi = b + int(moving[0]) - 1 if moving.size else hi_most
        speed = clipped[direction]
        bounds = _fit_bell(speed, max(lo - 1, 0), min(hi + 1, n - 1), peak, settings)
        if bounds is not None:
            start, end = bounds
        else:
            start = _boundary(speed, acceleration_mps2, peak, max(lo - 1, 0), -1, settings, rate)
            end = _boundary(speed, acceleration_mps2, peak, min(hi + 1, n - 1), +1, settings, rate)
        # the fit may place a boundary up to a sample beyond the data: keep it on the data
        start, end = max(start, 0.0), min(end, n - 1.0)
        i0, i1 = int(np.floor(start)), int(np.ceil(end))
        strokes.append(
            Stroke(
                start_idx=i0,
                end_idx=i1,
                direction=direction,
                start_s=start * dt,
                end_s=end * dt,
                displacement_m=travel(i0, i1),
                peak_speed_mps=float(seg_speed[peak]),
            )
        )
    return strokes
