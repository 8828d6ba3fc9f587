"""`repscope history` and `repscope trend` through the command line."""

from __future__ import annotations

import re
import sqlite3
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from repscope.analysis.session import file_sha256
from repscope.cli.main import cli
from repscope.history import SCHEMA_VERSION, open_history
from repscope.io import write_recording

WIDE = {"COLUMNS": "220"}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env=WIDE)


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("repscope: error:")]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def csv_files(tmp_path, block_recordings):
    paths = []
    for k, recording in enumerate(block_recordings[:3]):
        path = tmp_path / f"bench{k}.csv"
        write_recording(recording, path)
        paths.append(path)
    return paths


def test_add_list_show_remove(tmp_path, csv_files, block_analyses):
    db = str(tmp_path / "h.sqlite")
    added = run("history", "add", *map(str, csv_files), "--athlete", "bea", "--db", db)
    assert added.exit_code == 0, added.output
    ids = [file_sha256(p)[:16] for p in csv_files]
    for sid, path in zip(ids, csv_files, strict=True):
        assert f"added {sid} {path.name} (bench, " in added.output
    again = run("history", "add", str(csv_files[0]), "--db", db)
    assert f"replaced {ids[0]}" in again.output

    listed = run("history", "list", "--db", db)
    assert listed.exit_code == 0, listed.output
    assert "3 sessions" in listed.output
    assert all(sid in listed.output for sid in ids)
    assert "2025-01-06" in listed.output and "2025-01-11" in listed.output
    # the second add kept the file's own athlete (ana); the others are bea
    assert listed.output.count(" bea ") == 2 and listed.output.count(" ana ") == 1
    window = run("history", "list", "--db", db, "--since", "2025-01-07", "--until", "2025-01-08")
    assert ids[1] in window.output and ids[0] not in window.output and ids[2] not in window.output
    assert "No sessions match." in run("history", "list", "--db", db, "--exercise", "squat").output

    shown = run("history", "show", ids[1][:6], "--db", db, "--reps")
    assert shown.exit_code == 0, shown.output
    assert f"Session {ids[1]}" in shown.output and "athlete bea" in shown.output
    second = block_analyses[1]
    assert f"{len(second.sets)} sets, {len(second.reps)} reps" in shown.output
    assert "set 1:" in shown.output and "Set 1: " in shown.output  # with --reps: rep tables

    removed = run("history", "remove", ids[0], "--db", db)
    assert removed.exit_code == 0 and f"removed {ids[0]}" in removed.output
    with open_history(db) as history:
        assert set(history.sessions()["session_id"]) == set(ids[1:])


def test_add_takes_a_folder_and_skips_what_is_not_a_recording(tmp_path):
    # sample_data: 4 recordings beside their truth tables, JSON sidecars, a README and a
    # CSV from another sensor that needs --columns (all skipped, none an error)
    sample = Path(__file__).resolve().parents[2] / "sample_data"
    db = str(tmp_path / "h.sqlite")
    result = run("history", "add", str(sample), "--athlete", "ana", "--db", db)
    assert result.exit_code == 0, result.output
    added = sorted(re.findall(r"^added [0-9a-f]+ (\S+) ", result.output, re.MULTILINE))
    assert added == [
        "bench_3110_controlled.csv", "bench_ego.csv", "curl_wrist_rushed.csv", "squat_session.csv",
    ]  # fmt: skip


def test_add_reports_bad_files_and_keeps_the_good_ones(tmp_path, csv_files):
    bad = tmp_path / "broken.csv"  # a recording's header, a row that is not numbers
    bad.write_text("time_s,acc_x_g,acc_y_g,acc_z_g\n0.0,abc,0,1\n")
    notes = tmp_path / "notes.csv"  # not a recording at all: skipped, not an error
    notes.write_text("hello,world\n1,2\n")
    db = str(tmp_path / "h.sqlite")
    result = run("history", "add", str(bad), str(notes), str(csv_files[0]), "--db", db)
    assert result.exit_code == 2
    assert "broken.csv" in one_error_line(result)
    assert f"skipped {notes}: not a recording" in result.output
    assert "1 of 2 files were not added" in result.output
    with open_history(db) as history:
        assert len(history.sessions()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "list", "--since", "2025-13-01"], "--since: '2025-13-01' is not a date"),
        (["history", "show", "0123456789abcdef"], "no session '0123456789abcdef'"),
        (["history", "remove", "nope"], "no session 'nope'"),
        (["history", "list", "--until", "yesterday"], "--until: 'yesterday' is not a date"),
        (["trend", "--exercise", "bench", "--out", "t.jpg"], "must end in .pdf, .png or .svg"),
        (["trend", "--exercise", "squat"], "no squat sessions"),
    ],
)
def test_errors_are_one_line_with_exit_status_2(history_path, args, message):
    result = run(*args, "--db", str(history_path))
    assert result.exit_code == 2, result.output
    assert message in one_error_line(result)


