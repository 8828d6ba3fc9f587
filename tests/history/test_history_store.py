"""The training-history store: schema, migrations, add/replace/remove, filters, round trips."""

from __future__ import annotations

import sqlite3
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _history_block import fake_sha, fill
from hypothesis import given, settings
from hypothesis import strategies as st

from repscope.analysis.session import SESSION_COLUMNS, session_record
from repscope.analysis.tables import REP_COLUMNS, SET_COLUMNS
from repscope.errors import InputError
from repscope.history import (
    HISTORY_ENV,
    REP_TABLE_COLUMNS,
    SCHEMA_VERSION,
    SESSION_TABLE_COLUMNS,
    SET_TABLE_COLUMNS,
    default_history_path,
    open_history,
)
from repscope.history.schema import APPLICATION_ID, COLUMN_TYPES, migrate, utc_date


def _session(session_id: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(SESSION_COLUMNS)
    row.update(session_id=session_id, n_sets=0, n_reps=0, repscope_version="0.1.0")
    row.update(values)
    return row


def _empty_sets() -> pd.DataFrame:
    return pd.DataFrame(columns=list(SET_COLUMNS))


def _empty_reps() -> pd.DataFrame:
    return pd.DataFrame(columns=list(REP_COLUMNS))


def test_new_history_has_current_schema_and_every_documented_column(tmp_path):
    with open_history(tmp_path / "h.sqlite") as history:
        assert history.schema_version == SCHEMA_VERSION == 4
    conn = sqlite3.connect(tmp_path / "h.sqlite")
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    for table, documented in (
        ("sessions", SESSION_TABLE_COLUMNS),
        ("sets", SET_TABLE_COLUMNS),
        ("reps", REP_TABLE_COLUMNS),
    ):
        in_db = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        # the current analysis's columns all have a place (else: write a migration)
        assert set(documented) <= set(in_db), set(documented) - set(in_db)
        assert set(in_db) == set(COLUMN_TYPES[table])
    conn.close()


def test_a_v1_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == [1]
    columns = [row[1] for row in conn.execute("PRAGMA table_info(sessions)")]
    assert "date" not in columns
    names = [*SESSION_COLUMNS, "added_utc"]
    values = {n: None for n in names}
    # 23:30 two hours west of UTC is the next day in UTC
    values.update(
        session_id="abc", start_time_utc="2025-03-01T23:30:00-02:00", added_utc="x", n_sets=1
    )
    conn.execute(
        f"INSERT INTO sessions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [values[n] for n in names],
    )
    conn.execute('INSERT INTO sets (session_id, "set", n_reps) VALUES (?, 1, 5)', ("abc",))
    conn.close()

    with open_history(path) as history:
        assert history.schema_version == SCHEMA_VERSION
        sessions = history.sessions()
        assert list(sessions["session_id"]) == ["abc"]
        assert sessions["date"].iloc[0] == "2025-03-02"
        assert list(history.sets()["n_reps"]) == [5]
        assert list(history.sessions(since="2025-03-02")["session_id"]) == ["abc"]
        assert history.sessions(until="2025-03-01").empty
    with sqlite3.connect(path) as check:
        index_names = {r[1] for r in check.execute("PRAGMA index_list(sessions)")}
    assert "sessions_athlete_exercise_date" in index_names


def test_a_newer_database_is_refused_in_one_line(tmp_path):
    path = tmp_path / "new.sqlite"
    open_history(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InputError) as info:
        open_history(path)
    message = str(info.value)
    assert "\n" not in message
    assert "newer repscope" in message and f"schema version {SCHEMA_VERSION + 1}" in message
    assert str(path) in message


def test_other_files_are_refused(tmp_path):
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (x)")
    with pytest.raises(InputError, match="not a repscope history"):
        open_history(foreign)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(InputError, match="is not a history file"):
        open_history(garbage)
    with pytest.raises(InputError, match="no training history here yet"):
        open_history(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_add_replace_and_remove(tmp_path, block_analyses):
    with open_history(tmp_path / "h.sqlite") as history:
        ids = fill(history, block_analyses[:3])
        assert len(set(ids)) == 3 and all(len(i) == 16 for i in ids)
        n_reps = sum(len(a.reps) for a in block_analyses[:3])
        assert len(history.sessions()) == 3 and len(history.reps()) == n_reps

        # the same session again, with one set fewer: replaced, not added
        first = block_analyses[0]
        row = session_record(first, source_path="moved.csv", content_sha256=fake_sha("s0"))
        sets = first.sets[first.sets["set"] == 1]
        reps = first.reps[first.reps["set"] == 1]
        assert history.add_tables(row, sets, reps) == ids[0]
        assert len(history.sessions()) == 3
        assert history.session(ids[0])["source_path"] == "moved.csv"
        assert list(history.sets(session_id=ids[0])["set"]) == [1]
        assert len(history.reps(session_id=ids[0])) == len(reps)

        history.remove(ids[1])
        assert not history.has(ids[1])
        assert set(history.sessions()["session_id"]) == {ids[0], ids[2]}
        assert ids[1] not in set(history.reps()["session_id"])
        with pytest.raises(InputError, match="no session"):
            history.remove(ids[1])


def test_a_failed_replace_keeps_the_old_session(tmp_path, block_analyses):
    analysis = block_analyses[0]
    with open_history(tmp_path / "h.sqlite") as history:
        (sid,) = fill(history, [analysis])
        row = session_record(analysis, source_path="x.csv", content_sha256=fake_sha("s0"))
        duplicated = pd.concat([analysis.reps, analysis.reps.iloc[:1]])  # same (set, rep) twice
        with pytest.raises(sqlite3.IntegrityError):
            history.add_tables(row, analysis.sets, duplicated)
        assert history.session(sid)["source_path"] == "s0.csv"
        assert len(history.reps(session_id=sid)) == len(analysis.reps)
        with pytest.raises(InputError, match="lacks column 'flags'"):
            history.add_tables(row, analysis.sets, analysis.reps.drop(columns="flags"))
        with pytest.raises(InputError, match="no session_id"):
            history.add_tables({**row, "session_id": None}, analysis.sets, analysis.reps)
        assert len(history.sessions()) == 1


def test_tables_round_trip_with_their_dtypes(tmp_path, block_analyses):
    analysis = block_analyses[1]
    with open_history(tmp_path / "h.sqlite") as history:
        (sid,) = fill(history, [analysis])
        sets = history.sets(session_id=sid)
        reps = history.reps(session_id=sid)
        session = history.session(sid)
    assert tuple(sets.columns) == SET_TABLE_COLUMNS and tuple(reps.columns) == REP_TABLE_COLUMNS
    pd.testing.assert_frame_equal(
        reps.drop(columns="session_id"), analysis.reps.reset_index(drop=True), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        sets.drop(columns="session_id"), analysis.sets.reset_index(drop=True), check_dtype=False
    )
    assert reps["set"].dtype == np.int64 and reps["rom_m"].dtype == np.float64
    assert session["start_time_utc"] == analysis.meta["start_time_utc"]
    assert session["date"] == analysis.meta["start_time_utc"][:10]
    assert session["athlete"] == "ana" and session["exercise"] == "bench"


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=6
    ),
    flags=st.sampled_from(["", "bounce", "bounce;tempo_off"]),
)
def test_any_float_round_trips(tmp_path_factory, values, flags):
    reps = pd.DataFrame({c: [np.nan] * len(values) for c in REP_COLUMNS})
    reps["set"] = 1
    reps["rep"] = range(1, len(values) + 1)
    reps["rom_m"] = values
    reps["flags"] = flags
    path = tmp_path_factory.mktemp("rt") / "h.sqlite"
    with open_history(path) as history:
        history.add_tables(_session("p"), _empty_sets(), reps)
        back = history.reps()
    np.testing.assert_array_equal(back["rom_m"].to_numpy(), np.asarray(values, dtype=float))
    assert list(back["flags"]) == [flags] * len(values)


