from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_trapezoid

from repscope.analysis.closure import close_cycles
from repscope.analysis.stroke_repair import snap_turnarounds
from repscope.analysis.strokes import Stroke

RATE = 100.0


def _touch_and_go(n_reps: int = 6, period_s: float = 4.0) -> tuple[np.ndarray, list[float]]:
    """Rest 2 s, n_reps cycles down-up (zero net travel each), rest 2 s."""
    rest = np.zeros(int(2 * RATE))
    tau = np.arange(int(period_s * RATE)) / (period_s * RATE)
    cycle = -np.sin(2 * np.pi * tau) * 0.3  # down then up, integral zero
    velocity = np.concatenate([rest, np.tile(cycle, n_reps), rest])
    returns = [rest.size + k * cycle.size for k in range(n_reps)]
    return velocity, [float(r) for r in returns]


def test_close_cycles_removes_a_drift_between_rests() -> None:
    truth, returns = _touch_and_go()
    n = truth.size
    anchors = [(0, 200), (n - 200, n)]
    drift = np.zeros(n)
    lo, hi = 199, n - 200
    t = np.arange(lo, hi + 1)
    # a bump-shaped residual drift (zero at both rests, as after linear drift removal)
    drift[lo : hi + 1] = 0.02 * np.sin(np.pi * (t - lo) / (hi - lo))
    corrected, n_closed = close_cycles(truth + drift, anchors, returns, sampling_rate_hz=RATE)
    assert n_closed == 1
    position = cumulative_trapezoid(corrected, dx=1 / RATE, initial=0.0)
    heights = np.interp(returns, np.arange(n), position)
    assert np.ptp(heights) < 1e-9  # every rep starts at the same height
    assert np.abs(corrected[:200]).max() < 1e-12 and np.abs(corrected[-200:]).max() < 1e-12
    err_before = np.sqrt(np.mean(drift**2))
    err_after = np.sqrt(np.mean((corrected - truth) ** 2))
    assert err_after < 0.3 * err_before


def test_close_cycles_leaves_real_height_changes_alone() -> None:
    truth, returns = _touch_and_go()
    n = truth.size
    shifted = truth.copy()
    shifted[300:340] += 1.0  # the bar really moved 0.4 m within one cycle
    out, n_closed = close_cycles(shifted, [(0, 200), (n - 200, n)], returns, sampling_rate_hz=RATE)
    assert n_closed == 0
    np.testing.assert_array_equal(out, shifted)


def test_close_cycles_needs_two_returns_between_rests() -> None:
    truth, returns = _touch_and_go(n_reps=1)
    _, n_closed = close_cycles(truth + 0.01, [(0, 200)], returns, sampling_rate_hz=RATE)
    assert n_closed == 0


def _stroke(start_s: float, end_s: float, direction: int, peak: float) -> Stroke:
    return Stroke(
        start_idx=int(np.floor(start_s * RATE)),
        end_idx=int(np.ceil(end_s * RATE)),
        direction=direction,
        start_s=start_s,
        end_s=end_s,
        displacement_m=0.4 * direction,
        peak_speed_mps=peak,
    )


def test_snap_turnarounds_joins_at_the_faster_stroke_without_rest() -> None:
    down = _stroke(1.0, 3.6, -1, 0.25)
    up = _stroke(3.9, 4.6, +1, 1.2)
    still = np.zeros(600, dtype=bool)
    ecc, con = snap_turnarounds([down, up], still, sampling_rate_hz=RATE)
    assert ecc.end_s == con.start_s == 3.9  # the concentric's onset is the turnaround
    assert ecc.start_s == 1.0 and con.end_s == 4.6


def test_snap_turnarounds_keeps_a_seen_pause() -> None:
    down = _stroke(1.0, 3.6, -1, 0.25)
    up = _stroke(4.6, 5.3, +1, 1.2)
    still = np.zeros(600, dtype=bool)
    still[400:420] = True  # the bar was seen at rest in the gap
    assert snap_turnarounds([down, up], still, sampling_rate_hz=RATE) == [down, up]
