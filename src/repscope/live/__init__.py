"""Live feedback: incremental set and rep detection on the batch pipeline, and its display.

``engine``
    :class:`LiveAnalyzer`: samples in, :class:`LiveEvent` objects out (pure, no I/O); it
    drives the batch analysis stages through ``ring`` (sample buffer), ``turnarounds``
    (when the bar is at zero velocity), ``motion`` (the phase shown), ``scheduling``
    (when a window runs), ``windows`` (where it starts), ``window_analysis`` (a window
    through the stages), ``acceptance`` (which reps are reported), ``second_opinion``
    (look-back and look-aside windows), ``current_set`` (the set so far, its end and
    summary), ``sets`` (set-relative flags, the set-end rule), ``events`` and
    ``settings`` (:class:`LiveSettings`, every tunable).
``worker``
    :class:`AnalysisWorker`: the engine on its own thread, off the BLE event loop.
``display``
    :class:`LiveView` (screen state from events), feedback lines, rich rendering and the
    audible cue.
``session``
    :func:`run_live_session` (a BLE sensor recorded and analysed live) and
    :func:`replay_live` (a recording or raw BLE capture through the same pipeline at full
    speed); ``link`` notices when the sensor stops sending.
"""

from repscope.live.engine import LiveAnalyzer
from repscope.live.events import EVENT_KINDS, PHASES, LiveEvent
from repscope.live.ring import SampleRing
from repscope.live.session import LiveResult, replay_live, replay_recording, run_live_session
from repscope.live.settings import LiveSettings
from repscope.live.turnarounds import TurnaroundDetector

__all__ = [
    "EVENT_KINDS",
    "PHASES",
    "LiveAnalyzer",
    "LiveEvent",
    "LiveResult",
    "LiveSettings",
    "SampleRing",
    "TurnaroundDetector",
    "replay_live",
    "replay_recording",
    "run_live_session",
]
