"""History database faults (issue 17.4): one line naming the file, exit 2, no traceback.

Read-only files cannot be made by chmod when the tests run as root, so a read-only
database is opened the way SQLite opens one it may not write (``mode=ro``).
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from click.testing import CliRunner

from repscope.analysis.session import SESSION_COLUMNS
from repscope.cli.main import cli
from repscope.history import open_history, store
from repscope.io import write_recording


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


def assert_one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.startswith("repscope: error:")]
    assert len(lines) == 1, result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def one_file(tmp_path, block_recordings):
    path = tmp_path / "bench0.csv"
    write_recording(block_recordings[0], path)
    return path


def _commands(db: str) -> list[tuple[str, ...]]:
    return [
        ("history", "list", "--db", db),
        ("history", "show", "abc", "--db", db),
        ("history", "remove", "abc", "--db", db),
        ("trend", "--db", db, "--athlete", "ana", "--exercise", "bench"),
    ]


def test_page_corrupted_history_is_one_line_for_every_command(history_path, one_file):
    data = bytearray(history_path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[page : len(data)] = bytes([0xA5]) * (len(data) - page)  # every page after the first
    history_path.write_bytes(bytes(data))
    db = str(history_path)
    for args in [*_commands(db), ("history", "add", str(one_file), "--db", db)]:
        line = assert_one_line_error(run(*args), db)
        assert "damaged" in line or "not a repscope history" in line, (args, line)


def test_missing_table_is_one_line(history_path):
    with sqlite3.connect(history_path) as conn:
        conn.execute("DROP TABLE sets")
    db = str(history_path)
    for args in _commands(db)[:1] + _commands(db)[3:]:
        line = assert_one_line_error(run(*args), db, "damaged", "--db")
        assert "sets" in line
    sid = open_history(history_path).sessions()["session_id"].iloc[0]
    assert_one_line_error(run("history", "show", sid[:8], "--db", db), db, "damaged")


def test_read_only_history_is_one_line(history_path, one_file, monkeypatch):
    real_connect = sqlite3.connect

    def read_only(target, *args, **kwargs):
        return real_connect(f"file:{target}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(store.sqlite3, "connect", read_only)
    db = str(history_path)
    assert run("history", "list", "--db", db).exit_code == 0  # reading still works
    line = assert_one_line_error(run("history", "add", str(one_file), "--db", db), db)
    assert "cannot be written" in line and "writable" in line
    sid = open_history(history_path).sessions()["session_id"].iloc[0]
    assert_one_line_error(run("history", "remove", sid, "--db", db), db, "cannot be written")


def test_history_under_a_file_instead_of_a_folder(tmp_path, one_file):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    db = str(blocker / "h.sqlite")
    assert_one_line_error(run("history", "add", str(one_file), "--db", db), "h.sqlite")


def test_concurrent_adds_of_one_session_say_added_once(tmp_path, block_analyses):
    path = tmp_path / "h.sqlite"
    open_history(path).close()
    analysis = block_analyses[0]
    row = {c: None for c in SESSION_COLUMNS}
    row.update(session_id="s1", source_path="x.csv", content_sha256="0" * 64)
    barrier = threading.Barrier(3)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def add() -> None:
        try:
            with open_history(path) as history:
                barrier.wait()
                history.add_tables(row, analysis.sets, analysis.reps)
                outcomes.append(history.last_add_replaced)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(outcomes) == [False, True, True]
    assert len(open_history(path).sessions()) == 1


def test_adding_the_same_file_again_says_already_there(tmp_path, one_file):
    db = str(tmp_path / "h.sqlite")
    first = run("history", "add", str(one_file), "--db", db)
    second = run("history", "add", str(one_file), "--db", db)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "added " in first.output and "already there" not in first.output
    assert "already there, replaced " in second.output
