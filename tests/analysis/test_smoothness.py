import math

import numpy as np
import pytest

from repscope.analysis.smoothness import ldlj, sparc
from repscope.errors import InputError


def minimum_jerk_speed(n: int) -> np.ndarray:
    tau = np.linspace(0.0, 1.0, n)
    return 30 * tau**2 - 60 * tau**3 + 30 * tau**4


def test_sparc_of_bell_profile_matches_published_value():
    # Balasubramanian et al. 2015: about -1.41 for a single bell-shaped profile.
    assert sparc(minimum_jerk_speed(101), sampling_rate_hz=100) == pytest.approx(-1.41, abs=0.02)


def test_ldlj_of_minimum_jerk_matches_closed_form():
    expected = -math.log(720 / 1.875**2)
    assert ldlj(minimum_jerk_speed(1001), sampling_rate_hz=1000) == pytest.approx(
        expected, abs=0.05
    )


def test_ldlj_is_amplitude_and_duration_invariant():
    base = ldlj(minimum_jerk_speed(501), sampling_rate_hz=500)
    scaled = ldlj(3.0 * minimum_jerk_speed(1001), sampling_rate_hz=500)  # twice as long, 3x faster
    assert scaled == pytest.approx(base, abs=0.05)


def test_tremor_makes_both_scores_lower():
    t = np.linspace(0, 1, 201)
    smooth = minimum_jerk_speed(201)
    shaky = smooth * (1 + 0.15 * np.sin(2 * np.pi * 6 * t))
    assert sparc(shaky, sampling_rate_hz=200) < sparc(smooth, sampling_rate_hz=200) - 0.2
    assert ldlj(shaky, sampling_rate_hz=200) < ldlj(smooth, sampling_rate_hz=200) - 1.0


def test_degenerate_inputs_give_nan():
    assert math.isnan(sparc(np.zeros(50), sampling_rate_hz=100))
    assert math.isnan(ldlj(np.array([0.0, 0.1]), sampling_rate_hz=100))


@pytest.mark.parametrize("rate", [0, -5, float("nan"), "fast"])
def test_sampling_rate_is_validated(rate):
    with pytest.raises(InputError, match="sampling_rate_hz"):
        sparc(minimum_jerk_speed(20), sampling_rate_hz=rate)
