"""MbientLab MetaMotion CSV exports (MetaBase app and MetaHub), read only.

MetaBase writes one CSV per sensor, named like::

    <label>_MetaWear_2019-01-14T14.22.49.165_C42732BE255C_Accelerometer_12.500Hz_1.4.4.csv
    <label>_MetaWear_2019-01-14T14.22.49.165_C42732BE255C_Gyroscope_25.000Hz_1.4.4.csv

with the columns ``epoch (ms)``, a local time string whose name carries the UTC offset
(``time (01:00)``, ``time (-05:00)``; older exports: ``timestamp (+0100)``),
``elapsed (s)`` and ``x-axis (g)``, ``y-axis (g)``, ``z-axis (g)`` (accelerometer) or
``x-axis (deg/s)`` ... (gyroscope). Older MetaBase versions spell the first column
``epoc (ms)``; some exports have only ``elapsed (s)``. A file holding both the ``(g)`` and
the ``(deg/s)`` axes is read as one combined stream.

Reading steps (:func:`read_metamotion`)
---------------------------------------
1. Read the given file; tell accelerometer from gyroscope by the axis units.
2. Find its partner in the same folder: the same file name with ``Accelerometer`` and
   ``Gyroscope`` swapped, any rate; if several match, the one whose trailing part (app
   or firmware version) is the same. An accelerometer file with no partner is read as
   accelerometer-only; a gyroscope file needs its accelerometer partner.
3. Nominal rates come from the file names (``12.500Hz``) or, when absent, from the
   median sample interval.
4. Align on epoch time (on ``elapsed (s)`` when a file lacks epoch times; the two files'
   elapsed clocks are then assumed to start together, recorded in
   ``extra["time_base"]``). Output rows are the timestamps of the higher-rate stream
   that fall within the overlap of both streams; the other stream is linearly
   interpolated onto them. Interpolation never crosses a gap of the other stream
   (an interval longer than two of its nominal periods): output rows inside such a gap
   are **dropped**, so the hole stays visible as a gap in ``time_s`` that
   :func:`repscope.io.timebase.timebase_report` lists. The number of dropped rows is
   ``extra["rows_dropped_in_gaps"]``.
5. ``time_s`` is seconds since the first output row; ``meta.start_time_utc`` is that
   row's epoch time in ISO 8601 UTC; ``meta.sampling_rate_hz`` is the higher nominal
   rate; ``device = "MetaMotion"``; placement, exercise and load are unknown (set them
   with ``repscope convert``). ``extra`` keeps both file names and rates, the MAC
   address and the version from the file name.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from repscope.errors import InputError
from repscope.io._table import (
    CSV_LINE_HINT,
    check_finite_rows,
    check_input_file,
    check_time_increasing,
    csv_line_label,
    parse_float_column,
    read_csv_strings,
)
from repscope.io.timebase import GAP_PERIODS, check_declared_rate, infer_sampling_rate_hz
from repscope.recording import ACC_COLUMNS, GYR_COLUMNS, TIME_COLUMN, Recording, RecordingMeta

DEVICE = "MetaMotion"
EPOCH_COLUMNS = ("epoch (ms)", "epoc (ms)")
ELAPSED_COLUMN = "elapsed (s)"
ACC_AXES = ("x-axis (g)", "y-axis (g)", "z-axis (g)")
GYR_AXES = ("x-axis (deg/s)", "y-axis (deg/s)", "z-axis (deg/s)")
_LOCAL_TIME = re.compile(r"^(time|timestamp) \(.*\)$")
_NAME = re.compile(
    r"^(?P<prefix>.*?)(?P<kind>Accelerometer|Gyroscope)"
    r"(?:_(?P<rate>\d+(?:\.\d+)?)Hz)?(?P<suffix>.*)\.csv$",
    re.IGNORECASE,
)
_MAC = re.compile(r"(?<![0-9A-Fa-f])([0-9A-Fa-f]{12})(?![0-9A-Fa-f])")
_VERSION = re.compile(r"^_(\d+(?:\.\d+)+)$")


@dataclass
class _Stream:
    """One parsed export file."""

    path: Path
    kind: str  # "acc", "gyr" or "both"
    time: np.ndarray  # epoch ms, or elapsed s when ``epoch`` is False
    epoch: bool
    acc_g: np.ndarray | None
    gyr_dps: np.ndarray | None
    rate_hz: float
    rate_source: str

    @property
    def time_s(self) -> np.ndarray:
        """Timestamps in seconds (epoch seconds or elapsed seconds)."""
        return self.time / 1000.0 if self.epoch else self.time


def _name_parts(path: Path) -> re.Match[str] | None:
    return _NAME.match(path.name)


def _read_stream(path: Path) -> _Stream:
    p = check_input_file(path)
    header, table, lines = read_csv_strings(p)
    label = csv_line_label(lines)
    epoch_col = next((c for c in EPOCH_COLUMNS if c in header), None)
    has_elapsed = ELAPSED_COLUMN in header
    if epoch_col is None and not has_elapsed:
        raise InputError(
            "no time column",
            path=p,
            where="header",
            hint="A MetaMotion export needs 'epoch (ms)' (or 'epoc (ms)') or 'elapsed (s)'.",
        )
    has_acc = any(c in header for c in ACC_AXES)
    has_gyr = any(c in header for c in GYR_AXES)
    if not (has_acc or has_gyr):
        raise InputError(
            "no accelerometer '(g)' or gyroscope '(deg/s)' axis columns",
            path=p,
            where="header",
            hint="Give the Accelerometer or Gyroscope export of MetaBase.",
        )
    wanted = [*(ACC_AXES if has_acc else ()), *(GYR_AXES if has_gyr else ())]
    for name in wanted:
        if name not in header:
            raise InputError(f"missing column {name!r}", path=p, where="header")
    known = {*EPOCH_COLUMNS, ELAPSED_COLUMN, *ACC_AXES, *GYR_AXES}
    for name in header:
        if name not in known and not _LOCAL_TIME.match(name):
            raise InputError(
                f"unknown column {name!r}",
                path=p,
                where="header",
                hint="Expected MetaBase columns: epoch (ms), time (...), elapsed (s), "
                "x-axis (g) ... or x-axis (deg/s) ....",
            )
    time_col = epoch_col if epoch_col is not None else ELAPSED_COLUMN
    columns = [time_col, *wanted]
    values = np.column_stack(
        [
            parse_float_column(table[c].to_numpy(), column=c, row_label=label, path=p)
            for c in columns
        ]
    )
    check_finite_rows(values, columns, row_label=label, path=p)
    check_time_increasing(
        values[:, 0],
        row_label=label,
        path=p,
        column=time_col,
        scale_to_s=1e-3 if epoch_col else 1.0,
        hint=CSV_LINE_HINT,
    )
    if len(values) < 2:
        raise InputError("only one sample", path=p, hint="Record at least a few seconds of data.")
    time = values[:, 0]
    acc = values[:, 1:4] if has_acc else None
    gyr = values[:, -3:] if has_gyr else None
    kind = "both" if has_acc and has_gyr else ("acc" if has_acc else "gyr")
    parts = _name_parts(p)
    seconds = time / 1000.0 if epoch_col else time
    if parts is not None and parts["rate"] is not None:
        rate, source = float(parts["rate"]), "from the file name"
        if not rate > 0:
            raise InputError(
                f"the file name gives a sampling rate of {parts['rate']} Hz",
                path=p,
                where="file name",
                hint="Rename the file with its real rate (e.g. _100.000Hz_), or drop the "
                "rate from the name to infer it from the timestamps.",
            )
        check_declared_rate(rate, seconds, path=p, source=f"file name {parts['rate']}Hz")
    else:
        rate, source = infer_sampling_rate_hz(seconds), "inferred from timestamps"
    return _Stream(p, kind, time, epoch_col is not None, acc, gyr, rate, source)


def find_partner(path: str | Path) -> Path | None:
    """Return the other sensor's export of the same recording, or ``None``.

    The partner lies in the same folder and has the same name with ``Accelerometer`` and
    ``Gyroscope`` swapped and any rate. Among several, the one with the same trailing
    part (version) wins, then the first in name order.
    """
    p = Path(path)
    parts = _name_parts(p)
    if parts is None:
        return None
    other = "Gyroscope" if parts["kind"].lower() == "accelerometer" else "Accelerometer"
    pattern = f"{glob.escape(parts['prefix'])}{other}*.csv"
    candidates = []
    for candidate in sorted(p.parent.glob(pattern)):
        cparts = _name_parts(candidate)
        if (
            cparts is not None
            and cparts["prefix"] == parts["prefix"]
            and cparts["kind"].lower() == other.lower()
            and candidate.is_file()
        ):
            candidates.append((cparts["suffix"] != parts["suffix"], candidate.name, candidate))
    if not candidates:
        return None
    return min(candidates)[2]


def _mac_address(name: str) -> str | None:
    match = _MAC.search(name)
    if match is None:
        return None
    raw = match.group(1).upper()
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def read_metamotion(path: str | Path) -> Recording:
    """Read a MetaMotion export (and its partner file) into a validated :class:`Recording`.

    Parameters
    ----------
    path
        The accelerometer or the gyroscope CSV export; the other one is found in the
        same folder (see :func:`find_partner`).

    Raises
    ------
    InputError
        On a malformed file (naming the file, line and column), a gyroscope file without
        its accelerometer partner, or two files that do not overlap in time.
    """
    given = _read_stream(Path(path))
    extra: dict[str, Any] = {}
    if given.kind == "both":
        streams: dict[str, _Stream] = {"acc": given, "gyr": given}
    else:
        partner_path = find_partner(given.path)
        if partner_path is None:
            if given.kind == "gyr":
                raise InputError(
                    "gyroscope export without its accelerometer partner",
                    path=given.path,
                    hint="Put the matching ..._Accelerometer_...csv in the same folder, "
                    "or give the accelerometer file.",
                )
            streams = {"acc": given}
        else:
            partner = _read_stream(partner_path)
            if partner.kind == given.kind or partner.kind == "both":
                raise InputError(
                    f"partner file {partner_path.name} is not the other sensor's export",
                    path=given.path,
                )
            streams = {given.kind: given, partner.kind: partner}
    acc_stream = streams["acc"]
    gyr_stream = streams.get("gyr")
    extra["accelerometer_file"] = acc_stream.path.name
    extra["accelerometer_rate_hz"] = acc_stream.rate_hz
    if gyr_stream is not None and gyr_stream is not acc_stream:
        extra["gyroscope_file"] = gyr_stream.path.name
        extra["gyroscope_rate_hz"] = gyr_stream.rate_hz

    if gyr_stream is None or gyr_stream is acc_stream:
        base = acc_stream
        epoch = base.epoch
        base_time = base.time
        acc = base.acc_g
        gyr = base.gyr_dps
        extra["rows_dropped_in_gaps"] = 0
    else:
        # Work in the files' own unit: integer epoch milliseconds when both files have
        # them (exact), else seconds since each file's first sample.
        epoch = acc_stream.epoch and gyr_stream.epoch
        acc_t = acc_stream.time if epoch else _elapsed_s(acc_stream)
        gyr_t = gyr_stream.time if epoch else _elapsed_s(gyr_stream)
        per_second = 1000.0 if epoch else 1.0
        hi_is_gyr = gyr_stream.rate_hz > acc_stream.rate_hz
        hi, lo = (gyr_stream, acc_stream) if hi_is_gyr else (acc_stream, gyr_stream)
        hi_t, lo_t = (gyr_t, acc_t) if hi_is_gyr else (acc_t, gyr_t)
        start, end = max(hi_t[0], lo_t[0]), min(hi_t[-1], lo_t[-1])
        in_overlap = (hi_t >= start) & (hi_t <= end)
        gaps = np.flatnonzero(np.diff(lo_t) > GAP_PERIODS * per_second / lo.rate_hz)
        interval = np.clip(np.searchsorted(lo_t, hi_t, side="right") - 1, 0, lo_t.size - 2)
        in_gap = np.isin(interval, gaps) & (hi_t > lo_t[interval]) & (hi_t < lo_t[interval + 1])
        keep = in_overlap & ~in_gap
        extra["rows_dropped_in_gaps"] = int((in_overlap & in_gap).sum())
        if keep.sum() < 2:
            raise InputError(
                f"the accelerometer and gyroscope files do not overlap in time "
                f"(partner {(lo if hi is given else hi).path.name})",
                path=given.path,
                hint="Check that both files come from the same recording.",
            )
        base = hi
        base_time = hi_t[keep]
        hi_values = hi.gyr_dps if hi_is_gyr else hi.acc_g
        lo_values = lo.acc_g if hi_is_gyr else lo.gyr_dps
        assert hi_values is not None and lo_values is not None
        interpolated = np.column_stack(
            [np.interp(base_time, lo_t, lo_values[:, j]) for j in range(3)]
        )
        if hi_is_gyr:
            gyr, acc = hi_values[keep], interpolated
        else:
            acc, gyr = hi_values[keep], interpolated
        extra["aligned_on"] = "gyroscope" if hi_is_gyr else "accelerometer"
    assert acc is not None
    if epoch:
        time_s = (base_time - base_time[0]) / 1000.0
        start_time: str | None = (
            datetime.fromtimestamp(float(base_time[0]) / 1000.0, tz=timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        extra["time_base"] = "epoch (ms)"
    else:
        time_s = base_time - base_time[0]
        start_time = None
        extra["time_base"] = "elapsed (s); files assumed to start together"

    parts = _name_parts(acc_stream.path)
    mac = _mac_address(parts["prefix"] if parts else acc_stream.path.stem)
    if mac is not None:
        extra["mac_address"] = mac
    if parts is not None:
        version = _VERSION.match(parts["suffix"])
        if version is not None:
            extra["version_in_file_name"] = version.group(1)
    extra["sampling_rate_source"] = base.rate_source
    meta = RecordingMeta(
        sampling_rate_hz=base.rate_hz,
        device=DEVICE,
        placement=None,
        source=str(given.path),
        start_time_utc=start_time,
        extra=extra,
    )
    columns: dict[str, np.ndarray] = {TIME_COLUMN: np.asarray(time_s, dtype=float)}
    for j, name in enumerate(ACC_COLUMNS):
        columns[name] = acc[:, j]
    if gyr is not None:
        for j, name in enumerate(GYR_COLUMNS):
            columns[name] = gyr[:, j]
    return Recording(pd.DataFrame(columns), meta).validate(path=str(given.path))


def _elapsed_s(stream: _Stream) -> np.ndarray:
    """Seconds since the stream's first sample."""
    t = stream.time_s
    return t - t[0]
