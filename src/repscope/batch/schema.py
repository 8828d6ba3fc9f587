"""Columns and Arrow schemas of the three batch tables: sessions, sets and reps.

``sessions``
    One row per analysed recording: :data:`repscope.analysis.session.SESSION_COLUMNS`
    (session id, source path, content hash, athlete, exercise, load, placement, device,
    duration, sampling rate, counts, repscope version and the analysis provenance as JSON).
``sets``
    :data:`SET_SESSION_COLUMNS` (which session the row belongs to), then the set table
    of :mod:`repscope.analysis.tables` (``set``, ``n_reps``, mean tempo, verdict, ...).
``reps``
    :data:`REP_SESSION_COLUMNS`, then the rep table of :mod:`repscope.analysis.tables`
    (``set``, ``rep``, tempo phases, ``rom_m``, velocities, smoothness, flags).

Every row of ``sets`` and ``reps`` carries its session's identity and provenance, so a
table can be filtered and grouped (by athlete, exercise, load) without a join. The types
are fixed here rather than inferred from each result: an empty set table (a recording
with no reps) would otherwise give columns of a different type and the parts could not
be concatenated.
"""

from __future__ import annotations

import pyarrow as pa

from repscope.analysis.session import SESSION_COLUMNS
from repscope.analysis.tables import REP_COLUMNS, SET_COLUMNS

#: Session columns repeated on every row of ``reps`` (identity and provenance).
ROW_SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "source_path",
    "athlete",
    "exercise",
    "load_kg",
    "placement",
    "device",
    "start_time_utc",
    "sampling_rate_hz",
    "repscope_version",
)

#: Session columns repeated on every row of ``sets`` (the set table has its own
#: ``exercise`` and ``load_kg``, the set's load).
SET_SESSION_COLUMNS: tuple[str, ...] = tuple(c for c in ROW_SESSION_COLUMNS if c not in SET_COLUMNS)

#: Session columns repeated on every row of ``reps`` (the rep table has its own
#: ``load_kg``, the rep's set's load).
REP_SESSION_COLUMNS: tuple[str, ...] = tuple(c for c in ROW_SESSION_COLUMNS if c not in REP_COLUMNS)

#: Output column order of each table.
COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": SESSION_COLUMNS,
    "sets": (*SET_SESSION_COLUMNS, *SET_COLUMNS),
    "reps": (*REP_SESSION_COLUMNS, *REP_COLUMNS),
}

#: The three tables, in the order they are written.
TABLES: tuple[str, ...] = ("sessions", "sets", "reps")

_FLOAT_SESSION = frozenset({"load_kg", "duration_s", "sampling_rate_hz"})
_INT_SESSION = frozenset({"n_sets", "n_reps"})
_STRING_RESULT = frozenset(
    {
        "flags",
        "flag_reasons",
        "exercise",
        "tempo_code",
        "verdict",
        "verdict_reasons",
        "confidence",
        "confidence_reasons",
        "estimated_rir_note",
    }
)


def column_type(name: str) -> pa.DataType:
    """Arrow type of a column of any of the three tables.

    Session columns are strings except the load, duration, rate (float64) and the counts
    (int64). In the set and rep tables, ``set``, ``rep`` and ``n_*`` counts are int64,
    the flag, tempo-code, exercise, verdict and confidence columns strings, everything else
    float64.
    """
    if name in _FLOAT_SESSION:
        return pa.float64()
    if name in _INT_SESSION or name in ("set", "rep") or name.startswith("n_"):
        return pa.int64()
    if name in SESSION_COLUMNS or name in _STRING_RESULT:
        return pa.string()
    return pa.float64()


def table_schema(table: str) -> pa.Schema:
    """Arrow schema of ``"sessions"``, ``"sets"`` or ``"reps"`` (no pandas metadata)."""
    return pa.schema([pa.field(name, column_type(name)) for name in COLUMNS[table]])


SCHEMAS: dict[str, pa.Schema] = {name: table_schema(name) for name in TABLES}
