"""The sensor model: gyro integration, noise, quantisation, drops, jitter, rates, placements."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from repscope.recording import GYR_COLUMNS
from repscope.simulate import SensorSpec, SetSpec, simulate_set
from repscope.simulate.specs import rotation_from_euler_deg


def _integrate_gyro(gyr_dps: np.ndarray, dt: float) -> Rotation:
    """Body-frame rate integration: R_{k+1} = R_k · exp(ω_k dt) (midpoint rates)."""
    rot = Rotation.identity()
    mid = (gyr_dps[1:] + gyr_dps[:-1]) / 2
    for w in np.radians(mid):
        rot = rot * Rotation.from_rotvec(w * dt)
    return rot


@pytest.mark.parametrize(("exercise", "placement"), [("curl", "wrist"), ("bench", "bar")])
def test_gyro_integrates_to_the_known_rotation(exercise: str, placement: str) -> None:
    mount = rotation_from_euler_deg([10.0, 70.0, -40.0])
    # the bar rolls 20-30 deg (a swing turns only the curl's sensor since simulator v3)
    spec = SetSpec(exercise, n_reps=1, tempo="1-0-1-0", faults={1: "swing"}, roll_deg=(20.0, 30.0))
    res = simulate_set(
        spec,
        sampling_rate_hz=400,
        placement=placement,
        sensor=SensorSpec.ideal(mount=mount),
        seed=3,
    )
    row = res.truth.iloc[0]
    rec = res.recording
    t = rec.time_s
    # From the rep's start to the middle of its pause: the largest rotation.
    t0 = row.start_s - 0.2
    t1 = (row.concentric_end_s if exercise == "curl" else row.eccentric_end_s) + 0.05
    sel = (t >= t0) & (t <= t1)
    gyr = rec.gyr_dps
    assert gyr is not None
    measured = _integrate_gyro(gyr[sel], 1 / 400)
    tr = res.trajectory
    q = Rotation.from_quat(tr[["quat_x", "quat_y", "quat_z", "quat_w"]].to_numpy())
    tt = tr["time_s"].to_numpy()
    i0, i1 = np.searchsorted(tt, t[sel][0]), np.searchsorted(tt, t[sel][-1])
    known = q[i0].inv() * q[i1]
    assert np.degrees(known.magnitude()) > 10.0
    assert np.degrees((known.inv() * measured).magnitude()) < 0.5


def test_curl_on_the_wrist_rotates_the_forearm_120_to_140_degrees_plus_arc() -> None:
    res = simulate_set(
        SetSpec("curl", n_reps=2, tempo="2-0-1-0", sway=0.0),
        sampling_rate_hz=100,
        placement="wrist",
        sensor=SensorSpec.ideal(),
        seed=1,
    )
    row = res.truth.iloc[0]
    tr = res.trajectory
    q = Rotation.from_quat(tr[["quat_x", "quat_y", "quat_z", "quat_w"]].to_numpy())
    tt = tr["time_s"].to_numpy()
    i0, i1 = np.searchsorted(tt, [row.concentric_start_s, row.concentric_end_s])
    angle = np.degrees((q[i0].inv() * q[i1]).magnitude())
    assert 115.0 <= angle <= 145.0  # 120-140 deg minus the rom jitter
    x = tr["pos_x_m"].to_numpy()[i0 : i1 + 1]
    assert x.max() - x[0] > 0.15  # the wrist moves forward on the arc


def test_noise_bias_and_quantisation() -> None:
    sensor = SensorSpec(mount=np.eye(3), acc_bias_g=(0.01, -0.02, 0.03), drop_fraction=0.0)
    res = simulate_set(
        SetSpec("squat", n_reps=1, rest_before_s=20.0),
        sampling_rate_hz=100,
        placement="bar",
        sensor=sensor,
        seed=2,
    )
    rec = res.recording
    rest = rec.time_s < 19.0
    acc = rec.acc_g[rest]
    np.testing.assert_allclose(acc.mean(axis=0), [0.01, -0.02, 1.03], atol=0.003)
    np.testing.assert_allclose(acc.std(axis=0), 0.01, rtol=0.15)
    lsb = 32 / 2**16
    np.testing.assert_allclose(rec.acc_g / lsb, np.round(rec.acc_g / lsb), atol=1e-9)
    gyr = rec.gyr_dps
    assert gyr is not None
    np.testing.assert_allclose(gyr / (4000 / 2**16), np.round(gyr / (4000 / 2**16)), atol=1e-9)


def test_dropped_packets_leave_gaps_and_jitter_keeps_time_increasing() -> None:
    sensor = SensorSpec(drop_fraction=0.05, samples_per_packet=3, timestamp_jitter_s=0.004)
    res = simulate_set(
        SetSpec("bench", n_reps=3), sampling_rate_hz=100, placement="bar", sensor=sensor, seed=4
    )
    rec = res.recording
    rec.validate()
    dt = np.diff(rec.time_s)
    assert (dt > 0).all()
    assert (dt > 0.035).sum() > 5  # gaps of >= 3 missing samples
    n_dropped = rec.meta.extra["simulator"]["n_dropped"]
    expected_n = round(rec.time_s[-1] * 100) + 1
    assert rec.n_samples == expected_n - n_dropped
    assert 0.02 < n_dropped / expected_n < 0.09
    nominal = np.round(rec.time_s * 100) / 100
    assert np.abs(rec.time_s - nominal).max() <= 0.002 + 1e-12
    assert np.abs(rec.time_s - nominal).max() > 0.001


@pytest.mark.parametrize("rate", [12.5, 400.0])
def test_extreme_rates_work(rate: float) -> None:
    spec = SetSpec("deadlift", n_reps=2, tempo="1-0-1-0", rom_m=0.5)
    res = simulate_set(
        spec, sampling_rate_hz=rate, placement="bar", sensor=SensorSpec.ideal(), seed=5
    )
    rec = res.recording
    rec.validate()
    assert rec.meta.sampling_rate_hz == rate
    np.testing.assert_allclose(np.diff(rec.time_s), 1 / rate, rtol=1e-9)
    assert rec.n_samples == pytest.approx(res.trajectory["time_s"].iloc[-1] * rate + 1, abs=1)
    # The anti-aliased, sampled vertical specific force still integrates to about the ROM.
    acc_z = (rec.acc_g[:, 2] - 1.0) * 9.80665
    row = res.truth.iloc[0]
    sel = (rec.time_s >= row.concentric_start_s - 0.3) & (rec.time_s <= row.concentric_end_s)
    vel = np.cumsum(acc_z[sel]) / rate
    assert vel.max() == pytest.approx(
        row.peak_concentric_velocity_mps, rel=0.15 if rate < 20 else 0.02
    )


def test_accelerometer_only() -> None:
    res = simulate_set(
        SetSpec("row", n_reps=2),
        sampling_rate_hz=50,
        placement="bar",
        sensor=SensorSpec(gyro=False),
        seed=0,
    )
    assert not res.recording.has_gyro
    assert not set(GYR_COLUMNS) & set(res.recording.data.columns)
    res.recording.validate()


def test_random_mount_depends_on_seed_and_sensor_does_not_change_motion() -> None:
    spec = SetSpec("bench", n_reps=2)
    a = simulate_set(spec, sampling_rate_hz=50, placement="bar", seed=1)
    b = simulate_set(spec, sampling_rate_hz=50, placement="bar", seed=2)
    c = simulate_set(spec, sampling_rate_hz=50, placement="bar", sensor=SensorSpec.ideal(), seed=1)
    assert not np.allclose(a.mount, b.mount)
    np.testing.assert_allclose(a.mount @ a.mount.T, np.eye(3), atol=1e-12)
    assert a.truth.equals(c.truth)
    np.testing.assert_array_equal(a.trajectory["pos_z_m"], c.trajectory["pos_z_m"])
