"""Report pages of every sample recording: pages, phase shading, units, colours."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from report_helpers import (
    all_axes,
    pdf_page_count,
    phase_spans_by_axes,
    unlabelled_axes,
)

from repscope.report import phase_spans, plot_session_summary, plot_set, write_report
from repscope.report.style import FLAG_CODES, PHASE_COLOURS, PHASES


def expected_phases(reps) -> set[tuple[int, str]]:
    """(rep, phase) for every phase the rep table gives a positive duration."""
    return {
        (int(row["rep"]), phase)
        for row in reps.to_dict(orient="records")
        for phase in PHASES
        if row[f"{phase}_s"] > 0  # NaN (no pause after the last rep) is not a phase
    }


def test_pdf_has_summary_then_one_page_per_set(sample, tmp_path):
    name, result = sample
    out = tmp_path / f"{name}.pdf"
    assert write_report(result, out) == [out]
    assert len(result.sets) >= 1
    assert pdf_page_count(out) == 1 + len(result.sets)


def test_each_rep_phase_is_shaded_once_in_both_trace_panels(sample):
    _, result = sample
    for number in result.sets["set"]:
        reps = result.reps[result.reps["set"] == number]
        fig = plot_set(result, int(number))
        panels = phase_spans_by_axes(fig)
        assert len(panels) == 2, "position and velocity panels both carry the phases"
        want = expected_phases(reps)
        for found in panels.values():
            assert found == want
            for phase in PHASES:
                n_phase = int((reps[f"{phase}_s"] > 0).sum())
                assert sum(1 for _, p in found if p == phase) == n_phase


def test_shading_matches_the_phase_labels_of_the_traces(sample):
    """The report draws what the analysis labelled: most shaded samples agree."""
    _, result = sample
    first = result.provenance["parameters"]["profile"]["first_phase"]
    t = result.traces["time_s"].to_numpy(float)
    labels = result.traces["phase"].to_numpy(object)
    agree = total = 0
    for number in result.sets["set"]:
        reps = result.reps[result.reps["set"] == number]
        for _, phase, a, b in phase_spans(reps, first_phase=first):
            inside = (t > a) & (t < b)
            agree += int((labels[inside] == phase).sum())
            total += int(inside.sum())
    assert total > 0
    assert agree / total > 0.8


def test_every_axis_with_ticks_has_a_unit(sample):
    _, result = sample
    figures = [plot_session_summary(result)]
    figures += [plot_set(result, int(k)) for k in result.sets["set"]]
    for fig in figures:
        assert unlabelled_axes(fig) == []


def test_tempo_bars_are_the_rep_table_and_phase_colours_agree(sample):
    _, result = sample
    number = int(result.sets["set"].iloc[-1])
    reps = result.reps[result.reps["set"] == number]
    fig = plot_set(result, number)
    patches = [p for ax in fig.axes for p in ax.patches]
    bars = {p.get_gid(): p for p in patches if str(p.get_gid()).startswith("tempo-")}
    for row in reps.to_dict(orient="records"):
        for phase in PHASES:
            bar = bars[f"tempo-{row['rep']}-{phase}"]
            want = row[f"{phase}_s"] if np.isfinite(row[f"{phase}_s"]) else 0.0
            assert bar.get_height() == pytest.approx(want)
            assert to_rgba(bar.get_facecolor())[:3] == to_rgba(PHASE_COLOURS[phase])[:3]
    spans = [p for ax in fig.axes for p in ax.patches if str(p.get_gid()).startswith("rep-")]
    for span in spans:
        phase = span.get_gid().split("-", 2)[2]
        assert to_rgba(span.get_facecolor())[:3] == to_rgba(PHASE_COLOURS[phase])[:3]


def test_flags_are_written_above_their_reps(sample):
    _, result = sample
    for number in result.sets["set"]:
        reps = result.reps[result.reps["set"] == number]
        fig = plot_set(result, int(number))
        texts = {t.get_gid(): t.get_text() for ax in all_axes(fig) for t in ax.texts}
        for row in reps.to_dict(orient="records"):
            flags = [f for f in str(row["flags"]).split(";") if f]
            gid = f"flags-{row['rep']}"
            if flags:
                assert texts[gid].split("\n") == [FLAG_CODES[f] for f in flags]
            else:
                assert gid not in texts


def test_prescribed_tempo_lines_stop_at_an_x_phase(sample):
    _, result = sample
    tempo = result.provenance["tempo"]
    assert tempo, "every sample recording has a prescribed tempo"
    fig = plot_set(result, 1)
    lines = {
        line.get_gid(): line.get_ydata()[0]
        for ax in fig.axes
        for line in ax.get_lines()
        if str(line.get_gid()).startswith("prescribed-")
    }
    parts = tempo.split("-")
    total, want = 0.0, {}
    for phase, part in zip(PHASES, parts, strict=True):
        if part == "X":
            break
        total += float(part)
        if float(part) > 0:
            want[f"prescribed-{phase}"] = total
    assert lines == pytest.approx(want)


def test_target_band_is_the_tempo_off_tolerance_around_the_prescribed_time(sample):
    _, result = sample
    parts = result.provenance["tempo"].split("-")
    total = 0.0
    for part in parts:
        if part == "X":
            break
        total += float(part)
    fig = plot_set(result, 1)
    bands = [p for ax in fig.axes for p in ax.patches if p.get_gid() == "prescribed-band"]
    assert len(bands) == 1
    y0, y1 = bands[0].get_extents().y0, bands[0].get_extents().y1  # display units
    ax = next(ax for ax in fig.axes if bands[0] in ax.patches)
    inv = ax.transData.inverted()
    lo = inv.transform((0, y0))[1]
    hi = inv.transform((0, y1))[1]
    tol = max(0.5, 0.25 * total)
    assert lo == pytest.approx(total - tol, abs=0.02)
    assert hi == pytest.approx(total + tol, abs=0.02)
