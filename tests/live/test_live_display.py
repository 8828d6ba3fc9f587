"""Feedback lines, the screen's state, its rendering and the bell."""

from __future__ import annotations

import math

import pytest
from rich.console import Console

from repscope.analysis.profiles import get_profile
from repscope.live import LiveEvent
from repscope.live.display import Beeper, LiveView, feedback_line, render_view, summary_line
from repscope.tempo import parse_tempo

ROW = {
    "set": 1,
    "rep": 6,
    "start_s": 40.0,
    "end_s": 43.0,
    "eccentric_s": 0.94,
    "bottom_pause_s": 1.02,
    "concentric_s": 1.06,
    "top_pause_s": math.nan,
    "mean_concentric_velocity_mps": 0.412,
    "flags": "rushed_negative;tempo_off",
    "flag_reasons": "lowered in 0.9 s, target 3 s;lowering 0.9 s vs 3 s",
}
SUMMARY = {
    "set": 2,
    "n_reps": 8,
    "tempo_code": "2.9-1.0-1.1-0.1",
    "tempo_consistency": 91.6,
    "velocity_loss": 0.184,
    "verdict": "rushed_negatives",
    "verdict_reasons": "3 of 8 reps rushed the lowering",
}


def test_feedback_line_names_the_phases_and_the_flags_with_reasons():
    assert feedback_line(ROW) == (
        "rep 6: lowering 0.9 s, bottom pause 1.0 s, lifting 1.1 s, 0.41 m/s - "
        "rushed the lowering (lowered in 0.9 s, target 3 s); "
        "missed the tempo (lowering 0.9 s vs 3 s)"
    )
    clean = {**ROW, "flags": "", "flag_reasons": "", "top_pause_s": 0.04}
    assert (
        feedback_line(clean)
        == "rep 6: lowering 0.9 s, bottom pause 1.0 s, lifting 1.1 s, top pause 0.0 s, 0.41 m/s"
    )
    # JSON form (lists instead of ';'-joined text) reads the same
    listed = {**ROW, "flags": ["bounce"], "flag_reasons": ["no pause"]}
    assert feedback_line(listed).endswith("- bounced out of the bottom (no pause)")


def test_summary_line():
    assert summary_line(SUMMARY) == (
        "set 2: 8 reps, tempo 2.9-1.0-1.1-0.1, tempo consistency 92/100, velocity loss 18% - "
        "rushed lowering (3 of 8 reps rushed the lowering)"
    )
    assert summary_line({"set": 1, "n_reps": 0}) == "set 1: 0 reps"


def _events():
    return [
        LiveEvent("phase", 39.0, 0, phase="eccentric"),
        LiveEvent("set_started", 43.1, 2),
        LiveEvent("rep_completed", 43.1, 2, 6, row=dict(ROW)),
        LiveEvent("phase", 43.2, 2, phase="top_pause"),
        LiveEvent("rep_updated", 47.0, 2, 6, row={**ROW, "flags": "", "flag_reasons": ""}),
        LiveEvent("set_ended", 60.0, 2, summary=dict(SUMMARY), reps=tuple([dict(ROW)] * 8)),
    ]


def test_view_follows_the_events():
    view = LiveView(tempo=parse_tempo("3-1-1-0"), thresholds=get_profile("bench").thresholds)
    lines = [line for event in _events() for line in view.apply(event)]
    assert lines == [
        "set 2 started",
        feedback_line(ROW),
        "  corrected rep 6: lowering 0.9 s, bottom pause 1.0 s, lifting 1.1 s, 0.41 m/s",
        summary_line(SUMMARY),
        "Next set: slow the lowering: 0.9 s against 3 s (8 of 8 reps)",
    ]
    assert view.next_set_line == lines[-1]
    assert view.phase == "top_pause"
    assert view.rep_count == 8 and not view.in_set
    assert view.last_summary == SUMMARY
    assert view.target("eccentric") == 3.0
    assert view.on_target("eccentric", 0.94) is False  # 3 s +- max(0.5, 25%)
    assert view.on_target("concentric", 1.06) is True
    assert LiveView().on_target("eccentric", 3.0) is None


