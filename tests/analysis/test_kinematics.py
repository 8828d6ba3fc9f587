import numpy as np
import pytest

from repscope.analysis.anchor_heights import drop_passed_anchors, reselect_by_closure
from repscope.analysis.anchors import integrate_between_anchors, trim_moving_edges, validate_anchors
from repscope.analysis.filters import runs
from repscope.analysis.kinematics import vertical_kinematics
from repscope.analysis.stillness import StillnessSettings, trim_anchor
from repscope.analysis.strokes import StrokeSettings, find_strokes


def test_runs_are_half_open():
    assert runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    assert runs(np.zeros(3, bool)) == []


def test_linear_ramp_removes_a_constant_bias_between_anchors():
    rate = 100.0
    t = np.arange(0, 6, 1 / rate)
    true_v = np.where((t > 1) & (t < 5), np.sin(np.pi * (t - 1) / 4) ** 2, 0.0)
    acc = np.gradient(true_v, 1 / rate) + 0.05  # 0.05 m/s^2 bias
    anchors = [(0, 100), (500, 600)]
    v = integrate_between_anchors(acc, anchors, sampling_rate_hz=rate)
    assert np.max(np.abs(v - true_v)) < 0.01
    assert np.all(v[:100] == 0) and np.all(v[500:] == 0)


def test_false_anchor_in_constant_speed_motion_is_rejected():
    rate = 100.0
    t = np.arange(0, 10, 1 / rate)
    # accelerate to 0.2 m/s, cruise 2 s (zero acceleration, looks still), decelerate
    v = np.interp(t, [0, 2, 3, 5, 6, 10], [0, 0, 0.2, 0.2, 0, 0])
    acc = np.gradient(v, 1 / rate)
    candidates = [(0, 150), (330, 470), (650, 1000)]
    kept = validate_anchors(acc, candidates, sampling_rate_hz=rate, accept_speed_mps=0.1)
    assert kept == [(0, 150), (650, 1000)]


def test_ends_at_rest_bridge_the_outermost_candidates():
    # A live window from a rest to a turnaround: the bar is still at both ends, but the
    # window's only still candidates are a false one in a slow descent and a true bottom
    # pause. Short rests are trusted in live windows (trusted_len 0.5 s), so without the
    # ends as neighbours both are kept; with them, the descent is bridged from the first
    # to the last sample and rejected, and the pause, where the bar really stops, is kept.
    rate = 100.0
    t = np.arange(0, 10, 1 / rate)
    v = np.interp(t, [0, 1, 1.5, 3.5, 4, 5, 6, 7, 10], [0, 0, -0.2, -0.2, 0, 0, 0.5, 0, 0])
    acc = np.gradient(v, 1 / rate)
    descent, pause = (180, 330), (410, 490)
    kwargs = {"sampling_rate_hz": rate, "accept_speed_mps": 0.1, "trusted_len": 50}
    assert validate_anchors(acc, [descent, pause], **kwargs) == [descent, pause]
    kept = validate_anchors(acc, [descent, pause], ends_at_rest=True, **kwargs)
    assert kept == [pause]


def test_trim_anchor_gives_back_a_slow_start():
    acc = np.zeros(100)
    acc[80:] = np.linspace(0.0, 0.5, 20)
    assert trim_anchor((0, 100), acc, level_mps2=0.05, min_len=10) == (0, 82)


@pytest.mark.parametrize("power", [1.0, 2.0, 3.0])
def test_stroke_onset_is_extrapolated_to_zero_speed(power):
    rate = 100.0
    t = np.arange(0, 4, 1 / rate)
    t0, t1 = 1.0, 2.5
    tau = np.clip((t - t0) / (t1 - t0), 0, 1)
    speed = 0.6 * tau**power * (1 - tau) ** 2 / (0.5**power * 0.25)
    v = -speed  # a down stroke
    acc = np.gradient(v, 1 / rate)
    strokes = find_strokes(v, acc, np.zeros(t.size, bool), sampling_rate_hz=rate)
    assert len(strokes) == 1
    stroke = strokes[0]
    assert stroke.direction == -1
    # a plain 5% speed threshold would be 0.1-0.3 s late here
    assert stroke.start_s == pytest.approx(t0, abs=0.05)
    assert stroke.end_s == pytest.approx(t1, abs=0.03)


def test_small_wiggles_are_not_strokes():
    rate = 100.0
    t = np.arange(0, 3, 1 / rate)
    v = 0.05 * np.sin(2 * np.pi * 2 * t)  # +-4 mm of travel
    strokes = find_strokes(
        v, np.gradient(v, 1 / rate), np.zeros(t.size, bool), sampling_rate_hz=rate
    )
    assert strokes == []
    assert StrokeSettings().min_displacement_m > 0.008


