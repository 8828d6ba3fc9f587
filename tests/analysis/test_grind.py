"""The grind rule: a slow concentric, a slowish one with a sticking region, a stalled lift."""

from __future__ import annotations

import math

import numpy as np
import pytest

from repscope.analysis.flags import flag_set
from repscope.analysis.grind import grind_reason, sticking_ratio
from repscope.analysis.metrics import RepMetrics
from repscope.analysis.profiles import FlagThresholds
from repscope.analysis.strokes import Stroke

T = FlagThresholds()
RATE_HZ = 100.0


def concentric(speed_mps: np.ndarray) -> tuple[np.ndarray, np.ndarray, Stroke]:
    """Velocity, time and the concentric stroke over the whole of ``speed_mps``."""
    time_s = np.arange(speed_mps.size) / RATE_HZ
    stroke = Stroke(0, speed_mps.size - 1, 1, 0.0, float(time_s[-1]), 0.5, float(speed_mps.max()))
    return speed_mps, time_s, stroke


def min_jerk_speed(n: int) -> np.ndarray:
    tau = np.linspace(0.0, 1.0, n)
    return 30 * tau**2 * (1 - tau) ** 2


def test_a_minimum_jerk_lift_has_no_sticking_region():
    assert sticking_ratio(*concentric(min_jerk_speed(120))) == pytest.approx(1.0)


def test_a_dip_between_two_peaks_reads_its_depth_against_the_lower_peak():
    tau = np.linspace(0.0, 1.0, 200)
    speed = min_jerk_speed(200) * (1 - 0.8 * np.exp(-0.5 * ((tau - 0.45) / 0.08) ** 2))
    ratio = sticking_ratio(*concentric(speed))
    i_min = 60 + int(np.argmin(speed[60:120]))  # the dip's bottom
    lower_peak = min(speed[:i_min].max(), speed[i_min:].max())
    assert ratio == pytest.approx(speed[i_min] / lower_peak, rel=1e-9)
    assert ratio < 0.5


def test_wiggles_at_rest_before_the_lift_are_no_sticking_region():
    speed = min_jerk_speed(120)
    speed[:10] = [0.02, 0.0, 0.02, 0.0, 0.02, 0.0, 0.02, 0.0, 0.02, 0.0]
    assert sticking_ratio(*concentric(speed)) == pytest.approx(1.0)


def test_speed_against_the_stroke_counts_as_zero_and_no_stroke_is_unknown():
    speed, time_s, _ = concentric(min_jerk_speed(120))
    down = Stroke(0, 119, -1, 0.0, float(time_s[-1]), -0.5, 1.0)
    assert math.isnan(sticking_ratio(speed, time_s, down))  # all speed against it
    assert math.isnan(sticking_ratio(speed, time_s, None))


@pytest.mark.parametrize(
    ("concentric_s", "sticking", "stalled", "balance_sd", "ground"),
    [
        (1.7, 1.0, math.nan, 0.0, True),  # 1.7x the set's 1.0 s: slow
        (1.55, 1.0, math.nan, 0.0, True),  # beyond tempo scatter and fatigue
        (1.4, 1.0, math.nan, 0.0, False),  # 1.4x without a sticking region
        (1.4, 0.3, math.nan, 0.0, True),  # 1.4x with a sticking region
        (0.9, 0.3, math.nan, 0.0, False),  # a dip in a rep lifted faster than the set's
        (1.4, 0.6, math.nan, 0.0, False),  # a shallow dip
        (1.4, math.nan, math.nan, 0.0, False),  # dip unknown
        (1.1, 1.0, 0.5, 5.0, True),  # the stroke stalled at half the range after a full lowering
        (1.1, 1.0, 0.8, 5.0, False),  # at 80%: the range was reached
        # up/down balance within 1.5 SDs of the set's: its travels do not resolve a stall
        (1.1, 1.0, 0.5, 1.5, False),
        (0.8, 1.0, 0.5, 5.0, False),  # a short rise lifted faster than the set's: no stall
        (1.2, 0.02, math.nan, 0.0, False),  # the bar stopped mid-stroke: two moves, no grind
    ],
)
def test_the_three_routes_to_a_grind(concentric_s, sticking, stalled, balance_sd, ground):
    why = grind_reason(
        concentric_s=concentric_s,
        median_concentric_s=1.0,
        sticking=sticking,
        travel_up=stalled,
        travel_down=1.0 if math.isfinite(stalled) else math.nan,
        balance_sd=balance_sd,
        thresholds=T,
    )
    assert bool(why) is ground


def rep(k: int, *, concentric_s: float, rom_m: float, eccentric_rom_m: float, sticking: float):
    return RepMetrics(
        set_number=1,
        rep_number=k,
        start_s=5.0 * k,
        end_s=5.0 * k + 4,
        eccentric_s=2.0,
        bottom_pause_s=1.0,
        concentric_s=concentric_s,
        top_pause_s=0.5,
        rom_m=rom_m,
        eccentric_rom_m=eccentric_rom_m,
        mean_concentric_velocity_mps=rom_m / concentric_s,
        peak_concentric_velocity_mps=math.nan,
        time_under_tension_s=4.0,
        peak_turnaround_acc_mps2=math.nan,
        eccentric_arrival_ratio=0.1,
        turnaround_arrival_ratio=0.1,
        turnaround_bottom_pause_s=1.0,
        ldlj=-6.0,
        sparc=math.nan,
        horizontal_excursion_m=math.nan,
        rotation_deg=5.0,
        confidence="high",
        confidence_reasons=(),
        sticking_ratio=sticking,
    )


def test_a_set_flags_the_slowish_rep_with_a_sticking_point_and_the_stalled_one():
    reps = [
        rep(1, concentric_s=1.0, rom_m=0.5, eccentric_rom_m=0.5, sticking=1.0),
        rep(2, concentric_s=1.4, rom_m=0.5, eccentric_rom_m=0.5, sticking=0.25),
        rep(3, concentric_s=1.0, rom_m=0.5, eccentric_rom_m=0.5, sticking=1.0),
        # the stroke ended at the sticking point: 0.25 m up after 0.5 m down
        rep(4, concentric_s=1.1, rom_m=0.25, eccentric_rom_m=0.49, sticking=1.0),
        # short both ways: a partial rep, not a grind
        rep(5, concentric_s=0.8, rom_m=0.25, eccentric_rom_m=0.25, sticking=1.0),
        rep(6, concentric_s=1.05, rom_m=0.5, eccentric_rom_m=0.5, sticking=1.0),
    ]
    flags, reasons = flag_set(reps, thresholds=T, tempo=None)
    assert [("grind" in f) for f in flags] == [False, True, False, True, False, False]
    assert "slowing to 25%" in reasons[1][flags[1].index("grind")]
    assert "stalled at 50%" in reasons[3][flags[3].index("grind")]
    assert flags[4] == ["partial_rom"]


def test_a_stall_inside_the_sets_own_travel_scatter_is_not_a_grind():
    # the set's up/down travels disagree by 20-40% rep to rep (a real bar's integration):
    # rep 4's short rise is within that noise
    ups = [0.5, 0.35, 0.6, 0.3, 0.45, 0.55]
    downs = [0.45, 0.5, 0.42, 0.5, 0.55, 0.4]
    reps = [
        rep(k + 1, concentric_s=1.0, rom_m=u, eccentric_rom_m=d, sticking=1.0)
        for k, (u, d) in enumerate(zip(ups, downs, strict=True))
    ]
    flags, _ = flag_set(reps, thresholds=T, tempo=None)
    assert not any("grind" in f for f in flags)
