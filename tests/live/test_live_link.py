"""A sensor that stops sending is noticed, shown and recorded in the sidecar.

Unit tests drive :class:`repscope.live.session.LinkWatch` with explicit times; the BLE
tests run `repscope live` (real bleak) against `repscope emulate` whose link drops every
few seconds, and against an emulator that is killed mid-session.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from emulator_process import readline
from repscope.ble.emulator import start_private_bus
from repscope.io import read_recording
from repscope.live.link import STALL_S, LinkWatch, mark_interruptions


def test_silence_for_stall_s_is_a_lost_sensor_and_the_return_says_what_is_missing():
    watch = LinkWatch(stall_s=0.5, sample_interval_s=0.01)
    assert watch.tick(0.3) == []  # nothing arrived yet: not lost, just not started
    assert watch.samples(1.00, 0.97, 0.99) == []
    assert watch.tick(1.25) == []
    (lost,) = watch.tick(1.50)
    assert (lost.kind, lost.session_s, lost.last_sample_s, lost.reason) == (
        "lost",
        1.50,
        0.99,
        "no data",
    )
    assert watch.tick(1.75) == [] and watch.disconnected(1.8) == []  # said once
    (back,) = watch.samples(3.40, 3.30, 3.38)
    assert back.kind == "back" and back.missing_s == pytest.approx(3.30 - 0.99 - 0.01)
    assert watch.interruptions == [
        {
            "lost_at_s": 1.5,
            "last_sample_s": 0.99,
            "back_at_s": 3.4,
            "missing_s": pytest.approx(2.3),
            "reason": "no data",
        }
    ]
    # a disconnection is a loss at once; a return without a gap in the data misses nothing
    (lost,) = watch.disconnected(3.5)
    assert lost.reason == "disconnected"
    (back,) = watch.samples(3.9, 3.39, 3.5)
    assert back.missing_s == 0.0


def test_the_sidecar_records_the_interruptions(tmp_path):
    csv = tmp_path / "s.csv"
    sidecar = tmp_path / "s.json"
    sidecar.write_text(json.dumps({"sampling_rate_hz": 100.0, "extra": {"ble": {"x": 1}}}))
    entry = {"lost_at_s": 1.5, "last_sample_s": 0.99, "back_at_s": 3.4, "missing_s": 2.3}
    mark_interruptions(csv, [entry])
    data = json.loads(sidecar.read_text())
    assert data["extra"]["ble"] == {"x": 1}
    assert data["extra"]["live"] == {"interrupted": True, "interruptions": [entry]}
    mark_interruptions(csv, [])
    assert json.loads(sidecar.read_text())["extra"]["live"]["interrupted"] is False
    mark_interruptions(tmp_path / "none.csv", [entry])  # no sidecar: nothing to do
    assert not (tmp_path / "none.json").exists()


def _live(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "repscope.cli.main", "live", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def _emulator(bus_address: str, env: dict[str, str], extra: list[str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "repscope.cli.main", "emulate", "--bus-address"]
    command += [bus_address, "--profile", "diy", "--connection-interval-ms", "15", *extra]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **env},
    )
    lines = [readline(proc, 30.0) for _ in range(3)]
    assert lines[-1].strip() == "ready", lines
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()


_LINE = re.compile(r"^\s*([\d.]+) s  (sensor lost, reconnecting|back, ([\d.]+) s missing)$")


@pytest.mark.ble
@pytest.mark.slow
def test_link_losses_are_shown_within_a_second_and_recorded(tmp_path):
    bus = start_private_bus()
    emulator = None
    try:
        env = bus.env()
        emulator = _emulator(bus.address, env, ["--link-loss-every", "4"])
        out = tmp_path / "s.csv"
        args = ["--device", "repscope-diy-1", "--out", str(out), "--exercise", "bench"]
        live = _live([*args, "--duration", "10", "--scan-seconds", "0.5"], env)
        stdout, stderr = live.communicate(timeout=120)
        assert live.returncode == 0, stderr
    finally:
        if emulator is not None:
            _stop(emulator)
        bus.stop()
    shown = [m for m in (_LINE.match(line) for line in stdout.splitlines()) if m]
    assert [m.group(2) for m in shown][:2] == ["sensor lost, reconnecting", shown[1].group(2)]
    assert shown[1].group(2).startswith("back, ")
    meta = read_recording(out).meta
    live_extra = meta.extra["live"]
    assert live_extra["interrupted"] is True
    assert live_extra["settings"]["deadline_s"] == 0.3  # the engine's LiveSettings
    interruptions = live_extra["interruptions"]
    assert len(interruptions) >= 1
    for entry in interruptions:
        # on screen within a second of the last sample before the loss
        assert entry["lost_at_s"] - entry["last_sample_s"] <= 1.0, entry
    first = interruptions[0]
    assert first["back_at_s"] is not None
    # the emulated sensor is out of reach for 1 s, then the recorder reconnects
    assert 0.5 <= first["missing_s"] <= 6.0, first
    assert f"back, {first['missing_s']:.1f} s missing" in stdout
    assert meta.extra["ble"]["link_losses"] >= 1


@pytest.mark.ble
@pytest.mark.slow
def test_a_killed_sensor_is_shown_lost_within_a_second(tmp_path):
    bus = start_private_bus()
    emulator = None
    try:
        env = bus.env()
        emulator = _emulator(bus.address, env, [])
        out = tmp_path / "s.csv"
        args = ["--device", "repscope-diy-1", "--out", str(out), "--exercise", "bench"]
        live = _live([*args, "--duration", "120", "--scan-seconds", "0.5"], env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _rows(out) < 200:  # 2 s streamed
            time.sleep(0.2)
        assert _rows(out) >= 200, "repscope live did not start streaming"
        emulator.kill()  # the sensor dies without a word: no disconnection reaches bleak
        emulator.wait(timeout=10)
        time.sleep(3.0)
        live.send_signal(signal.SIGINT)
        stdout, stderr = live.communicate(timeout=120)
    finally:
        if emulator is not None:
            _stop(emulator)
        bus.stop()
    assert "sensor lost, reconnecting" in stdout, (stdout, stderr)
    meta = read_recording(out).meta
    (entry, *_) = meta.extra["live"]["interruptions"]
    assert meta.extra["live"]["interrupted"] is True
    assert entry["lost_at_s"] - entry["last_sample_s"] <= 1.0, entry
    assert entry["back_at_s"] is None  # it never came back
    assert entry["missing_s"] >= 1.0


def _rows(path) -> int:
    try:
        return path.read_text().count("\n")
    except OSError:
        return 0


def test_stall_threshold_leaves_room_for_the_display_tick():
    # lost sensor on screen within 1 s: the stall threshold plus one 0.25 s display tick
    assert STALL_S + 0.25 <= 1.0


@pytest.mark.ble
@pytest.mark.slow
@pytest.mark.parametrize("big", [False, True])
def test_the_terminal_display_runs(tmp_path, monkeypatch, big):
    # rich draws the live panel only on a terminal; TTY_COMPATIBLE=1 makes it draw here
    from click.testing import CliRunner

    from emulator_process import emulator_process
    from repscope.cli.main import cli

    with emulator_process(["--profile", "diy", "--connection-interval-ms", "15"]) as (bus, _):
        for key, value in bus.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
        monkeypatch.setenv("COLUMNS", "80")
        monkeypatch.setenv("LINES", "24")
        out = tmp_path / "s.csv"
        args = ["live", "--device", "repscope-diy-1", "--out", str(out), "--exercise", "bench"]
        args += ["--tempo", "3-1-1-0", "--duration", "3", "--scan-seconds", "0.5"]
        result = CliRunner().invoke(cli, [*args, *(["--big"] if big else [])])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "repscope-diy-1: bench, bar, tempo 3-1-1-0" in result.output
    assert ("REPS" in result.output) == big
    assert "recorded to s.csv" in result.output
