"""Live feedback: incremental set and rep detection on the batch pipeline, and its display.

``engine``
    :class:`LiveAnalyzer`: samples in, :class:`LiveEvent` objects out (pure, no I/O).
"""

from repscope.live.engine import EVENT_KINDS, PHASES, LiveAnalyzer, LiveEvent, SampleRing

__all__ = ["EVENT_KINDS", "PHASES", "LiveAnalyzer", "LiveEvent", "SampleRing"]
