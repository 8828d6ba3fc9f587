"""The real-like options: simulate, then measure, and compare with the known answer."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from repscope.errors import InputError
from repscope.simulate import (
    REAL_LIKE_SENSOR_RATE_HZ,
    BleTiming,
    SensorSpec,
    SetSpec,
    real_like_sensor,
    real_like_set,
    simulate_set,
)
from repscope.simulate.ble_timing import ble_rows
from repscope.simulate.motion import landing_ringing
from repscope.simulate.specs import bar_clip_mount


def _stale(rec_acc: np.ndarray, rec_gyr: np.ndarray) -> np.ndarray:
    six = np.hstack([rec_acc, rec_gyr])
    return np.concatenate([[False], np.all(np.diff(six, axis=0) == 0, axis=1)])


# ------------------------------------------------------------------------- BLE timing
@pytest.mark.parametrize("share", [0.0, 0.25, 0.33, 0.45])
def test_ble_rows_mark_the_requested_share_stale(share: float) -> None:
    rows = ble_rows(0.0, 30.0, BleTiming(stale_share=share), np.random.default_rng(1))
    assert rows.stale.mean() == pytest.approx(share, abs=0.002)
    assert not (rows.stale & rows.burst_start).any()  # a burst's first row is never stale
    assert (np.diff(rows.stamp_s) > 0).all()


@settings(max_examples=40, deadline=None)
@given(
    miss=st.floats(0.0, 0.9),
    short=st.floats(0.0, 0.9),
    stalls=st.floats(0.0, 2.0),
    share=st.floats(0.0, 0.59),
    half=st.floats(0.0, 0.29),
    span=st.floats(0.05, 20.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_ble_rows_invariants(
    miss: float, short: float, stalls: float, share: float, half: float, span: float, seed: int
) -> None:
    timing = BleTiming(
        miss_probability=miss,
        short_burst_probability=short,
        stalls_per_s=stalls,
        stale_share=share,
        half_stale_share=half,
    )
    rows = ble_rows(1.0, 1.0 + span, timing, np.random.default_rng(seed))
    n = rows.read_time_s.size
    assert n >= 1 and rows.read_time_s[0] == 1.0 and rows.read_time_s[-1] <= 1.0 + span
    assert (np.diff(rows.stamp_s) > 0).all()
    inner = int((~rows.burst_start).sum())
    assert int(rows.stale.sum()) == min(round(share * n), inner)
    marked = rows.stale.astype(int) + rows.acc_stale + rows.gyr_stale
    assert marked.max() <= 1 and not (marked.astype(bool) & rows.burst_start).any()


def test_half_stale_rows_repeat_one_sensor_only() -> None:
    timing = BleTiming(stale_share=0.3, half_stale_share=0.07)
    sensor = dataclasses.replace(SensorSpec(), ble=timing)
    res = simulate_set(
        SetSpec("row", n_reps=3), sampling_rate_hz=104, placement="bar", sensor=sensor, seed=9
    )
    rec = res.recording
    assert rec.gyr_dps is not None
    same_acc = np.concatenate([[False], np.all(np.diff(rec.acc_g, axis=0) == 0, axis=1)])
    same_gyr = np.concatenate([[False], np.all(np.diff(rec.gyr_dps, axis=0) == 0, axis=1)])
    assert (same_acc & same_gyr).mean() == pytest.approx(0.3, abs=0.005)
    half = (same_acc ^ same_gyr).mean()
    assert half == pytest.approx(0.07, abs=0.005)
    assert 0.3 < (same_acc & ~same_gyr).mean() / half < 0.7


def test_ble_rows_have_the_burst_rhythm() -> None:
    timing = BleTiming(miss_probability=0.0, short_burst_probability=0.0, stalls_per_s=0.0)
    rows = ble_rows(0.0, 20.0, timing, np.random.default_rng(2))
    gaps = np.diff(rows.read_time_s)
    inner = gaps[~rows.burst_start[1:]]
    assert inner.min() >= 0.0028 - 1e-12 and inner.max() <= 0.0045 + 1e-12
    starts = rows.read_time_s[rows.burst_start]
    np.testing.assert_allclose(np.diff(starts), 0.030, atol=1e-12)
    assert rows.read_time_s.size / 20.0 == pytest.approx(100.0, rel=0.01)  # 3 rows / 30 ms
    np.testing.assert_allclose(rows.stamp_s, np.round(rows.read_time_s, 3), atol=1e-12)


def test_ble_misses_and_stalls_lengthen_the_gaps() -> None:
    good = ble_rows(0.0, 60.0, BleTiming(), np.random.default_rng(3))
    poor = ble_rows(
        0.0, 60.0, BleTiming(miss_probability=0.5, stalls_per_s=0.2), np.random.default_rng(3)
    )
    assert poor.read_time_s.size < 0.6 * good.read_time_s.size
    assert np.diff(poor.read_time_s).max() > 0.1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"stale_share": 0.7},
        {"miss_probability": -0.1},
        {"row_spacing_s": (0.004, 0.003)},
        {"row_spacing_s": (0.002, 0.012)},
        {"clock_resolution_s": 0.01},
        {"interval_s": 0.0},
    ],
)
def test_ble_timing_rejects_impossible_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        BleTiming(**kwargs)  # type: ignore[arg-type]


def test_simulated_stream_has_the_requested_stale_share_and_exact_repeats() -> None:
    sensor = dataclasses.replace(SensorSpec(acc_decimals=4, gyr_decimals=2), ble=BleTiming())
    res = simulate_set(
        SetSpec("squat", n_reps=5, tempo="2-0-1-0"),
        sampling_rate_hz=104,
        placement="bar",
        sensor=sensor,
        seed=5,
    )
    rec = res.recording
    assert rec.gyr_dps is not None
    stale = _stale(rec.acc_g, rec.gyr_dps)
    assert stale.mean() == pytest.approx(0.33, abs=0.01)
    sim = rec.meta.extra["simulator"]
    assert sim["n_stale_rows"] == round(0.33 * sim["n_rows"])
    distinct_rate = (~stale).sum() / (rec.time_s[-1] - rec.time_s[0])
    assert rec.meta.sampling_rate_hz == pytest.approx(distinct_rate, abs=1.0)
    np.testing.assert_allclose(rec.time_s, np.round(rec.time_s, 3), atol=1e-9)


def test_the_truth_does_not_depend_on_the_sensor() -> None:
    spec = SetSpec("deadlift", n_reps=4, tempo="1.5-0.2-1-0", landing_g=0.5, roll_deg=(20, 30))
    kwargs = {"sampling_rate_hz": 104.0, "placement": "bar", "seed": 8}
    plain = simulate_set(spec, sensor=SensorSpec(), **kwargs)  # type: ignore[arg-type]
    ble = simulate_set(spec, sensor=real_like_sensor(rng=np.random.default_rng(8)), **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(plain.truth, ble.truth)
    # The truth's times lie on the recording's time base: reps inside the recording.
    t = ble.recording.time_s
    assert t[0] <= ble.truth["start_s"].min() and ble.truth["end_s"].max() <= t[-1] + 0.05


# -------------------------------------------------------------------- bias and mounts
def test_gyro_bias_estimated_from_a_still_stretch_equals_the_configured_one() -> None:
    bias = (5.0, -3.0, 7.5)
    sensor = SensorSpec(mount="upside_down", gyr_bias_dps=bias, gyr_noise_dps=3.0, ble=BleTiming())
    res = simulate_set(
        SetSpec("bench", n_reps=2, rest_before_s=8.0),
        sampling_rate_hz=104,
        placement="bar",
        sensor=sensor,
        seed=11,
    )
    rec = res.recording
    assert rec.gyr_dps is not None
    still = rec.time_s < 7.5
    fresh = still & ~_stale(rec.acc_g, rec.gyr_dps)
    estimate = rec.gyr_dps[fresh].mean(axis=0)
    se = 3.0 / np.sqrt(fresh.sum())
    np.testing.assert_allclose(estimate, bias, atol=4 * se + 0.01)
    noise = rec.gyr_dps[fresh].std(axis=0, ddof=1)
    np.testing.assert_allclose(noise, 3.0, rtol=0.15)


def test_upside_down_mount_reads_minus_one_g_on_z_at_rest() -> None:
    res = simulate_set(
        SetSpec("squat", n_reps=1),
        sampling_rate_hz=100,
        placement="bar",
        sensor=SensorSpec.ideal(mount="upside_down"),
        seed=1,
    )
    rest = res.recording.acc_g[res.recording.time_s < 2.5]
    np.testing.assert_allclose(rest.mean(axis=0), [0.0, 0.0, -1.0], atol=1e-6)


def test_bar_clip_mount_puts_x_along_the_bar_at_any_angle() -> None:
    rng = np.random.default_rng(4)
    z_at_rest = []
    for _ in range(200):
        m = bar_clip_mount(rng, misalignment_deg=5.0)
        np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(m) == pytest.approx(1.0)
        assert abs(m[1, 0]) > np.cos(np.radians(9.0))  # sensor x within 9 deg of body y
        z_at_rest.append(m.T[2, 2])  # world-up in the sensor frame at rest, z component
    assert min(z_at_rest) < -0.9 and max(z_at_rest) > 0.9


def test_unknown_mount_name_is_an_error() -> None:
    with pytest.raises(InputError, match="unknown sensor mount"):
        simulate_set(
            SetSpec("bench", n_reps=1),
            sampling_rate_hz=50,
            placement="bar",
            sensor=SensorSpec(mount="sideways"),
            seed=0,
        )


# ------------------------------------------------------------------------ motion options
def _peak_rotation_deg(res: object) -> float:
    tr = res.trajectory  # type: ignore[attr-defined]
    q = Rotation.from_quat(tr[["quat_x", "quat_y", "quat_z", "quat_w"]].to_numpy())
    return float(np.degrees((q[0].inv() * q).magnitude()).max())


def test_roll_range_sets_the_bar_roll() -> None:
    kwargs = {"sampling_rate_hz": 100.0, "placement": "bar", "seed": 2}
    spec = SetSpec("bench", n_reps=3, sway=0.0, roll_deg=(30.0, 30.0), rack=False)
    res = simulate_set(spec, sensor=SensorSpec.ideal(), **kwargs)  # type: ignore[arg-type]
    assert 29.0 < _peak_rotation_deg(res) < 33.0  # 30 deg roll plus at most 2 deg tilt
    default = simulate_set(
        dataclasses.replace(spec, roll_deg=None),
        sensor=SensorSpec.ideal(),
        **kwargs,  # type: ignore[arg-type]
    )
    assert _peak_rotation_deg(default) < 16.0


def test_landing_rings_on_the_floor_and_leaves_the_path_alone() -> None:
    kwargs = {"sampling_rate_hz": 400.0, "placement": "bar", "seed": 4}
    spec = SetSpec("deadlift", n_reps=3, tempo="2-0.5-2-0.5", sway=0.0)
    soft = simulate_set(spec, sensor=SensorSpec.ideal(), **kwargs)  # type: ignore[arg-type]
    hard = simulate_set(
        dataclasses.replace(spec, landing_g=1.0),
        sensor=SensorSpec.ideal(),
        **kwargs,  # type: ignore[arg-type]
    )
    pd.testing.assert_frame_equal(soft.truth, hard.truth)
    mag_soft = np.linalg.norm(soft.recording.acc_g, axis=1)
    mag_hard = np.linalg.norm(hard.recording.acc_g, axis=1)
    assert mag_soft.max() < 1.2
    t = hard.recording.time_s
    for end in hard.truth["eccentric_end_s"]:
        near = (t >= end) & (t < end + 0.05)
        assert mag_hard[near].max() > 1.35  # 1 g x U(0.6, 1.4), filtered at 160 Hz
        assert mag_soft[near].max() < 1.05
    dz = hard.trajectory["pos_z_m"] - soft.trajectory["pos_z_m"]
    assert dz.abs().max() < 1e-3
    squat = SetSpec("squat", n_reps=2, sway=0.0)
    ideal = SensorSpec.ideal()
    a = simulate_set(squat, sensor=ideal, **kwargs)  # type: ignore[arg-type]
    b = simulate_set(dataclasses.replace(squat, landing_g=1.0), sensor=ideal, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a.recording.acc_g, b.recording.acc_g)  # no floor in a squat


def test_landing_ringing_derivatives_are_consistent() -> None:
    t = np.arange(0.0, 0.4, 1e-5)
    ch = landing_ringing(t, 0.1, 15.0, 25.0, 0.015)
    inside = (t < 0.1 + 11 * 0.015) & (np.abs(t - 0.1) > 1e-4)  # the jump and the cut-off
    np.testing.assert_allclose(np.gradient(ch.value, t)[inside], ch.rate[inside], atol=2e-4)
    np.testing.assert_allclose(np.gradient(ch.rate, t)[inside], ch.accel[inside], atol=0.2)
    assert ch.accel.max() == pytest.approx(15.0, rel=0.01)
    assert ch.value[t < 0.1].max() == 0.0


def test_concentric_skew_brakes_harder_at_the_top() -> None:
    kwargs = {"sampling_rate_hz": 200.0, "placement": "bar", "seed": 12}
    spec = SetSpec("ohp", n_reps=4, tempo="2-0-0.8-0", sway=0.0, rack=False)
    plain = simulate_set(spec, sensor=SensorSpec.ideal(), **kwargs)  # type: ignore[arg-type]
    skewed = simulate_set(
        dataclasses.replace(spec, concentric_skew=1.0),
        sensor=SensorSpec.ideal(),
        **kwargs,  # type: ignore[arg-type]
    )
    pd.testing.assert_frame_equal(
        plain.truth.drop(columns="peak_concentric_velocity_mps"),
        skewed.truth.drop(columns="peak_concentric_velocity_mps"),
    )
    low_plain = np.linalg.norm(plain.recording.acc_g, axis=1).min()
    low_skewed = np.linalg.norm(skewed.recording.acc_g, axis=1).min()
    assert low_skewed < low_plain - 0.1


def test_hold_scale_shortens_the_holds_only() -> None:
    kwargs = {"sampling_rate_hz": 50.0, "placement": "bar", "seed": 6}
    spec = SetSpec("row", n_reps=3, rest_before_s=0.5, rest_after_s=0.5)
    full = simulate_set(spec, sensor=SensorSpec.ideal(), **kwargs)  # type: ignore[arg-type]
    short = simulate_set(
        dataclasses.replace(spec, hold_scale=0.1),
        sensor=SensorSpec.ideal(),
        **kwargs,  # type: ignore[arg-type]
    )
    shift = full.truth["start_s"].iloc[0] - short.truth["start_s"].iloc[0]
    for col in ("start_s", "end_s", "eccentric_end_s"):
        np.testing.assert_allclose(full.truth[col] - short.truth[col], shift, atol=1e-9)
    np.testing.assert_allclose(full.truth["eccentric_s"], short.truth["eccentric_s"])
    assert shift > 0.9  # at least 0.9 of the 1 s getting set
    assert short.recording.duration_s < full.recording.duration_s - shift


# --------------------------------------------------------------------------- presets
def test_real_like_set_is_continuous_touch_and_go() -> None:
    for k, exercise in enumerate(("curl", "deadlift", "row", "ohp", "squat")):
        rng = np.random.default_rng(100 + k)
        spec = real_like_set(exercise, rng=rng)
        res = simulate_set(
            spec,
            sampling_rate_hz=REAL_LIKE_SENSOR_RATE_HZ,
            placement="bar",
            sensor=real_like_sensor(rng=rng),
            seed=100 + k,
        )
        truth = res.truth
        assert len(truth) == 10 and not spec.racked
        per_rep = np.diff(truth["start_s"].to_numpy())
        assert per_rep.min() > 1.6 and per_rep.max() < 4.5
        assert 1.9 < np.median(per_rep) < 4.0
        assert res.recording.duration_s < 45.0
        assert res.recording.meta.extra["simulator"]["sensor"]["ble"]["stale_share"] >= 0.25


def test_real_like_presets_are_reproducible() -> None:
    a = real_like_sensor(rng=np.random.default_rng(3))
    b = real_like_sensor(rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.mount, b.mount)
    assert dataclasses.replace(a, mount=None) == dataclasses.replace(b, mount=None)
    assert real_like_set("row", rng=np.random.default_rng(3)) == real_like_set(
        "row", rng=np.random.default_rng(3)
    )
