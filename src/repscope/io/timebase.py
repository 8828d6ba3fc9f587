"""Timebase checks: how regular a recording's sampling really is, and uniform resampling.

A device's *nominal* rate (what it was configured to) and its *effective* rate (what the
timestamps say) can differ: BLE streaming drops packets, clocks drift, exports repeat or
freeze rows. :func:`timebase_report` measures this; :func:`resample_uniform` puts a
recording on an exact uniform grid without inventing data inside gaps.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repscope.errors import InputError
from repscope.recording import (
    ACC_COLUMNS,
    GYR_COLUMNS,
    TIME_COLUMN,
    Recording,
    check_sampling_rate,
)

#: Rates (Hz) that IMUs are commonly configured to; an inferred rate within
#: :data:`SNAP_TOLERANCE` of one of them is reported as that rate.
COMMON_RATES_HZ: tuple[float, ...] = (
    1.0, 5.0, 10.0, 12.5, 20.0, 25.0, 26.0, 30.0, 50.0, 52.0, 60.0, 100.0, 104.0, 120.0,
    125.0, 128.0, 200.0, 208.0, 250.0, 256.0, 400.0, 416.0, 500.0, 800.0, 833.0, 1000.0,
    1600.0, 1666.0, 3200.0, 3333.0, 6400.0, 6664.0,
)  # fmt: skip
SNAP_TOLERANCE = 0.02

#: An interval longer than this many nominal sample periods is a gap.
GAP_PERIODS = 2.0


def infer_sampling_rate_hz(time_s: np.ndarray) -> float:
    """Estimate the nominal sampling rate from timestamps.

    The rate is ``1 / median(interval)`` over the positive intervals (the median ignores
    gaps and jitter). If it lies within 2 % of a common IMU rate (:data:`COMMON_RATES_HZ`)
    that rate is returned; otherwise it is rounded to three significant digits.

    Raises
    ------
    ValueError
        If there are fewer than two distinct, finite timestamps.
    """
    t = np.asarray(time_s, dtype=float)
    t = t[np.isfinite(t)]
    dt = np.diff(t)
    dt = dt[dt > 0]
    if dt.size == 0:
        raise ValueError("need at least two increasing timestamps to infer a sampling rate")
    rate = 1.0 / float(np.median(dt))
    for common in COMMON_RATES_HZ:
        if abs(rate - common) <= SNAP_TOLERANCE * common:
            return common
    digits = 3 - math.floor(math.log10(rate)) - 1
    return float(round(rate, digits))


def _sensor_values(recording: Recording) -> np.ndarray:
    columns = [c for c in (*ACC_COLUMNS, *GYR_COLUMNS) if c in recording.data.columns]
    return recording.data[columns].to_numpy(dtype=float)


def gap_mask(recording: Recording) -> np.ndarray:
    """Return a bool array, True for rows that mark a gap (all sensor values NaN).

    Such rows appear only in recordings made by :func:`resample_uniform`; a recording
    read from a device or a file has none.
    """
    values = _sensor_values(recording)
    if values.shape[1] == 0:
        return np.zeros(recording.n_samples, dtype=bool)
    return np.isnan(values).all(axis=1)


@dataclass(frozen=True)
class TimebaseReport:
    """How regular a recording's timestamps are.

    Attributes
    ----------
    n_samples
        Number of rows (gap rows included).
    duration_s
        Last minus first timestamp.
    nominal_rate_hz
        The rate the device was configured to (``meta.sampling_rate_hz``).
    effective_rate_hz
        ``1 / median(interval)``: the rate the timestamps show, robust to gaps.
    mean_rate_hz
        ``(n_samples - 1) / duration_s``: the rate counting lost samples against it.
    jitter_s
        Standard deviation of the sample intervals, gaps and non-increasing steps excluded.
    p99_interval_deviation_s
        99th percentile of ``|interval - 1 / nominal_rate_hz|`` over the same intervals.
    gaps
        ``(start_s, end_s, missing_samples)`` for every interval longer than
        :data:`GAP_PERIODS` nominal periods and every run of gap rows (NaN), where
        ``start_s``/``end_s`` are the times of the valid samples either side.
    duplicate_timestamps
        Rows whose time equals the previous row's.
    backwards_steps
        Rows whose time is before the previous row's.
    stale_rows
        Rows whose sensor values all equal the previous row's exactly (a frozen sensor or
        a repeated packet); gap rows are not counted.
    """

    n_samples: int
    duration_s: float
    nominal_rate_hz: float
    effective_rate_hz: float
    mean_rate_hz: float
    jitter_s: float
    p99_interval_deviation_s: float
    gaps: list[tuple[float, float, int]] = field(default_factory=list)
    duplicate_timestamps: int = 0
    backwards_steps: int = 0
    stale_rows: int = 0

    @property
    def missing_samples(self) -> int:
        """Samples lost in all gaps together."""
        return sum(g[2] for g in self.gaps)

    @property
    def gap_time_s(self) -> float:
        """Total time covered by gaps, in seconds."""
        return float(sum(g[1] - g[0] for g in self.gaps))

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-serialisable dict (gaps as lists)."""
        values = dataclasses.asdict(self)
        values["gaps"] = [
            {"start_s": g[0], "end_s": g[1], "missing_samples": g[2]} for g in self.gaps
        ]
        values["missing_samples"] = self.missing_samples
        values["gap_time_s"] = self.gap_time_s
        return values

    def summary_lines(self) -> list[str]:
        """Return a few human-readable lines describing the timebase."""
        lines = [
            f"{self.n_samples} samples over {self.duration_s:.2f} s",
            f"rate: nominal {self.nominal_rate_hz:g} Hz, effective {self.effective_rate_hz:.4g} Hz"
            f" (median interval), {self.mean_rate_hz:.4g} Hz (count/duration)",
            f"jitter: {self.jitter_s * 1e3:.3g} ms (std of intervals), p99 deviation "
            f"{self.p99_interval_deviation_s * 1e3:.3g} ms",
        ]
        if self.gaps:
            first = self.gaps[0]
            lines.append(
                f"gaps: {len(self.gaps)} ({self.missing_samples} samples, "
                f"{self.gap_time_s:.2f} s); first from {first[0]:.3f} s to {first[1]:.3f} s"
            )
        else:
            lines.append("gaps: none")
        lines.append(
            f"duplicate timestamps: {self.duplicate_timestamps}, backwards steps: "
            f"{self.backwards_steps}, stale rows: {self.stale_rows}"
        )
        return lines