def test_missing_and_newer_histories(tmp_path, history_path):
    missing = run("history", "list", "--db", str(tmp_path / "none.sqlite"))
    assert missing.exit_code == 2
    assert "no training history here yet" in one_error_line(missing)
    with sqlite3.connect(history_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer = run("trend", "--exercise", "bench", "--db", str(history_path))
    assert newer.exit_code == 2
    assert "written by a newer repscope" in one_error_line(newer)


def test_trend_prints_the_estimate_and_draws_the_page(history_path, tmp_path):
    out = tmp_path / "trend.png"
    result = run("trend", "--exercise", "bench", "--db", str(history_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "ana, bench: 9 sessions" in result.output
    assert "Estimated 1RM (an estimate, not a measured lift):" in result.output
    assert "95% CI" in result.output and "doi:10.1055/s-0030-1248333" in result.output
    assert "Velocity at 75 kg: 2 sessions" in result.output  # 65 and 75 kg tie: the heavier
    assert out.is_file() and out.stat().st_size > 10_000
    small = tmp_path / "trend-60dpi.png"
    args = ["--db", str(history_path), "--out", str(small), "--dpi", "60"]
    assert run("trend", "--exercise", "bench", *args).exit_code == 0
    width, height = struct.unpack(">II", small.read_bytes()[16:24])
    assert (width, height) == (round(11.69 * 60), round(8.27 * 60))  # A4 landscape
    at_65 = run("trend", "--exercise", "bench", "--db", str(history_path), "--load", "65")
    assert "Velocity at 65 kg: 2 sessions" in at_65.output


def test_trend_in_pounds(history_path):
    kg = run("trend", "--exercise", "bench", "--db", str(history_path))
    lb = run("trend", "--exercise", "bench", "--db", str(history_path), "--units", "lb")
    assert lb.exit_code == 0, lb.output
    assert "Velocity at 165.3 lb: 2 sessions" in lb.output  # 75 kg
    assert "load (lb)" in lb.output and "load (kg)" not in lb.output

    def one_rm(text, unit):
        words = " ".join(text.split()).split("a measured lift): ")[1]
        return float(words.split(f" {unit}")[0])

    assert one_rm(lb.output, "lb") * 0.45359237 == pytest.approx(one_rm(kg.output, "kg"), abs=0.1)
    at_65 = run(
        "trend",
        "--exercise",
        "bench",
        "--db",
        str(history_path),
        "--load",
        "143.3",
        "--units",
        "lb",
    )
    assert "Velocity at 143.3 lb: 2 sessions" in at_65.output  # 65 kg


def test_trend_refuses_the_1rm_with_two_loads(history_path):
    result = run(
        "trend", "--exercise", "bench", "--athlete", "ana", "--until", "2025-01-08",
        "--db", str(history_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "No 1RM estimate" in result.output
    assert "at least 3 different loads" in result.output
    assert "Estimated 1RM" not in result.output


def test_trend_needs_an_athlete_when_there_are_several(history_path, block_analyses):
    from _history_block import fill

    with open_history(history_path) as history:
        renamed = block_analyses[0]
        renamed = type(renamed)(
            renamed.reps, renamed.sets, renamed.traces, renamed.provenance,
            {**renamed.meta, "athlete": "bob"},
        )  # fmt: skip
        fill(history, [renamed], prefix="bob")
    result = run("trend", "--exercise", "bench", "--db", str(history_path))
    assert result.exit_code == 2
    assert "several athletes (ana, bob)" in one_error_line(result)
    bob = run("trend", "--exercise", "bench", "--athlete", "bob", "--db", str(history_path))
    assert bob.exit_code == 0 and "bob, bench: 1 session" in bob.output


@pytest.mark.parametrize(
    "command",
    [
        ["history"],
        ["history", "add"],
        ["history", "list"],
        ["history", "show"],
        ["history", "remove"],
        ["trend"],
    ],
)
def test_every_command_has_help_with_an_example(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output
    if command != ["history"]:
        assert "--db" in result.output


def test_batch_adds_what_it_analyses_to_the_history(tmp_path, csv_files, block_analyses):
    db = tmp_path / "h.sqlite"
    args = ["batch", str(csv_files[0].parent), "--out", str(tmp_path / "out"), "--workers", "1"]
    result = run(*args, "--no-progress", "--history", str(db))
    assert result.exit_code == 0, result.output
    assert f"3 sessions added to the history {db}" in result.output
    with open_history(db) as history:
        sessions = history.sessions()
        assert set(sessions["session_id"]) == {file_sha256(p)[:16] for p in csv_files}
        assert len(history.reps()) == sum(len(a.reps) for a in block_analyses[:3])
        assert len(history.sets()) == sum(len(a.sets) for a in block_analyses[:3])
    # unchanged files are skipped by batch, so nothing new is added without --force
    again = run(*args, "--no-progress", "--history", str(db))
    assert "0 sessions added" in again.output
    without = run(*args, "--no-progress")
    assert "added to the history" not in without.output
