"""Velocity-based training: propulsive velocity, power, reps in reserve, loads per set.

Pure functions over one rep's (or one set's) numbers; :mod:`repscope.analysis.vbt_step`
applies them to an analysis' tables.

Mean propulsive velocity (:func:`propulsive_phase`)
---------------------------------------------------
Sánchez-Medina, Pérez & González-Badillo 2010 (Int J Sports Med 31:123-129,
doi:10.1055/s-0029-1242813) split the concentric phase into a *propulsive* phase, during
which the bar's vertical acceleration is at least ``-g`` (the lifter still pushes on it),
and a *braking* phase, during which it decelerates faster than gravity alone would (the
lifter holds it back, or lets go of it). The mean propulsive velocity (MPV) is the mean
velocity over the propulsive phase. At light loads the braking phase is a large part of
the concentric, so MPV is *higher* than the mean concentric velocity (MCV); near the 1RM
the braking phase vanishes and the two agree. The paper's point is that MPV, unlike MCV,
does not understate what a lifter can do with a light load.

Steps:

1. The concentric's velocity and vertical acceleration (the analysis' 10 Hz low-passed
   vertical acceleration, ``vertical_acc_mps2``), from its first to its last sample.
2. The propulsive phase ends where the acceleration first falls below ``-g`` *after the
   velocity's peak*. Deviation from the paper: before the peak the bar accelerates
   upwards, so a dip below ``-g`` there is noise in a sensor's acceleration, not braking
   (a position transducer's differentiated signal has the same problem). The crossing
   is interpolated linearly between the two samples around it.
3. MPV is the displacement over the propulsive phase divided by its duration (the mean of
   the trapezoidal velocity). When the acceleration never falls below ``-g`` the whole
   concentric is propulsive and MPV equals MCV (the rep table then copies MCV, so the two
   agree to the last digit).

Power (:func:`concentric_power`)
--------------------------------
``P(t) = m (a(t) + g) v(t)``: the vertical force the lifter applies to the load (Newton's
second law for the load alone, ``F = m (a + g)``) times the load's vertical velocity.
``mean_concentric_power_w`` is its mean over the concentric, ``peak_concentric_power_w``
its largest sample. Assumptions, each a source of error:

- ``m`` is the external load (bar and plates). The lifter's own moving body mass is not
  counted, so in the squat and other lifts that move the body this is the power given to
  the bar, not the system power (which is larger).
- Vertical motion only: horizontal bar travel and rotation add work that is not counted.
- The sensor moves with the load (bar placement); at the wrist the hand's motion stands in
  for the load's.
- ``a`` is low-passed at 10 Hz, so the peak is that of the smoothed signal.

Over a concentric that starts and ends at rest the kinetic-energy term ``m a v`` averages
to zero, so the mean concentric power is ``m g MCV`` up to the velocity trace's ends; the
tests use that as a known answer.

Reps in reserve (:func:`reps_in_reserve`)
-----------------------------------------
An *estimate*, from the set's own velocity loss. Velocity falls from rep to rep as
fatigue grows (Sánchez-Medina & González-Badillo 2011, Med Sci Sports Exerc
43:1725-1734, doi:10.1249/MSS.0b013e318213f880: velocity loss tracks the share of the
possible reps performed; González-Badillo et al. 2017, Int J Sports Med 38:217-225,
doi:10.1055/s-0042-120324, and Rodríguez-Rosell et al. 2020, J Strength Cond Res,
doi:10.1519/JSC.0000000000002881, give that relation for the bench press and the squat).
Here:

1. The set's full-range, measured reps (those with a velocity loss): their MCV against rep
   number, fitted by ordinary least squares.
2. Failure is taken to be the rep whose MCV reaches the exercise's minimum velocity
   threshold (MVT, the velocity of a 1RM lift, :data:`repscope.analysis.load_velocity.MVT_MPS`);
   the last rep of a set to failure moves at about that speed.
3. ``RIR = rep at the MVT - last rep performed``, with the Fieller interval of where the
   true line reaches the MVT (:func:`repscope.analysis.load_velocity.fieller_interval`),
   clipped at 0.

How uncertain it is: velocity does not fall linearly to failure. Izquierdo et al. 2006
(Int J Sports Med 27:718-724, doi:10.1055/s-2005-872825) found it holds up over the first
third (bench press) to half (squat) of the possible reps and falls faster after, so a
line through the early reps of a set far from failure *over*-estimates the reserve; the
MVT itself varies by about ±25% between lifters. The estimate is refused when the data
cannot support it: fewer than :data:`MIN_RIR_REPS` full-range measured reps, a set of low
confidence, a line that does not fall or whose interval is unbounded, or a failure
further away than the number of reps the line is fitted to (extrapolating a line beyond
twice its span). Otherwise it is given with its interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from repscope.analysis.load_velocity import VelocityThreshold, fieller_interval
from repscope.errors import InputError
from repscope.recording import STANDARD_GRAVITY_MPS2

#: Fewest full-range, measured reps a set needs for a reps-in-reserve estimate.
MIN_RIR_REPS = 4
#: Level of the reps-in-reserve interval.
RIR_CONFIDENCE = 0.8
#: One pound in kilograms (exact, by the international yard and pound agreement of 1959).
KG_PER_LB = 0.45359237


@dataclass(frozen=True)
class PropulsivePhase:
    """The propulsive part of one concentric (see the module docs).

    Attributes
    ----------
    propulsive_s
        Duration of the propulsive phase.
    mean_propulsive_velocity_mps
        Displacement over the propulsive phase divided by its duration.
    braked
        Whether the acceleration fell below ``-g`` after the velocity's peak (if not, the
        whole concentric is propulsive).
    """

    propulsive_s: float
    mean_propulsive_velocity_mps: float
    braked: bool


def _check(velocity_mps: np.ndarray, acc_mps2: np.ndarray, sampling_rate_hz: float) -> None:
    if not (math.isfinite(sampling_rate_hz) and sampling_rate_hz > 0):
        raise InputError(f"sampling_rate_hz must be positive, got {sampling_rate_hz!r}")
    if velocity_mps.shape != acc_mps2.shape or velocity_mps.ndim != 1:
        raise InputError("velocity and acceleration must be 1-D arrays of one length")


def propulsive_phase(
    velocity_mps: Sequence[float] | np.ndarray,
    acc_mps2: Sequence[float] | np.ndarray,
    *,
    sampling_rate_hz: float,
    gravity_mps2: float = STANDARD_GRAVITY_MPS2,
) -> PropulsivePhase:
    """Return the propulsive phase of one concentric and its mean propulsive velocity.

    Parameters
    ----------
    velocity_mps, acc_mps2
        Vertical velocity (up positive) and vertical acceleration without gravity, sampled
        uniformly from the concentric's first sample to its last.
    sampling_rate_hz
        Their sampling rate.
    gravity_mps2
        ``g``.
    """
    v = np.asarray(velocity_mps, dtype=float)
    a = np.asarray(acc_mps2, dtype=float)
    _check(v, a, sampling_rate_hz)
    if v.size < 2 or not (np.all(np.isfinite(v)) and np.all(np.isfinite(a))):
        return PropulsivePhase(math.nan, math.nan, False)
    dt = 1.0 / sampling_rate_hz
    peak = int(np.argmax(v))
    below = np.flatnonzero(a[peak:] < -gravity_mps2)
    if below.size == 0 or peak + int(below[0]) == 0:
        duration = (v.size - 1) * dt
        return PropulsivePhase(duration, float(np.trapezoid(v, dx=dt)) / duration, False)
    j = peak + int(below[0])  # first braking sample; j - 1 is still propulsive
    frac = (a[j - 1] + gravity_mps2) / (a[j - 1] - a[j])
    v_cross = v[j - 1] + frac * (v[j] - v[j - 1])
    distance = float(np.trapezoid(v[:j], dx=dt)) + 0.5 * (v[j - 1] + v_cross) * frac * dt
    duration = (j - 1 + frac) * dt
    if duration <= 0:
        return PropulsivePhase(math.nan, math.nan, True)
    return PropulsivePhase(duration, distance / duration, True)


def concentric_power(
    velocity_mps: Sequence[float] | np.ndarray,
    acc_mps2: Sequence[float] | np.ndarray,
    *,
    load_kg: float,
    sampling_rate_hz: float,
    gravity_mps2: float = STANDARD_GRAVITY_MPS2,
) -> tuple[float, float]:
    """Return the mean and peak of ``P = m (a + g) v`` over one concentric, in W.

    See the module docs for the formula's assumptions. NaN for an unknown (NaN) load or
    a concentric of fewer than two finite samples.
    """
    v = np.asarray(velocity_mps, dtype=float)
    a = np.asarray(acc_mps2, dtype=float)
    _check(v, a, sampling_rate_hz)
    if not math.isfinite(load_kg) or v.size < 2:
        return math.nan, math.nan
    if load_kg < 0:
        raise InputError(f"load_kg must be zero or positive, got {load_kg!r}")
    power = load_kg * (a + gravity_mps2) * v
    if not np.all(np.isfinite(power)):
        return math.nan, math.nan
    duration = (v.size - 1) / sampling_rate_hz
    mean = float(np.trapezoid(power, dx=1.0 / sampling_rate_hz)) / duration
    return mean, float(np.max(power))


@dataclass(frozen=True)
class RepsInReserve:
    """A reps-in-reserve estimate for one set, or why there is none.

    Attributes
    ----------
    rir, low, high
        The estimate and its interval (level :data:`RIR_CONFIDENCE`), in reps, clipped
        at 0; NaN when refused.
    note
        What the estimate rests on, or why it was refused.
    """

    rir: float
    low: float
    high: float
    note: str

    @property
    def given(self) -> bool:
        """Whether there is an estimate."""
        return math.isfinite(self.rir)


def _refused(note: str) -> RepsInReserve:
    return RepsInReserve(math.nan, math.nan, math.nan, note)


def reps_in_reserve(
    rep_numbers: Sequence[int] | np.ndarray,
    mcv_mps: Sequence[float] | np.ndarray,
    *,
    threshold: VelocityThreshold | None,
    set_confidence: str = "high",
    confidence: float = RIR_CONFIDENCE,
) -> RepsInReserve:
    """Estimate the reps left in reserve after a set's last rep (see the module docs).

    Parameters
    ----------
    rep_numbers, mcv_mps
        The set's full-range, measured reps: their numbers and mean concentric velocities
        (pairs with a non-finite velocity are dropped).
    threshold
        The exercise's minimum velocity threshold; None refuses (no published one).
    set_confidence
        The set's confidence; ``"low"`` refuses.
    confidence
        Level of the interval.
    """
    if threshold is None:
        return _refused("no RIR estimate: no minimum velocity threshold for this exercise (--mvt)")
    if set_confidence == "low":
        return _refused("no RIR estimate: the set's confidence is low")
    x = np.asarray(rep_numbers, dtype=float)
    y = np.asarray(mcv_mps, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < MIN_RIR_REPS:
        return _refused(
            f"no RIR estimate: {x.size} full-range measured reps ({MIN_RIR_REPS} needed)"
        )
    x_mean, y_mean = float(x.mean()), float(y.mean())
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y_mean)).sum() / sxx)
    if slope >= 0:
        return _refused("no RIR estimate: the reps' velocity has no downward trend over the set")
    intercept = y_mean - slope * x_mean
    residuals = y - (intercept + slope * x)
    s = math.sqrt(float((residuals**2).sum()) / (x.size - 2))
    mvt = threshold.mvt_mps
    last = float(x.max())
    at_mvt = (mvt - intercept) / slope
    lo, hi = fieller_interval(
        x_mean=x_mean,
        y_mean=y_mean,
        sxx=sxx,
        slope=slope,
        n=int(x.size),
        s=s,
        target=mvt,
        t=float(stats.t.ppf(0.5 + confidence / 2, x.size - 2)),
    )
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return _refused("no RIR estimate: velocity fell too little against its rep-to-rep noise")
    if at_mvt - last > x.size:
        return _refused(
            f"no RIR estimate: far from failure (a straight line puts it {at_mvt - last:.0f} "
            f"reps away, beyond the {x.size} reps it is fitted to)"
        )
    level = f"{100 * confidence:g}%"
    return RepsInReserve(
        max(at_mvt - last, 0.0),
        max(lo - last, 0.0),
        max(hi - last, 0.0),
        f"an estimate: MCV falls {-slope:.3f} m/s per rep and reaches the MVT {mvt:g} m/s "
        f"at rep {at_mvt:.1f} ({level} interval {lo:.1f}-{hi:.1f}); the MVT varies "
        "between lifters and velocity falls faster near failure",
    )


def parse_loads(text: str, *, unit: str = "kg") -> tuple[float, ...]:
    """Parse ``"60,80,100"`` (in ``unit``, ``kg`` or ``lb``) into loads in kg."""
    if unit not in ("kg", "lb"):
        raise InputError(f"unit must be kg or lb, got {unit!r}")
    loads = []
    for part in text.split(","):
        try:
            value = float(part.strip())
        except ValueError:
            raise InputError(
                f"a load must be a number, got {part.strip()!r}",
                where="--set-loads",
                hint="Give one load per set, comma-separated, e.g. --set-loads 60,80,100.",
            ) from None
        if not math.isfinite(value) or value < 0:
            raise InputError(
                f"a load must be zero or positive, got {part.strip()!r}", where="--set-loads"
            )
        loads.append(value * KG_PER_LB if unit == "lb" else value)
    return tuple(loads)


def loads_per_set(loads_kg: Sequence[float], n_sets: int) -> tuple[float, ...]:
    """One load per set from ``loads_kg``: one load for every set, or one per set.

    Raises
    ------
    InputError
        When there are several loads and not one per set.
    """
    if len(loads_kg) == 1:
        return tuple(float(loads_kg[0]) for _ in range(n_sets))
    if len(loads_kg) != n_sets:
        raise InputError(
            f"{len(loads_kg)} loads given, but the analysis found {n_sets} set(s)",
            where="--set-loads",
            hint="Give one load for all sets, or exactly one per set in order; "
            "`repscope analyze FILE` without loads shows the sets found.",
        )
    return tuple(float(v) for v in loads_kg)