def timebase_report_arrays(
    time_s: np.ndarray, values: np.ndarray, *, nominal_rate_hz: float
) -> TimebaseReport:
    """Compute a :class:`TimebaseReport` from raw arrays.

    Parameters
    ----------
    time_s
        Sample times, shape (N,); need not be increasing (repeats and backward steps are
        counted, not rejected).
    values
        Sensor values, shape (N, K); rows that are all NaN are gap rows.
    nominal_rate_hz
        The configured rate, which defines the gap threshold (:data:`GAP_PERIODS` periods).
    """
    rate = check_sampling_rate(nominal_rate_hz)
    period = 1.0 / rate
    t = np.asarray(time_s, dtype=float)
    x = np.asarray(values, dtype=float).reshape(t.size, -1)
    n = int(t.size)
    dt = np.diff(t)
    duration = float(t[-1] - t[0]) if n >= 2 else 0.0
    gap_interval = dt > GAP_PERIODS * period
    regular = (dt > 0) & ~gap_interval
    positive = dt[dt > 0]
    effective = 1.0 / float(np.median(positive)) if positive.size else math.nan
    mean_rate = (n - 1) / duration if duration > 0 else math.nan
    jitter = float(np.std(dt[regular])) if regular.any() else 0.0
    p99 = float(np.percentile(np.abs(dt[regular] - period), 99)) if regular.any() else 0.0

    nan_row = np.isnan(x).all(axis=1) if x.shape[1] else np.zeros(n, dtype=bool)
    events: list[tuple[int, float, float, int]] = []  # (sort key row, start, end, missing)
    for i in np.flatnonzero(gap_interval):
        if nan_row[i] or nan_row[i + 1]:
            continue  # covered by the NaN run it borders
        missing = max(round(float(dt[i]) * rate) - 1, 1)
        events.append((int(i), float(t[i]), float(t[i + 1]), missing))
    run_starts = np.flatnonzero(nan_row & ~np.concatenate(([False], nan_row[:-1])))
    for start in run_starts:
        stop = start
        while stop < n and nan_row[stop]:
            stop += 1
        before = float(t[start - 1]) if start > 0 else float(t[start])
        after = float(t[stop]) if stop < n else float(t[stop - 1])
        events.append((int(start), before, after, int(stop - start)))
    events.sort()
    gaps = [(e[1], e[2], e[3]) for e in events]

    same = (x[1:] == x[:-1]).all(axis=1) & ~nan_row[1:] if n >= 2 else np.zeros(0, bool)
    return TimebaseReport(
        n_samples=n,
        duration_s=duration,
        nominal_rate_hz=rate,
        effective_rate_hz=effective,
        mean_rate_hz=mean_rate,
        jitter_s=jitter,
        p99_interval_deviation_s=p99,
        gaps=gaps,
        duplicate_timestamps=int((dt == 0).sum()),
        backwards_steps=int((dt < 0).sum()),
        stale_rows=int(same.sum()),
    )