def test_rendering_shows_phase_count_tempo_against_target_and_flags():
    view = LiveView(
        title="repscope-diy-1: bench, bar",
        tempo=parse_tempo("3-1-1-0"),
        thresholds=get_profile("bench").thresholds,
    )
    for event in _events()[:4]:
        view.apply(event)
    console = Console(record=True, width=100, color_system=None)
    console.print(render_view(view))
    text = console.export_text()
    assert "repscope-diy-1: bench, bar" in text
    assert "PAUSE AT THE TOP" in text
    assert "6 reps" in text and "set 2" in text
    # table rows inside the panel: "│ │ phase │ actual │ target │ ... │"
    cells = [[c.strip() for c in line.split("│")] for line in text.splitlines()]
    rows = {c[2]: c[3:5] for c in cells if len(c) >= 6}
    assert rows["lowering"] == ["0.9 s", "3 s"]
    assert rows["lifting"] == ["1.1 s", "1 s"]
    assert rows["top pause"] == ["-", "0 s"]
    assert "rushed the lowering: lowered in 0.9 s, target 3 s" in text
    assert "rep 6: lowering 0.9 s" in text  # the log


def test_rendering_without_a_rep_yet():
    console = Console(record=True, width=80, color_system=None)
    console.print(render_view(LiveView()))
    text = console.export_text()
    assert "REST" in text and "0 reps" in text and "between sets" in text


def test_beeper_rings_once_per_clean_rep_and_three_times_spaced_for_a_flagged_one():
    written: list[str] = []
    scheduled: list[float] = []

    def schedule(delay_s, callback):
        scheduled.append(delay_s)
        callback()

    beeper = Beeper(written.append, schedule=schedule, gap_s=0.2)
    clean = LiveEvent("rep_completed", 1.0, 1, 1, row={**ROW, "flags": "", "flag_reasons": ""})
    beeper.on_event(clean)
    assert written == ["\a"] and scheduled == []
    beeper.on_event(LiveEvent("rep_completed", 2.0, 1, 2, row=dict(ROW)))
    assert written == ["\a"] * 4 and scheduled == [0.2, 0.4]
    beeper.on_event(LiveEvent("phase", 3.0, 1, phase="eccentric"))
    beeper.on_event(LiveEvent("rep_updated", 3.0, 1, 2, row=dict(ROW)))
    assert len(written) == 4


def _bench_view(**kwargs) -> LiveView:
    return LiveView(
        tempo=parse_tempo("3-1-1-0"), thresholds=get_profile("bench").thresholds, **kwargs
    )


def _text(renderable, *, width=80) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_phase_timer_runs_against_the_target():
    view = _bench_view()
    assert view.phase_timer() == ""  # no phase yet
    view.apply(LiveEvent("phase", 10.0, 1, phase="eccentric"))
    view.tick(11.8)
    assert view.phase_timer() == "1.8 of 3 s"
    assert "LOWERING (ECCENTRIC)  1.8 of 3 s" in _text(render_view(view))
    view.apply(LiveEvent("phase", 12.9, 1, phase="bottom_pause"))
    view.tick(13.4)
    assert view.phase_timer() == "0.5 of 1 s"
    view.apply(LiveEvent("phase", 13.5, 1, phase="bottom_pause"))  # same phase: timer goes on
    assert view.phase_timer() == "0.6 of 1 s"
    view.apply(LiveEvent("phase", 14.0, 0, phase="rest"))
    view.tick(20.0)
    assert view.phase_timer() == "6.0 s"  # no target at rest
    untimed = LiveView()
    untimed.apply(LiveEvent("phase", 1.0, 1, phase="concentric"))
    untimed.tick(1.7)
    assert untimed.phase_timer() == "0.7 s"  # no tempo, no target


