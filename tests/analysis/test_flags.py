"""Flag rules on hand-built rep tables and the bounce measure on hand-built velocities."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from repscope.analysis import analyze_recording
from repscope.analysis.flags import flag_set, full_range_reference
from repscope.analysis.metrics import RepMetrics
from repscope.analysis.profiles import FlagThresholds
from repscope.analysis.rep_kinematics import arrival_ratio as _arrival_ratio
from repscope.analysis.strokes import Stroke
from repscope.simulate import SetSpec, simulate_set

T = FlagThresholds()


def rep_table(
    rom_m: Sequence[float],
    eccentric_rom_m: Sequence[float] | None = None,
    *,
    eccentric_s: Sequence[float] | None = None,
    concentric_s: Sequence[float] | None = None,
) -> pd.DataFrame:
    """One set of controlled reps (no other rule fires) with the given travels."""
    n = len(rom_m)
    table = pd.DataFrame(
        {
            "rep": np.arange(1, n + 1),
            "eccentric_s": list(eccentric_s) if eccentric_s is not None else [2.0] * n,
            "bottom_pause_s": [1.0] * n,
            "concentric_s": list(concentric_s) if concentric_s is not None else [1.0] * n,
            "top_pause_s": [0.5] * n,
            "rom_m": list(rom_m),
            "rotation_deg": [5.0] * n,
            "ldlj": [-6.0] * n,
            "turnaround_bottom_pause_s": [1.0] * n,
            "turnaround_arrival_ratio": [0.1] * n,
        }
    )
    if eccentric_rom_m is not None:
        table["eccentric_rom_m"] = list(eccentric_rom_m)
    return table


def as_reps(table: pd.DataFrame) -> list[RepMetrics]:
    return [RepMetrics.from_row(row) for row in table.to_dict(orient="records")]


def partial(table: pd.DataFrame) -> list[bool]:
    flags, _ = flag_set(as_reps(table), thresholds=T, tempo=None)
    return ["partial_rom" in f for f in flags]


def test_reference_is_the_median_of_the_reps_not_short_against_the_90th_percentile():
    # p90 = 0.516 (numpy's linear interpolation); 0.25 < 0.75 * 0.516 is left out
    assert full_range_reference(np.array([0.50, 0.52, 0.48, 0.25, 0.51]), fraction=0.75) == (
        pytest.approx(0.505)
    )
    # fewer than 3 known values: against the maximum; NaN (unknown) values are ignored
    assert full_range_reference(np.array([0.5, 0.3, math.nan]), fraction=0.75) == 0.5
    assert math.isnan(full_range_reference(np.array([math.nan, math.nan]), fraction=0.75))


def test_a_rep_short_on_both_strokes_is_partial_and_the_reason_quotes_both():
    table = rep_table([0.50, 0.52, 0.48, 0.25, 0.51], [0.49, 0.50, 0.50, 0.245, 0.51])
    assert partial(table) == [False, False, False, True, False]
    _, reasons = flag_set(as_reps(table), thresholds=T, tempo=None)
    # 0.25 / 0.505 and 0.245 / 0.50 (the eccentric reference)
    assert reasons[3] == ["moved 0.25 m, 50% of the set's full 0.51 m, down 49%"]


def test_a_short_concentric_after_a_full_eccentric_is_not_a_partial_rep():
    # rep 3: the concentric travelled 0.25 m but the eccentric went the full 0.49 m down
    # (a concentric split at a sticking point), so the rep was not cut short
    assert partial(rep_table([0.5, 0.5, 0.25, 0.5], [0.5, 0.5, 0.49, 0.5])) == [False] * 4
    # without the eccentric's travel the concentric decides alone
    assert partial(rep_table([0.5, 0.5, 0.25, 0.5])) == [False, False, True, False]
    # an unknown eccentric travel (NaN) also leaves the decision to the concentric
    assert partial(rep_table([0.5, 0.5, 0.25, 0.5], [0.5, 0.5, math.nan, 0.5]))[2]


def test_the_threshold_is_strict_three_quarters_of_the_reference():
    full = [0.5, 0.5, 0.5, 0.5]
    assert partial(rep_table([*full, 0.375], [*full, 0.375])) == [False] * 5
    assert partial(rep_table([*full, 0.374], [*full, 0.374]))[-1]
    # both strokes must be short: a full-length eccentric at the boundary keeps the rep
    assert not partial(rep_table([*full, 0.374], [*full, 0.375]))[-1]


def test_over_measured_reps_do_not_make_the_full_reps_partial():
    # full reps measure 0.51-0.59 m; four reps in a row are over-measured (0.64-0.76 m).
    # Against the 90th percentile (0.716 m) the 0.51 and 0.52 m reps would be under
    # 75%; against the median of the full reps (0.615 m) they are 83%.
    rom = [0.54, 0.64, 0.59, 0.71, 0.72, 0.76, 0.67, 0.59, 0.58, 0.52, 0.51, 0.58]
    assert float(np.percentile(rom, 90)) * 0.75 > 0.52
    assert full_range_reference(np.array(rom), fraction=0.75) == pytest.approx(0.615)
    assert not any(partial(rep_table(rom, rom)))
    # a real partial rep in that set is still found
    flagged = partial(rep_table([*rom, 0.30], [*rom, 0.31]))
    assert flagged == [False] * len(rom) + [True]


def test_a_set_of_half_partial_reps_is_judged_against_its_full_reps():
    # half the reps make the full range: enough to resolve it (a minority is not, below)
    rom = [0.5, 0.3, 0.3, 0.5, 0.3, 0.5, 0.5, 0.3, 0.3, 0.5]
    assert partial(rep_table(rom, rom)) == [r < 0.4 for r in rom]


def test_a_rep_travelling_further_than_any_lift_is_unmeasured_and_unflagged():
    # real-like squat seed 280008: a rep merged across a lost impulse measured 3.0 m and
    # dragged the full range up to 1.9 m, so every 0.55 m squat was called partial
    rom = [0.75, 3.0, 0.41, 0.61, 0.58, 0.55, 0.54, 0.56, 0.54, 0.49]
    table = rep_table(rom, concentric_s=[1.0, 4.0, *[1.0] * 8])
    flags, reasons = flag_set(as_reps(table), thresholds=T, tempo=None)
    assert flags[1] == [] and reasons[1] == []  # not a grind either: it was not measured
    # against the full 0.555 m of the others only the 0.41 m rep (74%) is short
    assert [("partial_rom" in f) for f in flags] == [k == 2 for k in range(len(rom))]
    # without the guard the reference is 1.9 m and all eight full reps are short
    assert full_range_reference(np.array(rom), fraction=0.75) > 1.0


def test_reps_cut_by_the_recording_are_not_judged_and_not_in_the_reference():
    # rep 1 lost its eccentric to the start of the recording: its 0.2 m is not a range
    rom = [0.2, 0.5, 0.5, 0.5, 0.3]
    ecc_s = [math.nan, 2.0, 2.0, 2.0, 2.0]
    assert partial(rep_table(rom, [math.nan, 0.5, 0.5, 0.5, 0.3], eccentric_s=ecc_s)) == [
        False,
        False,
        False,
        False,
        True,
    ]
    # the last rep lost its concentric to the end of the recording (up-first lift)
    con_s = [1.0, 1.0, 1.0, math.nan]
    assert partial(rep_table([0.5, 0.5, 0.5, 0.1], concentric_s=con_s)) == [False] * 4


def test_few_reps():
    assert partial(rep_table([0.3])) == [False]
    assert partial(rep_table([0.5, 0.3], [0.5, 0.3])) == [False, True]
    assert partial(rep_table([0.5, 0.45], [0.5, 0.45])) == [False, False]


# ----------------------------------------------------------------------------- bounce
RATE_HZ = 100.0


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk velocity shape on [0, 1] (unit area)."""
    return 30.0 * tau**2 * (1.0 - tau) ** 2


