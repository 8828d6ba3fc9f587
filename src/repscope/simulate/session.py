"""Entry points: :func:`simulate_session` and :func:`simulate_set`."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

from repscope import __version__
from repscope.errors import InputError
from repscope.recording import PLACEMENTS, Recording, RecordingMeta, check_sampling_rate
from repscope.simulate.motion import build_motion, plan_session, truth_frames
from repscope.simulate.sensor import (
    SampledSignals,
    fine_rate_factor,
    ideal_signals,
    sample_sensor,
)
from repscope.simulate.specs import SensorSpec, SetSpec, resolve_mount

#: Bumped whenever the same seed and arguments would give different output.
SIMULATOR_VERSION = "3"

#: Output rates the simulator accepts (Hz).
RATE_RANGE_HZ = (1.0, 1000.0)


@dataclass
class SimulationResult:
    """A simulated recording with its exact ground truth.

    Attributes
    ----------
    recording
        The IMU recording (what a device would report).
    truth
        One row per rep; columns in :data:`repscope.simulate.motion.TRUTH_COLUMNS`. Times
        share the time base of ``recording.time_s``. Durations are the commanded ones.
    sets_truth
        One row per set: ``set``, ``exercise``, ``start_s`` (first rep's start), ``end_s``
        (last rep's end), ``n_reps``, ``load_kg``, ``tempo``, ``rack``, ``held_start_s`` and
        ``held_end_s`` (the interval the bar is held, including unrack and rack moves).
    trajectory
        The true motion on the fine uniform grid (``m`` times the output rate, about
        1 kHz): ``time_s``, ``pos_x_m``, ``pos_y_m``, ``pos_z_m``, ``vel_x_mps``,
        ``vel_y_mps``, ``vel_z_mps``, ``acc_x_mps2``, ``acc_y_mps2``, ``acc_z_mps2`` (world
        frame, z up, including sway), and the world-from-sensor orientation quaternion
        ``quat_w``, ``quat_x``, ``quat_y``, ``quat_z``.
    mount
        The sensor's mounting rotation (body from sensor), 3x3.
    """

    recording: Recording
    truth: pd.DataFrame
    sets_truth: pd.DataFrame
    trajectory: pd.DataFrame
    mount: np.ndarray


def simulate_session(
    sets: Sequence[SetSpec],
    *,
    sampling_rate_hz: float,
    placement: str,
    sensor: SensorSpec | None = None,
    seed: int,
) -> SimulationResult:
    """Simulate a session of sets recorded by one IMU, with exact ground truth.

    Parameters
    ----------
    sets
        The sets, in order (see :class:`~repscope.simulate.specs.SetSpec`); rest between
        two sets is the first's ``rest_after_s`` plus the second's ``rest_before_s``.
    sampling_rate_hz
        Output rate of the IMU, 1-1000 Hz (12.5-400 Hz are typical).
    placement
        ``"bar"`` (sensor on the bar) or ``"wrist"``.
    sensor
        The sensor model; ``None`` uses :class:`~repscope.simulate.specs.SensorSpec`'s
        defaults (random mount, realistic noise, bias, jitter and drops).
    seed
        Seed of every random draw: the same seed and arguments give bit-identical output.
        Streams are split with :class:`numpy.random.SeedSequence` (motion plan, sway,
        mount, sensor noise), so changing the sensor never changes the motion.

    Returns
    -------
    SimulationResult
        Recording, per-rep truth, per-set truth and the true trajectory.

    Notes
    -----
    How the motion is laid out and which distributions are drawn is documented in
    :mod:`repscope.simulate.motion` and :mod:`repscope.simulate.profiles`; the sensor model in
    :mod:`repscope.simulate.sensor`.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    if not RATE_RANGE_HZ[0] <= rate <= RATE_RANGE_HZ[1]:
        raise InputError(
            f"sampling_rate_hz {rate:g} is outside the simulator's range "
            f"{RATE_RANGE_HZ[0]:g}-{RATE_RANGE_HZ[1]:g} Hz"
        )
    if placement not in PLACEMENTS:
        raise InputError(
            f"placement must be one of {', '.join(PLACEMENTS)}, got {placement!r}",
            where="placement",
        )
    sets = list(sets)
    if not sets:
        raise InputError("a session needs at least one set")
    if not all(isinstance(s, SetSpec) for s in sets):
        raise InputError("every set must be a SetSpec")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}", where="seed")
    sensor = SensorSpec() if sensor is None else sensor

    plan_ss, sway_ss, mount_ss, sensor_ss = np.random.SeedSequence(int(seed)).spawn(4)
    plan = plan_session(sets, placement=placement, seed_sequence=plan_ss)
    factor = fine_rate_factor(rate)
    fine_rate = factor * rate
    n_out = math.floor(plan.end_s * rate + 1e-9) + 1
    fine_time = np.arange((n_out - 1) * factor + 1) / fine_rate
    motion = build_motion(
        plan, sets, time_s=fine_time, placement=placement, rng=np.random.default_rng(sway_ss)
    )
    mount = resolve_mount(sensor.mount, np.random.default_rng(mount_ss))
    ideal = ideal_signals(motion, mount)
    sampled = sample_sensor(
        ideal,
        fine_time_s=fine_time,
        factor=factor,
        sampling_rate_hz=rate,
        sensor=sensor,
        rng=np.random.default_rng(sensor_ss),
    )
    truth, sets_truth = truth_frames(plan)

    exercises = sorted({s.exercise for s in sets})
    loads = {s.load_kg for s in sets}
    extra: dict[str, Any] = {
        "simulator": {
            "seed": int(seed),
            "version": SIMULATOR_VERSION,
            "repscope_version": __version__,
            "placement": placement,
            "sets": [s.to_dict() for s in sets],
            "sensor": _sensor_dict(sensor),
            "mount": mount.round(12).tolist(),
            "acc_bias_g": sampled.acc_bias_g.tolist(),
            "gyr_bias_dps": sampled.gyr_bias_dps.tolist(),
            "n_dropped": sampled.n_dropped,
            "fine_rate_hz": fine_rate,
            **_ble_extra(sampled, rate),
        },
        "acc_range_g": sensor.acc_range_g,
        # one load per set where the sets' loads differ (the sidecar home of per-set loads,
        # read by the analysis); one load for all is the metadata's load_kg
        "set_loads_kg": [s.load_kg for s in sets] if len(loads) > 1 and None not in loads else None,
        "gyr_range_dps": sensor.gyr_range_dps if sensor.gyro else None,
    }
    meta = RecordingMeta(
        sampling_rate_hz=rate if sampled.ble is None else _distinct_rate_hz(sampled),
        device="simulator",
        placement=placement,
        exercise=exercises[0] if len(exercises) == 1 else None,
        load_kg=next(iter(loads)) if len(loads) == 1 else None,
        source="simulator",
        extra=extra,
    )
    recording = Recording.from_arrays(
        time_s=sampled.time_s, acc_g=sampled.acc_g, gyr_dps=sampled.gyr_dps, meta=meta
    )
    quat = Rotation.from_matrix(ideal.world_from_sensor).as_quat()  # x, y, z, w
    trajectory = pd.DataFrame(
        {
            "time_s": fine_time,
            "pos_x_m": motion.pos_m[:, 0],
            "pos_y_m": motion.pos_m[:, 1],
            "pos_z_m": motion.pos_m[:, 2],
            "vel_x_mps": motion.vel_mps[:, 0],
            "vel_y_mps": motion.vel_mps[:, 1],
            "vel_z_mps": motion.vel_mps[:, 2],
            "acc_x_mps2": motion.acc_mps2[:, 0],
            "acc_y_mps2": motion.acc_mps2[:, 1],
            "acc_z_mps2": motion.acc_mps2[:, 2],
            "quat_w": quat[:, 3],
            "quat_x": quat[:, 0],
            "quat_y": quat[:, 1],
            "quat_z": quat[:, 2],
        }
    )
    return SimulationResult(recording, truth, sets_truth, trajectory, mount)


def simulate_set(
    set_spec: SetSpec,
    *,
    sampling_rate_hz: float,
    placement: str,
    sensor: SensorSpec | None = None,
    seed: int,
) -> SimulationResult:
    """Simulate one set: :func:`simulate_session` with a one-set session."""
    return simulate_session(
        [set_spec], sampling_rate_hz=sampling_rate_hz, placement=placement, sensor=sensor, seed=seed
    )


def _distinct_rate_hz(sampled: SampledSignals) -> float:
    """Distinct (not stale) rows per second of a BLE stream, to 0.1 Hz."""
    assert sampled.ble is not None
    n_fresh = int((~sampled.ble.stale).sum())
    span = float(sampled.time_s[-1] - sampled.time_s[0])
    return round(n_fresh / span, 1) if span > 0 else 1.0


def _ble_extra(sampled: SampledSignals, rate_hz: float) -> dict[str, Any]:
    """Provenance of a BLE stream (nothing for a regular one, so older files stay equal)."""
    if sampled.ble is None:
        return {}
    return {
        "sensor_rate_hz": rate_hz,
        "n_rows": int(sampled.time_s.size),
        "n_stale_rows": int(sampled.ble.stale.sum()),
    }


def _sensor_dict(sensor: SensorSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SensorSpec.__dataclass_fields__:
        value = getattr(sensor, name)
        if name == "ble":
            if value is not None:  # only when set: older provenance stays as it was
                out[name] = dataclasses.asdict(value)
            continue
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out
