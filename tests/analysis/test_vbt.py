"""Velocity-based-training maths on hand-built concentrics with exact answers."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from repscope.analysis.load_velocity import MVT_MPS, VelocityThreshold
from repscope.analysis.vbt import (
    KG_PER_LB,
    MIN_RIR_REPS,
    concentric_power,
    loads_per_set,
    parse_loads,
    propulsive_phase,
    reps_in_reserve,
)
from repscope.analysis.vbt_step import same_day_profile
from repscope.errors import InputError
from repscope.recording import STANDARD_GRAVITY_MPS2 as G

RATE = 1000.0


def minimum_jerk_concentric(rom_m: float, duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Velocity and acceleration of a minimum-jerk rise, first to last sample."""
    tau = np.linspace(0.0, 1.0, round(duration_s * RATE) + 1)
    v = 30 * rom_m / duration_s * tau**2 * (1 - tau) ** 2
    a = 60 * rom_m / duration_s**2 * tau * (1 - tau) * (1 - 2 * tau)
    return v, a


def exact_mpv(rom_m: float, duration_s: float) -> tuple[float, float]:
    """Mean propulsive velocity and propulsive duration of a minimum-jerk rise, by hand.

    ``a(tau) = 60 D / T^2 tau (1 - tau) (1 - 2 tau)`` reaches ``-g`` after the velocity
    peak (tau = 0.5) at ``tau_p``; the distance travelled by then is
    ``D (10 tau^3 - 15 tau^4 + 6 tau^5)``.
    """
    tau_p = brentq(
        lambda t: 60 * rom_m / duration_s**2 * t * (1 - t) * (1 - 2 * t) + G, 0.5, 0.7887
    )
    distance = rom_m * (10 * tau_p**3 - 15 * tau_p**4 + 6 * tau_p**5)
    return distance / (tau_p * duration_s), tau_p * duration_s


def test_fast_concentric_mpv_is_the_propulsive_mean_and_above_mcv():
    v, a = minimum_jerk_concentric(0.45, 0.4)  # a light, fast rep: brakes harder than g
    phase = propulsive_phase(v, a, sampling_rate_hz=RATE)
    mpv, duration = exact_mpv(0.45, 0.4)
    assert phase.braked
    assert phase.mean_propulsive_velocity_mps == pytest.approx(mpv, rel=1e-4)
    assert phase.propulsive_s == pytest.approx(duration, abs=1e-5)
    # 1.3036 m/s against an MCV of 0.45 / 0.4 = 1.125 m/s: the braking phase is excluded
    assert mpv == pytest.approx(1.3036, abs=1e-4)
    assert phase.mean_propulsive_velocity_mps > 0.45 / 0.4


def test_slow_concentric_is_all_propulsive():
    v, a = minimum_jerk_concentric(0.45, 1.0)  # peak deceleration 2.6 m/s^2, under g
    phase = propulsive_phase(v, a, sampling_rate_hz=RATE)
    assert not phase.braked
    assert phase.propulsive_s == pytest.approx(1.0)
    assert phase.mean_propulsive_velocity_mps == pytest.approx(0.45, rel=1e-5)


def test_a_dip_below_minus_g_before_the_peak_is_not_braking():
    v, a = minimum_jerk_concentric(0.45, 1.0)
    a = a.copy()
    a[100] = -3 * G  # a spike early in the rise: noise, not the end of the push
    assert not propulsive_phase(v, a, sampling_rate_hz=RATE).braked


def test_power_mean_is_m_g_mcv_and_peak_is_the_largest_sample():
    v, a = minimum_jerk_concentric(0.45, 0.8)
    mean_w, peak_w = concentric_power(v, a, load_kg=80.0, sampling_rate_hz=RATE)
    # the kinetic-energy term averages to zero between two rests
    assert mean_w == pytest.approx(80.0 * G * 0.45 / 0.8, rel=1e-5)
    assert peak_w == pytest.approx(float(np.max(80.0 * (a + G) * v)))
    assert peak_w > mean_w
    assert all(
        math.isnan(x) for x in concentric_power(v, a, load_kg=math.nan, sampling_rate_hz=RATE)
    )


def test_rates_and_shapes_are_checked():
    v, a = minimum_jerk_concentric(0.45, 0.8)
    with pytest.raises(InputError, match="sampling_rate_hz"):
        propulsive_phase(v, a, sampling_rate_hz=0)
    with pytest.raises(InputError, match="one length"):
        concentric_power(v, a[:-1], load_kg=80, sampling_rate_hz=RATE)


BENCH = MVT_MPS["bench"]


