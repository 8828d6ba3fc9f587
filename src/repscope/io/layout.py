"""Tell the layout and units of a numeric sensor table from physics.

Used by :mod:`repscope.io.generic_csv` for a CSV without the project's column names
(e.g. a headerless ``node_id, t_ms, ax, ay, az, gx, gy, gz, mx, my, mz`` stream) when the
user has not said which column is what. Every step is a pure function of the numbers and
says what it found and how sure it is; when a step cannot decide it raises
:class:`~repscope.errors.InputError` naming the option that settles it.

Steps
-----
1. **Time column**: the columns whose values never decrease and increase on at least
   99% of rows. A sample counter (integer steps of exactly 1) is not a clock and is left
   out. Exactly one candidate must remain (else: ``--columns``).
2. **Time unit** (s, ms or us): the unit under which the stream's mean sample rate lies
   in :data:`PLAUSIBLE_RATE_HZ` (an IMU sampling between 4 Hz and 4 kHz) and its
   duration in :data:`PLAUSIBLE_DURATION_S`. The units are 1000x apart and the rate range
   spans exactly 1000x, so at most one unit fits (else: ``--time-unit``).
3. **Accelerometer**: triplets of adjacent columns that are neither the time nor a
   constant (an id) nor monotonic (a counter). A lifting recording is mostly near rest,
   so the median magnitude of the specific force is close to 1 g: a triplet with a
   median magnitude in :data:`~repscope.recording.RESTING_MAGNITUDE_RANGE_G` is in g, one
   in :data:`~repscope.recording.MPS2_MAGNITUDE_RANGE` is in m/s^2, and its magnitude must
   stay near gravity (:func:`gravity_score` at most :data:`MAX_GRAVITY_SCORE`; a
   gyroscope in rad/s with a median near 1 swings far more). Vendors write x, y, z
   in order, so the leftmost such triplet is taken (a triplet shifted right by one
   column mixes in the next sensor's axis and can also have a magnitude near 1 g). If a
   triplet that does not overlap it is plausible too (a gyroscope in rad/s turning
   steadily), the one whose gravity score is lower by :data:`CLEARLY_BETTER` is taken;
   two alike (two accelerometers) are ambiguous (else: ``--columns``).
4. **Gyroscope**: the triplet right after the accelerometer, if it holds three
   non-constant columns. Its unit (rad/s or deg/s) comes from the coupling of the two
   sensors: when the sensor turns, the direction of gravity it measures turns at the
   same rate, ``d(u)/dt = -omega x u`` (``u`` the unit vector of the low-passed specific
   force, ``omega`` in rad/s). :func:`gyro_coupling_ratio` is the ratio of the observed
   to the predicted turning rate with the gyroscope values taken as rad/s: about 1 if
   they are rad/s, about 1/57.3 = 0.017 if they are deg/s. Movement (linear
   acceleration) and gyroscope bias spread it: on 41 real bar recordings in rad/s it was
   0.51-2.8, and the same data in deg/s gave 0.009-0.049. A ratio of at least
   :data:`RADS_MIN_RATIO` means rad/s, at most :data:`DPS_MAX_RATIO` deg/s; in between,
   or when the sensor hardly turned, the unit is not guessed (else: ``--gyr-unit``),
   except that a sensor which hardly turned but whose gyroscope reads a median of at
   least :data:`STILL_DPS_MIN_MEDIAN` is in deg/s (that much rad/s would turn gravity).
5. Every other column is ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from repscope.errors import InputError
from repscope.recording import MPS2_MAGNITUDE_RANGE, RESTING_MAGNITUDE_RANGE_G

#: Mean sample rates (Hz) an IMU recording of lifting can have.
PLAUSIBLE_RATE_HZ = (4.0, 4000.0)
#: Durations (s) a recording can have: a second to two days.
PLAUSIBLE_DURATION_S = (1.0, 2 * 86400.0)
#: Seconds per unit of the time column.
TIME_UNITS: dict[str, float] = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
#: Metres per second squared per unit of acceleration.
ACC_UNITS: dict[str, float] = {"g": 1.0, "m/s2": 1.0 / 9.80665}
#: Degrees per second per unit of angular rate.
GYR_UNITS: dict[str, float] = {"deg/s": 1.0, "rad/s": 180.0 / math.pi}
#: Share of rows on which a time column must increase (the rest repeat the timestamp).
MIN_INCREASING = 0.99
#: Gyroscope coupling ratio at or above which the values are rad/s (the geometric middle
#: of 1 and 1/57.3 is 0.13).
RADS_MIN_RATIO = 0.15
#: Gyroscope coupling ratio at or below which the values are deg/s.
DPS_MAX_RATIO = 0.06
#: Highest :func:`gravity_score` of an accelerometer triplet.
MAX_GRAVITY_SCORE = 1.0
#: Of two accelerometer-like triplets that do not overlap, one is taken only if its
#: :func:`gravity_score` is lower by this factor; otherwise the layout is ambiguous.
CLEARLY_BETTER = 2.0
#: Smoothing window of the coupling test (s): longer than a stride of jitter, shorter
#: than a rep.
COUPLING_WINDOW_S = 0.2
#: When gravity hardly turns, a median gyroscope magnitude of at least this much cannot be
#: rad/s (57 deg/s of rotation the accelerometer does not see): it is deg/s of bias.
STILL_DPS_MIN_MEDIAN = 1.0
#: Below this turning rate of gravity (rad/s, median of the most turning quarter) the
#: sensor hardly turned and the coupling test says nothing.
MIN_TURN_RATE_RADPS = 0.05


@dataclass(frozen=True)
class Layout:
    """Where the time, acceleration and angular rate are in a table, and their units.

    Column indices count from 0; ``how`` says, per item, whether it was given or inferred
    and on what evidence (shown by ``repscope info``).
    """

    time: int
    acc: tuple[int, int, int]
    gyr: tuple[int, int, int] | None
    time_unit: str
    acc_unit: str
    gyr_unit: str | None
    how: dict[str, str] = field(default_factory=dict)

    def to_dict(self, names: list[str]) -> dict[str, Any]:
        """JSON-ready description with column names (``names[i]`` for column ``i``)."""
        return {
            "time": names[self.time],
            "time_unit": self.time_unit,
            "acc": [names[i] for i in self.acc],
            "acc_unit": self.acc_unit,
            "gyr": None if self.gyr is None else [names[i] for i in self.gyr],
            "gyr_unit": self.gyr_unit,
            "how": dict(self.how),
        }


def _ambiguous(problem: str, hint: str, path: str | None) -> InputError:
    return InputError(f"cannot tell the columns: {problem}", path=path, hint=hint)


def time_candidates(values: np.ndarray) -> list[int]:
    """Columns that never decrease and increase on at least :data:`MIN_INCREASING` of rows.

    A sample counter (steps of exactly 1) is left out. Repeated timestamps are allowed
    (the reader drops such rows and counts them); a clock never runs backwards.
    """
    found = []
    for j in range(values.shape[1]):
        dt = np.diff(values[:, j])
        if (
            dt.size
            and bool((dt >= 0).all())
            and float((dt > 0).mean()) >= MIN_INCREASING
            and not bool((dt == 1).all())
        ):
            found.append(j)
    return found


def infer_time_unit(time: np.ndarray, *, path: str | None = None) -> tuple[str, str]:
    """Return the time unit (``"s"``, ``"ms"``, ``"us"``) that makes the stream plausible.

    Returns the unit and a sentence saying why. See step 2 of the module docs.
    """
    span = float(time[-1] - time[0])
    fits = []
    for unit, scale in TIME_UNITS.items():
        duration = span * scale
        rate = (time.size - 1) / duration if duration > 0 else math.inf
        if (
            PLAUSIBLE_RATE_HZ[0] <= rate <= PLAUSIBLE_RATE_HZ[1]
            and PLAUSIBLE_DURATION_S[0] <= duration <= PLAUSIBLE_DURATION_S[1]
        ):
            fits.append((unit, rate, duration))
    if len(fits) != 1:
        problem = (
            f"no time unit gives a plausible stream (span {span:g} over {time.size} rows)"
            if not fits
            else "the time column fits several units (" + ", ".join(f[0] for f in fits) + ")"
        )
        raise _ambiguous(problem, "Pass --time-unit s, ms or us.", path)
    unit, rate, duration = fits[0]
    return unit, (
        f"{unit}: {duration:.1f} s at {rate:.3g} rows/s; the other units give rates "
        f"outside {PLAUSIBLE_RATE_HZ[0]:g}-{PLAUSIBLE_RATE_HZ[1]:g} Hz"
    )


def acc_unit_of(median_magnitude: float) -> str | None:
    """``"g"`` or ``"m/s2"`` if a median magnitude is that of resting specific force."""
    if RESTING_MAGNITUDE_RANGE_G[0] <= median_magnitude <= RESTING_MAGNITUDE_RANGE_G[1]:
        return "g"
    if MPS2_MAGNITUDE_RANGE[0] <= median_magnitude <= MPS2_MAGNITUDE_RANGE[1]:
        return "m/s2"
    return None


def gravity_score(magnitude: np.ndarray, unit: str) -> float:
    """How unlike resting specific force a magnitude series is (0: always exactly gravity).

    ``|ln(median / gravity)| + IQR / median``, gravity being 1 g or 9.80665 m/s^2. An
    accelerometer reads gravity at rest and near it through most of a set; a gyroscope
    whose median happens to be near 1 (rad/s in a curl) swings from its bias at rest to
    several times that in each rep. On 41 real bar recordings the accelerometer scored
    0.06-0.64 and the gyroscope (rad/s) 1.39-2.3.
    """
    gravity = 1.0 if unit == "g" else 9.80665
    q25, q50, q75 = np.percentile(magnitude, [25, 50, 75])
    return float(abs(math.log(q50 / gravity)) + (q75 - q25) / q50)


def infer_acc(
    values: np.ndarray, *, exclude: set[int], path: str | None = None
) -> tuple[tuple[int, int, int], str, str]:
    """Return the accelerometer columns, their unit and why (step 3 of the module docs)."""
    n_cols = values.shape[1]
    usable = [
        j not in exclude
        and bool(np.ptp(values[:, j]) > 0)
        and not bool((np.diff(values[:, j]) > 0).all())
        for j in range(n_cols)
    ]
    found = []
    for j in range(n_cols - 2):
        cols = (j, j + 1, j + 2)
        if all(usable[c] for c in cols):
            magnitude = np.linalg.norm(values[:, list(cols)], axis=1)
            median = float(np.median(magnitude))
            unit = acc_unit_of(median)
            if unit is not None:
                score = gravity_score(magnitude, unit)
                if score <= MAX_GRAVITY_SCORE:
                    found.append((cols, unit, median, score))
    if not found:
        raise _ambiguous(
            "no three adjacent columns read like an accelerometer at rest (a magnitude "
            "near 1 g or 9.81 m/s^2 through most of the recording)",
            "Pass --columns TIME,AX,AY,AZ[,GX,GY,GZ] and --acc-unit.",
            path,
        )
    cols, unit, median, score = found[0]
    apart = [f for f in found[1:] if f[0][0] > cols[2]]
    other = min(apart, key=lambda f: f[3]) if apart else None
    if other is not None and other[3] * CLEARLY_BETTER <= score:
        cols, unit, median, score = other
    elif other is not None and score * CLEARLY_BETTER > other[3]:
        raise _ambiguous(
            f"two accelerometer-like column triplets (columns {cols[0] + 1}-{cols[2] + 1} "
            f"and {other[0][0] + 1}-{other[0][2] + 1})",
            "Pass --columns TIME,AX,AY,AZ[,GX,GY,GZ].",
            path,
        )
    why = (
        f"median |acc| {median:.3g} {'g' if unit == 'g' else 'm/s^2'} (gravity), "
        f"gravity score {score:.2f} (at most {MAX_GRAVITY_SCORE:g})"
    )
    return cols, unit, why


def gyro_coupling_ratio(
    time_s: np.ndarray, acc: np.ndarray, gyr: np.ndarray, *, window_s: float = COUPLING_WINDOW_S
) -> tuple[float, float]:
    """Observed over predicted turning rate of gravity, gyroscope values taken as rad/s.

    Both signals are averaged over ``window_s`` (on the given, possibly irregular,
    timestamps); ``u`` is the unit vector of the averaged specific force and its rate of
    change is a central difference over the same window. The gyroscope's median is
    subtracted (a rough bias removal). The ratio is ``sum |du/dt| / sum |omega x u|`` over
    the quarter of samples where ``|omega x u|`` is largest.

    Returns
    -------
    ratio, turn_rate
        The ratio, and the median observed turning rate (rad/s) of those samples.
    """
    t = np.asarray(time_s, dtype=float)
    lo = np.searchsorted(t, t - window_s / 2)
    hi = np.searchsorted(t, t + window_s / 2, side="right")

    def smooth(x: np.ndarray) -> np.ndarray:
        c = np.vstack([np.zeros(x.shape[1]), np.cumsum(x, axis=0)])
        return (c[hi] - c[lo]) / (hi - lo)[:, None]

    a = smooth(np.asarray(acc, dtype=float))
    w = smooth(np.asarray(gyr, dtype=float))
    w = w - np.median(w, axis=0)
    norm = np.linalg.norm(a, axis=1)
    u = a / np.where(norm > 0, norm, 1.0)[:, None]
    last = np.clip(hi - 1, 0, t.size - 1)
    span = t[last] - t[lo]
    ok = span > window_s / 2
    if ok.sum() < 8:
        return math.nan, 0.0
    du = np.linalg.norm((u[last] - u[lo]) / np.where(ok, span, 1.0)[:, None], axis=1)
    predicted = np.linalg.norm(np.cross(w, u), axis=1)
    sel = ok & (predicted >= np.percentile(predicted[ok], 75))
    total = float(predicted[sel].sum())
    if total <= 0:
        return math.nan, 0.0
    return float(du[sel].sum()) / total, float(np.median(du[sel]))


def infer_gyr_unit(
    time_s: np.ndarray, acc: np.ndarray, gyr: np.ndarray, *, path: str | None = None
) -> tuple[str, str]:
    """Return ``"rad/s"`` or ``"deg/s"`` for the gyroscope and why (step 4 of the module docs)."""
    ratio, turn = gyro_coupling_ratio(time_s, acc, gyr)
    if not math.isfinite(ratio) or turn < MIN_TURN_RATE_RADPS:
        median = float(np.median(np.linalg.norm(np.asarray(gyr, dtype=float), axis=1)))
        if median >= STILL_DPS_MIN_MEDIAN:
            return "deg/s", (
                f"deg/s (fairly sure): gravity hardly turns ({turn:.2g} rad/s), so a median "
                f"rate of {median:.3g} can only be deg/s of gyroscope bias, not rad/s"
            )
        raise _ambiguous(
            "the sensor hardly turns, so the gyroscope unit cannot be told from the data",
            "Pass --gyr-unit deg/s or rad/s.",
            path,
        )
    if ratio >= RADS_MIN_RATIO:
        unit = "rad/s"
        sure = "sure" if ratio >= 2 * RADS_MIN_RATIO else "fairly sure"
    elif ratio <= DPS_MAX_RATIO:
        unit = "deg/s"
        sure = "sure" if ratio <= DPS_MAX_RATIO / 2 else "fairly sure"
    else:
        raise _ambiguous(
            f"gravity turns {ratio:.3g}x as fast as the gyroscope says in rad/s, which fits "
            "neither rad/s (about 1) nor deg/s (about 0.017)",
            "Pass --gyr-unit deg/s or rad/s.",
            path,
        )
    return unit, (
        f"{unit} ({sure}): gravity turns {ratio:.3g}x the gyroscope rate read as rad/s "
        f"(rad/s: about 1, deg/s: about 0.017)"
    )
