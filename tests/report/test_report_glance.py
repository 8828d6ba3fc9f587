"""What a coach reads at a glance: next-set line, rep table, flags in words, stop line,
bar path, load and e1RM when known, landscape pages and --dpi."""

from __future__ import annotations

import dataclasses
import struct

import pytest
from click.testing import CliRunner
from report_helpers import SAMPLE_DIR, sample_analysis

from repscope.analysis.advice import advise_set
from repscope.analysis.flags import FLAG_WORDS
from repscope.cli.main import cli
from repscope.report import plot_session_summary, plot_set
from repscope.report.style import A4_LANDSCAPE_IN


def _texts(fig) -> dict[str, str]:
    found = {t.get_gid(): t.get_text() for t in fig.texts if t.get_gid()}
    for ax in fig.axes:
        found.update({t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()})
    return found


def _set_args(result, number: int = 1):
    reps = result.reps[result.reps["set"] == number].to_dict(orient="records")
    row = result.sets[result.sets["set"] == number].iloc[0].to_dict()
    return reps, row


def test_set_page_is_landscape_with_the_next_set_line_rep_table_and_flag_words():
    result = sample_analysis("bench_ego")
    fig = plot_set(result, 1)
    assert tuple(fig.get_size_inches()) == pytest.approx(A4_LANDSCAPE_IN)
    texts = _texts(fig)
    reps, row = _set_args(result)
    assert texts["next-set"] == advise_set(reps, row, result.provenance).line
    assert texts["next-set"].startswith("Next set: control the bottom")
    tables = [t for ax in fig.axes for t in ax.tables if t.get_gid() == "rep-table"]
    assert len(tables) == 1
    cells = tables[0].get_celld()
    assert max(r for r, _ in cells) == len(reps)  # a header row, then every rep
    words = texts["flag-words"]
    for flag in ("rushed_negative", "bounce", "partial_rom", "grind"):
        assert FLAG_WORDS[flag] in words
    assert "lowered in" in words and "target 3 s" in words  # the evidence, in words


def test_clean_set_says_keep_it_up_and_no_rep_flagged():
    fig = plot_set(sample_analysis("bench_3110_controlled"), 1)
    texts = _texts(fig)
    assert texts["next-set"] == "Next set: keep it up: tempo on target, no fault found"
    assert texts["flag-words"] == "no rep was flagged"


def test_velocity_loss_is_drawn_against_the_stop_line():
    result = sample_analysis("curl_wrist_rushed")
    lines = {
        line.get_gid(): line.get_ydata()[0]
        for fig in (plot_set(result, 1, stop_at_loss=0.2), plot_session_summary(result))
        for ax in fig.axes
        for line in ax.get_lines()
        if line.get_gid() == "stop-line"
    }
    assert lines  # drawn on both pages
    fig = plot_set(result, 1, stop_at_loss=0.2)
    (stop,) = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == "stop-line"]
    assert stop.get_ydata()[0] == pytest.approx(20.0)
    assert stop.get_label() == "stop at 20%"
    # without a threshold: the exercise's 'fatigued' line, labelled as such
    (line,) = [
        ln
        for ax in plot_set(result, 1).axes
        for ln in ax.get_lines()
        if ln.get_gid() == "stop-line"
    ]
    assert line.get_ydata()[0] == pytest.approx(40.0) and "fatigued" in line.get_label()


def test_bar_path_overlays_every_rep_and_says_it_is_vertical_only():
    result = sample_analysis("curl_wrist_rushed")
    fig = plot_set(result, 1)
    (ax,) = [ax for ax in fig.axes if ax.get_gid() == "bar-path"]
    assert len(ax.get_lines()) == int(result.sets["n_reps"].iloc[0])
    assert "vertical only" in ax.get_title(loc="left")
    # the sensor rode on the wrist: the page says whose height it draws
    assert ax.get_title(loc="left").startswith("wrist path")
    assert any(a.get_ylabel() == "wrist height (m)" for a in fig.axes)
    bar = plot_set(sample_analysis("bench_ego"), 1)
    assert any(a.get_ylabel() == "bar height (m)" for a in bar.axes)


def test_load_and_e1rm_are_shown_when_known_and_skipped_otherwise():
    result = sample_analysis("bench_ego")
    header = "\n".join(t.get_text() for t in plot_set(result, 1).texts)
    assert "100 kg" in header and "1RM" not in header
    sets = result.sets.assign(e1rm_kg=131.4, load_kg=95.0)
    known = dataclasses.replace(result, sets=sets)
    header = "\n".join(t.get_text() for t in plot_set(known, 1).texts)
    assert "95 kg" in header and "estimated 1RM 131 kg (an estimate)" in header
    summary = "\n".join(t.get_text() for t in plot_session_summary(known).texts)
    assert "estimated 1RM 131 kg" in summary


