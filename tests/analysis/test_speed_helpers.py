"""The analysis's fast paths give the same numbers as the general code they replace."""

import numpy as np
import pytest
from scipy import integrate

from repscope.analysis.filters import cumulative_trapezoid


@pytest.mark.parametrize("shape", [(1,), (2,), (7,), (1000,), (500, 2), (3, 3)])
def test_cumulative_trapezoid_is_scipys_to_the_bit(shape):
    y = np.random.default_rng(sum(shape)).normal(size=shape) * 9.81
    ours = cumulative_trapezoid(y, dx=0.01)
    theirs = integrate.cumulative_trapezoid(y, dx=0.01, axis=0, initial=0.0)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)


def test_cumulative_trapezoid_of_a_ramp_is_half_its_square():
    t = np.arange(0, 2.0001, 0.5)
    assert np.allclose(cumulative_trapezoid(t, dx=0.5), t**2 / 2)


def test_cumulative_trapezoid_refuses_what_it_does_not_do():
    with pytest.raises(ValueError):
        cumulative_trapezoid(np.zeros(0), dx=1.0)
    with pytest.raises(ValueError):
        cumulative_trapezoid(np.zeros(3), dx=1.0, initial=1.0)


@pytest.mark.parametrize("multiple", [2.0, 3.0])
def test_a_retry_at_a_multiple_of_the_period_reuses_the_first_try_to_the_same_result(multiple):
    from test_segmentation import touch_and_go

    from repscope.analysis.segmentation import segment_cycles

    acc_g, _ = touch_and_go(12, period_s=1.2, seed=3)
    first = segment_cycles(acc_g, sampling_rate_hz=50.0, concentric_first=True)
    fresh = segment_cycles(
        acc_g, sampling_rate_hz=50.0, concentric_first=True, period_multiple=multiple
    )
    reused = segment_cycles(
        acc_g,
        sampling_rate_hz=50.0,
        concentric_first=True,
        period_multiple=multiple,
        periods_of=first,
    )
    assert first.bouts and fresh.bouts[0].period_s == multiple * first.bouts[0].period_s
    assert reused.bouts == fresh.bouts
    assert reused.noise_psd == fresh.noise_psd
    assert reused.noise_floor_mps2 == fresh.noise_floor_mps2
    assert np.array_equal(reused.position_proxy_m, fresh.position_proxy_m)
    assert np.array_equal(reused.vertical_acc_mps2, fresh.vertical_acc_mps2)
