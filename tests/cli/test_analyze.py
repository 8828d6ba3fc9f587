"""`repscope analyze` through the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from repscope.cli.analyze import REPS_OUT_COLUMNS
from repscope.cli.main import cli
from repscope.io import write_recording
from synthetic import bench_set


@pytest.fixture
def bench_csv(tmp_path):
    recording, truth = bench_set(n_reps=4)
    path = tmp_path / "bench.csv"
    write_recording(recording, path)
    return path, truth


def test_table_and_reps_out(bench_csv, tmp_path):
    path, truth = bench_csv
    out = tmp_path / "reps.csv"
    result = CliRunner().invoke(
        cli, ["analyze", str(path), "--tempo", "3-1-1-0", "--reps-out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Set 1: 4 reps" in result.output
    assert "verdict:" in result.output
    reps = pd.read_csv(out)
    assert tuple(reps.columns) == REPS_OUT_COLUMNS
    assert list(reps["set"]) == [1, 1, 1, 1] and list(reps["rep"]) == [1, 2, 3, 4]
    assert reps["top_pause_s"].isna().tolist() == [False, False, False, True]
    assert (reps["start_s"] - truth["start_s"]).abs().max() < 0.3


def test_json_has_sets_reps_and_provenance(bench_csv):
    path, _ = bench_csv
    result = CliRunner().invoke(cli, ["analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["provenance"]["placement"] == "bar"
    assert len(data["sets"]) == 1 and len(data["sets"][0]["reps"]) == 4
    assert isinstance(data["sets"][0]["reps"][0]["flags"], list)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tempo", "3-1-1"], "--tempo: tempo '3-1-1' is not a tempo code"),
        (["--exercise", "pushup"], "unknown exercise 'pushup'"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(bench_csv, args, message):
    path, _ = bench_csv
    result = CliRunner().invoke(cli, ["analyze", str(path), *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in result.output


def test_unknown_placement_names_the_file(tmp_path):
    recording, _ = bench_set(n_reps=1)
    recording.meta.placement = None
    path = tmp_path / "noplace.csv"
    write_recording(recording, path)
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.output and "--placement" in result.output


def test_help_has_an_example():
    result = CliRunner().invoke(cli, ["analyze", "--help"])
    assert result.exit_code == 0
    assert "repscope analyze sample_data/" in result.output
