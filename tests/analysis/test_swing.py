"""The swing measure: horizontal speed over the concentric, judged against the set."""

from __future__ import annotations

import math

import numpy as np
import pytest

from repscope.analysis.swing import (
    horizontal_speed_mps,
    set_reference_speed_mps,
    swing_reason,
)

RATE_HZ = 100.0


def heave(distance_m: float, duration_s: float) -> np.ndarray:
    """Horizontal acceleration (N, 2) of a minimum-jerk move out and back along x."""
    n = round(duration_s * RATE_HZ)
    tau = np.linspace(0.0, 1.0, n // 2)
    half = duration_s / 2
    # minimum jerk: x = d (10 t^3 - 15 t^4 + 6 t^5), x'' = d / T^2 (60 t - 180 t^2 + 120 t^3)
    acc = distance_m / half**2 * (60 * tau - 180 * tau**2 + 120 * tau**3)
    out = np.zeros((2 * acc.size, 2))
    out[:, 0] = np.concatenate([acc, -acc])
    return out


def test_the_peak_speed_of_a_known_heave_is_recovered():
    # minimum jerk peaks at 1.875 d / T: 0.1 m in 0.4 s -> 0.47 m/s
    acc = heave(0.1, 0.8)
    assert horizontal_speed_mps(acc, 0, acc.shape[0], RATE_HZ) == pytest.approx(0.469, rel=0.03)


def test_a_constant_bias_integrates_to_nothing():
    # a tilt error leaks a constant share of g: the closed integral removes it
    acc = heave(0.1, 0.8) + np.array([0.3, -0.2])
    assert horizontal_speed_mps(acc, 0, acc.shape[0], RATE_HZ) == pytest.approx(0.469, rel=0.03)
    assert horizontal_speed_mps(np.tile([0.3, -0.2], (80, 1)), 0, 80, RATE_HZ) < 1e-12


def test_no_gyroscope_or_too_few_samples_is_unknown():
    assert math.isnan(horizontal_speed_mps(None, 0, 100, RATE_HZ))
    assert math.isnan(horizontal_speed_mps(np.zeros((10, 2)), 4, 6, RATE_HZ))
    with pytest.raises(ValueError, match="rate_hz"):
        horizontal_speed_mps(np.zeros((10, 2)), 0, 10, 0.0)


def test_the_reference_needs_three_measured_reps():
    assert math.isnan(set_reference_speed_mps([0.1, math.nan, 0.2]))
    assert set_reference_speed_mps([0.1, 0.3, math.nan, 0.2]) == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("speed", "reference", "swung"),
    [
        (0.5, 0.1, True),  # 5x the set and 0.4 m/s more
        (0.24, 0.1, False),  # 2.4x: under the ratio
        (0.25, 0.1, False),  # 2.5x but only 0.15 m/s more: a slow drift
        (0.31, 0.1, True),  # 3.1x and 0.21 m/s more: both hold
        (1.0, 0.6, False),  # a curl's arc: fast sideways every rep
        (math.nan, 0.1, False),
        (0.5, math.nan, False),
    ],
)
def test_a_swing_is_fast_against_the_set_and_in_absolute_terms(speed, reference, swung):
    why = swing_reason(speed, reference, ratio_to_set=2.5, min_speed_mps=0.2)
    assert bool(why) is swung
    if swung:
        assert f"{speed:.2f} m/s" in why


def test_a_sparse_or_gyro_less_stream_is_not_judged_for_swing_and_says_why() -> None:
    from repscope.analysis.swing import MIN_SWING_RATE_HZ, swing_unmeasured

    acc = np.zeros((100, 2))
    assert swing_unmeasured(acc, 50.0) == ""
    assert "15 samples/s" in swing_unmeasured(acc, 15.0)
    assert "gyroscope" in swing_unmeasured(None, 50.0)
    assert math.isnan(horizontal_speed_mps(acc, 0, 50, MIN_SWING_RATE_HZ / 2))
