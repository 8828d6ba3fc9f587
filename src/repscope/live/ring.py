"""The live engine's sample buffer: a bounded ring of the most recent samples.

Samples live in a ring buffer of ``buffer_s`` seconds (240 s by default, 2.7 MB at 200 Hz
with a gyroscope); older samples are only in the recorder's file. A set longer than the
buffer is summarised from the part still in the buffer, and its ``set_ended`` event says
``complete=False``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from repscope.errors import InputError


class SampleRing:
    """The last ``capacity`` samples (time plus ``n_channels`` values); the oldest drop out.

    Stored in arrays of twice the capacity: appends write after the newest sample and, when
    the end is reached, the newest samples are moved to the front (an amortised O(1) copy
    per sample), so that every read is one contiguous slice.

    Parameters
    ----------
    capacity
        Most samples kept.
    n_channels
        Values per sample (3 for acceleration only, 6 with a gyroscope).
    """

    def __init__(self, capacity: int, n_channels: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = int(capacity)
        self._time = np.empty(2 * self.capacity)
        self._values = np.empty((2 * self.capacity, n_channels))
        self._start = 0
        self._stop = 0

    @classmethod
    def for_stream(cls, buffer_s: float, sampling_rate_hz: float, *, has_gyro: bool) -> SampleRing:
        """Make a ring for ``buffer_s`` of a stream (5% spare for a sensor's fast clock)."""
        return cls(math.ceil(buffer_s * sampling_rate_hz * 1.05) + 1, 6 if has_gyro else 3)

    def __len__(self) -> int:
        return self._stop - self._start

    @property
    def nbytes(self) -> int:
        """Memory held by the buffer's arrays."""
        return int(self._time.nbytes + self._values.nbytes)

    @property
    def oldest_time_s(self) -> float:
        """Time of the oldest sample kept (NaN when empty)."""
        return float(self._time[self._start]) if len(self) else math.nan

    @property
    def newest_time_s(self) -> float:
        """Time of the newest sample (NaN when empty)."""
        return float(self._time[self._stop - 1]) if len(self) else math.nan

    def extend(self, time_s: np.ndarray, values: np.ndarray) -> None:
        """Append samples (the caller keeps times increasing)."""
        n = time_s.shape[0]
        if n > self.capacity:
            time_s, values, n = time_s[-self.capacity :], values[-self.capacity :], self.capacity
        if self._stop + n > self._time.shape[0]:
            keep = min(len(self), self.capacity - n)
            lo = self._stop - keep
            self._time[:keep] = self._time[lo : self._stop]
            self._values[:keep] = self._values[lo : self._stop]
            self._start, self._stop = 0, keep
        self._time[self._stop : self._stop + n] = time_s
        self._values[self._stop : self._stop + n] = values
        self._stop += n
        if len(self) > self.capacity:
            self._start = self._stop - self.capacity

    def count_after(self, time_s: float) -> int:
        """Return how many of the samples kept are later than ``time_s``."""
        t = self._time[self._start : self._stop]
        return int(t.size - np.searchsorted(t, time_s, side="right"))

    def _bounds(self, start_s: float, stop_s: float = math.inf) -> tuple[int, int]:
        """Buffer indices ``[lo, hi)`` of the samples with ``start_s <= time_s <= stop_s``."""
        t = self._time[self._start : self._stop]
        lo = self._start + int(t.searchsorted(start_s, side="left"))
        hi = self._start + int(t.searchsorted(stop_s, side="right"))
        return lo, hi

    def since(self, start_s: float, stop_s: float = math.inf) -> tuple[np.ndarray, np.ndarray]:
        """Return copies of the samples with ``start_s <= time_s <= stop_s``."""
        lo, hi = self._bounds(start_s, stop_s)
        return self._time[lo:hi].copy(), self._values[lo:hi].copy()

    @property
    def span_s(self) -> float:
        """Time from the oldest to the newest sample kept (0 for under two samples)."""
        return self.newest_time_s - self.oldest_time_s if len(self) >= 2 else 0.0

    def window(
        self, start_s: float, stop_s: float, *, min_span_s: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Return :meth:`since`, or None for fewer than 4 samples or under ``min_span_s``."""
        t, values = self.since(start_s, stop_s)
        if t.size < 4 or t[-1] - t[0] < min_span_s:
            return None
        return t, values

    def still_since(self, start_s: float, *, level_g: float, sampling_rate_hz: float) -> bool:
        """Whether the samples after ``start_s`` are still (False for under 0.1 s of them).

        Still: ``|f|`` averaged over 0.1 s stays within ``level_g`` of its median, the
        batch stillness rule on the acceleration magnitude
        (:func:`repscope.analysis.stillness.acc_threshold` gives the level).
        """
        lo, hi = self._bounds(start_s)
        values = self._values[lo:hi]  # a view: read only
        n = max(1, round(0.1 * sampling_rate_hz))
        if len(values) < n:
            return False
        mag = np.convolve(np.linalg.norm(values[:, :3], axis=1), np.ones(n) / n, mode="valid")
        return bool(np.abs(mag - np.median(mag)).max() <= level_g)


def check_samples(
    time_s: Sequence[float] | np.ndarray,
    acc_g: np.ndarray,
    gyr_dps: np.ndarray | None,
    *,
    has_gyro: bool,
    ring: SampleRing,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate pushed samples; return their times and the ring's values (acc, then gyr).

    Raises
    ------
    repscope.errors.InputError
        On wrong shapes, a stream that gains or loses its gyroscope, non-finite values or
        times that do not increase past the newest sample kept.
    """
    t = np.asarray(time_s, dtype=float).reshape(-1)
    acc = np.asarray(acc_g, dtype=float)
    if acc.shape != (t.size, 3):
        raise InputError(f"acc_g must have shape ({t.size}, 3), got {acc.shape}")
    if (gyr_dps is not None) != has_gyro:
        raise InputError(
            "a live stream must keep or lack the gyroscope throughout",
            hint="Push gyr_dps with every chunk or with none.",
        )
    values = acc
    if gyr_dps is not None:
        gyr = np.asarray(gyr_dps, dtype=float)
        if gyr.shape != acc.shape:
            raise InputError(f"gyr_dps must have shape {acc.shape}, got {gyr.shape}")
        values = np.concatenate((acc, gyr), axis=1)
    # the times as Python floats and the values with one array call: a 30 ms chunk holds
    # 1-6 samples, and numpy's per-call overhead was most of the check
    times = t.tolist()
    if times and (
        not all(map(math.isfinite, times))
        or any(b <= a for a, b in itertools.pairwise(times))
        or (len(ring) and times[0] <= ring.newest_time_s)
        or not np.isfinite(values).all()
    ):
        raise InputError(
            "live samples must be finite, with strictly increasing times",
            where="time_s",
            hint="Push samples in time order, each later than the last one pushed.",
        )
    return t, values
