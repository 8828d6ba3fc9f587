"""The training history: analysed sessions, their sets and reps in one SQLite file.

Where it lives
--------------
:func:`default_history_path`: ``$REPSCOPE_HISTORY`` when set, else the per-user data
folder: ``$XDG_DATA_HOME/repscope/history.sqlite`` (``~/.local/share/repscope/`` when
``XDG_DATA_HOME`` is unset) on Linux and other Unix systems,
``~/Library/Application Support/repscope/history.sqlite`` on macOS and
``%LOCALAPPDATA%/repscope/history.sqlite`` on Windows. Every history command takes
``--db PATH`` to use another file.

What it holds
-------------
One row per session (a recording file, identified by the SHA-256 of its content, see
:mod:`repscope.analysis.session`), its sets and its reps, with the columns of the
analysis tables; the schema and its migrations are in :mod:`repscope.history.schema`.
Adding a session whose ``session_id`` is already present replaces it and its sets and
reps, in one transaction, so re-adding a file after a repscope upgrade updates it.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Mapping
from datetime import date, datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from repscope.analysis.session import SESSION_COLUMNS, file_sha256, session_record
from repscope.analysis.tables import REP_COLUMNS, SET_COLUMNS
from repscope.errors import InputError
from repscope.history.db_errors import (
    BUSY_TIMEOUT_S,
    database_error,
    sqlite_errors_as_input_errors,
)
from repscope.history.schema import (
    APPLICATION_ID,
    COLUMN_TYPES,
    SCHEMA_VERSION,
    migrate,
    schema_version,
    utc_date,
)
from repscope.history_path import default_history_path

if TYPE_CHECKING:
    from repscope.analysis.results import SessionAnalysis


#: Columns of :meth:`History.sessions`, in order.
SESSION_TABLE_COLUMNS: tuple[str, ...] = (*SESSION_COLUMNS, "date", "added_utc")
#: Columns of :meth:`History.sets`.
SET_TABLE_COLUMNS: tuple[str, ...] = ("session_id", *SET_COLUMNS)
#: Columns of :meth:`History.reps`.
REP_TABLE_COLUMNS: tuple[str, ...] = ("session_id", *REP_COLUMNS)


def parse_date(value: str | date | None, *, where: str) -> str | None:
    """Return ``value`` as ``YYYY-MM-DD`` or raise a one-line :class:`InputError`."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(
            f"{text!r} is not a date", where=where, hint="Write it as YYYY-MM-DD."
        ) from None