def down_then_up(*, ecc_s: float = 2.0, con_s: float = 1.0, bounce: bool = False) -> np.ndarray:
    """Vertical velocity of a 0.5 m eccentric straight into a 0.5 m concentric (no pause).

    A controlled eccentric decelerates to the bottom (minimum jerk); a bounced one ends
    linearly (``tau^6 (1 - tau)``, normalised to unit area), still fast at 90%.
    """
    tau_e = np.arange(round(ecc_s * RATE_HZ)) / (ecc_s * RATE_HZ)
    shape_e = 56.0 * tau_e**6 * (1.0 - tau_e) if bounce else min_jerk(tau_e)
    tau_c = np.arange(round(con_s * RATE_HZ) + 1) / (con_s * RATE_HZ)
    return np.concatenate([-0.5 / ecc_s * shape_e, 0.5 / con_s * min_jerk(tau_c)])


#: The sample times of the signals above (a uniform grid from 0, long enough for them).
GRID_S = np.arange(100 * 1000) / RATE_HZ


def eccentric(end_s: float) -> Stroke:
    return Stroke(
        start_idx=0,
        end_idx=round(end_s * RATE_HZ),
        direction=-1,
        start_s=0.0,
        end_s=end_s,
        displacement_m=-0.5,
        peak_speed_mps=0.47,
    )


