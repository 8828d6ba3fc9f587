"""Reproducibility, truth consistency and physics checks of the simulator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from repscope.errors import InputError
from repscope.recording import STANDARD_GRAVITY_MPS2
from repscope.simulate import (
    TRUTH_COLUMNS,
    Fault,
    RepSpec,
    SensorSpec,
    SetSpec,
    parse_tempo,
    simulate_session,
    simulate_set,
)
from repscope.simulate.specs import rotation_from_euler_deg


def _bench(**kw: object) -> SetSpec:
    args: dict[str, object] = {"exercise": "bench", "n_reps": 4, "tempo": "3-1-1-0", "load_kg": 80}
    args.update(kw)
    return SetSpec(**args)  # type: ignore[arg-type]


def test_parse_tempo() -> None:
    assert parse_tempo("3-1-1-0") == (3.0, 1.0, 1.0, 0.0)
    assert parse_tempo("31X0") == (3.0, 1.0, None, 0.0)
    assert parse_tempo("3-1-X-1") == (3.0, 1.0, None, 1.0)
    assert parse_tempo("2.5-0-1-0") == (2.5, 0.0, 1.0, 0.0)
    for bad in ("3-1-1", "31100", "3-a-1-0", "-1-1-1-1"):
        with pytest.raises(InputError):
            parse_tempo(bad)
    with pytest.raises(InputError):
        SetSpec("bench", tempo="0-1-1-0")


def test_same_seed_is_bit_identical_and_other_seed_differs() -> None:
    spec = _bench(faults={2: "bounce"})
    a = simulate_set(spec, sampling_rate_hz=100, placement="bar", seed=7)
    b = simulate_set(spec, sampling_rate_hz=100, placement="bar", seed=7)
    c = simulate_set(spec, sampling_rate_hz=100, placement="bar", seed=8)
    pd.testing.assert_frame_equal(a.recording.data, b.recording.data, check_exact=True)
    pd.testing.assert_frame_equal(a.truth, b.truth, check_exact=True)
    pd.testing.assert_frame_equal(a.trajectory, b.trajectory, check_exact=True)
    assert a.recording.meta == b.recording.meta
    assert not np.array_equal(a.truth["eccentric_s"], c.truth["eccentric_s"])


@pytest.mark.parametrize("exercise", ["bench", "squat", "deadlift", "row", "curl", "ohp"])
def test_truth_is_consistent(exercise: str) -> None:
    spec = SetSpec(exercise, n_reps=3, tempo="2-1-1-1", load_kg=50)
    res = simulate_set(spec, sampling_rate_hz=50, placement="bar", seed=1)
    t = res.truth
    assert list(t.columns) == list(TRUTH_COLUMNS)
    assert list(t["rep"]) == [1, 2, 3] and set(t["set"]) == {1}
    down_first = exercise in ("bench", "squat")
    np.testing.assert_allclose(t["eccentric_end_s"] - t["eccentric_start_s"], t["eccentric_s"])
    np.testing.assert_allclose(t["concentric_end_s"] - t["concentric_start_s"], t["concentric_s"])
    if down_first:
        np.testing.assert_allclose(t["start_s"], t["eccentric_start_s"])
        np.testing.assert_allclose(t["end_s"], t["concentric_end_s"])
        gap = t["concentric_start_s"] - t["eccentric_end_s"]
        np.testing.assert_allclose(gap, t["bottom_pause_s"])
        np.testing.assert_allclose(
            t["start_s"].iloc[1:].to_numpy() - t["end_s"].iloc[:-1].to_numpy(),
            t["top_pause_s"].iloc[:-1],
        )
        assert math.isnan(t["top_pause_s"].iloc[-1])
        assert t["bottom_pause_s"].notna().all()
    else:
        np.testing.assert_allclose(t["start_s"], t["concentric_start_s"])
        np.testing.assert_allclose(t["end_s"], t["eccentric_end_s"])
        np.testing.assert_allclose(t["eccentric_start_s"] - t["concentric_end_s"], t["top_pause_s"])
        np.testing.assert_allclose(
            t["start_s"].iloc[1:].to_numpy() - t["end_s"].iloc[:-1].to_numpy(),
            t["bottom_pause_s"].iloc[:-1],
        )
        assert math.isnan(t["bottom_pause_s"].iloc[-1])
    durations = t[["eccentric_s", "bottom_pause_s", "concentric_s", "top_pause_s"]].fillna(0)
    np.testing.assert_allclose(
        t["start_s"].iloc[1:].to_numpy() - t["start_s"].iloc[:-1].to_numpy(),
        durations.sum(axis=1).iloc[:-1],
    )
    np.testing.assert_allclose(
        t["mean_concentric_velocity_mps"], t["rom_m"] / t["concentric_s"], rtol=1e-12
    )
    assert (t["peak_concentric_velocity_mps"] > t["mean_concentric_velocity_mps"]).all()
    st = res.sets_truth.iloc[0]
    assert st["start_s"] == t["start_s"].iloc[0] and st["end_s"] == t["end_s"].iloc[-1]
    assert st["n_reps"] == 3


def test_truth_matches_trajectory() -> None:
    """Phases are where the true vertical velocity has the right sign; ROM and peak too."""
    spec = SetSpec("squat", n_reps=3, tempo="2-1-1-1", rom_m=0.5, sway=0.0)
    res = simulate_set(spec, sampling_rate_hz=100, placement="bar", seed=3)
    tr = res.trajectory
    time = tr["time_s"].to_numpy()
    vz = tr["vel_z_mps"].to_numpy()
    z = tr["pos_z_m"].to_numpy()
    for row in res.truth.itertuples():
        ecc = (time > row.eccentric_start_s + 1e-3) & (time < row.eccentric_end_s - 1e-3)
        con = (time > row.concentric_start_s + 1e-3) & (time < row.concentric_end_s - 1e-3)
        bottom = (time > row.eccentric_end_s) & (time < row.concentric_start_s)
        assert (vz[ecc] < 0).all() and (vz[con] > 0).all()
        assert np.abs(vz[bottom]).max(initial=0.0) < 1e-9
        z_at = np.interp([row.concentric_start_s, row.concentric_end_s], time, z)
        assert z_at[1] - z_at[0] == pytest.approx(row.rom_m, abs=1e-6)
        assert vz[con].max() == pytest.approx(row.peak_concentric_velocity_mps, rel=1e-3)


def test_double_integrated_acceleration_reproduces_rom() -> None:
    spec = SetSpec("bench", n_reps=2, tempo="2-1-1-0", rom_m=0.4, sway=0.0)
    res = simulate_set(spec, sampling_rate_hz=100, placement="bar", seed=4)
    tr = res.trajectory
    dt = tr["time_s"].iloc[1] - tr["time_s"].iloc[0]
    acc = tr["acc_z_mps2"].to_numpy()
    vel = np.concatenate([[0.0], np.cumsum((acc[1:] + acc[:-1]) / 2) * dt])
    pos = np.concatenate([[0.0], np.cumsum((vel[1:] + vel[:-1]) / 2) * dt])
    for row in res.truth.itertuples():
        p = np.interp([row.concentric_start_s, row.concentric_end_s], tr["time_s"], pos)
        assert p[1] - p[0] == pytest.approx(row.rom_m, abs=1e-3)


def test_rest_reads_one_g_along_rotated_world_up() -> None:
    mount = rotation_from_euler_deg([30.0, -50.0, 120.0])
    res = simulate_set(
        _bench(),
        sampling_rate_hz=100,
        placement="bar",
        sensor=SensorSpec.ideal(mount=mount),
        seed=0,
    )
    rec = res.recording
    rest = rec.time_s < 2.5
    expected = mount.T @ np.array([0.0, 0.0, 1.0])
    np.testing.assert_allclose(rec.acc_g[rest], np.tile(expected, (rest.sum(), 1)), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(rec.acc_g[rest], axis=1), 1.0, atol=1e-6)
    gyr = rec.gyr_dps
    assert gyr is not None
    np.testing.assert_allclose(gyr[rest], 0.0, atol=1e-6)


def test_sensor_acceleration_rotated_back_minus_gravity_is_trajectory_acceleration() -> None:
    spec = _bench(faults={2: Fault.SWING})
    res = simulate_set(
        spec, sampling_rate_hz=200, placement="bar", sensor=SensorSpec(drop_fraction=0.0), seed=5
    )
    from scipy.spatial.transform import Rotation

    rec = res.recording
    tr = res.trajectory
    quat = tr[["quat_x", "quat_y", "quat_z", "quat_w"]].to_numpy()
    # Sample the truth at the recording's nominal instants (every m-th fine sample).
    factor = len(tr) // (len(rec.data) - 1)
    idx = np.arange(len(rec.data)) * factor
    r_ws = Rotation.from_quat(quat[idx])
    bias = np.array(rec.meta.extra["simulator"]["acc_bias_g"])
    world = r_ws.apply(rec.acc_g - bias) * STANDARD_GRAVITY_MPS2
    world[:, 2] -= STANDARD_GRAVITY_MPS2
    true_acc = tr[["acc_x_mps2", "acc_y_mps2", "acc_z_mps2"]].to_numpy()[idx]
    err = world - true_acc
    noise = 0.01 * STANDARD_GRAVITY_MPS2
    assert np.abs(err.mean(axis=0)).max() < 0.01
    assert err.std(axis=0).max() < 1.5 * noise
    assert np.abs(true_acc).max() > 1.0  # the set really moves


def test_mean_concentric_velocity_is_rom_over_duration_for_explicit_reps() -> None:
    reps = [
        RepSpec(eccentric_s=2.0, bottom_pause_s=0.5, concentric_s=0.8, top_pause_s=0.0, rom_m=0.4)
    ]
    res = simulate_set(
        SetSpec("squat", reps=reps * 2), sampling_rate_hz=100, placement="bar", seed=0
    )
    t = res.truth
    assert list(t["eccentric_s"]) == [2.0, 2.0]
    assert list(t["concentric_s"]) == [0.8, 0.8]
    assert list(t["rom_m"]) == [0.4, 0.4]
    np.testing.assert_allclose(t["mean_concentric_velocity_mps"], 0.5)
    assert t["top_pause_s"].iloc[0] == 0.0  # touch and go


def test_session_sets_and_rests() -> None:
    sets = [
        SetSpec("squat", n_reps=2, tempo="2-0-1-0", rest_after_s=20.0),
        SetSpec("squat", n_reps=3, tempo="2-0-1-0", rest_before_s=40.0),
    ]
    res = simulate_session(sets, sampling_rate_hz=50, placement="bar", seed=2)
    st = res.sets_truth
    assert list(st["n_reps"]) == [2, 3]
    assert st["start_s"].iloc[1] - st["end_s"].iloc[0] > 60.0
    assert list(res.truth["set"]) == [1, 1, 2, 2, 2]
    assert res.recording.meta.exercise == "squat"
    assert res.recording.meta.device == "simulator"
    assert res.recording.meta.source == "simulator"
    assert res.recording.meta.extra["simulator"]["seed"] == 2


def test_bad_arguments_raise_input_error() -> None:
    with pytest.raises(InputError):
        simulate_set(_bench(), sampling_rate_hz=0, placement="bar", seed=0)
    with pytest.raises(InputError):
        simulate_set(_bench(), sampling_rate_hz=100, placement="ankle", seed=0)
    with pytest.raises(InputError):
        SetSpec("lunge")
    with pytest.raises(InputError):
        SetSpec("bench", n_reps=3, faults={4: "bounce"})
    with pytest.raises(InputError):
        SetSpec("bench", n_reps=3, faults={1: "cheat"})
    with pytest.raises(InputError):
        simulate_set(
            SetSpec("curl", n_reps=3, faults={1: "bounce"}),
            sampling_rate_hz=100,
            placement="wrist",
            seed=0,
        )
