"""The physics-based lifting simulator, with exact ground truth.

Simulates the bar's (or wrist's) motion through a session of sets and reps (tempo phases
with per-rep variation, unrack and rack moves, rests, sway, faults) and the IMU that
records it (mounting, gravity, noise, bias, quantisation, anti-aliasing, timestamp jitter,
dropped packets; optionally bursty BLE timing with stale rows). Each result carries the
recording, a per-rep truth table whose phase times are the commanded ones (so they are
exact), a per-set truth table and the true trajectory. Used for demos, tests and the
accuracy benchmark of :mod:`repscope.analysis`.

Examples
--------
>>> from repscope.simulate import SetSpec, simulate_set
>>> res = simulate_set(
...     SetSpec("bench", n_reps=3, tempo="3-1-1-0", load_kg=80, faults={3: "bounce"}),
...     sampling_rate_hz=100, placement="bar", seed=1)
>>> list(res.truth["faults"])
['', '', 'bounce']

Modules: :mod:`~repscope.simulate.specs` (what to simulate),
:mod:`~repscope.simulate.profiles` (velocity shapes), :mod:`~repscope.simulate.motion`
(timeline, truth, trajectory), :mod:`~repscope.simulate.sensor` (the IMU),
:mod:`~repscope.simulate.session` (entry points), :mod:`~repscope.simulate.block`
(weeks of sessions with a known load-velocity relation), :mod:`~repscope.simulate.ble_timing`
(bursty BLE rows and stale repeats) and :mod:`~repscope.simulate.real_like` (the
"real-like" preset, modelled on real bar recordings).
"""

from __future__ import annotations

from repscope.simulate.ble_timing import BleTiming
from repscope.simulate.block import (
    AthleteProfile,
    simulate_training_block,
    training_block_truth,
)
from repscope.simulate.motion import SETS_TRUTH_COLUMNS, TRUTH_COLUMNS
from repscope.simulate.real_like import (
    REAL_LIKE_SENSOR_RATE_HZ,
    real_like_ble,
    real_like_sensor,
    real_like_set,
)
from repscope.simulate.session import (
    SIMULATOR_VERSION,
    SimulationResult,
    simulate_session,
    simulate_set,
)
from repscope.simulate.specs import (
    EXERCISES,
    HELD_BAR_TREMOR,
    REAL_FLOOR_ACC_NOISE_G,
    REAL_FLOOR_GYR_NOISE_DPS,
    Fault,
    RepSpec,
    SensorSpec,
    SetSpec,
    format_tempo,
    parse_tempo,
)

__all__ = [
    "EXERCISES",
    "HELD_BAR_TREMOR",
    "REAL_FLOOR_ACC_NOISE_G",
    "REAL_FLOOR_GYR_NOISE_DPS",
    "REAL_LIKE_SENSOR_RATE_HZ",
    "SETS_TRUTH_COLUMNS",
    "SIMULATOR_VERSION",
    "TRUTH_COLUMNS",
    "AthleteProfile",
    "BleTiming",
    "Fault",
    "RepSpec",
    "SensorSpec",
    "SetSpec",
    "SimulationResult",
    "format_tempo",
    "parse_tempo",
    "real_like_ble",
    "real_like_sensor",
    "real_like_set",
    "simulate_session",
    "simulate_set",
    "simulate_training_block",
    "training_block_truth",
]
