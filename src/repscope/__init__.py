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

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # The version is looked up on first use: importlib.metadata costs tens of milliseconds
    # at start-up, which `repscope --help` should not pay.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("repscope")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            value = "0.0.0+unknown"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
