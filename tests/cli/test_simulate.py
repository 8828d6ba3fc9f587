"""`repscope simulate` through the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.io import read_recording
from repscope.recording import ACC_COLUMNS, GYR_COLUMNS, TIME_COLUMN
from repscope.simulate import TRUTH_COLUMNS


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_writes_recording_sidecar_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "bench.csv"
    code, stdout, stderr = run(
        "simulate",
        str(out),
        "--reps",
        "4",
        "--tempo",
        "3-1-1-0",
        "--fault",
        "2:bounce",
        "--fault",
        "4:partial_rom",
        "--load-kg",
        "100",
        "--seed",
        "3",
        "--rate-hz",
        "50",
    )
    assert code == 0, stderr
    assert out.exists() and (tmp_path / "bench.json").exists()
    assert "bench.truth.csv" in stdout
    rec = read_recording(out)
    assert rec.columns() == [TIME_COLUMN, *ACC_COLUMNS, *GYR_COLUMNS]
    assert rec.meta.device == "simulator" and rec.meta.exercise == "bench"
    assert rec.meta.load_kg == 100.0 and rec.meta.sampling_rate_hz == 50.0
    assert rec.meta.extra["simulator"]["seed"] == 3
    truth = pd.read_csv(tmp_path / "bench.truth.csv")
    assert list(truth.columns) == list(TRUTH_COLUMNS)
    assert list(truth["rep"]) == [1, 2, 3, 4]
    assert list(truth["faults"].fillna("")) == ["", "bounce", "", "partial_rom"]
    assert truth["bottom_pause_s"].iloc[1] == 0.0
    assert np.isnan(truth["top_pause_s"].iloc[-1])
    assert (truth["load_kg"] == 100.0).all()
    assert truth["end_s"].iloc[-1] < rec.time_s[-1]


def test_parquet_sets_faults_per_set_and_custom_truth_path(tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    truth_out = tmp_path / "t" / "truth.csv"
    code, _, stderr = run(
        "simulate",
        str(out),
        "--exercise",
        "squat",
        "--sets",
        "2",
        "--reps",
        "2",
        "--rest-s",
        "30",
        "--fault",
        "2:1:grind",
        "--placement",
        "wrist",
        "--accel-only",
        "--truth-out",
        str(truth_out),
        "--rate-hz",
        "25",
    )
    assert code == 0, stderr
    rec = read_recording(out)
    assert not rec.has_gyro and rec.meta.placement == "wrist"
    truth = pd.read_csv(truth_out)
    assert list(truth["set"]) == [1, 1, 2, 2]
    assert list(truth["faults"].fillna("")) == ["", "", "grind", ""]
    assert truth["start_s"].iloc[2] - truth["end_s"].iloc[1] > 30.0


def test_same_seed_same_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        code, _, stderr = run(
            "simulate",
            str(tmp_path / f"{name}.csv"),
            "--reps",
            "2",
            "--seed",
            "9",
            "--exercise",
            "curl",
            "--placement",
            "wrist",
        )
        assert code == 0, stderr
    for suffix in (".csv", ".truth.csv"):
        assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()


def test_bad_fault_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for bad in ("3-bounce", "x:bounce", "2:cheat", "5:1:bounce"):
        code, _, stderr = run("simulate", str(tmp_path / "x.csv"), "--fault", bad)
        assert code == 2, bad
        assert stderr.startswith("repscope: error:") and len(stderr.strip().splitlines()) == 1
    code, _, stderr = run("simulate", str(tmp_path / "x.csv"), "--reps", "3", "--fault", "4:swing")
    assert code == 2 and "rep 4" in stderr
    code, _, stderr = run("simulate", str(tmp_path / "x.txt"))
    assert code == 2 and "extension" in stderr


def test_help_has_an_example() -> None:
    code, stdout, _ = run("simulate", "--help")
    assert code == 0
    assert "Example:" in stdout and "repscope simulate bench.csv" in stdout
    assert "--fault" in stdout and "bounce" in stdout