def test_filters(tmp_path, block_analyses):
    with open_history(tmp_path / "h.sqlite") as history:
        fill(history, block_analyses[:4])
        history.add_tables(
            _session("bob1", athlete="bob", exercise="squat", start_time_utc="2025-01-07T10:00Z"),
            _empty_sets(),
            _empty_reps(),
        )
        history.add_tables(
            _session("nodate", athlete="bob", exercise="squat"), _empty_sets(), _empty_reps()
        )
        dates = list(history.sessions(athlete="ana")["date"])
        assert dates == sorted(dates) and len(dates) == 4
        assert set(history.sessions(exercise="squat")["session_id"]) == {"bob1", "nodate"}
        # since/until are inclusive and leave out sessions without a date
        since = history.sessions(since=dates[1])
        assert list(since["date"]) == dates[1:]  # bob1 (2025-01-07) is before dates[1]
        assert "nodate" not in set(history.sessions(since="2000-01-01")["session_id"])
        assert "bob1" in set(history.sessions(since="2025-01-07", until="2025-01-07")["session_id"])
        window = history.sessions(athlete="ana", since=dates[1], until=dates[2])
        assert list(window["date"]) == dates[1:3]
        assert len(history.sets(athlete="ana", until=dates[0])) == len(block_analyses[0].sets)
        assert set(history.reps(athlete="bob")["session_id"]) == set()
        with pytest.raises(InputError, match="'2025-1-5' is not a date"):
            history.sessions(since="2025-1-5")
        with pytest.raises(InputError, match="is after until"):
            history.sessions(since="2025-02-01", until="2025-01-01")


def test_resolve_ids_by_prefix(tmp_path):
    with open_history(tmp_path / "h.sqlite") as history:
        for sid in ("aa11", "aa22", "b_x"):
            history.add_tables(_session(sid), _empty_sets(), _empty_reps())
        assert history.resolve("aa1") == "aa11"
        assert history.resolve("b_x") == "b_x"
        with pytest.raises(InputError, match="ambiguous"):
            history.resolve("aa")
        with pytest.raises(InputError, match="no session 'b%'"):
            history.resolve("b%")  # LIKE wildcards are literal


def test_threads_share_one_history(tmp_path):
    with open_history(tmp_path / "h.sqlite") as history:

        def add(k: int) -> None:
            history.add_tables(_session(f"t{k}"), _empty_sets(), _empty_reps())

        threads = [threading.Thread(target=add, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(history.sessions()) == 8


def test_default_path(monkeypatch, tmp_path):
    monkeypatch.setenv(HISTORY_ENV, str(tmp_path / "mine.sqlite"))
    assert default_history_path() == tmp_path / "mine.sqlite"
    monkeypatch.delenv(HISTORY_ENV)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
        assert default_history_path() == tmp_path / ".local/share/repscope/history.sqlite"
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        assert default_history_path() == tmp_path / "data/repscope/history.sqlite"
        with open_history() as history:
            assert history.path == tmp_path / "data/repscope/history.sqlite"
        assert Path(tmp_path / "data/repscope/history.sqlite").is_file()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-06T18:00:00+00:00", "2025-01-06"),
        ("2025-01-06T23:30:00Z", "2025-01-06"),
        ("2025-01-06T23:30:00-01:00", "2025-01-07"),
        ("2025-01-06T10:00:00", "2025-01-06"),
        ("yesterday", None),
        (None, None),
    ],
)
def test_utc_date(text, expected):
    assert utc_date(text) == expected
