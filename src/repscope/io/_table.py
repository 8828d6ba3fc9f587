"""Shared checks for readers: files, text tables, numbers, missing values and time order.

Every reader turns its input into float arrays with the helpers here so that all formats
report bad input the same way: one :class:`~repscope.errors.InputError` naming the file,
the line (or row) and the column.

Row numbering conventions used in messages
------------------------------------------
* CSV files: ``line N`` counts physical lines of the file with the header as line 1, so
  the first data row is line 2 (what a text editor shows).
* Parquet files: ``row N`` counts data rows from 1.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from repscope.errors import InputError

CSV_LINE_HINT = "Line numbers count the header as line 1."
RowLabel = Callable[[int], str]

_MISSING_TEXT = frozenset({"", "nan", "NaN", "NAN", "NA", "N/A", "null", "NULL", "None"})


#: Peak memory of reading and analysing a recording, per byte of file (measured on a
#: 10,000 s, 100 Hz recording: CSV 48.6 MB -> 670 MB above the interpreter's own, 13.8x;
#: the same data as Parquet, 12.7 MB, 53x; docs/reliability.md), rounded up.
MEMORY_PER_FILE_BYTE: dict[str, float] = {".parquet": 64.0, ".pq": 64.0}
#: The same for text files (CSV and anything else).
MEMORY_PER_TEXT_BYTE = 16.0
#: Environment variable capping the memory repscope assumes it may use (MiB).
MEMORY_LIMIT_ENV = "REPSCOPE_MAX_MEMORY_MB"


def available_memory_bytes() -> int | None:
    """Return the memory this process can still use (bytes), None if unknown.

    The least of the machine's available memory, the cgroup limit left (containers) and
    ``$REPSCOPE_MAX_MEMORY_MB``.
    """
    candidates: list[int] = []
    env = os.environ.get(MEMORY_LIMIT_ENV)
    if env:
        with contextlib.suppress(ValueError):
            candidates.append(int(float(env) * 2**20))
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                candidates.append(int(line.split()[1]) * 1024)
    with contextlib.suppress(OSError, ValueError):
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            candidates.append(max(0, int(limit) - used))
    if not candidates:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return min(candidates) if candidates else None


def check_input_size(p: Path, size: int) -> None:
    """Refuse, before reading it, a file whose analysis would not fit in memory.

    The need is estimated as :data:`MEMORY_PER_FILE_BYTE` (Parquet) or
    :data:`MEMORY_PER_TEXT_BYTE` times the file size, and compared with
    :func:`available_memory_bytes`.
    """
    factor = MEMORY_PER_FILE_BYTE.get(p.suffix.lower(), MEMORY_PER_TEXT_BYTE)
    need = size * factor
    available = available_memory_bytes()
    if available is not None and need > available:
        raise InputError(
            f"the file ({size / 2**20:,.0f} MiB) is too large to analyse here: it needs "
            f"about {need / 2**30:,.1f} GiB of memory and {available / 2**30:,.1f} GiB is "
            "available",
            path=p,
            hint="Split it into shorter recordings (one per session or set), or use a "
            f"machine with more memory (${MEMORY_LIMIT_ENV} caps what repscope assumes).",
        )


def check_input_file(path: str | Path) -> Path:
    """Return ``path`` as a :class:`Path` after checking it is a non-empty regular file.

    A file too large to analyse in the memory available is refused before it is read
    (:func:`check_input_size`).
    """
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", path=p, hint="Check the path and the spelling.")
    if p.is_dir():
        raise InputError("is a folder, not a file", path=p, hint="Give the path of a file.")
    size = p.stat().st_size
    if size == 0:
        raise InputError("empty file", path=p, hint="The file holds no data; record again.")
    check_input_size(p, size)
    return p


def check_header_names(first: list[str], *, path: Path) -> list[str]:
    """Return the stripped header names; an empty or repeated name is an error naming it."""
    names = [c.strip() for c in first]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            where = "the line ends with a comma" if i == len(names) - 1 else "two commas in a row"
            raise InputError(
                f"column {i + 1} of the header has no name ({where})",
                path=path,
                where="line 1",
                hint="Name every column or remove the extra comma.",
            )
        if name in seen:
            raise InputError(
                f"column name {name!r} appears twice (columns {seen[name] + 1} and {i + 1})",
                path=path,
                where="line 1",
                hint="Rename or delete one of them.",
            )
        seen[name] = i
    return names


def csv_line_label(lines: np.ndarray) -> RowLabel:
    """Row label for CSV data rows: the physical line number (header is line 1)."""
    return lambda i: f"line {int(lines[i])}"


def parquet_row_label(i: int) -> str:
    """Row label for Parquet data rows, counted from 1."""
    return f"row {i + 1}"


def read_csv_strings(path: Path) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """Read a CSV file as strings.

    Returns
    -------
    header
        Column names, stripped of surrounding white space.
    table
        The cells as strings (missing cells are ``""``), one row per data line.
    lines
        For each row, its physical line number in the file (header = line 1).

    Trailing blank lines are dropped; a blank line inside the data is kept as a row of
    empty cells so that it is reported as missing values at its own line.
    """
    try:
        table = pd.read_csv(
            path,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            index_col=False,
        )
    except UnicodeDecodeError:
        raise InputError(
            "is not a text CSV file (cannot decode it as UTF-8)",
            path=path,
            hint="Give a CSV export or a .parquet file.",
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError("empty file", path=path, hint="The file holds no data.") from None
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split())
        detail = detail.removeprefix("Error tokenizing data. C error: ")
        raise InputError(
            f"malformed CSV ({detail})",
            path=path,
            hint="Every line must have as many fields as the header. " + CSV_LINE_HINT,
        ) from None
    table = table.fillna("")
    if len(table) == 0:
        raise InputError("empty file", path=path, hint="The file holds no data.")
    header = check_header_names([str(c) for c in table.iloc[0]], path=path)
    table = table.iloc[1:]
    table.columns = pd.Index(header)
    lines = np.arange(len(table), dtype=np.int64) + 2
    keep = len(table)
    while keep > 0 and all(not str(v).strip() for v in table.iloc[keep - 1]):
        keep -= 1  # trailing blank lines
    table = table.iloc[:keep]
    lines = lines[:keep]
    if len(table) == 0:
        raise InputError(
            "has a header but no data rows",
            path=path,
            hint="The recording is empty; record again.",
        )
    return header, table.reset_index(drop=True), lines


def parse_float_column(
    cells: Sequence[str] | np.ndarray,
    *,
    column: str,
    row_label: RowLabel,
    path: Path | str | None,
    hint: str = CSV_LINE_HINT,
) -> np.ndarray:
    """Convert text cells to float64 exactly (shortest-repr round trip).

    Empty cells and the usual spellings of "not available" become NaN (reported later,
    with the run length, by :func:`check_finite_rows`). Anything else that is not a number
    raises :class:`InputError` naming its row.
    """
    raw = np.asarray(cells, dtype=object)
    try:  # fast path: every cell is a plain number (float() accepts surrounding spaces)
        return np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        pass
    text = np.array([str(c).strip() for c in raw], dtype=object)
    missing = np.isin(text, list(_MISSING_TEXT))
    text[missing] = "nan"
    try:
        return np.asarray(text, dtype=np.float64)
    except (TypeError, ValueError):
        pass
    for i, cell in enumerate(text):
        try:
            float(cell)
        except (TypeError, ValueError):
            raise InputError(
                f"{raw[i]!r} is not a number",
                path=path,
                where=f"{row_label(i)}, column {column}",
                hint=f"Fix or delete the row. {hint}",
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def check_finite_rows(
    values: np.ndarray,
    columns: Sequence[str],
    *,
    row_label: RowLabel,
    path: Path | str | None,
    allow_gaps: bool = False,
    hint: str = CSV_LINE_HINT,
) -> None:
    """Raise :class:`InputError` on the first run of rows with NaN or infinite values.

    ``values`` holds the time in column 0 and the sensor values after it. With
    ``allow_gaps``, rows whose sensor values are *all* NaN (and whose time is finite) are
    accepted: that is how a resampled recording marks a gap.
    """
    finite = np.isfinite(values)
    bad = ~finite.all(axis=1)
    if allow_gaps and values.shape[1] > 1:
        gap_rows = np.isnan(values[:, 1:]).all(axis=1) & finite[:, 0]
        bad &= ~gap_rows
    if not bad.any():
        return
    start = int(np.flatnonzero(bad)[0])
    after = np.flatnonzero(~bad[start:])
    length = int(after[0]) if after.size else int(bad.size - start)
    col_index = int(np.flatnonzero(~finite[start])[0])
    column = columns[col_index]
    value = values[start, col_index]
    if np.isinf(value):
        problem = f"{column} is infinite"
    elif length == 1:
        problem = f"missing value (NaN or empty) in {column}"
    else:
        problem = f"missing values (NaN or empty) in {length} consecutive rows starting here"
    raise InputError(
        problem,
        path=path,
        where=f"{row_label(start)}, column {column}",
        hint=f"Repair or delete the rows with missing values. {hint}",
    )


def check_time_increasing(
    time_s: np.ndarray,
    *,
    row_label: RowLabel,
    path: Path | str | None,
    column: str = "time_s",
    scale_to_s: float = 1.0,
    hint: str = CSV_LINE_HINT,
) -> None:
    """Raise :class:`InputError` at the first row whose time repeats or goes backwards."""
    dt = np.diff(time_s)
    bad = np.flatnonzero(~(dt > 0))
    if bad.size == 0:
        return
    row = int(bad[0]) + 1
    before = float(time_s[row - 1]) * scale_to_s
    now = float(time_s[row]) * scale_to_s
    if dt[row - 1] == 0:
        problem = f"time repeats ({column} = {_fmt_time(now)} s on two rows)"
    else:
        problem = f"time goes backwards ({_fmt_time(now)} s after {_fmt_time(before)} s)"
    raise InputError(
        problem,
        path=path,
        where=f"{row_label(row)}, column {column}",
        hint=f"Sort the rows by time and remove duplicates. {hint}",
    )


def _fmt_time(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.6f}".rstrip("0").rstrip(".") if abs(value) < 1e9 else f"{value:.3f}"
