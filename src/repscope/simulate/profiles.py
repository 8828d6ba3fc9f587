"""Smooth velocity profiles and the "sum of smooth steps" motion model.

Every movement of the simulated bar (a rep phase, an unrack lift, a walk-out) is a smooth
step: a displacement ``d`` completed in ``D`` seconds with velocity ``d / D · s(τ)``,
``τ = (t - t0) / D`` in ``[0, 1]``, where ``s`` is a unit-area shape that is positive on
the open interval ``(0, 1)`` and zero at both ends. So a movement phase is *exactly* the
interval where its commanded velocity is non-zero, and a pause is exactly the interval
between steps.

Shape
-----
``s(τ) = β(τ) · m(τ) / Z`` with

- ``β(τ) = τ^a (1 - τ)^b / B(a + 1, b + 1)``, a beta-density-shaped bump (a minimum-jerk
  velocity profile is ``a = b = 2``). Its peak lies at ``a / (a + b)``, so ``a > b`` skews
  the speed late, ``a < b`` early. With ``a, b >= 2`` velocity *and* acceleration are zero
  at both ends, so consecutive steps join C2-continuously (finite, continuous
  acceleration). An exponent of 1 gives a linear end (zero velocity, non-zero
  acceleration): two steps of opposite direction with linear ends and equal end
  accelerations make a sharp but still continuous turnaround (the bounce, see
  :func:`bounce_exponent`).
- ``m(τ) = 1 - k · exp(-((τ - c) / w)^2)``, an optional sticking-point dip of depth
  ``k < 1`` at ``c`` (``k = 0``: no dip).
- ``Z = 1 - k ∫ β g dτ`` normalises the area to 1.

The position ``S(τ) = ∫_0^τ s`` is the regularised incomplete beta function
(:func:`scipy.special.betainc`) minus the dip's integral, which is tabulated on 20 001
points (trapezoid rule, relative error below 1e-9), so ``S(1) = 1`` exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

_TABLE_POINTS = 20001
_TABLE_TAU = np.linspace(0.0, 1.0, _TABLE_POINTS)


@dataclass(frozen=True)
class VelocityShape:
    """A unit-area velocity shape on ``[0, 1]`` (see module docs).

    Attributes
    ----------
    a, b
        Exponents of the start and end (``>= 1``).
    dip_depth
        ``k`` of the sticking-point dip, in ``[0, 1)``.
    dip_center
        ``c``, where the dip is deepest (fraction of the phase).
    dip_width
        ``w``, the dip's Gaussian width (fraction of the phase).
    """

    a: float = 2.0
    b: float = 2.0
    dip_depth: float = 0.0
    dip_center: float = 0.4
    dip_width: float = 0.07
    _dip_cum: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.a < 1 or self.b < 1:
            raise ValueError("shape exponents must be >= 1")
        if not 0 <= self.dip_depth < 1:
            raise ValueError("dip depth must lie in [0, 1)")
        if self.dip_depth > 0:
            integrand = self._beta(_TABLE_TAU) * self._gauss(_TABLE_TAU)
            steps = np.diff(_TABLE_TAU) * (integrand[1:] + integrand[:-1]) / 2
            object.__setattr__(self, "_dip_cum", np.concatenate([[0.0], np.cumsum(steps)]))

    # ----------------------------------------------------------------- pieces
    @property
    def _beta_norm(self) -> float:
        return float(special.beta(self.a + 1, self.b + 1))

    def _beta(self, tau: np.ndarray) -> np.ndarray:
        return np.power(tau, self.a) * np.power(1 - tau, self.b) / self._beta_norm

    def _dbeta(self, tau: np.ndarray) -> np.ndarray:
        a, b = self.a, self.b
        with np.errstate(divide="ignore", invalid="ignore"):
            first = a * np.power(tau, a - 1) * np.power(1 - tau, b)
            second = b * np.power(tau, a) * np.power(1 - tau, b - 1)
        return (first - second) / self._beta_norm

    def _gauss(self, tau: np.ndarray) -> np.ndarray:
        return np.exp(-(((tau - self.dip_center) / self.dip_width) ** 2))

    @property
    def _dip_integral(self) -> float:
        return 0.0 if self._dip_cum is None else float(self._dip_cum[-1])

    @property
    def _norm(self) -> float:
        return 1.0 - self.dip_depth * self._dip_integral

    # ----------------------------------------------------------------- public
    def velocity(self, tau: np.ndarray) -> np.ndarray:
        """``s(τ)``: unit-area velocity shape."""
        tau = np.asarray(tau, dtype=float)
        out = self._beta(tau)
        if self.dip_depth > 0:
            out = out * (1 - self.dip_depth * self._gauss(tau))
        return out / self._norm

    def acceleration(self, tau: np.ndarray) -> np.ndarray:
        """``ds/dτ``."""
        tau = np.asarray(tau, dtype=float)
        out = self._dbeta(tau)
        if self.dip_depth > 0:
            g = self._gauss(tau)
            dg = -2 * (tau - self.dip_center) / self.dip_width**2 * g
            out = out * (1 - self.dip_depth * g) - self._beta(tau) * self.dip_depth * dg
        return out / self._norm

    def position(self, tau: np.ndarray) -> np.ndarray:
        """``S(τ) = ∫_0^τ s``, from 0 at ``τ = 0`` to exactly 1 at ``τ = 1``."""
        tau = np.clip(np.asarray(tau, dtype=float), 0.0, 1.0)
        out = special.betainc(self.a + 1, self.b + 1, tau)
        if self._dip_cum is not None:
            out = out - self.dip_depth * np.interp(tau, _TABLE_TAU, self._dip_cum)
        return np.asarray(out / self._norm, dtype=float)

    def peak_velocity(self) -> float:
        """Maximum of ``s`` (dense evaluation on 20 001 points)."""
        return float(self.velocity(_TABLE_TAU).max())


def dip_depth_for_ratio(
    ratio: float, *, a: float, b: float, center: float, width: float = 0.07
) -> float:
    """Dip depth ``k`` that makes ``s(center) = ratio`` (``ratio`` of the mean velocity).

    The mean of ``s`` over ``[0, 1]`` is 1, so ``ratio`` is the velocity at the sticking
    point relative to the phase's mean velocity. Solves
    ``β(c)(1 - k) / (1 - k G) = ratio`` for ``k``.
    """
    plain = VelocityShape(a=a, b=b)
    beta_c = float(plain.velocity(np.array([center]))[0])
    probe = VelocityShape(a=a, b=b, dip_depth=0.5, dip_center=center, dip_width=width)
    g_int = probe._dip_integral
    k = (beta_c - ratio) / (beta_c - ratio * g_int)
    return float(min(max(k, 0.0), 0.98))


def bounce_exponent(
    *, other_exponent: float, this_duration_s: float, other_duration_s: float
) -> float:
    """Exponent that matches end accelerations at a bounce turnaround.

    An eccentric of duration ``De`` ending linearly (``b = 1``) has end acceleration
    ``R (a_e + 1)(a_e + 2) / De^2``; a concentric of duration ``Dc`` starting linearly
    (``a = 1``) has start acceleration ``R (b_c + 1)(b_c + 2) / Dc^2``. Given the other
    phase's free exponent this returns this phase's free exponent so that the two are
    equal (continuous acceleration through the turnaround), or ``nan`` if it would be
    below 1.
    """
    target = (other_exponent + 1) * (other_exponent + 2) * (this_duration_s / other_duration_s) ** 2
    # (x + 1)(x + 2) = target  ->  x = (-3 + sqrt(1 + 4 target)) / 2
    x = (-3.0 + math.sqrt(1.0 + 4.0 * target)) / 2.0
    return x if x >= 1.0 else float("nan")


@dataclass(frozen=True)
class Step:
    """A smooth step: channel displacements ``deltas`` over ``[t0_s, t0_s + duration_s]``."""

    t0_s: float
    duration_s: float
    shape: VelocityShape
    deltas: Mapping[str, float]

    @property
    def t1_s(self) -> float:
        """End time."""
        return self.t0_s + self.duration_s


@dataclass
class Channel:
    """Value, first and second time derivative of one channel on the grid."""

    value: np.ndarray
    rate: np.ndarray
    accel: np.ndarray


def evaluate_steps(
    steps: Iterable[Step], time_s: np.ndarray, channels: Sequence[str]
) -> dict[str, Channel]:
    """Evaluate the sum of smooth steps of every channel on the grid ``time_s``.

    Each channel starts at 0; within a step it moves by ``delta · S(τ)`` with rate
    ``delta · s(τ) / D`` and acceleration ``delta · s'(τ) / D^2``; after the step it holds
    ``delta``.
    """
    n = time_s.shape[0]
    jumps = {c: np.zeros(n + 1) for c in channels}
    out = {c: Channel(np.zeros(n), np.zeros(n), np.zeros(n)) for c in channels}
    for step in steps:
        i0 = int(np.searchsorted(time_s, step.t0_s, side="left"))
        i1 = int(np.searchsorted(time_s, step.t1_s, side="left"))
        used = {c: d for c, d in step.deltas.items() if d != 0.0}
        for c, d in used.items():
            jumps[c][i1] += d
        if i1 <= i0 or not used:
            continue
        tau = (time_s[i0:i1] - step.t0_s) / step.duration_s
        pos = step.shape.position(tau)
        vel = step.shape.velocity(tau) / step.duration_s
        acc = step.shape.acceleration(tau) / step.duration_s**2
        for c, d in used.items():
            ch = out[c]
            ch.value[i0:i1] += d * pos
            ch.rate[i0:i1] += d * vel
            ch.accel[i0:i1] += d * acc
    for c in channels:
        out[c].value += np.cumsum(jumps[c])[:n]
    return out
