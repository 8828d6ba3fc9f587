"""`repscope record --history`: the recording is analysed and added, or kept with a message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from emulator_process import emulator_process
from repscope.analysis.session import file_sha256
from repscope.ble.emulator import PrivateBus
from repscope.cli.history import add_recordings
from repscope.cli.main import cli
from repscope.history import open_history
from repscope.io import read_recording, write_recording


def test_add_recordings_adds_good_files_and_reports_the_rest(tmp_path, block_recordings, capsys):
    good = tmp_path / "good.csv"
    write_recording(block_recordings[0], good)
    short = tmp_path / "short.csv"
    write_recording(block_recordings[0].slice_time(0.0, 2.0), short)
    db = tmp_path / "h.sqlite"
    assert add_recordings([good, short], str(db)) == 1
    out = capsys.readouterr()
    assert f"{good}: added to the history {db} as {file_sha256(good)[:16]}" in out.out
    error = [line for line in out.err.splitlines() if line]
    assert len(error) == 1 and "recorded, but not added to the history" in error[0]
    assert "short.csv" in error[0] and "too short" in error[0]
    assert short.exists()
    with open_history(db) as history:
        assert list(history.sessions()["session_id"]) == [file_sha256(good)[:16]]


@pytest.fixture(scope="module")
def emulator() -> Iterator[PrivateBus]:
    """`repscope emulate` with one DIY sensor at rest, on a private bus."""
    with emulator_process(["--profile", "diy", "--connection-interval-ms", "15"]) as (bus, lines):
        assert len(lines) == 3, lines
        yield bus


@pytest.mark.ble
def test_record_keeps_a_recording_it_cannot_add(emulator, tmp_path, monkeypatch):
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "bench.csv"
    db = tmp_path / "h.sqlite"
    result = CliRunner().invoke(
        cli,
        ["record", "--device", "repscope-diy-1", "--out", str(out), "--seconds", "1.5",
         "--scan-seconds", "0.5", "--placement", "bar", "--exercise", "bench",
         "--history", str(db)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "recorded, but not added to the history" in result.output
    assert "too short to analyse" in result.output
    assert read_recording(out).n_samples > 100  # the recording is kept
    with open_history(db) as history:
        assert history.sessions().empty


def test_record_checks_the_history_before_recording(tmp_path):
    bad = tmp_path / "notes.sqlite"
    bad.write_text("not a database " * 100)
    result = CliRunner().invoke(
        cli, ["record", "--device", "x", "--out", str(tmp_path / "x.csv"), "--history", str(bad)]
    )
    assert result.exit_code == 2
    assert "is not a history file" in result.output
    assert not (tmp_path / "x.csv").exists()
    assert "--history" in CliRunner().invoke(cli, ["record", "--help"]).output
