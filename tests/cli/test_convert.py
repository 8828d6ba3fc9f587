"""`repscope convert` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.io import read_recording, write_recording
from repscope.recording import Recording, RecordingMeta


def make_recording() -> Recording:
    rng = np.random.default_rng(5)
    n = 700
    acc = rng.normal(0, 0.05, (n, 3)) + np.array([0.0, 0.0, 1.0])
    return Recording.from_arrays(
        time_s=np.arange(n) / 100.0,
        acc_g=acc,
        gyr_dps=rng.normal(0, 3, (n, 3)),
        meta=RecordingMeta(sampling_rate_hz=100.0, device="sim", extra={"seed": 5}),
    )


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_csv_to_parquet_sets_metadata_and_keeps_values(tmp_path: Path) -> None:
    rec = make_recording()
    write_recording(rec, tmp_path / "in.csv")
    code, out, err = run(
        "convert",
        str(tmp_path / "in.csv"),
        str(tmp_path / "out.parquet"),
        "--placement",
        "bar",
        "--exercise",
        "bench",
        "--load-kg",
        "82.5",
        "--athlete",
        "ana",
    )
    assert code == 0, err
    assert f"wrote {tmp_path / 'out.parquet'}" in out
    back = read_recording(tmp_path / "out.parquet")
    assert back.data.equals(rec.data)
    assert back.meta.placement == "bar"
    assert back.meta.exercise == "bench"
    assert back.meta.load_kg == 82.5
    assert back.meta.athlete == "ana"
    assert back.meta.device == "sim" and back.meta.extra == {"seed": 5}


def test_format_option_overrides_extension(tmp_path: Path) -> None:
    write_recording(make_recording(), tmp_path / "in.parquet")
    code, _, err = run(
        "convert", str(tmp_path / "in.parquet"), str(tmp_path / "out.dat"), "--format", "csv"
    )
    assert code == 0, err
    assert (tmp_path / "out.json").exists()
    assert json.loads((tmp_path / "out.json").read_text())["format"] == "repscope-recording"
    assert read_recording(tmp_path / "out.dat").data.equals(make_recording().data)


@pytest.mark.parametrize(
    ("args", "snippet"),
    [
        (["--load-kg", "-5"], "load_kg must be zero or positive"),
        ([], "cannot tell the output format from the extension '.txt'"),
    ],
)
def test_convert_errors_are_one_line(tmp_path: Path, args: list[str], snippet: str) -> None:
    write_recording(make_recording(), tmp_path / "in.csv")
    code, _, err = run("convert", str(tmp_path / "in.csv"), str(tmp_path / "out.txt"), *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert snippet in err
    assert "Traceback" not in err


def test_bad_placement_is_rejected_by_click(tmp_path: Path) -> None:
    code, _, err = run("convert", "a.csv", "b.csv", "--placement", "ankle")
    assert code == 2
    assert "ankle" in err


def test_missing_input(tmp_path: Path) -> None:
    code, _, err = run("convert", str(tmp_path / "none.csv"), str(tmp_path / "b.csv"))
    assert code == 2
    missing = tmp_path / "none.csv"
    assert err == f"repscope: error: {missing}: no such file. Check the path and the spelling.\n"


@pytest.mark.realdata
def test_convert_metamotion_export(metamotion_wrist_dir: Path, tmp_path: Path) -> None:
    acc_file = sorted(metamotion_wrist_dir.glob("raw/*_Accelerometer_*.csv"))[0]
    code, _, err = run("convert", str(acc_file), str(tmp_path / "set.csv"), "--placement", "wrist")
    assert code == 0, err
    original = read_recording(acc_file)
    back = read_recording(tmp_path / "set.csv")
    assert back.data.equals(original.data)
    assert back.meta.placement == "wrist"
    assert back.meta.extra == original.meta.extra
    assert back.meta.start_time_utc == original.meta.start_time_utc


def test_help_has_example() -> None:
    code, out, _ = run("convert", "--help")
    assert code == 0
    assert "Example" in out and "--load-kg" in out
