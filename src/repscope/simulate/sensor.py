"""Turn the body motion into what an IMU reports.

Steps
-----
1. Orientation: ``R_ws(t) = R_body(t) · R_mount`` (world from sensor) with
   ``R_body = Rz(yaw) · Ry(pitch) · Rx(tilt)``.
2. Ideal signals on the fine grid: specific force ``f = R_ws^T (a + g ẑ) / g`` in g
   (``g = 9.80665 m/s^2``; +1 g along world-up at rest) and body angular rate
   ``ω = R_mount^T ω_body`` in deg/s, where for the z-y-x angle sequence
   ``ω_body = (β' - sin φ γ', cos β φ' + sin β cos φ γ', -sin β φ' + cos β cos φ γ')``
   (``φ`` pitch, ``β`` tilt, ``γ`` yaw).
3. Anti-aliasing: zero-phase 4th-order Butterworth low-pass (``scipy.signal.sosfiltfilt``)
   at ``anti_alias_fraction · rate`` on the fine grid, then every ``m``-th sample is kept
   (the fine grid runs at exactly ``m`` times the output rate), so the device samples at
   ``k / rate``.
4. Constant bias, white Gaussian noise, then quantisation to ``2 · range / 2**bits`` and
   clipping to ``[-range, range]``.
5. Time stamps: true instant plus uniform jitter (host clock); optional rounding of the
   exported values (``SensorSpec.*_decimals``); dropped packets removed.

With ``SensorSpec.ble`` set (a :class:`~repscope.simulate.ble_timing.BleTiming`), steps 3-5
change: the anti-aliased fine-grid signals are linearly interpolated at the read instants
of a bursty BLE stream (:func:`~repscope.simulate.ble_timing.ble_rows`), bias and noise
are added per row, stale rows then repeat the previous row's values exactly (half-stale
rows only the accelerometer's or only the gyro's), and the time
stamps are the read instants on the stream's clock. ``timestamp_jitter_s``,
``drop_fraction`` and ``samples_per_packet`` are not used (the stream's own gaps replace
them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from repscope.errors import InputError
from repscope.recording import STANDARD_GRAVITY_MPS2
from repscope.simulate.ble_timing import BleRows, ble_rows
from repscope.simulate.motion import BodyMotion
from repscope.simulate.specs import SensorSpec

#: The fine simulation grid runs at the smallest integer multiple (at least 2) of the output
#: rate that reaches this rate.
FINE_RATE_TARGET_HZ = 1000.0


def fine_rate_factor(sampling_rate_hz: float) -> int:
    """Integer ``m`` with ``m · sampling_rate_hz >= 1000 Hz`` (and ``m >= 2``)."""
    return max(2, math.ceil(FINE_RATE_TARGET_HZ / sampling_rate_hz - 1e-9))


def body_rotation(angles_rad: np.ndarray) -> np.ndarray:
    """``R_body = Rz(yaw) · Ry(pitch) · Rx(tilt)`` for angles ``(pitch, tilt, yaw)``, (N, 3, 3)."""
    phi, beta, gamma = angles_rad[:, 0], angles_rad[:, 1], angles_rad[:, 2]
    cp, sp = np.cos(phi), np.sin(phi)
    cb, sb = np.cos(beta), np.sin(beta)
    cg, sg = np.cos(gamma), np.sin(gamma)
    r = np.empty((angles_rad.shape[0], 3, 3))
    r[:, 0, 0] = cg * cp
    r[:, 0, 1] = cg * sp * sb - sg * cb
    r[:, 0, 2] = cg * sp * cb + sg * sb
    r[:, 1, 0] = sg * cp
    r[:, 1, 1] = sg * sp * sb + cg * cb
    r[:, 1, 2] = sg * sp * cb - cg * sb
    r[:, 2, 0] = -sp
    r[:, 2, 1] = cp * sb
    r[:, 2, 2] = cp * cb
    return r


def body_angular_rate(angles_rad: np.ndarray, rates_rps: np.ndarray) -> np.ndarray:
    """Angular velocity in the body frame (rad/s), (N, 3); see module docs."""
    phi, beta = angles_rad[:, 0], angles_rad[:, 1]
    dphi, dbeta, dgamma = rates_rps[:, 0], rates_rps[:, 1], rates_rps[:, 2]
    cp, sp = np.cos(phi), np.sin(phi)
    cb, sb = np.cos(beta), np.sin(beta)
    return np.column_stack(
        [
            dbeta - sp * dgamma,
            cb * dphi + sb * cp * dgamma,
            -sb * dphi + cb * cp * dgamma,
        ]
    )


@dataclass
class IdealSignals:
    """Noise-free sensor-frame signals on the fine grid.

    Specific force in g, angular rate in deg/s and the world-from-sensor rotation.
    """

    acc_g: np.ndarray
    gyr_dps: np.ndarray
    world_from_sensor: np.ndarray


def ideal_signals(motion: BodyMotion, mount: np.ndarray) -> IdealSignals:
    """Step 2 of the module docs."""
    r_body = body_rotation(motion.angles_rad)
    r_ws = r_body @ mount
    f_world = motion.acc_mps2.copy()
    f_world[:, 2] += STANDARD_GRAVITY_MPS2
    acc_g = np.einsum("nji,nj->ni", r_ws, f_world) / STANDARD_GRAVITY_MPS2
    omega_body = body_angular_rate(motion.angles_rad, motion.rates_rps)
    gyr_dps = np.degrees(omega_body @ mount)  # row-vector form of mount^T ω
    return IdealSignals(acc_g, gyr_dps, r_ws)


@dataclass
class SampledSignals:
    """What the device reports."""

    time_s: np.ndarray
    acc_g: np.ndarray
    gyr_dps: np.ndarray | None
    acc_bias_g: np.ndarray
    gyr_bias_dps: np.ndarray
    n_dropped: int
    ble: BleRows | None = None


def _quantise(x: np.ndarray, full_range: float, bits: int | None) -> np.ndarray:
    if bits is not None:
        lsb = 2 * full_range / 2**bits
        x = np.round(x / lsb) * lsb
        return np.asarray(np.clip(x, -full_range, full_range - lsb))
    return np.asarray(np.clip(x, -full_range, full_range))


def sample_sensor(
    ideal: IdealSignals,
    *,
    fine_time_s: np.ndarray,
    factor: int,
    sampling_rate_hz: float,
    sensor: SensorSpec,
    rng: np.random.Generator,
) -> SampledSignals:
    """Sample, corrupt and time-stamp the ideal signals (steps 3-5 of the module docs).

    Random draws, in order: acc bias, gyro bias (only when not given), acc noise, gyro
    noise, time jitter, packet drops.
    """
    fine_rate = factor * sampling_rate_hz
    sos = signal.butter(
        4, sensor.anti_alias_fraction * sampling_rate_hz, btype="low", output="sos", fs=fine_rate
    )
    if sensor.ble is not None:
        return _sample_ble(ideal, fine_time_s=fine_time_s, sos=sos, sensor=sensor, rng=rng)
    acc = signal.sosfiltfilt(sos, ideal.acc_g, axis=0)[::factor]
    gyr = signal.sosfiltfilt(sos, ideal.gyr_dps, axis=0)[::factor]
    time_s = fine_time_s[::factor].copy()
    n = time_s.shape[0]
    acc_bias, gyr_bias = _biases(sensor, rng)
    acc = acc + acc_bias + rng.normal(0.0, 1.0, (n, 3)) * sensor.acc_noise_g
    gyr = gyr + gyr_bias + rng.normal(0.0, 1.0, (n, 3)) * sensor.gyr_noise_dps
    acc = _quantise(acc, sensor.acc_range_g, sensor.bits)
    gyr = _quantise(gyr, sensor.gyr_range_dps, sensor.bits)
    jitter = min(sensor.timestamp_jitter_s, 0.45 / sampling_rate_hz)
    time_s = time_s + rng.uniform(-0.5, 0.5, n) * jitter
    if sensor.acc_decimals is not None:
        acc = np.round(acc, sensor.acc_decimals)
    if sensor.gyr_decimals is not None:
        gyr = np.round(gyr, sensor.gyr_decimals)
    if sensor.time_decimals is not None:
        time_s = np.round(time_s, sensor.time_decimals)
        if (np.diff(time_s) <= 0).any():
            raise InputError(
                f"time_decimals={sensor.time_decimals} is too coarse for "
                f"{sampling_rate_hz:g} Hz with {jitter:g} s jitter: time stamps repeat",
                where="SensorSpec.time_decimals",
                hint="Use more decimals or less jitter.",
            )
    keep = np.ones(n, dtype=bool)
    per = sensor.samples_per_packet
    n_packets = math.ceil(n / per)
    lost = rng.uniform(size=n_packets) < sensor.drop_fraction
    lost[0] = lost[-1] = False
    keep &= ~np.repeat(lost, per)[:n]
    return SampledSignals(
        time_s=time_s[keep],
        acc_g=acc[keep],
        gyr_dps=gyr[keep] if sensor.gyro else None,
        acc_bias_g=acc_bias,
        gyr_bias_dps=gyr_bias,
        n_dropped=int(n - keep.sum()),
    )


def _biases(sensor: SensorSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Accelerometer and gyroscope biases: given, or drawn (acc first)."""
    acc_bias = (
        rng.normal(0.0, sensor.acc_bias_sd_g, 3)
        if sensor.acc_bias_g is None
        else np.asarray(sensor.acc_bias_g, dtype=float)
    )
    gyr_bias = (
        rng.normal(0.0, sensor.gyr_bias_sd_dps, 3)
        if sensor.gyr_bias_dps is None
        else np.asarray(sensor.gyr_bias_dps, dtype=float)
    )
    return acc_bias, gyr_bias


