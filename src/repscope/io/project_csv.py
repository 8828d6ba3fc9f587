"""The project's own CSV format: one sample table plus a JSON metadata sidecar.

``session.csv``::

    time_s,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps
    0.0,0.012,-0.998,0.031,0.4,-1.2,0.05
    ...

The three gyroscope columns are optional (all three or none); columns may come in any
order. Values are written with Python's shortest round-trip representation, so a file
written by :func:`write_project_csv` reads back bit for bit. Rows of a resampled recording
that fall in a gap are written with empty sensor cells.

``session.json`` (the sidecar, same stem) holds :meth:`RecordingMeta.to_dict` plus
``"format": "repscope-recording"`` and ``"format_version": 1``. Without a sidecar the CSV is
still read: the nominal rate is inferred from the median sample interval (see
:func:`repscope.io.timebase.infer_sampling_rate_hz`) and
``meta.extra["sampling_rate_source"]`` says so.
"""

from __future__ import annotations

import json
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
from repscope.io.timebase import (
    check_declared_rate,
    check_plausible_rate,
    infer_sampling_rate_hz,
)
from repscope.recording import (
    ACC_COLUMNS,
    ALL_COLUMNS,
    GYR_COLUMNS,
    TIME_COLUMN,
    Recording,
    RecordingMeta,
)

FORMAT_NAME = "repscope-recording"
FORMAT_VERSION = 1
INFERRED_RATE_SOURCE = "inferred from timestamps"
TIME_UNIT_HINT = (
    "time_s must be in seconds; to read another unit pass --time-unit ms (or us), "
    "which reads the file as a CSV from another sensor."
)


def sidecar_path(csv_path: str | Path) -> Path:
    """Return the metadata sidecar of a CSV file (``session.csv`` -> ``session.json``)."""
    return Path(csv_path).with_suffix(".json")


def check_project_columns(header: list[str], *, path: Path | str | None) -> list[str]:
    """Check a project table's column names; return them in canonical order."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(f"column {name!r} appears twice", path=path, where="header")
        seen.add(name)
        if name not in ALL_COLUMNS:
            raise InputError(
                f"unknown column {name!r}",
                path=path,
                where="header",
                hint=f"Allowed columns: {', '.join(ALL_COLUMNS)}.",
            )
    for name in (TIME_COLUMN, *ACC_COLUMNS):
        if name not in seen:
            raise InputError(
                f"missing column {name!r}",
                path=path,
                where="header",
                hint=f"A recording needs the columns {', '.join((TIME_COLUMN, *ACC_COLUMNS))}.",
            )
    gyr = [c for c in GYR_COLUMNS if c in seen]
    if gyr and len(gyr) != 3:
        absent = next(c for c in GYR_COLUMNS if c not in seen)
        raise InputError(
            f"missing column {absent!r}",
            path=path,
            where="header",
            hint="Give all three gyroscope columns or none.",
        )
    return [c for c in ALL_COLUMNS if c in seen]


def is_resampled(meta: RecordingMeta | None) -> bool:
    """Whether ``meta`` belongs to a recording made by ``resample_uniform`` (may hold gaps)."""
    return meta is not None and "resampled_from_hz" in meta.extra


def meta_to_json_dict(meta: RecordingMeta) -> dict[str, Any]:
    """Return the sidecar / embedded-metadata document for ``meta``."""
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **meta.to_dict()}


def meta_to_json_text(meta: RecordingMeta, *, path: Path | str | None = None) -> str:
    """Serialise ``meta`` as the sidecar JSON text (numpy scalars become plain numbers)."""

    def convert(value: Any) -> Any:
        if isinstance(value, np.generic | np.ndarray):
            return value.tolist()
        if isinstance(value, Path):
            return str(value)
        raise TypeError(type(value).__name__)

    try:
        return json.dumps(meta_to_json_dict(meta), indent=2, default=convert, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"metadata cannot be written as JSON ({exc})",
            path=path,
            hint="Keep 'extra' to strings, finite numbers, lists and objects.",
        ) from None


def meta_from_json_text(text: str, *, path: Path | str) -> RecordingMeta:
    """Parse a sidecar / embedded-metadata document into :class:`RecordingMeta`."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON metadata ({exc.msg})",
            path=path,
            where=f"line {exc.lineno}, column {exc.colno}",
            hint="Fix the JSON syntax or delete the file to infer the metadata.",
        ) from None
    if not isinstance(document, dict):
        raise InputError(
            "metadata must be a JSON object", path=path, hint="Write it as {...} with fields."
        )
    document = dict(document)
    fmt = document.pop("format", FORMAT_NAME)
    if fmt != FORMAT_NAME:
        raise InputError(
            f"metadata declares format {fmt!r}, expected {FORMAT_NAME!r}",
            path=path,
            where="field format",
        )
    version = document.pop("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise InputError(
            f"unsupported format_version {version!r} (this repscope reads version "
            f"{FORMAT_VERSION})",
            path=path,
            where="field format_version",
            hint="Upgrade repscope or rewrite the file with this version.",
        )
    return RecordingMeta.from_dict(document, path=str(path))


