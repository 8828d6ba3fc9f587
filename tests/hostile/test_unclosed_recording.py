"""A recording whose recorder was killed (issue 17): the data rows count, and info says so."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.io import read_recording, write_recording
from repscope.recording import Recording, RecordingMeta


def _recording(complete: bool) -> Recording:
    n = 630
    return Recording.from_arrays(
        time_s=np.arange(n) / 50.0,
        acc_g=np.tile([0.0, 0.0, 1.0], (n, 1)),
        meta=RecordingMeta(
            sampling_rate_hz=50.0,
            device="repscope-diy-1",
            extra={"ble": {"label": "bar", "samples": 0, "complete": complete}},
        ),
    )


def test_info_says_a_killed_recording_was_not_closed_and_uses_its_rows(tmp_path):
    path = tmp_path / "killed.csv"
    write_recording(_recording(False), path)
    assert read_recording(path).n_samples == 630  # the rows, not the sidecar's 0
    result = CliRunner().invoke(cli, ["info", str(path)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "NOT CLOSED" in text and "the 630 data rows are what is used" in text
    assert "its sidecar counted 0 at its last update" in text
    assert json.loads((tmp_path / "killed.json").read_text())["extra"]["ble"]["samples"] == 0


def test_info_says_a_finished_recording_was_closed(tmp_path):
    path = tmp_path / "done.csv"
    write_recording(_recording(True), path)
    result = CliRunner().invoke(cli, ["info", str(path)], env={"COLUMNS": "250"})
    assert "closed normally" in result.output
