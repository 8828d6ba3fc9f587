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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from repscope.errors import InputError
from repscope.recording import (
    ACC_COLUMNS,
    GYR_COLUMNS,
    TIME_COLUMN,
    Recording,
    RecordingMeta,
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

#: An interval longer than this many of the stream's rhythm intervals is a gap (see
#: :func:`gap_threshold_s`).
GAP_PERIODS = 2.0
#: Percentile of the positive sample intervals taken as the stream's rhythm interval: the
#: longest interval of its normal beat. A regular stream's is its period (plus jitter); a
#: BLE stream's that arrives in bursts (3-4 ms, then 20-35 ms) is the longer of the two.
RHYTHM_PERCENTILE = 90.0
#: In :func:`stream_rate_hz`, intervals longer than this many rhythm intervals (and than
#: :data:`STRETCH_GAP_MIN_S`) separate stretches and do not count as recording time.
STRETCH_GAP_RHYTHMS = 10.0
STRETCH_GAP_MIN_S = 1.0
#: :func:`resample_uniform` fills gaps up to this long with grid rows of NaN; a longer gap
#: breaks the grid into stretches (no rows are allocated for time without data).
MAX_FILL_S = 60.0
#: Sample rates (Hz) an IMU recording of lifting can have; outside them the time column's
#: unit is wrong (milliseconds read as seconds give 1000x too low a rate).
PLAUSIBLE_RATE_HZ = (4.0, 4000.0)
#: A declared rate (sidecar, Parquet metadata, file name) further than this factor from
#: the timestamps' rate is an error.
RATE_MISMATCH_FACTOR = 2.0


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


def rhythm_interval_s(time_s: np.ndarray) -> float:
    """Return the stream's rhythm interval: the :data:`RHYTHM_PERCENTILE` of its intervals.

    NaN when there are no two increasing timestamps.
    """
    dt = np.diff(np.asarray(time_s, dtype=float))
    dt = dt[np.isfinite(dt) & (dt > 0)]
    return float(np.percentile(dt, RHYTHM_PERCENTILE)) if dt.size else math.nan


def gap_threshold_s(time_s: np.ndarray, *, nominal_rate_hz: float) -> float:
    """Longest interval that is not a gap: :data:`GAP_PERIODS` rhythm intervals.

    The rhythm interval is the larger of the nominal period and :func:`rhythm_interval_s`,
    so a gap is data missing relative to the stream's own beat: for a regular 100 Hz
    stream, an interval over 20 ms; for a BLE stream whose samples come 3-4 ms apart in
    pairs every ~30 ms, an interval over ~60 ms (a whole connection event lost), not
    every interval above the median.
    """
    period = 1.0 / check_sampling_rate(nominal_rate_hz)
    rhythm = rhythm_interval_s(time_s)
    return GAP_PERIODS * (max(period, rhythm) if math.isfinite(rhythm) else period)


def stream_rate_hz(time_s: np.ndarray) -> float:
    """Return a stream's distinct-sample rate: samples per second of recording time.

    Counts the positive intervals and divides by their total duration, leaving out
    intervals that separate stretches (longer than :data:`STRETCH_GAP_RHYTHMS` rhythm
    intervals and :data:`STRETCH_GAP_MIN_S`), so an hour without data does not dilute the
    rate. For a regular stream this is ``1 / mean interval``; for a bursty one it is the
    number of samples a second, which ``1 / median interval`` is not. Rounded to three
    significant digits.

    Raises
    ------
    InputError
        If there are fewer than two increasing timestamps.
    """
    t = np.asarray(time_s, dtype=float)
    dt = np.diff(t[np.isfinite(t)])
    dt = dt[dt > 0]
    if dt.size == 0:
        raise InputError("need at least two increasing timestamps to measure a sampling rate")
    limit = max(STRETCH_GAP_MIN_S, STRETCH_GAP_RHYTHMS * rhythm_interval_s(t))
    inside = dt[dt <= limit]
    rate = inside.size / float(inside.sum()) if inside.size else 1.0 / float(dt.min())
    digits = 3 - math.floor(math.log10(rate)) - 1
    return float(round(rate, digits))


def check_plausible_rate(
    rate_hz: float, *, path: str | Path | None, time_unit: str = "s", hint: str
) -> None:
    """Raise :class:`InputError` unless ``rate_hz`` is in :data:`PLAUSIBLE_RATE_HZ`.

    A time column in milliseconds read as seconds gives 1000 times too low a rate (100 Hz
    becomes 0.1 Hz); in seconds read as milliseconds, 1000 times too high.
    """
    low, high = PLAUSIBLE_RATE_HZ
    if low <= rate_hz <= high:
        return
    guess = "in milliseconds read as " if rate_hz < low else "read as milli"
    raise InputError(
        f"the timestamps give {rate_hz:.3g} samples per second with time in {time_unit}, "
        f"implausible for an IMU ({low:g}-{high:g} Hz), as if the time column were "
        f"{guess}seconds",
        path=path,
        hint=hint,
    )


def check_declared_rate(
    declared_hz: float, time_s: np.ndarray, *, path: str | Path | None, source: str
) -> None:
    """Raise :class:`InputError` if a declared rate disagrees with the timestamps.

    The timestamps' rate is :func:`stream_rate_hz` and ``1 / median interval``; the
    declared rate must be within :data:`RATE_MISMATCH_FACTOR` of one of them (a stream
    that lost half its samples still has the declared median interval).
    """
    t = np.asarray(time_s, dtype=float)
    dt = np.diff(t[np.isfinite(t)])
    dt = dt[dt > 0]
    if dt.size < 2:
        return
    measured = [stream_rate_hz(t), 1.0 / float(np.median(dt))]
    if any(1 / RATE_MISMATCH_FACTOR <= declared_hz / m <= RATE_MISMATCH_FACTOR for m in measured):
        return
    raise InputError(
        f"the declared sampling rate {declared_hz:g} Hz ({source}) disagrees with the "
        f"timestamps ({measured[0]:.4g} samples per second)",
        path=path,
        where="sampling_rate_hz",
        hint="Correct the declared rate; if the time column is not in seconds, pass "
        "--time-unit ms (or us) to read the file as a CSV from another sensor.",
    )


def sensor_columns(recording: Recording) -> list[str]:
    """Return the recording's accelerometer and gyroscope columns, in standard order."""
    return [c for c in (*ACC_COLUMNS, *GYR_COLUMNS) if c in recording.data.columns]


def _sensor_values(recording: Recording) -> np.ndarray:
    return recording.column_values(sensor_columns(recording))


def gap_mask(recording: Recording) -> np.ndarray:
    """Return a bool array, True for rows that mark a gap (all sensor values NaN).

    Such rows appear only in recordings made by :func:`resample_uniform`; a recording
    read from a device or a file has none.
    """
    return gap_rows(_sensor_values(recording))


def gap_rows(values: np.ndarray) -> np.ndarray:
    """:func:`gap_mask` of a recording's sensor values (rows, columns) given as an array."""
    if values.shape[1] == 0:
        return np.zeros(values.shape[0], dtype=bool)
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
        :func:`gap_threshold_s` (:data:`GAP_PERIODS` rhythm intervals) and every run of
        gap rows (NaN), where
        ``start_s``/``end_s`` are the times of the valid samples either side.
    duplicate_timestamps
        Rows whose time equals the previous row's.
    backwards_steps
        Rows whose time is before the previous row's.
    stale_rows
        Rows whose sensor values all equal the previous row's exactly (a frozen sensor or
        a repeated packet); gap rows are not counted.
    gap_threshold_s
        The longest interval that is not a gap (:func:`gap_threshold_s`).
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
    gap_threshold_s: float = math.nan

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
        The configured rate; with the stream's rhythm it defines the gap threshold
        (:func:`gap_threshold_s`).
    """
    rate = check_sampling_rate(nominal_rate_hz)
    period = 1.0 / rate
    t = np.asarray(time_s, dtype=float)
    x = np.asarray(values, dtype=float).reshape(t.size, -1)
    n = int(t.size)
    dt = np.diff(t)
    duration = float(t[-1] - t[0]) if n >= 2 else 0.0
    valid_t = t[~np.isnan(x).all(axis=1)] if x.shape[1] else t
    threshold = gap_threshold_s(valid_t, nominal_rate_hz=rate)
    gap_interval = dt > threshold
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
        gap_threshold_s=threshold,
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
    recording: Recording,
    *,
    sampling_rate_hz: float,
    max_gap_s: float | None = None,
    max_fill_s: float | None = None,
) -> Recording:
    """Put a recording on a uniform time grid by linear interpolation, never across gaps.

    Steps
    -----
    1. Drop gap rows (all sensor values NaN) from the source; the valid samples either
       side of a dropped run are treated as bordering a gap.
    2. A source interval is a gap if it is longer than ``max_gap_s`` or, when
       ``max_gap_s`` is None, longer than :func:`gap_threshold_s` of the source.
    3. The data fall into *stretches* separated by breaks: gaps longer than
       ``max_fill_s`` (default :data:`MAX_FILL_S`). Each stretch gets its own grid
       ``t_start + k / sampling_rate_hz`` up to its last sample (computed from ``k``, so
       no rounding drift accumulates). Between two stretches there is a single gap row
       (a millisecond after the last sample), so no memory is spent on time that has no
       data: two stretches 11.6 days apart make two short grids, not 100 million rows.
       ``extra["grid_breaks"]`` lists the breaks as ``[end_s, start_s]`` pairs.
    4. Each sensor column is interpolated linearly (:func:`numpy.interp`); grid points that
       fall strictly inside a (shorter) gap become rows of NaN with a finite time. Such
       rows pass ``Recording.validate(allow_gaps=True)``; :func:`gap_mask` finds them.

    The grid is uniform within each stretch (and across the whole recording when there is
    no break). The returned metadata has the new nominal rate and records the source rate
    and the gap threshold under ``extra["resampled_from_hz"]`` and
    ``extra["resample_max_gap_s"]``.
    """
    columns = sensor_columns(recording)
    grid, _ = resample_arrays(
        recording.time_s,
        recording.column_values(columns),
        columns=columns,
        meta=recording.meta,
        sampling_rate_hz=sampling_rate_hz,
        max_gap_s=max_gap_s,
        max_fill_s=max_fill_s,
    )
    return grid


def resample_arrays(
    t_all: np.ndarray,
    x_all: np.ndarray,
    *,
    columns: list[str],
    meta: RecordingMeta,
    sampling_rate_hz: float,
    max_gap_s: float | None = None,
    max_fill_s: float | None = None,
) -> tuple[Recording, np.ndarray]:
    """:func:`resample_uniform` of a recording's times and sensor ``columns`` given as arrays.

    Returns the resampled recording and its sensor values (grid rows, ``columns``), so a
    caller that has read the columns once need not read them again (the live engine
    analyses hundreds of short windows a set).
    """
    rate = check_sampling_rate(sampling_rate_hz)
    for name, value in (("max_gap_s", max_gap_s), ("max_fill_s", max_fill_s)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} must be a positive number of seconds, got {value!r}")
    source_rate = check_sampling_rate(meta.sampling_rate_hz)
    valid = ~np.isnan(x_all).all(axis=1)
    index = np.flatnonzero(valid)
    if index.size < 2:
        raise InputError("need at least two valid samples to resample")
    t = t_all[index]
    x = x_all[index]
    if max_gap_s is None:
        threshold = gap_threshold_s(t, nominal_rate_hz=source_rate)
    else:
        threshold = float(max_gap_s)
    fill = max(MAX_FILL_S if max_fill_s is None else float(max_fill_s), threshold)
    dt = np.diff(t)
    gap = (dt > threshold) | (np.diff(index) > 1)
    breaks = np.flatnonzero(dt > fill)
    starts = np.r_[0, breaks + 1]
    ends = np.r_[breaks, t.size - 1]
    pieces = []
    for a, b in zip(starts, ends, strict=True):
        n_grid = math.floor(float(t[b] - t[a]) * rate + 1e-9) + 1
        pieces.append(t[a] + np.arange(n_grid, dtype=float) / rate)
        if b < t.size - 1:
            pieces.append(np.array([min(t[b] + 1e-3, (t[b] + t[b + 1]) / 2)]))
    grid = np.concatenate(pieces)
    out = np.column_stack([np.interp(grid, t, x[:, j]) for j in range(x.shape[1])])
    if t.size >= 2:
        interval = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, t.size - 2)
        inside = gap[interval] & (grid > t[interval]) & (grid < t[interval + 1])
        out[inside] = np.nan
    data = {TIME_COLUMN: grid}
    data.update({c: out[:, j] for j, c in enumerate(columns)})
    extra = {
        **meta.extra,
        "resampled_from_hz": source_rate,
        "resample_max_gap_s": threshold,
    }
    if breaks.size:
        extra["grid_breaks"] = [[float(t[i]), float(t[i + 1])] for i in breaks]
    new_meta = dataclasses.replace(meta, sampling_rate_hz=rate, extra=extra)
    return Recording(pd.DataFrame(data), new_meta), out
