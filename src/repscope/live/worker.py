"""The live analysis on its own thread, off the event loop that receives BLE notifications.

Notifications are stamped with host time on the asyncio loop that receives them (as
bleak's examples do), and the sample clock is fitted to those stamps. A window of the
live engine costs tens of milliseconds of CPU (more on a loaded machine); run on that
loop, it would hold back the stamping of every notification that arrives meanwhile. So
:class:`AnalysisWorker` takes each decoded batch from the loop through a queue (putting
on it never blocks) and runs :meth:`~repscope.live.engine.LiveAnalyzer.push` on one
worker thread; the events go back through a callback, which the session hands to the
loop with ``call_soon_threadsafe``. The analyzer is touched by the worker thread only,
until :meth:`AnalysisWorker.close` has joined it.

::

    BLE notification --(loop: stamp, decode, write CSV)--> queue --(worker thread)-->
    LiveAnalyzer.push --> events --(loop)--> display, speech, latency
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from repscope.live.events import LiveEvent


class Analyzer(Protocol):
    """What the worker needs of :class:`~repscope.live.engine.LiveAnalyzer`."""

    def push(
        self, time_s: np.ndarray, acc_g: np.ndarray, gyr_dps: np.ndarray | None
    ) -> list[LiveEvent]:
        """Add samples; return the events."""

    def finish(self) -> list[LiveEvent]:
        """End of stream; return the last events."""


_STOP = object()


class AnalysisWorker:
    """Feed an analyzer from a queue on a worker thread.

    Parameters
    ----------
    analyzer
        The live analyzer (used by the worker thread only until :meth:`close`).
    on_events
        Called on the worker thread with each non-empty list of events and the host
        time (``clock()``) at which they were produced.
    clock
        Host clock (``time.monotonic``).
    """

    def __init__(
        self,
        analyzer: Analyzer,
        on_events: Callable[[list[LiveEvent], float], None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.analyzer = analyzer
        self.on_events = on_events
        self.clock = clock
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="repscope-live", daemon=True)
        self._error: BaseException | None = None
        self._started = False

    def start(self) -> None:
        """Start the worker thread."""
        self._started = True
        self._thread.start()

    def submit(self, time_s: np.ndarray, acc_g: np.ndarray, gyr_dps: np.ndarray | None) -> None:
        """Queue a batch of samples (returns at once)."""
        if self._error is None:
            self._queue.put((time_s, acc_g, gyr_dps))

    @property
    def backlog(self) -> int:
        """Batches queued and not yet analysed (approximate)."""
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                new = self.analyzer.finish() if item is _STOP else self.analyzer.push(*item)
                if new:
                    self.on_events(new, self.clock())
            except BaseException as exc:  # handed to close(), which raises it
                self._error = exc
                return
            if item is _STOP:
                return

    def close(self, timeout_s: float | None = None) -> None:
        """Analyse what is queued, finish the stream, join the thread; raise its error."""
        if not self._started:
            self.start()
        self._queue.put(_STOP)
        self._thread.join(timeout_s)
        if self._error is not None:
            raise self._error
