"""The training-history database schema and its migrations.

The history is one SQLite file. Its schema version is SQLite's ``PRAGMA user_version``
(0 for a new, empty file); :data:`MIGRATIONS` is the ordered list of steps, and step ``k``
(1-based) takes a database from version ``k - 1`` to ``k``. Opening a database applies the
missing steps in order, each in its own transaction, so an old file is upgraded in place
and an interrupted upgrade leaves it at the last complete version. A file whose version is
higher than :data:`SCHEMA_VERSION` was written by a newer repscope and is refused.

A migration is frozen once released: its column lists are written out here rather than
imported from :mod:`repscope.analysis`, so that a later change to the analysis tables
cannot change what an old step does. When the analysis gains a column, add a step that
adds it with ``ALTER TABLE ... ADD COLUMN`` (a test checks that every documented column
has a place in the current schema).

Versions
--------
1
    ``sessions`` (the columns of :data:`repscope.analysis.session.SESSION_COLUMNS` plus
    ``added_utc``), ``sets`` and ``reps`` (the columns of
    :data:`repscope.analysis.tables.SET_COLUMNS` and ``REP_COLUMNS``, each row keyed by
    ``session_id``; deleting a session deletes its sets and reps).
2
    ``sessions.date``: the UTC calendar date (``YYYY-MM-DD``) of ``start_time_utc``, filled
    in for existing rows; indexes for the athlete / exercise / date filters.
3
    ``sets.confidence``, ``sets.confidence_reasons``, ``reps.confidence`` and
    ``reps.confidence_reasons``: how sure the analysis is of each rep and set, and why
    (NULL in rows added before).
4
    Velocity-based training: ``reps.mean_propulsive_velocity_mps``, ``reps.load_kg``,
    ``reps.mean_concentric_power_w``, ``reps.peak_concentric_power_w``, ``sets.load_kg``,
    ``sets.best_mpv_mps``, ``sets.estimated_rir``, ``sets.estimated_rir_low``,
    ``sets.estimated_rir_high`` and ``sets.estimated_rir_note`` (NULL in rows added
    before).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone

#: ``PRAGMA application_id`` of a repscope history ("RpSc" in ASCII).
APPLICATION_ID = 0x52705363

_SESSION_V1: tuple[tuple[str, str], ...] = (
    ("session_id", "TEXT PRIMARY KEY NOT NULL"),
    ("source_path", "TEXT"),
    ("content_sha256", "TEXT"),
    ("athlete", "TEXT"),
    ("exercise", "TEXT"),
    ("load_kg", "REAL"),
    ("placement", "TEXT"),
    ("device", "TEXT"),
    ("start_time_utc", "TEXT"),
    ("duration_s", "REAL"),
    ("sampling_rate_hz", "REAL"),
    ("n_sets", "INTEGER"),
    ("n_reps", "INTEGER"),
    ("repscope_version", "TEXT"),
    ("provenance_json", "TEXT"),
    ("added_utc", "TEXT NOT NULL"),
)

_FLAGS_V1 = ("rushed_negative", "bounce", "partial_rom", "grind", "swing", "jerky", "tempo_off")

_SET_V1: tuple[tuple[str, str], ...] = (
    ("set", "INTEGER NOT NULL"),
    ("start_s", "REAL"),
    ("end_s", "REAL"),
    ("n_reps", "INTEGER"),
    ("exercise", "TEXT"),
    ("mean_eccentric_s", "REAL"),
    ("mean_bottom_pause_s", "REAL"),
    ("mean_concentric_s", "REAL"),
    ("mean_top_pause_s", "REAL"),
    ("cv_eccentric", "REAL"),
    ("cv_bottom_pause", "REAL"),
    ("cv_concentric", "REAL"),
    ("cv_top_pause", "REAL"),
    ("tempo_code", "TEXT"),
    ("tempo_consistency", "REAL"),
    ("mean_rom_m", "REAL"),
    ("cv_rom", "REAL"),
    ("best_mcv_mps", "REAL"),
    ("last_mcv_mps", "REAL"),
    ("velocity_loss", "REAL"),
    ("fatigue_slope_mps_per_rep", "REAL"),
    ("n_flagged_reps", "INTEGER"),
    *((f"n_{flag}", "INTEGER") for flag in _FLAGS_V1),
    ("verdict", "TEXT"),
    ("verdict_reasons", "TEXT"),
)

_REP_V1: tuple[tuple[str, str], ...] = (
    ("set", "INTEGER NOT NULL"),
    ("rep", "INTEGER NOT NULL"),
    ("start_s", "REAL"),
    ("end_s", "REAL"),
    ("eccentric_s", "REAL"),
    ("bottom_pause_s", "REAL"),
    ("concentric_s", "REAL"),
    ("top_pause_s", "REAL"),
    ("rom_m", "REAL"),
    ("mean_concentric_velocity_mps", "REAL"),
    ("peak_concentric_velocity_mps", "REAL"),
    ("time_under_tension_s", "REAL"),
    ("peak_turnaround_acc_mps2", "REAL"),
    ("eccentric_arrival_ratio", "REAL"),
    ("ldlj", "REAL"),
    ("sparc", "REAL"),
    ("velocity_loss", "REAL"),
    ("horizontal_excursion_m", "REAL"),
    ("rotation_deg", "REAL"),
    ("flags", "TEXT"),
    ("flag_reasons", "TEXT"),
)


def _columns_sql(columns: tuple[tuple[str, str], ...]) -> str:
    return ",\n    ".join(f'"{name}" {kind}' for name, kind in columns)


def utc_date(start_time_utc: str | None) -> str | None:
    """Return the UTC calendar date ``YYYY-MM-DD`` of an ISO 8601 time, or None.

    A time without a UTC offset is taken as UTC (the metadata field is documented as
    UTC); a time that cannot be read gives None rather than a wrong date.
    """
    if not start_time_utc:
        return None
    text = str(start_time_utc).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date().isoformat()


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute(f"CREATE TABLE sessions (\n    {_columns_sql(_SESSION_V1)}\n)")
    conn.execute(
        "CREATE TABLE sets (\n"
        '    "session_id" TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,\n'
        f"    {_columns_sql(_SET_V1)},\n"
        '    PRIMARY KEY ("session_id", "set")\n)'
    )
    conn.execute(
        "CREATE TABLE reps (\n"
        '    "session_id" TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,\n'
        f"    {_columns_sql(_REP_V1)},\n"
        '    PRIMARY KEY ("session_id", "set", "rep")\n)'
    )


def _v2(conn: sqlite3.Connection) -> None:
    conn.create_function("repscope_utc_date", 1, utc_date, deterministic=True)
    conn.execute('ALTER TABLE sessions ADD COLUMN "date" TEXT')
    conn.execute('UPDATE sessions SET "date" = repscope_utc_date(start_time_utc)')
    conn.execute(
        'CREATE INDEX sessions_athlete_exercise_date ON sessions(athlete, exercise, "date")'
    )
    conn.execute('CREATE INDEX sessions_date ON sessions("date")')


_CONFIDENCE_V3: tuple[tuple[str, str], ...] = (
    ("confidence", "TEXT"),
    ("confidence_reasons", "TEXT"),
)


def _v3(conn: sqlite3.Connection) -> None:
    for table in ("sets", "reps"):
        for name, kind in _CONFIDENCE_V3:
            conn.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {kind}')


_VBT_REP_V4: tuple[tuple[str, str], ...] = (
    ("mean_propulsive_velocity_mps", "REAL"),
    ("load_kg", "REAL"),
    ("mean_concentric_power_w", "REAL"),
    ("peak_concentric_power_w", "REAL"),
)
_VBT_SET_V4: tuple[tuple[str, str], ...] = (
    ("load_kg", "REAL"),
    ("best_mpv_mps", "REAL"),
    ("estimated_rir", "REAL"),
    ("estimated_rir_low", "REAL"),
    ("estimated_rir_high", "REAL"),
    ("estimated_rir_note", "TEXT"),
)


def _v4(conn: sqlite3.Connection) -> None:
    for table, columns in (("sets", _VBT_SET_V4), ("reps", _VBT_REP_V4)):
        for name, kind in columns:
            conn.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {kind}')


#: Ordered migration steps; step ``k`` (1-based) upgrades version ``k - 1`` to ``k``.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3, _v4)

#: The schema version this repscope writes.
SCHEMA_VERSION = len(MIGRATIONS)

#: SQL type of every column of the current schema, per table (for reading tables back
#: with the right dtypes).
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "sessions": {
        **{name: kind.split()[0] for name, kind in _SESSION_V1},
        "date": "TEXT",
    },
    "sets": {
        "session_id": "TEXT",
        **{name: kind.split()[0] for name, kind in (*_SET_V1, *_CONFIDENCE_V3, *_VBT_SET_V4)},
    },
    "reps": {
        "session_id": "TEXT",
        **{name: kind.split()[0] for name, kind in (*_REP_V1, *_CONFIDENCE_V3, *_VBT_REP_V4)},
    },
}


def schema_version(conn: sqlite3.Connection) -> int:
    """Return the database's ``PRAGMA user_version``."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply the missing migration steps up to ``target`` and return the versions reached.

    Each step runs in its own transaction together with the ``user_version`` update, so a
    failure leaves the database at the previous version. The caller checks beforehand that
    the database is not newer than this repscope.
    """
    done: list[int] = []
    current = schema_version(conn)
    for version in range(current + 1, target + 1):
        step = MIGRATIONS[version - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        done.append(version)
    return done
