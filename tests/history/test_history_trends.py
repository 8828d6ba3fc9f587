"""Trend maths: load-velocity fit, 1RM estimate and its interval, session summaries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from repscope.analysis.tables import REP_COLUMNS, SET_COLUMNS
from repscope.errors import InputError
from repscope.history.trends import (
    MVT_MPS,
    NotEnoughLoadsError,
    VelocityThreshold,
    compute_trends,
    fit_load_velocity,
    most_common_load,
    session_summary,
    velocity_at_load,
    velocity_threshold,
)

BENCH = MVT_MPS["bench"]
ONE_RM_KG, V0_MPS = 100.0, 1.8
SLOPE = -(V0_MPS - BENCH.mvt_mps) / ONE_RM_KG  # the true line reaches the MVT at 100 kg
LOADS = np.repeat([60.0, 65.0, 70.0, 75.0, 80.0, 85.0], 2)


def test_points_on_a_line_give_its_crossing_exactly():
    estimate = fit_load_velocity(LOADS, V0_MPS + SLOPE * LOADS, threshold=BENCH)
    assert estimate.one_rm_kg == pytest.approx(ONE_RM_KG, abs=1e-9)
    assert estimate.ci_low_kg == pytest.approx(ONE_RM_KG) and estimate.bounded
    assert estimate.ci_high_kg == pytest.approx(ONE_RM_KG)
    assert estimate.slope_mps_per_kg == pytest.approx(SLOPE)
    assert estimate.load_at_zero_velocity_kg == pytest.approx(V0_MPS / -SLOPE)
    assert estimate.r_squared == pytest.approx(1.0)
    assert (estimate.n_points, estimate.n_loads) == (12, 6)
    # one between-athlete SD of the MVT (0.04 m/s) moves the estimate by 0.04 / |slope|
    low, high = sorted(estimate.mvt_range_kg)
    assert high - ONE_RM_KG == pytest.approx(0.04 / -SLOPE)
    assert ONE_RM_KG - low == pytest.approx(0.04 / -SLOPE)


def test_interval_bounds_solve_the_fieller_condition():
    rng = np.random.default_rng(3)
    velocity = V0_MPS + SLOPE * LOADS + rng.normal(0, 0.03, LOADS.size)
    e = fit_load_velocity(LOADS, velocity, threshold=BENCH, confidence=0.9)
    t = stats.t.ppf(0.95, LOADS.size - 2)
    sxx = ((LOADS - LOADS.mean()) ** 2).sum()
    for x in (e.ci_low_kg, e.ci_high_kg):
        gap = (e.intercept_mps + e.slope_mps_per_kg * x - BENCH.mvt_mps) ** 2
        allowed = (t * e.residual_sd_mps) ** 2 * (1 / LOADS.size + (x - LOADS.mean()) ** 2 / sxx)
        assert gap == pytest.approx(allowed, rel=1e-9)
    assert e.ci_low_kg < e.one_rm_kg < e.ci_high_kg
    # extrapolating beyond the heaviest load widens the interval on the far side
    assert e.ci_high_kg - e.one_rm_kg > e.one_rm_kg - e.ci_low_kg


def test_the_95_percent_interval_covers_the_truth_95_percent_of_the_time():
    rng = np.random.default_rng(20250106)
    n, hits, estimates = 1000, 0, []
    for _ in range(n):
        velocity = V0_MPS + SLOPE * LOADS + rng.normal(0, 0.03, LOADS.size)
        e = fit_load_velocity(LOADS, velocity, threshold=BENCH)
        hits += e.ci_low_kg <= ONE_RM_KG <= e.ci_high_kg
        estimates.append(e.one_rm_kg)
    # binomial SD at p = 0.95, n = 1000 is 0.0069: allow three of them
    assert 0.929 <= hits / n <= 0.971
    assert np.median(estimates) == pytest.approx(ONE_RM_KG, abs=0.5)


def test_refuses_with_fewer_than_three_loads_and_says_why():
    loads = np.array([80.0, 80.0, 80.004, 90.0, 90.0])  # 80 and 80.004 are one load
    velocity = V0_MPS + SLOPE * loads
    with pytest.raises(NotEnoughLoadsError) as info:
        fit_load_velocity(loads, velocity, threshold=BENCH)
    message = str(info.value)
    assert "at least 3 different loads" in message and "found 2 (80, 90 kg)" in message
    assert "\n" not in message
    with pytest.raises(NotEnoughLoadsError, match="found 0"):
        fit_load_velocity([80.0, np.nan], [np.nan, 0.5], threshold=BENCH)


def test_refuses_when_velocity_does_not_fall_with_load():
    with pytest.raises(NotEnoughLoadsError, match="does not fall with load"):
        fit_load_velocity([60, 70, 80], [0.5, 0.6, 0.7], threshold=BENCH)


def test_noise_that_hides_the_slope_gives_an_unbounded_interval():
    loads = np.array([78.0, 80.0, 82.0])
    e = fit_load_velocity(loads, [0.55, 0.40, 0.50], threshold=BENCH)
    assert not e.bounded and math.isinf(e.ci_high_kg)
    assert "unbounded" in e.describe() and "estimated 1RM" in e.describe()


def test_velocity_thresholds():
    assert velocity_threshold("bench").mvt_mps == 0.16
    assert velocity_threshold("squat").mvt_mps == 0.24
    assert "10.1519/JSC.0000000000001657" in velocity_threshold("squat").source
    mine = velocity_threshold("curl", 0.3)
    assert mine == VelocityThreshold(0.3, None, "given by the user")
    with pytest.raises(InputError, match="no published minimum velocity threshold for 'curl'"):
        velocity_threshold("curl")
    with pytest.raises(InputError, match="must be positive"):
        velocity_threshold("bench", -0.1)


def _reps(rows: list[dict]) -> pd.DataFrame:
    columns = ["session_id", *REP_COLUMNS]
    frame = pd.DataFrame([{c: np.nan for c in REP_COLUMNS} | r for r in rows], columns=columns)
    frame["flags"] = frame["flags"].astype(object).fillna("")
    return frame


def _sets(rows: list[dict]) -> pd.DataFrame:
    columns = ["session_id", *SET_COLUMNS]
    return pd.DataFrame([{c: np.nan for c in SET_COLUMNS} | r for r in rows], columns=columns)


def _sessions(rows: list[dict]) -> pd.DataFrame:
    base = {"date": None, "start_time_utc": None, "load_kg": np.nan}
    columns = ["session_id", *base]
    return pd.DataFrame([base | r for r in rows], columns=columns)


def test_session_summary_by_hand():
    sessions = _sessions(
        [
            {"session_id": "a", "date": "2025-01-06", "load_kg": 80.0},
            {"session_id": "b", "date": "2025-01-08", "load_kg": 90.0},
        ]
    )
    reps = _reps(
        [
            {"session_id": "a", "set": 1, "rep": 1, "eccentric_s": 2.0, "bottom_pause_s": 0.0,
             "concentric_s": 1.0, "top_pause_s": 0.5, "flags": "bounce"},
            {"session_id": "a", "set": 1, "rep": 2, "eccentric_s": 3.0, "bottom_pause_s": 0.0,
             "concentric_s": 1.0, "top_pause_s": np.nan, "flags": ""},
            {"session_id": "a", "set": 2, "rep": 1, "eccentric_s": 4.0, "bottom_pause_s": 0.0,
             "concentric_s": 1.0, "top_pause_s": 0.7, "flags": "bounce;tempo_off"},
            {"session_id": "a", "set": 2, "rep": 2, "eccentric_s": 3.0, "bottom_pause_s": 0.0,
             "concentric_s": 1.0, "top_pause_s": np.nan, "flags": ""},
        ]
    )  # fmt: skip
    sets = _sets(
        [
            {"session_id": "a", "set": 1, "best_mcv_mps": 0.50, "tempo_consistency": 80.0},
            {"session_id": "a", "set": 2, "best_mcv_mps": 0.60, "tempo_consistency": 90.0},
            {"session_id": "b", "set": 1, "best_mcv_mps": np.nan, "tempo_consistency": np.nan},
        ]
    )
    summary = session_summary(sessions, sets, reps)
    a, b = summary.iloc[0], summary.iloc[1]
    assert a["mean_eccentric_s"] == pytest.approx(3.0)
    assert a["sd_eccentric_s"] == pytest.approx(np.std([2, 3, 4, 3], ddof=1))
    assert a["cv_eccentric"] == pytest.approx(np.std([2, 3, 4, 3], ddof=1) / 3.0)
    assert a["cv_concentric"] == 0.0
    assert math.isnan(a["cv_bottom_pause"])  # mean 0 s: no CV
    assert a["mean_top_pause_s"] == pytest.approx(0.6)  # the sets' last reps have none
    assert (a["n_flagged_reps"], a["flagged_rep_rate"]) == (2, 0.5)
    assert (a["n_bounce"], a["n_tempo_off"], a["n_grind"]) == (2, 1, 0)
    assert a["session_velocity_mps"] == pytest.approx(0.55)
    assert a["tempo_consistency"] == pytest.approx(85.0)
    assert (b["n_sets"], b["n_reps"]) == (1, 0)
    assert math.isnan(b["session_velocity_mps"]) and math.isnan(b["flagged_rep_rate"])


def test_most_common_load_and_velocity_at_it():
    summary = pd.DataFrame(
        {
            "session_id": list("abcde"),
            "date": [None] * 5,
            "start_time_utc": [None] * 5,
            "load_kg": [80.0, 90.0, 80.0, 90.0, 100.0],
            "session_velocity_mps": [0.5, 0.4, 0.52, 0.41, np.nan],
        }
    )
    assert most_common_load(summary) == 90.0  # tie between 80 and 90: the heavier
    at = velocity_at_load(summary, 80.0)
    assert list(at["session_id"]) == ["a", "c"]
    assert velocity_at_load(summary, 100.0).empty  # no velocity measured there
    assert most_common_load(summary.iloc[4:]) is None


def test_compute_trends_refusals_and_errors():
    empty = _sessions([])
    with pytest.raises(InputError, match="no bench sessions for athlete 'ana'"):
        compute_trends(empty, _sets([]), _reps([]), exercise="bench", athlete="ana")
    sessions = _sessions([{"session_id": s, "load_kg": 30.0} for s in "ab"])
    sets = _sets([{"session_id": s, "set": 1, "best_mcv_mps": 0.6} for s in "ab"])
    reps = _reps([{"session_id": s, "set": 1, "rep": 1} for s in "ab"])
    curl = compute_trends(sessions, sets, reps, exercise="curl")
    assert curl.estimate is None and "--mvt" in curl.refusal
    assert curl.load_kg == 30.0 and len(curl.at_load) == 2
    two = compute_trends(sessions, sets, reps, exercise="curl", mvt_mps=0.3)
    assert two.estimate is None and "at least 3 different loads" in two.refusal