def test_a_lost_sensor_is_shown_then_how_much_is_missing():
    view = _bench_view()
    view.apply(LiveEvent("phase", 10.0, 1, phase="concentric"))
    assert view.sensor_lost(89.6) == ["sensor lost, reconnecting"]
    assert view.sensor_lost(89.9) == []  # said once
    text = _text(render_view(view, session_s=92.0))
    assert "SENSOR LOST, reconnecting (2 s)" in text
    assert "LIFTING" not in text  # the phase is stale: not shown while lost
    assert view.phase_timer() == ""
    assert view.sensor_back(91.9, 2.31) == ["back, 2.3 s missing"]
    text = _text(render_view(view, session_s=93.0))
    assert "back, 2.3 s missing" in text and "SENSOR LOST" not in text
    assert "back, 2.3 s missing" not in _text(render_view(view, session_s=120.0)).split("\n")[1]
    view.sensor_lost(130.0)
    assert view.sensor_back(130.4, 0.0) == ["back, nothing missing"]


def test_long_lines_wrap_inside_the_panel_and_the_panel_fits_the_terminal():
    view = _bench_view(title="repscope-diy-1: bench, bar")
    for event in _events()[:4]:
        view.apply(event)
    for k in range(40):
        view.lines.append(f"rep {k}: " + feedback_line(ROW))
    width, height = 60, 24
    text = _text(render_view(view, height=height, width=width), width=width)
    lines = text.rstrip("\n").split("\n")
    assert len(lines) <= height - 1
    assert all(len(line) <= width for line in lines)
    assert text.count("repscope-diy-1: bench, bar") == 1
    assert lines[-1].startswith("╰")  # the panel is closed: nothing cut at the bottom
    # the newest log line is there in full, wrapped inside the borders
    inner = "".join(line[2:-2].strip() + " " for line in lines[1:-1])
    assert ("rep 39: " + feedback_line(ROW)).replace(" ", "") in inner.replace(" ", "")
    assert "rep 0: " not in inner  # the oldest lines made room
    # the flag's reason is not cut at the edge either
    assert "lowered in 0.9 s, target 3 s" in " ".join(inner.split())


def test_big_mode_shows_reps_tempo_and_velocity_in_block_letters():
    from repscope.live.big_type import big_text, render_big

    view = _bench_view(title="bench")
    for event in _events()[:3]:
        view.apply(event)
    text = _text(render_big(view), width=80)
    lines = text.rstrip("\n").split("\n")
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
    assert "REPS" in text and "REP 6 TEMPO (target 3-1-1-0)" in text and "VELOCITY m/s" in text
    assert "RUSHED THE LOWERING, MISSED THE TEMPO" in text
    inside = [line[2:].rstrip(" │") for line in lines]
    for number, wide in (("6", 2), ("0.9-1.0-1.1-?", 1), ("0.41", 2)):
        block = big_text(number, wide=wide).plain.split("\n")
        assert len(block) == 5
        start = inside.index(block[0])  # the five rows, one under the other
        assert inside[start : start + 5] == block, number
    # block letters: each digit is its own 5-row glyph
    assert big_text("1").plain.split("\n") == [" █", "██", " █", " █", "███"]


@pytest.mark.parametrize(("width", "height"), [(40, 30), (60, 24), (100, 18), (80, 50)])
def test_the_panel_fits_terminals_of_any_size(width, height):
    view = _bench_view(title="repscope-diy-1: bench, bar")
    for event in _events()[:4]:
        view.apply(event)
    for k in range(50):
        view.lines.append(f"rep {k}: " + feedback_line(ROW)[: 20 + 7 * (k % 13)])
    lines = _text(render_view(view, height=height, width=width), width=width).rstrip().split("\n")
    assert len(lines) <= height - 1
    assert lines[-1].startswith("╰") and all(len(line) <= width for line in lines)
    assert "rep 49: " in "\n".join(lines)
