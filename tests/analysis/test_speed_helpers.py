"""The analysis's fast paths give the same numbers as the general code they replace."""

import numpy as np
import pytest
from scipy import integrate

from repscope.analysis.kinematics import cumulative_trapezoid


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
