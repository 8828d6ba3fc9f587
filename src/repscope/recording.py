"""The in-memory IMU recording: one table of samples plus its metadata.

A :class:`Recording` is what every reader returns, what the simulator produces, what the
recorder writes and what the analysis consumes.

Sample table (``Recording.data``, a :class:`pandas.DataFrame`, one row per sample)
-------------------------------------------------------------------------------------
=============  ======  =====================================================================
column         unit    meaning
=============  ======  =====================================================================
``time_s``     s       sample time, strictly increasing; 0 need not be the first sample
``acc_x_g``    g       specific force along the sensor's x axis (about 1 g at rest)
``acc_y_g``    g       specific force along the sensor's y axis
``acc_z_g``    g       specific force along the sensor's z axis
``gyr_x_dps``  deg/s   angular rate about the sensor's x axis (optional, all three or none)
``gyr_y_dps``  deg/s   angular rate about the sensor's y axis
``gyr_z_dps``  deg/s   angular rate about the sensor's z axis
=============  ======  =====================================================================

All axes are in the sensor frame. Values are float64. A recording that was resampled onto
a uniform grid may hold rows of NaN where the source had a gap (see
:func:`repscope.io.timebase.resample_uniform`); everything else is finite.

Metadata (:class:`RecordingMeta`) carries the nominal sampling rate, the device, where it
was worn (``bar`` or ``wrist``), the exercise, the load, the athlete and the source, plus a
free-form ``extra`` mapping for provenance (firmware, ranges, simulator seed, ...).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repscope.errors import InputError, UnitsError

TIME_COLUMN = "time_s"
ACC_COLUMNS: tuple[str, str, str] = ("acc_x_g", "acc_y_g", "acc_z_g")
GYR_COLUMNS: tuple[str, str, str] = ("gyr_x_dps", "gyr_y_dps", "gyr_z_dps")
ALL_COLUMNS: tuple[str, ...] = (TIME_COLUMN, *ACC_COLUMNS, *GYR_COLUMNS)
PLACEMENTS: tuple[str, ...] = ("bar", "wrist")

#: Standard gravity in m/s^2, used to tell g from m/s^2.
STANDARD_GRAVITY_MPS2 = 9.80665

#: Median |acc| bounds (in g) that a recording in g falls in. A barbell set spends most of
#: its time near rest, so the median magnitude is close to 1 g; m/s^2 data gives ~9.8.
RESTING_MAGNITUDE_RANGE_G = (0.6, 1.6)
MPS2_MAGNITUDE_RANGE = (6.0, 14.0)
#: No accelerometer measures more than this (g): the widest MEMS ranges are +-200-400 g.
MAX_ABS_ACC_G = 1000.0
#: No gyroscope measures more than this (deg/s): the widest MEMS ranges are +-4000 deg/s.
MAX_ABS_GYR_DPS = 20000.0


def _check_rate(sampling_rate_hz: Any, *, what: str = "sampling_rate_hz") -> float:
    """Validate a sampling rate and return it as float (``True`` is not 1 Hz)."""
    if isinstance(sampling_rate_hz, bool):
        raise InputError(f"{what} must be a number of Hz, got {sampling_rate_hz!r}")
    try:
        rate = float(sampling_rate_hz)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, got {sampling_rate_hz!r}") from None
    if not math.isfinite(rate) or rate <= 0:
        raise InputError(f"{what} must be a positive number of Hz, got {sampling_rate_hz!r}")
    return rate


def check_sampling_rate(sampling_rate_hz: Any, *, max_cutoff_hz: float | None = None) -> float:
    """Validate a required ``sampling_rate_hz`` argument.

    Parameters
    ----------
    sampling_rate_hz
        The rate to check; must be a finite positive number.
    max_cutoff_hz
        If given, the highest filter cut-off the caller will use; it must lie below the
        Nyquist frequency ``sampling_rate_hz / 2``.

    Returns
    -------
    float
        The rate as a float.
    """
    rate = _check_rate(sampling_rate_hz)
    if max_cutoff_hz is not None and max_cutoff_hz >= rate / 2:
        raise InputError(
            f"a cut-off of {max_cutoff_hz:g} Hz is not below the Nyquist frequency "
            f"({rate / 2:g} Hz) of a {rate:g} Hz recording",
            hint="Use a lower cut-off or a recording with a higher sampling rate.",
        )
    return rate


@dataclass
class RecordingMeta:
    """Metadata of a recording.

    Attributes
    ----------
    sampling_rate_hz
        Nominal sampling rate of the device (the configured rate, not the measured one:
        see :func:`repscope.io.timebase.timebase_report` for the effective rate).
    device
        Device model or name, e.g. ``"MetaMotionR"`` or ``"simulator"``.
    placement
        ``"bar"`` (clipped to the barbell), ``"wrist"`` or ``None`` when unknown.
    exercise
        Exercise name, e.g. ``"bench"``, ``"squat"``; ``None`` when unknown.
    load_kg
        Load on the bar in kg, ``None`` when unknown.
    athlete
        Athlete name or id.
    source
        Where the data came from (file path, ``"simulator"``, a BLE address).
    start_time_utc
        ISO 8601 UTC time of ``time_s == 0``, when known.
    extra
        Free-form JSON-serialisable provenance (firmware, sensor ranges, simulator seed).
    """

    sampling_rate_hz: float
    device: str = "unknown"
    placement: str | None = None
    exercise: str | None = None
    load_kg: float | None = None
    athlete: str | None = None
    source: str | None = None
    start_time_utc: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the metadata as a JSON-serialisable dict (the sidecar schema)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], *, path: str | None = None) -> RecordingMeta:
        """Build metadata from a mapping, checking names and types.

        Unknown keys are an error (a typo must not silently drop a value); put free-form
        values under ``extra``.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(
                f"unknown metadata field {unknown[0]!r}",
                path=path,
                hint=f"Known fields: {', '.join(sorted(known))}; put other values under 'extra'.",
            )
        if "sampling_rate_hz" not in values or values["sampling_rate_hz"] is None:
            raise InputError(
                "metadata has no sampling_rate_hz",
                path=path,
                hint="Add the device's nominal sampling rate in Hz, e.g. 100.",
            )
        kwargs = dict(values)
        try:
            kwargs["sampling_rate_hz"] = _check_rate(kwargs["sampling_rate_hz"])
        except InputError as exc:
            raise exc.with_path(path) if path else exc from None
        if kwargs.get("load_kg") is not None:
            try:
                kwargs["load_kg"] = float(kwargs["load_kg"])
            except (TypeError, ValueError):
                raise InputError(
                    f"load_kg must be a number, got {kwargs['load_kg']!r}", path=path
                ) from None
        for name in ("device", "placement", "exercise", "athlete", "source", "start_time_utc"):
            value = kwargs.get(name)
            if value is not None and not isinstance(value, str):
                kwargs[name] = str(value)
        extra = kwargs.get("extra") or {}
        if not isinstance(extra, Mapping):
            raise InputError("metadata field 'extra' must be an object", path=path)
        kwargs["extra"] = dict(extra)
        meta = cls(**kwargs)
        meta.validate(path=path)
        return meta

    def validate(self, *, path: str | None = None) -> None:
        """Raise :class:`InputError` if a field holds an impossible value."""
        _check_rate(self.sampling_rate_hz)
        if self.placement is not None and self.placement not in PLACEMENTS:
            raise InputError(
                f"placement must be one of {', '.join(PLACEMENTS)}, got {self.placement!r}",
                path=path,
                where="metadata field placement",
            )
        if self.load_kg is not None and (not math.isfinite(self.load_kg) or self.load_kg < 0):
            raise InputError(
                f"load_kg must be zero or positive, got {self.load_kg!r}",
                path=path,
                where="metadata field load_kg",
            )