def test_a_warm_up_ramp_gives_the_same_day_1rm_on_the_summary_page(tmp_path):
    # a bench ramp at 40-100 kg on a 130 kg load-velocity line (the simulator's truth)
    from repscope.analysis import analyze_recording
    from repscope.io import read_recording

    path = tmp_path / "ramp.csv"
    args = ["simulate", str(path), "--exercise", "bench", "--sets", "4", "--reps", "3"]
    args += ["--set-loads", "40,60,80,100", "--one-rm-kg", "130", "--seed", "4"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    result = analyze_recording(read_recording(path))
    texts = [t.get_text() for t in plot_session_summary(result).texts]
    (head,) = [t for t in texts if "| loads 40, 60, 80, 100 kg" in t]
    assert "bench, 40-100 kg, bar" in head and "load not recorded" not in head
    one_rm = float(head.split("estimated 1RM ")[1].split(" kg")[0])
    assert abs(one_rm - 130) < 5 and "(an estimate)" in head
    (note,) = [t for t in texts if t.startswith("load-velocity profile")]
    low, high = (float(x) for x in note.split("interval ")[1].split(" kg")[0].split("-"))
    assert low <= 130 <= high and "an estimate, not a measured lift" in note
    # loads that do not make a line: the page says why there is no 1RM
    squat = sample_analysis("squat_session")
    loads = squat.sets.assign(load_kg=[60.0, 80.0, 100.0])
    texts = [
        t.get_text() for t in plot_session_summary(dataclasses.replace(squat, sets=loads)).texts
    ]
    assert not any("estimated 1RM" in t for t in texts)
    assert any(t.startswith("load-velocity profile") and "no 1RM estimate: " in t for t in texts)


def test_summary_of_one_set_has_every_panel_and_the_sets_table():
    fig = plot_session_summary(sample_analysis("bench_ego"))
    gids = {ax.get_gid() for ax in fig.axes}
    assert {"bar-speed", "tempo-sets", "consistency", "loss", "flagged"} <= gids
    for ax in fig.axes:
        if ax.get_gid() in ("bar-speed", "tempo-sets", "consistency", "loss", "flagged"):
            assert ax.patches or ax.get_lines(), ax.get_gid()  # no empty panel
    assert any(t.get_gid() == "summary-table" for ax in fig.axes for t in ax.tables)
    assert _texts(fig)["next-set"].startswith("After set 1, next set: ")


def _png_size(path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def test_report_dpi_and_stop_at_loss_through_the_cli(tmp_path):
    out = tmp_path / "ego.png"
    args = ["report", str(SAMPLE_DIR / "bench_ego.csv"), "--out", str(out), "--dpi", "60"]
    result = CliRunner().invoke(cli, [*args, "--stop-at-loss", "20%"])
    assert result.exit_code == 0, result.output
    assert _png_size(out) == (round(11.69 * 60), round(8.27 * 60))  # A4 landscape
    bad = CliRunner().invoke(cli, [*args, "--stop-at-loss", "120%"])
    assert bad.exit_code == 2 and "not a velocity loss" in bad.output


def test_rir_estimate_and_baseline_drift_are_on_the_pages():
    result = sample_analysis("squat_session")  # three sets of 5 reps
    sets = result.sets.copy()
    sets["estimated_rir"] = [2.0, float("nan"), float("nan")]
    sets["estimated_rir_low"] = [1.0, float("nan"), float("nan")]
    sets["estimated_rir_high"] = [4.0, float("nan"), float("nan")]
    sets["estimated_rir_note"] = [
        "an estimate",
        "no RIR estimate: why not",
        "no RIR estimate: why not",
    ]
    reps = result.reps.copy()
    second = reps["set"] == 2
    reps.loc[second, "eccentric_s"] = reps.loc[second, "eccentric_s"] * 0.4  # rushed lowering
    known = dataclasses.replace(result, sets=sets, reps=reps)

    first = "\n".join(t.get_text() for t in plot_set(known, 1).texts)
    assert "reps in reserve 2 (80% interval 1-4), an estimate" in first
    assert "Sánchez-Medina & González-Badillo 2011" in first  # its source
    assert "baseline: this set (the first set)" in first
    second_page = "\n".join(t.get_text() for t in plot_set(known, 2).texts)
    assert "no RIR estimate: why not" in second_page
    assert "against the baseline, set 1 (the first set): lowering" in second_page
    third = "\n".join(t.get_text() for t in plot_set(known, 3, reference_set=2).texts)
    assert "against the baseline, set 2 (named with --reference-set)" in third

    summary = plot_session_summary(known)
    notes = _texts(summary)["summary-notes"]
    assert "reps in reserve (RIR): an estimate" in notes
    assert "no RIR estimate ('-'): sets 2, 3: why not" in notes
    assert "set 2: lowering" in notes and "set 3: no drift" in notes.replace("\n", " ")
    table = next(t for ax in summary.axes for t in ax.tables if t.get_gid() == "summary-table")
    header = [table[0, c].get_text().get_text() for c in range(11)]
    assert "RIR (estimate)" in header
    col = header.index("RIR (estimate)")
    assert [table[r, col].get_text().get_text() for r in (1, 2, 3)] == ["2 (1-4)", "-", "-"]


def test_one_set_has_no_baseline_line():
    text = "\n".join(t.get_text() for t in plot_set(sample_analysis("bench_ego"), 1).texts)
    assert "baseline" not in text
