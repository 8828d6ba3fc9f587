"""Windows that continue from the last reported rep's end: only the new stretch, same numbers."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from repscope.analysis import AnalysisConfig, analyze_recording
from repscope.live import LiveAnalyzer
from repscope.live.scheduling import UpdateStats
from repscope.live.session import replay_recording
from repscope.live.settings import LiveSettings
from repscope.live.window_analysis import WindowAnalysis
from repscope.recording import Recording
from repscope.simulate import SetSpec, simulate_set

COLUMNS = ("start_s", "end_s", "eccentric_s", "concentric_s", "rom_m")


def _squat(seed: int, rate: float = 100.0):
    spec = SetSpec("squat", n_reps=5, tempo="X-0-X-0", rest_before_s=2.0, rest_after_s=2.0)
    return simulate_set(spec, sampling_rate_hz=rate, placement="bar", seed=seed)


def test_a_continued_window_gives_the_numbers_of_analyze_with_the_same_facts():
    """The rule of the live engine, for a window from a rep's end (orientation, zero velocity)."""
    rec = _squat(365020).recording
    assert rec.gyr_dps is not None
    values = np.column_stack([rec.acc_g, rec.gyr_dps])
    analysis = WindowAnalysis(
        sampling_rate_hz=100.0,
        placement="bar",
        exercise="squat",
        tempo=None,
        config=AnalysisConfig(),
        settings=LiveSettings(),
        device="test",
        timer=time.perf_counter,
        stats=UpdateStats(),
    )
    first = analysis.run(rec.time_s, values, at_zero=True)
    assert first is not None and len(first.rows) >= 3
    end = float(first.rows[1]["end_s"])
    start = first.orientation_at(end)
    assert start is not None
    keep = rec.time_s >= end - 1e-9
    floor = analysis.noise_floor_mps2
    window = analysis.run(rec.time_s[keep], values[keep], at_zero=True, start=start)
    assert window is not None
    batch = analyze_recording(
        Recording.from_arrays(
            time_s=rec.time_s[keep],
            acc_g=rec.acc_g[keep],
            gyr_dps=rec.gyr_dps[keep],
            meta=analysis.meta,
        ),
        config=analysis.live_config,
        known_noise_floor_mps2=floor,
        ends_at_rest=True,
        initial_orientation=start,
        starts_at_rest=True,
    ).reps
    assert len(window.rows) == len(batch) >= 2
    for row, (_, ref) in zip(window.rows, batch.iterrows(), strict=True):
        for col in (*COLUMNS, "mean_concentric_velocity_mps", "mean_propulsive_velocity_mps"):
            a, b = float(row[col]), float(ref[col])
            assert (math.isnan(a) and math.isnan(b)) or a == b, col
    # the later reps as the whole recording's window has them, to a few samples
    later = [r for r in first.rows if float(r["start_s"]) >= end - 1e-9]
    for row, ref in zip(window.rows, later, strict=False):
        assert abs(float(row["end_s"]) - float(ref["end_s"])) <= 0.05


@pytest.mark.parametrize(("seed", "rate"), [(365021, 100.0), (365022, 50.0)])
def test_touch_and_go_windows_continue_from_reported_ends_and_report_on_time(seed, rate):
    sim = _squat(seed, rate)
    analyzer = LiveAnalyzer(
        sampling_rate_hz=rate, placement="bar", exercise="squat", max_lag_s=None
    )
    starts: list[float] = []
    analyzer.on_update = lambda t0, t1, at_zero, window: starts.append(t0)
    result = replay_recording(sim.recording, analyzer)
    reported = [e for e in result.events if e.kind == "rep_completed"]
    truth_end = sim.truth["end_s"].to_numpy()
    assert len(reported) == len(truth_end)
    ends = {float(e.row["end_s"]) for e in reported}
    assert sum(1 for t0 in starts if t0 in ends) >= 3  # windows from reported ends
    for event in reported:
        nearest = truth_end[np.argmin(np.abs(truth_end - event.row["end_s"]))]
        assert -0.25 <= event.time_s - nearest <= 0.5


def test_without_continuation_windows_start_at_the_rep_start():
    sim = _squat(365021)
    analyzer = LiveAnalyzer(
        sampling_rate_hz=100.0,
        placement="bar",
        exercise="squat",
        continue_from_end=False,
        max_lag_s=None,
    )
    starts: list[float] = []
    analyzer.on_update = lambda t0, t1, at_zero, window: starts.append(t0)
    result = replay_recording(sim.recording, analyzer)
    ends = {float(e.row["end_s"]) for e in result.events if e.kind == "rep_completed"}
    assert len(ends) == 5
    assert not any(t0 in ends for t0 in starts)
