"""Names the commands' options show in ``--help``, without importing the library.

``repscope --help`` and every ``repscope COMMAND --help`` must start fast, so a command
module imports numpy, pandas, scipy, matplotlib, the analysis, the simulator, the BLE
stack or the history only inside the function that runs the command. The option
definitions still need a few names and values from those modules (exercise names,
placements, sensor families, ...): they are copied here, and ``tests/cli/test_startup.py``
checks that every copy equals the library's value.
"""

from __future__ import annotations

#: :data:`repscope.recording.PLACEMENTS`.
PLACEMENTS: tuple[str, ...] = ("bar", "wrist")

#: The keys of :data:`repscope.analysis.profiles.PROFILES`, in order.
EXERCISES: tuple[str, ...] = (
    "bench",
    "squat",
    "deadlift",
    "rdl",
    "ohp",
    "row",
    "hip_thrust",
    "lunge",
    "curl",
)

#: The keys of :data:`repscope.io.layout.TIME_UNITS`, ``ACC_UNITS`` and ``GYR_UNITS`` (the
#: units ``--time-unit``, ``--acc-unit`` and ``--gyr-unit`` take).
TIME_UNITS: tuple[str, ...] = ("s", "ms", "us")
ACC_UNITS: tuple[str, ...] = ("g", "m/s2")
GYR_UNITS: tuple[str, ...] = ("deg/s", "rad/s")

#: The keys of :data:`repscope.simulate.EXERCISES`, in order.
SIMULATED_EXERCISES: tuple[str, ...] = ("bench", "squat", "ohp", "deadlift", "row", "curl")

#: :data:`repscope.simulate.REAL_LIKE_SENSOR_RATE_HZ`.
REAL_LIKE_SENSOR_RATE_HZ = 104.0

#: The values of :class:`repscope.simulate.Fault`, in order.
SIMULATED_FAULTS: tuple[str, ...] = ("rushed_negative", "bounce", "partial_rom", "grind", "swing")

#: The sorted keys of :data:`repscope.ble.devices.DRIVERS`.
DEVICE_FAMILIES: tuple[str, ...] = ("diy", "metamotion", "movesense", "polar", "witmotion")

#: :data:`repscope.batch.store.OUTPUT_FORMATS`.
OUTPUT_FORMATS: tuple[str, ...] = ("parquet", "csv")


#: The ``mvt_mps`` of :data:`repscope.history.trends.MVT_MPS`, per exercise.
DEFAULT_MVT_MPS: dict[str, float] = {"bench": 0.16, "squat": 0.24}