def test_arrival_ratio_separates_a_controlled_eccentric_from_a_bounced_one():
    # minimum jerk: 30 * 0.81 * 0.01 / 1.875 = 0.13 at 90%; tau^6 (1 - tau): 0.94
    assert _arrival_ratio(down_then_up(), GRID_S, eccentric(2.0)) == pytest.approx(0.13, abs=0.01)
    assert _arrival_ratio(down_then_up(bounce=True), GRID_S, eccentric(2.0)) == pytest.approx(
        0.94, abs=0.01
    )


def test_arrival_ratio_counts_only_speed_in_the_eccentrics_direction():
    # The eccentric stroke's end was placed 0.5 s late, into the concentric (as a grind's
    # first push before its sticking point can be): at 90% of it, 2.25 s, the bar already
    # rises at 0.53 m/s, 56% of the eccentric's peak speed. That is not arrival speed.
    velocity = down_then_up()
    assert abs(velocity[225]) / np.max(np.abs(velocity[:251])) == pytest.approx(0.56, abs=0.01)
    assert _arrival_ratio(velocity, GRID_S, eccentric(2.5)) == 0.0


def test_a_bounced_curl_is_found_from_the_forearms_rotation():
    # A curl's hands swing sideways near the bottom, so their vertical speed fades before
    # the forearm stops turning, bounced or not (vertical arrival ratio of this bounce:
    # 0.32). Read from the arc speed, the signal the curl's strokes come from, the bounce
    # on rep 3 arrives fast and the five other touch-and-go turnarounds do not.
    spec = SetSpec("curl", n_reps=7, tempo="2-0-1-0", faults={3: "bounce", 5: "swing"})
    sim = simulate_set(spec, sampling_rate_hz=50, placement="wrist", seed=417)
    reps = analyze_recording(sim.recording, tempo="2-0-1-0").reps
    assert len(reps) == 7
    assert ["bounce" in f.split(";") for f in reps["flags"]] == [r == 3 for r in range(1, 8)]


def bounced(pause_s: Sequence[float], arrival: Sequence[float]) -> list[bool]:
    table = rep_table([0.5] * len(pause_s))
    table["turnaround_bottom_pause_s"] = list(pause_s)
    table["turnaround_arrival_ratio"] = list(arrival)
    flags, _ = flag_set(as_reps(table), thresholds=T, tempo=None)
    return ["bounce" in f for f in flags]


def test_bounce_needs_no_pause_and_an_arrival_of_at_least_forty_percent():
    # 0.36-0.39: the upper tail of braked, touch-and-go descents (a harmonic turnaround
    # reads 0.31), not bounces; 0.40 and more: the bottom stopped the bar
    assert bounced([0.0] * 5, [0.31, 0.36, 0.39, 0.40, 0.55]) == [False, False, False, True, True]
    # a pause of 0.12 s or more is a stop, however fast the arrival
    assert bounced([0.11, 0.12, 0.5], [0.9, 0.9, 0.9]) == [True, False, False]
    # unknown (first rep of an up-first lift): never flagged
    assert bounced([math.nan, 0.0], [0.9, math.nan]) == [False, False]
    _, reasons = flag_set(
        as_reps(
            rep_table([0.5]).assign(
                turnaround_bottom_pause_s=[0.0], turnaround_arrival_ratio=[0.55]
            )
        ),
        thresholds=T,
        tempo=None,
    )
    assert reasons == [["no pause, arriving at 55% of the lowering's top speed"]]


def test_a_reason_holding_the_output_separator_stays_one_reason() -> None:
    row = rep_table([0.5]).iloc[0].to_dict()
    good = RepMetrics.from_row(row)
    odd = dataclasses.replace(good, confidence_reasons=("one; two", "three"))
    assert odd.confidence_reasons == ("one, two", "three")


