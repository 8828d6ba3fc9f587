"""``repscope live`` through the CLI runner: replay of a recording, and its one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.io import write_recording
from repscope.simulate import SetSpec, simulate_set


@pytest.fixture(scope="module")
def recording_csv(tmp_path_factory) -> Path:
    sim = simulate_set(
        SetSpec("squat", n_reps=2, tempo="X-0-X-0", rest_before_s=2.0, rest_after_s=1.0),
        sampling_rate_hz=50,
        placement="bar",
        seed=31,
    )
    path = tmp_path_factory.mktemp("live") / "squat.csv"
    write_recording(sim.recording, path)
    return path


def test_replay_prints_each_rep_and_the_set_and_writes_events(recording_csv, tmp_path):
    events = tmp_path / "events.jsonl"
    result = CliRunner().invoke(
        cli, ["live", "--replay", str(recording_csv), "--events-out", str(events)]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "replaying squat.csv: squat, bar, 50 Hz" in out
    assert "rep 1: lowering" in out and "rep 2: lowering" in out
    assert "set 1: 2 reps, tempo" in out
    assert "Next set: " in out  # the one thing to change, after the set line
    records = [json.loads(line) for line in events.read_text().splitlines()]
    kinds = [r["kind"] for r in records]
    assert kinds.count("rep_completed") == 2 and kinds.count("set_ended") == 1
    assert kinds.index("set_started") < kinds.index("rep_completed")
    (ended,) = [r for r in records if r["kind"] == "set_ended"]
    # the set summary is what `repscope analyze` reports on the same file
    analyzed = CliRunner().invoke(cli, ["analyze", str(recording_csv), "--json"])
    assert analyzed.exit_code == 0, analyzed.output
    batch_set = json.loads(analyzed.output)["sets"][0]
    assert ended["summary"]["tempo_code"] == batch_set["tempo_code"]
    assert [r["end_s"] for r in ended["reps"]] == [r["end_s"] for r in batch_set["reps"]]
    assert all(isinstance(r["row"]["flags"], list) for r in records if r["kind"] == "rep_completed")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a sensor or a file to replay"),
        (["--device", "x", "--replay", "REC"], "give a sensor or a file to replay"),
        (["--device", "repscope-diy-1", "--exercise", "bench"], "--out is required"),
        (["--replay", "REC", "--tempo", "3-1-1"], "is not a tempo code"),
        (["--replay", "REC", "--exercise", "yoga"], "unknown exercise 'yoga'"),
        (["--replay", "REC", "--events-out", "REC"], "file already exists"),
    ],
)
def test_errors_are_one_line_with_status_2(recording_csv, args, message):
    args = [str(recording_csv) if a == "REC" else a for a in args]
    result = CliRunner().invoke(cli, ["live", *args])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if "error" in line]
    assert len(errors) == 1 and message in errors[0], result.output


def test_help_has_an_example():
    result = CliRunner().invoke(cli, ["live", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "repscope live --device" in result.output


_SESSION_LINE = (
    '{"kind": "session", "format": "repscope-ble-raw", "format_version": 1, '
    '"devices": {"bar": {"driver": "diy", "sampling_rate_hz": 100}}}\n'
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: not a repscope raw BLE capture"),
        (
            '{"kind": "session", "devices": {"bar": {"driver": "x", "sampling_rate_hz": 100}}}\n',
            "line 1: unknown device family 'x'",
        ),
        (
            _SESSION_LINE + '{"t": 0.1, "device": "bar", "conn": 1}\n',
            "line 2: a notification needs t, device, conn, char and hex",
        ),
        (
            _SESSION_LINE + '{"t": 0.1, "device": "wrist", "conn": 1, "char": "a", "hex": ""}\n',
            "line 2: device 'wrist' is not in the session line's devices",
        ),
        (_SESSION_LINE + "not json\n" + '{"t": 0.1}\n', "line 2: malformed JSON line"),
        (_SESSION_LINE + '{"t": 0.1, "dev', "the raw capture holds no samples"),
    ],
)
def test_a_bad_raw_capture_is_one_line_naming_the_file_and_line(tmp_path, text, message):
    raw = tmp_path / "bad.jsonl"
    raw.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["live", "--replay", str(raw)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if "error" in line]
    assert len(errors) == 1 and "bad.jsonl" in errors[0] and message in errors[0], result.output
