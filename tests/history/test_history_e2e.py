"""Simulated blocks through the analysis into the history: 1RM against truth, the trends page."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _history_block import BLOCK, fill, simulate_block
from PIL import Image

from repscope.analysis import analyze_recording
from repscope.analysis.profiles import FLAGS
from repscope.history import open_history
from repscope.history.trends import compute_trends
from repscope.report.trends import PANELS, plot_trends, write_trends


def _trends(history, **kwargs):
    return compute_trends(
        history.sessions(athlete="ana"),
        history.sets(athlete="ana"),
        history.reps(athlete="ana"),
        exercise="bench",
        athlete="ana",
        **kwargs,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_estimated_1rm_covers_the_simulated_truth(seed, block_analyses, tmp_path):
    # seed 0 is the shared block (with faults); 1 and 2 are fault-free blocks
    analyses = block_analyses if seed == 0 else [analyze_recording(r) for r in simulate_block(seed)]
    with open_history(tmp_path / "h.sqlite") as history:
        fill(history, analyses)
        result = _trends(history)
    estimate = result.estimate
    assert estimate is not None and estimate.bounded
    truth = BLOCK["one_rm_kg"]
    assert estimate.ci_low_kg <= truth <= estimate.ci_high_kg, estimate.describe()
    assert abs(estimate.one_rm_kg - truth) < 5.0
    assert (estimate.n_points, estimate.n_loads) == (9, 7)
    # the simulated line: v0 1.8 m/s, 0.16 m/s at 100 kg
    assert estimate.slope_mps_per_kg == pytest.approx(-0.0164, rel=0.1)


def test_refuses_to_estimate_from_two_loads(block_analyses, tmp_path):
    with open_history(tmp_path / "h.sqlite") as history:
        fill(history, block_analyses)
        days = list(history.sessions()["date"])
        first_two = compute_trends(
            history.sessions(until=days[1]),
            history.sets(until=days[1]),
            history.reps(until=days[1]),
            exercise="bench",
            athlete="ana",
        )
    assert first_two.estimate is None
    assert "found 2 (55, 65 kg)" in first_two.refusal


def test_trends_page_has_every_panel(history_path):
    with open_history(history_path) as history:
        result = _trends(history)
    fig = plot_trends(result, source="history.sqlite")
    by_gid = {ax.get_gid(): ax for ax in fig.axes}
    assert tuple(by_gid) == PANELS
    n = len(result.summary)
    tempo = by_gid["tempo"]
    assert tempo.get_ylabel() == "phase duration (s)"
    assert [line.get_label() for line in tempo.get_lines()] == [
        "lowering (eccentric)",
        "bottom pause",
        "lifting (concentric)",
        "top pause",
    ]
    assert all(len(line.get_xdata()) == n for line in tempo.get_lines())
    assert by_gid["tempo-cv"].get_ylabel() == "coefficient of variation (%)"
    # a CV is "tempo variability"; "tempo consistency" is only ever the 0-100 score
    assert by_gid["tempo-cv"].get_title(loc="left").startswith("tempo variability")
    assert "consistency" not in by_gid["tempo-cv"].get_title(loc="left")
    assert by_gid["flags"].get_ylabel() == "reps flagged (%)"
    rate = next(line for line in by_gid["flags"].get_lines() if line.get_label() == "any flag")
    np.testing.assert_allclose(
        rate.get_ydata(), 100 * result.summary["flagged_rep_rate"].to_numpy(float)
    )
    # the stacked bars add up to the flagged-rep rate (a rep with two flags counts once)
    heights: dict[float, float] = {}
    for bar in by_gid["flags"].patches:
        centre = round(bar.get_x() + bar.get_width() / 2, 6)
        heights[centre] = heights.get(centre, 0.0) + bar.get_height()
    flagged = result.summary["flagged_rep_rate"].to_numpy(float) > 0
    assert flagged.any()
    np.testing.assert_allclose(
        sorted(h for h in heights.values() if h > 0),
        sorted(100 * result.summary["flagged_rep_rate"].to_numpy(float)[flagged]),
    )
    vel = by_gid["velocity-at-load"]
    assert f"velocity at {result.load_kg:g} kg" in vel.get_title(loc="left")
    assert len(vel.get_lines()[0].get_xdata()) == len(result.at_load)
    lv = by_gid["load-velocity"]
    assert lv.get_xlabel() == "load (kg)" and lv.get_ylabel() == "velocity (m/s)"
    texts = {t.get_gid(): t.get_text() for t in lv.texts}
    assert "an estimate, not a measured 1RM" in texts["estimate"]
    assert f"estimated 1RM {result.estimate.one_rm_kg:.1f} kg" in texts["estimate"]
    assert any(line.get_label().startswith("minimum velocity threshold") for line in lv.get_lines())
    assert "estimate" in fig.texts[-1].get_text()  # the footer says so too


def test_trends_page_without_an_estimate_says_why(history_path):
    with open_history(history_path) as history:
        day = history.sessions()["date"].iloc[0]
        result = compute_trends(
            history.sessions(until=day),
            history.sets(until=day),
            history.reps(until=day),
            exercise="bench",
            athlete="ana",
        )
    fig = plot_trends(result)
    lv = {ax.get_gid(): ax for ax in fig.axes}["load-velocity"]
    refusal = next(t for t in lv.texts if t.get_gid() == "refusal").get_text()
    assert "at least 3 different" in refusal.replace("\n", " ")
    assert "no 1RM estimate" in lv.get_title(loc="left")


def test_write_png_pdf_svg_reproducibly(history_path, tmp_path):
    with open_history(history_path) as history:
        result = _trends(history)
    png = write_trends(result, tmp_path / "t.png")
    with Image.open(png) as image:
        assert image.size == (1753, 1240)  # A4 landscape at the reports' 150 dpi
    pdf = write_trends(result, tmp_path / "t.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    first = write_trends(result, tmp_path / "a.svg").read_bytes()
    second = write_trends(result, tmp_path / "b.svg").read_bytes()
    assert first == second


def test_a_block_without_flags_says_so_on_the_flags_panel(history_path):
    with open_history(history_path) as history:
        result = _trends(history)
    flagged = {t.get_gid() for t in _flags_axes(plot_trends(result)).texts}
    assert "no-flags" not in flagged  # the shared block has flagged reps
    clean = result.summary.copy()
    clean["flagged_rep_rate"] = 0.0
    for column in ["n_flagged_reps", *(f"n_{flag}" for flag in FLAGS)]:
        clean[column] = 0
    ax = _flags_axes(plot_trends(dataclasses.replace(result, summary=clean)))
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts["no-flags"] == "no rep flagged in these sessions"
    assert not any(bar.get_height() > 0 for bar in ax.patches)


def _flags_axes(fig):
    return next(ax for ax in fig.axes if ax.get_gid() == "flags")
