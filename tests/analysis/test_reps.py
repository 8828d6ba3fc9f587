"""Stroke pairing: the rotation gate for wrist placement (known answers)."""

from __future__ import annotations

import numpy as np
import pytest

from repscope.analysis.profiles import get_profile
from repscope.analysis.reps import RepSettings, pair_strokes
from repscope.analysis.stroke_repair import restore_lost_strokes
from repscope.analysis.strokes import Stroke, find_strokes

RATE = 50.0


def _stroke(t0: float, t1: float, displacement_m: float) -> Stroke:
    return Stroke(
        start_idx=round(t0 * RATE),
        end_idx=round(t1 * RATE),
        direction=1 if displacement_m > 0 else -1,
        start_s=t0,
        end_s=t1,
        displacement_m=displacement_m,
        peak_speed_mps=abs(displacement_m),
    )


def _ohp_strokes() -> list[Stroke]:
    # overhead press: up then down, three reps of 0.5 m
    out = []
    for k in range(3):
        t = 1.0 + 3.0 * k
        out += [_stroke(t, t + 1.0, 0.5), _stroke(t + 1.5, t + 2.5, -0.5)]
    return out


def test_without_rotation_every_pair_is_a_rep() -> None:
    reps = pair_strokes(_ohp_strokes(), get_profile("ohp"))
    assert len(reps) == 3


def test_pairs_that_turn_more_than_the_limit_are_not_reps() -> None:
    second_rep = (round(4.0 * RATE), round(6.5 * RATE) + 1)

    def rotation_deg(i0: int, i1: int, closed: bool) -> float:
        return 120.0 if (i0, i1) == second_rep else 20.0

    reps = pair_strokes(
        _ohp_strokes(), get_profile("ohp"), rotation_deg=rotation_deg, max_rotation_deg=50.0
    )
    assert [r.concentric.start_s for r in reps if r.concentric] == [1.0, 7.0]


def test_no_limit_means_no_gate() -> None:
    reps = pair_strokes(
        _ohp_strokes(),
        get_profile("ohp"),
        rotation_deg=lambda i0, i1, closed: 180.0,
        max_rotation_deg=None,
    )
    assert len(reps) == 3


def test_curl_profile_has_no_rotation_limit_and_barbell_lifts_have_one() -> None:
    assert get_profile("curl").max_wrist_rotation_deg is None
    for name in ("bench", "squat", "deadlift", "ohp", "row"):
        assert get_profile(name).max_wrist_rotation_deg == 50.0


def test_a_wobble_in_the_top_pause_does_not_split_a_rep() -> None:
    # curl: up, then the top pause drifts 5 cm down (a stroke too short for any rep),
    # then the real eccentric; then a second clean rep
    strokes = [
        _stroke(1.0, 2.0, 0.45),
        _stroke(2.0, 3.0, -0.05),
        _stroke(3.3, 5.0, -0.42),
        _stroke(6.0, 7.0, 0.45),
        _stroke(7.5, 9.0, -0.44),
    ]
    profile = get_profile("curl")
    assert profile.min_rom_m > 0.05
    reps = pair_strokes(strokes, profile)
    assert [
        (r.concentric.start_s, r.eccentric.start_s) for r in reps if r.concentric and r.eccentric
    ] == [
        (1.0, 3.3),
        (6.0, 7.5),
    ]
    # the old rule (consecutive strokes only) lost the first rep
    no_skip = pair_strokes(strokes, profile, settings=RepSettings(skip_wobbles=False))
    assert len(no_skip) == 1


def test_a_stroke_long_enough_for_a_rep_is_not_skipped() -> None:
    # up, a 0.25 m down (a real, if short, movement), a full down: the up pairs with the
    # first down or not at all, never across it
    strokes = [_stroke(1.0, 2.0, 0.45), _stroke(2.2, 3.0, -0.25), _stroke(3.5, 5.0, -0.45)]
    reps = pair_strokes(strokes, get_profile("curl"))
    assert [
        (r.concentric.start_s, r.eccentric.start_s) for r in reps if r.concentric and r.eccentric
    ] == [(1.0, 2.2)]


def _cut_linear(stroke: Stroke, travel_m: float) -> Stroke | None:
    # constant speed: the stroke reaches a travel in proportion to its duration
    fraction = travel_m / abs(stroke.displacement_m)
    if fraction > 1:
        return None
    end_s = stroke.start_s + fraction * (stroke.end_s - stroke.start_s)
    return Stroke(
        start_idx=stroke.start_idx,
        end_idx=round(end_s * RATE),
        direction=stroke.direction,
        start_s=stroke.start_s,
        end_s=end_s,
        displacement_m=stroke.direction * travel_m,
        peak_speed_mps=stroke.peak_speed_mps,
    )


def test_the_last_rep_run_into_setting_the_bar_down_is_counted_and_cut() -> None:
    # row: two reps, the last lowered straight on to the floor (0.35 m rep + 0.5 m more)
    strokes = [
        _stroke(1.0, 2.0, 0.35),
        _stroke(2.0, 4.0, -0.35),
        _stroke(5.0, 6.0, 0.35),
        _stroke(6.0, 10.0, -0.85),
    ]
    profile = get_profile("row")
    assert len(pair_strokes(strokes, profile)) == 1
    reps = pair_strokes(strokes, profile, cut_stroke=_cut_linear)
    assert len(reps) == 2
    last = reps[-1].eccentric
    assert last is not None
    assert last.displacement_m == pytest.approx(-0.35)
    assert last.end_s == pytest.approx(6.0 + 4.0 * 0.35 / 0.85)
    # followed at once by another movement, the long stroke is not a set-down: no rep
    more = [*strokes, _stroke(10.5, 11.5, 0.35)]
    assert len(pair_strokes(more, profile, cut_stroke=_cut_linear)) == 1