def timebase_report(recording: Recording) -> TimebaseReport:
    """Measure the timebase of ``recording`` against its nominal rate.

    See :class:`TimebaseReport` for what is measured. The recording need not be
    validated: repeated or backward timestamps are counted, not rejected.
    """
    return timebase_report_arrays(
        recording.time_s,
        _sensor_values(recording),
        nominal_rate_hz=recording.meta.sampling_rate_hz,
    )


def resample_uniform(
    recording: Recording, *, sampling_rate_hz: float, max_gap_s: float | None = None
) -> Recording:
    """Put a recording on a uniform time grid by linear interpolation, never across gaps.

    Steps
    -----
    1. Drop gap rows (all sensor values NaN) from the source; the valid samples either
       side of a dropped run are treated as bordering a gap.
    2. A source interval is a gap if it is longer than ``max_gap_s`` or, when
       ``max_gap_s`` is None, longer than :data:`GAP_PERIODS` periods of the source's
       nominal rate.
    3. The grid is ``t0 + k / sampling_rate_hz`` for ``k = 0, 1, ...`` up to the last
       valid sample (computed from ``k``, so no rounding drift accumulates).
    4. Each sensor column is interpolated linearly (:func:`numpy.interp`); grid points that
       fall strictly inside a gap become rows of NaN with a finite time. Such rows pass
       ``Recording.validate(allow_gaps=True)``; :func:`gap_mask` finds them.

    The returned metadata has the new nominal rate and records the source rate and the
    gap threshold under ``extra["resampled_from_hz"]`` and ``extra["resample_max_gap_s"]``.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    if max_gap_s is not None and not (math.isfinite(max_gap_s) and max_gap_s > 0):
        raise InputError(f"max_gap_s must be a positive number of seconds, got {max_gap_s!r}")
    source_rate = check_sampling_rate(recording.meta.sampling_rate_hz)
    threshold = GAP_PERIODS / source_rate if max_gap_s is None else float(max_gap_s)
    columns = [c for c in (*ACC_COLUMNS, *GYR_COLUMNS) if c in recording.data.columns]
    t_all = recording.time_s
    x_all = recording.data[columns].to_numpy(dtype=float)
    valid = ~np.isnan(x_all).all(axis=1)
    index = np.flatnonzero(valid)
    if index.size < 2:
        raise InputError("need at least two valid samples to resample")
    t = t_all[index]
    x = x_all[index]
    gap = (np.diff(t) > threshold) | (np.diff(index) > 1)
    n_grid = math.floor(float(t[-1] - t[0]) * rate + 1e-9) + 1
    grid = t[0] + np.arange(n_grid, dtype=float) / rate
    out = np.column_stack([np.interp(grid, t, x[:, j]) for j in range(x.shape[1])])
    interval = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, t.size - 2)
    inside = gap[interval] & (grid > t[interval]) & (grid < t[interval + 1])
    out[inside] = np.nan
    data = {TIME_COLUMN: grid}
    data.update({c: out[:, j] for j, c in enumerate(columns)})
    meta = dataclasses.replace(
        recording.meta,
        sampling_rate_hz=rate,
        extra={
            **recording.meta.extra,
            "resampled_from_hz": source_rate,
            "resample_max_gap_s": threshold,
        },
    )
    return Recording(pd.DataFrame(data), meta)