@dataclass
class Recording:
    """An IMU recording: a sample table (see module docs) and its :class:`RecordingMeta`."""

    data: pd.DataFrame
    meta: RecordingMeta

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(
        cls,
        *,
        time_s: np.ndarray,
        acc_g: np.ndarray,
        gyr_dps: np.ndarray | None = None,
        meta: RecordingMeta,
    ) -> Recording:
        """Build a recording from arrays: ``time_s`` (N,), ``acc_g`` (N, 3), ``gyr_dps`` (N, 3)."""
        time_s = np.asarray(time_s, dtype=float)
        acc_g = np.asarray(acc_g, dtype=float)
        columns: dict[str, np.ndarray] = {TIME_COLUMN: time_s}
        if acc_g.ndim != 2 or acc_g.shape[1] != 3 or acc_g.shape[0] != time_s.shape[0]:
            raise InputError(f"acc_g must have shape ({time_s.shape[0]}, 3), got {acc_g.shape}")
        for i, name in enumerate(ACC_COLUMNS):
            columns[name] = acc_g[:, i]
        if gyr_dps is not None:
            gyr_dps = np.asarray(gyr_dps, dtype=float)
            if gyr_dps.shape != acc_g.shape:
                raise InputError(f"gyr_dps must have shape {acc_g.shape}, got {gyr_dps.shape}")
            for i, name in enumerate(GYR_COLUMNS):
                columns[name] = gyr_dps[:, i]
        return cls(pd.DataFrame(columns), meta)

    # ------------------------------------------------------------------ accessors
    @property
    def has_gyro(self) -> bool:
        """Whether the recording has angular rate columns."""
        return all(c in self.data.columns for c in GYR_COLUMNS)

    @property
    def time_s(self) -> np.ndarray:
        """Sample times in seconds, shape (N,)."""
        return self.data[TIME_COLUMN].to_numpy(dtype=float)

    @property
    def acc_g(self) -> np.ndarray:
        """Specific force in g, sensor frame, shape (N, 3)."""
        return self.column_values(ACC_COLUMNS)

    @property
    def gyr_dps(self) -> np.ndarray | None:
        """Angular rate in deg/s, sensor frame, shape (N, 3); ``None`` without a gyroscope."""
        if not self.has_gyro:
            return None
        return self.column_values(GYR_COLUMNS)

    def column_values(self, names: Sequence[str]) -> np.ndarray:
        """Return the named columns as floats, shape (N, len(names)).

        Column by column: selecting a list of columns builds a new index of string labels
        each time (0.5 ms a call with pandas' string dtype; the live engine reads its
        windows' columns thousands of times a session). The array is column-major, as
        ``DataFrame.to_numpy`` returns a float block, so that sums along either axis add
        in the same order and give the same numbers to the last bit.
        """
        out = np.empty((len(self.data), len(names)), dtype=float, order="F")
        for j, name in enumerate(names):
            out[:, j] = self.data[name].to_numpy(dtype=float)
        return out

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return len(self.data)

    @property
    def duration_s(self) -> float:
        """Time from the first to the last sample, in seconds."""
        if self.n_samples < 2:
            return 0.0
        t = self.time_s
        return float(t[-1] - t[0])

    def columns(self) -> list[str]:
        """Return the sample columns present, in canonical order."""
        return [c for c in ALL_COLUMNS if c in self.data.columns]

    def slice_time(self, start_s: float, end_s: float) -> Recording:
        """Return the samples with ``start_s <= time_s < end_s`` (metadata shared)."""
        t = self.time_s
        mask = (t >= start_s) & (t < end_s)
        return Recording(self.data.loc[mask].reset_index(drop=True), self.meta)

    def validate(self, *, path: str | None = None, allow_gaps: bool = False) -> Recording:
        """Check the recording; see :func:`validate_recording`. Returns ``self``."""
        validate_recording(self, path=path, allow_gaps=allow_gaps)
        return self


