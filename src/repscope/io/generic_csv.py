"""CSV files from other sensors: columns and units named by the user or told from physics.

A *generic* CSV is any comma-separated table of numbers with a time column, three
accelerometer columns and optionally three gyroscope columns, in any units repscope knows
(:data:`~repscope.io.layout.TIME_UNITS`, :data:`~repscope.io.layout.ACC_UNITS`,
:data:`~repscope.io.layout.GYR_UNITS`), with or without a header row. What the user does
not state (:class:`CsvImport`) is told from the numbers (:mod:`repscope.io.layout`), and
the recording's ``meta.extra["import"]`` says what was given and what was inferred, on
what evidence.

Reading steps (:func:`read_generic_csv`)
----------------------------------------
1. Read every cell as text. A few lines with the wrong number of fields (a line cut
   short when the logger stopped) are dropped and counted
   (``extra["malformed_lines_removed"]``; more than 1 % of the lines is an error). The
   first row is a header unless all its cells are numbers (or as ``header`` says). A
   header cell that is empty (a trailing comma) or repeated is an error naming it.
2. Resolve the columns (given by name or 1-based position) or infer them.
3. Parse the used columns as float64; missing values and non-increasing time are errors
   naming the line.
4. **Stale rows**: a row whose motion values (three accelerometer and three gyroscope
   values) all equal the previous row's is a repeat of the previous sample under a new
   timestamp (a BLE stream re-sending its last reading). It is removed; the count is
   ``extra["stale_rows_removed"]``. A row with the same timestamp as the row kept before
   it is removed too (``extra["repeated_timestamps_removed"]``); time going backwards is
   an error naming the line.
5. Convert to the project's units (``time_s`` from the first row, ``acc_*_g``,
   ``gyr_*_dps``); the first row's original time in seconds is ``extra["time_origin_s"]``.
6. The sampling rate is the stream's distinct-sample rate
   (:func:`repscope.io.timebase.stream_rate_hz`), not ``1 / median interval``: a BLE
   stream arrives in bursts (intervals of 3-4 ms alternating with 20-35 ms), whose median
   interval says nothing of how many samples a second there are.
7. The rate must be plausible (:data:`~repscope.io.layout.PLAUSIBLE_RATE_HZ`): a time
   column in milliseconds read as seconds is an error saying to pass the time unit.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from repscope.errors import InputError, UnitsError
from repscope.io import layout as lay
from repscope.io._table import (
    check_finite_rows,
    check_header_names,
    check_input_file,
    check_time_increasing,
    csv_line_label,
    parse_float_column,
)
from repscope.recording import (
    ACC_COLUMNS,
    GYR_COLUMNS,
    TIME_COLUMN,
    Recording,
    RecordingMeta,
)

STREAM_RATE_SOURCE = "distinct-sample rate of the timestamps"
#: Lines with the wrong number of fields are dropped (and counted) up to this share of
#: the file's lines; more is an error.
MAX_MALFORMED_SHARE = 0.01
_HINT_LINES = "Line numbers count every line of the file from 1."


@dataclass(frozen=True)
class CsvImport:
    """What the user says about a generic CSV; ``None`` fields are inferred.

    Attributes
    ----------
    columns
        Four or seven columns in the order time, acc x, y, z [, gyr x, y, z]: header
        names, or positions counted from 1.
    time_unit
        ``"s"``, ``"ms"`` or ``"us"``.
    acc_unit
        ``"g"`` or ``"m/s2"``.
    gyr_unit
        ``"deg/s"`` or ``"rad/s"``.
    header
        Whether the first row is a header; ``None``: a header unless it is all numbers.
    """

    columns: tuple[str, ...] | None = None
    time_unit: str | None = None
    acc_unit: str | None = None
    gyr_unit: str | None = None
    header: bool | None = None

    def __post_init__(self) -> None:
        """Check the values (a bad option is an :class:`InputError`)."""
        if self.columns is not None and len(self.columns) not in (4, 7):
            raise InputError(
                f"--columns needs 4 or 7 columns (time, ax, ay, az[, gx, gy, gz]), "
                f"got {len(self.columns)}",
                hint="E.g. --columns t_ms,ax,ay,az,gx,gy,gz or --columns 2,3,4,5,6,7,8.",
            )
        for name, value, allowed in (
            ("--time-unit", self.time_unit, lay.TIME_UNITS),
            ("--acc-unit", self.acc_unit, lay.ACC_UNITS),
            ("--gyr-unit", self.gyr_unit, lay.GYR_UNITS),
        ):
            if value is not None and value not in allowed:
                raise InputError(
                    f"{name} {value!r} is not a unit repscope knows",
                    hint=f"Use one of: {', '.join(allowed)}.",
                )

    @classmethod
    def from_options(
        cls,
        *,
        columns: str | None = None,
        time_unit: str | None = None,
        acc_unit: str | None = None,
        gyr_unit: str | None = None,
        header: bool | None = None,
    ) -> CsvImport | None:
        """Build from command-line option values; ``None`` when no option was given."""
        if columns is None and time_unit is acc_unit is gyr_unit is header is None:
            return None
        cols = None if columns is None else tuple(c.strip() for c in columns.split(","))
        return cls(cols, time_unit, acc_unit, gyr_unit, header)

    def to_dict(self) -> dict[str, Any]:
        """Return the options as plain data (for provenance and cache keys)."""
        values = dataclasses.asdict(self)
        values["columns"] = None if self.columns is None else list(self.columns)
        return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_cells(path: Path) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Read the cells as text; drop (and count) a few lines with the wrong number of fields.

    Returns the table, each row's physical line number (from 1) and how many lines were
    dropped. The number of fields is the most common one among the lines; a line with
    another number (a line cut short when the logger stopped, two lines run together) is
    dropped if such lines are at most :data:`MAX_MALFORMED_SHARE` of all lines, and is
    otherwise an error naming the first.
    """
    try:  # fast path: pandas' C parser, when no line has more fields than the first
        table = pd.read_csv(
            path,
            header=None,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            index_col=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        pass
    else:
        table = table.fillna("")
        filled = (table != "").to_numpy()
        keep = len(table)
        while keep > 0 and not filled[keep - 1].any():
            keep -= 1  # trailing blank lines
        short = 0
        if keep > 2 and filled[: keep - 1].all() and not filled[keep - 1].all():
            keep -= 1  # the last line, cut short when the logger stopped
            short = 1
        if keep and filled[:keep].all():
            return table.iloc[:keep], np.arange(keep) + 1, short
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "is not a text CSV file (cannot decode it as UTF-8)",
            path=path,
            hint="Give a CSV export or a .parquet file.",
        ) from None
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError("empty file", path=path, hint="The file holds no data.")
    widths = np.array([len(r) for r in rows])
    width = int(np.bincount(widths).argmax())
    bad = np.flatnonzero(widths != width)
    if bad.size > max(1, MAX_MALFORMED_SHARE * len(rows)) or (bad.size and bad[0] == 0):
        first = int(bad[0])
        raise InputError(
            f"malformed CSV (line {first + 1} has {widths[first]} fields, most lines {width})",
            path=path,
            where=f"line {first + 1}",
            hint="Every line must have the same number of fields.",
        )
    good = np.flatnonzero(widths == width)
    table = pd.DataFrame([rows[i] for i in good], dtype=object)
    return table, good + 1, int(bad.size)


