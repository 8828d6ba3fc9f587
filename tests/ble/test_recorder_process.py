"""The recorder as a process against an emulator process: kill -9, CLI commands."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator_process import REPSCOPE, emulator_process
from repscope.ble.emulator import PrivateBus
from repscope.cli.main import cli
from repscope.io import read_recording

pytestmark = pytest.mark.ble


@pytest.fixture(scope="module")
def emulator() -> Iterator[PrivateBus]:
    """`repscope emulate` with three DIY sensors in its own process, on its own bus."""
    args = ["--profile", "diy"] * 3 + ["--connection-interval-ms", "15"]
    with emulator_process(args) as (bus, lines):
        assert len(lines) == 5
        assert lines[0].startswith(f"DBUS_SYSTEM_BUS_ADDRESS={bus.address}")
        yield bus


def _rows(path: Path) -> int:
    return path.read_text().count("\n") - 1 if path.exists() else 0


def test_killed_recorder_leaves_a_readable_file_missing_at_most_a_second(emulator, tmp_path):
    out = tmp_path / "killed.csv"
    proc = subprocess.Popen(
        [
            *REPSCOPE,
            "record",
            "--device",
            "repscope-diy-1",
            "--out",
            str(out),
            "--rate-hz",
            "200",
            "--scan-seconds",
            "0.5",
            "--exercise",
            "bench",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=emulator.env(),
    )
    try:
        deadline = time.monotonic() + 20
        while _rows(out) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _rows(out) >= 300, "the recorder never got going"
        time.sleep(0.37)  # somewhere between two flushes
        proc.send_signal(signal.SIGKILL)
        killed_at = datetime.now().astimezone()
        proc.wait(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = out.read_text()
    assert text.endswith("\n")  # whole lines only
    recording = read_recording(out)  # validates the CSV and its sidecar
    meta = recording.meta
    assert meta.sampling_rate_hz == 200
    assert meta.exercise == "bench"
    assert meta.extra["ble"]["complete"] is False
    last_sample_at = datetime.fromisoformat(meta.start_time_utc) + _seconds(recording.time_s[-1])
    assert (killed_at - last_sample_at).total_seconds() <= 1.0
    # nothing lost before the tail: a gap-free 200 Hz series
    assert recording.n_samples == pytest.approx(recording.duration_s * 200 + 1, abs=2)

    # the dead client's link stays up (as with BlueZ): the sensor no longer advertises,
    # but a new recorder still finds it among the connected devices and records it
    again = tmp_path / "again.csv"
    result = subprocess.run(
        [
            *REPSCOPE,
            "record",
            "--device",
            "repscope-diy-1",
            "--out",
            str(again),
            "--rate-hz",
            "100",
            "--scan-seconds",
            "0.5",
            "--seconds",
            "1",
        ],
        capture_output=True,
        text=True,
        env=emulator.env(),
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert read_recording(again).n_samples >= 80


def _seconds(value: float):
    from datetime import timedelta

    return timedelta(seconds=float(value))


def test_cli_scan_and_record_two_sensors(emulator, tmp_path, monkeypatch):
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    scanned = runner.invoke(cli, ["scan", "--seconds", "0.5", "--json"])
    assert scanned.exit_code == 0, scanned.output
    rows = {row["name"]: row for row in json.loads(scanned.output)}
    assert {"repscope-diy-2", "repscope-diy-3"} <= set(rows)
    assert all(rows[n]["family"] == "diy" for n in ("repscope-diy-2", "repscope-diy-3"))
    assert -63 <= rows["repscope-diy-2"]["rssi_dbm"] <= -57

    out = tmp_path / "session.csv"
    raw = tmp_path / "raw.jsonl"
    result = runner.invoke(
        cli,
        [
            "record",
            "--device",
            "bar=repscope-diy-2",
            "--device",
            "wrist=C0:FF:EE:00:00:03",
            "--out",
            str(out),
            "--seconds",
            "1.5",
            "--scan-seconds",
            "0.5",
            "--raw-out",
            str(raw),
            "--athlete",
            "ana",
            "--load-kg",
            "60",
        ],
    )
    assert result.exit_code == 0, result.output
    bar = read_recording(tmp_path / "session.bar.csv")
    wrist = read_recording(tmp_path / "session.wrist.csv")
    for recording, placement in ((bar, "bar"), (wrist, "wrist")):
        assert recording.meta.placement == placement
        assert recording.meta.athlete == "ana"
        assert recording.meta.load_kg == 60
        assert recording.meta.extra["ble"]["complete"] is True
        assert recording.meta.extra["acc_range_g"] == 16
        assert recording.n_samples >= 140
    assert bar.meta.start_time_utc == wrist.meta.start_time_utc
    # the raw capture decodes to the same samples
    from repscope.ble.raw_capture import replay_raw_capture

    replayed = replay_raw_capture(raw)
    assert replayed["bar"].n_samples == bar.n_samples
    assert (replayed["bar"].acc_g == bar.acc_g).all()


def test_cli_record_unknown_sensor_is_one_line_error(emulator, tmp_path, monkeypatch):
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(
        cli,
        ["record", "--device", "nope", "--out", str(tmp_path / "x.csv"), "--scan-seconds", "0.3"],
    )
    assert result.exit_code == 2
    error_lines = [line for line in result.output.splitlines() if "error" in line]
    assert len(error_lines) == 1
    assert "no sensor called 'nope'" in error_lines[0]
    assert not (tmp_path / "x.csv").exists()
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("command", ["scan", "record", "emulate"])
def test_ble_commands_have_help_with_an_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


@pytest.mark.parametrize("profile", ["movesense", "witmotion"])
def test_recording_holds_every_sample_the_emulator_sent(profile, tmp_path):
    # Movesense: its decoder holds the last message back (it might continue); a recording
    # lost that packet at every stop before the session flushed it. WitMotion: no sample
    # counter, so only the emulator's own count can show a loss. --stats-out gives it.
    stats_path = tmp_path / "stats.json"
    out = tmp_path / "rec.csv"
    name = "Movesense-1" if profile == "movesense" else "WT901-1"
    with emulator_process(["--profile", profile, "--stats-out", str(stats_path)]) as (bus, _):
        done = subprocess.run(
            [
                *REPSCOPE,
                *("record", "--device", name, "--out", str(out), "--seconds", "2"),
                *("--rate-hz", "104" if profile == "movesense" else "100", "--scan-seconds", "1"),
            ],
            capture_output=True,
            text=True,
            env=bus.env(),
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    (stats,) = json.loads(stats_path.read_text())
    assert stats["name"] == name and stats["profile"] == profile
    assert stats["packets_dropped"] == stats["packets_overflowed"] == 0
    sent, after_stop = stats["samples_sent"], stats["samples_sent_after_stop"]
    discarded = json.loads(out.with_suffix(".json").read_text())["extra"]["ble"]
    rows = _rows(out)
    assert rows >= 150
    assert sent - after_stop <= rows + discarded.get("discarded_samples", 0) <= sent
