"""Tell the format of a recording file from its content.

* ``"parquet"``: the file starts with the Parquet magic bytes ``PAR1``.
* ``"csv"``: a text file whose header names the project columns (``time_s``, ``acc_*_g``,
  ...), see :mod:`repscope.io.project_csv`.
* ``"metamotion"``: a text file whose header is a MetaMotion / MetaBase export
  (``epoch (ms)`` or ``epoc (ms)`` or ``elapsed (s)``, then ``x-axis (g)`` or
  ``x-axis (deg/s)``), see :mod:`repscope.io.metamotion`.
* ``"generic"``: a text file whose first line is all numbers (a table from another
  sensor without a header), see :mod:`repscope.io.generic_csv`. A CSV with a header of
  other names is read this way only when the user names its columns.

The extension is only used to word the error message when the content matches nothing.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from repscope.errors import InputError
from repscope.io._table import check_input_file
from repscope.io.generic_csv import is_plain_number_row
from repscope.recording import ALL_COLUMNS

FORMATS: tuple[str, ...] = ("csv", "parquet", "metamotion", "generic")
PARQUET_MAGIC = b"PAR1"

_METAMOTION_TIME = re.compile(r"^(epoch|epoc) \(ms\)$|^elapsed \(s\)$")
_METAMOTION_AXIS = re.compile(r"^[xyz]-axis \((g|deg/s)\)$")


def read_header(path: Path, *, max_bytes: int = 65536) -> list[str]:
    """Return the stripped column names of a CSV file's first line."""
    with path.open("rb") as handle:
        head = handle.read(max_bytes)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by max_bytes
            raise InputError(
                "is neither a Parquet file nor a UTF-8 CSV file",
                path=path,
                hint="Give a .csv, a MetaMotion CSV export or a .parquet file.",
            ) from None
        text = head[: exc.start].decode("utf-8-sig")
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise InputError("empty file (no header line)", path=path, hint="Record again.")
    return [c.strip() for c in next(csv.reader(io.StringIO(first)))]


def is_metamotion_header(header: list[str]) -> bool:
    """Whether ``header`` looks like a MetaMotion / MetaBase CSV export."""
    return any(_METAMOTION_TIME.match(c) for c in header) and any(
        _METAMOTION_AXIS.match(c) for c in header
    )


def detect_format(path: str | Path) -> str:
    """Return ``"csv"``, ``"parquet"`` or ``"metamotion"`` from the file's content.

    Raises
    ------
    InputError
        If the file is missing, empty or in none of these formats.
    """
    p = check_input_file(path)
    with p.open("rb") as handle:
        magic = handle.read(4)
    if magic == PARQUET_MAGIC:
        return "parquet"
    header = read_header(p)
    if is_metamotion_header(header):
        return "metamotion"
    if any(name in ALL_COLUMNS for name in header):
        return "csv"
    if is_plain_number_row(header):
        return "generic"
    shown = ",".join(header)[:80]
    raise InputError(
        f"unknown file format (header {shown!r})",
        path=p,
        where="line 1",
        hint="repscope reads its own CSV (time_s,acc_x_g,...), MetaMotion CSV exports, "
        ".parquet files and headerless numeric CSVs; for a CSV with other column names "
        "pass --columns TIME,AX,AY,AZ[,GX,GY,GZ] (see --help).",
    )
