"""Signal helpers every stage shares: filters, the trapezoid integral, runs of a mask.

* :func:`butter_sos` designs Butterworth second-order sections once per order, cut-off,
  type and rate (:func:`scipy.signal.butter`; the design costs more than filtering a live
  window, and a session's filters repeat).
* :func:`lowpass` is the zero-phase (forward-backward) Butterworth low-pass
  (:func:`scipy.signal.sosfiltfilt`) used for every "low-passed" signal in the analysis.
* :func:`cumulative_trapezoid` integrates by trapezoids, the numbers of SciPy's.
* :func:`runs` gives the half-open runs where a boolean mask holds.
"""

from __future__ import annotations

import functools

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