def _plain(value: Any) -> Any:
    """Return a value SQLite can store: Python scalars, None for NaN / NA (infinities stay)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (str, int, float)):
        return value
    if isinstance(value, Path):
        return str(value)
    return str(value)


def _quoted(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


class History:
    """An open training history (use :func:`open_history`).

    Readers return :class:`pandas.DataFrame` objects with the documented columns
    (:data:`SESSION_TABLE_COLUMNS`, :data:`SET_TABLE_COLUMNS`, :data:`REP_TABLE_COLUMNS`);
    every reader takes the same filters: ``athlete`` and ``exercise`` (exact match) and
    ``since`` / ``until`` (dates ``YYYY-MM-DD``, inclusive, on the session's UTC date; a
    session without a start time has no date and is left out when either is given).

    Use it as a context manager or call :meth:`close`. One instance may be shared by
    threads (writes are serialised); several processes may write to the same file (SQLite
    locking, waiting up to :data:`BUSY_TIMEOUT_S`). Every SQLite failure (a read-only or
    damaged file, a missing table) is raised as a one-line :class:`InputError` naming the
    file (:func:`database_error`).

    Attributes
    ----------
    last_add_replaced
        Whether the last :meth:`add_tables` replaced a session that was already there
        (decided inside its transaction, so it is true for concurrent writers too).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.Lock()
        self.last_add_replaced = False

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    @sqlite_errors_as_input_errors
    def schema_version(self) -> int:
        """The database's schema version (``PRAGMA user_version``)."""
        return schema_version(self._conn)

    # ------------------------------------------------------------------ writing
    @sqlite_errors_as_input_errors
    def add_tables(self, session: Mapping[str, Any], sets: pd.DataFrame, reps: pd.DataFrame) -> str:
        """Add one analysed session (replacing one with the same ``session_id``).

        Parameters
        ----------
        session
            The session row (:data:`repscope.analysis.session.SESSION_COLUMNS`, e.g. from
            :func:`~repscope.analysis.session.session_record`); a dict or a
            :class:`pandas.Series`.
        sets, reps
            The analysis's set and rep tables (columns of
            :mod:`repscope.analysis.tables`); a ``session_id`` column, if present, is
            ignored.

        Returns
        -------
        str
            The session id.

        Raises
        ------
        InputError
            When the session has no ``session_id`` or a table lacks a documented column.
            Nothing is written then.
        """
        row = dict(session.items())
        session_id = row.get("session_id")
        if not session_id or not isinstance(session_id, str):
            raise InputError("the session row has no session_id", where="session")
        missing = [c for c in SESSION_COLUMNS if c not in row]
        if missing:
            raise InputError(f"the session row lacks {missing[0]!r}", where="session")
        for name, frame, columns in (("set", sets, SET_COLUMNS), ("rep", reps, REP_COLUMNS)):
            absent = [c for c in columns if c not in frame.columns]
            if absent:
                raise InputError(f"the {name} table lacks column {absent[0]!r}", where=name)
        values = {c: _plain(row[c]) for c in SESSION_COLUMNS}
        values["date"] = utc_date(values["start_time_utc"])
        values["added_utc"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        set_rows = self._rows(sets, "sets", session_id)
        rep_rows = self._rows(reps, "reps", session_id)
        session_names = list(values)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                replaced = self._delete(session_id) > 0
                self._conn.execute(
                    f"INSERT INTO sessions ({_quoted(session_names)}) "
                    f"VALUES ({', '.join('?' * len(session_names))})",
                    [values[c] for c in session_names],
                )
                for table, (names, rows) in (("sets", set_rows), ("reps", rep_rows)):
                    if rows:
                        self._conn.executemany(
                            f"INSERT INTO {table} ({_quoted(names)}) "
                            f"VALUES ({', '.join('?' * len(names))})",
                            rows,
                        )
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            self.last_add_replaced = replaced
        return session_id

    @staticmethod
    def _rows(
        frame: pd.DataFrame, table: str, session_id: str
    ) -> tuple[list[str], list[list[Any]]]:
        # Columns the schema does not know (a newer analysis without its migration) are not
        # stored; tests/history checks that every documented column has a place.
        names = [c for c in COLUMN_TYPES[table] if c != "session_id" and c in frame.columns]
        data = frame[names].to_numpy(dtype=object)
        rows = [[session_id, *(_plain(v) for v in record)] for record in data]
        return ["session_id", *names], rows

    def add_analysis(
        self, analysis: SessionAnalysis, *, source_path: str | Path, content_sha256: str
    ) -> str:
        """Add an analysis (see :func:`~repscope.analysis.session.session_record`).

        Returns the session id; a session with the same id is replaced.
        """
        row = session_record(analysis, source_path=source_path, content_sha256=content_sha256)
        return self.add_tables(row, analysis.sets, analysis.reps)

    def add_file(
        self,
        path: str | Path,
        *,
        placement: str | None = None,
        exercise: str | None = None,
        tempo: str | None = None,
        athlete: str | None = None,
    ) -> str:
        """Read, analyse and add one recording file; return its session id.

        ``placement``, ``exercise`` and ``tempo`` are passed to
        :func:`repscope.analysis.analyze_recording`; ``athlete`` overrides the file's
        metadata. Errors name the file.
        """
        import dataclasses

        from repscope.analysis import analyze_recording
        from repscope.io import ensure_analysable, read_recording

        path = Path(path)
        recording = read_recording(path)
        ensure_analysable(recording, path=path)
        if athlete is not None:
            recording = dataclasses.replace(
                recording, meta=dataclasses.replace(recording.meta, athlete=athlete)
            )
        try:
            analysis = analyze_recording(
                recording, placement=placement, exercise=exercise, tempo=tempo
            )
        except InputError as exc:
            raise exc.with_path(path) from None
        return self.add_analysis(analysis, source_path=path, content_sha256=file_sha256(path))

    @sqlite_errors_as_input_errors
    def has(self, session_id: str) -> bool:
        """Whether the history holds a session with exactly this id."""
        found = self._conn.execute(
            "SELECT 1 FROM sessions WHERE session_id = ?", (session_id,)
        ).fetchone()
        return found is not None

    @sqlite_errors_as_input_errors
    def remove(self, session_id: str) -> None:
        """Remove a session with its sets and reps; InputError when it is not there."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                removed = self._delete(session_id)
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        if not removed:
            raise self._unknown(session_id)

    def _delete(self, session_id: str) -> int:
        for table in ("reps", "sets"):
            self._conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))
        return self._conn.execute(
            "DELETE FROM sessions WHERE session_id = ?", (session_id,)
        ).rowcount

    def _unknown(self, session_id: str) -> InputError:
        return InputError(
            f"no session {session_id!r} in the history",
            path=self.path,
            hint="`repscope history list` shows the session ids.",
        )

    # ------------------------------------------------------------------ reading
    @sqlite_errors_as_input_errors
    def resolve(self, session_id: str) -> str:
        """Return the full session id that ``session_id`` is, or is the unique prefix of.

        Raises InputError when no session or several sessions match.
        """
        text = session_id.strip()
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = [
            r[0]
            for r in self._conn.execute(
                "SELECT session_id FROM sessions WHERE session_id LIKE ? ESCAPE '\\' "
                "ORDER BY session_id LIMIT 3",
                (escaped + "%",),
            )
        ]
        if text in found:
            return text
        if not text or not found:
            raise self._unknown(session_id)
        if len(found) > 1:
            raise InputError(
                f"session id {session_id!r} is ambiguous ({', '.join(found[:2])}, ...)",
                path=self.path,
                hint="Give more of the id.",
            )
        return found[0]

    @sqlite_errors_as_input_errors
    def session(self, session_id: str) -> dict[str, Any]:
        """Return one session's row (:data:`SESSION_TABLE_COLUMNS`); InputError if unknown."""
        frame = self._frame(
            f"SELECT {_quoted(SESSION_TABLE_COLUMNS)} FROM sessions WHERE session_id = ?",
            [session_id],
            "sessions",
            SESSION_TABLE_COLUMNS,
        )
        if frame.empty:
            raise self._unknown(session_id)
        return {str(k): v for k, v in frame.iloc[0].items()}

    @sqlite_errors_as_input_errors
    def sessions(
        self,
        athlete: str | None = None,
        exercise: str | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
    ) -> pd.DataFrame:
        """Return the sessions that pass the filters, oldest first."""
        where, params = self._filters(athlete, exercise, since, until)
        sql = (
            f"SELECT {_quoted(SESSION_TABLE_COLUMNS)} FROM sessions s{where} "
            "ORDER BY s.date IS NULL, s.start_time_utc, s.date, s.added_utc, s.session_id"
        )
        return self._frame(sql, params, "sessions", SESSION_TABLE_COLUMNS)

    @sqlite_errors_as_input_errors
    def sets(
        self,
        athlete: str | None = None,
        exercise: str | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        *,
        session_id: str | None = None,
    ) -> pd.DataFrame:
        """Return the sets of the sessions that pass the filters (or of one session)."""
        return self._child("sets", SET_TABLE_COLUMNS, athlete, exercise, since, until, session_id)

    @sqlite_errors_as_input_errors
    def reps(
        self,
        athlete: str | None = None,
        exercise: str | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        *,
        session_id: str | None = None,
    ) -> pd.DataFrame:
        """Return the reps of the sessions that pass the filters (or of one session)."""
        return self._child("reps", REP_TABLE_COLUMNS, athlete, exercise, since, until, session_id)

    def _child(
        self,
        table: str,
        columns: tuple[str, ...],
        athlete: str | None,
        exercise: str | None,
        since: str | date | None,
        until: str | date | None,
        session_id: str | None,
    ) -> pd.DataFrame:
        where, params = self._filters(athlete, exercise, since, until)
        if session_id is not None:
            where += (" AND " if where else " WHERE ") + "s.session_id = ?"
            params.append(session_id)
        order = '"set", "rep"' if table == "reps" else '"set"'
        selected = ", ".join(f't."{c}"' for c in columns)
        sql = (
            f"SELECT {selected} FROM {table} t JOIN sessions s USING (session_id){where} "
            f"ORDER BY s.date IS NULL, s.start_time_utc, s.date, s.added_utc, s.session_id, "
            f"{', '.join('t.' + c for c in order.split(', '))}"
        )
        return self._frame(sql, params, table, columns)

    @staticmethod
    def _filters(
        athlete: str | None,
        exercise: str | None,
        since: str | date | None,
        until: str | date | None,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if athlete is not None:
            clauses.append("s.athlete = ?")
            params.append(athlete)
        if exercise is not None:
            clauses.append("s.exercise = ?")
            params.append(exercise)
        first = parse_date(since, where="since")
        last = parse_date(until, where="until")
        if first is not None and last is not None and first > last:
            raise InputError(f"since ({first}) is after until ({last})", where="since")
        if first is not None:
            clauses.append("s.date >= ?")
            params.append(first)
        if last is not None:
            clauses.append("s.date <= ?")
            params.append(last)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def _frame(
        self, sql: str, params: list[Any], table: str, columns: tuple[str, ...]
    ) -> pd.DataFrame:
        rows = self._conn.execute(sql, params).fetchall()
        types = COLUMN_TYPES[table]
        data: dict[str, pd.Series] = {}
        for k, name in enumerate(columns):
            values = [r[k] for r in rows]
            kind = types.get(name, "TEXT")
            if kind == "REAL":
                data[name] = pd.Series(
                    [np.nan if v is None else float(v) for v in values], dtype="float64"
                )
            elif kind == "INTEGER":
                if any(v is None for v in values):
                    data[name] = pd.Series(
                        [np.nan if v is None else float(v) for v in values], dtype="float64"
                    )
                else:
                    data[name] = pd.Series(values, dtype="int64")
            else:
                data[name] = pd.Series(values, dtype=object)
        return pd.DataFrame(data, columns=list(columns))


def open_history(path: str | Path | None = None, *, create: bool = True) -> History:
    """Open (creating or upgrading it if needed) the training history at ``path``.

    Parameters
    ----------
    path
        The SQLite file; :func:`default_history_path` when None. Its folder is created.
    create
        Create the file when it does not exist (False: raise InputError instead, for
        commands that only read).

    Raises
    ------
    InputError
        When the file is not a repscope history, cannot be opened, or was written by a
        newer repscope (schema version above :data:`~repscope.history.schema.SCHEMA_VERSION`).
    """
    target = default_history_path() if path is None else Path(path).expanduser()
    if target.is_dir():
        raise InputError("is a folder, not a history file", path=target, hint="Give a file path.")
    if not create and not target.exists():
        raise InputError(
            "there is no training history here yet",
            path=target,
            hint="Add sessions with `repscope history add FILE`, or give --db.",
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            target, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as exc:
        problem = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot open the history: {problem}", path=target) from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        version = schema_version(conn)
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if (version == 0 and has_tables) or (version > 0 and app_id != APPLICATION_ID):
            raise InputError(
                "is an SQLite database but not a repscope history",
                path=target,
                hint="Give another --db file.",
            )
        if version > SCHEMA_VERSION:
            raise InputError(
                f"the history was written by a newer repscope (schema version {version}; "
                f"this repscope reads up to {SCHEMA_VERSION})",
                path=target,
                hint="Upgrade repscope, or give another --db file.",
            )
        migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise database_error(exc, target) from None
    except BaseException:
        conn.close()
        raise
    return History(conn, target)
