"""repscope: honest per-rep feedback from a barbell or wrist IMU.

Subpackages, one per stage:

- :mod:`repscope.recording`: the in-memory recording and its validator.
- :mod:`repscope.io`: readers and writers (project CSV, Parquet, MetaMotion exports) and the
  timebase report.
- :mod:`repscope.simulate`: the physics-based lifting simulator with ground truth.
- :mod:`repscope.analysis`: sets, reps, tempo phases, velocity, smoothness and flags.
- :mod:`repscope.report`: matplotlib set and session reports.
- :mod:`repscope.ble`: BLE device decoders, transport, recorder and emulator.
- :mod:`repscope.cli`: the ``repscope`` command line.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("repscope")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