def validate_recording(
    recording: Recording, *, path: str | None = None, allow_gaps: bool = False
) -> None:
    """Check a recording against the documented contract.

    Checks, in order: metadata values; required columns present and no unknown columns;
    gyroscope columns all three or none; numeric dtypes; at least two samples; finite
    values (NaN rows allowed only when ``allow_gaps`` is true, i.e. after resampling, and
    then only whole rows); time strictly increasing; acceleration in g, not m/s^2 (the median
    magnitude must lie in :data:`RESTING_MAGNITUDE_RANGE_G`).

    Raises
    ------
    InputError
        With one line naming ``path`` and the row or column at fault.
    """
    recording.meta.validate(path=path)
    data = recording.data
    missing = [c for c in (TIME_COLUMN, *ACC_COLUMNS) if c not in data.columns]
    if missing:
        raise InputError(
            f"missing column {missing[0]!r}",
            path=path,
            hint=f"A recording needs the columns {', '.join((TIME_COLUMN, *ACC_COLUMNS))}.",
        )
    unknown = [c for c in data.columns if c not in ALL_COLUMNS]
    if unknown:
        raise InputError(
            f"unknown column {unknown[0]!r}",
            path=path,
            hint=f"Allowed columns: {', '.join(ALL_COLUMNS)}.",
        )
    gyr_present = [c for c in GYR_COLUMNS if c in data.columns]
    if gyr_present and len(gyr_present) != 3:
        absent = next(c for c in GYR_COLUMNS if c not in data.columns)
        raise InputError(
            f"missing column {absent!r}",
            path=path,
            hint="Give all three gyroscope columns or none.",
        )
    for column in recording.columns():
        if not pd.api.types.is_numeric_dtype(data[column]):
            raise InputError(f"column {column} is not numeric", path=path, where=column)
    if len(data) < 2:
        raise InputError(
            f"only {len(data)} sample(s)",
            path=path,
            hint="Record at least a few seconds of data.",
        )
    values = data[recording.columns()].to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.all():
        bad_rows = ~finite.all(axis=1)
        whole_row_nan = np.isnan(values[bad_rows, 1:]).all(axis=1)
        time_ok = np.isfinite(values[bad_rows, 0])
        if not (allow_gaps and whole_row_nan.all() and time_ok.all()):
            row = int(np.flatnonzero(bad_rows)[0])
            col = recording.columns()[int(np.flatnonzero(~finite[row])[0])]
            raise InputError(
                f"{col} is not a finite number",
                path=path,
                where=f"sample {row}",
                hint="Remove or repair rows with missing values.",
            )
    dt = np.diff(values[:, 0])
    if (dt <= 0).any():
        row = int(np.flatnonzero(dt <= 0)[0]) + 1
        what = "repeats" if dt[row - 1] == 0 else "goes backwards"
        raise InputError(
            f"time_s {what} ({values[row - 1, 0]:.6g} s then {values[row, 0]:.6g} s)",
            path=path,
            where=f"sample {row}",
            hint="Sort the rows by time and remove duplicates.",
        )
    check_sensor_range(recording, values, path=path)
    check_acc_units(values[:, 1:4], path=path)


