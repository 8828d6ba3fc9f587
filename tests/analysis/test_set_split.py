"""The set split: a rack ends a set, a hand-held pause does not (analysis.set_end)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from repscope.analysis import analyze_recording
from repscope.analysis.set_end import (
    HAND_TREMOR_MIN_MPS2,
    SetEndSettings,
    find_racks,
    racked_between,
    racked_spans,
    rest_level,
    rest_threshold,
)
from repscope.simulate import SensorSpec, SetSpec, simulate_session
from repscope.simulate.specs import RepSpec

RATE_HZ = 50.0
#: A sensor at a real accelerometer's floor (0.0005 g per axis: the MetaMotion wrist
#: ``rest`` recording reads 0.0045 m/s^2 at its quietest, see analysis.set_end).
QUIET_SENSOR = SensorSpec(acc_noise_g=0.0005)


def _still(n: int, sd_g: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    acc = np.zeros((n, 3))
    acc[:, 2] = 1.0 + rng.normal(0.0, sd_g, n)
    return acc


def test_rest_level_is_the_trailing_standard_deviation_of_the_magnitude():
    acc = _still(200, 0.001)
    t = np.arange(200) / RATE_HZ
    level = rest_level(t, acc, sampling_rate_hz=RATE_HZ)
    n = 25  # 0.5 s at 50 Hz
    assert np.isnan(level[: n - 1]).all()
    mag = np.linalg.norm(acc, axis=1) * 9.80665
    for i in (n - 1, 100, 199):
        assert level[i] == pytest.approx(np.std(mag[i - n + 1 : i + 1]), rel=1e-6)


def test_rest_level_is_nan_across_a_gap_and_a_missing_sample():
    acc = _still(200, 0.001)
    t = np.arange(200) / RATE_HZ
    t[100:] += 1.0  # one second missing before sample 100
    acc[150] = np.nan
    level = rest_level(t, acc, sampling_rate_hz=RATE_HZ)
    assert np.isnan(level[100:124]).all() and np.isfinite(level[124])  # 25-sample windows
    assert np.isnan(level[150:175]).all() and np.isfinite(level[175])
    assert np.isfinite(level[99])


def test_threshold_is_the_smaller_of_three_floors_and_the_quietest_hand():
    assert rest_threshold(0.002) == pytest.approx(0.006)
    # a recording that never leaves the hands: its floor is a held bar
    assert rest_threshold(0.05) == HAND_TREMOR_MIN_MPS2
    assert rest_threshold(math.nan) == -math.inf


def test_spans_need_rack_rest_s_without_a_break():
    t = np.arange(0, 10, 0.1)
    level = np.full(t.size, 1.0)
    level[10:25] = 0.001  # 1.4 s: too short
    level[40:56] = 0.001  # 1.5 s
    level[70:] = 0.001  # to the end, 2.9 s
    spans = racked_spans(t, level, threshold_mps2=0.002)
    assert spans == [(pytest.approx(4.0), pytest.approx(5.5)), (pytest.approx(7.0), 9.9)]
    assert racked_between(spans, 3.0, 6.0)
    assert not racked_between(spans, 4.5, 6.0)  # only 1.0 s of it inside
    assert racked_between(spans, 5.6, 9.0)


def test_settings_are_validated():
    with pytest.raises(ValueError, match="rack_rest_s"):
        SetEndSettings(rack_rest_s=0.0)
    with pytest.raises(ValueError, match="noise_factor"):
        SetEndSettings(noise_factor=0.5)


def test_a_held_bar_at_the_real_held_level_is_never_racked():
    # the lowest held level measured (feather bar sets, 0.048 m/s^2) as white noise in |f|
    acc = _still(3000, 0.048 / 9.80665 / 2)
    t = np.arange(3000) / RATE_HZ
    assert find_racks(t, acc, sampling_rate_hz=RATE_HZ) == []
    acc[1000:1200] = _still(200, 0.0005, seed=1)  # 4 s on the hooks
    (span,) = find_racks(t, acc, sampling_rate_hz=RATE_HZ)
    assert 20.0 <= span[0] <= 20.6 and 23.9 <= span[1] <= 24.2  # trailing 0.5 s window


def _session(*, seed: int, rest_between_s: float, exercise: str = "squat"):
    # rep 2 holds the bar 8 s at the top; the deadlift is set down on the floor, not racked
    pause = [RepSpec(top_pause_s=8.0 if i == 1 else None) for i in range(3)]
    half = rest_between_s / 2
    sets = [
        SetSpec(exercise, n_reps=3, reps=pause, tremor=1.0, rest_before_s=3.0, rest_after_s=half),
        SetSpec(exercise, n_reps=2, tremor=1.0, rest_before_s=half, rest_after_s=3.0),
    ]
    return simulate_session(
        sets, sampling_rate_hz=RATE_HZ, placement="bar", sensor=QUIET_SENSOR, seed=seed
    )


@pytest.mark.parametrize(("exercise", "seed"), [("squat", 1), ("squat", 2), ("deadlift", 3)])
def test_batch_splits_at_a_short_rack_and_keeps_an_eight_second_hold(exercise, seed):
    # a rest under set_gap_s (15 s)
    sim = _session(seed=seed, rest_between_s=8.0, exercise=exercise)
    result = analyze_recording(sim.recording)
    assert result.reps.groupby("set").size().tolist() == [3, 2]
    first_end = result.reps[result.reps["set"] == 1]["end_s"].max()
    second_start = result.reps[result.reps["set"] == 2]["start_s"].min()
    assert any(first_end < a and b < second_start for a, b in result.provenance["racked_spans_s"])
    held = result.reps[result.reps["set"] == 1]["top_pause_s"].iloc[1]
    assert held == pytest.approx(8.0, abs=1.0)


def test_batch_keeps_a_long_hold_when_the_recording_never_leaves_the_hands():
    # no rest at either edge: the quietest stretch is the held bar, whose floor the
    # threshold's physiological bound keeps from reading as a rack
    pause = [RepSpec(top_pause_s=8.0 if i == 1 else None) for i in range(4)]
    spec = SetSpec(
        "squat", n_reps=4, reps=pause, tremor=1.0, rest_before_s=0.0, rest_after_s=0.0, rack=False
    )
    sim = simulate_session(
        [spec], sampling_rate_hz=RATE_HZ, placement="bar", sensor=QUIET_SENSOR, seed=3
    )
    result = analyze_recording(sim.recording)
    assert result.reps["set"].tolist() == [1, 1, 1, 1]
    assert result.provenance["racked_spans_s"] == []