def read_project_csv(path: str | Path, *, allow_gaps: bool = False) -> Recording:
    """Read a project CSV (and its sidecar) into a validated :class:`Recording`.

    Parameters
    ----------
    path
        The ``.csv`` file.
    allow_gaps
        Accept rows whose sensor cells are all empty (gaps of a resampled recording).
        Always on when the sidecar marks the recording as resampled
        (``extra["resampled_from_hz"]``); otherwise empty rows are an error.

    Raises
    ------
    InputError
        On every problem with the file or its sidecar, naming the line and column.
    """
    p = check_input_file(path)
    header, table, lines = read_csv_strings(p)
    columns = check_project_columns(header, path=p)
    label = csv_line_label(lines)
    values = np.column_stack(
        [
            parse_float_column(table[c].to_numpy(), column=c, row_label=label, path=p)
            for c in columns
        ]
    )
    side = sidecar_path(p)
    sidecar_meta = meta_from_json_text(_read_text(side), path=side) if side.exists() else None
    allow_gaps = allow_gaps or is_resampled(sidecar_meta)
    check_finite_rows(values, columns, row_label=label, path=p, allow_gaps=allow_gaps)
    check_time_increasing(values[:, 0], row_label=label, path=p)
    if sidecar_meta is not None:
        meta = sidecar_meta
        check_declared_rate(
            meta.sampling_rate_hz, values[:, 0], path=p, source=f"sidecar {side.name}"
        )
    else:
        if len(values) < 2:
            raise InputError(
                f"only {len(values)} sample(s) and no sidecar {side.name} to give the rate",
                path=p,
                hint="Record at least a few seconds of data.",
            )
        rate = infer_sampling_rate_hz(values[:, 0])
        check_plausible_rate(rate, path=p, hint=TIME_UNIT_HINT)
        meta = RecordingMeta(
            sampling_rate_hz=rate,
            source=str(p),
            extra={"sampling_rate_source": INFERRED_RATE_SOURCE},
        )
    data = pd.DataFrame({c: values[:, i] for i, c in enumerate(columns)})
    return Recording(data, meta).validate(path=str(p), allow_gaps=allow_gaps)


def write_project_csv(recording: Recording, path: str | Path) -> list[Path]:
    """Write ``recording`` as ``path`` (CSV) plus its JSON sidecar; return both paths.

    The recording is validated first (gap rows only if resampled), so a file this writes
    always reads back. Floats are written in shortest round-trip form: reading the file
    gives back exactly the same float64 values.
    """
    p = Path(path)
    recording.validate(path=str(p), allow_gaps=is_resampled(recording.meta))
    text = meta_to_json_text(recording.meta, path=sidecar_path(p))
    p.parent.mkdir(parents=True, exist_ok=True)
    columns = recording.columns()
    frame = recording.data[columns].astype(np.float64)
    frame.to_csv(p, index=False, na_rep="", lineterminator="\n")
    side = sidecar_path(p)
    side.write_text(text + "\n", encoding="utf-8")
    return [p, side]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "metadata is not UTF-8 text", path=path, hint="Save the sidecar as UTF-8 JSON."
        ) from None
    except OSError as exc:  # permission denied, a folder in its place, an I/O error
        raise InputError(
            f"cannot read the metadata sidecar: {exc.strerror or exc}",
            path=path,
            hint="Make it a readable file, or move it away to read the CSV without it.",
        ) from None


__all__ = [
    "CSV_LINE_HINT",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "INFERRED_RATE_SOURCE",
    "check_project_columns",
    "is_resampled",
    "meta_from_json_text",
    "meta_to_json_dict",
    "meta_to_json_text",
    "read_project_csv",
    "sidecar_path",
    "write_project_csv",
]
