"""The work done for one file, in a worker process (or on a Dask worker).

:func:`analyse_file` reads one recording, analyses it and returns only the small result
tables (session row, sets, reps) as Arrow tables with the schemas of
:mod:`repscope.batch.schema`. The per-sample traces of the analysis stay in the worker:
for a one-hour recording they are hundreds of thousands of rows, the rep table a few
hundred.

It never raises: a file that cannot be analysed comes back as a :class:`FileResult`
with ``error`` set, so one bad file cannot stop a batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from repscope.batch.schema import REP_SESSION_COLUMNS, SCHEMAS, SET_SESSION_COLUMNS
from repscope.errors import InputError
from repscope.io.generic_csv import CsvImport


@dataclass(frozen=True)
class FileJob:
    """What a worker needs to analyse one file.

    Attributes
    ----------
    path
        Absolute path the worker opens (workers may run in another folder).
    source_path
        The path as discovered, written to the ``source_path`` column.
    content_sha256
        :func:`repscope.analysis.session.file_sha256` of the file, computed by the driver.
    placement, exercise, tempo
        Analysis options applied to every file; ``None`` takes them from the metadata.
    csv_import
        Columns and units of CSVs from another sensor (``--columns`` ...), or ``None``.
    """

    path: str
    source_path: str
    content_sha256: str
    placement: str | None = None
    exercise: str | None = None
    tempo: str | None = None
    csv_import: CsvImport | None = None


@dataclass
class FileResult:
    """Result of :func:`analyse_file`.

    Attributes
    ----------
    source_path
        As in the job.
    session
        The session row (:data:`repscope.analysis.session.SESSION_COLUMNS`), ``None`` on error.
    sessions, sets, reps
        One-row session table and the set and rep tables with the session columns in
        front, as Arrow tables (schemas in :mod:`repscope.batch.schema`); ``None`` on error.
    error
        One-line reason the file could not be analysed, ``None`` when it was.
    internal
        True when the reason is an unexpected exception (a repscope bug), not bad input.
    elapsed_s
        Wall time the worker spent on the file.
    cpu_s
        CPU time of the worker's thread on the file (without waiting for a core).
    """

    source_path: str
    session: dict[str, Any] | None = None
    sessions: pa.Table | None = None
    sets: pa.Table | None = None
    reps: pa.Table | None = None
    error: str | None = None
    internal: bool = False
    elapsed_s: float = 0.0
    cpu_s: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the file was analysed."""
        return self.error is None


def _session_value(value: Any, type_: pa.DataType) -> Any:
    """Convert a session value to the column's type (metadata may hold ints for floats)."""
    if value is None:
        return None
    if pa.types.is_string(type_):
        return str(value)
    if pa.types.is_floating(type_):
        return float(value)
    return int(value)


def _to_table(
    frame: pd.DataFrame, session: dict[str, Any], prefix: tuple[str, ...], table: str
) -> pa.Table:
    """``prefix`` columns repeated from the session, then the frame's columns, typed.

    Built column by column (not with ``pa.Table.from_pandas`` on a widened frame, which
    cost more than the analysis of a short set). Missing floats (NaN) become nulls, as
    ``from_pandas`` would make them; rows are ordered by set (and rep).
    """
    schema = SCHEMAS[table]
    n = len(frame)
    keys = [k for k in ("set", "rep") if k in frame.columns]
    order = np.lexsort([frame[k].to_numpy() for k in reversed(keys)]) if n else np.arange(0)
    in_order = bool(np.all(order == np.arange(n)))
    columns = dict(frame.items())
    arrays = []
    for field in schema:
        if field.name in prefix:
            value = _session_value(session[field.name], field.type)
            arrays.append(pa.array([value] * n, type=field.type))
            continue
        values = columns[field.name]
        if not in_order:
            values = values.iloc[order]
        if n == 0:
            arrays.append(pa.array([], type=field.type))
        else:
            arrays.append(pa.array(values, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def result_tables(
    session: dict[str, Any], sets: pd.DataFrame, reps: pd.DataFrame
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Session, set and rep tables of one analysis, typed, rows sorted by set and rep."""
    schema = SCHEMAS["sessions"]
    sessions = pa.Table.from_pylist(
        [{f.name: _session_value(session[f.name], f.type) for f in schema}], schema=schema
    )
    return (
        sessions,
        _to_table(sets, session, SET_SESSION_COLUMNS, "sets"),
        _to_table(reps, session, REP_SESSION_COLUMNS, "reps"),
    )


def _reason(exc: InputError, path: str) -> str:
    """Return the error's line, without the file name when it names the analysed file."""
    if exc.path is not None and Path(exc.path) != Path(path):
        return exc.one_line()
    return InputError(exc.problem, where=exc.where, hint=exc.hint).one_line()


def analyse_file(job: FileJob) -> FileResult:
    """Read, check and analyse one recording; return its small tables or the reason it failed.

    Steps: :func:`repscope.io.read_recording` (format detected from the content),
    :func:`repscope.io.ensure_analysable`, :func:`repscope.analysis.analyze_recording`
    with the job's options, :func:`repscope.analysis.session.session_record`, then
    :func:`result_tables`. :class:`~repscope.errors.InputError` becomes the one-line
    reason; any other exception becomes ``internal error (<type>: <message>)``.
    """
    from repscope.analysis import analyze_recording
    from repscope.analysis.session import session_record
    from repscope.io import ensure_analysable, read_recording

    start = time.perf_counter()
    cpu_start = time.thread_time()
    try:
        recording = read_recording(job.path, csv_import=job.csv_import)
        ensure_analysable(recording, path=job.path)
        analysis = analyze_recording(
            recording, placement=job.placement, exercise=job.exercise, tempo=job.tempo
        )
        session = session_record(
            analysis, source_path=job.source_path, content_sha256=job.content_sha256
        )
        sessions, sets, reps = result_tables(session, analysis.sets, analysis.reps)
    except InputError as exc:
        return FileResult(
            job.source_path,
            error=_reason(exc, job.path),
            elapsed_s=time.perf_counter() - start,
            cpu_s=time.thread_time() - cpu_start,
        )
    except Exception as exc:  # one file's bug must not stop the batch
        message = " ".join(str(exc).split())[:200]
        return FileResult(
            job.source_path,
            error=f"internal error ({type(exc).__name__}: {message})",
            internal=True,
            elapsed_s=time.perf_counter() - start,
            cpu_s=time.thread_time() - cpu_start,
        )
    return FileResult(
        job.source_path,
        session=session,
        sessions=sessions,
        sets=sets,
        reps=reps,
        elapsed_s=time.perf_counter() - start,
        cpu_s=time.thread_time() - cpu_start,
    )
