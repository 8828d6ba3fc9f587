"""The live analysis runs off the event loop: a slow window does not delay notifications."""

import asyncio
import time
from types import SimpleNamespace

import numpy as np
import pytest

from repscope.live import LiveEvent
from repscope.live.session import run_live_session
from repscope.live.worker import AnalysisWorker

SLOW_S = 0.5  # one deliberately slow analysis step
NOTIFY_EVERY_S = 0.02
N_BATCHES = 40


class _SlowAnalyzer:
    """Stands in for LiveAnalyzer: every tenth push takes SLOW_S and reports a rep."""

    sampling_rate_hz = 100.0

    def __init__(self):
        self.pushed = 0
        self.settings = SimpleNamespace(to_dict=dict)

    def push(self, time_s, acc_g, gyr_dps):
        self.pushed += 1
        if self.pushed % 10 == 0:
            time.sleep(SLOW_S)
            return [
                LiveEvent(
                    "rep_completed", float(time_s[-1]), 1, self.pushed // 10, row={"end_s": 0.0}
                )
            ]
        return []

    def finish(self):
        return [LiveEvent("set_ended", 0.0, 1)]


def _fake_record_session(stamps):
    """A recorder whose 'notifications' arrive every NOTIFY_EVERY_S and are stamped on the loop.

    The stamp is taken when the loop gets to the notification, as the transport does, so
    anything that blocks the loop delays it.
    """

    async def record_session(targets, *, on_samples, **_kwargs):
        t0 = time.monotonic()
        for k in range(N_BATCHES):
            await asyncio.sleep(max(0.0, t0 + k * NOTIFY_EVERY_S - time.monotonic()))
            stamps.append(time.monotonic() - (t0 + k * NOTIFY_EVERY_S))  # how late
            t = k * 0.03 + np.arange(3) / 100.0
            on_samples("s", SimpleNamespace(time_s=t, acc_g=np.zeros((3, 3)), gyr_dps=None))
        return SimpleNamespace(files={})

    return record_session


def _run(monkeypatch):
    stamps: list[float] = []
    monkeypatch.setattr("repscope.ble.recorder.record_session", _fake_record_session(stamps))
    analyzer = _SlowAnalyzer()
    result = asyncio.run(run_live_session(SimpleNamespace(), analyzer, out="unused.csv"))
    return stamps, result, analyzer


def test_a_slow_analysis_step_does_not_delay_notification_stamps(monkeypatch):
    stamps, result, analyzer = _run(monkeypatch)
    # every batch was analysed and every event came back, the end of stream last
    assert analyzer.pushed == N_BATCHES
    kinds = [e.kind for e in result.events]
    assert kinds == ["rep_completed"] * (N_BATCHES // 10) + ["set_ended"]
    assert len(result.wall_latency_s) == N_BATCHES // 10
    # the four slow steps took 2 s of the worker's time; none of it reached the loop
    # (bound: a fraction of one slow step, loose for a loaded machine)
    assert max(stamps) < 0.5 * SLOW_S, max(stamps)


def test_the_same_slow_step_on_the_loop_would_delay_them(monkeypatch):
    # the control: what the test above guards against (the analysis on the loop)
    monkeypatch.setattr("repscope.live.session.AnalysisWorker", _InlineWorker, raising=True)
    stamps, _, _ = _run(monkeypatch)
    assert max(stamps) >= 0.8 * SLOW_S


class _InlineWorker(AnalysisWorker):
    def start(self):
        pass

    def submit(self, time_s, acc_g, gyr_dps):
        new = self.analyzer.push(time_s, acc_g, gyr_dps)
        if new:
            self.on_events(new, self.clock())

    def close(self, timeout_s=None):
        self.on_events(self.analyzer.finish(), self.clock())


def test_an_error_in_the_analysis_is_raised_at_the_end():
    class Broken:
        def push(self, *args):
            raise RuntimeError("window failed")

        def finish(self):
            return []

    worker = AnalysisWorker(Broken(), lambda new, t: None)
    worker.start()
    worker.submit(np.zeros(1), np.zeros((1, 3)), None)
    with pytest.raises(RuntimeError, match="window failed"):
        worker.close(timeout_s=30)
