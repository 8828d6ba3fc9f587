"""Empty states, a 20-rep set without colliding labels, byte-identical files."""

from __future__ import annotations

import dataclasses
import itertools

import pandas as pd
import pytest
from report_helpers import all_axes, pdf_page_count, sample_analysis, unlabelled_axes

from repscope.analysis import SessionAnalysis, analyze_recording
from repscope.analysis.tables import SET_COLUMNS, empty_reps
from repscope.errors import InputError
from repscope.report import NO_REPS_TEXT, plot_session_summary, plot_set, write_report
from repscope.simulate import SetSpec, simulate_set


@pytest.fixture(scope="module")
def twenty_reps() -> SessionAnalysis:
    faults = {k: ["bounce", "rushed_negative"] for k in range(2, 21, 3)}
    res = simulate_set(
        SetSpec("squat", n_reps=20, tempo="2-0-1-0", faults=faults),
        sampling_rate_hz=100,
        placement="bar",
        seed=1,
    )
    return analyze_recording(res.recording, tempo="2-0-1-0")


def no_sets(result: SessionAnalysis) -> SessionAnalysis:
    return dataclasses.replace(
        result, reps=empty_reps(), sets=pd.DataFrame(columns=list(SET_COLUMNS))
    )


def texts_of(fig) -> list[str]:
    return [t.get_text() for t in fig.texts] + [t.get_text() for a in fig.axes for t in a.texts]


def test_recording_without_sets_gives_one_no_reps_page_with_provenance(tmp_path):
    result = no_sets(sample_analysis("bench_ego"))
    fig = plot_session_summary(result)
    texts = texts_of(fig)
    assert NO_REPS_TEXT in texts
    footer = next(t for t in fig.texts if t.get_gid() == "footer").get_text()
    assert f"repscope {result.provenance['repscope_version']}" in footer
    assert "100 Hz" in footer and "simulator" in footer
    out = tmp_path / "empty.pdf"
    write_report(result, out)
    assert pdf_page_count(out) == 1
    assert write_report(result, tmp_path / "empty.png") == [tmp_path / "empty.png"]


def test_set_without_reps_says_so():
    result = sample_analysis("squat_session")
    fig = plot_set(result, 7)
    assert NO_REPS_TEXT in texts_of(fig)
    assert not fig.axes
    with pytest.raises(InputError, match="start at 1"):
        plot_set(result, 0)


def overlaps(boxes) -> list[tuple[int, int]]:
    return [
        (i, j)
        for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2)
        if a.overlaps(b) and a.width > 0 and b.width > 0
    ]


def test_twenty_reps_without_overlapping_labels(twenty_reps):
    assert int(twenty_reps.sets["n_reps"].iloc[0]) == 20
    fig = plot_set(twenty_reps, 1)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in all_axes(fig):
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            shown = [t.get_text() for t in labels]
            assert overlaps(boxes) == [], f"{ax.get_title(loc='left')}: {shown}"
    flags = [t for ax in fig.axes for t in ax.texts if str(t.get_gid()).startswith("flags-")]
    assert len(flags) >= 5  # the simulated faults were flagged on several reps
    assert overlaps([t.get_window_extent(renderer) for t in flags]) == []
    # every rep keeps a tick in the tempo panel at 20 reps
    tempo_ax = next(ax for ax in fig.axes if ax.get_title(loc="left") == "tempo per rep")
    assert [t.get_text() for t in tempo_ax.get_xticklabels()] == [str(k) for k in range(1, 21)]
    assert unlabelled_axes(fig) == []


def test_titles_do_not_collide(twenty_reps):
    fig = plot_set(twenty_reps, 1)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        titles = [ax.title, ax._left_title, ax._right_title]
        boxes = [t.get_window_extent(renderer) for t in titles if t.get_text()]
        assert overlaps(boxes) == []


@pytest.mark.parametrize("suffix", ["pdf", "png", "svg"])
def test_two_runs_give_identical_bytes(tmp_path, suffix):
    result = sample_analysis("squat_session")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_report(result, tmp_path / "a" / f"r.{suffix}")
    second = write_report(result, tmp_path / "b" / f"r.{suffix}")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    data = first[0].read_bytes()
    if suffix == "pdf":
        assert b"CreationDate" not in data and b"/Creator (repscope)" in data
    if suffix == "svg":
        assert b"<dc:date>" not in data
    if suffix == "png":
        assert b"matplotlib" not in data.lower()


def test_png_of_a_multi_set_session_is_one_file_per_set(tmp_path):
    result = sample_analysis("squat_session")
    written = write_report(result, tmp_path / "squat.png")
    assert [p.name for p in written] == [
        "squat-summary.png",
        "squat-set1.png",
        "squat-set2.png",
        "squat-set3.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in written)


def test_bad_extension_is_one_line(tmp_path):
    with pytest.raises(InputError) as info:
        write_report(sample_analysis("bench_ego"), tmp_path / "r.jpg")
    assert "\n" not in str(info.value) and ".pdf, .png or .svg" in str(info.value)
