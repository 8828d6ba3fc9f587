"""Live feedback: incremental set and rep detection on the batch pipeline, and its display.

``engine``
    :class:`LiveAnalyzer`: samples in, :class:`LiveEvent` objects out (pure, no I/O).
``display``
    :class:`LiveView` (screen state from events), feedback lines, rich rendering and the
    audible cue.
``session``
    :func:`run_live_session` (a BLE sensor recorded and analysed live) and
    :func:`replay_live` (a recording or raw BLE capture through the same pipeline at full
    speed).
"""

from repscope.live.engine import (
    EVENT_KINDS,
    PHASES,
    LiveAnalyzer,
    LiveEvent,
    SampleRing,
    TurnaroundDetector,
)
from repscope.live.session import LiveResult, replay_live, replay_recording, run_live_session

__all__ = [
    "EVENT_KINDS",
    "PHASES",
    "LiveAnalyzer",
    "LiveEvent",
    "LiveResult",
    "SampleRing",
    "TurnaroundDetector",
    "replay_live",
    "replay_recording",
    "run_live_session",
]