def _repeat_previous(values: np.ndarray, repeat: np.ndarray) -> np.ndarray:
    """Rows marked ``repeat`` take the values of the last row not marked (row 0 never is)."""
    source = np.maximum.accumulate(np.where(repeat, 0, np.arange(values.shape[0])))
    return values[source]


def _sample_ble(
    ideal: IdealSignals,
    *,
    fine_time_s: np.ndarray,
    sos: np.ndarray,
    sensor: SensorSpec,
    rng: np.random.Generator,
) -> SampledSignals:
    """Sample at the rows of a bursty BLE stream (see the module docs).

    Random draws, in order: acc bias, gyro bias (only when not given), the stream's rows
    (:func:`~repscope.simulate.ble_timing.ble_rows`), acc noise, gyro noise.
    """
    assert sensor.ble is not None
    acc_bias, gyr_bias = _biases(sensor, rng)
    rows = ble_rows(float(fine_time_s[0]), float(fine_time_s[-1]), sensor.ble, rng)
    t = rows.read_time_s
    n = t.size
    acc_f = signal.sosfiltfilt(sos, ideal.acc_g, axis=0)
    gyr_f = signal.sosfiltfilt(sos, ideal.gyr_dps, axis=0)
    acc = np.column_stack([np.interp(t, fine_time_s, acc_f[:, k]) for k in range(3)])
    gyr = np.column_stack([np.interp(t, fine_time_s, gyr_f[:, k]) for k in range(3)])
    acc = acc + acc_bias + rng.normal(0.0, 1.0, (n, 3)) * sensor.acc_noise_g
    gyr = gyr + gyr_bias + rng.normal(0.0, 1.0, (n, 3)) * sensor.gyr_noise_dps
    acc = _quantise(acc, sensor.acc_range_g, sensor.bits)
    gyr = _quantise(gyr, sensor.gyr_range_dps, sensor.bits)
    if sensor.acc_decimals is not None:
        acc = np.round(acc, sensor.acc_decimals)
    if sensor.gyr_decimals is not None:
        gyr = np.round(gyr, sensor.gyr_decimals)
    acc = _repeat_previous(acc, rows.stale | rows.acc_stale)
    gyr = _repeat_previous(gyr, rows.stale | rows.gyr_stale)
    time_s = rows.stamp_s
    if sensor.time_decimals is not None:
        time_s = np.round(time_s, sensor.time_decimals)
    if (np.diff(time_s) <= 0).any():
        raise InputError(
            "BLE time stamps repeat: the clock is too coarse for the row spacing",
            where="SensorSpec.ble",
            hint="Use a finer clock_resolution_s or time_decimals, or a wider row_spacing_s.",
        )
    return SampledSignals(
        time_s=time_s,
        acc_g=acc,
        gyr_dps=gyr if sensor.gyro else None,
        acc_bias_g=acc_bias,
        gyr_bias_dps=gyr_bias,
        n_dropped=0,
        ble=rows,
    )