def test_a_rep_travelling_half_again_the_sets_full_range_is_unmeasured():
    from repscope.analysis.resolution import unmeasured_reasons, with_unmeasured

    # real-like press seed 280048: two reps merged into one of 1.10 m in a 0.46 m set
    rom = [0.46, 0.47, 0.45, 1.10, 0.46, 0.48]
    reps = as_reps(rep_table(rom, concentric_s=[1.0, 1.0, 1.0, 2.8, 1.0, 1.0]))
    why = unmeasured_reasons(reps, thresholds=T)
    assert [bool(w) for w in why] == [False, False, False, True, False, False]
    assert why[3].startswith("travelled 1.10 m, 2.3x the set's typical 0.48 m")
    flags, _ = flag_set(reps, thresholds=T, tempo=None)
    assert flags[3] == []  # not a grind: its 2.8 s are two reps
    marked = with_unmeasured(reps, thresholds=T)
    assert marked[3].confidence == "low" and why[3] in marked[3].confidence_reasons
    assert marked[0] == reps[0]
    # a rep 1.4x the set's range is measured (over-measured reps stay in the set)
    assert not any(unmeasured_reasons(as_reps(rep_table([0.5, 0.5, 0.5, 0.7])), thresholds=T))


def rushed(table: pd.DataFrame, tempo: str | None = None) -> tuple[list[bool], list[list[str]]]:
    from repscope.analysis.flags import judge_reps
    from repscope.tempo import parse_tempo

    flags, _, withheld = judge_reps(
        as_reps(table), thresholds=T, tempo=parse_tempo(tempo) if tempo else None
    )
    return ["rushed_negative" in f for f in flags], withheld


def test_a_whole_descent_done_fast_is_rushed_against_the_prescribed_eccentric():
    # tempo 2-1-1-0: the limit is 0.6 x 2 s = 1.2 s; the set's eccentrics scatter by 0
    table = rep_table([0.5] * 5, [0.5] * 5, eccentric_s=[2.0, 2.0, 0.6, 2.0, 2.0])
    flagged, withheld = rushed(table, "2-1-1-0")
    assert flagged == [False, False, True, False, False]
    assert not any(withheld)


def test_a_short_lowering_stroke_that_missed_the_descent_is_withheld_with_the_reason():
    # rep 3's 0.6 s stroke travelled 0.2 m of the set's 0.5 m: a split descent
    table = rep_table([0.5] * 5, [0.5, 0.5, 0.2, 0.5, 0.5], eccentric_s=[2.0, 2.0, 0.6, 2.0, 2.0])
    flagged, withheld = rushed(table, "2-1-1-0")
    assert flagged == [False] * 5
    assert withheld[2] == [
        "rushed_negative not judged: the 0.60 s lowering stroke travelled 40% of the set's "
        "full descent (split, not the whole lowering)"
    ]


def test_a_lowering_within_the_sets_timing_scatter_of_the_limit_is_withheld():
    # no tempo: limit 1.0 s. Eccentrics 0.6-1.4 s: median 1.0, MAD 0.2, scatter 0.2965 s;
    # margin 0.5 x 0.2965 = 0.148 s: 0.9 s is within it; 0.6 and 0.8 s (< 0.852 s) are not
    ecc = [1.0, 1.2, 0.9, 1.4, 0.6, 0.8, 1.1]
    flagged, withheld = rushed(rep_table([0.5] * 7, eccentric_s=ecc))
    assert flagged == [False, False, False, False, True, True, False]
    assert withheld[2] == [
        "rushed_negative not judged: lowering 0.90 s is within 0.15 s (the set's timing "
        "scatter 0.30 s x 0.5) of the 1.00 s limit"
    ]
    assert withheld[4] == withheld[5] == []