def test_moving_edge_of_a_rest_is_cut_off():
    # 1.5 s of a slow eccentric decelerating from 0.3 m/s to rest, then 4 s of rest; the
    # still detector took the whole as one rest. Seen from the rest's middle, the tail moves.
    rate = 50.0
    t_tail = np.arange(0, 1.5, 1 / rate)
    acc_tail = np.full(t_tail.size, 0.2)  # decelerating a downward stroke: +0.2 m/s^2
    rng = np.random.default_rng(1)
    acc = np.concatenate([acc_tail, np.zeros(200)]) + 0.03 + rng.normal(0, 0.05, 275)
    (a, b), (c, d) = trim_moving_edges(
        acc, [(0, 275), (100, 130)], sampling_rate_hz=rate, level_mps=0.05, min_len=5
    )
    # the velocity at sample k of the tail is -0.3 + 0.2 * k / rate: above 0.05 m/s until
    # 1.25 s (sample 62); the cut must fall between there and the rest's start (75)
    assert 60 <= a <= 75
    assert b == 275  # the rest's own end is not cut
    assert (c, d) == (100, 130)  # too short to judge itself: kept


def test_rest_without_moving_edges_is_kept_whole():
    rng = np.random.default_rng(2)
    acc = 0.05 + rng.normal(0, 0.05, 400)
    ((a, b),) = trim_moving_edges(
        acc, [(0, 400)], sampling_rate_hz=100.0, level_mps=0.05, min_len=10
    )
    assert (a, b) == (0, 400)


