"""Position closure: a barbell returns to the same height at the start of every rep.

Zero-velocity updates (:mod:`repscope.analysis.kinematics`) hold the integrated velocity
to zero where the bar rests. A touch-and-go set with no pause at the top gives them
nothing to hold on to from the first rep to the last, and the drift left after the linear
correction between two rests, typically 0.01-0.02 m/s, is enough to move the end of a
slow eccentric by tenths of a second: the speed of its last half second is of the same
size.

The lift itself supplies the missing constraint: every rep starts where the previous one
started (the top of a squat, bench or overhead press; the floor or hang of a deadlift,
row or curl), within a centimetre or two, partial reps included, since a partial rep is
cut short at the other end. Between two rests, with return points ``r_1 .. r_m`` (the
starts of the reps' first strokes), the velocity is corrected by a continuous, piecewise
linear ``c(t)`` with knots at the rests' edges (where ``c = 0``, so the zero-velocity
updates stand) and at the return points, such that the corrected position is the same at
every return point:

``integral of (v - c) from r_k to r_k+1 = 0``, for ``k = 1 .. m-1``.

That is ``m - 1`` linear equations in the ``m`` knot values; the minimum-norm solution
(:func:`numpy.linalg.lstsq`) is the smallest correction that closes every rep. A
correction larger than ``max_correction_mps`` is not drift but a real change of height
(the lifter stepped, re-gripped or racked the bar), and that stretch is left alone.

This is a zero-displacement constraint per movement cycle, the barbell counterpart of the
zero-velocity update; related cyclic constraints are used for integration drift in gait
(e.g. Sabatini 2005, doi:10.1109/TBME.2005.847542, for zero-velocity; Köse et al. 2012,
doi:10.1186/1743-0003-9-26, per-cycle linear drift removal).
"""

from __future__ import annotations

import numpy as np

from repscope.analysis.filters import cumulative_trapezoid
from repscope.recording import check_sampling_rate


def close_cycles(
    velocity_mps: np.ndarray,
    anchors: list[tuple[int, int]],
    return_idx: list[float],
    *,
    sampling_rate_hz: float,
    max_correction_mps: float = 0.05,
) -> tuple[np.ndarray, int]:
    """Correct velocity so position repeats at every return point (see module docs).

    Parameters
    ----------
    velocity_mps
        Vertical velocity after zero-velocity updates.
    anchors
        The still intervals ``(start, stop)`` (sample indices, sorted) where the velocity
        is held to zero.
    return_idx
        Fractional sample indices where the bar is back at its starting height (the start
        of each rep's first stroke).
    sampling_rate_hz
        Sampling rate.
    max_correction_mps
        Largest correction accepted for a stretch between two rests.

    Returns
    -------
    velocity, n_closed
        Corrected velocity (a copy) and the number of stretches corrected.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    dt = 1.0 / rate
    v = np.array(velocity_mps, dtype=float, copy=True)
    n = v.size
    if n < 3 or len(return_idx) < 2:
        return v, 0
    position = cumulative_trapezoid(v, dx=dt, initial=0.0)
    bounds = [0, *(x for a, b in anchors for x in (a, b - 1)), n - 1]
    returns = np.sort(np.asarray(return_idx, dtype=float))
    closed = 0
    for lo, hi in zip(bounds[::2], bounds[1::2], strict=True):
        inside = returns[(returns > lo) & (returns < hi)]
        m = inside.size
        if m < 2:
            continue
        pos_at = np.interp(inside, np.arange(n), position)
        widths = np.diff(inside) * dt
        system = np.zeros((m - 1, m))
        rows = np.arange(m - 1)
        system[rows, rows] = widths / 2.0
        system[rows, rows + 1] = widths / 2.0
        knots_c = np.linalg.lstsq(system, np.diff(pos_at), rcond=None)[0]
        if np.max(np.abs(knots_c)) > max_correction_mps:
            continue
        span = np.arange(lo, hi + 1, dtype=float)
        knots = np.concatenate([[float(lo)], inside, [float(hi)]])
        values = np.concatenate([[0.0], knots_c, [0.0]])
        v[lo : hi + 1] -= np.interp(span, knots, values)
        closed += 1
    return v, closed
