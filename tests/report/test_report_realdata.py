"""Reports of real MetaMotion wrist sets (skipped without ../shared/realdata)."""

from __future__ import annotations

import pandas as pd
import pytest
from report_helpers import pdf_page_count, phase_spans_by_axes, unlabelled_axes

from repscope.analysis import analyze_recording
from repscope.io import read_recording
from repscope.report import plot_session_summary, plot_set, write_report
from repscope.report.style import PHASES

EXERCISE = {"dead": "deadlift"}


@pytest.mark.realdata
@pytest.mark.parametrize("exercise", ["bench", "dead", "squat"])
def test_real_wrist_set_report(metamotion_wrist_dir, tmp_path, exercise):
    labels = pd.read_csv(metamotion_wrist_dir / "labels.csv")
    row = labels[labels["exercise"] == exercise].iloc[0]
    recording = read_recording(metamotion_wrist_dir / "raw" / row["accelerometer_file"])
    result = analyze_recording(
        recording, placement="wrist", exercise=EXERCISE.get(exercise, exercise)
    )
    out = tmp_path / "real.pdf"
    write_report(result, out, title=str(row["accelerometer_file"])[:30])
    assert pdf_page_count(out) == 1 + len(result.sets)
    assert unlabelled_axes(plot_session_summary(result)) == []
    for number in result.sets["set"]:
        reps = result.reps[result.reps["set"] == number]
        fig = plot_set(result, int(number))
        assert unlabelled_axes(fig) == []
        want = {
            (int(r["rep"]), p)
            for r in reps.to_dict(orient="records")
            for p in PHASES
            if r[f"{p}_s"] > 0
        }
        panels = phase_spans_by_axes(fig)
        assert list(panels.values()) == [want, want]
