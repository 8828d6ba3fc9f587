"""Under load the live engine reports late, never fewer reps.

A window is left out while the engine lags behind the data (``max_lag_s``), so on a busy
machine a rep is first reported from another window than on an idle one: its first report
may differ, its being reported may not.
"""

from __future__ import annotations

import random

import pytest

from repscope.analysis import analyze_recording
from repscope.live import LiveAnalyzer
from repscope.live.acceptance import candidates
from repscope.live.session import replay_recording
from repscope.live.settings import LiveSettings
from repscope.simulate import SetSpec, simulate_set


def _row(start_s: float, end_s: float) -> dict[str, float]:
    return {"start_s": start_s, "end_s": end_s, "eccentric_s": 1.5, "concentric_s": 1.0}


def test_a_long_first_report_does_not_hide_the_next_rep():
    # a saved BLE session (bench 2-0-1-0, 3 reps) replayed with windows left out for lag:
    # rep 2 was first reported ending at its window's edge (14.02 s, analyze: 13.69 s);
    # every later window showed rep 3 from 13.69 s, and none reported it
    reported = [_row(8.33, 11.29), _row(11.13, 14.02)]
    window = [_row(8.07, 10.99), _row(10.99, 13.69), _row(13.69, 16.32)]
    whole, new = candidates(window, reported, 7.38, 16.49, floor_s=-1.0, s=LiveSettings())
    assert len(whole) == 3
    assert new == [window[2]]
    # the reported reps themselves are never new again
    _, again = candidates(window[:2], reported, 7.38, 14.5, floor_s=-1.0, s=LiveSettings())
    assert again == []


class _SlowTimer:
    """Each window costs ``cost_s`` (0.2-1.8x at random): a CPU shared with other jobs."""

    def __init__(self, cost_s: float, seed: int) -> None:
        self.cost_s, self.now_s, self.rng = cost_s, 0.0, random.Random(seed)

    def __call__(self) -> float:
        self.now_s += 0.5 * self.cost_s * self.rng.uniform(0.2, 1.8)
        return self.now_s


@pytest.mark.parametrize("cost_s", [0.3, 0.6])
def test_every_rep_is_reported_when_windows_are_left_out(cost_s):
    sim = simulate_set(
        SetSpec("bench", n_reps=3, tempo="2-0-1-0", rest_before_s=2.0, rest_after_s=2.0),
        sampling_rate_hz=100.0,
        placement="bar",
        seed=2,
    )
    batch = analyze_recording(sim.recording, tempo="2-0-1-0")
    for seed in range(3):
        analyzer = LiveAnalyzer(
            sampling_rate_hz=100.0,
            placement="bar",
            exercise="bench",
            tempo="2-0-1-0",
            timer=_SlowTimer(cost_s, seed),
            max_lag_s=0.05,
        )
        events = replay_recording(sim.recording, analyzer).events
        live = [e.row for e in events if e.kind == "rep_completed"]
        assert analyzer.stats.n_shed > 0  # the engine did lag behind
        assert len(live) == len(batch.reps), (seed, [(r["start_s"], r["end_s"]) for r in live])
