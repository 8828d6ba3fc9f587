"""repscope batch through the command line (click's CliRunner)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from repscope.cli.main import cli


def _invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["batch", *args], env=env)


def test_help_explains_usage_exit_codes_and_gives_examples() -> None:
    result = _invoke("--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for expected in (
        "PATH|GLOB...",
        "--out",
        "--workers",
        "--scheduler",
        "REPSCOPE_DASK_SCHEDULER",
        "repscope[dask]",
        "--placement",
        "--exercise",
        "--tempo",
        "--force",
        "--format",
        "1 when some files failed",
        "repscope batch sample_data --out results",
    ):
        assert expected in text, expected


def _summary(output: str) -> dict[str, str]:
    """The rows of the printed summary table: label -> value."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def test_folder_to_parquet_then_skipped(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _invoke(str(sample_data), "--out", str(out), "--workers", "1", "--no-progress")
    assert result.exit_code == 0, result.output
    summary = _summary(result.output)
    assert summary["recordings found"] == "4" and summary["analysed"] == "4"
    assert summary["failed"] == "0"
    assert summary["sessions / sets / reps in output"] == "4 / 6 / 41"
    assert summary["multiple of real time"].endswith("x")
    reps = pd.read_parquet(out / "reps.parquet")
    assert reps["source_path"].nunique() == 4 and len(reps) == 41
    again = _invoke(str(sample_data), "--out", str(out), "--workers", "1", "--no-progress")
    assert again.exit_code == 0
    summary = _summary(again.output)
    assert (summary["analysed"], summary["skipped (unchanged)"]) == ("0", "4")
    assert summary["multiple of real time"] == "-"
    forced = _invoke(str(sample_data), "--out", str(out), "--force", "--format", "csv")
    assert forced.exit_code == 0
    assert _summary(forced.output)["analysed"] == "4"
    assert (out / "reps.csv").exists() and not (out / "reps.parquet").exists()
    assert len(pd.read_csv(out / "reps.csv")) == 41


def test_bad_file_in_the_middle_exit_1(sample_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("bench_ego", "squat_session"):
        for suffix in (".csv", ".json"):
            (folder / f"{name}{suffix}").write_bytes((sample_data / f"{name}{suffix}").read_bytes())
    (folder / "c_bad.csv").write_text("time_s,acc_x_g,acc_y_g,acc_z_g\n0,1,0,0\n0,1,0,0\n")
    out = tmp_path / "out"
    result = _invoke(str(folder), "--out", str(out), "--workers", "2", "--no-progress")
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("failed")]
    assert str(folder / "c_bad.csv") in line and "line 3" in line
    sessions = pd.read_parquet(out / "sessions.parquet")
    assert [Path(p).name for p in sessions["source_path"]] == ["bench_ego.csv", "squat_session.csv"]


@pytest.mark.parametrize(
    "args",
    [
        [],  # no PATH
        ["sample_data"],  # no --out
        ["sample_data", "--out", "OUT", "--workers", "0"],
        ["sample_data", "--out", "OUT", "--format", "xlsx"],
        ["sample_data", "--out", "OUT", "--placement", "ankle"],
        ["sample_data", "--out", "OUT", "--tempo", "fast"],
        ["no/such/folder", "--out", "OUT"],
        ["sample_data/*.json", "--out", "OUT"],  # no recordings
        ["sample_data", "--out", "OUT", "--scheduler", "tcp://127.0.0.1:1"],
    ],
)
def test_bad_usage_exit_2(args: list[str], tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    args = [str(root / a) if a.startswith(("sample_data", "no/")) else a for a in args]
    result = _invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_missing_dask_says_how_to_install(
    sample_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    result = _invoke(
        str(sample_data), "--out", str(tmp_path / "out"), env={"REPSCOPE_DASK_SCHEDULER": "x:1"}
    )
    assert result.exit_code == 2
    assert 'pip install "repscope[dask]"' in result.stderr


@pytest.mark.parametrize("address", ["http://127.0.0.1:8786", "ucx://127.0.0.1:8786", "ws://h:1"])
def test_a_scheduler_address_that_is_not_tcp_is_refused_at_once(
    address: str, sample_data: Path, tmp_path: Path
) -> None:
    import time

    start = time.monotonic()
    result = _invoke(str(sample_data), "--out", str(tmp_path / "out"), "--scheduler", address)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"--scheduler: {address!r} is not a tcp:// or tls:// scheduler address" in result.output
    assert time.monotonic() - start < 25  # distributed retried for 30 s before; a bound under load


def test_out_folder_given_as_the_input_is_explained(tmp_path: Path, sample_data: Path) -> None:
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(sample_data, folder)
    result = _invoke(str(folder), "--out", str(folder))
    assert result.exit_code == 2, result.output
    assert "is the output folder" in result.output, result.output
    assert "--out a folder of its own" in result.output