def _resolve(token: str, names: list[str], has_header: bool, *, path: Path) -> int:
    if has_header and token in names:
        return names.index(token)
    if token.isdigit() and 1 <= int(token) <= len(names):
        return int(token) - 1
    shown = ", ".join(names[:12]) if has_header else f"positions 1-{len(names)}"
    raise InputError(
        f"--columns names a column {token!r} that the file does not have",
        path=path,
        where="line 1" if has_header else None,
        hint=f"Columns are: {shown}.",
    )


def _numeric_columns(cells: pd.DataFrame) -> np.ndarray:
    """All columns as float64; a column with any non-number cell becomes all NaN."""
    out = np.full(cells.shape, np.nan)
    for j in range(cells.shape[1]):
        try:
            out[:, j] = np.asarray(cells.iloc[:, j].to_numpy(), dtype=np.float64)
        except ValueError:
            continue
    return out


def _layout(
    values: np.ndarray, spec: CsvImport, names: list[str], has_header: bool, *, path: Path
) -> lay.Layout:
    """Columns and units from ``spec``, the rest inferred (see :mod:`repscope.io.layout`)."""
    from repscope.io.timebase import check_plausible_rate, stream_rate_hz

    where = str(path)
    how: dict[str, str] = {}
    tokens = spec.columns
    if tokens is None and has_header and all(c in names for c in (TIME_COLUMN, *ACC_COLUMNS)):
        gyr_names = GYR_COLUMNS if all(c in names for c in GYR_COLUMNS) else ()
        tokens = (TIME_COLUMN, *ACC_COLUMNS, *gyr_names)
        how["columns"] = "the project's column names"
    if tokens is not None:
        idx = [_resolve(t, names, has_header, path=path) for t in tokens]
        time = idx[0]
        acc: tuple[int, int, int] = (idx[1], idx[2], idx[3])
        gyr = (idx[4], idx[5], idx[6]) if len(idx) == 7 else None
        how.setdefault("columns", "given (--columns)")
    else:
        usable = np.isfinite(values).all(axis=0)
        finite = values[:, usable]
        kept = np.flatnonzero(usable)
        candidates = [int(kept[j]) for j in lay.time_candidates(finite)]
        if len(candidates) != 1:
            problem = (
                "no column increases on every row, so none is a time column"
                if not candidates
                else "several columns increase on every row ("
                + ", ".join(names[c] for c in candidates)
                + ")"
            )
            raise InputError(
                f"cannot tell the columns: {problem}",
                path=path,
                hint="Pass --columns TIME,AX,AY,AZ[,GX,GY,GZ] (names or positions from 1).",
            )
        time = candidates[0]
        masked = np.where(usable, values, 0.0)
        exclude = {time} | {j for j in range(values.shape[1]) if not usable[j]}
        acc, _unit, acc_why = lay.infer_acc(masked, exclude=exclude, path=where)
        nxt = (acc[2] + 1, acc[2] + 2, acc[2] + 3)
        gyr = None
        if nxt[2] < values.shape[1] and all(
            usable[j] and j != time and np.ptp(values[:, j]) > 0 for j in nxt
        ):
            gyr = nxt
        how["columns"] = (
            f"inferred: time is the only column that increases on every row; "
            f"accelerometer: {acc_why}; "
            + ("gyroscope: the three columns after it" if gyr else "no gyroscope after it")
        )
    # units
    time_unit = spec.time_unit
    if time_unit is None:
        time_unit, why = lay.infer_time_unit(values[:, time], path=where)
        how["time_unit"] = f"inferred: {why}"
    else:
        how["time_unit"] = "given (--time-unit)"
    check_plausible_rate(
        stream_rate_hz(values[:, time] * lay.TIME_UNITS[time_unit]),
        path=path,
        time_unit=time_unit,
        hint="Pass --time-unit s, ms or us to say the unit of the time column.",
    )
    acc_unit = spec.acc_unit
    if acc_unit is None:
        median = float(np.median(np.linalg.norm(values[:, list(acc)], axis=1)))
        acc_unit = lay.acc_unit_of(median)
        if acc_unit is None:
            raise UnitsError(
                f"cannot tell the acceleration unit (median magnitude {median:.3g} is "
                "neither about 1 g nor about 9.81 m/s^2)",
                path=path,
                hint="Check the --columns, or pass --acc-unit g or m/s2.",
            )
        how["acc_unit"] = f"inferred: median |acc| {median:.3g} (gravity)"
    else:
        how["acc_unit"] = "given (--acc-unit)"
    gyr_unit = spec.gyr_unit
    if gyr is not None:
        if gyr_unit is None:
            t_s = values[:, time] * lay.TIME_UNITS[time_unit]
            gyr_unit, why = lay.infer_gyr_unit(
                t_s, values[:, list(acc)], values[:, list(gyr)], path=where
            )
            how["gyr_unit"] = f"inferred: {why}"
        else:
            how["gyr_unit"] = "given (--gyr-unit)"
    else:
        gyr_unit = None
    return lay.Layout(time, acc, gyr, time_unit, acc_unit, gyr_unit, how)


