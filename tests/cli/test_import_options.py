"""The import options (--columns, --time-unit, ...) and headerless CSVs, through the CLI."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bursty import tilting_stream, write_csv
from repscope.cli.main import cli
from repscope.io import read_recording

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "sample_data" / "other_sensor" / "bench_ego.csv"
VENDOR_OPTIONS = (
    "--columns",
    "t_ms,ax,ay,az,gx,gy,gz",
    "--time-unit",
    "ms",
    "--acc-unit",
    "m/s2",
    "--gyr-unit",
    "rad/s",
)
FEATHER = (
    Path(os.environ.get("REPSCOPE_REALDATA", ROOT.parent / "shared" / "realdata")) / "feather_bar"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", ["analyze", "convert", "info", "report", "batch"])
def test_every_reading_command_has_the_import_options(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    for option in ("--columns", "--time-unit", "--acc-unit", "--gyr-unit", "--header"):
        assert option in out, (command, option)


def test_help_examples_run_when_pasted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for command in ("analyze", "convert", "info"):
        _, text, _ = run(command, "--help")
        example = next(
            " ".join(line.strip().rstrip("\\") for line in block)
            for block in _examples(text)
            if "other_sensor" in block[0]
        )
        args = shlex.split(example)[1:]
        if command == "convert":
            args[2] = str(tmp_path / "bench.parquet")
        code, _, err = run(*args)
        assert code == 0, (example, err)


def _examples(text: str) -> list[list[str]]:
    """Help lines grouped into commands (a trailing backslash continues a command)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not current and not stripped.startswith("repscope "):
            continue
        current.append(stripped)
        if not stripped.endswith("\\"):
            blocks.append(current)
            current = []
    return blocks


def test_vendor_units_give_the_same_reps_as_the_project_file(tmp_path: Path) -> None:
    code, out, err = run(
        "analyze", str(VENDOR), "--json", "--placement", "bar", "--exercise", "bench",
        *VENDOR_OPTIONS,
    )  # fmt: skip
    assert code == 0, err
    vendor = json.loads(out)
    code, out, err = run("analyze", str(ROOT / "sample_data" / "bench_ego.csv"), "--json")
    assert code == 0, err
    project = json.loads(out)
    got = pd.DataFrame([r for s in vendor["sets"] for r in s["reps"]])
    expected = pd.DataFrame([r for s in project["sets"] for r in s["reps"]])
    assert len(got) == len(expected) == 8
    assert list(got["flags"]) == list(expected["flags"])
    # time rounded to whole ms and values to 4-5 digits: phases agree within 20 ms
    np.testing.assert_allclose(got["eccentric_s"], expected["eccentric_s"], atol=0.02)
    assert vendor["recording"]["extra"]["import"]["time_unit"] == "ms"


def test_info_prints_the_inferred_mapping_and_stale_rows(tmp_path: Path) -> None:
    stream = tilting_stream()
    write_csv(stream, tmp_path / "s.csv")
    code, out, err = run("info", str(tmp_path / "s.csv"))
    assert code == 0, err
    text = " ".join(out.replace("│", " ").split())
    assert "time column column 2 in ms -> time_s" in text
    assert "column 3, column 4, column 5 in m/s2 -> acc_*_g" in text
    assert "column 6, column 7, column 8 in rad/s -> gyr_*_dps" in text
    assert "inferred: rad/s (sure)" in text
    assert f"stale rows removed {stream.n_stale} (" in text
    code, out, _ = run("info", "--json", str(tmp_path / "s.csv"))
    info = json.loads(out)
    assert info["format"] == "generic"
    assert info["stale_rows_removed"] == stream.n_stale
    assert info["import"]["gyr_unit"] == "rad/s"


def test_ambiguous_file_is_one_line_naming_the_option(tmp_path: Path) -> None:
    rows = tilting_stream().rows
    rows = np.column_stack([rows, rows[:, 1] * 1000 + 3])  # a second clock
    pd.DataFrame(rows).to_csv(tmp_path / "two.csv", header=False, index=False)
    code, _, err = run("analyze", str(tmp_path / "two.csv"), "--placement", "bar")
    assert code == 2
    assert err.startswith(f"repscope: error: {tmp_path / 'two.csv'}: cannot tell the columns")
    assert "--columns" in err and err.count("\n") == 1


def test_repeated_and_backward_timestamps(tmp_path: Path) -> None:
    rows = tilting_stream(stale_every=0).rows
    rows[11, 1] = rows[10, 1]  # same time, other values: dropped and counted
    pd.DataFrame(rows).to_csv(tmp_path / "r.csv", header=False, index=False)
    rec = read_recording(tmp_path / "r.csv")
    assert rec.meta.extra["repeated_timestamps_removed"] == 1
    assert rec.n_samples == rows.shape[0] - 1
    rows[40, 1] = rows[39, 1] - 5  # backwards: an error naming the line (lines from 1)
    pd.DataFrame(rows).to_csv(tmp_path / "b.csv", header=False, index=False)
    code, _, err = run("info", str(tmp_path / "b.csv"))
    assert code == 2 and "none is a time column. Pass --columns" in err
    code, _, err = run("info", str(tmp_path / "b.csv"), "--columns", "2,3,4,5,6,7,8")
    assert code == 2 and "line 41, column column 2: time goes backwards" in err


def test_convert_with_columns_by_position(tmp_path: Path) -> None:
    out = tmp_path / "b.parquet"
    code, _, err = run(
        "convert", str(VENDOR), str(out), "--columns", "2,3,4,5,6,7,8", "--placement", "bar"
    )
    assert code == 0, err
    back = read_recording(out)
    direct = read_recording(ROOT / "sample_data" / "bench_ego.csv")
    assert back.meta.placement == "bar" and back.n_samples == direct.n_samples
    np.testing.assert_allclose(back.acc_g, direct.acc_g, atol=1e-4)
    np.testing.assert_allclose(back.gyr_dps, direct.gyr_dps, atol=1e-3)


def test_batch_reads_headerless_files_and_takes_the_options(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(tilting_stream(seconds=12), folder / "s.csv")
    code, out, err = run(
        "batch", str(folder), "--out", str(tmp_path / "out"), "--workers", "1", "--no-progress",
        "--placement", "bar", "--exercise", "curl", "--format", "csv",
    )  # fmt: skip
    assert code == 0, err + out
    sessions = pd.read_csv(tmp_path / "out" / "sessions.csv")
    assert list(sessions["source_path"]) == [str(folder / "s.csv")]
    code, out, err = run(
        "batch", str(VENDOR), "--out", str(tmp_path / "out2"), "--workers", "1",
        "--no-progress", "--placement", "bar", "--exercise", "bench", "--format", "csv",
        *VENDOR_OPTIONS,
    )  # fmt: skip
    assert code == 0, err + out
    reps = pd.read_csv(tmp_path / "out2" / "reps.csv")
    assert len(reps) == 8


@pytest.mark.realdata
def test_feather_file_through_the_evaluation_command(tmp_path: Path) -> None:
    path = FEATHER / "raw" / "squat_kamyar_set1_reps10_1.csv"
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real data missing in CI: {path}")
        pytest.skip(f"real data not found at {FEATHER}")
    out = tmp_path / "out.csv"
    code, _, err = run(
        "analyze", str(path), "--placement", "bar", "--exercise", "squat", "--reps-out", str(out)
    )
    assert code == 0, err
    reps = pd.read_csv(out)
    assert len(reps) >= 1 and reps["start_s"].between(0, 30).all()