def test_a_full_range_only_a_minority_reaches_is_not_resolved_and_partial_is_withheld():
    # 3 of 8 reps travel 0.8-0.95 m, the rest 0.45-0.5 m: p90 0.905, 0.75 x p90 = 0.68;
    # only 3 reps reach it, so the "full range" may be over-measured reps
    table = rep_table([0.5, 0.95, 0.47, 0.5, 0.8, 0.45, 0.85, 0.48])
    from repscope.analysis.flags import judge_reps

    flags, _, withheld = judge_reps(as_reps(table), thresholds=T, tempo=None)
    assert not any("partial_rom" in f for f in flags)
    assert withheld[0] == [
        "partial_rom not judged: only 3 of 8 reps reach 75% of the set's longest travel, "
        "so its full range is not resolved"
    ]
    # with the long reps a majority, the short ones are partial as before
    assert partial(rep_table([0.5, 0.95, 0.9, 0.92, 0.88, 0.45, 0.85, 0.9])) == [
        True,
        False,
        False,
        False,
        False,
        True,
        False,
        False,
    ]


def test_velocity_walk_and_its_bridge_between_rests_follow_the_integrated_error() -> None:
    from repscope.analysis.rep_kinematics import anchored_velocity_sd_mps, velocity_walk_m2ps3

    rate = 100.0
    rests = [(0, 100), (1100, 1200)]
    # white noise of 0.1 m/s^2 at 100 Hz integrates to 0.1^2 / 100 (m/s)^2 per second
    q = velocity_walk_m2ps3(rests, sampling_rate_hz=rate, noise_floor_mps2=0.1)
    assert q == pytest.approx(0.1**2 / rate)
    assert math.isnan(velocity_walk_m2ps3([], sampling_rate_hz=rate, noise_floor_mps2=0.1))
    # Brownian bridge: q L / 4 in the middle, 0 on a rest, q t outside the rests
    sd = anchored_velocity_sd_mps(600, rests, walk_m2ps3=q, sampling_rate_hz=rate)
    assert sd == pytest.approx(math.sqrt(q * 10.0 / 4), rel=0.01)
    assert anchored_velocity_sd_mps(50, rests, walk_m2ps3=q, sampling_rate_hz=rate) == 0.0
    assert anchored_velocity_sd_mps(1300, rests, walk_m2ps3=q, sampling_rate_hz=rate) == (
        pytest.approx(math.sqrt(q * 1.01))
    )
    # without rests this rule does not apply (nothing is closed at a rest)
    assert anchored_velocity_sd_mps(5, [], walk_m2ps3=q, sampling_rate_hz=rate) == 0.0


def test_a_bottom_far_from_any_rest_leaves_the_bounce_unjudged_with_the_drift() -> None:
    from repscope.analysis.rep_kinematics import arrival_unmeasured

    ecc = Stroke(0, 100, -1, 10.0, 11.0, -0.5, 1.0)
    # margin (0.40 - 0.10) x 1.0 m/s = 0.30 m/s; 2 SD of 0.16 m/s exceed it, of 0.14 do not
    why = arrival_unmeasured(True, ecc, 100.0, velocity_sd_mps=0.16, bounce_min_arrival_ratio=0.4)
    assert why.startswith("bounce not judged: the bottom at 11.0 s lies far from a rest")
    assert "0.16 m/s" in why and "0.30 m/s" in why
    assert (
        arrival_unmeasured(True, ecc, 100.0, velocity_sd_mps=0.14, bounce_min_arrival_ratio=0.4)
        == ""
    )


def test_a_rep_whose_range_is_not_resolved_is_left_out_of_velocity_loss() -> None:
    from repscope.analysis.flags import full_range_mask, judge_reps, velocity_loss

    table = rep_table([0.5, 0.95, 0.47, 0.5, 0.8, 0.45, 0.85, 0.48])
    reps = as_reps(table)
    flags, _, withheld = judge_reps(reps, thresholds=T, tempo=None)
    before = full_range_mask(reps, flags, thresholds=T)
    after = full_range_mask(reps, flags, thresholds=T, withheld=withheld)
    assert before.all()  # no partial_rom flag: every complete rep counted as full range
    assert after.tolist() == [w == [] for w in withheld]
    assert after.tolist() == [False, True, False, False, True, False, True, False]
    # the short reps are fast because short: they neither set the best nor get a loss
    mcv = np.array([1.2, 0.8, 1.25, 1.2, 0.75, 1.3, 0.7, 1.25])
    loss = velocity_loss(mcv, full_range=after)
    assert np.isnan(loss[[0, 2, 3, 5, 7]]).all()
    assert loss[[1, 4, 6]] == pytest.approx([0.0, 1 - 0.75 / 0.8, 1 - 0.7 / 0.8])
