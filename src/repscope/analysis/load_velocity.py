"""The load-velocity profile and the 1RM estimated from it: one home for the rule.

Used across sessions by :mod:`repscope.history.trends` and within one session (a warm-up
ramp, one load per set) by :mod:`repscope.analysis.vbt_step`.

Load-velocity profile and estimated 1RM (:func:`fit_load_velocity`)
-------------------------------------------------------------------
1. One point per session (:func:`repscope.history.trends.compute_trends`: its load and
   its session velocity) or per set of one day (:func:`repscope.analysis.vbt_step.same_day_profile`:
   the set's load and its best rep). Across days, sessions rather than sets are the unit,
   because sets of one day share that day's readiness; treating them as independent would
   make the interval too narrow.
2. Ordinary least squares line ``v = a + b · load``. Within one athlete the relation is
   close to linear: Jidovtseff et al. 2011 (J Strength Cond Res 25:267-270,
   doi:10.1519/JSC.0b013e3181b62c5f) fit individual lines in the bench press and found
   their load at zero velocity correlated with the measured 1RM at r ≈ 0.95; in the
   prone bench pull the median individual linear r was 0.986 for mean velocity (PLoS ONE
   2019, doi:10.1371/journal.pone.0212085).
3. Refusal: with fewer than :data:`MIN_DISTINCT_LOADS` distinct loads (to 0.01 kg) no 1RM
   is estimated. Two loads always fit a line exactly, so nothing would show whether the
   relation is linear or how noisy it is, and the extrapolation to the 1RM would carry an
   unknown error. A line whose velocity does not fall with load is refused as well.
4. Estimate: the load at which the line reaches the exercise's minimum velocity threshold
   (MVT, the mean concentric velocity of a 1RM lift), ``1RM = (MVT - a) / b`` (the
   "minimal velocity threshold" method). Defaults in :data:`MVT_MPS`: bench press 0.16 m/s
   (mean propulsive velocity of the 1RM, 0.16 ± 0.04 m/s in 120 trained men:
   González-Badillo & Sánchez-Medina 2010, Int J Sports Med 31:347-352,
   doi:10.1055/s-0030-1248333) and back squat 0.24 m/s (mean concentric velocity of the
   1RM, 0.24 ± 0.06 m/s, full-depth free-weight squat, 17 trained men: Banyard, Nosaka &
   Haff 2017, J Strength Cond Res 31:1897-1904, doi:10.1519/JSC.0000000000001657). Other
   exercises need an explicit threshold.
5. Uncertainty: the confidence interval (default 95%) of the load at which the *true* line
   reaches the MVT, by Fieller's method for a ratio (inverse prediction; Fieller 1954,
   J R Stat Soc B 16:175-185; Draper & Smith, Applied Regression Analysis, 3rd ed., 1998,
   section 3.2): the set of loads ``x`` with
   ``(a + b x - MVT)^2 <= t^2 s^2 (1/n + (x - mean_load)^2 / Sxx)``, ``s`` the residual
   standard deviation, ``t`` Student's quantile with ``n - 2`` degrees of freedom. When
   the slope is not clearly non-zero (``g = t^2 s^2 / (b^2 Sxx) >= 1``) the interval is
   unbounded and reported as such. The interval is asymmetric and widens the further the
   1RM lies beyond the heaviest load lifted.

What the interval does not cover: the MVT itself differs between athletes (the ± above)
and between days (Banyard et al. 2017 found the squat's 1RM velocity unreliable between
trials, CV 22.5%, and load-velocity 1RM predictions that over-estimated the measured 1RM).
:attr:`OneRepMaxEstimate.mvt_range_kg` shows how far the estimate moves when the MVT moves
by one between-athlete standard deviation. The number is an *estimate*, and is labelled so
wherever it is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from repscope.errors import InputError

#: Fewest distinct loads for a load-velocity profile and an estimated 1RM.
MIN_DISTINCT_LOADS = 3

#: Loads closer than this (kg) count as the same load.
LOAD_RESOLUTION_KG = 0.01


@dataclass(frozen=True)
class VelocityThreshold:
    """A minimum velocity threshold: the mean concentric velocity of a 1RM lift.

    Attributes
    ----------
    mvt_mps
        The threshold in m/s.
    sd_mps
        Its between-athlete standard deviation in the source, or None.
    source
        Where it comes from (reference with DOI).
    """

    mvt_mps: float
    sd_mps: float | None
    source: str


#: Default minimum velocity thresholds per exercise (see the module docs).
MVT_MPS: dict[str, VelocityThreshold] = {
    "bench": VelocityThreshold(
        0.16,
        0.04,
        "González-Badillo & Sánchez-Medina 2010, doi:10.1055/s-0030-1248333 (bench press, "
        "mean propulsive velocity of the 1RM)",
    ),
    "squat": VelocityThreshold(
        0.24,
        0.06,
        "Banyard, Nosaka & Haff 2017, doi:10.1519/JSC.0000000000001657 (full-depth "
        "free-weight back squat, mean concentric velocity of the 1RM)",
    ),
}


def velocity_threshold(exercise: str | None, mvt_mps: float | None = None) -> VelocityThreshold:
    """Return the MVT to use: ``mvt_mps`` when given, else the exercise's default.

    Raises
    ------
    InputError
        When no threshold is given and the exercise has no default, or it is not positive.
    """
    if mvt_mps is not None:
        if not math.isfinite(mvt_mps) or mvt_mps <= 0:
            raise InputError(f"the minimum velocity threshold must be positive, got {mvt_mps!r}")
        return VelocityThreshold(float(mvt_mps), None, "given by the user")
    if exercise in MVT_MPS:
        return MVT_MPS[exercise]
    known = ", ".join(f"{k} {v.mvt_mps:g} m/s" for k, v in MVT_MPS.items())
    raise InputError(
        f"repscope has no published minimum velocity threshold for {exercise!r} (it has {known})",
        where="--mvt",
        hint="Pass --mvt M/S, the mean concentric velocity of this athlete's 1RM lift.",
    )


class NotEnoughLoadsError(InputError):
    """The history holds too few distinct loads (or no falling line) for a 1RM estimate."""


@dataclass(frozen=True)
class OneRepMaxEstimate:
    """A load-velocity profile and the 1RM estimated from it (see the module docs).

    Attributes
    ----------
    n_points, n_loads
        Points fitted and distinct loads among them.
    min_load_kg, max_load_kg
        Lightest and heaviest load fitted.
    intercept_mps, slope_mps_per_kg
        The line ``v = intercept + slope · load``.
    r_squared
        Coefficient of determination of the fit.
    residual_sd_mps
        Residual standard deviation (``n - 2`` degrees of freedom).
    load_at_zero_velocity_kg
        Where the line reaches 0 m/s (L0 of Jidovtseff et al. 2011).
    threshold
        The minimum velocity threshold used.
    one_rm_kg
        The estimated 1RM: where the line reaches the threshold.
    ci_low_kg, ci_high_kg
        Its confidence interval (``inf`` bounds when unbounded, see the module docs).
    confidence
        Level of the interval, e.g. 0.95.
    mvt_range_kg
        The estimate at ``MVT + sd`` and at ``MVT - sd`` when the threshold has a
        between-athlete standard deviation, else None.
    """

    n_points: int
    n_loads: int
    min_load_kg: float
    max_load_kg: float
    intercept_mps: float
    slope_mps_per_kg: float
    r_squared: float
    residual_sd_mps: float
    load_at_zero_velocity_kg: float
    threshold: VelocityThreshold
    one_rm_kg: float
    ci_low_kg: float
    ci_high_kg: float
    confidence: float
    mvt_range_kg: tuple[float, float] | None = field(default=None)
    #: What one point is (``"sessions"``, ``"sets"``), for :meth:`describe`.
    point_name: str = "sessions"

    def velocity_at(self, load_kg: float | np.ndarray) -> float | np.ndarray:
        """Return the velocity (m/s) on the fitted line at ``load_kg``."""
        return self.intercept_mps + self.slope_mps_per_kg * load_kg

    @property
    def bounded(self) -> bool:
        """Whether the confidence interval is finite."""
        return math.isfinite(self.ci_low_kg) and math.isfinite(self.ci_high_kg)

    def describe(self) -> str:
        """One line: the estimate, its interval and the threshold."""
        level = f"{100 * self.confidence:g}%"
        if self.bounded:
            interval = f"{level} CI {self.ci_low_kg:.1f}-{self.ci_high_kg:.1f} kg"
        else:
            interval = f"{level} CI unbounded (the slope is not clearly below zero)"
        return (
            f"estimated 1RM {self.one_rm_kg:.1f} kg ({interval}) at MVT "
            f"{self.threshold.mvt_mps:g} m/s; estimate from {self.n_points} {self.point_name} "
            f"at {self.n_loads} loads ({self.min_load_kg:g}-{self.max_load_kg:g} kg)"
        )


def distinct_loads(load_kg: Sequence[float] | np.ndarray) -> np.ndarray:
    """Sorted distinct loads, counting loads within :data:`LOAD_RESOLUTION_KG` as one."""
    values = np.asarray(load_kg, dtype=float)
    values = values[np.isfinite(values)]
    return np.unique(np.round(values / LOAD_RESOLUTION_KG) * LOAD_RESOLUTION_KG)


def fit_load_velocity(
    load_kg: Sequence[float] | np.ndarray,
    velocity_mps: Sequence[float] | np.ndarray,
    *,
    threshold: VelocityThreshold,
    confidence: float = 0.95,
    point_name: str = "sessions",
) -> OneRepMaxEstimate:
    """Fit the load-velocity line and estimate the 1RM with its confidence interval.

    Parameters
    ----------
    load_kg, velocity_mps
        One point per session or set (pairs with a non-finite value are dropped).
    threshold
        The minimum velocity threshold (see :func:`velocity_threshold`).
    confidence
        Level of the interval, in (0, 1).
    point_name
        What one point is (``"sessions"`` or ``"sets"``), for the messages.

    Raises
    ------
    NotEnoughLoadsError
        With fewer than :data:`MIN_DISTINCT_LOADS` distinct loads, or when velocity does
        not fall with load; the message says why.
    """
    if not 0 < confidence < 1:
        raise InputError(f"confidence must lie in (0, 1), got {confidence!r}")
    x = np.asarray(load_kg, dtype=float)
    y = np.asarray(velocity_mps, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    loads = distinct_loads(x)
    if loads.size < MIN_DISTINCT_LOADS:
        shown = ", ".join(f"{v:g}" for v in loads) or "none"
        raise NotEnoughLoadsError(
            f"a load-velocity profile needs at least {MIN_DISTINCT_LOADS} "
            f"different loads with a measured velocity, found {loads.size} ({shown} kg); "
            "through fewer points a line always fits, so neither its shape nor its error "
            "can be checked",
            hint=f"Record {point_name} at more loads (e.g. lighter and heavier sets).",
        )
    n = x.size
    x_mean, y_mean = float(x.mean()), float(y.mean())
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y_mean)).sum() / sxx)
    intercept = y_mean - slope * x_mean
    if slope >= 0:
        raise NotEnoughLoadsError(
            f"velocity does not fall with load in these {point_name} (slope "
            f"{slope:+.4f} m/s per kg), so the line never reaches the minimum velocity "
            "threshold",
            hint=f"Check the load given for each of the {point_name}.",
        )
    residuals = y - (intercept + slope * x)
    dof = n - 2
    s = float(math.sqrt((residuals**2).sum() / dof)) if dof > 0 else float("nan")
    syy = float(((y - y_mean) ** 2).sum())
    r_squared = 1.0 - float((residuals**2).sum()) / syy if syy > 0 else 1.0
    mvt = threshold.mvt_mps
    one_rm = (mvt - intercept) / slope
    low, high = fieller_interval(
        x_mean=x_mean,
        y_mean=y_mean,
        sxx=sxx,
        slope=slope,
        n=n,
        s=s,
        target=mvt,
        t=float(stats.t.ppf(0.5 + confidence / 2, dof)),
    )
    mvt_range = None
    if threshold.sd_mps:
        mvt_range = (
            (mvt + threshold.sd_mps - intercept) / slope,
            (mvt - threshold.sd_mps - intercept) / slope,
        )
    return OneRepMaxEstimate(
        n_points=n,
        n_loads=int(loads.size),
        min_load_kg=float(x.min()),
        max_load_kg=float(x.max()),
        intercept_mps=intercept,
        slope_mps_per_kg=slope,
        r_squared=r_squared,
        residual_sd_mps=s,
        load_at_zero_velocity_kg=-intercept / slope,
        threshold=threshold,
        one_rm_kg=one_rm,
        ci_low_kg=low,
        ci_high_kg=high,
        confidence=confidence,
        mvt_range_kg=mvt_range,
        point_name=point_name,
    )


def fieller_interval(
    *,
    x_mean: float,
    y_mean: float,
    sxx: float,
    slope: float,
    n: int,
    s: float,
    target: float,
    t: float,
) -> tuple[float, float]:
    """Return the ``x`` with ``(y_mean + slope (x - x_mean) - target)^2 <= ...`` (Fieller).

    The confidence interval of where the true line ``y = a + b x`` reaches ``target``
    (inverse prediction), used for the 1RM (``x`` a load) and for the reps in reserve
    (:mod:`repscope.analysis.vbt`, ``x`` a rep number).

    Written in ``u = x - x_mean``: ``A u^2 - 2 slope d u + (d^2 - t^2 s^2 / n) <= 0`` with
    ``d = target - y_mean`` and ``A = slope^2 - t^2 s^2 / Sxx``. For ``A > 0`` the set is
    the interval between the two roots; otherwise it is unbounded.
    """
    if s == 0:
        x0 = x_mean + (target - y_mean) / slope
        return x0, x0
    if not math.isfinite(s):
        return -math.inf, math.inf
    q = (t * s) ** 2
    a = slope**2 - q / sxx
    if a <= 0:
        return -math.inf, math.inf
    d = target - y_mean
    root = math.sqrt(q * (d**2 / sxx + a / n))
    lo, hi = sorted(((slope * d - root) / a, (slope * d + root) / a))
    return x_mean + lo, x_mean + hi
