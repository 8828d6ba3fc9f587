"""Curl strokes from the forearm's rotation (repscope.analysis.rotation)."""

from __future__ import annotations

import numpy as np
import pytest

from repscope.analysis import analyze_recording
from repscope.analysis.rotation import arc_speed
from repscope.simulate import SetSpec, simulate_set


def test_arc_speed_follows_the_main_axis_with_the_vertical_sign():
    rate = 100.0
    t = np.arange(0, 10, 1 / rate)
    omega_dps = 120.0 * np.sin(2 * np.pi * 0.5 * t)  # flexion and extension
    axis = np.array([0.6, 0.0, -0.8])  # the elbow axis, tilted in the sensor frame
    rng = np.random.default_rng(0)
    gyr = omega_dps[:, None] * axis[None, :] + rng.normal(0, 2.0, (t.size, 3))
    vertical = -0.3 * np.sin(2 * np.pi * 0.5 * t)  # flexion moves the hands down here
    speed = arc_speed(gyr, vertical, sampling_rate_hz=rate, arc_radius_m=0.3)
    assert speed is not None
    expected = -np.radians(omega_dps) * 0.3
    assert np.corrcoef(speed, expected)[0, 1] > 0.99
    assert np.max(np.abs(speed)) == pytest.approx(np.radians(120) * 0.3, rel=0.05)


def test_no_rotation_gives_none():
    gyr = np.random.default_rng(1).normal(0, 2.0, (500, 3))
    assert arc_speed(gyr, np.zeros(500), sampling_rate_hz=100.0, arc_radius_m=0.3) is None


@pytest.mark.parametrize(("rate", "seed"), [(50, 249), (200, 419)])
def test_slow_curls_on_the_wrist_are_counted(rate, seed):
    # 4 s negatives and grinds: the vertical velocity near the top of a curl is slow and a
    # wrist's orientation filter lags the fast flexion; counted from the vertical velocity
    # alone the first of these sets lost two reps
    spec = SetSpec("curl", n_reps=10, tempo="4-2-1-0", faults={1: "grind", 5: "grind"})
    res = simulate_set(spec, sampling_rate_hz=rate, placement="wrist", seed=seed)
    reps = analyze_recording(res.recording, tempo="4-2-1-0").reps
    assert len(reps) == 10
    starts = reps["start_s"].to_numpy()
    assert np.median(np.abs(starts - res.truth["start_s"].to_numpy())) < 0.1


def test_curl_phases_on_the_bar_come_from_the_rotation():
    spec = SetSpec("curl", n_reps=10, tempo="4-2-1-0", faults={1: "grind", 5: "grind"})
    res = simulate_set(spec, sampling_rate_hz=50, placement="bar", seed=11)
    reps = analyze_recording(res.recording, tempo="4-2-1-0").reps
    assert len(reps) == 10
    truth = res.truth
    for column in ("eccentric_s", "bottom_pause_s"):
        error = np.abs(reps[column].to_numpy() - truth[column].to_numpy())
        assert np.nanmedian(error) < 0.1, column
    # range of motion and velocity are the bar's vertical ones, not the arc's
    assert np.median(np.abs(reps["rom_m"].to_numpy() - truth["rom_m"].to_numpy())) < 0.03
