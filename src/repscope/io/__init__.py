"""Read and write recordings, and check their timebase.

Formats (details in ``docs/file-formats.md``):

* ``"csv"``: the project CSV plus JSON sidecar (:mod:`repscope.io.project_csv`);
* ``"parquet"``: float64 columns with metadata in the file (:mod:`repscope.io.parquet`);
* ``"metamotion"``: MbientLab MetaMotion / MetaBase CSV exports, one file per sensor,
  read only (:mod:`repscope.io.metamotion`);
* ``"generic"``: a CSV from any other sensor, columns and units given
  (:class:`~repscope.io.generic_csv.CsvImport`) or told from physics, read only
  (:mod:`repscope.io.generic_csv`).

Readers detect the format from the content, not the extension, and always return a
validated :class:`~repscope.recording.Recording`. Every problem with a file is raised as
:class:`~repscope.errors.InputError` whose message is one line naming the file and the
line or field.
"""

from __future__ import annotations

from pathlib import Path

from repscope.errors import InputError, TooShortError
from repscope.io.detect import FORMATS, detect_format
from repscope.io.generic_csv import CsvImport, read_generic_csv
from repscope.io.parquet import read_parquet, write_parquet
from repscope.io.project_csv import read_project_csv, sidecar_path, write_project_csv
from repscope.io.timebase import (
    TimebaseReport,
    gap_mask,
    infer_sampling_rate_hz,
    resample_uniform,
    timebase_report,
)
from repscope.recording import Recording

WRITE_FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

#: Defaults of :func:`ensure_analysable`.
MIN_DURATION_S = 5.0
MIN_SAMPLES = 50


def _check_format_name(fmt: str, allowed: tuple[str, ...]) -> str:
    name = fmt.lower().lstrip(".")
    if name not in allowed:
        raise InputError(f"unknown format {fmt!r}", hint=f"Use one of: {', '.join(allowed)}.")
    return name


def read_recording(
    path: str | Path,
    *,
    format: str | None = None,
    allow_gaps: bool = False,
    csv_import: CsvImport | None = None,
) -> Recording:
    """Read a recording file into a validated :class:`Recording`.

    Parameters
    ----------
    path
        A project CSV (with or without its ``.json`` sidecar), a Parquet file, or a
        MetaMotion accelerometer or gyroscope CSV export (its partner file is found
        automatically).
    format
        ``"csv"``, ``"parquet"`` or ``"metamotion"``; detected from the content when
        ``None`` (see :func:`detect_format`).
    allow_gaps
        Accept rows whose sensor values are all missing (gaps). Files written from a
        :func:`resample_uniform` result are marked as resampled in their metadata and
        accept such rows without this flag; in any other file they are an error.
    csv_import
        Columns and units of a CSV from another sensor; when given, the file is read as
        ``"generic"`` whatever its header (see :mod:`repscope.io.generic_csv`).

    Raises
    ------
    InputError
        One line naming the file and the row or field at fault.
    """
    if csv_import is not None:
        fmt = "generic"
    else:
        fmt = detect_format(path) if format is None else _check_format_name(format, FORMATS)
    if fmt == "generic":
        return read_generic_csv(path, csv_import)
    if fmt == "csv":
        return read_project_csv(path, allow_gaps=allow_gaps)
    if fmt == "parquet":
        return read_parquet(path, allow_gaps=allow_gaps)
    from repscope.io.metamotion import read_metamotion

    return read_metamotion(path)


def write_recording(
    recording: Recording, path: str | Path, *, format: str | None = None
) -> list[Path]:
    """Write ``recording`` and return the files written.

    Parameters
    ----------
    recording
        The recording; it is validated first. Gap rows (all sensor values NaN) are
        allowed only in a :func:`resample_uniform` result, whose metadata says so.
    path
        Output file. Missing parent folders are created.
    format
        ``"csv"`` (writes ``path`` and the sidecar ``path.with_suffix(".json")``) or
        ``"parquet"``; taken from the extension (``.csv``, ``.parquet``) when ``None``.
    """
    p = Path(path)
    if format is None:
        fmt = WRITE_FORMATS.get(p.suffix.lower())
        if fmt is None:
            raise InputError(
                f"cannot tell the output format from the extension {p.suffix or '(none)'!r}",
                path=p,
                hint="Name the file .csv or .parquet, or give the format.",
            )
    else:
        fmt = _check_format_name(format, ("csv", "parquet"))
    if fmt == "csv":
        return write_project_csv(recording, p)
    return write_parquet(recording, p)


def ensure_analysable(
    recording: Recording,
    *,
    path: str | Path | None = None,
    min_duration_s: float = MIN_DURATION_S,
    min_samples: int = MIN_SAMPLES,
) -> Recording:
    """Raise :class:`TooShortError` unless the recording is long enough to analyse.

    A set of even one rep lasts a few seconds; below ``min_duration_s`` or
    ``min_samples`` the filters and segmenters have too little signal to work with.
    Returns the recording unchanged so calls can be chained.
    """
    n = recording.n_samples
    duration = recording.duration_s
    if n < min_samples or duration < min_duration_s:
        raise TooShortError(
            f"recording is too short to analyse ({duration:.2f} s, {n} samples; "
            f"need at least {min_duration_s:g} s and {min_samples} samples)",
            path=path,
            hint="Record the whole set, with a few seconds of rest before and after.",
        )
    return recording


__all__ = [
    "FORMATS",
    "MIN_DURATION_S",
    "MIN_SAMPLES",
    "CsvImport",
    "TimebaseReport",
    "detect_format",
    "ensure_analysable",
    "gap_mask",
    "infer_sampling_rate_hz",
    "read_recording",
    "resample_uniform",
    "sidecar_path",
    "timebase_report",
    "write_recording",
]