def check_sensor_range(
    recording: Recording, values: np.ndarray, *, path: str | None = None
) -> None:
    """Raise :class:`UnitsError` at the first value no sensor can measure.

    Acceleration beyond :data:`MAX_ABS_ACC_G` or angular rate beyond
    :data:`MAX_ABS_GYR_DPS` is corrupt data or a wrong unit, not a measurement.
    """
    columns = recording.columns()
    for j, column in enumerate(columns[1:], start=1):
        limit = MAX_ABS_ACC_G if column in ACC_COLUMNS else MAX_ABS_GYR_DPS
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(np.abs(values[:, j]) > limit)
        if bad.size:
            row = int(bad[0])
            unit = "g" if column in ACC_COLUMNS else "deg/s"
            raise UnitsError(
                f"{column} is {values[row, j]:.6g} {unit}, beyond any sensor's range "
                f"(+-{limit:g} {unit}); {bad.size} such value(s)",
                path=path,
                where=f"sample {row}",
                hint="The file is corrupt or in another unit; repair or delete those rows.",
            )


def check_acc_units(acc_g: np.ndarray, *, path: str | None = None) -> None:
    """Raise :class:`UnitsError` unless ``acc_g`` looks like specific force in g.

    The test uses the median magnitude: a lifting recording is mostly near rest, where
    the magnitude is 1 g. A median near 9.8 means the values are in m/s^2.
    """
    magnitude = np.linalg.norm(acc_g, axis=1)
    magnitude = magnitude[np.isfinite(magnitude)]
    if magnitude.size == 0:
        return
    median = float(np.median(magnitude))
    low, high = RESTING_MAGNITUDE_RANGE_G
    if low <= median <= high:
        return
    if MPS2_MAGNITUDE_RANGE[0] <= median <= MPS2_MAGNITUDE_RANGE[1]:
        raise UnitsError(
            f"acceleration looks like m/s^2, not g (median magnitude {median:.2f})",
            path=path,
            where="columns acc_x_g, acc_y_g, acc_z_g",
            hint=f"Divide the acceleration columns by {STANDARD_GRAVITY_MPS2}.",
        )
    raise UnitsError(
        f"acceleration magnitude is implausible for g (median {median:.3g}, expected about 1)",
        path=path,
        where="columns acc_x_g, acc_y_g, acc_z_g",
        hint="Check the unit and scale of the acceleration columns.",
    )