def stale_rows(motion: np.ndarray) -> np.ndarray:
    """Bool mask of rows whose values all equal the previous row's (never the first row)."""
    x = np.asarray(motion, dtype=float)
    same = np.zeros(x.shape[0], dtype=bool)
    if x.shape[0] >= 2:
        same[1:] = (x[1:] == x[:-1]).all(axis=1)
    return same


def read_generic_csv(path: str | Path, spec: CsvImport | None = None) -> Recording:
    """Read a CSV from another sensor into a validated :class:`Recording`.

    See the module docs for the steps. ``spec`` holds what the user said; everything
    else is inferred and described in ``meta.extra["import"]``.

    Raises
    ------
    InputError
        One line naming the file, the line or column, and the option that fixes it.
    """
    from repscope.io.timebase import check_plausible_rate, stream_rate_hz

    spec = spec or CsvImport()
    p = check_input_file(path)
    cells, lines, n_malformed = _read_cells(p)
    first = [str(c) for c in cells.iloc[0]]
    has_header = spec.header
    if has_header is None:
        has_header = not all(_is_number(c) for c in first)
    if has_header:
        names = check_header_names(first, path=p)
        cells = cells.iloc[1:]
        lines = lines[1:]
    else:
        names = [f"column {j + 1}" for j in range(cells.shape[1])]
    if len(cells) < 2:
        raise InputError(
            f"only {len(cells)} data row(s)", path=p, hint="Record at least a few seconds."
        )
    label = csv_line_label(lines)
    numeric = _numeric_columns(cells)
    layout = _layout(numeric, spec, names, has_header, path=p)
    used = [layout.time, *layout.acc, *(layout.gyr or ())]
    labels = [names[j] for j in used]
    values = np.column_stack(
        [
            numeric[:, j]
            if not np.isnan(numeric[:, j]).all()
            else parse_float_column(  # names the first cell that is not a number
                cells.iloc[:, j].to_numpy(),
                column=names[j],
                row_label=label,
                path=p,
                hint=_HINT_LINES,
            )
            for j in used
        ]
    )
    check_finite_rows(values, labels, row_label=label, path=p, hint=_HINT_LINES)
    time_scale = lay.TIME_UNITS[layout.time_unit]
    per_second = 1.0 / time_scale  # divide, so that 2010 ms is exactly the double of 2.01 s
    stale = stale_rows(values[:, 1:])
    keep = ~stale
    kept = np.flatnonzero(keep)
    repeated = kept[1:][np.diff(values[kept, 0]) == 0]  # same time, other values
    keep[repeated] = False
    check_time_increasing(
        values[keep, 0],
        row_label=csv_line_label(lines[keep]),
        path=p,
        column=names[layout.time],
        scale_to_s=time_scale,
        hint=_HINT_LINES,
    )
    values = values[keep]
    time_s = (values[:, 0] - values[0, 0]) / per_second
    acc_g = values[:, 1:4] * lay.ACC_UNITS[layout.acc_unit]
    gyr_dps = values[:, 4:7] * lay.GYR_UNITS[layout.gyr_unit] if layout.gyr_unit else None
    rate = stream_rate_hz(time_s)
    check_plausible_rate(
        rate,
        path=p,
        time_unit=layout.time_unit,
        hint="Pass --time-unit s, ms or us to say the unit of the time column.",
    )
    extra: dict[str, Any] = {
        "import": {**layout.to_dict(names), "header": has_header},
        "rows_read": int(stale.size),
        "malformed_lines_removed": n_malformed,
        "stale_rows_removed": int(stale.sum()),
        "repeated_timestamps_removed": int(repeated.size),
        "time_origin_s": float(values[0, 0] / per_second),
        "sampling_rate_source": STREAM_RATE_SOURCE,
    }
    meta = RecordingMeta(sampling_rate_hz=rate, source=str(p), extra=extra)
    columns: dict[str, np.ndarray] = {TIME_COLUMN: time_s}
    columns.update({c: acc_g[:, i] for i, c in enumerate(ACC_COLUMNS)})
    if gyr_dps is not None:
        columns.update({c: gyr_dps[:, i] for i, c in enumerate(GYR_COLUMNS)})
    recording = Recording(pd.DataFrame(columns), meta)
    try:
        return recording.validate(path=str(p))
    except UnitsError as exc:
        raise UnitsError(
            f"{exc.problem} after reading {', '.join(labels[1:4])} as {layout.acc_unit}",
            path=p,
            hint="Check --columns and --acc-unit.",
        ) from None


def is_plain_number_row(cells: list[str]) -> bool:
    """Whether every cell of a CSV row is a number (a headerless numeric table)."""
    return (
        bool(cells)
        and all(_is_number(c.strip()) for c in cells)
        and not any(math.isnan(float(c)) for c in cells)
    )
