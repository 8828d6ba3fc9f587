"""Hostile input across every command that reads a recording (issue 17.5, 17.6, 17.9, 17.10).

Each case is generated for every reading command: the command must exit with status 2
and print exactly one ``repscope: error:`` line that names the file and the field, with
no traceback. Running as root, ``chmod 000`` does not deny reads, so an unreadable file
is made by patching ``Path.read_text`` to raise PermissionError, and by putting a folder
where the file should be.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.io import write_recording
from repscope.recording import Recording, RecordingMeta

# Every command that reads one recording, with what it needs besides the file.
COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "info": lambda f, tmp: ["info", str(f)],
    "analyze": lambda f, tmp: ["analyze", str(f), "--placement", "bar", "--exercise", "bench"],
    "convert": lambda f, tmp: ["convert", str(f), str(tmp / "out" / "converted.parquet")],
    "report": lambda f, tmp: [
        "report",
        str(f),
        "--out",
        str(tmp / "out" / "r.pdf"),
        "--placement",
        "bar",
        "--exercise",
        "bench",
    ],
    "history add": lambda f, tmp: ["history", "add", str(f), "--db", str(tmp / "out" / "h.db")],
    "live --replay": lambda f, tmp: ["live", "--replay", str(f), "--exercise", "bench"],
}


def run(args: list[str]):
    return CliRunner().invoke(cli, args, env={"COLUMNS": "200"})


def assert_one_line(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = [line for line in result.output.splitlines() if line.startswith("repscope: error:")]
    assert len(lines) == 1, result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def small_recording() -> Recording:
    n = 800
    rng = np.random.default_rng(3)
    return Recording.from_arrays(
        time_s=np.arange(n) / 100.0,
        acc_g=rng.normal(0, 0.02, (n, 3)) + np.array([0.0, 0.0, 1.0]),
        gyr_dps=rng.normal(0, 1, (n, 3)),
        meta=RecordingMeta(sampling_rate_hz=100.0, device="sim", placement="bar"),
    )


def write_metamotion(folder: Path, rate_text: str) -> Path:
    name = f"X_MetaWear_2020-02-03T10.11.12.131_D1E2F3A4B5C6_Accelerometer_{rate_text}Hz_1.4.4.csv"
    path = folder / name
    epoch = 1580721072000 + 10 * np.arange(200)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["epoch (ms)", "time (01:00)", "elapsed (s)", "x-axis (g)", "y-axis (g)", "z-axis (g)"]
        )
        for i, ms in enumerate(epoch):
            writer.writerow([int(ms), "2020-02-03T10:11:12.000", f"{i / 100:.3f}", 0, 0, 1])
    return path


@pytest.fixture
def tmp(tmp_path):
    (tmp_path / "out").mkdir()
    return tmp_path


@pytest.mark.parametrize("command", list(COMMANDS))
def test_sidecar_that_is_a_folder(command, tmp):
    path = tmp / "s.csv"
    write_recording(small_recording(), path)
    sidecar = tmp / "s.json"
    sidecar.unlink()
    sidecar.mkdir()
    assert_one_line(run(COMMANDS[command](path, tmp)), str(sidecar), "sidecar", "readable")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_sidecar_permission_denied(command, tmp, monkeypatch):
    path = tmp / "s.csv"
    write_recording(small_recording(), path)
    sidecar = tmp / "s.json"
    real_read_text = Path.read_text

    def deny(self, *args, **kwargs):
        if self == sidecar:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", deny)
    assert_one_line(run(COMMANDS[command](path, tmp)), str(sidecar), "Permission denied")


@pytest.mark.parametrize("rate_text", ["0.000", "0"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_metamotion_file_name_with_zero_rate(command, rate_text, tmp):
    path = write_metamotion(tmp, rate_text)
    assert_one_line(run(COMMANDS[command](path, tmp)), path.name, "file name", "Hz")


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_file_too_large_for_the_memory_is_refused_before_reading(command, suffix, tmp, monkeypatch):
    path = tmp / f"big{suffix}"
    write_recording(small_recording(), path)
    monkeypatch.setenv("REPSCOPE_MAX_MEMORY_MB", "0.1")  # about 100 KiB
    line = assert_one_line(run(COMMANDS[command](path, tmp)), str(path), "too large")
    assert "GiB is available" in line and "Split it" in line


def test_a_file_within_the_memory_is_read(tmp, monkeypatch):
    path = tmp / "s.csv"
    write_recording(small_recording(), path)
    monkeypatch.setenv("REPSCOPE_MAX_MEMORY_MB", "64")
    assert run(["info", str(path)]).exit_code == 0


@pytest.mark.parametrize("out_name", ["out.csv", "out.json", "out.parquet"])
def test_convert_does_not_overwrite_without_force(out_name, tmp):
    source = tmp / "s.csv"
    write_recording(small_recording(), source)
    existing = tmp / out_name
    existing.write_text("keep me")
    target = tmp / ("out.parquet" if out_name == "out.parquet" else "out.csv")
    line = assert_one_line(run(["convert", str(source), str(target)]), str(existing), "--force")
    assert "already exists" in line
    assert existing.read_text() == "keep me"
    forced = run(["convert", str(source), str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert existing.read_bytes() != b"keep me"
