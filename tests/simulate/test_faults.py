"""Each fault changes what it should, compared with the same rep (same seed) without it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

from repscope.simulate import Fault, SensorSpec, SetSpec, SimulationResult, simulate_set
from repscope.simulate.motion import shortest_lowering_s

IDEAL = SensorSpec.ideal()
SEED = 11


def _pair(
    exercise: str, fault: Fault, *, rep: int = 2, placement: str = "bar", tempo: str = "2-1-1-0"
):
    base = SetSpec(exercise, n_reps=3, tempo=tempo, sway=0.0)
    bad = SetSpec(exercise, n_reps=3, tempo=tempo, sway=0.0, faults={rep: fault})
    kw = {"sampling_rate_hz": 100, "placement": placement, "sensor": IDEAL, "seed": SEED}
    return simulate_set(base, **kw), simulate_set(bad, **kw)


def _window(res: SimulationResult, start: float, end: float) -> pd.DataFrame:
    tr = res.trajectory
    return tr[(tr["time_s"] >= start) & (tr["time_s"] <= end)]


def test_fault_column() -> None:
    spec = SetSpec("bench", n_reps=3, faults={1: ("swing", "grind"), 3: Fault.BOUNCE})
    res = simulate_set(spec, sampling_rate_hz=50, placement="bar", sensor=IDEAL, seed=0)
    assert list(res.truth["faults"]) == ["grind;swing", "", "bounce"]


def test_rushed_negative_shortens_the_eccentric() -> None:
    base, bad = _pair("bench", Fault.RUSHED_NEGATIVE, tempo="3-1-1-0")
    ecc = bad.truth["eccentric_s"]
    assert 0.3 <= ecc.iloc[1] <= 0.8
    assert base.truth["eccentric_s"].iloc[1] > 2.0
    np.testing.assert_allclose(ecc.iloc[[0, 2]], base.truth["eccentric_s"].iloc[[0, 2]])
    row = bad.truth.iloc[1]
    w = _window(bad, row.eccentric_start_s, row.eccentric_end_s)
    assert -w["vel_z_mps"].min() > 2 * row.rom_m / 3.0  # much faster than a 3 s descent


@pytest.mark.parametrize("exercise", ["bench", "deadlift"])
def test_bounce_has_no_pause_and_a_sharp_turnaround(exercise: str) -> None:
    base, bad = _pair(exercise, Fault.BOUNCE)
    down_first = exercise == "bench"
    # down-first: the rep's own bottom; up-first: the bottom before the rep (previous rep's).
    idx = 1 if down_first else 0
    assert bad.truth["bottom_pause_s"].iloc[idx] == 0.0
    assert base.truth["bottom_pause_s"].iloc[idx] > 0.5
    ecc_row = bad.truth.iloc[idx]
    con_row = bad.truth.iloc[1]
    assert con_row.concentric_start_s == pytest.approx(ecc_row.eccentric_end_s)
    turn = ecc_row.eccentric_end_s

    def peak_acc(res: SimulationResult, t_turn: float) -> float:
        w = _window(res, t_turn - 0.4, t_turn + 0.4)
        return float(w["acc_z_mps2"].max())

    base_turn = base.truth.iloc[idx].eccentric_end_s
    assert peak_acc(bad, turn) > 1.5 * peak_acc(base, base_turn)
    # Acceleration stays finite and continuous through the turnaround.
    w = _window(bad, turn - 0.05, turn + 0.05)["acc_z_mps2"].to_numpy()
    assert np.abs(np.diff(w)).max() < 0.5
    # The eccentric's speed peaks late.
    e = _window(bad, ecc_row.eccentric_start_s, ecc_row.eccentric_end_s)
    t_peak = e["time_s"].to_numpy()[np.argmin(e["vel_z_mps"].to_numpy())]
    assert (t_peak - ecc_row.eccentric_start_s) / ecc_row.eccentric_s > 0.6


def test_partial_rom_shortens_the_range() -> None:
    base, bad = _pair("squat", Fault.PARTIAL_ROM)
    fraction = bad.truth["rom_m"].iloc[1] / base.truth["rom_m"].iloc[1]
    assert 0.35 <= fraction <= 0.6
    row = bad.truth.iloc[1]
    w = _window(bad, row.start_s, row.end_s)
    assert w["pos_z_m"].max() - w["pos_z_m"].min() == pytest.approx(row.rom_m, abs=1e-6)


def test_partial_rom_on_the_curl_arc() -> None:
    base, bad = _pair("curl", Fault.PARTIAL_ROM, placement="wrist")
    fraction = bad.truth["rom_m"].iloc[1] / base.truth["rom_m"].iloc[1]
    assert 0.35 <= fraction <= 0.6


def test_grind_is_slow_with_a_sticking_point() -> None:
    base, bad = _pair("bench", Fault.GRIND)
    ratio = bad.truth["concentric_s"].iloc[1] / base.truth["concentric_s"].iloc[1]
    assert 1.5 <= ratio <= 3.0
    row = bad.truth.iloc[1]
    w = _window(bad, row.concentric_start_s, row.concentric_end_s)
    v = w["vel_z_mps"].to_numpy()
    mean_v = row.mean_concentric_velocity_mps
    # Exactly one interior local minimum: the sticking point, part-way up.
    interior = np.flatnonzero((v[1:-1] < v[:-2]) & (v[1:-1] <= v[2:])) + 1
    assert len(interior) == 1
    i_min = int(interior[0])
    assert 0.25 < i_min / len(v) < 0.65
    assert 0.15 * mean_v < v[i_min] < 0.45 * mean_v  # dips to 20-40% of the mean
    assert v[:i_min].max() > 0.9 * mean_v and v[i_min:].max() > 1.5 * mean_v  # and recovers
    # The plain rep has no such dip.
    bw = _window(base, base.truth.iloc[1].concentric_start_s, base.truth.iloc[1].concentric_end_s)
    bv = bw["vel_z_mps"].to_numpy()
    assert not ((bv[1:-1] < bv[:-2]) & (bv[1:-1] <= bv[2:])).any()


def _max_rotation_deg(res: SimulationResult, start: float, end: float) -> float:
    w = _window(res, start, end)
    q = Rotation.from_quat(w[["quat_x", "quat_y", "quat_z", "quat_w"]].to_numpy())
    rel = q[0].inv() * q
    return float(np.degrees(rel.magnitude()).max())


@pytest.mark.parametrize(
    ("exercise", "placement", "rotates"),
    [
        ("bench", "bar", False),
        ("row", "bar", False),
        ("curl", "wrist", True),
        ("curl", "bar", True),
    ],
)
def test_swing_heaves_the_bar_off_its_line_within_the_concentric(
    exercise: str, placement: str, rotates: bool
) -> None:
    # a body lean of 10-30 deg at a 0.3 m lever: 5.2-15 cm along x, out over the first
    # 40% of the concentric and back over the rest; only the curl's lean turns the sensor
    base, bad = _pair(exercise, Fault.SWING, placement=placement)
    row, brow = bad.truth.iloc[1], base.truth.iloc[1]
    w, bw = _window(bad, row.start_s, row.end_s), _window(base, brow.start_s, brow.end_s)
    x_extra = w["pos_x_m"].to_numpy() - bw["pos_x_m"].to_numpy()[: len(w)]
    lo, hi = 0.3 * math.sin(math.radians(10)), 0.3 * math.sin(math.radians(30))
    assert lo - 1e-9 <= np.abs(x_extra).max() <= hi + 1e-9
    t = w["time_s"].to_numpy()
    peak_t = t[int(np.argmax(np.abs(x_extra)))]
    heave_end = row.concentric_start_s + 0.4 * row.concentric_s
    assert peak_t == pytest.approx(heave_end, abs=0.02)
    outside = (t < row.concentric_start_s - 0.01) | (t > row.concentric_end_s + 0.01)
    assert np.abs(x_extra[outside]).max() < 1e-6
    cols = ["quat_x", "quat_y", "quat_z", "quat_w"]
    q_bad = Rotation.from_quat(w[cols].to_numpy())
    q_base = Rotation.from_quat(bw[cols].to_numpy()[: len(w)])
    extra_rot = float(np.degrees((q_base.inv() * q_bad).magnitude()).max())
    if rotates:
        assert 9.0 <= extra_rot <= 31.0
    else:  # the bar keeps its attitude (its roll is drawn independently)
        assert abs(extra_rot) < 1e-6
    # Truth is unchanged: swing is not a tempo or ROM change.
    for col in ("eccentric_s", "concentric_s", "rom_m"):
        assert row[col] == brow[col]


@pytest.mark.parametrize("exercise", ["squat", "bench", "deadlift", "ohp"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rushed_lowering_never_falls_faster_than_gravity(exercise: str, seed: int) -> None:
    # the lifter holds the bar: its downward acceleration (and the braking) stays within g
    spec = SetSpec(exercise, n_reps=3, tempo="3-1-1-0", sway=0.0, faults={2: "rushed_negative"})
    res = simulate_set(spec, sampling_rate_hz=200, placement="bar", sensor=IDEAL, seed=seed)
    row = res.truth.iloc[1]
    assert row.eccentric_s < 0.6 * 3.0  # still rushed against the 3 s target
    w = _window(res, row.eccentric_start_s, row.eccentric_end_s)
    assert np.abs(w["acc_z_mps2"]).max() <= 9.81 * 1.01
    # the floor is what holds it: 0.3 s over this range would need several g
    assert shortest_lowering_s((2.0, 2.0), row.rom_m) > 0.3