def test_rir_on_an_exact_line():
    reps = np.arange(1, 7)
    mcv = 0.6 - 0.05 * reps  # reaches 0.16 m/s at rep 8.8
    estimate = reps_in_reserve(reps, mcv, threshold=BENCH)
    assert estimate.given
    assert estimate.rir == pytest.approx(2.8)
    assert estimate.low == pytest.approx(2.8) and estimate.high == pytest.approx(2.8)
    assert "an estimate" in estimate.note
    # the same line twice as far from failure: beyond the span it is fitted to
    far = reps_in_reserve(reps, 0.8 - 0.05 * reps, threshold=BENCH)
    assert not far.given and "far from failure" in far.note


def test_rir_interval_holds_the_truth_with_noise():
    rng = np.random.default_rng(3)
    reps = np.arange(1, 9)
    mcv = 0.6 - 0.04 * reps + rng.normal(0, 0.01, reps.size)  # MVT at rep 11
    estimate = reps_in_reserve(reps, mcv, threshold=BENCH)
    assert estimate.low < estimate.rir < estimate.high
    assert estimate.low <= 3.0 <= estimate.high


@pytest.mark.parametrize(
    ("reps", "mcv", "kwargs", "why"),
    [
        ([1, 2, 3], [0.6, 0.55, 0.5], {}, f"({MIN_RIR_REPS} needed)"),
        ([1, 2, 3, 4], [0.5, 0.52, 0.55, 0.56], {}, "no downward trend"),
        ([1, 2, 3, 4], [0.6, 0.55, 0.5, 0.45], {"set_confidence": "low"}, "confidence is low"),
        ([1, 2, 3, 4], [0.6, 0.55, 0.5, 0.45], {"threshold": None}, "minimum velocity"),
        ([1, 2, 3, 4], [0.60, 0.59, 0.60, 0.585], {}, "far from failure|noise"),
        ([1, 2, 3, 4], [0.6, 0.45, 0.62, 0.40], {}, "noise"),
    ],
)
def test_rir_is_refused_when_the_data_cannot_support_it(reps, mcv, kwargs, why):
    kwargs = {"threshold": BENCH, **kwargs}
    estimate = reps_in_reserve(reps, mcv, **kwargs)
    assert not estimate.given and math.isnan(estimate.low)
    assert estimate.note.startswith("no RIR estimate")
    assert re.search(why, estimate.note)


def test_loads_parse_in_kg_and_lb():
    assert parse_loads("60, 80,100") == (60.0, 80.0, 100.0)
    assert parse_loads("225", unit="lb") == pytest.approx((225 * KG_PER_LB,))
    with pytest.raises(InputError, match="must be a number"):
        parse_loads("60,eighty")
    with pytest.raises(InputError, match="zero or positive"):
        parse_loads("-5")
    assert loads_per_set([70.0], 3) == (70.0, 70.0, 70.0)
    with pytest.raises(InputError, match="2 loads given, but the analysis found 3 set"):
        loads_per_set([60.0, 80.0], 3)


def _sets(loads, velocity, confidence=None):
    return pd.DataFrame(
        {
            "set": range(1, len(loads) + 1),
            "load_kg": loads,
            "best_mcv_mps": velocity,
            "confidence": confidence or ["high"] * len(loads),
        }
    )


def test_same_day_profile_recovers_an_exact_line():
    loads = np.array([40.0, 60.0, 80.0, 100.0])
    # the line through 1.8 m/s at 0 kg and the bench MVT 0.16 m/s at 125 kg
    velocity = 1.8 + (0.16 - 1.8) / 125.0 * loads
    profile = same_day_profile(_sets(loads, velocity), exercise="bench")
    assert profile.refusal is None and profile.estimate is not None
    assert profile.estimate.one_rm_kg == pytest.approx(125.0)
    assert profile.estimate.ci_low_kg == pytest.approx(125.0)
    assert "4 sets" in profile.estimate.describe()
    assert profile.to_dict()["one_rm_kg"] == pytest.approx(125.0)


def test_same_day_profile_leaves_out_low_confidence_and_refuses_two_loads():
    loads = [60.0, 80.0, 100.0]
    profile = same_day_profile(
        _sets(loads, [1.0, 0.8, 0.6], ["high", "high", "low"]), exercise="bench"
    )
    assert profile.estimate is None and "found 2" in str(profile.refusal)
    assert profile.left_out == ("set 3: low confidence",)
    curl = same_day_profile(_sets(loads, [1.0, 0.8, 0.6]), exercise="curl")
    assert curl.estimate is None and "--mvt" in str(curl.refusal)
    mine = same_day_profile(_sets(loads, [1.0, 0.8, 0.6]), exercise="curl", mvt_mps=0.3)
    assert mine.estimate is not None and mine.estimate.one_rm_kg == pytest.approx(130.0)
    assert mine.estimate.threshold == VelocityThreshold(0.3, None, "given by the user")
