"""The bounded Levenberg-Marquardt fit behind the stroke boundaries (strokes.py)."""

import numpy as np
from scipy.optimize import least_squares

from repscope.analysis.strokes import _bounded_levenberg_marquardt


def _bell_problem():
    # a stroke's speed on a unit time scale whose end lies beyond the bound the next
    # stroke sets (t1 <= 1.1): the best fit has t1 on its bound
    x = np.linspace(0.0, 1.0, 40)
    u, w = np.maximum(x + 0.1, 1e-12), np.maximum(1.3 - x, 1e-12)
    y = u**2.2 * w**3.1
    y = y / y.max() + 0.01 * np.sin(7.0 * x)

    def model(p):
        t0, t1, a, b = p
        return np.maximum(x - t0, 1e-12) ** a * np.maximum(t1 - x, 1e-12) ** b

    def residual(p):
        g = model(p)
        c = float(g @ y) / float(g @ g)
        return c * g - y

    def jacobian(p, h=1e-7):
        cols = []
        for k in range(4):
            step = np.zeros(4)
            step[k] = h
            cols.append((residual(p + step) - residual(p - step)) / (2 * h))
        return np.column_stack(cols)

    lower = np.array([-0.5, 1.0 + 1e-6, 1.0, 1.0])
    upper = np.array([-1e-6, 1.1, 6.0, 6.0])
    return residual, jacobian, np.array([-0.15, 1.09, 2.0, 2.0]), lower, upper


def test_a_fit_with_a_parameter_on_its_bound_reaches_the_constrained_optimum():
    residual, jacobian, guess, lower, upper = _bell_problem()
    params, cost = _bounded_levenberg_marquardt(residual, jacobian, guess, lower, upper)
    ref = least_squares(
        residual, guess, jac=jacobian, bounds=(lower, upper), xtol=1e-14, ftol=1e-14, gtol=1e-14
    )
    assert params[1] == upper[1]  # the end is held on its bound
    assert cost <= 2.0 * ref.cost * (1.0 + 1e-6)  # least_squares' cost is half the sum
    np.testing.assert_allclose(params, ref.x, atol=1e-4)