def _grind_set(rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Rest, a 0.5 m lift with a 1 s stall at 0.05 m/s in its middle, top pause, lower, rest.

    Returns time and true vertical velocity.
    """
    t = np.arange(0, 16, 1 / rate)
    knots_t = [0, 3, 3.6, 4.6, 5.6, 6.2, 7.4, 8.4, 9.4, 11.0, 16]
    knots_v = [0, 0, 0.3, 0.05, 0.05, 0.3, 0, 0, -0.5, 0, 0]
    v = np.interp(t, knots_t, knots_v)
    # smooth corners (5 Hz is well below the ramps' content that matters here)
    kernel = np.hanning(int(0.3 * rate))
    v = np.convolve(v, kernel / kernel.sum(), mode="same")
    return t, v


def test_anchor_the_bar_passes_through_is_dropped():
    rate = 100.0
    t, v = _grind_set(rate)
    acc = np.gradient(v, 1 / rate)
    idx = lambda s: round(s * rate)  # noqa: E731
    rest0, stall, top, rest1 = (
        (0, idx(2.8)),
        (idx(4.7), idx(5.5)),
        (idx(7.6), idx(8.2)),
        (
            idx(11.5),
            t.size,
        ),
    )
    kept = drop_passed_anchors(
        acc, [rest0, stall, top, rest1], sampling_rate_hz=rate, min_step_m=0.12
    )
    assert kept == [rest0, top, rest1]  # the top pause is a turnaround: kept
    # a bar that barely turns (10 deg/s while moving) is judged the same way
    gyr = np.zeros((t.size, 3))
    gyr[:, 1] = np.where(np.abs(v) > 0.01, 10.0, 0.0)
    kept = drop_passed_anchors(
        acc,
        [rest0, stall, top, rest1],
        sampling_rate_hz=rate,
        min_step_m=0.12,
        gyr_dps=gyr,
        max_turn_deg_per_m=250.0,
    )
    assert kept == [rest0, top, rest1]


def test_heights_are_not_trusted_while_the_sensor_swings_through_an_arc():
    rate = 100.0
    t, v = _grind_set(rate)
    acc = np.gradient(v, 1 / rate)
    idx = lambda s: round(s * rate)  # noqa: E731
    anchors = [(0, idx(2.8)), (idx(4.7), idx(5.5)), (idx(7.6), idx(8.2)), (idx(11.5), t.size)]
    # a curl turns the forearm about 1 rad per 0.3 m of travel: ~190 deg/s at 1 m/s, and
    # more while it accelerates; here 100 deg/s whenever the bar moves (over 400 deg/m)
    gyr = np.zeros((t.size, 3))
    gyr[:, 1] = np.where(np.abs(v) > 0.01, 100.0, 0.0)
    kept = drop_passed_anchors(
        acc,
        anchors,
        sampling_rate_hz=rate,
        min_step_m=0.12,
        gyr_dps=gyr,
        max_turn_deg_per_m=250.0,
    )
    assert kept == anchors


def test_vertical_kinematics_recovers_the_lift_through_a_stall():
    rate = 100.0
    t, v = _grind_set(rate)
    acc_z = np.gradient(v, 1 / rate)
    rng = np.random.default_rng(3)
    acc_z = acc_z + rng.normal(0, 0.01, t.size)
    acc_world = np.column_stack([np.zeros_like(t), np.zeros_like(t), acc_z])
    lift = (t > 3) & (t < 7.4)
    stall = (t > 4.7) & (t < 5.5)
    kin = vertical_kinematics(acc_z, acc_world, None, sampling_rate_hz=rate)
    rise = np.trapezoid(kin.velocity_mps[lift], dx=1 / rate)
    assert not kin.still[stall].any()
    assert rise == pytest.approx(np.trapezoid(v[lift], dx=1 / rate), abs=0.03)
    # without the height check the stall is taken for a rest and the lift comes up short
    off = StillnessSettings(pass_through_m=None)
    kin_off = vertical_kinematics(acc_z, acc_world, None, sampling_rate_hz=rate, settings=off)
    assert kin_off.still[stall].any()


def test_a_partial_reps_bottom_pause_after_a_touch_and_go_top_is_kept():
    # rest; down 0.5 m; bottom pause; up 0.5 m and straight down 0.25 m (touch-and-go top,
    # no rest); bottom pause of the partial rep; up 0.25 m; rest. Between the two bottom
    # pauses the bar rises 0.25 m overall, and again to the final rest, but it arrives at
    # the second pause from above: a turnaround, not a rest passed through.
    rate = 100.0
    t = np.arange(0, 16, 1 / rate)
    knots_t = [0, 2, 3, 4, 5, 6, 6.5, 7, 7.8, 8.6, 10, 10.5, 11, 16]
    knots_v = [0, 0, -0.5, 0, 0, 0.5, 0.5, 0, -0.31, 0, 0, 0.5, 0, 0]
    v = np.interp(t, knots_t, knots_v)
    kernel = np.hanning(int(0.2 * rate))
    v = np.convolve(v, kernel / kernel.sum(), mode="same")
    x = np.cumsum(v) / rate
    idx = lambda s: round(s * rate)  # noqa: E731
    anchors = [(0, idx(1.8)), (idx(4.2), idx(4.8)), (idx(8.8), idx(9.8)), (idx(11.3), t.size)]
    assert x[idx(9.3)] - x[idx(4.5)] > 0.12 and x[-1] - x[idx(9.3)] > 0.12
    acc = np.gradient(v, 1 / rate)
    kept = drop_passed_anchors(acc, anchors, sampling_rate_hz=rate, min_step_m=0.12)
    assert kept == anchors


def _deadlift_4010(rate: float, error_mps2: float) -> tuple[np.ndarray, np.ndarray]:
    """Velocity and measured acceleration of five 4-0-1-0 reps (0.5 m up in 1 s, down in 4 s)."""

    def bell(n: int) -> np.ndarray:
        tau = np.linspace(0.0, 1.0, n)
        return 16 * tau**2 * (1 - tau) ** 2

    up, down = bell(int(rate)), bell(int(4 * rate))
    up *= 0.5 / (up.sum() / rate)
    down *= 0.5 / (down.sum() / rate)
    pieces = [np.zeros(int(2 * rate))]
    for _ in range(5):
        pieces += [up, -down, np.zeros(int(0.4 * rate))]
    pieces.append(np.zeros(int(2 * rate)))
    v = np.concatenate(pieces)
    t = np.arange(v.size) / rate
    # slowly varying acceleration error, as left by the orientation filter during a set
    acc = np.gradient(v, 1 / rate) + error_mps2 * np.sin(2 * np.pi * t / 7.0)
    return v, acc


def test_a_false_rest_in_a_slow_eccentric_is_replaced_by_the_true_rest_after_it():
    rate = 50.0
    v, acc = _deadlift_4010(rate, error_mps2=0.01)
    rests = [(a, b) for a, b in runs(v == 0) if b - a >= 5]
    bottom = rests[3]
    # the third eccentric's last half second but one moves at under 0.1 m/s: taken for rest
    false = (bottom[0] - int(0.8 * rate), bottom[0] - int(0.5 * rate))
    assert 0.05 < np.abs(v[false[0] : false[1]]).max() < 0.1
    anchors = sorted([r for r in rests if r != bottom] + [false])
    kept = reselect_by_closure(
        acc,
        anchors,
        sorted([*rests, false]),
        sampling_rate_hz=rate,
        settings=StillnessSettings(),
        margin_m=0.10,
    )
    assert kept == rests
    # with the true rests the heights close: nothing to change
    assert (
        reselect_by_closure(
            acc, rests, rests, sampling_rate_hz=rate, settings=StillnessSettings(), margin_m=0.10
        )
        == rests
    )
