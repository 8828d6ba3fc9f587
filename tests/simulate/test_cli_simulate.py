"""`repscope simulate` with --date, --athlete, --one-rm-kg and --real-like, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.io import read_recording
from repscope.simulate.block import DEFAULT_V0_MPS, FALLBACK_V1RM_MPS


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})  # rich: wide tables
    return result.exit_code, result.stdout, result.stderr


def test_date_athlete_and_load_velocity(tmp_path: Path) -> None:
    out = tmp_path / "dead.csv"
    code, _, stderr = run(
        "simulate", str(out), "--exercise", "deadlift", "--reps", "4",
        "--load-kg", "100", "--one-rm-kg", "180", "--date", "2025-03-03",
        "--athlete", "ana", "--seed", "2",
    )  # fmt: skip
    assert code == 0, stderr
    meta = json.loads((tmp_path / "dead.json").read_text())
    assert meta["start_time_utc"] == "2025-03-03T18:00:00+00:00"
    assert meta["athlete"] == "ana" and meta["load_kg"] == 100.0
    truth = pd.read_csv(tmp_path / "dead.truth.csv")
    v_load = DEFAULT_V0_MPS["deadlift"] - (DEFAULT_V0_MPS["deadlift"] - FALLBACK_V1RM_MPS) * (
        100 / 180
    )
    expected = v_load * (1 - 0.03 * np.arange(4))
    np.testing.assert_allclose(truth["mean_concentric_velocity_mps"], expected, rtol=1e-12)


def test_heavier_load_is_slower(tmp_path: Path) -> None:
    mcv = {}
    for load in ("60", "110"):
        out = tmp_path / f"bench{load}.csv"
        code, _, stderr = run(
            "simulate", str(out), "--reps", "3", "--load-kg", load, "--one-rm-kg", "120",
            "--seed", "1",
        )  # fmt: skip
        assert code == 0, stderr
        mcv[load] = pd.read_csv(tmp_path / f"bench{load}.truth.csv")[
            "mean_concentric_velocity_mps"
        ].iloc[0]
    assert mcv["110"] < mcv["60"] - 0.5


def test_a_training_block_from_the_command_line_goes_into_the_history(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    files = []
    for day, load in (("2025-03-03", "80"), ("2025-03-06", "90"), ("2025-03-10T07:30", "100")):
        out = tmp_path / f"{day[:10]}.csv"
        code, _, stderr = run(
            "simulate", str(out), "--reps", "3", "--tempo", "2-1-1-0", "--load-kg", load,
            "--one-rm-kg", "120", "--date", day, "--athlete", "ana", "--rate-hz", "50",
            "--seed", load,
        )  # fmt: skip
        assert code == 0, stderr
        files.append(str(out))
    code, _, stderr = run("history", "add", *files, "--db", str(db))
    assert code == 0, stderr
    code, stdout, stderr = run("history", "list", "--db", str(db), "--athlete", "ana")
    assert code == 0, stderr
    for day in ("2025-03-03", "2025-03-06", "2025-03-10"):
        assert day in stdout
    assert "3 sessions" in stdout


def test_real_like_writes_a_bursty_stream_with_stale_rows(tmp_path: Path) -> None:
    out = tmp_path / "row.csv"
    code, _, stderr = run(
        "simulate", str(out), "--exercise", "row", "--reps", "5", "--real-like", "--seed", "4"
    )
    assert code == 0, stderr
    rec = read_recording(out)
    assert rec.gyr_dps is not None
    six = np.hstack([rec.acc_g, rec.gyr_dps])
    stale = np.all(np.diff(six, axis=0) == 0, axis=1).mean()
    assert 0.2 < stale < 0.36
    gaps_ms = np.diff(rec.time_s) * 1000
    assert np.percentile(gaps_ms, 30) < 5 and np.percentile(gaps_ms, 90) > 15
    truth = pd.read_csv(tmp_path / "row.truth.csv")
    assert len(truth) == 5 and np.diff(truth["start_s"]).max() < 4.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date", "March 3rd"), "--date"),
        (("--real-like", "--placement", "wrist"), "--real-like"),
        (("--real-like", "--ideal-sensor"), "--real-like"),
        (("--load-kg", "150", "--one-rm-kg", "120"), "1RM"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, _, stderr = run("simulate", str(tmp_path / "x.csv"), *args)
    assert code == 2
    assert message in stderr and len(stderr.strip().splitlines()) == 1