def _row_reps(t0: float, n: int, travel: float = 0.43) -> list[Stroke]:
    # row: up then down, contiguous strokes, 1.5 s per rep
    out = []
    for k in range(n):
        t = t0 + 1.5 * k
        out += [_stroke(t, t + 0.7, travel), _stroke(t + 0.7, t + 1.5, -travel)]
    return out


def test_an_edge_pair_drifted_at_an_open_start_is_a_rep() -> None:
    # the recording opens moving: a remnant, then a first rep whose up stroke drifted to
    # 0.66 m and whose down stroke to 0.30 m (ratio 2.2+), then four clean reps
    strokes = [
        _stroke(0.0, 0.6, -0.04),
        _stroke(0.6, 1.5, 0.66),
        _stroke(1.5, 2.2, -0.29),
        *_row_reps(2.2, 4),
    ]
    profile = get_profile("row")
    assert len(pair_strokes(strokes, profile, open_start_s=0.0)) == 4
    reps = pair_strokes(strokes, profile, open_start_s=0.0, open_edge_rules=True)
    assert len(reps) == 5
    assert reps[0].concentric is not None and reps[0].concentric.start_s == 0.6
    # a recording that begins at rest anchors the first stroke: no exemption
    assert len(pair_strokes(strokes, profile, open_edge_rules=True)) == 4
    # the inner stroke must travel like the set's reps: 0.15 m is not a row of 0.43 m
    short = [*strokes[:2], _stroke(1.5, 2.2, -0.15), *strokes[3:]]
    assert len(pair_strokes(short, profile, open_start_s=0.0, open_edge_rules=True)) == 4


def test_an_edge_pair_drifted_at_an_open_end_is_a_rep_cut_at_its_start_height() -> None:
    # squat: three reps of 0.63 m, then a fourth whose ascent drifted to 1.64 m, and the
    # recording ends 0.6 s into the next descent (a remnant)
    strokes = []
    for k in range(3):
        t = 0.5 + 3.0 * k
        strokes += [_stroke(t, t + 1.3, -0.63), _stroke(t + 1.3, t + 2.5, 0.63)]
    strokes += [
        _stroke(9.5, 10.6, -0.58),
        _stroke(10.6, 13.1, 1.64),
        _stroke(13.1, 13.7, -0.14),
    ]
    profile = get_profile("squat")
    assert len(pair_strokes(strokes, profile, open_end_s=13.7, cut_stroke=_cut_linear)) == 3
    reps = pair_strokes(
        strokes, profile, open_end_s=13.7, cut_stroke=_cut_linear, open_edge_rules=True
    )
    assert len(reps) == 4
    last = reps[-1].concentric
    assert last is not None
    assert last.displacement_m == pytest.approx(0.58)
    assert last.end_s == pytest.approx(10.6 + 2.5 * 0.58 / 1.64)
    # the rotation gate still applies: a pair over which the forearm turns is no rep
    turning = pair_strokes(
        strokes,
        profile,
        open_end_s=13.7,
        cut_stroke=_cut_linear,
        open_edge_rules=True,
        rotation_deg=lambda i0, i1, closed: 120.0 if i0 == round(9.5 * RATE) else 10.0,
        max_rotation_deg=50.0,
    )
    assert len(turning) == 3


def _minjerk_velocity(travel_m: float, duration_s: float, rate: float) -> np.ndarray:
    tau = np.arange(round(duration_s * rate)) / (duration_s * rate)
    return travel_m / duration_s * 30.0 * tau**2 * (1.0 - tau) ** 2


@pytest.mark.parametrize(("returns", "expected"), [(True, [1, -1, 1]), (False, [1, 1])])
def test_a_stroke_erased_between_two_same_way_strokes_is_restored_only_if_the_bar_returned(
    returns, expected
):

    rate = 100.0
    hold = np.zeros(round(1.0 * rate))
    between = -_minjerk_velocity(0.15, 4.0, rate) if returns else np.zeros(round(4.0 * rate))
    true_v = np.concatenate(
        [
            hold,
            _minjerk_velocity(0.15, 1.0, rate),
            between,
            _minjerk_velocity(0.35, 1.0, rate),
            hold,
        ]
    )
    acc = np.gradient(true_v) * rate
    # what false rests in the slow return leave: that stretch's velocity forced to zero
    seen_v = true_v.copy()
    seen_v[round(2.0 * rate) : round(6.0 * rate)] = 0.0
    strokes = find_strokes(seen_v, acc, np.zeros(seen_v.size, bool), sampling_rate_hz=rate)
    assert [s.direction for s in strokes] == [1, 1]
    out = restore_lost_strokes(strokes, acc, sampling_rate_hz=rate, min_travel_m=0.10)
    assert [s.direction for s in out] == expected
    if returns:
        assert abs(out[1].displacement_m) == pytest.approx(0.15, abs=0.01)
